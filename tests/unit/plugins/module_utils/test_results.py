"""module_utils/results: a described resource in the modules' return shape."""

from ansible_collections.multiregion.client_vpn.plugins.module_utils.results import snake_with_tags


def test_snake_case_with_tags_as_a_dict():
    peering = {
        "VpcPeeringConnectionId": "pcx-1",
        "RequesterVpcInfo": {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"},
        "Tags": [{"Key": "Name", "Value": "hub"}, {"Key": "CamelKey", "Value": "Value"}],
    }
    assert snake_with_tags(peering) == {
        "vpc_peering_connection_id": "pcx-1",
        "requester_vpc_info": {"vpc_id": "vpc-1", "cidr_block": "10.0.0.0/16"},
        "tags": {"Name": "hub", "CamelKey": "Value"},
    }


def test_no_tags_is_an_empty_dict():
    assert snake_with_tags({"VpcPeeringConnectionId": "pcx-1"}) == {"vpc_peering_connection_id": "pcx-1", "tags": {}}
    assert snake_with_tags({"VpcPeeringConnectionId": "pcx-1", "Tags": None})["tags"] == {}


def test_no_resource_is_an_empty_dict():
    assert snake_with_tags(None) == {} and snake_with_tags({}) == {}
