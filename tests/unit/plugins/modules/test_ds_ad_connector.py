"""ds_ad_connector: creation parameters, Failed connectors, immutable fields, deletion."""

import json
from unittest.mock import MagicMock

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import AnsibleDSError
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_ad_connector as module

PASSWORD = "Connector-Secret-1"
WRITES = ("connect_directory", "delete_directory", "add_tags_to_resource", "remove_tags_from_resource")


def params(**kw):
    base = dict(
        state="present",
        name="corp.example.com",
        short_name="CORP",
        password=PASSWORD,
        customer_user_name="Admin",
        customer_dns_ips=["10.1.1.10", "10.1.2.10"],
        size="Small",
        description=None,
        vpc_id="vpc-22222222",
        subnet_ids=["subnet-33333333", "subnet-44444444"],
        tags=None,
        purge_tags=True,
        wait=True,
        wait_timeout=1800,
    )
    base.update(kw)
    return base


def connector(**kw):
    base = {
        "DirectoryId": "d-0000000009",
        "Name": "corp.example.com",
        "ShortName": "CORP",
        "Type": "ADConnector",
        "Size": "Small",
        "Stage": "Active",
        "ConnectSettings": {
            "VpcId": "vpc-22222222",
            "SubnetIds": ["subnet-33333333", "subnet-44444444"],
            "CustomerUserName": "Admin",
            "ConnectIps": ["10.1.1.20", "10.1.2.20"],
        },
    }
    base.update(kw)
    return base


# The replicated Managed AD is visible in the connector's Region under the same name: never a match.
REPLICA = {"DirectoryId": "d-1234567890", "Name": "corp.example.com", "Type": "MicrosoftAD", "Stage": "Active"}


def make_client(directories):
    client = MagicMock()
    client.describe_directories.side_effect = lambda **kw: {
        "DirectoryDescriptions": [
            d for d in directories if not kw.get("DirectoryIds") or d["DirectoryId"] in kw["DirectoryIds"]
        ]
    }
    client.list_tags_for_resource.return_value = {"Tags": []}
    return client


def writes(client):
    return [name for name, dummy_args, dummy_kwargs in client.method_calls if name in WRITES]


@pytest.fixture
def waits(monkeypatch):
    calls = []
    monkeypatch.setattr(
        module, "wait_for_directory", lambda client, i, state, timeout, what: calls.append((i, state, what))
    )
    return calls


def test_create(waits):
    directories = [REPLICA]
    client = make_client(directories)
    assert module.ensure_present(client, params(), True)["changed"]
    assert writes(client) == [] and waits == []
    client.connect_directory.side_effect = lambda **kw: directories.append(connector()) or {
        "DirectoryId": "d-0000000009"
    }
    result = module.ensure_present(client, params(), False)
    request = client.connect_directory.call_args.kwargs
    assert request["ConnectSettings"]["CustomerDnsIps"] == ["10.1.1.10", "10.1.2.10"]
    assert request["ConnectSettings"]["CustomerUserName"] == "Admin"
    assert request["Password"] == PASSWORD and request["Size"] == "Small"
    assert waits == [("d-0000000009", "active", "AD Connector")]
    assert result["directory"]["connect_settings"]["connect_ips"] == ["10.1.1.20", "10.1.2.20"]


def test_existing_connector_is_not_changed(waits):
    client = make_client([REPLICA, connector()])
    for check_mode in (True, False):
        # DNS addresses and password are not returned by AWS: they cannot cause a change.
        result = module.ensure_present(client, params(customer_dns_ips=["10.9.9.9"], password="other"), check_mode)
        assert not result["changed"]
    assert writes(client) == []


def test_failed_connector_is_an_error_with_the_reason(waits):
    client = make_client([connector(Stage="Failed", StageReason="Invalid credentials")])
    with pytest.raises(AnsibleDSError, match=r"is in stage Failed: Invalid credentials. Delete it \(state=absent\)"):
        module.ensure_present(client, params(), False)


@pytest.mark.parametrize(
    "overrides, fields",
    [
        (dict(size="Large"), "size"),
        (dict(customer_user_name="svc-connector"), "customer_user_name"),
        (dict(short_name="OTHER", description="new"), "short_name, description"),
        (dict(vpc_id="vpc-99999999"), "vpc_id"),
    ],
)
def test_immutable_fields(waits, overrides, fields):
    client = make_client([connector()])
    with pytest.raises(AnsibleDSError, match=f"Cannot change {fields} of AD Connector d-0000000009"):
        module.ensure_present(client, params(**overrides), False)


def test_create_requires_the_connection_settings(waits):
    client = make_client([])
    with pytest.raises(AnsibleDSError, match="also set: password, customer_user_name, customer_dns_ips"):
        module.ensure_present(client, params(password=None, customer_user_name=None, customer_dns_ips=None), True)


def test_absent(waits):
    client = make_client([REPLICA, connector()])
    assert module.ensure_absent(client, params(state="absent"), True)["changed"]
    assert writes(client) == []
    assert module.ensure_absent(client, params(state="absent"), False)["changed"]
    client.delete_directory.assert_called_once_with(DirectoryId="d-0000000009")
    assert waits == [("d-0000000009", "deleted", "AD Connector")]
    assert not module.ensure_absent(make_client([REPLICA]), params(state="absent"), False)["changed"]


def test_main_never_returns_the_password(capsys, monkeypatch):
    client = make_client([])
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda self, service, **kw: client)
    args = dict(params(), _ansible_check_mode=True, _ansible_diff=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    assert result["changed"] and PASSWORD not in out
    assert result["diff"]["after"]["connect_settings"]["customer_user_name"] == "Admin"
