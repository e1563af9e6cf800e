"""ec2_vpc_peering_request against a real botocore EC2 client under botocore's Stubber.

Every AWS call the module makes is listed in order: a call not listed fails the test, and so does
a listed one that is not made (``assert_no_pending_responses``).
"""

import boto3
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import vpc_peering_request as logic
from ansible_collections.multiregion.client_vpn.plugins.module_utils.vpc_peering_request import AnsiblePeeringError
from ansible_collections.multiregion.client_vpn.plugins.modules import ec2_vpc_peering_request as module
from botocore.stub import Stubber

VPC = "vpc-11111111"
PEER = "vpc-22222222"
TAGS = {"Name": "vpn-us-east-1-us-west-2", "multiregion:client_vpn": "vpn.example.com"}
LIVE = list(logic.LIVE_STATES)


def params(**kw):
    base = dict(
        vpc_id=VPC,
        peer_vpc_id=PEER,
        peer_region="us-west-2",
        peer_owner_id=None,
        tags=dict(TAGS),
        purge_tags=True,
        wait=True,
        wait_timeout=600,
        lost_answer_timeout=60,
    )
    base.update(kw)
    return base


def peering(peering_id, status="pending-acceptance", requester=VPC, accepter=PEER, tags="owned", expires=None):
    tags = TAGS if tags == "owned" else tags
    result = {
        "VpcPeeringConnectionId": peering_id,
        "Status": {"Code": status, "Message": status},
        "RequesterVpcInfo": {"VpcId": requester, "OwnerId": "123456789012", "Region": "us-east-1"},
        "AccepterVpcInfo": {"VpcId": accepter, "OwnerId": "123456789012", "Region": "us-west-2"},
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    if expires:
        result["ExpirationTime"] = expires
    return result


class FakeTime:
    def __init__(self):
        self.now = 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def ec2():
    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="AKID", aws_secret_access_key="SECRET")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect_lookup(stubber, forward=(), backward=()):
    """The two describes of the pair's live peerings: requested from VPC, then from PEER."""
    for requester, accepter, found in ((VPC, PEER, forward), (PEER, VPC, backward)):
        stubber.add_response(
            "describe_vpc_peering_connections",
            {"VpcPeeringConnections": list(found)},
            {
                "Filters": [
                    {"Name": "requester-vpc-info.vpc-id", "Values": [requester]},
                    {"Name": "accepter-vpc-info.vpc-id", "Values": [accepter]},
                    {"Name": "status-code", "Values": LIVE},
                ]
            },
        )


def expect_read_back(stubber, found):
    stubber.add_response(
        "describe_vpc_peering_connections",
        {"VpcPeeringConnections": [found]},
        {"VpcPeeringConnectionIds": [found["VpcPeeringConnectionId"]]},
    )


CREATE_REQUEST = {
    "VpcId": VPC,
    "PeerVpcId": PEER,
    "PeerRegion": "us-west-2",
    "TagSpecifications": [
        {"ResourceType": "vpc-peering-connection", "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    ],
}


def test_create_with_tags_in_the_request(ec2):
    client, stubber = ec2
    expect_lookup(stubber)
    stubber.add_response("create_vpc_peering_connection", {"VpcPeeringConnection": peering("pcx-1")}, CREATE_REQUEST)
    expect_read_back(stubber, peering("pcx-1"))
    result = logic.ensure_peering_request(client, client, params(), False)
    assert result["changed"] and result["peering_id"] == "pcx-1"
    assert result["vpc_peering_connection"]["tags"] == TAGS
    assert result["vpc_peering_connection"]["status"]["code"] == "pending-acceptance"
    assert result["deleted_peering_ids"] == []


def test_lost_first_answer_makes_no_duplicate(ec2):
    """CreateVpcPeeringConnection performed, its answer lost (500); the peering shows up on the second lookup."""
    client, stubber = ec2
    fake = FakeTime()
    expect_lookup(stubber)
    stubber.add_client_error(
        "create_vpc_peering_connection", "InternalError", "An internal error has occurred", 500, CREATE_REQUEST
    )
    expect_lookup(stubber)  # eventual consistency: not listed yet
    expect_lookup(stubber, forward=[peering("pcx-lost", status="initiating-request")])
    # Still initiating-request: waited for (one poll), then read back.
    stubber.add_response(
        "describe_vpc_peering_connections",
        {"VpcPeeringConnections": [peering("pcx-lost")]},
        {"VpcPeeringConnectionIds": ["pcx-lost"]},
    )
    expect_read_back(stubber, peering("pcx-lost"))
    result = logic.ensure_peering_request(client, client, params(), False, clock=fake.clock, sleep=fake.sleep)
    assert result["changed"] and result["peering_id"] == "pcx-lost"
    assert fake.now == 2.0  # one lookup delay, no second create (the stubber would fail on it)


def test_nothing_found_after_a_lost_answer_requests_once_more(ec2):
    client, stubber = ec2
    fake = FakeTime()
    expect_lookup(stubber)
    stubber.add_client_error("create_vpc_peering_connection", "InternalError", "", 500, CREATE_REQUEST)
    for dummy in range(3):  # 0 s, 2 s, 4 s: timeout 4
        expect_lookup(stubber)
    stubber.add_response("create_vpc_peering_connection", {"VpcPeeringConnection": peering("pcx-2")}, CREATE_REQUEST)
    expect_read_back(stubber, peering("pcx-2"))
    result = logic.ensure_peering_request(
        client, client, params(lost_answer_timeout=4), False, clock=fake.clock, sleep=fake.sleep
    )
    assert result["peering_id"] == "pcx-2"


def test_refused_request_fails_without_lookup(ec2):
    client, stubber = ec2
    expect_lookup(stubber)
    stubber.add_client_error("create_vpc_peering_connection", "InvalidVpcID.NotFound", "no such VPC", 400)
    with pytest.raises(AnsiblePeeringError, match="request the VPC peering"):
        logic.ensure_peering_request(client, client, params(), False)


def test_several_live_peerings_keep_active_and_delete_pending_extras(ec2):
    client, stubber = ec2
    forward = [
        peering("pcx-b", expires="2026-12-10T10:00:00Z"),
        peering("pcx-a", expires="2026-12-09T10:00:00Z"),
    ]
    backward = [peering("pcx-active", status="active", requester=PEER, accepter=VPC)]
    expect_lookup(stubber, forward=forward, backward=backward)
    stubber.add_response("delete_vpc_peering_connection", {"Return": True}, {"VpcPeeringConnectionId": "pcx-a"})
    stubber.add_response("delete_vpc_peering_connection", {"Return": True}, {"VpcPeeringConnectionId": "pcx-b"})
    expect_read_back(stubber, backward[0])
    result = logic.ensure_peering_request(client, client, params(), False)
    assert result["changed"] and result["peering_id"] == "pcx-active"
    assert result["deleted_peering_ids"] == ["pcx-a", "pcx-b"]


def test_several_pending_keep_the_oldest(ec2):
    client, stubber = ec2
    forward = [
        peering("pcx-new", expires="2026-12-10T10:00:00Z"),
        peering("pcx-old", expires="2026-12-09T10:00:00Z"),
    ]
    expect_lookup(stubber, forward=forward)
    stubber.add_response("delete_vpc_peering_connection", {"Return": True}, {"VpcPeeringConnectionId": "pcx-new"})
    expect_read_back(stubber, forward[1])
    result = logic.ensure_peering_request(client, client, params(), False)
    assert result["peering_id"] == "pcx-old" and result["deleted_peering_ids"] == ["pcx-new"]


def test_check_mode_reports_extras_without_deleting(ec2):
    client, stubber = ec2
    forward = [peering("pcx-x", expires="2026-12-10T10:00:00Z"), peering("pcx-y", expires="2026-12-09T10:00:00Z")]
    expect_lookup(stubber, forward=forward)
    result = logic.ensure_peering_request(client, client, params(), True)
    assert result["changed"] and result["deleted_peering_ids"] == ["pcx-x"]


def test_existing_request_is_left_alone(ec2):
    client, stubber = ec2
    expect_lookup(stubber, backward=[peering("pcx-1", status="active", requester=PEER, accepter=VPC)])
    expect_read_back(stubber, peering("pcx-1", status="active", requester=PEER, accepter=VPC))  # wait=true reads back
    result = logic.ensure_peering_request(client, client, params(), False)
    assert not result["changed"] and result["peering_id"] == "pcx-1"


def test_tags_brought_in_line(ec2):
    client, stubber = ec2
    expect_lookup(stubber, forward=[peering("pcx-1", tags={"Name": "old", "Extra": "x"})])
    stubber.add_response("delete_tags", {}, {"Resources": ["pcx-1"], "Tags": [{"Key": "Extra"}]})
    stubber.add_response(
        "create_tags", {}, {"Resources": ["pcx-1"], "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    )
    expect_read_back(stubber, peering("pcx-1"))
    result = logic.ensure_peering_request(client, client, params(), False)
    assert result["changed"] and result["vpc_peering_connection"]["tags"] == TAGS


def test_check_mode_create(ec2):
    client, stubber = ec2
    expect_lookup(stubber)
    result = logic.ensure_peering_request(client, client, params(), True)
    assert result["changed"] and result["peering_id"] == "" and result["vpc_peering_connection"] == {}
    assert result["deleted_peering_ids"] == [] and result["other_peering_ids"] == []


def test_main_builds_a_single_attempt_write_client(ec2, capsys, monkeypatch):
    client, stubber = ec2
    configs = []

    def fake_client(self, service, retry_decorator=None, **kw):
        configs.append(kw.get("aws_config"))
        return client

    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

    monkeypatch.setattr(AnsibleAWSModule, "client", fake_client)
    expect_lookup(stubber, forward=[peering("pcx-1")])
    args = dict(vpc_id=VPC, peer_vpc_id=PEER, peer_region="us-west-2", tags=TAGS, region="us-east-1")
    import json

    from ansible.module_utils.testing import patch_module_args

    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    result = json.loads(capsys.readouterr().out)
    assert result["peering_id"] == "pcx-1" and not result["changed"]
    # Reads and the write alike: one botocore attempt (the wrappers and the lookup decide what is sent again).
    assert [c.retries["total_max_attempts"] for c in configs] == [1, 1]


def test_tags_of_the_request_are_not_written_again(ec2):
    """The create answer may leave the tags out: TagSpecifications set them, no CreateTags follows."""
    client, stubber = ec2
    expect_lookup(stubber)
    stubber.add_response(
        "create_vpc_peering_connection", {"VpcPeeringConnection": peering("pcx-1", tags=None)}, CREATE_REQUEST
    )
    expect_read_back(stubber, peering("pcx-1"))
    result = logic.ensure_peering_request(client, client, params(), False)
    assert result["changed"] and result["vpc_peering_connection"]["tags"] == TAGS
