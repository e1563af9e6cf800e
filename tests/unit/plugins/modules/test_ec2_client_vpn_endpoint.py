"""ec2_client_vpn_endpoint: immutable-field detection, modify parameters, create/replace/absent flows."""

from unittest.mock import MagicMock

import boto3
import botocore.config
import botocore.exceptions
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_endpoint as mod
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import AnsibleClientVpnError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.results import snake_with_tags
from ansible_collections.multiregion.client_vpn.plugins.modules import ec2_client_vpn_endpoint as endpoint_module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main
from botocore.stub import Stubber

EID = "cvpn-endpoint-0123456789abcdef0"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/aaaa"
CERT2 = "arn:aws:acm:us-east-1:123456789012:certificate/bbbb"


def endpoint(**over):
    ep = {
        "ClientVpnEndpointId": EID,
        "Status": {"Code": "pending-associate"},
        "DnsName": f"*.{EID}.prod.clientvpn.us-east-1.amazonaws.com",
        "ClientCidrBlock": "10.200.0.0/22",
        "DnsServers": [],
        "SplitTunnel": False,
        "VpnProtocol": "openvpn",
        "TransportProtocol": "tcp",
        "VpnPort": 443,
        "ServerCertificateArn": CERT,
        "AuthenticationOptions": [
            {"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": "d-1234567890"}}
        ],
        "ConnectionLogOptions": {"Enabled": False},
        "Tags": [{"Key": "Name", "Value": "vpn"}],
        "SecurityGroupIds": ["sg-1"],
        "VpcId": "vpc-1",
        "SessionTimeoutHours": 24,
        "ClientConnectOptions": {"Enabled": False, "Status": {"Code": "applied"}},
        "ClientLoginBannerOptions": {"Enabled": False},
        "ClientRouteEnforcementOptions": {"Enforced": False},
        "DisconnectOnSessionTimeout": True,
        "EndpointIpAddressType": "ipv4",
        "TrafficIpAddressType": "ipv4",
    }
    ep.update(over)
    return ep


def params(**over):
    p = {
        "state": "present",
        "name": "vpn",
        "client_vpn_endpoint_id": None,
        "client_cidr_block": "10.200.0.0/22",
        "server_certificate_arn": CERT,
        "authentication": [
            {
                "type": "directory-service-authentication",
                "directory_id": "d-1234567890",
                "client_root_certificate_chain_arn": None,
                "saml_provider_arn": None,
                "self_service_saml_provider_arn": None,
            }
        ],
        "connection_log": None,
        "dns_servers": None,
        "transport_protocol": "tcp",
        "vpn_port": None,
        "description": None,
        "split_tunnel": None,
        "vpc_id": None,
        "security_group_ids": None,
        "self_service_portal": "disabled",
        "client_connect_handler": None,
        "session_timeout_hours": None,
        "disconnect_on_session_timeout": None,
        "login_banner": None,
        "client_route_enforcement": None,
        "endpoint_ip_address_type": None,
        "traffic_ip_address_type": None,
        "transit_gateway": None,
        "device_posture": None,
        "replace": False,
        "tags": None,
        "purge_tags": True,
        "wait": True,
        "wait_timeout": 30,
    }
    p.update(over)
    return p


def changes(p, ep):
    return mod.compare_settings(mod.desired_settings(p), mod.current_settings(ep))


# ----------------------------------------------------------- comparison


def test_identical_endpoint_has_no_change():
    assert changes(params(), endpoint()) == []


def test_unset_options_are_not_compared():
    ep = endpoint(SplitTunnel=True, VpnPort=1194, DnsServers=["10.0.0.2"], Description="x", SessionTimeoutHours=8)
    assert changes(params(), ep) == []


def test_self_service_portal_from_url():
    assert changes(params(), endpoint(SelfServicePortalUrl="https://x")) == ["self_service_portal"]
    assert changes(params(self_service_portal="enabled"), endpoint(SelfServicePortalUrl="https://x")) == []


@pytest.mark.parametrize(
    "over, expected",
    [
        ({"client_cidr_block": "10.201.0.0/22"}, ["client_cidr_block"]),
        ({"transport_protocol": "udp"}, ["transport_protocol"]),
        (
            {"authentication": [{"type": "certificate-authentication", "client_root_certificate_chain_arn": CERT}]},
            ["authentication"],
        ),
        ({"traffic_ip_address_type": "dual-stack"}, ["traffic_ip_address_type"]),
        ({"endpoint_ip_address_type": "ipv6"}, ["endpoint_ip_address_type"]),
        (
            {"client_cidr_block": "10.201.0.0/22", "transport_protocol": "udp"},
            ["client_cidr_block", "transport_protocol"],
        ),
    ],
)
def test_immutable_detection(over, expected):
    found = changes(params(**over), endpoint())
    assert mod.immutable_changes(found) == expected


def test_mutable_changes_are_not_immutable():
    found = changes(params(vpn_port=1194, split_tunnel=True, server_certificate_arn=CERT2), endpoint())
    assert found == ["server_certificate_arn", "vpn_port", "split_tunnel"]
    assert mod.immutable_changes(found) == []


def test_authentication_order_does_not_matter():
    ep = endpoint(
        AuthenticationOptions=[
            {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChain": CERT2}},
            {"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": "d-1234567890"}},
        ]
    )
    p = params(
        authentication=[
            {"type": "directory-service-authentication", "directory_id": "d-1234567890"},
            {"type": "certificate-authentication", "client_root_certificate_chain_arn": CERT2},
        ]
    )
    assert changes(p, ep) == []


def test_federated_authentication_names_map():
    ep = endpoint(
        AuthenticationOptions=[
            {
                "Type": "federated-authentication",
                "FederatedAuthentication": {"SamlProviderArn": "arn:saml", "SelfServiceSamlProviderArn": "arn:ss"},
            }
        ]
    )
    p = params(
        authentication=[
            {
                "type": "federated-authentication",
                "saml_provider_arn": "arn:saml",
                "self_service_saml_provider_arn": "arn:ss",
            }
        ]
    )
    assert changes(p, ep) == []
    request = mod.build_create_params(p)
    assert request["AuthenticationOptions"] == [
        {
            "Type": "federated-authentication",
            "FederatedAuthentication": {"SAMLProviderArn": "arn:saml", "SelfServiceSAMLProviderArn": "arn:ss"},
        }
    ]


def test_immutable_error_names_each_field():
    p = params(client_cidr_block="10.201.0.0/22", transport_protocol="udp")
    desired, current = mod.desired_settings(p), mod.current_settings(endpoint())
    message = mod.format_immutable_error(EID, ["client_cidr_block", "transport_protocol"], desired, current)
    assert "client_cidr_block (current: '10.200.0.0/22', requested: '10.201.0.0/22')" in message
    assert "transport_protocol (current: 'tcp', requested: 'udp')" in message
    assert "replace=true" in message


# ------------------------------------------------------ modify parameters


def modify_for(p, ep):
    desired, current = mod.desired_settings(p), mod.current_settings(ep)
    return mod.build_modify_params(mod.compare_settings(desired, current), desired, current)


def test_modify_sends_only_changed_members():
    p = params(vpn_port=1194, split_tunnel=False, session_timeout_hours=12, description="x")
    assert modify_for(p, endpoint()) == {"VpnPort": 1194, "SessionTimeoutHours": 12, "Description": "x"}


def test_modify_nothing():
    assert modify_for(params(vpn_port=443), endpoint()) == {}


@pytest.mark.parametrize(
    "want, have, expected",
    [
        (["10.0.0.2", "10.0.1.2"], [], {"DnsServers": {"Enabled": True, "CustomDnsServers": ["10.0.0.2", "10.0.1.2"]}}),
        ([], ["10.0.0.2"], {"DnsServers": {"Enabled": False}}),
        (["10.0.0.2"], ["10.0.0.2"], {}),
        (
            ["10.0.1.2", "10.0.0.2"],
            ["10.0.0.2", "10.0.1.2"],
            {"DnsServers": {"Enabled": True, "CustomDnsServers": ["10.0.1.2", "10.0.0.2"]}},
        ),
    ],
)
def test_modify_dns_servers(want, have, expected):
    assert modify_for(params(dns_servers=want), endpoint(DnsServers=have)) == expected


def test_modify_security_groups_carries_vpc():
    assert modify_for(params(security_group_ids=["sg-2"]), endpoint()) == {
        "SecurityGroupIds": ["sg-2"],
        "VpcId": "vpc-1",
    }
    assert modify_for(params(security_group_ids=["sg-1"]), endpoint()) == {}


def test_modify_login_banner_and_handler():
    p = params(
        login_banner={"enabled": True, "text": "Hello"},
        client_connect_handler={"enabled": True, "lambda_function_arn": "arn:lambda"},
        disconnect_on_session_timeout=False,
        client_route_enforcement=True,
    )
    assert modify_for(p, endpoint()) == {
        "ClientLoginBannerOptions": {"Enabled": True, "BannerText": "Hello"},
        "ClientConnectOptions": {"Enabled": True, "LambdaFunctionArn": "arn:lambda"},
        "DisconnectOnSessionTimeout": False,
        "ClientRouteEnforcementOptions": {"Enforced": True},
    }
    ep = endpoint(
        ClientLoginBannerOptions={"Enabled": True, "BannerText": "Hello"},
        ClientConnectOptions={"Enabled": True, "LambdaFunctionArn": "arn:lambda"},
        DisconnectOnSessionTimeout=False,
        ClientRouteEnforcementOptions={"Enforced": True},
    )
    assert modify_for(p, ep) == {}


def test_disabled_banner_ignores_stale_text():
    ep = endpoint(ClientLoginBannerOptions={"Enabled": False})
    assert modify_for(params(login_banner={"enabled": False, "text": "old"}), ep) == {}


def test_modify_connection_log():
    p = params(
        connection_log={
            "enabled": True,
            "cloudwatch_log_group": "g",
            "cloudwatch_log_stream": None,
            "include_authorization_policy_context": None,
        }
    )
    assert modify_for(p, endpoint()) == {"ConnectionLogOptions": {"Enabled": True, "CloudwatchLogGroup": "g"}}
    # AWS creates a stream when none is given: a stream we did not ask for is not a difference.
    ep = endpoint(ConnectionLogOptions={"Enabled": True, "CloudwatchLogGroup": "g", "CloudwatchLogStream": "auto"})
    assert modify_for(p, ep) == {}
    assert modify_for(params(connection_log={"enabled": False}), ep) == {"ConnectionLogOptions": {"Enabled": False}}


def test_modify_device_posture():
    provider = {"type": "jamf", "tenant_id": "t", "public_signing_key_url": None}
    p = params(device_posture={"enabled": True, "trust_providers": [provider]})
    assert modify_for(p, endpoint()) == {
        "DevicePostureOptions": {"Enabled": True, "TrustProviders": [{"TrustProviderType": "jamf", "TenantId": "t"}]}
    }
    ep = endpoint(DevicePostureOptions={"TrustProviders": [{"TrustProviderType": "jamf", "TenantId": "t"}]})
    assert modify_for(p, ep) == {}
    assert modify_for(params(device_posture={"enabled": False, "trust_providers": []}), endpoint()) == {}


def test_create_params_every_option():
    p = params(
        connection_log={
            "enabled": True,
            "cloudwatch_log_group": "g",
            "cloudwatch_log_stream": "s",
            "include_authorization_policy_context": True,
        },
        dns_servers=["10.0.0.2"],
        vpn_port=1194,
        description="d",
        split_tunnel=True,
        vpc_id="vpc-1",
        security_group_ids=["sg-1"],
        client_connect_handler={"enabled": True, "lambda_function_arn": "arn:l"},
        session_timeout_hours=8,
        disconnect_on_session_timeout=False,
        login_banner={"enabled": True, "text": "b"},
        client_route_enforcement=True,
        endpoint_ip_address_type="ipv4",
        traffic_ip_address_type="ipv4",
        tags={"Env": "prod"},
    )
    request = mod.build_create_params(p)
    assert request == {
        "ClientCidrBlock": "10.200.0.0/22",
        "ServerCertificateArn": CERT,
        "AuthenticationOptions": [
            {"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": "d-1234567890"}}
        ],
        "ConnectionLogOptions": {
            "Enabled": True,
            "CloudwatchLogGroup": "g",
            "CloudwatchLogStream": "s",
            "IncludeAuthorizationPolicyContext": True,
        },
        "DnsServers": ["10.0.0.2"],
        "TransportProtocol": "tcp",
        "VpnPort": 1194,
        "Description": "d",
        "SplitTunnel": True,
        "VpcId": "vpc-1",
        "SecurityGroupIds": ["sg-1"],
        "SelfServicePortal": "disabled",
        "ClientConnectOptions": {"Enabled": True, "LambdaFunctionArn": "arn:l"},
        "SessionTimeoutHours": 8,
        "DisconnectOnSessionTimeout": False,
        "ClientLoginBannerOptions": {"Enabled": True, "BannerText": "b"},
        "ClientRouteEnforcementOptions": {"Enforced": True},
        "EndpointIpAddressType": "ipv4",
        "TrafficIpAddressType": "ipv4",
        "TagSpecifications": [
            {
                "ResourceType": "client-vpn-endpoint",
                "Tags": [{"Key": "Env", "Value": "prod"}, {"Key": "Name", "Value": "vpn"}],
            }
        ],
    }


def test_create_params_minimal_defaults():
    request = mod.build_create_params(params(transport_protocol=None))
    assert request["ConnectionLogOptions"] == {"Enabled": False}
    assert request["SelfServicePortal"] == "disabled"
    assert "TransportProtocol" not in request and "DnsServers" not in request


def test_create_params_cover_the_botocore_model():
    """Every CreateClientVpnEndpoint member is reachable from an option (except DryRun/ClientToken)."""
    import botocore.session

    shape = (
        botocore.session.get_session().get_service_model("ec2").operation_model("CreateClientVpnEndpoint").input_shape
    )
    p = params(
        connection_log={"enabled": True, "cloudwatch_log_group": "g"},
        dns_servers=["10.0.0.2"],
        vpn_port=443,
        description="d",
        split_tunnel=True,
        security_group_ids=["sg"],
        vpc_id="vpc",
        client_connect_handler={"enabled": False},
        session_timeout_hours=8,
        login_banner={"enabled": False},
        client_route_enforcement=False,
        disconnect_on_session_timeout=True,
        endpoint_ip_address_type="ipv4",
        traffic_ip_address_type="ipv4",
        transit_gateway={"transit_gateway_id": "tgw-1", "availability_zones": ["us-east-1a"]},
        device_posture={"enabled": False, "trust_providers": []},
    )
    request = mod.build_create_params(p)
    request["ClientToken"] = "t"
    assert set(shape.members) - set(request) == {"DryRun"}


def test_modify_params_cover_the_botocore_model():
    import botocore.session

    shape = (
        botocore.session.get_session().get_service_model("ec2").operation_model("ModifyClientVpnEndpoint").input_shape
    )
    p = params(
        server_certificate_arn=CERT2,
        connection_log={"enabled": True, "cloudwatch_log_group": "g"},
        dns_servers=["10.0.0.2"],
        vpn_port=1194,
        description="d",
        split_tunnel=True,
        security_group_ids=["sg-2"],
        vpc_id="vpc-2",
        self_service_portal="enabled",
        client_connect_handler={"enabled": True, "lambda_function_arn": "arn"},
        session_timeout_hours=8,
        login_banner={"enabled": True, "text": "t"},
        client_route_enforcement=True,
        disconnect_on_session_timeout=False,
        transit_gateway={"transit_gateway_id": "tgw-1"},
        device_posture={"enabled": True, "trust_providers": [{"type": "jamf"}]},
    )
    request = mod.build_modify_params(changes(p, endpoint()), mod.desired_settings(p), mod.current_settings(endpoint()))
    request["ClientVpnEndpointId"] = EID
    assert set(shape.members) - set(request) == {"DryRun"}


# ---------------------------------------------------------------- tags


def test_tags_left_alone_when_omitted_but_name_enforced():
    assert mod.compare_tags({"Name": "vpn", "x": "1"}, params()) == ({}, [])
    assert mod.compare_tags({"Name": "old"}, params()) == ({"Name": "vpn"}, [])


def test_tags_purge_never_removes_name():
    to_set, to_unset = mod.compare_tags({"Name": "vpn", "x": "1"}, params(tags={"y": "2"}))
    assert to_set == {"y": "2"} and to_unset == ["x"]
    to_set, to_unset = mod.compare_tags({"Name": "vpn", "x": "1"}, params(tags={}, purge_tags=True))
    assert to_unset == ["x"]


def test_tags_no_purge():
    assert mod.compare_tags({"Name": "vpn", "x": "1"}, params(tags={"y": "2"}, purge_tags=False)) == ({"y": "2"}, [])


# ---------------------------------------------------------------- flows


class FakeClient:
    """A MagicMock ec2 client whose describe answers come from a list of endpoints."""

    def __init__(self, endpoints=(), associations=()):
        self.endpoints = list(endpoints)
        self.associations = list(associations)
        self.mock = MagicMock()
        self.mock.get_paginator.side_effect = self._paginator
        self.mock.create_client_vpn_endpoint.side_effect = self._create

    def _paginator(self, name):
        paginator = MagicMock()

        def paginate(**kw):
            result = MagicMock()
            if name == "describe_client_vpn_endpoints":
                eps = self.endpoints
                if kw.get("ClientVpnEndpointIds"):
                    eps = [e for e in eps if e["ClientVpnEndpointId"] in kw["ClientVpnEndpointIds"]]
                    if not eps:
                        raise botocore.exceptions.ClientError(
                            {"Error": {"Code": "InvalidClientVpnEndpointId.NotFound", "Message": "nope"}},
                            "DescribeClientVpnEndpoints",
                        )
                result.build_full_result.return_value = {"ClientVpnEndpoints": eps}
            elif name == "describe_client_vpn_target_networks":
                result.build_full_result.return_value = {"ClientVpnTargetNetworks": self.associations}
            return result

        paginator.paginate.side_effect = paginate
        return paginator

    def _create(self, **kw):
        new = endpoint(ClientVpnEndpointId="cvpn-endpoint-new")
        self.endpoints.append(new)
        return {"ClientVpnEndpointId": new["ClientVpnEndpointId"], "Status": {"Code": "pending-associate"}}

    def write_calls(self):
        names = [c[0] for c in self.mock.method_calls]
        return [n for n in names if not n.startswith(("describe", "get_paginator"))]


@pytest.fixture
def waits(monkeypatch):
    calls = []
    monkeypatch.setattr(mod, "wait_for", lambda client, name, timeout, **kw: calls.append((name, kw)))
    return calls


def test_create_check_mode_makes_no_write(waits):
    client = FakeClient()
    result = mod.ensure_present(client.mock, params(), check_mode=True)
    assert result["changed"] is True
    assert client.write_calls() == []
    assert result["client_vpn_endpoint"]["client_cidr_block"] == "10.200.0.0/22"
    assert result["diff"]["before"] == {}


# Tokens written out, not computed by the code under test: a change of the derivation (what makes a re-run
# find the endpoint an interrupted run created) must show here.  sha256 of the name, parameters and salt.
TOKEN = "e4c87fcf7b53c556ba36f0c86256b9ed832832717823354bf88a1c40506d7a81"  # params(), no salt
TOKEN_AFTER_TOKEN = "042ef944c1624bfae93b136f399b34b510833e443736fc401e21e71f176d13ed"  # salt: TOKEN
TOKEN_AFTER_OLD = "9942330b3af4972c1f5c4a5dbef226b31c5a66b9b505eda068af28e9c31b5fa7"  # salt: cvpn-endpoint-old
TOKEN_REPLACING = "9a00d7219c9893fd8bb1cb1f6b63dcc60e73571f3ea71e326a3732daf6e250a7"  # 10.201.0.0/22, salt: EID


def test_create_uses_derived_token_and_waits(waits):
    client = FakeClient()
    result = mod.ensure_present(client.mock, params(), check_mode=False)
    assert result["changed"] is True
    kwargs = client.mock.create_client_vpn_endpoint.call_args.kwargs
    assert kwargs["ClientToken"] == TOKEN
    assert waits == [
        ("client_vpn_endpoint_visible", {"ClientVpnEndpointIds": ["cvpn-endpoint-new"]}),
        ("client_vpn_endpoint_ready", {"ClientVpnEndpointIds": ["cvpn-endpoint-new"]}),
    ]
    assert result["client_vpn_endpoint"]["client_vpn_endpoint_id"] == "cvpn-endpoint-new"
    assert result["client_vpn_endpoint"]["tags"] == {"Name": "vpn"}


@pytest.mark.parametrize(
    "first_answer, second_token",
    [
        # The token's endpoint is still listed, as deleted: AWS answers with it.
        ({"ClientVpnEndpointId": "cvpn-endpoint-old", "Status": {"Code": "deleted"}}, TOKEN_AFTER_OLD),
        # The token's endpoint is gone: EC2's idempotency error ("associated with a resource that is already deleted").
        (
            botocore.exceptions.ClientError({"Error": {"Code": "IdempotentParameterMismatch"}}, "Create"),
            TOKEN_AFTER_TOKEN,
        ),
    ],
)
def test_create_retries_with_new_token_when_the_token_names_a_deleted_endpoint(waits, first_answer, second_token):
    client = FakeClient()
    answers = [first_answer, {"ClientVpnEndpointId": "cvpn-endpoint-new", "Status": {"Code": "pending-associate"}}]

    def create(**kw):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if answer["ClientVpnEndpointId"] == "cvpn-endpoint-new":
            client.endpoints.append(endpoint(ClientVpnEndpointId="cvpn-endpoint-new"))
        return answer

    client.mock.create_client_vpn_endpoint.side_effect = create
    result = mod.ensure_present(client.mock, params(), check_mode=False)
    tokens = [c.kwargs["ClientToken"] for c in client.mock.create_client_vpn_endpoint.call_args_list]
    assert tokens == [TOKEN, second_token]
    assert result["client_vpn_endpoint"]["client_vpn_endpoint_id"] == "cvpn-endpoint-new"


def test_create_waits_for_a_new_endpoint_the_first_describes_miss(monkeypatch):
    """EC2 is eventually consistent: NotFound right after the create is waited out, never a second create."""
    monkeypatch.setattr("time.sleep", lambda s: None)
    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    stub = Stubber(client)
    new = endpoint(ClientVpnEndpointId="cvpn-endpoint-new")
    stub.add_response("describe_client_vpn_endpoints", {"ClientVpnEndpoints": []})  # lookup by name: none
    stub.add_response(
        "create_client_vpn_endpoint",
        {"ClientVpnEndpointId": "cvpn-endpoint-new", "Status": {"Code": "pending-associate"}},
        dict(mod.build_create_params(params()), ClientToken=TOKEN),
    )
    for _miss in range(3):
        stub.add_client_error("describe_client_vpn_endpoints", "InvalidClientVpnEndpointId.NotFound")
    for _read in range(4):  # visible, its state, ready, the result
        stub.add_response("describe_client_vpn_endpoints", {"ClientVpnEndpoints": [new]})
    with stub:
        result = mod.ensure_present(client, params(), check_mode=False)
        stub.assert_no_pending_responses()
    assert result["client_vpn_endpoint"]["client_vpn_endpoint_id"] == "cvpn-endpoint-new"


def test_a_lost_create_answer_is_retried_with_the_same_token(monkeypatch):
    """The write was done but its answer was a 500: the retry carries the same token and gets the same endpoint."""
    monkeypatch.setattr("time.sleep", lambda s: None)
    client = boto3.client(
        "ec2",
        region_name="us-east-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
        config=botocore.config.Config(retries={"max_attempts": 0}),
    )
    stub = Stubber(client)
    request = dict(mod.build_create_params(params()), ClientToken=TOKEN)
    stub.add_client_error("create_client_vpn_endpoint", "InternalError", http_status_code=500, expected_params=request)
    stub.add_response(
        "create_client_vpn_endpoint",
        {"ClientVpnEndpointId": "cvpn-endpoint-new", "Status": {"Code": "pending-associate"}},
        request,
    )
    stub.add_response(
        "describe_client_vpn_endpoints", {"ClientVpnEndpoints": [endpoint(ClientVpnEndpointId="cvpn-endpoint-new")]}
    )
    stub.add_response(
        "describe_client_vpn_endpoints", {"ClientVpnEndpoints": [endpoint(ClientVpnEndpointId="cvpn-endpoint-new")]}
    )
    with stub:
        assert mod.create_endpoint(client, params(), 30) == "cvpn-endpoint-new"
        stub.assert_no_pending_responses()


def test_create_requires_certificate_and_authentication():
    with pytest.raises(AnsibleClientVpnError) as e:
        mod.ensure_present(FakeClient().mock, params(server_certificate_arn=None, authentication=None), True)
    assert "server_certificate_arn, authentication" in e.value.message


def test_idempotent_present_makes_no_write(waits):
    client = FakeClient([endpoint()])
    result = mod.ensure_present(client.mock, params(), check_mode=False)
    assert result["changed"] is False
    assert client.write_calls() == []


def test_modify_check_mode_then_apply(waits):
    client = FakeClient([endpoint()])
    result = mod.ensure_present(client.mock, params(vpn_port=1194), check_mode=True)
    assert result["changed"] is True and client.write_calls() == []
    assert result["diff"]["before"]["vpn_port"] == 443 and result["diff"]["after"]["vpn_port"] == 1194
    mod.ensure_present(client.mock, params(vpn_port=1194), check_mode=False)
    client.mock.modify_client_vpn_endpoint.assert_called_once_with(ClientVpnEndpointId=EID, VpnPort=1194)


def test_immutable_change_fails_without_write():
    client = FakeClient([endpoint()])
    with pytest.raises(AnsibleClientVpnError) as e:
        mod.ensure_present(client.mock, params(client_cidr_block="10.201.0.0/22", transport_protocol="udp"), False)
    assert e.value.immutable_changes == ["client_cidr_block", "transport_protocol"]
    assert client.write_calls() == []


def test_replace_disassociates_deletes_and_recreates(waits):
    assoc = {"AssociationId": "cvpn-assoc-1", "Status": {"Code": "associated"}}
    client = FakeClient([endpoint()], [assoc])
    result = mod.ensure_present(client.mock, params(client_cidr_block="10.201.0.0/22", replace=True), False)
    names = client.write_calls()
    assert names == [
        "disassociate_client_vpn_target_network",
        "delete_client_vpn_endpoint",
        "create_client_vpn_endpoint",
    ]
    assert result["replaced_client_vpn_endpoint_id"] == EID
    assert [w[0] for w in waits] == [
        "client_vpn_target_network_disassociated",
        "client_vpn_endpoint_deleted",
        "client_vpn_endpoint_visible",
        "client_vpn_endpoint_ready",
    ]
    assert client.mock.create_client_vpn_endpoint.call_args.kwargs["ClientToken"] == TOKEN_REPLACING


def test_replace_check_mode(waits):
    client = FakeClient([endpoint()])
    result = mod.ensure_present(client.mock, params(client_cidr_block="10.201.0.0/22", replace=True), True)
    assert result["changed"] and client.write_calls() == []


def test_tags_modified(waits):
    client = FakeClient([endpoint(Tags=[{"Key": "Name", "Value": "vpn"}, {"Key": "old", "Value": "1"}])])
    result = mod.ensure_present(client.mock, params(tags={"new": "2"}), False)
    assert result["changed"]
    client.mock.delete_tags.assert_called_once_with(Resources=[EID], Tags=[{"Key": "old"}])
    client.mock.create_tags.assert_called_once_with(Resources=[EID], Tags=[{"Key": "new", "Value": "2"}])
    assert result["diff"]["after"]["tags"] == {"Name": "vpn", "new": "2"}


def test_absent_disassociates_then_deletes(waits):
    assocs = [
        {"AssociationId": "a1", "Status": {"Code": "associated"}},
        {"AssociationId": "a2", "Status": {"Code": "disassociating"}},
        {"AssociationId": "a3", "Status": {"Code": "disassociated"}},
    ]
    client = FakeClient([endpoint()], assocs)
    result = mod.ensure_absent(client.mock, params(state="absent"), False)
    assert result["changed"]
    client.mock.disassociate_client_vpn_target_network.assert_called_once_with(
        ClientVpnEndpointId=EID, AssociationId="a1"
    )
    client.mock.delete_client_vpn_endpoint.assert_called_once_with(ClientVpnEndpointId=EID)
    assert waits[0] == (
        "client_vpn_target_network_disassociated",
        {"ClientVpnEndpointId": EID, "AssociationIds": ["a1", "a2"]},
    )
    assert waits[1][0] == "client_vpn_endpoint_deleted"


def test_disassociate_all_of_an_endpoint_gone_meanwhile_is_nothing_to_do(waits):
    """DescribeClientVpnTargetNetworks answering NotFound (the endpoint vanished): no association, no wait."""
    client = MagicMock()
    client.get_paginator.return_value.paginate.return_value.build_full_result.side_effect = (
        botocore.exceptions.ClientError(
            {"Error": {"Code": "InvalidClientVpnEndpointId.NotFound", "Message": "nope"}},
            "DescribeClientVpnTargetNetworks",
        )
    )
    assert mod.disassociate_all_target_networks(client, EID, 60) is False
    client.disassociate_client_vpn_target_network.assert_not_called()
    assert waits == []


def test_absent_check_mode_and_idempotent(waits):
    client = FakeClient([endpoint()])
    assert mod.ensure_absent(client.mock, params(state="absent"), True)["changed"] is True
    assert client.write_calls() == []
    gone = FakeClient([endpoint(Status={"Code": "deleting"})])
    assert mod.ensure_absent(gone.mock, params(state="absent"), False)["changed"] is False
    assert gone.write_calls() == []


def test_absent_without_wait_skips_deletion_wait(waits):
    client = FakeClient([endpoint()])
    mod.ensure_absent(client.mock, params(state="absent", wait=False), False)
    assert waits == []


def test_two_endpoints_with_the_same_name_fail():
    client = FakeClient([endpoint(), endpoint(ClientVpnEndpointId="cvpn-endpoint-other")])
    with pytest.raises(AnsibleClientVpnError) as e:
        mod.ensure_present(client.mock, params(), True)
    assert "cvpn-endpoint-other" in e.value.message


def test_lookup_by_id_renames(waits):
    client = FakeClient([endpoint(Tags=[])])
    result = mod.ensure_present(client.mock, params(client_vpn_endpoint_id=EID), False)
    assert result["changed"]
    client.mock.create_tags.assert_called_once_with(Resources=[EID], Tags=[{"Key": "Name", "Value": "vpn"}])


def test_format_endpoint_snake_and_tags():
    out = snake_with_tags(endpoint(Tags=[{"Key": "Name", "Value": "vpn"}, {"Key": "CamelKey", "Value": "v"}]))
    assert out["dns_name"].startswith("*.cvpn-endpoint")
    assert out["tags"] == {"Name": "vpn", "CamelKey": "v"}
    assert out["authentication_options"][0]["active_directory"]["directory_id"] == "d-1234567890"


# ---------------------------------------------------------------- main


def run(args, client, capsys, monkeypatch):
    """main() on ``args`` as a playbook gives them: the options left unset are absent (not None)."""
    args = {k: v for k, v in args.items() if v is not None}
    client.mock.meta = None  # a stub, not a botocore client: aws_client registers no event handler on it
    return run_main(endpoint_module, dict(args, region="us-east-1"), client.mock, capsys, monkeypatch)


def test_main_refuses_values_aws_would_refuse_before_any_call(capsys, monkeypatch):
    client = FakeClient([endpoint()])
    p = params(dns_servers=["10.0.0.2", "10.0.0.3", "resolver"], login_banner={"enabled": True, "text": "x" * 1401})
    result = run(p, client, capsys, monkeypatch)
    assert result["failed"]
    assert result["msg"] == (
        "dns_servers: at most 2 are allowed, got 3; dns_servers: 'resolver' is not an IP address; "
        "login_banner.text is 1401 characters; AWS allows at most 1400"
    )
    assert client.mock.method_calls == []


def test_main_fails_naming_the_immutable_changes(capsys, monkeypatch):
    client = FakeClient([endpoint()])
    result = run(params(client_cidr_block="10.201.0.0/22", transport_protocol="udp"), client, capsys, monkeypatch)
    assert result["failed"] and not result.get("changed")
    assert result["immutable_changes"] == ["client_cidr_block", "transport_protocol"]
    assert result["msg"].startswith(f"Cannot change immutable settings of Client VPN endpoint {EID}: client_cidr_block")
    assert client.write_calls() == []


def test_main_fails_with_the_aws_error(capsys, monkeypatch):
    client = FakeClient()
    result = run(params(server_certificate_arn=None), client, capsys, monkeypatch)
    assert result["failed"] and result["msg"] == "Creating a Client VPN endpoint requires: server_certificate_arn"
    assert "immutable_changes" not in result


@pytest.mark.parametrize("diff", [True, False])
def test_main_returns_the_diff_in_diff_mode_only(capsys, monkeypatch, diff):
    client = FakeClient([endpoint()])
    result = run(dict(params(vpn_port=1194), _ansible_check_mode=True, _ansible_diff=diff), client, capsys, monkeypatch)
    assert result["changed"] and client.write_calls() == []
    assert ("diff" in result) is diff


def test_main_absent(waits, capsys, monkeypatch):
    client = FakeClient([endpoint()])
    result = run(params(state="absent"), client, capsys, monkeypatch)
    assert result["changed"] and result["client_vpn_endpoint"]["client_vpn_endpoint_id"] == EID
    client.mock.delete_client_vpn_endpoint.assert_called_once_with(ClientVpnEndpointId=EID)
