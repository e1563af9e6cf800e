#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ds_group
short_description: Manage a group of an AWS Managed Microsoft AD directory and its members
version_added: 0.1.0
description:
  - Creates, updates and deletes a group of an AWS Managed Microsoft AD directory, and adds or removes its members,
    through the AWS Directory Service Data API (C(CreateGroup), C(DescribeGroup), C(UpdateGroup), C(DeleteGroup),
    C(ListGroupMembers), C(AddGroupMember), C(RemoveGroupMember)).
  - The directory's Directory Service Data access must be enabled (M(multiregion.client_vpn.ds_data_access)); when
    it is not, the module fails with a message saying so. Call it in the directory's primary Region.
  - The returned C(sid) is what a Client VPN authorization rule for the group needs (C(AccessGroupId)).
  - The type and the scope of an existing group are changed in place (C(UpdateGroup)). Active Directory converts
    C(Global) and C(DomainLocal) groups into each other only through C(Universal), so the module sets C(Universal)
    first; it refuses any conversion to or from C(BuiltinLocal). Active Directory may still refuse a conversion
    because of the group's members or memberships; the module then fails with its answer.
  - Every write carries a client token made once per write, so that a write retried after a lost answer is carried
    out once. A group just created may be missing from the next read for a while (AWS answers from any domain
    controller), which the module waits out (up to 60 seconds) instead of creating it again.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  directory_id:
    description:
      - The ID of the AWS Managed Microsoft AD directory.
    type: str
    required: true
  name:
    description:
      - The group's name (C(SAMAccountName)). It cannot be changed.
      - Active Directory compares it case-insensitively.
    type: str
    required: true
    aliases: [sam_account_name]
  state:
    description:
      - Whether the group should exist.
    type: str
    choices: [present, absent]
    default: present
  group_type:
    description:
      - The group type. A new group is a V(Security) group unless told otherwise.
      - Not set, the type of an existing group is kept; set, it is changed in place.
    type: str
    choices: [Security, Distribution]
  group_scope:
    description:
      - The group scope. A new group is a V(Global) group unless told otherwise.
      - Not set, the scope of an existing group is kept; set, it is changed in place (see the description for the
        conversions Active Directory allows).
    type: str
    choices: [Global, DomainLocal, Universal, BuiltinLocal]
  description:
    description:
      - The group's description (its C(description) LDAP attribute, sent in C(OtherAttributes)).
      - Not set, the description is left as it is.
    type: str
  members:
    description:
      - The SAMAccountNames of users, groups or computers that should be members, compared case-insensitively.
      - Not set, the members are not managed.
      - Members missing from the group are added; with O(purge_members=true) members not listed are removed.
    type: list
    elements: str
  purge_members:
    description:
      - Remove the members that O(members) does not list. Ignored when O(members) is not set.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The group whose members may reach the production VPCs
  multiregion.client_vpn.ds_group:
    directory_id: d-1234567890
    name: vpn-production
    description: Client VPN access to the production VPCs
    members: [alice, bob]
  register: vpn_group

- name: Authorize the group on the endpoint
  multiregion.client_vpn.ec2_client_vpn_authorization_rule:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    rules:
      - destination_cidr: 10.0.0.0/16
        access_group_id: "{{ vpn_group.group.sid }}"
        description: Production VPC, vpn-production only

- name: Exactly these members, nobody else
  multiregion.client_vpn.ds_group:
    directory_id: d-1234567890
    name: vpn-production
    members: [alice]
    purge_members: true

- name: Delete the group
  multiregion.client_vpn.ds_group:
    directory_id: d-1234567890
    name: vpn-production
    state: absent
"""

RETURN = r"""
group:
  description:
    - The group, as C(DescribeGroup) returns it, in snake_case, with its members and what the module wrote over it
      (another domain controller may answer with an older copy for a short while).
    - Empty when the group does not exist (O(state=absent), or creation in check mode).
  returned: always
  type: dict
  contains:
    sid:
      description: The group's security identifier, the C(AccessGroupId) of a Client VPN authorization rule.
      type: str
      sample: S-1-5-21-1234567890-1234567890-1234567890-1110
    sam_account_name:
      description: The group's name.
      type: str
      sample: vpn-production
    distinguished_name:
      description: The distinguished name.
      type: str
      sample: CN=vpn-production,OU=Users,OU=CORP,DC=corp,DC=example,DC=com
    group_type:
      description: The group type.
      type: str
      sample: Security
    group_scope:
      description: The group scope.
      type: str
      sample: Global
    description:
      description: The description, null when the group has none.
      type: str
      sample: Client VPN access to the production VPCs
    members:
      description:
        - The SAMAccountNames of the members, sorted. After the module added or removed members, the list it made
          (C(ListGroupMembers) may show an older one for a short while).
      type: list
      elements: str
      sample: ["alice", "bob"]
    other_attributes:
      description: Other attributes AWS returned.
      type: dict
    directory_id:
      description: The ID of the directory.
      type: str
      sample: d-1234567890
    realm:
      description: The domain of the group.
      type: str
      sample: corp.example.com
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import run_group_module

ARGUMENT_SPEC = dict(
    directory_id=dict(type="str", required=True),
    name=dict(type="str", required=True, aliases=["sam_account_name"]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    group_type=dict(type="str", choices=["Security", "Distribution"]),
    group_scope=dict(type="str", choices=["Global", "DomainLocal", "Universal", "BuiltinLocal"]),
    description=dict(type="str"),
    members=dict(type="list", elements="str"),
    purge_members=dict(type="bool", default=False),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_group_module(module)


if __name__ == "__main__":
    main()
