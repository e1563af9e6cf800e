"""ec2_client_vpn_connections: the logic against a stub EC2 client, and main()."""

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_connections as logic
from ansible_collections.multiregion.client_vpn.plugins.modules import ec2_client_vpn_connections as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import ENDPOINT_ID as EID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import endpoint_set_client
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import paginated
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import write_calls

WRITES = ("terminate_client_vpn_connections",)


def connection(connection_id, username="jdoe", status="active"):
    return {
        "ClientVpnEndpointId": EID,
        "ConnectionId": connection_id,
        "Username": username,
        "ClientIp": "172.16.0.2",
        "ConnectionEstablishedTime": "2026-12-04 09:30:00",
        "Status": {"Code": status},
    }


def answer(*connections, current="terminating"):
    """A TerminateClientVpnConnections answer for ``connections``."""
    return {
        "ClientVpnEndpointId": EID,
        "ConnectionStatuses": [
            {"ConnectionId": c["ConnectionId"], "PreviousStatus": c["Status"], "CurrentStatus": {"Code": current}}
            for c in connections
        ],
    }


def stub_client(before, after=None, endpoint=True):
    """A stub EC2 client: the selected Connections ``before`` then ``after`` (NotFound without ``endpoint``)."""
    return endpoint_set_client("Connections", before, after, endpoint)


def recorded_reads(client, answers=None):
    """The parameters of each describe call of ``client``, in order; ``answers``: the Connections of each one."""
    reads = []
    describe = client.get_paginator.side_effect

    def paginator(name):
        pager = describe(name)
        if answers is not None:
            pager.paginate.return_value.build_full_result.return_value = {"Connections": answers.pop(0)}
        pager.paginate.side_effect = lambda **kwargs: reads.append(kwargs) or pager.paginate.return_value
        return pager

    client.get_paginator.side_effect = paginator
    return reads


def params(**overrides):
    base = dict(
        client_vpn_endpoint_id=EID, username="jdoe", connection_id=None, state="terminated", wait=False, wait_timeout=60
    )
    base.update(overrides)
    return base


pytestmark = pytest.mark.usefixtures("no_sleep")

ACTIVE = [connection("cvpn-connection-1"), connection("cvpn-connection-2")]


@pytest.mark.parametrize("check_mode", [False, True])
def test_none_active_is_unchanged_and_one_read(check_mode):
    client = stub_client([connection("cvpn-connection-1", status="terminated")])
    reads = recorded_reads(client)
    result = logic.ensure_terminated(client, params(), check_mode=check_mode)
    assert result == {"changed": False, "connections": [], "terminated": []}
    assert write_calls(client, WRITES) == []
    assert paginated(client) == ["describe_client_vpn_connections"]
    assert reads == [dict(ClientVpnEndpointId=EID, Filters=[{"Name": "username", "Values": ["jdoe"]}], MaxResults=1000)]


def test_active_connections_end_in_one_call_by_username():
    client = stub_client(ACTIVE)
    client.terminate_client_vpn_connections.return_value = answer(*ACTIVE)
    result = logic.ensure_terminated(client, params(), check_mode=False)
    assert write_calls(client, WRITES) == [
        ("terminate_client_vpn_connections", dict(ClientVpnEndpointId=EID, Username="jdoe"))
    ]
    assert result["changed"]
    assert [c["connection_id"] for c in result["connections"]] == ["cvpn-connection-1", "cvpn-connection-2"]
    assert result["connections"][0]["status"] == {"code": "active"}
    assert result["connections"][0]["client_ip"] == "172.16.0.2"
    assert result["terminated"][0] == {
        "connection_id": "cvpn-connection-1",
        "previous_status": {"code": "active"},
        "current_status": {"code": "terminating"},
    }


def test_connection_id_path_ends_that_connection():
    one = connection("cvpn-connection-9", username=None)
    client = stub_client([one])
    reads = recorded_reads(client)
    client.terminate_client_vpn_connections.return_value = answer(one)
    result = logic.ensure_terminated(client, params(username=None, connection_id="cvpn-connection-9"), check_mode=False)
    assert reads[0]["Filters"] == [{"Name": "connection-id", "Values": ["cvpn-connection-9"]}]
    assert write_calls(client, WRITES) == [
        ("terminate_client_vpn_connections", dict(ClientVpnEndpointId=EID, ConnectionId="cvpn-connection-9"))
    ]
    assert result["changed"] and len(result["terminated"]) == 1


def test_failed_to_terminate_is_ended_again():
    failed = connection("cvpn-connection-1", status="failed-to-terminate")
    client = stub_client([failed, connection("cvpn-connection-0", status="terminated")])
    client.terminate_client_vpn_connections.return_value = answer(failed)
    result = logic.ensure_terminated(client, params(), check_mode=False)
    assert result["changed"] and [c["connection_id"] for c in result["connections"]] == ["cvpn-connection-1"]
    # No active connection: a call by user name would end nothing; the failed one is ended by its ID.
    assert write_calls(client, WRITES) == [
        ("terminate_client_vpn_connections", dict(ClientVpnEndpointId=EID, ConnectionId="cvpn-connection-1"))
    ]


def test_check_mode_reports_what_would_end_and_makes_no_write():
    client = stub_client(ACTIVE + [connection("cvpn-connection-3", status="terminated")])
    result = logic.ensure_terminated(client, params(wait=True), check_mode=True)
    assert result["changed"] and result["terminated"] == []
    assert [c["connection_id"] for c in result["connections"]] == ["cvpn-connection-1", "cvpn-connection-2"]
    assert write_calls(client, WRITES) == []
    assert paginated(client) == ["describe_client_vpn_connections"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_unknown_endpoint_fails_clearly(check_mode):
    client = stub_client([], endpoint=False)
    with pytest.raises(AnsibleAWSError) as err:
        logic.ensure_terminated(client, params(), check_mode=check_mode)
    assert err.value.message == f"Client VPN endpoint {EID} does not exist"
    assert write_calls(client, WRITES) == []


def test_wait_polls_until_the_ended_connections_are_gone():
    # The first describes after the call still list them as active (eventually consistent), then terminating.
    terminating = [dict(c, Status={"Code": "terminating"}) for c in ACTIVE]
    ended = [dict(c, Status={"Code": "terminated"}) for c in ACTIVE[:1]]  # the other one no longer listed
    answers = [ACTIVE, ACTIVE, terminating, ended]
    client = stub_client(ACTIVE)
    reads = recorded_reads(client, answers)
    client.terminate_client_vpn_connections.return_value = answer(*ACTIVE)
    result = logic.ensure_terminated(client, params(wait=True), check_mode=False)
    assert result["changed"] and answers == []
    assert len(reads) == 4  # the read, then three polls
    assert len(write_calls(client, WRITES)) == 1


def test_no_wait_by_default():
    client = stub_client(ACTIVE)
    client.terminate_client_vpn_connections.return_value = answer(*ACTIVE)
    logic.ensure_terminated(client, params(), check_mode=False)
    assert paginated(client) == ["describe_client_vpn_connections"]


def test_main_unknown_endpoint_message(monkeypatch, capsys):
    client = stub_client([], endpoint=False)
    result = run_main(module, dict(client_vpn_endpoint_id=EID, username="jdoe"), client, capsys, monkeypatch)
    assert result["failed"] and result["msg"].startswith(f"Client VPN endpoint {EID} does not exist")
    assert write_calls(client, WRITES) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(username="jdoe", connection_id="cvpn-connection-1"), "mutually exclusive"),
        ({}, "one of the following is required"),
        (dict(username="jdoe", state="absent"), "value of state must be one of"),
    ],
)
def test_main_options_are_checked_before_any_call(monkeypatch, capsys, args, message):
    client = stub_client(ACTIVE)
    result = run_main(module, dict(client_vpn_endpoint_id=EID, **args), client, capsys, monkeypatch)
    assert result["failed"] and message in result["msg"]
    assert client.method_calls == [] and paginated(client) == []


def test_main_check_mode(monkeypatch, capsys):
    client = stub_client(ACTIVE)
    result = run_main(
        module, dict(client_vpn_endpoint_id=EID, username="jdoe", _ansible_check_mode=True), client, capsys, monkeypatch
    )
    assert result["changed"] and len(result["connections"]) == 2 and result["terminated"] == []
    assert write_calls(client, WRITES) == []
