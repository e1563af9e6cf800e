# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ec2_client_vpn_info does: describe endpoints, with their associations, rules, routes and connections.

``list_endpoints`` returns the matching endpoints in the module's return shape (snake_case, tags as a dict);
``run_info_module`` is the body of ``main()``.
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    describe_client_vpn_authorization_rules,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import describe_client_vpn_connections
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import describe_client_vpn_endpoints
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import describe_client_vpn_routes
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    describe_client_vpn_target_networks,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import endpoint_is_live
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import endpoint_name
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client

INCLUDES = {
    "target_networks": describe_client_vpn_target_networks,
    "authorization_rules": describe_client_vpn_authorization_rules,
    "routes": describe_client_vpn_routes,
    "connections": describe_client_vpn_connections,
}


def _snake(item):
    result = camel_dict_to_snake_dict(item, ignore_list=["Tags"])
    if "Tags" in item:
        result["tags"] = boto3_tag_list_to_ansible_dict(item["Tags"] or [])
    return result


def list_endpoints(client, params):
    """The matching endpoints in the module's return shape."""
    request = {}
    if params.get("client_vpn_endpoint_ids"):
        request["ClientVpnEndpointIds"] = list(params["client_vpn_endpoint_ids"])
    if params.get("filters"):
        request["Filters"] = ansible_dict_to_boto3_filter_list(params["filters"])

    ids = params.get("client_vpn_endpoint_ids") or []
    if len(ids) > 1:
        # One unknown ID makes AWS reject the whole request: ask one by one and ignore the missing ones.
        endpoints = []
        for endpoint_id in ids:
            endpoints.extend(describe_client_vpn_endpoints(client, **dict(request, ClientVpnEndpointIds=[endpoint_id])))
    else:
        endpoints = describe_client_vpn_endpoints(client, **request)

    names = set(params.get("names") or [])
    result = []
    for endpoint in endpoints:
        if names and endpoint_name(endpoint) not in names:
            continue
        if not params.get("include_deleted") and not endpoint_is_live(endpoint):
            continue
        item = _snake(endpoint)
        item.setdefault("tags", {})
        for include in params.get("include") or []:
            # None: the endpoint went away between the two calls (or is deleted): nothing to list.
            found = INCLUDES[include](client, endpoint["ClientVpnEndpointId"]) or []
            item[include] = [_snake(x) for x in found]
        result.append(item)
    return result


def run_info_module(module):
    """The whole of ``main()`` after the module is built: list the endpoints, exit or fail."""
    client = aws_client(module, "ec2")
    try:
        endpoints = list_endpoints(client, module.params)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, client_vpn_endpoints=endpoints)
