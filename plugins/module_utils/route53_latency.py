# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The logic of ``route53_latency_record``: one latency record and its TCP health check, kept as one unit.

``ensure_latency_record(client, params, check_mode)`` / ``ensure_latency_record_absent`` return the module
result and only need a (stub) client. Each is a short sequence of steps: find the unit (``latency_unit``,
``read_record_sets``), plan and apply its health check (route53_health), change its record
(``apply_record_change``), then delete the health checks no record uses any more. The health check is
changed before the record (a record may only point at an existing health check) and deleted after it.
"""

import functools
from collections import namedtuple

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import AnsibleRoute53Error
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import LatencyRecordError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import error_code
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import get_health_check_status
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import list_health_checks
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import list_record_sets
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_health import apply_health_check_plan
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_health import delete_health_checks
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_health import desired_health_check_config
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_health import ensure_name_tag
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_health import health_check_result
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_health import plan_health_check
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_health import validate_health_check_params
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import caller_reference_prefix
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import check_record_in_zone
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import default_set_identifier
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import normalise_name
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import normalise_target
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import our_health_checks
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import strip_zone_id
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import build_change_batch
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import desired_record
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import find_record
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import record_conflicts
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import record_differs
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import record_result
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import resolve_zone
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import submit_change

LatencyUnit = namedtuple("LatencyUnit", "zone_id zone_name record_name record_type set_identifier prefix")
LatencyUnit.__doc__ = """Where the unit lives and how its health checks are named (their caller-reference prefix).

``zone_name`` is None while the zone, given by ``hosted_zone_id``, has not been read.
"""


# ---------------------------------------------------------------------------
# Finding the unit
# ---------------------------------------------------------------------------


def latency_unit(client, params):
    """The ``LatencyUnit`` of ``params``.

    With ``zone`` (a name) the zone is looked up and the record name checked against it here.
    With ``hosted_zone_id`` no call is made: ``zone_name`` is None, and ``read_record_sets``
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
    return LatencyUnit(zone_id, zone_name, record_name, record_type, set_identifier, prefix)


def read_record_sets(client, params, unit):
    """``(records, current_record)``: the record sets of the unit's name and type, and ours among them.

    Given ``hosted_zone_id`` (``zone_name`` None), GetHostedZone is needed only when the record is
    not there: a record listed in the zone is inside it, and not at its apex (Route 53 refuses a
    CNAME there), and the listing itself answers NoSuchHostedZone for a missing zone. So a run
    that finds its record makes no zone read.
    """
    try:
        records = list_record_sets(client, unit.zone_id, unit.record_name, unit.record_type)
    except AnsibleRoute53Error as e:
        if unit.zone_name is None and error_code(e) == "NoSuchHostedZone":
            raise LatencyRecordError(f"hosted zone {params['hosted_zone_id']} does not exist") from e
        raise
    current_record = find_record(records, unit.set_identifier)
    if current_record is None and unit.zone_name is None:
        try:
            _zone_id, zone_name, _private = resolve_zone(client, params["hosted_zone_id"])
            check_record_in_zone(unit.record_name, zone_name)
        except ValueError as e:
            raise LatencyRecordError(str(e)) from e
    return records, current_record


def _refuse_conflicts(records, unit, latency_region):
    problems = record_conflicts(records, unit.set_identifier, latency_region)
    if problems:
        raise LatencyRecordError("cannot manage this latency record: " + "; ".join(problems))


def _target_and_ttl(params, warn):
    """``(fqdn, ttl)``: the record value (and health-checked name), and the TTL; bad settings refused here."""
    try:
        fqdn = normalise_target(params["target"], params.get("target_label") or "vpn")
        validate_health_check_params(params.get("health_check") or {})
    except ValueError as e:
        raise LatencyRecordError(str(e)) from e
    ttl = params.get("ttl")
    if ttl is None:
        ttl = 60
    if ttl > 60:
        warn(f"ttl {ttl} is above 60 s: with a health check AWS recommends 60 s or less, failover will be slower")
    return fqdn, ttl


# ---------------------------------------------------------------------------
# Changing the record
# ---------------------------------------------------------------------------


def _wanted_record(unit, latency_region, ttl, fqdn, health_check_id, check_mode):
    """The record set wanted; in check mode a health check still to be created shows as a placeholder."""
    desired = desired_record(
        unit.record_name, unit.record_type, unit.set_identifier, latency_region, ttl, fqdn, health_check_id
    )
    if check_mode and health_check_id is None:
        desired["HealthCheckId"] = "(new health check)"
    return desired


def _record_is(client, unit, desired):
    """Whether the zone, read again, holds the record as ``desired`` (None: holds none)."""
    now = find_record(list_record_sets(client, unit.zone_id, unit.record_name, unit.record_type), unit.set_identifier)
    if desired is None:
        return now is None
    return now is not None and not record_differs(now, desired)


def apply_record_change(client, params, unit, current_record, desired, check_mode, actions):
    """Take the record from ``current_record`` to ``desired`` (None: delete it).

    Returns ``(record, change_info)``: the record after the change (as it would be, in check mode) and the
    ChangeInfo (None when nothing was submitted).
    """
    changes = build_change_batch(current_record, desired)
    if not changes:
        return current_record, None
    comment = f"multiregion.client_vpn latency record {unit.set_identifier}"
    if desired is None:
        actions.append("delete_record")
        comment += " removed"
    else:
        actions.append("create_record" if current_record is None else "update_record")
    change_info = None
    if not check_mode:
        already_done = functools.partial(_record_is, client, unit, desired)
        change_info = submit_change(client, unit.zone_id, changes, comment, params, already_done=already_done)
    return desired, change_info


# ---------------------------------------------------------------------------
# The module's logic
# ---------------------------------------------------------------------------


def _diff_view(rrset, health_check):
    return dict(record=record_result(rrset), health_check=health_check_result(health_check))


def _result(actions, change_info, before, after, tags=None, observations=None):
    """The module result; ``before`` and ``after`` are ``(record, health check)`` pairs."""
    after_record, after_health_check = after
    return dict(
        changed=bool(actions),
        actions=actions,
        record=record_result(after_record),
        health_check=health_check_result(after_health_check, tags=tags, observations=observations),
        change_info=camel_dict_to_snake_dict(change_info) if change_info else {},
        diff=dict(before=_diff_view(*before), after=_diff_view(*after)),
    )


def ensure_latency_record(client, params, check_mode=False, warn=None):
    """Make the latency record and its health check match ``params``; returns the module result."""
    unit = latency_unit(client, params)
    fqdn, ttl = _target_and_ttl(params, warn or (lambda msg: None))
    records, current_record = read_record_sets(client, params, unit)
    _refuse_conflicts(records, unit, params["latency_region"])

    hc_params = params.get("health_check") or {}
    config = desired_health_check_config(hc_params, fqdn)
    plan = plan_health_check(client, current_record, unit.prefix, config, replace=hc_params.get("replace"))
    actions = []
    health_check = apply_health_check_plan(client, plan, check_mode, actions)
    tags = ensure_name_tag(client, health_check, hc_params.get("name"), plan.keep is None, check_mode, actions)

    desired = _wanted_record(unit, params["latency_region"], ttl, fqdn, health_check.get("Id"), check_mode)
    after_record, change_info = apply_record_change(client, params, unit, current_record, desired, check_mode, actions)
    delete_health_checks(client, plan.obsolete, check_mode, actions)

    observations = None
    if params.get("include_health_status") and health_check.get("Id"):
        observations = get_health_check_status(client, health_check["Id"])
    before, after = (current_record, plan.before), (after_record, health_check)
    return _result(actions, change_info, before, after, tags=tags, observations=observations)


def ensure_latency_record_absent(client, params, check_mode=False):
    """Delete the latency record (exact current values), then every health check of this unit."""
    if not (params.get("set_identifier") or params.get("latency_region")):
        raise LatencyRecordError("state=absent needs set_identifier or latency_region to find the record")
    unit = latency_unit(client, params)
    _records, current_record = read_record_sets(client, params, unit)
    ours = our_health_checks(list_health_checks(client), unit.prefix)
    actions = []
    _after, change_info = apply_record_change(client, params, unit, current_record, None, check_mode, actions)
    delete_health_checks(client, ours, check_mode, actions)
    return _result(actions, change_info, (current_record, ours[0] if ours else None), (None, None))
