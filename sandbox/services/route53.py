"""Route 53 as AWS behaves where moto differs, plus TestDNSAnswer.

moto keeps the hosted zones, record sets and health checks; this module
replaces the operations whose rules or answers differ from AWS:

* ChangeResourceRecordSets: the whole batch is validated against the zone's
  state and applied all-or-nothing (CNAME not at the apex nor beside other
  types, SetIdentifier with routing policies and unique per name/type, one
  latency record per Region per name/type, no mixing of routing policies or of
  routed and simple records, exact-match DELETE, wildcard names stored as
  ``\\052``), with AWS's ``InvalidChangeBatch`` messages.
* GetChange: ``PENDING`` until ``DURATIONS["route53_change"]`` (scaled) has
  passed, then ``INSYNC`` (botocore's ``resource_record_sets_changed`` waiter).
* CreateHealthCheck / UpdateHealthCheck / DeleteHealthCheck: AWS's validation,
  CallerReference idempotency, HealthCheckVersion.
* GetHealthCheck / ListHealthChecks: a new check is missing for the
  consistency window (effect ``consistency``).
* Health (effect ``health_delay``): Route 53's status of a check follows what
  its checkers see only after ``FailureThreshold`` x ``RequestInterval`` plus
  propagation; a new check is healthy (unhealthy if inverted) until then.
* GetHealthCheckStatus: the checkers' raw observations of the target (a Client
  VPN endpoint name, injected outages); none before the first interval.
* TestDNSAnswer: what Route 53 answers for a client address, latency routing
  and (delayed) health included (see sandbox/latency.py for "nearest Region").
"""

import datetime
import ipaddress
import random
import re
import string

from moto.route53.models import RecordSet

from .. import latency
from .. import protocol
from .. import registry
from ..lifecycle import settle
from ..protocol import AwsError
from . import route53_alarm

CHECKER_REGIONS = list(protocol.service_model("route53").shape_for("HealthCheckRegion").enum)
RECORD_REGIONS = set(protocol.service_model("route53").shape_for("ResourceRecordSetRegion").enum)
RR_TYPES = set(protocol.service_model("route53").shape_for("RRType").enum)
HC_TYPES = set(protocol.service_model("route53").shape_for("HealthCheckType").enum)
ENDPOINT_TYPES = ("TCP", "HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH")
# Addresses Route 53 health checkers would come from (documentation-style, one per checker Region).
CHECKER_IPS = {region: f"15.177.{index}.{10 + index}" for index, region in enumerate(CHECKER_REGIONS)}

ROUTING_KEYS = (
    ("Region", "latency"),
    ("Weight", "weighted"),
    ("Failover", "failover"),
    ("GeoLocation", "geolocation"),
    ("MultiValueAnswer", "multivalue answer"),
    ("CidrRoutingConfig", "IP-based"),
    ("GeoProximityLocation", "geoproximity"),
)
STORED_KEYS = (
    "Name",
    "Type",
    "SetIdentifier",
    "Weight",
    "Region",
    "GeoLocation",
    "Failover",
    "MultiValueAnswer",
    "TTL",
    "ResourceRecords",
    "AliasTarget",
    "HealthCheckId",
)
UNEMULATED_KEYS = ("TrafficPolicyInstanceId", "CidrRoutingConfig", "GeoProximityLocation", "AZAffinity")
# Seconds (at scale 1) for a checker verdict to reach Route 53's DNS servers, on top of the checks themselves.
HEALTH_PROPAGATION = 10
# Seconds (at scale 1) before Route 53 reads a changed alarm state (undocumented: one standard RequestInterval).
ALARM_POLL = 30
# Realism kind of health checks (visibility windows).
HC_KIND = "route53_health_check"
# A change's lifecycle (sandbox.lifecycle): INSYNC once its deadline has passed.
CHANGE_LIFECYCLE = {"PENDING": ("INSYNC", "deadline")}


@registry.state("route53")
class Route53State:
    """What moto does not keep for Route 53: changes in flight, health history (``sandbox.state.route53``)."""

    def __init__(self, sandbox):
        self.changes = {}  # change id -> {"submitted": datetime, "deadline": monotonic, "comment": str}
        self.deleted_refs = {}  # (account, CallerReference) of deleted health checks
        # health check id -> {"status", "target", "since"}: see aggregated_health
        self.health = {}
        self.created = {}  # health check id -> monotonic creation time
        self.frozen = {}  # health check id -> the observations left when it was disabled


def _state(call):
    return call.sandbox.state.route53


# ====================================================================== helpers


def _backend(call):
    return call.backend("route53")


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _bad_input(message):
    return AwsError("InvalidInput", message, 400)


def _zone(call, zone_id):
    zone = _backend(call).zones.get(zone_id.replace("/hostedzone/", ""))
    if zone is None:
        raise AwsError("NoSuchHostedZone", f"No hosted zone found with ID: {zone_id}", 404)
    return zone


def _unescape(name):
    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name)


def normalize_name(name):
    """A record name as Route 53 stores it: lowercase, absolute, ``*`` written as ``\\052``."""
    name = _unescape(name).lower()
    if not name.endswith("."):
        name += "."
    return name.replace("*", "\\052")


def _is_wildcard(name):
    return name.startswith("\\052.")


def _policy(record):
    for key, label in ROUTING_KEYS:
        if record.get(key) is not None:
            return label
    return "simple"


def _key(record):
    return (record["Name"], record["Type"], record.get("SetIdentifier"))


def _describe(record):
    text = f"[name='{record['Name']}', type='{record['Type']}'"
    if record.get("SetIdentifier") is not None:
        text += f", set-identifier='{record['SetIdentifier']}'"
    return text + "]"


def _from_moto(rrset):
    record = {
        "Name": rrset.name if rrset.name.endswith(".") else rrset.name + ".",
        "Type": rrset.type,
        "SetIdentifier": rrset.set_identifier,
        "Weight": rrset.weight,
        "Region": rrset.region,
        "GeoLocation": rrset.geo_location,
        "Failover": rrset.failover,
        "MultiValueAnswer": rrset.multi_value_answer,
        "TTL": int(rrset.ttl) if rrset.ttl not in (None, "") else None,
        "ResourceRecords": [v["Value"] if isinstance(v, dict) else v for v in (rrset.records or [])] or None,
        "AliasTarget": rrset.alias_target,
        "HealthCheckId": rrset.health_check_id,
    }
    return {k: v for k, v in record.items() if v is not None}


def _to_moto(record, zone):
    kwargs = {k: v for k, v in record.items() if k in STORED_KEYS}
    kwargs["HostedZoneName"] = zone.name
    kwargs["HostedZoneId"] = zone.id
    return RecordSet(kwargs)


def records_of(zone):
    return [_from_moto(rrset) for rrset in zone.rrsets]


def _new_change(call, comment=None):
    change_id = "C" + "".join(random.choice(string.ascii_uppercase + string.digits) for _ in range(20))
    _state(call).changes[change_id] = {
        "submitted": _now(),
        "deadline": call.clock.done_at("route53_change"),
        "comment": comment,
    }
    return _change_info(call, change_id)


def _change_info(call, change_id):
    change = _state(call).changes[change_id]
    info = {
        "Id": f"/change/{change_id}",
        "Status": settle("PENDING", CHANGE_LIFECYCLE, change, call.clock.now()),
        "SubmittedAt": change["submitted"],
    }
    if change["comment"]:
        info["Comment"] = change["comment"]
    return info


# ============================================================ record set changes


def _validate_record_shape(action, record, change_no):
    """Structural checks AWS makes on one change before looking at the zone (InvalidInput)."""
    where = (
        f"Change with [Action={action}, Name={record.get('Name')}, Type={record.get('Type')}, "
        f"SetIdentifier={record.get('SetIdentifier', 'null')}]"
    )
    for key in UNEMULATED_KEYS:
        if record.get(key) is not None:
            raise AwsError("NotImplementedBySandbox", f"The sandbox does not emulate {key} in record sets", 501)
    if action not in ("CREATE", "UPSERT", "DELETE"):
        raise _bad_input(
            f"1 validation error detected: Value '{action}' at 'changeBatch.changes.{change_no}.member.action' "
            "failed to satisfy constraint: Member must satisfy enum value set: [DELETE, UPSERT, CREATE]"
        )
    if record.get("Type") not in RR_TYPES:
        raise _bad_input(
            f"1 validation error detected: Value '{record.get('Type')}' at "
            f"'changeBatch.changes.{change_no}.member.resourceRecordSet.type' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(sorted(RR_TYPES))}]"
        )
    has_alias = record.get("AliasTarget") is not None
    has_values = record.get("TTL") is not None and bool(record.get("ResourceRecords"))
    if has_alias == has_values:
        raise _bad_input(
            "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], "
            f"or TrafficPolicyInstanceId], but found {'more than one' if has_alias else 'none'} in {where}"
        )
    if has_values and not 0 <= int(record["TTL"]) <= 2147483647:
        raise _bad_input(f"Invalid request: TTL must be between 0 and 2147483647 in {where}")
    policies = [label for key, label in ROUTING_KEYS if record.get(key) is not None]
    if len(policies) > 1:
        raise _bad_input(f"Invalid request: Expected at most one routing policy, but found {len(policies)} in {where}")
    if policies and record.get("SetIdentifier") is None:
        raise _bad_input(f"Invalid request: Missing field 'SetIdentifier' in {where}")
    if record.get("SetIdentifier") is not None:
        if not policies:
            raise _bad_input(
                "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, "
                f"CidrRoutingConfig, or GeoProximityLocation], but found none in {where}"
            )
        if not 1 <= len(record["SetIdentifier"]) <= 128:
            raise _bad_input(
                f"1 validation error detected: Value '{record['SetIdentifier']}' at "
                f"'changeBatch.changes.{change_no}.member.resourceRecordSet.setIdentifier' failed to satisfy "
                "constraint: Member must have length between 1 and 128"
            )
    if record.get("Region") is not None and record["Region"] not in RECORD_REGIONS:
        raise _bad_input(
            f"1 validation error detected: Value '{record['Region']}' at "
            f"'changeBatch.changes.{change_no}.member.resourceRecordSet.region' failed to satisfy constraint: "
            "Member must satisfy enum value set: [" + ", ".join(sorted(RECORD_REGIONS)) + "]"
        )


def _validate_name(record, zone, errors):
    name = record["Name"]
    labels = name[:-1].split(".")
    if len(name) > 255 or any(not label or len(_unescape(label)) > 63 for label in labels):
        errors.append(f"Invalid domain name: '{name}'")
        return False
    if name != zone.name and not name.endswith("." + zone.name):
        errors.append(f"RRSet with DNS name {name} is not permitted in zone {zone.name}")
        return False
    if _is_wildcard(name) and record["Type"] == "NS":
        errors.append(f"RRSet of type NS with DNS name {name} is not permitted: NS records cannot be wildcards")
        return False
    if record["Type"] in ("SOA", "NS") and name == zone.name and record.get("SetIdentifier") is not None:
        errors.append(f"RRSet of type {record['Type']} with DNS name {name} cannot have a routing policy")
        return False
    return True


def _same_values(existing, given):
    """DELETE must repeat the record's values; a HealthCheckId left out of the request is not compared."""
    fields = [
        "TTL",
        "ResourceRecords",
        "AliasTarget",
        "Weight",
        "Region",
        "Failover",
        "GeoLocation",
        "MultiValueAnswer",
    ]
    if given.get("HealthCheckId") is not None:
        fields.append("HealthCheckId")
    norm = lambda r, f: sorted(r[f]) if f == "ResourceRecords" and r.get(f) else r.get(f)  # noqa: E731
    return all(norm(existing, f) == norm(given, f) for f in fields)


def _check_final_state(records, zone, touched, errors):
    """Rules that hold between record sets, checked on the zone as the batch would leave it."""
    by_name = {}
    for record in records:
        by_name.setdefault(record["Name"], []).append(record)
    for name, group in by_name.items():
        if name not in touched:
            continue
        types = {r["Type"] for r in group}
        if "CNAME" in types:
            if name == zone.name:
                errors.append(f"RRSet of type CNAME with DNS name {name} is not permitted at apex in zone {zone.name}")
            others = sorted(types - {"CNAME"})
            if others and name != zone.name:
                errors.append(
                    f"RRSet of type CNAME with DNS name {name} is not permitted because a conflicting RRSet of type "
                    f"{others[0]} with the same DNS name already exists in zone {zone.name}"
                )
        for rr_type in sorted(types):
            sets = [r for r in group if r["Type"] == rr_type]
            if rr_type == "CNAME":
                for record in sets:
                    if len(record.get("ResourceRecords") or []) > 1:
                        errors.append(f"RRSet of type CNAME with DNS name {name} has more than one value")
            policies = {_policy(r) for r in sets}
            if len(policies) > 1:
                routed = sorted(policies - {"simple"})
                if "simple" in policies:
                    errors.append(
                        f"RRSet with DNS name {name}, type {rr_type} cannot be created as a non-{routed[0]} set "
                        "exists with the same name and type."
                    )
                else:
                    errors.append(
                        f"RRSet with DNS name {name}, type {rr_type} cannot be created as {routed[0]} and "
                        f"{routed[1]} sets cannot share the same name and type."
                    )
            elif policies == {"simple"} and len(sets) > 1:
                errors.append(
                    f"Tried to create resource record set [name='{name}', type='{rr_type}'] but it already exists"
                )
            if policies == {"latency"}:
                seen = {}
                for record in sets:
                    other = seen.setdefault(record["Region"], record["SetIdentifier"])
                    if other != record["SetIdentifier"]:
                        errors.append(
                            f"RRSet with DNS name {name}, type {rr_type}, SetIdentifier {record['SetIdentifier']} "
                            f"cannot be created because a latency RRSet in Region {record['Region']} with the same "
                            f"name and type already exists (SetIdentifier {other})"
                        )
    apex = by_name.get(zone.name, [])
    if sum(1 for r in apex if r["Type"] == "SOA") != 1:
        errors.append("A HostedZone must contain exactly one SOA record.")
    if not any(r["Type"] == "NS" for r in apex):
        errors.append("A HostedZone must contain at least one NS record for the zone itself.")


@registry.handler("route53", "ChangeResourceRecordSets")
def change_resource_record_sets(call):
    zone = _zone(call, call.params["HostedZoneId"])
    batch = call.params["ChangeBatch"]
    changes = batch.get("Changes") or []
    if not changes:
        raise _bad_input(
            "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1"
        )
    records = records_of(zone)
    errors = []
    touched = set()
    health_checks = _backend(call).health_checks
    for number, change in enumerate(changes, start=1):
        action = change.get("Action")
        record = {k: v for k, v in dict(change.get("ResourceRecordSet") or {}).items() if v is not None}
        if "ResourceRecords" in record:
            record["ResourceRecords"] = [rr.get("Value", "") for rr in record["ResourceRecords"]]
        _validate_record_shape(action, record, number)
        record["Name"] = normalize_name(record["Name"])
        if not _validate_name(record, zone, errors):
            continue
        if record.get("HealthCheckId") and record["HealthCheckId"] not in health_checks:
            raise AwsError(
                "NoSuchHealthCheck", f"No health check exists with the specified ID {record['HealthCheckId']}", 404
            )
        touched.add(record["Name"])
        existing = next((r for r in records if _key(r) == _key(record)), None)
        if action == "CREATE":
            if existing is not None:
                errors.append(f"Tried to create resource record set {_describe(record)} but it already exists")
                continue
            records.append(record)
        elif action == "UPSERT":
            if existing is not None:
                records[records.index(existing)] = record
            else:
                records.append(record)
        else:  # DELETE
            if existing is None:
                errors.append(f"Tried to delete resource record set {_describe(record)} but it was not found")
                continue
            if not _same_values(existing, record):
                errors.append(
                    f"Tried to delete resource record set {_describe(record)} but the values provided do not match "
                    "the current values"
                )
                continue
            records.remove(existing)
    if not errors:
        _check_final_state(records, zone, touched, errors)
    if errors:
        raise AwsError("InvalidChangeBatch", "[" + ", ".join(errors) + "]", 400)
    zone.rrsets = [_to_moto(record, zone) for record in records]
    return {"ChangeInfo": _new_change(call, batch.get("Comment"))}


@registry.handler("route53", "GetChange")
def get_change(call):
    change_id = call.params["Id"].replace("/change/", "")
    if change_id in _state(call).changes:
        return {"ChangeInfo": _change_info(call, change_id)}
    if change_id in _MOTO_CHANGE_IDS:  # ids moto hands out for zone operations, which it applies at once
        return {"ChangeInfo": {"Id": f"/change/{change_id}", "Status": "INSYNC", "SubmittedAt": _now()}}
    raise AwsError("NoSuchChange", f"A change with the specified change ID does not exist: {change_id}", 404)


_MOTO_CHANGE_IDS = {"C1PA6795UKMFR9", "C2682N5HXP0BZ4", "a1b2c3d4"}


# ================================================================ health checks


def _validation(value, where, constraint):
    return _bad_input(
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: {constraint}"
    )


def _validate_common(cfg, where):
    """Rules shared by CreateHealthCheck and UpdateHealthCheck on the members they both have."""
    if "FailureThreshold" in cfg and not 1 <= cfg["FailureThreshold"] <= 10:
        raise _validation(
            cfg["FailureThreshold"], f"{where}failureThreshold", "Member must have value between 1 and 10"
        )
    if "Port" in cfg and not 1 <= cfg["Port"] <= 65535:
        raise _validation(cfg["Port"], f"{where}port", "Member must have value between 1 and 65535")
    fqdn = cfg.get("FullyQualifiedDomainName")
    if fqdn is not None and len(fqdn) > 255:
        raise _validation(fqdn, f"{where}fullyQualifiedDomainName", "Member must have length less than or equal to 255")
    if "Regions" in cfg:
        regions = cfg["Regions"]
        bad = [r for r in regions if r not in CHECKER_REGIONS]
        if bad:
            raise _validation(
                regions, f"{where}regions", "Member must satisfy enum value set: [" + ", ".join(CHECKER_REGIONS) + "]"
            )
        if len(regions) < 3:
            raise _bad_input("Invalid request: You must specify at least 3 regions for a health check.")
        if len(set(regions)) != len(regions):
            raise _bad_input("Invalid request: The list of regions contains duplicate values.")
    if "HealthThreshold" in cfg and not 0 <= cfg["HealthThreshold"] <= 256:
        raise _validation(cfg["HealthThreshold"], f"{where}healthThreshold", "Member must have value between 0 and 256")


def _validate_create(call, cfg):
    hc_type = cfg.get("Type")
    if hc_type not in HC_TYPES:
        raise _validation(
            hc_type,
            "healthCheckConfig.type",
            "Member must satisfy enum value set: [" + ", ".join(sorted(HC_TYPES)) + "]",
        )
    _validate_common(cfg, "healthCheckConfig.")
    route53_alarm.validate_create(call, cfg)
    if "RequestInterval" in cfg and cfg["RequestInterval"] not in (10, 30):
        raise _bad_input("Invalid request: RequestInterval must be either 10 or 30 seconds.")
    if hc_type in ENDPOINT_TYPES:
        if not cfg.get("IPAddress") and not cfg.get("FullyQualifiedDomainName"):
            raise _bad_input(
                f"Invalid request: A health check of type {hc_type} needs an IPAddress or a FullyQualifiedDomainName."
            )
        if hc_type == "TCP" and "Port" not in cfg:
            raise _bad_input("Invalid request: A health check of type TCP needs a Port.")
        if hc_type == "TCP" and (cfg.get("ResourcePath") or cfg.get("SearchString")):
            raise _bad_input(
                "Invalid request: ResourcePath and SearchString are not valid for a health check of type TCP."
            )
        if hc_type.endswith("STR_MATCH") and not cfg.get("SearchString"):
            raise _bad_input(f"Invalid request: A health check of type {hc_type} needs a SearchString.")
        if "IPAddress" in cfg:
            try:
                ipaddress.ip_address(cfg["IPAddress"])
            except ValueError:
                raise _bad_input(f"Invalid request: IPAddress {cfg['IPAddress']} is not a valid IP address.") from None
    elif hc_type == "CALCULATED":
        if "HealthThreshold" not in cfg:
            raise _bad_input("Invalid request: A health check of type CALCULATED needs a HealthThreshold.")
        for child in cfg.get("ChildHealthChecks") or []:
            if child not in _backend(call).health_checks:
                raise AwsError("NoSuchHealthCheck", f"No health check exists with the specified ID {child}", 404)
        for key in ("IPAddress", "Port", "FullyQualifiedDomainName", "RequestInterval", "FailureThreshold"):
            if key in cfg:
                raise _bad_input(f"Invalid request: {key} is not valid for a health check of type CALCULATED.")
    elif hc_type != route53_alarm.TYPE:
        raise AwsError("NotImplementedBySandbox", f"The sandbox does not emulate health checks of type {hc_type}", 501)


_ARG_NAMES = {
    "IPAddress": "ip_address",
    "Port": "port",
    "Type": "type",
    "ResourcePath": "resource_path",
    "FullyQualifiedDomainName": "fqdn",
    "SearchString": "search_string",
    "RequestInterval": "request_interval",
    "FailureThreshold": "failure_threshold",
    "HealthThreshold": "health_threshold",
    "MeasureLatency": "measure_latency",
    "Inverted": "inverted",
    "Disabled": "disabled",
    "EnableSNI": "enable_sni",
    "ChildHealthChecks": "children",
    "Regions": "regions",
}


def _hc_config(hc):
    stored = route53_alarm.config(hc, hc.health_check_config)
    return {k: v for k, v in stored.items() if v is not None}


def hc_dict(hc):
    return {
        "Id": hc.id,
        "CallerReference": hc.caller_reference,
        "HealthCheckConfig": _hc_config(hc),
        "HealthCheckVersion": hc.health_check_version,
    }


def _config_matches(hc, cfg):
    stored = _hc_config(hc)
    defaults = {
        "RequestInterval": 30,
        "FailureThreshold": 3,
        "MeasureLatency": False,
        "Inverted": False,
        "Disabled": False,
        "EnableSNI": stored.get("EnableSNI", False),
    }
    for key, value in cfg.items():
        have = stored.get(key, defaults.get(key))
        if key in ("Regions", "ChildHealthChecks"):
            value, have = sorted(value or []), sorted(have or [])
        if have != value:
            return False
    return True


@registry.handler("route53", "CreateHealthCheck")
def create_health_check(call):
    ref = call.params["CallerReference"]
    cfg = call.params["HealthCheckConfig"]
    if not 1 <= len(ref) <= 64:
        raise _validation(ref, "callerReference", "Member must have length between 1 and 64")
    backend = _backend(call)
    existing = next((hc for hc in backend.health_checks.values() if hc.caller_reference == ref), None)
    if existing is not None:
        if not _config_matches(existing, cfg):
            raise AwsError(
                "HealthCheckAlreadyExists",
                f"A health check with the CallerReference {ref} already exists with a different configuration.",
                409,
            )
        return {"HealthCheck": hc_dict(existing), "Location": _location(existing)}
    if (call.account_id, ref) in _state(call).deleted_refs:
        raise AwsError(
            "HealthCheckAlreadyExists",
            f"A health check with the CallerReference {ref} was created and deleted; use a new CallerReference.",
            409,
        )
    _validate_create(call, cfg)
    args = {_ARG_NAMES[k]: v for k, v in cfg.items() if k in _ARG_NAMES}
    hc = backend.create_health_check(caller_reference=ref, health_check_args=args)
    route53_alarm.configure(hc, cfg)
    _track_new(call, hc)
    call.sandbox.realism.created(HC_KIND, hc.id)
    return {"HealthCheck": hc_dict(hc), "Location": _location(hc)}


def _location(hc):
    return f"https://route53.amazonaws.com/2013-04-01/healthcheck/{hc.id}"


def _health_check(call, hc_id):
    hc = _backend(call).health_checks.get(hc_id)
    if hc is None:
        raise AwsError("NoSuchHealthCheck", f"No health check exists with the specified ID {hc_id}", 404)
    return hc


@registry.handler("route53", "UpdateHealthCheck")
def update_health_check(call):
    params = call.params
    hc = _health_check(call, params["HealthCheckId"])
    if "HealthCheckVersion" in params and params["HealthCheckVersion"] != hc.health_check_version:
        raise AwsError(
            "HealthCheckVersionMismatch",
            f"The value of HealthCheckVersion in the request doesn't match the value of HealthCheckVersion "
            f"in the health check ({hc.health_check_version}).",
            409,
        )
    _validate_common(params, "")
    if hc.type_ == "TCP" and (params.get("ResourcePath") or params.get("SearchString")):
        raise _bad_input("Invalid request: ResourcePath and SearchString are not valid for a health check of type TCP.")
    if hc.type_ == "CALCULATED":
        for key in ("IPAddress", "Port", "FullyQualifiedDomainName", "FailureThreshold"):
            if key in params:
                raise _bad_input(f"Invalid request: {key} is not valid for a health check of type CALCULATED.")
    for child in params.get("ChildHealthChecks") or []:
        _health_check(call, child)
    route53_alarm.validate(call, params, hc.type_)
    aggregated_health(call, hc)  # the status so far, before the new settings start their own delay
    route53_alarm.configure(hc, params)
    was_disabled = bool(hc.disabled)
    resets = params.get("ResetElements") or []
    if "FullyQualifiedDomainName" in resets:
        hc.fqdn = None
    if "Regions" in resets:
        hc.regions = None
    if "ResourcePath" in resets:
        hc.resource_path = None
    if "ChildHealthChecks" in resets:
        hc.children = None
    for key, attr in (
        ("IPAddress", "ip_address"),
        ("Port", "port"),
        ("ResourcePath", "resource_path"),
        ("FullyQualifiedDomainName", "fqdn"),
        ("SearchString", "search_string"),
        ("FailureThreshold", "failure_threshold"),
        ("HealthThreshold", "health_threshold"),
        ("Inverted", "inverted"),
        ("Disabled", "disabled"),
        ("EnableSNI", "enable_sni"),
    ):
        if key in params:
            setattr(hc, attr, params[key])
    if "ChildHealthChecks" in params:
        hc.set_children(params["ChildHealthChecks"])
    if "Regions" in params:
        hc.set_regions(params["Regions"])
    if hc.type_ in ENDPOINT_TYPES and not hc.ip_address and not hc.fqdn:
        raise _bad_input("Invalid request: A health check needs an IPAddress or a FullyQualifiedDomainName.")
    hc.health_check_version += 1
    if hc.disabled and not was_disabled:
        _freeze_observations(call, hc)
    elif was_disabled and not hc.disabled:
        _state(call).frozen.pop(hc.id, None)
    aggregated_health(call, hc)
    return {"HealthCheck": hc_dict(hc)}


@registry.handler("route53", "DeleteHealthCheck")
def delete_health_check(call):
    hc = _health_check(call, call.params["HealthCheckId"])
    state = _state(call)
    state.deleted_refs[(call.account_id, hc.caller_reference)] = hc.id
    del _backend(call).health_checks[hc.id]
    _backend(call).resource_tags.pop(hc.id, None)
    for table in (state.health, state.created, state.frozen):
        table.pop(hc.id, None)
    route53_alarm.forget(call, hc.id)
    call.sandbox.realism.forget(HC_KIND, hc.id)
    return {}


# ------------------------------------------------------------------ health


def _find_endpoint(call, hostname):
    try:
        from . import client_vpn  # written by the Client VPN emulation; imported lazily
    except ImportError:
        return None
    finder = getattr(client_vpn, "find_endpoint_by_hostname", None)
    return finder(call.sandbox, hostname) if finder else None


def target_status(call, hc):
    """(reachable, reason) for what an endpoint health check targets, before Inverted/Disabled."""
    if hc.fqdn:
        endpoint = _find_endpoint(call, hc.fqdn.rstrip(".").lower())
        if endpoint is None:
            return False, "Failure: DNS resolution failed: the name does not resolve to an emulated endpoint."
        if endpoint.get("region") in call.sandbox.outages:
            return False, "Failure: Connection timed out. The endpoint or the internet connection is down."
        if endpoint.get("Status") != "available":
            return False, (
                f"Failure: Connection refused. The Client VPN endpoint is {endpoint.get('Status')}, not available."
            )
        return True, f"Success: TCP connection established on port {hc.port}."
    return False, "Failure: Connection timed out. The sandbox emulates no endpoint at this IP address."


def instant_health(call, hc, _depth=0):
    """What Route 53 would conclude if its checkers reported right now: Disabled counts as healthy,
    Inverted flips the result, a CALCULATED check counts its children's (delayed) statuses."""
    if hc.disabled:
        return True
    if hc.type_ == "CALCULATED":
        checks = _backend(call).health_checks
        children = [checks[c] for c in (hc.children or []) if c in checks]
        healthy = sum(1 for child in children if _depth < 8 and aggregated_health(call, child, _depth + 1))
        raw = healthy >= (hc.health_threshold or 0)
    elif hc.type_ == route53_alarm.TYPE:
        raw = route53_alarm.instant(call, hc)
    else:
        raw, _ = target_status(call, hc)
    return raw != bool(hc.inverted)


def _delay_on(call):
    return call.sandbox.realism.on("health_delay") and call.clock.scale > 0


def _status_delay(call, hc):
    """Scaled seconds before Route 53 follows a change: FailureThreshold consecutive checks plus propagation."""
    if hc.type_ == "CALCULATED":
        seconds = HEALTH_PROPAGATION
    elif hc.type_ == route53_alarm.TYPE:
        seconds = ALARM_POLL + HEALTH_PROPAGATION
    else:
        seconds = (hc.failure_threshold or 3) * (hc.request_interval or 30) + HEALTH_PROPAGATION
    return seconds * call.clock.scale


def _track_new(call, hc):
    """A new check is healthy until there is enough data, unhealthy if inverted (a disabled one is healthy)."""
    now, state = call.clock.now(), _state(call)
    state.created[hc.id] = now
    state.health[hc.id] = {
        "status": bool(hc.disabled) or not bool(hc.inverted),
        "target": instant_health(call, hc),
        "since": now,
    }
    route53_alarm.observe(call, hc.id, state.health[hc.id]["status"], now)
    if hc.disabled:
        state.frozen[hc.id] = []  # created disabled: no checker ever ran


def aggregated_health(call, hc, _depth=0):
    """Route 53's status of a check, the one DNS answers follow.

    Without the ``health_delay`` effect (or at time scale 0) it is the instant status. With it, the
    status follows the instant status only once that has held for ``_status_delay``; a change is
    noticed when the sandbox next looks at the check (no background thread), so the delay counts
    from then at the latest: never shorter than on AWS.
    """
    target = instant_health(call, hc, _depth)
    now = call.clock.now()
    if not _delay_on(call):
        _state(call).health.pop(hc.id, None)
        route53_alarm.observe(call, hc.id, target, now)
        return target
    state = _state(call).health.get(hc.id)
    if state is None:  # a check from before the effect was switched on: its status is what it was
        state = _state(call).health[hc.id] = {"status": target, "target": target, "since": now}
    if target != state["target"]:
        state["target"], state["since"] = target, now
    if state["status"] != target and now >= state["since"] + _status_delay(call, hc):
        state["status"] = target
        route53_alarm.observe(call, hc.id, target, state["since"] + _status_delay(call, hc))
    return state["status"]


def is_healthy(call, hc):
    return aggregated_health(call, hc)


def health_of(call, hc_id):
    hc = _backend(call).health_checks.get(hc_id)
    return True if hc is None else aggregated_health(call, hc)


def _observations(call, hc):
    """One observation per checker Region: the checker's own result on the target (not inverted)."""
    _, report = target_status(call, hc)
    now = _now()
    return [
        {
            "Region": region,
            "IPAddress": CHECKER_IPS[region],
            "StatusReport": {"Status": report, "CheckedTime": now},
        }
        for region in (hc.regions or CHECKER_REGIONS)
    ]


def _checked_yet(call, hc):
    """Whether the checkers have reported once: one RequestInterval after creation (with ``health_delay``)."""
    created = _state(call).created.get(hc.id)
    if created is None or not _delay_on(call):
        return True
    return call.clock.reached(created + (hc.request_interval or 30) * call.clock.scale)


def _freeze_observations(call, hc):
    """Disabling stops the checkers: GetHealthCheckStatus keeps their last results (none if none ran)."""
    _state(call).frozen[hc.id] = _observations(call, hc) if _checked_yet(call, hc) else []


@registry.handler("route53", "GetHealthCheckStatus")
def get_health_check_status(call):
    """The checkers' last results: what each one saw of the endpoint, before Route 53 applies Inverted
    (the observation is "the status of the health check endpoint as reported by one of the checkers").
    Before the first RequestInterval there are none; a disabled check's checkers have stopped."""
    hc = _visible_health_check(call, call.params["HealthCheckId"])
    if hc.type_ in ("CALCULATED", route53_alarm.TYPE):
        # "You can't use GetHealthCheckStatus to get the status of a calculated health check"; an alarm-based
        # check has no checkers either (assumed: refused the same way).
        kind = "calculated" if hc.type_ == "CALCULATED" else "CloudWatch alarm"
        raise _bad_input(f"Invalid request: GetHealthCheckStatus is not supported for {kind} health checks.")
    aggregated_health(call, hc)
    if hc.id in _state(call).frozen:
        return {"HealthCheckObservations": _state(call).frozen[hc.id]}
    if not _checked_yet(call, hc):
        return {"HealthCheckObservations": []}
    return {"HealthCheckObservations": _observations(call, hc)}


def _visible_health_check(call, hc_id):
    """A health check as reads see it: a new one is unknown for the consistency window."""
    hc = _health_check(call, hc_id)
    if not call.sandbox.realism.visible(HC_KIND, hc.id):
        raise AwsError("NoSuchHealthCheck", f"No health check exists with the specified ID {hc_id}", 404)
    return hc


@registry.handler("route53", "GetHealthCheck")
def get_health_check(call):
    return {"HealthCheck": hc_dict(_visible_health_check(call, call.params["HealthCheckId"]))}


@registry.handler("route53", "ListHealthChecks")
def list_health_checks(call):
    """Every visible health check, in id order, paginated by Marker/MaxItems (default 100)."""
    realism = call.sandbox.realism
    checks = sorted(_backend(call).health_checks.values(), key=lambda hc: hc.id)
    checks = [hc for hc in checks if realism.visible(HC_KIND, hc.id)]
    marker = call.params.get("Marker")
    if marker:
        checks = [hc for hc in checks if hc.id >= marker]
    max_items = int(call.params.get("MaxItems") or 100)
    page, rest = checks[:max_items], checks[max_items:]
    result = {
        "HealthChecks": [hc_dict(hc) for hc in page],
        "Marker": marker or "",
        "IsTruncated": bool(rest),
        "MaxItems": str(max_items),
    }
    if rest:
        result["NextMarker"] = rest[0].id
    return result


# ================================================================ TestDNSAnswer


def _parent(name):
    return name.split(".", 1)[1] if "." in name[:-1] else "."


def _node_exists(records, name):
    return any(r["Name"] == name or r["Name"].endswith("." + name) for r in records)


def lookup(records, zone_name, name):
    """(owner records, rcode): the record sets answering ``name`` (exact match, else RFC 4592 wildcard)."""
    exact = [r for r in records if r["Name"] == name]
    if exact or _node_exists(records, name):
        return exact, "NOERROR"
    ancestor = _parent(name)
    while ancestor == zone_name or ancestor.endswith("." + zone_name):
        wildcard = [r for r in records if r["Name"] == "\\052." + ancestor]
        if wildcard:
            return wildcard, "NOERROR"
        if _node_exists(records, ancestor):
            break
        ancestor = _parent(ancestor)
    return [], "NXDOMAIN"


def _client_address(params):
    for key in ("EDNS0ClientSubnetIP", "ResolverIP"):
        value = params.get(key)
        if value:
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                raise _bad_input(f"Invalid request: {key} {value} is not a valid IP address.") from None
            if key == "EDNS0ClientSubnetIP" and params.get("EDNS0ClientSubnetMask") not in (None, ""):
                mask = str(params["EDNS0ClientSubnetMask"])
                limit = 32 if address.version == 4 else 128
                if not mask.isdigit() or not 0 <= int(mask) <= limit:
                    raise _bad_input(f"Invalid request: EDNS0ClientSubnetMask must be between 0 and {limit}.")
                address = ipaddress.ip_network(f"{address}/{mask}", strict=False).network_address
            return str(address)
    return None


def choose(call, sets, client_ip):
    """The record set Route 53 answers with among the sets of one name and type."""
    policies = {_policy(r) for r in sets}
    if policies == {"simple"}:
        return sets[0]
    if policies != {"latency"}:
        raise AwsError(
            "NotImplementedBySandbox",
            f"The sandbox answers simple and latency records only, not {sorted(policies)}",
            501,
        )
    origin = call.sandbox.state.latency.nearest_region(client_ip) if client_ip else None
    origin = origin or latency.DEFAULT_REGION
    healthy = [r for r in sets if not r.get("HealthCheckId") or health_of(call, r["HealthCheckId"])]
    candidates = healthy or sets  # all unhealthy: Route 53 answers as if all were healthy
    nearest = call.sandbox.state.latency.by_distance(origin, sorted({r["Region"] for r in candidates}))[0]
    return next(r for r in candidates if r["Region"] == nearest)


@registry.handler("route53", "TestDNSAnswer")
def test_dns_answer(call):
    params = call.params
    zone = _zone(call, params["HostedZoneId"])
    if zone.private_zone:
        raise _bad_input("Invalid request: TestDNSAnswer is only supported for public hosted zones.")
    record_type = params["RecordType"]
    if record_type not in RR_TYPES:
        raise _validation(
            record_type, "recordType", "Member must satisfy enum value set: [" + ", ".join(sorted(RR_TYPES)) + "]"
        )
    client_ip = _client_address(params)
    name = normalize_name(params["RecordName"])
    answer = {
        "Nameserver": zone.delegation_set.name_servers[0] if zone.delegation_set else "ns-0.awsdns-00.com",
        "RecordName": params["RecordName"],
        "RecordType": record_type,
        "RecordData": [],
        "ResponseCode": "NOERROR",
        "Protocol": "UDP",
    }
    if name != zone.name and not name.endswith("." + zone.name):
        answer["ResponseCode"] = "REFUSED"
        return answer
    owner, rcode = lookup(records_of(zone), zone.name, name)
    answer["ResponseCode"] = rcode
    sets = [r for r in owner if r["Type"] == record_type]
    if not sets and record_type != "CNAME":
        cnames = [r for r in owner if r["Type"] == "CNAME"]
        if cnames:
            sets, answer["RecordType"] = cnames, "CNAME"
    if not sets:
        return answer
    chosen = choose(call, sets, client_ip)
    if chosen.get("AliasTarget"):
        raise AwsError("NotImplementedBySandbox", "The sandbox does not answer alias records in TestDNSAnswer", 501)
    answer["RecordData"] = [_unescape(v) for v in chosen.get("ResourceRecords", [])]
    return answer


# ================================================================ zones and tags


@registry.handler("route53", "CreateHostedZone")
def create_hosted_zone(call):
    """CallerReference makes zone creation idempotent in AWS: a repeated reference is refused (moto accepts it)."""
    ref = call.params["CallerReference"]
    if any(zone.caller_reference == ref for zone in _backend(call).zones.values()):
        raise AwsError(
            "HostedZoneAlreadyExists",
            f"A hosted zone has already been created with the specified caller reference {ref}.",
            409,
        )
    name = call.params["Name"].rstrip(".")
    if not name or len(name) > 254 or any(not label or len(label) > 63 for label in name.split(".")):
        raise AwsError("InvalidDomainName", f"{call.params['Name']} is not a valid domain name.", 400)
    return registry.PASS


@registry.handler("route53", "ChangeTagsForResource")
@registry.handler("route53", "ListTagsForResource")
def tags_for_resource(call):
    """moto tags any health check id, existing or not; AWS answers NoSuchHealthCheck."""
    if call.params["ResourceType"] == "healthcheck":
        _health_check(call, call.params["ResourceId"])
    return registry.PASS
