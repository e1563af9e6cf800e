# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ec2_client_vpn_authorization_rule does: the endpoint's authorization rules made to match a declared set.

``AUTHORIZATION_RULES`` is the ``EndpointSetKind`` of the rules (their describe, plan, AWS calls and messages);
``ensure_authorization_rules`` runs it through ``ensure_endpoint_set`` (client_vpn_sets) and returns the module result.
"""

from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import authorize_client_vpn_ingress
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    describe_client_vpn_authorization_rules,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import new_client_token
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import revoke_client_vpn_ingress
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import RULE_BUSY_STATES
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import EndpointSetKind
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import ensure_endpoint_set
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import plan_rules
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import rule_from_aws
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import rule_key
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import rule_summary


def _format_rule(rule):
    who = rule.get("access_group_id") or "all users"
    return f"{rule['destination_cidr']} for {who}"


def _revoke(client, endpoint_id, rule):
    revoke_client_vpn_ingress(client, endpoint_id, rule["destination_cidr"], rule.get("access_group_id"))


def _authorize(client, endpoint_id, rule):
    authorize_client_vpn_ingress(
        client,
        endpoint_id,
        rule["destination_cidr"],
        rule.get("access_group_id"),
        rule.get("description"),
        client_token=new_client_token(),
    )


AUTHORIZATION_RULES = EndpointSetKind(
    option="rules",
    result_key="authorization_rules",
    describe=describe_client_vpn_authorization_rules,
    waiter="client_vpn_authorization_rules_settled",
    plan=plan_rules,
    from_aws=rule_from_aws,
    key=rule_key,
    summary=rule_summary,
    busy_states=RULE_BUSY_STATES,
    remove=_revoke,
    add=_authorize,
    remove_failure="revoke Client VPN authorization rule",
    add_failure="authorize Client VPN ingress",
    added="authorizing",
    label="authorization rules",
    describe_item=_format_rule,
    duplicate_code="InvalidClientVpnDuplicateAuthorizationRule",
)


def ensure_authorization_rules(client, params, check_mode):
    """Make the endpoint's rules match ``params``; returns the module result (no exit)."""
    return ensure_endpoint_set(client, params, check_mode, AUTHORIZATION_RULES)
