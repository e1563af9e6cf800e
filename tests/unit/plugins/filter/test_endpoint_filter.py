"""The Regions an endpoint reaches (endpoint_peers), its authorization rules (endpoint_rules, with the VPN access
groups' from access_group_rules) and routes (endpoint_routes)."""

from collections.abc import Mapping

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.endpoint import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.filter.endpoint import access_group_rules
from ansible_collections.multiregion.client_vpn.plugins.filter.endpoint import endpoint_authentication
from ansible_collections.multiregion.client_vpn.plugins.filter.endpoint import endpoint_peers
from ansible_collections.multiregion.client_vpn.plugins.filter.endpoint import endpoint_routes
from ansible_collections.multiregion.client_vpn.plugins.filter.endpoint import endpoint_rules

HOSTS = ["us-east-1", "us-west-2", "frankfurt", "eu-west-1"]
HOSTVARS = {
    "us-east-1": {"network_vpc_cidr": "10.10.0.0/16"},
    "us-west-2": {"network_vpc_cidr": "10.20.0.0/16"},
    "frankfurt": {"aws_region": "eu-central-1", "network_vpc_cidr": "10.40.0.0/16"},
    "eu-west-1": {"network_vpc_cidr": "10.30.0.0/16"},
}
PEERS = [{"region": "eu-west-1", "cidr": "10.30.0.0/16"}, {"region": "us-west-2", "cidr": "10.20.0.0/16"}]
GROUPS = [
    {"cidr": "10.0.0.0/8", "group_sid": "S-1-5-21-1-512", "description": "admins"},
    {"cidr": "10.20.0.0/16", "group_sid": "S-1-5-21-1-1105"},
]


class CountingHostvars(Mapping):
    """Stands for ansible-core's hostvars, where each hostvars[host] computes the host's whole variable set."""

    def __init__(self, data):
        self._data = data
        self.reads = []

    def __getitem__(self, host):
        self.reads.append(host)
        return self._data[host]

    def __contains__(self, host):
        # As ansible-core's: looks the host up in the inventory without computing its variables.
        return host in self._data

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


def test_peers_are_the_other_regions_sorted_by_region_named_by_aws_region():
    assert endpoint_peers(HOSTS, HOSTVARS, "us-east-1") == [
        {"region": "eu-central-1", "cidr": "10.40.0.0/16"},
        {"region": "eu-west-1", "cidr": "10.30.0.0/16"},
        {"region": "us-west-2", "cidr": "10.20.0.0/16"},
    ]


def test_peers_read_each_other_host_once():
    hostvars = CountingHostvars(HOSTVARS)
    endpoint_peers(HOSTS, hostvars, "us-east-1")
    assert sorted(hostvars.reads) == sorted(HOSTS[1:])


def test_a_peer_that_failed_early_keeps_the_cidr_of_its_peering_link():
    hostvars = dict(HOSTVARS, **{"eu-west-1": {}})
    links = [{"region": "eu-west-1", "peering_id": "pcx-1", "cidr": "10.30.0.0/16"}]
    peers = endpoint_peers(["us-east-1", "eu-west-1"], hostvars, "us-east-1", links)
    assert peers == [{"region": "eu-west-1", "cidr": "10.30.0.0/16"}]


def test_a_peer_without_cidr_nor_link_is_skipped():
    hostvars = dict(HOSTVARS, **{"eu-west-1": {}})
    links = [{"region": "us-west-2", "peering_id": "pcx-2", "cidr": "10.20.0.0/16"}]
    assert endpoint_peers(["us-east-1", "eu-west-1", "us-west-2"], hostvars, "us-east-1", links) == [
        {"region": "us-west-2", "cidr": "10.20.0.0/16"}
    ]
    assert endpoint_peers(["us-east-1", "eu-west-1"], hostvars, "us-east-1") == []


def test_a_defined_empty_cidr_is_not_replaced_by_the_link():
    # Jinja's default() replaced an undefined fact only.
    hostvars = dict(HOSTVARS, **{"eu-west-1": {"network_vpc_cidr": ""}})
    links = [{"region": "eu-west-1", "peering_id": "pcx-1", "cidr": "10.30.0.0/16"}]
    assert endpoint_peers(["us-east-1", "eu-west-1"], hostvars, "us-east-1", links) == []


def test_peers_of_a_host_outside_the_inventory_or_malformed_links_fail_clearly():
    with pytest.raises(AnsibleFilterError, match="endpoint_peers: 'ap-south-1' is not a host"):
        endpoint_peers(["us-east-1", "ap-south-1"], HOSTVARS, "us-east-1")
    with pytest.raises(AnsibleFilterError, match="endpoint_peers: malformed links"):
        endpoint_peers(HOSTS, HOSTVARS, "us-east-1", [{"region": "eu-west-1"}])


def test_rules_authorize_this_vpc_first_then_the_peers_then_the_groups():
    assert endpoint_rules(PEERS, "us-east-1", "10.10.0.0/16", GROUPS, True) == [
        {"destination_cidr": "10.10.0.0/16", "description": "us-east-1 VPC"},
        {"destination_cidr": "10.30.0.0/16", "description": "eu-west-1 VPC"},
        {"destination_cidr": "10.20.0.0/16", "description": "us-west-2 VPC"},
        {"destination_cidr": "10.0.0.0/8", "access_group_id": "S-1-5-21-1-512", "description": "admins"},
        {"destination_cidr": "10.20.0.0/16", "access_group_id": "S-1-5-21-1-1105", "description": ""},
    ]


def test_rules_without_this_vpc_cidr_still_authorize_the_peers():
    # network_vpc_cidr undefined: no rule for this Region's VPC.
    assert endpoint_rules(PEERS, "us-east-1", None) == [
        {"destination_cidr": "10.30.0.0/16", "description": "eu-west-1 VPC"},
        {"destination_cidr": "10.20.0.0/16", "description": "us-west-2 VPC"},
    ]


def test_rules_without_authorize_all_users_are_the_groups_only():
    rules = endpoint_rules(PEERS, "us-east-1", "10.10.0.0/16", GROUPS, False)
    assert [(r["destination_cidr"], r["access_group_id"]) for r in rules] == [
        ("10.0.0.0/8", "S-1-5-21-1-512"),
        ("10.20.0.0/16", "S-1-5-21-1-1105"),
    ]
    assert endpoint_rules(PEERS, "us-east-1", "10.10.0.0/16", [], False) == []


def test_a_group_without_a_cidr_or_sid_fails_clearly():
    with pytest.raises(AnsibleFilterError, match="needs a cidr and a group_sid"):
        endpoint_rules(PEERS, "us-east-1", "10.10.0.0/16", [{"cidr": "10.0.0.0/8"}])
    with pytest.raises(AnsibleFilterError, match="needs a cidr and a group_sid"):
        endpoint_rules(PEERS, "us-east-1", "10.10.0.0/16", ["S-1-5-21-1-512"])
    with pytest.raises(AnsibleFilterError, match="endpoint_rules: malformed peers"):
        endpoint_rules([{"region": "eu-west-1"}], "us-east-1", "10.10.0.0/16")


ACCESS_GROUPS = [
    {"name": "VPN-Finance", "cidrs": ["10.10.6.0/24", "10.20.6.0/24"], "description": "Finance servers", "members": []},
    {"name": "vpn-ops", "cidrs": ["10.0.0.0/8"]},
]
# What ds_data_info answers: names as the directory spells them, in its order.
FOUND = [
    {"sam_account_name": "VPN-OPS", "sid": "S-1-5-21-1-1110"},
    {"sam_account_name": "vpn-finance", "sid": "S-1-5-21-1-1111"},
]


def test_access_group_rules_are_one_per_group_and_cidr_for_its_sid():
    assert access_group_rules(ACCESS_GROUPS, FOUND) == [
        {"cidr": "10.10.6.0/24", "group_sid": "S-1-5-21-1-1111", "description": "Finance servers"},
        {"cidr": "10.20.6.0/24", "group_sid": "S-1-5-21-1-1111", "description": "Finance servers"},
        {"cidr": "10.0.0.0/8", "group_sid": "S-1-5-21-1-1110", "description": "vpn-ops"},
    ]
    assert access_group_rules([], FOUND) == [] and access_group_rules(None, None) == []


def test_access_group_rules_feed_endpoint_rules_after_the_raw_sid_rules():
    groups = GROUPS + access_group_rules(ACCESS_GROUPS[1:], FOUND)
    rules = endpoint_rules(PEERS, "us-east-1", None, groups, False)
    assert [(r["destination_cidr"], r["access_group_id"], r["description"]) for r in rules] == [
        ("10.0.0.0/8", "S-1-5-21-1-512", "admins"),
        ("10.20.0.0/16", "S-1-5-21-1-1105", ""),
        ("10.0.0.0/8", "S-1-5-21-1-1110", "vpn-ops"),
    ]


def test_a_group_the_directory_lacks_is_an_error_naming_it_unless_not_strict():
    with pytest.raises(AnsibleFilterError, match="the directory has no group VPN-Finance, vpn-ops"):
        access_group_rules(ACCESS_GROUPS, [])
    # Check mode: a group the Home would create has no SID yet; its rules are left out.
    assert access_group_rules(ACCESS_GROUPS, FOUND[:1], strict=False) == [
        {"cidr": "10.0.0.0/8", "group_sid": "S-1-5-21-1-1110", "description": "vpn-ops"}
    ]


def test_malformed_access_groups_fail_clearly():
    for groups in (["VPN-Finance"], [{"name": "VPN-Finance"}], [{"cidrs": ["10.0.0.0/8"]}]):
        with pytest.raises(AnsibleFilterError, match="needs a name and a list of cidrs"):
            access_group_rules(groups, FOUND)
    with pytest.raises(AnsibleFilterError, match="malformed directory groups"):
        access_group_rules(ACCESS_GROUPS, [{"name": "VPN-Finance"}])


def test_routes_are_every_peer_through_every_subnet_peer_by_peer():
    assert endpoint_routes(PEERS, ["subnet-a", "subnet-b"]) == [
        {"destination_cidr": "10.30.0.0/16", "target_subnet": "subnet-a", "description": "eu-west-1 VPC (peering)"},
        {"destination_cidr": "10.30.0.0/16", "target_subnet": "subnet-b", "description": "eu-west-1 VPC (peering)"},
        {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a", "description": "us-west-2 VPC (peering)"},
        {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-b", "description": "us-west-2 VPC (peering)"},
    ]


def test_no_routes_without_subnets_or_peers():
    assert endpoint_routes(PEERS, []) == []
    assert endpoint_routes([], ["subnet-a"]) == []
    with pytest.raises(AnsibleFilterError, match="endpoint_routes: malformed peers"):
        endpoint_routes([{"region": "eu-west-1"}], ["subnet-a"])


def test_the_filters_are_registered():
    assert FilterModule().filters() == {
        "endpoint_peers": endpoint_peers,
        "endpoint_rules": endpoint_rules,
        "access_group_rules": access_group_rules,
        "endpoint_routes": endpoint_routes,
        "endpoint_authentication": endpoint_authentication,
    }


CERT = "arn:aws:acm:us-east-1:123456789012:certificate/1234"
SAML = "arn:aws:iam::123456789012:saml-provider/okta"
PORTAL = "arn:aws:iam::123456789012:saml-provider/okta-portal"


def test_directory_mode_is_the_directory_alone():
    # Exactly what the role passed before the modes existed: an existing endpoint sees no change.
    assert endpoint_authentication("directory", "d-1234567890", CERT, SAML) == [
        {"type": "directory-service-authentication", "directory_id": "d-1234567890"}
    ]


def test_directory_and_certificate_adds_mutual_authentication_with_the_server_certificate():
    assert endpoint_authentication("directory+certificate", "d-1234567890", CERT) == [
        {"type": "directory-service-authentication", "directory_id": "d-1234567890"},
        {"type": "certificate-authentication", "client_root_certificate_chain_arn": CERT},
    ]


def test_certificate_mode_needs_no_directory():
    assert endpoint_authentication("certificate", "", CERT) == [
        {"type": "certificate-authentication", "client_root_certificate_chain_arn": CERT}
    ]


def test_saml_mode_is_federated_with_the_optional_portal_provider():
    assert endpoint_authentication("saml", "d-1", CERT, SAML) == [
        {"type": "federated-authentication", "saml_provider_arn": SAML}
    ]
    assert endpoint_authentication("saml", "", "", SAML, PORTAL) == [
        {"type": "federated-authentication", "saml_provider_arn": SAML, "self_service_saml_provider_arn": PORTAL}
    ]


def test_empty_ids_are_kept_for_check_mode():
    assert endpoint_authentication("directory+certificate") == [
        {"type": "directory-service-authentication", "directory_id": ""},
        {"type": "certificate-authentication", "client_root_certificate_chain_arn": ""},
    ]


def test_unknown_mode_or_saml_without_provider_is_an_error():
    with pytest.raises(AnsibleFilterError, match="unknown authentication mode 'ldap'"):
        endpoint_authentication("ldap", "d-1")
    with pytest.raises(AnsibleFilterError, match="the saml mode needs saml_provider_arn"):
        endpoint_authentication("saml", "d-1", CERT, "")
