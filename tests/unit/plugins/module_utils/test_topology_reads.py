"""What preflight's read-only look-ups found, judged by topology.resource_problems."""

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import resource_problems

NEW = {"host": "us-east-1", "name": "us-east-1", "role": "home", "vpc_cidr": "10.10.0.0/16", "client_cidr": "172.16.0.0/22",
       "subnets": [{"cidr": "10.10.1.0/24", "az": "us-east-1a"}, {"cidr": "10.10.2.0/24", "az": "us-east-1b"}]}  # fmt: skip
EXISTING = {"host": "us-west-2", "name": "us-west-2", "role": "branch", "vpc_id": "vpc-1",
            "subnet_ids": ["subnet-1", "subnet-2"], "client_cidr": "172.16.4.0/22"}  # fmt: skip
ZONES = {"availability_zones": [{"zone_name": f"us-east-1{z}"} for z in "abc"]}
VPC = {"vpcs": [{"vpc_id": "vpc-1", "id": "vpc-1", "cidr_block": "10.20.0.0/16"}]}
SUBNETS = {
    "subnets": [
        {"subnet_id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.20.1.0/24", "availability_zone": "us-west-2a"},
        {"subnet_id": "subnet-2", "vpc_id": "vpc-1", "cidr_block": "10.20.2.0/24", "availability_zone": "us-west-2b"},
    ]
}
SKIPPED = {"skipped": True, "changed": False}
# A failed read as the role registers it (failed_when: false clears "failed").
NOT_IMPLEMENTED = {
    "failed": False,
    "failed_when_result": False,
    "changed": False,
    "msg": "Unable to describe: An error occurred (NotImplementedBySandbox) when calling X: not emulated",
    "error": {"code": "NotImplementedBySandbox"},
}


def reads(**per_host):
    base = {"us-east-1": {"zones": ZONES}, "us-west-2": {"vpc": VPC, "subnets": SUBNETS}}
    for host, values in per_host.items():
        base[host] = dict(base[host], **values)
    return base


def test_everything_found_is_no_problem():
    assert resource_problems([NEW, EXISTING], reads(), {}) == []


def test_nothing_looked_up_is_no_problem():
    assert resource_problems([NEW, EXISTING], {}, {}) == []
    assert resource_problems([NEW], {"us-east-1": {"zones": SKIPPED}}, {}) == []


@pytest.mark.parametrize(
    "changes,expected",
    [
        (
            {"us-east-1": {"zones": {"availability_zones": [{"zone_name": "us-east-1a"}]}}},
            "us-east-1: Availability Zone(s) us-east-1b do not exist here (available: us-east-1a)",
        ),
        ({"us-west-2": {"vpc": {"vpcs": []}}}, "us-west-2: vpc_id vpc-1 does not exist in us-west-2"),
        ({"us-west-2": {"subnets": {"subnets": SUBNETS["subnets"][:1]}}}, "subnet_ids subnet-2 do not exist"),
        (
            {"us-west-2": {"subnets": {"subnets": [dict(s, vpc_id="vpc-9") for s in SUBNETS["subnets"]]}}},
            "us-west-2: subnet subnet-1 is in vpc-9, not in vpc-1",
        ),
        (
            {"us-west-2": {"subnets": {"subnets": [dict(s, availability_zone="us-west-2a") for s in SUBNETS["subnets"]]}}},
            "subnet_ids are both in us-west-2a",
        ),
        (
            {"us-west-2": {"subnets": {"subnets": [dict(s, cidr_block="10.20.1.0/28") for s in SUBNETS["subnets"][:1]]
                                       + SUBNETS["subnets"][1:]}}},
            "subnet subnet-1 (10.20.1.0/28) is smaller than /27",
        ),
        (
            {"us-west-2": {"vpc": {"vpcs": [dict(VPC["vpcs"][0], cidr_block="10.10.0.0/16")]}}},
            "vpc_id of us-west-2 (10.10.0.0/16) overlaps vpc_cidr 10.10.0.0/16 of us-east-1",
        ),
        (
            {"us-west-2": {"vpc": {"vpcs": [dict(VPC["vpcs"][0], cidr_block="172.16.0.0/16")]}}},
            "client_cidr 172.16.4.0/22 of us-west-2 overlaps the VPC 172.16.0.0/16 of us-west-2",
        ),
    ],
)  # fmt: skip
def test_each_read_problem_is_reported(changes, expected):
    problems = resource_problems([NEW, EXISTING], reads(**changes), {})
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("key", ["zones", "vpc", "subnets"])
@pytest.mark.parametrize("failed", [False, True])
def test_a_failed_read_is_a_problem_never_an_existing_resource(key, failed):
    host = "us-east-1" if key == "zones" else "us-west-2"
    result = dict(NOT_IMPLEMENTED, failed=failed)
    problems = resource_problems([NEW, EXISTING], reads(**{host: {key: result}}), {})
    assert len(problems) == 1 and "NotImplementedBySandbox" in problems[0], problems
    assert "could not be" in problems[0]


LOG = {"connection_log": {"enabled": True, "cloudwatch_log_group": "vpn-logs"}}


@pytest.mark.parametrize(
    "result,expected",
    [
        ({"log_groups": [{"log_group_name": "vpn-logs"}]}, None),
        # The look-up is by prefix: a longer name is not the group.
        ({"log_groups": [{"log_group_name": "vpn-logs-old"}]}, "cloudwatch_log_group vpn-logs does not exist"),
        ({"log_groups": []}, "us-east-1: connection_log.cloudwatch_log_group vpn-logs does not exist in us-east-1"),
        (
            NOT_IMPLEMENTED,
            "vpn-logs could not be checked (Unable to describe: An error occurred (NotImplementedBySandbox)",
        ),
    ],
)
def test_the_connection_log_group_must_exist(result, expected):
    problems = resource_problems([NEW], {"us-east-1": {"log_group": result}}, LOG)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and expected in problems[0], problems


ZONE_SETTINGS = {"hosted_zone": "example.com", "create_hosted_zone": False}


@pytest.mark.parametrize(
    "zones,missing",
    [
        ([{"Name": "example.com.", "Config": {"PrivateZone": False}}], False),
        ([], True),
        ([{"Name": "example.com.", "Config": {"PrivateZone": True}}], True),
        ([{"Name": "example.org.", "Config": {"PrivateZone": False}}], True),
    ],
)
def test_a_missing_hosted_zone_is_reported(zones, missing):
    problems = resource_problems([NEW], {"us-east-1": {"hosted_zone": {"HostedZones": zones}}}, ZONE_SETTINGS)
    expected = "hosted_zone example.com: no public hosted zone of that name exists and create_hosted_zone is false"
    assert (problems == [f"{expected} (create it, or set create_hosted_zone: true)"]) is missing, problems
    assert (problems == []) is not missing


# manage_groups false: the groups of vpn_access_groups must exist in the Home directory (the Home's look-ups).
GROUP_SETTINGS = {"directory_name": "corp.example.com"}
ACTIVE = {"directories": [{"directory_id": "d-1234567890", "name": "corp.example.com", "stage": "Active"}]}
FOUND = {"groups": [{"sam_account_name": "VPN-Finance", "sid": "S-1-5-21-1-1110"}], "missing": []}
# ds_data_info's failure as registered (failed_when: false), with the Reason AWS gave beside the error.
DATA_DISABLED = {
    "failed": False,
    "failed_when_result": False,
    "msg": "Cannot describe group VPN-Finance: Directory Service Data access is not enabled on d-1234567890",
    "error": {"code": "AccessDeniedException"},
    "reason": "DATA_DISABLED",
}
UNMANAGED = "manage_groups is false: the groups must exist, or set manage_groups: true to have the Home create them"


@pytest.mark.parametrize(
    "home_reads,expected",
    [
        ({}, None),
        ({"directory": SKIPPED, "access_groups": SKIPPED}, None),
        ({"directory": ACTIVE, "access_groups": FOUND}, None),
        (
            {"directory": {"directories": []}, "access_groups": SKIPPED},
            f"vpn_access_groups: the directory corp.example.com does not exist yet, so neither do its groups ({UNMANAGED})",
        ),
        (
            {"directory": {"directories": [dict(ACTIVE["directories"][0], stage="Creating")]}, "access_groups": SKIPPED},
            "vpn_access_groups cannot be checked: the directory corp.example.com (d-1234567890) is Creating",
        ),
        (
            {"directory": ACTIVE, "access_groups": DATA_DISABLED},
            "vpn_access_groups cannot be checked: the Directory Service Data access of the directory corp.example.com"
            " (d-1234567890) is not Enabled (turn it on with multiregion.client_vpn.ds_data_access; manage_groups is",
        ),
        (
            {"directory": ACTIVE, "access_groups": dict(NOT_IMPLEMENTED)},
            "vpn_access_groups could not be checked in the directory corp.example.com (d-1234567890) (Unable to",
        ),
        (
            {"directory": NOT_IMPLEMENTED},
            "vpn_access_groups: the directory corp.example.com could not be looked up (Unable to describe",
        ),
        (
            {"directory": ACTIVE, "access_groups": dict(FOUND, missing=[{"type": "group", "name": "VPN-Ops"},
                                                                        {"type": "group", "name": "vpn-admins"}])},
            f"vpn_access_groups: the directory corp.example.com (d-1234567890) has no group VPN-Ops, vpn-admins ({UNMANAGED})",
        ),
    ],
)  # fmt: skip
def test_unmanaged_access_groups_must_exist_in_the_home_directory(home_reads, expected):
    problems = resource_problems([NEW, EXISTING], reads(**{"us-east-1": home_reads}), GROUP_SETTINGS)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(expected), problems
