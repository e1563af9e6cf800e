# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wrappers and pure logic for Route 53 latency records with their health checks.

Not to be confused with ``amazon.aws.plugins.module_utils.route53`` (tags only).

Conventions:

- One small function per AWS call, decorated with
  ``@Route53ErrorHandler.<kind>_error_handler("...")`` over ``@route53_retry``
  (jittered backoff that also retries ``PriorRequestNotComplete``). Errors surface
  as ``AnsibleRoute53Error``; modules catch ``AnsibleAWSError`` once in ``main()``.
- Pure functions (names, caller references, change batches, health-check diffs)
  take plain values so unit tests need no client.
- ``ensure_latency_record(client, params, check_mode)`` / ``ensure_latency_record_absent``
  hold the module logic and only need a (stub) client.

Identity of the unit managed by ``route53_latency_record``: (hosted zone id, record
name, record type, set identifier). Its health check carries a caller reference
``mrcv-<32 hex of sha256(identity)>-<generation>`` (<= 64 characters, as
CreateHealthCheck allows): the prefix finds it again with ListHealthChecks, the
generation lets a unit be created again after a delete (AWS refuses a caller
reference of a deleted health check for some days) or its health check be
replaced when an immutable setting changes.
"""

import hashlib
import re
import time

try:
    import botocore  # pylint: disable=unused-import
except ImportError:
    pass  # Modules are responsible for handling this.

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.multiregion.client_vpn.plugins.module_utils import aws_rules
from ansible_collections.multiregion.client_vpn.plugins.module_utils import polling

# Route 53 answers "Throttling" (400) when throttled and "PriorRequestNotComplete"
# while a previous change to the same zone is still being applied.
ROUTE53_RETRY_CODES = [
    "PriorRequestNotComplete",
    "Throttling",
    "ThrottlingException",
]

route53_retry = AWSRetry.jittered_backoff(
    retries=10, delay=3, max_delay=60, catch_extra_error_codes=ROUTE53_RETRY_CODES
)

CALLER_REFERENCE_PREFIX = "mrcv-"
CALLER_REFERENCE_MAX = 64
MAX_GENERATION_ATTEMPTS = 20

# Health-check settings: which ones UpdateHealthCheck can change, which ones are fixed at creation.
MODIFIABLE_HEALTH_CHECK_FIELDS = (
    "FullyQualifiedDomainName",
    "Port",
    "FailureThreshold",
    "Inverted",
    "Disabled",
    "Regions",
)
IMMUTABLE_HEALTH_CHECK_FIELDS = ("Type", "RequestInterval", "MeasureLatency")
HEALTH_CHECK_DEFAULTS = dict(
    FailureThreshold=3, RequestInterval=30, Inverted=False, Disabled=False, MeasureLatency=False
)

LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
HOSTED_ZONE_PREFIX = "/hostedzone/"
CHANGE_PREFIX = "/change/"


class AnsibleRoute53Error(AnsibleAWSError):
    pass


class Route53ErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRoute53Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchHostedZone")


class Route53HealthCheckErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRoute53Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchHealthCheck")


# ---------------------------------------------------------------------------
# Wrappers: one per AWS call
# ---------------------------------------------------------------------------


@Route53ErrorHandler.list_error_handler("get hosted zone", None)
@route53_retry
def get_hosted_zone(client, zone_id):
    return client.get_hosted_zone(Id=zone_id)["HostedZone"]


@Route53ErrorHandler.common_error_handler("list hosted zones by name")
@route53_retry
def _list_hosted_zones_by_name_page(client, **params):
    return client.list_hosted_zones_by_name(**params)


def list_hosted_zones_by_name(client, name):
    """Every hosted zone (public and private) whose name is exactly ``name``."""
    wanted = normalise_name(name)
    params = dict(DNSName=wanted + ".")
    zones = []
    while True:
        page = _list_hosted_zones_by_name_page(client, **params)
        for zone in page.get("HostedZones", []):
            if normalise_name(zone["Name"]) != wanted:
                return zones
            zones.append(zone)
        if not page.get("IsTruncated"):
            return zones
        params = dict(DNSName=page["NextDNSName"], HostedZoneId=page["NextHostedZoneId"])


@Route53ErrorHandler.common_error_handler("list resource record sets")
@route53_retry
def _list_resource_record_sets_page(client, **params):
    return client.list_resource_record_sets(**params)


def list_record_sets(client, zone_id, name, record_type):
    """The record sets of ``zone_id`` named ``name`` with type ``record_type`` (all routing policies)."""
    wanted = normalise_name(name)
    params = dict(HostedZoneId=zone_id, StartRecordName=wanted + ".", StartRecordType=record_type)
    found = []
    while True:
        page = _list_resource_record_sets_page(client, **params)
        for rrset in page.get("ResourceRecordSets", []):
            if normalise_name(rrset["Name"]) != wanted or rrset["Type"] != record_type:
                return found
            found.append(rrset)
        if not page.get("IsTruncated"):
            return found
        params = dict(
            HostedZoneId=zone_id, StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"]
        )
        if page.get("NextRecordIdentifier"):
            params["StartRecordIdentifier"] = page["NextRecordIdentifier"]


@Route53ErrorHandler.common_error_handler("change resource record sets")
@route53_retry
def change_resource_record_sets(client, zone_id, changes, comment=None):
    batch = dict(Changes=changes)
    if comment:
        batch["Comment"] = comment
    return client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]


class Route53WaiterFactory(BaseWaiterFactory):
    """botocore's ``resource_record_sets_changed`` (GetChange until INSYNC), with the throttling retries
    BaseWaiterFactory adds, polled by ``polling.wait`` instead of every 30 s."""

    @property
    def _waiter_model_data(self):
        return dict(
            resource_record_sets_changed=dict(
                operation="GetChange",
                **polling.MODEL,
                acceptors=[dict(state="success", matcher="path", argument="ChangeInfo.Status", expected="INSYNC")],
            ),
        )


@Route53ErrorHandler.common_error_handler("wait for the record change to be INSYNC")
def wait_for_change(client, change_id, wait_timeout):
    waiter = Route53WaiterFactory().get_waiter(client, "resource_record_sets_changed")
    polling.wait(waiter, wait_timeout, Id=change_id)


@Route53ErrorHandler.common_error_handler("list health checks")
@route53_retry
def _list_health_checks_page(client, **params):
    return client.list_health_checks(**params)


def list_health_checks(client):
    params = {}
    checks = []
    while True:
        page = _list_health_checks_page(client, **params)
        checks.extend(page.get("HealthChecks", []))
        if not page.get("IsTruncated"):
            return checks
        params = dict(Marker=page["NextMarker"])


@Route53HealthCheckErrorHandler.list_error_handler("get health check", None)
@route53_retry
def get_health_check(client, health_check_id):
    return client.get_health_check(HealthCheckId=health_check_id)["HealthCheck"]


@Route53HealthCheckErrorHandler.list_error_handler("get health check status", [])
@route53_retry
def get_health_check_status(client, health_check_id):
    return client.get_health_check_status(HealthCheckId=health_check_id)["HealthCheckObservations"]


@Route53HealthCheckErrorHandler.common_error_handler("create health check")
@route53_retry
def create_health_check(client, caller_reference, config):
    # Retrying is safe: the same caller reference and settings return the same health check.
    return client.create_health_check(CallerReference=caller_reference, HealthCheckConfig=config)["HealthCheck"]


@Route53HealthCheckErrorHandler.common_error_handler("update health check")
@route53_retry
def update_health_check(client, health_check_id, version, **changes):
    return client.update_health_check(HealthCheckId=health_check_id, HealthCheckVersion=version, **changes)[
        "HealthCheck"
    ]


@Route53HealthCheckErrorHandler.deletion_error_handler("delete health check")
@route53_retry
def delete_health_check(client, health_check_id):
    client.delete_health_check(HealthCheckId=health_check_id)
    return True


@Route53HealthCheckErrorHandler.list_error_handler("list health check tags", {})
@route53_retry
def list_health_check_tags(client, health_check_id):
    result = client.list_tags_for_resource(ResourceType="healthcheck", ResourceId=health_check_id)
    return boto3_tag_list_to_ansible_dict(result["ResourceTagSet"].get("Tags", []))


@Route53HealthCheckErrorHandler.common_error_handler("tag health check")
@route53_retry
def add_health_check_tags(client, health_check_id, tags):
    client.change_tags_for_resource(
        ResourceType="healthcheck", ResourceId=health_check_id, AddTags=ansible_dict_to_boto3_tag_list(tags)
    )
    return True


@Route53ErrorHandler.common_error_handler("test DNS answer")
@route53_retry
def test_dns_answer(client, **params):
    result = dict(client.test_dns_answer(**params))
    result.pop("ResponseMetadata", None)
    return result


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


def _unescape(name):
    # Route 53 returns some characters as \ooo octal escapes (e.g. "*" as "\052").
    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name)


def normalise_name(name):
    """Lower case, no trailing dot, octal escapes decoded."""
    if name is None:
        return None
    return _unescape(str(name).strip()).rstrip(".").lower()


def strip_zone_id(zone_id):
    if zone_id and zone_id.startswith(HOSTED_ZONE_PREFIX):
        return zone_id[len(HOSTED_ZONE_PREFIX) :]
    return zone_id


def normalise_target(target, label="vpn"):
    """The name to health-check and to put in the record for a Client VPN endpoint DNS name.

    A leading ``*`` label (``*.cvpn-endpoint-...``) is replaced by ``label``; any other
    ``*`` is refused. Raises ValueError with a message fit for the user.
    """
    if not label or not LABEL_RE.match(label.lower()):
        raise ValueError(f"target_label {label!r} must be one DNS label: letters, digits and inner hyphens")
    name = normalise_name(target)
    if not name:
        raise ValueError("target must be a DNS name")
    labels = name.split(".")
    if labels[0] == "*":
        labels[0] = label.lower()
    if any("*" in part for part in labels):
        raise ValueError(f"target {target!r}: '*' may only be the whole leftmost label")
    if any(not part for part in labels):
        raise ValueError(f"target {target!r} has an empty label")
    name = ".".join(labels)
    if len(name) > 255:
        raise ValueError(f"target {target!r} is longer than the 255 characters a health check allows")
    return name


def check_record_in_zone(record_name, zone_name):
    """Raise ValueError unless ``record_name`` is a proper subdomain of ``zone_name`` (a CNAME cannot be the apex)."""
    record = normalise_name(record_name)
    zone = normalise_name(zone_name)
    if record == zone:
        raise ValueError(
            f"record {record!r} is the apex of zone {zone!r}: a CNAME cannot sit at the zone apex, "
            "use a subdomain such as vpn." + zone
        )
    if not record.endswith("." + zone):
        raise ValueError(f"record {record!r} is not inside zone {zone!r}")
    return record


def default_set_identifier(latency_region):
    return latency_region


# ---------------------------------------------------------------------------
# Caller references
# ---------------------------------------------------------------------------


def caller_reference_prefix(zone_id, record_name, record_type, set_identifier):
    """Stable prefix for the health checks of one latency record: ``mrcv-<32 hex>-``."""
    identity = "|".join(
        [strip_zone_id(zone_id) or "", normalise_name(record_name), (record_type or "").upper(), set_identifier or ""]
    )
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    return f"{CALLER_REFERENCE_PREFIX}{digest}-"


def caller_reference(prefix, generation=1):
    reference = f"{prefix}{int(generation)}"
    if len(reference) > CALLER_REFERENCE_MAX:
        raise ValueError("caller reference longer than 64 characters")
    return reference


def reference_generation(reference, prefix):
    """The generation of a caller reference with ``prefix``, or None when it is not one of ours."""
    if not reference or not reference.startswith(prefix):
        return None
    tail = reference[len(prefix) :]
    return int(tail) if tail.isdigit() else None


def our_health_checks(health_checks, prefix):
    """Our health checks (by caller-reference prefix), newest generation first."""
    ours = [hc for hc in health_checks if reference_generation(hc.get("CallerReference"), prefix) is not None]
    return sorted(ours, key=lambda hc: reference_generation(hc["CallerReference"], prefix), reverse=True)


# ---------------------------------------------------------------------------
# Health checks
# ---------------------------------------------------------------------------


def desired_health_check_config(hc_params, fqdn):
    """The HealthCheckConfig for CreateHealthCheck (TCP on ``fqdn``)."""
    config = dict(
        Type="TCP",
        FullyQualifiedDomainName=fqdn,
        Port=hc_params.get("port") or 443,
        RequestInterval=hc_params.get("request_interval") or 30,
        FailureThreshold=hc_params.get("failure_threshold") or 3,
        Inverted=bool(hc_params.get("inverted")),
        Disabled=bool(hc_params.get("disabled")),
        MeasureLatency=bool(hc_params.get("measure_latency")),
    )
    if hc_params.get("regions"):
        config["Regions"] = sorted(hc_params["regions"])
    return config


def validate_health_check_params(hc_params):
    problems = aws_rules.health_check_problems(hc_params)
    if problems:
        raise ValueError("health_check." + "; health_check.".join(problems))


def _current_value(config, field):
    value = config.get(field, HEALTH_CHECK_DEFAULTS.get(field))
    if field == "FullyQualifiedDomainName":
        return normalise_name(value)
    if field == "Regions":
        return sorted(value) if value else None
    return value


def health_check_diff(current_config, desired_config):
    """Compare a health check with the desired config.

    Returns ``(updates, immutable)``: ``updates`` are UpdateHealthCheck arguments for
    modifiable settings that differ; ``immutable`` lists fixed settings that differ
    (``{field: (current, desired)}``). ``Regions`` is only compared when desired.
    """
    updates = {}
    for field in MODIFIABLE_HEALTH_CHECK_FIELDS:
        if field not in desired_config:
            continue
        want = desired_config[field]
        have = _current_value(current_config, field)
        if field == "FullyQualifiedDomainName":
            want = normalise_name(want)
        if field == "Regions":
            want = sorted(want)
        if have != want:
            updates[field] = desired_config[field]
    immutable = {}
    for field in IMMUTABLE_HEALTH_CHECK_FIELDS:
        if field not in desired_config:
            continue
        have = _current_value(current_config, field)
        if have != desired_config[field]:
            immutable[field] = (have, desired_config[field])
    return updates, immutable


def predicted_health_check(current, updates=None, config=None, caller_ref=None):
    """What a health check will look like after an update (or creation when ``current`` is None)."""
    if current is None:
        return dict(Id=None, CallerReference=caller_ref, HealthCheckVersion=1, HealthCheckConfig=dict(config))
    after = dict(current)
    after_config = dict(current.get("HealthCheckConfig", {}))
    after_config.update(updates or {})
    after["HealthCheckConfig"] = after_config
    if updates:
        after["HealthCheckVersion"] = current.get("HealthCheckVersion", 1) + 1
    return after


# ---------------------------------------------------------------------------
# Records and change batches
# ---------------------------------------------------------------------------

ROUTING_POLICY_KEYS = (
    "Weight",
    "GeoLocation",
    "Failover",
    "MultiValueAnswer",
    "CidrRoutingConfig",
    "GeoProximityLocation",
)


def desired_record(record_name, record_type, set_identifier, latency_region, ttl, value, health_check_id):
    rrset = dict(
        Name=normalise_name(record_name) + ".",
        Type=record_type,
        SetIdentifier=set_identifier,
        Region=latency_region,
        TTL=ttl,
        ResourceRecords=[dict(Value=value)],
    )
    if health_check_id:
        rrset["HealthCheckId"] = health_check_id
    return rrset


def _comparable_record(rrset):
    if not rrset:
        return None
    return dict(
        Name=normalise_name(rrset.get("Name")),
        Type=rrset.get("Type"),
        SetIdentifier=rrset.get("SetIdentifier"),
        Region=rrset.get("Region"),
        TTL=rrset.get("TTL"),
        Values=sorted(normalise_name(r.get("Value")) for r in rrset.get("ResourceRecords", [])),
        HealthCheckId=rrset.get("HealthCheckId"),
        AliasTarget=rrset.get("AliasTarget"),
        Policy={k: rrset[k] for k in ROUTING_POLICY_KEYS if k in rrset},
    )


def record_differs(current, desired):
    return _comparable_record(current) != _comparable_record(desired)


def build_change_batch(current, desired):
    """Changes that take the record from ``current`` to ``desired`` (either may be None).

    - nothing -> record: CREATE (fails rather than overwrite if someone created it meanwhile);
    - latency record -> different latency record: UPSERT;
    - another routing policy or an alias under the same set identifier -> DELETE with the exact
      current values + CREATE, in one atomic batch;
    - record -> nothing: DELETE with the exact current values (Route 53 requires them).
    """
    if desired is None:
        if current is None:
            return []
        return [dict(Action="DELETE", ResourceRecordSet=exact_record(current))]
    if current is None:
        return [dict(Action="CREATE", ResourceRecordSet=desired)]
    if not record_differs(current, desired):
        return []
    if "Region" not in current or "AliasTarget" in current or any(k in current for k in ROUTING_POLICY_KEYS):
        return [
            dict(Action="DELETE", ResourceRecordSet=exact_record(current)),
            dict(Action="CREATE", ResourceRecordSet=desired),
        ]
    return [dict(Action="UPSERT", ResourceRecordSet=desired)]


def exact_record(rrset):
    """A record set as ListResourceRecordSets returned it, fit for a DELETE."""
    return {k: v for k, v in rrset.items() if k != "ResponseMetadata"}


def find_record(records, set_identifier):
    for rrset in records:
        if rrset.get("SetIdentifier") == set_identifier:
            return rrset
    return None


def record_conflicts(records, set_identifier, latency_region):
    """Problems AWS would refuse, found before any write (one latency record per Region and name/type,
    no non-latency record sharing name and type)."""
    problems = []
    for rrset in records:
        if rrset.get("SetIdentifier") == set_identifier:
            continue
        if "Region" not in rrset:
            policy = "simple" if not rrset.get("SetIdentifier") else "non-latency"
            problems.append(
                f"a {policy} {rrset['Type']} record {normalise_name(rrset['Name'])!r} "
                f"(set identifier {rrset.get('SetIdentifier')!r}) already has this name and type"
            )
        elif rrset["Region"] == latency_region:
            problems.append(
                f"latency Region {latency_region} already has a record for this name and type "
                f"with set identifier {rrset.get('SetIdentifier')!r}"
            )
    return problems


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


def record_result(rrset):
    if not rrset:
        return {}
    result = camel_dict_to_snake_dict(exact_record(rrset))
    result["name"] = normalise_name(rrset.get("Name"))
    return result


def health_check_result(health_check, tags=None, observations=None):
    if not health_check:
        return {}
    result = camel_dict_to_snake_dict(
        {k: v for k, v in health_check.items() if k not in ("ResponseMetadata", "CloudWatchAlarmConfiguration")}
    )
    result["id"] = health_check.get("Id")
    if tags is not None:
        result["tags"] = tags
    if observations is not None:
        result["observations"] = [camel_dict_to_snake_dict(o) for o in observations]
    return result


# ---------------------------------------------------------------------------
# Zones
# ---------------------------------------------------------------------------


def resolve_zone(client, zone_id=None, zone_name=None):
    """``(zone_id, zone_name, private)``. A name resolves to its single public zone; errors are ValueError."""
    if zone_id:
        zone = get_hosted_zone(client, strip_zone_id(zone_id))
        if zone is None:
            raise ValueError(f"hosted zone {zone_id} does not exist")
        return strip_zone_id(zone["Id"]), normalise_name(zone["Name"]), zone.get("Config", {}).get("PrivateZone", False)
    zones = [z for z in list_hosted_zones_by_name(client, zone_name) if not z.get("Config", {}).get("PrivateZone")]
    if not zones:
        raise ValueError(f"no public hosted zone named {normalise_name(zone_name)!r}")
    if len(zones) > 1:
        ids = ", ".join(strip_zone_id(z["Id"]) for z in zones)
        raise ValueError(
            f"several public hosted zones are named {normalise_name(zone_name)!r} ({ids}): give hosted_zone_id"
        )
    return strip_zone_id(zones[0]["Id"]), normalise_name(zones[0]["Name"]), False


# ---------------------------------------------------------------------------
# route53_latency_record logic
# ---------------------------------------------------------------------------


class LatencyRecordError(Exception):
    """A problem in the request, reported with fail_json (no AWS exception attached)."""


def _identity(client, params):
    """``(zone_id, zone_name, record_name, record_type, set_identifier, prefix)``.

    With ``zone`` (a name) the zone is looked up and the record name checked against it here.
    With ``hosted_zone_id`` no call is made: ``zone_name`` is None, and ``_read_record_sets``
    reads the zone (GetHostedZone) only when the record listing does not already prove what
    that read would check (see there).
    """
    try:
        if params.get("hosted_zone_id"):
            zone_id, zone_name = strip_zone_id(params["hosted_zone_id"]), None
            record_name = normalise_name(params["record"])
        else:
            zone_id, zone_name, _private = resolve_zone(client, None, params.get("zone"))
            record_name = check_record_in_zone(params["record"], zone_name)
    except ValueError as e:
        raise LatencyRecordError(str(e)) from e
    set_identifier = params.get("set_identifier") or default_set_identifier(params.get("latency_region"))
    record_type = params.get("type") or "CNAME"
    prefix = caller_reference_prefix(zone_id, record_name, record_type, set_identifier)
    return zone_id, zone_name, record_name, record_type, set_identifier, prefix


def _read_record_sets(client, params, zone_id, zone_name, record_name, record_type, set_identifier):
    """``(records, current_record)``: the record sets of that name and type, and ours among them.

    Given ``hosted_zone_id`` (``zone_name`` None), GetHostedZone is needed only when the record is
    not there: a record listed in the zone is inside it, and not at its apex (Route 53 refuses a
    CNAME there), and the listing itself answers NoSuchHostedZone for a missing zone. So a run
    that finds its record makes no zone read.
    """
    try:
        records = list_record_sets(client, zone_id, record_name, record_type)
    except AnsibleRoute53Error as e:
        code = getattr(e.exception, "response", {}).get("Error", {}).get("Code")
        if zone_name is None and code == "NoSuchHostedZone":
            raise LatencyRecordError(f"hosted zone {params['hosted_zone_id']} does not exist") from e
        raise
    current_record = find_record(records, set_identifier)
    if current_record is None and zone_name is None:
        try:
            _zone_id, zone_name, _private = resolve_zone(client, params["hosted_zone_id"])
            check_record_in_zone(record_name, zone_name)
        except ValueError as e:
            raise LatencyRecordError(str(e)) from e
    return records, current_record


def _create_health_check_with_free_reference(client, prefix, config, known_generations):
    """CreateHealthCheck under the first free generation of the caller reference.

    The reference is computed once per generation, before the call: every retry of that call (AWSRetry,
    botocore) repeats it, so a create whose answer was lost returns the health check it made. Only
    HealthCheckAlreadyExists (a deleted check's reference, or another configuration) moves to the next.
    """
    generation = max(known_generations or [0]) + 1
    for _attempt in range(MAX_GENERATION_ATTEMPTS):
        try:
            return create_health_check(client, caller_reference(prefix, generation), config)
        except AnsibleRoute53Error as e:
            code = getattr(e.exception, "response", {}).get("Error", {}).get("Code")
            if code != "HealthCheckAlreadyExists":
                raise
            # Used by a deleted health check (AWS keeps those for some days): take the next one.
            generation += 1
    raise LatencyRecordError(f"no free health-check caller reference found after {MAX_GENERATION_ATTEMPTS} attempts")


def _diff_view(rrset, health_check):
    return dict(record=record_result(rrset), health_check=health_check_result(health_check))


def _error_code(error):
    return getattr(getattr(error, "exception", None), "response", {}).get("Error", {}).get("Code")


def _submit_change(client, zone_id, changes, comment, params, already_done=None):
    """ChangeResourceRecordSets, then (``wait``, the default) wait for INSYNC; returns the ChangeInfo.

    A retried batch whose first attempt was applied but whose answer was lost fails with
    InvalidChangeBatch (the CREATE "already exists", the DELETE "was not found"): ``already_done()``
    then reads the zone again, and a zone already as wanted is success. Its ChangeInfo is unknown: {}.
    """
    try:
        change_info = change_resource_record_sets(client, zone_id, changes, comment=comment)
    except AnsibleRoute53Error as e:
        if _error_code(e) != "InvalidChangeBatch" or already_done is None or not already_done():
            raise
        return {}
    if params.get("wait", True):
        wait_for_change(client, change_info["Id"], params.get("wait_timeout") or 300)
        change_info = dict(change_info, Status="INSYNC")
    return change_info


def ensure_latency_record(client, params, check_mode=False, warn=None):
    """Make the latency record and its health check match ``params``; returns the module result."""
    warn = warn or (lambda msg: None)
    hc_params = params.get("health_check") or {}
    zone_id, zone_name, record_name, record_type, set_identifier, prefix = _identity(client, params)
    try:
        fqdn = normalise_target(params["target"], params.get("target_label") or "vpn")
        validate_health_check_params(hc_params)
    except ValueError as e:
        raise LatencyRecordError(str(e)) from e
    ttl = params.get("ttl")
    if ttl is None:
        ttl = 60
    if ttl > 60:
        warn(f"ttl {ttl} is above 60 s: with a health check AWS recommends 60 s or less, failover will be slower")

    records, current_record = _read_record_sets(
        client, params, zone_id, zone_name, record_name, record_type, set_identifier
    )
    problems = record_conflicts(records, set_identifier, params["latency_region"])
    if problems:
        raise LatencyRecordError("cannot manage this latency record: " + "; ".join(problems))

    desired_config = desired_health_check_config(hc_params, fqdn)
    changed = False
    actions = []

    # Find our health check: through the record first (one GetHealthCheck), else by caller reference.
    health_check = None
    scanned = None
    if current_record and current_record.get("HealthCheckId"):
        candidate = get_health_check(client, current_record["HealthCheckId"])
        if candidate and reference_generation(candidate.get("CallerReference"), prefix) is not None:
            health_check = candidate
    if health_check is None:
        scanned = our_health_checks(list_health_checks(client), prefix)
        matching = [hc for hc in scanned if not health_check_diff(hc.get("HealthCheckConfig", {}), desired_config)[1]]
        health_check = (matching or scanned or [None])[0]
    before_health_check = health_check

    obsolete = []
    updates = {}
    if health_check is not None:
        updates, immutable = health_check_diff(health_check.get("HealthCheckConfig", {}), desired_config)
        if immutable:
            fields = ", ".join(f"{k} {v[0]!r} -> {v[1]!r}" for k, v in sorted(immutable.items()))
            if not hc_params.get("replace"):
                raise LatencyRecordError(
                    f"health check {health_check['Id']} cannot change {fields} (fixed at creation): "
                    "set health_check.replace=true to create a new health check, repoint the record and delete the old one"
                )
            if scanned is None:
                scanned = our_health_checks(list_health_checks(client), prefix)
            obsolete.append(health_check)
            # a replacement left by an interrupted run is reused rather than created again
            health_check = next(
                (
                    hc
                    for hc in scanned
                    if hc["Id"] != obsolete[0]["Id"]
                    and not health_check_diff(hc.get("HealthCheckConfig", {}), desired_config)[1]
                ),
                None,
            )
            updates = health_check_diff(health_check["HealthCheckConfig"], desired_config)[0] if health_check else {}
    if scanned:
        keep_id = health_check["Id"] if health_check else None
        obsolete_ids = {hc["Id"] for hc in obsolete}
        obsolete.extend(hc for hc in scanned if hc["Id"] != keep_id and hc["Id"] not in obsolete_ids)
    known_generations = [reference_generation(hc["CallerReference"], prefix) for hc in (scanned or [])]

    created = False
    if health_check is None:
        changed = True
        created = True
        actions.append("create_health_check")
        if check_mode:
            health_check = predicted_health_check(None, config=desired_config, caller_ref=None)
        else:
            health_check = _create_health_check_with_free_reference(client, prefix, desired_config, known_generations)
    elif updates:
        changed = True
        actions.append("update_health_check")
        if check_mode:
            health_check = predicted_health_check(health_check, updates)
        else:
            health_check = update_health_check(
                client, health_check["Id"], health_check.get("HealthCheckVersion", 1), **updates
            )

    tags = None
    if hc_params.get("name") is not None:
        tags = {} if created else list_health_check_tags(client, health_check["Id"])
        if tags.get("Name") != hc_params["name"]:
            changed = True
            actions.append("tag_health_check")
            if not check_mode:
                add_health_check_tags(client, health_check["Id"], dict(Name=hc_params["name"]))
            tags = dict(tags, Name=hc_params["name"])

    desired = desired_record(
        record_name, record_type, set_identifier, params["latency_region"], ttl, fqdn, health_check.get("Id")
    )
    if check_mode and health_check.get("Id") is None:
        desired["HealthCheckId"] = "(new health check)"
    changes = build_change_batch(current_record, desired)
    change_info = None
    if changes:
        changed = True
        actions.append("create_record" if current_record is None else "update_record")
        if not check_mode:

            def record_as_wanted():
                now = find_record(list_record_sets(client, zone_id, record_name, record_type), set_identifier)
                return now is not None and not record_differs(now, desired)

            change_info = _submit_change(
                client,
                zone_id,
                changes,
                f"multiregion.client_vpn latency record {set_identifier}",
                params,
                already_done=record_as_wanted,
            )

    # Health checks of this unit that no record uses any more (replaced, or left by an interrupted run).
    for old in obsolete:
        changed = True
        actions.append("delete_health_check")
        if not check_mode:
            delete_health_check(client, old["Id"])

    observations = None
    if params.get("include_health_status") and health_check.get("Id") and not (check_mode and created):
        observations = get_health_check_status(client, health_check["Id"])

    after_record = desired if changes else current_record
    return dict(
        changed=changed,
        actions=actions,
        record=record_result(after_record),
        health_check=health_check_result(health_check, tags=tags, observations=observations),
        change_info=camel_dict_to_snake_dict(change_info) if change_info else {},
        diff=dict(
            before=_diff_view(current_record, before_health_check),
            after=_diff_view(after_record, health_check),
        ),
    )


def ensure_latency_record_absent(client, params, check_mode=False):
    """Delete the latency record (exact current values), then every health check of this unit."""
    if not (params.get("set_identifier") or params.get("latency_region")):
        raise LatencyRecordError("state=absent needs set_identifier or latency_region to find the record")
    zone_id, zone_name, record_name, record_type, set_identifier, prefix = _identity(client, params)
    _records, current_record = _read_record_sets(
        client, params, zone_id, zone_name, record_name, record_type, set_identifier
    )
    ours = our_health_checks(list_health_checks(client), prefix)

    changed = False
    actions = []
    changes = build_change_batch(current_record, None)
    change_info = None
    if changes:
        changed = True
        actions.append("delete_record")
        if not check_mode:
            change_info = _submit_change(
                client,
                zone_id,
                changes,
                f"multiregion.client_vpn latency record {set_identifier} removed",
                params,
                already_done=lambda: find_record(
                    list_record_sets(client, zone_id, record_name, record_type), set_identifier
                )
                is None,
            )
    for health_check in ours:
        changed = True
        actions.append("delete_health_check")
        if not check_mode:
            delete_health_check(client, health_check["Id"])

    before_hc = ours[0] if ours else None
    return dict(
        changed=changed,
        actions=actions,
        record={},
        health_check={},
        change_info=camel_dict_to_snake_dict(change_info) if change_info else {},
        diff=dict(before=_diff_view(current_record, before_hc), after=_diff_view(None, None)),
    )


# ---------------------------------------------------------------------------
# route53_dns_answer_info logic
# ---------------------------------------------------------------------------


def client_addresses(params):
    clients = list(params.get("client_ips") or [])
    if params.get("client_ip"):
        clients.insert(0, params["client_ip"])
    return clients


def dns_answer_queries(params, zone_id):
    """The TestDNSAnswer requests for the module's parameters: one per client address (or one).

    A client address is sent as the EDNS0 client subnet and, unless ``resolver_ip`` is given, as the
    resolver too: the answer then does not depend on whether the default resolver (one in us-east-1)
    passes the client subnet on.
    """
    base = dict(
        HostedZoneId=zone_id, RecordName=normalise_name(params["record"]), RecordType=params.get("type") or "CNAME"
    )
    if params.get("resolver_ip"):
        base["ResolverIP"] = params["resolver_ip"]
    mask = params.get("client_subnet_mask")
    clients = client_addresses(params)
    if not clients:
        return [base]
    queries = []
    for address in clients:
        query = dict(base, EDNS0ClientSubnetIP=address)
        query.setdefault("ResolverIP", address)
        if mask is not None:
            query["EDNS0ClientSubnetMask"] = str(mask)
        queries.append(query)
    return queries


def _ask(client, zone_id, queries):
    answers = []
    for query in queries:
        answer = test_dns_answer(client, **query)
        result = dict(
            client_ip=query.get("EDNS0ClientSubnetIP"),
            client_subnet_mask=int(query["EDNS0ClientSubnetMask"]) if "EDNS0ClientSubnetMask" in query else None,
            resolver_ip=query.get("ResolverIP"),
            hosted_zone_id=zone_id,
            record_name=normalise_name(answer.get("RecordName", query["RecordName"])),
            record_type=answer.get("RecordType", query["RecordType"]),
            record_data=list(answer.get("RecordData", [])),
            response_code=answer.get("ResponseCode"),
            nameserver=answer.get("Nameserver"),
            protocol=answer.get("Protocol"),
        )
        answers.append(result)
    return answers


def answer_value(answer):
    """The first value of an answer, normalised (lower case, no trailing dot), or '' for no data."""
    data = answer.get("record_data") or []
    return normalise_name(data[0]) if data else ""


def condition_met(answer, condition):
    """Whether an answer meets a wait condition: ``equals`` (one of these values) and ``differs`` (none
    of these, and some value at all)."""
    value = answer_value(answer)
    equals = [normalise_name(v) for v in condition.get("equals") or []]
    differs = [normalise_name(v) for v in condition.get("differs") or []]
    if equals and value not in equals:
        return False
    if condition.get("differs") is not None and (not value or value in differs):
        return False
    return True


def check_wait_conditions(params):
    """Problems with ``wait_for``: each condition names an asked client address and says what to expect."""
    problems = []
    clients = client_addresses(params)
    for condition in params.get("wait_for") or []:
        if condition.get("client_ip") not in clients:
            problems.append(
                f"wait_for client_ip {condition.get('client_ip')!r} is not one of the asked client addresses"
            )
        if condition.get("equals") is None and condition.get("differs") is None:
            problems.append(f"wait_for {condition.get('client_ip')!r} needs equals or differs")
    return problems


def _apply_conditions(answers, conditions):
    """Mark each answer with its condition (``expected``, ``expected_met``); the client addresses not met."""
    unmet = []
    by_client = {c["client_ip"]: c for c in conditions}
    for answer in answers:
        condition = by_client.get(answer["client_ip"])
        if condition is None:
            continue
        met = condition_met(answer, condition)
        answer["expected"] = dict(equals=condition.get("equals"), differs=condition.get("differs"))
        answer["expected_met"] = met
        if not met:
            unmet.append(answer["client_ip"])
    return unmet


def dns_answers(client, params, clock=None, sleep=None):
    """``(answers, wait)``: TestDNSAnswer for every client address.

    With ``wait_for`` conditions, ask again (spaced as ``polling.next_delay``) until every condition
    is met or ``wait_timeout`` seconds passed: a health check's status, and so Route 53's answer, moves
    only after FailureThreshold x RequestInterval plus propagation. ``wait`` says whether they were
    met, after how long and how many rounds of questions; a timeout is not an error here (the caller
    reports which answers were not as expected).
    """
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    try:
        zone_id, _zone_name, _private = resolve_zone(client, params.get("hosted_zone_id"), params.get("zone"))
    except ValueError as e:
        raise LatencyRecordError(str(e)) from e
    queries = dns_answer_queries(params, zone_id)
    conditions = params.get("wait_for") or []
    timeout = max(0, int(params.get("wait_timeout") or 0))
    start = clock()
    slept = 0.0
    rounds = 0
    while True:
        answers = _ask(client, zone_id, queries)
        rounds += 1
        unmet = _apply_conditions(answers, conditions)
        elapsed = max(clock() - start, slept)
        delay = polling.next_delay(elapsed, timeout - elapsed)
        if not unmet or delay <= 0:
            break
        sleep(delay)
        slept += delay
    wait = None
    if conditions:
        wait = dict(met=not unmet, unmet=unmet, timeout=timeout, elapsed=round(elapsed, 3), rounds=rounds)
    return answers, wait
