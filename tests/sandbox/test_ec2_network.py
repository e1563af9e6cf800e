"""EC2 networking in the sandbox where moto differs from AWS (sandbox/services/ec2_network.py)."""

import botocore.exceptions
import pytest


@pytest.fixture
def mesh(sandbox):
    """Three VPCs in three Regions; us-east-1 requests a peering to each of the two others."""
    vpcs = {}
    for region, cidr in (("us-east-1", "10.1.0.0/16"), ("us-west-2", "10.2.0.0/16"), ("eu-west-1", "10.3.0.0/16")):
        vpcs[region] = sandbox.client("ec2", region).create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    ec2 = sandbox.client("ec2", "us-east-1")
    peerings = {}
    for peer in ("us-west-2", "eu-west-1"):
        peerings[peer] = ec2.create_vpc_peering_connection(
            VpcId=vpcs["us-east-1"],
            PeerVpcId=vpcs[peer],
            PeerRegion=peer,
            TagSpecifications=[{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "Name", "Value": peer}]}],
        )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    return vpcs, peerings


def _ids(answer):
    return sorted(p["VpcPeeringConnectionId"] for p in answer["VpcPeeringConnections"])


def test_describe_peerings_applies_the_vpc_filters(sandbox, mesh):
    vpcs, peerings = mesh
    ec2 = sandbox.client("ec2", "us-east-1")
    assert _ids(ec2.describe_vpc_peering_connections()) == sorted(peerings.values())
    answer = ec2.describe_vpc_peering_connections(
        Filters=[
            {"Name": "requester-vpc-info.vpc-id", "Values": [vpcs["us-east-1"]]},
            {"Name": "accepter-vpc-info.vpc-id", "Values": [vpcs["eu-west-1"]]},
        ]
    )
    assert _ids(answer) == [peerings["eu-west-1"]]
    reversed_pair = ec2.describe_vpc_peering_connections(
        Filters=[
            {"Name": "requester-vpc-info.vpc-id", "Values": [vpcs["eu-west-1"]]},
            {"Name": "accepter-vpc-info.vpc-id", "Values": [vpcs["us-east-1"]]},
        ]
    )
    assert _ids(reversed_pair) == []


@pytest.mark.parametrize(
    "name,values,expected",
    [
        ("status-code", ["pending-acceptance"], ["us-west-2", "eu-west-1"]),
        ("status-code", ["active"], []),
        ("tag:Name", ["us-west-2"], ["us-west-2"]),
        ("tag:Name", ["*-west-*"], ["us-west-2", "eu-west-1"]),
        ("tag-key", ["Name"], ["us-west-2", "eu-west-1"]),
        ("accepter-vpc-info.cidr-block", ["10.3.0.0/16"], ["eu-west-1"]),
        ("requester-vpc-info.cidr-block", ["10.9.0.0/16"], []),
    ],
)
def test_describe_peerings_other_filters(sandbox, mesh, name, values, expected):
    _, peerings = mesh
    answer = sandbox.client("ec2", "us-east-1").describe_vpc_peering_connections(
        Filters=[{"Name": name, "Values": values}]
    )
    assert _ids(answer) == sorted(peerings[p] for p in expected)


def test_describe_peerings_accepter_region_sees_only_its_own(sandbox, mesh):
    vpcs, peerings = mesh
    ec2 = sandbox.client("ec2", "us-west-2")
    answer = ec2.describe_vpc_peering_connections(
        Filters=[{"Name": "accepter-vpc-info.vpc-id", "Values": [vpcs["us-west-2"]]}]
    )
    assert _ids(answer) == [peerings["us-west-2"]]


def test_describe_peerings_refuses_an_unknown_filter(sandbox, mesh):
    with pytest.raises(botocore.exceptions.ClientError) as error:
        sandbox.client("ec2", "us-east-1").describe_vpc_peering_connections(
            Filters=[{"Name": "vpc-id", "Values": ["vpc-1"]}]
        )
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"


@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_rule_description_updates_answer_return_true(sandbox, direction):
    ec2 = sandbox.client("ec2", "us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    permission = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    if direction == "ingress":
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])
        update = ec2.update_security_group_rule_descriptions_ingress
    else:
        ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[permission])
        update = ec2.update_security_group_rule_descriptions_egress
    permission["IpRanges"][0]["Description"] = "clients"
    assert update(GroupId=group, IpPermissions=[permission])["Return"] is True
    described = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    rules = described["IpPermissions" if direction == "ingress" else "IpPermissionsEgress"]
    assert {"CidrIp": "10.0.0.0/8", "Description": "clients"} in [r for rule in rules for r in rule["IpRanges"]]


def _peering_route_states(ec2, table_id):
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    return [(r["DestinationCidrBlock"], r["State"]) for r in table["Routes"] if r.get("VpcPeeringConnectionId")]


def test_a_route_through_a_deleted_peering_turns_blackhole(sandbox):
    """AWS: a route whose peering connection was deleted reads State "blackhole" (moto keeps it active)."""
    ec2 = sandbox.client("ec2", "us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    peer = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.2.0.0/16", VpcPeeringConnectionId=pcx)
    assert _peering_route_states(ec2, table) == [("10.2.0.0/16", "active")]
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert _peering_route_states(ec2, table) == [("10.2.0.0/16", "blackhole")]
    sandbox.control("POST", "effects", {"blackhole_routes": False})
    assert _peering_route_states(ec2, table) == [("10.2.0.0/16", "active")]
