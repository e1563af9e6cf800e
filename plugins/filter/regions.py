# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that name the inventory's Region hosts: each host is one AWS Region."""

from ansible.errors import AnsibleFilterError


def region_name(host, hostvars):
    """The AWS Region of a Region host: its ``aws_region``, else the host's name."""
    try:
        values = hostvars[host]
    except KeyError as exc:
        raise AnsibleFilterError(f"region_name: {host!r} is not a host of the inventory") from exc
    return values.get("aws_region", host)


def region_names(hosts, hostvars):
    """The AWS Region of each host of ``hosts``, in their order."""
    return [region_name(host, hostvars) for host in hosts]


class FilterModule:
    """Region names of the inventory's hosts."""

    def filters(self):
        return {"region_name": region_name, "region_names": region_names}
