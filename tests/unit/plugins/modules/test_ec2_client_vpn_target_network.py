"""ec2_client_vpn_target_network: the logic against a stub EC2 client, and main() in check mode."""

from unittest.mock import MagicMock

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_target_network as logic
from ansible_collections.multiregion.client_vpn.plugins.modules import ec2_client_vpn_target_network as module
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules import module_stubs as stubs
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import ENDPOINT_ID as EID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import endpoint_set_client
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import paginated
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import write_calls

WRITES = ("associate_client_vpn_target_network", "disassociate_client_vpn_target_network")
SUBNETS = {
    "subnet-a": "us-east-1a",
    "subnet-b": "us-east-1b",
    "subnet-a2": "us-east-1a",
    "subnet-c": "us-east-1c",
}


def client_error(code, operation="AssociateClientVpnTargetNetwork"):
    return stubs.client_error(code, operation)


def assoc(subnet, status="associated"):
    return {
        "AssociationId": f"cvpn-assoc-{subnet}",
        "TargetNetworkId": subnet,
        "VpcId": "vpc-1",
        "ClientVpnEndpointId": EID,
        "SecurityGroups": ["sg-1"],
        "Status": {"Code": status},
    }


def subnets_pager(pager):
    """DescribeSubnets answering the subnets asked for from SUBNETS."""

    def subnets(**kwargs):
        answer = MagicMock()
        answer.build_full_result.return_value = {
            "Subnets": [dict(SubnetId=s, AvailabilityZone=SUBNETS[s], VpcId="vpc-1") for s in kwargs["SubnetIds"]]
        }
        return answer

    pager.paginate.side_effect = subnets


def stub_client(before, after=None, endpoint=True):
    """A stub EC2 client: the endpoint's associations ``before`` then ``after`` (NotFound without ``endpoint``)."""
    return endpoint_set_client(
        "ClientVpnTargetNetworks", before, after, endpoint, other_paginators={"describe_subnets": subnets_pager}
    )


def params(**overrides):
    base = dict(client_vpn_endpoint_id=EID, subnet_ids=[], purge=True, state="present", wait=True, wait_timeout=60)
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
    client = stub_client([assoc("subnet-a")])
    result = logic.ensure_target_networks(client, params(subnet_ids=["subnet-b", "subnet-c"]), check_mode=True)
    assert result["changed"] and write_calls(client, WRITES) == [] and not wait_for_calls.called
    assert result["associated"] == ["subnet-b", "subnet-c"]
    assert result["disassociated"] == ["subnet-a"]
    assert result["diff"] == {"before": {"subnet_ids": ["subnet-a"]}, "after": {"subnet_ids": ["subnet-b", "subnet-c"]}}


def test_associate_and_wait(wait_for_calls, tokens):
    client = stub_client([], [assoc("subnet-a"), assoc("subnet-b")])
    result = logic.ensure_target_networks(client, params(subnet_ids=["subnet-b", "subnet-a"]), check_mode=False)
    assert write_calls(client, WRITES) == [
        (
            "associate_client_vpn_target_network",
            dict(ClientVpnEndpointId=EID, SubnetId="subnet-a", ClientToken="token-1"),
        ),
        (
            "associate_client_vpn_target_network",
            dict(ClientVpnEndpointId=EID, SubnetId="subnet-b", ClientToken="token-2"),
        ),
    ]
    assert wait_for_calls.call_args.args[1:] == ("client_vpn_target_networks_settled", 60)
    assert [a["target_network_id"] for a in result["associations"]] == ["subnet-a", "subnet-b"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_idempotent_run_is_one_read(wait_for_calls, check_mode):
    client = stub_client([assoc("subnet-a"), assoc("subnet-b")])
    result = logic.ensure_target_networks(client, params(subnet_ids=["subnet-b", "subnet-a"]), check_mode=check_mode)
    assert not result["changed"] and write_calls(client, WRITES) == [] and not wait_for_calls.called
    # DescribeClientVpnTargetNetworks alone: it also says whether the endpoint exists; no DescribeSubnets.
    assert paginated(client) == ["describe_client_vpn_target_networks"]
    assert [a["target_network_id"] for a in result["associations"]] == ["subnet-a", "subnet-b"]


def test_two_subnets_in_one_az_refused_before_any_write(wait_for_calls):
    client = stub_client([])
    with pytest.raises(ValueError, match="subnet-a and subnet-a2 are both in us-east-1a"):
        logic.ensure_target_networks(client, params(subnet_ids=["subnet-a", "subnet-a2"]), check_mode=False)
    assert write_calls(client, WRITES) == []


def test_replacement_in_same_az_disassociates_waits_then_associates(wait_for_calls, tokens):
    client = stub_client([assoc("subnet-a"), assoc("subnet-b")], [assoc("subnet-a2"), assoc("subnet-b")])
    logic.ensure_target_networks(client, params(subnet_ids=["subnet-a2", "subnet-b"], wait=False), check_mode=False)
    assert write_calls(client, WRITES) == [
        ("disassociate_client_vpn_target_network", dict(ClientVpnEndpointId=EID, AssociationId="cvpn-assoc-subnet-a")),
        (
            "associate_client_vpn_target_network",
            dict(ClientVpnEndpointId=EID, SubnetId="subnet-a2", ClientToken="token-1"),
        ),
    ]
    assert wait_for_calls.call_count == 1  # the AZ must be free before the new association, even with wait=false


def test_absent_without_list_disassociates_everything(wait_for_calls):
    client = stub_client([assoc("subnet-a"), assoc("subnet-b", "associating"), assoc("subnet-c", "disassociated")], [])
    result = logic.ensure_target_networks(client, params(subnet_ids=None, state="absent"), check_mode=False)
    assert [kwargs["AssociationId"] for name, kwargs in write_calls(client, WRITES)] == [
        "cvpn-assoc-subnet-a",
        "cvpn-assoc-subnet-b",
    ]
    assert result["disassociated"] == ["subnet-a", "subnet-b"]
    assert result["associations"] == []


def test_already_disassociated_is_not_an_error(wait_for_calls):
    client = stub_client([assoc("subnet-a")], [])
    client.disassociate_client_vpn_target_network.side_effect = client_error(
        "InvalidClientVpnAssociationIdNotFound", "DisassociateClientVpnTargetNetwork"
    )
    assert logic.ensure_target_networks(client, params(subnet_ids=None, state="absent"), check_mode=False)["changed"]


def test_association_failed_is_reported(wait_for_calls):
    failed = assoc("subnet-a", "association-failed")
    failed["Status"]["Message"] = "no free addresses"
    client = stub_client([], [failed])
    with pytest.raises(AnsibleAWSError, match="subnet-a: association failed \\(no free addresses\\)"):
        logic.ensure_target_networks(client, params(subnet_ids=["subnet-a"]), check_mode=False)


def test_concurrency_limit_retried_and_aws_error_named(wait_for_calls):
    client = stub_client([], [assoc("subnet-a")])
    client.associate_client_vpn_target_network.side_effect = [
        client_error("ConcurrentMutationLimitExceeded"),
        {"AssociationId": "cvpn-assoc-subnet-a", "Status": {"Code": "associating"}},
    ]
    logic.ensure_target_networks(client, params(subnet_ids=["subnet-a"]), check_mode=False)
    assert client.associate_client_vpn_target_network.call_count == 2

    client = stub_client([])
    client.associate_client_vpn_target_network.side_effect = client_error("InvalidClientVpnSubnetId.OverlappingCidr")
    with pytest.raises(AnsibleAWSError) as err:
        logic.ensure_target_networks(client, params(subnet_ids=["subnet-a"]), check_mode=False)
    assert err.value.message == f"Failed to associate subnet subnet-a with Client VPN endpoint {EID}"


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("declared", [None, ["subnet-a"]])
def test_missing_endpoint_absent_is_unchanged_and_empty(wait_for_calls, check_mode, declared):
    """A missing or deleted endpoint (AWS: InvalidClientVpnEndpointId.NotFound) has nothing to disassociate."""
    client = stub_client([], endpoint=False)
    result = logic.ensure_target_networks(client, params(subnet_ids=declared, state="absent"), check_mode=check_mode)
    assert result == {
        "changed": False,
        "associations": [],
        "associated": [],
        "disassociated": [],
        "diff": {"before": {"subnet_ids": []}, "after": {"subnet_ids": []}},
    }
    assert paginated(client) == ["describe_client_vpn_target_networks"]
    assert write_calls(client, WRITES) == [] and not wait_for_calls.called


@pytest.mark.parametrize("check_mode", [False, True])
def test_missing_endpoint_present_fails_clearly(wait_for_calls, check_mode):
    client = stub_client([], endpoint=False)
    with pytest.raises(AnsibleAWSError) as err:
        logic.ensure_target_networks(client, params(subnet_ids=["subnet-a"]), check_mode=check_mode)
    assert err.value.message == f"Client VPN endpoint {EID} does not exist"
    assert paginated(client) == ["describe_client_vpn_target_networks"]
    assert write_calls(client, WRITES) == []


def test_main_missing_endpoint_fails_with_the_message(monkeypatch, capsys):
    client = stub_client([], endpoint=False)
    result = run_main(module, dict(client_vpn_endpoint_id=EID, subnet_ids=["subnet-a"]), client, capsys, monkeypatch)
    assert result["failed"] and result["msg"] == f"Client VPN endpoint {EID} does not exist"


def test_main_check_mode_same_az(monkeypatch, capsys):
    client = stub_client([])
    args = dict(client_vpn_endpoint_id=EID, subnet_ids=["subnet-a", "subnet-a2"], _ansible_check_mode=True)
    result = run_main(module, args, client, capsys, monkeypatch)
    assert result["failed"] and "one subnet per Availability Zone" in result["msg"]


def test_main_requires_subnets_when_present(monkeypatch, capsys):
    result = run_main(module, dict(client_vpn_endpoint_id=EID), stub_client([]), capsys, monkeypatch)
    assert result["failed"] and "subnet_ids" in result["msg"]


def test_a_new_association_missing_from_the_first_describes_is_waited_for(wait_for_calls):
    """EC2 is eventually consistent: an association just made and not yet listed is no failure."""
    answers = [[], [], [assoc("subnet-a")]]
    client = stub_client([], [])
    subnets = client.get_paginator.side_effect

    def paginator(name):
        if name != "describe_client_vpn_target_networks":
            return subnets(name)
        pager = MagicMock()
        pager.paginate.return_value.build_full_result.return_value = {
            "ClientVpnTargetNetworks": answers.pop(0) if len(answers) > 1 else answers[0]
        }
        return pager

    client.get_paginator.side_effect = paginator
    result = logic.ensure_target_networks(client, params(subnet_ids=["subnet-a"]), check_mode=False)
    assert result["changed"] and [a["target_network_id"] for a in result["associations"]] == ["subnet-a"]


def test_a_lost_association_answer_is_retried_with_the_same_token(wait_for_calls):
    client = stub_client([], [assoc("subnet-a")])
    client.associate_client_vpn_target_network.side_effect = [
        client_error("InternalError"),
        {"AssociationId": "cvpn-assoc-subnet-a", "Status": {"Code": "associating"}},
    ]
    logic.ensure_target_networks(client, params(subnet_ids=["subnet-a"]), check_mode=False)
    sent = [kwargs["ClientToken"] for name, kwargs in write_calls(client, WRITES)]
    assert len(sent) == 2 and sent[0] == sent[1]


def test_an_association_the_first_describe_missed_is_no_failure(wait_for_calls):
    """A run just after a wait=false run: the describe misses the new association, AWS answers the re-association
    with InvalidClientVpnDuplicateAssociationException: it exists, and is waited for."""
    client = stub_client([], [assoc("subnet-a")])
    client.associate_client_vpn_target_network.side_effect = client_error(
        "InvalidClientVpnDuplicateAssociationException"
    )
    result = logic.ensure_target_networks(client, params(subnet_ids=["subnet-a"]), check_mode=False)
    assert [a["target_network_id"] for a in result["associations"]] == ["subnet-a"]
