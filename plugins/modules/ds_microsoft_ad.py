#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ds_microsoft_ad
short_description: Create and delete AWS Managed Microsoft AD directories
version_added: 0.1.0
description:
  - Creates or deletes an AWS Directory Service for Microsoft Active Directory (AWS Managed Microsoft AD) directory.
  - The directory is found by its name (the FQDN) among the C(MicrosoftAD) directories of the Region, and by
    O(vpc_id) too when several directories share that name, so running the module again never creates a second directory.
  - Creation takes 20 to 45 minutes on AWS. With O(wait=true) the module waits for the directory to be C(Active);
    a directory that ends C(Failed) is an error carrying the reason AWS gives.
  - AWS has no API to change the edition, the short name, the description, the network type, the VPC or the subnets of an
    existing directory. When one of them differs from the existing directory the module fails and names the fields
    instead of silently ignoring them. Only tags are updated in place.
  - The admin password cannot be compared (AWS never returns it), so it is only used at creation and never reported
    as a change. Resetting the password of an existing directory (C(ResetUserPassword)) is out of scope of this module.
  - Replicating the directory to other Regions is done with M(multiregion.client_vpn.ds_region).
  - C(CreateMicrosoftAD) has no idempotency token, so a failed create is never simply repeated. After a server error
    or a lost answer the module looks for the directory by name, VPC and O(tags) for up to 2 minutes (a new directory
    may be missing from C(DescribeDirectories) for a while) and only creates again when none appeared.
  - Deleting retries for up to 10 minutes (at most O(wait_timeout)) while AWS answers that the directory still has
    authorized applications, as it does for a while after a Client VPN endpoint that used it was deleted.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  state:
    description:
      - Whether the directory should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The fully qualified domain name of the directory, for example V(corp.example.com).
      - Used to find the directory.
    type: str
    required: true
  short_name:
    description:
      - The NetBIOS name of the directory, for example V(CORP).
      - Fixed at creation. Compared case-insensitively.
    type: str
  password:
    description:
      - The password of the C(Admin) user of the directory.
      - Required to create the directory; ignored (and never compared) when the directory exists.
      - AWS requires 8 to 64 characters from 3 of the 4 categories lowercase, uppercase, digits and symbols, and
        the password may not contain the word C(admin). The module checks this before calling AWS.
    type: str
  edition:
    description:
      - The edition of the directory. Replication to other Regions needs V(Enterprise).
      - Fixed at creation.
    type: str
    choices: [Enterprise, Standard]
    default: Enterprise
  description:
    description:
      - A description of the directory (at most 128 characters).
      - Fixed at creation (AWS has no API to change it).
    type: str
  vpc_id:
    description:
      - The VPC of the directory. Required to create it.
      - Fixed at creation. Also used to choose between several directories with the same name.
    type: str
  subnet_ids:
    description:
      - The two subnets (in two different Availability Zones of O(vpc_id)) where AWS places the domain controllers.
      - Required to create the directory. Fixed at creation; the order does not matter.
    type: list
    elements: str
  network_type:
    description:
      - The IP address type of the directory.
      - Fixed at creation. Not compared when AWS does not report it.
    type: str
    choices: [Dual-stack, IPv4, IPv6]
  wait:
    description:
      - Wait for the directory to be C(Active) (O(state=present)) or gone (O(state=absent)).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait. AWS takes 20 to 45 minutes to create a directory.
      - The module polls 1 second apart at first, then 5% of the time already waited apart (at most 30 seconds).
    type: int
    default: 3600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Create an Enterprise edition directory and wait until it is Active
  multiregion.client_vpn.ds_microsoft_ad:
    name: corp.example.com
    short_name: CORP
    password: "{{ vault_directory_admin_password }}"
    vpc_id: vpc-0123456789abcdef0
    subnet_ids:
      - subnet-0123456789abcdef0
      - subnet-0fedcba9876543210
    tags:
      Project: client-vpn
  register: directory

- name: Start the creation without waiting (check later with ds_directory_info or by re-running with wait)
  multiregion.client_vpn.ds_microsoft_ad:
    name: corp.example.com
    password: "{{ vault_directory_admin_password }}"
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
    wait: false

- name: Delete the directory
  multiregion.client_vpn.ds_microsoft_ad:
    name: corp.example.com
    state: absent
"""

RETURN = r"""
directory:
  description:
    - The directory, as returned by C(DescribeDirectories), in snake_case, with its tags.
    - Empty when the directory does not exist (O(state=absent), or creation in check mode).
  returned: always
  type: dict
  contains:
    directory_id:
      description: The ID of the directory.
      type: str
      sample: d-1234567890
    name:
      description: The fully qualified domain name of the directory.
      type: str
      sample: corp.example.com
    short_name:
      description: The NetBIOS name.
      type: str
      sample: CORP
    type:
      description: The directory type.
      type: str
      sample: MicrosoftAD
    edition:
      description: The edition.
      type: str
      sample: Enterprise
    description:
      description: The description.
      type: str
    stage:
      description: The stage of the directory (C(Creating), C(Active), C(Failed), ...).
      type: str
      sample: Active
    stage_reason:
      description: Why the directory is in this stage, when AWS says.
      type: str
    dns_ip_addrs:
      description: The addresses of the domain controllers in the primary Region.
      type: list
      elements: str
      sample: ["10.0.1.10", "10.0.2.10"]
    access_url:
      description: The access URL of the directory.
      type: str
    alias:
      description: The alias of the directory.
      type: str
    vpc_settings:
      description: The VPC, subnets, security group and Availability Zones of the directory.
      type: dict
      contains:
        vpc_id:
          description: The VPC ID.
          type: str
        subnet_ids:
          description: The subnet IDs.
          type: list
          elements: str
        security_group_id:
          description: The security group AWS created for the domain controllers.
          type: str
        availability_zones:
          description: The Availability Zones.
          type: list
          elements: str
    regions_info:
      description: The primary Region and the additional (replicated) Regions.
      type: dict
      contains:
        primary_region:
          description: The primary Region.
          type: str
        additional_regions:
          description: The replicated Regions.
          type: list
          elements: str
    desired_number_of_domain_controllers:
      description: The desired number of domain controllers in the primary Region.
      type: int
    launch_time:
      description: When the directory was created (ISO 8601).
      type: str
    stage_last_updated_date_time:
      description: When the stage last changed (ISO 8601).
      type: str
    sso_enabled:
      description: Whether single sign-on is enabled.
      type: bool
    network_type:
      description: The IP address type.
      type: str
    tags:
      description: The tags of the directory.
      type: dict
      sample: {"Project": "client-vpn"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_directory_module import MICROSOFT_AD
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_directory_module import run_directory_module

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    name=dict(type="str", required=True),
    short_name=dict(type="str"),
    password=dict(type="str", no_log=True),
    edition=dict(type="str", choices=["Enterprise", "Standard"], default="Enterprise"),
    description=dict(type="str"),
    vpc_id=dict(type="str"),
    subnet_ids=dict(type="list", elements="str"),
    network_type=dict(type="str", choices=["Dual-stack", "IPv4", "IPv6"]),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=3600),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_directory_module(module, MICROSOFT_AD)


if __name__ == "__main__":
    main()
