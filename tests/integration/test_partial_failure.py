"""Failing Branches stall no other Region, and a re-run completes them (site.yml, 1 Home + 3 Branches).

One Branch fails before its peerings, another at its AD Connector; the Home and the third Branch deploy without
waiting on them and answer DNS for every client, the failed Branches have no record; once the faults clear, a
re-run converges to the clean deployment (reliability/checks.py).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability.checks import assert_clean_deployment  # noqa: E402
from reliability.checks import assert_no_failed_task  # noqa: E402
from reliability.checks import dns_answers  # noqa: E402
from reliability.checks import region_names  # noqa: E402
from reliability.checks import snapshot  # noqa: E402
from reliability.runner import Deploy  # noqa: E402
from reliability.runner import recap  # noqa: E402

from bench import inventory  # noqa: E402

pytestmark = pytest.mark.deploys(2)

PEERING_TIMEOUT = 60  # s: a Region that waits for a failed peer fails the test instead of stalling it
# Above 0, so that the sandbox's effects act as on AWS (describes that miss new resources, waits, busy directories);
# the simulated waits stay seconds long (directory 3.6 s, Region add 4.8 s).
TIME_SCALE = 0.002


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
    sandbox.set_time_scale(TIME_SCALE)
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
