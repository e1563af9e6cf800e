#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ds_ad_connector
short_description: Create and delete AWS Directory Service AD Connectors
version_added: 0.1.0
description:
  - Creates (C(ConnectDirectory)) or deletes an AD Connector, a proxy in a VPC that forwards directory requests to
    existing domain controllers (for example the domain controllers of a replicated AWS Managed Microsoft AD Region,
    see M(multiregion.client_vpn.ds_region)) using a service account.
  - The connector is found by its name (the FQDN of the domain it connects to) among the C(ADConnector) directories of
    the Region, and by O(vpc_id) too when several share that name, so running the module again never creates a second one.
  - With O(wait=true) the module waits for the connector to be C(Active); a connector that ends C(Failed) (for example
    because the DNS addresses do not answer or the service account credentials are wrong) is an error carrying the reason
    AWS gives (C(StageReason)). A failed connector stays in AWS; delete it (O(state=absent)) before trying again.
  - AWS has no API to change the short name, the size, the description, the VPC, the subnets or the service account
    user name of a connector; a difference is an error naming the fields.
  - O(customer_dns_ips) are only used at creation. AWS does not return them (C(DescribeDirectories) has no such field)
    and has no API to change them (C(UpdateDirectorySetup) only changes IPv6 DNS addresses together with the network
    type), so the module cannot detect a difference. To point a connector at other DNS servers, delete it and create
    it again.
  - The service account password cannot be compared (AWS never returns it); it is only used at creation and never
    reported as a change.
  - C(ConnectDirectory) has no idempotency token, so a failed create is never simply repeated. After a server error or
    a lost answer the module looks for the connector by name, VPC and O(tags) for up to 2 minutes (a new connector may
    be missing from C(DescribeDirectories) for a while) and only creates again when none appeared.
  - Deleting retries for up to 10 minutes (at most O(wait_timeout)) while AWS answers that the connector still has
    authorized applications, as it does for a while after a Client VPN endpoint that used it was deleted.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  state:
    description:
      - Whether the connector should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The fully qualified domain name of the directory to connect to, for example V(corp.example.com).
    type: str
    required: true
  short_name:
    description:
      - The NetBIOS name of the directory. Fixed at creation; compared case-insensitively.
    type: str
  password:
    description:
      - The password of the service account O(customer_user_name). To create the connector, this or O(password_secret)
        is required.
    type: str
  password_secret:
    description:
      - The name or ARN of an AWS Secrets Manager secret in the connector's Region that keeps the service account's
        password, as a JSON object with a C(password) key (what M(multiregion.client_vpn.ds_service_account) writes) or
        as the whole string.
      - Read only when the module creates the connector; the password never reaches Ansible's variables or output.
    type: str
  customer_user_name:
    description:
      - The service account in the directory, allowed to read users and groups, create computer objects and join
        computers to the domain. Required to create the connector; fixed afterwards.
    type: str
  account_mismatch:
    description:
      - What to do when the connector exists and logs in as another account than O(customer_user_name), which AWS
        cannot change. V(fail) is an error (as for the other fixed settings); V(warn) keeps the connector as it is
        and warns, for example while connectors made before a move to per-connector accounts are still in use.
    type: str
    choices: [fail, warn]
    default: fail
  customer_dns_ips:
    description:
      - The IP addresses of the DNS servers or domain controllers of the directory. Required to create the connector.
      - Only used at creation, see the description.
    type: list
    elements: str
  size:
    description:
      - The size of the connector. Fixed at creation.
    type: str
    choices: [Small, Large]
    default: Small
  description:
    description:
      - A description of the connector (at most 128 characters). Fixed at creation.
    type: str
  vpc_id:
    description:
      - The VPC of the connector. Required to create it; fixed afterwards. Also used to choose between connectors with the same name.
    type: str
  subnet_ids:
    description:
      - Two subnets of O(vpc_id) in different Availability Zones. Required to create the connector; fixed afterwards.
    type: list
    elements: str
  wait:
    description:
      - Wait for the connector to be C(Active) (O(state=present)) or gone (O(state=absent)).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait. The module polls 1 second apart at first, then 5% of the time already waited apart (at most 30 seconds).
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Connect us-west-2 to the replicated domain controllers of corp.example.com
  multiregion.client_vpn.ds_ad_connector:
    region: us-west-2
    name: corp.example.com
    short_name: CORP
    size: Small
    customer_user_name: svc-connector
    password: "{{ vault_connector_password }}"
    customer_dns_ips: "{{ replica.dns_ip_addrs }}"
    vpc_id: vpc-0123456789abcdef0
    subnet_ids:
      - subnet-0123456789abcdef0
      - subnet-0fedcba9876543210
    tags:
      Project: client-vpn
  register: connector

- name: The same, its password read from the secret that multiregion.client_vpn.ds_service_account keeps
  multiregion.client_vpn.ds_ad_connector:
    region: us-west-2
    name: corp.example.com
    customer_user_name: cvpn-us-west-2
    password_secret: vpn.example.com/ad-connector
    customer_dns_ips: "{{ replica.dns_ip_addrs }}"
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
    # A connector made before with another account is kept, with a warning
    account_mismatch: warn

- name: Delete the connector
  multiregion.client_vpn.ds_ad_connector:
    region: us-west-2
    name: corp.example.com
    vpc_id: vpc-0123456789abcdef0
    state: absent
"""

RETURN = r"""
directory:
  description:
    - The connector, as returned by C(DescribeDirectories), in snake_case, with its tags.
    - Empty when the connector does not exist (O(state=absent), or creation in check mode).
  returned: always
  type: dict
  contains:
    directory_id:
      description: The ID of the connector.
      type: str
      sample: d-1234567890
    name:
      description: The FQDN of the directory it connects to.
      type: str
      sample: corp.example.com
    short_name:
      description: The NetBIOS name.
      type: str
      sample: CORP
    type:
      description: The directory type.
      type: str
      sample: ADConnector
    size:
      description: The size of the connector.
      type: str
      sample: Small
    description:
      description: The description.
      type: str
    stage:
      description: The stage (C(Creating), C(Active), C(Failed), ...).
      type: str
      sample: Active
    stage_reason:
      description: Why the connector is in this stage, when AWS says (for example a connectivity or credentials problem).
      type: str
    dns_ip_addrs:
      description: The DNS addresses AWS reports for the connector.
      type: list
      elements: str
    access_url:
      description: The access URL.
      type: str
    connect_settings:
      description: The connection settings.
      type: dict
      contains:
        vpc_id:
          description: The VPC ID.
          type: str
        subnet_ids:
          description: The subnet IDs.
          type: list
          elements: str
        customer_user_name:
          description: The service account.
          type: str
        security_group_id:
          description: The security group AWS created for the connector.
          type: str
        availability_zones:
          description: The Availability Zones.
          type: list
          elements: str
        connect_ips:
          description: The IP addresses of the connector itself.
          type: list
          elements: str
    launch_time:
      description: When the connector was created (ISO 8601).
      type: str
    stage_last_updated_date_time:
      description: When the stage last changed (ISO 8601).
      type: str
    sso_enabled:
      description: Whether single sign-on is enabled.
      type: bool
    tags:
      description: The tags of the connector.
      type: dict
      sample: {"Project": "client-vpn"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_directory_module import AD_CONNECTOR
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_directory_module import run_directory_module

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    name=dict(type="str", required=True),
    short_name=dict(type="str"),
    password=dict(type="str", no_log=True),
    password_secret=dict(type="str", no_log=False),
    account_mismatch=dict(type="str", choices=["fail", "warn"], default="fail"),
    customer_user_name=dict(type="str"),
    customer_dns_ips=dict(type="list", elements="str"),
    size=dict(type="str", choices=["Small", "Large"], default="Small"),
    description=dict(type="str"),
    vpc_id=dict(type="str"),
    subnet_ids=dict(type="list", elements="str"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
)


def main():
    module = AnsibleAWSModule(
        argument_spec=ARGUMENT_SPEC, mutually_exclusive=[["password", "password_secret"]], supports_check_mode=True
    )
    run_directory_module(module, AD_CONNECTOR)


if __name__ == "__main__":
    main()
