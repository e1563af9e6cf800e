#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_client_vpn_route
short_description: Manage the set of routes of an AWS Client VPN endpoint
version_added: 0.1.0
description:
  - Creates and deletes routes of a Client VPN endpoint so that they match a declared set.
  - Each request carries its own client token, reused by every retry of it, so a request whose answer was lost
    is not made twice. EC2 is eventually consistent, so an item added moments ago may be missing from the describe
    the module plans from (AWS then answers the add as a duplicate, which the module takes as done), or from the
    describes after the add (waited for with O(wait=true), never reported as not found).
  - A route is identified by its content, the pair (O(routes[].destination_cidr), O(routes[].target_subnet)),
    never by its position in the list, so adding one route to the list creates that route only.
  - The routes AWS adds by itself when a subnet is associated (origin C(associate), the VPC's own CIDR through
    each associated subnet) are never created, deleted or purged by this module. Declaring one of them is
    allowed and is a no-op; they go away only when their subnet is disassociated
    (M(multiregion.client_vpn.ec2_client_vpn_target_network)).
  - AWS has no call to modify a route. A different O(routes[].description) on an existing route is applied by
    deleting the route, waiting until it is gone, and creating it again; traffic to that network is interrupted
    meanwhile. A route in the V(failed) state is replaced the same way.
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
  routes:
    description:
      - The declared routes.
      - Required when O(state=present). With O(state=absent), the routes to delete (their descriptions are ignored);
        when omitted with O(state=absent), every route added by hand is deleted.
    type: list
    elements: dict
    suboptions:
      destination_cidr:
        description:
          - The IPv4 network, in CIDR notation, of the route destination, for example V(0.0.0.0/0) for internet
            access or the CIDR of a peered VPC.
        required: true
        type: str
      target_subnet:
        description:
          - The ID of the subnet through which traffic is routed. It must be associated with the endpoint
            (AWS rejects a route through a subnet that is not).
          - V(local) for a route to the client CIDR (the local network).
        required: true
        type: str
        aliases: ["target_vpc_subnet_id"]
      description:
        description:
          - A brief description of the route.
          - When omitted, the description of an existing route is left as it is; V("") means no description.
        type: str
  purge:
    description:
      - With O(state=present), delete the routes added by hand that are not in O(routes).
        The automatic routes are never purged.
      - Defaults to V(false) so that several plays may each declare their own routes on one endpoint.
    type: bool
    default: false
  state:
    description:
      - V(present) creates the declared routes (and with O(purge=true) deletes the others).
      - V(absent) deletes the declared routes, or every route added by hand when O(routes) is omitted.
    type: str
    choices: ["present", "absent"]
    default: present
  wait:
    description:
      - Wait until the routes are V(active) (or gone). A route takes about 90 seconds on AWS.
      - Even with O(wait=false) the module waits where AWS requires it, before re-creating a deleted route
        and when more than 10 changes are made.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for each of those waits.
    type: int
    default: 600
notes:
  - Check mode makes no write call; diff mode shows the routes added by hand before and after.
  - Routes count against a quota of 100 per subnet association.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Route the Branch VPCs and the internet through both associated subnets
  multiregion.client_vpn.ec2_client_vpn_route:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    routes:
      - destination_cidr: 10.20.0.0/16
        target_subnet: subnet-0aaaaaaaaaaaaaaaa
        description: Branch us-west-2 (peering)
      - destination_cidr: 10.20.0.0/16
        target_subnet: subnet-0bbbbbbbbbbbbbbbb
        description: Branch us-west-2 (peering)
      - destination_cidr: 0.0.0.0/0
        target_subnet: subnet-0aaaaaaaaaaaaaaaa
        description: Internet

- name: Make these the only routes added by hand (the automatic VPC routes stay)
  multiregion.client_vpn.ec2_client_vpn_route:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    routes:
      - destination_cidr: 10.20.0.0/16
        target_subnet: subnet-0aaaaaaaaaaaaaaaa
    purge: true

- name: Delete every route added by hand
  multiregion.client_vpn.ec2_client_vpn_route:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    state: absent
"""

RETURN = r"""
routes:
  description: Every route of the endpoint after the change (in check mode, as they were), automatic ones included.
  returned: always
  type: list
  elements: dict
  contains:
    client_vpn_endpoint_id:
      description: The ID of the Client VPN endpoint.
      type: str
      sample: cvpn-endpoint-0123456789abcdef0
    destination_cidr:
      description: The destination network.
      type: str
      sample: 10.20.0.0/16
    target_subnet:
      description: The subnet through which traffic is routed.
      type: str
      sample: subnet-0aaaaaaaaaaaaaaaa
    type:
      description: The route type.
      type: str
      sample: Nat
    origin:
      description: V(associate) for a route AWS added when a subnet was associated, V(add-route) for a route added by hand.
      type: str
      sample: add-route
    description:
      description: The description of the route.
      type: str
      sample: Branch us-west-2 (peering)
    status:
      description: The state of the route.
      type: dict
      contains:
        code:
          description: One of V(creating), V(active), V(failed), V(deleting).
          type: str
          sample: active
        message:
          description: A message about the state, if any.
          type: str
added:
  description: The routes created (or, in check mode, that would be), re-created ones included.
  returned: always
  type: list
  elements: dict
  contains:
    destination_cidr:
      description: The destination network.
      type: str
    target_subnet:
      description: The target subnet.
      type: str
    description:
      description: The description.
      type: str
  sample: [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-0aaaaaaaaaaaaaaaa", "description": null}]
removed:
  description: The routes deleted (or, in check mode, that would be), including routes deleted to change their description.
  returned: always
  type: list
  elements: dict
  contains:
    destination_cidr:
      description: The destination network.
      type: str
    target_subnet:
      description: The target subnet.
      type: str
    description:
      description: The description.
      type: str
  sample: []
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_route import ensure_routes
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import endpoint_set_module_args
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import run_endpoint_set_module


def main():
    module = AnsibleAWSModule(
        **endpoint_set_module_args(
            "routes",
            dict(
                type="list",
                elements="dict",
                options=dict(
                    destination_cidr=dict(type="str", required=True),
                    target_subnet=dict(type="str", required=True, aliases=["target_vpc_subnet_id"]),
                    description=dict(type="str"),
                ),
            ),
            purge_default=False,
            wait_timeout_default=600,
        )
    )
    run_endpoint_set_module(module, ensure_routes)


if __name__ == "__main__":
    main()
