"""One place per AWS rule: preflight rejects every value a module would reject.

Each table feeds the same candidates to a module's own check (its validation function, or its
documented argument spec, which AnsibleAWSModule enforces) and to preflight (topology_problems and the
roles' argument specs, as the preflight role runs them). Whatever the module rejects, preflight must
reject first: otherwise the deploy fails after the Home VPC is built.
"""

import copy
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.multiregion.client_vpn.plugins.module_utils import aws_rules
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_health
from ansible_collections.multiregion.client_vpn.plugins.module_utils.role_specs import inventory_problems
from ansible_collections.multiregion.client_vpn.plugins.module_utils.role_specs import inventory_variables
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import topology_problems
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_ad_connector
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_microsoft_ad
from ansible_collections.multiregion.client_vpn.plugins.modules import ec2_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.modules import route53_latency_record
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_topology import BASE_REGIONS
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_topology import BASE_SETTINGS

REPO = Path(__file__).resolve().parents[4]
ROLE_SPECS = {p.parent.parent.name: yaml.safe_load(p.read_text()) for p in REPO.glob("roles/*/meta/argument_specs.yml")}
VARIABLES = inventory_variables(ROLE_SPECS)


def preflight_rejects(variable, value):
    """Preflight's verdict on one group-wide value: its topology rules and the roles' argument specs."""
    settings = copy.deepcopy(BASE_SETTINGS)
    settings[variable] = value
    problems = [p for p in topology_problems(BASE_REGIONS, settings) if variable in p]
    problems += inventory_problems({variable: value}, VARIABLES)
    return problems


def documented_option(module, option):
    """A module's option as its argument spec enforces it (DOCUMENTATION mirrors argument_spec)."""
    spec = copy.deepcopy(yaml.safe_load(module.DOCUMENTATION)["options"][option])

    def strip(one):
        one.pop("description", None)
        one.pop("default", None)
        if "suboptions" in one:
            one["options"] = {name: strip(sub) for name, sub in one.pop("suboptions").items()}
        return one

    return strip(spec)


def module_spec_rejects(module, option, value):
    return ArgumentSpecValidator({option: documented_option(module, option)}).validate({option: value}).error_messages


# ----------------------------------------------------------------------------- passwords
PASSWORDS = [
    "Sandbox-Passw0rd!",
    "abcDEF12",
    "Admin-Passw0rd!",  # accepted by preflight before: AWS refuses the word "admin"
    "MyADMIN-pass1",
    "short1A",
    "alllowercase",
    "lower123456",
    "Aa1-" * 16,
    "Aa1-" * 17,
    "",
]


@pytest.mark.parametrize("password", PASSWORDS)
def test_preflight_rejects_every_password_ds_microsoft_ad_rejects(password):
    params = dict(name="corp.example.com", password=password, vpc_id="vpc-1", subnet_ids=["subnet-1", "subnet-2"])
    try:
        ds.validate_directory_create(params, ds_microsoft_ad.MICROSOFT_AD)
        module_rejects = False
    except ds.AnsibleDSError:
        module_rejects = True
    assert bool(preflight_rejects("directory_password", password)) is module_rejects


@pytest.mark.parametrize("password", ["x", "x" * 128, "x" * 129, ""])
def test_connector_password_follows_connect_directory(password):
    aws_rejects = not 1 <= len(password) <= 128
    assert bool(aws_rules.connector_password_problems(password)) is aws_rejects
    if password:
        assert bool(preflight_rejects("connector_password", password)) is aws_rejects


# ----------------------------------------------------------------------------- health checks
HEALTH_CHECKS = [
    {},
    {"request_interval": 10, "failure_threshold": 1},
    {"request_interval": 20},
    {"failure_threshold": 0},
    {"failure_threshold": 10},
    {"failure_threshold": 11},
    {"regions": ["us-east-1", "us-west-2", "eu-west-1"]},
    {"regions": ["us-east-1", "us-west-2"]},
    {"regions": ["us-east-1", "us-east-1", "eu-west-1"]},
    {"regions": ["us-east-1", "us-west-2", "eu-west-3"]},
]


@pytest.mark.parametrize("check", HEALTH_CHECKS)
def test_preflight_rejects_every_health_check_route53_latency_record_rejects(check):
    module_rejects = bool(module_spec_rejects(route53_latency_record, "health_check", check))
    try:
        route53_health.validate_health_check_params(check)
    except ValueError:
        module_rejects = True
    assert bool(preflight_rejects("health_check", check)) is module_rejects


# ----------------------------------------------------------------------------- endpoint options
ENDPOINT_VALUES = [
    ("dns_servers", ["10.0.0.2", "10.0.0.3"], "dns_servers"),
    ("dns_servers", ["10.0.0.2", "10.0.0.3", "10.0.0.4"], "dns_servers"),
    ("dns_servers", ["resolver"], "dns_servers"),
    ("login_banner", "x" * 1400, "login_banner"),
    ("login_banner", "x" * 1401, "login_banner"),
    ("session_timeout_hours", 24, "session_timeout_hours"),
    ("session_timeout_hours", 9, "session_timeout_hours"),
    ("session_timeout_hours", "twelve", "session_timeout_hours"),
    ("vpn_port", 22, "vpn_port"),
    ("transport_protocol", "sctp", "transport_protocol"),
    ("self_service_portal", "enabled", "self_service_portal"),
    ("self_service_portal", "on", "self_service_portal"),
]


def endpoint_rejects(option, value):
    """ec2_client_vpn_endpoint's verdict: its argument spec, then the checks main() makes before any call."""
    if option == "login_banner":
        value = {"enabled": True, "text": value}
    errors = module_spec_rejects(ec2_client_vpn_endpoint, option, value)
    if option == "dns_servers":
        errors = errors or aws_rules.dns_servers_problems(value)
    if option == "login_banner":
        errors = errors or aws_rules.login_banner_problems(value["text"])
    return bool(errors)


@pytest.mark.parametrize("option,value,variable", ENDPOINT_VALUES)
def test_preflight_rejects_every_endpoint_value_the_module_rejects(option, value, variable):
    if endpoint_rejects(option, value):
        assert preflight_rejects(variable, value)


# ----------------------------------------------------------------------------- directory enums
@pytest.mark.parametrize("size", ["Small", "Large", "Medium", "small", ""])
def test_preflight_rejects_every_connector_size_ds_ad_connector_rejects(size):
    module_rejects = bool(module_spec_rejects(ds_ad_connector, "size", size))
    assert bool(preflight_rejects("connector_size", size)) is module_rejects


@pytest.mark.parametrize("edition", ["Enterprise", "Standard", "Hybrid", "enterprise"])
def test_preflight_rejects_every_edition_ds_microsoft_ad_rejects(edition):
    if module_spec_rejects(ds_microsoft_ad, "edition", edition):
        assert preflight_rejects("directory_edition", edition)


# ----------------------------------------------------------------------------- the constants themselves
@pytest.mark.parametrize(
    "module,option,constant",
    [
        (ec2_client_vpn_endpoint, "vpn_port", aws_rules.VPN_PORTS),
        (ec2_client_vpn_endpoint, "session_timeout_hours", aws_rules.SESSION_TIMEOUT_HOURS),
        (ec2_client_vpn_endpoint, "transport_protocol", aws_rules.TRANSPORT_PROTOCOLS),
        (ec2_client_vpn_endpoint, "self_service_portal", aws_rules.SELF_SERVICE_PORTAL),
        (ds_ad_connector, "size", aws_rules.CONNECTOR_SIZES),
        (ds_microsoft_ad, "edition", aws_rules.DIRECTORY_EDITIONS),
    ],
)
def test_module_choices_are_the_shared_constants(module, option, constant):
    assert tuple(documented_option(module, option)["choices"]) == tuple(constant)


def test_health_check_interval_choices_are_the_shared_constant():
    spec = documented_option(route53_latency_record, "health_check")
    assert tuple(spec["options"]["request_interval"]["choices"]) == aws_rules.HEALTH_CHECK_INTERVALS


@pytest.mark.parametrize(
    "variable,constant",
    [
        ("connector_size", aws_rules.CONNECTOR_SIZES),
        ("directory_edition", aws_rules.DIRECTORY_EDITIONS),
        ("session_timeout_hours", aws_rules.SESSION_TIMEOUT_HOURS),
        ("transport_protocol", aws_rules.TRANSPORT_PROTOCOLS),
        ("self_service_portal", aws_rules.SELF_SERVICE_PORTAL),
        ("vpn_authentication", aws_rules.AUTHENTICATION_MODES),
    ],
)
def test_role_spec_choices_are_the_shared_constants(variable, constant):
    for dummy_role, dummy_option, spec in VARIABLES[variable]:
        assert tuple(spec["choices"]) == tuple(constant)


def test_the_endpoint_filter_knows_every_authentication_mode_preflight_accepts():
    from ansible_collections.multiregion.client_vpn.plugins.filter.endpoint import AUTHENTICATION_MODES

    assert tuple(AUTHENTICATION_MODES) == aws_rules.AUTHENTICATION_MODES
    # The certificate modes are those whose options include mutual authentication.
    assert aws_rules.CERTIFICATE_MODES == tuple(
        mode for mode, kinds in AUTHENTICATION_MODES.items() if "certificate-authentication" in kinds
    )


@pytest.mark.parametrize(
    "arn,ok",
    [
        ("arn:aws:iam::123456789012:saml-provider/okta", True),
        ("arn:aws-cn:iam::123456789012:saml-provider/Corp.IdP@x+y=z,w_1", True),
        ("arn:aws:iam::123456789012:saml-provider/", False),
        ("arn:aws:iam::12345678901:saml-provider/okta", False),
        ("arn:aws:iam:us-east-1:123456789012:saml-provider/okta", False),
        ("arn:aws:iam::123456789012:oidc-provider/okta", False),
        ("arn:aws:iam::123456789012:saml-provider/ok ta", False),
        (None, False),
    ],
)
def test_saml_provider_arn_shape(arn, ok):
    assert (aws_rules.saml_provider_problems(arn) == []) is ok


@pytest.mark.parametrize(
    "mode,saml,portal,problems",
    [
        ("saml", "arn:aws:iam::123456789012:saml-provider/a", None, 0),
        ("saml", "arn:aws:iam::123456789012:saml-provider/a", "arn:aws:iam::123456789012:saml-provider/b", 0),
        ("saml", None, None, 1),
        ("saml", "", "arn:aws:iam::123456789012:saml-provider/b", 1),
        ("saml", "okta", "portal", 2),
        ("directory", None, None, 0),
        ("directory", "", "", 0),
        ("certificate", "arn:aws:iam::123456789012:saml-provider/a", None, 1),
        ("directory+certificate", "x", "y", 2),
    ],
)
def test_authentication_inputs_per_mode(mode, saml, portal, problems):
    assert len(aws_rules.authentication_problems(mode, saml, portal)) == problems


@pytest.mark.parametrize(
    "portal,mode,ok",
    [
        ("enabled", "directory", True),
        ("enabled", "saml", True),
        ("enabled", "certificate", False),
        ("enabled", "directory+certificate", False),
        ("disabled", "certificate", True),
    ],
)
def test_self_service_portal_per_mode(portal, mode, ok):
    assert (aws_rules.self_service_portal_problems(portal, mode) == []) is ok


# ----------------------------------------------------------------------------- edges of each limit
@pytest.mark.parametrize(
    "rule,value,ok",
    [
        (aws_rules.client_cidr_problems, "10.0.0.0/22", True),
        (aws_rules.client_cidr_problems, "10.0.0.0/23", False),
        (aws_rules.client_cidr_problems, "10.0.0.0/12", True),
        (aws_rules.client_cidr_problems, "10.0.0.0/11", False),
        (aws_rules.client_cidr_problems, "10.0.0.1/22", False),
        (aws_rules.client_cidr_problems, "fd00::/56", False),
        (aws_rules.vpc_cidr_problems, "10.0.0.0/28", True),
        (aws_rules.vpc_cidr_problems, "10.0.0.0/29", False),
        (aws_rules.vpc_cidr_problems, "10.0.0.0/16", True),
        (aws_rules.vpc_cidr_problems, "10.0.0.0/15", False),
        (aws_rules.login_banner_problems, "x" * 1400, True),
        (aws_rules.login_banner_problems, "x" * 1401, False),
        (aws_rules.dns_servers_problems, ["10.0.0.2", "10.0.0.3"], True),
        (aws_rules.dns_servers_problems, ["10.0.0.2", "10.0.0.3", "10.0.0.4"], False),
        (aws_rules.set_identifier_problems, "x" * 128, True),
        (aws_rules.set_identifier_problems, "x" * 129, False),
        (aws_rules.set_identifier_problems, "", False),
        (aws_rules.ttl_problems, 0, True),
        (aws_rules.ttl_problems, -1, False),
        (aws_rules.ttl_problems, True, False),
        (aws_rules.session_timeout_problems, 8, True),
        (aws_rules.session_timeout_problems, 9, False),
        (aws_rules.session_timeout_problems, True, False),
        (aws_rules.authorization_rule_problems, {"cidr": "10.0.0.0/8", "group_sid": "S-1"}, True),
        (aws_rules.authorization_rule_problems, {"cidr": "fd00::/8", "group_sid": "S-1"}, False),
        (aws_rules.connection_log_problems, {"enabled": False}, True),
        (aws_rules.connection_log_problems, {"enabled": True, "cloudwatch_log_group": "g"}, True),
        (aws_rules.connection_log_problems, {"enabled": True}, False),
        (aws_rules.connection_log_problems, {"enabled": False, "cloudwatch_log_stream": "s"}, False),
        (aws_rules.tag_problems, {"k" * 128: "v" * 256}, True),
        (aws_rules.tag_problems, {"k" * 129: "v"}, False),
        (aws_rules.tag_problems, {"k": "v" * 257}, False),
    ],
)
def test_each_limit_at_its_edges(rule, value, ok):
    assert (rule(value) == []) is ok, rule(value)


@pytest.mark.parametrize("value", [None, "text", 3, ["a"]])
def test_rules_given_a_wrong_type_report_instead_of_crashing(value):
    # The argument specs report the type; the rules must still answer.
    for rule in (aws_rules.health_check_problems, aws_rules.connection_log_problems, aws_rules.tag_problems):
        assert isinstance(rule(value), list)
    assert isinstance(aws_rules.dns_servers_problems(value), list)


# ----------------------------------------------------------------------------- VPN access groups
GROUP_NAMES = ["VPN-Finance", "vpn finance", "a", "x" * 63, "x" * 64, "x" * 65, "", " "]
GROUP_NAMES += [f"VPN{char}Finance" for char in '"/\\[]:;|=,+*?<>@']


def ds_data_accepts(shape_name, value):
    """What the ds-data API model's shape (SAMAccountName of CreateGroup, MemberName of AddGroupMember) allows."""
    import re

    import botocore.session

    shape = botocore.session.get_session().get_service_model("ds-data").shape_for(shape_name)
    rules = shape.metadata
    return rules["min"] <= len(value) <= rules["max"] and re.match(rules["pattern"], value) is not None


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_preflight_rejects_every_group_name_ds_data_rejects(name):
    group = {"name": name, "cidrs": ["10.10.6.0/24"]}
    rejected = bool(preflight_rejects("vpn_access_groups", [group]))
    # A name of spaces only passes the pattern, but is no name.
    assert rejected is (not ds_data_accepts("GroupName", name) or not name.strip())


@pytest.mark.parametrize("member", ["alice", "x" * 63, "x" * 64, "svc@corp", "a,b"])
def test_preflight_rejects_every_member_name_ds_data_rejects(member):
    group = {"name": "VPN-Finance", "cidrs": ["10.10.6.0/24"], "members": [member]}
    assert bool(preflight_rejects("vpn_access_groups", [group])) is not ds_data_accepts("MemberName", member)


@pytest.mark.parametrize(
    "group,problems",
    [
        ({"name": "VPN-Finance", "cidrs": ["10.10.6.0/24", "10.20.0.0/16"], "members": []}, []),
        # Host bits are accepted as in vpn_authorization_groups: the rule is keyed by the network.
        ({"name": "VPN-Finance", "cidrs": ["10.10.6.1/24"]}, []),
        ({"cidrs": ["10.10.6.0/24"]}, ["name is required"]),
        ({"name": "VPN-Finance", "cidrs": []}, ["cidrs [] must be a non-empty list of IPv4 CIDR blocks"]),
        ({"name": "VPN-Finance"}, ["cidrs None must be a non-empty list of IPv4 CIDR blocks"]),
        ({"name": "VPN-Finance", "cidrs": "10.10.6.0/24"}, ["cidrs '10.10.6.0/24' must be a non-empty list"]),
        (
            {"name": "VPN-Finance", "cidrs": ["fd00::/8", "10.0.0.0/33"]},
            ["cidrs: 'fd00::/8' is not an IPv4 CIDR block", "cidrs: '10.0.0.0/33' is not an IPv4 CIDR block"],
        ),
        (
            {"name": "VPN-Finance", "cidrs": ["10.0.0.0/8", "10.0.0.1/8"]},
            ["cidrs: 10.0.0.0/8 is listed more than once"],
        ),
        ({"name": "VPN-Finance", "cidrs": ["10.0.0.0/8"], "members": "alice"}, ["members 'alice' must be a list"]),
        ({"name": "VPN-Finance", "cidrs": ["10.0.0.0/8"], "members": [3]}, ["members: 3 is not a name"]),
        ("VPN-Finance", ["'VPN-Finance' is not a mapping of name, cidrs, description and members"]),
    ],
)
def test_access_group_shape(group, problems):
    found = aws_rules.access_group_problems(group)
    assert len(found) == len(problems), found
    for problem, expected in zip(found, problems):
        assert problem.startswith(expected), found
