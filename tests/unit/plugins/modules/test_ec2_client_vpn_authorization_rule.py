"""ec2_client_vpn_authorization_rule: the logic against a stub EC2 client, and main() in check mode."""

from unittest.mock import MagicMock

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_authorization_rule as logic
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_sets
from ansible_collections.multiregion.client_vpn.plugins.modules import ec2_client_vpn_authorization_rule as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules import module_stubs as stubs
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import ENDPOINT_ID as EID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import endpoint_set_client
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import paginated
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import write_calls

SID = "S-1-5-21-1111111111-2222222222-3333333333-1104"
WRITES = ("authorize_client_vpn_ingress", "revoke_client_vpn_ingress")


def client_error(code, operation="AuthorizeClientVpnIngress"):
    return stubs.client_error(code, operation)


def rule(cidr, group=None, description=None, status="active"):
    found = {"ClientVpnEndpointId": EID, "DestinationCidr": cidr, "Status": {"Code": status}}
    found.update(GroupId=group, AccessAll=False) if group else found.update(GroupId="", AccessAll=True)
    if description:
        found["Description"] = description
    return found


def stub_client(rules_before, rules_after=None, endpoint=True):
    """A stub EC2 client: the endpoint's AuthorizationRules ``rules_before`` then ``rules_after`` (NotFound without ``endpoint``)."""
    return endpoint_set_client("AuthorizationRules", rules_before, rules_after, endpoint)


def params(**overrides):
    base = dict(client_vpn_endpoint_id=EID, rules=[], purge=False, state="present", wait=True, wait_timeout=60)
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
    client = stub_client([rule("10.0.0.0/16")])
    result = logic.ensure_authorization_rules(
        client, params(rules=[{"destination_cidr": "10.1.0.0/16", "description": "new"}], purge=True), check_mode=True
    )
    assert result["changed"]
    assert write_calls(client, WRITES) == []
    assert not wait_for_calls.called
    assert result["added"] == [{"destination_cidr": "10.1.0.0/16", "access_group_id": None, "description": "new"}]
    assert result["removed"] == [{"destination_cidr": "10.0.0.0/16", "access_group_id": None, "description": None}]
    assert result["diff"]["before"]["authorization_rules"][0]["destination_cidr"] == "10.0.0.0/16"
    assert [r["destination_cidr"] for r in result["diff"]["after"]["authorization_rules"]] == ["10.1.0.0/16"]


def test_authorize_all_users_and_group_with_the_right_parameters(wait_for_calls, tokens):
    client = stub_client([], [rule("10.0.0.0/16"), rule("10.9.0.0/24", SID, "admins")])
    declared = [
        {"destination_cidr": "10.9.0.0/24", "access_group_id": SID, "description": "admins"},
        {"destination_cidr": "10.0.0.0/16", "access_group_id": None, "description": None},
    ]
    result = logic.ensure_authorization_rules(client, params(rules=declared), check_mode=False)
    assert result["changed"]
    assert write_calls(client, WRITES) == [
        (
            "authorize_client_vpn_ingress",
            dict(
                ClientVpnEndpointId=EID, TargetNetworkCidr="10.0.0.0/16", ClientToken="token-1", AuthorizeAllGroups=True
            ),
        ),
        (
            "authorize_client_vpn_ingress",
            dict(
                ClientVpnEndpointId=EID,
                TargetNetworkCidr="10.9.0.0/24",
                ClientToken="token-2",
                AccessGroupId=SID,
                Description="admins",
            ),
        ),
    ]
    assert wait_for_calls.call_args.args[1] == "client_vpn_authorization_rules_settled"
    assert len(result["authorization_rules"]) == 2 and result["authorization_rules"][1]["group_id"] == SID


@pytest.mark.parametrize("check_mode", [False, True])
def test_idempotent_run_is_one_read(wait_for_calls, check_mode):
    client = stub_client([rule("10.0.0.0/16", description="vpc")])
    result = logic.ensure_authorization_rules(
        client, params(rules=[{"destination_cidr": "10.0.0.0/16", "description": "vpc"}]), check_mode=check_mode
    )
    assert not result["changed"] and write_calls(client, WRITES) == [] and not wait_for_calls.called
    # DescribeClientVpnAuthorizationRules alone: it also says whether the endpoint exists.
    assert paginated(client) == ["describe_client_vpn_authorization_rules"]
    assert [r["destination_cidr"] for r in result["authorization_rules"]] == ["10.0.0.0/16"]


def test_description_change_revokes_waits_then_authorizes(wait_for_calls):
    client = stub_client([rule("10.9.0.0/24", SID, "old")], [rule("10.9.0.0/24", SID, "new")])
    declared = [{"destination_cidr": "10.9.0.0/24", "access_group_id": SID, "description": "new"}]
    logic.ensure_authorization_rules(client, params(rules=declared, wait=False), check_mode=False)
    names = [name for name, args, kwargs in client.method_calls if name in WRITES]
    assert names == ["revoke_client_vpn_ingress", "authorize_client_vpn_ingress"]
    assert client.revoke_client_vpn_ingress.call_args.kwargs == dict(
        ClientVpnEndpointId=EID, TargetNetworkCidr="10.9.0.0/24", AccessGroupId=SID
    )
    assert wait_for_calls.call_count == 1  # between the revoke and the authorize, even with wait=false


def test_revoke_all_users_rule_uses_revoke_all_groups(wait_for_calls):
    client = stub_client([rule("10.0.0.0/16")], [])
    result = logic.ensure_authorization_rules(client, params(rules=None, state="absent"), check_mode=False)
    assert result["changed"]
    assert client.revoke_client_vpn_ingress.call_args.kwargs == dict(
        ClientVpnEndpointId=EID, TargetNetworkCidr="10.0.0.0/16", RevokeAllGroups=True
    )


def test_failed_rule_after_wait_is_an_error(wait_for_calls):
    client = stub_client([], [rule("10.0.0.0/16", status="failed")])
    with pytest.raises(AnsibleAWSError, match="10.0.0.0/16 for all users: failed"):
        logic.ensure_authorization_rules(client, params(rules=[{"destination_cidr": "10.0.0.0/16"}]), check_mode=False)


def test_concurrent_mutation_limit_is_retried(wait_for_calls):
    client = stub_client([], [rule("10.0.0.0/16")])
    client.authorize_client_vpn_ingress.side_effect = [
        client_error("ConcurrentMutationLimitExceeded"),
        {"Status": {"Code": "authorizing"}},
    ]
    result = logic.ensure_authorization_rules(
        client, params(rules=[{"destination_cidr": "10.0.0.0/16"}]), check_mode=False
    )
    assert result["changed"] and client.authorize_client_vpn_ingress.call_count == 2


def test_aws_error_names_the_rule(wait_for_calls):
    client = stub_client([])
    client.authorize_client_vpn_ingress.side_effect = client_error("ClientVpnAuthorizationRuleLimitExceeded")
    with pytest.raises(AnsibleAWSError) as err:
        logic.ensure_authorization_rules(client, params(rules=[{"destination_cidr": "10.0.0.0/16"}]), check_mode=False)
    assert err.value.message == "Failed to authorize Client VPN ingress 10.0.0.0/16 for all users"
    assert err.value.exception.response["Error"]["Code"] == "ClientVpnAuthorizationRuleLimitExceeded"


def test_already_revoked_is_not_an_error(wait_for_calls):
    client = stub_client([rule("10.0.0.0/16")], [])
    client.revoke_client_vpn_ingress.side_effect = client_error("InvalidClientVpnEndpointAuthorizationRuleNotFound")
    result = logic.ensure_authorization_rules(client, params(rules=None, state="absent"), check_mode=False)
    assert result["changed"]


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("declared", [None, [{"destination_cidr": "10.0.0.0/16"}]])
def test_missing_endpoint_absent_is_unchanged_and_empty(wait_for_calls, check_mode, declared):
    """A missing or deleted endpoint (AWS: InvalidClientVpnEndpointId.NotFound) has no rule to revoke."""
    client = stub_client([], endpoint=False)
    result = logic.ensure_authorization_rules(client, params(rules=declared, state="absent"), check_mode=check_mode)
    assert result == {
        "changed": False,
        "authorization_rules": [],
        "added": [],
        "removed": [],
        "diff": {"before": {"authorization_rules": []}, "after": {"authorization_rules": []}},
    }
    assert paginated(client) == ["describe_client_vpn_authorization_rules"]
    assert write_calls(client, WRITES) == [] and not wait_for_calls.called


@pytest.mark.parametrize("check_mode", [False, True])
def test_missing_endpoint_present_fails_clearly(wait_for_calls, check_mode):
    client = stub_client([], endpoint=False)
    with pytest.raises(AnsibleAWSError) as err:
        logic.ensure_authorization_rules(
            client, params(rules=[{"destination_cidr": "10.0.0.0/16"}]), check_mode=check_mode
        )
    assert err.value.message == f"Client VPN endpoint {EID} does not exist"
    assert paginated(client) == ["describe_client_vpn_authorization_rules"]
    assert write_calls(client, WRITES) == []


def test_main_missing_endpoint_fails_with_the_message(monkeypatch, capsys):
    client = stub_client([], endpoint=False)
    args = dict(client_vpn_endpoint_id=EID, rules=[{"destination_cidr": "10.0.0.0/16"}])
    result = run_main(module, args, client, capsys, monkeypatch)
    assert result["failed"] and result["msg"] == f"Client VPN endpoint {EID} does not exist"


def test_many_rules_bounded_to_ten_in_flight(wait_for_calls):
    declared = [{"destination_cidr": f"10.{i}.0.0/16"} for i in range(21)]
    after = [rule(r["destination_cidr"]) for r in declared]
    client = stub_client([], after)
    logic.ensure_authorization_rules(client, params(rules=declared, wait=False), check_mode=False)
    assert client.authorize_client_vpn_ingress.call_count == 21
    assert wait_for_calls.call_count == 2


def test_main_check_mode(monkeypatch, capsys):
    client = stub_client([rule("10.0.0.0/16")])
    args = dict(
        client_vpn_endpoint_id=EID,
        rules=[{"destination_cidr": "10.1.0.0/16"}],
        _ansible_check_mode=True,
        _ansible_diff=True,
    )
    result = run_main(module, args, client, capsys, monkeypatch)
    assert result["changed"] is True
    assert result["diff"]["after"]["authorization_rules"][1]["destination_cidr"] == "10.1.0.0/16"
    assert write_calls(client, WRITES) == []


def test_main_rejects_bad_cidr_before_any_call(monkeypatch, capsys):
    client = stub_client([])
    result = run_main(
        module, dict(client_vpn_endpoint_id=EID, rules=[{"destination_cidr": "10.1.0.0"}]), client, capsys, monkeypatch
    )
    assert result["failed"] and "is not a CIDR block" in result["msg"]
    assert write_calls(client, WRITES) == []


def test_quota_constant_matches_aws():
    assert client_vpn_sets.MAX_CONCURRENT_OPERATIONS == 10


def answers_client(answers):
    """A stub EC2 client whose DescribeClientVpnAuthorizationRules answers ``answers`` in turn (the last one stays)."""
    client = MagicMock()

    def paginator(name):
        pager = MagicMock()
        pager.paginate.return_value.build_full_result.return_value = {
            "AuthorizationRules": answers.pop(0) if len(answers) > 1 else answers[0]
        }
        return pager

    client.get_paginator.side_effect = paginator
    return client


def test_a_new_rule_missing_from_the_first_describes_is_waited_for(wait_for_calls):
    """EC2 is eventually consistent: a rule just authorized and not yet listed is no failure."""
    answers = [[], [], [], [rule("10.0.0.0/16", status="authorizing")], [rule("10.0.0.0/16")]]
    client = answers_client(answers)
    result = logic.ensure_authorization_rules(client, params(rules=[{"destination_cidr": "10.0.0.0/16"}]), False)
    assert result["changed"] and [r["status"]["code"] for r in result["authorization_rules"]] == ["active"]
    assert len(answers) == 1  # read until it was listed, then until it was no longer in progress


def test_a_lost_answer_is_retried_with_the_rules_token(wait_for_calls):
    """The rule was authorized but the answer was a 500: the retry carries the same ClientToken, each rule its own."""
    client = stub_client([], [rule("10.0.0.0/16"), rule("10.1.0.0/16")])
    client.authorize_client_vpn_ingress.side_effect = [
        client_error("InternalError"),
        {"Status": {"Code": "authorizing"}},
        {"Status": {"Code": "authorizing"}},
    ]
    declared = [{"destination_cidr": "10.0.0.0/16"}, {"destination_cidr": "10.1.0.0/16"}]
    logic.ensure_authorization_rules(client, params(rules=declared), check_mode=False)
    sent = [kwargs["ClientToken"] for name, kwargs in write_calls(client, WRITES)]
    assert len(sent) == 3 and sent[0] == sent[1] != sent[2]


def test_a_rule_the_first_describe_missed_is_no_failure(wait_for_calls):
    """AWS answers a rule the stale describe missed with InvalidClientVpnDuplicateAuthorizationRule: it exists."""
    client = stub_client([], [rule("10.0.0.0/16")])
    client.authorize_client_vpn_ingress.side_effect = client_error("InvalidClientVpnDuplicateAuthorizationRule")
    result = logic.ensure_authorization_rules(client, params(rules=[{"destination_cidr": "10.0.0.0/16"}]), False)
    assert [r["destination_cidr"] for r in result["authorization_rules"]] == ["10.0.0.0/16"]
