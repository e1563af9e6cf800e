"""site.yml under throttling, interruption and a failing Branch; secrets at -vvvv (issue 8).

Each test deploys a small topology from bench/inventory.py (1 Home + 1 Branch, or + 3 Branches for
the partial failure) and compares what the sandbox holds with what a clean deployment of that
inventory holds (tests/lib/resources.py: every resource by its identifying attributes, so a
duplicate directory, connector, endpoint, association, rule, route, health check or record shows
as a difference).

- A bad day + secrets + teardown (one deploy, shared by six tests): the sandbox throttles 30% of all
  calls with each service's throttling code, and the first call of every create site.yml makes takes
  effect and then loses its answer (a 500 botocore retries, or a connection closed without an
  answer). site.yml runs once at -vvvv and must converge with no failed task and leave exactly the
  clean deployment: nothing created twice (the playbooks' aws_config retries cover the amazon.aws
  modules without a retry decorator of their own); then teardown.yml runs at -vvvv. Neither output
  nor the call log holds the directory password (also the AD Connector service account's: the
  inventory's default) or any private key; keys and the client file are 0600; teardown leaves none
  of what the deploy created (the hosted zone included: site.yml created it).
- Interruption: every wait is held open (time scale 1.0) and ansible-playbook is SIGKILLed, its whole
  process tree (ansible's workers run in sessions of their own: killing the process group would let
  them finish the interrupted tasks), while both Regions wait on the directory, then while the Branch
  waits on its Region add and the Home on its subnet associations; the sandbox's clock jumps forward
  between runs; the last re-run converges to the clean deployment without starting again what was
  started.
- Partial failure (1 Home + 3 Branches): one Branch fails before its peerings, another at its AD
  Connector; the Home and the third Branch deploy without waiting on them and answer DNS for every
  client, the failed Branches have no record; once the faults clear, a re-run completes them.

Bad inventories are test_preflight.py's; teardown's own behaviour (one Region, a pre-existing zone) is
test_lifecycle.py's.
"""

import json
import stat
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability.runner import REPO  # noqa: E402
from reliability.runner import Deploy  # noqa: E402
from reliability.runner import after  # noqa: E402
from reliability.runner import count  # noqa: E402
from reliability.runner import recap  # noqa: E402
from reliability.runner import warped_clock  # noqa: E402

from bench import inventory  # noqa: E402
from sandbox.clock import DURATIONS  # noqa: E402
from tests.lib import resources  # noqa: E402

THROTTLING_CODES = {"RequestLimitExceeded", "ThrottlingException", "Throttling"}
TEARDOWN = REPO / "playbooks" / "teardown.yml"
HOUR = 3600
PEERING_TIMEOUT = 60  # s: a Region that waits for a failed peer fails the test instead of stalling it

# Every create site.yml makes, answered by a sandbox handler or by moto.
LOST_CREATES = (
    "CreateMicrosoftAD",
    "AddRegion",
    "ConnectDirectory",
    "CreateClientVpnEndpoint",
    "AssociateClientVpnTargetNetwork",
    "AuthorizeClientVpnIngress",
    "CreateClientVpnRoute",
    "CreateHealthCheck",
    "ChangeResourceRecordSets",
    "ImportCertificate",
    "CreateVpcPeeringConnection",
)

pytestmark = pytest.mark.deploys
# The tests of the shared bad-day deployment run on one pytest-xdist worker, the deployment's.
bad_day_step = pytest.mark.xdist_group("bad_day")


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


def assert_clean_deployment(sandbox, branches):
    problems = resources.differences(snapshot(sandbox, branches), resources.expected(topology(branches)))
    assert not problems, "\n".join(problems)


def assert_no_failed_task(output):
    counts = recap(output)
    assert counts, output[-3000:]
    failed = {host: c for host, c in counts.items() if c.get("failed") or c.get("unreachable")}
    assert not failed, (failed, output[-5000:])


# ------------------------------------------------- throttling, lost answers and secrets


class BadDay:
    """What the shared deploy + teardown observed (the module fixture fills it)."""

    deploy_rc = None
    deploy_output = ""
    deploy_calls = ()
    deployed = None
    teardown_rc = None
    teardown_output = ""
    teardown_calls = ()
    after_teardown = None
    leftovers_deployed = ()
    leftovers_after_teardown = ()
    key_files = ()
    client_files = ()
    private_key_lines = ()
    lost_rules = ()


@pytest.fixture(scope="module")
def bad_day(sandbox_server, tmp_path_factory):
    """1 Home + 1 Branch deployed at -vvvv, throttled and losing answers, then torn down at -vvvv."""
    from sandbox.handle import SandboxHandle

    sandbox = SandboxHandle(sandbox_server.url)
    sandbox.control("POST", "reset")
    sandbox.set_time_scale(0.0)
    workdir = tmp_path_factory.mktemp("bad-day")
    inv = inventory.write(workdir / "inventory", 1)
    observed = BadDay()
    try:
        # The first call of each create loses its answer, both ways alternately: a 500 (InternalError and the
        # like) and a dropped connection. These rules come first, so that throttling cannot take their place.
        observed.lost_rules = [
            {"action": action, "count": 1, "kind": "lost_response" if i % 2 == 0 else "dropped_connection"}
            for i, action in enumerate(LOST_CREATES)
        ]
        # 30% of all calls at random; and the first two of each service, so that every service (ACM makes
        # only a few calls) answers with its throttling code at least once, whatever the random draw.
        first = [{"service": service, "count": 2} for service in ("ec2", "ds", "acm", "route53")]
        rules = [*observed.lost_rules, *first, {"rate": 0.3}]
        sandbox.control("POST", "faults", {"seed": 8, "rules": rules})
        observed.deploy_rc, observed.deploy_output = Deploy(sandbox, inv, workdir, verbosity=4).run()
        observed.deploy_calls = sandbox.calls()
        sandbox.control("DELETE", "faults")
        observed.deployed = snapshot(sandbox, 1)
        observed.leftovers_deployed = leftovers(sandbox, 1)
        artifacts = workdir / "artifacts"
        observed.key_files = sorted(artifacts.rglob("*.key"))
        observed.client_files = sorted(artifacts.rglob("*.ovpn"))
        observed.private_key_lines = sorted(
            {line for key in observed.key_files for line in key.read_text().splitlines()[1:-1] if len(line) > 40}
        )
        modes = {path: stat.S_IMODE(path.stat().st_mode) for path in [*observed.key_files, *observed.client_files]}
        observed.modes = modes

        sandbox.clear_calls()
        teardown = Deploy(
            sandbox, inv, workdir, playbook=TEARDOWN, extra_vars={"teardown_confirm": inventory.VPN_NAME}, verbosity=4
        )
        observed.teardown_rc, observed.teardown_output = teardown.run()
        observed.teardown_calls = sandbox.calls()
        observed.after_teardown = snapshot(sandbox, 1)
        observed.leftovers_after_teardown = leftovers(sandbox, 1)
        yield observed
    finally:
        sandbox.control("DELETE", "faults")


@bad_day_step
def test_bad_day_deploy_has_no_failed_task(bad_day):
    throttles = [c for c in bad_day.deploy_calls if c.get("error_code") in THROTTLING_CODES]
    # 30% of the calls were refused: the run had to absorb many throttling errors.
    assert len(throttles) > 0.2 * len(bad_day.deploy_calls), len(throttles)
    assert {c["service"] for c in throttles} >= {"ec2", "ds", "acm", "route53"}
    assert bad_day.deploy_rc == 0, bad_day.deploy_output[-5000:]
    assert_no_failed_task(bad_day.deploy_output)


@bad_day_step
def test_bad_day_deploy_creates_what_a_clean_deploy_creates(bad_day):
    problems = resources.differences(bad_day.deployed, resources.expected(topology(1)))
    assert not problems, "\n".join(problems)


@bad_day_step
def test_every_create_lost_its_first_answer_and_was_made_once(bad_day):
    """The clean deployment above holds one of each: what a lost answer had created was found, not made again."""
    lost = [c for c in bad_day.deploy_calls if c.get("fault")]
    assert {c["action"]: c["fault"] for c in lost} == {rule["action"]: rule["kind"] for rule in bad_day.lost_rules}
    assert all(c["performed_status"] == 200 for c in lost), lost


@bad_day_step
def test_secrets_never_in_verbose_output_or_call_log(bad_day):
    assert bad_day.teardown_rc == 0, bad_day.teardown_output[-5000:]
    assert bad_day.private_key_lines, "no private key was written"
    texts = {
        "deploy output": bad_day.deploy_output,
        "teardown output": bad_day.teardown_output,
        "call log": json.dumps([*bad_day.deploy_calls, *bad_day.teardown_calls]),
    }
    assert "<ca>" in bad_day.deploy_output or bad_day.client_files  # the run went as far as the client file
    for where, text in texts.items():
        assert inventory.DIRECTORY_PASSWORD not in text, f"the directory password is in the {where}"
        assert "PRIVATE KEY" not in text, f"a private key is in the {where}"
        leaked = [line for line in bad_day.private_key_lines if line in text]
        assert not leaked, f"{len(leaked)} lines of a private key are in the {where}"


@bad_day_step
def test_keys_and_client_files_are_private(bad_day):
    assert bad_day.key_files and bad_day.client_files
    wrong = {str(path): oct(mode) for path, mode in bad_day.modes.items() if mode != 0o600}
    assert not wrong, wrong


@bad_day_step
def test_teardown_after_the_bad_day_leaves_nothing(bad_day):
    # Everything in the snapshot was created by site.yml here, the hosted zone included (no zone pre-existed).
    assert bad_day.teardown_rc == 0, bad_day.teardown_output[-5000:]
    left = {kind: items for kind, items in bad_day.after_teardown.items() if items}
    assert not left, left
    # The check molecule's destroy step makes saw every kind of resource after the deploy, and sees none now.
    kinds = [label for _, label in resources.REGION_KINDS]
    everything = [f"{region}: {kind}" for region in region_names(1) for kind in kinds]
    everything += [
        "Route 53: Client VPN health check",
        f"Route 53: hosted zone {inventory.GROUP_VARS['hosted_zone']}",
        f"Route 53: record of {inventory.GROUP_VARS['vpn_name']}",
    ]
    assert bad_day.leftovers_deployed == sorted(everything)
    assert bad_day.leftovers_after_teardown == []


# -------------------------------------------------------------------------- interruption


def test_interrupted_deploys_converge_without_duplicates(sandbox, sandbox_server, tmp_path):
    """Kill while waiting on the directory, then while waiting on a Region add and on associations."""
    home, branch = region_names(1)
    inv = inventory.write(tmp_path / "inventory", 1)
    deploy = Deploy(sandbox, inv, tmp_path)
    ds_home = sandbox.client("ds", home)
    sandbox.set_time_scale(1.0)  # AWS-like durations: nothing finishes unless the clock is moved

    def stages(client, kind):
        return [d["Stage"] for d in client.describe_directories()["DirectoryDescriptions"] if d["Type"] == kind]

    with warped_clock(sandbox_server) as advance:
        # 1. Both Regions wait on the Home directory: the Home has imported its certificate (tags in the same
        # ImportCertificate call), the last step of its chain before that wait, and the directory has been polled since; the Branch's chain
        # begins with that wait (its Region add starts the moment the directory is Active, before its own work).
        def waiting_on_directory(calls):
            polls = after(calls, service="acm", region=home)
            return (
                count(calls, "CreateMicrosoftAD") == 1
                and count(calls, "ImportCertificate", home)
                and count(polls, "DescribeDirectories", home) >= 3
            )

        killed, _, output, calls = deploy.run_until(waiting_on_directory)
        assert killed, output[-3000:]
        assert count(calls, "AddRegion") == 0
        assert count(calls, "ImportCertificate", branch) == 0
        assert stages(ds_home, "MicrosoftAD") == ["Creating"]
        advance(HOUR)

        # 2. The Branch waits on its Region add while the Home waits on its subnet associations.
        def waiting_on_region_and_associations(calls):
            region_polls = after(calls, action="AddRegion")
            association_polls = after(calls, action="AssociateClientVpnTargetNetwork", region=home)
            return (
                count(region_polls, "DescribeRegions") >= 2
                and count(association_polls, "DescribeClientVpnTargetNetworks", home) >= 2
            )

        killed, _, output, calls = deploy.run_until(waiting_on_region_and_associations)
        assert killed, output[-3000:]
        assert count(calls, "CreateMicrosoftAD") == 0
        regions = ds_home.describe_regions(
            DirectoryId=ds_home.describe_directories()["DirectoryDescriptions"][0]["DirectoryId"]
        )
        assert {r["RegionName"]: r["Status"] for r in regions["RegionsDescription"]}[branch] == "Creating"
        ec2 = sandbox.client("ec2", home)
        (endpoint,) = ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        # The associations were requested a moment ago: like AWS, a describe may miss them for a while.
        deadline = time.monotonic() + DURATIONS["consistency"] + 5
        while True:
            networks = ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=endpoint["ClientVpnEndpointId"])
            if networks["ClientVpnTargetNetworks"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert {n["Status"]["Code"] for n in networks["ClientVpnTargetNetworks"]} == {"associating"}
        advance(HOUR)

        # 3. The re-run completes (remaining waits instant) and leaves exactly a clean deployment.
        sandbox.set_time_scale(0.0)
        sandbox.clear_calls()
        rc, output = deploy.run()
        assert rc == 0, output[-5000:]
        assert_no_failed_task(output)
        # What the interrupted runs started is found, not started again.
        again = [
            c
            for c in sandbox.write_calls()
            if c["action"] in ("CreateMicrosoftAD", "AddRegion")
            or (c["action"] in ("CreateClientVpnEndpoint", "AssociateClientVpnTargetNetwork") and c["region"] == home)
        ]
        assert not again, again
        # Inside the warp: the simulated states were reached on the moved clock.
        assert_clean_deployment(sandbox, 1)


# ----------------------------------------------------------------------- partial failure


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


def test_failing_branches_leave_the_others_serving_and_complete_on_rerun(sandbox, tmp_path):
    """One Branch fails before its peerings, another at its AD Connector; the Home and the third serve.

    ``early`` (eu-west-1) is refused its first CreateSecurityGroup (a permanent error, not a throttle), so it fails in
    the network play, before the peering play. Sorted by name it comes first, and the round-robin split makes it the
    requester of its pair with the Home: the Home must notice at once that nobody will request that pair, instead of
    waiting for it until the peering timeout (cut to PEERING_TIMEOUT s, so that a Region that waits fails the test
    instead of stalling it). ``late`` fails at ConnectDirectory, after its network, peerings and Region add.
    """
    home, good, early, late = region_names(3)
    assert sorted([home, good, early, late])[0] == early  # early requests its pair with the Home (see above)
    inv = inventory.write(tmp_path / "inventory", 3)
    deploy = Deploy(sandbox, inv, tmp_path, extra_vars={"network_peering_timeout": PEERING_TIMEOUT})
    early_fault = {"service": "ec2", "region": early, "action": "CreateSecurityGroup", "count": 1}
    early_fault.update(code="UnauthorizedOperation", status=403, message="Injected: not authorized")
    late_fault = {"service": "ds", "action": "ConnectDirectory", "region": late, "rate": 1.0}
    late_fault.update(code="ClientException", status=400, message="Injected: the AD Connector cannot be created")
    sandbox.control("POST", "faults", {"rules": [early_fault, late_fault]})

    rc, output = deploy.run()
    assert rc != 0
    counts = recap(output)
    assert counts[early]["failed"] == counts[late]["failed"] == 1, counts
    assert counts[home]["failed"] == counts[good]["failed"] == 0, (counts, output[-5000:])
    # The Home's peering reads (its own request, then the others') span seconds, not the timeout.
    reads = [
        c["time"] for c in sandbox.calls() if c["action"] == "DescribeVpcPeeringConnections" and c["region"] == home
    ]
    assert reads and max(reads) - min(reads) < PEERING_TIMEOUT / 2, max(reads) - min(reads)
    assert f"peering with {early} skipped (failed earlier in this run)" in output

    state = snapshot(sandbox, 3)
    assert {(e[0], e[2]) for e in state["endpoint"]} == {(home, "available"), (good, "available")}
    assert {e[0] for e in state["association"] if e[3] == "associated"} == {home, good}
    # Every pair but early's: late failed after its peerings.
    assert sorted(p[:2] for p in state["peering"]) == sorted(
        tuple(sorted(pair)) for pair in ((home, good), (home, late), (good, late))
    )
    latency = {r[2] for r in state["record"] if r[2]}
    assert latency == {home, good}, state["record"]
    assert len(state["health_check"]) == 2
    # Clients near a failed Branch are answered by a Region that has an endpoint.
    answers = dns_answers(sandbox, 3)
    assert answers[home] == home and answers[good] == good
    assert answers[early] in (home, good) and answers[late] in (home, good)

    sandbox.control("DELETE", "faults")
    rc, output = deploy.run()
    assert rc == 0, output[-5000:]
    assert_no_failed_task(output)
    assert_clean_deployment(sandbox, 3)
    assert dns_answers(sandbox, 3) == {region: region for region in region_names(3)}
