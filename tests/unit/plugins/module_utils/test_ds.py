"""Unit tests of plugins/module_utils/ds.py: retries, error mapping, waiters and the pure logic."""

import datetime
from unittest.mock import MagicMock

import boto3
import botocore
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds
from botocore.stub import Stubber


def client_error(code, message="boom", operation="DescribeDirectories"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.fixture
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr("time.sleep", slept.append)
    return slept


@pytest.fixture
def ds_client():
    return boto3.client("ds", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def directory(**kw):
    base = {
        "DirectoryId": "d-1234567890",
        "Name": "corp.example.com",
        "ShortName": "CORP",
        "Type": "MicrosoftAD",
        "Edition": "Enterprise",
        "Stage": "Active",
        "VpcSettings": {"VpcId": "vpc-11111111", "SubnetIds": ["subnet-22222222", "subnet-11111111"]},
    }
    base.update(kw)
    return base


# ------------------------------------------------------------------ retries


@pytest.mark.parametrize(
    "code, message, expected",
    [
        ("ClientException", "Directory d-1234567890 is in the process of being updated.", ds.BUSY_CODE),
        ("ClientException", "Another operation is in progress for this directory", ds.BUSY_CODE),
        ("ClientException", "Rate exceeded", ds.BUSY_CODE),
        ("ClientException", "Invalid credentials: the service account could not authenticate", "ClientException"),
        ("ClientException", "Invalid subnet ID(s).", "ClientException"),
        ("DirectoryUnavailableException", "Directory is Creating", "DirectoryUnavailableException"),
        ("ThrottlingException", "Rate exceeded", "ThrottlingException"),
    ],
)
def test_status_code_maps_busy_client_exceptions(code, message, expected):
    assert ds.DSRetry.status_code_from_exception(client_error(code, message)) == expected


@pytest.mark.parametrize(
    "code, message",
    [
        ("ThrottlingException", "Rate exceeded"),
        ("DirectoryUnavailableException", "Directory d-1234567890 is Updating"),
        ("ClientException", "Directory d-1234567890 is in the process of being created"),
        ("ServiceException", "Internal error"),
    ],
)
def test_wrappers_retry_transient_errors(no_sleep, code, message):
    client = MagicMock()
    client.describe_directories.side_effect = [client_error(code, message), {"DirectoryDescriptions": [directory()]}]
    assert ds.describe_directories(client) == [directory()]
    assert client.describe_directories.call_count == 2
    assert len(no_sleep) == 1


@pytest.mark.parametrize(
    "code, message",
    [
        ("ClientException", "Invalid credentials"),
        ("InvalidParameterException", "Invalid subnet ID(s)."),
        ("UnsupportedOperationException", "Multi-Region replication is only supported for the Enterprise Edition"),
    ],
)
def test_wrappers_do_not_retry_permanent_errors(no_sleep, code, message):
    client = MagicMock()
    client.add_region.side_effect = client_error(code, message, "AddRegion")
    with pytest.raises(ds.AnsibleDSError) as exc:
        ds.add_region(client, "d-1234567890", "us-west-2", "vpc-11111111", ["subnet-1", "subnet-2"])
    assert client.add_region.call_count == 1
    assert no_sleep == []
    assert exc.value.message == "Failed to add the Region to the directory"
    assert exc.value.exception.response["Error"]["Code"] == code


def test_describe_directories_paginates():
    client = MagicMock()
    client.describe_directories.side_effect = [
        {"DirectoryDescriptions": [directory(DirectoryId="d-0000000001")], "NextToken": "1"},
        {"DirectoryDescriptions": [directory(DirectoryId="d-0000000002")]},
    ]
    assert [d["DirectoryId"] for d in ds.describe_directories(client)] == ["d-0000000001", "d-0000000002"]
    assert client.describe_directories.call_args_list[1].kwargs == {"NextToken": "1"}


def test_describe_directory_missing_is_none():
    client = MagicMock()
    client.describe_directories.side_effect = client_error("EntityDoesNotExistException", "Directory does not exist")
    assert ds.describe_directory(client, "d-1234567890") is None


def test_replica_controllers_not_listed_yet_are_none_but_elsewhere_an_error():
    """A replica's Region may not know the directory yet although the primary reports it Active."""
    client = MagicMock()
    missing = client_error("EntityDoesNotExistException", "Directory d-1 does not exist.", "DescribeDomainControllers")
    client.describe_domain_controllers.side_effect = missing
    assert ds.describe_listed_domain_controllers(client, "d-1") == []
    with pytest.raises(ds.AnsibleDSError):
        ds.describe_domain_controllers(client, "d-1")
    client.describe_domain_controllers.side_effect = None
    client.describe_domain_controllers.return_value = {"DomainControllers": [{"DnsIpAddr": "10.20.1.10"}]}
    assert ds.describe_listed_domain_controllers(client, "d-1") == [{"DnsIpAddr": "10.20.1.10"}]


def test_delete_directory_missing_is_not_an_error():
    client = MagicMock()
    client.delete_directory.side_effect = client_error("EntityDoesNotExistException", "gone", "DeleteDirectory")
    assert ds.delete_directory(client, "d-1234567890") is False


def test_remove_region_uses_the_given_client_without_region_parameter():
    replica = MagicMock()
    ds.remove_region(replica, "d-1234567890")
    replica.remove_region.assert_called_once_with(DirectoryId="d-1234567890")


def test_list_tags_returns_a_dict():
    client = MagicMock()
    client.list_tags_for_resource.return_value = {"Tags": [{"Key": "a", "Value": "1"}]}
    assert ds.list_tags(client, "d-1234567890") == {"a": "1"}


# ------------------------------------------------------------------ waiters


def test_directory_waiter_reaches_active(ds_client, no_sleep):
    with Stubber(ds_client) as stub:
        for stage in ("Creating", "Active"):
            stub.add_response(
                "describe_directories",
                {"DirectoryDescriptions": [{"DirectoryId": "d-1234567890", "Stage": stage}]},
                {"DirectoryIds": ["d-1234567890"]},
            )
        ds.wait_for_directory(ds_client, "d-1234567890", "active", 60)
        stub.assert_no_pending_responses()
    assert no_sleep == [1.0]


def test_directory_waiter_stops_at_failed_with_reason(ds_client, no_sleep):
    with Stubber(ds_client) as stub:
        stub.add_response(
            "describe_directories",
            {
                "DirectoryDescriptions": [
                    {"DirectoryId": "d-1234567890", "Stage": "Failed", "StageReason": "Invalid credentials: check them"}
                ]
            },
        )
        with pytest.raises(ds.AnsibleDSError) as exc:
            ds.wait_for_directory(ds_client, "d-1234567890", "active", 3600, what="AD Connector")
    assert (
        exc.value.message
        == "AD Connector d-1234567890 reached stage Failed instead of Active: Invalid credentials: check them"
    )
    assert no_sleep == []


def test_directory_waiter_times_out_with_last_stage(ds_client, no_sleep):
    with Stubber(ds_client) as stub:
        for dummy in range(7):  # at 0, 1, ... 6 s: 1 s apart at first (module_utils/polling.py)
            stub.add_response(
                "describe_directories",
                {"DirectoryDescriptions": [{"DirectoryId": "d-1234567890", "Stage": "Creating"}]},
            )
        with pytest.raises(ds.AnsibleDSError) as exc:
            ds.wait_for_directory(ds_client, "d-1234567890", "active", 6)
        stub.assert_no_pending_responses()
    assert (
        "Timed out after 6 seconds waiting for directory d-1234567890 to be Active (last stage: Creating)"
        in exc.value.message
    )


def test_directory_waiter_retries_throttling(ds_client, no_sleep):
    with Stubber(ds_client) as stub:
        stub.add_client_error("describe_directories", "ThrottlingException", "Rate exceeded")
        stub.add_response(
            "describe_directories", {"DirectoryDescriptions": [{"DirectoryId": "d-1234567890", "Stage": "Active"}]}
        )
        ds.wait_for_directory(ds_client, "d-1234567890", "active", 60)
        # Throttling is "not yet": the waiter must have gone on to read the Active answer after one pause.
        stub.assert_no_pending_responses()
    assert no_sleep == [1.0]


def test_directory_deleted_waiter_accepts_disappearance(ds_client, no_sleep):
    with Stubber(ds_client) as stub:
        stub.add_response(
            "describe_directories", {"DirectoryDescriptions": [{"DirectoryId": "d-1234567890", "Stage": "Deleting"}]}
        )
        stub.add_client_error(
            "describe_directories", "EntityDoesNotExistException", "Directory d-1234567890 does not exist."
        )
        ds.wait_for_directory(ds_client, "d-1234567890", "deleted", 60)
        # Still Deleting is not deleted: the waiter must have polled again until the directory was gone.
        stub.assert_no_pending_responses()
    assert no_sleep == [1.0]


def test_region_waiters(ds_client, no_sleep):
    region = {"DirectoryId": "d-1234567890", "RegionName": "us-west-2", "RegionType": "Additional"}
    with Stubber(ds_client) as stub:
        expected = {"DirectoryId": "d-1234567890", "RegionName": "us-west-2"}
        stub.add_response("describe_regions", {"RegionsDescription": [dict(region, Status="Creating")]}, expected)
        stub.add_response("describe_regions", {"RegionsDescription": [dict(region, Status="Active")]}, expected)
        stub.add_response("describe_regions", {"RegionsDescription": [dict(region, Status="Deleting")]}, expected)
        stub.add_response("describe_regions", {"RegionsDescription": []}, expected)
        ds.wait_for_region(ds_client, "d-1234567890", "us-west-2", "active", 60)
        ds.wait_for_region(ds_client, "d-1234567890", "us-west-2", "removed", 60)
        stub.assert_no_pending_responses()


def test_region_waiter_failed(ds_client, no_sleep):
    with Stubber(ds_client) as stub:
        stub.add_response(
            "describe_regions",
            {"RegionsDescription": [{"DirectoryId": "d-1234567890", "RegionName": "us-west-2", "Status": "Failed"}]},
        )
        with pytest.raises(
            ds.AnsibleDSError,
            match="Region us-west-2 of directory d-1234567890 reached status Failed instead of Active",
        ):
            ds.wait_for_region(ds_client, "d-1234567890", "us-west-2", "active", 60)


# ------------------------------------------------------------------ pure logic


@pytest.mark.parametrize(
    "password, problems",
    [
        ("Sandbox-Pa55word!", []),
        ("abcDEF12", []),
        ("abc-DEF!", []),
        ("ABC-123!", []),
        ("short1A", ["8 to 64"]),
        ("alllowercase", ["3 of these 4"]),
        ("lower123456", ["3 of these 4"]),
        ("MyAdmin-Pass1", ['"admin"']),
        ("Aa1-" * 17, ["8 to 64"]),
    ],
)
def test_password_problems(password, problems):
    found = ds.password_problems(password)
    assert len(found) == len(problems)
    for text, message in zip(problems, found):
        assert text in message
        assert password not in message


def test_select_directory_by_name_type_and_vpc():
    connector = directory(DirectoryId="d-0000000009", Type="ADConnector", VpcSettings=None)
    deleted = directory(DirectoryId="d-0000000008", Stage="Deleted")
    other = directory(DirectoryId="d-0000000007", Name="other.example.com")
    assert (
        ds.select_directory(
            [connector, deleted, other, directory(Name="CORP.example.com")], "corp.example.com", "MicrosoftAD"
        )["DirectoryId"]
        == "d-1234567890"
    )
    assert ds.select_directory([connector], "corp.example.com", "MicrosoftAD") is None

    twin = directory(DirectoryId="d-0000000002", VpcSettings={"VpcId": "vpc-22222222", "SubnetIds": []})
    with pytest.raises(ds.AnsibleDSError, match=r"Found 2 directories named corp.example.com .*Set vpc_id"):
        ds.select_directory([directory(), twin], "corp.example.com", "MicrosoftAD")
    assert (
        ds.select_directory([directory(), twin], "corp.example.com", "MicrosoftAD", "vpc-22222222")["DirectoryId"]
        == "d-0000000002"
    )


def test_connector_vpc_comes_from_connect_settings():
    connector = {"Type": "ADConnector", "ConnectSettings": {"VpcId": "vpc-33333333", "SubnetIds": ["b", "a"]}}
    assert ds.directory_vpc(connector) == ("vpc-33333333", ["a", "b"])


@pytest.mark.parametrize(
    "desired, fields",
    [
        ({}, []),
        ({"short_name": "corp", "edition": "Enterprise", "subnet_ids": ["subnet-11111111", "subnet-22222222"]}, []),
        ({"short_name": None, "edition": None, "description": None}, []),
        ({"edition": "Standard"}, ["edition"]),
        ({"short_name": "OTHER", "vpc_id": "vpc-99999999"}, ["short_name", "vpc_id"]),
        ({"subnet_ids": ["subnet-11111111", "subnet-33333333"]}, ["subnet_ids"]),
        ({"description": "new"}, ["description"]),
        ({"network_type": "IPv6"}, []),  # not reported by the directory: nothing to compare
    ],
)
def test_immutable_differences(desired, fields):
    assert [d[0] for d in ds.immutable_differences(directory(), desired)] == fields


def test_immutable_differences_of_a_connector():
    connector = {
        "Type": "ADConnector",
        "Size": "Small",
        "ConnectSettings": {"VpcId": "vpc-1", "SubnetIds": ["s-1", "s-2"], "CustomerUserName": "Admin"},
    }
    diffs = ds.immutable_differences(connector, {"size": "Large", "customer_user_name": "svc", "vpc_id": "vpc-1"})
    assert diffs == [("size", "Small", "Large"), ("customer_user_name", "Admin", "svc")]


def test_immutable_error_names_fields_and_values():
    error = ds.immutable_error("directory d-1234567890", [("edition", "Enterprise", "Standard")], "Recreate it.")
    assert error.message == (
        "Cannot change edition of directory d-1234567890: AWS has no API to modify it"
        " (edition (is 'Enterprise', requested 'Standard')). Recreate it."
    )


def test_build_microsoft_ad_params():
    params = {
        "name": "corp.example.com",
        "password": "Sandbox-Pa55word!",
        "edition": None,
        "short_name": "CORP",
        "description": None,
        "network_type": None,
        "vpc_id": "vpc-1",
        "subnet_ids": ["s-1", "s-2"],
        "tags": {"a": "1"},
    }
    assert ds.build_microsoft_ad_params(params) == {
        "Name": "corp.example.com",
        "Password": "Sandbox-Pa55word!",
        "Edition": "Enterprise",
        "ShortName": "CORP",
        "VpcSettings": {"VpcId": "vpc-1", "SubnetIds": ["s-1", "s-2"]},
        "Tags": [{"Key": "a", "Value": "1"}],
    }


def test_build_connect_directory_params():
    params = {
        "name": "corp.example.com",
        "password": "pw",
        "size": "Large",
        "short_name": None,
        "description": "d",
        "vpc_id": "vpc-1",
        "subnet_ids": ["s-1", "s-2"],
        "customer_dns_ips": ["10.0.0.1"],
        "customer_user_name": "Admin",
        "tags": None,
    }
    assert ds.build_connect_directory_params(params) == {
        "Name": "corp.example.com",
        "Password": "pw",
        "Size": "Large",
        "Description": "d",
        "ConnectSettings": {
            "VpcId": "vpc-1",
            "SubnetIds": ["s-1", "s-2"],
            "CustomerDnsIps": ["10.0.0.1"],
            "CustomerUserName": "Admin",
        },
    }


@pytest.mark.parametrize(
    "current, desired, purge, to_set, to_remove",
    [
        ({"a": "1"}, None, True, {}, []),
        ({"a": "1"}, {"a": "1"}, True, {}, []),
        ({"a": "1"}, {"b": "2"}, True, {"b": "2"}, ["a"]),
        ({"a": "1"}, {"b": "2"}, False, {"b": "2"}, []),
        ({"a": "1"}, {}, True, {}, ["a"]),
    ],
)
def test_tag_changes(current, desired, purge, to_set, to_remove):
    assert ds.tag_changes(current, desired, purge) == (to_set, to_remove)


def test_apply_tags_check_mode_makes_no_call():
    client = MagicMock()
    changed, tags = ds.apply_tags(client, "d-1234567890", {"a": "1"}, {"b": "2"}, True, check_mode=True)
    assert changed and tags == {"b": "2"}
    assert client.method_calls == []
    changed, tags = ds.apply_tags(client, "d-1234567890", {"a": "1"}, {"b": "2"}, True, check_mode=False)
    client.remove_tags_from_resource.assert_called_once_with(ResourceId="d-1234567890", TagKeys=["a"])
    client.add_tags_to_resource.assert_called_once_with(ResourceId="d-1234567890", Tags=[{"Key": "b", "Value": "2"}])


def test_normalize_directory():
    launched = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    result = ds.normalize_directory(directory(LaunchTime=launched, DnsIpAddrs=["10.0.0.10"]), {"Key": "v"})
    assert result["directory_id"] == "d-1234567890"
    assert result["launch_time"] == "2026-01-01T00:00:00+00:00"
    assert result["vpc_settings"]["subnet_ids"] == ["subnet-22222222", "subnet-11111111"]
    assert result["tags"] == {"Key": "v"}
    assert ds.normalize_directory(None) == {}


# ------------------------------------------------------------------ surviving real AWS


@pytest.mark.parametrize(
    "wrapper, method, args",
    [
        (ds.describe_directories, "describe_directories", ()),
        (ds.describe_regions, "describe_regions", ("d-1234567890",)),
        (ds.describe_domain_controllers, "describe_domain_controllers", ("d-1234567890",)),
        (ds.list_tags, "list_tags_for_resource", ("d-1234567890",)),
        (ds.add_tags, "add_tags_to_resource", ("d-1234567890", {"a": "b"})),
        (ds.remove_tags, "remove_tags_from_resource", ("d-1234567890", ["a"])),
        (ds.create_microsoft_ad, "create_microsoft_ad", ({"Name": "x"},)),
        (ds.connect_directory, "connect_directory", ({"Name": "x"},)),
        (ds.delete_directory, "delete_directory", ("d-1234567890",)),
        (ds.add_region, "add_region", ("d-1234567890", "us-west-2", "vpc-1", ["s-1", "s-2"])),
        (ds.remove_region, "remove_region", ("d-1234567890",)),
        (ds.update_number_of_domain_controllers, "update_number_of_domain_controllers", ("d-1234567890", 3)),
    ],
)
def test_every_call_retries_client_exception_rate_exceeded(no_sleep, wrapper, method, args):
    client = MagicMock()
    getattr(client, method).side_effect = [
        client_error("ClientException", "Rate exceeded"),
        {"DirectoryId": "d-1234567890", "DirectoryDescriptions": [], "RegionsDescription": [], "Tags": []},
    ]
    wrapper(client, *args)
    assert getattr(client, method).call_count == 2


def _kind(create):
    return ds.DirectoryKind(
        directory_type="MicrosoftAD",
        label="directory",
        required_for_create=[],
        immutable_options=(),
        predict=lambda params: {},
        create=create,
    )


CREATE_PARAMS = {"name": "corp.example.com", "vpc_id": "vpc-11111111", "tags": {"owner": "us"}}


def test_create_is_not_repeated_after_a_server_error_when_the_directory_shows_up(no_sleep):
    """A ServiceException may hide a done create: look it up (it appears after a miss) instead of creating again."""
    client = MagicMock()
    client.create_microsoft_ad.side_effect = [client_error("ServiceException", "Internal", "CreateMicrosoftAD")]
    client.describe_directories.side_effect = [
        {"DirectoryDescriptions": []},  # not listed yet (eventual consistency)
        {"DirectoryDescriptions": [directory(DirectoryId="d-2222222222", Name="other.example.com")]},
        {"DirectoryDescriptions": [directory(Stage="Creating")]},
    ]
    client.list_tags_for_resource.return_value = {"Tags": [{"Key": "owner", "Value": "us"}]}
    kind = _kind(lambda c, p: ds.create_microsoft_ad(c, {"Name": p["name"]}))
    assert ds.create_directory_once(client, CREATE_PARAMS, kind) == "d-1234567890"
    assert client.create_microsoft_ad.call_count == 1
    assert no_sleep == [1.0, 1.0]


def test_create_ignores_a_same_named_directory_without_the_tags(no_sleep):
    client = MagicMock()
    client.create_microsoft_ad.side_effect = [
        client_error("ServiceException", "Internal", "CreateMicrosoftAD"),
        {"DirectoryId": "d-3333333333"},
    ]
    client.describe_directories.return_value = {"DirectoryDescriptions": [directory()]}
    client.list_tags_for_resource.return_value = {"Tags": [{"Key": "owner", "Value": "someone else"}]}
    kind = _kind(lambda c, p: ds.create_microsoft_ad(c, {"Name": p["name"]}))
    assert ds.create_directory_once(client, CREATE_PARAMS, kind, lookup_timeout=5) == "d-3333333333"
    # Looked for it for the whole lookup window (5 s of polls) before creating again.
    assert client.create_microsoft_ad.call_count == 2 and sum(no_sleep) == 5


def test_create_refused_is_not_looked_up(no_sleep):
    client = MagicMock()
    client.connect_directory.side_effect = [client_error("InvalidParameterException", "bad", "ConnectDirectory")]
    kind = _kind(lambda c, p: ds.connect_directory(c, {"Name": p["name"]}))
    with pytest.raises(ds.AnsibleDSError):
        ds.create_directory_once(client, CREATE_PARAMS, kind)
    assert client.describe_directories.call_count == 0 and client.connect_directory.call_count == 1


def test_create_gives_up_after_a_few_attempts(no_sleep):
    client = MagicMock()
    client.create_microsoft_ad.side_effect = client_error("ServiceException", "Internal", "CreateMicrosoftAD")
    client.describe_directories.return_value = {"DirectoryDescriptions": []}
    kind = _kind(lambda c, p: ds.create_microsoft_ad(c, {"Name": p["name"]}))
    with pytest.raises(ds.AnsibleDSError, match="failed 3 times"):
        ds.create_directory_once(client, CREATE_PARAMS, kind, lookup_timeout=2)
    assert client.create_microsoft_ad.call_count == ds.CREATE_ATTEMPTS


@pytest.mark.parametrize(
    "transient",
    [
        {"DirectoryDescriptions": []},
        ("EntityDoesNotExistException", "Directory d-1234567890 does not exist."),
        ("ClientException", "Rate exceeded"),
    ],
)
def test_directory_waiter_takes_a_transient_answer_as_not_yet(ds_client, no_sleep, transient):
    with Stubber(ds_client) as stub:
        if isinstance(transient, dict):
            stub.add_response("describe_directories", transient)
        else:
            stub.add_client_error("describe_directories", *transient)
        stub.add_response(
            "describe_directories", {"DirectoryDescriptions": [{"DirectoryId": "d-1234567890", "Stage": "Active"}]}
        )
        ds.wait_for_directory(ds_client, "d-1234567890", "active", 2400)
        stub.assert_no_pending_responses()
    assert no_sleep == [1.0]


def test_directory_waiter_never_listed_times_out(ds_client, no_sleep):
    with Stubber(ds_client) as stub:
        for dummy in range(4):
            stub.add_response("describe_directories", {"DirectoryDescriptions": []})
        with pytest.raises(ds.AnsibleDSError, match=r"to be Active \(last stage: not listed\)"):
            ds.wait_for_directory(ds_client, "d-1234567890", "active", 3)
        stub.assert_no_pending_responses()


def test_waiter_does_not_retry_a_permanent_client_exception(ds_client, no_sleep):
    with Stubber(ds_client) as stub:
        stub.add_client_error("describe_directories", "ClientException", "Access to the directory is denied.")
        with pytest.raises(ds.AnsibleDSError):
            ds.wait_for_directory(ds_client, "d-1234567890", "active", 60)
    assert no_sleep == []


@pytest.mark.parametrize(
    "transient",
    [{"RegionsDescription": []}, ("ClientException", "Rate exceeded")],
)
def test_region_waiter_takes_a_transient_answer_as_not_yet(ds_client, no_sleep, transient):
    region = {"DirectoryId": "d-1234567890", "RegionName": "us-west-2", "Status": "Active"}
    with Stubber(ds_client) as stub:
        if isinstance(transient, dict):
            stub.add_response("describe_regions", transient)
        else:
            stub.add_client_error("describe_regions", *transient)
        stub.add_response("describe_regions", {"RegionsDescription": [region]})
        ds.wait_for_region(ds_client, "d-1234567890", "us-west-2", "active", 2400)
        stub.assert_no_pending_responses()
    assert no_sleep == [1.0]


def test_domain_controller_waiter(ds_client, no_sleep):
    dc = {"DirectoryId": "d-1234567890", "DomainControllerId": "dc-1234567890", "DnsIpAddr": "10.1.1.10"}
    with Stubber(ds_client) as stub:
        stub.add_client_error("describe_domain_controllers", "EntityDoesNotExistException", "does not exist")
        stub.add_response("describe_domain_controllers", {"DomainControllers": []})
        stub.add_response("describe_domain_controllers", {"DomainControllers": [dict(dc, Status="Creating")]})
        stub.add_response("describe_domain_controllers", {"DomainControllers": [dict(dc, Status="Active")]})
        ds.wait_for_domain_controllers(ds_client, "d-1234567890", "us-west-2", 600)
        stub.assert_no_pending_responses()
    assert len(no_sleep) == 3


AUTHORIZED = "Cannot delete the directory because it still has authorized applications. : RequestId: x"


def test_delete_waits_while_applications_are_still_authorized(no_sleep):
    client = MagicMock()
    client.delete_directory.side_effect = [
        client_error("ClientException", AUTHORIZED, "DeleteDirectory"),
        client_error("ClientException", AUTHORIZED, "DeleteDirectory"),
        {"DirectoryId": "d-1234567890"},
    ]
    assert ds.delete_directory_when_released(client, "d-1234567890") is True
    assert client.delete_directory.call_count == 3 and no_sleep == [1.0, 1.0]


def test_delete_with_authorized_applications_gives_up_after_its_bound(no_sleep):
    client = MagicMock()
    client.delete_directory.side_effect = client_error("ClientException", AUTHORIZED, "DeleteDirectory")
    with pytest.raises(ds.AnsibleDSError, match="authorized applications"):
        ds.delete_directory_when_released(client, "d-1234567890", timeout=30)
    assert sum(no_sleep) == 30


def test_add_region_waits_while_another_region_is_being_added(no_sleep):
    client = MagicMock()
    client.add_region.side_effect = [
        client_error("DirectoryUnavailableException", "Directory d-1234567890 is busy", "AddRegion"),
        client_error("DirectoryUnavailableException", "Directory d-1234567890 is busy", "AddRegion"),
        {},
    ]
    assert ds.add_region_when_free(client, "d-1234567890", "eu-west-1", "vpc-1", ["s-1", "s-2"], 600) is True
    assert client.add_region.call_count == 3 and no_sleep == [1.0, 1.0]


def test_add_region_already_there_is_not_an_error(no_sleep):
    client = MagicMock()
    client.add_region.side_effect = [client_error("DirectoryAlreadyInRegionException", "already", "AddRegion")]
    assert ds.add_region_when_free(client, "d-1234567890", "eu-west-1", "vpc-1", ["s-1", "s-2"], 600) is False


def test_add_region_busy_beyond_the_timeout(no_sleep):
    client = MagicMock()
    client.add_region.side_effect = client_error("DirectoryUnavailableException", "busy", "AddRegion")
    with pytest.raises(ds.AnsibleDSError, match="still busy"):
        ds.add_region_when_free(client, "d-1234567890", "eu-west-1", "vpc-1", ["s-1", "s-2"], 5)


def test_create_without_wait_reports_the_new_directory_once_aws_lists_it(no_sleep):
    client = MagicMock()
    client.describe_directories.side_effect = [
        {"DirectoryDescriptions": []},  # the lookup by name before creating
        client_error("EntityDoesNotExistException", "Directory d-1234567890 does not exist."),  # not visible yet
        {"DirectoryDescriptions": [directory(Stage="Creating")]},
    ]
    client.list_tags_for_resource.return_value = {"Tags": []}
    kind = _kind(lambda c, p: ds.create_microsoft_ad(c, {"Name": p["name"]}))
    client.create_microsoft_ad.return_value = {"DirectoryId": "d-1234567890"}
    params = dict(CREATE_PARAMS, state="present", wait=False, wait_timeout=600, subnet_ids=["s-1", "s-2"])
    result = ds.ensure_directory(client, params, False, kind)
    assert result["changed"] and result["directory"]["stage"] == "Creating"
    assert no_sleep == [1.0]
