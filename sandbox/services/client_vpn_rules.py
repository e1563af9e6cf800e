"""Client VPN authorization rules: authorize, revoke and describe ingress (``vpn_authorization``, ``vpn_revoke``)."""

from .. import registry
from ..protocol import AwsError
from .client_vpn import RULE_KIND
from .client_vpn import _check_concurrency
from .client_vpn import _created
from .client_vpn import _describe_rule
from .client_vpn import _dry_run
from .client_vpn import _get_endpoint
from .client_vpn import _idempotent
from .client_vpn import _ipv4_cidr
from .client_vpn import _listed
from .client_vpn import _remember
from .client_vpn import _transition

RULE_QUOTA = 200


def _rule_key(params, all_groups_member):
    """(CIDR, group SID or "", all groups) of an Authorize/RevokeClientVpnIngress request."""
    cidr = str(_ipv4_cidr(params["TargetNetworkCidr"], "TargetNetworkCidr"))
    group = params.get("AccessGroupId")
    all_groups = bool(params.get(all_groups_member))
    if group and all_groups:
        raise AwsError("InvalidParameterCombination", f"You cannot specify both AccessGroupId and {all_groups_member}")
    if not group and not all_groups:
        raise AwsError(
            "MissingParameter", f"Either AccessGroupId must be specified or {all_groups_member} must be set to true"
        )
    return (cidr, "" if all_groups else group, all_groups)


def _rule_text(key):
    cidr, group, all_groups = key
    return f"{cidr} and {'all groups' if all_groups else 'group ' + group}"


@registry.handler("ec2", "AuthorizeClientVpnIngress")
def authorize_ingress(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    token_key, previous = _idempotent(call, "AuthorizeClientVpnIngress")
    if previous is not None:
        rule = next((r for r in ep["rules"] if r["key"] == previous["key"]), None)
        return {"Status": {"Code": rule["state"] if rule else "active"}}
    key = _rule_key(params, "AuthorizeAllGroups")
    cidr, all_groups = key[0], key[2]
    if any(r["key"] == key and r["state"] != "revoking" for r in ep["rules"]):
        raise AwsError(
            "InvalidClientVpnDuplicateAuthorizationRule",
            f"The authorization rule for {_rule_text(key)} already exists on Client VPN endpoint {ep['id']}",
        )
    if len(ep["rules"]) >= RULE_QUOTA:
        raise AwsError(
            "ClientVpnAuthorizationRuleLimitExceeded",
            f"You've reached the limit of {RULE_QUOTA} authorization rules for Client VPN endpoint {ep['id']}",
        )
    _check_concurrency(ep)
    _dry_run(params)
    ep["rules"].append(
        {
            "key": key,
            "DestinationCidr": cidr,
            "GroupId": key[1],
            "AccessAll": all_groups,
            "Description": params.get("Description"),
            "state": "authorizing",
            "until": call.clock.done_at("vpn_authorization"),
        }
    )
    _created(call, RULE_KIND, (ep["id"],) + key)
    _remember(call, token_key, {"key": key})
    return {"Status": {"Code": "authorizing"}}


@registry.handler("ec2", "RevokeClientVpnIngress")
def revoke_ingress(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    key = _rule_key(params, "RevokeAllGroups")
    rule = next((r for r in ep["rules"] if r["key"] == key), None)
    if rule is None:
        raise AwsError(
            "InvalidClientVpnEndpointAuthorizationRuleNotFound",
            f"The authorization rule for {_rule_text(key)} does not exist",
        )
    return _transition(call, params, ep, [rule], "revoking", "vpn_revoke")


RULE_FILTERS = {"description": "Description", "destination-cidr": "DestinationCidr", "group-id": "GroupId"}


@registry.handler("ec2", "DescribeClientVpnAuthorizationRules")
def describe_authorization_rules(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    # Eventual consistency: a new rule is missing for a while, a revoked one still listed (as revoking).
    items = [
        _describe_rule(ep, r) for r in ep["rules"] if call.sandbox.realism.visible(RULE_KIND, (ep["id"],) + r["key"])
    ]
    items += [dict(item) for key, item in call.sandbox.realism.lingering(RULE_KIND).items() if key[0] == ep["id"]]
    return _listed(params, items, RULE_FILTERS, "AuthorizationRules")
