"""What the reliability tests check after a run of site.yml on a bench/inventory.py topology.

A deployment is compared with what a clean deployment of that inventory holds (tests/lib/resources.py: every
resource by its identifying attributes, so a duplicate directory, connector, endpoint, association, rule, route,
health check or record shows as a difference).
"""

import time

from bench import inventory
from sandbox.clock import DURATIONS
from tests.lib import resources

from .runner import recap


def topology(branches):
    return [(region, inventory.region_host(region, i)) for i, region in enumerate(inventory.regions(branches))]


def region_names(branches):
    return inventory.regions(branches)


def snapshot(sandbox, branches):
    return resources.snapshot(sandbox.client, region_names(branches))


def leftovers(sandbox, branches):
    """What molecule's destroy step would report as left (tests/lib/resources.py's leftovers)."""
    group_vars = inventory.GROUP_VARS
    return resources.leftovers(
        sandbox.client,
        region_names(branches),
        group_vars["vpn_name"],
        group_vars["hosted_zone"],
        group_vars["directory_name"],
    )


def settled_snapshot(sandbox, branches):
    """The deployment once it equals a clean one, or as it stands when AWS's consistency window has passed: a
    resource created at the end of a run may be missing from the first listings (as on AWS); a duplicate stays."""
    wanted = resources.expected(topology(branches))
    deadline = time.monotonic() + DURATIONS["consistency"] + 5
    while True:
        state = snapshot(sandbox, branches)
        if not resources.differences(state, wanted) or time.monotonic() > deadline:
            return state
        time.sleep(1)


def assert_clean_deployment(sandbox, branches):
    problems = resources.differences(settled_snapshot(sandbox, branches), resources.expected(topology(branches)))
    assert not problems, "\n".join(problems)


def assert_no_failed_task(output):
    counts = recap(output)
    assert counts, output[-3000:]
    failed = {host: c for host, c in counts.items() if c.get("failed") or c.get("unreachable")}
    assert not failed, (failed, output[-5000:])


def dns_answers(sandbox, branches):
    """{Region: the endpoint Region Route 53 answers for a client near it} for the VPN name."""
    route53 = sandbox.client("route53")
    (zone,) = route53.list_hosted_zones_by_name(DNSName="example.com")["HostedZones"][:1]
    answers = {}
    for region, host in topology(branches):
        answer = route53.test_dns_answer(
            HostedZoneId=zone["Id"].split("/")[-1],
            RecordName=inventory.VPN_NAME,
            RecordType="CNAME",
            # As the collection asks: the client is its own resolver, so the answer does not depend on whether
            # a resolver passes the client subnet on.
            ResolverIP=host["probe_ip"],
            EDNS0ClientSubnetIP=host["probe_ip"],
        )
        assert answer["ResponseCode"] == "NOERROR", answer
        (data,) = answer["RecordData"]
        answers[region] = data.split(".")[-3]  # vpn.cvpn-endpoint-<id>.prod.clientvpn.<Region>.amazonaws.com
    return answers
