# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that read the inventory model (one host per Region) and validate it."""

import functools
from collections.abc import Mapping
from pathlib import Path

import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import region_of
from ansible_collections.multiregion.client_vpn.plugins.module_utils import role_specs
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import DEFAULT_REGIONS
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import OPT_IN_REGIONS
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import resource_problems
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import topology_problems

REGION_KEYS = (
    "vpc_cidr",
    "subnets",
    "vpc_id",
    "subnet_ids",
    "client_cidr",
    "probe_ip",
    "client_connect_handler",
    "saml_provider_arn",
    "self_service_saml_provider_arn",
)
# The collection's roles, beside plugins/ in a checkout and in an installed collection alike.
ROLES = Path(__file__).resolve().parents[2] / "roles"
# What preflight registers per Region host, by topology.resource_problems' names.
READS = {
    "zones": "preflight_zones",
    "vpc": "preflight_vpc",
    "subnets": "preflight_subnets",
    "log_group": "preflight_log_group",
    "hosted_zone": "preflight_hosted_zone",
    "directory": "preflight_directory",
    "access_groups": "preflight_access_groups",
}


def _plain(value):
    """``value`` as plain dicts and lists: the argument validation deep-copies what it checks, and a copy of
    ansible-core's lazily templated containers costs seconds per host."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _region_hosts(groups):
    try:
        home = list(groups.get("home", []))
        branches = sorted(groups.get("branches", []))
    except AttributeError as exc:
        raise AnsibleFilterError("expects the 'groups' mapping") from exc
    return [(h, "home") for h in home] + [(h, "branch") for h in branches]


def topology_regions(hostvars, groups):
    """One dict per Region host (home first, then branches by name) with the inventory model's keys.

    A host in both groups comes twice, once per role, so that topology_problems can reject it.
    """
    regions = []
    for host, role in _region_hosts(groups):
        values = hostvars[host]
        region = {"host": host, "name": region_of(values, host), "role": role}
        for key in REGION_KEYS:
            if values.get(key) is not None:
                region[key] = values.get(key)
        regions.append(region)
    return regions


@functools.lru_cache(maxsize=1)
def _inventory_variables():
    specs = {}
    for path in sorted(ROLES.glob("*/meta/argument_specs.yml")):
        specs[path.parent.parent.name] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return role_specs.inventory_variables(specs)


def inventory_problems(hostvars, groups):
    """Every inventory variable of every Region host checked against the roles' argument specs.

    A problem every Region host shares (a group variable) is listed once; one some hosts have is
    prefixed with their names.
    """
    variables = _inventory_variables()
    hosts = list(dict.fromkeys(host for host, dummy in _region_hosts(groups)))
    found = {}
    for host in hosts:
        # ansible-core computes a host's whole variable set on every hostvars[host]: once per host, not per name.
        host_vars = hostvars[host]
        values, problems = {}, []
        for name in variables:
            try:
                if name in host_vars:
                    values[name] = _plain(host_vars[name])
            except Exception as exc:  # a template error in the inventory is one more problem to list
                problems.append(f"{name} cannot be read: {exc}")
        problems.extend(role_specs.inventory_problems(values, variables))
        for problem in problems:
            found.setdefault(problem, []).append(host)
    return [p if len(h) == len(hosts) else f"{', '.join(h)}: {p}" for p, h in found.items()]


def preflight_resource_problems(hostvars, groups, settings):
    """The problems found by preflight's read-only look-ups registered on each Region host."""
    regions = topology_regions(hostvars, groups)
    reads = {}
    for host, dummy in _region_hosts(groups):
        host_vars = hostvars[host]
        reads[host] = {key: host_vars.get(var) for key, var in READS.items()}
    return resource_problems(regions, reads, settings)


def known_aws_region(name):
    """Whether ``name`` is an AWS Region preflight can send a read call to."""
    return name in DEFAULT_REGIONS or name in OPT_IN_REGIONS


class FilterModule:
    def filters(self):
        return {
            "topology_regions": topology_regions,
            "topology_problems": topology_problems,
            "inventory_problems": inventory_problems,
            "preflight_resource_problems": preflight_resource_problems,
            "known_aws_region": known_aws_region,
        }
