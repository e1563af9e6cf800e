"""Directory Service emulation: the sandbox's executable specification.

For each rule: the call AWS accepts and the call it rejects, with AWS's error
code; each asynchronous transition under a small time scale.
"""

import ipaddress
import time
import urllib.error

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from cryptography.hazmat.primitives import serialization
from moto.core import DEFAULT_ACCOUNT_ID

from sandbox.clock import DURATIONS
from sandbox.services.ds import list_directories
from sandbox.services.ds import lookup_directory

PASSWORD = "Sandb0x#Secret9"
NAME = "corp.example.com"
HOME = "us-east-1"
BRANCH = "us-west-2"


# ------------------------------------------------------------------ helpers


def network(sandbox, region, cidr="10.0.0.0/16"):
    """A VPC with subnets a (zone a), b (zone b) and c (zone a again)."""
    ec2 = sandbox.client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    net = ipaddress.ip_network(cidr)
    blocks = list(net.subnets(new_prefix=24))
    subnets = {}
    for label, zone, block in (("a", "a", blocks[1]), ("b", "b", blocks[2]), ("c", "a", blocks[3])):
        subnets[label] = ec2.create_subnet(VpcId=vpc, CidrBlock=str(block), AvailabilityZone=region + zone)["Subnet"]
    return {"vpc": vpc, "subnets": subnets, "cidrs": {k: v["CidrBlock"] for k, v in subnets.items()}}


def vpc_settings(net, labels=("a", "b")):
    return {"VpcId": net["vpc"], "SubnetIds": [net["subnets"][label]["SubnetId"] for label in labels]}


def create_mad(sandbox, region=HOME, net=None, edition="Enterprise", name=NAME, password=PASSWORD):
    net = net or network(sandbox, region)
    ds = sandbox.client("ds", region)
    directory_id = ds.create_microsoft_ad(
        Name=name, ShortName="CORP", Password=password, VpcSettings=vpc_settings(net), Edition=edition
    )["DirectoryId"]
    return directory_id, net


def describe(sandbox, region, directory_id, timeout=6.0):
    """The directory as DescribeDirectories shows it, once it is visible (a new one is missing for a while)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return describe_now(sandbox, region, directory_id)
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] != "EntityDoesNotExistException" or time.monotonic() >= deadline:
                raise
        time.sleep(0.02)


def describe_now(sandbox, region, directory_id):
    return sandbox.client("ds", region).describe_directories(DirectoryIds=[directory_id])["DirectoryDescriptions"][0]


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def wait_for(fetch, accept, timeout=6.0):
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        value = fetch()
        seen.append(value)
        if accept(value):
            return value, seen
        assert time.monotonic() < deadline, f"timed out; last value {value!r}"
        time.sleep(0.05)


def scale_for(kind, seconds=1.0):
    return seconds / DURATIONS[kind]


def in_cidr(ip, cidr):
    return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)


def stage_of(sandbox, region, directory_id):
    return lambda: describe(sandbox, region, directory_id)["Stage"]


def gone(sandbox, region, directory_id):
    def fetch():
        try:
            return describe(sandbox, region, directory_id)["Stage"]
        except botocore.exceptions.ClientError as exc:
            return exc.response["Error"]["Code"]

    return fetch


def replica_controllers(sandbox, directory_id, region=BRANCH):
    """DescribeDomainControllers in the replica Region; None while the replica is not there yet."""

    def fetch():
        try:
            return sandbox.client("ds", region).describe_domain_controllers(DirectoryId=directory_id)[
                "DomainControllers"
            ]
        except botocore.exceptions.ClientError as exc:
            assert exc.response["Error"]["Code"] == "EntityDoesNotExistException"
            return None

    return fetch


def add_branch(sandbox, directory_id, region=BRANCH, cidr="10.1.0.0/16"):
    net = network(sandbox, region, cidr)
    sandbox.client("ds", HOME).add_region(DirectoryId=directory_id, RegionName=region, VPCSettings=vpc_settings(net))
    return net


# ------------------------------------------------------- CreateMicrosoftAD


def test_microsoft_ad_creating_then_active_with_dns_in_its_subnets(sandbox):
    sandbox.set_time_scale(scale_for("directory_create"))
    directory_id, net = create_mad(sandbox)
    first = describe(sandbox, HOME, directory_id)
    assert first["Stage"] == "Creating"
    assert "DnsIpAddrs" not in first
    assert first["Edition"] == "Enterprise"
    assert first["Type"] == "MicrosoftAD"
    assert first["RegionsInfo"] == {"PrimaryRegion": HOME, "AdditionalRegions": []}
    final, _ = wait_for(lambda: describe(sandbox, HOME, directory_id), lambda d: d["Stage"] == "Active")
    assert final["StageLastUpdatedDateTime"] >= final["LaunchTime"]
    assert final["DesiredNumberOfDomainControllers"] == 2
    assert final["VpcSettings"]["AvailabilityZones"] == [HOME + "a", HOME + "b"]
    ips = final["DnsIpAddrs"]
    assert len(ips) == 2
    assert in_cidr(ips[0], net["cidrs"]["a"]) and in_cidr(ips[1], net["cidrs"]["b"])
    # deterministic: the first free address from .10 of each subnet
    assert ips == [str(ipaddress.ip_network(net["cidrs"][k]).network_address + 10) for k in ("a", "b")]


def test_microsoft_ad_edition_defaults_to_enterprise_and_standard_is_accepted(sandbox):
    net = network(sandbox, HOME)
    ds = sandbox.client("ds", HOME)
    default = ds.create_microsoft_ad(Name=NAME, Password=PASSWORD, VpcSettings=vpc_settings(net))["DirectoryId"]
    standard = ds.create_microsoft_ad(
        Name="std.example.com", Password=PASSWORD, VpcSettings=vpc_settings(net), Edition="Standard"
    )["DirectoryId"]
    assert describe(sandbox, HOME, default)["Edition"] == "Enterprise"
    assert describe(sandbox, HOME, default)["ShortName"] == "CORP"
    assert describe(sandbox, HOME, standard)["Edition"] == "Standard"


CREATE_REJECTIONS = [
    ({"Password": "short1A"}, "ValidationException"),  # < 8 characters
    ({"Password": "alllowercase"}, "ValidationException"),  # one class of four
    ({"Password": "x" * 60 + "Aa1!x"}, "ValidationException"),  # > 64 characters
    ({"Password": "MyAdmin#2024"}, "InvalidParameterException"),  # contains "admin"
    ({"Name": "nodots"}, "ValidationException"),
    ({"Description": "<script>"}, "ValidationException"),
    ({"Edition": "Hybrid"}, "InvalidParameterException"),
    ({"subnets": ("a",)}, "InvalidParameterException"),  # exactly two subnets
    ({"subnets": ("a", "c")}, "ClientException"),  # same Availability Zone
    ({"subnets": ("a", "missing")}, "InvalidParameterException"),
    ({"vpc": "vpc-0123456789abcdef0"}, "ClientException"),  # unknown VPC
    ({"vpc": "other"}, "InvalidParameterException"),  # subnets of another VPC
]


def test_create_microsoft_ad_rejections(sandbox):
    net = network(sandbox, HOME)
    other = network(sandbox, HOME, "10.50.0.0/16")
    ds = sandbox.client("ds", HOME)
    for change, code in CREATE_REJECTIONS:
        args = {"Name": NAME, "Password": PASSWORD, "VpcSettings": vpc_settings(net), "Edition": "Enterprise"}
        args.update({k: v for k, v in change.items() if k in ("Password", "Name", "Edition", "Description")})
        if "subnets" in change:
            ids = [
                net["subnets"][s]["SubnetId"] if s in net["subnets"] else "subnet-0123456789abcdef0"
                for s in change["subnets"]
            ]
            args["VpcSettings"] = {"VpcId": net["vpc"], "SubnetIds": ids}
        if change.get("vpc") == "other":
            args["VpcSettings"] = {"VpcId": other["vpc"], "SubnetIds": vpc_settings(net)["SubnetIds"]}
        elif "vpc" in change:
            args["VpcSettings"]["VpcId"] = change["vpc"]
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            ds.create_microsoft_ad(**args)
        assert (change, error_code(exc)) == (change, code)
        assert args["Password"] not in str(exc.value)
    assert ds.describe_directories()["DirectoryDescriptions"] == []


def test_password_never_in_responses_or_call_log(sandbox, sandbox_app):
    directory_id, net = create_mad(sandbox)
    ds = sandbox.client("ds", HOME)
    seen = [
        ds.describe_directories(),
        ds.describe_domain_controllers(DirectoryId=directory_id),
        ds.describe_regions(DirectoryId=directory_id),
    ]
    ips = seen[0]["DirectoryDescriptions"][0]["DnsIpAddrs"]
    connector = ds.connect_directory(
        Name=NAME,
        Password=PASSWORD,
        Size="Small",
        ConnectSettings={**vpc_settings(net), "CustomerDnsIps": ips, "CustomerUserName": "Admin"},
    )["DirectoryId"]
    seen.append(ds.describe_directories(DirectoryIds=[connector]))
    seen.append([entry for entry in list_directories(sandbox_app)])
    assert PASSWORD not in repr(seen)
    assert PASSWORD not in repr(sandbox.calls())
    assert PASSWORD not in repr(lookup_directory(sandbox_app, DEFAULT_ACCOUNT_ID, HOME, directory_id))


# ------------------------------------------------------------ DeleteDirectory


def test_delete_directory_deleting_then_gone_and_enis_released(sandbox):
    directory_id, net = create_mad(sandbox)
    ec2 = sandbox.client("ec2", HOME)
    assert (
        len(ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]}])["NetworkInterfaces"])
        == 2
    )
    sandbox.set_time_scale(scale_for("directory_delete"))
    ds = sandbox.client("ds", HOME)
    assert ds.delete_directory(DirectoryId=directory_id)["DirectoryId"] == directory_id
    assert describe(sandbox, HOME, directory_id)["Stage"] == "Deleting"
    _, seen = wait_for(gone(sandbox, HOME, directory_id), lambda v: v == "EntityDoesNotExistException")
    assert set(seen) <= {"Deleting", "EntityDoesNotExistException"}
    assert (
        ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]}])["NetworkInterfaces"] == []
    )
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        ds.delete_directory(DirectoryId=directory_id)
    assert error_code(exc) == "EntityDoesNotExistException"


def test_delete_directory_with_additional_regions_is_refused(sandbox):
    directory_id, _ = create_mad(sandbox)
    add_branch(sandbox, directory_id)
    ds = sandbox.client("ds", HOME)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        ds.delete_directory(DirectoryId=directory_id)
    assert error_code(exc) == "ClientException"
    # and not from the replicated Region either
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", BRANCH).delete_directory(DirectoryId=directory_id)
    assert error_code(exc) == "ClientException"
    sandbox.client("ds", BRANCH).remove_region(DirectoryId=directory_id)
    ds.delete_directory(DirectoryId=directory_id)
    assert ds.describe_directories()["DirectoryDescriptions"] == []


def test_delete_unknown_and_malformed_ids(sandbox):
    ds = sandbox.client("ds", HOME)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        ds.delete_directory(DirectoryId="d-0123456789")
    assert error_code(exc) == "EntityDoesNotExistException"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        ds.describe_directories(DirectoryIds=["not-an-id"])
    assert error_code(exc) == "ValidationException"


# ----------------------------------------------------------------- AddRegion


def test_add_region_replica_creating_then_active_in_both_regions(sandbox):
    directory_id, _ = create_mad(sandbox)
    sandbox.set_time_scale(scale_for("region_add", 3))  # the replica shows up in its Region half-way
    branch_net = add_branch(sandbox, directory_id)
    home = describe(sandbox, HOME, directory_id)
    assert home["Stage"] == "Active"
    assert home["RegionsInfo"] == {"PrimaryRegion": HOME, "AdditionalRegions": [BRANCH]}
    replica = describe(sandbox, BRANCH, directory_id)
    assert replica["Stage"] == "Creating"
    assert replica["DirectoryId"] == directory_id and replica["Name"] == NAME
    assert replica["VpcSettings"]["VpcId"] == branch_net["vpc"]
    assert replica["RegionsInfo"] == {"PrimaryRegion": HOME, "AdditionalRegions": [BRANCH]}
    regions, _ = wait_for(
        lambda: sandbox.client("ds", HOME).describe_regions(DirectoryId=directory_id)["RegionsDescription"],
        lambda rs: len(rs) == 2,
    )
    assert [(r["RegionName"], r["RegionType"], r["Status"]) for r in regions] == [
        (HOME, "Primary", "Active"),
        (BRANCH, "Additional", "Creating"),
    ]
    assert regions[1]["VpcSettings"] == vpc_settings(branch_net)
    assert regions[1]["DesiredNumberOfDomainControllers"] == 2
    for key in ("LaunchTime", "StatusLastUpdatedDateTime", "LastUpdatedDateTime"):
        assert key in regions[1]
    final, seen = wait_for(lambda: describe(sandbox, BRANCH, directory_id), lambda d: d["Stage"] == "Active")
    assert {d["Stage"] for d in seen} <= {"Creating", "Active"}
    assert [in_cidr(ip, branch_net["cidrs"][k]) for ip, k in zip(final["DnsIpAddrs"], "ab")] == [True, True]
    assert final["DnsIpAddrs"] != home.get("DnsIpAddrs")
    region = sandbox.client("ds", BRANCH).describe_regions(DirectoryId=directory_id, RegionName=BRANCH)
    assert [r["Status"] for r in region["RegionsDescription"]] == ["Active"]
    # a replica's security group exists in that Region's VPC
    groups = sandbox.client("ec2", BRANCH).describe_security_groups(GroupIds=[final["VpcSettings"]["SecurityGroupId"]])
    assert groups["SecurityGroups"][0]["VpcId"] == branch_net["vpc"]


def test_add_region_rejections(sandbox):
    ds = sandbox.client("ds", HOME)
    enterprise, _ = create_mad(sandbox)
    standard, _ = create_mad(sandbox, edition="Standard", name="std.example.com")
    branch = network(sandbox, BRANCH, "10.1.0.0/16")

    def add(directory_id, region=BRANCH, settings=None, client=ds):
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            client.add_region(DirectoryId=directory_id, RegionName=region, VPCSettings=settings or vpc_settings(branch))
        return error_code(exc)

    assert add("d-0123456789") == "EntityDoesNotExistException"
    assert add(standard) == "UnsupportedOperationException"  # Enterprise Edition only
    assert add(enterprise, region=HOME) == "DirectoryAlreadyInRegionException"  # its primary Region
    for opt_in in ("af-south-1", "ap-east-1", "me-south-1", "eu-south-1", "ap-southeast-3"):
        assert add(enterprise, region=opt_in) == "UnsupportedOperationException"
    assert add(enterprise, region="xx-nowhere-1") == "InvalidParameterException"
    assert add(enterprise, settings=vpc_settings(branch, ("a", "c"))) == "ClientException"  # same AZ
    assert add(enterprise, settings=vpc_settings(branch, ("a",))) == "InvalidParameterException"
    home_net = network(sandbox, HOME, "10.60.0.0/16")
    assert add(enterprise, settings=vpc_settings(home_net)) == "InvalidParameterException"  # not in that Region
    ds.add_region(DirectoryId=enterprise, RegionName=BRANCH, VPCSettings=vpc_settings(branch))
    assert add(enterprise) == "DirectoryAlreadyInRegionException"  # twice
    # only from the primary Region
    other = network(sandbox, "eu-west-1", "10.2.0.0/16")
    assert (
        add(enterprise, region="eu-west-1", settings=vpc_settings(other), client=sandbox.client("ds", BRANCH))
        == "UnsupportedOperationException"
    )


def test_add_region_needs_an_active_primary(sandbox):
    sandbox.set_time_scale(1.0)
    directory_id, _ = create_mad(sandbox)
    branch = network(sandbox, BRANCH, "10.1.0.0/16")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", HOME).add_region(
            DirectoryId=directory_id, RegionName=BRANCH, VPCSettings=vpc_settings(branch)
        )
    assert error_code(exc) == "DirectoryUnavailableException"


def test_add_region_limit_is_four_additional_regions(sandbox):
    directory_id, _ = create_mad(sandbox)
    for index, region in enumerate(("us-west-2", "us-east-2", "eu-west-1", "eu-central-1")):
        add_branch(sandbox, directory_id, region, f"10.{index + 1}.0.0/16")
    last = network(sandbox, "ap-southeast-2", "10.9.0.0/16")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", HOME).add_region(
            DirectoryId=directory_id, RegionName="ap-southeast-2", VPCSettings=vpc_settings(last)
        )
    assert error_code(exc) == "RegionLimitExceededException"
    info = describe(sandbox, HOME, directory_id)["RegionsInfo"]
    assert info["AdditionalRegions"] == sorted(["us-west-2", "us-east-2", "eu-west-1", "eu-central-1"])


# -------------------------------------------------------------- RemoveRegion


def test_remove_region_deleting_then_gone(sandbox):
    directory_id, _ = create_mad(sandbox)
    branch = add_branch(sandbox, directory_id)
    sandbox.set_time_scale(scale_for("region_remove"))
    branch_ds = sandbox.client("ds", BRANCH)
    branch_ds.remove_region(DirectoryId=directory_id)
    assert describe(sandbox, BRANCH, directory_id)["Stage"] == "Deleting"
    statuses = sandbox.client("ds", HOME).describe_regions(DirectoryId=directory_id)["RegionsDescription"]
    assert [r["Status"] for r in statuses] == ["Active", "Deleting"]
    _, seen = wait_for(gone(sandbox, BRANCH, directory_id), lambda v: v == "EntityDoesNotExistException")
    assert set(seen) <= {"Deleting", "EntityDoesNotExistException"}
    assert describe(sandbox, HOME, directory_id)["RegionsInfo"]["AdditionalRegions"] == []
    enis = sandbox.client("ec2", BRANCH).describe_network_interfaces(
        Filters=[{"Name": "vpc-id", "Values": [branch["vpc"]]}]
    )["NetworkInterfaces"]
    assert enis == []
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        branch_ds.describe_domain_controllers(DirectoryId=directory_id)
    assert error_code(exc) == "EntityDoesNotExistException"


def test_remove_region_rejections(sandbox):
    directory_id, _ = create_mad(sandbox)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", HOME).remove_region(DirectoryId=directory_id)  # the primary
    assert error_code(exc) == "UnsupportedOperationException"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", "eu-west-1").remove_region(DirectoryId=directory_id)  # not replicated there
    assert error_code(exc) == "DirectoryDoesNotExistException"
    sandbox.set_time_scale(1.0)
    add_branch(sandbox, directory_id)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", BRANCH).remove_region(DirectoryId=directory_id)  # still Creating
    assert error_code(exc) == "DirectoryUnavailableException"


# ------------------------------------------------- DescribeDomainControllers


def test_domain_controllers_in_primary_and_replica(sandbox):
    sandbox.set_time_scale(scale_for("directory_create"))
    directory_id, net = create_mad(sandbox)
    ds = sandbox.client("ds", HOME)
    creating = ds.describe_domain_controllers(DirectoryId=directory_id)["DomainControllers"]
    assert [dc["Status"] for dc in creating] == ["Creating", "Creating"]
    wait_for(stage_of(sandbox, HOME, directory_id), lambda s: s == "Active")
    sandbox.set_time_scale(0)
    dcs = ds.describe_domain_controllers(DirectoryId=directory_id)["DomainControllers"]
    assert [dc["Status"] for dc in dcs] == ["Active", "Active"]
    for dc, label in zip(dcs, "ab"):
        assert dc["SubnetId"] == net["subnets"][label]["SubnetId"]
        assert dc["AvailabilityZone"] == HOME + label
        assert dc["VpcId"] == net["vpc"]
        assert in_cidr(dc["DnsIpAddr"], net["cidrs"][label])
        assert dc["DomainControllerId"].startswith("dc-")
    one = ds.describe_domain_controllers(DirectoryId=directory_id, DomainControllerIds=[dcs[1]["DomainControllerId"]])
    assert [dc["DnsIpAddr"] for dc in one["DomainControllers"]] == [dcs[1]["DnsIpAddr"]]
    branch = add_branch(sandbox, directory_id)
    replica = sandbox.client("ds", BRANCH).describe_domain_controllers(DirectoryId=directory_id)["DomainControllers"]
    assert [in_cidr(dc["DnsIpAddr"], branch["cidrs"][k]) for dc, k in zip(replica, "ab")] == [True, True]
    assert {dc["AvailabilityZone"] for dc in replica} == {BRANCH + "a", BRANCH + "b"}
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", "eu-west-1").describe_domain_controllers(DirectoryId=directory_id)
    assert error_code(exc) == "EntityDoesNotExistException"


# ------------------------------------------- UpdateNumberOfDomainControllers


def test_update_number_of_domain_controllers(sandbox):
    directory_id, net = create_mad(sandbox)
    branch = add_branch(sandbox, directory_id)
    ds = sandbox.client("ds", HOME)
    unchecked = boto3.client(
        "ds",
        region_name=HOME,
        endpoint_url=sandbox.url,
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=Config(parameter_validation=False),
    )
    with pytest.raises(botocore.exceptions.ClientError) as exc:  # botocore checks min 2 too
        unchecked.update_number_of_domain_controllers(DirectoryId=directory_id, DesiredNumber=1)
    assert error_code(exc) == "InvalidParameterException"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        ds.update_number_of_domain_controllers(DirectoryId=directory_id, DesiredNumber=30)
    assert error_code(exc) == "DomainControllerLimitExceededException"
    sandbox.set_time_scale(scale_for("directory_create"))
    ds.update_number_of_domain_controllers(DirectoryId=directory_id, DesiredNumber=3)
    assert describe(sandbox, HOME, directory_id)["Stage"] == "Updating"
    dcs = ds.describe_domain_controllers(DirectoryId=directory_id)["DomainControllers"]
    assert [dc["Status"] for dc in dcs] == ["Active", "Active", "Creating"]
    assert in_cidr(dcs[2]["DnsIpAddr"], net["cidrs"]["a"])
    with pytest.raises(botocore.exceptions.ClientError) as exc:  # one update at a time
        ds.update_number_of_domain_controllers(DirectoryId=directory_id, DesiredNumber=4)
    assert error_code(exc) == "DirectoryUnavailableException"
    final, _ = wait_for(lambda: describe(sandbox, HOME, directory_id), lambda d: d["Stage"] == "Active")
    assert final["DesiredNumberOfDomainControllers"] == 3 and len(final["DnsIpAddrs"]) == 3
    # the replicated Region is sized on its own, with a client there
    sandbox.set_time_scale(0)
    sandbox.client("ds", BRANCH).update_number_of_domain_controllers(DirectoryId=directory_id, DesiredNumber=4)
    assert (
        len(sandbox.client("ds", BRANCH).describe_domain_controllers(DirectoryId=directory_id)["DomainControllers"])
        == 4
    )
    assert len(ds.describe_domain_controllers(DirectoryId=directory_id)["DomainControllers"]) == 3
    regions = ds.describe_regions(DirectoryId=directory_id)["RegionsDescription"]
    assert [r["DesiredNumberOfDomainControllers"] for r in regions] == [3, 4]
    # every controller's ENI goes with its Region and with the directory
    sandbox.client("ds", BRANCH).remove_region(DirectoryId=directory_id)
    ds.delete_directory(DirectoryId=directory_id)
    for region, vpc in ((HOME, net["vpc"]), (BRANCH, branch["vpc"])):
        enis = sandbox.client("ec2", region).describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
            "NetworkInterfaces"
        ]
        assert enis == []


# ------------------------------------------------------------ AD Connector


def connect(sandbox, region, net, dns_ips, name=NAME, user="Admin", password=PASSWORD, labels=("a", "b")):
    return sandbox.client("ds", region).connect_directory(
        Name=name,
        ShortName="CORP",
        Password=password,
        Size="Small",
        Description="branch connector",
        ConnectSettings={**vpc_settings(net, labels), "CustomerDnsIps": dns_ips, "CustomerUserName": user},
        Tags=[{"Key": "role", "Value": "connector"}],
    )["DirectoryId"]


def test_connector_to_replica_creating_then_active(sandbox):
    directory_id, _ = create_mad(sandbox)
    branch = add_branch(sandbox, directory_id)
    dns = describe(sandbox, BRANCH, directory_id)["DnsIpAddrs"]
    sandbox.set_time_scale(scale_for("connector_create"))
    connector = connect(sandbox, BRANCH, branch, dns, user="admin")
    first = describe(sandbox, BRANCH, connector)
    assert first["Stage"] == "Creating" and first["Type"] == "ADConnector"
    final, seen = wait_for(lambda: describe(sandbox, BRANCH, connector), lambda d: d["Stage"] != "Creating")
    assert final["Stage"] == "Active", final.get("StageReason")
    assert "StageReason" not in final
    settings = final["ConnectSettings"]
    assert settings["CustomerUserName"] == "admin"
    assert settings["SecurityGroupId"].startswith("sg-")
    assert settings["VpcId"] == branch["vpc"]
    # the connector's own addresses follow the replica's controllers in the same subnets
    assert [in_cidr(ip, branch["cidrs"][k]) for ip, k in zip(settings["ConnectIps"], "ab")] == [True, True]
    assert not set(settings["ConnectIps"]) & set(dns)
    assert final["DnsIpAddrs"] == dns
    assert final["Size"] == "Small"
    tags = sandbox.client("ds", BRANCH).list_tags_for_resource(ResourceId=connector)["Tags"]
    assert tags == [{"Key": "role", "Value": "connector"}]


def test_connector_to_primary_in_same_region_is_active(sandbox, sandbox_app):
    directory_id, net = create_mad(sandbox)
    dns = describe(sandbox, HOME, directory_id)["DnsIpAddrs"]
    connector = connect(sandbox, HOME, net, dns)
    assert describe(sandbox, HOME, connector)["Stage"] == "Active"
    assert lookup_directory(sandbox_app, DEFAULT_ACCOUNT_ID, HOME, connector) == {
        "DirectoryId": connector,
        "Type": "ADConnector",
        "Stage": "Active",
        "IsReplica": False,
    }


def test_connector_fails_with_reason(sandbox):
    directory_id, net = create_mad(sandbox)
    dns = describe(sandbox, HOME, directory_id)["DnsIpAddrs"]
    far = network(sandbox, "eu-west-1", "10.3.0.0/16")
    cases = {  # case: (region, network, DNS IPs, connect() arguments, expected reason)
        "wrong_password": (HOME, net, dns, {"password": "Wrong#Passw0rd"}, "Invalid credentials"),
        "wrong_user": (HOME, net, dns, {"user": "svc-connector"}, "Invalid credentials"),
        "unknown_ip": (HOME, net, [dns[0], "10.0.99.99"], {}, "DNS unavailable"),
        "other_domain_name": (HOME, net, dns, {"name": "other.example.com"}, "SRV record"),
        # the primary's controllers are not in eu-west-1
        "other_region": ("eu-west-1", far, dns, {}, "DNS unavailable"),
    }
    sandbox.set_time_scale(scale_for("connector_create"))
    created = {
        case: (region, connect(sandbox, region, n, ips, **kwargs))
        for case, (region, n, ips, kwargs, _) in cases.items()
    }
    for case, (region, connector) in created.items():
        final, _ = wait_for(lambda: describe(sandbox, region, connector), lambda d: d["Stage"] != "Creating")
        assert (case, final["Stage"]) == (case, "Failed")
        assert cases[case][4] in final["StageReason"]
        assert PASSWORD not in final["StageReason"] and "Wrong#Passw0rd" not in repr(final)


def test_reset_admin_password_is_what_connectors_check(sandbox):
    directory_id, net = create_mad(sandbox)
    dns = describe(sandbox, HOME, directory_id)["DnsIpAddrs"]
    ds = sandbox.client("ds", HOME)
    for user, new, code in (
        ("svc", "N3w#Secret!", "UserDoesNotExistException"),
        ("Admin", "weakweak", "InvalidPasswordException"),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            ds.reset_user_password(DirectoryId=directory_id, UserName=user, NewPassword=new)
        assert error_code(exc) == code
    ds.reset_user_password(DirectoryId=directory_id, UserName="Admin", NewPassword="N3w#Secret!")
    old = connect(sandbox, HOME, net, dns)
    new = connect(sandbox, HOME, net, dns, password="N3w#Secret!")
    assert describe(sandbox, HOME, old)["Stage"] == "Failed"
    assert describe(sandbox, HOME, new)["Stage"] == "Active"
    assert "N3w#Secret!" not in repr(sandbox.calls())


def data_api(sandbox, directory_id):
    """Directory Service Data, enabled on the directory (at once: time scale 0)."""
    sandbox.client("ds", HOME).enable_directory_data_access(DirectoryId=directory_id)
    return sandbox.client("ds-data", HOME)


def test_reset_user_password_rules(sandbox):
    directory_id, _ = create_mad(sandbox)
    data = data_api(sandbox, directory_id)
    data.create_user(DirectoryId=directory_id, SAMAccountName="svc-vpn")
    ds = sandbox.client("ds", HOME)
    for user, new, code in (
        ("nobody", "N3w#Secret!", "UserDoesNotExistException"),
        ("svc-vpn", "weakweak1", "InvalidPasswordException"),  # two classes of four
        ("svc-vpn", "Sh0rt#", "InvalidPasswordException"),  # fewer than 8 characters
        ("svc-vpn", "My#SVC-vpn1", "InvalidPasswordException"),  # contains the account name
        ("Administrator", "N3w#Secret!", "UnsupportedOperationException"),  # AWS's, outside the directory's OU
    ):
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            ds.reset_user_password(DirectoryId=directory_id, UserName=user, NewPassword=new)
        assert (user, new, error_code(exc)) == (user, new, code)
        assert new not in str(exc.value)
    assert data.describe_user(DirectoryId=directory_id, SAMAccountName="svc-vpn")["Enabled"] is False
    for _ in range(2):  # a reset enables the user, also after DisableUser
        ds.reset_user_password(DirectoryId=directory_id, UserName="SVC-VPN", NewPassword="N3w#Secret!")
        assert data.describe_user(DirectoryId=directory_id, SAMAccountName="svc-vpn")["Enabled"] is True
        data.disable_user(DirectoryId=directory_id, SAMAccountName="svc-vpn")
    assert "N3w#Secret!" not in repr(sandbox.calls())


def test_reset_user_password_needs_an_active_directory(sandbox):
    sandbox.set_time_scale(scale_for("directory_create", 30))
    directory_id, _ = create_mad(sandbox)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", HOME).reset_user_password(
            DirectoryId=directory_id, UserName="Admin", NewPassword="N3w#Secret!"
        )
    assert error_code(exc) == "DirectoryUnavailableException"


def test_connector_signs_in_as_any_enabled_user_with_its_current_password(sandbox):
    directory_id, net = create_mad(sandbox)
    branch = add_branch(sandbox, directory_id)
    dns = {region: describe(sandbox, region, directory_id)["DnsIpAddrs"] for region in (HOME, BRANCH)}
    data = data_api(sandbox, directory_id)
    data.create_user(DirectoryId=directory_id, SAMAccountName="svc-connector")
    ds = sandbox.client("ds", HOME)
    secret = "Svc#Passw0rd"

    def connector(password=secret, region=HOME, n=net):
        return connect(sandbox, region, n, dns[region], user="svc-connector", password=password)

    connectors = {"no_password_yet": connector()}  # a created user has no password and is disabled
    ds.reset_user_password(DirectoryId=directory_id, UserName="svc-connector", NewPassword=secret)
    connectors["reset_password"] = connector()
    connectors["replica_region"] = connector(region=BRANCH, n=branch)  # one domain for every Region
    connectors["wrong_password"] = connector("Wr0ng#Passw0rd")
    data.disable_user(DirectoryId=directory_id, SAMAccountName="svc-connector")
    connectors["disabled_user"] = connector()
    expected = {"reset_password": "Active", "replica_region": "Active"}
    for case, connector_id in connectors.items():
        region = BRANCH if case == "replica_region" else HOME
        final = describe(sandbox, region, connector_id)
        assert (case, final["Stage"]) == (case, expected.get(case, "Failed"))
        assert final["Stage"] == "Active" or "Invalid credentials" in final["StageReason"]
    assert secret not in repr(sandbox.calls()) and "Wr0ng#Passw0rd" not in repr(sandbox.calls())


def test_connector_fails_when_replica_controllers_are_not_up_yet(sandbox):
    directory_id, _ = create_mad(sandbox)
    sandbox.set_time_scale(scale_for("region_add", 4))  # the Region takes far longer than the connector
    branch = add_branch(sandbox, directory_id)
    dcs, _ = wait_for(replica_controllers(sandbox, directory_id), lambda dcs: dcs is not None)
    assert {dc["Status"] for dc in dcs} == {"Creating"}
    dns = [dc["DnsIpAddr"] for dc in dcs]
    sandbox.set_time_scale(0)
    connector = connect(sandbox, BRANCH, branch, dns)
    final = describe(sandbox, BRANCH, connector)
    assert final["Stage"] == "Failed" and "DNS unavailable" in final["StageReason"]


CONNECT_REJECTIONS = [
    ({"labels": ("a",)}, "InvalidParameterException"),
    ({"labels": ("a", "c")}, "ClientException"),
    ({"Size": "Medium"}, "ValidationException"),
    ({"CustomerDnsIps": ["10.0.1.300"]}, "ValidationException"),
    ({"CustomerDnsIps": []}, "InvalidParameterException"),
    ({"Password": "x" * 129}, "ValidationException"),
]


def test_connect_directory_rejections(sandbox):
    net = network(sandbox, HOME)
    ds = sandbox.client("ds", HOME)
    for change, code in CONNECT_REJECTIONS:
        settings = {
            **vpc_settings(net, change.get("labels", ("a", "b"))),
            "CustomerDnsIps": change.get("CustomerDnsIps", ["10.0.1.10"]),
            "CustomerUserName": "Admin",
        }
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            ds.connect_directory(
                Name=NAME,
                Password=change.get("Password", PASSWORD),
                Size=change.get("Size", "Small"),
                ConnectSettings=settings,
            )
        assert (change, error_code(exc)) == (change, code)
    assert ds.describe_directories()["DirectoryDescriptions"] == []


def test_connector_limit_is_ten_per_region(sandbox):
    net = network(sandbox, HOME)
    for _ in range(10):
        connect(sandbox, HOME, net, ["10.0.1.200"])
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        connect(sandbox, HOME, net, ["10.0.1.200"])
    assert error_code(exc) == "DirectoryLimitExceededException"
    connect(sandbox, BRANCH, network(sandbox, BRANCH, "10.1.0.0/16"), ["10.1.1.200"])  # per Region


def test_connector_delete_and_unsupported_operations(sandbox):
    directory_id, net = create_mad(sandbox)
    dns = describe(sandbox, HOME, directory_id)["DnsIpAddrs"]
    connector = connect(sandbox, HOME, net, dns)
    ds = sandbox.client("ds", HOME)
    for call in (
        lambda: ds.describe_domain_controllers(DirectoryId=connector),
        lambda: ds.update_number_of_domain_controllers(DirectoryId=connector, DesiredNumber=3),
        lambda: ds.describe_regions(DirectoryId=connector),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            call()
        assert error_code(exc) == "UnsupportedOperationException"
    sandbox.set_time_scale(scale_for("connector_delete"))
    ds.delete_directory(DirectoryId=connector)
    assert describe(sandbox, HOME, connector)["Stage"] == "Deleting"
    wait_for(gone(sandbox, HOME, connector), lambda v: v == "EntityDoesNotExistException")


# --------------------------------------------------------------------- Tags


def test_tags_add_list_remove(sandbox):
    directory_id, _ = create_mad(sandbox)
    ds = sandbox.client("ds", HOME)
    ds.add_tags_to_resource(
        ResourceId=directory_id, Tags=[{"Key": "env", "Value": "demo"}, {"Key": "team", "Value": "net"}]
    )
    ds.add_tags_to_resource(ResourceId=directory_id, Tags=[{"Key": "env", "Value": "prod"}])
    tags = {t["Key"]: t["Value"] for t in ds.list_tags_for_resource(ResourceId=directory_id)["Tags"]}
    assert tags == {"env": "prod", "team": "net"}
    ds.remove_tags_from_resource(ResourceId=directory_id, TagKeys=["team"])
    assert ds.list_tags_for_resource(ResourceId=directory_id)["Tags"] == [{"Key": "env", "Value": "prod"}]
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        ds.list_tags_for_resource(ResourceId="d-0123456789")
    assert error_code(exc) == "EntityDoesNotExistException"


# ------------------------------------------------------------ Simple AD


def test_simple_ad_stays_motos_and_deletes_with_a_delay(sandbox, sandbox_app):
    net = network(sandbox, HOME)
    ds = sandbox.client("ds", HOME)
    directory_id = ds.create_directory(
        Name="simple.example.com", Password=PASSWORD, Size="Small", VpcSettings=vpc_settings(net)
    )["DirectoryId"]
    assert lookup_directory(sandbox_app, DEFAULT_ACCOUNT_ID, HOME, directory_id) == {
        "DirectoryId": directory_id,
        "Type": "SimpleAD",
        "Stage": "Active",
        "IsReplica": False,
    }
    sandbox.set_time_scale(scale_for("directory_delete"))
    ds.delete_directory(DirectoryId=directory_id)
    assert describe(sandbox, HOME, directory_id)["Stage"] == "Deleting"
    wait_for(gone(sandbox, HOME, directory_id), lambda v: v == "EntityDoesNotExistException")
    assert lookup_directory(sandbox_app, DEFAULT_ACCOUNT_ID, HOME, directory_id) is None


# ------------------------------------------------ interfaces for other emulations


def test_lookup_and_list_directories(sandbox, sandbox_app):
    sandbox.set_time_scale(scale_for("region_add", 30))
    directory_id, _ = create_mad(sandbox)
    assert lookup_directory(sandbox_app, DEFAULT_ACCOUNT_ID, HOME, directory_id)["Stage"] == "Creating"
    sandbox.set_time_scale(0)
    directory_id, _ = create_mad(sandbox, name="two.example.com", net=network(sandbox, HOME, "10.70.0.0/16"))
    sandbox.set_time_scale(scale_for("region_add", 30))
    add_branch(sandbox, directory_id)
    assert lookup_directory(sandbox_app, DEFAULT_ACCOUNT_ID, HOME, directory_id) == {
        "DirectoryId": directory_id,
        "Type": "MicrosoftAD",
        "Stage": "Active",
        "IsReplica": False,
    }
    assert lookup_directory(sandbox_app, DEFAULT_ACCOUNT_ID, BRANCH, directory_id) == {
        "DirectoryId": directory_id,
        "Type": "MicrosoftAD",
        "Stage": "Creating",
        "IsReplica": True,
    }
    assert lookup_directory(sandbox_app, DEFAULT_ACCOUNT_ID, "eu-west-1", directory_id) is None
    assert lookup_directory(sandbox_app, DEFAULT_ACCOUNT_ID, HOME, "d-0123456789") is None
    assert lookup_directory(sandbox_app, "111111111111", HOME, directory_id) is None
    listed = [(account, region, desc["DirectoryId"]) for account, region, desc in list_directories(sandbox_app)]
    assert (DEFAULT_ACCOUNT_ID, HOME, directory_id) in listed
    assert (DEFAULT_ACCOUNT_ID, BRANCH, directory_id) in listed
    assert len(listed) == 3


def test_describe_directories_lists_per_region_and_paginates(sandbox):
    first, net = create_mad(sandbox)
    second, _ = create_mad(sandbox, net=net, name="two.example.com")
    ds = sandbox.client("ds", HOME)
    page = ds.describe_directories(Limit=1)
    assert [d["DirectoryId"] for d in page["DirectoryDescriptions"]] == [first]
    rest = ds.describe_directories(Limit=1, NextToken=page["NextToken"])
    assert [d["DirectoryId"] for d in rest["DirectoryDescriptions"]] == [second]
    assert "NextToken" not in rest
    assert sandbox.client("ds", BRANCH).describe_directories()["DirectoryDescriptions"] == []
    # the second directory's controllers take the next free addresses of the same subnets
    ips = describe(sandbox, HOME, second)["DnsIpAddrs"]
    assert ips == [str(ipaddress.ip_network(net["cidrs"][k]).network_address + 11) for k in "ab"]


# ------------------------------------------------------------------ realism (sandbox/realism.py)


def effects(sandbox, **switches):
    return sandbox.control("POST", "effects", switches)


def test_new_directory_and_connector_are_missing_from_the_first_describe(sandbox):
    """consistency: a new directory answers EntityDoesNotExistException by ID and is left out of lists, a while."""
    sandbox.set_time_scale(0.001)
    directory_id, net = create_mad(sandbox)
    ds = sandbox.client("ds", HOME)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        describe_now(sandbox, HOME, directory_id)
    assert error_code(exc) == "EntityDoesNotExistException"
    assert describe(sandbox, HOME, directory_id)["DirectoryId"] == directory_id  # then it shows up
    active, _ = wait_for(lambda: describe(sandbox, HOME, directory_id), lambda d: d["Stage"] == "Active")
    # A list misses a new connector too, then lists it.
    connector = connect(sandbox, HOME, net, active["DnsIpAddrs"])
    listed, seen = wait_for(
        lambda: [d["DirectoryId"] for d in ds.describe_directories()["DirectoryDescriptions"]],
        lambda ids: connector in ids,
    )
    assert connector not in seen[0] and directory_id in seen[0]


def test_consistency_vanishes_at_time_scale_0_and_can_be_switched_off(sandbox):
    directory_id, _ = create_mad(sandbox)  # time scale 0
    assert describe_now(sandbox, HOME, directory_id)["DirectoryId"] == directory_id
    sandbox.set_time_scale(0.001)
    effects(sandbox, consistency=False)
    other, _ = create_mad(sandbox, name="other.example.com")
    assert describe_now(sandbox, HOME, other)["DirectoryId"] == other


def test_new_region_is_missing_from_describe_regions_at_first(sandbox):
    directory_id, _ = create_mad(sandbox)
    sandbox.set_time_scale(0.001)
    add_branch(sandbox, directory_id)
    ds = sandbox.client("ds", HOME)
    first = ds.describe_regions(DirectoryId=directory_id, RegionName=BRANCH)["RegionsDescription"]
    assert first == []
    later, _ = wait_for(
        lambda: ds.describe_regions(DirectoryId=directory_id, RegionName=BRANCH)["RegionsDescription"],
        lambda rs: rs != [],
    )
    assert later[0]["RegionName"] == BRANCH


def test_deleted_directory_and_region_linger_in_describes(sandbox):
    """consistency: what was deleted stays listed (as last seen: Deleting) for the window, then is gone."""
    directory_id, _ = create_mad(sandbox)
    add_branch(sandbox, directory_id)
    ds = sandbox.client("ds", HOME)
    sandbox.set_time_scale(0.001)  # removal 1.2 s, deletion 0.6 s
    sandbox.client("ds", BRANCH).remove_region(DirectoryId=directory_id)
    time.sleep(DURATIONS["region_remove"] * 0.001 + 0.1)
    sandbox.set_time_scale(scale_for("consistency", 1))  # a window of 1 s from the moment the removal is seen

    def regions():
        return {
            r["RegionName"]: r["Status"] for r in ds.describe_regions(DirectoryId=directory_id)["RegionsDescription"]
        }

    assert regions() == {HOME: "Active", BRANCH: "Deleting"}
    wait_for(regions, lambda r: r == {HOME: "Active"})
    sandbox.set_time_scale(0.001)
    ds.delete_directory(DirectoryId=directory_id)
    time.sleep(DURATIONS["directory_delete"] * 0.001 + 0.1)
    sandbox.set_time_scale(scale_for("consistency", 1))
    assert describe_now(sandbox, HOME, directory_id)["Stage"] == "Deleting"
    assert directory_id in [d["DirectoryId"] for d in ds.describe_directories()["DirectoryDescriptions"]]
    wait_for(gone(sandbox, HOME, directory_id), lambda s: s == "EntityDoesNotExistException")
    assert ds.describe_directories()["DirectoryDescriptions"] == []


def test_standard_directory_has_no_regions_to_describe(sandbox):
    standard, _ = create_mad(sandbox, edition="Standard", name="std.example.com")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", HOME).describe_regions(DirectoryId=standard)
    assert error_code(exc) == "UnsupportedOperationException"
    assert "only supported for AWS Managed Microsoft AD (Enterprise edition)" in exc.value.response["Error"]["Message"]


def test_serial_region_adds_refuses_a_second_add_until_the_first_is_active(sandbox):
    directory_id, _ = create_mad(sandbox)
    sandbox.set_time_scale(scale_for("region_add", 2))
    # Default: both adds run together.
    add_branch(sandbox, directory_id)
    add_branch(sandbox, directory_id, region="eu-west-1", cidr="10.2.0.0/16")
    other, _ = create_mad(sandbox, name="other.example.com", net=network(sandbox, HOME, "10.9.0.0/16"))
    wait_for(stage_of(sandbox, HOME, other), lambda s: s == "Active", timeout=30)
    effects(sandbox, serial_region_adds=True)
    # The second Region's network first: the refused add must follow the first add within its 2 s.
    eu = network(sandbox, "eu-west-1", "10.4.0.0/16")
    ds = sandbox.client("ds", HOME)
    add_branch(sandbox, other, cidr="10.3.0.0/16")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        ds.add_region(DirectoryId=other, RegionName="eu-west-1", VPCSettings=vpc_settings(eu))
    assert error_code(exc) == "DirectoryUnavailableException"

    def status():
        regions = ds.describe_regions(DirectoryId=other, RegionName=BRANCH)["RegionsDescription"]
        return regions[0]["Status"] if regions else None

    wait_for(status, lambda s: s == "Active")
    ds.add_region(DirectoryId=other, RegionName="eu-west-1", VPCSettings=vpc_settings(eu))


def test_replica_controllers_show_up_in_their_region_some_time_after_add_region(sandbox):
    directory_id, _ = create_mad(sandbox)
    sandbox.set_time_scale(scale_for("region_add", 2))
    add_branch(sandbox, directory_id)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sandbox.client("ds", BRANCH).describe_domain_controllers(DirectoryId=directory_id)
    assert error_code(exc) == "EntityDoesNotExistException"
    dcs, seen = wait_for(replica_controllers(sandbox, directory_id), lambda dcs: dcs is not None)
    assert {dc["Status"] for dc in dcs} == {"Creating"} and len(dcs) == 2


def test_directory_used_by_a_deleted_endpoint_refuses_deletion_for_a_while(sandbox):
    from tests.certificates import certificate
    from tests.certificates import pem
    from tests.certificates import rsa_key

    directory_id, net = create_mad(sandbox)
    dns = describe(sandbox, HOME, directory_id)["DnsIpAddrs"]
    connector = connect(sandbox, HOME, net, dns)
    key = rsa_key()
    cert = sandbox.client("acm", HOME).import_certificate(
        Certificate=pem(certificate("vpn.example.com", key, san=True)),
        PrivateKey=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )["CertificateArn"]
    ec2 = sandbox.client("ec2", HOME)
    endpoints = [
        ec2.create_client_vpn_endpoint(
            ClientCidrBlock=cidr,
            ServerCertificateArn=cert,
            AuthenticationOptions=[
                {"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": used}}
            ],
            ConnectionLogOptions={"Enabled": False},
        )["ClientVpnEndpointId"]
        for used, cidr in ((directory_id, "172.16.0.0/22"), (connector, "172.20.0.0/22"))
    ]
    sandbox.set_time_scale(0.001)  # endpoint deletion 0.06 s, the application released 0.12 s later
    for eid in endpoints:
        ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=eid)
    ds = sandbox.client("ds", HOME)
    for used in (connector, directory_id):
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            ds.delete_directory(DirectoryId=used)
        assert error_code(exc) == "ClientException"
        assert exc.value.response["Error"]["Message"] == (
            "Cannot delete the directory because it still has authorized applications."
        )

    def delete(used):
        try:
            ds.delete_directory(DirectoryId=used)
            return True
        except botocore.exceptions.ClientError as exc:
            assert "authorized applications" in exc.response["Error"]["Message"]
            return False

    for used in (connector, directory_id):
        wait_for(lambda: delete(used), bool)


# ------------------------------------------------- injected faults (control)


def regions_status(sandbox, directory_id):
    described = sandbox.client("ds", HOME).describe_regions(DirectoryId=directory_id)["RegionsDescription"]
    return {r["RegionName"]: r["Status"] for r in described}


def test_impair_and_restore_a_region_of_a_managed_ad(sandbox):
    directory_id, _ = create_mad(sandbox)
    add_branch(sandbox, directory_id)
    answer = sandbox.control("POST", "ds/impair", {"directory_id": directory_id, "region": BRANCH})
    assert answer == {"directory_id": directory_id, "faults": {BRANCH: "Impaired"}}
    assert regions_status(sandbox, directory_id) == {HOME: "Active", BRANCH: "Impaired"}
    assert describe(sandbox, BRANCH, directory_id)["Stage"] == "Impaired"
    assert describe(sandbox, HOME, directory_id)["Stage"] == "Active"
    sandbox.control("POST", "ds/impair", {"directory_id": directory_id, "stage": "Failed"})  # the primary
    assert regions_status(sandbox, directory_id) == {HOME: "Failed", BRANCH: "Impaired"}
    answer = sandbox.control("POST", "ds/restore", {"directory_id": directory_id, "region": BRANCH})
    assert answer["faults"] == {HOME: "Failed"}
    assert regions_status(sandbox, directory_id) == {HOME: "Failed", BRANCH: "Active"}
    assert sandbox.control("POST", "ds/restore", {"directory_id": directory_id})["faults"] == {}
    assert regions_status(sandbox, directory_id) == {HOME: "Active", BRANCH: "Active"}


def test_a_fault_shows_only_once_the_region_is_active(sandbox):
    directory_id, _ = create_mad(sandbox)
    sandbox.set_time_scale(scale_for("region_add"))
    add_branch(sandbox, directory_id)
    sandbox.control("POST", "ds/impair", {"directory_id": directory_id, "region": BRANCH})
    wait_for(lambda: regions_status(sandbox, directory_id).get(BRANCH), lambda status: status == "Creating")
    final, seen = wait_for(lambda: regions_status(sandbox, directory_id).get(BRANCH), lambda s: s != "Creating")
    assert final == "Impaired"
    assert "Active" not in seen


def test_impair_and_restore_an_ad_connector(sandbox):
    directory_id, net = create_mad(sandbox)
    dns = describe(sandbox, HOME, directory_id)["DnsIpAddrs"]
    connector = connect(sandbox, HOME, net, dns)
    assert describe(sandbox, HOME, connector)["Stage"] == "Active"
    answer = sandbox.control("POST", "ds/impair", {"directory_id": connector, "stage": "Failed"})
    assert answer == {"directory_id": connector, "faults": {HOME: "Failed"}}
    assert describe(sandbox, HOME, connector)["Stage"] == "Failed"
    assert describe(sandbox, HOME, directory_id)["Stage"] == "Active"  # the directory behind it is untouched
    sandbox.control("POST", "ds/restore", {"directory_id": connector})
    assert describe(sandbox, HOME, connector)["Stage"] == "Active"


@pytest.mark.parametrize(
    "body",
    [
        {"directory_id": "d-0000000000"},
        {"stage": "impaired"},
        {"region": "eu-west-1"},
        {"stage": "Deleted"},
        {"stage": "Inoperable", "connector": True},
    ],
)
def test_impair_rejections(sandbox, body):
    """An unknown directory, a stage AWS does not show (an AD Connector is never Inoperable), a Region it lacks."""
    directory_id, net = create_mad(sandbox)
    if body.pop("connector", False):
        directory_id = connect(sandbox, HOME, net, describe(sandbox, HOME, directory_id)["DnsIpAddrs"])
    with pytest.raises(urllib.error.HTTPError) as exc:
        sandbox.control("POST", "ds/impair", {"directory_id": directory_id, **body})
    assert exc.value.code == 400
