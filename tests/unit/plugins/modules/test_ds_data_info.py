"""ds_data_info: users and groups by name or all (every page), SIDs, members, missing names."""

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import AnsibleDSDataError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import gather
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_data_info as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import DIRECTORY_ID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import FakeDirectory
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import writes
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main


@pytest.fixture
def directory():
    return FakeDirectory(
        users=[{"SAMAccountName": name, "GivenName": name.title()} for name in ("alice", "bob", "carol")],
        groups=[
            {"SAMAccountName": "vpn", "OtherAttributes": {"description": {"S": "VPN users"}}},
            {"SAMAccountName": "admins", "GroupScope": "Universal"},
            {"SAMAccountName": "ops"},
        ],
        members={"vpn": ["bob", "alice"], "admins": ["carol", "ops"]},
    )


def run(directory, **kw):
    params = dict(directory_id=DIRECTORY_ID, users=None, groups=None, include_members=True)
    params.update(kw)
    return gather(directory.client, params)


def test_named_users_and_groups_with_sids_and_members(directory):
    result = run(directory, users=["Alice"], groups=["vpn", "admins"])
    assert not result["changed"] and result["missing"] == []
    assert [u["sam_account_name"] for u in result["users"]] == ["alice"]
    assert result["users"][0]["sid"] == directory.users["alice"]["SID"]
    assert result["users"][0]["user_principal_name"] == "alice@CORP.EXAMPLE.COM"
    vpn, admins = result["groups"]
    assert vpn["sid"] == directory.groups["vpn"]["SID"] and vpn["members"] == ["alice", "bob"]
    assert vpn["description"] == "VPN users" and admins["members"] == ["carol", "ops"]
    assert writes(directory) == []


def test_missing_names_are_listed_not_an_error(directory):
    result = run(directory, users=["alice", "dave"], groups=["nobody"])
    assert result["missing"] == [{"type": "user", "name": "dave"}, {"type": "group", "name": "nobody"}]
    assert len(result["users"]) == 1 and result["groups"] == []


def test_only_groups_reads_no_user(directory):
    result = run(directory, groups=["ops"])
    assert result["users"] == [] and result["groups"][0]["members"] == []
    directory.client.list_users.assert_not_called()


def test_everything_reads_every_page(directory):
    result = run(directory)
    assert [u["sam_account_name"] for u in result["users"]] == ["alice", "bob", "carol"]
    assert [g["sam_account_name"] for g in result["groups"]] == ["vpn", "admins", "ops"]
    assert directory.client.list_users.call_count == 2 and directory.client.list_groups.call_count == 2
    assert result["groups"][0]["members"] == ["alice", "bob"]


def test_members_can_be_left_out(directory):
    result = run(directory, include_members=False)
    assert "members" not in result["groups"][0]
    directory.client.list_group_members.assert_not_called()


def test_data_access_disabled(directory):
    directory.data_access = "Disabled"
    with pytest.raises(AnsibleDSDataError, match="Directory Service Data access is not enabled on d-1234567890"):
        run(directory, groups=["vpn"])


def test_main(directory, capsys, monkeypatch):
    args = dict(directory_id=DIRECTORY_ID, groups=["vpn", "gone"], _ansible_check_mode=True)
    result = run_main(module, args, directory.client, capsys, monkeypatch)
    assert not result["changed"] and result["missing"] == [{"type": "group", "name": "gone"}]
    assert result["groups"][0]["sid"].startswith("S-1-5-21-")
