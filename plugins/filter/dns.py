# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the global_dns role: which Regions have an endpoint to publish, which published nothing."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import host_values
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import region_of

# An endpoint being deleted is as good as gone: no record points to it.
GONE = ("deleting", "deleted")


def _live_dns_name(endpoints):
    """The DNS name of the first endpoint not being deleted, else ''."""
    for endpoint in endpoints or []:
        status = endpoint.get("status") or {}
        if not isinstance(status, Mapping) or status.get("code") not in GONE:
            return endpoint.get("dns_name") or ""
    return ""


def dns_endpoints(hosts, hostvars, lookups=()):
    """Every Region's endpoint to publish, ``[{host, region, dns_name}]`` in the order of ``hosts``.

    An endpoint is this run's (the host's ``client_vpn_endpoint_dns_name`` fact) when the client_vpn_endpoint role
    made or read it, else the first one not being deleted that a look-up by its Name tag found (``lookups``: the
    results of ec2_client_vpn_info looped over the hosts, by ``item``). A Region without either is left out: it has
    no record to publish.
    """
    found = []
    for host in hosts:
        values = host_values(hostvars, host, "dns_endpoints")
        dns_name = values.get("client_vpn_endpoint_dns_name", "")
        try:
            for lookup in lookups or []:
                if dns_name:
                    break
                if lookup.get("item") == host:
                    dns_name = _live_dns_name(lookup.get("client_vpn_endpoints", []))
        except (AttributeError, TypeError) as exc:
            raise AnsibleFilterError(f"dns_endpoints: malformed look-ups {lookups!r}: {exc}") from exc
        if dns_name:
            found.append({"host": host, "region": region_of(values, host), "dns_name": dns_name})
    return found


def dns_unpublished_regions(hosts, hostvars):
    """The Regions of ``hosts`` that no host has published a record for in this run, in the order of ``hosts``.

    Each host lists the Regions it published in its ``global_dns_published_regions`` fact; a Region whose chain
    failed published nothing, and site.yml's last play reconciles only those (removes a record left for a Region
    whose endpoint is missing). Nothing is left when every Region published.
    """
    regions = []
    published = set()
    for host in hosts:
        values = host_values(hostvars, host, "dns_unpublished_regions")
        regions.append(region_of(values, host))
        try:
            published.update(values.get("global_dns_published_regions", []))
        except TypeError as exc:
            raise AnsibleFilterError(
                f"dns_unpublished_regions: {host!r}'s global_dns_published_regions is not a list: {exc}"
            ) from exc
    return [region for region in dict.fromkeys(regions) if region not in published]


class FilterModule:
    """The global_dns role's endpoints and Regions."""

    def filters(self):
        return {"dns_endpoints": dns_endpoints, "dns_unpublished_regions": dns_unpublished_regions}
