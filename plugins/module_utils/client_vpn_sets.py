# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Set differences for the declared collections of a Client VPN endpoint.

Target networks (subnet associations), authorization rules and routes are
managed as *sets keyed by content*, never by list position, so that adding
one item to the declared list changes that item only:

- an association is keyed by its subnet ID;
- an authorization rule by (destination CIDR, AD group SID or "all users");
- a route by (destination CIDR, target subnet).

Neither rules nor routes can be modified in place: a different description on
an existing key means remove + add.  Routes AWS added by itself when a subnet
was associated (``Origin: associate``) are never removed, re-added or purged.

Planning is pure functions over plain data: no AWS call, so the logic is
unit-tested without a client.  The last sections hold what the modules share:
``ensure_endpoint_set`` applies a rule or route plan through the wrappers of
client_vpn.py, and their ``main()`` share their common options and the run
into ``exit_json``.
"""

import ipaddress
from dataclasses import dataclass
from typing import Callable

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import AnsibleClientVpnError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import error_code
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import wait_for
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import wait_until_listed
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module

# Items in these states exist (or are on their way to existing).
RULE_PRESENT_STATES = ("authorizing", "active")
ROUTE_PRESENT_STATES = ("creating", "active")
ASSOCIATION_PRESENT_STATES = ("associating", "associated")
# Items in these states are going away by themselves.
RULE_LEAVING_STATES = ("revoking",)
ROUTE_LEAVING_STATES = ("deleting",)
ASSOCIATION_LEAVING_STATES = ("disassociating", "disassociated")
# Items in these states exist but are broken: they are replaced.
RULE_FAILED_STATES = ("failed",)
ROUTE_FAILED_STATES = ("failed",)
ASSOCIATION_FAILED_STATES = ("association-failed",)
# Transitional states: an operation on the endpoint is in flight.
RULE_BUSY_STATES = ("authorizing", "revoking")
ROUTE_BUSY_STATES = ("creating", "deleting")
ASSOCIATION_BUSY_STATES = ("associating", "disassociating")

# Routes AWS adds by itself when a subnet is associated.
AUTOMATIC_ROUTE_ORIGIN = "associate"

# Client VPN quota: concurrent operations per endpoint (not adjustable).
MAX_CONCURRENT_OPERATIONS = 10


class SetPlanError(ValueError):
    """The declared set cannot be applied as given (raised before any AWS call)."""


def canonical_cidr(value):
    """The canonical form of an IPv4 CIDR (host bits cleared), for comparisons.

    Raises SetPlanError for anything that is not an IPv4 network in CIDR notation.
    """
    text = str(value).strip()
    if "/" not in text:
        raise SetPlanError(f"{value!r} is not a CIDR block (expected an IPv4 network such as 10.0.0.0/16)")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise SetPlanError(f"{value!r} is not a CIDR block (expected an IPv4 network such as 10.0.0.0/16)") from None
    if network.version != 4:
        raise SetPlanError(f"{value!r} is not an IPv4 CIDR block: Client VPN rules and routes are IPv4 only")
    return str(network)


def _same_description(desired, current):
    """A desired description of None means "not managed"; "" and None are the same on AWS's side."""
    if desired is None:
        return True
    return (desired or "") == (current or "")


def chunks(items, size=MAX_CONCURRENT_OPERATIONS):
    """Split a list into batches of at most ``size`` items (at least one item per batch)."""
    size = max(1, int(size))
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- normalisation ------------------------------------------------------------


def rule_from_aws(rule):
    """An AuthorizationRule of DescribeClientVpnAuthorizationRules as a plain dict."""
    group = None if rule.get("AccessAll") else (rule.get("GroupId") or None)
    return {
        "destination_cidr": rule.get("DestinationCidr"),
        "access_group_id": group,
        "description": rule.get("Description") or None,
        "status": (rule.get("Status") or {}).get("Code"),
    }


def rule_from_param(rule):
    """A rule of the module's ``rules`` option as a plain dict (CIDR validated)."""
    canonical_cidr(rule["destination_cidr"])
    return {
        "destination_cidr": rule["destination_cidr"].strip(),
        "access_group_id": rule.get("access_group_id") or None,
        "description": rule.get("description"),
    }


def rule_key(rule):
    return (canonical_cidr(rule["destination_cidr"]), rule.get("access_group_id") or None)


def route_from_aws(route):
    """A ClientVpnRoute of DescribeClientVpnRoutes as a plain dict."""
    return {
        "destination_cidr": route.get("DestinationCidr"),
        "target_subnet": route.get("TargetSubnet"),
        "description": route.get("Description") or None,
        "origin": route.get("Origin"),
        "type": route.get("Type"),
        "status": (route.get("Status") or {}).get("Code"),
    }


def route_from_param(route):
    """A route of the module's ``routes`` option as a plain dict (CIDR validated)."""
    canonical_cidr(route["destination_cidr"])
    return {
        "destination_cidr": route["destination_cidr"].strip(),
        "target_subnet": route["target_subnet"],
        "description": route.get("description"),
    }


def route_key(route):
    return (canonical_cidr(route["destination_cidr"]), route["target_subnet"])


def is_automatic_route(route):
    return route.get("origin") == AUTOMATIC_ROUTE_ORIGIN


def association_from_aws(association):
    """A TargetNetwork of DescribeClientVpnTargetNetworks as a plain dict."""
    return {
        "association_id": association.get("AssociationId"),
        "subnet_id": association.get("TargetNetworkId"),
        "vpc_id": association.get("VpcId"),
        "status": (association.get("Status") or {}).get("Code"),
    }


def rule_summary(rule):
    """What a rule looks like in a diff (no status)."""
    return {k: rule.get(k) for k in ("destination_cidr", "access_group_id", "description")}


def route_summary(route):
    """What a route looks like in a diff (no status)."""
    return {k: route.get(k) for k in ("destination_cidr", "target_subnet", "description")}


def _format_key(key):
    return " -> ".join(str(part) if part is not None else "all users" for part in key)


# --- rules and routes -----------------------------------------------------------


class SetPlan:
    """What to remove and add to turn the current set into the declared one.

    ``to_remove`` holds current items (as read from AWS: their values are what
    the delete call needs); ``to_add`` holds declared items.  A key in both is a
    replacement (remove, wait until gone, add).  ``ignored`` holds declared items
    left alone on purpose (the automatic routes), ``wait_before_add`` is true
    when an add must wait for a removal of the same key to finish first.
    """

    def __init__(self):
        self.to_add = []
        self.to_remove = []
        self.unchanged = []
        self.ignored = []
        self.before = []
        self.after = []
        self.wait_before_add = False

    @property
    def changed(self):
        return bool(self.to_add or self.to_remove)

    @property
    def replaced(self):
        """Keys both removed and added (a changed description, or a failed item recreated)."""
        removed = {item["_key"] for item in self.to_remove}
        return [item for item in self.to_add if item["_key"] in removed]


def _index_desired(desired, key_fn, what):
    index = {}
    duplicates = []
    for item in desired:
        key = key_fn(item)
        if key in index:
            duplicates.append(_format_key(key))
        index[key] = dict(item, _key=key)
    if duplicates:
        raise SetPlanError(f"duplicate {what} in the declared list: {', '.join(sorted(set(duplicates)))}")
    return index


def _sort_key(item):
    return tuple("" if part is None else str(part) for part in item["_key"])


def plan_set(
    current,
    desired,
    key_fn,
    summary_fn,
    purge,
    state,
    present_states,
    leaving_states,
    failed_states,
    what,
    protected_fn=None,
):
    """The generic difference between a current set (from AWS) and a declared set.

    :param current: plain dicts of the items on the endpoint (``*_from_aws``)
    :param desired: plain dicts of the declared items, or None (``state=absent``: every item)
    :param purge: with ``state=present``, remove current items that are not declared
    :param protected_fn: items for which it is true are never touched (automatic routes)
    """
    plan = SetPlan()
    protected_fn = protected_fn or (lambda item: False)
    wanted = _index_desired(desired or [], key_fn, what)

    present = {}
    leaving = set()
    protected = {}
    for item in current:
        key = key_fn(item)
        item = dict(item, _key=key)
        if protected_fn(item):
            protected[key] = item
        elif item.get("status") in leaving_states:
            leaving.add(key)
        elif item.get("status") in present_states or item.get("status") in failed_states:
            present[key] = item
        # any other (unknown) state is treated as already gone

    kept = dict(present)
    if state == "present":
        for key, item in wanted.items():
            if key in protected:
                plan.ignored.append(item)
                continue
            existing = present.get(key)
            if existing is None:
                plan.to_add.append(item)
                if key in leaving:
                    plan.wait_before_add = True
            elif existing.get("status") in failed_states or not _same_description(
                item.get("description"), existing.get("description")
            ):
                plan.to_remove.append(existing)
                plan.to_add.append(item)
                plan.wait_before_add = True
                kept.pop(key)
            else:
                plan.unchanged.append(existing)
        if purge:
            for key, existing in present.items():
                if key not in wanted:
                    plan.to_remove.append(existing)
                    kept.pop(key)
    else:
        for key, existing in present.items():
            if desired is None or key in wanted:
                plan.to_remove.append(existing)
                kept.pop(key)
        plan.ignored = [wanted[key] for key in wanted if key in protected]

    plan.to_add.sort(key=_sort_key)
    plan.to_remove.sort(key=_sort_key)
    plan.before = [summary_fn(item) for item in sorted(present.values(), key=_sort_key)]
    plan.after = [summary_fn(item) for item in sorted(list(kept.values()) + plan.to_add, key=_sort_key)]
    return plan


def plan_rules(current, desired, purge, state):
    """The rules to revoke and authorize.  ``current``: AWS AuthorizationRules; ``desired``: module rules or None."""
    return plan_set(
        [rule_from_aws(rule) for rule in current],
        None if desired is None else [rule_from_param(rule) for rule in desired],
        rule_key,
        rule_summary,
        purge,
        state,
        RULE_PRESENT_STATES,
        RULE_LEAVING_STATES,
        RULE_FAILED_STATES,
        "authorization rules (destination CIDR, group)",
    )


def plan_routes(current, desired, purge, state):
    """The routes to delete and create, never touching the automatic routes (Origin ``associate``)."""
    return plan_set(
        [route_from_aws(route) for route in current],
        None if desired is None else [route_from_param(route) for route in desired],
        route_key,
        route_summary,
        purge,
        state,
        ROUTE_PRESENT_STATES,
        ROUTE_LEAVING_STATES,
        ROUTE_FAILED_STATES,
        "routes (destination CIDR, target subnet)",
        protected_fn=is_automatic_route,
    )


def busy_count(items, busy_states):
    """How many items (plain dicts with ``status``) are in a transitional state."""
    return sum(1 for item in items if item.get("status") in busy_states)


# --- target networks ------------------------------------------------------------


class AssociationPlan:
    """Associations to make and undo, in an order that keeps the endpoint reachable.

    ``associate_first``: new subnets in Availability Zones that are free now.
    ``disassociate``: current associations (dicts with ``association_id``) to undo.
    ``associate_after``: new subnets whose AZ is only freed by a disassociation
    (AWS allows one subnet per AZ), started once that disassociation is done.
    Associating first and disassociating after means that replacing a subnet
    does not drop every connection (removing the last association would).
    """

    def __init__(self):
        self.associate_first = []
        self.disassociate = []
        self.associate_after = []
        self.unchanged = []
        self.before = []
        self.after = []

    @property
    def to_add(self):
        return self.associate_first + self.associate_after

    @property
    def changed(self):
        return bool(self.associate_first or self.disassociate or self.associate_after)


def duplicate_azs(subnet_ids, subnet_azs):
    """AZs holding more than one of ``subnet_ids``: {az: [subnet, ...]} (AWS allows one subnet per AZ)."""
    by_az = {}
    for subnet in subnet_ids:
        az = subnet_azs.get(subnet)
        if az is not None:
            by_az.setdefault(az, []).append(subnet)
    return {az: sorted(subnets) for az, subnets in by_az.items() if len(subnets) > 1}


def plan_associations(current, desired, purge, state, subnet_azs=None, subnet_vpcs=None):
    """The subnets to associate and the associations to undo.

    :param current: AWS TargetNetworks of the endpoint
    :param desired: declared subnet IDs, or None (``state=absent``: every association)
    :param subnet_azs: {subnet_id: availability zone} for declared and current subnets, used to
        refuse two subnets in one AZ before calling AWS and to order the changes
    :param subnet_vpcs: {subnet_id: vpc_id}, used to refuse declared subnets of different VPCs
    """
    subnet_azs = subnet_azs or {}
    subnet_vpcs = subnet_vpcs or {}
    plan = AssociationPlan()
    items = [association_from_aws(a) for a in current]

    if desired is not None:
        seen = set()
        dups = sorted({s for s in desired if s in seen or seen.add(s)})
        if dups:
            raise SetPlanError(f"duplicate subnets in the declared list: {', '.join(dups)}")

    present = {}
    leaving = []
    for item in items:
        if item["status"] in ASSOCIATION_LEAVING_STATES:
            leaving.append(item)
        elif item["status"] in ASSOCIATION_PRESENT_STATES + ASSOCIATION_FAILED_STATES:
            # A subnet has at most one live association; keep the first seen.
            present.setdefault(item["subnet_id"], item)

    wanted = list(dict.fromkeys(desired or []))
    kept = dict(present)
    to_add = []
    if state == "present":
        problems = []
        same_az = duplicate_azs(wanted, subnet_azs)
        for az, subnets in sorted(same_az.items()):
            problems.append(
                f"subnets {' and '.join(subnets)} are both in {az}: a Client VPN endpoint takes one subnet per Availability Zone"
            )
        vpcs = sorted({subnet_vpcs[s] for s in wanted if subnet_vpcs.get(s)})
        if len(vpcs) > 1:
            problems.append(
                f"the declared subnets are in different VPCs ({', '.join(vpcs)}): all must be in the endpoint's VPC"
            )
        for subnet in wanted:
            existing = present.get(subnet)
            if existing is None:
                to_add.append(subnet)
            elif existing["status"] in ASSOCIATION_FAILED_STATES:
                plan.disassociate.append(existing)
                to_add.append(subnet)
                kept.pop(subnet)
            else:
                plan.unchanged.append(existing)
        if purge:
            for subnet, existing in present.items():
                if subnet not in wanted:
                    plan.disassociate.append(existing)
                    kept.pop(subnet)
        # AZs still taken after the change by associations we keep.
        kept_azs = {subnet_azs.get(s): s for s in kept if subnet_azs.get(s)}
        for subnet in to_add:
            az = subnet_azs.get(subnet)
            if az is not None and az in kept_azs and kept_azs[az] != subnet:
                problems.append(
                    f"subnet {subnet} is in {az}, where subnet {kept_azs[az]} is already associated"
                    " (one subnet per Availability Zone): add it to subnet_ids only with purge=true or remove it first"
                )
        if problems:
            raise SetPlanError("; ".join(problems))
        # AZs freed only by a disassociation (ours, or one already in progress).
        freed_azs = {
            subnet_azs.get(a["subnet_id"]) for a in plan.disassociate + leaving if a["status"] != "disassociated"
        }
        freed_azs.discard(None)
        failed_subnets = {a["subnet_id"] for a in plan.disassociate}
        leaving_subnets = {a["subnet_id"] for a in leaving if a["status"] != "disassociated"}
        for subnet in to_add:
            if subnet_azs.get(subnet) in freed_azs or subnet in failed_subnets or subnet in leaving_subnets:
                plan.associate_after.append(subnet)
            else:
                plan.associate_first.append(subnet)
    else:
        for subnet, existing in present.items():
            if desired is None or subnet in wanted:
                plan.disassociate.append(existing)
                kept.pop(subnet)

    plan.associate_first.sort()
    plan.associate_after.sort()
    plan.disassociate.sort(key=lambda a: a["subnet_id"] or "")
    plan.before = sorted(present)
    plan.after = sorted(set(kept) | set(to_add))
    return plan


# --- applying a plan ------------------------------------------------------------


class OperationBudget:
    """Keeps at most ``limit`` mutations of one endpoint in flight.

    ``settle()`` (a callable) blocks until the endpoint has no operation of this
    kind in progress.  ``start()`` is called before each mutation: once ``limit``
    operations are in flight it settles first, so a module never exceeds the
    endpoint's concurrent-operation quota on its own (retries on
    ConcurrentMutationLimitExceeded cover operations started by others).
    """

    def __init__(self, settle, in_flight=0, limit=MAX_CONCURRENT_OPERATIONS):
        self._settle = settle
        self.in_flight = in_flight
        self.limit = max(1, int(limit))
        self.started = 0
        self.settles = 0

    def start(self):
        if self.in_flight >= self.limit:
            self.settle()
        self.in_flight += 1
        self.started += 1

    def settle(self):
        self._settle()
        self.settles += 1
        self.in_flight = 0


def apply_set_plan(plan, remove, add, budget, wait, pending=False):
    """Run a rule/route plan: removals, then (after waiting if a key is re-added) additions.

    ``remove(item)`` and ``add(item)`` make one API call each.  With ``wait`` the
    function returns once nothing is in progress any more; ``pending`` says that
    some declared item was already in progress before (waited for as well).
    """
    for item in plan.to_remove:
        budget.start()
        remove(item)
    if plan.to_add and plan.wait_before_add:
        budget.settle()
    for item in plan.to_add:
        budget.start()
        add(item)
    if wait and (budget.started or pending):
        budget.settle()


def apply_association_plan(plan, associate, disassociate, budget, wait, pending=False):
    """Run an association plan: new AZs first, then disassociations, then subnets of freed AZs.

    ``associate(subnet_id)`` and ``disassociate(association)`` make one API call each.
    """
    for subnet in plan.associate_first:
        budget.start()
        associate(subnet)
    for association in plan.disassociate:
        budget.start()
        disassociate(association)
    if plan.associate_after:
        budget.settle()
    for subnet in plan.associate_after:
        budget.start()
        associate(subnet)
    if wait and (budget.started or pending):
        budget.settle()


# --- rules and routes against AWS -------------------------------------------------------


@dataclass(frozen=True)
class EndpointSetKind:
    """What tells the rule and route modules apart around the one skeleton of ``ensure_endpoint_set``.

    :param option: the module option holding the declared set (``rules``, ``routes``)
    :param result_key: the result key (and diff key) listing the set as AWS describes it
    :param describe: ``(client, endpoint_id, **params)`` -> the set as AWS describes it, None when the
        endpoint does not exist
    :param waiter: the name of the waiter for "nothing of the set in progress"
    :param plan: ``(current, declared, purge, state)`` -> a SetPlan
    :param from_aws, key, summary: the ``*_from_aws``, ``*_key`` and ``*_summary`` functions
    :param busy_states: states of an item in progress
    :param remove, add: ``(client, endpoint_id, item)``: one AWS call each
    :param remove_failure, add_failure: what failed, e.g. "revoke Client VPN authorization rule"
    :param added: the verb of ``add`` in a failure found afterwards (``authorizing``, ``creating``)
    :param label: how the set is named in that failure (``authorization rules``)
    :param describe_item: an item -> its text in messages
    :param checkable: which items (plain dicts) have a key (default: all)
    :param duplicate_code: the error code of ``add`` for an item that exists already
    """

    option: str
    result_key: str
    describe: Callable
    waiter: str
    plan: Callable
    from_aws: Callable
    key: Callable
    summary: Callable
    busy_states: tuple
    remove: Callable
    add: Callable
    remove_failure: str
    add_failure: str
    added: str
    label: str
    describe_item: Callable
    checkable: Callable = lambda item: True
    duplicate_code: str = None


# Describe calls of rules and routes accept up to 1000 results per page.
SET_PAGE_SIZE = 1000


def check_endpoint_set(items, added, kind):
    """Fail when an item we added ended up failed (or vanished).  ``items``: the set as AWS describes it."""
    by_key = {}
    for found in items:
        item = kind.from_aws(found)
        if kind.checkable(item):
            by_key[kind.key(item)] = found
    problems = []
    for item in added:
        found = by_key.get(item["_key"])
        if found is None:
            problems.append(f"{kind.describe_item(item)}: not found after {kind.added} it")
        elif found.get("Status", {}).get("Code") == "failed":
            problems.append(f"{kind.describe_item(item)}: failed ({found['Status'].get('Message') or 'no message'})")
    if problems:
        raise AnsibleClientVpnError(message=f"Client VPN {kind.label} failed: " + "; ".join(problems))


def unlisted(items, added, kind):
    """The items of ``added`` (with ``_key``) missing from ``items`` (the set as AWS describes it)."""
    listed = set()
    for found in items:
        item = kind.from_aws(found)
        if kind.checkable(item):
            listed.add(kind.key(item))
    return [item for item in added if item["_key"] not in listed]


def _set_call(call, failure, kind, client, endpoint_id, duplicate_code=None):
    def run(item):
        try:
            call(client, endpoint_id, item)
        except AnsibleAWSError as e:
            # The describe we planned from missed an item made moments ago (EC2 is eventually consistent):
            # it exists, which is what we wanted; the wait then reads it like any other added item.
            if duplicate_code and error_code(e) == duplicate_code:
                return
            raise AnsibleClientVpnError(
                message=f"Failed to {failure} {kind.describe_item(item)}", exception=e.exception
            ) from e

    return run


def ensure_endpoint_set(client, params, check_mode, kind):
    """Make the endpoint's set of ``kind`` match ``params``; returns the module result (no exit)."""
    endpoint_id = params["client_vpn_endpoint_id"]
    state = params["state"]
    declared = params.get(kind.option)
    if state == "present" and declared is None:
        raise SetPlanError(f"{kind.option} is required when state=present")

    # The one read of a run that changes nothing: it also tells a missing (or deleted) endpoint,
    # which AWS answers with InvalidClientVpnEndpointId.NotFound (None here).
    current = kind.describe(client, endpoint_id, MaxResults=SET_PAGE_SIZE)
    if current is None:
        if state == "absent":
            return {
                "changed": False,
                kind.result_key: [],
                "added": [],
                "removed": [],
                "diff": dict(before={kind.result_key: []}, after={kind.result_key: []}),
            }
        raise AnsibleClientVpnError(message=f"Client VPN endpoint {endpoint_id} does not exist")

    plan = kind.plan(current, declared, params["purge"], state)
    result = dict(
        changed=plan.changed,
        added=[kind.summary(item) for item in plan.to_add],
        removed=[kind.summary(item) for item in plan.to_remove],
        diff=dict(before={kind.result_key: plan.before}, after={kind.result_key: plan.after}),
    )
    declared_keys = {item["_key"] for item in plan.unchanged}
    pending = any(
        found.get("Status", {}).get("Code") in kind.busy_states and kind.key(kind.from_aws(found)) in declared_keys
        for found in current
    )

    if not check_mode and (plan.changed or (params["wait"] and pending)):

        def read():
            return kind.describe(client, endpoint_id, MaxResults=SET_PAGE_SIZE) or []

        started = []

        def settle():
            # Nothing listed in progress, and everything started so far listed: an item missing from
            # the describe (EC2 is eventually consistent) may well still be an operation in flight.
            def settled_read():
                wait_for(
                    client,
                    kind.waiter,
                    params["wait_timeout"],
                    ClientVpnEndpointId=endpoint_id,
                    MaxResults=SET_PAGE_SIZE,
                )
                return read()

            def unsettled(items):
                busy = [f for f in items if f.get("Status", {}).get("Code") in kind.busy_states]
                return unlisted(items, started, kind) + busy

            wait_until_listed(settled_read, unsettled, params["wait_timeout"])

        add_call = _set_call(kind.add, kind.add_failure, kind, client, endpoint_id, kind.duplicate_code)

        def add(item):
            started.append(item)
            add_call(item)

        budget = OperationBudget(settle, in_flight=busy_count([kind.from_aws(f) for f in current], kind.busy_states))
        apply_set_plan(
            plan,
            remove=_set_call(kind.remove, kind.remove_failure, kind, client, endpoint_id),
            add=add,
            budget=budget,
            wait=params["wait"],
            pending=pending,
        )

        current = read()
        if params["wait"]:
            # What we added may be missing from the first describes (EC2 is eventually consistent).
            current = wait_until_listed(
                read, lambda items: unlisted(items, plan.to_add, kind), params["wait_timeout"], settle
            )
            check_endpoint_set(current, plan.to_add, kind)

    result[kind.result_key] = [camel_dict_to_snake_dict(found) for found in current]
    return result


# --- the modules' main() ------------------------------------------------------------


def endpoint_set_module_args(items_option, items_spec, purge_default, wait_timeout_default):
    """AnsibleAWSModule's arguments for a module managing one set of an endpoint, held by ``items_option``.

    The options are ``client_vpn_endpoint_id``, ``items_option`` (required with state=present),
    ``purge``, ``state``, ``wait`` and ``wait_timeout``; check mode is supported.
    """
    argument_spec = {
        "client_vpn_endpoint_id": dict(type="str", required=True),
        items_option: items_spec,
        "purge": dict(type="bool", default=purge_default),
        "state": dict(type="str", choices=["present", "absent"], default="present"),
        "wait": dict(type="bool", default=True),
        "wait_timeout": dict(type="int", default=wait_timeout_default),
    }
    return dict(
        argument_spec=argument_spec,
        required_if=[("state", "present", [items_option])],
        supports_check_mode=True,
    )


def run_endpoint_set_module(module, ensure):
    """The end of ``main()``: ``ensure(client, params, check_mode)`` on an EC2 client, then exit or fail.

    A SetPlanError (the declared set cannot be applied, found before any AWS call) fails
    with its message, an AnsibleAWSError with the AWS error; the diff is returned in diff mode only.
    """
    run_module(module, ensure, aws_client(module, "ec2"), module.params, module.check_mode, user_errors=(SetPlanError,))
