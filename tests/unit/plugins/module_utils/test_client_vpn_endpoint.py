"""module_utils/client_vpn_endpoint: the endpoint option table, row by row.

Each row is exercised through the functions the module uses (build_create_params, current_settings,
compare_settings, ensure_present), with the API values written out: a row whose member, conversion,
default or immutability changes fails here.
"""

from unittest.mock import MagicMock

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_endpoint as cve

EID = "cvpn-endpoint-0123456789abcdef0"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/aaaa"
CA = "arn:aws:acm:us-east-1:123456789012:certificate/cccc"
PORTAL = f"https://self-service.clientvpn.amazonaws.com/endpoints/{EID}"
DIRECTORY = {"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": "d-1"}}


def params(**over):
    """The module's parameters: every option unset but those an endpoint needs."""
    p = {row.option: None for row in cve.OPTIONS}
    p.update(
        name="vpn",
        client_vpn_endpoint_id=None,
        server_certificate_arn=CERT,
        authentication=[{"type": "directory-service-authentication", "directory_id": "d-1"}],
        self_service_portal="disabled",
        replace=False,
        tags=None,
        purge_tags=True,
        wait=True,
        wait_timeout=30,
    )
    p.update(over)
    return p


def described(**members):
    """An endpoint as DescribeClientVpnEndpoints answers, with only the members given besides its identity."""
    ep = {
        "ClientVpnEndpointId": EID,
        "Status": {"Code": "available"},
        "ServerCertificateArn": CERT,
        "AuthenticationOptions": [DIRECTORY],
        "VpcId": "vpc-1",
        "Tags": [{"Key": "Name", "Value": "vpn"}],
    }
    ep.update(members)
    return ep


# option: (module value, request member and value, describe member and value AWS answers after that request)
ROUND_TRIPS = {
    "client_cidr_block": ("10.200.0.0/22", ("ClientCidrBlock", "10.200.0.0/22"), ("ClientCidrBlock", "10.200.0.0/22")),
    "authentication": (
        [
            {"type": "certificate-authentication", "client_root_certificate_chain_arn": CA, "directory_id": None},
            {"type": "directory-service-authentication", "directory_id": "d-1"},
        ],
        (
            "AuthenticationOptions",
            [
                {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChainArn": CA}},
                DIRECTORY,
            ],
        ),
        (
            "AuthenticationOptions",
            [
                DIRECTORY,
                {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChain": CA}},
            ],
        ),
    ),
    "transport_protocol": ("udp", ("TransportProtocol", "udp"), ("TransportProtocol", "udp")),
    "endpoint_ip_address_type": ("ipv6", ("EndpointIpAddressType", "ipv6"), ("EndpointIpAddressType", "ipv6")),
    "traffic_ip_address_type": (
        "dual-stack",
        ("TrafficIpAddressType", "dual-stack"),
        ("TrafficIpAddressType", "dual-stack"),
    ),
    "server_certificate_arn": (CERT, ("ServerCertificateArn", CERT), ("ServerCertificateArn", CERT)),
    "connection_log": (
        {
            "enabled": True,
            "cloudwatch_log_group": "g",
            "cloudwatch_log_stream": None,
            "include_authorization_policy_context": True,
        },
        (
            "ConnectionLogOptions",
            {"Enabled": True, "CloudwatchLogGroup": "g", "IncludeAuthorizationPolicyContext": True},
        ),
        # AWS names a stream of its own when none is given.
        (
            "ConnectionLogOptions",
            {
                "Enabled": True,
                "CloudwatchLogGroup": "g",
                "CloudwatchLogStream": "auto",
                "IncludeAuthorizationPolicyContext": True,
            },
        ),
    ),
    "dns_servers": (
        ["10.0.1.2", "10.0.0.2"],
        ("DnsServers", ["10.0.1.2", "10.0.0.2"]),
        ("DnsServers", ["10.0.1.2", "10.0.0.2"]),
    ),
    "vpn_port": (1194, ("VpnPort", 1194), ("VpnPort", 1194)),
    "description": ("d", ("Description", "d"), ("Description", "d")),
    "split_tunnel": (True, ("SplitTunnel", True), ("SplitTunnel", True)),
    "vpc_id": ("vpc-1", ("VpcId", "vpc-1"), ("VpcId", "vpc-1")),
    "security_group_ids": (
        ["sg-2", "sg-1"],
        ("SecurityGroupIds", ["sg-2", "sg-1"]),
        ("SecurityGroupIds", ["sg-1", "sg-2"]),
    ),
    "self_service_portal": ("enabled", ("SelfServicePortal", "enabled"), ("SelfServicePortalUrl", PORTAL)),
    "client_connect_handler": (
        {"enabled": True, "lambda_function_arn": "arn:l"},
        ("ClientConnectOptions", {"Enabled": True, "LambdaFunctionArn": "arn:l"}),
        ("ClientConnectOptions", {"Enabled": True, "LambdaFunctionArn": "arn:l", "Status": {"Code": "applied"}}),
    ),
    "session_timeout_hours": (12, ("SessionTimeoutHours", 12), ("SessionTimeoutHours", 12)),
    "disconnect_on_session_timeout": (
        False,
        ("DisconnectOnSessionTimeout", False),
        ("DisconnectOnSessionTimeout", False),
    ),
    "login_banner": (
        {"enabled": True, "text": "Hi"},
        ("ClientLoginBannerOptions", {"Enabled": True, "BannerText": "Hi"}),
        ("ClientLoginBannerOptions", {"Enabled": True, "BannerText": "Hi"}),
    ),
    "client_route_enforcement": (
        True,
        ("ClientRouteEnforcementOptions", {"Enforced": True}),
        ("ClientRouteEnforcementOptions", {"Enforced": True}),
    ),
    "transit_gateway": (
        {
            "transit_gateway_id": "tgw-1",
            "availability_zones": ["us-east-1b", "us-east-1a"],
            "availability_zone_ids": None,
        },
        (
            "TransitGatewayConfiguration",
            {"TransitGatewayId": "tgw-1", "AvailabilityZones": ["us-east-1b", "us-east-1a"]},
        ),
        (
            "TransitGatewayConfiguration",
            {"TransitGatewayId": "tgw-1", "AvailabilityZones": ["us-east-1a", "us-east-1b"]},
        ),
    ),
    "device_posture": (
        {"enabled": True, "trust_providers": [{"type": "jamf", "tenant_id": "t", "public_signing_key_url": None}]},
        ("DevicePostureOptions", {"Enabled": True, "TrustProviders": [{"TrustProviderType": "jamf", "TenantId": "t"}]}),
        # AWS describes the providers, not the switch.
        ("DevicePostureOptions", {"TrustProviders": [{"TrustProviderType": "jamf", "TenantId": "t"}]}),
    ),
}

# A mutable option: (new module value, the ModifyClientVpnEndpoint request it makes from its ROUND_TRIPS endpoint).
MODIFIES = {
    "server_certificate_arn": ("arn:new", {"ServerCertificateArn": "arn:new"}),
    "connection_log": ({"enabled": False, "cloudwatch_log_group": "g"}, {"ConnectionLogOptions": {"Enabled": False}}),
    "dns_servers": ([], {"DnsServers": {"Enabled": False}}),
    "vpn_port": (443, {"VpnPort": 443}),
    "description": ("e", {"Description": "e"}),
    "split_tunnel": (False, {"SplitTunnel": False}),
    "vpc_id": ("vpc-2", {"VpcId": "vpc-2"}),
    # AWS wants the VPC with the security groups: the endpoint's is sent along.
    "security_group_ids": (["sg-3"], {"SecurityGroupIds": ["sg-3"], "VpcId": "vpc-1"}),
    "self_service_portal": ("disabled", {"SelfServicePortal": "disabled"}),
    "client_connect_handler": ({"enabled": False}, {"ClientConnectOptions": {"Enabled": False}}),
    "session_timeout_hours": (8, {"SessionTimeoutHours": 8}),
    "disconnect_on_session_timeout": (True, {"DisconnectOnSessionTimeout": True}),
    "login_banner": (
        {"enabled": True, "text": "Bye"},
        {"ClientLoginBannerOptions": {"Enabled": True, "BannerText": "Bye"}},
    ),
    "client_route_enforcement": (False, {"ClientRouteEnforcementOptions": {"Enforced": False}}),
    "transit_gateway": (
        {"transit_gateway_id": "tgw-2"},
        {"TransitGatewayConfiguration": {"TransitGatewayId": "tgw-2"}},
    ),
    "device_posture": (
        {"enabled": True, "trust_providers": [{"type": "crowdstrike", "tenant_id": "c"}]},
        {
            "DevicePostureOptions": {
                "Enabled": True,
                "TrustProviders": [{"TrustProviderType": "crowdstrike", "TenantId": "c"}],
            }
        },
    ),
}

# An immutable option: (new module value, how the failure names it against its ROUND_TRIPS endpoint).
REFUSALS = {
    "client_cidr_block": ("10.201.0.0/22", "client_cidr_block (current: '10.200.0.0/22', requested: '10.201.0.0/22')"),
    "authentication": (
        [{"type": "directory-service-authentication", "directory_id": "d-2"}],
        "authentication (current: [{'type': 'certificate-authentication', 'client_root_certificate_chain_arn': "
        f"'{CA}'}}, {{'type': 'directory-service-authentication', 'directory_id': 'd-1'}}], "
        "requested: [{'type': 'directory-service-authentication', 'directory_id': 'd-2'}])",
    ),
    "transport_protocol": ("tcp", "transport_protocol (current: 'udp', requested: 'tcp')"),
    "endpoint_ip_address_type": ("ipv4", "endpoint_ip_address_type (current: 'ipv6', requested: 'ipv4')"),
    "traffic_ip_address_type": ("ipv4", "traffic_ip_address_type (current: 'dual-stack', requested: 'ipv4')"),
}


def round_trip_endpoint(option):
    dummy_value, dummy_request, (member, value) = ROUND_TRIPS[option]
    return described(**{member: value})


def test_every_row_has_its_cases():
    options = [row.option for row in cve.OPTIONS]
    assert list(ROUND_TRIPS) == options
    assert sorted(list(MODIFIES) + list(REFUSALS)) == sorted(options)
    assert list(REFUSALS) == [row.option for row in cve.OPTIONS if row.immutable]


@pytest.mark.parametrize("option", list(ROUND_TRIPS))
def test_row_to_request(option):
    value, (member, request), dummy_described = ROUND_TRIPS[option]
    assert cve.build_create_params(params(**{option: value}))[member] == request


@pytest.mark.parametrize("option", list(ROUND_TRIPS))
def test_row_reads_back_what_it_requested(option):
    """The endpoint AWS describes after the request is no difference; the member left out is one."""
    value, dummy_request, (member, dummy_described) = ROUND_TRIPS[option]
    desired = cve.desired_settings(params(**{option: value}))
    assert cve.compare_settings(desired, cve.current_settings(round_trip_endpoint(option))) == []
    left_out = {k: v for k, v in described().items() if k != member}
    assert cve.compare_settings(desired, cve.current_settings(left_out)) == [option]


def test_what_aws_fills_in_is_no_difference():
    """An endpoint described without the optional members reads as AWS's defaults."""
    current = cve.current_settings({k: v for k, v in described().items() if k != "VpcId"})
    assert {k: v for k, v in current.items() if k not in ("server_certificate_arn", "authentication")} == {
        "client_cidr_block": None,
        "transport_protocol": None,
        "endpoint_ip_address_type": "ipv4",
        "traffic_ip_address_type": "ipv4",
        "connection_log": {"enabled": False},
        "dns_servers": [],
        "vpn_port": None,
        "description": "",
        "split_tunnel": False,
        "vpc_id": None,
        "security_group_ids": [],
        "self_service_portal": "disabled",
        "client_connect_handler": {"enabled": False},
        "session_timeout_hours": 24,
        "disconnect_on_session_timeout": True,
        "login_banner": {"enabled": False},
        "client_route_enforcement": False,
        "transit_gateway": None,
        "device_posture": {"enabled": False, "trust_providers": []},
    }
    defaults = params(
        endpoint_ip_address_type="ipv4",
        traffic_ip_address_type="ipv4",
        connection_log={"enabled": False},
        dns_servers=[],
        description="",
        split_tunnel=False,
        security_group_ids=[],
        client_connect_handler={"enabled": False},
        session_timeout_hours=24,
        disconnect_on_session_timeout=True,
        login_banner={"enabled": False, "text": "stale"},
        client_route_enforcement=False,
        # Switched off, the other members are no difference.
        device_posture={"enabled": False, "trust_providers": [{"type": "jamf", "tenant_id": "t"}]},
    )
    assert cve.compare_settings(cve.desired_settings(defaults), current) == []
    # AWS leaves IncludeAuthorizationPolicyContext out when it is off; None and "" are one description.
    logging = {"enabled": True, "cloudwatch_log_group": "g", "include_authorization_policy_context": False}
    endpoint = described(ConnectionLogOptions={"Enabled": True, "CloudwatchLogGroup": "g"}, Description=None)
    assert (
        cve.compare_settings(
            cve.desired_settings(params(connection_log=logging, description="")), cve.current_settings(endpoint)
        )
        == []
    )


def test_switched_members_sent_when_on():
    """Switched on, the Lambda ARN is sent only when not empty, the banner text whenever set (even empty)."""
    request = cve.build_create_params(
        params(
            client_connect_handler={"enabled": True, "lambda_function_arn": ""},
            login_banner={"enabled": True, "text": ""},
        )
    )
    assert request["ClientConnectOptions"] == {"Enabled": True}
    assert request["ClientLoginBannerOptions"] == {"Enabled": True, "BannerText": ""}


def test_create_carries_the_required_members_even_unset():
    request = cve.build_create_params(params(server_certificate_arn=None, authentication=None))
    assert request["ServerCertificateArn"] is None
    assert request["AuthenticationOptions"] == []
    assert request["ConnectionLogOptions"] == {"Enabled": False}
    assert "DnsServers" not in cve.build_create_params(params(dns_servers=[]))


class Client:
    """A MagicMock EC2 client that describes one endpoint."""

    def __init__(self, endpoint):
        self.mock = MagicMock()
        pages = self.mock.get_paginator.return_value.paginate.return_value
        pages.build_full_result.return_value = {"ClientVpnEndpoints": [endpoint]}

    def writes(self):
        return [c for c in self.mock.method_calls if not c[0].startswith(("describe", "get_paginator"))]


@pytest.fixture
def no_wait(monkeypatch):
    monkeypatch.setattr(cve, "wait_for", lambda *a, **kw: None)


@pytest.mark.parametrize("option", list(MODIFIES))
def test_a_mutable_row_is_modified_in_place(no_wait, option):
    value, request = MODIFIES[option]
    client = Client(round_trip_endpoint(option))
    result = cve.ensure_present(client.mock, params(**{option: value}), False)
    assert result["changed"] is True
    client.mock.modify_client_vpn_endpoint.assert_called_once_with(ClientVpnEndpointId=EID, **request)
    assert [c[0] for c in client.writes()] == ["modify_client_vpn_endpoint"]


@pytest.mark.parametrize("option", list(REFUSALS))
def test_an_immutable_row_is_refused_naming_it(option):
    value, detail = REFUSALS[option]
    client = Client(round_trip_endpoint(option))
    with pytest.raises(cve.ImmutableChangesError) as e:
        cve.ensure_present(client.mock, params(**{option: value}), False)
    assert e.value.immutable_changes == [option]
    assert e.value.message == (
        f"Cannot change immutable settings of Client VPN endpoint {EID}: {detail}. Set replace=true to delete and "
        "re-create the endpoint (its target networks are disassociated first)."
    )
    assert client.writes() == []
