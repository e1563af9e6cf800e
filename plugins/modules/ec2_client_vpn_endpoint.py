#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_client_vpn_endpoint
short_description: Create, modify, replace and delete AWS Client VPN endpoints
version_added: 0.1.0
description:
  - Manages an AWS Client VPN endpoint with every option of the
    C(CreateClientVpnEndpoint) and C(ModifyClientVpnEndpoint) APIs.
  - The endpoint is identified by its C(Name) tag (O(name)), or by O(client_vpn_endpoint_id).
    It is created with a client token derived from O(name) and the creation parameters, so a run
    interrupted after the create call and started again never leaves two endpoints. Retries of the create
    (throttling, a lost answer) carry the same token.
  - EC2 is eventually consistent. After the create, the module waits (up to O(wait_timeout), even with
    O(wait=false)) until AWS describes the new endpoint, instead of taking a describe that misses it for
    "not created".
  - Options that AWS can change in place are modified with C(ModifyClientVpnEndpoint); only the
    members that differ are sent.
  - O(client_cidr_block), O(authentication), O(transport_protocol), O(endpoint_ip_address_type) and
    O(traffic_ip_address_type) cannot be changed after creation. A difference in any of them makes the
    module fail, naming each field, unless O(replace=true).
  - With O(replace=true) the endpoint is deleted and created again. AWS deletes an endpoint only once
    all its target networks are disassociated, so the module disassociates them first and waits.
    The new endpoint has a new ID and DNS name, no target network, no authorization rule and no
    route; re-apply them (M(multiregion.client_vpn.ec2_client_vpn_target_network),
    M(multiregion.client_vpn.ec2_client_vpn_authorization_rule),
    M(multiregion.client_vpn.ec2_client_vpn_route)) and re-export client files.
  - O(state=absent) disassociates every target network, waits until they are disassociated, deletes
    the endpoint and (with O(wait=true)) waits until it is gone.
  - Options that are not set are left as they are on an existing endpoint (AWS defaults apply at creation),
    except O(self_service_portal), which is always set explicitly because AWS enables the portal by default.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  state:
    description:
      - V(present) creates or updates the endpoint, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The endpoint's identity, kept in its C(Name) tag.
      - Required to create an endpoint. Several live endpoints with the same name are an error.
    type: str
  client_vpn_endpoint_id:
    description:
      - The ID of an existing endpoint. When set, the endpoint is looked up by ID rather than by O(name).
    type: str
  client_cidr_block:
    description:
      - The IPv4 range, between V(/22) and V(/12), from which client addresses are assigned.
      - It may not overlap the CIDR of the associated VPC or any route added by hand.
      - Immutable.
    type: str
  server_certificate_arn:
    description:
      - The ARN of the ACM server certificate, in the endpoint's Region. Required to create an endpoint.
    type: str
  authentication:
    description:
      - The authentication methods (at most two; e.g. Active Directory combined with mutual certificates).
      - Required to create an endpoint. Immutable.
    type: list
    elements: dict
    suboptions:
      type:
        description:
          - The authentication type.
        type: str
        required: true
        choices: [directory-service-authentication, certificate-authentication, federated-authentication]
      directory_id:
        description:
          - For V(directory-service-authentication), the ID of the AWS Directory Service directory
            (same Region and account; an AD Connector for a replicated Region).
        type: str
      client_root_certificate_chain_arn:
        description:
          - For V(certificate-authentication), the ARN of the client root certificate chain in ACM.
        type: str
      saml_provider_arn:
        description:
          - For V(federated-authentication), the ARN of the IAM SAML identity provider.
        type: str
      self_service_saml_provider_arn:
        description:
          - For V(federated-authentication), the ARN of the IAM SAML identity provider for the self-service portal.
        type: str
  connection_log:
    description:
      - Connection logging. When omitted at creation, logging is disabled.
    type: dict
    suboptions:
      enabled:
        description: Whether connection logging is enabled.
        type: bool
        required: true
      cloudwatch_log_group:
        description: The CloudWatch Logs log group.
        type: str
      cloudwatch_log_stream:
        description: The CloudWatch Logs log stream.
        type: str
      include_authorization_policy_context:
        description: Whether to log the authorization policy context.
        type: bool
  dns_servers:
    description:
      - Up to two DNS server addresses pushed to clients. V([]) removes custom DNS servers.
      - Changing them resets client connections.
    type: list
    elements: str
  transport_protocol:
    description:
      - The transport protocol. AWS defaults to V(udp). Immutable.
    type: str
    choices: [tcp, udp]
  vpn_port:
    description:
      - The port. AWS defaults to V(443).
    type: int
    choices: [443, 1194]
  description:
    description: A description of the endpoint.
    type: str
  split_tunnel:
    description:
      - Whether split tunnel is enabled (only the endpoint's routes go through the VPN). AWS defaults to V(false).
    type: bool
  vpc_id:
    description:
      - The VPC to associate the endpoint's security groups with.
    type: str
  security_group_ids:
    description:
      - The security groups applied to the target networks. Requires O(vpc_id), or an endpoint that has one.
    type: list
    elements: str
  self_service_portal:
    description:
      - Whether the self-service portal is enabled. Always set explicitly.
    type: str
    choices: [enabled, disabled]
    default: disabled
  client_connect_handler:
    description:
      - A Lambda function that authorizes each new connection.
    type: dict
    suboptions:
      enabled:
        description: Whether the client connect handler is enabled.
        type: bool
        required: true
      lambda_function_arn:
        description: The ARN of the Lambda function.
        type: str
  session_timeout_hours:
    description:
      - The maximum VPN session duration. AWS defaults to V(24).
    type: int
    choices: [8, 10, 12, 24]
  disconnect_on_session_timeout:
    description:
      - Whether the session is disconnected when O(session_timeout_hours) is reached (V(true)), rather than
        reconnected automatically. AWS defaults to V(true).
    type: bool
  login_banner:
    description:
      - A text displayed by AWS provided clients when a session is established.
    type: dict
    suboptions:
      enabled:
        description: Whether the banner is displayed.
        type: bool
        required: true
      text:
        description: The banner text, at most 1,400 UTF-8 characters.
        type: str
  client_route_enforcement:
    description:
      - Whether client route enforcement is enabled (the client restores the endpoint's routes when a
        device changes them).
    type: bool
  endpoint_ip_address_type:
    description:
      - The IP address type of the endpoint. AWS defaults to V(ipv4). Immutable.
    type: str
    choices: [ipv4, ipv6, dual-stack]
  traffic_ip_address_type:
    description:
      - The IP address type of the traffic in the tunnel. AWS defaults to V(ipv4). Immutable.
    type: str
    choices: [ipv4, ipv6, dual-stack]
  transit_gateway:
    description:
      - Attach the endpoint to a transit gateway instead of a VPC. Mutually exclusive with O(vpc_id) and
        O(security_group_ids).
    type: dict
    suboptions:
      transit_gateway_id:
        description: The ID of the transit gateway.
        type: str
        required: true
      availability_zones:
        description: The Availability Zones (names).
        type: list
        elements: str
      availability_zone_ids:
        description: The Availability Zones (IDs).
        type: list
        elements: str
  device_posture:
    description:
      - Device posture assessment by device trust providers.
    type: dict
    suboptions:
      enabled:
        description: Whether device posture assessment is enabled.
        type: bool
        required: true
      trust_providers:
        description: The device trust providers.
        type: list
        elements: dict
        default: []
        suboptions:
          type:
            description: The trust provider type.
            type: str
            required: true
            choices: [crowdstrike, jamf, jumpcloud]
          tenant_id:
            description: The tenant ID at the provider.
            type: str
          public_signing_key_url:
            description: The URL of the provider's public signing key.
            type: str
  replace:
    description:
      - When an immutable option differs, delete the endpoint (after disassociating its target networks)
        and create it again instead of failing.
    type: bool
    default: false
  wait:
    description:
      - Wait for the endpoint to leave the C(pending) state after creation, and until it is deleted with
        O(state=absent).
      - Disassociating target networks before a deletion is always waited for, because AWS refuses to
        delete an endpoint that still has target networks.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait, in seconds, for each wait. Disassociations can take more than 10 minutes on AWS.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - The C(Name) tag always equals O(name); O(purge_tags) never removes it.
  - The Client VPN API allows 10 concurrent mutations per endpoint; the module retries
    C(ConcurrentMutationLimitExceeded) and throttling errors with jittered backoff.
"""

EXAMPLES = r"""
- name: Create a Client VPN endpoint with Active Directory authentication over TCP
  multiregion.client_vpn.ec2_client_vpn_endpoint:
    name: vpn-us-east-1
    region: us-east-1
    client_cidr_block: 10.200.0.0/22
    server_certificate_arn: "{{ server_certificate.certificate_arn }}"
    authentication:
      - type: directory-service-authentication
        directory_id: "{{ directory.directory_id }}"
    transport_protocol: tcp
    vpn_port: 443
    split_tunnel: true
    dns_servers: "{{ directory.dns_ip_addrs }}"
    vpc_id: "{{ vpc.vpc.id }}"
    security_group_ids:
      - "{{ vpn_security_group.group_id }}"
    session_timeout_hours: 12
    disconnect_on_session_timeout: true
    login_banner:
      enabled: true
      text: Authorised use only.
    self_service_portal: disabled
    tags:
      Environment: production
  register: endpoint

- name: Combine Active Directory and mutual certificate authentication, with connection logs
  multiregion.client_vpn.ec2_client_vpn_endpoint:
    name: vpn-eu-west-1
    region: eu-west-1
    client_cidr_block: 10.204.0.0/22
    server_certificate_arn: "{{ server_cert_arn }}"
    authentication:
      - type: directory-service-authentication
        directory_id: d-1234567890
      - type: certificate-authentication
        client_root_certificate_chain_arn: "{{ client_ca_arn }}"
    transport_protocol: tcp
    connection_log:
      enabled: true
      cloudwatch_log_group: /client-vpn/eu-west-1
    client_connect_handler:
      enabled: true
      lambda_function_arn: arn:aws:lambda:eu-west-1:123456789012:function:AWSClientVPN-check

- name: Change the client CIDR (immutable) by replacing the endpoint
  multiregion.client_vpn.ec2_client_vpn_endpoint:
    name: vpn-us-east-1
    region: us-east-1
    client_cidr_block: 10.210.0.0/22
    server_certificate_arn: "{{ server_certificate.certificate_arn }}"
    authentication:
      - type: directory-service-authentication
        directory_id: "{{ directory.directory_id }}"
    transport_protocol: tcp
    replace: true

- name: Delete the endpoint (its target networks are disassociated first)
  multiregion.client_vpn.ec2_client_vpn_endpoint:
    name: vpn-us-east-1
    region: us-east-1
    state: absent
    wait_timeout: 2700
"""

RETURN = r"""
client_vpn_endpoint:
  description:
    - The endpoint, as described by C(DescribeClientVpnEndpoints), in snake_case with tags as a dict.
    - With O(state=absent), the endpoint as it was before deletion, or V({}) when there was none.
    - In check mode for a new endpoint, the requested settings (no ID or DNS name).
  returned: always
  type: dict
  contains:
    client_vpn_endpoint_id:
      description: The endpoint ID.
      returned: when the endpoint exists
      type: str
      sample: cvpn-endpoint-0123456789abcdef0
    dns_name:
      description: The endpoint's DNS name. Clients connect to any label in place of the C(*).
      returned: when the endpoint exists
      type: str
      sample: "*.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-east-1.amazonaws.com"
    description:
      description: The description.
      returned: when set
      type: str
    status:
      description: The endpoint state (C(code) one of pending-associate, available, deleting, deleted, pending) and a message.
      returned: when the endpoint exists
      type: dict
      sample: {"code": "pending-associate"}
    creation_time:
      description: When the endpoint was created.
      returned: when the endpoint exists
      type: str
    deletion_time:
      description: When the endpoint was deleted.
      returned: when deleted
      type: str
    client_cidr_block:
      description: The client address range.
      returned: always
      type: str
      sample: 10.200.0.0/22
    dns_servers:
      description: The DNS servers pushed to clients.
      returned: when set
      type: list
      elements: str
    split_tunnel:
      description: Whether split tunnel is enabled.
      returned: always
      type: bool
    vpn_protocol:
      description: The VPN protocol (C(openvpn)).
      returned: when the endpoint exists
      type: str
    transport_protocol:
      description: The transport protocol.
      returned: always
      type: str
      sample: tcp
    vpn_port:
      description: The port.
      returned: always
      type: int
      sample: 443
    associated_target_networks:
      description: Deprecated by AWS in favour of DescribeClientVpnTargetNetworks; the associated VPCs.
      returned: when the endpoint exists
      type: list
      elements: dict
    server_certificate_arn:
      description: The server certificate ARN.
      returned: always
      type: str
    authentication_options:
      description: The authentication methods.
      returned: always
      type: list
      elements: dict
      sample: [{"type": "directory-service-authentication", "active_directory": {"directory_id": "d-1234567890"}}]
    connection_log_options:
      description: Connection logging settings.
      returned: always
      type: dict
      sample: {"enabled": false}
    tags:
      description: The endpoint's tags.
      returned: always
      type: dict
      sample: {"Name": "vpn-us-east-1"}
    security_group_ids:
      description: The security groups applied to the target networks.
      returned: when set
      type: list
      elements: str
    vpc_id:
      description: The VPC.
      returned: when set
      type: str
    self_service_portal_url:
      description: The URL of the self-service portal, when it is enabled.
      returned: when the portal is enabled
      type: str
    client_connect_options:
      description: The client connect handler settings and the state of their application.
      returned: when the endpoint exists
      type: dict
    session_timeout_hours:
      description: The maximum session duration.
      returned: when the endpoint exists
      type: int
      sample: 24
    client_login_banner_options:
      description: The login banner settings.
      returned: when the endpoint exists
      type: dict
      sample: {"enabled": true, "banner_text": "Authorised use only."}
    client_route_enforcement_options:
      description: Client route enforcement settings.
      returned: when the endpoint exists
      type: dict
      sample: {"enforced": false}
    disconnect_on_session_timeout:
      description: Whether sessions are disconnected at the session timeout.
      returned: when the endpoint exists
      type: bool
    endpoint_ip_address_type:
      description: The endpoint's IP address type.
      returned: when reported by AWS
      type: str
    traffic_ip_address_type:
      description: The tunnel traffic IP address type.
      returned: when reported by AWS
      type: str
    transit_gateway_configuration:
      description: The transit gateway configuration.
      returned: when set
      type: dict
    device_posture_options:
      description: The device trust providers.
      returned: when set
      type: dict
replaced_client_vpn_endpoint_id:
  description: The ID of the endpoint deleted by O(replace=true).
  returned: when the endpoint was replaced
  type: str
  sample: cvpn-endpoint-0123456789abcdef0
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_endpoint import run_endpoint_module

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    name=dict(type="str"),
    client_vpn_endpoint_id=dict(type="str"),
    client_cidr_block=dict(type="str"),
    server_certificate_arn=dict(type="str"),
    authentication=dict(
        type="list",
        elements="dict",
        options=dict(
            type=dict(
                type="str",
                required=True,
                choices=[
                    "directory-service-authentication",
                    "certificate-authentication",
                    "federated-authentication",
                ],
            ),
            directory_id=dict(type="str"),
            client_root_certificate_chain_arn=dict(type="str"),
            saml_provider_arn=dict(type="str"),
            self_service_saml_provider_arn=dict(type="str"),
        ),
        required_if=[
            ["type", "directory-service-authentication", ["directory_id"]],
            ["type", "certificate-authentication", ["client_root_certificate_chain_arn"]],
            ["type", "federated-authentication", ["saml_provider_arn"]],
        ],
    ),
    connection_log=dict(
        type="dict",
        options=dict(
            enabled=dict(type="bool", required=True),
            cloudwatch_log_group=dict(type="str"),
            cloudwatch_log_stream=dict(type="str"),
            include_authorization_policy_context=dict(type="bool"),
        ),
    ),
    dns_servers=dict(type="list", elements="str"),
    transport_protocol=dict(type="str", choices=["tcp", "udp"]),
    vpn_port=dict(type="int", choices=[443, 1194]),
    description=dict(type="str"),
    split_tunnel=dict(type="bool"),
    vpc_id=dict(type="str"),
    security_group_ids=dict(type="list", elements="str"),
    self_service_portal=dict(type="str", choices=["enabled", "disabled"], default="disabled"),
    client_connect_handler=dict(
        type="dict",
        options=dict(
            enabled=dict(type="bool", required=True),
            lambda_function_arn=dict(type="str"),
        ),
    ),
    session_timeout_hours=dict(type="int", choices=[8, 10, 12, 24]),
    disconnect_on_session_timeout=dict(type="bool"),
    login_banner=dict(
        type="dict",
        options=dict(
            enabled=dict(type="bool", required=True),
            text=dict(type="str"),
        ),
    ),
    client_route_enforcement=dict(type="bool"),
    endpoint_ip_address_type=dict(type="str", choices=["ipv4", "ipv6", "dual-stack"]),
    traffic_ip_address_type=dict(type="str", choices=["ipv4", "ipv6", "dual-stack"]),
    transit_gateway=dict(
        type="dict",
        options=dict(
            transit_gateway_id=dict(type="str", required=True),
            availability_zones=dict(type="list", elements="str"),
            availability_zone_ids=dict(type="list", elements="str"),
        ),
    ),
    device_posture=dict(
        type="dict",
        options=dict(
            enabled=dict(type="bool", required=True),
            trust_providers=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    type=dict(type="str", required=True, choices=["crowdstrike", "jamf", "jumpcloud"]),
                    tenant_id=dict(type="str"),
                    public_signing_key_url=dict(type="str", no_log=False),
                ),
            ),
        ),
    ),
    replace=dict(type="bool", default=False),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
)


def main():
    module = AnsibleAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        required_one_of=[["name", "client_vpn_endpoint_id"]],
        mutually_exclusive=[["transit_gateway", "vpc_id"], ["transit_gateway", "security_group_ids"]],
    )
    run_endpoint_module(module)


if __name__ == "__main__":
    main()
