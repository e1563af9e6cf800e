"""The amazon.aws / community.aws modules the roles use, run by ansible-playbook against the sandbox.

Each playbook in playbooks/compat/ takes every resource through check mode (changed), apply
(changed), check mode again (not changed) and apply again (not changed), and cleans up in
``always``.  Every "apply again" is wrapped in two marker calls (``amazon.aws.aws_region_info``,
i.e. ec2:DescribeRegions, which nothing else in these playbooks calls): here we assert that no
write call reached the sandbox between a pair of markers, and that the cleanup left nothing.
"""

from pathlib import Path

import pytest

PLAYBOOKS = Path(__file__).parent / "playbooks" / "compat"


def reapply_windows(calls):
    """The calls made between each pair of marker calls, in order."""
    marks = [i for i, c in enumerate(calls) if c["action"] == "DescribeRegions"]
    assert marks and len(marks) % 2 == 0, f"unbalanced marker calls: {len(marks)}"
    return [calls[start + 1 : end] for start, end in zip(marks[::2], marks[1::2])]


def assert_reapplies_made_no_write(sandbox, expected_windows):
    windows = reapply_windows(sandbox.calls())
    assert len(windows) == expected_windows
    for number, window in enumerate(windows, start=1):
        assert window, f"apply-again #{number} made no API call at all"
        writes = [(c["service"], c["action"], c["region"]) for c in window if c["write"]]
        assert writes == [], f"apply-again #{number} made write calls: {writes}"


def test_network_modules(sandbox, run_playbook):
    run_playbook(PLAYBOOKS / "network.yml")
    assert_reapplies_made_no_write(sandbox, expected_windows=8)
    for region in ("us-east-1", "us-west-2"):
        ec2 = sandbox.client("ec2", region)
        tagged = ec2.describe_vpcs(Filters=[{"Name": "tag:Project", "Values": ["compat-network"]}])["Vpcs"]
        assert tagged == [], f"cleanup left VPCs in {region}"
        peerings = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
        assert all(p["Status"]["Code"] == "deleted" for p in peerings)


@pytest.mark.parametrize("playbook,windows", [("dns.yml", 3)])
def test_route53_modules(sandbox, run_playbook, playbook, windows):
    run_playbook(PLAYBOOKS / playbook)
    assert_reapplies_made_no_write(sandbox, expected_windows=windows)
    route53 = sandbox.client("route53")
    assert route53.list_health_checks()["HealthChecks"] == []
    assert [z["Name"] for z in route53.list_hosted_zones()["HostedZones"]] == []


def test_acm_certificate_with_chain(sandbox, run_playbook, tmp_path):
    run_playbook(PLAYBOOKS / "acm.yml", extra_vars={"compat_dir": str(tmp_path / "pki")})
    assert_reapplies_made_no_write(sandbox, expected_windows=1)
    assert sandbox.client("acm").list_certificates()["CertificateSummaryList"] == []
