#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_vpc_peering_request
short_description: Request a VPC peering connection once, even when AWS loses the answer
version_added: 0.1.0
description:
  - Requests a VPC peering connection between O(vpc_id) and O(peer_vpc_id) (in O(peer_region), or the same Region),
    unless a live one (C(initiating-request), C(pending-acceptance), C(provisioning) or C(active)) already joins the two
    VPCs, requested in either direction. Accept it with M(amazon.aws.ec2_vpc_peering) (O(ignore:state=accept)) in the
    accepter's Region.
  - Why not M(amazon.aws.ec2_vpc_peering) with O(ignore:state=present)? C(CreateVpcPeeringConnection) has no
    idempotency token, and that module retries it (botocore's retries and C(AWSRetry) on C(InternalError)). When AWS
    creates the peering but loses its answer, the retry creates a second one, left C(pending-acceptance); it also treats
    a peering still C(initiating-request) as absent.
  - This module makes the request on a client whose botocore retries are off and never retries it blindly. After an
    error that may hide a performed request (a 5xx, a dropped connection), it looks the peering up for
    O(lost_answer_timeout) seconds (EC2 is eventually consistent, a new peering may be missing from the first reads),
    and requests once more only when none appears. An error AWS answers with a 4xx (for example an unknown VPC) fails
    at once.
  - When several live peerings join the pair (left by an earlier lost answer), the module keeps one (an active one
    first, else the oldest request) and deletes the other C(pending-acceptance) requests made from O(vpc_id); other
    duplicates are left and listed in RV(other_peering_ids).
  - The tags are given at creation (C(TagSpecifications)) and kept in line afterwards (O(tags), O(purge_tags)).
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  vpc_id:
    description:
      - The requester VPC, in the module's Region.
    type: str
    required: true
  peer_vpc_id:
    description:
      - The accepter VPC.
    type: str
    required: true
  peer_region:
    description:
      - The Region of O(peer_vpc_id). Default the module's Region.
    type: str
  peer_owner_id:
    description:
      - The AWS account that owns O(peer_vpc_id). Default the caller's account.
    type: str
  wait:
    description:
      - Wait for the peering to be C(pending-acceptance) (or C(active)), so that it can be accepted in the peer's Region.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait. The module polls 1 second apart at first, then 5% of the time already waited apart.
    type: int
    default: 600
  lost_answer_timeout:
    description:
      - After an error that may hide a performed request, how many seconds to look for the peering before requesting
        once more.
    type: int
    default: 60
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Request a peering from us-east-1 to a VPC in us-west-2
  multiregion.client_vpn.ec2_vpc_peering_request:
    region: us-east-1
    vpc_id: vpc-0123456789abcdef0
    peer_vpc_id: vpc-0fedcba9876543210
    peer_region: us-west-2
    tags:
      Name: vpn-us-east-1-us-west-2
    wait: true
  register: peering

- name: Accept it in us-west-2
  amazon.aws.ec2_vpc_peering:
    region: us-west-2
    peering_id: "{{ peering.peering_id }}"
    state: accept
    wait: true
"""

RETURN = r"""
peering_id:
  description: The ID of the peering connection; empty when it would be requested (check mode).
  returned: always
  type: str
  sample: pcx-0123456789abcdef0
vpc_peering_connection:
  description:
    - The peering connection as C(DescribeVpcPeeringConnections) returns it, in snake_case, tags as a dict (the shape
      M(amazon.aws.ec2_vpc_peering) returns). Empty when it would be requested (check mode).
  returned: always
  type: dict
  contains:
    vpc_peering_connection_id:
      description: The ID of the peering connection.
      type: str
      sample: pcx-0123456789abcdef0
    status:
      description: The status (C(code), C(message)).
      type: dict
      sample: {"code": "pending-acceptance", "message": "Pending Acceptance by 123456789012"}
    requester_vpc_info:
      description: The requester VPC (C(vpc_id), C(owner_id), C(region), C(cidr_block), ...).
      type: dict
    accepter_vpc_info:
      description: The accepter VPC (C(vpc_id), C(owner_id), C(region), ...).
      type: dict
    expiration_time:
      description: When an unaccepted request expires.
      type: str
    tags:
      description: The tags.
      type: dict
      sample: {"Name": "vpn-us-east-1-us-west-2"}
deleted_peering_ids:
  description: Duplicate C(pending-acceptance) requests of the pair that were deleted (would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["pcx-0fedcba9876543210"]
other_peering_ids:
  description: Other live peerings of the pair that were left as they are (active ones, or requested from the peer VPC).
  returned: always
  type: list
  elements: str
  sample: []
"""

try:
    import botocore  # pylint: disable=unused-import
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.lost_answer import single_attempt_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module
from ansible_collections.multiregion.client_vpn.plugins.module_utils.vpc_peering_request import ensure_peering_request


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        peer_vpc_id=dict(type="str", required=True),
        peer_region=dict(type="str"),
        peer_owner_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        lost_answer_timeout=dict(type="int", default=60),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = aws_client(module, "ec2")
    write_client = single_attempt_client(module, "ec2")
    run_module(module, ensure_peering_request, client, write_client, module.params, module.check_mode)


if __name__ == "__main__":
    main()
