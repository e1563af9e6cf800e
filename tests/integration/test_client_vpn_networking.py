"""ec2_client_vpn_target_network, _authorization_rule and _route through ansible-playbook against the sandbox.

The endpoint is made in setup with boto3: a VPC 10.60.0.0/16 with two subnets in
two AZs (plus a second subnet in the first AZ, for the one-subnet-per-AZ rule),
a self-signed RSA 2048 server certificate imported into ACM, and a TCP endpoint
with certificate authentication.  The playbooks assert the four-run pattern
(check, apply, check, apply) themselves; this side asserts the write calls.
"""

from pathlib import Path

import pytest

from tests.certificates import self_signed

PLAYBOOKS = Path(__file__).parent / "playbooks" / "client_vpn_networking"
REGION = "us-east-1"
SID = "S-1-5-21-1111111111-2222222222-3333333333-1104"


@pytest.fixture(scope="module")
def certificate():
    return self_signed(san=True)


@pytest.fixture
def endpoint(sandbox, certificate):
    """A Client VPN endpoint without associations, and its VPC's subnets; call log cleared."""
    ec2 = sandbox.client("ec2", REGION)
    acm = sandbox.client("acm", REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]

    def subnet(cidr, az):
        return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]

    subnets = {
        "a": subnet("10.60.0.0/24", zones[0]),
        "b": subnet("10.60.1.0/24", zones[1]),
        "a2": subnet("10.60.2.0/24", zones[0]),
    }
    cert_pem, key_pem = certificate
    arn = acm.import_certificate(Certificate=cert_pem, PrivateKey=key_pem)["CertificateArn"]
    endpoint_id = ec2.create_client_vpn_endpoint(
        ClientCidrBlock="172.16.0.0/22",
        ServerCertificateArn=arn,
        AuthenticationOptions=[
            {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChainArn": arn}}
        ],
        ConnectionLogOptions={"Enabled": False},
        TransportProtocol="tcp",
    )["ClientVpnEndpointId"]
    sandbox.clear_calls()
    return dict(id=endpoint_id, vpc_id=vpc_id, zones=zones, subnets=subnets, ec2=ec2)


def associate(endpoint, *names):
    for name in names:
        endpoint["ec2"].associate_client_vpn_target_network(
            ClientVpnEndpointId=endpoint["id"], SubnetId=endpoint["subnets"][name]
        )


def writes(sandbox):
    return [c["action"] for c in sandbox.write_calls()]


def actions(sandbox):
    """Every call since the log was cleared (reads included), in order."""
    return [c["action"] for c in sandbox.calls()]


def manual_routes(endpoint):
    routes = endpoint["ec2"].describe_client_vpn_routes(ClientVpnEndpointId=endpoint["id"])["Routes"]
    return sorted(
        (r["DestinationCidr"], r["TargetSubnet"], r.get("Description")) for r in routes if r["Origin"] != "associate"
    )


def rules(endpoint):
    found = endpoint["ec2"].describe_client_vpn_authorization_rules(ClientVpnEndpointId=endpoint["id"])
    return sorted(
        (r["DestinationCidr"], r.get("GroupId") or None, r.get("Description")) for r in found["AuthorizationRules"]
    )


def play_vars(endpoint, **extra):
    subnets = endpoint["subnets"]
    return dict(
        cvpn_endpoint_id=endpoint["id"],
        cvpn_subnet_a=subnets["a"],
        cvpn_subnet_b=subnets["b"],
        cvpn_subnet_a2=subnets["a2"],
        **extra,
    )


# --- target networks --------------------------------------------------------------


def test_target_network_lifecycle(sandbox, run_playbook, endpoint):
    run_playbook(PLAYBOOKS / "target_network.yml", extra_vars=play_vars(endpoint))
    calls = sandbox.write_calls()
    assert all(c["status"] < 400 for c in calls), calls
    # associate a+b, replace a by a2 (associate + disassociate), remove b, cleanup a2: nothing else
    assert sorted(writes(sandbox)) == sorted(
        ["AssociateClientVpnTargetNetwork"] * 3 + ["DisassociateClientVpnTargetNetwork"] * 3
    )


def test_target_network_second_run_makes_no_write_call(sandbox, run_playbook, endpoint):
    extra = play_vars(endpoint, cvpn_subnets=[endpoint["subnets"]["a"], endpoint["subnets"]["b"]])
    run_playbook(PLAYBOOKS / "apply_target_network.yml", extra_vars=extra)
    assert writes(sandbox) == ["AssociateClientVpnTargetNetwork"] * 2
    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply_target_network.yml", extra_vars=extra)
    # One read: the list of associations also tells that the endpoint exists.
    assert actions(sandbox) == ["DescribeClientVpnTargetNetworks"]


def test_target_network_same_az_refused_before_any_call(sandbox, run_playbook, endpoint):
    extra = play_vars(endpoint, cvpn_subnets=[endpoint["subnets"]["a"], endpoint["subnets"]["a2"]])
    proc = run_playbook(PLAYBOOKS / "apply_target_network.yml", extra_vars=extra, expect_rc=2)
    assert "one subnet per Availability Zone" in proc.stdout
    assert writes(sandbox) == []


def test_target_network_taken_az_rejected_by_aws_without_preflight(sandbox, endpoint):
    """The sandbox's own rule (what the module's preflight avoids): InvalidClientVpnSubnetId.DuplicateAz."""
    associate(endpoint, "a")
    with pytest.raises(endpoint["ec2"].exceptions.ClientError) as err:
        associate(endpoint, "a2")
    assert err.value.response["Error"]["Code"] == "InvalidClientVpnSubnetId.DuplicateAz"


def test_target_network_waits_for_association(sandbox, run_playbook, endpoint):
    """At a time scale where an association takes ~1 s, the module returns only once it is associated."""
    sandbox.set_time_scale(1.0 / 480)
    extra = play_vars(endpoint, cvpn_subnets=[endpoint["subnets"]["a"]])
    run_playbook(PLAYBOOKS / "apply_target_network.yml", extra_vars=extra)
    found = endpoint["ec2"].describe_client_vpn_target_networks(ClientVpnEndpointId=endpoint["id"])
    assert [t["Status"]["Code"] for t in found["ClientVpnTargetNetworks"]] == ["associated"]
    polls = [c for c in sandbox.calls() if c["action"] == "DescribeClientVpnTargetNetworks"]
    assert len(polls) >= 3  # read, at least one poll, read back


# --- authorization rules ------------------------------------------------------------


def test_authorization_rule_lifecycle(sandbox, run_playbook, endpoint):
    run_playbook(PLAYBOOKS / "authorization_rule.yml", extra_vars=play_vars(endpoint, cvpn_group_sid=SID))
    assert all(c["status"] < 400 for c in sandbox.write_calls())
    assert rules(endpoint) == []


def test_authorization_rule_append_one_is_one_write_call(sandbox, run_playbook, endpoint):
    declared = [
        {"destination_cidr": "10.60.0.0/16", "description": "Home VPC"},
        {"destination_cidr": "10.99.0.0/24", "access_group_id": SID, "description": "Admins"},
    ]
    run_playbook(PLAYBOOKS / "apply_authorization_rule.yml", extra_vars=play_vars(endpoint, cvpn_rules=declared))
    assert writes(sandbox) == ["AuthorizeClientVpnIngress"] * 2

    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply_authorization_rule.yml", extra_vars=play_vars(endpoint, cvpn_rules=declared))
    assert actions(sandbox) == ["DescribeClientVpnAuthorizationRules"]  # one read, no write

    # Append one rule, and list the others in another order: exactly one write call.
    appended = [declared[1], {"destination_cidr": "10.70.0.0/16", "description": "Branch"}, declared[0]]
    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply_authorization_rule.yml", extra_vars=play_vars(endpoint, cvpn_rules=appended))
    assert writes(sandbox) == ["AuthorizeClientVpnIngress"]
    assert rules(endpoint) == [
        ("10.60.0.0/16", None, "Home VPC"),
        ("10.70.0.0/16", None, "Branch"),
        ("10.99.0.0/24", SID, "Admins"),
    ]

    # A changed description: revoke + authorize of that rule only.
    changed = [dict(appended[1], description="Branch us-west-2")] + [appended[0], appended[2]]
    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply_authorization_rule.yml", extra_vars=play_vars(endpoint, cvpn_rules=changed))
    assert writes(sandbox) == ["RevokeClientVpnIngress", "AuthorizeClientVpnIngress"]
    assert ("10.70.0.0/16", None, "Branch us-west-2") in rules(endpoint)

    # purge: only the rules not declared are revoked
    sandbox.clear_calls()
    run_playbook(
        PLAYBOOKS / "apply_authorization_rule.yml",
        extra_vars=play_vars(endpoint, cvpn_rules=[declared[0]], cvpn_purge=True),
    )
    assert writes(sandbox) == ["RevokeClientVpnIngress"] * 2
    assert rules(endpoint) == [("10.60.0.0/16", None, "Home VPC")]


def test_authorization_rule_many_changes_stay_under_the_concurrency_quota(sandbox, run_playbook, endpoint):
    """25 rules at a time scale where each takes a moment: never ConcurrentMutationLimitExceeded."""
    sandbox.set_time_scale(0.05)  # vpn_authorization: 1 s
    declared = [{"destination_cidr": f"10.{100 + i}.0.0/16"} for i in range(25)]
    run_playbook(
        PLAYBOOKS / "apply_authorization_rule.yml",
        extra_vars=play_vars(endpoint, cvpn_rules=declared, cvpn_wait_timeout=60),
    )
    calls = sandbox.write_calls()
    assert [c["action"] for c in calls] == ["AuthorizeClientVpnIngress"] * 25
    assert all(c["status"] == 200 for c in calls), [c for c in calls if c["status"] != 200]
    assert len(rules(endpoint)) == 25


# --- routes -------------------------------------------------------------------------


def test_route_lifecycle(sandbox, run_playbook, endpoint):
    run_playbook(PLAYBOOKS / "route.yml", extra_vars=play_vars(endpoint))
    assert manual_routes(endpoint) == []


def test_route_append_one_is_one_write_call_and_automatic_routes_untouched(sandbox, run_playbook, endpoint):
    associate(endpoint, "a", "b")
    automatic = sorted(
        (r["DestinationCidr"], r["TargetSubnet"])
        for r in endpoint["ec2"].describe_client_vpn_routes(ClientVpnEndpointId=endpoint["id"])["Routes"]
    )
    assert len(automatic) == 2
    a, b = endpoint["subnets"]["a"], endpoint["subnets"]["b"]
    declared = [
        {"destination_cidr": "10.70.0.0/16", "target_subnet": a, "description": "Branch"},
        {"destination_cidr": "10.70.0.0/16", "target_subnet": b, "description": "Branch"},
        # the automatic route, declared: a no-op, never re-added
        {"destination_cidr": "10.60.0.0/16", "target_subnet": a},
    ]
    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply_route.yml", extra_vars=play_vars(endpoint, cvpn_routes=declared, cvpn_purge=True))
    assert writes(sandbox) == ["CreateClientVpnRoute"] * 2

    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply_route.yml", extra_vars=play_vars(endpoint, cvpn_routes=declared, cvpn_purge=True))
    assert actions(sandbox) == ["DescribeClientVpnRoutes"]  # one read, no write

    appended = [{"destination_cidr": "0.0.0.0/0", "target_subnet": b, "description": "Internet"}] + declared
    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply_route.yml", extra_vars=play_vars(endpoint, cvpn_routes=appended, cvpn_purge=True))
    assert writes(sandbox) == ["CreateClientVpnRoute"]
    assert manual_routes(endpoint) == sorted(
        [("0.0.0.0/0", b, "Internet"), ("10.70.0.0/16", a, "Branch"), ("10.70.0.0/16", b, "Branch")]
    )

    # purge everything added by hand: the automatic routes stay
    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply_route.yml", extra_vars=play_vars(endpoint, cvpn_routes=[], cvpn_purge=True))
    assert writes(sandbox) == ["DeleteClientVpnRoute"] * 3
    remaining = sorted(
        (r["DestinationCidr"], r["TargetSubnet"])
        for r in endpoint["ec2"].describe_client_vpn_routes(ClientVpnEndpointId=endpoint["id"])["Routes"]
    )
    assert remaining == automatic


def test_route_to_unassociated_subnet_rejected(sandbox, run_playbook, endpoint):
    associate(endpoint, "a")
    sandbox.clear_calls()
    declared = [{"destination_cidr": "10.70.0.0/16", "target_subnet": endpoint["subnets"]["b"]}]
    proc = run_playbook(
        PLAYBOOKS / "apply_route.yml", extra_vars=play_vars(endpoint, cvpn_routes=declared), expect_rc=2
    )
    assert f"Failed to create Client VPN route 10.70.0.0/16 via {endpoint['subnets']['b']}" in proc.stdout
    assert "InvalidClientVpnActiveAssociationNotFound" in proc.stdout
    assert f"Subnet {endpoint['subnets']['b']} is not an associated target network" in proc.stdout


def test_route_duplicate_declared_refused_before_any_call(sandbox, run_playbook, endpoint):
    associate(endpoint, "a")
    sandbox.clear_calls()
    a = endpoint["subnets"]["a"]
    declared = [
        {"destination_cidr": "10.70.0.0/16", "target_subnet": a},
        {"destination_cidr": "10.70.0.0/16", "target_subnet": a, "description": "again"},
    ]
    proc = run_playbook(
        PLAYBOOKS / "apply_route.yml", extra_vars=play_vars(endpoint, cvpn_routes=declared), expect_rc=2
    )
    assert (
        f"duplicate routes (destination CIDR, target subnet) in the declared list: 10.70.0.0/16 -> {a}" in proc.stdout
    )
    assert writes(sandbox) == []


def test_route_duplicate_rejected_by_aws(sandbox, endpoint):
    """What the module avoids by never re-adding automatic routes: InvalidClientVpnDuplicateRoute."""
    associate(endpoint, "a")
    with pytest.raises(endpoint["ec2"].exceptions.ClientError) as err:
        endpoint["ec2"].create_client_vpn_route(
            ClientVpnEndpointId=endpoint["id"],
            DestinationCidrBlock="10.60.0.0/16",
            TargetVpcSubnetId=endpoint["subnets"]["a"],
        )
    assert err.value.response["Error"]["Code"] == "InvalidClientVpnDuplicateRoute"


def test_concurrent_mutation_limit_and_throttling_are_retried(sandbox, run_playbook, endpoint):
    """Injected ConcurrentMutationLimitExceeded on the create and throttling on reads: the run still converges."""
    associate(endpoint, "a")
    sandbox.clear_calls()
    sandbox.control(
        "POST",
        "faults",
        {
            "rules": [
                {"action": "CreateClientVpnRoute", "count": 2, "code": "ConcurrentMutationLimitExceeded"},
                {"action": "DescribeClientVpnRoutes", "count": 1},
            ]
        },
    )
    declared = [{"destination_cidr": "10.70.0.0/16", "target_subnet": endpoint["subnets"]["a"]}]
    run_playbook(PLAYBOOKS / "apply_route.yml", extra_vars=play_vars(endpoint, cvpn_routes=declared))
    creates = [c for c in sandbox.calls() if c["action"] == "CreateClientVpnRoute"]
    assert [c["status"] for c in creates] == [400, 400, 200]
    assert manual_routes(endpoint) == [("10.70.0.0/16", endpoint["subnets"]["a"], None)]


# --- a missing or deleted endpoint ----------------------------------------------------

SET_PLAYBOOKS = [
    ("apply_target_network.yml", "cvpn_subnets", "DescribeClientVpnTargetNetworks"),
    ("apply_authorization_rule.yml", "cvpn_rules", "DescribeClientVpnAuthorizationRules"),
    ("apply_route.yml", "cvpn_routes", "DescribeClientVpnRoutes"),
]


@pytest.mark.parametrize("playbook, option, read", SET_PLAYBOOKS)
def test_deleted_endpoint_absent_is_ok_present_fails_one_read_each(
    sandbox, run_playbook, endpoint, playbook, option, read
):
    """The set's describe call answers NotFound for a deleted endpoint: state=absent is unchanged, present fails."""
    endpoint["ec2"].delete_client_vpn_endpoint(ClientVpnEndpointId=endpoint["id"])  # time scale 0: gone at once
    declared = {
        "cvpn_subnets": [endpoint["subnets"]["a"]],
        "cvpn_rules": [{"destination_cidr": "10.60.0.0/16"}],
        "cvpn_routes": [{"destination_cidr": "10.70.0.0/16", "target_subnet": endpoint["subnets"]["a"]}],
    }[option]

    sandbox.clear_calls()
    proc = run_playbook(PLAYBOOKS / playbook, extra_vars=play_vars(endpoint, cvpn_state="absent", **{option: declared}))
    assert "changed=0" in proc.stdout and "failed=0" in proc.stdout
    assert actions(sandbox) == [read]

    sandbox.clear_calls()
    proc = run_playbook(PLAYBOOKS / playbook, extra_vars=play_vars(endpoint, **{option: declared}), expect_rc=2)
    assert f"Client VPN endpoint {endpoint['id']} does not exist" in proc.stdout
    assert actions(sandbox) == [read]
