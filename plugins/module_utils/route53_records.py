# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Route 53 record sets and the zone they live in: the latency record wanted, how a record set compares
with it, the change batch between them, and submitting that batch.

Route 53 lists a record set in its own spelling (trailing dot, octal escapes, any case) and needs the exact
current values to DELETE one: records compare in one spelling (``record_differs``), deletes carry what was
listed (``exact_record``).
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import AnsibleRoute53Error
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import change_resource_record_sets
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import error_code
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import get_hosted_zone
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import list_hosted_zones_by_name
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import wait_for_change
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import normalise_name
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import strip_zone_id

# ---------------------------------------------------------------------------
# Record sets
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


def record_result(rrset):
    if not rrset:
        return {}
    result = camel_dict_to_snake_dict(exact_record(rrset))
    result["name"] = normalise_name(rrset.get("Name"))
    return result


# ---------------------------------------------------------------------------
# Zones
# ---------------------------------------------------------------------------


def zone_module_args(argument_spec, **kwargs):
    """AnsibleAWSModule's arguments for a module given its hosted zone by name (``zone``, resolved by
    ``resolve_zone``) or by ID (``hosted_zone_id``): exactly one of the two. Check mode is supported."""
    return dict(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[["zone", "hosted_zone_id"]],
        mutually_exclusive=[["zone", "hosted_zone_id"]],
        **kwargs,
    )


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
# Changes
# ---------------------------------------------------------------------------


def submit_change(client, zone_id, changes, comment, params, already_done=None):
    """ChangeResourceRecordSets, then (``wait``, the default) wait for INSYNC; returns the ChangeInfo.

    A retried batch whose first attempt was applied but whose answer was lost fails with
    InvalidChangeBatch (the CREATE "already exists", the DELETE "was not found"): ``already_done()``
    then reads the zone again, and a zone already as wanted is success. Its ChangeInfo is unknown: {}.
    """
    try:
        change_info = change_resource_record_sets(client, zone_id, changes, comment=comment)
    except AnsibleRoute53Error as e:
        if error_code(e) != "InvalidChangeBatch" or already_done is None or not already_done():
            raise
        return {}
    if params.get("wait", True):
        wait_for_change(client, change_info["Id"], params.get("wait_timeout") or 300)
        change_info = dict(change_info, Status="INSYNC")
    return change_info
