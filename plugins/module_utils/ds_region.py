# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The logic of ``ds_region``: one replicated (additional) Region of an AWS Managed Microsoft AD directory.

Two clients take part: the PRIMARY one (the module's ``region``), where the directory and its Regions are
read, AddRegion is called and every wait polls; and the REPLICA one (``replica_region``), because
RemoveRegion, UpdateNumberOfDomainControllers and DescribeDomainControllers act on the Region of the client
that calls them.

``ensure_present`` / ``ensure_absent`` return the module result and only need (stub) clients. Each is a
short sequence of steps: find the directory and the Region (``find_directory``, ``find_replica``), refuse
what AWS would refuse (``refuse_to_add``, ``refuse_to_update``), then add (``add_replica``, ``settle_added``)
or resize (``resize_replica``, ``settle_updated``) or remove (``remove_replica``), and build the result
with the replica's domain controllers (``replica_controllers``, ``build_result``).
"""

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


# ---------------------------------------------------------------------------
# Finding the directory and the Region
# ---------------------------------------------------------------------------


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
    return next((region for region in regions if region.get("RegionName") == region_name), None)


def read_region(client, directory_id, region_name):
    """The Region's DescribeRegions entry (read in the primary Region), or None when it is not listed."""
    return find_region(describe_regions(client, directory_id), region_name)


def find_directory(client, params, client_region):
    """The directory to replicate: state=present cannot do without it."""
    directory = resolve_directory(client, params)
    if directory is None:
        raise AnsibleDSError(message=f"Directory {directory_label(params)} was not found in Region {client_region}.")
    return directory


def find_replica(client, directory, params, client_region):
    """The replica Region's entry (None when not replicated yet), once the module's options make sense.

    The edition is checked before DescribeRegions: AWS answers it with UnsupportedOperationException for a
    Standard directory, and the module's own message says why.
    """
    check_primary(directory, params, client_region)
    desired = params.get("desired_number_of_domain_controllers")
    if desired is not None and desired < DEFAULT_DOMAIN_CONTROLLERS:
        raise AnsibleDSError(message=f"desired_number_of_domain_controllers must be at least 2 (got {desired}).")
    refuse_to_add(directory["DirectoryId"], params, edition_preconditions(directory))
    return read_region(client, directory["DirectoryId"], params["replica_region"])


# ---------------------------------------------------------------------------
# Preconditions: what AWS would refuse, said before any write
# ---------------------------------------------------------------------------


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


def refuse_to_add(directory_id, params, problems):
    """Fail with all the ``problems`` in one message (none: nothing to refuse)."""
    if problems:
        raise AnsibleDSError(
            message=f"Cannot add Region {params['replica_region']} to directory {directory_id}: "
            + "; ".join(problems)
            + "."
        )


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


def refuse_to_update(directory_id, region, params):
    """A replica that failed, is going away or sits in other subnets cannot be converged: it must be re-added."""
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


def wait_for_directory_active(client, directory, params):
    """AddRegion needs the directory Active: wait for it when allowed (wait_for_directory, else wait), or fail."""
    stage = directory.get("Stage")
    if stage == "Active":
        return
    wait_for_active = params["wait"] if params.get("wait_for_directory") is None else params["wait_for_directory"]
    if stage in FAILED_STAGES or stage in ("Deleting", "Deleted") or not wait_for_active:
        raise AnsibleDSError(
            message=(
                f"Cannot add Region {params['replica_region']} to directory {directory['DirectoryId']}: the directory is {stage},"
                " AddRegion needs it Active."
                + ("" if stage in FAILED_STAGES else " Set wait=true or wait_for_directory=true to wait for it.")
            )
        )
    wait_for_directory(client, directory["DirectoryId"], "active", params["wait_timeout"])


# ---------------------------------------------------------------------------
# Adding, resizing and removing
# ---------------------------------------------------------------------------


def planned_region(directory_id, params):
    """The Region as AddRegion will make it (normalized): the diff's ``after`` of an add in check mode."""
    return {
        "directory_id": directory_id,
        "region_name": params["replica_region"],
        "region_type": "Additional",
        "vpc_settings": {"vpc_id": params["vpc_id"], "subnet_ids": normalize_subnets(params["subnet_ids"])},
        "desired_number_of_domain_controllers": params.get("desired_number_of_domain_controllers")
        or DEFAULT_DOMAIN_CONTROLLERS,
    }


def add_replica(primary_client, replica_client, directory, params, check_mode):
    """Add the Region (refused first if AWS would refuse it); the module result."""
    directory_id = directory["DirectoryId"]
    refuse_to_add(directory_id, params, add_preconditions(directory, params))
    if check_mode:
        return build_result(True, directory_id, None, [], {}, after=planned_region(directory_id, params))
    wait_for_directory_active(primary_client, directory, params)
    # Within wait_timeout whatever O(wait) says: another Region being added may make AWS refuse this one for now.
    added = add_region_when_free(
        primary_client,
        directory_id,
        params["replica_region"],
        params["vpc_id"],
        params["subnet_ids"],
        params["wait_timeout"],
    )
    region, controllers = settle_added(primary_client, replica_client, directory_id, params)
    # Not added: AWS said the Region was already there (an earlier add that DescribeRegions did not list yet).
    return build_result(added, directory_id, region or {}, controllers, {})


def settle_added(primary_client, replica_client, directory_id, params):
    """The Region just added and its domain controllers: with wait, Active and resized; without, as first listed.

    AWS adds a Region with 2 domain controllers; another number is set once it is Active (with wait=false, by a
    later run).
    """
    if not params["wait"]:
        # Right after AddRegion AWS may list neither the Region nor its domain controllers yet: wait for the
        # Region to be listed (seconds), not for its controllers.
        return until_listed(lambda: read_region(primary_client, directory_id, params["replica_region"])), []
    wait_for_region(primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"])
    desired = params.get("desired_number_of_domain_controllers")
    if desired is not None and desired != DEFAULT_DOMAIN_CONTROLLERS:
        update_number_of_domain_controllers(replica_client, directory_id, desired)
        wait_for_region(primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"])
    return region_result(primary_client, replica_client, directory_id, params)


def resize_replica(primary_client, replica_client, directory_id, region, params):
    """UpdateNumberOfDomainControllers, which AWS accepts only for an Active Region (waited for with wait)."""
    status = region.get("Status")
    if status != "Active":
        if not params["wait"]:
            raise AnsibleDSError(
                message=(
                    f"Region {params['replica_region']} of directory {directory_id} is {status}: its number of domain controllers"
                    " can only be changed when it is Active. Set wait=true to wait for it."
                )
            )
        wait_for_region(primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"])
    update_number_of_domain_controllers(replica_client, directory_id, params["desired_number_of_domain_controllers"])


def settle_updated(primary_client, replica_client, directory_id, region, params, changed):
    """The Region and its domain controllers after an update: read again when resized or not Active yet."""
    if not changed and region.get("Status") == "Active":
        return region, replica_controllers(replica_client, directory_id, region, params)
    if params["wait"]:
        wait_for_region(primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"])
    return region_result(primary_client, replica_client, directory_id, params)


def update_replica(primary_client, replica_client, directory_id, region, params, check_mode):
    """Converge a listed Region: only its number of domain controllers can change in place."""
    refuse_to_update(directory_id, region, params)
    before = normalize_region(region)
    desired = params.get("desired_number_of_domain_controllers")
    changed = desired is not None and region.get("DesiredNumberOfDomainControllers") != desired
    if check_mode:
        after = dict(before, desired_number_of_domain_controllers=desired) if changed else dict(before)
        controllers = replica_controllers(replica_client, directory_id, region, dict(params, wait=False))
        return build_result(changed, directory_id, region, controllers, before, after=after)
    if changed:
        resize_replica(primary_client, replica_client, directory_id, region, params)
    region, controllers = settle_updated(primary_client, replica_client, directory_id, region, params, changed)
    return build_result(changed, directory_id, region, controllers, before)


def remove_replica(primary_client, replica_client, directory_id, region, params):
    """RemoveRegion (called in the replica Region: it has no Region parameter), unless already under way."""
    status = region.get("Status")
    if status not in ("Deleting", "Deleted"):
        if status != "Active" and status not in FAILED_STAGES and params["wait"]:
            # AWS refuses RemoveRegion (DirectoryUnavailableException) while the Region is being added or updated.
            wait_for_region(primary_client, directory_id, params["replica_region"], "active", params["wait_timeout"])
        remove_region(replica_client, directory_id)
    if params["wait"]:
        wait_for_region(primary_client, directory_id, params["replica_region"], "removed", params["wait_timeout"])


# ---------------------------------------------------------------------------
# The result: the Region and the replica's domain controllers
# ---------------------------------------------------------------------------


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
    region = read_region(primary_client, directory_id, params["replica_region"])
    return region, replica_controllers(replica_client, directory_id, region, params)


def build_result(changed, directory_id, region, controllers, before, after=None):
    """The module result; the diff's ``after`` is the Region returned unless ``after`` (check mode) says otherwise."""
    normalized = normalize_region(region)
    dcs = normalize_domain_controllers(controllers)
    return dict(
        changed=changed,
        directory_id=directory_id,
        directory_region=normalized,
        domain_controllers=dcs,
        dns_ip_addrs=[dc["dns_ip_addr"] for dc in dcs if dc.get("dns_ip_addr")],
        diff=dict(before=before, after=normalized if after is None else after),
    )


# ---------------------------------------------------------------------------
# The module's flows
# ---------------------------------------------------------------------------


def ensure_present(primary_client, replica_client, params, check_mode, client_region):
    """Replicate the directory into replica_region, with the number of domain controllers asked for."""
    directory = find_directory(primary_client, params, client_region)
    region = find_replica(primary_client, directory, params, client_region)
    if region is None:
        return add_replica(primary_client, replica_client, directory, params, check_mode)
    return update_replica(primary_client, replica_client, directory["DirectoryId"], region, params, check_mode)


def ensure_absent(primary_client, replica_client, params, check_mode, client_region):
    """Stop replicating into replica_region; nothing to do without the directory or the Region."""
    directory = resolve_directory(primary_client, params)
    if directory is None:
        return build_result(False, params.get("directory_id") or "", None, [], {})
    directory_id = directory["DirectoryId"]
    check_primary(directory, params, client_region)
    if edition_preconditions(directory):
        return build_result(False, directory_id, None, [], {})  # cannot have replica Regions at all
    region = read_region(primary_client, directory_id, params["replica_region"])
    if region is None:
        return build_result(False, directory_id, None, [], {})
    if not check_mode:
        remove_replica(primary_client, replica_client, directory_id, region, params)
    return build_result(True, directory_id, None, [], normalize_region(region))


def run_region_module(module):
    """The whole of ``main()`` after the module is built: a client in each Region, converge, exit or fail."""
    primary_client = aws_client(module, "ds")
    replica_client = aws_client(module, "ds", region=module.params["replica_region"])
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run_module(module, ensure, primary_client, replica_client, module.params, module.check_mode, module.region)
