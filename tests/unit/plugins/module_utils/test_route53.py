"""Unit tests for plugins/module_utils/route53_*.py (our own, not amazon.aws's route53)."""

import copy
import uuid

import boto3
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_dns_answer
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_health
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_latency
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_names
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_records
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import AnsibleRoute53Error
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import LatencyRecordError
from botocore.exceptions import ClientError

ENDPOINT_EU = "*.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"
ENDPOINT_US = "*.cvpn-endpoint-0fedcba9876543210.prod.clientvpn.us-east-1.amazonaws.com"
ZONE_ID = "Z0123456789ABCDEFGHIJ"


def client_error(code, operation="Op", status=400):
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


# ---------------------------------------------------------------------------
# Target normalisation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target,label,expected",
    [
        (ENDPOINT_EU, "vpn", "vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"),
        (ENDPOINT_EU + ".", "vpn", "vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"),
        (ENDPOINT_EU.upper(), "vpn", "vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"),
        (ENDPOINT_EU, "Check1", "check1.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"),
        (
            "\\052.cvpn-endpoint-1.prod.clientvpn.eu-west-1.amazonaws.com",
            "x",
            "x.cvpn-endpoint-1.prod.clientvpn.eu-west-1.amazonaws.com",
        ),
        ("host.example.com", "vpn", "host.example.com"),
    ],
)
def test_normalise_target(target, label, expected):
    assert route53_names.normalise_target(target, label) == expected


@pytest.mark.parametrize(
    "target,label,message",
    [
        ("a.*.example.com", "vpn", "leftmost"),
        ("*x.example.com", "vpn", "leftmost"),
        (ENDPOINT_EU, "bad_label", "target_label"),
        (ENDPOINT_EU, "-x", "target_label"),
        (ENDPOINT_EU, "", "target_label"),
        ("a..example.com", "vpn", "empty label"),
        ("", "vpn", "DNS name"),
        ("*." + "a" * 260, "vpn", "255"),
    ],
)
def test_normalise_target_refuses(target, label, message):
    with pytest.raises(ValueError, match=message):
        route53_names.normalise_target(target, label)


@pytest.mark.parametrize(
    "name,expected",
    [("VPN.Example.COM.", "vpn.example.com"), ("\\052.vpn.example.com.", "*.vpn.example.com"), (None, None)],
)
def test_normalise_name(name, expected):
    assert route53_names.normalise_name(name) == expected


# ---------------------------------------------------------------------------
# Apex detection
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("record", ["example.com", "example.com.", "EXAMPLE.com"])
def test_apex_is_refused(record):
    with pytest.raises(ValueError, match="apex"):
        route53_names.check_record_in_zone(record, "example.com.")


@pytest.mark.parametrize("record", ["other.org", "notexample.com", "vpn.example.org"])
def test_record_outside_zone_is_refused(record):
    with pytest.raises(ValueError, match="not inside zone"):
        route53_names.check_record_in_zone(record, "example.com")


@pytest.mark.parametrize("record", ["vpn.example.com", "VPN.example.com.", "a.b.example.com"])
def test_subdomain_is_accepted(record):
    assert route53_names.check_record_in_zone(record, "example.com.") == record.lower().rstrip(".")


# ---------------------------------------------------------------------------
# Caller references
# ---------------------------------------------------------------------------


def test_caller_reference_is_stable_and_normalised():
    a = route53_names.caller_reference_prefix(ZONE_ID, "vpn.example.com", "CNAME", "eu-west-1")
    b = route53_names.caller_reference_prefix("/hostedzone/" + ZONE_ID, "VPN.Example.com.", "cname", "eu-west-1")
    assert a == b
    assert a.startswith("mrcv-") and a.endswith("-")


@pytest.mark.parametrize(
    "other",
    [
        ("Z999", "vpn.example.com", "CNAME", "eu-west-1"),
        (ZONE_ID, "vpn2.example.com", "CNAME", "eu-west-1"),
        (ZONE_ID, "vpn.example.com", "A", "eu-west-1"),
        (ZONE_ID, "vpn.example.com", "CNAME", "us-east-1"),
    ],
)
def test_caller_reference_differs_per_identity(other):
    assert route53_names.caller_reference_prefix(
        ZONE_ID, "vpn.example.com", "CNAME", "eu-west-1"
    ) != route53_names.caller_reference_prefix(*other)


def test_caller_reference_fits_aws_limit_even_for_long_inputs():
    prefix = route53_names.caller_reference_prefix("Z" * 32, ("a" * 63 + ".") * 15 + "com", "CNAME", "s" * 128)
    for generation in (1, 99, 99999):
        reference = route53_names.caller_reference(prefix, generation)
        assert 1 <= len(reference) <= 64
        assert route53_names.reference_generation(reference, prefix) == generation


@pytest.mark.parametrize("reference", [None, "", "other-ref", "mrcv-ffff-1", "PREFIXx"])
def test_reference_generation_of_foreign_references(reference):
    prefix = route53_names.caller_reference_prefix(ZONE_ID, "vpn.example.com", "CNAME", "eu-west-1")
    assert route53_names.reference_generation(reference, prefix) is None
    assert route53_names.reference_generation(prefix + "abc", prefix) is None


def test_our_health_checks_newest_first():
    prefix = route53_names.caller_reference_prefix(ZONE_ID, "vpn.example.com", "CNAME", "eu-west-1")
    checks = [
        {"Id": "a", "CallerReference": prefix + "1"},
        {"Id": "b", "CallerReference": "someone-else"},
        {"Id": "c", "CallerReference": prefix + "10"},
        {"Id": "d", "CallerReference": prefix + "2"},
    ]
    assert [hc["Id"] for hc in route53_names.our_health_checks(checks, prefix)] == ["c", "d", "a"]


# ---------------------------------------------------------------------------
# Health-check diff
# ---------------------------------------------------------------------------

FQDN = "vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"


def hc_params(**kw):
    base = dict(
        port=443,
        request_interval=30,
        failure_threshold=3,
        regions=None,
        inverted=False,
        disabled=False,
        measure_latency=False,
        name=None,
        replace=False,
    )
    base.update(kw)
    return base


def test_desired_config_defaults():
    config = route53_health.desired_health_check_config(hc_params(), FQDN)
    assert config == dict(
        Type="TCP",
        FullyQualifiedDomainName=FQDN,
        Port=443,
        RequestInterval=30,
        FailureThreshold=3,
        Inverted=False,
        Disabled=False,
        MeasureLatency=False,
    )


def test_desired_config_regions_sorted():
    config = route53_health.desired_health_check_config(
        hc_params(regions=["us-west-2", "eu-west-1", "us-east-1"]), FQDN
    )
    assert config["Regions"] == ["eu-west-1", "us-east-1", "us-west-2"]


def test_health_check_diff_none_when_equal_and_aws_omits_defaults():
    desired = route53_health.desired_health_check_config(hc_params(), FQDN)
    current = dict(Type="TCP", FullyQualifiedDomainName=FQDN.upper() + ".", Port=443, RequestInterval=30)
    assert route53_health.health_check_diff(current, desired) == ({}, {})


@pytest.mark.parametrize(
    "field,value",
    [
        ("Port", 1194),
        ("FailureThreshold", 5),
        ("Inverted", True),
        ("Disabled", True),
        ("FullyQualifiedDomainName", "vpn.cvpn-endpoint-1.prod.clientvpn.eu-west-1.amazonaws.com"),
        ("Regions", ["ap-southeast-1", "eu-west-1", "us-east-1"]),
    ],
)
def test_health_check_diff_modifiable(field, value):
    current = route53_health.desired_health_check_config(hc_params(), FQDN)
    current["Regions"] = ["eu-west-1", "sa-east-1", "us-east-1"]
    desired = dict(current, **{field: value})
    updates, immutable = route53_health.health_check_diff(current, desired)
    assert updates == {field: value}
    assert immutable == {}


@pytest.mark.parametrize("field,value", [("RequestInterval", 10), ("MeasureLatency", True)])
def test_health_check_diff_immutable(field, value):
    current = route53_health.desired_health_check_config(hc_params(), FQDN)
    desired = dict(current, **{field: value})
    updates, immutable = route53_health.health_check_diff(current, desired)
    assert updates == {}
    assert immutable == {field: (current[field], value)}


def test_health_check_diff_regions_order_does_not_matter_and_omitted_is_unmanaged():
    current = dict(
        route53_health.desired_health_check_config(hc_params(), FQDN), Regions=["us-east-1", "eu-west-1", "sa-east-1"]
    )
    desired = route53_health.desired_health_check_config(
        hc_params(regions=["sa-east-1", "us-east-1", "eu-west-1"]), FQDN
    )
    assert route53_health.health_check_diff(current, desired) == ({}, {})
    assert route53_health.health_check_diff(current, route53_health.desired_health_check_config(hc_params(), FQDN)) == (
        {},
        {},
    )


@pytest.mark.parametrize(
    "params,message",
    [
        (hc_params(regions=["us-east-1", "eu-west-1"]), "at least 3"),
        (hc_params(regions=["us-east-1", "us-east-1", "eu-west-1"]), "twice"),
        (hc_params(failure_threshold=0), "between 1 and 10"),
        (hc_params(failure_threshold=11), "between 1 and 10"),
        (hc_params(port=0), "port"),
    ],
)
def test_validate_health_check_params(params, message):
    with pytest.raises(ValueError, match=message):
        route53_health.validate_health_check_params(params)


def test_modifiable_and_immutable_sets():
    assert set(route53_health.MODIFIABLE_HEALTH_CHECK_FIELDS) == {
        "FullyQualifiedDomainName",
        "Port",
        "FailureThreshold",
        "Inverted",
        "Disabled",
        "Regions",
    }
    assert set(route53_health.IMMUTABLE_HEALTH_CHECK_FIELDS) == {"Type", "RequestInterval", "MeasureLatency"}


# ---------------------------------------------------------------------------
# Change batches
# ---------------------------------------------------------------------------


def latency(region="eu-west-1", value=FQDN, ttl=60, hc="hc-1", set_id=None):
    return route53_records.desired_record("vpn.example.com", "CNAME", set_id or region, region, ttl, value, hc)


def test_create_when_missing():
    desired = latency()
    assert route53_records.build_change_batch(None, desired) == [dict(Action="CREATE", ResourceRecordSet=desired)]


def test_nothing_when_equal_modulo_case_and_dots():
    current = copy.deepcopy(latency())
    current["Name"] = "VPN.example.com."
    current["ResourceRecords"] = [dict(Value=FQDN.upper() + ".")]
    assert route53_records.build_change_batch(current, latency()) == []


@pytest.mark.parametrize(
    "change",
    [dict(ttl=30), dict(hc="hc-2"), dict(value="vpn.other.example.net"), dict(region="eu-west-2", set_id="eu-west-1")],
)
def test_upsert_when_latency_record_differs(change):
    current = latency()
    desired = latency(**change)
    assert route53_records.build_change_batch(current, desired) == [dict(Action="UPSERT", ResourceRecordSet=desired)]


def test_delete_uses_exact_current_values():
    current = dict(latency(ttl=300), ResponseMetadata={"x": 1})
    current["ResourceRecords"] = [dict(Value="Old.Example.com.")]
    batch = route53_records.build_change_batch(current, None)
    assert batch == [
        dict(Action="DELETE", ResourceRecordSet={k: v for k, v in current.items() if k != "ResponseMetadata"})
    ]
    assert batch[0]["ResourceRecordSet"]["ResourceRecords"] == [dict(Value="Old.Example.com.")]
    assert batch[0]["ResourceRecordSet"]["TTL"] == 300


def test_nothing_to_delete():
    assert route53_records.build_change_batch(None, None) == []


def test_other_routing_policy_is_replaced_atomically():
    current = dict(
        Name="vpn.example.com.",
        Type="CNAME",
        SetIdentifier="eu-west-1",
        Weight=10,
        TTL=300,
        ResourceRecords=[dict(Value="x.example.com")],
    )
    desired = latency()
    assert route53_records.build_change_batch(current, desired) == [
        dict(Action="DELETE", ResourceRecordSet=current),
        dict(Action="CREATE", ResourceRecordSet=desired),
    ]


def test_record_conflicts():
    records = [
        latency(region="us-east-1", hc=None),
        dict(Name="vpn.example.com.", Type="CNAME", TTL=60, ResourceRecords=[dict(Value="x")]),
        latency(region="eu-west-1", set_id="old-eu"),
    ]
    problems = route53_records.record_conflicts(records, "eu-west-1", "eu-west-1")
    assert len(problems) == 2
    assert "simple" in problems[0]
    assert "already has a record" in problems[1]
    assert route53_records.record_conflicts([latency(region="us-east-1")], "eu-west-1", "eu-west-1") == []


# ---------------------------------------------------------------------------
# DNS answer queries
# ---------------------------------------------------------------------------


def test_dns_answer_queries_one_per_client():
    params = dict(
        record="VPN.example.com.",
        type="CNAME",
        resolver_ip="192.0.2.53",
        client_ips=["198.51.100.1", "203.0.113.1"],
        client_ip=None,
        client_subnet_mask=24,
    )
    queries = route53_dns_answer.dns_answer_queries(params, ZONE_ID)
    assert queries == [
        dict(
            HostedZoneId=ZONE_ID,
            RecordName="vpn.example.com",
            RecordType="CNAME",
            ResolverIP="192.0.2.53",
            EDNS0ClientSubnetIP="198.51.100.1",
            EDNS0ClientSubnetMask="24",
        ),
        dict(
            HostedZoneId=ZONE_ID,
            RecordName="vpn.example.com",
            RecordType="CNAME",
            ResolverIP="192.0.2.53",
            EDNS0ClientSubnetIP="203.0.113.1",
            EDNS0ClientSubnetMask="24",
        ),
    ]


def test_dns_answer_queries_without_client():
    params = dict(
        record="vpn.example.com", type="A", resolver_ip=None, client_ips=[], client_ip=None, client_subnet_mask=None
    )
    assert route53_dns_answer.dns_answer_queries(params, ZONE_ID) == [
        dict(HostedZoneId=ZONE_ID, RecordName="vpn.example.com", RecordType="A")
    ]


# ---------------------------------------------------------------------------
# Logic against a small in-memory Route 53
# ---------------------------------------------------------------------------


class FakeRoute53:
    """Just enough Route 53 for the module logic: zones, record sets, health checks, tags, call log."""

    WRITES = {
        "change_resource_record_sets",
        "create_health_check",
        "update_health_check",
        "delete_health_check",
        "change_tags_for_resource",
    }

    def __init__(self):
        self.zones = {ZONE_ID: dict(Id="/hostedzone/" + ZONE_ID, Name="example.com.", Config=dict(PrivateZone=False))}
        self.rrsets = {}
        self.health_checks = {}
        self.deleted_refs = set()
        self.tags = {}
        self.calls = []
        self.fail_next = {}
        self.pending_polls = 0
        # botocore waiters read the client's service model and event emitter
        self.meta = boto3.client(
            "route53", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        ).meta

    def _log(self, name):
        self.calls.append(name)
        if self.fail_next.get(name):
            code = self.fail_next[name].pop(0)
            raise client_error(code, name)

    def writes(self):
        return [c for c in self.calls if c in self.WRITES]

    # zones
    def get_hosted_zone(self, Id):
        self._log("get_hosted_zone")
        if Id not in self.zones:
            raise client_error("NoSuchHostedZone", "GetHostedZone", 404)
        return dict(HostedZone=self.zones[Id])

    def list_hosted_zones_by_name(self, DNSName=None, HostedZoneId=None):
        self._log("list_hosted_zones_by_name")
        zones = sorted(self.zones.values(), key=lambda z: z["Name"])
        return dict(HostedZones=[z for z in zones if z["Name"] >= DNSName], IsTruncated=False)

    # records
    def list_resource_record_sets(self, HostedZoneId, StartRecordName, StartRecordType, **_kw):
        self._log("list_resource_record_sets")
        if HostedZoneId not in self.zones:
            raise client_error("NoSuchHostedZone", "ListResourceRecordSets", 404)
        rrsets = sorted(self.rrsets.values(), key=lambda r: (r["Name"], r["Type"], r.get("SetIdentifier", "")))
        return dict(
            ResourceRecordSets=[
                copy.deepcopy(r) for r in rrsets if (r["Name"], r["Type"]) >= (StartRecordName, StartRecordType)
            ],
            IsTruncated=False,
        )

    def change_resource_record_sets(self, HostedZoneId, ChangeBatch):
        self._log("change_resource_record_sets")
        for change in ChangeBatch["Changes"]:
            rrset = change["ResourceRecordSet"]
            name = rrset["Name"] if rrset["Name"].endswith(".") else rrset["Name"] + "."
            key = (name, rrset["Type"], rrset.get("SetIdentifier"))
            if change["Action"] == "DELETE":
                assert self.rrsets[key] == rrset, "DELETE must carry the exact current values"
                del self.rrsets[key]
            else:
                if change["Action"] == "CREATE" and key in self.rrsets:
                    raise client_error("InvalidChangeBatch", "ChangeResourceRecordSets")
                if rrset.get("HealthCheckId") and rrset["HealthCheckId"] not in self.health_checks:
                    raise client_error("NoSuchHealthCheck", "ChangeResourceRecordSets", 404)
                self.rrsets[key] = dict(copy.deepcopy(rrset), Name=name)
        return dict(ChangeInfo=dict(Id="/change/C1", Status="INSYNC"))

    def get_change(self, Id):
        self._log("get_change")
        if self.pending_polls:
            self.pending_polls -= 1
            return dict(ChangeInfo=dict(Id=Id, Status="PENDING"))
        return dict(ChangeInfo=dict(Id=Id, Status="INSYNC"))

    # health checks
    def list_health_checks(self, **_kw):
        self._log("list_health_checks")
        return dict(HealthChecks=[copy.deepcopy(h) for h in self.health_checks.values()], IsTruncated=False)

    def get_health_check(self, HealthCheckId):
        self._log("get_health_check")
        if HealthCheckId not in self.health_checks:
            raise client_error("NoSuchHealthCheck", "GetHealthCheck", 404)
        return dict(HealthCheck=copy.deepcopy(self.health_checks[HealthCheckId]))

    def get_health_check_status(self, HealthCheckId):
        self._log("get_health_check_status")
        return dict(
            HealthCheckObservations=[
                dict(Region="us-east-1", IPAddress="192.0.2.1", StatusReport=dict(Status="Success: ok"))
            ]
        )

    def create_health_check(self, CallerReference, HealthCheckConfig):
        self._log("create_health_check")
        assert len(CallerReference) <= 64
        if CallerReference in self.deleted_refs:
            raise client_error("HealthCheckAlreadyExists", "CreateHealthCheck", 409)
        for hc in self.health_checks.values():
            if hc["CallerReference"] == CallerReference:
                if hc["HealthCheckConfig"] != HealthCheckConfig:
                    raise client_error("HealthCheckAlreadyExists", "CreateHealthCheck", 409)
                return dict(HealthCheck=copy.deepcopy(hc))
        hc_id = str(uuid.uuid4())
        self.health_checks[hc_id] = dict(
            Id=hc_id,
            CallerReference=CallerReference,
            HealthCheckVersion=1,
            HealthCheckConfig=copy.deepcopy(HealthCheckConfig),
        )
        return dict(HealthCheck=copy.deepcopy(self.health_checks[hc_id]))

    def update_health_check(self, HealthCheckId, HealthCheckVersion, **changes):
        self._log("update_health_check")
        hc = self.health_checks[HealthCheckId]
        if HealthCheckVersion != hc["HealthCheckVersion"]:
            raise client_error("HealthCheckVersionMismatch", "UpdateHealthCheck", 409)
        assert not set(changes) - set(route53_health.MODIFIABLE_HEALTH_CHECK_FIELDS)
        hc["HealthCheckConfig"].update(changes)
        hc["HealthCheckVersion"] += 1
        return dict(HealthCheck=copy.deepcopy(hc))

    def delete_health_check(self, HealthCheckId):
        self._log("delete_health_check")
        if HealthCheckId not in self.health_checks:
            raise client_error("NoSuchHealthCheck", "DeleteHealthCheck", 404)
        if any(r.get("HealthCheckId") == HealthCheckId for r in self.rrsets.values()):
            raise client_error("HealthCheckInUse", "DeleteHealthCheck")
        self.deleted_refs.add(self.health_checks.pop(HealthCheckId)["CallerReference"])
        return {}

    def list_tags_for_resource(self, ResourceType, ResourceId):
        self._log("list_tags_for_resource")
        tags = self.tags.get(ResourceId, {})
        return dict(
            ResourceTagSet=dict(
                ResourceType=ResourceType, ResourceId=ResourceId, Tags=[dict(Key=k, Value=v) for k, v in tags.items()]
            )
        )

    def change_tags_for_resource(self, ResourceType, ResourceId, AddTags=(), RemoveTagKeys=()):
        self._log("change_tags_for_resource")
        tags = self.tags.setdefault(ResourceId, {})
        tags.update({t["Key"]: t["Value"] for t in AddTags})


def params(**kw):
    base = dict(
        state="present",
        zone="example.com",
        hosted_zone_id=None,
        record="vpn.example.com",
        type="CNAME",
        target=ENDPOINT_EU,
        target_label="vpn",
        latency_region="eu-west-1",
        set_identifier=None,
        ttl=60,
        health_check=hc_params(),
        include_health_status=False,
        wait=True,
        wait_timeout=30,
    )
    hc = kw.pop("health_check", {})
    base.update(kw)
    base["health_check"] = dict(base["health_check"], **hc)
    return base


@pytest.fixture
def fake():
    return FakeRoute53()


def test_present_check_mode_makes_no_write(fake):
    result = route53_latency.ensure_latency_record(fake, params(), check_mode=True)
    assert result["changed"] is True
    assert result["actions"] == ["create_health_check", "create_record"]
    assert fake.writes() == []
    assert result["record"]["health_check_id"] == "(new health check)"


def test_present_creates_then_is_idempotent_with_minimal_reads(fake):
    result = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert result["changed"] is True
    assert fake.writes() == ["create_health_check", "change_resource_record_sets"]
    assert "get_change" in fake.calls
    assert result["change_info"]["status"] == "INSYNC"
    hc_id = result["health_check"]["id"]
    assert result["record"]["health_check_id"] == hc_id
    assert result["record"]["resource_records"] == [{"value": FQDN}]
    assert result["health_check"]["health_check_config"]["fully_qualified_domain_name"] == FQDN
    assert result["health_check"]["caller_reference"].endswith("-1")

    fake.calls.clear()
    again = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert again["changed"] is False
    assert fake.writes() == []
    # zone by name, the record sets of the name, the record's health check: nothing else
    assert fake.calls == ["list_hosted_zones_by_name", "list_resource_record_sets", "get_health_check"]
    assert again["health_check"]["id"] == hc_id
    assert again["diff"]["before"] == again["diff"]["after"]


@pytest.mark.parametrize("name", [None, "vpn-eu"])
def test_zone_by_id_no_change_run_reads_no_zone(fake, name):
    """Given hosted_zone_id, a record found in the zone's listing proves what GetHostedZone would check."""
    by_id = params(zone=None, hosted_zone_id="/hostedzone/" + ZONE_ID, health_check=dict(name=name))
    first = route53_latency.ensure_latency_record(fake, by_id, check_mode=False)
    assert first["changed"] is True
    assert fake.calls[:2] == ["list_resource_record_sets", "get_hosted_zone"]  # record missing: the zone is checked
    fake.calls.clear()
    again = route53_latency.ensure_latency_record(fake, by_id, check_mode=False)
    assert again["changed"] is False and again["health_check"]["id"] == first["health_check"]["id"]
    tags = ["list_tags_for_resource"] if name else []
    assert fake.calls == ["list_resource_record_sets", "get_health_check"] + tags
    # the same health check and record as when the zone is given by name (same caller reference)
    fake.calls.clear()
    by_name = route53_latency.ensure_latency_record(fake, params(health_check=dict(name=name)), check_mode=False)
    assert by_name["changed"] is False and by_name["health_check"]["id"] == first["health_check"]["id"]
    assert fake.calls[0] == "list_hosted_zones_by_name"


@pytest.mark.parametrize(
    "record, message",
    [("example.com", "apex"), ("vpn.example.org", "not inside zone"), ("vpn.example.com", None)],
)
def test_zone_by_id_record_name_still_checked_when_absent(fake, record, message):
    by_id = dict(zone=None, hosted_zone_id=ZONE_ID, record=record)
    if message:
        with pytest.raises(LatencyRecordError, match=message):
            route53_latency.ensure_latency_record(fake, params(**by_id), check_mode=False)
        with pytest.raises(LatencyRecordError, match=message):
            route53_latency.ensure_latency_record_absent(fake, params(state="absent", **by_id), check_mode=False)
        assert fake.writes() == []
    else:
        assert (
            route53_latency.ensure_latency_record_absent(fake, params(state="absent", **by_id), check_mode=False)[
                "changed"
            ]
            is False
        )
    assert "get_hosted_zone" in fake.calls


def test_zone_by_id_missing_zone_from_the_listing(fake):
    """AWS answers NoSuchHostedZone to ListResourceRecordSets: the same message as from GetHostedZone."""
    for ensure, state in (
        (route53_latency.ensure_latency_record, "present"),
        (route53_latency.ensure_latency_record_absent, "absent"),
    ):
        fake.calls.clear()
        with pytest.raises(LatencyRecordError, match="hosted zone ZNOPE does not exist"):
            ensure(fake, params(zone=None, hosted_zone_id="ZNOPE", state=state), check_mode=True)
        assert fake.calls == ["list_resource_record_sets"]


def test_interrupted_run_finds_health_check_by_caller_reference(fake):
    fake.fail_next["change_resource_record_sets"] = ["InvalidInput"]
    with pytest.raises(AnsibleRoute53Error):
        route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert len(fake.health_checks) == 1
    result = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert len(fake.health_checks) == 1
    assert result["health_check"]["id"] == list(fake.health_checks)[0]
    assert result["actions"] == ["create_record"]


def test_modifiable_setting_updated_in_place_with_version(fake):
    first = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    fake.calls.clear()
    check = route53_latency.ensure_latency_record(
        fake, params(health_check=dict(inverted=True, failure_threshold=5)), check_mode=True
    )
    assert check["changed"] and fake.writes() == []
    assert check["health_check"]["health_check_config"]["inverted"] is True
    result = route53_latency.ensure_latency_record(
        fake, params(health_check=dict(inverted=True, failure_threshold=5)), check_mode=False
    )
    assert result["actions"] == ["update_health_check"]
    assert result["health_check"]["id"] == first["health_check"]["id"]
    assert result["health_check"]["health_check_version"] == 2
    hc = fake.health_checks[first["health_check"]["id"]]["HealthCheckConfig"]
    assert hc["Inverted"] is True and hc["FailureThreshold"] == 5
    assert result["diff"]["before"]["health_check"]["health_check_config"]["inverted"] is False


def test_immutable_setting_is_a_clear_error(fake):
    route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    fake.calls.clear()
    with pytest.raises(LatencyRecordError, match="RequestInterval 30 -> 10.*health_check.replace"):
        route53_latency.ensure_latency_record(fake, params(health_check=dict(request_interval=10)), check_mode=False)
    assert fake.writes() == []


def test_immutable_setting_replaced_when_asked(fake):
    first = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    result = route53_latency.ensure_latency_record(
        fake, params(health_check=dict(request_interval=10, replace=True)), check_mode=False
    )
    assert result["actions"] == ["create_health_check", "update_record", "delete_health_check"]
    assert list(fake.health_checks) == [result["health_check"]["id"]]
    assert result["health_check"]["id"] != first["health_check"]["id"]
    assert result["health_check"]["caller_reference"].endswith("-2")
    assert fake.rrsets[("vpn.example.com.", "CNAME", "eu-west-1")]["HealthCheckId"] == result["health_check"]["id"]
    again = route53_latency.ensure_latency_record(
        fake, params(health_check=dict(request_interval=10, replace=True)), check_mode=False
    )
    assert again["changed"] is False


def test_name_tag(fake):
    result = route53_latency.ensure_latency_record(fake, params(health_check=dict(name="vpn-eu")), check_mode=False)
    assert result["health_check"]["tags"] == {"Name": "vpn-eu"}
    assert "list_tags_for_resource" not in fake.calls  # a new health check has no tags to read
    fake.calls.clear()
    again = route53_latency.ensure_latency_record(fake, params(health_check=dict(name="vpn-eu")), check_mode=False)
    assert again["changed"] is False and fake.writes() == []
    renamed = route53_latency.ensure_latency_record(fake, params(health_check=dict(name="vpn-eu-2")), check_mode=False)
    assert renamed["actions"] == ["tag_health_check"]


def test_ttl_above_60_warns(fake):
    warnings = []
    route53_latency.ensure_latency_record(fake, params(ttl=300), check_mode=True, warn=warnings.append)
    assert len(warnings) == 1 and "60" in warnings[0]


def test_apex_refused_before_any_record_read(fake):
    with pytest.raises(LatencyRecordError, match="apex"):
        route53_latency.ensure_latency_record(fake, params(record="example.com"), check_mode=False)
    assert fake.calls == ["list_hosted_zones_by_name"]


def test_zone_by_id_and_missing_zone(fake):
    result = route53_latency.ensure_latency_record(
        fake, params(zone=None, hosted_zone_id="/hostedzone/" + ZONE_ID), check_mode=True
    )
    assert result["changed"]
    with pytest.raises(LatencyRecordError, match="does not exist"):
        route53_latency.ensure_latency_record(fake, params(zone=None, hosted_zone_id="ZNOPE"), check_mode=True)
    with pytest.raises(LatencyRecordError, match="no public hosted zone"):
        route53_latency.ensure_latency_record(fake, params(zone="nope.org", record="vpn.nope.org"), check_mode=True)


def test_private_zone_with_same_name_is_ignored_and_duplicates_refused(fake):
    fake.zones["ZPRIV"] = dict(Id="/hostedzone/ZPRIV", Name="example.com.", Config=dict(PrivateZone=True))
    assert route53_records.resolve_zone(fake, zone_name="example.com") == (ZONE_ID, "example.com", False)
    fake.zones["ZPUB2"] = dict(Id="/hostedzone/ZPUB2", Name="example.com.", Config=dict(PrivateZone=False))
    with pytest.raises(ValueError, match="several public hosted zones"):
        route53_records.resolve_zone(fake, zone_name="example.com")


def test_conflicting_records_refused_without_writes(fake):
    fake.rrsets[("vpn.example.com.", "CNAME", None)] = dict(
        Name="vpn.example.com.", Type="CNAME", TTL=60, ResourceRecords=[dict(Value="x.example.com")]
    )
    with pytest.raises(LatencyRecordError, match="simple CNAME record"):
        route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert fake.writes() == []


def test_two_regions_share_the_name(fake):
    eu = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    us = route53_latency.ensure_latency_record(
        fake, params(target=ENDPOINT_US, latency_region="us-east-1"), check_mode=False
    )
    assert eu["health_check"]["id"] != us["health_check"]["id"]
    assert len(fake.rrsets) == 2 and len(fake.health_checks) == 2


def test_foreign_health_check_on_record_is_left_alone(fake):
    foreign = fake.create_health_check(CallerReference="someone-else", HealthCheckConfig=dict(Type="TCP", Port=443))[
        "HealthCheck"
    ]
    fake.rrsets[("vpn.example.com.", "CNAME", "eu-west-1")] = latency(hc=foreign["Id"])
    result = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert result["health_check"]["id"] != foreign["Id"]
    assert foreign["Id"] in fake.health_checks
    assert result["actions"] == ["create_health_check", "update_record"]


def test_absent_removes_record_then_health_check(fake):
    route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    fake.calls.clear()
    check = route53_latency.ensure_latency_record_absent(fake, params(state="absent", target=None), check_mode=True)
    assert check["changed"] and check["actions"] == ["delete_record", "delete_health_check"] and fake.writes() == []
    result = route53_latency.ensure_latency_record_absent(fake, params(state="absent", target=None), check_mode=False)
    assert result["changed"]
    assert fake.writes() == ["change_resource_record_sets", "delete_health_check"]
    assert fake.rrsets == {} and fake.health_checks == {}
    fake.calls.clear()
    again = route53_latency.ensure_latency_record_absent(fake, params(state="absent", target=None), check_mode=False)
    assert again["changed"] is False and fake.writes() == []


def test_absent_removes_orphaned_health_check_without_record(fake):
    fake.fail_next["change_resource_record_sets"] = ["InvalidInput"]
    with pytest.raises(AnsibleRoute53Error):
        route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    result = route53_latency.ensure_latency_record_absent(
        fake, params(state="absent", target=None, latency_region=None, set_identifier="eu-west-1"), check_mode=False
    )
    assert result["actions"] == ["delete_health_check"]
    assert fake.health_checks == {}


def test_absent_needs_an_identifier(fake):
    with pytest.raises(LatencyRecordError, match="set_identifier or latency_region"):
        route53_latency.ensure_latency_record_absent(
            fake, params(state="absent", latency_region=None), check_mode=False
        )


def test_recreate_after_delete_takes_next_generation(fake):
    route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    route53_latency.ensure_latency_record_absent(fake, params(state="absent"), check_mode=False)
    result = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert result["health_check"]["caller_reference"].endswith("-2")
    assert fake.calls.count("create_health_check") == 3  # -1, refused -1 (deleted), -2


def test_retries_on_prior_request_not_complete(fake, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    fake.fail_next["change_resource_record_sets"] = ["PriorRequestNotComplete", "Throttling"]
    result = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert result["changed"]
    assert fake.calls.count("change_resource_record_sets") == 3


def test_health_status_only_when_asked(fake):
    route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert "get_health_check_status" not in fake.calls
    result = route53_latency.ensure_latency_record(fake, params(include_health_status=True), check_mode=False)
    assert result["health_check"]["observations"][0]["status_report"]["status"].startswith("Success")


def test_dns_answers(fake):
    fake.test_dns_answer = lambda **kw: dict(
        Nameserver="ns-1",
        RecordName=kw["RecordName"],
        RecordType="CNAME",
        RecordData=["vpn." + kw.get("EDNS0ClientSubnetIP", "x")],
        ResponseCode="NOERROR",
        Protocol="UDP",
        ResponseMetadata={},
    )
    answers, wait = route53_dns_answer.dns_answers(
        fake,
        dict(
            zone="example.com",
            record="vpn.example.com",
            type="CNAME",
            resolver_ip=None,
            client_ips=["198.51.100.1", "203.0.113.1"],
            client_ip=None,
            client_subnet_mask=None,
        ),
    )
    assert [a["record_data"] for a in answers] == [["vpn.198.51.100.1"], ["vpn.203.0.113.1"]]
    assert answers[0]["client_ip"] == "198.51.100.1" and answers[0]["client_subnet_mask"] is None
    assert answers[0]["resolver_ip"] == "198.51.100.1"
    assert answers[0]["response_code"] == "NOERROR" and answers[0]["hosted_zone_id"] == ZONE_ID
    assert wait is None


def test_client_address_is_also_the_resolver_unless_one_is_given():
    """The probe address goes as both ResolverIP and EDNS0ClientSubnetIP: the answer must not depend on
    whether the default resolver (us-east-1) passes the client subnet on."""
    params = dict(record="vpn.example.com", type="CNAME", resolver_ip=None, client_ips=["203.0.113.1"])
    (query,) = route53_dns_answer.dns_answer_queries(params, ZONE_ID)
    assert query["ResolverIP"] == "203.0.113.1" and query["EDNS0ClientSubnetIP"] == "203.0.113.1"
    (query,) = route53_dns_answer.dns_answer_queries(dict(params, resolver_ip="192.0.2.53"), ZONE_ID)
    assert query["ResolverIP"] == "192.0.2.53" and query["EDNS0ClientSubnetIP"] == "203.0.113.1"


EU = "vpn.cvpn-endpoint-1.prod.clientvpn.eu-west-1.amazonaws.com"
US = "vpn.cvpn-endpoint-2.prod.clientvpn.us-east-1.amazonaws.com"


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def answering_in_turn(fake, values):
    """TestDNSAnswer answers ``values[i]`` at the i-th question (the last one from then on)."""
    asked = []

    def test_dns_answer(**kw):
        asked.append(kw)
        value = values[min(len(asked) - 1, len(values) - 1)]
        return dict(RecordName=kw["RecordName"], RecordType="CNAME", RecordData=[value] if value else [])

    fake.test_dns_answer = test_dns_answer
    return asked


def wait_params(**conditions):
    return dict(
        hosted_zone_id=ZONE_ID,
        record="vpn.example.com",
        type="CNAME",
        client_ips=["203.0.113.1"],
        wait_for=[dict(client_ip="203.0.113.1", **conditions)],
        wait_timeout=150,
    )


@pytest.mark.parametrize(
    "condition,answers,rounds",
    [
        # a drain: the answer moves away from the drained Region after some questions
        (dict(differs=[EU]), [EU, EU, EU, US], 4),
        # a restore: back to its own Region; case and trailing dot do not matter
        (dict(equals=[EU]), [US, US, EU.upper() + "."], 3),
        # "differs" needs an answer at all
        (dict(differs=[EU]), ["", US], 2),
    ],
)
def test_dns_answers_waits_until_the_answer_moves(fake, condition, answers, rounds):
    clock = FakeTime()
    asked = answering_in_turn(fake, answers)
    result, wait = route53_dns_answer.dns_answers(fake, wait_params(**condition), clock=clock.clock, sleep=clock.sleep)
    assert len(asked) == rounds and wait == dict(
        met=True, unmet=[], timeout=150, elapsed=wait["elapsed"], rounds=rounds
    )
    assert result[0]["expected_met"] is True
    assert clock.sleeps == [1.0] * (rounds - 1)  # polling.next_delay: 1 s apart at first


def test_dns_answers_wait_ends_at_the_timeout_without_failing(fake):
    clock = FakeTime()
    answering_in_turn(fake, [EU])
    result, wait = route53_dns_answer.dns_answers(fake, wait_params(differs=[EU]), clock=clock.clock, sleep=clock.sleep)
    assert wait["met"] is False and wait["unmet"] == ["203.0.113.1"]
    assert clock.now == 150 and wait["elapsed"] == 150
    assert result[0]["expected_met"] is False and result[0]["expected"] == dict(equals=None, differs=[EU])


def test_dns_answers_without_conditions_asks_once(fake):
    clock = FakeTime()
    asked = answering_in_turn(fake, [EU, US])
    params = dict(wait_params(), wait_for=[])
    _result, wait = route53_dns_answer.dns_answers(fake, params, clock=clock.clock, sleep=clock.sleep)
    assert len(asked) == 1 and wait is None and clock.sleeps == []


@pytest.mark.parametrize(
    "wait_for,message",
    [
        ([dict(client_ip="192.0.2.1", equals=[EU])], "not one of the asked client addresses"),
        ([dict(client_ip="203.0.113.1")], "needs equals or differs"),
    ],
)
def test_wait_conditions_are_checked(wait_for, message):
    problems = route53_dns_answer.check_wait_conditions(dict(client_ips=["203.0.113.1"], wait_for=wait_for))
    assert len(problems) == 1 and message in problems[0]


def test_wait_polls_get_change_until_insync(fake, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    fake.pending_polls = 2
    fake.fail_next["get_change"] = ["Throttling"]
    route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert fake.calls.count("get_change") == 4  # throttled, PENDING, PENDING, INSYNC


def test_wait_timeout_is_an_error(fake, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    fake.pending_polls = 100
    with pytest.raises(AnsibleRoute53Error, match="Timeout trying to wait for the record change"):
        route53_latency.ensure_latency_record(fake, params(wait_timeout=9), check_mode=False)
    assert fake.calls.count("get_change") == 10  # at 0, 1, ... 9 s (module_utils/polling.py)


def test_no_wait(fake):
    route53_latency.ensure_latency_record(fake, params(wait=False), check_mode=False)
    assert "get_change" not in fake.calls


def test_replace_without_record_deletes_the_old_check_once(fake):
    fake.fail_next["change_resource_record_sets"] = ["InvalidInput"]
    with pytest.raises(AnsibleRoute53Error):
        route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    result = route53_latency.ensure_latency_record(
        fake, params(health_check=dict(request_interval=10, replace=True)), check_mode=False
    )
    assert result["actions"] == ["create_health_check", "create_record", "delete_health_check"]
    assert list(fake.health_checks) == [result["health_check"]["id"]]


def test_leftover_from_interrupted_replace_is_deleted(fake):
    route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    # an interrupted replace: a newer health check of this unit exists that no record uses
    prefix = route53_names.caller_reference_prefix(ZONE_ID, "vpn.example.com", "CNAME", "eu-west-1")
    config = route53_health.desired_health_check_config(hc_params(request_interval=10), FQDN)
    leftover = fake.create_health_check(CallerReference=prefix + "2", HealthCheckConfig=config)["HealthCheck"]
    result = route53_latency.ensure_latency_record(
        fake, params(health_check=dict(request_interval=10, replace=True)), check_mode=False
    )
    assert result["health_check"]["id"] == leftover["Id"]  # reused, not a third one
    assert result["actions"] == ["update_record", "delete_health_check"]
    assert list(fake.health_checks) == [leftover["Id"]]


# ---------------------------------------------------------------------------
# Lost responses: the write was done, its answer never arrived (botocore Stubber, real ClientErrors)
# ---------------------------------------------------------------------------

LOST = dict(service_error_code="InternalError", service_message="lost", http_status_code=500)


@pytest.fixture
def stubbed(monkeypatch):
    """A real Route 53 client whose own retries are off (AWSRetry's are what is tested), and no sleeping."""
    from botocore.config import Config
    from botocore.stub import Stubber

    monkeypatch.setattr("time.sleep", lambda s: None)
    client = boto3.client(
        "route53",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _stub_reads(stubber, rrsets=(), checks=()):
    stubber.add_response(
        "list_resource_record_sets",
        dict(ResourceRecordSets=list(rrsets), IsTruncated=False, MaxItems="100"),
    )
    if not rrsets:
        stubber.add_response(
            "get_hosted_zone",
            dict(
                HostedZone=dict(Id="/hostedzone/" + ZONE_ID, Name="example.com.", CallerReference="z"),
                DelegationSet=dict(NameServers=["ns-1.awsdns-01.org"]),
            ),
        )
        stubber.add_response(
            "list_health_checks", dict(HealthChecks=list(checks), Marker="", IsTruncated=False, MaxItems="100")
        )


def _by_id(**kw):
    return params(zone=None, hosted_zone_id=ZONE_ID, wait=False, **kw)


def _health_check(prefix, config, hc_id="11111111-2222-3333-4444-555555555555"):
    return dict(Id=hc_id, CallerReference=prefix + "1", HealthCheckConfig=config, HealthCheckVersion=1)


def _desired():
    prefix = route53_names.caller_reference_prefix(ZONE_ID, "vpn.example.com", "CNAME", "eu-west-1")
    config = route53_health.desired_health_check_config(hc_params(), FQDN)
    return prefix, config


def test_lost_create_health_check_is_retried_with_the_same_caller_reference(stubbed):
    """CreateHealthCheck made the check but its answer was lost: the retry carries the same CallerReference
    (not a new generation), so AWS returns the check already made, and the record points at it."""
    client, stubber = stubbed
    prefix, config = _desired()
    _stub_reads(stubber)
    create = dict(CallerReference=prefix + "1", HealthCheckConfig=config)
    stubber.add_client_error("create_health_check", expected_params=create, **LOST)
    made = _health_check(prefix, config)
    stubber.add_response("create_health_check", dict(HealthCheck=made, Location="https://x/" + made["Id"]), create)
    stubber.add_response(
        "change_resource_record_sets",
        dict(ChangeInfo=dict(Id="/change/C1", Status="PENDING", SubmittedAt="2026-01-01T00:00:00Z")),
    )
    result = route53_latency.ensure_latency_record(client, _by_id(), check_mode=False)
    assert result["actions"] == ["create_health_check", "create_record"]
    assert result["record"]["health_check_id"] == made["Id"]


def _our_record(hc_id):
    return dict(
        Name="vpn.example.com.",
        Type="CNAME",
        SetIdentifier="eu-west-1",
        Region="eu-west-1",
        TTL=60,
        ResourceRecords=[dict(Value=FQDN)],
        HealthCheckId=hc_id,
    )


def test_lost_record_create_converges_instead_of_already_exists(stubbed):
    """ChangeResourceRecordSets applied the CREATE but its answer was lost: the retry fails with
    InvalidChangeBatch "already exists"; the zone read again already holds the record as wanted: success."""
    client, stubber = stubbed
    prefix, config = _desired()
    made = _health_check(prefix, config)
    _stub_reads(stubber, checks=[made])
    stubber.add_client_error("change_resource_record_sets", **LOST)
    stubber.add_client_error(
        "change_resource_record_sets",
        service_error_code="InvalidChangeBatch",
        service_message="[Tried to create resource record set [name='vpn.example.com.', type='CNAME', "
        "set-identifier='eu-west-1'] but it already exists]",
        http_status_code=400,
    )
    stubber.add_response(
        "list_resource_record_sets",
        dict(ResourceRecordSets=[_our_record(made["Id"])], IsTruncated=False, MaxItems="100"),
    )
    result = route53_latency.ensure_latency_record(client, _by_id(), check_mode=False)
    assert result["changed"] is True and result["actions"] == ["create_record"]
    assert result["record"]["health_check_id"] == made["Id"] and result["change_info"] == {}


def test_record_created_by_someone_else_meanwhile_is_still_an_error(stubbed):
    """ "already exists" with other values than ours is no lost answer: the error stands."""
    client, stubber = stubbed
    prefix, config = _desired()
    made = _health_check(prefix, config)
    _stub_reads(stubber, checks=[made])
    stubber.add_client_error("change_resource_record_sets", service_error_code="InvalidChangeBatch")
    other = dict(_our_record(made["Id"]), ResourceRecords=[dict(Value="elsewhere.example.net")])
    stubber.add_response(
        "list_resource_record_sets", dict(ResourceRecordSets=[other], IsTruncated=False, MaxItems="100")
    )
    with pytest.raises(AnsibleRoute53Error):
        route53_latency.ensure_latency_record(client, _by_id(), check_mode=False)


def test_lost_record_delete_converges_instead_of_not_found(stubbed):
    client, stubber = stubbed
    prefix, config = _desired()
    made = _health_check(prefix, config)
    stubber.add_response(
        "list_resource_record_sets",
        dict(ResourceRecordSets=[_our_record(made["Id"])], IsTruncated=False, MaxItems="100"),
    )
    stubber.add_response("list_health_checks", dict(HealthChecks=[made], Marker="", IsTruncated=False, MaxItems="100"))
    stubber.add_client_error("change_resource_record_sets", **LOST)
    stubber.add_client_error("change_resource_record_sets", service_error_code="InvalidChangeBatch")
    stubber.add_response("list_resource_record_sets", dict(ResourceRecordSets=[], IsTruncated=False, MaxItems="100"))
    stubber.add_response("delete_health_check", {}, dict(HealthCheckId=made["Id"]))
    result = route53_latency.ensure_latency_record_absent(client, _by_id(state="absent"), check_mode=False)
    assert result["actions"] == ["delete_record", "delete_health_check"]


def test_new_check_invisible_to_the_next_run_is_not_created_twice(fake):
    """Right after a create, GetHealthCheck and ListHealthChecks may not know the check yet (eventual
    consistency): the next run computes the same caller reference and CreateHealthCheck returns that check."""
    first = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    hidden = {"get_health_check": 1, "list_health_checks": 1}
    real_get, real_list = fake.get_health_check, fake.list_health_checks

    def get_health_check(HealthCheckId):
        if hidden["get_health_check"]:
            hidden["get_health_check"] -= 1
            raise client_error("NoSuchHealthCheck", "GetHealthCheck", 404)
        return real_get(HealthCheckId)

    def list_health_checks(**kw):
        if hidden["list_health_checks"]:
            hidden["list_health_checks"] -= 1
            return dict(HealthChecks=[], IsTruncated=False)
        return real_list(**kw)

    fake.get_health_check, fake.list_health_checks = get_health_check, list_health_checks
    fake.calls.clear()
    again = route53_latency.ensure_latency_record(fake, params(), check_mode=False)
    assert len(fake.health_checks) == 1
    assert again["health_check"]["id"] == first["health_check"]["id"]
    assert fake.writes() == ["create_health_check"]  # answered with the existing check; the record is unchanged
