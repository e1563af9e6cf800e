# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Route 53 names: DNS names as Route 53 spells them, and the caller references of our health checks.

Pure functions over plain values (no client): Route 53 answers names in its own spelling (trailing dot,
octal escapes, any case), and everything here compares them in one spelling.

Identity of the unit managed by ``route53_latency_record``: (hosted zone id, record name, record type,
set identifier). Its health check carries a caller reference ``mrcv-<32 hex of sha256(identity)>-<generation>``
(<= 64 characters, as CreateHealthCheck allows): the prefix finds it again with ListHealthChecks, the
generation lets a unit be created again after a delete (AWS refuses a caller reference of a deleted health
check for some days) or its health check be replaced when an immutable setting changes.
"""

import hashlib
import re

CALLER_REFERENCE_PREFIX = "mrcv-"
CALLER_REFERENCE_MAX = 64

LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
HOSTED_ZONE_PREFIX = "/hostedzone/"


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
