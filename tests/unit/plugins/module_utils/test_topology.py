"""Topology validation: a valid baseline, then one broken rule at a time."""

import copy

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import password_problem
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import topology_problems


def region(name, role, second_octet, client):
    return {
        "name": name,
        "role": role,
        "vpc_cidr": f"10.{second_octet}.0.0/16",
        "subnets": [
            {"cidr": f"10.{second_octet}.1.0/24", "az": f"{name}a"},
            {"cidr": f"10.{second_octet}.2.0/24", "az": f"{name}b"},
        ],
        "client_cidr": client,
        "probe_ip": "3.80.0.1",
    }


BASE_REGIONS = [
    region("us-east-1", "home", 10, "172.16.0.0/22"),
    region("us-west-2", "branch", 20, "172.16.4.0/22"),
    region("eu-west-1", "branch", 30, "172.16.8.0/22"),
]
BASE_SETTINGS = {
    "vpn_name": "vpn.example.com",
    "hosted_zone": "example.com",
    "directory_name": "corp.example.com",
    "directory_short_name": "CORP",
    "directory_password": "Sandbox-Passw0rd",
    "transport_protocol": "tcp",
    "vpn_port": 443,
    "dns_servers": ["10.10.0.2"],
    "session_timeout_hours": 12,
    "login_banner": "Authorised users only",
    "health_check": {
        "request_interval": 30,
        "failure_threshold": 3,
        "regions": ["us-east-1", "us-west-2", "eu-west-1"],
    },
    "record_ttl": 60,
    "tags": {"project": "vpn"},
}


def test_valid_topology_has_no_problem():
    assert topology_problems(BASE_REGIONS, BASE_SETTINGS) == []


def test_a_client_connect_handler_of_the_region_is_accepted():
    arn = "arn:aws:lambda:us-west-2:123456789012:function:AWSClientVPN-posture:live"
    regions, settings = _mutate_region(1, client_connect_handler=arn)
    assert topology_problems(regions, settings) == []


def test_existing_network_by_id_is_accepted():
    regions = copy.deepcopy(BASE_REGIONS)
    regions[1] = {
        "name": "us-west-2",
        "role": "branch",
        "vpc_id": "vpc-1",
        "subnet_ids": ["subnet-1", "subnet-2"],
        "client_cidr": "172.16.4.0/22",
    }
    assert topology_problems(regions, BASE_SETTINGS) == []


def _mutate_region(index, **changes):
    regions = copy.deepcopy(BASE_REGIONS)
    regions[index].update(changes)
    return regions, BASE_SETTINGS


def _mutate_settings(**changes):
    settings = copy.deepcopy(BASE_SETTINGS)
    settings.update(changes)
    return BASE_REGIONS, settings


def _subnets(index, first, second):
    regions = copy.deepcopy(BASE_REGIONS)
    regions[index]["subnets"] = [first, second]
    return regions, BASE_SETTINGS


CASES = {
    "no home": (lambda: _mutate_region(0, role="branch"), "exactly one Home Region is needed, found 0"),
    "two homes": (lambda: _mutate_region(1, role="home"), "exactly one Home Region is needed, found 2"),
    "bad role": (lambda: _mutate_region(1, role="spoke"), "role must be home or branch"),
    "unknown region": (lambda: _mutate_region(1, name="us-west-9"), "us-west-9: not a known AWS Region"),
    "opt-in region": (lambda: _mutate_region(1, name="af-south-1"), "af-south-1: an opt-in Region"),
    "duplicate region": (lambda: _mutate_region(2, name="us-west-2"), "us-west-2: listed more than once"),
    "vpc not a cidr": (lambda: _mutate_region(1, vpc_cidr="10.20.0.0/33"), "is not an IPv4 CIDR block"),
    "vpc host bits": (lambda: _mutate_region(1, vpc_cidr="10.20.0.1/16"), "is not an IPv4 CIDR block"),
    "vpc too big": (lambda: _mutate_region(1, vpc_cidr="10.0.0.0/8"), "must be between /16 and /28"),
    "vpc overlap": (
        lambda: _mutate_region(2, vpc_cidr="10.20.0.0/16", subnets=BASE_REGIONS[1]["subnets"]),
        "overlaps vpc_cidr 10.20.0.0/16",
    ),
    "one subnet": (lambda: _mutate_region(1, subnets=BASE_REGIONS[1]["subnets"][:1]), "needs exactly two subnets"),
    "subnet too small": (
        lambda: _subnets(1, {"cidr": "10.20.1.0/28", "az": "us-west-2a"}, {"cidr": "10.20.2.0/24", "az": "us-west-2b"}),
        "smaller than /27",
    ),
    "subnet outside vpc": (
        lambda: _subnets(1, {"cidr": "10.21.1.0/24", "az": "us-west-2a"}, {"cidr": "10.20.2.0/24", "az": "us-west-2b"}),
        "is not inside vpc_cidr",
    ),
    "subnets overlap": (
        lambda: _subnets(1, {"cidr": "10.20.0.0/23", "az": "us-west-2a"}, {"cidr": "10.20.1.0/24", "az": "us-west-2b"}),
        "overlap",
    ),
    "same az": (
        lambda: _subnets(1, {"cidr": "10.20.1.0/24", "az": "us-west-2a"}, {"cidr": "10.20.2.0/24", "az": "us-west-2a"}),
        "two different Availability Zones",
    ),
    "az of other region": (
        lambda: _subnets(1, {"cidr": "10.20.1.0/24", "az": "us-east-1a"}, {"cidr": "10.20.2.0/24", "az": "us-west-2b"}),
        "is not in us-west-2",
    ),
    "az malformed": (
        lambda: _subnets(1, {"cidr": "10.20.1.0/24", "az": "west"}, {"cidr": "10.20.2.0/24", "az": "us-west-2b"}),
        "is not an Availability Zone",
    ),
    "client too small": (lambda: _mutate_region(1, client_cidr="172.16.4.0/24"), "must be between /12 and /22"),
    "client too big": (lambda: _mutate_region(1, client_cidr="172.0.0.0/11"), "must be between /12 and /22"),
    "client overlaps own vpc": (
        lambda: _mutate_region(1, client_cidr="10.20.0.0/22"),
        "overlaps vpc_cidr 10.20.0.0/16",
    ),
    "client overlaps other vpc": (
        lambda: _mutate_region(1, client_cidr="10.30.0.0/22"),
        "client_cidr 10.30.0.0/22 of us-west-2 overlaps vpc_cidr 10.30.0.0/16 of eu-west-1",
    ),
    "client ipv6": (lambda: _mutate_region(1, client_cidr="fd00::/56"), "is not an IPv4 CIDR block"),
    "probe not ip": (lambda: _mutate_region(1, probe_ip="nowhere"), "probe_ip 'nowhere' is not an IP address"),
    "handler not lambda": (
        lambda: _mutate_region(1, client_connect_handler="arn:aws:sns:us-west-2:123456789012:topic"),
        "us-west-2: client_connect_handler 'arn:aws:sns:us-west-2:123456789012:topic' is not the ARN of a Lambda",
    ),
    "handler of other region": (
        lambda: _mutate_region(
            1, client_connect_handler="arn:aws:lambda:us-east-1:123456789012:function:AWSClientVPN-check"
        ),
        "us-west-2: client_connect_handler is a function of us-east-1",
    ),
    "handler name": (
        lambda: _mutate_region(1, client_connect_handler="arn:aws:lambda:us-west-2:123456789012:function:check"),
        "us-west-2: client_connect_handler function check: the name must begin with AWSClientVPN-",
    ),
    "vpn name apex": (lambda: _mutate_settings(vpn_name="example.com"), "is the zone apex"),
    "vpn name outside zone": (lambda: _mutate_settings(vpn_name="vpn.example.org"), "is not inside hosted_zone"),
    "vpn name invalid": (lambda: _mutate_settings(vpn_name="vpn_.example.com"), "is not a valid DNS name"),
    "udp": (lambda: _mutate_settings(transport_protocol="udp"), "this design needs tcp"),
    "port 1194": (lambda: _mutate_settings(vpn_port=1194), "must be 443"),
    "dns servers": (lambda: _mutate_settings(dns_servers=["1.1.1.1", "8.8.8.8", "9.9.9.9"]), "at most 2"),
    "dns server not ip": (lambda: _mutate_settings(dns_servers=["dns.example.com"]), "is not an IP address"),
    "session timeout": (lambda: _mutate_settings(session_timeout_hours=9), "must be one of 8, 10, 12, 24"),
    "banner": (lambda: _mutate_settings(login_banner="x" * 1401), "AWS allows at most 1400"),
    "weak password": (lambda: _mutate_settings(directory_password="alllowercase1"), "3 of these 4 categories"),
    "password with admin": (lambda: _mutate_settings(directory_password="Admin-Passw0rd!"), 'the word "admin"'),
    "short password": (lambda: _mutate_settings(directory_password="Aa1!"), "8 to 64"),
    "directory name": (lambda: _mutate_settings(directory_name="corp"), "not a fully qualified domain name"),
    "short name dot": (lambda: _mutate_settings(directory_short_name=".corp"), "NetBIOS name"),
    "short name long": (lambda: _mutate_settings(directory_short_name="C" * 16), "NetBIOS name"),
    "standard edition": (lambda: _mutate_settings(directory_edition="Standard"), "needs the Enterprise edition"),
    "interval": (lambda: _mutate_settings(health_check={"request_interval": 20}), "must be 10 or 30"),
    "threshold": (lambda: _mutate_settings(health_check={"failure_threshold": 11}), "between 1 and 10"),
    "checker regions": (
        lambda: _mutate_settings(health_check={"regions": ["us-east-1", "us-west-2"]}),
        "at least 3 checker Regions",
    ),
    "checker region unknown": (
        lambda: _mutate_settings(health_check={"regions": ["us-east-1", "us-west-2", "eu-west-3"]}),
        "eu-west-3 are not Route 53 checker Regions",
    ),
    "ttl": (lambda: _mutate_settings(record_ttl="sixty"), "is not a valid TTL"),
    "tag key": (lambda: _mutate_settings(tags={"aws:owner": "x"}), "must be 1-128 characters"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_broken_rule_is_reported(case):
    build, expected = CASES[case]
    regions, settings = build()
    problems = topology_problems(regions, settings)
    assert any(expected in p for p in problems), problems


def test_every_problem_is_listed_at_once():
    regions = copy.deepcopy(BASE_REGIONS)
    regions[1]["client_cidr"] = "172.16.4.0/24"
    regions[2]["vpc_cidr"] = "10.0.0.0/8"
    settings = dict(BASE_SETTINGS, transport_protocol="udp", vpn_name="example.com")
    problems = topology_problems(regions, settings)
    assert len(problems) >= 4
    for fragment in ("/12 and /22", "/16 and /28", "needs tcp", "zone apex"):
        assert any(fragment in p for p in problems), (fragment, problems)


@pytest.mark.parametrize(
    "password,ok",
    [
        ("Sandbox-Passw0rd", True),
        ("abcDEF12", True),
        ("abc!def1", True),
        ("ABC!DEF1", True),
        ("abcdefgh", False),
        ("abcdefg1", False),
        ("Ab1!", False),
        ("A" * 30 + "b1" + "c" * 33, False),
        ("Admin-Passw0rd!", False),
        (None, False),
    ],
)
def test_password_rule_matches_aws(password, ok):
    assert (password_problem(password) is None) is ok


# Directory Service quota: each Branch is an additional Region of the Home directory (4 by default).
MORE_BRANCHES = [
    region("us-west-1", "branch", 40, "172.16.12.0/22"),
    region("us-east-2", "branch", 50, "172.16.16.0/22"),
    region("eu-central-1", "branch", 60, "172.16.20.0/22"),
    region("eu-west-2", "branch", 70, "172.16.24.0/22"),
]


def _branches(count):
    """The Home Region and ``count`` valid Branches."""
    return copy.deepcopy(BASE_REGIONS + MORE_BRANCHES)[: count + 1]


def _quota_problems(problems):
    return [p for p in problems if "additional Regions" in p or "directory_additional_regions_limit" in p]


def test_four_branches_fit_the_default_quota():
    assert topology_problems(_branches(4), BASE_SETTINGS) == []


def test_a_fifth_branch_exceeds_the_default_quota():
    problems = topology_problems(_branches(5), BASE_SETTINGS)
    assert problems == [
        "5 Branch Regions (eu-central-1, eu-west-1, us-east-2, us-west-1, us-west-2) would be 5 additional Regions"
        " of the directory, but Directory Service allows 4 per directory (RegionLimitExceededException): remove 1"
        " Branch(es), or, once AWS has approved a quota increase, raise directory_additional_regions_limit"
    ]


@pytest.mark.parametrize("limit", [5, 6, "5", " 8 "])
def test_a_raised_quota_admits_more_branches(limit):
    settings = dict(BASE_SETTINGS, directory_additional_regions_limit=limit)
    assert topology_problems(_branches(5), settings) == []


@pytest.mark.parametrize("limit,branches", [(1, 2), (2, 3), (0, 1), ("3", 5)])
def test_a_lowered_or_exceeded_limit_is_reported(limit, branches):
    settings = dict(BASE_SETTINGS, directory_additional_regions_limit=limit)
    (problem,) = _quota_problems(topology_problems(_branches(branches), settings))
    assert problem.startswith(f"{branches} Branch Regions (")
    assert f"Directory Service allows {int(limit)} per directory" in problem


def test_no_branch_needs_no_additional_region():
    settings = dict(BASE_SETTINGS, directory_additional_regions_limit=0)
    assert topology_problems(_branches(0), settings) == []


@pytest.mark.parametrize("limit", ["many", -1, True, 4.5, None, [4]])
def test_a_limit_that_is_not_a_count_is_reported(limit):
    settings = dict(BASE_SETTINGS, directory_additional_regions_limit=limit)
    problems = topology_problems(BASE_REGIONS, settings)
    assert problems == [
        f"directory_additional_regions_limit {limit!r} must be a whole number of Regions (AWS's default: 4)"
    ]


def test_home_and_duplicate_names_are_not_counted_twice():
    regions = _branches(4)
    # The Home Region listed again as a Branch, and a Branch listed twice: still 4 additional Regions.
    regions.append(dict(copy.deepcopy(regions[1]), role="branch"))
    regions.append(dict(copy.deepcopy(regions[0]), role="branch"))
    problems = topology_problems(regions, BASE_SETTINGS)
    assert _quota_problems(problems) == []
    assert any("listed more than once" in p for p in problems)


def test_the_quota_is_listed_with_every_other_problem():
    regions = _branches(6)
    regions[2]["client_cidr"] = "172.16.8.0/24"
    settings = dict(BASE_SETTINGS, transport_protocol="udp")
    problems = topology_problems(regions, settings)
    assert len(problems) == 3, problems
    assert any(
        "6 Branch Regions" in p and "allows 4 per directory" in p and "remove 2 Branch(es)" in p for p in problems
    )
    assert any("must be between /12 and /22" in p for p in problems)
    assert any("needs tcp" in p for p in problems)


# AWS's limits at their edges: the last accepted value and the first rejected one on each side.
@pytest.mark.parametrize(
    "client_cidr,ok",
    [("172.16.4.0/22", True), ("172.16.4.0/23", False), ("172.16.0.0/12", True), ("172.0.0.0/11", False)],
)
def test_client_cidr_edges(client_cidr, ok):
    regions, settings = _mutate_region(1, client_cidr=client_cidr)
    problems = [p for p in topology_problems(regions, settings) if "client_cidr" in p]
    assert (problems == []) is ok, problems
    if not ok:
        assert problems == [f"us-west-2: client_cidr {client_cidr} must be between /12 and /22 (Client VPN rule)"]


@pytest.mark.parametrize(
    "vpc_cidr,ok",
    [("10.20.0.0/28", True), ("10.20.0.0/29", False), ("10.20.0.0/16", True), ("10.20.0.0/15", False)],
)
def test_vpc_cidr_edges(vpc_cidr, ok):
    regions = copy.deepcopy(BASE_REGIONS)
    regions[1]["vpc_cidr"] = vpc_cidr
    # Subnets inside any of these VPCs (a /28 VPC holds no /27 subnet: only the VPC's own rule is looked at).
    problems = [p for p in topology_problems(regions, BASE_SETTINGS) if "vpc_cidr" in p and "must be" in p]
    assert (problems == []) is ok, problems
    if not ok:
        assert problems == [f"us-west-2: vpc_cidr {vpc_cidr} must be between /16 and /28"]


def test_vpc_overlap_with_different_cidrs_is_reported():
    regions = copy.deepcopy(BASE_REGIONS)
    regions[0]["vpc_cidr"] = "10.0.0.0/15"
    regions[1]["vpc_cidr"] = "10.1.0.0/16"
    problems = topology_problems(regions, BASE_SETTINGS)
    assert (
        "vpc_cidr 10.0.0.0/15 of us-east-1 overlaps vpc_cidr 10.1.0.0/16 of us-west-2 (peering needs distinct CIDRs)"
        in problems
    )


@pytest.mark.parametrize(
    "client_cidr",
    [
        "10.20.0.0/22",  # inside the VPC
        "10.16.0.0/12",  # containing the VPC 10.20.0.0/16
    ],
)
def test_client_cidr_overlapping_a_vpc_either_way_is_reported(client_cidr):
    regions, settings = _mutate_region(0, client_cidr=client_cidr)
    problems = topology_problems(regions, settings)
    assert f"client_cidr {client_cidr} of us-east-1 overlaps vpc_cidr 10.20.0.0/16 of us-west-2" in problems


def test_a_host_in_both_home_and_branches_is_rejected():
    regions = copy.deepcopy(BASE_REGIONS)
    for region, host in zip(regions, ("us-east-1", "us-west-2", "eu-west-1")):
        region["host"] = host
    regions.append(dict(copy.deepcopy(regions[0]), role="branch"))
    problems = topology_problems(regions, BASE_SETTINGS)
    assert problems == [
        "us-east-1: in both groups home and branches; a Region is either the Home or a Branch, remove it from one"
    ]


@pytest.mark.parametrize(
    "changes,expected",
    [
        (
            {"vpn_authorization_groups": [{"cidr": "10.0.0.0/33", "group_sid": "S-1-5-21-1"}]},
            "vpn_authorization_groups[0]: cidr '10.0.0.0/33' is not an IPv4 CIDR block",
        ),
        ({"vpn_authorization_groups": [{"cidr": "10.0.0.0/8", "group_sid": ""}]}, "group_sid is empty"),
        (
            {"connection_log": {"enabled": True}},
            "connection_log: enabled needs cloudwatch_log_group (Client VPN refuses logging without a log group)",
        ),
        ({"connector_password": "x" * 129}, "connector_password must be 1 to 128 characters long (it has 129)"),
        ({"health_check": {"regions": ["us-east-1", "us-east-1", "eu-west-1"]}}, "regions lists a Region twice"),
    ],
)
def test_settings_that_need_each_other_or_nest_rules(changes, expected):
    regions, settings = _mutate_settings(**changes)
    problems = topology_problems(regions, settings)
    assert any(expected in p for p in problems), problems


def test_valid_group_rules_and_logging_pass():
    regions, settings = _mutate_settings(
        vpn_authorization_groups=[{"cidr": "10.10.0.0/16", "group_sid": "S-1-5-21-1"}],
        connection_log={"enabled": True, "cloudwatch_log_group": "vpn"},
        connector_password="Connector-Passw0rd",
    )
    assert topology_problems(regions, settings) == []


def test_whole_numbers_given_as_text_are_accepted_as_the_roles_accept_them():
    # ansible-playbook -e vpn_port=443 gives the string "443"; the roles' int options convert it.
    regions, settings = _mutate_settings(vpn_port="443", session_timeout_hours="12", record_ttl="60")
    assert topology_problems(regions, settings) == []
    regions, settings = _mutate_settings(vpn_port="1194", session_timeout_hours="9")
    problems = topology_problems(regions, settings)
    assert any("vpn_port 1194: must be 443" in p for p in problems)
    assert any("session_timeout_hours 9 must be one of" in p for p in problems)


ACCESS_GROUP = {"name": "VPN-Finance", "cidrs": ["10.10.6.0/24"], "description": "Finance", "members": ["alice"]}


def test_valid_access_groups_pass():
    other = {"name": "vpn-ops", "cidrs": ["10.0.0.0/8", "172.31.0.0/16"]}
    for groups in ([ACCESS_GROUP, other], [], None):
        regions, settings = _mutate_settings(vpn_access_groups=groups, manage_groups=False)
        assert topology_problems(regions, settings) == []


def test_every_access_group_problem_is_listed_with_its_group():
    groups = [
        dict(ACCESS_GROUP, name="VPN/Finance", cidrs=["10.0.0.0/33"]),
        {"cidrs": []},
        dict(ACCESS_GROUP, members=["alice", "b;ob"]),
        dict(ACCESS_GROUP, name="vpn-finance"),
        "VPN-Ops",
    ]
    regions, settings = _mutate_settings(vpn_access_groups=groups)
    assert topology_problems(regions, settings) == [
        "vpn_access_groups[0] (VPN/Finance): name 'VPN/Finance' contains /, which a SAMAccountName cannot",
        "vpn_access_groups[0] (VPN/Finance): cidrs: '10.0.0.0/33' is not an IPv4 CIDR block",
        "vpn_access_groups[1]: name is required",
        "vpn_access_groups[1]: cidrs [] must be a non-empty list of IPv4 CIDR blocks",
        "vpn_access_groups[2] (VPN-Finance): members: 'b;ob' contains ;, which a SAMAccountName cannot",
        "vpn_access_groups[4]: 'VPN-Ops' is not a mapping of name, cidrs, description and members",
        "vpn_access_groups: VPN-Finance is listed 2 times (group names are compared case-insensitively)",
    ]


def test_access_groups_that_are_not_a_list_are_one_problem():
    regions, settings = _mutate_settings(vpn_access_groups={"name": "VPN-Finance"})
    assert topology_problems(regions, settings) == [
        "vpn_access_groups must be a list of {name, cidrs, description, members}, got {'name': 'VPN-Finance'}"
    ]


# ----------------------------------------------------------------------------- authentication modes
SAML = "arn:aws:iam::123456789012:saml-provider/okta"
PORTAL = "arn:aws:iam::123456789012:saml-provider/okta-portal"


def _saml_regions(**changes):
    regions = copy.deepcopy(BASE_REGIONS)
    for one in regions:
        one.update(changes)
    return regions


@pytest.mark.parametrize("mode", ["directory", "directory+certificate", "certificate"])
def test_modes_without_saml_need_nothing_more(mode):
    assert topology_problems(BASE_REGIONS, dict(BASE_SETTINGS, vpn_authentication=mode)) == []


def test_saml_with_a_provider_per_region_and_a_portal_provider_is_accepted():
    regions = _saml_regions(saml_provider_arn=SAML, self_service_saml_provider_arn=PORTAL)
    regions[1]["saml_provider_arn"] = "arn:aws-us-gov:iam::123456789012:saml-provider/West.Idp@corp"
    settings = dict(BASE_SETTINGS, vpn_authentication="saml", self_service_portal="enabled")
    assert topology_problems(regions, settings) == []


def test_an_unknown_mode_is_one_problem():
    regions = _saml_regions(saml_provider_arn=SAML)
    assert topology_problems(regions, dict(BASE_SETTINGS, vpn_authentication="ldap")) == [
        "vpn_authentication 'ldap' must be one of directory, directory+certificate, certificate, saml"
    ]


def test_saml_needs_each_regions_provider():
    regions = _saml_regions()
    regions[0]["saml_provider_arn"] = SAML
    assert topology_problems(regions, dict(BASE_SETTINGS, vpn_authentication="saml")) == [
        "us-west-2: vpn_authentication saml needs saml_provider_arn (group-wide or for this Region)",
        "eu-west-1: vpn_authentication saml needs saml_provider_arn (group-wide or for this Region)",
    ]


def test_saml_provider_arns_must_be_iam_saml_providers():
    regions = _saml_regions(saml_provider_arn=SAML)
    regions[1]["saml_provider_arn"] = "arn:aws:iam::123456789012:role/okta"
    regions[2]["self_service_saml_provider_arn"] = "arn:aws:iam::1234:saml-provider/portal"
    assert topology_problems(regions, dict(BASE_SETTINGS, vpn_authentication="saml")) == [
        "us-west-2: saml_provider_arn 'arn:aws:iam::123456789012:role/okta' is not the ARN of an IAM SAML identity"
        " provider (arn:aws:iam::<account>:saml-provider/<name>)",
        "eu-west-1: self_service_saml_provider_arn 'arn:aws:iam::1234:saml-provider/portal' is not the ARN of an IAM"
        " SAML identity provider (arn:aws:iam::<account>:saml-provider/<name>)",
    ]


def test_saml_providers_in_another_mode_are_a_problem():
    regions = copy.deepcopy(BASE_REGIONS)
    regions[2].update(saml_provider_arn=SAML, self_service_saml_provider_arn=PORTAL)
    assert topology_problems(regions, dict(BASE_SETTINGS, vpn_authentication="certificate")) == [
        "eu-west-1: saml_provider_arn is set but vpn_authentication is certificate (only saml uses it)",
        "eu-west-1: self_service_saml_provider_arn is set but vpn_authentication is certificate (only saml uses it)",
    ]
    assert topology_problems(regions, BASE_SETTINGS) == [
        "eu-west-1: saml_provider_arn is set but vpn_authentication is directory (only saml uses it)",
        "eu-west-1: self_service_saml_provider_arn is set but vpn_authentication is directory (only saml uses it)",
    ]


@pytest.mark.parametrize("mode", ["directory+certificate", "certificate"])
def test_the_self_service_portal_is_not_for_certificate_modes(mode):
    problems = topology_problems(
        BASE_REGIONS, dict(BASE_SETTINGS, vpn_authentication=mode, self_service_portal="enabled")
    )
    assert problems == [
        f"self_service_portal enabled is not available with vpn_authentication {mode}: AWS offers the self-service"
        " portal to clients that authenticate with Active Directory or SAML only, not with mutual (certificate)"
        " authentication"
    ]


def test_the_self_service_portal_stays_valid_with_directory_authentication():
    assert topology_problems(BASE_REGIONS, dict(BASE_SETTINGS, self_service_portal="enabled")) == []
