"""A Branch that fails before it requests its peerings stalls no other Region (site.yml, 1 Home + 2 Branches).

The sandbox refuses the first CreateSecurityGroup in one Branch's Region (a permanent error, not a throttle), so that
Branch fails in the network play, before the peering play. Sorted by name the Regions are eu-west-1, us-east-1,
us-west-2, and the round-robin split makes eu-west-1 the requester of its pair with the Home: the Home must notice
at once that nobody will request it, instead of waiting for it until the peering timeout. The timeout is cut to
PEERING_TIMEOUT seconds, so a Region that waits fails (and the test with it) instead of stalling it for minutes.
Then, the fault gone, a re-run converges to a clean deployment.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability.runner import Deploy  # noqa: E402
from reliability.runner import recap  # noqa: E402

from bench import inventory  # noqa: E402
from tests.lib import resources  # noqa: E402

PEERING_TIMEOUT = 60


def topology(branches):
    return [(region, inventory.region_host(region, i)) for i, region in enumerate(inventory.regions(branches))]


def test_a_branch_failing_before_its_peerings_stalls_no_other_region(sandbox, tmp_path):
    home, good, bad = inventory.regions(2)
    assert sorted([home, good, bad])[0] == bad  # bad requests its pair with the Home (see the docstring)
    inv = inventory.write(tmp_path / "inventory", 2)
    deploy = Deploy(sandbox, inv, tmp_path, extra_vars={"network_peering_timeout": PEERING_TIMEOUT})
    fault = {"service": "ec2", "region": bad, "action": "CreateSecurityGroup", "count": 1}
    fault.update(code="UnauthorizedOperation", status=403, message="Injected: not authorized")
    sandbox.control("POST", "faults", {"rules": [fault]})

    rc, output = deploy.run()
    assert rc != 0
    counts = recap(output)
    assert counts[bad]["failed"] == 1, counts
    assert counts[home]["failed"] == counts[good]["failed"] == 0, (counts, output[-5000:])
    # The Home's peering reads (its own request, then the others') span seconds, not the timeout.
    reads = [
        c["time"] for c in sandbox.calls() if c["action"] == "DescribeVpcPeeringConnections" and c["region"] == home
    ]
    assert reads and max(reads) - min(reads) < PEERING_TIMEOUT / 2, max(reads) - min(reads)
    assert f"peering with {bad} skipped (failed earlier in this run)" in output

    state = resources.snapshot(sandbox.client, inventory.regions(2))
    assert {(e[0], e[2]) for e in state["endpoint"]} == {(home, "available"), (good, "available")}
    assert sorted(p[:2] for p in state["peering"]) == [tuple(sorted((home, good)))]
    assert {r[2] for r in state["record"] if r[2]} == {home, good}

    sandbox.control("DELETE", "faults")
    rc, output = deploy.run()
    assert rc == 0, output[-5000:]
    assert not [h for h, c in recap(output).items() if c.get("failed") or c.get("unreachable")], output[-5000:]
    problems = resources.differences(
        resources.snapshot(sandbox.client, inventory.regions(2)), resources.expected(topology(2))
    )
    assert not problems, "\n".join(problems)
