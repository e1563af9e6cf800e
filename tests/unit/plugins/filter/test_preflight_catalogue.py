"""The catalogue of broken inventories, each refused by preflight with its message (no ansible-playbook run).

Each case is inventories/sandbox with one thing broken (a wrong value, a wrong type, a missing variable,
a broken topology), run through what the preflight role runs: the topology_regions, topology_problems,
inventory_problems and preflight_resource_problems filters over hostvars built as Ansible builds them
(group_vars/all.yml under each host's own variables), with preflight_settings from the role's defaults.
The Availability Zone look-up is the sandbox's answer (zones a, b and c of each Region). The playbook-level
proof that preflight stops before any write call is tests/integration/test_preflight.py.
"""

import ast
import copy
import re
from pathlib import Path

import pytest
import yaml
from ansible_collections.multiregion.client_vpn.plugins.filter.topology import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import DEFAULT_REGIONS

REPO = Path(__file__).resolve().parents[4]
INVENTORY = REPO / "inventories" / "sandbox"
DEFAULTS = yaml.safe_load((REPO / "roles" / "preflight" / "defaults" / "main.yml").read_text())
FILTERS = FilterModule().filters()
# A preflight_settings value: "{{ variable | default(literal) }}".
SETTING = re.compile(r"^\{\{\s*(?P<name>\w+)\s*\|\s*default\((?P<default>.*)\)\s*\}\}$")


class Inventory:
    def __init__(self):
        self.data = yaml.safe_load((INVENTORY / "hosts.yml").read_text())
        self.group_vars = yaml.safe_load((INVENTORY / "group_vars" / "all.yml").read_text())

    def hosts(self, name):
        for child in self.data["all"]["children"].values():
            if name in child.get("hosts", {}):
                return child["hosts"][name]
        raise KeyError(name)

    def groups(self):
        children = self.data["all"]["children"]
        return {group: list((children.get(group) or {}).get("hosts") or {}) for group in ("home", "branches")}

    def hostvars(self):
        hostvars = {}
        for group in self.groups().values():
            for host in group:
                values = copy.deepcopy(self.group_vars)
                values.update(copy.deepcopy(self.hosts(host) or {}))
                region = values.get("aws_region", host)
                if "subnets" in values and region in DEFAULT_REGIONS:
                    # What aws_az_info answers in the sandbox.
                    values["preflight_zones"] = {"availability_zones": [{"zone_name": f"{region}{z}"} for z in "abc"]}
                hostvars[host] = values
        return hostvars

    def settings(self):
        settings = {}
        for key, template in DEFAULTS["preflight_settings"].items():
            match = SETTING.match(template)
            default = match.group("default").replace("false", "False").replace("true", "True")
            settings[key] = self.group_vars.get(match.group("name"), ast.literal_eval(default))
        return settings

    def problems(self):
        hostvars, groups, settings = self.hostvars(), self.groups(), self.settings()
        regions = FILTERS["topology_regions"](hostvars, groups)
        return (
            FILTERS["topology_problems"](regions, settings)
            + FILTERS["inventory_problems"](hostvars, groups)
            + FILTERS["preflight_resource_problems"](hostvars, groups, settings)
        )


# ----------------------------------------------------------------------------- inventory edits
def host(name, key, value):
    def edit(inv):
        inv.hosts(name)[key] = value

    return edit


def drop_host_key(name, key):
    def edit(inv):
        del inv.hosts(name)[key]

    return edit


def subnet(name, index, key, value):
    def edit(inv):
        inv.hosts(name)["subnets"][index][key] = value

    return edit


def group(key, value):
    def edit(inv):
        inv.group_vars[key] = value

    return edit


def drop_group_key(key):
    def edit(inv):
        del inv.group_vars[key]

    return edit


def move_host(name, source, target):
    def edit(inv):
        children = inv.data["all"]["children"]
        children.setdefault(target, {}).setdefault("hosts", {})[name] = children[source]["hosts"].pop(name)

    return edit


def copy_host(name, source, target):
    def edit(inv):
        children = inv.data["all"]["children"]
        children.setdefault(target, {}).setdefault("hosts", {})[name] = copy.deepcopy(children[source]["hosts"][name])

    return edit


def rename_host(old, new):
    def edit(inv):
        for child in inv.data["all"]["children"].values():
            if old in child.get("hosts", {}):
                child["hosts"][new] = child["hosts"].pop(old)

    return edit


def add_branches(*names):
    """More valid Branches (distinct VPC and client CIDRs, Availability Zones the sandbox knows)."""

    def edit(inv):
        branches = inv.data["all"]["children"]["branches"]["hosts"]
        for index, name in enumerate(names):
            second = 40 + 10 * index
            branches[name] = {
                "vpc_cidr": f"10.{second}.0.0/16",
                "subnets": [
                    {"cidr": f"10.{second}.{n}.0/24", "az": f"{name}{zone}"} for n, zone in ((1, "a"), (2, "b"))
                ],
                "client_cidr": f"172.16.{12 + 4 * index}.0/22",
            }

    return edit


def both(*edits):
    def edit(inv):
        for one in edits:
            one(inv)

    return edit


# With the two Branches of inventories/sandbox: 5 Branches, one more than the directory's quota of 4.
THREE_MORE_BRANCHES = ("us-west-1", "us-east-2", "eu-central-1")

SAML = "arn:aws:iam::123456789012:saml-provider/okta"

CASES = [
    # Topology: Home and Branches, Regions.
    ("two-homes", move_host("us-west-2", "branches", "home"), "exactly one Home Region is needed, found 2"),
    ("no-home", move_host("us-east-1", "home", "branches"), "exactly one Home Region is needed, found 0"),
    ("home-and-branch", copy_host("us-east-1", "home", "branches"), "us-east-1: in both groups home and branches"),
    ("unknown-region", rename_host("eu-west-1", "eu-moon-1"), "eu-moon-1: not a known AWS Region"),
    ("opt-in-region", rename_host("eu-west-1", "af-south-1"), "af-south-1: an opt-in Region"),
    ("region-twice", host("eu-west-1", "aws_region", "us-west-2"), "us-west-2: listed more than once"),
    # VPC CIDRs.
    ("vpc-cidr-not-cidr", host("us-west-2", "vpc_cidr", "10.20.0.0/33"), "vpc_cidr '10.20.0.0/33' is not an IPv4"),
    ("vpc-cidr-wrong-type", host("us-west-2", "vpc_cidr", 1020), "vpc_cidr 1020 is not an IPv4 CIDR block"),
    ("vpc-cidr-host-bits", host("us-west-2", "vpc_cidr", "10.20.0.1/16"), "is not an IPv4 CIDR block"),
    ("vpc-cidr-too-big", host("us-west-2", "vpc_cidr", "10.0.0.0/8"), "vpc_cidr 10.0.0.0/8 must be between /16 and /28"),
    ("vpc-cidr-missing", drop_host_key("us-west-2", "vpc_cidr"), "vpc_cidr None is not an IPv4 CIDR block"),
    ("vpc-cidrs-overlap", host("eu-west-1", "vpc_cidr", "10.10.0.0/16"), "overlaps vpc_cidr 10.10.0.0/16"),
    # Subnets.
    (
        "one-subnet",
        host("us-east-1", "subnets", [{"cidr": "10.10.1.0/24", "az": "us-east-1a"}]),
        "needs exactly two subnets",
    ),
    ("subnets-missing", drop_host_key("us-east-1", "subnets"), "needs exactly two subnets"),
    ("subnets-wrong-type", host("us-east-1", "subnets", "10.10.1.0/24"), "needs exactly two subnets"),
    ("subnet-outside-vpc", subnet("us-east-1", 1, "cidr", "10.99.2.0/24"), "subnet 10.99.2.0/24 is not inside vpc_cidr"),
    ("subnet-too-small", subnet("us-east-1", 1, "cidr", "10.10.2.0/28"), "is smaller than /27"),
    ("subnets-overlap", subnet("us-east-1", 1, "cidr", "10.10.0.0/20"), "and 10.10.0.0/20 overlap"),
    ("subnets-same-az", subnet("us-east-1", 1, "az", "us-east-1a"), "both subnets are in us-east-1a"),
    ("az-other-region", subnet("us-west-2", 0, "az", "eu-west-1a"), "Availability Zone eu-west-1a is not in us-west-2"),
    ("az-not-a-name", subnet("us-west-2", 0, "az", "west"), "'west' is not an Availability Zone name"),
    ("az-does-not-exist", subnet("us-east-1", 1, "az", "us-east-1z"), "Availability Zone(s) us-east-1z"),
    (
        "brownfield-one-subnet",
        both(host("us-west-2", "vpc_id", "vpc-0123456789abcdef0"), host("us-west-2", "subnet_ids", ["subnet-1"])),
        "an existing VPC needs exactly two subnet_ids",
    ),
    (
        "too-many-branches",
        add_branches(*THREE_MORE_BRANCHES),
        "5 Branch Regions (eu-central-1, eu-west-1, us-east-2, us-west-1, us-west-2) would be 5 additional Regions of"
        " the directory, but Directory Service allows 4 per directory",
    ),
    (
        "too-many-branches-for-the-limit",
        group("directory_additional_regions_limit", 1),
        "2 Branch Regions (eu-west-1, us-west-2) would be 2 additional Regions of the directory, but Directory"
        " Service allows 1 per directory",
    ),
    (
        "additional-regions-limit-not-a-count",
        group("directory_additional_regions_limit", "four"),
        "directory_additional_regions_limit 'four' must be a whole number of Regions",
    ),
    # Client CIDRs and probes.
    ("client-cidr-too-small", host("eu-west-1", "client_cidr", "172.16.8.0/24"), "must be between /12 and /22"),
    (
        "client-cidr-overlaps-vpc",
        host("eu-west-1", "client_cidr", "10.20.0.0/22"),
        "client_cidr 10.20.0.0/22 of eu-west-1 overlaps",
    ),
    ("client-cidr-missing", drop_host_key("eu-west-1", "client_cidr"), "client_cidr None is not an IPv4"),
    ("probe-ip-not-an-address", host("eu-west-1", "probe_ip", "203.0.113.999"), "is not an IP address"),
    # Group-wide settings.
    ("vpn-name-invalid", group("vpn_name", "vpn_.example.com"), "is not a valid DNS name"),
    ("vpn-name-missing", drop_group_key("vpn_name"), "vpn_name '' is not a valid DNS name"),
    ("vpn-name-outside-zone", group("vpn_name", "vpn.example.org"), "is not inside hosted_zone example.com"),
    ("vpn-name-at-apex", group("vpn_name", "example.com"), "a CNAME cannot sit at the apex"),
    ("directory-name-not-fqdn", group("directory_name", "corp"), "is not a fully qualified domain name"),
    ("short-name-too-long", group("directory_short_name", "CORPORATIONNAME16"), "must be a NetBIOS name"),
    ("password-weak", group("directory_password", "password"), "directory_password must contain characters from 3"),
    ("password-admin", group("directory_password", "Admin-Passw0rd!"), 'directory_password must not contain the word'),
    ("password-missing", drop_group_key("directory_password"), "directory_password must be 8 to 64 characters"),
    ("edition-standard", group("directory_edition", "Standard"), "needs the Enterprise edition"),
    ("transport-udp", group("transport_protocol", "udp"), "this design needs tcp"),
    ("port-1194", group("vpn_port", 1194), "vpn_port 1194: must be 443"),
    ("three-dns-servers", group("dns_servers", ["10.10.0.2", "10.10.0.3", "10.10.0.4"]), "at most 2 are allowed"),
    ("dns-server-not-ip", group("dns_servers", ["resolver"]), "'resolver' is not an IP address"),
    ("session-timeout", group("session_timeout_hours", 6), "session_timeout_hours 6 must be one of 8, 10, 12, 24"),
    ("session-timeout-wrong-type", group("session_timeout_hours", "twelve"), "must be one of 8, 10, 12, 24"),
    ("banner-too-long", group("login_banner", "x" * 1401), "AWS allows at most 1400"),
    ("health-check-interval", group("health_check", {"request_interval": 20}), "request_interval 20 must be 10 or 30"),
    ("health-check-regions", group("health_check", {"regions": ["us-east-1", "mars-1"]}), "at least 3 checker Regions"),
    ("record-ttl-wrong-type", group("record_ttl", "sixty"), "is not a valid TTL"),
    ("tag-key-aws", group("resource_tags", {"aws:owner": "me"}), "must be 1-128 characters and not start with aws:"),
    # Every variable against the roles' argument specs, and the rules nested in settings.
    ("connector-size", group("connector_size", "Medium"), "value of connector_size must be one of: Small, Large"),
    ("self-service-portal", group("self_service_portal", "on"), "value of self_service_portal must be one of"),
    ("split-tunnel-not-bool", group("split_tunnel", "maybe"), "argument 'split_tunnel' is of type str"),
    ("create-zone-not-bool", group("create_hosted_zone", "perhaps"), "argument 'create_hosted_zone' is of type str"),
    (
        "group-rule-cidr",
        group("vpn_authorization_groups", [{"cidr": "10.0.0.0/33", "group_sid": "S-1-5-21-1"}]),
        "vpn_authorization_groups[0]: cidr '10.0.0.0/33' is not an IPv4 CIDR block",
    ),
    (
        "group-rule-no-sid",
        group("vpn_authorization_groups", [{"cidr": "10.0.0.0/8"}]),
        "missing required arguments: group_sid found in vpn_authorization_groups",
    ),
    (
        "access-group-name",
        group("vpn_access_groups", [{"name": "VPN:Finance", "cidrs": ["10.10.6.0/24"]}]),
        "vpn_access_groups[0] (VPN:Finance): name 'VPN:Finance' contains :, which a SAMAccountName cannot",
    ),
    (
        "access-group-no-cidrs",
        group("vpn_access_groups", [{"name": "VPN-Finance", "cidrs": []}]),
        "vpn_access_groups[0] (VPN-Finance): cidrs [] must be a non-empty list of IPv4 CIDR blocks",
    ),
    (
        "access-group-no-name",
        group("vpn_access_groups", [{"cidrs": ["10.10.6.0/24"]}]),
        "missing required arguments: name found in vpn_access_groups",
    ),
    (
        "access-group-twice",
        group("vpn_access_groups", [{"name": n, "cidrs": ["10.10.6.0/24"]} for n in ("VPN-Finance", "vpn-finance")]),
        "vpn_access_groups: VPN-Finance is listed 2 times",
    ),
    (
        "access-group-unknown-key",
        group("vpn_access_groups", [{"name": "VPN-Finance", "cidrs": ["10.10.6.0/24"], "cidr": "10.0.0.0/8"}]),
        "unknown key vpn_access_groups.cidr",
    ),
    ("manage-groups-not-bool", group("manage_groups", "perhaps"), "argument 'manage_groups' is of type str"),
    ("log-without-group", group("connection_log", {"enabled": True}), "connection_log: enabled needs cloudwatch_log_group"),
    ("log-unknown-key", group("connection_log", {"enabled": False, "group": "x"}), "unknown key connection_log.group"),
    ("connector-password-long", group("connector_password", "x" * 129), "connector_password must be 1 to 128"),
    ("health-check-key", group("health_check", {"interval": 10}), "unknown key health_check.interval"),
    (
        "host-variable-on-one-host",
        host("eu-west-1", "connector_size", "Tiny"),
        "eu-west-1: value of connector_size must be one of: Small, Large, got: Tiny",
    ),
    # Authentication modes.
    (
        "authentication-unknown",
        group("vpn_authentication", "ldap"),
        "vpn_authentication 'ldap' must be one of directory, directory+certificate, certificate, saml",
    ),
    (
        "saml-without-provider",
        group("vpn_authentication", "saml"),
        "us-east-1: vpn_authentication saml needs saml_provider_arn (group-wide or for this Region)",
    ),
    (
        "saml-provider-missing-in-one-region",
        both(group("vpn_authentication", "saml"), host("us-east-1", "saml_provider_arn", SAML),
             host("us-west-2", "saml_provider_arn", SAML)),
        "eu-west-1: vpn_authentication saml needs saml_provider_arn",
    ),
    (
        "saml-provider-not-saml",
        both(group("vpn_authentication", "saml"), group("saml_provider_arn", "arn:aws:iam::123456789012:user/okta")),
        "us-west-2: saml_provider_arn 'arn:aws:iam::123456789012:user/okta' is not the ARN of an IAM SAML identity",
    ),
    (
        "saml-portal-provider-not-saml",
        both(group("vpn_authentication", "saml"), group("saml_provider_arn", SAML),
             host("eu-west-1", "self_service_saml_provider_arn", "okta-portal")),
        "eu-west-1: self_service_saml_provider_arn 'okta-portal' is not the ARN of an IAM SAML identity provider",
    ),
    (
        "saml-provider-in-directory-mode",
        group("saml_provider_arn", SAML),
        "us-east-1: saml_provider_arn is set but vpn_authentication is directory (only saml uses it)",
    ),
    (
        "portal-provider-in-certificate-mode",
        both(group("vpn_authentication", "certificate"), host("us-west-2", "self_service_saml_provider_arn", SAML)),
        "us-west-2: self_service_saml_provider_arn is set but vpn_authentication is certificate",
    ),
    (
        "portal-with-certificates",
        both(group("vpn_authentication", "directory+certificate"), group("self_service_portal", "enabled")),
        "self_service_portal enabled is not available with vpn_authentication directory+certificate",
    ),
]  # fmt: skip


def test_catalogue_is_broad_and_the_sandbox_inventory_passes():
    assert len(CASES) >= 60
    assert len({case[0] for case in CASES}) == len(CASES)
    assert Inventory().problems() == []


@pytest.mark.parametrize("name,edit,message", CASES, ids=[case[0] for case in CASES])
def test_each_broken_inventory_is_refused_with_its_message(name, edit, message):
    inventory = Inventory()
    edit(inventory)
    problems = inventory.problems()
    assert any(message in p for p in problems), problems


def test_every_problem_is_listed_at_once():
    inventory = Inventory()
    both(
        group("transport_protocol", "udp"),
        host("eu-west-1", "client_cidr", "172.16.8.0/24"),
        group("vpn_port", 1194),
        group("connector_size", "Medium"),
        subnet("us-east-1", 1, "az", "us-east-1z"),
    )(inventory)
    problems = inventory.problems()
    assert len(problems) == 5, problems
    for message in (
        "this design needs tcp",
        "must be between /12 and /22",
        "must be 443",
        "connector_size",
        "us-east-1z",
    ):
        assert any(message in p for p in problems), (message, problems)


@pytest.mark.parametrize(
    "edit",
    [
        group("vpn_authentication", "directory+certificate"),
        group("vpn_authentication", "certificate"),
        both(
            group("vpn_authentication", "saml"),
            group("saml_provider_arn", SAML),
            group("self_service_portal", "enabled"),
        ),
        both(
            group("vpn_authentication", "saml"),
            group("saml_provider_arn", SAML),
            host("eu-west-1", "saml_provider_arn", "arn:aws:iam::123456789012:saml-provider/eu-idp"),
            host("eu-west-1", "self_service_saml_provider_arn", "arn:aws:iam::123456789012:saml-provider/eu-portal"),
        ),
    ],
    ids=["directory+certificate", "certificate", "saml-group-wide", "saml-per-region"],
)
def test_each_authentication_mode_passes(edit):
    inventory = Inventory()
    edit(inventory)
    assert inventory.problems() == []
