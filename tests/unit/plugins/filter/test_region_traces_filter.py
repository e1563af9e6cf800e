"""What a removed Region leaves in the Regions that stay: route table routes, endpoint rules and routes."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.region_traces import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.filter.region_traces import client_vpn_traces
from ansible_collections.multiregion.client_vpn.plugins.filter.region_traces import routes_without_peerings


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


def test_filters_are_exported():
    assert set(FilterModule().filters()) == {"routes_without_peerings", "client_vpn_traces"}
