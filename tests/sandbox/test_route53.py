"""Route 53 in the sandbox: record-set rules, change propagation, health checks, TestDNSAnswer."""

import functools
import time

import botocore.exceptions
import pytest

from tests.certificates import self_signed

ZONE = "example.com"
VPN = "vpn.example.com"
# Clients near each Region, by the default latency table (sandbox/latency.py).
NEAR = {"us-east-1": "192.0.2.10", "us-west-2": "198.51.100.10", "eu-west-1": "203.0.113.10"}
CHECKERS = ["us-east-1", "us-west-1", "eu-west-1"]


def error_code(exc_info):
    return exc_info.value.response["Error"]["Code"]


def error_message(exc_info):
    return exc_info.value.response["Error"]["Message"]


@pytest.fixture
def r53(sandbox):
    return sandbox.client("route53")


@pytest.fixture
def zone_id(r53):
    return r53.create_hosted_zone(Name=ZONE, CallerReference="zone-1")["HostedZone"]["Id"].split("/")[-1]


def record(name, rtype="CNAME", values=("target.example.net",), ttl=60, **extra):
    rrset = {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}
    rrset.update(extra)
    return rrset


def change(r53, zone_id, *changes):
    batch = {"Changes": [{"Action": action, "ResourceRecordSet": rrset} for action, rrset in changes]}
    return r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)


def latency(region, target, health_check=None, name=VPN, identifier=None):
    extra = {"SetIdentifier": identifier or region, "Region": region}
    if health_check:
        extra["HealthCheckId"] = health_check
    return record(name, values=(target,), **extra)


def records(r53, zone_id):
    return r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]


def answer(r53, zone_id, name=VPN, rtype="CNAME", **kwargs):
    result = r53.test_dns_answer(HostedZoneId=zone_id, RecordName=name, RecordType=rtype, **kwargs)
    result.pop("ResponseMetadata", None)
    return result


def tcp_check(r53, reference, fqdn="abc.example.org", **config):
    cfg = {"Type": "TCP", "FullyQualifiedDomainName": fqdn, "Port": 443, "Regions": CHECKERS}
    cfg.update(config)
    return r53.create_health_check(CallerReference=reference, HealthCheckConfig=cfg)["HealthCheck"]


# ============================================================== record sets


def test_cname_at_the_zone_apex_is_rejected(r53, zone_id):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record(ZONE)))
    assert error_code(err) == "InvalidChangeBatch"
    assert "not permitted at apex" in error_message(err)


def test_cname_below_the_apex_is_accepted_and_listed(r53, zone_id):
    change(r53, zone_id, ("CREATE", record(VPN)))
    listed = [r for r in records(r53, zone_id) if r["Type"] == "CNAME"]
    assert listed == [record(VPN + ".")]


@pytest.mark.parametrize("first,second", [("CNAME", "A"), ("A", "CNAME"), ("TXT", "CNAME")])
def test_cname_cannot_share_its_name_with_another_type(r53, zone_id, first, second):
    values = {"CNAME": ("t.example.net",), "A": ("192.0.2.1",), "TXT": ('"hello"',)}
    change(r53, zone_id, ("CREATE", record(VPN, first, values[first])))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record(VPN, second, values[second])))
    assert error_code(err) == "InvalidChangeBatch"
    assert "conflicting RRSet" in error_message(err)


def test_create_of_an_existing_record_is_rejected_with_aws_message(r53, zone_id):
    change(r53, zone_id, ("CREATE", record(VPN)))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record(VPN, values=("other.example.net",))))
    assert error_code(err) == "InvalidChangeBatch"
    assert "but it already exists" in error_message(err)  # amazon.aws.route53 matches this text


def test_upsert_replaces_and_delete_needs_the_current_values(r53, zone_id):
    change(r53, zone_id, ("CREATE", record(VPN)))
    change(r53, zone_id, ("UPSERT", record(VPN, values=("new.example.net",))))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("DELETE", record(VPN)))
    assert error_code(err) == "InvalidChangeBatch"
    assert "do not match the current values" in error_message(err)
    change(r53, zone_id, ("DELETE", record(VPN, values=("new.example.net",))))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("DELETE", record(VPN, values=("new.example.net",))))
    assert "but it was not found" in error_message(err)


def test_record_outside_the_zone_is_rejected(r53, zone_id):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record("vpn.example.org")))
    assert error_code(err) == "InvalidChangeBatch"
    assert "is not permitted in zone" in error_message(err)


def test_unknown_zone(r53):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, "ZNOSUCHZONE", ("CREATE", record(VPN)))
    assert error_code(err) == "NoSuchHostedZone"


def test_latency_record_needs_a_set_identifier(r53, zone_id):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record(VPN, Region="us-east-1")))
    assert error_code(err) == "InvalidInput"
    assert "SetIdentifier" in error_message(err)


def test_set_identifier_without_routing_policy_is_rejected(r53, zone_id):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record(VPN, SetIdentifier="a")))
    assert error_code(err) == "InvalidInput"


def test_latency_region_must_be_a_route53_region(r53, zone_id):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", latency("mars-north-1", "x.example.net")))
    assert error_code(err) == "InvalidInput"


def test_set_identifier_is_unique_per_name_and_type(r53, zone_id):
    change(r53, zone_id, ("CREATE", latency("us-east-1", "a.example.net", identifier="home")))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", latency("eu-west-1", "b.example.net", identifier="home")))
    assert error_code(err) == "InvalidChangeBatch"
    assert "already exists" in error_message(err)
    # the same identifier under another name is another record set
    change(r53, zone_id, ("CREATE", latency("eu-west-1", "b.example.net", identifier="home", name="x." + VPN)))


def test_one_latency_record_per_region_per_name_and_type(r53, zone_id):
    change(r53, zone_id, ("CREATE", latency("us-east-1", "a.example.net", identifier="one")))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", latency("us-east-1", "b.example.net", identifier="two")))
    assert error_code(err) == "InvalidChangeBatch"
    assert "us-east-1" in error_message(err)


def test_simple_and_latency_records_cannot_share_name_and_type(r53, zone_id):
    change(r53, zone_id, ("CREATE", latency("us-east-1", "a.example.net")))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record(VPN)))
    assert error_code(err) == "InvalidChangeBatch"
    assert "non-latency" in error_message(err)


def test_latency_record_cannot_join_a_simple_record(r53, zone_id):
    change(r53, zone_id, ("CREATE", record(VPN)))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", latency("us-east-1", "a.example.net")))
    assert error_code(err) == "InvalidChangeBatch"


def test_latency_records_are_listed_with_their_routing_fields(r53, zone_id):
    check = tcp_check(r53, "hc-list")
    change(
        r53,
        zone_id,
        ("CREATE", latency("us-east-1", "a.example.net", check["Id"])),
        ("CREATE", latency("eu-west-1", "b.example.net")),
    )
    listed = {r.get("SetIdentifier"): r for r in records(r53, zone_id) if r["Type"] == "CNAME"}
    assert listed["us-east-1"] == latency("us-east-1", "a.example.net", check["Id"], name=VPN + ".")
    assert listed["eu-west-1"]["Region"] == "eu-west-1"


def test_record_with_unknown_health_check_is_rejected(r53, zone_id):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", latency("us-east-1", "a.example.net", "11111111-2222-3333-4444-555555555555")))
    assert error_code(err) == "NoSuchHealthCheck"


def test_batch_is_all_or_nothing(r53, zone_id):
    before = records(r53, zone_id)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record("ok." + ZONE)), ("CREATE", record(ZONE)))
    assert error_code(err) == "InvalidChangeBatch"
    assert records(r53, zone_id) == before


def test_delete_then_create_in_one_batch_replaces(r53, zone_id):
    change(r53, zone_id, ("CREATE", record(VPN)))
    change(r53, zone_id, ("DELETE", record(VPN)), ("CREATE", record(VPN, "A", ("192.0.2.7",))))
    assert [(r["Name"], r["Type"]) for r in records(r53, zone_id) if r["Type"] not in ("NS", "SOA")] == [
        (VPN + ".", "A")
    ]


def test_wildcard_is_stored_escaped_like_aws(r53, zone_id):
    change(r53, zone_id, ("CREATE", record("*." + VPN, values=(VPN,))))
    names = [r["Name"] for r in records(r53, zone_id)]
    assert "\\052." + VPN + "." in names
    # the escaped form designates the same record set
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record("\\052." + VPN, values=(VPN,))))
    assert "already exists" in error_message(err)


def test_wildcard_ns_record_is_rejected(r53, zone_id):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("CREATE", record("*." + VPN, "NS", ("ns1.example.net",))))
    assert error_code(err) == "InvalidChangeBatch"


def test_zone_apex_soa_cannot_be_deleted(r53, zone_id):
    soa = next(r for r in records(r53, zone_id) if r["Type"] == "SOA")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("DELETE", soa))
    assert error_code(err) == "InvalidChangeBatch"


def test_change_is_pending_then_insync(sandbox, r53, zone_id):
    from sandbox.clock import DURATIONS

    sandbox.set_time_scale(1.0 / DURATIONS["route53_change"])  # a change takes about one second
    info = change(r53, zone_id, ("CREATE", record(VPN)))["ChangeInfo"]
    assert info["Status"] == "PENDING"
    assert r53.get_change(Id=info["Id"])["ChangeInfo"]["Status"] == "PENDING"
    started = time.monotonic()
    r53.get_waiter("resource_record_sets_changed").wait(Id=info["Id"], WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    assert time.monotonic() - started < 5
    assert r53.get_change(Id=info["Id"])["ChangeInfo"]["Status"] == "INSYNC"


def test_change_is_insync_at_once_with_time_scale_zero(r53, zone_id):
    info = change(r53, zone_id, ("CREATE", record(VPN)))["ChangeInfo"]
    assert info["Status"] == "INSYNC"
    assert info["Id"].startswith("/change/C")


def test_unknown_change(r53):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        r53.get_change(Id="CNOSUCHCHANGE")
    assert error_code(err) == "NoSuchChange"


# ============================================================ health checks


def test_tcp_health_check_is_created_with_aws_defaults(r53):
    check = tcp_check(r53, "hc-1")
    cfg = check["HealthCheckConfig"]
    assert cfg["Type"] == "TCP" and cfg["Port"] == 443
    assert cfg["RequestInterval"] == 30 and cfg["FailureThreshold"] == 3
    assert cfg["Inverted"] is False and cfg["Disabled"] is False
    assert sorted(cfg["Regions"]) == sorted(CHECKERS)
    assert check["HealthCheckVersion"] == 1


@pytest.mark.parametrize(
    "config",
    [
        {"RequestInterval": 20},
        {"FailureThreshold": 0},
        {"FailureThreshold": 11},
        {"Regions": ["us-east-1", "eu-west-1"]},
        {"Regions": ["us-east-1", "eu-west-1", "eu-central-1"]},
        {"Regions": ["us-east-1", "eu-west-1", "eu-west-1"]},
        {"FullyQualifiedDomainName": "a" * 250 + ".example"},
        {"Port": 0},
        {"ResourcePath": "/health"},
    ],
)
def test_health_check_validation(raw_r53, config):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        tcp_check(raw_r53, "hc-bad", **config)
    assert error_code(err) == "InvalidInput"


def test_tcp_health_check_needs_a_port_and_a_target(r53):
    for cfg in ({"Type": "TCP", "FullyQualifiedDomainName": "a.example.org"}, {"Type": "TCP", "Port": 443}):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            r53.create_health_check(CallerReference="hc-x", HealthCheckConfig=cfg)
        assert error_code(err) == "InvalidInput"


def test_accepted_boundaries(r53):
    check = tcp_check(
        r53,
        "hc-edge",
        RequestInterval=10,
        FailureThreshold=10,
        FullyQualifiedDomainName="a" * 247 + ".example",
        Regions=["us-east-1", "sa-east-1", "ap-southeast-2"],
    )
    assert check["HealthCheckConfig"]["RequestInterval"] == 10
    assert check["HealthCheckConfig"]["FailureThreshold"] == 10


def test_caller_reference_makes_creation_idempotent(r53):
    first = tcp_check(r53, "same-ref")
    again = tcp_check(r53, "same-ref")
    assert again["Id"] == first["Id"]
    assert len(r53.list_health_checks()["HealthChecks"]) == 1
    with pytest.raises(botocore.exceptions.ClientError) as err:
        tcp_check(r53, "same-ref", Port=1194)
    assert error_code(err) == "HealthCheckAlreadyExists"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_caller_reference_of_a_deleted_check_cannot_be_reused(r53):
    check = tcp_check(r53, "gone-ref")
    r53.delete_health_check(HealthCheckId=check["Id"])
    with pytest.raises(botocore.exceptions.ClientError) as err:
        tcp_check(r53, "gone-ref")
    assert error_code(err) == "HealthCheckAlreadyExists"


def test_delete_unknown_health_check(r53):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        r53.delete_health_check(HealthCheckId="11111111-2222-3333-4444-555555555555")
    assert error_code(err) == "NoSuchHealthCheck"


def test_update_stores_inverted_disabled_regions_and_bumps_version(r53):
    check = tcp_check(r53, "hc-upd")
    updated = r53.update_health_check(
        HealthCheckId=check["Id"],
        HealthCheckVersion=1,
        Inverted=True,
        Disabled=True,
        FailureThreshold=5,
        Regions=["us-west-2", "eu-west-1", "sa-east-1"],
    )
    cfg = updated["HealthCheck"]["HealthCheckConfig"]
    assert cfg["Inverted"] is True and cfg["Disabled"] is True and cfg["FailureThreshold"] == 5
    assert updated["HealthCheck"]["HealthCheckVersion"] == 2
    fetched = r53.get_health_check(HealthCheckId=check["Id"])["HealthCheck"]
    assert fetched["HealthCheckConfig"]["Inverted"] is True
    assert sorted(fetched["HealthCheckConfig"]["Regions"]) == ["eu-west-1", "sa-east-1", "us-west-2"]
    assert fetched["HealthCheckVersion"] == 2
    assert fetched["HealthCheckConfig"]["RequestInterval"] == 30  # fixed at creation


def test_update_with_stale_version_is_rejected(r53):
    check = tcp_check(r53, "hc-ver")
    r53.update_health_check(HealthCheckId=check["Id"], HealthCheckVersion=1, FailureThreshold=4)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        r53.update_health_check(HealthCheckId=check["Id"], HealthCheckVersion=1, FailureThreshold=5)
    assert error_code(err) == "HealthCheckVersionMismatch"


@pytest.mark.parametrize("update", [{"FailureThreshold": 11}, {"Regions": ["us-east-1"]}, {"ResourcePath": "/x"}])
def test_update_validation(r53, raw_r53, update):
    check = tcp_check(r53, "hc-uv")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        raw_r53.update_health_check(HealthCheckId=check["Id"], **update)
    assert error_code(err) == "InvalidInput"


def test_update_unknown_health_check(r53):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        r53.update_health_check(HealthCheckId="11111111-2222-3333-4444-555555555555", FailureThreshold=3)
    assert error_code(err) == "NoSuchHealthCheck"


def test_status_of_a_check_on_a_name_that_is_no_endpoint_fails_from_every_checker(r53):
    check = tcp_check(r53, "hc-status")
    observations = r53.get_health_check_status(HealthCheckId=check["Id"])["HealthCheckObservations"]
    assert sorted(o["Region"] for o in observations) == sorted(CHECKERS)
    assert all(o["StatusReport"]["Status"].startswith("Failure") for o in observations)
    assert all(o["IPAddress"] for o in observations)


def test_status_of_unknown_check(r53):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        r53.get_health_check_status(HealthCheckId="11111111-2222-3333-4444-555555555555")
    assert error_code(err) == "NoSuchHealthCheck"


# ============================================================ TestDNSAnswer


def test_simple_record_answer(r53, zone_id):
    change(r53, zone_id, ("CREATE", record("www." + ZONE, "A", ("192.0.2.80",))))
    result = answer(r53, zone_id, "www." + ZONE, "A")
    assert result["RecordData"] == ["192.0.2.80"]
    assert result["ResponseCode"] == "NOERROR"
    assert result["Protocol"] == "UDP"
    assert result["RecordName"] == "www." + ZONE and result["RecordType"] == "A"
    assert result["Nameserver"]


def test_cname_answers_a_query_for_another_type(r53, zone_id):
    change(r53, zone_id, ("CREATE", record(VPN, values=("target.example.net",))))
    result = answer(r53, zone_id, VPN, "A")
    assert result["RecordData"] == ["target.example.net"]
    assert result["RecordType"] == "CNAME"


def test_nxdomain_and_empty_noerror(r53, zone_id):
    change(r53, zone_id, ("CREATE", record("a.b." + ZONE, "A", ("192.0.2.1",))))
    assert answer(r53, zone_id, "nothing." + ZONE, "A")["ResponseCode"] == "NXDOMAIN"
    empty = answer(r53, zone_id, "a.b." + ZONE, "TXT")
    assert (empty["ResponseCode"], empty["RecordData"]) == ("NOERROR", [])
    # an empty non-terminal exists too
    assert answer(r53, zone_id, "b." + ZONE, "A")["ResponseCode"] == "NOERROR"


def test_wildcard_matches_when_no_exact_record_exists(r53, zone_id):
    change(
        r53,
        zone_id,
        ("CREATE", latency("us-east-1", "east.example.net")),
        ("CREATE", record("*." + VPN, values=(VPN,))),
        ("CREATE", record("exact." + VPN, values=("exact.example.net",))),
    )
    assert answer(r53, zone_id, "abc." + VPN)["RecordData"] == [VPN]
    assert answer(r53, zone_id, "exact." + VPN)["RecordData"] == ["exact.example.net"]
    assert answer(r53, zone_id, "x.y." + VPN)["RecordData"] == [VPN]  # wildcards cover deeper names too
    assert answer(r53, zone_id, "abc.other." + ZONE)["ResponseCode"] == "NXDOMAIN"


def test_star_inside_a_name_is_a_literal_not_a_wildcard(r53, zone_id):
    change(r53, zone_id, ("CREATE", record("a*b." + ZONE, values=("t.example.net",))))
    assert answer(r53, zone_id, "axb." + ZONE)["ResponseCode"] == "NXDOMAIN"


def test_private_zone_is_refused(sandbox, r53):
    vpc = sandbox.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zone = r53.create_hosted_zone(
        Name="corp.example",
        CallerReference="p",
        HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": "us-east-1", "VPCId": vpc},
    )["HostedZone"]["Id"].split("/")[-1]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        answer(r53, zone, "x.corp.example", "A")
    assert error_code(err) == "InvalidInput"


def test_unknown_zone_and_bad_address(r53, zone_id):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        answer(r53, "ZNOSUCHZONE", VPN)
    assert error_code(err) == "NoSuchHostedZone"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        answer(r53, zone_id, VPN, ResolverIP="not-an-ip")
    assert error_code(err) == "InvalidInput"


@pytest.fixture
def latency_zone(r53, zone_id):
    change(r53, zone_id, *[("CREATE", latency(region, f"{region}.example.net")) for region in NEAR])
    return zone_id


@pytest.mark.parametrize("region", sorted(NEAR))
def test_latency_answer_for_a_resolver_near_each_region(r53, latency_zone, region):
    assert answer(r53, latency_zone, ResolverIP=NEAR[region])["RecordData"] == [f"{region}.example.net"]


def test_latency_answer_without_address_is_for_a_resolver_in_us_east_1(r53, latency_zone):
    assert answer(r53, latency_zone)["RecordData"] == ["us-east-1.example.net"]


def test_edns0_client_subnet_wins_over_the_resolver(r53, latency_zone):
    result = answer(
        r53,
        latency_zone,
        ResolverIP=NEAR["us-east-1"],
        EDNS0ClientSubnetIP=NEAR["eu-west-1"],
        EDNS0ClientSubnetMask="24",
    )
    assert result["RecordData"] == ["eu-west-1.example.net"]


def test_latency_picks_the_nearest_region_among_those_with_records(r53, latency_zone):
    # 198.18.<n>.0/24: a client near the n-th Region; eu-central-1 has no record, eu-west-1 is nearest
    from sandbox.latency import LATENCY_REGIONS

    client = f"198.18.{LATENCY_REGIONS.index('eu-central-1')}.7"
    assert answer(r53, latency_zone, ResolverIP=client)["RecordData"] == ["eu-west-1.example.net"]
    client = f"198.18.{LATENCY_REGIONS.index('us-west-1')}.7"
    assert answer(r53, latency_zone, ResolverIP=client)["RecordData"] == ["us-west-2.example.net"]


def test_latency_table_can_be_overridden_at_run_time(sandbox, r53, latency_zone):
    sandbox.control("POST", "latency", {"ranges": {"192.0.2.128/25": "eu-west-1"}})
    assert answer(r53, latency_zone, ResolverIP="192.0.2.200")["RecordData"] == ["eu-west-1.example.net"]
    assert answer(r53, latency_zone, ResolverIP="192.0.2.10")["RecordData"] == ["us-east-1.example.net"]
    assert sandbox.control("GET", "latency?address=192.0.2.200")["nearest_region"] == "eu-west-1"
    sandbox.control("DELETE", "latency")
    assert answer(r53, latency_zone, ResolverIP="192.0.2.200")["RecordData"] == ["us-east-1.example.net"]


def test_latency_distance_order_can_be_overridden(sandbox, r53, zone_id):
    change(
        r53, zone_id, *[("CREATE", latency(region, f"{region}.example.net")) for region in ("us-west-2", "eu-west-1")]
    )
    from sandbox.latency import LATENCY_REGIONS

    client = f"198.18.{LATENCY_REGIONS.index('us-east-1')}.1"
    assert answer(r53, zone_id, ResolverIP=client)["RecordData"] == ["us-west-2.example.net"]
    sandbox.control("POST", "latency", {"orders": {"us-east-1": ["eu-west-1", "us-west-2"]}})
    assert answer(r53, zone_id, ResolverIP=client)["RecordData"] == ["eu-west-1.example.net"]


def test_latency_control_rejects_bad_tables(sandbox):
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as err:
        sandbox.control("POST", "latency", {"ranges": {"not-a-cidr": "us-east-1"}})
    assert err.value.code == 400


# ====================================== health of latency records (Client VPN endpoints)


@functools.lru_cache(maxsize=None)
def _server_material():
    """One self-signed RSA 2048 server certificate for the module (key generation is the slow part)."""
    return self_signed(days=30)


def _certificate_arn(sandbox, region):
    pem, key_pem = _server_material()
    return sandbox.client("acm", region).import_certificate(Certificate=pem, PrivateKey=key_pem)["CertificateArn"]


def client_vpn_endpoint(sandbox, region, associate=True):
    """A Client VPN endpoint in a Region; ``available`` when associated (time scale 0). Returns its host name."""
    ec2 = sandbox.client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    cert = _certificate_arn(sandbox, region)
    created = ec2.create_client_vpn_endpoint(
        ClientCidrBlock="10.200.0.0/22",
        ServerCertificateArn=cert,
        AuthenticationOptions=[
            {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChainArn": cert}}
        ],
        ConnectionLogOptions={"Enabled": False},
        TransportProtocol="tcp",
        VpcId=vpc,
    )
    if associate:
        ec2.associate_client_vpn_target_network(ClientVpnEndpointId=created["ClientVpnEndpointId"], SubnetId=subnet)
    return created["DnsName"].replace("*", "probe", 1), created["ClientVpnEndpointId"]


@pytest.fixture
def vpn_zone(sandbox, r53, zone_id):
    """Latency CNAMEs for three Regions, each with a TCP:443 health check on its Region's endpoint."""
    checks = {}
    for region in NEAR:
        host, _ = client_vpn_endpoint(sandbox, region)
        checks[region] = tcp_check(r53, f"hc-{region}", fqdn=host)["Id"]
        change(r53, zone_id, ("CREATE", latency(region, f"{region}.example.net", checks[region])))
    return zone_id, checks


def test_health_check_on_an_available_endpoint_is_healthy(sandbox, r53, vpn_zone):
    _, checks = vpn_zone
    observations = r53.get_health_check_status(HealthCheckId=checks["us-east-1"])["HealthCheckObservations"]
    assert observations and all(o["StatusReport"]["Status"].startswith("Success") for o in observations)


def test_endpoint_waiting_for_association_is_unhealthy(sandbox, r53, zone_id):
    host, _ = client_vpn_endpoint(sandbox, "us-east-1", associate=False)
    check = tcp_check(r53, "hc-pending", fqdn=host)
    observations = r53.get_health_check_status(HealthCheckId=check["Id"])["HealthCheckObservations"]
    assert all(o["StatusReport"]["Status"].startswith("Failure") for o in observations)


def test_outage_moves_the_answer_to_the_next_nearest_healthy_region(sandbox, r53, vpn_zone):
    zone_id, checks = vpn_zone
    near_east = NEAR["us-east-1"]
    assert answer(r53, zone_id, ResolverIP=near_east)["RecordData"] == ["us-east-1.example.net"]
    sandbox.control("POST", "outage", {"region": "us-east-1"})
    assert answer(r53, zone_id, ResolverIP=near_east)["RecordData"] == ["us-west-2.example.net"]
    observations = r53.get_health_check_status(HealthCheckId=checks["us-east-1"])["HealthCheckObservations"]
    assert all(o["StatusReport"]["Status"].startswith("Failure") for o in observations)
    sandbox.control("DELETE", "outage", {"region": "us-east-1"})
    assert answer(r53, zone_id, ResolverIP=near_east)["RecordData"] == ["us-east-1.example.net"]


def test_inverted_check_moves_the_answer(r53, vpn_zone):
    zone_id, checks = vpn_zone
    r53.update_health_check(HealthCheckId=checks["eu-west-1"], Inverted=True)
    assert answer(r53, zone_id, ResolverIP=NEAR["eu-west-1"])["RecordData"] == ["us-east-1.example.net"]


def test_disabled_check_counts_as_healthy(sandbox, r53, vpn_zone):
    zone_id, checks = vpn_zone
    sandbox.control("POST", "outage", {"region": "eu-west-1"})
    assert answer(r53, zone_id, ResolverIP=NEAR["eu-west-1"])["RecordData"] == ["us-east-1.example.net"]
    r53.update_health_check(HealthCheckId=checks["eu-west-1"], Disabled=True)
    assert answer(r53, zone_id, ResolverIP=NEAR["eu-west-1"])["RecordData"] == ["eu-west-1.example.net"]
    # The checkers stopped: their last results (failures during the outage) stay, even after it ends.
    sandbox.control("DELETE", "outage", {"region": "eu-west-1"})
    observations = r53.get_health_check_status(HealthCheckId=checks["eu-west-1"])["HealthCheckObservations"]
    assert observations and all(o["StatusReport"]["Status"].startswith("Failure") for o in observations)


def test_when_every_record_is_unhealthy_route53_answers_as_if_all_were_healthy(sandbox, r53, vpn_zone):
    zone_id, _ = vpn_zone
    for region in NEAR:
        sandbox.control("POST", "outage", {"region": region})
    for region, address in NEAR.items():
        assert answer(r53, zone_id, ResolverIP=address)["RecordData"] == [f"{region}.example.net"]


def test_wildcard_and_latency_records_for_the_vpn_name(r53, vpn_zone):
    zone_id, _ = vpn_zone
    change(r53, zone_id, ("CREATE", record("*." + VPN, values=(VPN,))))
    assert answer(r53, zone_id, "r4nd0m." + VPN, ResolverIP=NEAR["eu-west-1"])["RecordData"] == [VPN]
    assert answer(r53, zone_id, VPN, ResolverIP=NEAR["eu-west-1"])["RecordData"] == ["eu-west-1.example.net"]


def test_delete_of_a_latency_record_compares_its_health_check_only_when_given(r53, zone_id):
    check = tcp_check(r53, "hc-del")
    other = tcp_check(r53, "hc-other")
    with_check = latency("us-east-1", "a.example.net", check["Id"])
    change(r53, zone_id, ("CREATE", with_check))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("DELETE", latency("us-east-1", "a.example.net", other["Id"])))
    assert "do not match the current values" in error_message(err)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(r53, zone_id, ("DELETE", latency("eu-west-1", "a.example.net", identifier="us-east-1")))
    assert "do not match the current values" in error_message(err)
    change(r53, zone_id, ("DELETE", latency("us-east-1", "a.example.net")))
    assert [r for r in records(r53, zone_id) if r["Type"] == "CNAME"] == []


@pytest.mark.parametrize(
    "address,region",
    [("3.80.0.10", "us-east-1"), ("34.208.0.10", "us-west-2"), ("52.16.0.10", "eu-west-1"), ("8.8.8.8", "us-east-1")],
)
def test_public_ec2_prefixes_are_near_their_region_and_unknown_addresses_near_us_east_1(
    r53, latency_zone, address, region
):
    assert answer(r53, latency_zone, ResolverIP=address)["RecordData"] == [f"{region}.example.net"]


# ============================================================ zones and tags


def test_hosted_zone_caller_reference_cannot_be_repeated(r53, zone_id):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        r53.create_hosted_zone(Name="other.example", CallerReference="zone-1")
    assert error_code(err) == "HostedZoneAlreadyExists"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_hosted_zone_name_must_be_a_domain_name(r53):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        r53.create_hosted_zone(Name="bad..example", CallerReference="zone-bad")
    assert error_code(err) == "InvalidDomainName"


def test_tags_of_health_checks(r53):
    check = tcp_check(r53, "hc-tags")
    r53.change_tags_for_resource(
        ResourceType="healthcheck", ResourceId=check["Id"], AddTags=[{"Key": "Name", "Value": "home"}]
    )
    tags = r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=check["Id"])["ResourceTagSet"]["Tags"]
    assert tags == [{"Key": "Name", "Value": "home"}]
    missing = "11111111-2222-3333-4444-555555555555"
    for call in (
        lambda: r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=missing),
        lambda: r53.change_tags_for_resource(
            ResourceType="healthcheck", ResourceId=missing, AddTags=[{"Key": "a", "Value": "b"}]
        ),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            call()
        assert error_code(err) == "NoSuchHealthCheck"


# ============================================================ realism: health delay and consistency
# At time scale 0 both effects vanish; these tests run at a scale that makes each delay a fraction of a second.
# A check's status follows its target after FailureThreshold x RequestInterval + 10 s of propagation (scaled).


def _wait_for_answer(r53, zone_id, address, expected, timeout=10.0):
    """Seconds until TestDNSAnswer for ``address`` answers ``expected`` (fails after ``timeout``)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if answer(r53, zone_id, ResolverIP=address, EDNS0ClientSubnetIP=address)["RecordData"] == [expected]:
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"{address} never got {expected}")


def _observations_once_visible(r53, check_id):
    """GetHealthCheckStatus as a client must call it right after a create: NoSuchHealthCheck means "not yet"."""
    for _ in range(50):
        try:
            return r53.get_health_check_status(HealthCheckId=check_id)["HealthCheckObservations"]
        except r53.exceptions.NoSuchHealthCheck:
            time.sleep(0.02)
    raise AssertionError(f"{check_id} never became visible")


def test_new_check_is_healthy_until_its_checkers_have_enough_data(sandbox, r53, zone_id):
    sandbox.set_time_scale(0.02)  # RequestInterval 30 x FailureThreshold 1 + 10 s propagation: 0.8 s
    check = tcp_check(r53, "hc-new", fqdn="nothing-listens.example.org", FailureThreshold=1)
    change(
        r53,
        zone_id,
        ("CREATE", latency("eu-west-1", "eu-west-1.example.net", check["Id"])),
        ("CREATE", latency("us-east-1", "us-east-1.example.net")),
    )
    near_eu = NEAR["eu-west-1"]
    # Healthy until there is enough data, although nothing listens there; no checker has reported yet.
    assert answer(r53, zone_id, ResolverIP=near_eu)["RecordData"] == ["eu-west-1.example.net"]
    start = time.monotonic()
    time.sleep(0.15)  # past the consistency window (0.1 s), before the first RequestInterval (0.6 s)
    with pytest.raises(botocore.exceptions.ClientError) as err:  # the first read of a new check misses
        r53.get_health_check_status(HealthCheckId=check["Id"])
    assert error_code(err) == "NoSuchHealthCheck"
    assert r53.get_health_check_status(HealthCheckId=check["Id"])["HealthCheckObservations"] == []
    waited = _wait_for_answer(r53, zone_id, near_eu, "us-east-1.example.net")
    assert time.monotonic() - start + waited >= 0.6
    observations = r53.get_health_check_status(HealthCheckId=check["Id"])["HealthCheckObservations"]
    assert observations and all(o["StatusReport"]["Status"].startswith("Failure") for o in observations)


def test_new_inverted_check_is_unhealthy_until_its_checkers_have_enough_data(sandbox, r53, zone_id):
    host, _ = client_vpn_endpoint(sandbox, "eu-west-1")
    sandbox.set_time_scale(0.02)
    check = tcp_check(r53, "hc-new-inv", fqdn=host, RequestInterval=10, FailureThreshold=1, Inverted=True)
    change(
        r53,
        zone_id,
        ("CREATE", latency("eu-west-1", "eu-west-1.example.net", check["Id"])),
        ("CREATE", latency("us-east-1", "us-east-1.example.net")),
    )
    # Inverted and new: unhealthy at once (before any data); an inverted check of a reachable endpoint stays so.
    assert answer(r53, zone_id, ResolverIP=NEAR["eu-west-1"])["RecordData"] == ["us-east-1.example.net"]
    time.sleep(0.5)  # past the first interval and the consistency window
    assert answer(r53, zone_id, ResolverIP=NEAR["eu-west-1"])["RecordData"] == ["us-east-1.example.net"]
    # The checkers report what they see of the endpoint (reachable), not the inverted status.
    observations = _observations_once_visible(r53, check["Id"])
    assert observations and all(o["StatusReport"]["Status"].startswith("Success") for o in observations)


def test_inverting_a_check_moves_the_answer_only_after_the_failure_threshold(sandbox, r53, vpn_zone):
    zone_id, checks = vpn_zone
    sandbox.set_time_scale(0.01)  # FailureThreshold 3 x RequestInterval 30 + 10 s: 1 s
    near_eu = NEAR["eu-west-1"]
    r53.update_health_check(HealthCheckId=checks["eu-west-1"], Inverted=True)
    assert answer(r53, zone_id, ResolverIP=near_eu)["RecordData"] == ["eu-west-1.example.net"]
    assert _wait_for_answer(r53, zone_id, near_eu, "us-east-1.example.net") >= 0.9
    r53.update_health_check(HealthCheckId=checks["eu-west-1"], Inverted=False)
    assert answer(r53, zone_id, ResolverIP=near_eu)["RecordData"] == ["us-east-1.example.net"]
    assert _wait_for_answer(r53, zone_id, near_eu, "eu-west-1.example.net") >= 0.9


def test_an_outage_moves_the_answer_only_after_the_failure_threshold(sandbox, r53, vpn_zone):
    zone_id, _ = vpn_zone
    sandbox.set_time_scale(0.01)
    near_east = NEAR["us-east-1"]
    assert answer(r53, zone_id, ResolverIP=near_east)["RecordData"] == ["us-east-1.example.net"]
    sandbox.control("POST", "outage", {"region": "us-east-1"})
    assert answer(r53, zone_id, ResolverIP=near_east)["RecordData"] == ["us-east-1.example.net"]
    assert _wait_for_answer(r53, zone_id, near_east, "us-west-2.example.net") >= 0.9


def test_a_flap_shorter_than_the_threshold_does_not_move_the_answer(sandbox, r53, vpn_zone):
    zone_id, checks = vpn_zone
    sandbox.set_time_scale(0.01)
    near_eu = NEAR["eu-west-1"]
    r53.update_health_check(HealthCheckId=checks["eu-west-1"], Inverted=True)
    time.sleep(0.5)
    r53.update_health_check(HealthCheckId=checks["eu-west-1"], Inverted=False)
    time.sleep(0.7)  # 1.2 s since the first change: it would have moved had the flap counted
    assert answer(r53, zone_id, ResolverIP=near_eu)["RecordData"] == ["eu-west-1.example.net"]


def test_health_delay_can_be_switched_off(sandbox, r53, vpn_zone):
    zone_id, checks = vpn_zone
    sandbox.set_time_scale(0.01)
    sandbox.control("POST", "effects", {"health_delay": False})
    r53.update_health_check(HealthCheckId=checks["eu-west-1"], Inverted=True)
    assert answer(r53, zone_id, ResolverIP=NEAR["eu-west-1"])["RecordData"] == ["us-east-1.example.net"]


def test_a_new_check_is_missing_from_reads_for_the_consistency_window(sandbox, r53):
    sandbox.set_time_scale(0.2)  # window 5 s scaled: 1 s, and at least the first read misses
    check = tcp_check(r53, "hc-consistency")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        r53.get_health_check(HealthCheckId=check["Id"])
    assert error_code(err) == "NoSuchHealthCheck"
    assert check["Id"] not in [hc["Id"] for hc in r53.list_health_checks()["HealthChecks"]]
    # A retried create with the same CallerReference finds it all the same.
    assert tcp_check(r53, "hc-consistency")["Id"] == check["Id"]
    time.sleep(1.1)
    assert r53.get_health_check(HealthCheckId=check["Id"])["HealthCheck"]["CallerReference"] == "hc-consistency"
    assert check["Id"] in [hc["Id"] for hc in r53.list_health_checks()["HealthChecks"]]


def test_consistency_can_be_switched_off(sandbox, r53):
    sandbox.set_time_scale(0.01)
    sandbox.control("POST", "effects", {"consistency": False})
    check = tcp_check(r53, "hc-visible")
    assert r53.get_health_check(HealthCheckId=check["Id"])["HealthCheck"]["Id"] == check["Id"]


def test_list_health_checks_pages(r53):
    ids = sorted(tcp_check(r53, f"hc-page-{n}")["Id"] for n in range(3))
    first = r53.list_health_checks(MaxItems="2")
    assert [hc["Id"] for hc in first["HealthChecks"]] == ids[:2] and first["IsTruncated"]
    second = r53.list_health_checks(MaxItems="2", Marker=first["NextMarker"])
    assert [hc["Id"] for hc in second["HealthChecks"]] == ids[2:] and not second["IsTruncated"]
