"""What a removed Region leaves in the Regions that stay: route table routes, endpoint rules and routes, the peerings
with them; and the Branches still deployed outside a teardown run."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.region_traces import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.filter.region_traces import client_vpn_traces
from ansible_collections.multiregion.client_vpn.plugins.filter.region_traces import remaining_branches
from ansible_collections.multiregion.client_vpn.plugins.filter.region_traces import routes_without_peerings
from ansible_collections.multiregion.client_vpn.plugins.filter.region_traces import trace_peerings


def route(dest, origin="CreateRoute", **target):
    # As ec2_vpc_route_table_info returns it: legacy keys present, None when empty.
    return {
        "destination_cidr_block": dest,
        "gateway_id": None,
        "instance_id": None,
        "network_interface_id": None,
        "origin": origin,
        "state": "active",
        **target,
    }


def test_only_the_routes_through_the_removed_peerings_go():
    routes = [
        route("10.10.0.0/16", origin="CreateRouteTable", gateway_id="local"),
        route("10.20.0.0/16", vpc_peering_connection_id="pcx-gone"),
        route("10.30.0.0/16", vpc_peering_connection_id="pcx-kept"),
        route("0.0.0.0/0", gateway_id="igw-1"),
        route("192.168.0.0/16", nat_gateway_id="nat-1"),
        route("172.31.0.0/16", instance_id="i-1", network_interface_id="eni-1"),
        route("10.99.0.0/16", origin="EnableVgwRoutePropagation", gateway_id="vgw-1"),
        {"destination_prefix_list_id": "pl-1", "gateway_id": "vpce-1", "origin": "CreateRoute"},
    ]
    assert routes_without_peerings(routes, ["pcx-gone"]) == [
        {"dest": "10.30.0.0/16", "vpc_peering_connection_id": "pcx-kept"},
        {"dest": "0.0.0.0/0", "gateway_id": "igw-1"},
        {"dest": "192.168.0.0/16", "nat_gateway_id": "nat-1"},
        {"dest": "172.31.0.0/16", "instance_id": "i-1"},
    ]


def test_a_table_without_such_a_route_is_left_alone():
    assert routes_without_peerings([route("10.30.0.0/16", vpc_peering_connection_id="pcx-kept")], ["pcx-gone"]) is None


def test_an_unknown_target_is_refused_rather_than_purged():
    routes = [route("10.20.0.0/16", vpc_peering_connection_id="pcx-gone"), route("10.40.0.0/16", core_network_arn="x")]
    with pytest.raises(AnsibleFilterError, match="no known target"):
        routes_without_peerings(routes, ["pcx-gone"])


def test_client_vpn_traces_are_the_all_users_rule_and_the_added_routes_of_the_cidr():
    endpoint = {
        "authorization_rules": [
            {"destination_cidr": "10.20.0.0/16", "access_all": True},
            {"destination_cidr": "10.20.0.0/16", "access_all": False, "group_id": "S-1-5-21-1"},
            {"destination_cidr": "10.30.0.0/16", "access_all": True},
        ],
        "routes": [
            {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a", "origin": "add-route"},
            {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-b", "origin": "add-route"},
            {"destination_cidr": "10.30.0.0/16", "target_subnet": "subnet-a", "origin": "add-route"},
            {"destination_cidr": "10.10.0.0/16", "target_subnet": "subnet-a", "origin": "associate"},
        ],
    }
    assert client_vpn_traces(endpoint, ["10.20.0.0/16", "10.10.0.0/16"]) == {
        "rules": [{"destination_cidr": "10.20.0.0/16"}],
        "routes": [
            {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"},
            {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-b"},
        ],
    }
    assert client_vpn_traces({}, ["10.20.0.0/16"]) == {"rules": [], "routes": []}


def peering(pcx, requester, accepter):
    # As ec2_vpc_peering_info returns it: each side (region, vpc_id, cidr_block) is given as a tuple here.
    def side(info):
        return {"region": info[0], "vpc_id": info[1], "cidr_block": info[2], "owner_id": "123456789012"}

    return {
        "vpc_peering_connection_id": pcx,
        "requester_vpc_info": side(requester),
        "accepter_vpc_info": side(accepter),
        "status": {"code": "active"},
    }


EU = ("eu-west-1", "vpc-eu", "10.30.0.0/16")
EAST = ("us-east-1", "vpc-east", "10.10.0.0/16")
WEST = ("us-west-2", "vpc-west", "10.20.0.0/16")


def test_trace_peerings_name_the_staying_side_and_this_regions_cidr_whichever_side_requested():
    peerings = [peering("pcx-1", EU, EAST), peering("pcx-2", WEST, EU)]
    assert trace_peerings(peerings, "eu-west-1", ["us-east-1", "us-west-2"]) == [
        {"id": "pcx-1", "region": "us-east-1", "vpc_id": "vpc-east", "cidr": "10.30.0.0/16"},
        {"id": "pcx-2", "region": "us-west-2", "vpc_id": "vpc-west", "cidr": "10.30.0.0/16"},
    ]


def test_trace_peerings_leave_out_the_peerings_with_regions_of_the_run():
    peerings = [peering("pcx-1", EU, EAST), peering("pcx-2", WEST, EU)]
    assert trace_peerings(peerings, "eu-west-1", ["us-east-1"]) == [
        {"id": "pcx-1", "region": "us-east-1", "vpc_id": "vpc-east", "cidr": "10.30.0.0/16"},
    ]
    assert trace_peerings(peerings, "eu-west-1", []) == []
    assert trace_peerings([], "eu-west-1", ["us-east-1"]) == []


def test_trace_peerings_refuse_a_peering_without_its_sides():
    with pytest.raises(AnsibleFilterError, match="trace_peerings: malformed peerings"):
        trace_peerings([{"vpc_peering_connection_id": "pcx-1"}], "eu-west-1", ["us-east-1"])


HOSTVARS = {"us-east-1": {}, "branch-oregon": {"aws_region": "us-west-2"}, "eu-west-1": {}, "ap-south-1": {}}


def test_remaining_branches_are_the_replicas_outside_the_run_sorted():
    assert remaining_branches(["us-west-2", "eu-west-1", "ap-south-1"], ["us-east-1", "ap-south-1"], [], HOSTVARS) == [
        "eu-west-1",
        "us-west-2",
    ]
    assert remaining_branches(["eu-west-1"], ["us-east-1", "eu-west-1"], [], HOSTVARS) == []


def test_a_branch_with_an_owned_vpc_or_endpoint_remains_even_without_a_replica():
    lookups = [
        {"item": "branch-oregon", "vpcs": [{"id": "vpc-west"}]},
        {"item": "eu-west-1", "vpcs": []},
        {"item": "ap-south-1", "vpcs": []},
        {"item": "eu-west-1", "client_vpn_endpoints": []},
        {"item": "ap-south-1", "client_vpn_endpoints": [{"client_vpn_endpoint_id": "cvpn-endpoint-1"}]},
        {"item": "branch-oregon", "client_vpn_endpoints": [{"client_vpn_endpoint_id": "cvpn-endpoint-2"}]},
    ]
    # By Region (the host's aws_region), once each.
    assert remaining_branches([], ["us-east-1"], lookups, HOSTVARS) == ["ap-south-1", "us-west-2"]
    assert remaining_branches(["us-west-2"], ["us-east-1"], lookups, HOSTVARS) == ["ap-south-1", "us-west-2"]


def test_skipped_lookups_find_nothing():
    lookups = [{"item": "eu-west-1", "skipped": True, "changed": False}]
    assert remaining_branches([], ["us-east-1"], lookups, HOSTVARS) == []


def test_remaining_branches_are_unique_and_sorted_regardless_of_case():
    hostvars = {"EU-West-1": {}, "us-west-2": {}}
    lookups = [{"item": "EU-West-1", "vpcs": [{"id": "vpc-eu"}]}, {"item": "us-west-2", "vpcs": [{"id": "vpc-west"}]}]
    assert remaining_branches(["eu-west-1"], [], lookups, hostvars) == ["eu-west-1", "us-west-2"]
    assert remaining_branches([], [], lookups, hostvars) == ["EU-West-1", "us-west-2"]
    assert remaining_branches(["us-east-2", "ap-south-1"], [], lookups, hostvars) == [
        "ap-south-1",
        "EU-West-1",
        "us-east-2",
        "us-west-2",
    ]


def test_remaining_branches_refuse_a_lookup_without_its_host():
    with pytest.raises(AnsibleFilterError, match="remaining_branches: malformed lookups"):
        remaining_branches([], ["us-east-1"], [{"vpcs": [{"id": "vpc-eu"}]}], HOSTVARS)


def test_filters_are_exported():
    assert set(FilterModule().filters()) == {
        "routes_without_peerings",
        "client_vpn_traces",
        "trace_peerings",
        "remaining_branches",
    }
