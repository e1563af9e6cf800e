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

import copy

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils import aws_rules
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import AnsibleClientVpnError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import create_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import create_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import delete_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import delete_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import derive_client_token
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import describe_client_vpn_endpoints
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    describe_client_vpn_target_networks,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    disassociate_client_vpn_target_network,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import endpoint_is_live
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import find_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import get_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import modify_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import wait_for
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client

# Tokens tried by one create: each further one follows an answer naming an endpoint deleted since.
MAX_CREATE_TOKENS = 5

# Options that CreateClientVpnEndpoint accepts but ModifyClientVpnEndpoint does not.
IMMUTABLE_OPTIONS = (
    "client_cidr_block",
    "authentication",
    "transport_protocol",
    "endpoint_ip_address_type",
    "traffic_ip_address_type",
)

# Options compared with the endpoint; their order is the order of messages and diffs.
COMPARED_OPTIONS = IMMUTABLE_OPTIONS + (
    "server_certificate_arn",
    "connection_log",
    "dns_servers",
    "vpn_port",
    "description",
    "split_tunnel",
    "vpc_id",
    "security_group_ids",
    "self_service_portal",
    "client_connect_handler",
    "session_timeout_hours",
    "disconnect_on_session_timeout",
    "login_banner",
    "client_route_enforcement",
    "transit_gateway",
    "device_posture",
)

AUTH_KEYS = {
    # module suboption: (request structure, request member, response structure, response member)
    "directory_id": ("ActiveDirectory", "DirectoryId", "ActiveDirectory", "DirectoryId"),
    "client_root_certificate_chain_arn": (
        "MutualAuthentication",
        "ClientRootCertificateChainArn",
        "MutualAuthentication",
        "ClientRootCertificateChain",
    ),
    "saml_provider_arn": ("FederatedAuthentication", "SAMLProviderArn", "FederatedAuthentication", "SamlProviderArn"),
    "self_service_saml_provider_arn": (
        "FederatedAuthentication",
        "SelfServiceSAMLProviderArn",
        "FederatedAuthentication",
        "SelfServiceSamlProviderArn",
    ),
}


# ---------------------------------------------------------------------------
# Normalisation: both the module parameters and a described endpoint are
# brought to the same shape, keyed by module option names.
# ---------------------------------------------------------------------------


def _clean(value):
    """Drop None members of a dict (recursively for dicts); sort nothing."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    return value


def normalize_authentication(options):
    """A canonical, order-independent list of authentication dicts (module suboption names)."""
    result = []
    for option in options or []:
        result.append({k: v for k, v in option.items() if v not in (None, "")})
    return sorted(result, key=lambda o: sorted(o.items()))


def desired_settings(params):
    """The settings the user asked for, keyed by option name; options left unset are absent."""
    desired = {}
    for key in COMPARED_OPTIONS:
        value = params.get(key)
        if value is None:
            continue
        if key == "authentication":
            value = normalize_authentication(value)
        elif key == "security_group_ids":
            value = sorted(value)
        elif key == "connection_log":
            value = _clean(value)
            if not value.get("enabled"):
                value = {"enabled": False}
        elif key in ("client_connect_handler", "login_banner"):
            value = _clean(value)
            if not value.get("enabled"):
                value = {"enabled": False}
        elif key == "transit_gateway":
            value = _clean(value)
            for zones in ("availability_zones", "availability_zone_ids"):
                if zones in value:
                    value[zones] = sorted(value[zones])
        elif key == "device_posture":
            value = {
                "enabled": value["enabled"],
                "trust_providers": sorted(
                    (_clean(p) for p in value.get("trust_providers") or []), key=lambda p: sorted(p.items())
                ),
            }
        elif key == "dns_servers":
            value = list(value)
        desired[key] = value
    return desired


def current_settings(endpoint):
    """A described endpoint (boto3 shape) in the shape of desired_settings()."""
    current = {
        "client_cidr_block": endpoint.get("ClientCidrBlock"),
        "transport_protocol": endpoint.get("TransportProtocol"),
        "endpoint_ip_address_type": endpoint.get("EndpointIpAddressType") or "ipv4",
        "traffic_ip_address_type": endpoint.get("TrafficIpAddressType") or "ipv4",
        "server_certificate_arn": endpoint.get("ServerCertificateArn"),
        "dns_servers": list(endpoint.get("DnsServers") or []),
        "vpn_port": endpoint.get("VpnPort"),
        "description": endpoint.get("Description", ""),
        "split_tunnel": endpoint.get("SplitTunnel", False),
        "vpc_id": endpoint.get("VpcId"),
        "security_group_ids": sorted(endpoint.get("SecurityGroupIds") or []),
        "self_service_portal": "enabled" if endpoint.get("SelfServicePortalUrl") else "disabled",
        "session_timeout_hours": endpoint.get("SessionTimeoutHours", 24),
        "disconnect_on_session_timeout": endpoint.get("DisconnectOnSessionTimeout", True),
        "client_route_enforcement": (endpoint.get("ClientRouteEnforcementOptions") or {}).get("Enforced", False),
    }

    auth = []
    for option in endpoint.get("AuthenticationOptions") or []:
        item = {"type": option.get("Type")}
        for key, (_req_struct, _req_member, resp_struct, resp_member) in AUTH_KEYS.items():
            value = (option.get(resp_struct) or {}).get(resp_member)
            if value:
                item[key] = value
        auth.append(item)
    current["authentication"] = normalize_authentication(auth)

    log = endpoint.get("ConnectionLogOptions") or {}
    if log.get("Enabled"):
        current["connection_log"] = _clean(
            {
                "enabled": True,
                "cloudwatch_log_group": log.get("CloudwatchLogGroup"),
                "cloudwatch_log_stream": log.get("CloudwatchLogStream"),
                "include_authorization_policy_context": log.get("IncludeAuthorizationPolicyContext", False),
            }
        )
    else:
        current["connection_log"] = {"enabled": False}

    connect = endpoint.get("ClientConnectOptions") or {}
    if connect.get("Enabled"):
        current["client_connect_handler"] = _clean(
            {"enabled": True, "lambda_function_arn": connect.get("LambdaFunctionArn")}
        )
    else:
        current["client_connect_handler"] = {"enabled": False}

    banner = endpoint.get("ClientLoginBannerOptions") or {}
    if banner.get("Enabled"):
        current["login_banner"] = _clean({"enabled": True, "text": banner.get("BannerText")})
    else:
        current["login_banner"] = {"enabled": False}

    tgw = endpoint.get("TransitGatewayConfiguration") or {}
    if tgw.get("TransitGatewayId"):
        current["transit_gateway"] = {
            "transit_gateway_id": tgw["TransitGatewayId"],
            "availability_zones": sorted(tgw.get("AvailabilityZones") or []),
            "availability_zone_ids": sorted(tgw.get("AvailabilityZoneIds") or []),
        }
    else:
        current["transit_gateway"] = None

    providers = (endpoint.get("DevicePostureOptions") or {}).get("TrustProviders") or []
    trust = []
    for provider in providers:
        trust.append(
            _clean(
                {
                    "type": provider.get("TrustProviderType"),
                    "tenant_id": provider.get("TenantId"),
                    "public_signing_key_url": provider.get("PublicSigningKeyUrl"),
                }
            )
        )
    current["device_posture"] = {
        "enabled": bool(trust),
        "trust_providers": sorted(trust, key=lambda p: sorted(p.items())),
    }
    return current


def _differs(key, want, have):
    """Whether a desired value differs from the current one. Dicts compare only the members asked for."""
    if key == "device_posture":
        # AWS reports the trust providers, not the switch: disabled means no provider in effect.
        if not want["enabled"]:
            return bool(have and have.get("trust_providers"))
        return want["trust_providers"] != (have or {}).get("trust_providers")
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return True
        return any(_differs(k, v, have.get(k)) for k, v in want.items())
    if key == "description":
        return (want or "") != (have or "")
    return want != have


def compare_settings(desired, current):
    """Names of the options whose desired value differs from the endpoint, in COMPARED_OPTIONS order."""
    return [key for key in COMPARED_OPTIONS if key in desired and _differs(key, desired[key], current.get(key))]


def immutable_changes(changed_options):
    return [key for key in changed_options if key in IMMUTABLE_OPTIONS]


def format_immutable_error(endpoint_id, changes, desired, current):
    details = []
    for key in changes:
        details.append(f"{key} (current: {current.get(key)!r}, requested: {desired.get(key)!r})")
    return (
        f"Cannot change immutable settings of Client VPN endpoint {endpoint_id}: "
        + "; ".join(details)
        + ". Set replace=true to delete and re-create the endpoint (its target networks are disassociated first)."
    )


# ---------------------------------------------------------------------------
# Request building
# ---------------------------------------------------------------------------


def _authentication_request(options):
    request = []
    for option in options or []:
        item = {"Type": option["type"]}
        for key, (req_struct, req_member, _resp_struct, _resp_member) in AUTH_KEYS.items():
            if option.get(key):
                item.setdefault(req_struct, {})[req_member] = option[key]
        request.append(item)
    return request


def _connection_log_request(value):
    request = {"Enabled": bool(value.get("enabled"))}
    if value.get("enabled"):
        for key, member in (
            ("cloudwatch_log_group", "CloudwatchLogGroup"),
            ("cloudwatch_log_stream", "CloudwatchLogStream"),
            ("include_authorization_policy_context", "IncludeAuthorizationPolicyContext"),
        ):
            if value.get(key) is not None:
                request[member] = value[key]
    return request


def _client_connect_request(value):
    request = {"Enabled": bool(value.get("enabled"))}
    if value.get("enabled") and value.get("lambda_function_arn"):
        request["LambdaFunctionArn"] = value["lambda_function_arn"]
    return request


def _login_banner_request(value):
    request = {"Enabled": bool(value.get("enabled"))}
    if value.get("enabled") and value.get("text") is not None:
        request["BannerText"] = value["text"]
    return request


def _transit_gateway_request(value):
    request = {"TransitGatewayId": value["transit_gateway_id"]}
    if value.get("availability_zones"):
        request["AvailabilityZones"] = value["availability_zones"]
    if value.get("availability_zone_ids"):
        request["AvailabilityZoneIds"] = value["availability_zone_ids"]
    return request


def _device_posture_request(value):
    providers = []
    for provider in value.get("trust_providers") or []:
        item = {"TrustProviderType": provider["type"]}
        if provider.get("tenant_id"):
            item["TenantId"] = provider["tenant_id"]
        if provider.get("public_signing_key_url"):
            item["PublicSigningKeyUrl"] = provider["public_signing_key_url"]
        providers.append(item)
    return {"Enabled": bool(value["enabled"]), "TrustProviders": providers}


# option name -> (API member, converter); shared by create and modify where the shapes agree.
_SIMPLE_MEMBERS = {
    "server_certificate_arn": "ServerCertificateArn",
    "vpn_port": "VpnPort",
    "description": "Description",
    "split_tunnel": "SplitTunnel",
    "vpc_id": "VpcId",
    "security_group_ids": "SecurityGroupIds",
    "self_service_portal": "SelfServicePortal",
    "session_timeout_hours": "SessionTimeoutHours",
    "disconnect_on_session_timeout": "DisconnectOnSessionTimeout",
}

_STRUCT_MEMBERS = {
    "connection_log": ("ConnectionLogOptions", _connection_log_request),
    "client_connect_handler": ("ClientConnectOptions", _client_connect_request),
    "login_banner": ("ClientLoginBannerOptions", _login_banner_request),
    "client_route_enforcement": ("ClientRouteEnforcementOptions", lambda v: {"Enforced": bool(v)}),
    "transit_gateway": ("TransitGatewayConfiguration", _transit_gateway_request),
    "device_posture": ("DevicePostureOptions", _device_posture_request),
}


def build_create_params(params):
    """CreateClientVpnEndpoint parameters (without ClientToken) from the module parameters."""
    request = {
        "ServerCertificateArn": params.get("server_certificate_arn"),
        "AuthenticationOptions": _authentication_request(params.get("authentication")),
        "ConnectionLogOptions": _connection_log_request(params.get("connection_log") or {"enabled": False}),
    }
    for key, member in (
        ("client_cidr_block", "ClientCidrBlock"),
        ("transport_protocol", "TransportProtocol"),
        ("endpoint_ip_address_type", "EndpointIpAddressType"),
        ("traffic_ip_address_type", "TrafficIpAddressType"),
    ):
        if params.get(key) is not None:
            request[member] = params[key]
    if params.get("dns_servers"):
        request["DnsServers"] = list(params["dns_servers"])
    for key, member in _SIMPLE_MEMBERS.items():
        if params.get(key) is not None:
            value = params[key]
            request[member] = list(value) if isinstance(value, list) else value
    for key, (member, convert) in _STRUCT_MEMBERS.items():
        if key == "connection_log":
            continue
        if params.get(key) is not None:
            request[member] = convert(params[key])
    tags = dict(params.get("tags") or {})
    tags["Name"] = params["name"]
    request["TagSpecifications"] = boto3_tag_specifications(tags, types=["client-vpn-endpoint"])
    return request


def build_modify_params(changed_options, desired, current):
    """ModifyClientVpnEndpoint members for the changed (mutable) options only."""
    request = {}
    for key in changed_options:
        if key in IMMUTABLE_OPTIONS:
            continue
        value = desired[key]
        if key == "dns_servers":
            request["DnsServers"] = (
                {"Enabled": bool(value), "CustomDnsServers": list(value)} if value else {"Enabled": False}
            )
        elif key in _SIMPLE_MEMBERS:
            request[_SIMPLE_MEMBERS[key]] = list(value) if isinstance(value, list) else value
        else:
            member, convert = _STRUCT_MEMBERS[key]
            request[member] = convert(value)
    # AWS wants the VPC with the security groups ("you must also specify the ID of the VPC").
    if "SecurityGroupIds" in request and "VpcId" not in request:
        vpc_id = desired.get("vpc_id") or current.get("vpc_id")
        if vpc_id:
            request["VpcId"] = vpc_id
    return request


def desired_tags(params):
    """The tags to converge to, Name included; None when tags are left alone (only Name is ensured)."""
    if params.get("tags") is None:
        return None
    tags = dict(params["tags"])
    if params.get("name"):
        tags["Name"] = params["name"]
    return tags


def compare_tags(current_tags, params):
    """(tags_to_set, keys_to_unset); the Name tag is never removed."""
    wanted = desired_tags(params)
    if wanted is None:
        to_set = {}
        if params.get("name") and current_tags.get("Name") != params["name"]:
            to_set["Name"] = params["name"]
        return to_set, []
    to_set, to_unset = compare_aws_tags(current_tags, wanted, purge_tags=params.get("purge_tags", True))
    return to_set, [k for k in to_unset if k != "Name"]


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


def format_endpoint(endpoint):
    if not endpoint:
        return {}
    result = camel_dict_to_snake_dict(endpoint, ignore_list=["Tags"])
    result["tags"] = boto3_tag_list_to_ansible_dict(endpoint.get("Tags") or [])
    return result


def planned_endpoint(params):
    """What a new endpoint would look like (check mode)."""
    request = build_create_params(params)
    request.pop("TagSpecifications")
    result = camel_dict_to_snake_dict(request)
    result["tags"] = desired_tags(params) or {"Name": params["name"]}
    return result


def diff_view(settings, tags):
    view = copy.deepcopy(settings) if settings else {}
    if tags is not None:
        view["tags"] = tags
    return view


# ---------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------


def disassociate_all_target_networks(client, endpoint_id, wait_timeout):
    """Disassociate every target network of the endpoint and wait until they are gone."""
    pending = []
    for association in describe_client_vpn_target_networks(client, endpoint_id) or []:
        state = association.get("Status", {}).get("Code")
        if state == "disassociated":
            continue
        if state != "disassociating":
            disassociate_client_vpn_target_network(client, endpoint_id, association["AssociationId"])
        pending.append(association["AssociationId"])
    if pending:
        wait_for(
            client,
            "client_vpn_target_network_disassociated",
            wait_timeout,
            ClientVpnEndpointId=endpoint_id,
            AssociationIds=pending,
        )
    return bool(pending)


def delete_endpoint(client, endpoint_id, wait, wait_timeout):
    disassociate_all_target_networks(client, endpoint_id, wait_timeout)
    delete_client_vpn_endpoint(client, endpoint_id)
    if wait:
        wait_for(client, "client_vpn_endpoint_deleted", wait_timeout, ClientVpnEndpointIds=[endpoint_id])


def _token_of_a_deleted_endpoint(error):
    """EC2 answers a reused token whose endpoint is deleted with IdempotentParameterMismatch (our token
    is derived from the parameters, so "other parameters" cannot be the reason)."""
    response = getattr(getattr(error, "exception", None), "response", None) or {}
    return response.get("Error", {}).get("Code") == "IdempotentParameterMismatch"


def create_endpoint(client, params, wait_timeout, salt=None):
    """Create the endpoint with a derived client token; returns its ID once AWS describes it.

    One intended create keeps one token: AWSRetry and botocore resend the same request, so a lost
    answer cannot make a second endpoint.  EC2 is eventually consistent: the new ID may be unknown
    to the first describes, which is waited out, never taken for "not created".  A new token is
    derived (from the last one) only when AWS says the token belongs to an endpoint deleted since.
    """
    request = build_create_params(params)
    for _attempt in range(MAX_CREATE_TOKENS):
        request["ClientToken"] = derive_client_token(params["name"], request, salt)
        try:
            response = create_client_vpn_endpoint(client, **request)
        except AnsibleAWSError as e:
            if not _token_of_a_deleted_endpoint(e):
                raise
            salt = request["ClientToken"]
            continue
        endpoint_id = response["ClientVpnEndpointId"]
        if (response.get("Status") or {}).get("Code") not in ("deleting", "deleted"):
            wait_for(client, "client_vpn_endpoint_visible", wait_timeout, ClientVpnEndpointIds=[endpoint_id])
            found = describe_client_vpn_endpoints(client, ClientVpnEndpointIds=[endpoint_id])
            if not found or endpoint_is_live(found[0]):
                return endpoint_id
        # The token was last used for an endpoint deleted since (a delete then re-create with the
        # same settings within the token's lifetime): AWS answers with that endpoint. Derive a fresh token.
        salt = endpoint_id
    raise AnsibleClientVpnError(message="AWS keeps answering the create request with a deleted endpoint")


def validate_create(params):
    missing = [key for key in ("name", "server_certificate_arn", "authentication") if not params.get(key)]
    if missing:
        raise AnsibleClientVpnError(message="Creating a Client VPN endpoint requires: " + ", ".join(missing))


def ensure_present(client, params, check_mode):
    """Converge one endpoint. Returns the result dict (changed, client_vpn_endpoint, diff, ...)."""
    endpoint = find_client_vpn_endpoint(
        client, name=params.get("name"), endpoint_id=params.get("client_vpn_endpoint_id")
    )
    desired = desired_settings(params)
    result = {"changed": False}
    wait = params.get("wait", True)
    wait_timeout = params.get("wait_timeout", 1800)

    if endpoint is None and params.get("client_vpn_endpoint_id"):
        raise AnsibleClientVpnError(message=f"Client VPN endpoint {params['client_vpn_endpoint_id']} does not exist")

    if endpoint is not None:
        current = current_settings(endpoint)
        current_tags = boto3_tag_list_to_ansible_dict(endpoint.get("Tags") or [])
        changed_options = compare_settings(desired, current)
        immutable = immutable_changes(changed_options)
        if immutable and not params.get("replace"):
            error = AnsibleClientVpnError(
                message=format_immutable_error(endpoint["ClientVpnEndpointId"], immutable, desired, current)
            )
            error.immutable_changes = immutable
            raise error

        after_settings = dict(current)
        after_settings.update({k: desired[k] for k in changed_options})
        to_set, to_unset = compare_tags(current_tags, params)
        after_tags = {k: v for k, v in current_tags.items() if k not in to_unset}
        after_tags.update(to_set)
        result["diff"] = {
            "before": diff_view(current, current_tags),
            "after": diff_view(after_settings, after_tags),
        }

        if immutable:
            validate_create(params)
            old_id = endpoint["ClientVpnEndpointId"]
            result.update(changed=True, replaced_client_vpn_endpoint_id=old_id)
            if check_mode:
                result["client_vpn_endpoint"] = planned_endpoint(params)
                return result
            delete_endpoint(client, old_id, True, wait_timeout)
            new_id = create_endpoint(client, params, wait_timeout, salt=old_id)
            if wait:
                wait_for(client, "client_vpn_endpoint_ready", wait_timeout, ClientVpnEndpointIds=[new_id])
            result["client_vpn_endpoint"] = format_endpoint(get_client_vpn_endpoint(client, new_id))
            return result

        endpoint_id = endpoint["ClientVpnEndpointId"]
        modify = build_modify_params(changed_options, desired, current)
        if modify or to_set or to_unset:
            result["changed"] = True
        if check_mode:
            result["client_vpn_endpoint"] = format_endpoint(endpoint)
            return result
        if modify:
            modify_client_vpn_endpoint(client, endpoint_id, **modify)
        if to_unset:
            delete_tags(client, endpoint_id, to_unset)
        if to_set:
            create_tags(client, endpoint_id, ansible_dict_to_boto3_tag_list(to_set))
        if result["changed"]:
            endpoint = get_client_vpn_endpoint(client, endpoint_id)
        result["client_vpn_endpoint"] = format_endpoint(endpoint)
        return result

    # Create
    validate_create(params)
    planned = planned_endpoint(params)
    result["changed"] = True
    result["diff"] = {"before": {}, "after": diff_view(desired, planned["tags"])}
    if check_mode:
        result["client_vpn_endpoint"] = planned
        return result
    endpoint_id = create_endpoint(client, params, wait_timeout)
    if wait:
        wait_for(client, "client_vpn_endpoint_ready", wait_timeout, ClientVpnEndpointIds=[endpoint_id])
    result["client_vpn_endpoint"] = format_endpoint(get_client_vpn_endpoint(client, endpoint_id))
    return result


def ensure_absent(client, params, check_mode):
    endpoint = find_client_vpn_endpoint(
        client, name=params.get("name"), endpoint_id=params.get("client_vpn_endpoint_id")
    )
    if endpoint is None or endpoint.get("Status", {}).get("Code") in ("deleting", "deleted"):
        return {"changed": False, "client_vpn_endpoint": {}, "diff": {"before": {}, "after": {}}}
    before = diff_view(current_settings(endpoint), boto3_tag_list_to_ansible_dict(endpoint.get("Tags") or []))
    result = {
        "changed": True,
        "client_vpn_endpoint": format_endpoint(endpoint),
        "diff": {"before": before, "after": {}},
    }
    if check_mode:
        return result
    delete_endpoint(client, endpoint["ClientVpnEndpointId"], params.get("wait", True), params.get("wait_timeout", 1800))
    return result


def main():
    argument_spec = dict(
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

    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[["name", "client_vpn_endpoint_id"]],
        mutually_exclusive=[["transit_gateway", "vpc_id"], ["transit_gateway", "security_group_ids"]],
    )

    problems = [f"dns_servers: {p}" for p in aws_rules.dns_servers_problems(module.params["dns_servers"])]
    banner = module.params["login_banner"] or {}
    problems += [f"login_banner.text {p}" for p in aws_rules.login_banner_problems(banner.get("text"))]
    if problems:
        module.fail_json(msg="; ".join(problems))

    client = aws_client(module, "ec2")
    try:
        if module.params["state"] == "present":
            result = ensure_present(client, module.params, module.check_mode)
        else:
            result = ensure_absent(client, module.params, module.check_mode)
    except AnsibleAWSError as e:
        immutable = getattr(e, "immutable_changes", None)
        if immutable:
            module.fail_json(msg=e.message, immutable_changes=immutable)
        module.fail_json_aws_error(e)

    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
