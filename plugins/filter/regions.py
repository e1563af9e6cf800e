# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that name the inventory's Region hosts: each host is one AWS Region."""

from ansible.errors import AnsibleFilterError


def host_values(hostvars, host, caller):
    """``hostvars[host]``, for a filter to read once per host: ansible-core computes a host's whole variable set on
    every ``hostvars[host]``. An unknown host is an error naming ``caller``."""
    # ansible-core's hostvars answers an unknown host with an undefined value, not a KeyError.
    if host not in hostvars:
        raise AnsibleFilterError(f"{caller}: {host!r} is not a host of the inventory")
    return hostvars[host]


def region_of(values, host):
    """The AWS Region of a Region host from its variables (``host_values``): its ``aws_region``, else its name."""
    return values.get("aws_region", host)


def region_name(host, hostvars):
    """The AWS Region of a Region host: its ``aws_region``, else the host's name."""
    return region_of(host_values(hostvars, host, "region_name"), host)


def region_names(hosts, hostvars):
    """The AWS Region of each host of ``hosts``, in their order."""
    return [region_name(host, hostvars) for host in hosts]


class FilterModule:
    """Region names of the inventory's hosts."""

    def filters(self):
        return {"region_name": region_name, "region_names": region_names}
