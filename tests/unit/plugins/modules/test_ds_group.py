"""ds_group: create with members, type / scope / description in place, members with and without purge, delete."""

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import AnsibleDSDataError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import ensure_group
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_group as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import DIRECTORY_ID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import FakeDirectory
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import aws_error
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import writes
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main

USERS = [{"SAMAccountName": name} for name in ("alice", "bob", "carol")]


def params(**kw):
    base = dict(
        directory_id=DIRECTORY_ID,
        name="vpn",
        state="present",
        group_type=None,
        group_scope=None,
        description=None,
        members=None,
        purge_members=False,
    )
    base.update(kw)
    return base


def ensure(directory, check_mode=False, **kw):
    return ensure_group(directory.client, params(**kw), check_mode)


def existing(members=("alice", "bob"), **group):
    return FakeDirectory(users=USERS, groups=[dict({"SAMAccountName": "vpn"}, **group)], members={"vpn": members})


def test_create_in_check_mode_makes_no_write_call():
    directory = FakeDirectory(users=USERS)
    result = ensure(directory, True, members=["alice"], description="VPN users")
    assert result["changed"] and result["group"] == {} and writes(directory) == []
    after = result["diff"]["after"]
    assert after["group_type"] == "Security" and after["group_scope"] == "Global"
    assert after["description"] == "VPN users" and after["members"] == ["alice"]


def test_create_with_members_returns_the_sid(no_sleep):
    directory = FakeDirectory(users=USERS)
    result = ensure(directory, members=["bob", "alice"], description="VPN users", group_scope="Universal")
    assert writes(directory) == ["create_group", "add_group_member", "add_group_member"]
    request = directory.client.create_group.call_args.kwargs
    assert request["OtherAttributes"] == {"description": {"S": "VPN users"}} and request["GroupType"] == "Security"
    group = result["group"]
    assert group["sid"] == directory.groups["vpn"]["SID"] and group["members"] == ["alice", "bob"]
    assert group["group_scope"] == "Universal" and group["description"] == "VPN users"
    assert not ensure(directory, members=["alice", "bob"], description="VPN users", group_scope="Universal")["changed"]


def test_a_member_of_a_new_group_is_added_once_the_group_is_listed(no_sleep):
    directory = FakeDirectory(users=USERS)
    directory.fail_next["add_group_member"] = [aws_error("ResourceNotFoundException", "AddGroupMember")]
    ensure(directory, members=["alice"])
    assert writes(directory) == ["create_group", "add_group_member", "add_group_member"]
    assert directory.member_names("vpn") == ["alice"]


def test_a_missing_member_is_a_clear_error():
    directory = existing()
    with pytest.raises(AnsibleDSDataError, match="Cannot add dave to group vpn: no user, group or computer dave"):
        ensure(directory, members=["dave"])


def test_unchanged_group_makes_no_write_call():
    directory = existing(OtherAttributes={"description": {"S": "VPN users"}})
    for check_mode in (True, False):
        result = ensure(directory, check_mode, members=["Alice", "BOB"], description="VPN users", group_type="Security")
        assert not result["changed"] and result["group"]["members"] == ["alice", "bob"]
    assert writes(directory) == []


def test_members_are_added_and_without_purge_none_removed():
    directory = existing()
    result = ensure(directory, True, members=["carol"])
    assert result["diff"]["before"]["members"] == ["alice", "bob"]
    assert result["diff"]["after"]["members"] == ["alice", "bob", "carol"] and writes(directory) == []
    result = ensure(directory, members=["carol"])
    assert writes(directory) == ["add_group_member"] and directory.member_names("vpn") == ["alice", "bob", "carol"]
    assert result["group"]["members"] == ["alice", "bob", "carol"]


def test_purge_removes_the_members_not_listed():
    directory = existing()
    result = ensure(directory, members=["alice", "carol"], purge_members=True)
    assert writes(directory) == ["add_group_member", "remove_group_member"]
    assert directory.client.remove_group_member.call_args.kwargs["MemberName"] == "bob"
    assert result["group"]["members"] == ["alice", "carol"] == directory.member_names("vpn")


def test_members_not_set_are_not_managed():
    directory = existing()
    assert not ensure(directory, purge_members=True)["changed"] and writes(directory) == []


def test_type_and_description_change_in_place():
    directory = existing(OtherAttributes={"description": {"S": "old"}})
    result = ensure(directory, group_type="Distribution", description="new")
    call = directory.client.update_group.call_args.kwargs
    assert call["UpdateType"] == "REPLACE" and call["GroupType"] == "Distribution"
    assert call["OtherAttributes"] == {"description": {"S": "new"}}
    assert result["diff"]["before"]["description"] == "old" and result["group"]["description"] == "new"
    assert directory.groups["vpn"]["GroupType"] == "Distribution"


def test_a_description_the_group_lacks_is_added():
    directory = existing()
    ensure(directory, description="new")
    assert directory.client.update_group.call_args.kwargs["UpdateType"] == "ADD"


def test_global_to_domain_local_goes_through_universal():
    directory = existing()
    result = ensure(directory, True, group_scope="DomainLocal")
    assert result["diff"]["after"]["group_scope"] == "DomainLocal" and writes(directory) == []
    result = ensure(directory, group_scope="DomainLocal")
    scopes = [c.kwargs["GroupScope"] for c in directory.client.update_group.call_args_list]
    assert scopes == ["Universal", "DomainLocal"] and result["group"]["group_scope"] == "DomainLocal"


def test_builtin_local_conversion_is_refused_before_any_call():
    directory = existing(GroupScope="BuiltinLocal")
    with pytest.raises(AnsibleDSDataError, match="Cannot change group_scope from BuiltinLocal to Global"):
        ensure(directory, group_scope="Global")
    assert writes(directory) == []


def test_absent():
    directory = existing()
    assert ensure(directory, True, state="absent")["changed"] and writes(directory) == []
    result = ensure(directory, state="absent")
    assert result["changed"] and result["group"] == {} and writes(directory) == ["delete_group"]
    assert not ensure(directory, state="absent")["changed"]


def test_main_diff_mode_and_errors(capsys, monkeypatch):
    directory = existing()
    args = dict(directory_id=DIRECTORY_ID, name="vpn", members=["carol"], _ansible_diff=True, _ansible_check_mode=True)
    result = run_main(module, args, directory.client, capsys, monkeypatch)
    assert result["changed"] and result["diff"]["after"]["members"] == ["alice", "bob", "carol"]
    assert writes(directory) == []
    directory.data_access = "Disabled"
    result = run_main(module, dict(directory_id=DIRECTORY_ID, name="vpn"), directory.client, capsys, monkeypatch)
    assert result["failed"] and "Directory Service Data access is not enabled on d-1234567890" in result["msg"]
