#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ds_data_access
short_description: Turn Directory Service Data access on or off for an AWS Managed Microsoft AD directory
version_added: 0.1.0
description:
  - Enables or disables the access to a directory's users and groups through the AWS Directory Service Data API
    (C(EnableDirectoryDataAccess), C(DisableDirectoryDataAccess)), which M(multiregion.client_vpn.ds_user),
    M(multiregion.client_vpn.ds_group) and M(multiregion.client_vpn.ds_data_info) need.
  - Only AWS Managed Microsoft AD directories have it, and only from their primary Region (the O(region) option);
    for an AD Connector or another Region the module fails with a message saying so.
  - The status is read with C(DescribeDirectoryDataAccess). A status already on its way to O(state) (C(Enabling)
    for V(enabled)) is no change. With O(wait=true) the module waits until the status is C(Enabled) or C(Disabled);
    a C(Failed) status ends the wait with an error.
  - When the opposite change is under way (C(Disabling) while O(state=enabled)), the module waits for it to end
    before making its own with O(wait=true), and fails with O(wait=false).
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  directory_id:
    description:
      - The ID of the AWS Managed Microsoft AD directory, for example V(d-1234567890).
    type: str
    required: true
  state:
    description:
      - Whether the Directory Service Data access should be on (V(enabled)) or off (V(disabled)).
    type: str
    choices: [enabled, disabled]
    default: enabled
  wait:
    description:
      - Wait until the status is C(Enabled) (O(state=enabled)) or C(Disabled) (O(state=disabled)).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait.
      - The module polls 1 second apart at first, then 5% of the time already waited apart (at most 30 seconds).
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let ds_user, ds_group and ds_data_info manage the directory's users and groups
  multiregion.client_vpn.ds_data_access:
    directory_id: "{{ directory.directory.directory_id }}"
    state: enabled

- name: Turn the access off again, without waiting
  multiregion.client_vpn.ds_data_access:
    directory_id: d-1234567890
    state: disabled
    wait: false
"""

RETURN = r"""
data_access_status:
  description:
    - The Directory Service Data access status after the module ran, as C(DescribeDirectoryDataAccess) reports it.
    - With O(wait=false), C(Enabling) or C(Disabling) while AWS works; in check mode, the status asked for.
  returned: always
  type: str
  sample: Enabled
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import run_data_access_module

ARGUMENT_SPEC = dict(
    directory_id=dict(type="str", required=True),
    state=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_data_access_module(module)


if __name__ == "__main__":
    main()
