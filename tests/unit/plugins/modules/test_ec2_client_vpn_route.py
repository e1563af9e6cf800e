"""ec2_client_vpn_route: the logic against a stub EC2 client, and main() in check mode."""

from unittest.mock import MagicMock

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_route as logic
from ansible_collections.multiregion.client_vpn.plugins.modules import ec2_client_vpn_route as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules import module_stubs as stubs
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import ENDPOINT_ID as EID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import endpoint_set_client
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import paginated
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import write_calls

WRITES = ("create_client_vpn_route", "delete_client_vpn_route")


def client_error(code, operation="CreateClientVpnRoute"):
    return stubs.client_error(code, operation)


def route(cidr, subnet, description=None, origin="add-route", status="active"):
    found = {
        "ClientVpnEndpointId": EID,
        "DestinationCidr": cidr,
        "TargetSubnet": subnet,
        "Type": "Nat",
        "Origin": origin,
        "Status": {"Code": status},
    }
    if description:
        found["Description"] = description
    return found


AUTOMATIC = [
    route("10.10.0.0/16", "subnet-a", "Default Route", "associate"),
    route("10.10.0.0/16", "subnet-b", "Default Route", "associate"),
]


def stub_client(before, after=None, endpoint=True):
    """A stub EC2 client: the endpoint's Routes ``before`` then ``after`` (NotFound without ``endpoint``)."""
    return endpoint_set_client("Routes", before, after, endpoint)


def params(**overrides):
    base = dict(client_vpn_endpoint_id=EID, routes=[], purge=False, state="present", wait=True, wait_timeout=60)
    base.update(overrides)
    return base


pytestmark = pytest.mark.usefixtures("no_sleep")


@pytest.fixture
def tokens(monkeypatch):
    """The module's ClientTokens, one per intended write: token-1, token-2, ..."""
    made = []

    def new_client_token():
        made.append(f"token-{len(made) + 1}")
        return made[-1]

    monkeypatch.setattr(logic, "new_client_token", new_client_token)
    return made


def test_check_mode_makes_no_write_call(wait_for_calls):
    client = stub_client(AUTOMATIC + [route("10.20.0.0/16", "subnet-a")])
    declared = [{"destination_cidr": "10.30.0.0/16", "target_subnet": "subnet-b", "description": "x"}]
    result = logic.ensure_routes(client, params(routes=declared, purge=True), check_mode=True)
    assert result["changed"] and write_calls(client, WRITES) == [] and not wait_for_calls.called
    assert result["removed"] == [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a", "description": None}]
    assert result["diff"]["after"]["routes"] == [
        {"destination_cidr": "10.30.0.0/16", "target_subnet": "subnet-b", "description": "x"}
    ]
    assert len(result["routes"]) == 3  # the automatic ones are returned, not diffed


def test_create_with_the_right_parameters_and_wait(wait_for_calls, tokens):
    client = stub_client(AUTOMATIC, AUTOMATIC + [route("0.0.0.0/0", "subnet-a", "Internet")])
    declared = [{"destination_cidr": "0.0.0.0/0", "target_subnet": "subnet-a", "description": "Internet"}]
    result = logic.ensure_routes(client, params(routes=declared), check_mode=False)
    assert write_calls(client, WRITES) == [
        (
            "create_client_vpn_route",
            dict(
                ClientVpnEndpointId=EID,
                DestinationCidrBlock="0.0.0.0/0",
                TargetVpcSubnetId="subnet-a",
                ClientToken="token-1",
                Description="Internet",
            ),
        )
    ]
    assert wait_for_calls.call_args.args[1] == "client_vpn_routes_settled"
    assert result["changed"]


def test_automatic_routes_never_deleted_nor_recreated(wait_for_calls):
    client = stub_client(AUTOMATIC)
    declared = [{"destination_cidr": "10.10.0.0/16", "target_subnet": "subnet-a", "description": "mine"}]
    assert not logic.ensure_routes(client, params(routes=declared, purge=True), check_mode=False)["changed"]
    assert not logic.ensure_routes(client, params(routes=None, state="absent"), check_mode=False)["changed"]
    assert write_calls(client, WRITES) == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_idempotent_run_is_one_read(wait_for_calls, check_mode):
    client = stub_client(AUTOMATIC + [route("10.20.0.0/16", "subnet-a", "Branch")])
    declared = [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a", "description": "Branch"}]
    result = logic.ensure_routes(client, params(routes=declared, purge=True), check_mode=check_mode)
    assert not result["changed"] and write_calls(client, WRITES) == [] and not wait_for_calls.called
    # DescribeClientVpnRoutes alone: it also says whether the endpoint exists.
    assert paginated(client) == ["describe_client_vpn_routes"]
    assert len(result["routes"]) == 3


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("declared", [None, [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"}]])
def test_missing_endpoint_absent_is_unchanged_and_empty(wait_for_calls, check_mode, declared):
    """A missing or deleted endpoint (AWS: InvalidClientVpnEndpointId.NotFound) has no route to delete."""
    client = stub_client([], endpoint=False)
    result = logic.ensure_routes(client, params(routes=declared, state="absent"), check_mode=check_mode)
    assert result == {
        "changed": False,
        "routes": [],
        "added": [],
        "removed": [],
        "diff": {"before": {"routes": []}, "after": {"routes": []}},
    }
    assert paginated(client) == ["describe_client_vpn_routes"]
    assert write_calls(client, WRITES) == [] and not wait_for_calls.called


@pytest.mark.parametrize("check_mode", [False, True])
def test_missing_endpoint_present_fails_clearly(wait_for_calls, check_mode):
    client = stub_client([], endpoint=False)
    declared = [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"}]
    with pytest.raises(AnsibleAWSError) as err:
        logic.ensure_routes(client, params(routes=declared), check_mode=check_mode)
    assert err.value.message == f"Client VPN endpoint {EID} does not exist"
    assert paginated(client) == ["describe_client_vpn_routes"]
    assert write_calls(client, WRITES) == []


def test_purge_deletes_with_target_subnet(wait_for_calls):
    client = stub_client(AUTOMATIC + [route("10.20.0.0/16", "subnet-b")], AUTOMATIC)
    logic.ensure_routes(client, params(routes=[], purge=True), check_mode=False)
    assert write_calls(client, WRITES) == [
        (
            "delete_client_vpn_route",
            dict(ClientVpnEndpointId=EID, DestinationCidrBlock="10.20.0.0/16", TargetVpcSubnetId="subnet-b"),
        )
    ]


def test_description_change_deletes_waits_creates(wait_for_calls):
    client = stub_client([route("10.20.0.0/16", "subnet-a", "old")], [route("10.20.0.0/16", "subnet-a", "new")])
    declared = [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a", "description": "new"}]
    logic.ensure_routes(client, params(routes=declared, wait=False), check_mode=False)
    assert [name for name, kwargs in write_calls(client, WRITES)] == [
        "delete_client_vpn_route",
        "create_client_vpn_route",
    ]
    assert wait_for_calls.call_count == 1


def test_unassociated_subnet_error_names_the_route(wait_for_calls):
    client = stub_client(AUTOMATIC)
    client.create_client_vpn_route.side_effect = client_error("InvalidClientVpnActiveAssociationNotFound")
    declared = [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-z"}]
    with pytest.raises(AnsibleAWSError) as err:
        logic.ensure_routes(client, params(routes=declared), check_mode=False)
    assert err.value.message == "Failed to create Client VPN route 10.20.0.0/16 via subnet-z"


def test_throttling_and_concurrency_are_retried(wait_for_calls):
    client = stub_client([], [route("10.20.0.0/16", "subnet-a")])
    client.create_client_vpn_route.side_effect = [
        client_error("RequestLimitExceeded"),
        client_error("ConcurrentMutationLimitExceeded"),
        {"Status": {"Code": "creating"}},
    ]
    logic.ensure_routes(
        client, params(routes=[{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"}]), check_mode=False
    )
    assert client.create_client_vpn_route.call_count == 3


def test_route_failed_after_wait_is_an_error(wait_for_calls):
    client = stub_client([], [route("10.20.0.0/16", "subnet-a", status="failed")])
    with pytest.raises(AnsibleAWSError, match="10.20.0.0/16 via subnet-a: failed"):
        logic.ensure_routes(
            client, params(routes=[{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"}]), check_mode=False
        )


def test_pending_declared_route_is_waited_for(wait_for_calls):
    client = stub_client([route("10.20.0.0/16", "subnet-a", status="creating")], [route("10.20.0.0/16", "subnet-a")])
    result = logic.ensure_routes(
        client, params(routes=[{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"}]), check_mode=False
    )
    assert not result["changed"] and write_calls(client, WRITES) == [] and wait_for_calls.call_count == 1


def test_main_duplicate_declared_route(monkeypatch, capsys):
    client = stub_client([])
    declared = [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"}] * 2
    result = run_main(module, dict(client_vpn_endpoint_id=EID, routes=declared), client, capsys, monkeypatch)
    assert result["failed"] and "duplicate routes" in result["msg"] and write_calls(client, WRITES) == []


def test_main_alias_and_no_diff_without_diff_mode(monkeypatch, capsys):
    client = stub_client(AUTOMATIC)
    declared = [{"destination_cidr": "10.20.0.0/16", "target_vpc_subnet_id": "subnet-a"}]
    result = run_main(
        module, dict(client_vpn_endpoint_id=EID, routes=declared, _ansible_check_mode=True), client, capsys, monkeypatch
    )
    assert result["changed"] and "diff" not in result
    assert result["added"] == [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a", "description": None}]


def test_a_new_route_missing_from_the_first_describe_is_waited_for_and_a_lost_answer_keeps_its_token(wait_for_calls):
    added = route("0.0.0.0/0", "subnet-a", "Internet")
    answers = [AUTOMATIC, AUTOMATIC, AUTOMATIC + [added]]
    client = stub_client(AUTOMATIC)

    def paginator(name):
        pager = MagicMock()
        pager.paginate.return_value.build_full_result.return_value = {
            "Routes": answers.pop(0) if len(answers) > 1 else answers[0]
        }
        return pager

    client.get_paginator.side_effect = paginator
    client.create_client_vpn_route.side_effect = [
        stubs.client_error("InternalError", "CreateClientVpnRoute"),
        {"Status": {"Code": "creating"}},
    ]
    declared = [{"destination_cidr": "0.0.0.0/0", "target_subnet": "subnet-a", "description": "Internet"}]
    assert logic.ensure_routes(client, params(routes=declared), check_mode=False)["changed"]
    sent = [kwargs["ClientToken"] for name, kwargs in write_calls(client, WRITES)]
    assert len(sent) == 2 and sent[0] == sent[1]


def test_a_route_the_first_describe_missed_is_no_failure(wait_for_calls):
    """AWS answers a route the stale describe missed with InvalidClientVpnDuplicateRoute: it exists."""
    client = stub_client(AUTOMATIC, AUTOMATIC + [route("0.0.0.0/0", "subnet-a")])
    client.create_client_vpn_route.side_effect = stubs.client_error(
        "InvalidClientVpnDuplicateRoute", "CreateClientVpnRoute"
    )
    declared = [{"destination_cidr": "0.0.0.0/0", "target_subnet": "subnet-a"}]
    assert logic.ensure_routes(client, params(routes=declared), check_mode=False)["changed"]
