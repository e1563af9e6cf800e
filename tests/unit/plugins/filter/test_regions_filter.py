"""The AWS Region of each Region host (region_name, region_names)."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import region_name
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import region_names

HOSTVARS = {
    "us-east-1": {"vpc_cidr": "10.10.0.0/16"},
    "branch-oregon": {"aws_region": "us-west-2"},
    "eu-west-1": {"aws_region": "eu-west-1"},
}


def test_a_host_is_its_aws_region_else_its_name():
    assert region_name("branch-oregon", HOSTVARS) == "us-west-2"
    assert region_name("us-east-1", HOSTVARS) == "us-east-1"


def test_region_names_keep_the_hosts_order():
    assert region_names(["eu-west-1", "branch-oregon", "us-east-1"], HOSTVARS) == [
        "eu-west-1",
        "us-west-2",
        "us-east-1",
    ]
    assert region_names([], HOSTVARS) == []


def test_a_host_outside_the_inventory_is_an_error_naming_it():
    with pytest.raises(AnsibleFilterError, match="'ap-south-1' is not a host"):
        region_names(["us-east-1", "ap-south-1"], HOSTVARS)


def test_the_filters_are_registered():
    assert FilterModule().filters() == {"region_name": region_name, "region_names": region_names}
