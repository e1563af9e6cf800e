# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The modules' return shape of a resource AWS describes: snake_case keys, tags as a dict."""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict


def snake_with_tags(resource):
    """A described resource (a Describe* entry) in snake_case, its ``Tags`` list as the dict ``tags``
    (``{}`` when it has none); ``{}`` for no resource. Tag keys and values are kept as they are."""
    if not resource:
        return {}
    result = camel_dict_to_snake_dict(resource, ignore_list=["Tags"])
    result["tags"] = boto3_tag_list_to_ansible_dict(resource.get("Tags") or [])
    return result
