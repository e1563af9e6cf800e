#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ds_region
short_description: Add and remove a replicated Region of an AWS Managed Microsoft AD directory
version_added: 0.1.0
description:
  - Adds or removes one additional (replicated) Region of an AWS Managed Microsoft AD directory (multi-Region replication).
  - The module talks to the directory's B(primary) Region, given by the usual O(region) option; the Region to replicate
    into is O(replica_region). Do not confuse the two.
  - Adding is done with C(AddRegion) in the primary Region. Removing is done with C(RemoveRegion), which AWS requires to be
    called in the Region being removed; the module creates that client itself.
  - Before calling C(AddRegion) the module refuses clearly when the directory is not of the C(Enterprise) edition, when
    O(replica_region) is the primary Region, or when the directory is not C(Active) yet. In that last case, with
    O(wait_for_directory=true) it first waits (within O(wait_timeout)) for the directory to be C(Active); otherwise it
    fails.
  - The number of domain controllers of the replicated Region is changed in place with C(UpdateNumberOfDomainControllers)
    (called in O(replica_region)). The VPC and the subnets of a replicated Region cannot be changed; a difference is an
    error naming the fields; remove the Region and add it again to move it.
  - Returns the status of the Region and the addresses of its domain controllers (C(DescribeDomainControllers) called in
    O(replica_region)), which is what an AD Connector in that Region points at. They appear there only some time after
    C(AddRegion). With O(wait=true) the module waits until they are listed and C(Active); with O(wait=false) a Region
    that is not C(Active) yet returns none.
  - AWS may refuse C(AddRegion) while another Region is being added to the directory
    (C(DirectoryUnavailableException)); the module then waits and tries again within O(wait_timeout), also with
    O(wait=false). A Region missing from C(DescribeRegions) right after it was added (eventual consistency) is found
    by C(AddRegion) answering C(DirectoryAlreadyInRegionException), which the module takes as "already added".
  - A C(Standard) edition directory is refused with the module's own message before any Region call (AWS answers
    C(DescribeRegions) for it with C(UnsupportedOperationException)).
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  state:
    description:
      - Whether the directory should be replicated into O(replica_region).
    type: str
    choices: [present, absent]
    default: present
  directory_id:
    description:
      - The ID of the directory.
      - Exactly one of O(directory_id) and O(directory_name) is required.
    type: str
  directory_name:
    description:
      - The name (FQDN) of the C(MicrosoftAD) directory, looked up in the primary Region (O(region)).
    type: str
  replica_region:
    description:
      - The Region to replicate the directory into (or to remove), for example V(us-west-2).
      - Not the Region the module talks to, which is O(region), the directory's primary Region.
    type: str
    required: true
  vpc_id:
    description:
      - The VPC in O(replica_region) for the domain controllers. Required to add the Region; fixed afterwards.
    type: str
  subnet_ids:
    description:
      - Two subnets of O(vpc_id) in different Availability Zones. Required to add the Region; fixed afterwards.
    type: list
    elements: str
  desired_number_of_domain_controllers:
    description:
      - How many domain controllers the directory has in O(replica_region) (at least 2; AWS adds a Region with 2).
      - When omitted, the number is left as it is.
      - With O(wait=false), a number other than 2 for a Region being added is applied by a later run, once the Region
        is C(Active).
    type: int
  wait:
    description:
      - Wait for the Region to be C(Active) (O(state=present)) or removed (O(state=absent)).
    type: bool
    default: true
  wait_for_directory:
    description:
      - Before adding the Region, wait for the directory to be C(Active) (C(AddRegion) needs it).
      - Defaults to O(wait). O(wait=false) with O(wait_for_directory=true) starts the replication as soon as the
        directory is C(Active) and returns without waiting for the Region, which takes longer still; a later task
        with O(wait=true) waits for it (see the examples).
    type: bool
    version_added: 0.1.0
  wait_timeout:
    description:
      - How many seconds to wait. Adding a Region takes about as long as creating a directory, or longer.
      - The module polls 1 second apart at first, then 5% of the time already waited apart (at most 30 seconds).
    type: int
    default: 10800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Replicate the directory from us-east-1 into us-west-2
  multiregion.client_vpn.ds_region:
    region: us-east-1
    directory_name: corp.example.com
    replica_region: us-west-2
    vpc_id: vpc-0123456789abcdef0
    subnet_ids:
      - subnet-0123456789abcdef0
      - subnet-0fedcba9876543210
  register: replica

- name: Point an AD Connector in us-west-2 at the replicated domain controllers
  multiregion.client_vpn.ds_ad_connector:
    region: us-west-2
    name: corp.example.com
    short_name: CORP
    password: "{{ vault_connector_password }}"
    customer_user_name: svc-connector
    customer_dns_ips: "{{ replica.dns_ip_addrs }}"
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]

- name: Start replicating into eu-west-1 as soon as the new directory is Active, without waiting for the Region
  multiregion.client_vpn.ds_region:
    region: us-east-1
    directory_name: corp.example.com
    replica_region: eu-west-1
    vpc_id: vpc-0aaaaaaaaaaaaaaaa
    subnet_ids: [subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb]
    wait: false
    wait_for_directory: true

# ... other work while AWS replicates the directory ...

- name: Wait for eu-west-1 to be Active (nothing is changed when it was added above)
  multiregion.client_vpn.ds_region:
    region: us-east-1
    directory_name: corp.example.com
    replica_region: eu-west-1
    vpc_id: vpc-0aaaaaaaaaaaaaaaa
    subnet_ids: [subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb]

- name: Run three domain controllers in us-west-2
  multiregion.client_vpn.ds_region:
    region: us-east-1
    directory_id: d-1234567890
    replica_region: us-west-2
    desired_number_of_domain_controllers: 3

- name: Stop replicating into us-west-2
  multiregion.client_vpn.ds_region:
    region: us-east-1
    directory_id: d-1234567890
    replica_region: us-west-2
    state: absent
"""

RETURN = r"""
directory_id:
  description: The ID of the directory (empty when O(directory_name) matched nothing and O(state=absent)).
  returned: always
  type: str
  sample: d-1234567890
directory_region:
  description:
    - The replicated Region as returned by C(DescribeRegions), in snake_case.
    - Empty when the Region is not replicated (O(state=absent), or being added in check mode).
  returned: always
  type: dict
  contains:
    directory_id:
      description: The ID of the directory.
      type: str
    region_name:
      description: The replicated Region.
      type: str
      sample: us-west-2
    region_type:
      description: V(Additional) for a replicated Region.
      type: str
      sample: Additional
    status:
      description: The status of the Region (C(Creating), C(Active), C(Updating), C(Failed), ...).
      type: str
      sample: Active
    vpc_settings:
      description: The VPC and subnets in that Region.
      type: dict
      contains:
        vpc_id:
          description: The VPC ID.
          type: str
        subnet_ids:
          description: The subnet IDs.
          type: list
          elements: str
    desired_number_of_domain_controllers:
      description: The desired number of domain controllers in that Region.
      type: int
      sample: 2
    launch_time:
      description: When the Region was added (ISO 8601).
      type: str
    status_last_updated_date_time:
      description: When the status last changed (ISO 8601).
      type: str
    last_updated_date_time:
      description: When the Region was last updated (ISO 8601).
      type: str
domain_controllers:
  description: The domain controllers of the directory in O(replica_region) (C(DescribeDomainControllers) there).
  returned: always
  type: list
  elements: dict
  contains:
    domain_controller_id:
      description: The ID of the domain controller.
      type: str
      sample: dc-1234567890
    dns_ip_addr:
      description: The IP address of the domain controller.
      type: str
      sample: 10.1.1.10
    vpc_id:
      description: The VPC.
      type: str
    subnet_id:
      description: The subnet.
      type: str
    availability_zone:
      description: The Availability Zone.
      type: str
    status:
      description: The status of the domain controller.
      type: str
      sample: Active
    status_reason:
      description: Why the domain controller is in this status.
      type: str
dns_ip_addrs:
  description:
    - The IP addresses of the domain controllers in O(replica_region).
    - Ready for O(multiregion.client_vpn.ds_ad_connector#module:customer_dns_ips) of an AD Connector in that Region.
  returned: always
  type: list
  elements: str
  sample: ["10.1.1.10", "10.1.2.10"]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_region import run_region_module

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    directory_id=dict(type="str"),
    directory_name=dict(type="str"),
    replica_region=dict(type="str", required=True),
    vpc_id=dict(type="str"),
    subnet_ids=dict(type="list", elements="str"),
    desired_number_of_domain_controllers=dict(type="int"),
    wait=dict(type="bool", default=True),
    wait_for_directory=dict(type="bool"),
    wait_timeout=dict(type="int", default=10800),
)


def main():
    module = AnsibleAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[["directory_id", "directory_name"]],
        required_one_of=[["directory_id", "directory_name"]],
    )
    run_region_module(module)


if __name__ == "__main__":
    main()
