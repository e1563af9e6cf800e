"""ds_user: create, update, password, enabled state, delete, on the fake directory; main() end to end."""

import json

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import AnsibleDSDataError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import ensure_user
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_user as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import DIRECTORY_ID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import FakeDirectory
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import aws_error
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import writes
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main

PASSWORD = "Sandbox-Pa55word!"


def params(**kw):
    base = dict(
        directory_id=DIRECTORY_ID,
        name="alice",
        state="present",
        enabled=None,
        given_name=None,
        surname=None,
        email_address=None,
        other_attributes=None,
        password=None,
        update_password="on_create",
    )
    base.update(kw)
    return base


def ensure(directory, check_mode=False, **kw):
    return ensure_user(directory.client, directory.client, params(**kw), check_mode)


ALICE = {"SAMAccountName": "alice", "GivenName": "Alice", "Enabled": True}


def test_create_in_check_mode_makes_no_write_call():
    directory = FakeDirectory()
    result = ensure(directory, True, given_name="Alice", password=PASSWORD, enabled=True)
    assert result["changed"] and result["user"] == {}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["given_name"] == "Alice" and result["diff"]["after"]["enabled"] is True
    assert writes(directory) == []


def test_create_sets_the_password_which_enables_the_user(no_sleep):
    directory = FakeDirectory()
    result = ensure(directory, given_name="Alice", email_address="a@example.com", password=PASSWORD, enabled=True)
    assert writes(directory) == ["create_user", "reset_user_password"]
    request = directory.client.create_user.call_args.kwargs
    assert request["GivenName"] == "Alice" and request["EmailAddress"] == "a@example.com" and request["ClientToken"]
    assert "Password" not in json.dumps(request) and directory.passwords == {"alice": PASSWORD}
    user = result["user"]
    assert result["changed"] and user["enabled"] is True and user["sid"].startswith("S-1-5-21-")
    assert user["user_principal_name"] == "alice@CORP.EXAMPLE.COM" and PASSWORD not in json.dumps(result)
    assert not ensure(directory, given_name="Alice", password=PASSWORD, enabled=True)["changed"]


def test_create_disabled_with_a_password_disables_after_setting_it(no_sleep):
    directory = FakeDirectory()
    result = ensure(directory, password=PASSWORD, enabled=False)
    assert writes(directory) == ["create_user", "reset_user_password", "disable_user"]
    assert result["user"]["enabled"] is False and directory.users["alice"]["Enabled"] is False


def test_create_without_password_leaves_the_user_disabled(no_sleep):
    directory = FakeDirectory()
    result = ensure(directory, other_attributes={"displayName": "Alice L"})
    assert writes(directory) == ["create_user"]
    assert result["user"]["enabled"] is False and result["user"]["other_attributes"] == {"displayName": "Alice L"}


def test_create_enabled_without_password_fails_before_any_call():
    directory = FakeDirectory()
    with pytest.raises(AnsibleDSDataError, match="to create it enabled also set password"):
        ensure(directory, enabled=True)
    assert writes(directory) == []


def test_create_refused_because_it_exists_updates_the_listed_user(no_sleep):
    """DescribeUser asked a domain controller the user has not reached yet; CreateUser says it exists."""
    directory = FakeDirectory(users=[dict(ALICE)])
    directory.fail_next["describe_user"] = [aws_error("ResourceNotFoundException", "DescribeUser")]
    result = ensure(directory, given_name="Alicia")
    assert writes(directory) == ["create_user", "update_user"]
    assert result["changed"] and result["user"]["given_name"] == "Alicia"


def test_update_adds_missing_and_replaces_different_attributes():
    directory = FakeDirectory(users=[dict(ALICE, OtherAttributes={"displayName": {"S": "Al"}})])
    kw = dict(given_name="Alicia", surname="Liddell", other_attributes={"displayName": "Alicia L", "co": "UK"})
    result = ensure(directory, True, **kw)
    assert result["changed"] and writes(directory) == []
    assert result["diff"]["before"]["given_name"] == "Alice" and result["diff"]["after"]["given_name"] == "Alicia"
    result = ensure(directory, **kw)
    calls = [c.kwargs for c in directory.client.update_user.call_args_list]
    assert [c["UpdateType"] for c in calls] == ["ADD", "REPLACE"]
    assert calls[0]["Surname"] == "Liddell" and calls[0]["OtherAttributes"] == {"co": {"S": "UK"}}
    assert calls[1]["GivenName"] == "Alicia" and calls[1]["OtherAttributes"] == {"displayName": {"S": "Alicia L"}}
    assert result["user"]["other_attributes"] == {"displayName": "Alicia L", "co": "UK"}
    assert not ensure(directory, **kw)["changed"]


def test_unchanged_user_makes_no_call_and_on_create_ignores_the_password():
    directory = FakeDirectory(users=[dict(ALICE)])
    for check_mode in (True, False):
        result = ensure(directory, check_mode, given_name="Alice", password=PASSWORD, enabled=True)
        assert not result["changed"] and result["diff"]["before"] == result["diff"]["after"]
    assert writes(directory) == []


def test_update_password_always_resets_and_reports_a_change_every_run():
    directory = FakeDirectory(users=[dict(ALICE)])
    for dummy in range(2):
        result = ensure(directory, password=PASSWORD, update_password="always")
        assert result["changed"] and result["diff"]["after"]["password_reset"] is True
    assert writes(directory) == ["reset_user_password", "reset_user_password"]
    assert PASSWORD not in json.dumps(result)


def test_always_keeps_a_disabled_user_disabled():
    directory = FakeDirectory(users=[dict(ALICE, Enabled=False)])
    result = ensure(directory, password=PASSWORD, update_password="always")
    assert writes(directory) == ["reset_user_password", "disable_user"] and result["user"]["enabled"] is False


def test_enabling_a_disabled_user_sets_its_password():
    directory = FakeDirectory(users=[dict(ALICE, Enabled=False)])
    assert ensure(directory, True, enabled=True, password=PASSWORD)["diff"]["after"]["enabled"] is True
    assert writes(directory) == []
    result = ensure(directory, enabled=True, password=PASSWORD)
    assert writes(directory) == ["reset_user_password"] and result["user"]["enabled"] is True


def test_enabling_without_password_is_a_clear_error():
    directory = FakeDirectory(users=[dict(ALICE, Enabled=False)])
    with pytest.raises(AnsibleDSDataError, match="User alice is disabled; enabling it needs password"):
        ensure(directory, enabled=True)
    assert writes(directory) == []


def test_disabling():
    directory = FakeDirectory(users=[dict(ALICE)])
    result = ensure(directory, enabled=False)
    assert writes(directory) == ["disable_user"] and result["changed"] and result["user"]["enabled"] is False
    assert not ensure(directory, enabled=False)["changed"]


def test_absent():
    directory = FakeDirectory(users=[dict(ALICE)])
    result = ensure(directory, True, state="absent")
    assert result["changed"] and result["diff"]["after"] == {} and writes(directory) == []
    result = ensure(directory, state="absent")
    assert result["changed"] and result["user"] == {} and result["diff"]["before"]["sam_account_name"] == "alice"
    assert writes(directory) == ["delete_user"]
    assert not ensure(directory, state="absent")["changed"]


def test_data_access_disabled_is_a_clear_error():
    directory = FakeDirectory(data_access="Disabled")
    with pytest.raises(AnsibleDSDataError, match="Directory Service Data access is not enabled on d-1234567890"):
        ensure(directory)


def test_main_hides_the_password_and_shows_the_diff_in_diff_mode(capsys, monkeypatch, no_sleep):
    directory = FakeDirectory()
    args = dict(directory_id=DIRECTORY_ID, name="alice", password=PASSWORD, enabled=True)
    result = run_main(module, args, directory.client, capsys, monkeypatch)
    assert result["changed"] and "diff" not in result and PASSWORD not in json.dumps(result)
    assert result["user"]["enabled"] is True
    result = run_main(module, dict(args, _ansible_diff=True, surname="L"), directory.client, capsys, monkeypatch)
    assert result["diff"]["after"]["surname"] == "L" and "surname" not in result["diff"]["before"]


def test_main_reports_data_access_disabled(capsys, monkeypatch):
    directory = FakeDirectory(data_access="Disabled")
    result = run_main(module, dict(directory_id=DIRECTORY_ID, name="alice"), directory.client, capsys, monkeypatch)
    assert result["failed"]
    assert result["msg"].startswith(
        "Cannot describe user alice: Directory Service Data access is not enabled on d-1234567890: enable it with"
        " multiregion.client_vpn.ds_data_access."
    )
