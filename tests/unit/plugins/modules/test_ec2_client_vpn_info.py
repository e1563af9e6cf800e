"""ec2_client_vpn_info: listing by ids, filters and names; includes; [] when nothing matches."""

from unittest.mock import MagicMock

import botocore.exceptions
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_info as mod
from ansible_collections.multiregion.client_vpn.plugins.modules import ec2_client_vpn_info as info_module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main


def endpoint(eid, name, state="available"):
    return {
        "ClientVpnEndpointId": eid,
        "Status": {"Code": state},
        "DnsName": f"*.{eid}.prod.clientvpn.us-east-1.amazonaws.com",
        "Tags": [{"Key": "Name", "Value": name}],
    }


def is_gone(endpoint):
    return endpoint["Status"]["Code"] == "deleted"


class Client:
    def __init__(self, endpoints):
        self.endpoints = endpoints
        self.mock = MagicMock()
        self.mock.get_paginator.side_effect = self.paginator
        self.requests = []

    def paginator(self, name):
        pag = MagicMock()

        def paginate(**kw):
            self.requests.append((name, kw))
            out = MagicMock()
            if name == "describe_client_vpn_endpoints":
                eps = self.endpoints
                if kw.get("ClientVpnEndpointIds"):
                    eps = [e for e in eps if e["ClientVpnEndpointId"] in kw["ClientVpnEndpointIds"]]
                    if len(eps) < len(kw["ClientVpnEndpointIds"]):
                        out.build_full_result.side_effect = botocore.exceptions.ClientError(
                            {"Error": {"Code": "InvalidClientVpnEndpointId.NotFound", "Message": "x"}}, "Describe"
                        )
                        return out
                out.build_full_result.return_value = {"ClientVpnEndpoints": eps}
            elif any(e["ClientVpnEndpointId"] == kw["ClientVpnEndpointId"] for e in self.endpoints if is_gone(e)):
                # A deleted endpoint lingers in DescribeClientVpnEndpoints; its sets are NotFound.
                out.build_full_result.side_effect = botocore.exceptions.ClientError(
                    {"Error": {"Code": "InvalidClientVpnEndpointId.NotFound", "Message": "x"}}, "Describe"
                )
            else:
                key = {
                    "describe_client_vpn_target_networks": "ClientVpnTargetNetworks",
                    "describe_client_vpn_authorization_rules": "AuthorizationRules",
                    "describe_client_vpn_routes": "Routes",
                    "describe_client_vpn_connections": "Connections",
                }[name]
                out.build_full_result.return_value = {
                    key: [{"ClientVpnEndpointId": kw["ClientVpnEndpointId"], "DestinationCidr": "10.0.0.0/16"}]
                }
            return out

        pag.paginate.side_effect = paginate
        return pag


def params(**over):
    p = {"client_vpn_endpoint_ids": [], "filters": {}, "names": [], "include": [], "include_deleted": False}
    p.update(over)
    return p


EPS = [endpoint("e1", "a"), endpoint("e2", "b"), endpoint("e3", "a", "deleted")]


def test_all_live_endpoints_snake_case_tags_dict():
    out = mod.list_endpoints(Client(EPS).mock, params())
    assert [e["client_vpn_endpoint_id"] for e in out] == ["e1", "e2"]
    assert out[0]["tags"] == {"Name": "a"} and out[0]["dns_name"].startswith("*.e1")


def test_include_deleted():
    assert len(mod.list_endpoints(Client(EPS).mock, params(include_deleted=True))) == 3


def test_by_name():
    out = mod.list_endpoints(Client(EPS).mock, params(names=["b"]))
    assert [e["client_vpn_endpoint_id"] for e in out] == ["e2"]


def test_nothing_matches_is_empty_list():
    assert mod.list_endpoints(Client(EPS).mock, params(names=["zzz"])) == []
    assert mod.list_endpoints(Client(EPS).mock, params(client_vpn_endpoint_ids=["e9"])) == []
    assert mod.list_endpoints(Client([]).mock, params()) == []


def test_several_ids_with_one_unknown():
    out = mod.list_endpoints(Client(EPS).mock, params(client_vpn_endpoint_ids=["e1", "e9", "e2"]))
    assert [e["client_vpn_endpoint_id"] for e in out] == ["e1", "e2"]


def test_filters_are_passed_as_boto3_filters():
    client = Client(EPS)
    mod.list_endpoints(client.mock, params(filters={"transport-protocol": "tcp"}))
    assert client.requests[0][1] == {"Filters": [{"Name": "transport-protocol", "Values": ["tcp"]}]}


def test_includes():
    client = Client(EPS)
    out = mod.list_endpoints(
        client.mock, params(names=["a"], include=["target_networks", "authorization_rules", "routes", "connections"])
    )
    for key in ("target_networks", "authorization_rules", "routes", "connections"):
        assert out[0][key] == [{"client_vpn_endpoint_id": "e1", "destination_cidr": "10.0.0.0/16"}]
    called = [r[0] for r in client.requests]
    assert "describe_client_vpn_routes" in called and called.count("describe_client_vpn_endpoints") == 1


def test_includes_of_a_deleted_endpoint_are_empty_lists():
    out = mod.list_endpoints(
        Client(EPS).mock, params(names=["a"], include_deleted=True, include=["target_networks", "routes"])
    )
    assert [e["client_vpn_endpoint_id"] for e in out] == ["e1", "e3"]
    assert out[1]["target_networks"] == [] and out[1]["routes"] == []
    assert len(out[0]["routes"]) == 1


def test_main_exits_unchanged_with_the_endpoints(capsys, monkeypatch):
    result = run_main(info_module, dict(names=["b"]), Client(EPS).mock, capsys, monkeypatch)
    assert result["changed"] is False
    assert [e["client_vpn_endpoint_id"] for e in result["client_vpn_endpoints"]] == ["e2"]
