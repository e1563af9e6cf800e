"""Which Regions have an endpoint to publish (dns_endpoints) and which published nothing (dns_unpublished_regions)."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.dns import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.filter.dns import dns_endpoints
from ansible_collections.multiregion.client_vpn.plugins.filter.dns import dns_unpublished_regions

HOSTS = ["us-east-1", "oregon", "eu-west-1"]


def endpoint(dns_name, code="available"):
    return {"dns_name": dns_name, "status": {"code": code}}


def lookup(host, *endpoints):
    return {"item": host, "client_vpn_endpoints": list(endpoints)}


def test_this_runs_endpoints_are_published_in_the_hosts_order():
    hostvars = {
        "us-east-1": {"client_vpn_endpoint_dns_name": "*.cvpn-1"},
        "oregon": {"aws_region": "us-west-2", "client_vpn_endpoint_dns_name": "*.cvpn-2"},
        "eu-west-1": {"client_vpn_endpoint_dns_name": "*.cvpn-3"},
    }
    assert dns_endpoints(HOSTS, hostvars) == [
        {"host": "us-east-1", "region": "us-east-1", "dns_name": "*.cvpn-1"},
        {"host": "oregon", "region": "us-west-2", "dns_name": "*.cvpn-2"},
        {"host": "eu-west-1", "region": "eu-west-1", "dns_name": "*.cvpn-3"},
    ]


def test_an_endpoint_this_run_did_not_make_is_the_first_live_one_its_lookup_found():
    hostvars = {"us-east-1": {"client_vpn_endpoint_dns_name": "*.cvpn-1"}, "oregon": {}, "eu-west-1": {}}
    lookups = [
        lookup("oregon", endpoint("*.cvpn-gone", "deleting"), endpoint("*.cvpn-2"), endpoint("*.cvpn-later")),
        lookup("eu-west-1", endpoint("*.cvpn-deleted", "deleted")),
    ]
    assert dns_endpoints(HOSTS, hostvars, lookups) == [
        {"host": "us-east-1", "region": "us-east-1", "dns_name": "*.cvpn-1"},
        {"host": "oregon", "region": "oregon", "dns_name": "*.cvpn-2"},
    ]


def test_this_runs_endpoint_wins_over_a_lookup_and_a_lookup_is_read_for_its_own_host_only():
    hostvars = {
        "us-east-1": {"client_vpn_endpoint_dns_name": "*.cvpn-1"},
        "oregon": {"client_vpn_endpoint_dns_name": ""},
    }
    lookups = [lookup("us-east-1", endpoint("*.cvpn-old")), lookup("eu-west-1", endpoint("*.cvpn-3"))]
    assert dns_endpoints(["us-east-1", "oregon"], hostvars, lookups) == [
        {"host": "us-east-1", "region": "us-east-1", "dns_name": "*.cvpn-1"}
    ]


def test_a_later_lookup_of_the_same_host_is_read_when_the_first_found_nothing_live():
    lookups = [lookup("oregon", endpoint("*.cvpn-gone", "deleted")), lookup("oregon", endpoint("*.cvpn-2"))]
    assert dns_endpoints(["oregon"], {"oregon": {}}, lookups) == [
        {"host": "oregon", "region": "oregon", "dns_name": "*.cvpn-2"}
    ]


def test_a_region_without_an_endpoint_is_left_out():
    assert dns_endpoints(HOSTS, {host: {} for host in HOSTS}, [lookup("oregon")]) == []


def test_malformed_lookups_or_an_unknown_host_fail_clearly():
    with pytest.raises(AnsibleFilterError, match="dns_endpoints: malformed look-ups"):
        dns_endpoints(["oregon"], {"oregon": {}}, ["not a result"])
    with pytest.raises(AnsibleFilterError, match="dns_endpoints: 'ap-south-1' is not a host"):
        dns_endpoints(["ap-south-1"], {})


def test_unpublished_regions_leave_out_the_regions_any_host_published():
    hostvars = {
        # The Home published its own record and (records entry point) another Region's.
        "us-east-1": {"global_dns_published_regions": ["us-east-1", "eu-west-1"]},
        "oregon": {"aws_region": "us-west-2"},
        "eu-west-1": {},
    }
    assert dns_unpublished_regions(HOSTS, hostvars) == ["us-west-2"]


def test_nothing_is_unpublished_when_every_region_published():
    hostvars = {
        "us-east-1": {"global_dns_published_regions": ["us-east-1"]},
        "oregon": {"aws_region": "us-west-2", "global_dns_published_regions": ["us-west-2"]},
        "eu-west-1": {"global_dns_published_regions": ["eu-west-1"]},
    }
    assert dns_unpublished_regions(HOSTS, hostvars) == []


def test_unpublished_regions_keep_the_hosts_order_each_once():
    hostvars = {"us-east-1": {}, "oregon": {"aws_region": "us-west-2"}, "eu-west-1": {}}
    assert dns_unpublished_regions(["eu-west-1", "us-east-1", "oregon", "eu-west-1"], hostvars) == [
        "eu-west-1",
        "us-east-1",
        "us-west-2",
    ]


def test_unpublished_regions_of_a_malformed_fact_fail_naming_the_host():
    with pytest.raises(AnsibleFilterError, match="'eu-west-1'"):
        dns_unpublished_regions(["eu-west-1"], {"eu-west-1": {"global_dns_published_regions": None}})


def test_the_filters_are_registered():
    assert FilterModule().filters() == {
        "dns_endpoints": dns_endpoints,
        "dns_unpublished_regions": dns_unpublished_regions,
    }
