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

try:
    import botocore  # pylint: disable=unused-import
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import FAILED_STAGES
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import AnsibleDSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import add_region_when_free
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import describe_directories
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import describe_directory
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import describe_domain_controllers
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import describe_listed_domain_controllers
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import describe_regions
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import immutable_error
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import normalize_domain_controllers
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import normalize_region
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import normalize_subnets
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import remove_region
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import select_directory
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import until_listed
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import update_number_of_domain_controllers
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import wait_for_directory
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import wait_for_domain_controllers
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import wait_for_region
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module

DEFAULT_DOMAIN_CONTROLLERS = 2


def resolve_directory(client, params):
    """The directory (DescribeDirectories entry) named by directory_id or directory_name, or None."""
    if params.get("directory_id"):
        return describe_directory(client, params["directory_id"])
    return select_directory(describe_directories(client), params["directory_name"], "MicrosoftAD")


def directory_label(params):
    return params.get("directory_id") or params.get("directory_name")


def primary_region_of(directory, client_region):
    return ((directory.get("RegionsInfo") or {}).get("PrimaryRegion")) or client_region


def check_primary(directory, params, client_region):
    """The module must talk to the primary Region, and replica_region must be another one."""
    primary = primary_region_of(directory, client_region)
    if client_region and primary != client_region:
        raise AnsibleDSError(
            message=(
                f"Directory {directory['DirectoryId']} has its primary Region in {primary}: set region to {primary}"
                f" (region is the primary Region the module talks to; replica_region is the Region to replicate into)."
            )
        )
    if params["replica_region"] == primary:
        raise AnsibleDSError(
            message=(
                f"replica_region {params['replica_region']} is the primary Region of directory {directory['DirectoryId']}:"
                " the primary Region cannot be added or removed as a replica (ds_microsoft_ad manages the directory itself)."
            )
        )
    return primary


def find_region(regions, region_name):
    for region in regions:
        if region.get("RegionName") == region_name:
            return region
    return None


def edition_preconditions(directory):
    """Why the directory cannot have replica Regions at all (list of messages): only Enterprise Managed AD can."""
    directory_id = directory["DirectoryId"]
    if directory.get("Type") != "MicrosoftAD":
        return [
            f"directory {directory_id} is of type {directory.get('Type')}; only AWS Managed Microsoft AD can be replicated"
        ]
    if directory.get("Edition") != "Enterprise":
        return [
            f"directory {directory_id} is of the {directory.get('Edition')} edition; multi-Region replication needs the Enterprise edition"
        ]
    return []


def add_preconditions(directory, params):
    """Reasons AddRegion would be refused, checked before calling it (list of messages)."""
    problems = edition_preconditions(directory)
    missing = [name for name in ("vpc_id", "subnet_ids") if not params.get(name)]
    if missing:
        problems.append(f"to add Region {params['replica_region']} also set: {', '.join(missing)}")
    elif len(set(params["subnet_ids"])) != 2:
        problems.append(
            f"subnet_ids must list exactly 2 subnets in different Availability Zones (got {len(set(params['subnet_ids']))})"
        )
    return problems


def region_immutable_differences(region, params):
    diffs = []
    settings = region.get("VpcSettings") or {}
    if params.get("vpc_id") and settings.get("VpcId") != params["vpc_id"]:
        diffs.append(("vpc_id", settings.get("VpcId"), params["vpc_id"]))
    if params.get("subnet_ids") and normalize_subnets(settings.get("SubnetIds")) != normalize_subnets(
        params["subnet_ids"]
    ):
        diffs.append(
            ("subnet_ids", normalize_subnets(settings.get("SubnetIds")), normalize_subnets(params["subnet_ids"]))
        )
    return diffs


def replica_controllers(replica_client, directory_id, region, params):
    """The domain controllers of the replica, read in its Region.

    They show up there only some time after AddRegion: with O(wait) the module waits until they are listed and
    Active; without, a Region that is not Active yet has none to report (reading them could find the replicated
    directory not there yet).
    """
    if not region or region.get("Status") != "Active":
        return []
    if params["wait"]:
        wait_for_domain_controllers(replica_client, directory_id, params["replica_region"], params["wait_timeout"])
        return describe_domain_controllers(replica_client, directory_id)
    return describe_listed_domain_controllers(replica_client, directory_id)


def region_result(primary_client, replica_client, directory_id, params):
    region = find_region(describe_regions(primary_client, directory_id), params["replica_region"])
    return region, replica_controllers(replica_client, directory_id, region, params)


def build_result(changed, directory_id, region, controllers, before):
    normalized = normalize_region(region)
    dcs = normalize_domain_controllers(controllers)
    return dict(
        changed=changed,
        directory_id=directory_id,
        directory_region=normalized,
        domain_controllers=dcs,
        dns_ip_addrs=[dc["dns_ip_addr"] for dc in dcs if dc.get("dns_ip_addr")],
        diff=dict(before=before, after=normalized),
    )


def ensure_present(primary_client, replica_client, params, check_mode, client_region):
    directory = resolve_directory(primary_client, params)
    if directory is None:
        raise AnsibleDSError(message=f"Directory {directory_label(params)} was not found in Region {client_region}.")
    directory_id = directory["DirectoryId"]
    check_primary(directory, params, client_region)
    desired = params.get("desired_number_of_domain_controllers")
    if desired is not None and desired < DEFAULT_DOMAIN_CONTROLLERS:
        raise AnsibleDSError(message=f"desired_number_of_domain_controllers must be at least 2 (got {desired}).")

    # Before DescribeRegions: AWS answers it with UnsupportedOperationException for a Standard directory.
    edition_problems = edition_preconditions(directory)
    if edition_problems:
        raise AnsibleDSError(
            message=f"Cannot add Region {params['replica_region']} to directory {directory_id}: "
            + "; ".join(edition_problems)
            + "."
        )
    region = find_region(describe_regions(primary_client, directory_id), params["replica_region"])

    if region is None:
        problems = add_preconditions(directory, params)
        if problems:
            raise AnsibleDSError(
                message=f"Cannot add Region {params['replica_region']} to directory {directory_id}: "
                + "; ".join(problems)
                + "."
            )
        stage = directory.get("Stage")
        if stage != "Active" and not check_mode:
            wait_for_active = (
                params["wait"] if params.get("wait_for_directory") is None else params["wait_for_directory"]
            )
            if stage in FAILED_STAGES or stage in ("Deleting", "Deleted") or not wait_for_active:
                raise AnsibleDSError(
                    message=(
                        f"Cannot add Region {params['replica_region']} to directory {directory_id}: the directory is {stage},"
                        " AddRegion needs it Active."
                        + (
                            ""
                            if stage in FAILED_STAGES
                            else " Set wait=true or wait_for_directory=true to wait for it."
                        )
                    )
                )
            wait_for_directory(primary_client, directory_id, "active", params["wait_timeout"])
        after = {
            "directory_id": directory_id,
            "region_name": params["replica_region"],
            "region_type": "Additional",
            "vpc_settings": {"vpc_id": params["vpc_id"], "subnet_ids": normalize_subnets(params["subnet_ids"])},
            "desired_number_of_domain_controllers": desired or DEFAULT_DOMAIN_CONTROLLERS,
        }
        if check_mode:
            return dict(
                changed=True,
                directory_id=directory_id,
                directory_region={},
                domain_controllers=[],
                dns_ip_addrs=[],
                diff=dict(before={}, after=after),
            )
        # Within wait_timeout whatever O(wait) says: another Region being added may make AWS refuse this one for now.
        added = add_region_when_free(
            primary_client,
            directory_id,
            params["replica_region"],
            params["vpc_id"],
            params["subnet_ids"],
            params["wait_timeout"],
        )
        if params["wait"]:
            wait_for_region(primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"])
            if desired is not None and desired != DEFAULT_DOMAIN_CONTROLLERS:
                update_number_of_domain_controllers(replica_client, directory_id, desired)
                wait_for_region(
                    primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"]
                )
        if params["wait"]:
            region, controllers = region_result(primary_client, replica_client, directory_id, params)
        else:
            # Right after AddRegion AWS may list neither the Region nor its domain controllers yet: wait for the
            # Region to be listed (seconds), not for its controllers.
            region = until_listed(
                lambda: find_region(describe_regions(primary_client, directory_id), params["replica_region"])
            )
            controllers = []
        # Not added: AWS said the Region was already there (an earlier add that DescribeRegions did not list yet).
        return build_result(added, directory_id, region or {}, controllers, {})

    before = normalize_region(region)
    status = region.get("Status")
    if status in FAILED_STAGES:
        raise AnsibleDSError(
            message=(
                f"Region {params['replica_region']} of directory {directory_id} is {status}. Remove it (state=absent) and add it again."
            )
        )
    if status in ("Deleting", "Deleted"):
        raise AnsibleDSError(
            message=f"Region {params['replica_region']} of directory {directory_id} is being removed; wait for that to finish and run again."
        )
    diffs = region_immutable_differences(region, params)
    if diffs:
        raise immutable_error(
            f"Region {params['replica_region']} of directory {directory_id}",
            diffs,
            "Remove the Region (state=absent) and add it again with the new settings.",
        )

    current_number = region.get("DesiredNumberOfDomainControllers")
    changed = desired is not None and current_number != desired
    if check_mode:
        after = dict(before)
        if changed:
            after["desired_number_of_domain_controllers"] = desired
        controllers = replica_controllers(replica_client, directory_id, region, dict(params, wait=False))
        result = build_result(changed, directory_id, region, controllers, before)
        result["diff"]["after"] = after
        return result

    if changed:
        if status != "Active":
            if not params["wait"]:
                raise AnsibleDSError(
                    message=(
                        f"Region {params['replica_region']} of directory {directory_id} is {status}: its number of domain controllers"
                        " can only be changed when it is Active. Set wait=true to wait for it."
                    )
                )
            wait_for_region(primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"])
        update_number_of_domain_controllers(replica_client, directory_id, desired)
    if params["wait"] and (changed or status != "Active"):
        wait_for_region(primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"])
    if changed or status != "Active":
        region, controllers = region_result(primary_client, replica_client, directory_id, params)
    else:
        controllers = replica_controllers(replica_client, directory_id, region, params)
    return build_result(changed, directory_id, region, controllers, before)


def ensure_absent(primary_client, replica_client, params, check_mode, client_region):
    directory = resolve_directory(primary_client, params)
    if directory is None:
        return build_result(False, params.get("directory_id") or "", None, [], {})
    directory_id = directory["DirectoryId"]
    check_primary(directory, params, client_region)
    if edition_preconditions(directory):
        return build_result(False, directory_id, None, [], {})  # cannot have replica Regions at all
    region = find_region(describe_regions(primary_client, directory_id), params["replica_region"])
    if region is None:
        return build_result(False, directory_id, None, [], {})
    before = normalize_region(region)
    if check_mode:
        return build_result(True, directory_id, None, [], before)
    status = region.get("Status")
    if status not in ("Deleting", "Deleted"):
        if status != "Active" and status not in FAILED_STAGES and params["wait"]:
            # AWS refuses RemoveRegion (DirectoryUnavailableException) while the Region is being added or updated.
            wait_for_region(primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"])
        # RemoveRegion has no Region parameter: AWS removes the Region of the client that calls it.
        remove_region(replica_client, directory_id)
    if params["wait"]:
        wait_for_region(primary_client, directory_id, params["replica_region"], "removed", params["wait_timeout"])
    return build_result(True, directory_id, None, [], before)


def main():
    argument_spec = dict(
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
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["directory_id", "directory_name"]],
        required_one_of=[["directory_id", "directory_name"]],
    )
    primary_client = aws_client(module, "ds")
    replica_client = aws_client(module, "ds", region=module.params["replica_region"])

    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run_module(module, ensure, primary_client, replica_client, module.params, module.check_mode, module.region)


if __name__ == "__main__":
    main()
