"""module_utils/client_vpn_connections: which connections end, in which calls, retries and the wait."""

from unittest.mock import MagicMock

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_connections as cc
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules import module_stubs as stubs
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import ENDPOINT_ID as EID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import write_calls

WRITES = ("terminate_client_vpn_connections",)


@pytest.fixture(autouse=True)
def slept(monkeypatch):
    """Retries and polls back off without sleeping; the pauses they asked for, in order."""
    pauses = []
    monkeypatch.setattr("time.sleep", pauses.append)
    return pauses


def connection(connection_id, status="active"):
    return {"ConnectionId": connection_id, "Username": "jdoe", "Status": {"Code": status}}


def statuses(*ids):
    return [
        {"ConnectionId": i, "PreviousStatus": {"Code": "active"}, "CurrentStatus": {"Code": "terminating"}} for i in ids
    ]


def client_error(code):
    return stubs.client_error(code, "TerminateClientVpnConnections")


def terminate_client(*answers):
    client = MagicMock()
    client.terminate_client_vpn_connections.side_effect = [
        a if isinstance(a, Exception) else {"ConnectionStatuses": a} for a in answers
    ]
    return client


def sent(client):
    return [kwargs for name, kwargs in write_calls(client, WRITES)]


def test_to_end_is_active_and_failed_to_terminate():
    found = [connection(f"c-{s}", s) for s in ("active", "failed-to-terminate", "terminating", "terminated")]
    assert [c["ConnectionId"] for c in cc.to_end(found)] == ["c-active", "c-failed-to-terminate"]


def test_more_than_five_connections_are_ended_one_by_one():
    """AWS accepts a call by user name only for a user with up to five connections."""
    targets = [connection(f"c-{i}") for i in range(6)]
    client = terminate_client(*[statuses(t["ConnectionId"]) for t in targets])
    assert len(cc.terminate(client, EID, targets, "jdoe")) == 6
    assert sent(client) == [dict(ClientVpnEndpointId=EID, ConnectionId=f"c-{i}") for i in range(6)]


def test_a_failed_one_the_username_call_did_not_end_is_ended_by_id():
    targets = [connection("c-1"), connection("c-2", "failed-to-terminate")]
    client = terminate_client(statuses("c-1"), statuses("c-2"))
    assert [s["ConnectionId"] for s in cc.terminate(client, EID, targets, "jdoe")] == ["c-1", "c-2"]
    assert sent(client) == [
        dict(ClientVpnEndpointId=EID, Username="jdoe"),
        dict(ClientVpnEndpointId=EID, ConnectionId="c-2"),
    ]


def test_a_user_with_nothing_active_any_more_is_no_failure():
    """Ended between the describe and the call: AWS answers UserNotFound; each target is then asked by ID."""
    client = terminate_client(
        client_error(cc.USER_NOT_FOUND), client_error(cc.CONNECTION_NOT_FOUND), client_error(cc.CONNECTION_NOT_FOUND)
    )
    assert cc.terminate(client, EID, [connection("c-1"), connection("c-2")], "jdoe") == []
    assert len(sent(client)) == 3


@pytest.mark.parametrize("code", ["RequestLimitExceeded", "ThrottlingException", "ConcurrentMutationLimitExceeded"])
def test_throttling_and_concurrency_are_retried(code):
    client = terminate_client(client_error(code), client_error(code), statuses("c-1"))
    assert len(cc.terminate(client, EID, [connection("c-1")], "jdoe")) == 1
    assert sent(client) == [dict(ClientVpnEndpointId=EID, Username="jdoe")] * 3


def test_a_missing_endpoint_on_the_call_is_an_error():
    client = terminate_client(client_error("InvalidClientVpnEndpointId.NotFound"))
    with pytest.raises(AnsibleAWSError) as err:
        cc.terminate(client, EID, [connection("c-1")], "jdoe")
    assert err.value.message == "Failed to terminate Client VPN connections"


def reads(*answers):
    queue = list(answers)
    return lambda: queue.pop(0) if len(queue) > 1 else queue[0]


def test_wait_ends_when_none_is_open_and_a_missing_one_has_ended():
    targets = [connection("c-1"), connection("c-2")]
    read = MagicMock(side_effect=reads(targets, [connection("c-1", "terminated")]))
    cc.wait_until_ended(read, targets, 60)
    assert read.call_count == 2


def test_wait_ignores_other_connections():
    read = MagicMock(side_effect=reads([connection("c-1", "terminated"), connection("other")]))
    cc.wait_until_ended(read, [connection("c-1")], 60)
    assert read.call_count == 1


def test_wait_timeout_names_the_open_connections(slept):
    with pytest.raises(AnsibleAWSError, match="Timeout waiting for Client VPN connections to end: c-1 still open"):
        cc.wait_until_ended(reads([connection("c-1", "terminating")]), [connection("c-1")], 5)
    assert sum(slept) == 5


def test_wait_fails_on_a_failed_termination():
    with pytest.raises(AnsibleAWSError, match="failed to terminate: c-1 \\(run again to retry\\)"):
        cc.wait_until_ended(reads([connection("c-1", "failed-to-terminate")]), [connection("c-1")], 5)
