#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ds_data_info
short_description: Read users and groups of an AWS Managed Microsoft AD directory, with their SIDs
version_added: 0.1.0
description:
  - Reads users and groups of an AWS Managed Microsoft AD directory through the AWS Directory Service Data API,
    the ones named in O(users) and O(groups) (C(DescribeUser), C(DescribeGroup)), or every user and group when
    neither is given (C(ListUsers), C(ListGroups), all pages).
  - Each one comes with its SID; a group's SID is what a Client VPN authorization rule for the group needs
    (C(AccessGroupId)). Groups come with their members (C(ListGroupMembers)) unless O(include_members=false).
  - A name that does not exist is no error, it is listed in RV(missing), so that a preflight can name every
    missing user and group at once; with O(wait=true) the module waits for it instead.
  - The directory's Directory Service Data access must be enabled (M(multiregion.client_vpn.ds_data_access)); when
    it is not, the module fails with a message saying so. Call it in the directory's primary Region.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  directory_id:
    description:
      - The ID of the AWS Managed Microsoft AD directory.
    type: str
    required: true
  users:
    description:
      - The SAMAccountNames of the users to read.
      - When neither O(users) nor O(groups) is set, every user and every group is read.
    type: list
    elements: str
  groups:
    description:
      - The SAMAccountNames of the groups to read.
      - When neither O(users) nor O(groups) is set, every user and every group is read.
    type: list
    elements: str
  include_members:
    description:
      - Read the members of each group (one C(ListGroupMembers) per group).
    type: bool
    default: true
  wait:
    description:
      - Wait until every user and group named in O(users) and O(groups) exists and the directory's Directory
        Service Data access is enabled, for example for groups that another host is creating at the same time (a
        new object may also take a while to be seen by every domain controller).
      - Only the names still missing are read again. The module fails when O(wait_timeout) passes first.
      - Ignored when neither O(users) nor O(groups) is set.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait=true).
      - The module polls 1 second apart at first, then 5% of the time already waited apart (at most 30 seconds).
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The SIDs of the groups the authorization rules name
  multiregion.client_vpn.ds_data_info:
    directory_id: d-1234567890
    groups: [vpn-production, vpn-admins]
  register: directory_data

- name: Stop when a group is missing
  ansible.builtin.assert:
    that: directory_data.missing | length == 0
    fail_msg: "Missing in the directory: {{ directory_data.missing | map(attribute='name') | join(', ') }}"

- name: The SIDs of groups the Home Region is creating, once they exist
  multiregion.client_vpn.ds_data_info:
    region: us-east-1
    directory_id: d-1234567890
    groups: [vpn-finance]
    include_members: false
    wait: true
    wait_timeout: 1800
  register: new_groups

- name: Every user and group, without members
  multiregion.client_vpn.ds_data_info:
    directory_id: d-1234567890
    include_members: false
"""

RETURN = r"""
users:
  description:
    - The users, in snake_case. A named user as C(DescribeUser) returns it; when every user is listed, the summary
      C(ListUsers) gives (C(sid), C(sam_account_name), C(enabled), C(given_name), C(surname)).
  returned: always
  type: list
  elements: dict
  contains:
    sid:
      description: The user's security identifier.
      type: str
      sample: S-1-5-21-1234567890-1234567890-1234567890-1105
    sam_account_name:
      description: The logon name.
      type: str
      sample: alice
    enabled:
      description: Whether the user is enabled.
      type: bool
    given_name:
      description: The first name.
      type: str
    surname:
      description: The last name.
      type: str
    user_principal_name:
      description: The user principal name (named users only).
      type: str
    distinguished_name:
      description: The distinguished name (named users only).
      type: str
    email_address:
      description: The email address (named users only).
      type: str
    other_attributes:
      description: Other attributes AWS returned.
      type: dict
groups:
  description:
    - The groups, in snake_case. A named group as C(DescribeGroup) returns it; when every group is listed, the
      summary C(ListGroups) gives (C(sid), C(sam_account_name), C(group_type), C(group_scope)).
  returned: always
  type: list
  elements: dict
  contains:
    sid:
      description: The group's security identifier, the C(AccessGroupId) of a Client VPN authorization rule.
      type: str
      sample: S-1-5-21-1234567890-1234567890-1234567890-1110
    sam_account_name:
      description: The group's name.
      type: str
      sample: vpn-production
    group_type:
      description: The group type.
      type: str
      sample: Security
    group_scope:
      description: The group scope.
      type: str
      sample: Global
    description:
      description: The description (named groups only), null when there is none.
      type: str
    distinguished_name:
      description: The distinguished name (named groups only).
      type: str
    members:
      description: The SAMAccountNames of the members, sorted (unless O(include_members=false)).
      type: list
      elements: str
      sample: ["alice", "bob"]
    other_attributes:
      description: Other attributes AWS returned.
      type: dict
missing:
  description: The names of O(users) and O(groups) that do not exist in the directory (V([]) with O(wait=true)).
  returned: always
  type: list
  elements: dict
  contains:
    type:
      description: V(user) or V(group).
      type: str
      sample: group
    name:
      description: The name as given.
      type: str
      sample: vpn-admins
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import run_info_module

ARGUMENT_SPEC = dict(
    directory_id=dict(type="str", required=True),
    users=dict(type="list", elements="str"),
    groups=dict(type="list", elements="str"),
    include_members=dict(type="bool", default=True),
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=600),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_info_module(module)


if __name__ == "__main__":
    main()
