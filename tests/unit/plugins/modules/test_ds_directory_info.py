"""ds_directory_info: filters, Regions and domain controllers per Region."""

import json
from unittest.mock import MagicMock

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_directory_info import gather
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_directory_info as module

MANAGED = {"DirectoryId": "d-1234567890", "Name": "corp.example.com", "Type": "MicrosoftAD", "Stage": "Active"}
CONNECTOR = {"DirectoryId": "d-0000000009", "Name": "corp.example.com", "Type": "ADConnector", "Stage": "Active"}
OTHER = {"DirectoryId": "d-0000000008", "Name": "other.example.com", "Type": "MicrosoftAD", "Stage": "Active"}


def dc(ip):
    return {"DomainControllers": [{"DomainControllerId": "dc-0000000001", "DnsIpAddr": ip}]}


def params(**kw):
    base = dict(directory_ids=None, names=None, type=None, include_regions=False, include_domain_controllers=False)
    base.update(kw)
    return base


@pytest.fixture
def client():
    c = MagicMock()
    c.describe_directories.return_value = {"DirectoryDescriptions": [MANAGED, CONNECTOR, OTHER]}
    c.list_tags_for_resource.return_value = {"Tags": [{"Key": "k", "Value": "v"}]}
    c.describe_regions.return_value = {
        "RegionsDescription": [
            {"RegionName": "us-east-1", "RegionType": "Primary", "Status": "Active"},
            {"RegionName": "us-west-2", "RegionType": "Additional", "Status": "Active"},
        ]
    }
    c.describe_domain_controllers.return_value = dc("10.0.1.10")
    return c


@pytest.mark.parametrize(
    "p, ids",
    [
        ({}, ["d-1234567890", "d-0000000009", "d-0000000008"]),
        (dict(names=["CORP.example.com"]), ["d-1234567890", "d-0000000009"]),
        (dict(names=["corp.example.com"], type="ADConnector"), ["d-0000000009"]),
        (dict(names=["nothing.example.com"]), []),
    ],
)
def test_filters(client, p, ids):
    result = gather(client, None, params(**p), "us-east-1")
    assert [d["directory_id"] for d in result] == ids
    client.describe_regions.assert_not_called()


def test_regions_and_domain_controllers_per_region(client):
    west = MagicMock()
    west.describe_domain_controllers.return_value = dc("10.1.1.10")
    asked = []

    def client_for_region(name):
        asked.append(name)
        return west

    result = gather(
        client,
        client_for_region,
        params(names=["corp.example.com"], include_regions=True, include_domain_controllers=True),
        "us-east-1",
    )
    managed, connector = result
    assert managed["tags"] == {"k": "v"}
    assert [r["region_name"] for r in managed["regions"]] == ["us-east-1", "us-west-2"]
    assert managed["regions"][0]["domain_controllers"][0]["dns_ip_addr"] == "10.0.1.10"
    assert managed["regions"][1]["domain_controllers"][0]["dns_ip_addr"] == "10.1.1.10"
    assert asked == ["us-west-2"]
    assert "regions" not in connector and "domain_controllers" not in connector
    client.describe_regions.assert_called_once_with(DirectoryId="d-1234567890")


def test_main_returns_a_plural_list(client, capsys, monkeypatch):
    client.describe_directories.return_value = {"DirectoryDescriptions": []}
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda self, service, **kw: client)
    with patch_module_args({}):
        with pytest.raises(SystemExit):
            module.main()
    assert json.loads(capsys.readouterr().out)["directories"] == []
