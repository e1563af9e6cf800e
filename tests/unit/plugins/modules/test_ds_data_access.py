"""ds_data_access: Directory Service Data access on and off, waits, the opposite change under way."""

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import AnsibleDSDataError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import ensure_data_access
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_data_access as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import DIRECTORY_ID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import FakeDirectory
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import aws_error
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import writes
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main


def ensure(directory, check_mode=False, **kw):
    params = dict(directory_id=DIRECTORY_ID, state="enabled", wait=True, wait_timeout=60)
    params.update(kw)
    return ensure_data_access(directory.client, params, check_mode)


def test_enable_in_check_mode_makes_no_call():
    directory = FakeDirectory(data_access="Disabled")
    result = ensure(directory, True)
    assert result["changed"] and result["data_access_status"] == "Enabled" and writes(directory) == []
    assert result["diff"] == {"before": {"data_access_status": "Disabled"}, "after": {"data_access_status": "Enabled"}}


def test_enable_waits_until_enabled(no_sleep):
    directory = FakeDirectory(data_access="Disabled")
    result = ensure(directory)
    assert result["changed"] and result["data_access_status"] == "Enabled"
    assert writes(directory) == ["enable_directory_data_access"]
    assert not ensure(directory)["changed"]


def test_enable_without_wait_reports_enabling():
    directory = FakeDirectory(data_access="Disabled")
    directory.client.describe_directory_data_access.side_effect = [
        {"DataAccessStatus": "Disabled"},
        {"DataAccessStatus": "Disabled"},  # the former state, right after the call
    ]
    result = ensure(directory, wait=False)
    assert result["changed"] and result["data_access_status"] == "Enabling"


def test_enabling_under_way_is_no_change_and_is_waited_for(no_sleep):
    directory = FakeDirectory(data_access="Enabling")
    result = ensure(directory)
    assert not result["changed"] and result["data_access_status"] == "Enabled" and writes(directory) == []


def test_disabling_under_way_is_waited_out_before_enabling(no_sleep):
    directory = FakeDirectory(data_access="Disabling")
    result = ensure(directory)
    assert result["changed"] and result["data_access_status"] == "Enabled"
    assert writes(directory) == ["enable_directory_data_access"]


def test_disabling_under_way_without_wait_is_an_error():
    directory = FakeDirectory(data_access="Disabling")
    with pytest.raises(AnsibleDSDataError, match="is Disabling: run again once it is done, or with wait=true"):
        ensure(directory, wait=False)
    assert writes(directory) == []


def test_disable(no_sleep):
    directory = FakeDirectory(data_access="Enabled")
    result = ensure(directory, state="disabled")
    assert result["changed"] and result["data_access_status"] == "Disabled"
    assert writes(directory) == ["disable_directory_data_access"]


def test_failed_ends_the_wait(no_sleep):
    directory = FakeDirectory(data_access="Disabled")
    directory.client.describe_directory_data_access.side_effect = [
        {"DataAccessStatus": "Disabled"},
        {"DataAccessStatus": "Enabling"},
        {"DataAccessStatus": "Failed"},
    ]
    with pytest.raises(AnsibleDSDataError, match="ended Failed instead of Enabled"):
        ensure(directory)


def test_timeout(no_sleep):
    directory = FakeDirectory(data_access="Disabled")
    directory.client.describe_directory_data_access.side_effect = None
    directory.client.describe_directory_data_access.return_value = {"DataAccessStatus": "Disabled"}
    with pytest.raises(AnsibleDSDataError, match="Timed out after 60 seconds .* \\(last status: Disabled\\)"):
        ensure(directory)


def test_already_in_desired_state_answer_is_fine(no_sleep):
    """A stale read said Disabled; EnableDirectoryDataAccess answers that it is enabled already."""
    directory = FakeDirectory(data_access="Disabled")
    directory.client.describe_directory_data_access.side_effect = [
        {"DataAccessStatus": "Disabled"},
        {"DataAccessStatus": "Enabled"},
    ]
    directory.fail_next["enable_directory_data_access"] = [aws_error("DirectoryInDesiredStateException")]
    assert ensure(directory)["data_access_status"] == "Enabled"


def test_not_a_managed_microsoft_ad_is_explained(capsys, monkeypatch):
    directory = FakeDirectory()
    directory.fail_next["describe_directory_data_access"] = [
        aws_error("UnsupportedOperationException", "DescribeDirectoryDataAccess")
    ]
    result = run_main(module, dict(directory_id=DIRECTORY_ID), directory.client, capsys, monkeypatch)
    assert result["failed"] and result["msg"].startswith(
        "Directory Service Data is available only for AWS Managed Microsoft AD directories"
    )


def test_main(capsys, monkeypatch, no_sleep):
    directory = FakeDirectory(data_access="Disabled")
    result = run_main(module, dict(directory_id=DIRECTORY_ID), directory.client, capsys, monkeypatch)
    assert result["changed"] and result["data_access_status"] == "Enabled" and "diff" not in result
