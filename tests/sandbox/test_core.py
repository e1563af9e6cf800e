"""The sandbox's own machinery: call log, faults, outages, time scale, unknown calls."""

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from sandbox.app import is_write
from sandbox.clock import DURATIONS
from sandbox.clock import Clock


def test_call_log_records_service_action_region_and_no_parameters(sandbox):
    ec2 = sandbox.client("ec2", "eu-west-1")
    ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "secret-looking", "Value": "Hunter2Password!"}]}])
    calls = sandbox.calls()
    assert [(c["service"], c["action"], c["region"], c["write"], c["status"]) for c in calls] == [
        ("ec2", "CreateVpc", "eu-west-1", True, 200)
    ]
    assert "Hunter2Password!" not in repr(calls)
    assert set(calls[0]) == {"seq", "time", "service", "action", "region", "write", "status", "error_code"}


def test_rest_actions_are_named(sandbox):
    sandbox.client("route53").list_hosted_zones()
    assert sandbox.calls()[-1]["action"] == "ListHostedZones"


@pytest.mark.parametrize(
    "action,write",
    [("CreateVpc", True), ("DescribeVpcs", False), ("ExportClientVpnClientConfiguration", False),
     ("TestDNSAnswer", False), ("AddRegion", True), ("GetHealthCheckStatus", False)],
)
def test_write_classification(action, write):
    assert is_write(action) is write


def test_fault_fails_next_n_calls_with_given_code(sandbox):
    sandbox.control("POST", "faults", {"rules": [
        {"service": "ec2", "action": "DescribeVpcs", "count": 2, "code": "InternalError", "status": 400}]})
    ec2 = sandbox.client("ec2")
    for _ in range(2):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            ec2.describe_vpcs()
        assert err.value.response["Error"]["Code"] == "InternalError"
    ec2.describe_vpcs()
    assert [c["error_code"] for c in sandbox.calls()] == ["InternalError", "InternalError", None]


@pytest.mark.parametrize("service,region,call,code", [
    ("ec2", "us-east-1", lambda c: c.describe_vpcs(), "RequestLimitExceeded"),
    ("route53", "us-east-1", lambda c: c.list_hosted_zones(), "Throttling"),
    ("ds", "us-east-1", lambda c: c.describe_directories(), "ThrottlingException"),
    ("acm", "us-east-1", lambda c: c.list_certificates(), "ThrottlingException"),
])
def test_throttling_uses_each_services_own_code(sandbox, service, region, call, code):
    sandbox.control("POST", "faults", {"rules": [{"service": service, "rate": 1.0}]})
    plain = boto3.client(
        service, region_name=region, endpoint_url=sandbox.url, aws_access_key_id="t", aws_secret_access_key="t",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call(plain)
    assert err.value.response["Error"]["Code"] == code


def test_throttle_rate_is_a_fraction(sandbox):
    sandbox.control("POST", "faults", {"seed": 1, "rules": [{"service": "ec2", "rate": 0.3}]})
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=sandbox.url, aws_access_key_id="t",
                       aws_secret_access_key="t", config=Config(retries={"max_attempts": 10, "mode": "standard"}))
    for _ in range(40):
        ec2.describe_vpcs()  # botocore's own retries absorb the throttling
    codes = [c["error_code"] for c in sandbox.calls()]
    throttled = codes.count("RequestLimitExceeded")
    assert 0 < throttled < len(codes)
    assert codes.count(None) == 40


def test_unknown_operation_fails_loudly(sandbox):
    sandbox.control("POST", "faults", {"rules": []})
    ec2 = sandbox.client("ec2")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        ec2.describe_capacity_block_offerings(CapacityDurationHours=24)  # emulated by neither moto nor us
    assert err.value.response["Error"]["Code"] == "NotImplementedBySandbox"
    assert sandbox.calls()[-1]["status"] == 501


def test_outage_control(sandbox):
    assert sandbox.control("POST", "outage", {"region": "us-west-2"}) == {"regions": ["us-west-2"]}
    assert sandbox.control("GET", "outage") == {"regions": ["us-west-2"]}
    assert sandbox.control("DELETE", "outage", {"region": "us-west-2"}) == {"regions": []}


def test_reset_forgets_resources_and_calls(sandbox):
    sandbox.client("ec2").create_vpc(CidrBlock="10.1.0.0/16")
    sandbox.control("POST", "reset")
    assert sandbox.calls() == []
    vpcs = sandbox.client("ec2").describe_vpcs()["Vpcs"]
    assert all(v["CidrBlock"] != "10.1.0.0/16" for v in vpcs)


def test_clock_scales_durations():
    clock = Clock(0.5)
    assert clock.duration("directory_create") == DURATIONS["directory_create"] * 0.5
    clock.set_scale(0)
    assert clock.reached(clock.done_at("region_add"))
