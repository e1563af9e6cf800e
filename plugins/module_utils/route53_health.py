# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The TCP health check of a latency record: its settings, how they differ, and the steps that keep it.

Route 53 can change some settings of a health check in place (UpdateHealthCheck) and fixes others at
creation: a change of those needs a new health check (``replace``), and the old one is deleted only once
no record uses it. The steps (``plan_health_check``, ``apply_health_check_plan``, ``ensure_name_tag``,
``delete_health_checks``) append what they do (or would do in check mode) to ``actions``.
"""

from collections import namedtuple

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.multiregion.client_vpn.plugins.module_utils import aws_rules
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import AnsibleRoute53Error
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import LatencyRecordError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import add_health_check_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import create_health_check
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import delete_health_check
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import error_code
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import get_health_check
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import list_health_check_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import list_health_checks
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import update_health_check
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import caller_reference
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import normalise_name
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import our_health_checks
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import reference_generation

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
# Steps
# ---------------------------------------------------------------------------

HealthCheckPlan = namedtuple("HealthCheckPlan", "prefix config before keep updates obsolete known_generations")
HealthCheckPlan.__doc__ = """What to do with the unit's health checks.

``before`` is the health check found (the diff's before), ``keep`` the one the record is to use (None:
create one with ``config``, under a generation above ``known_generations``) and ``updates`` its
UpdateHealthCheck arguments; ``obsolete`` are the unit's other health checks, deleted after the record
moved off them.
"""


def _fits(health_check, desired_config):
    """Whether ``health_check`` has the desired fixed settings (the others can be updated in place)."""
    return not health_check_diff(health_check.get("HealthCheckConfig", {}), desired_config)[1]


def find_health_check(client, current_record, prefix, desired_config):
    """``(health_check, scanned)``: our health check, found through the record first (one GetHealthCheck),
    else by caller reference, preferring one with the desired fixed settings.

    ``scanned`` is every health check of the unit (newest first) when ListHealthChecks was read, else None.
    A record pointing at someone else's health check does not make it ours.
    """
    if current_record and current_record.get("HealthCheckId"):
        candidate = get_health_check(client, current_record["HealthCheckId"])
        if candidate and reference_generation(candidate.get("CallerReference"), prefix) is not None:
            return candidate, None
    scanned = our_health_checks(list_health_checks(client), prefix)
    matching = [hc for hc in scanned if _fits(hc, desired_config)]
    return (matching or scanned or [None])[0], scanned


def _immutable_error(health_check, immutable):
    fields = ", ".join(f"{k} {v[0]!r} -> {v[1]!r}" for k, v in sorted(immutable.items()))
    return LatencyRecordError(
        f"health check {health_check['Id']} cannot change {fields} (fixed at creation): "
        "set health_check.replace=true to create a new health check, repoint the record and delete the old one"
    )


def _replacement(scanned, old, desired_config):
    """``(health_check, updates)``: a replacement of ``old`` left by an interrupted run, reused rather than
    created again, or ``(None, {})``."""
    new = next((hc for hc in scanned if hc["Id"] != old["Id"] and _fits(hc, desired_config)), None)
    return new, (health_check_diff(new["HealthCheckConfig"], desired_config)[0] if new else {})


def plan_health_check(client, current_record, prefix, desired_config, replace=False):
    """A ``HealthCheckPlan`` (reads only). A fixed setting that differs is an error unless ``replace``."""
    found, scanned = find_health_check(client, current_record, prefix, desired_config)
    keep, updates, obsolete = found, {}, []
    if found is not None:
        updates, immutable = health_check_diff(found.get("HealthCheckConfig", {}), desired_config)
        if immutable:
            if not replace:
                raise _immutable_error(found, immutable)
            if scanned is None:
                scanned = our_health_checks(list_health_checks(client), prefix)
            obsolete.append(found)
            keep, updates = _replacement(scanned, found, desired_config)
    if scanned:
        # Health checks of this unit that no record will use (replaced, or left by an interrupted run).
        keep_id = keep["Id"] if keep else None
        obsolete_ids = {hc["Id"] for hc in obsolete}
        obsolete.extend(hc for hc in scanned if hc["Id"] != keep_id and hc["Id"] not in obsolete_ids)
    known_generations = [reference_generation(hc["CallerReference"], prefix) for hc in (scanned or [])]
    return HealthCheckPlan(prefix, desired_config, found, keep, updates, obsolete, known_generations)


def create_health_check_with_free_reference(client, prefix, config, known_generations):
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
            if error_code(e) != "HealthCheckAlreadyExists":
                raise
            # Used by a deleted health check (AWS keeps those for some days): take the next one.
            generation += 1
    raise LatencyRecordError(f"no free health-check caller reference found after {MAX_GENERATION_ATTEMPTS} attempts")


def apply_health_check_plan(client, plan, check_mode, actions):
    """Create the health check or update it in place, as planned; returns it (as it would be, in check mode)."""
    if plan.keep is None:
        actions.append("create_health_check")
        if check_mode:
            return predicted_health_check(None, config=plan.config, caller_ref=None)
        return create_health_check_with_free_reference(client, plan.prefix, plan.config, plan.known_generations)
    if plan.updates:
        actions.append("update_health_check")
        if check_mode:
            return predicted_health_check(plan.keep, plan.updates)
        return update_health_check(client, plan.keep["Id"], plan.keep.get("HealthCheckVersion", 1), **plan.updates)
    return plan.keep


def ensure_name_tag(client, health_check, name, created, check_mode, actions):
    """The health check's tags once its Name tag is ``name`` (None: the Name is not managed, no read)."""
    if name is None:
        return None
    tags = {} if created else list_health_check_tags(client, health_check["Id"])
    if tags.get("Name") != name:
        actions.append("tag_health_check")
        if not check_mode:
            add_health_check_tags(client, health_check["Id"], dict(Name=name))
        tags = dict(tags, Name=name)
    return tags


def delete_health_checks(client, health_checks, check_mode, actions):
    """Delete each of ``health_checks`` (no record may use them any more)."""
    for health_check in health_checks:
        actions.append("delete_health_check")
        if not check_mode:
            delete_health_check(client, health_check["Id"])
