# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ec2_client_vpn_target_network does: the endpoint's subnet associations made to match a declared set.

``ensure_target_networks`` plans with ``plan_associations`` (client_vpn_sets), looks the subnets' Availability
Zones and VPCs up only when something is to be associated (``subnet_placement``), applies the plan with
``apply_association_plan`` within the endpoint's ``OperationBudget``, then waits until what it associated is
listed and checks it did not fail (``unassociated``, ``check_associations``). It returns the module result.
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import AnsibleClientVpnError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    associate_client_vpn_target_network,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    describe_client_vpn_target_networks,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import describe_subnets_by_id
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    disassociate_client_vpn_target_network,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import error_code
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import new_client_token
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import wait_for
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import wait_until_listed
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import ASSOCIATION_BUSY_STATES
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import OperationBudget
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import SetPlanError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import apply_association_plan
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import association_from_aws
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import busy_count
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import plan_associations

DUPLICATE_ASSOCIATION = "InvalidClientVpnDuplicateAssociationException"


def subnet_placement(client, subnet_ids):
    """({subnet: az}, {subnet: vpc}) for these subnets (one DescribeSubnets call)."""
    subnets = describe_subnets_by_id(client, sorted(set(subnet_ids)))
    return (
        {s["SubnetId"]: s.get("AvailabilityZone") for s in subnets},
        {s["SubnetId"]: s.get("VpcId") for s in subnets},
    )


def check_associations(associations, associated):
    """Fail when an association we made ended up failed (or vanished)."""
    live = {}
    for association in associations:
        item = association_from_aws(association)
        if item["status"] not in ("disassociating", "disassociated"):
            live[item["subnet_id"]] = association
    problems = []
    for subnet in associated:
        found = live.get(subnet)
        if found is None:
            problems.append(f"{subnet}: not associated after associating it")
        elif found.get("Status", {}).get("Code") == "association-failed":
            problems.append(f"{subnet}: association failed ({found['Status'].get('Message') or 'no message'})")
    if problems:
        raise AnsibleClientVpnError(message="Client VPN target network associations failed: " + "; ".join(problems))


def unassociated(associations, subnets):
    """The subnets of ``subnets`` without a live association in ``associations``."""
    live = {
        association_from_aws(a)["subnet_id"]
        for a in associations
        if association_from_aws(a)["status"] not in ("disassociating", "disassociated")
    }
    return [subnet for subnet in subnets if subnet not in live]


def visible(associations):
    return [camel_dict_to_snake_dict(a) for a in associations if a.get("Status", {}).get("Code") != "disassociated"]


def ensure_target_networks(client, params, check_mode):
    """Make the endpoint's associations match ``params``; returns the module result (no exit)."""
    endpoint_id = params["client_vpn_endpoint_id"]
    state = params["state"]
    declared = params.get("subnet_ids")
    if state == "present" and declared is None:
        raise SetPlanError("subnet_ids is required when state=present")

    # The one read of a run that changes nothing: it also tells a missing (or deleted) endpoint,
    # which AWS answers with InvalidClientVpnEndpointId.NotFound (None here).
    current = describe_client_vpn_target_networks(client, endpoint_id)
    if current is None:
        if state == "absent":
            return dict(
                changed=False,
                associations=[],
                associated=[],
                disassociated=[],
                diff=dict(before=dict(subnet_ids=[]), after=dict(subnet_ids=[])),
            )
        raise AnsibleClientVpnError(message=f"Client VPN endpoint {endpoint_id} does not exist")

    plan = plan_associations(current, declared, params["purge"], state)
    if state == "present" and plan.to_add:
        # Only when something is to be associated: where are the subnets? (no extra call on a re-run)
        involved = set(declared) | {association_from_aws(a)["subnet_id"] for a in current}
        subnet_azs, subnet_vpcs = subnet_placement(client, [s for s in involved if s])
        plan = plan_associations(current, declared, params["purge"], state, subnet_azs, subnet_vpcs)

    result = dict(
        changed=plan.changed,
        associated=list(plan.to_add),
        disassociated=[a["subnet_id"] for a in plan.disassociate],
        diff=dict(before=dict(subnet_ids=plan.before), after=dict(subnet_ids=plan.after)),
    )
    items = [association_from_aws(a) for a in current]
    pending = any(a["status"] in ASSOCIATION_BUSY_STATES and a["subnet_id"] in set(declared or []) for a in items)

    if not check_mode and (plan.changed or (params["wait"] and pending)):

        def read():
            return describe_client_vpn_target_networks(client, endpoint_id) or []

        started = []

        def settle():
            # Nothing listed in progress, and every subnet associated so far listed (a new association
            # missing from the describe, EC2 being eventually consistent, may still be in progress).
            def settled_read():
                wait_for(
                    client,
                    "client_vpn_target_networks_settled",
                    params["wait_timeout"],
                    ClientVpnEndpointId=endpoint_id,
                )
                return read()

            def unsettled(items):
                busy = [a for a in items if a.get("Status", {}).get("Code") in ASSOCIATION_BUSY_STATES]
                return unassociated(items, started) + busy

            wait_until_listed(settled_read, unsettled, params["wait_timeout"])

        def associate(subnet_id):
            started.append(subnet_id)
            try:
                # One token per intended association, reused by every retry of it.
                associate_client_vpn_target_network(client, endpoint_id, subnet_id, ClientToken=new_client_token())
            except AnsibleAWSError as e:
                # The describe we planned from missed an association made moments ago (EC2 is eventually
                # consistent, e.g. by a run with wait=false just before): it exists; the wait reads it.
                if error_code(e) == DUPLICATE_ASSOCIATION:
                    return
                raise AnsibleClientVpnError(
                    message=f"Failed to associate subnet {subnet_id} with Client VPN endpoint {endpoint_id}",
                    exception=e.exception,
                ) from e

        def disassociate(association):
            try:
                disassociate_client_vpn_target_network(client, endpoint_id, association["association_id"])
            except AnsibleAWSError as e:
                raise AnsibleClientVpnError(
                    message=f"Failed to disassociate subnet {association['subnet_id']} ({association['association_id']})",
                    exception=e.exception,
                ) from e

        budget = OperationBudget(settle, in_flight=busy_count(items, ASSOCIATION_BUSY_STATES))
        apply_association_plan(
            plan, associate=associate, disassociate=disassociate, budget=budget, wait=params["wait"], pending=pending
        )

        current = read()
        if params["wait"]:
            # A new association may be missing from the first describes (EC2 is eventually consistent).
            current = wait_until_listed(
                read, lambda items: unassociated(items, plan.to_add), params["wait_timeout"], settle
            )
            check_associations(current, plan.to_add)

    result["associations"] = visible(current)
    return result
