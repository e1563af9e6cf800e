"""module_utils/client_vpn: client token, endpoint lookup, retries, waiters."""

from unittest.mock import MagicMock

import botocore.exceptions
import botocore.session
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn as cv
from botocore.stub import Stubber


def client_error(code, op="DescribeClientVpnEndpoints"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}}, op)


SESSION = botocore.session.get_session()


def ec2():
    return SESSION.create_client("ec2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")


# ------------------------------------------------------------- client token


def test_token_is_deterministic_and_64_chars():
    a = cv.derive_client_token("vpn", {"ClientCidrBlock": "10.0.0.0/22", "TransportProtocol": "tcp"})
    b = cv.derive_client_token("vpn", {"TransportProtocol": "tcp", "ClientCidrBlock": "10.0.0.0/22"})
    assert a == b
    assert len(a) == 64 and all(c in "0123456789abcdef" for c in a)


def test_token_ignores_token_and_dry_run():
    base = {"ClientCidrBlock": "10.0.0.0/22"}
    assert cv.derive_client_token("vpn", base) == cv.derive_client_token(
        "vpn", dict(base, ClientToken="x", DryRun=True)
    )


@pytest.mark.parametrize(
    "other",
    [
        ("vpn2", {"ClientCidrBlock": "10.0.0.0/22"}, None),
        ("vpn", {"ClientCidrBlock": "10.0.4.0/22"}, None),
        ("vpn", {"ClientCidrBlock": "10.0.0.0/22"}, "cvpn-endpoint-old"),
    ],
)
def test_token_changes_with_identity_params_or_salt(other):
    assert cv.derive_client_token("vpn", {"ClientCidrBlock": "10.0.0.0/22"}) != cv.derive_client_token(*other)


def test_token_fits_the_ec2_limit():
    # EC2 client tokens are at most 64 ASCII characters.
    assert len(cv.derive_client_token("x" * 500, {"Description": "y" * 1000})) <= 64


# ------------------------------------------------------------------ lookup


def endpoint(eid, name=None, state="available"):
    ep = {"ClientVpnEndpointId": eid, "Status": {"Code": state}, "Tags": []}
    if name:
        ep["Tags"] = [{"Key": "Name", "Value": name}]
    return ep


def paginated_client(endpoints):
    client = MagicMock()
    client.get_paginator.return_value.paginate.return_value.build_full_result.return_value = {
        "ClientVpnEndpoints": endpoints
    }
    return client


def test_find_by_name_skips_other_names_and_deleting():
    client = paginated_client(
        [endpoint("e1", "a"), endpoint("e2", "b"), endpoint("e3", "a", "deleting"), endpoint("e4", "a", "deleted")]
    )
    assert cv.find_client_vpn_endpoint(client, name="a")["ClientVpnEndpointId"] == "e1"
    assert cv.find_client_vpn_endpoint(client, name="c") is None
    assert [e["ClientVpnEndpointId"] for e in cv.find_client_vpn_endpoints_by_name(client, "a", True)] == ["e1", "e3"]


def test_find_by_name_ambiguous():
    client = paginated_client([endpoint("e1", "a"), endpoint("e2", "a")])
    with pytest.raises(cv.AnsibleClientVpnError) as e:
        cv.find_client_vpn_endpoint(client, name="a")
    assert "e1, e2" in e.value.message


def test_find_by_id_preferred():
    client = paginated_client([endpoint("e9", "other")])
    assert cv.find_client_vpn_endpoint(client, name="a", endpoint_id="e9")["ClientVpnEndpointId"] == "e9"
    kwargs = client.get_paginator.return_value.paginate.call_args.kwargs
    assert kwargs == {"ClientVpnEndpointIds": ["e9"]}


def test_find_by_id_missing_is_none():
    client = MagicMock()
    client.get_paginator.return_value.paginate.return_value.build_full_result.side_effect = client_error(
        "InvalidClientVpnEndpointId.NotFound"
    )
    assert cv.find_client_vpn_endpoint(client, endpoint_id="e0") is None


def test_describe_real_paginator_with_stubber():
    client = ec2()
    stub = Stubber(client)
    stub.add_response("describe_client_vpn_endpoints", {"ClientVpnEndpoints": [endpoint("e1")], "NextToken": "t"}, {})
    stub.add_response("describe_client_vpn_endpoints", {"ClientVpnEndpoints": [endpoint("e2")]}, {"NextToken": "t"})
    with stub:
        assert [e["ClientVpnEndpointId"] for e in cv.describe_client_vpn_endpoints(client)] == ["e1", "e2"]


ENDPOINT_SETS = [
    ("describe_client_vpn_target_networks", "ClientVpnTargetNetworks"),
    ("describe_client_vpn_authorization_rules", "AuthorizationRules"),
    ("describe_client_vpn_routes", "Routes"),
    ("describe_client_vpn_connections", "Connections"),
]


@pytest.mark.parametrize("operation, key", ENDPOINT_SETS)
def test_endpoint_set_wrappers_tell_a_missing_endpoint_from_an_empty_set(operation, key):
    """[] for an endpoint with nothing in the set, None when AWS answers InvalidClientVpnEndpointId.NotFound."""
    client = ec2()
    stub = Stubber(client)
    stub.add_response(operation, {key: []}, {"ClientVpnEndpointId": "cvpn-endpoint-1"})
    stub.add_client_error(
        operation, "InvalidClientVpnEndpointId.NotFound", expected_params={"ClientVpnEndpointId": "e0"}
    )
    with stub:
        assert getattr(cv, operation)(client, "cvpn-endpoint-1") == []
        assert getattr(cv, operation)(client, "e0") is None
    stub.assert_no_pending_responses()


@pytest.mark.parametrize("operation, key", ENDPOINT_SETS)
def test_endpoint_set_wrappers_raise_other_errors(operation, key):
    client = MagicMock()
    client.get_paginator.return_value.paginate.return_value.build_full_result.side_effect = client_error(
        "UnauthorizedOperation"
    )
    with pytest.raises(cv.AnsibleClientVpnError):
        getattr(cv, operation)(client, "e1")


def test_other_errors_raise_ansible_error():
    client = MagicMock()
    client.get_paginator.return_value.paginate.return_value.build_full_result.side_effect = client_error(
        "UnauthorizedOperation"
    )
    with pytest.raises(cv.AnsibleClientVpnError) as e:
        cv.describe_client_vpn_endpoints(client)
    assert e.value.message == "Failed to describe Client VPN endpoints"


# ----------------------------------------------------------------- retries


@pytest.mark.parametrize("code", ["ConcurrentMutationLimitExceeded", "RequestLimitExceeded", "Throttling"])
def test_mutations_retry_on_throttling_and_concurrency(monkeypatch, code):
    monkeypatch.setattr("time.sleep", lambda s: None)
    client = MagicMock()
    client.modify_client_vpn_endpoint.side_effect = [client_error(code, "ModifyClientVpnEndpoint"), {"Return": True}]
    assert cv.modify_client_vpn_endpoint(client, "e1", VpnPort=1194) is True
    assert client.modify_client_vpn_endpoint.call_count == 2


def test_no_retry_on_validation_errors(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    client = MagicMock()
    client.create_client_vpn_endpoint.side_effect = client_error("InvalidParameterValue", "CreateClientVpnEndpoint")
    with pytest.raises(cv.AnsibleClientVpnError):
        cv.create_client_vpn_endpoint(client, ClientCidrBlock="x")
    assert client.create_client_vpn_endpoint.call_count == 1


def test_delete_of_missing_endpoint_is_false():
    client = MagicMock()
    client.delete_client_vpn_endpoint.side_effect = client_error(
        "InvalidClientVpnEndpointId.NotFound", "DeleteClientVpnEndpoint"
    )
    assert cv.delete_client_vpn_endpoint(client, "e1") is False


# ----------------------------------------------------------------- waiters


@pytest.mark.parametrize(
    "waiter, answers, outcome",
    [
        ("client_vpn_endpoint_ready", [["pending"], ["pending-associate"]], "ok"),
        ("client_vpn_endpoint_available", [["pending-associate"], ["available"]], "ok"),
        ("client_vpn_endpoint_deleted", [["deleting"], []], "ok"),
        ("client_vpn_endpoint_deleted", [["deleting"], "InvalidClientVpnEndpointId.NotFound"], "ok"),
        ("client_vpn_endpoint_available", [["deleting"]], "fail"),
        # A new endpoint is unknown to the first describes (EC2 is eventually consistent): keep polling.
        ("client_vpn_endpoint_ready", ["InvalidClientVpnEndpointId.NotFound", ["pending-associate"]], "ok"),
        ("client_vpn_endpoint_available", ["InvalidClientVpnEndpointId.NotFound", ["available"]], "ok"),
        ("client_vpn_endpoint_visible", ["InvalidClientVpnEndpointId.NotFound", ["deleted"]], "ok"),
    ],
)
def test_endpoint_waiters(monkeypatch, waiter, answers, outcome):
    monkeypatch.setattr("time.sleep", lambda s: None)
    client = ec2()
    stub = Stubber(client)
    for answer in answers:
        if isinstance(answer, str):
            stub.add_client_error("describe_client_vpn_endpoints", answer)
        else:
            stub.add_response(
                "describe_client_vpn_endpoints",
                {"ClientVpnEndpoints": [{"ClientVpnEndpointId": "e1", "Status": {"Code": s}} for s in answer]},
            )
    with stub:
        if outcome == "ok":
            cv.wait_for(client, waiter, 30, ClientVpnEndpointIds=["e1"])
        else:
            with pytest.raises(cv.AnsibleClientVpnError) as e:
                cv.wait_for(client, waiter, 30, ClientVpnEndpointIds=["e1"])
            assert "Timeout trying to wait for" in e.value.message


@pytest.mark.parametrize(
    "answer",
    [
        "InvalidClientVpnAssociationIdNotFound",  # EC2's documented code (no dot)
        "InvalidClientVpnAssociationId.NotFound",
        "InvalidClientVpnEndpointId.NotFound",
        [],
        ["disassociated"],
    ],
)
def test_disassociation_wait_accepts_every_form_of_gone(monkeypatch, answer):
    monkeypatch.setattr("time.sleep", lambda s: None)
    client = ec2()
    stub = Stubber(client)
    stub.add_response(
        "describe_client_vpn_target_networks",
        {"ClientVpnTargetNetworks": [{"AssociationId": "a1", "Status": {"Code": "disassociating"}}]},
    )
    if isinstance(answer, str):
        stub.add_client_error("describe_client_vpn_target_networks", answer)
    else:
        stub.add_response(
            "describe_client_vpn_target_networks",
            {"ClientVpnTargetNetworks": [{"AssociationId": "a1", "Status": {"Code": s}} for s in answer]},
        )
    with stub:
        cv.wait_for(
            client, "client_vpn_target_network_disassociated", 30, ClientVpnEndpointId="e1", AssociationIds=["a1"]
        )
        stub.assert_no_pending_responses()


def test_association_wait_polls_through_a_not_yet_known_association(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    client = ec2()
    stub = Stubber(client)
    stub.add_client_error("describe_client_vpn_target_networks", "InvalidClientVpnAssociationIdNotFound")
    stub.add_response(
        "describe_client_vpn_target_networks",
        {"ClientVpnTargetNetworks": [{"AssociationId": "a1", "Status": {"Code": "associated"}}]},
    )
    with stub:
        cv.wait_for(client, "client_vpn_target_network_associated", 30, ClientVpnEndpointId="e1", AssociationIds=["a1"])
        stub.assert_no_pending_responses()


def test_association_waiter_times_out(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    client = ec2()
    stub = Stubber(client)
    for _attempt in range(7):  # at 0, 1, ... 6 s (module_utils/polling.py)
        stub.add_response(
            "describe_client_vpn_target_networks",
            {"ClientVpnTargetNetworks": [{"AssociationId": "a1", "Status": {"Code": "associating"}}]},
        )
    with stub:
        with pytest.raises(cv.AnsibleClientVpnError) as e:
            cv.wait_for(
                client, "client_vpn_target_network_associated", 6, ClientVpnEndpointId="e1", AssociationIds=["a1"]
            )
        stub.assert_no_pending_responses()
    assert "Timeout trying to wait for" in e.value.message


def test_every_waiter_builds():
    client = ec2()
    factory = cv.ClientVpnWaiterFactory()
    for name in factory._model.waiter_names:
        assert cv.get_waiter(client, name).config.max_attempts == 1  # polling.wait polls one at a time


# ----------------------------------------------------------------- lost answers

ENDPOINT_REQUEST = dict(
    ClientCidrBlock="10.200.0.0/22",
    ServerCertificateArn="arn:aws:acm:us-east-1:123456789012:certificate/aaaa",
    AuthenticationOptions=[{"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": "d-1"}}],
    ConnectionLogOptions={"Enabled": False},
)


def _lost_then_answered(operation, expected, answer):
    """A Stubber client: the write is done but its answer is a 500; the retry must carry the same token."""
    client = ec2()
    stub = Stubber(client)
    stub.add_client_error(operation, "InternalError", http_status_code=500, expected_params=expected)
    stub.add_response(operation, answer, expected)
    return client, stub


@pytest.mark.parametrize(
    "call, operation, expected, answer",
    [
        (
            lambda c: cv.associate_client_vpn_target_network(c, "cvpn-endpoint-1", "subnet-1", ClientToken="tok-1"),
            "associate_client_vpn_target_network",
            dict(ClientVpnEndpointId="cvpn-endpoint-1", SubnetId="subnet-1", ClientToken="tok-1"),
            {"AssociationId": "cvpn-assoc-1", "Status": {"Code": "associating"}},
        ),
        (
            lambda c: cv.authorize_client_vpn_ingress(c, "cvpn-endpoint-1", "10.0.0.0/16", client_token="tok-2"),
            "authorize_client_vpn_ingress",
            dict(
                ClientVpnEndpointId="cvpn-endpoint-1",
                TargetNetworkCidr="10.0.0.0/16",
                AuthorizeAllGroups=True,
                ClientToken="tok-2",
            ),
            {"Status": {"Code": "authorizing"}},
        ),
        (
            lambda c: cv.create_client_vpn_route(c, "cvpn-endpoint-1", "10.9.0.0/16", "subnet-1", client_token="tok-3"),
            "create_client_vpn_route",
            dict(
                ClientVpnEndpointId="cvpn-endpoint-1",
                DestinationCidrBlock="10.9.0.0/16",
                TargetVpcSubnetId="subnet-1",
                ClientToken="tok-3",
            ),
            {"Status": {"Code": "creating"}},
        ),
        (
            lambda c: cv.create_client_vpn_endpoint(c, ClientToken="tok-4", **ENDPOINT_REQUEST),
            "create_client_vpn_endpoint",
            dict(ENDPOINT_REQUEST, ClientToken="tok-4"),
            {"ClientVpnEndpointId": "cvpn-endpoint-1", "Status": {"Code": "pending-associate"}},
        ),
    ],
)
def test_a_lost_answer_is_retried_with_the_same_client_token(monkeypatch, call, operation, expected, answer):
    monkeypatch.setattr("time.sleep", lambda s: None)
    client, stub = _lost_then_answered(operation, expected, answer)
    with stub:
        result = call(client)
        stub.assert_no_pending_responses()
    assert {k: v for k, v in result.items() if k != "ResponseMetadata"} == answer


def test_wait_until_listed_reads_until_nothing_is_missing():
    reads = [[], [], ["a"], ["a", "b"]]
    slept, settled = [], []
    items = cv.wait_until_listed(
        lambda: reads.pop(0),
        lambda items: [k for k in ("a", "b") if k not in items],
        60,
        settle=lambda: settled.append(1),
        clock=lambda: 0.0,
        sleep=slept.append,
    )
    assert items == ["a", "b"] and reads == []
    assert len(slept) == 3 and len(settled) == 3


def test_wait_until_listed_gives_up_at_the_deadline():
    slept = []
    items = cv.wait_until_listed(lambda: [], lambda items: ["a"], 5, clock=lambda: 0.0, sleep=slept.append)
    assert items == [] and sum(slept) == 5
