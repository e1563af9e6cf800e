#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: route53_latency_record
version_added: 0.1.0
short_description: Manage a Route 53 latency record and its TCP health check as one unit
description:
  - Creates, updates and deletes one latency-routed record in a Route 53 hosted zone together with
    the TCP health check that decides whether Route 53 may answer with it.
  - Built for AWS Client VPN endpoints, whose DNS name starts with a C(*) label. The leading C(*)
    is replaced by O(target_label) both in the health check's domain name and in the record value.
  - The health check is created with a caller reference derived from the hosted zone, the record
    name and type and the set identifier (C(mrcv-<hash>-<generation>)), and found again by that
    reference, so re-runs and interrupted runs never create a second health check.
  - Settings of the health check that AWS can change (port, domain name, failure threshold,
    checker Regions, inverted, disabled) are updated in place with C(UpdateHealthCheck). Settings
    fixed at creation (request interval, latency measurement) are refused with a clear error unless
    O(health_check.replace=true).
  - With O(state=absent) the record is deleted first (with its exact current values), then every
    health check of this unit, including ones left behind by an interrupted run.
  - Simple and wildcard records and hosted zones are managed with M(amazon.aws.route53) and
    M(amazon.aws.route53_zone).
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  state:
    description:
      - Whether the record and its health check should exist.
    type: str
    choices: [present, absent]
    default: present
  zone:
    description:
      - Name of the hosted zone, for example V(example.com). It is resolved to the single B(public)
        hosted zone with that name.
      - Exactly one of O(zone) and O(hosted_zone_id) is required.
    type: str
  hosted_zone_id:
    description:
      - ID of the hosted zone (with or without the C(/hostedzone/) prefix).
      - Exactly one of O(zone) and O(hosted_zone_id) is required.
    type: str
  record:
    description:
      - Name of the record, for example V(vpn.example.com). A trailing dot is optional.
      - It must be a subdomain of the zone; the zone apex is refused because a CNAME cannot sit there.
    type: str
    required: true
  type:
    description:
      - Type of the record. Client VPN endpoints are reached by name, so only V(CNAME) is supported.
    type: str
    choices: [CNAME]
    default: CNAME
  target:
    description:
      - DNS name of the Client VPN endpoint (its C(DnsName)), for example
        V(*.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com).
      - Case and a trailing dot do not matter. A leading C(*) label is replaced by O(target_label);
        a C(*) anywhere else is refused.
      - Required when O(state=present).
    type: str
  target_label:
    description:
      - Label put in place of the leading C(*) of O(target).
    type: str
    default: vpn
  latency_region:
    description:
      - The AWS Region whose latency decides when Route 53 answers with this record
        (the record's C(Region)), for example V(eu-west-1).
      - This is not the Region of the API endpoint (O(region)).
      - Required when O(state=present). With O(state=absent), one of O(latency_region) and
        O(set_identifier) is required.
    type: str
  set_identifier:
    description:
      - The record's set identifier, unique for the record name and type.
      - Defaults to O(latency_region).
    type: str
  ttl:
    description:
      - TTL of the record in seconds.
      - A value above 60 is accepted with a warning. With a health check, a short TTL is what makes
        clients move to another Region quickly.
    type: int
    default: 60
  health_check:
    description:
      - Settings of the TCP health check attached to the record.
    type: dict
    default: {}
    suboptions:
      port:
        description:
          - TCP port to check (the endpoint's VPN port).
        type: int
        default: 443
      request_interval:
        description:
          - Seconds between two checks by one checker.
          - Fixed at creation. A change fails unless O(health_check.replace=true).
        type: int
        choices: [10, 30]
        default: 30
      failure_threshold:
        description:
          - Consecutive checks that must fail or pass to change the status (1 to 10).
        type: int
        default: 3
      regions:
        description:
          - Checker Regions (at least 3), for example V([us-east-1, eu-west-1, ap-southeast-1]).
          - When omitted, the health check keeps its current Regions (all of them for a new one).
        type: list
        elements: str
      inverted:
        description:
          - Invert the status of the health check. An inverted check of a healthy endpoint is unhealthy,
            so Route 53 stops answering with this record. This is the way to drain a Region.
        type: bool
        default: false
      disabled:
        description:
          - Stop checking. AWS then considers the check B(healthy); to stop traffic, use
            O(health_check.inverted) instead.
        type: bool
        default: false
      measure_latency:
        description:
          - Let Route 53 measure latency between checkers and the endpoint (CloudWatch graphs).
          - Fixed at creation. A change fails unless O(health_check.replace=true).
        type: bool
        default: false
      name:
        description:
          - Value of the C(Name) tag of the health check (shown in the console). Other tags are left alone.
          - When omitted, tags are not read nor changed.
        type: str
      replace:
        description:
          - When a setting fixed at creation differs, create a new health check, point the record at it,
            then delete the old one. Without it such a difference is an error.
        type: bool
        default: false
  include_health_status:
    description:
      - Also return what the health checkers currently observe (C(GetHealthCheckStatus)). Off by
        default so that a run makes only the reads it needs.
    type: bool
    default: false
  wait:
    description:
      - Wait until Route 53 reports the record change C(INSYNC).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the change (polled 1 second apart at first, then 5% of the time already waited apart).
    type: int
    default: 300
notes:
  - Check mode makes no write call. Diff mode shows the record and the health check before and after.
  - Only health checks whose caller reference carries this unit's prefix are ever deleted. A health
    check attached to the record by another tool is left alone (the record is pointed at this
    module's own health check).
  - Route 53 refuses the caller reference of a deleted health check for some days; the module then
    takes the next generation of the reference, so a record can be removed and created again.
  - A lost answer is harmless. A retried C(CreateHealthCheck) carries the same caller reference, so AWS returns
    the health check the first attempt made. A retried record change that Route 53 refuses (the record
    "already exists" or "was not found") is success when the zone, read again, already holds the wanted record.
  - Right after it is created, a health check may be missing from C(GetHealthCheck) and C(ListHealthChecks)
    (eventual consistency); a run then computes the same caller reference, and AWS answers with that check.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Latency record for the eu-west-1 endpoint, with its health check
  multiregion.client_vpn.route53_latency_record:
    zone: example.com
    record: vpn.example.com
    target: "*.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"
    latency_region: eu-west-1
    health_check:
      request_interval: 10
      failure_threshold: 2
      regions: [us-east-1, eu-west-1, ap-southeast-1]
      name: vpn-eu-west-1
  register: eu_record

- name: Drain eu-west-1 (clients go to the next nearest healthy Region)
  multiregion.client_vpn.route53_latency_record:
    zone: example.com
    record: vpn.example.com
    target: "*.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"
    latency_region: eu-west-1
    health_check:
      request_interval: 10
      failure_threshold: 2
      regions: [us-east-1, eu-west-1, ap-southeast-1]
      name: vpn-eu-west-1
      inverted: true

- name: Remove the record, then its health check
  multiregion.client_vpn.route53_latency_record:
    state: absent
    hosted_zone_id: Z0123456789ABCDEFGHIJ
    record: vpn.example.com
    latency_region: eu-west-1
"""

RETURN = r"""
record:
  description: The latency record (empty when O(state=absent)).
  returned: always
  type: dict
  contains:
    name:
      description: Record name, lower case, without the trailing dot.
      type: str
      sample: vpn.example.com
    type:
      description: Record type.
      type: str
      sample: CNAME
    set_identifier:
      description: Set identifier.
      type: str
      sample: eu-west-1
    region:
      description: Latency Region of the record.
      type: str
      sample: eu-west-1
    ttl:
      description: TTL in seconds.
      type: int
      sample: 60
    resource_records:
      description: The record value (the endpoint name with the C(*) replaced).
      type: list
      elements: dict
      sample: [{"value": "vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"}]
    health_check_id:
      description: ID of the health check attached to the record (V((new health check)) in check mode before creation).
      type: str
      sample: 2d9d2a3e-4f4a-4c1e-9d3e-0123456789ab
health_check:
  description: The health check of the record (empty when O(state=absent)).
  returned: always
  type: dict
  contains:
    id:
      description: ID of the health check (null in check mode before creation).
      type: str
      sample: 2d9d2a3e-4f4a-4c1e-9d3e-0123456789ab
    caller_reference:
      description: Caller reference the health check was created with (C(mrcv-<hash>-<generation>)).
      type: str
      sample: mrcv-5f0c1d2e3a4b5c6d7e8f9a0b1c2d3e4f-1
    health_check_version:
      description: Version counter of the health check, incremented by each update.
      type: int
      sample: 2
    health_check_config:
      description: Configuration of the health check.
      type: dict
      contains:
        type:
          description: Always V(TCP).
          type: str
          sample: TCP
        fully_qualified_domain_name:
          description: Name that is checked.
          type: str
          sample: vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com
        port:
          description: Port that is checked.
          type: int
          sample: 443
        request_interval:
          description: Seconds between checks.
          type: int
          sample: 30
        failure_threshold:
          description: Consecutive results needed to change status.
          type: int
          sample: 3
        inverted:
          description: Whether the status is inverted.
          type: bool
          sample: false
        disabled:
          description: Whether checking is disabled.
          type: bool
          sample: false
        measure_latency:
          description: Whether latency is measured.
          type: bool
          sample: false
        regions:
          description: Checker Regions, when set.
          type: list
          elements: str
          sample: [ap-southeast-1, eu-west-1, us-east-1]
    tags:
      description: Tags of the health check.
      type: dict
      returned: when O(health_check.name) is set
      sample: {"Name": "vpn-eu-west-1"}
    observations:
      description: What each checker currently observes.
      type: list
      elements: dict
      returned: when O(include_health_status=true)
      contains:
        region:
          description: Checker Region.
          type: str
          sample: us-east-1
        ip_address:
          description: Address of the checker.
          type: str
          sample: 54.243.31.192
        status_report:
          description: C(status) (starts with C(Success) or C(Failure)) and C(checked_time).
          type: dict
          sample: {"status": "Success: TCP connection established", "checked_time": "2026-01-01T00:00:00+00:00"}
change_info:
  description:
    - The record change, when one was made (not in check mode).
    - C(status) is V(INSYNC) after a successful wait, else what Route 53 answered (usually V(PENDING)).
    - Empty when the change's answer was lost and the zone, read again, already held the wanted record.
  returned: always
  type: dict
  sample: {"id": "/change/C2682N5HXP0BZ4", "status": "INSYNC", "submitted_at": "2026-01-01T00:00:00+00:00"}
actions:
  description: What was done (or would be done in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["create_health_check", "tag_health_check", "create_record"]
"""

import functools

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import LatencyRecordError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_latency import ensure_latency_record
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_latency import ensure_latency_record_absent
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import zone_module_args


def argument_spec():
    """A new dict per call: AnsibleModule writes the defaults it hands out (``{}``, ``[]``) in place."""
    return dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        zone=dict(type="str"),
        hosted_zone_id=dict(type="str"),
        record=dict(type="str", required=True),
        type=dict(type="str", choices=["CNAME"], default="CNAME"),
        target=dict(type="str"),
        target_label=dict(type="str", default="vpn"),
        latency_region=dict(type="str"),
        set_identifier=dict(type="str"),
        ttl=dict(type="int", default=60),
        health_check=dict(
            type="dict",
            default={},
            options=dict(
                port=dict(type="int", default=443),
                request_interval=dict(type="int", choices=[10, 30], default=30),
                failure_threshold=dict(type="int", default=3),
                regions=dict(type="list", elements="str"),
                inverted=dict(type="bool", default=False),
                disabled=dict(type="bool", default=False),
                measure_latency=dict(type="bool", default=False),
                name=dict(type="str"),
                replace=dict(type="bool", default=False),
            ),
        ),
        include_health_status=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )


def main():
    required_if = [
        ["state", "present", ["target", "latency_region"]],
        ["state", "absent", ["latency_region", "set_identifier"], True],
    ]
    module = AnsibleAWSModule(**zone_module_args(argument_spec(), required_if=required_if))
    if module.params["state"] == "present":
        ensure = functools.partial(ensure_latency_record, warn=module.warn)
    else:
        ensure = ensure_latency_record_absent
    client = aws_client(module, "route53")
    run_module(module, ensure, client, module.params, module.check_mode, user_errors=(LatencyRecordError,))


if __name__ == "__main__":
    main()
