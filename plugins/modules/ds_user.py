#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ds_user
short_description: Manage a user of an AWS Managed Microsoft AD directory
version_added: 0.1.0
description:
  - Creates, updates, disables and deletes a user of an AWS Managed Microsoft AD directory through the AWS Directory
    Service Data API (C(CreateUser), C(DescribeUser), C(UpdateUser), C(DisableUser), C(DeleteUser)). Its password is
    set with the Directory Service API (C(ResetUserPassword)).
  - The directory's Directory Service Data access must be enabled (M(multiregion.client_vpn.ds_data_access)); when
    it is not, the module fails with a message saying so. Call it in the directory's primary Region.
  - Directory Service Data writes only objects in the directory's own OU.
  - A new user gets its password from O(password), which enables it (AWS enables a user only through
    C(ResetUserPassword)). Without O(password) it is created disabled.
  - The attributes given (O(given_name), O(surname), O(email_address), O(other_attributes)) are set, those not given
    are left as they are; the module removes no attribute.
  - A password can never be read back, so it is not compared. With O(update_password=on_create) it is used when the
    user is created and when a disabled user is enabled; with O(update_password=always) it is set on every run,
    which reports a change every time.
  - Every write carries a client token made once per write, so that a write retried after a lost answer is carried
    out once. AWS answers from any domain controller, so a user just created may be missing from the next read for a
    while, which the module waits out (up to 60 seconds) instead of creating it again.
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
      - The user's logon name (C(SAMAccountName)), at most 20 characters. It cannot be changed.
      - Active Directory compares it case-insensitively.
    type: str
    required: true
    aliases: [sam_account_name]
  state:
    description:
      - Whether the user should exist.
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description:
      - Whether the user should be enabled. Not set, the user's current state is kept (a new user is enabled when
        O(password) is set).
      - V(false) disables the user with C(DisableUser).
      - V(true) enables a disabled user by setting O(password) (C(ResetUserPassword)), which is therefore required;
        the module fails before any change without it.
    type: bool
  given_name:
    description:
      - The first name (C(givenName)).
    type: str
  surname:
    description:
      - The last name (C(sn)).
    type: str
  email_address:
    description:
      - The email address (C(mail)).
    type: str
  other_attributes:
    description:
      - More LDAP attributes to set, by LDAP display name (case-insensitive), for example C(displayName) or
        C(telephoneNumber); see AWS's list of Directory Service Data attributes.
      - A boolean is sent as a boolean, an integer as a number, a list as a string set and anything else as a string.
      - Only the attributes listed are compared and set.
    type: dict
  password:
    description:
      - The user's password, set with C(ResetUserPassword); it must meet the directory's password policy.
      - Never returned nor logged. See O(update_password) for when it is used.
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the module creates the user or enables a disabled one.
      - V(always) sets it on every run. AWS cannot tell whether it is the current password, so the module then
        reports a change every run (and a user that stays disabled is disabled again after it, because setting a
        password enables the user).
    type: str
    choices: [on_create, always]
    default: on_create
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A VPN user, enabled with its first password
  multiregion.client_vpn.ds_user:
    directory_id: d-1234567890
    name: alice
    given_name: Alice
    surname: Liddell
    email_address: alice@example.com
    password: "{{ vault_alice_password }}"
    enabled: true

- name: A dedicated service account for an AD Connector (delegate its rights in the directory separately)
  multiregion.client_vpn.ds_user:
    directory_id: d-1234567890
    name: svc-adconnector
    other_attributes:
      description: Service account of the Client VPN AD Connectors
    password: "{{ vault_connector_password }}"
    enabled: true

- name: Disable a user who left
  multiregion.client_vpn.ds_user:
    directory_id: d-1234567890
    name: bob
    enabled: false

- name: Delete the user
  multiregion.client_vpn.ds_user:
    directory_id: d-1234567890
    name: bob
    state: absent
"""

RETURN = r"""
user:
  description:
    - The user, as C(DescribeUser) returns it, in snake_case, with what the module wrote over it (another domain
      controller may answer with an older copy for a short while). Never the password.
    - Empty when the user does not exist (O(state=absent), or creation in check mode).
  returned: always
  type: dict
  contains:
    sid:
      description: The user's security identifier.
      type: str
      sample: S-1-5-21-1234567890-1234567890-1234567890-1105
    sam_account_name:
      description: The logon name.
      type: str
      sample: alice
    user_principal_name:
      description: The user principal name.
      type: str
      sample: alice@CORP.EXAMPLE.COM
    distinguished_name:
      description: The distinguished name.
      type: str
      sample: CN=alice,OU=Users,OU=CORP,DC=corp,DC=example,DC=com
    enabled:
      description: Whether the user is enabled.
      type: bool
      sample: true
    given_name:
      description: The first name.
      type: str
      sample: Alice
    surname:
      description: The last name.
      type: str
      sample: Liddell
    email_address:
      description: The email address.
      type: str
      sample: alice@example.com
    other_attributes:
      description: The attributes of O(other_attributes), with their values as AWS returns them.
      type: dict
      sample: {"displayName": "Alice Liddell"}
    directory_id:
      description: The ID of the directory.
      type: str
      sample: d-1234567890
    realm:
      description: The domain of the user.
      type: str
      sample: corp.example.com
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import run_user_module

ARGUMENT_SPEC = dict(
    directory_id=dict(type="str", required=True),
    name=dict(type="str", required=True, aliases=["sam_account_name"]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    enabled=dict(type="bool"),
    given_name=dict(type="str"),
    surname=dict(type="str"),
    email_address=dict(type="str"),
    other_attributes=dict(type="dict"),
    password=dict(type="str", no_log=True),
    update_password=dict(type="str", choices=["on_create", "always"], default="on_create", no_log=False),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_user_module(module)


if __name__ == "__main__":
    main()
