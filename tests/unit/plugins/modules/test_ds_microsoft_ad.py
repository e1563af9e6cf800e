"""ds_microsoft_ad: the create/update/delete logic with stub clients, and main() end to end."""

import json
from unittest.mock import MagicMock

import botocore
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import AnsibleDSError
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_microsoft_ad as module

PASSWORD = "Sandbox-Pa55word!"
WRITES = ("create_microsoft_ad", "delete_directory", "add_tags_to_resource", "remove_tags_from_resource")


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


def make_client(directories, tags=None):
    client = MagicMock()
    client.describe_directories.side_effect = lambda **kw: {
        "DirectoryDescriptions": [
            d for d in directories if not kw.get("DirectoryIds") or d["DirectoryId"] in kw["DirectoryIds"]
        ]
    }
    client.list_tags_for_resource.return_value = {"Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}
    client.create_microsoft_ad.return_value = {"DirectoryId": "d-1234567890"}
    return client


def writes(client):
    return [name for name, dummy_args, dummy_kwargs in client.method_calls if name in WRITES]


@pytest.fixture
def waits(monkeypatch):
    calls = []
    monkeypatch.setattr(
        module,
        "wait_for_directory",
        lambda client, i, state, timeout, what="directory": calls.append((i, state, timeout)),
    )
    return calls


def test_create_in_check_mode_makes_no_write_call(waits):
    client = make_client([])
    result = module.ensure_present(client, params(), check_mode=True)
    assert result["changed"] and result["directory"] == {}
    assert result["diff"]["after"]["edition"] == "Enterprise"
    assert writes(client) == [] and waits == []


def test_create_waits_and_returns_the_directory(waits):
    directories = []
    client = make_client(directories)
    client.create_microsoft_ad.side_effect = lambda **kw: directories.append(directory()) or {
        "DirectoryId": "d-1234567890"
    }
    result = module.ensure_present(client, params(tags={"a": "1"}, wait_timeout=120), check_mode=False)
    request = client.create_microsoft_ad.call_args.kwargs
    assert (
        request["Edition"] == "Enterprise"
        and request["ShortName"] == "CORP"
        and request["Tags"] == [{"Key": "a", "Value": "1"}]
    )
    assert request["VpcSettings"] == {"VpcId": "vpc-11111111", "SubnetIds": ["subnet-11111111", "subnet-22222222"]}
    assert waits == [("d-1234567890", "active", 120)]
    assert result["changed"] and result["directory"]["dns_ip_addrs"] == ["10.0.1.10", "10.0.2.10"]


def test_existing_directory_is_not_changed_and_password_is_not_compared(waits):
    client = make_client([directory()])
    for check_mode in (True, False):
        result = module.ensure_present(client, params(password="Another-Pa55word"), check_mode=check_mode)
        assert not result["changed"]
    assert writes(client) == [] and waits == []


def test_existing_directory_without_password_is_fine(waits):
    client = make_client([directory()])
    assert not module.ensure_present(client, params(password=None, vpc_id=None, subnet_ids=None), False)["changed"]


def test_immutable_fields_are_an_error_naming_them(waits):
    client = make_client([directory()])
    with pytest.raises(AnsibleDSError) as exc:
        module.ensure_present(
            client, params(edition="Standard", subnet_ids=["subnet-11111111", "subnet-33333333"]), False
        )
    assert exc.value.message.startswith("Cannot change edition, subnet_ids of directory d-1234567890")
    assert writes(client) == []


def test_tags_are_updated_in_place(waits):
    client = make_client([directory()], tags={"old": "x"})
    result = module.ensure_present(client, params(tags={"new": "y"}), check_mode=True)
    assert result["changed"] and result["diff"]["after"]["tags"] == {"new": "y"} and writes(client) == []
    result = module.ensure_present(client, params(tags={"new": "y"}), check_mode=False)
    assert writes(client) == ["remove_tags_from_resource", "add_tags_to_resource"]


def test_failed_directory_is_an_error_with_the_reason(waits):
    client = make_client([directory(Stage="Failed", StageReason="Subnets are full")])
    with pytest.raises(AnsibleDSError, match="is in stage Failed: Subnets are full. Delete it"):
        module.ensure_present(client, params(), False)


def test_creating_directory_is_waited_for(waits):
    client = make_client([directory(Stage="Creating")])
    result = module.ensure_present(client, params(), False)
    assert not result["changed"] and waits == [("d-1234567890", "active", 3600)]


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
def test_create_validation(waits, overrides, text):
    client = make_client([])
    with pytest.raises(AnsibleDSError, match=text):
        module.ensure_present(client, params(**overrides), check_mode=True)
    assert writes(client) == []


def test_create_error_is_mapped():
    client = make_client([])
    client.create_microsoft_ad.side_effect = botocore.exceptions.ClientError(
        {"Error": {"Code": "DirectoryLimitExceededException", "Message": "limit"}}, "CreateMicrosoftAD"
    )
    with pytest.raises(AnsibleDSError) as exc:
        module.ensure_present(client, params(), False)
    assert exc.value.message == "Failed to create the AWS Managed Microsoft AD directory"


def test_absent(waits):
    client = make_client([directory()])
    assert module.ensure_absent(client, params(state="absent"), True)["changed"]
    assert writes(client) == []
    assert module.ensure_absent(client, params(state="absent"), False)["changed"]
    client.delete_directory.assert_called_once_with(DirectoryId="d-1234567890")
    assert waits == [("d-1234567890", "deleted", 3600)]
    assert not module.ensure_absent(make_client([]), params(state="absent"), False)["changed"]


def run_main(args, client, capsys, monkeypatch):
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda self, service, **kw: client)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def test_main_check_mode_hides_the_password(capsys, monkeypatch):
    client = make_client([])
    args = dict(name="corp.example.com", password=PASSWORD, vpc_id="vpc-11111111", subnet_ids=["subnet-1", "subnet-2"])
    result = run_main(dict(args, _ansible_check_mode=True), client, capsys, monkeypatch)
    assert result["changed"] and "diff" not in result
    assert PASSWORD not in json.dumps(result)
    assert writes(client) == []
    result = run_main(dict(args, _ansible_check_mode=True, _ansible_diff=True), client, capsys, monkeypatch)
    assert result["diff"]["before"] == {} and result["diff"]["after"]["name"] == "corp.example.com"


def test_main_reports_errors(capsys, monkeypatch):
    client = make_client([directory()])
    result = run_main(dict(name="corp.example.com", short_name="OTHER"), client, capsys, monkeypatch)
    assert result["failed"] and "Cannot change short_name of directory d-1234567890" in result["msg"]


def test_absent_refuses_a_replicated_directory_before_calling_aws(waits):
    client = make_client([directory(RegionsInfo={"PrimaryRegion": "us-east-1", "AdditionalRegions": ["us-west-2"]})])
    with pytest.raises(AnsibleDSError, match="is replicated to us-west-2: remove those Regions first"):
        module.ensure_absent(client, params(state="absent"), True)
    assert writes(client) == []
