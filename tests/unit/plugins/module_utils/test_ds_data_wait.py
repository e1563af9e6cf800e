"""module_utils/ds_data ``gather`` with ``wait``: named users and groups awaited until they exist and the data
access is enabled (another host may be creating them), only the missing ones read again, a deadline that fails
naming what was awaited. The directory is test_ds_data's FakeDirectory; time passes only in the faked sleeps."""

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import AnsibleDSDataError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import gather
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import DIRECTORY_ID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import FakeDirectory
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import aws_error
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import writes


class Clock:
    """Faked time: each sleep advances it and runs the changes due by then (what other hosts do meanwhile)."""

    def __init__(self, monkeypatch):
        self.now = 0.0
        self.sleeps = []
        self.due = []
        monkeypatch.setattr("time.monotonic", lambda: self.now)
        monkeypatch.setattr("time.sleep", self.sleep)

    def at(self, when, change):
        self.due.append((when, change))

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        for entry in [e for e in self.due if e[0] <= self.now]:
            self.due.remove(entry)
            entry[1]()


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def run(directory, wait=True, timeout=60, **kw):
    params = dict(directory_id=DIRECTORY_ID, users=None, groups=None, include_members=False)
    params.update(kw, wait=wait, wait_timeout=timeout)
    return gather(directory.client, params)


def describes(directory, operation="describe_group"):
    return [kwargs["SAMAccountName"] for name, dummy, kwargs in directory.client.method_calls if name == operation]


def test_present_names_are_read_once_without_sleeping(clock):
    directory = FakeDirectory(groups=[{"SAMAccountName": "vpn-finance"}])
    result = run(directory, groups=["vpn-finance"])
    assert [g["sam_account_name"] for g in result["groups"]] == ["vpn-finance"] and result["missing"] == []
    assert clock.sleeps == [] and describes(directory) == ["vpn-finance"]


def test_waits_for_a_group_another_host_creates_reading_only_the_missing_ones(clock):
    directory = FakeDirectory(groups=[{"SAMAccountName": "vpn-ops"}])
    clock.at(3, lambda: directory.add_group("VPN-Finance"))
    result = run(directory, groups=["vpn-ops", "vpn-finance"])
    assert [g["sam_account_name"] for g in result["groups"]] == ["vpn-ops", "VPN-Finance"]
    assert result["groups"][1]["sid"] == directory.groups["vpn-finance"]["SID"] and result["missing"] == []
    assert describes(directory).count("vpn-ops") == 1 and describes(directory).count("vpn-finance") > 1
    assert "members" not in result["groups"][0]
    assert writes(directory) == []


def test_data_access_not_enabled_yet_is_waited_for(clock):
    directory = FakeDirectory(groups=[{"SAMAccountName": "vpn-finance"}], data_access="Disabled")

    def enable():
        directory.data_access = "Enabled"

    clock.at(2, enable)
    result = run(directory, groups=["vpn-finance"])
    assert result["groups"][0]["sid"] == directory.groups["vpn-finance"]["SID"]
    assert clock.now >= 2


def test_users_are_awaited_too_and_keep_their_order(clock):
    directory = FakeDirectory(users=[{"SAMAccountName": "bob"}])
    clock.at(1, lambda: directory.add_user("alice"))
    result = run(directory, users=["alice", "bob"], groups=[])
    assert [u["sam_account_name"] for u in result["users"]] == ["alice", "bob"] and result["groups"] == []


def test_the_deadline_fails_naming_what_is_still_missing(clock):
    directory = FakeDirectory(groups=[{"SAMAccountName": "vpn-ops"}])
    with pytest.raises(AnsibleDSDataError, match=r"Timed out after 30 seconds waiting for group vpn-finance to exist"):
        run(directory, groups=["vpn-ops", "vpn-finance"], timeout=30)
    assert 30 <= clock.now < 31 and max(clock.sleeps) <= 30


def test_the_deadline_with_data_access_still_off_says_so(clock):
    directory = FakeDirectory(groups=[{"SAMAccountName": "vpn-finance"}], data_access="Disabled")
    with pytest.raises(AnsibleDSDataError, match="waiting for the Directory Service Data access of d-1234567890 to be"):
        run(directory, groups=["vpn-finance"], timeout=10)


def test_other_errors_end_the_wait_at_once(clock):
    directory = FakeDirectory()
    directory.fail_next["describe_group"] = [aws_error("AccessDeniedException", "DescribeGroup", "IAM_AUTH")]
    with pytest.raises(AnsibleDSDataError, match="may not make this Directory Service Data call"):
        run(directory, groups=["vpn-finance"])
    assert clock.sleeps == []


def test_without_wait_missing_names_are_listed_at_once(clock):
    directory = FakeDirectory()
    result = run(directory, wait=False, groups=["vpn-finance"])
    assert result["missing"] == [{"type": "group", "name": "vpn-finance"}] and clock.sleeps == []


def test_wait_is_ignored_when_everything_is_listed(clock):
    directory = FakeDirectory(groups=[{"SAMAccountName": "vpn-ops"}])
    result = run(directory)
    assert [g["sam_account_name"] for g in result["groups"]] == ["vpn-ops"] and clock.sleeps == []
