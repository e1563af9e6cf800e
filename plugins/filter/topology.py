# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that read the inventory model (one host per Region) and validate it."""

from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import topology_problems

REGION_KEYS = ("vpc_cidr", "subnets", "vpc_id", "subnet_ids", "client_cidr", "probe_ip")


def topology_regions(hostvars, groups):
    """One dict per Region host (home first, then branches by name) with the inventory model's keys."""
    try:
        home = list(groups.get("home", []))
        branches = sorted(h for h in groups.get("branches", []) if h not in home)
    except AttributeError as exc:
        raise AnsibleFilterError("topology_regions expects the 'groups' mapping") from exc
    regions = []
    for host in home + branches:
        values = hostvars[host]
        region = {"host": host, "name": values.get("aws_region", host), "role": "home" if host in home else "branch"}
        for key in REGION_KEYS:
            if values.get(key) is not None:
                region[key] = values.get(key)
        regions.append(region)
    return regions


class FilterModule:
    def filters(self):
        return {"topology_regions": topology_regions, "topology_problems": topology_problems}
