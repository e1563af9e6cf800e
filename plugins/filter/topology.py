# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that read the inventory model (one host per Region) and validate it."""

from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.topology import topology_problems

REGION_KEYS = ("vpc_cidr", "subnets", "vpc_id", "subnet_ids", "client_cidr", "probe_ip")


def topology_regions(hostvars, groups):
    """One dict per Region host (home first, then branches by name) with the inventory model's keys.

    A host in both groups comes twice, once per role, so that topology_problems can reject it.
    """
    try:
        home = list(groups.get("home", []))
        branches = sorted(groups.get("branches", []))
    except AttributeError as exc:
        raise AnsibleFilterError("topology_regions expects the 'groups' mapping") from exc
    regions = []
    for host, role in [(h, "home") for h in home] + [(h, "branch") for h in branches]:
        values = hostvars[host]
        region = {"host": host, "name": values.get("aws_region", host), "role": role}
        for key in REGION_KEYS:
            if values.get(key) is not None:
                region[key] = values.get(key)
        regions.append(region)
    return regions


class FilterModule:
    def filters(self):
        return {"topology_regions": topology_regions, "topology_problems": topology_problems}
