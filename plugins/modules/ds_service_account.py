#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ds_service_account
short_description: A service account in AWS Managed Microsoft AD whose password only AWS Secrets Manager keeps
version_added: 0.1.0
description:
  - Creates a user of an AWS Managed Microsoft AD (Directory Service Data C(CreateUser)) for a service such as an AD
    Connector, gives it a random password (C(ResetUserPassword), which also enables it) and keeps the password in an
    AWS Secrets Manager secret as C({"username", "password"}). The password is made by the module and never returned
    or logged; M(multiregion.client_vpn.ds_ad_connector) reads it from the secret (O(secret_name)).
  - The account is an ordinary domain user in the directory's own OU, which may read users and groups (what an AD
    Connector needs to authenticate Client VPN users); it is made a member of no group. Give it more rights only for
    what you use (seamless domain join needs "create computer objects" and "join computers to the domain").
  - Writes go to the directory first, then to the secret, so that a run interrupted between them is finished by the
    next one (which sets a new password). A secret that exists is trusted; a user found missing or disabled is
    created or enabled with the secret's password.
  - With O(rotate=true) a new password is made and set, following Secrets Manager's rotation protocol (a version
    labelled C(AWSPENDING), the directory, then C(AWSCURRENT)); a run interrupted in between is finished by the next
    one, rotating or not. A service that logged in with the former password (an AD Connector keeps the password it
    was created with, and AWS has no API to give it another) must be created again.
  - Call it in the directory's primary Region (O(region)); the secret is in O(secret_region). With
    O(manage_data_access=true) Directory Service Data access is turned on (and awaited) when it is off.
  - O(state=absent) deletes the user, then the secret without a recovery window (the password opens nothing once the
    user is gone). With O(tags), a secret that does not carry them is someone else's; the module leaves it and the
    user of that name alone, with a warning.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  directory_id:
    description:
      - The ID of the AWS Managed Microsoft AD directory. Required with O(state=present); with O(state=absent) and no
        directory (it was deleted with its users), only the secret is deleted.
    type: str
  name:
    description:
      - The account's logon name (SAMAccountName), at most 20 characters.
    type: str
    required: true
  state:
    description:
      - Whether the account and its secret should exist.
    type: str
    choices: [present, absent]
    default: present
  secret_name:
    description:
      - The name of the Secrets Manager secret that keeps the password.
    type: str
    required: true
  secret_region:
    description:
      - The Region of the secret (for example the Region of the AD Connector that uses the account). Default O(region).
    type: str
  secret_description:
    description:
      - The description of the secret, used when the module creates it.
    type: str
  kms_key_id:
    description:
      - The KMS key that encrypts the secret, used when the module creates it. Default the account's C(aws/secretsmanager) key.
    type: str
  password_length:
    description:
      - The length of the passwords the module makes (14 to 64).
    type: int
    default: 32
  rotate:
    description:
      - Set a new password now (the module then reports a change every time).
    type: bool
    default: false
  manage_data_access:
    description:
      - Turn Directory Service Data access on when it is off, and wait for it (see M(multiregion.client_vpn.ds_data_access)).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for Directory Service Data access to be on.
    type: int
    default: 600
  tags:
    description:
      - The tags of the secret. With O(state=absent), the tags a secret must carry to be deleted.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove the secret's tags that O(tags) does not list.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A service account for the AD Connector in eu-west-1, its password kept in eu-west-1
  multiregion.client_vpn.ds_service_account:
    region: us-east-1
    directory_id: d-1234567890
    name: cvpn-eu-west-1
    secret_name: vpn.example.com/ad-connector
    secret_region: eu-west-1
    tags:
      multiregion:client_vpn: vpn.example.com

- name: The connector logs in as that account
  multiregion.client_vpn.ds_ad_connector:
    region: eu-west-1
    name: corp.example.com
    customer_user_name: cvpn-eu-west-1
    password_secret: vpn.example.com/ad-connector
    customer_dns_ips: "{{ replica.dns_ip_addrs }}"
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]

- name: Remove the account and its secret
  multiregion.client_vpn.ds_service_account:
    region: us-east-1
    directory_id: d-1234567890
    name: cvpn-eu-west-1
    secret_name: vpn.example.com/ad-connector
    secret_region: eu-west-1
    state: absent
"""

RETURN = r"""
user:
  description:
    - The account as C(DescribeUser) returns it, in snake_case, without any password. Empty when absent.
  returned: always
  type: dict
  contains:
    sid:
      description: The account's security identifier.
      type: str
      sample: S-1-5-21-1234567890-1234567890-1234567890-1105
    sam_account_name:
      description: The logon name.
      type: str
      sample: cvpn-eu-west-1
    enabled:
      description: Whether the account is enabled.
      type: bool
      sample: true
password_set:
  description: Whether this run set a new password in the directory (the password itself is never returned).
  returned: always
  type: bool
  sample: false
secret:
  description: Where the password is kept. Empty when absent.
  returned: always
  type: dict
  contains:
    arn:
      description: The secret's ARN.
      type: str
      sample: arn:aws:secretsmanager:eu-west-1:123456789012:secret:vpn.example.com/ad-connector-AbCdEf
    name:
      description: The secret's name.
      type: str
      sample: vpn.example.com/ad-connector
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_service_account import (
    run_service_account_module,
)

ARGUMENT_SPEC = dict(
    directory_id=dict(type="str"),
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    secret_name=dict(type="str", required=True),
    secret_region=dict(type="str", no_log=False),
    secret_description=dict(type="str", no_log=False),
    kms_key_id=dict(type="str"),
    password_length=dict(type="int", default=32, no_log=False),
    rotate=dict(type="bool", default=False),
    manage_data_access=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_service_account_module(module)


if __name__ == "__main__":
    main()
