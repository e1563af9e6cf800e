"""The inventory's variables validated against the roles' argument specs (as ansible-core validates roles)."""

from pathlib import Path

import pytest
import yaml
from ansible_collections.multiregion.client_vpn.plugins.module_utils.role_specs import inventory_problems
from ansible_collections.multiregion.client_vpn.plugins.module_utils.role_specs import inventory_variables

REPO = Path(__file__).resolve().parents[4]
ROLE_SPECS = {p.parent.parent.name: yaml.safe_load(p.read_text()) for p in REPO.glob("roles/*/meta/argument_specs.yml")}
VARIABLES = inventory_variables(ROLE_SPECS)


def test_every_inventory_variable_a_role_reads_is_found():
    # The inventory model (README.md) and the switches the roles read.
    expected = {
        "vpc_cidr", "subnets", "vpc_id", "subnet_ids", "client_cidr", "vpn_name", "hosted_zone",
        "create_hosted_zone", "directory_name", "directory_short_name", "directory_password", "directory_edition",
        "connector_user", "connector_password", "connector_size", "split_tunnel", "dns_servers",
        "session_timeout_hours", "login_banner", "self_service_portal", "connection_log",
        "vpn_authorization_groups", "health_check", "record_ttl", "resource_tags", "transport_protocol", "vpn_port",
    }  # fmt: skip
    assert expected <= set(VARIABLES), expected - set(VARIABLES)
    # Another role's outputs and Ansible's own variables are not the inventory's.
    assert not {"network_vpc_id", "certificates_arn", "inventory_hostname", "groups"} & set(VARIABLES)


def test_a_valid_inventory_has_no_problem():
    values = {
        "vpc_cidr": "10.10.0.0/16",
        "subnets": [{"cidr": "10.10.1.0/24", "az": "us-east-1a"}],
        "connector_size": "Large",
        "self_service_portal": "enabled",
        "connection_log": {"enabled": True, "cloudwatch_log_group": "vpn"},
        "vpn_authorization_groups": [{"cidr": "10.0.0.0/8", "group_sid": "S-1-5-21-1"}],
        "health_check": {"request_interval": 10, "failure_threshold": 2, "regions": ["us-east-1"]},
        "split_tunnel": "yes",
        "vpn_port": "443",
        "record_ttl": 30,
    }
    assert inventory_problems(values, VARIABLES) == []


@pytest.mark.parametrize(
    "variable,value,expected",
    [
        ("connector_size", "Medium", "value of connector_size must be one of: Small, Large, got: Medium"),
        ("self_service_portal", "on", "value of self_service_portal must be one of: enabled, disabled, got: on"),
        ("directory_edition", "Hybrid", "value of directory_edition must be one of: Enterprise, Standard"),
        ("split_tunnel", "maybe", "argument 'split_tunnel' is of type str and we were unable to convert to bool"),
        ("record_ttl", "sixty", "argument 'record_ttl' is of type str and we were unable to convert to int"),
        ("connection_log", {"enabled": True, "log_group": "x"}, "connection_log.log_group"),
        ("connection_log", {"cloudwatch_log_group": "x"}, "missing required arguments: enabled"),
        ("connection_log", "yes", "argument 'connection_log' is of type str and we were unable to convert to dict"),
        ("vpn_authorization_groups", [{"cidr": "10.0.0.0/8"}], "missing required arguments: group_sid"),
        ("subnets", [{"cidr": "10.0.0.0/24"}], "missing required arguments: az"),
        ("health_check", {"request_interval": 20}, "value of request_interval must be one of: 10, 30, got: 20"),
        ("health_check", {"interval": 10}, "health_check.interval"),
        ("create_hosted_zone", "perhaps", "argument 'create_hosted_zone' is of type str"),
        ("resource_tags", ["a"], "argument 'resource_tags' is of type list"),
    ],
)
def test_a_value_a_role_would_refuse_is_reported(variable, value, expected):
    problems = inventory_problems({variable: value}, VARIABLES)
    assert any(expected in p for p in problems), problems
    # Each problem says which role's option refuses it.
    assert all(" role's " in p for p in problems)


def test_every_problem_at_once_and_each_once():
    problems = inventory_problems({"connector_size": "Tiny", "split_tunnel": "maybe", "vpn_port": "x"}, VARIABLES)
    assert len([p for p in problems if "connector_size" in p]) == 1
    assert any("split_tunnel" in p for p in problems)
    # vpn_port feeds two roles: the same type error is listed once.
    assert len([p for p in problems if "argument 'vpn_port' is of type str" in p]) == 1


def test_unset_variables_keep_the_roles_defaults():
    assert inventory_problems({}, VARIABLES) == []
    assert inventory_problems({"connector_size": None}, VARIABLES) == []


def test_only_one_variable_templates_are_inventory_variables():
    specs = {
        "demo": {
            "argument_specs": {
                "main": {
                    "options": {
                        "demo_a": {"type": "int", "default": "{{ size | default(3) }}"},
                        "demo_b": {"type": "str", "default": "{{ size }}-{{ name }}"},
                        "demo_c": {"type": "str", "default": "{{ demo_a }}"},
                        "demo_d": {"type": "str", "default": "{{ ansible_host }}"},
                        "demo_e": {"type": "str", "default": "plain"},
                    }
                }
            }
        }
    }
    found = inventory_variables(specs)
    assert list(found) == ["size"]
    assert found["size"] == [("demo", "demo_a", {"type": "int"})]
