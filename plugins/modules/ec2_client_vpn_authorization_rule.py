#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_client_vpn_authorization_rule
short_description: Manage the set of authorization rules of an AWS Client VPN endpoint
version_added: 0.1.0
description:
  - Authorizes and revokes ingress authorization rules of a Client VPN endpoint so that they match a declared set.
  - Each request carries its own client token, reused by every retry of it, so a request whose answer was lost
    is not made twice. EC2 is eventually consistent, so an item added moments ago may be missing from the describe
    the module plans from (AWS then answers the add as a duplicate, which the module takes as done), or from the
    describes after the add (waited for with O(wait=true), never reported as not found).
  - A rule is identified by its content, the pair (O(rules[].destination_cidr), O(rules[].access_group_id)),
    never by its position in the list, so adding one rule to the list authorizes that rule only.
  - AWS has no call to modify a rule. A different O(rules[].description) on an existing rule is applied
    by revoking the rule, waiting until it is gone, and authorizing it again with the new description;
    clients lose access to that network for the few seconds this takes.
  - A rule in the V(failed) state is replaced the same way.
  - Mutations are bounded to 10 in flight at a time, the endpoint's concurrent-operation quota;
    throttling and C(ConcurrentMutationLimitExceeded) answers are retried with jittered backoff.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  client_vpn_endpoint_id:
    description:
      - The ID of the Client VPN endpoint.
    required: true
    type: str
  rules:
    description:
      - The declared authorization rules.
      - Required when O(state=present). With O(state=absent), the rules to revoke (their descriptions are ignored);
        when omitted with O(state=absent), every rule of the endpoint is revoked.
    type: list
    elements: dict
    suboptions:
      destination_cidr:
        description:
          - The IPv4 network, in CIDR notation, that the rule grants access to.
        required: true
        type: str
      access_group_id:
        description:
          - The ID of the group granted access, for Active Directory authentication the group's SID
            (for example V(S-1-5-21-1111111111-2222222222-3333333333-1104)).
          - When omitted, the rule grants access to all users (C(AuthorizeAllGroups)).
        type: str
      description:
        description:
          - A brief description of the rule.
          - When omitted, the description of an existing rule is left as it is; V("") means no description.
        type: str
  purge:
    description:
      - With O(state=present), revoke the rules of the endpoint that are not in O(rules).
      - Defaults to V(false) so that several plays may each declare their own rules on one endpoint.
    type: bool
    default: false
  state:
    description:
      - V(present) authorizes the declared rules (and with O(purge=true) revokes the others).
      - V(absent) revokes the declared rules, or every rule when O(rules) is omitted.
    type: str
    choices: ["present", "absent"]
    default: present
  wait:
    description:
      - Wait until the rules are V(active) (or gone).
      - Even with O(wait=false) the module waits where AWS requires it, before re-authorizing a revoked rule
        and when more than 10 changes are made.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for each of those waits.
    type: int
    default: 600
notes:
  - Check mode makes no write call; diff mode shows the rules before and after.
  - Authorization rules count against a quota of 200 per endpoint.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let everybody reach the VPC, and only the VPN admins reach the management network
  multiregion.client_vpn.ec2_client_vpn_authorization_rule:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    rules:
      - destination_cidr: 10.10.0.0/16
        description: Home VPC
      - destination_cidr: 10.99.0.0/24
        access_group_id: S-1-5-21-1111111111-2222222222-3333333333-1104
        description: Management network, VPN admins only

- name: Make these the only rules of the endpoint
  multiregion.client_vpn.ec2_client_vpn_authorization_rule:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    rules:
      - destination_cidr: 10.10.0.0/16
        description: Home VPC
    purge: true

- name: Revoke one rule
  multiregion.client_vpn.ec2_client_vpn_authorization_rule:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    rules:
      - destination_cidr: 10.99.0.0/24
        access_group_id: S-1-5-21-1111111111-2222222222-3333333333-1104
    state: absent

- name: Revoke every rule, without waiting
  multiregion.client_vpn.ec2_client_vpn_authorization_rule:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    state: absent
    wait: false
"""

RETURN = r"""
authorization_rules:
  description: The authorization rules of the endpoint after the change (in check mode, as they were).
  returned: always
  type: list
  elements: dict
  contains:
    client_vpn_endpoint_id:
      description: The ID of the Client VPN endpoint.
      type: str
      sample: cvpn-endpoint-0123456789abcdef0
    destination_cidr:
      description: The network the rule grants access to.
      type: str
      sample: 10.10.0.0/16
    group_id:
      description: The group (SID) granted access; empty when the rule grants access to all users.
      type: str
      sample: S-1-5-21-1111111111-2222222222-3333333333-1104
    access_all:
      description: Whether the rule grants access to all users.
      type: bool
      sample: true
    description:
      description: The description of the rule.
      type: str
      sample: Home VPC
    status:
      description: The state of the rule.
      type: dict
      contains:
        code:
          description: One of V(authorizing), V(active), V(failed), V(revoking).
          type: str
          sample: active
        message:
          description: A message about the state, if any.
          type: str
added:
  description: The rules authorized (or, in check mode, that would be), re-authorized ones included.
  returned: always
  type: list
  elements: dict
  contains:
    destination_cidr:
      description: The network.
      type: str
    access_group_id:
      description: The group SID, V(null) for all users.
      type: str
    description:
      description: The description.
      type: str
  sample: [{"destination_cidr": "10.10.0.0/16", "access_group_id": null, "description": "Home VPC"}]
removed:
  description: The rules revoked (or, in check mode, that would be), including rules revoked to change their description.
  returned: always
  type: list
  elements: dict
  contains:
    destination_cidr:
      description: The network.
      type: str
    access_group_id:
      description: The group SID, V(null) for all users.
      type: str
    description:
      description: The description.
      type: str
  sample: []
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_authorization_rule import (
    ensure_authorization_rules,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import endpoint_set_module_args
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import run_endpoint_set_module


def main():
    module = AnsibleAWSModule(
        **endpoint_set_module_args(
            "rules",
            dict(
                type="list",
                elements="dict",
                options=dict(
                    destination_cidr=dict(type="str", required=True),
                    access_group_id=dict(type="str"),
                    description=dict(type="str"),
                ),
            ),
            purge_default=False,
            wait_timeout_default=600,
        )
    )
    run_endpoint_set_module(module, ensure_authorization_rules)


if __name__ == "__main__":
    main()
