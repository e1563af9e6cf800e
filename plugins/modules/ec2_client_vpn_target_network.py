#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_client_vpn_target_network
short_description: Manage the subnets associated with an AWS Client VPN endpoint
version_added: 0.1.0
description:
  - Associates subnets with a Client VPN endpoint and disassociates others so that the associations match
    a declared set of subnets, and waits until they are V(associated) or V(disassociated).
  - Each request carries its own client token, reused by every retry of it, so a request whose answer was lost
    is not made twice. EC2 is eventually consistent, so an item added moments ago may be missing from the describe
    the module plans from (AWS then answers the add as a duplicate, which the module takes as done), or from the
    describes after the add (waited for with O(wait=true), never reported as not found).
  - AWS accepts one subnet per Availability Zone, all in the endpoint's VPC. The module checks the declared
    subnets before any write call and fails with a clear message when two of them share an Availability Zone,
    or when a new subnet's zone is held by an association that stays.
  - To keep the endpoint reachable, subnets in free Availability Zones are associated before other subnets
    are disassociated; a subnet replacing another in the same zone is associated once that zone is freed.
  - An association in the V(association-failed) state is disassociated and made again.
  - The first association makes the endpoint V(available) and adds the VPC's route automatically; removing the
    last association drops every client connection.
  - Mutations are bounded to 10 in flight at a time, the endpoint's concurrent-operation quota;
    throttling and C(ConcurrentMutationLimitExceeded) answers are retried with jittered backoff.
  - Security groups of the associations are not managed here, they belong to the endpoint
    (the C(security_group_ids) option of M(multiregion.client_vpn.ec2_client_vpn_endpoint)).
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  client_vpn_endpoint_id:
    description:
      - The ID of the Client VPN endpoint.
    required: true
    type: str
  subnet_ids:
    description:
      - The subnets to associate (one per Availability Zone, all in the endpoint's VPC).
      - Required when O(state=present). With O(state=absent), the subnets to disassociate;
        when omitted with O(state=absent), every subnet is disassociated (needed before deleting the endpoint).
    type: list
    elements: str
  purge:
    description:
      - With O(state=present), disassociate the subnets that are not in O(subnet_ids).
      - Defaults to V(true), so O(subnet_ids) is the whole set of the endpoint's subnets.
        With O(purge=false) the declared subnets are added to the existing ones.
    type: bool
    default: true
  state:
    description:
      - V(present) associates the declared subnets (and with O(purge=true) disassociates the others).
      - V(absent) disassociates the declared subnets, or every subnet when O(subnet_ids) is omitted.
    type: str
    choices: ["present", "absent"]
    default: present
  wait:
    description:
      - Wait until the associations are V(associated) and the disassociations done.
      - Even with O(wait=false) the module waits where AWS requires it, before associating a subnet whose
        Availability Zone is being freed, and when more than 10 changes are made.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for each of those waits. Associations often take 10 minutes or more on AWS.
    type: int
    default: 1800
notes:
  - Check mode makes no write call; diff mode shows the associated subnets before and after.
  - Transit Gateway-based endpoints (associated by Availability Zone rather than subnet) are not supported.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Associate two subnets in two Availability Zones (and only these)
  multiregion.client_vpn.ec2_client_vpn_target_network:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    subnet_ids:
      - subnet-0aaaaaaaaaaaaaaaa
      - subnet-0bbbbbbbbbbbbbbbb
    wait_timeout: 2700

- name: Add a third subnet, leaving the others alone
  multiregion.client_vpn.ec2_client_vpn_target_network:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    subnet_ids:
      - subnet-0cccccccccccccccc
    purge: false

- name: Disassociate everything before deleting the endpoint
  multiregion.client_vpn.ec2_client_vpn_target_network:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    state: absent
"""

RETURN = r"""
associations:
  description:
    - The target network associations of the endpoint after the change (in check mode, as they were).
    - Associations AWS still lists as V(disassociated) are left out.
  returned: always
  type: list
  elements: dict
  contains:
    association_id:
      description: The ID of the association.
      type: str
      sample: cvpn-assoc-0123456789abcdef0
    target_network_id:
      description: The associated subnet.
      type: str
      sample: subnet-0aaaaaaaaaaaaaaaa
    vpc_id:
      description: The VPC of the subnet.
      type: str
      sample: vpc-0123456789abcdef0
    client_vpn_endpoint_id:
      description: The ID of the Client VPN endpoint.
      type: str
      sample: cvpn-endpoint-0123456789abcdef0
    security_groups:
      description: The security groups applied to the association (those of the endpoint).
      type: list
      elements: str
      sample: ["sg-0123456789abcdef0"]
    status:
      description: The state of the association.
      type: dict
      contains:
        code:
          description: One of V(associating), V(associated), V(association-failed), V(disassociating).
          type: str
          sample: associated
        message:
          description: A message about the state, if any.
          type: str
associated:
  description: The subnets associated (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: ["subnet-0bbbbbbbbbbbbbbbb"]
disassociated:
  description: The subnets disassociated (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import endpoint_set_module_args
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import run_endpoint_set_module
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_target_network import (
    ensure_target_networks,
)


def main():
    module = AnsibleAWSModule(
        **endpoint_set_module_args(
            "subnet_ids",
            dict(type="list", elements="str"),
            purge_default=True,
            wait_timeout_default=1800,
        )
    )
    run_endpoint_set_module(module, ensure_target_networks)


if __name__ == "__main__":
    main()
