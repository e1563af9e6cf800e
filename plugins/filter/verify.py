# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the verify role: what each Region's probe must get from Route 53, and the verdict (rows, problems,
table) from what Route 53 answered.

An endpoint is the role's ``verify_endpoint`` fact of a Region host: ``{region, id, status, dns_name, record_value,
probe_ip}`` (``record_value``: the endpoint's name as the latency record holds it, empty without an endpoint).
Route 53's answers decide; the health checkers' reports are shown for diagnosis only.
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

TABLE_ROW = "%-15s %-32s %-17s %-10s %-16s %-15s %-8s %s"
TABLE_HEADER = TABLE_ROW % ("Region", "Endpoint", "Status", "Checkers", "Probe", "Reaches", "Wildcard", "OK")


def _endpoints(endpoints, name):
    """``endpoints`` as a list of mappings that name their Region, else a clear error."""
    try:
        endpoints = list(endpoints)
    except TypeError as exc:
        raise AnsibleFilterError(f"{name}: expects a list of endpoints (verify_endpoint), got {endpoints!r}") from exc
    for endpoint in endpoints:
        if not isinstance(endpoint, Mapping) or not endpoint.get("region"):
            raise AnsibleFilterError(f"{name}: an endpoint needs at least its 'region', got {endpoint!r}")
    return endpoints


def _expected(endpoint, endpoints, drained):
    """The record values a client near ``endpoint``'s Region may get: its own Region's endpoint; for a drained
    Region, the endpoint of any other Region that is not drained and has one. Empty when none can answer."""
    if endpoint["region"] not in drained:
        return [endpoint["record_value"]] if endpoint.get("record_value") else []
    return [
        other["record_value"]
        for other in endpoints
        if other.get("record_value") and other["region"] not in drained  # nor itself: it is drained
    ]


def verify_expectations(endpoints, drained_regions=()):
    """What route53_dns_answer_info waits for: ``[{client_ip, equals}]``, one per probe (``probe_ip``) whose
    Region's clients have an expected endpoint; a probe none can answer is not waited for (the verdict reports it).
    """
    endpoints = _endpoints(endpoints, "verify_expectations")
    drained = set(drained_regions or ())
    expectations = []
    for endpoint in endpoints:
        values = _expected(endpoint, endpoints, drained) if endpoint.get("probe_ip") else []
        if values:
            expectations.append({"client_ip": endpoint["probe_ip"], "equals": values})
    return expectations


def _registered(result, key, name):
    """``result[key]`` of a registered task result, or ``[]`` when it did not run (skipped, check mode)."""
    if result is None:
        return []
    if not isinstance(result, Mapping):
        raise AnsibleFilterError(f"{name}: expects a registered task result (a dict), got {result!r}")
    return result.get(key) or []


def _first_name(answer):
    """The first name a TestDNSAnswer result holds, lower case and without the final dot; ``''`` without one."""
    data = (answer or {}).get("record_data") or [""]
    name = str(data[0] or "").lower()
    return name[:-1] if name.endswith(".") else name


def _latency_regions(record_sets, vpn_fqdn):
    """The Regions that have a latency record of the VPN name (a record set of that name with a ``Region``)."""
    return [
        record["Region"]
        for record in _registered(record_sets, "ResourceRecordSets", "verify_verdict")
        if record.get("Name") == f"{vpn_fqdn}." and "Region" in record
    ]


def _checkers(health):
    """Per Region of a latency record, what its health checkers last reported: ``"<successes>/<observations>"``,
    ``"?"`` when the status could not be read. Diagnostics only: the checkers see the endpoint, not Route 53's view.
    """
    checkers = {}
    for result in _registered(health, "results", "verify_verdict"):
        region = result["item"]["Region"]
        if "health_check_observations" not in result:
            checkers[region] = "?"
            continue
        observations = result["health_check_observations"] or []
        successes = [
            o
            for o in observations
            if str(((o or {}).get("status_report") or {}).get("status", "")).startswith("Success")
        ]
        checkers[region] = f"{len(successes)}/{len(observations)}"
    return checkers


def _table(rows):
    """The verification table, one line per Region under a header (``*``: drained on purpose)."""
    return [TABLE_HEADER] + [
        TABLE_ROW
        % (
            row["region"],
            row["endpoint"],
            row["status"],
            row["checkers"] + ("*" if row["drained"] else ""),
            row["probe_ip"],
            row["reaches"],
            row["wildcard"],
            "ok" if row["ok"] else "FAIL",
        )
        for row in rows
    ]


def verify_verdict(
    endpoints,
    answers=None,
    wildcard_answers=None,
    record_sets=None,
    health=None,
    *,
    vpn_fqdn,
    zone_fqdn,
    zone_id,
    name_prefix,
    drained_regions=(),
    wildcard=True,
    random_name="",
):
    """The verdict: ``{rows, problems, table}``, one row per endpoint, in their order.

    A Region fails when its endpoint has no latency record; when its probe has no endpoint to expect (its own is
    missing and it is not drained); when Route 53 did not give its probe an expected endpoint (``expected_met`` of
    ``answers``, which asked again while it was not); with ``wildcard``, when a random name does not answer the VPN
    name. A missing hosted zone is a problem of its own. ``answers`` and ``wildcard_answers`` hold one answer per
    probe, in the order of the endpoints that have a ``probe_ip``; a task that did not run counts as no answer.
    """
    try:
        endpoints = _endpoints(endpoints, "verify_verdict")
        drained = set(drained_regions or ())
        wildcard = boolean(wildcard, strict=False)
        latency_regions = _latency_regions(record_sets, vpn_fqdn)
        checkers = _checkers(health)
        # A name a probe got -> the Region whose endpoint it is (the last endpoint wins, as in a dict update).
        reaches = {e["record_value"]: e["region"] for e in endpoints if e.get("record_value")}
        probes = [e["region"] for e in endpoints if e.get("probe_ip")]
        dns_answers = _registered(answers, "answers", "verify_verdict")
        wildcard_dns_answers = _registered(wildcard_answers, "answers", "verify_verdict")
        waited = (answers or {}).get("wait") or {}
        problems = [] if zone_id else [f"there is no public hosted zone {zone_fqdn}"]
        rows = []
        for endpoint in endpoints:
            region = endpoint["region"]
            row = {
                "region": region,
                "endpoint": endpoint.get("id") or "-",
                "status": endpoint.get("status", ""),
                "dns_name": endpoint.get("dns_name") or "-",
                "record": "yes" if region in latency_regions else "no",
                "checkers": checkers.get(region, "-"),
                "drained": region in drained,
                "probe_ip": endpoint.get("probe_ip") or "-",
                "answer": "-",
                "reaches": "-",
                "wildcard": "-",
                "ok": True,
            }
            region_problems = []
            if endpoint.get("record_value") and region not in latency_regions:
                region_problems.append(f"{region}: no latency record for endpoint {endpoint.get('id')}")
            if endpoint.get("probe_ip"):
                probe_ip = endpoint["probe_ip"]
                i = probes.index(region)
                result = dns_answers[i] if len(dns_answers) > i else {}
                answer = _first_name(result)
                row.update(answer=answer or "(none)", reaches=reaches.get(answer, "?"))
                if not endpoint.get("record_value") and region not in drained:
                    region_problems.append(f"{region}: no endpoint named {name_prefix}-{region}")
                elif not (result or {}).get("expected_met"):
                    expected = " or ".join(_expected(endpoint, endpoints, drained)) or "another healthy Region"
                    still = (
                        f" (still after {waited.get('elapsed', '')} s of {waited.get('timeout', '')} s)"
                        if waited
                        else ""
                    )
                    region_problems.append(
                        f"{region}: a client at {probe_ip} gets {answer or 'no answer'}, expected {expected}{still}"
                    )
                if wildcard:
                    wild = _first_name(wildcard_dns_answers[i] if len(wildcard_dns_answers) > i else {})
                    row["wildcard"] = "ok" if wild == vpn_fqdn else (wild or "none")
                    if wild != vpn_fqdn:
                        region_problems.append(
                            f"{region}: {random_name} answers {wild or 'nothing'} for {probe_ip},"
                            f" expected {vpn_fqdn} (the wildcard record)"
                        )
            row["ok"] = not region_problems
            problems.extend(region_problems)
            rows.append(row)
        return {"rows": rows, "problems": problems, "table": _table(rows)}
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"verify_verdict: malformed input: {exc!r}") from exc


class FilterModule:
    """The verify role's expectations and verdict."""

    def filters(self):
        return {"verify_expectations": verify_expectations, "verify_verdict": verify_verdict}
