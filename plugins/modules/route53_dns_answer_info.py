#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: route53_dns_answer_info
version_added: 0.1.0
short_description: Ask Route 53 what it answers a client for a record
description:
  - Calls C(TestDNSAnswer) to learn what Route 53 answers for a record name and type, as it would for a
    given resolver or a client at a given address (EDNS0 client subnet), latency routing and health
    checks included.
  - One answer per client address in O(client_ips) (or a single answer without client addresses).
  - A client address is sent as the EDNS0 client subnet and, unless O(resolver_ip) is given, as the resolver
    address too, so that the answer does not depend on whether the default resolver passes the client subnet on.
  - With O(wait_for), asks again until the answers are as expected or O(wait_timeout) passes. A health check
    changes status only after its failure threshold times its request interval (plus propagation), so an answer
    moves some time after a drain, a restore or an outage. A timeout is not an error; RV(wait) says what was met.
  - Route 53 only answers this for public hosted zones.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  zone:
    description:
      - Name of the hosted zone, for example V(example.com); resolved to the single B(public) hosted zone with that name.
      - Exactly one of O(zone) and O(hosted_zone_id) is required.
    type: str
  hosted_zone_id:
    description:
      - ID of the hosted zone (with or without the C(/hostedzone/) prefix).
      - Exactly one of O(zone) and O(hosted_zone_id) is required.
    type: str
  record:
    description:
      - Record name to ask for, for example V(vpn.example.com).
    type: str
    required: true
  type:
    description:
      - Record type to ask for.
    type: str
    choices: [SOA, A, TXT, NS, CNAME, MX, NAPTR, PTR, SRV, SPF, AAAA, CAA, DS, TLSA, SSHFP, SVCB, HTTPS]
    default: CNAME
  resolver_ip:
    description:
      - Address of the DNS resolver the question comes from.
      - Without it, each client address is also the resolver address; with no client address either,
        Route 53 answers as for a resolver in us-east-1.
    type: str
  client_ips:
    description:
      - Client addresses (EDNS0 client subnet), one answer each, in this order.
    type: list
    elements: str
    default: []
  client_ip:
    description:
      - One client address; asked first when O(client_ips) is also given.
    type: str
  client_subnet_mask:
    description:
      - Number of leading bits of each client address sent to Route 53 (0-32 for IPv4, 0-128 for IPv6).
        AWS defaults to 24 for IPv4 and 64 for IPv6.
    type: int
  wait_for:
    description:
      - Conditions on the answers; the module asks again until every one holds or O(wait_timeout) passes.
      - The first value of the answer is compared, without case and trailing dot.
    type: list
    elements: dict
    default: []
    suboptions:
      client_ip:
        description:
          - The client address whose answer is checked; one of O(client_ips) or O(client_ip).
        type: str
        required: true
      equals:
        description:
          - The answer must be one of these values.
        type: list
        elements: str
      differs:
        description:
          - The answer must be none of these values (and not empty).
        type: list
        elements: str
  wait_timeout:
    description:
      - Seconds to keep asking while a condition of O(wait_for) does not hold. Asked again 1 second apart at
        first, then 5% of the time already waited apart.
      - For a drain or an outage, allow the health check's failure threshold times its request interval
        (3 x 30 seconds by default) plus a margin for propagation.
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Which endpoint does a client in Frankfurt and one in Virginia get?
  multiregion.client_vpn.route53_dns_answer_info:
    zone: example.com
    record: vpn.example.com
    client_ips:
      - 198.51.100.10
      - 203.0.113.20
  register: answers

- name: The Frankfurt client is sent to eu-central-1
  ansible.builtin.assert:
    that:
      - "'eu-central-1' in answers.answers[0].record_data[0]"

- name: Wait until a client near eu-west-1 is sent elsewhere (after its health check was inverted)
  multiregion.client_vpn.route53_dns_answer_info:
    zone: example.com
    record: vpn.example.com
    client_ips: [203.0.113.20]
    wait_for:
      - client_ip: 203.0.113.20
        differs: ["vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"]
    wait_timeout: 150  # failure threshold 3 x request interval 30 s + 60 s
  register: moved

- name: Ask as a given resolver
  multiregion.client_vpn.route53_dns_answer_info:
    hosted_zone_id: Z0123456789ABCDEFGHIJ
    record: vpn.example.com
    type: CNAME
    resolver_ip: 192.0.2.53
"""

RETURN = r"""
answers:
  description: One answer per client address (or one when none is given), in the order asked.
  returned: always
  type: list
  elements: dict
  contains:
    client_ip:
      description: Client address asked for (null when none).
      type: str
      sample: 198.51.100.10
    client_subnet_mask:
      description: Mask sent with the client address (null for AWS's default).
      type: int
      sample: 24
    resolver_ip:
      description: Resolver address asked for (null when none).
      type: str
      sample: 192.0.2.53
    hosted_zone_id:
      description: ID of the hosted zone asked.
      type: str
      sample: Z0123456789ABCDEFGHIJ
    record_name:
      description: Record name, lower case without the trailing dot.
      type: str
      sample: vpn.example.com
    record_type:
      description: Record type.
      type: str
      sample: CNAME
    record_data:
      description: The values Route 53 answers (empty when it answers nothing).
      type: list
      elements: str
      sample: ["vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-central-1.amazonaws.com"]
    response_code:
      description: DNS response code, for example V(NOERROR) or V(NXDOMAIN).
      type: str
      sample: NOERROR
    nameserver:
      description: The Route 53 name server that answered.
      type: str
      sample: ns-1.awsdns-01.org
    protocol:
      description: Transport of the question (V(UDP) or V(TCP)).
      type: str
      sample: UDP
    expected:
      description: The O(wait_for) condition of this client address (C(equals), C(differs)); absent without one.
      type: dict
      returned: when O(wait_for) has a condition for this client address
    expected_met:
      description: Whether this answer meets its O(wait_for) condition.
      type: bool
      returned: when O(wait_for) has a condition for this client address
wait:
  description: How the wait for O(wait_for) ended.
  returned: when O(wait_for) is given
  type: dict
  contains:
    met:
      description: Whether every condition held at the end.
      type: bool
      sample: true
    unmet:
      description: The client addresses whose condition did not hold at the end.
      type: list
      elements: str
      sample: []
    timeout:
      description: The wait timeout, in seconds.
      type: int
      sample: 150
    elapsed:
      description: Seconds waited.
      type: float
      sample: 12.5
    rounds:
      description: How many times every client address was asked.
      type: int
      sample: 4
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import LatencyRecordError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_dns_answer import dns_answer_info
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_dns_answer import request_problems
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import zone_module_args


def argument_spec():
    """A new dict per call: AnsibleModule writes the defaults it hands out (``{}``, ``[]``) in place."""
    return dict(
        zone=dict(type="str"),
        hosted_zone_id=dict(type="str"),
        record=dict(type="str", required=True),
        type=dict(
            type="str",
            choices=[
                "SOA",
                "A",
                "TXT",
                "NS",
                "CNAME",
                "MX",
                "NAPTR",
                "PTR",
                "SRV",
                "SPF",
                "AAAA",
                "CAA",
                "DS",
                "TLSA",
                "SSHFP",
                "SVCB",
                "HTTPS",
            ],
            default="CNAME",
        ),
        resolver_ip=dict(type="str"),
        client_ips=dict(type="list", elements="str", default=[]),
        client_ip=dict(type="str"),
        client_subnet_mask=dict(type="int"),
        wait_for=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                client_ip=dict(type="str", required=True),
                equals=dict(type="list", elements="str"),
                differs=dict(type="list", elements="str"),
            ),
        ),
        wait_timeout=dict(type="int", default=300),
    )


def main():
    module = AnsibleAWSModule(**zone_module_args(argument_spec()))
    problems = request_problems(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    client = aws_client(module, "route53")
    run_module(module, dns_answer_info, client, module.params, user_errors=(LatencyRecordError,))


if __name__ == "__main__":
    main()
