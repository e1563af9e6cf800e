"""Failing Branches stall no other Region, and a re-run completes them (site.yml, 1 Home + 3 Branches).

One Branch fails before its peerings, another at its AD Connector; the Home and the third Branch deploy without
waiting on them and answer DNS for every client, the failed Branches have no record; once the faults clear, a
re-run converges to the clean deployment (reliability/checks.py).

The inventory authenticates clients with ``vpn_authentication: saml`` (an IAM SAML identity provider created in the
sandbox's IAM, another for the self-service portal, enabled): this deployment is also the one that proves saml mode
through site.yml. After the re-run every endpoint has the one federated option with those providers and its portal,
the client file asks for federated sign-in, and playbooks/verify.yml passes, every probe reaching its own Region.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deployment_checks import verification_rows  # noqa: E402
from reliability.checks import assert_clean_deployment  # noqa: E402
from reliability.checks import assert_no_failed_task  # noqa: E402
from reliability.checks import dns_answers  # noqa: E402
from reliability.checks import region_names  # noqa: E402
from reliability.checks import snapshot  # noqa: E402
from reliability.checks import topology  # noqa: E402
from reliability.runner import REPO  # noqa: E402
from reliability.runner import Deploy  # noqa: E402
from reliability.runner import recap  # noqa: E402

from bench import inventory  # noqa: E402

pytestmark = pytest.mark.deploys(2)

PEERING_TIMEOUT = 60  # s: a Region that waits for a failed peer fails the test instead of stalling it
# Above 0, so that the sandbox's effects act as on AWS (describes that miss new resources, waits, busy directories);
# the simulated waits stay seconds long (directory 3.6 s, Region add 4.8 s).
TIME_SCALE = 0.002
# A SAML metadata document of IAM's minimum length (1,000 characters); nothing reads its content here.
SAML_METADATA = "<EntityDescriptor>" + "x" * 1000 + "</EntityDescriptor>"


def saml_group_vars(sandbox):
    """vpn_authentication saml with two new IAM SAML identity providers: sign-in and the self-service portal."""
    iam = sandbox.client("iam")
    arns = [
        iam.create_saml_provider(Name=name, SAMLMetadataDocument=SAML_METADATA)["SAMLProviderArn"]
        for name in ("okta", "okta-portal")
    ]
    return {
        "vpn_authentication": "saml",
        "saml_provider_arn": arns[0],
        "self_service_saml_provider_arn": arns[1],
        "self_service_portal": "enabled",
    }


def assert_saml_endpoints(sandbox, branches, group_vars):
    """Every Region's one endpoint authenticates with the one federated option, the providers of ``group_vars``,
    and has its self-service portal."""
    for region in region_names(branches):
        endpoints = [
            e
            for e in sandbox.client("ec2", region).describe_client_vpn_endpoints()["ClientVpnEndpoints"]
            if e["Status"]["Code"] not in ("deleting", "deleted")
        ]
        assert len(endpoints) == 1, (region, endpoints)
        (endpoint,) = endpoints
        assert endpoint["AuthenticationOptions"] == [
            {
                "Type": "federated-authentication",
                "FederatedAuthentication": {
                    "SamlProviderArn": group_vars["saml_provider_arn"],
                    "SelfServiceSamlProviderArn": group_vars["self_service_saml_provider_arn"],
                },
            }
        ], (region, endpoint["AuthenticationOptions"])
        assert endpoint["SelfServicePortalUrl"].endswith(endpoint["ClientVpnEndpointId"]), (region, endpoint)


def assert_verified(sandbox, inv, workdir, branches):
    """playbooks/verify.yml passes on ``inv``, writes nothing, and every Region's probe reaches its own Region's
    endpoint (its table parsed as test_lifecycle.py's test_verify does)."""
    sandbox.clear_calls()
    rc, output = Deploy(sandbox, inv, workdir, playbook=REPO / "playbooks" / "verify.yml").run()
    assert rc == 0, output[-5000:]
    assert_no_failed_task(output)
    assert sandbox.write_calls() == [], "verify is read-only"
    rows = {fields[0]: fields for fields in verification_rows(output, region_names(branches))}
    assert sorted(rows) == sorted(region_names(branches)), output[-5000:]
    for region, host in topology(branches):
        # Region, endpoint, status, checkers (successes/observations: diagnostics only, not asserted), probe, the Region
        # it reaches, wildcard, verdict.
        assert rows[region][2] == "available" and rows[region][4:] == [host["probe_ip"], region, "ok", "ok"], rows


def test_failing_branches_leave_the_others_serving_and_complete_on_rerun(sandbox, tmp_path):
    """One Branch fails before its peerings, another at its AD Connector; the Home and the third serve.

    ``early`` (eu-west-1) is refused its first CreateSecurityGroup (a permanent error, not a throttle), so it fails in
    the network play, before the peering play. Sorted by name it comes first, and the round-robin split makes it the
    requester of its pair with the Home: the Home must notice at once that nobody will request that pair, instead of
    waiting for it until the peering timeout (cut to PEERING_TIMEOUT s, so that a Region that waits fails the test
    instead of stalling it). ``late`` fails at ConnectDirectory, after its network, peerings and Region add.

    Clients authenticate with SAML (saml_group_vars): the AD Connectors are built all the same, and after the re-run
    every endpoint holds the federated option and its portal, the client file says auth-federate, and verify passes.
    """
    home, good, early, late = region_names(3)
    assert sorted([home, good, early, late])[0] == early  # early requests its pair with the Home (see above)
    sandbox.set_time_scale(TIME_SCALE)
    saml = saml_group_vars(sandbox)
    inv = inventory.write(tmp_path / "inventory", 3, saml)
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

    assert_saml_endpoints(sandbox, 3, saml)
    client_file = tmp_path / "artifacts" / f"{inventory.VPN_NAME}.ovpn"
    assert "auth-federate" in client_file.read_text().splitlines()
    assert_verified(sandbox, inv, tmp_path, 3)
