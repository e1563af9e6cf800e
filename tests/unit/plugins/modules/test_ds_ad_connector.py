"""ds_ad_connector: creation parameters, Failed connectors, immutable fields, deletion."""

import json

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import AnsibleDSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import ensure_directory
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_ad_connector as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import ds_client
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import write_names

PASSWORD = "Connector-Secret-1"
WRITES = ("connect_directory", "delete_directory", "add_tags_to_resource", "remove_tags_from_resource")


def ensure(client, module_params, check_mode):
    return ensure_directory(client, module_params, check_mode, module.AD_CONNECTOR)


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


def test_create(directory_waits):
    directories = [REPLICA]
    client = ds_client(directories)
    assert ensure(client, params(), True)["changed"]
    assert write_names(client, WRITES) == [] and directory_waits == []
    client.connect_directory.side_effect = lambda **kw: directories.append(connector()) or {
        "DirectoryId": "d-0000000009"
    }
    result = ensure(client, params(), False)
    request = client.connect_directory.call_args.kwargs
    assert request["ConnectSettings"]["CustomerDnsIps"] == ["10.1.1.10", "10.1.2.10"]
    assert request["ConnectSettings"]["CustomerUserName"] == "Admin"
    assert request["Password"] == PASSWORD and request["Size"] == "Small"
    assert directory_waits == [("d-0000000009", "active", 1800, "AD Connector")]
    assert result["directory"]["connect_settings"]["connect_ips"] == ["10.1.1.20", "10.1.2.20"]


def test_existing_connector_is_not_changed(directory_waits):
    client = ds_client([REPLICA, connector()])
    for check_mode in (True, False):
        # DNS addresses and password are not returned by AWS: they cannot cause a change.
        result = ensure(client, params(customer_dns_ips=["10.9.9.9"], password="other"), check_mode)
        assert not result["changed"]
    assert write_names(client, WRITES) == []


def test_failed_connector_is_an_error_with_the_reason(directory_waits):
    client = ds_client([connector(Stage="Failed", StageReason="Invalid credentials")])
    with pytest.raises(AnsibleDSError, match=r"is in stage Failed: Invalid credentials. Delete it \(state=absent\)"):
        ensure(client, params(), False)


@pytest.mark.parametrize(
    "overrides, fields",
    [
        (dict(size="Large"), "size"),
        (dict(customer_user_name="svc-connector"), "customer_user_name"),
        (dict(short_name="OTHER", description="new"), "short_name, description"),
        (dict(vpc_id="vpc-99999999"), "vpc_id"),
    ],
)
def test_immutable_fields(directory_waits, overrides, fields):
    client = ds_client([connector()])
    with pytest.raises(AnsibleDSError, match=f"Cannot change {fields} of AD Connector d-0000000009"):
        ensure(client, params(**overrides), False)


def test_create_requires_the_connection_settings(directory_waits):
    client = ds_client([])
    with pytest.raises(AnsibleDSError, match="also set: password, customer_user_name, customer_dns_ips"):
        ensure(client, params(password=None, customer_user_name=None, customer_dns_ips=None), True)


def test_absent(directory_waits):
    client = ds_client([REPLICA, connector()])
    assert ensure(client, params(state="absent"), True)["changed"]
    assert write_names(client, WRITES) == []
    assert ensure(client, params(state="absent"), False)["changed"]
    client.delete_directory.assert_called_once_with(DirectoryId="d-0000000009")
    assert directory_waits == [("d-0000000009", "deleted", 1800, "AD Connector")]
    assert not ensure(ds_client([REPLICA]), params(state="absent"), False)["changed"]


def test_main_never_returns_the_password(capsys, monkeypatch):
    client = ds_client([])
    result = run_main(module, dict(params(), _ansible_check_mode=True, _ansible_diff=True), client, capsys, monkeypatch)
    assert result["changed"] and PASSWORD not in json.dumps(result)
    assert result["diff"]["after"]["connect_settings"]["customer_user_name"] == "Admin"
