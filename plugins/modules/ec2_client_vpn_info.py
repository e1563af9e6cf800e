#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_client_vpn_info
short_description: Describe AWS Client VPN endpoints, their target networks, rules, routes and connections
version_added: 0.1.0
description:
  - Lists Client VPN endpoints by ID, by API filters or by C(Name) tag, and optionally, for each, its
    target network associations, authorization rules, routes and client connections.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  client_vpn_endpoint_ids:
    description:
      - The IDs of the endpoints to describe. IDs that do not exist are ignored.
    type: list
    elements: str
    default: []
    aliases: [client_vpn_endpoint_id]
  filters:
    description:
      - Filters of C(DescribeClientVpnEndpoints), for example C(endpoint-id) or C(transport-protocol).
        See U(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeClientVpnEndpoints.html).
    type: dict
    default: {}
  names:
    description:
      - Only endpoints whose C(Name) tag is one of these (matched by the module, as the API has no tag filter).
    type: list
    elements: str
    default: []
    aliases: [name]
  include:
    description:
      - What to describe for each endpoint besides the endpoint itself.
    type: list
    elements: str
    default: []
    choices: [target_networks, authorization_rules, routes, connections]
  include_deleted:
    description:
      - Also list endpoints in the C(deleting) or C(deleted) state.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: All Client VPN endpoints of a Region
  multiregion.client_vpn.ec2_client_vpn_info:
    region: us-east-1
  register: all_endpoints

- name: One endpoint by name, with everything around it
  multiregion.client_vpn.ec2_client_vpn_info:
    region: us-east-1
    names: [vpn-us-east-1]
    include: [target_networks, authorization_rules, routes, connections]
  register: vpn

- name: Endpoints using TCP
  multiregion.client_vpn.ec2_client_vpn_info:
    region: us-east-1
    filters:
      transport-protocol: tcp

- name: By ID
  multiregion.client_vpn.ec2_client_vpn_info:
    region: us-east-1
    client_vpn_endpoint_ids:
      - cvpn-endpoint-0123456789abcdef0
"""

RETURN = r"""
client_vpn_endpoints:
  description: The matching endpoints, V([]) when none match.
  returned: always
  type: list
  elements: dict
  contains:
    client_vpn_endpoint_id:
      description: The endpoint ID.
      returned: always
      type: str
      sample: cvpn-endpoint-0123456789abcdef0
    dns_name:
      description: The endpoint's DNS name.
      returned: always
      type: str
      sample: "*.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-east-1.amazonaws.com"
    status:
      description: The endpoint state and message.
      returned: always
      type: dict
      sample: {"code": "available"}
    client_cidr_block:
      description: The client address range.
      returned: always
      type: str
    transport_protocol:
      description: The transport protocol.
      returned: always
      type: str
    vpn_port:
      description: The port.
      returned: always
      type: int
    server_certificate_arn:
      description: The server certificate ARN.
      returned: always
      type: str
    authentication_options:
      description: The authentication methods.
      returned: always
      type: list
      elements: dict
    connection_log_options:
      description: Connection logging settings.
      returned: always
      type: dict
    dns_servers:
      description: The DNS servers pushed to clients.
      returned: when set
      type: list
      elements: str
    split_tunnel:
      description: Whether split tunnel is enabled.
      returned: always
      type: bool
    vpc_id:
      description: The VPC.
      returned: when set
      type: str
    security_group_ids:
      description: The security groups.
      returned: when set
      type: list
      elements: str
    self_service_portal_url:
      description: The self-service portal URL.
      returned: when the portal is enabled
      type: str
    client_connect_options:
      description: The client connect handler.
      returned: always
      type: dict
    session_timeout_hours:
      description: The maximum session duration.
      returned: always
      type: int
    disconnect_on_session_timeout:
      description: Whether sessions are disconnected at the timeout.
      returned: always
      type: bool
    client_login_banner_options:
      description: The login banner.
      returned: always
      type: dict
    client_route_enforcement_options:
      description: Client route enforcement.
      returned: when reported by AWS
      type: dict
    description:
      description: The description.
      returned: when set
      type: str
    tags:
      description: The tags.
      returned: always
      type: dict
      sample: {"Name": "vpn-us-east-1"}
    target_networks:
      description: The target network associations (C(DescribeClientVpnTargetNetworks)).
      returned: when O(include) has V(target_networks)
      type: list
      elements: dict
      sample: [{"association_id": "cvpn-assoc-0123", "target_network_id": "subnet-0123", "vpc_id": "vpc-0123",
                "status": {"code": "associated"}, "security_groups": ["sg-0123"]}]
    authorization_rules:
      description: The authorization rules (C(DescribeClientVpnAuthorizationRules)).
      returned: when O(include) has V(authorization_rules)
      type: list
      elements: dict
      sample: [{"destination_cidr": "10.0.0.0/16", "access_all": false, "group_id": "S-1-5-21-1-2-3-1104",
                "status": {"code": "active"}}]
    routes:
      description: The routes (C(DescribeClientVpnRoutes)).
      returned: when O(include) has V(routes)
      type: list
      elements: dict
      sample: [{"destination_cidr": "10.0.0.0/16", "target_subnet": "subnet-0123", "origin": "associate",
                "type": "Nat", "status": {"code": "active"}}]
    connections:
      description: The client connections (C(DescribeClientVpnConnections)).
      returned: when O(include) has V(connections)
      type: list
      elements: dict
      sample: [{"connection_id": "cvpn-connection-0123", "username": "alice", "client_ip": "10.200.0.2",
                "status": {"code": "active"}}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_info import run_info_module


def argument_spec():
    """A new dict per call: AnsibleModule writes the defaults it hands out (``{}``, ``[]``) in place."""
    return dict(
        client_vpn_endpoint_ids=dict(type="list", elements="str", default=[], aliases=["client_vpn_endpoint_id"]),
        filters=dict(type="dict", default={}),
        names=dict(type="list", elements="str", default=[], aliases=["name"]),
        include=dict(
            type="list",
            elements="str",
            default=[],
            choices=["target_networks", "authorization_rules", "routes", "connections"],
        ),
        include_deleted=dict(type="bool", default=False),
    )


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_info_module(module)


if __name__ == "__main__":
    main()
