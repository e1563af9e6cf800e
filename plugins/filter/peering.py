# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the network role's peering mesh: the peers, who requests each pair, who waits, what is skipped, found
and routed."""

from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import host_values
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import region_of


def peering_peers(hosts, hostvars, host):
    """The other Regions of the mesh as ``{host, region, vpc_id, cidr}``, in the order of ``hosts``: the input of
    ``peering_plan``.

    ``vpc_id`` and ``cidr`` are the peer's network role facts, empty when unknown (the peer failed before its VPC was
    read in this run): peering_plan then skips the pair instead of waiting for it.
    """
    peers = []
    for other in hosts:
        if other == host:
            continue
        values = host_values(hostvars, other, "peering_peers")
        peers.append(
            {
                "host": other,
                "region": region_of(values, other),
                "vpc_id": values.get("network_vpc_id", ""),
                "cidr": values.get("network_vpc_cidr", ""),
            }
        )
    return peers


def _requester(first, second, regions):
    """The Region (of ``first``, ``second``) that requests their pair.

    Round-robin over every Region of the inventory sorted by name: the pair (i, j), i < j, is requested by i when
    i + j is odd, by j when even. Both sides compute it alike, whichever Regions are still running.
    """
    i, j = sorted((regions.index(first), regions.index(second)))
    return regions[i] if (i + j) % 2 == 1 else regions[j]


def peering_plan(peers, region, live_hosts):
    """Split this Region's pairs: ``request`` (this Region requests and accepts them), ``wait`` (the peer does),
    ``skipped`` (the peer failed earlier in the run or its VPC is unknown: nobody will request the pair now).

    ``peers``: every other Region of the inventory as ``{host, region, vpc_id, cidr}`` (``vpc_id`` empty when
    unknown); ``live_hosts``: the hosts still running (``ansible_play_hosts``).
    """
    try:
        regions = sorted({region, *(peer["region"] for peer in peers)})
        live = set(live_hosts)
        plan = {"request": [], "wait": [], "skipped": []}
        for peer in sorted(peers, key=lambda p: p["region"]):
            if peer["host"] not in live:
                plan["skipped"].append(dict(peer, reason="failed earlier in this run"))
            elif not peer.get("vpc_id"):
                plan["skipped"].append(dict(peer, reason="its VPC is unknown"))
            elif _requester(region, peer["region"], regions) == region:
                plan["request"].append(peer)
            else:
                plan["wait"].append(peer)
        return plan
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"peering_plan: malformed peers {peers!r}: {exc}") from exc


def _other_side(peering, vpc_id):
    """The other side's info (vpc_id, region, cidr_block) of a peering of ``vpc_id``, or None."""
    requester = peering.get("requester_vpc_info") or {}
    accepter = peering.get("accepter_vpc_info") or {}
    if requester.get("vpc_id") == vpc_id:
        return accepter
    if accepter.get("vpc_id") == vpc_id:
        return requester
    return None


def _tags(peering):
    tags = peering.get("tags") or {}
    if isinstance(tags, list):
        return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tags}
    return tags


def peering_vpcs(found, vpc_id):
    """Peering ID -> the other side's VPC, for each peering of ``found`` that ``vpc_id`` is a side of (either
    direction: a pair an earlier run requested the other way is the same pair); the others are left out.

    ``found``: ec2_vpc_peering_info's ``vpc_peering_connections``. A Region waits until every VPC it awaits is here.
    """
    vpcs = {}
    try:
        for peering in found or []:
            other = _other_side(peering, vpc_id)
            if other is not None:
                vpcs[peering["vpc_peering_connection_id"]] = other.get("vpc_id")
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"peering_vpcs: malformed peerings {found!r}: {exc}") from exc
    return vpcs


def peering_links(plan, region, vpc_id, found, requested=(), name_prefix="", owner_tag=None):
    """This Region's links to route through: ``[{region, peering_id, cidr}]``, sorted by Region.

    ``found``: the active peerings of this Region (ec2_vpc_peering_info); ``requested``: the results of this run's
    requests (``peering_id`` and ``item``). A pair this run requested or waited for is linked by the peer's VPC
    (``peering_id`` empty in check mode before it exists). A skipped pair keeps the active peering an earlier run
    made (found by the peer's VPC, or when it is unknown by the pair's ``Name`` tag and ``owner_tag``), with the
    CIDR AWS reports for it: a failed Region loses nothing already deployed. A skipped pair without one is left out.
    """
    by_vpc = {}
    by_name = {}
    for peering in found or []:
        other = _other_side(peering, vpc_id)
        if other is None:
            continue
        by_vpc.setdefault(other.get("vpc_id"), (peering, other))
        tags = _tags(peering)
        if not owner_tag or all(tags.get(k) == v for k, v in owner_tag.items()):
            by_name.setdefault(tags.get("Name"), (peering, other))
    links = []
    for result in requested or []:
        if result.get("peering_id"):
            peer = result["item"]
            other = {"vpc_id": peer["vpc_id"], "region": peer["region"], "cidr_block": peer.get("cidr", "")}
            by_vpc[peer["vpc_id"]] = ({"vpc_peering_connection_id": result["peering_id"]}, other)
    for peer in [*plan.get("request", []), *plan.get("wait", [])]:
        peering = by_vpc.get(peer["vpc_id"])
        links.append(
            {
                "region": peer["region"],
                "peering_id": peering[0]["vpc_peering_connection_id"] if peering else "",
                "cidr": peer["cidr"],
            }
        )
    for peer in plan.get("skipped", []):
        peering = by_vpc.get(peer.get("vpc_id")) if peer.get("vpc_id") else None
        if peering is None and name_prefix:
            candidate = by_name.get(f"{name_prefix}-{'-'.join(sorted((region, peer['region'])))}")
            if candidate and candidate[1].get("region") == peer["region"]:
                peering = candidate
        if peering is None:
            continue
        cidr = peer.get("cidr") or peering[1].get("cidr_block", "")
        if cidr:
            links.append(
                {"region": peer["region"], "peering_id": peering[0]["vpc_peering_connection_id"], "cidr": cidr}
            )
    return sorted(links, key=lambda link: link["region"])


def peering_routes(links):
    """amazon.aws.ec2_vpc_route_table routes for ``peering_links``: each linked Region's CIDR through its peering."""
    return [{"dest": link["cidr"], "vpc_peering_connection_id": link["peering_id"]} for link in links]


class FilterModule:
    def filters(self):
        return {
            "peering_peers": peering_peers,
            "peering_plan": peering_plan,
            "peering_vpcs": peering_vpcs,
            "peering_links": peering_links,
            "peering_routes": peering_routes,
        }
