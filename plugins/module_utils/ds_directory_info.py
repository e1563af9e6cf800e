# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ds_directory_info does: list directories, with their Regions and domain controllers when asked.

``gather`` reads the directories matching the module's parameters (``filter_directories``) and returns them in
the module's return shape; ``run_directory_info_module`` is the body of ``main()``, with one ds client per Region
whose domain controllers are listed.
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import describe_directories
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import describe_domain_controllers
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import describe_regions
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import list_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import normalize_directory
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import normalize_domain_controllers
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import normalize_region
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client


def filter_directories(directories, names=None, directory_type=None):
    wanted = {n.lower() for n in names or []}
    return [
        d
        for d in directories
        if (not wanted or (d.get("Name") or "").lower() in wanted)
        and (not directory_type or d.get("Type") == directory_type)
    ]


def gather(client, client_for_region, params, client_region):
    """The directories matching params, with Regions and domain controllers when asked.

    ``client_for_region(name)`` returns a ds client in that Region (domain controllers of a Region are listed there).
    """
    directories = filter_directories(
        describe_directories(client, params.get("directory_ids")), params.get("names"), params.get("type")
    )
    result = []
    for directory in directories:
        directory_id = directory["DirectoryId"]
        entry = normalize_directory(directory, list_tags(client, directory_id))
        replicable = directory.get("Type") == "MicrosoftAD"
        if replicable and params.get("include_domain_controllers"):
            entry["domain_controllers"] = normalize_domain_controllers(
                describe_domain_controllers(client, directory_id)
            )
        if replicable and params.get("include_regions"):
            regions = []
            for region in describe_regions(client, directory_id):
                region_entry = normalize_region(region)
                if params.get("include_domain_controllers"):
                    name = region.get("RegionName")
                    if name == client_region:
                        region_entry["domain_controllers"] = entry.get("domain_controllers", [])
                    else:
                        region_entry["domain_controllers"] = normalize_domain_controllers(
                            describe_domain_controllers(client_for_region(name), directory_id)
                        )
                regions.append(region_entry)
            entry["regions"] = regions
        result.append(entry)
    return result


def run_directory_info_module(module):
    """The whole of ``main()`` after the module is built: gather the directories, exit or fail."""
    client = aws_client(module, "ds")
    clients = {}

    def client_for_region(name):
        if name not in clients:
            clients[name] = aws_client(module, "ds", region=name)
        return clients[name]

    try:
        directories = gather(client, client_for_region, module.params, module.region)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    module.exit_json(changed=False, directories=directories)
