#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ds_directory_info
short_description: List AWS Directory Service directories, their Regions and domain controllers
version_added: 0.1.0
description:
  - Lists the directories of a Region (C(DescribeDirectories)), optionally filtered by ID, name and type.
  - Optionally adds, for each AWS Managed Microsoft AD directory, its Regions (C(DescribeRegions)) and the domain
    controllers of each Region (C(DescribeDomainControllers), called in that Region).
  - Makes no change.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  directory_ids:
    description:
      - Only these directories. A directory ID that does not exist is an error from AWS.
    type: list
    elements: str
  names:
    description:
      - Only directories with one of these names (FQDN, compared case-insensitively).
    type: list
    elements: str
  type:
    description:
      - Only directories of this type.
    type: str
    choices: [SimpleAD, ADConnector, MicrosoftAD, SharedMicrosoftAD]
  include_regions:
    description:
      - Add the Regions of each C(MicrosoftAD) directory as RV(directories[].regions).
    type: bool
    default: false
  include_domain_controllers:
    description:
      - Add the domain controllers of each C(MicrosoftAD) directory as RV(directories[].domain_controllers) (primary Region)
        and, with O(include_regions=true), as RV(directories[].regions[].domain_controllers) for every Region.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: All directories of us-east-1
  multiregion.client_vpn.ds_directory_info:
    region: us-east-1
  register: all_directories

- name: One directory with its Regions and the domain controllers of each Region
  multiregion.client_vpn.ds_directory_info:
    region: us-east-1
    names: [corp.example.com]
    type: MicrosoftAD
    include_regions: true
    include_domain_controllers: true
  register: corp

- name: The DNS addresses of the domain controllers in us-west-2
  ansible.builtin.debug:
    msg: "{{ (corp.directories[0].regions | selectattr('region_name', 'equalto', 'us-west-2') | first).domain_controllers | map(attribute='dns_ip_addr') }}"
"""

RETURN = r"""
directories:
  description: The matching directories (C(DescribeDirectories) entries in snake_case); V([]) when nothing matches.
  returned: always
  type: list
  elements: dict
  contains:
    directory_id:
      description: The ID of the directory.
      type: str
      sample: d-1234567890
    name:
      description: The FQDN of the directory.
      type: str
      sample: corp.example.com
    short_name:
      description: The NetBIOS name.
      type: str
    type:
      description: The directory type.
      type: str
      sample: MicrosoftAD
    edition:
      description: The edition (Microsoft AD).
      type: str
    size:
      description: The size (AD Connector, Simple AD).
      type: str
    stage:
      description: The stage.
      type: str
      sample: Active
    stage_reason:
      description: Why the directory is in this stage.
      type: str
    dns_ip_addrs:
      description: The DNS addresses of the directory.
      type: list
      elements: str
    vpc_settings:
      description: The VPC settings (Microsoft AD, Simple AD).
      type: dict
    connect_settings:
      description: The connection settings (AD Connector).
      type: dict
    regions_info:
      description: The primary and additional Regions (Microsoft AD).
      type: dict
    tags:
      description: The tags of the directory.
      type: dict
    regions:
      description: The Regions of the directory (C(DescribeRegions) in snake_case).
      returned: when O(include_regions=true) and the directory is a C(MicrosoftAD)
      type: list
      elements: dict
      contains:
        region_name:
          description: The Region.
          type: str
        region_type:
          description: V(Primary) or V(Additional).
          type: str
        status:
          description: The status of the Region.
          type: str
        vpc_settings:
          description: The VPC and subnets in that Region.
          type: dict
        desired_number_of_domain_controllers:
          description: The desired number of domain controllers there.
          type: int
        domain_controllers:
          description: The domain controllers of that Region.
          returned: when O(include_domain_controllers=true)
          type: list
          elements: dict
    domain_controllers:
      description: The domain controllers of the directory in the Region queried.
      returned: when O(include_domain_controllers=true) and the directory is a C(MicrosoftAD)
      type: list
      elements: dict
      contains:
        domain_controller_id:
          description: The ID of the domain controller.
          type: str
        dns_ip_addr:
          description: Its IP address.
          type: str
        subnet_id:
          description: Its subnet.
          type: str
        availability_zone:
          description: Its Availability Zone.
          type: str
        status:
          description: Its status.
          type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_directory_info import run_directory_info_module

ARGUMENT_SPEC = dict(
    directory_ids=dict(type="list", elements="str"),
    names=dict(type="list", elements="str"),
    type=dict(type="str", choices=["SimpleAD", "ADConnector", "MicrosoftAD", "SharedMicrosoftAD"]),
    include_regions=dict(type="bool", default=False),
    include_domain_controllers=dict(type="bool", default=False),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_directory_info_module(module)


if __name__ == "__main__":
    main()
