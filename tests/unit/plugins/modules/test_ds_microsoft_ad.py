"""ds_microsoft_ad: the create/update/delete logic with stub clients, and main() end to end."""

import json

import botocore
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import AnsibleDSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import ensure_directory
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_microsoft_ad as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import ds_client
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import write_names

PASSWORD = "Sandbox-Pa55word!"
WRITES = ("create_microsoft_ad", "delete_directory", "add_tags_to_resource", "remove_tags_from_resource")


def ensure(client, module_params, check_mode):
    return ensure_directory(client, module_params, check_mode, module.MICROSOFT_AD)


def params(**kw):
    base = dict(
        state="present",
        name="corp.example.com",
        short_name="CORP",
        password=PASSWORD,
        edition="Enterprise",
        description=None,
        vpc_id="vpc-11111111",
        subnet_ids=["subnet-11111111", "subnet-22222222"],
        network_type=None,
        tags=None,
        purge_tags=True,
        wait=True,
        wait_timeout=3600,
    )
    base.update(kw)
    return base


def directory(**kw):
    base = {
        "DirectoryId": "d-1234567890",
        "Name": "corp.example.com",
        "ShortName": "CORP",
        "Type": "MicrosoftAD",
        "Edition": "Enterprise",
        "Stage": "Active",
        "DnsIpAddrs": ["10.0.1.10", "10.0.2.10"],
        "VpcSettings": {"VpcId": "vpc-11111111", "SubnetIds": ["subnet-22222222", "subnet-11111111"]},
    }
    base.update(kw)
    return base


def test_create_in_check_mode_makes_no_write_call(directory_waits):
    client = ds_client([])
    result = ensure(client, params(), check_mode=True)
    assert result["changed"] and result["directory"] == {}
    assert result["diff"]["after"]["edition"] == "Enterprise"
    assert write_names(client, WRITES) == [] and directory_waits == []


def test_create_waits_and_returns_the_directory(directory_waits):
    directories = []
    client = ds_client(directories)
    client.create_microsoft_ad.side_effect = lambda **kw: directories.append(directory()) or {
        "DirectoryId": "d-1234567890"
    }
    result = ensure(client, params(tags={"a": "1"}, wait_timeout=120), check_mode=False)
    request = client.create_microsoft_ad.call_args.kwargs
    assert (
        request["Edition"] == "Enterprise"
        and request["ShortName"] == "CORP"
        and request["Tags"] == [{"Key": "a", "Value": "1"}]
    )
    assert request["VpcSettings"] == {"VpcId": "vpc-11111111", "SubnetIds": ["subnet-11111111", "subnet-22222222"]}
    assert directory_waits == [("d-1234567890", "active", 120, "directory")]
    assert result["changed"] and result["directory"]["dns_ip_addrs"] == ["10.0.1.10", "10.0.2.10"]


def test_existing_directory_is_not_changed_and_password_is_not_compared(directory_waits):
    client = ds_client([directory()])
    for check_mode in (True, False):
        result = ensure(client, params(password="Another-Pa55word"), check_mode=check_mode)
        assert not result["changed"]
    assert write_names(client, WRITES) == [] and directory_waits == []


def test_existing_directory_without_password_is_fine(directory_waits):
    client = ds_client([directory()])
    assert not ensure(client, params(password=None, vpc_id=None, subnet_ids=None), False)["changed"]


def test_immutable_fields_are_an_error_naming_them(directory_waits):
    client = ds_client([directory()])
    with pytest.raises(AnsibleDSError) as exc:
        ensure(client, params(edition="Standard", subnet_ids=["subnet-11111111", "subnet-33333333"]), False)
    assert exc.value.message.startswith("Cannot change edition, subnet_ids of directory d-1234567890")
    assert write_names(client, WRITES) == []


def test_tags_are_updated_in_place(directory_waits):
    client = ds_client([directory()], tags={"old": "x"})
    result = ensure(client, params(tags={"new": "y"}), check_mode=True)
    assert result["changed"] and result["diff"]["after"]["tags"] == {"new": "y"} and write_names(client, WRITES) == []
    result = ensure(client, params(tags={"new": "y"}), check_mode=False)
    assert write_names(client, WRITES) == ["remove_tags_from_resource", "add_tags_to_resource"]


def test_failed_directory_is_an_error_with_the_reason(directory_waits):
    client = ds_client([directory(Stage="Failed", StageReason="Subnets are full")])
    with pytest.raises(AnsibleDSError, match="is in stage Failed: Subnets are full. Delete it"):
        ensure(client, params(), False)


def test_creating_directory_is_waited_for(directory_waits):
    client = ds_client([directory(Stage="Creating")])
    result = ensure(client, params(), False)
    assert not result["changed"] and directory_waits == [("d-1234567890", "active", 3600, "directory")]


@pytest.mark.parametrize(
    "overrides, text",
    [
        (dict(password=None), "also set: password"),
        (dict(vpc_id=None, subnet_ids=None), "also set: vpc_id, subnet_ids"),
        (dict(subnet_ids=["subnet-11111111"]), "exactly 2 subnets"),
        (dict(password="weakpassword"), "3 of these 4 categories"),
        (dict(password="Admin-Pa55word"), 'must not contain the word "admin"'),
    ],
)
def test_create_validation(directory_waits, overrides, text):
    client = ds_client([])
    with pytest.raises(AnsibleDSError, match=text):
        ensure(client, params(**overrides), check_mode=True)
    assert write_names(client, WRITES) == []


def test_create_error_is_mapped():
    client = ds_client([])
    client.create_microsoft_ad.side_effect = botocore.exceptions.ClientError(
        {"Error": {"Code": "DirectoryLimitExceededException", "Message": "limit"}}, "CreateMicrosoftAD"
    )
    with pytest.raises(AnsibleDSError) as exc:
        ensure(client, params(), False)
    assert exc.value.message == "Failed to create the AWS Managed Microsoft AD directory"


def test_absent(directory_waits):
    client = ds_client([directory()])
    assert ensure(client, params(state="absent"), True)["changed"]
    assert write_names(client, WRITES) == []
    assert ensure(client, params(state="absent"), False)["changed"]
    client.delete_directory.assert_called_once_with(DirectoryId="d-1234567890")
    assert directory_waits == [("d-1234567890", "deleted", 3600, "directory")]
    assert not ensure(ds_client([]), params(state="absent"), False)["changed"]


def test_main_check_mode_hides_the_password(capsys, monkeypatch):
    client = ds_client([])
    args = dict(name="corp.example.com", password=PASSWORD, vpc_id="vpc-11111111", subnet_ids=["subnet-1", "subnet-2"])
    result = run_main(module, dict(args, _ansible_check_mode=True), client, capsys, monkeypatch)
    assert result["changed"] and "diff" not in result
    assert PASSWORD not in json.dumps(result)
    assert write_names(client, WRITES) == []
    result = run_main(module, dict(args, _ansible_check_mode=True, _ansible_diff=True), client, capsys, monkeypatch)
    assert result["diff"]["before"] == {} and result["diff"]["after"]["name"] == "corp.example.com"


def test_main_reports_errors(capsys, monkeypatch):
    client = ds_client([directory()])
    result = run_main(module, dict(name="corp.example.com", short_name="OTHER"), client, capsys, monkeypatch)
    assert result["failed"] and "Cannot change short_name of directory d-1234567890" in result["msg"]


def test_absent_refuses_a_replicated_directory_before_calling_aws(directory_waits):
    client = ds_client([directory(RegionsInfo={"PrimaryRegion": "us-east-1", "AdditionalRegions": ["us-west-2"]})])
    with pytest.raises(AnsibleDSError, match="is replicated to us-west-2: remove those Regions first"):
        ensure(client, params(state="absent"), True)
    assert write_names(client, WRITES) == []
