# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the client_vpn_endpoint role: the other Regions an endpoint reaches, its authorization rules (those of
the VPN access groups named in the inventory among them), routes and authentication options."""

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


def access_group_rules(groups, found=(), strict=True):
    """The rules of the VPN access groups: one per (group, CIDR), for the group's SID, in the shape of
    ``endpoint_rules``' groups (``[{cidr, group_sid, description}]``), group by group in their order.

    ``groups``: ``[{name, cidrs, description}]`` (inventory ``vpn_access_groups``); ``found``: the groups the directory
    has, ``[{sam_account_name, sid}]`` (ds_data_info's ``groups``), names compared case-insensitively as Active
    Directory does. A rule's description is its group's, else the group's name. A group not found is an error naming
    it, unless ``strict`` is false (check mode, where a group the Home would create has no SID yet): its rules are
    left out.
    """
    try:
        sids = {group["sam_account_name"].lower(): group["sid"] for group in found or []}
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"access_group_rules: malformed directory groups {found!r}: {exc}") from exc
    rules, missing = [], []
    for group in groups or []:
        name = group.get("name") if isinstance(group, Mapping) else None
        cidrs = group.get("cidrs") if isinstance(group, Mapping) else None
        if not isinstance(name, str) or not name or not isinstance(cidrs, list):
            raise AnsibleFilterError(
                f"access_group_rules: a VPN access group needs a name and a list of cidrs: {group!r}"
            )
        sid = sids.get(name.lower())
        if sid is None:
            missing.append(name)
            continue
        description = group.get("description") or name
        rules.extend({"cidr": cidr, "group_sid": sid, "description": description} for cidr in cidrs)
    if missing and strict:
        raise AnsibleFilterError(
            f"access_group_rules: the directory has no group {', '.join(missing)} (vpn_access_groups); create it, or"
            " let the Home Region create it (manage_groups: true)"
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


# The inventory's vpn_authentication modes, each with the endpoint's authentication types (AWS combines mutual
# authentication with Active Directory or federated authentication, never those two together).
AUTHENTICATION_MODES = {
    "directory": ("directory-service-authentication",),
    "directory+certificate": ("directory-service-authentication", "certificate-authentication"),
    "certificate": ("certificate-authentication",),
    "saml": ("federated-authentication",),
}


def endpoint_authentication(
    mode, directory_id="", certificate_arn="", saml_provider_arn="", self_service_saml_provider_arn=""
):
    """The endpoint's ``authentication`` list (ec2_client_vpn_endpoint's option) for an authentication ``mode``.

    ``directory``: the directory (Home) or AD Connector (Branch); ``directory+certificate`` adds mutual
    authentication whose client root certificate chain is ``certificate_arn``, the server certificate's ARN (client
    certificates are issued by the CA of the server certificate, whose chain ACM holds with it); ``certificate``:
    mutual authentication only; ``saml``: federated authentication through ``saml_provider_arn``, with
    ``self_service_saml_provider_arn`` for the self-service portal when given. The directory ID and certificate
    ARN may be empty (check mode, before they exist); the SAML provider may not.
    """
    kinds = AUTHENTICATION_MODES.get(mode)
    if kinds is None:
        raise AnsibleFilterError(
            f"endpoint_authentication: unknown authentication mode {mode!r}; one of {', '.join(AUTHENTICATION_MODES)}"
        )
    options = []
    for kind in kinds:
        if kind == "directory-service-authentication":
            options.append({"type": kind, "directory_id": directory_id or ""})
        elif kind == "certificate-authentication":
            options.append({"type": kind, "client_root_certificate_chain_arn": certificate_arn or ""})
        else:
            if not saml_provider_arn:
                raise AnsibleFilterError("endpoint_authentication: the saml mode needs saml_provider_arn")
            option = {"type": kind, "saml_provider_arn": saml_provider_arn}
            if self_service_saml_provider_arn:
                option["self_service_saml_provider_arn"] = self_service_saml_provider_arn
            options.append(option)
    return options


class FilterModule:
    """The client_vpn_endpoint role's rules, routes and authentication."""

    def filters(self):
        return {
            "endpoint_peers": endpoint_peers,
            "endpoint_rules": endpoint_rules,
            "access_group_rules": access_group_rules,
            "endpoint_routes": endpoint_routes,
            "endpoint_authentication": endpoint_authentication,
        }
