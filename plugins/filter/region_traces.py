# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the teardown role: what a removed Region leaves in the Regions that stay (its traces), and which
Branches outside the run are still deployed."""

from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import region_name

# The targets ec2_vpc_route_table takes, in the order a route is matched by (an instance route also names its ENI).
ROUTE_TARGETS = (
    "vpc_peering_connection_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "instance_id",
    "network_interface_id",
    "carrier_gateway_id",
    "local_gateway_id",
    "egress_only_internet_gateway_id",
    "gateway_id",
)


def routes_without_peerings(routes, peering_ids):
    """The routes a route table keeps once the routes through ``peering_ids`` go, as ec2_vpc_route_table ``routes``.

    ``routes``: the table's routes as ec2_vpc_route_table_info returns them. Only the IPv4 routes made with CreateRoute
    are listed (ec2_vpc_route_table with purge_routes leaves the local, propagated and other routes alone), each with
    its own target, so that a table the collection only added routes to keeps everything else. ``None`` when no route
    goes through ``peering_ids`` (nothing to change).
    """
    try:
        peering_ids = set(peering_ids)
        if not any(route.get("vpc_peering_connection_id") in peering_ids for route in routes):
            return None
        kept = []
        for route in routes:
            if route.get("origin") != "CreateRoute" or not route.get("destination_cidr_block"):
                continue
            if route.get("vpc_peering_connection_id") in peering_ids:
                continue
            target = next((key for key in ROUTE_TARGETS if route.get(key)), None)
            if target is None:
                raise AnsibleFilterError(f"routes_without_peerings: no known target in route {route!r}")
            kept.append({"dest": route["destination_cidr_block"], target: route[target]})
        return kept
    except (TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"routes_without_peerings: malformed routes {routes!r}: {exc}") from exc


def client_vpn_traces(endpoint, cidrs):
    """What an endpoint holds for removed VPC CIDRs: ``{rules, routes}`` for the modules' ``state: absent``.

    ``endpoint``: one ec2_client_vpn_info endpoint with its ``authorization_rules`` and ``routes``. Only what the
    collection makes for another Region is listed: the all-users rule of the CIDR (rules for AD groups are the
    inventory's own) and the routes added to it (never the automatic routes).
    """
    cidrs = set(cidrs)
    rules = [
        {"destination_cidr": rule["destination_cidr"]}
        for rule in endpoint.get("authorization_rules") or []
        if rule.get("destination_cidr") in cidrs and rule.get("access_all")
    ]
    routes = [
        {"destination_cidr": route["destination_cidr"], "target_subnet": route["target_subnet"]}
        for route in endpoint.get("routes") or []
        if route.get("destination_cidr") in cidrs and route.get("origin") == "add-route"
    ]
    return {"rules": rules, "routes": routes}


def trace_peerings(peerings, region, kept_regions):
    """This Region's peerings with the Regions that stay: ``[{id, region, vpc_id, cidr}]``, in the order found.

    ``peerings``: the peerings of ``region`` (ec2_vpc_peering_info), requested or accepted. Each item's ``region``
    and ``vpc_id`` are the staying side's (its route tables and endpoint keep the traces), ``cidr`` is this Region's
    side as AWS reports it: it also covers a VPC given in the inventory, which has no ownership tag to be found by.
    """
    kept_regions = set(kept_regions)
    found = []
    try:
        for peering in peerings:
            requester, accepter = peering["requester_vpc_info"], peering["accepter_vpc_info"]
            mine, other = (requester, accepter) if requester["region"] == region else (accepter, requester)
            if other["region"] in kept_regions:
                found.append(
                    {
                        "id": peering["vpc_peering_connection_id"],
                        "region": other["region"],
                        "vpc_id": other["vpc_id"],
                        "cidr": mine["cidr_block"],
                    }
                )
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"trace_peerings: malformed peerings {peerings!r}: {exc!r}") from exc
    return found


def remaining_branches(replicated_regions, target_regions, lookups, hostvars):
    """The Regions of the Branches still deployed outside the run, sorted: the Home directory must outlive them.

    ``replicated_regions``: the Home directory's replicated Regions (those of the run do not count: they go first);
    ``lookups``: the results of ec2_vpc_net_info and ec2_client_vpn_info looped over the Branch hosts left out of
    the run (``item``: the host) - a Branch with an owned VPC or endpoint counts, even without a replica.
    """
    targets = set(target_regions)
    remaining = [region for region in replicated_regions if region not in targets]
    try:
        for result in lookups:
            if result.get("vpcs") or result.get("client_vpn_endpoints"):
                remaining.append(region_name(result["item"], hostvars))
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"remaining_branches: malformed lookups {lookups!r}: {exc!r}") from exc
    # Unique and sorted without regard to case, like Jinja's unique and sort filters (the first spelling stays).
    unique = {}
    for region in remaining:
        unique.setdefault(str(region).lower(), region)
    return sorted(unique.values(), key=lambda region: str(region).lower())


class FilterModule:
    def filters(self):
        return {
            "routes_without_peerings": routes_without_peerings,
            "client_vpn_traces": client_vpn_traces,
            "trace_peerings": trace_peerings,
            "remaining_branches": remaining_branches,
        }
