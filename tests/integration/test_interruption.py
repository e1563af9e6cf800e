"""site.yml killed while it waits, then re-run: it converges without starting again what was started.

1 Home + 1 Branch from bench/inventory.py. Every wait is held open (time scale 1.0) and ansible-playbook is
SIGKILLed, its whole process tree (ansible's workers run in sessions of their own: killing the process group would
let them finish the interrupted tasks), while both Regions wait on the directory, then while the Branch waits on
its Region add and the Home on its subnet associations; the sandbox's clock jumps forward between runs; the last
re-run converges to the clean deployment (reliability/checks.py).
"""

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability.checks import assert_clean_deployment  # noqa: E402
from reliability.checks import assert_no_failed_task  # noqa: E402
from reliability.checks import region_names  # noqa: E402
from reliability.runner import Deploy  # noqa: E402
from reliability.runner import after  # noqa: E402
from reliability.runner import count  # noqa: E402
from reliability.runner import warped_clock  # noqa: E402

from bench import inventory  # noqa: E402
from sandbox.clock import DURATIONS  # noqa: E402

pytestmark = pytest.mark.deploys(3)

HOUR = 3600
# The last re-run's scale: a connector takes about a second, like the bad-day and partial-failure deploys.
RERUN_TIME_SCALE = 0.002


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

        # 3. The re-run completes and leaves exactly a clean deployment. Its remaining waits are short but not
        # instant: above 0 the sandbox's effects still act (a new resource missing from its first describes).
        sandbox.set_time_scale(RERUN_TIME_SCALE)
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
