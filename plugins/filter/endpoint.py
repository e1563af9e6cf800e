# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the client_vpn_endpoint role: the other Regions an endpoint reaches, its authorization rules and routes."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import host_values
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import region_of

_MISSING = object()


def _ignore_case(value):
    return value.lower() if isinstance(value, str) else value


def endpoint_peers(hosts, hostvars, host, links=()):
    """The other Regions of the mesh as ``[{region, cidr}]``, sorted by Region (case-insensitively, as Jinja's sort).

    A peer's CIDR is its ``network_vpc_cidr`` fact, else the CIDR of this Region's peering link with it
    (``network_peer_links``): a Region that failed early in this run but that this Region still has a peering with
    keeps its rule and routes instead of having them purged. A peer with neither is left out.
    """
    try:
        linked = {link["region"]: link["cidr"] for link in links or []}
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"endpoint_peers: malformed links {links!r}: {exc}") from exc
    peers = []
    for other in hosts:
        if other == host:
            continue
        values = host_values(hostvars, other, "endpoint_peers")
        region = region_of(values, other)
        # Only an undefined fact falls back to the link (Jinja's default()): a defined empty one is a peer without CIDR.
        cidr = values.get("network_vpc_cidr", _MISSING)
        if cidr is _MISSING:
            cidr = linked.get(region, "")
        if cidr:
            peers.append({"region": region, "cidr": cidr})
    return sorted(peers, key=lambda peer: _ignore_case(peer["region"]))


def endpoint_rules(peers, region, vpc_cidr=None, groups=(), authorize_all_users=True):
    """Authorization rules, in this order: this Region's VPC CIDR (``vpc_cidr``, None when unknown), then each peer's,
    both for all users and only with ``authorize_all_users``; then one rule per Active Directory group.

    ``groups``: ``[{cidr, group_sid, description}]``; a group's rule authorizes its SID only.
    """
    rules = []
    if authorize_all_users:
        if vpc_cidr is not None:
            rules.append({"destination_cidr": vpc_cidr, "description": f"{region} VPC"})
        try:
            rules.extend({"destination_cidr": peer["cidr"], "description": f"{peer['region']} VPC"} for peer in peers)
        except (KeyError, TypeError) as exc:
            raise AnsibleFilterError(f"endpoint_rules: malformed peers {peers!r}: {exc}") from exc
    for group in groups or []:
        if not isinstance(group, Mapping) or "cidr" not in group or "group_sid" not in group:
            raise AnsibleFilterError(f"endpoint_rules: an authorization group needs a cidr and a group_sid: {group!r}")
        rules.append(
            {
                "destination_cidr": group["cidr"],
                "access_group_id": group["group_sid"],
                "description": group.get("description", ""),
            }
        )
    return rules


def endpoint_routes(peers, subnet_ids):
    """Routes: each peer's VPC CIDR through each associated subnet, peer by peer (AWS adds the local VPC's itself)."""
    try:
        return [
            {
                "destination_cidr": peer["cidr"],
                "target_subnet": subnet,
                "description": f"{peer['region']} VPC (peering)",
            }
            for peer in peers
            for subnet in subnet_ids or []
        ]
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"endpoint_routes: malformed peers {peers!r}: {exc}") from exc


class FilterModule:
    """The client_vpn_endpoint role's rules and routes."""

    def filters(self):
        return {"endpoint_peers": endpoint_peers, "endpoint_rules": endpoint_rules, "endpoint_routes": endpoint_routes}
