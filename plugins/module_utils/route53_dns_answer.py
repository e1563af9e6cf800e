# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The logic of ``route53_dns_answer_info``: what Route 53 answers each client address, waiting if asked
until the answers meet conditions (a drain or a restore moving them between Regions).

``request_problems(params)`` finds bad addresses before any call; ``dns_answer_info(client, params)``
returns the module result.
"""

import ipaddress
import time

from ansible_collections.multiregion.client_vpn.plugins.module_utils import polling
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import LatencyRecordError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import test_dns_answer
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import normalise_name
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import resolve_zone


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


def request_problems(params):
    """Problems with the addresses, the mask and the wait conditions, found before any call."""
    problems = []
    addresses = list(params.get("client_ips") or [])
    if params.get("client_ip"):
        addresses.append(params["client_ip"])
    versions = set()
    for value in addresses + ([params["resolver_ip"]] if params.get("resolver_ip") else []):
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            problems.append(f"{value!r} is not an IP address")
            continue
        if value in addresses:
            versions.add(address.version)
    mask = params.get("client_subnet_mask")
    if mask is not None:
        if not addresses:
            problems.append("client_subnet_mask needs client_ip or client_ips")
        limit = 32 if versions == {4} else 128
        if not 0 <= mask <= limit:
            problems.append(f"client_subnet_mask must be between 0 and {limit}")
    return problems + check_wait_conditions(params)


def dns_answer_info(client, params):
    """The module result: ``answers``, and ``wait`` when there were ``wait_for`` conditions."""
    answers, wait = dns_answers(client, params)
    result = dict(changed=False, answers=answers)
    if wait is not None:
        result["wait"] = wait
    return result
