"""Set differences of Client VPN associations, authorization rules and routes (pure logic)."""

import itertools

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_sets as sets

EID = "cvpn-endpoint-0123456789abcdef0"
SID = "S-1-5-21-1111111111-2222222222-3333333333-1104"


def aws_rule(cidr, group=None, description=None, status="active"):
    rule = {"ClientVpnEndpointId": EID, "DestinationCidr": cidr, "Status": {"Code": status}}
    if group:
        rule.update(GroupId=group, AccessAll=False)
    else:
        rule.update(GroupId="", AccessAll=True)
    if description is not None:
        rule["Description"] = description
    return rule


def aws_route(cidr, subnet, description=None, origin="add-route", status="active"):
    route = {
        "ClientVpnEndpointId": EID,
        "DestinationCidr": cidr,
        "TargetSubnet": subnet,
        "Type": "Nat",
        "Origin": origin,
        "Status": {"Code": status},
    }
    if description is not None:
        route["Description"] = description
    return route


def aws_assoc(subnet, status="associated", aid=None):
    return {
        "AssociationId": aid or f"cvpn-assoc-{subnet[-4:]}",
        "TargetNetworkId": subnet,
        "VpcId": "vpc-1",
        "ClientVpnEndpointId": EID,
        "Status": {"Code": status},
    }


def keys(items):
    return sorted(sets.rule_key(i) if "access_group_id" in i else sets.route_key(i) for i in items)


# --- CIDRs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [("10.0.0.0/16", "10.0.0.0/16"), (" 10.0.1.7/16 ", "10.0.0.0/16"), ("0.0.0.0/0", "0.0.0.0/0")],
)
def test_canonical_cidr(value, expected):
    assert sets.canonical_cidr(value) == expected


@pytest.mark.parametrize("value", ["10.0.0.0", "10.0.0.0/33", "banana/8", "2001:db8::/32", ""])
def test_canonical_cidr_rejects(value):
    with pytest.raises(sets.SetPlanError):
        sets.canonical_cidr(value)


def test_chunks_bounded_by_the_quota():
    assert [len(c) for c in sets.chunks(list(range(23)))] == [10, 10, 3]
    assert sets.chunks([]) == []


# --- rules ----------------------------------------------------------------------


def test_rules_to_add_only_the_new_one():
    current = [aws_rule("10.0.0.0/16", description="vpc"), aws_rule("10.99.0.0/24", SID, "admins")]
    desired = [
        {"destination_cidr": "10.0.0.0/16", "description": "vpc"},
        {"destination_cidr": "10.99.0.0/24", "access_group_id": SID, "description": "admins"},
        {"destination_cidr": "10.20.0.0/16", "description": "branch"},
    ]
    plan = sets.plan_rules(current, desired, purge=False, state="present")
    assert [r["destination_cidr"] for r in plan.to_add] == ["10.20.0.0/16"]
    assert plan.to_remove == []
    assert plan.changed
    assert not plan.wait_before_add


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_rules_order_independent(order):
    current = [aws_rule("10.0.0.0/16"), aws_rule("10.99.0.0/24", SID), aws_rule("10.99.0.0/24")]
    desired_all = [
        {"destination_cidr": "10.0.0.0/16"},
        {"destination_cidr": "10.99.0.0/24", "access_group_id": SID},
        {"destination_cidr": "10.99.0.0/24"},
    ]
    desired = [desired_all[i] for i in order]
    plan = sets.plan_rules(list(reversed(current)), desired, purge=True, state="present")
    assert not plan.changed
    assert len(plan.unchanged) == 3


def test_rule_same_cidr_different_group_is_another_rule():
    current = [aws_rule("10.99.0.0/24")]
    desired = [{"destination_cidr": "10.99.0.0/24", "access_group_id": SID}]
    plan = sets.plan_rules(current, desired, purge=True, state="present")
    assert keys(plan.to_add) == [("10.99.0.0/24", SID)]
    assert keys(plan.to_remove) == [("10.99.0.0/24", None)]
    assert not plan.wait_before_add  # different keys: no need to wait between them


def test_rule_description_change_is_revoke_then_authorize():
    current = [aws_rule("10.0.0.0/16", description="old")]
    plan = sets.plan_rules(current, [{"destination_cidr": "10.0.0.0/16", "description": "new"}], False, "present")
    assert keys(plan.to_remove) == keys(plan.to_add) == [("10.0.0.0/16", None)]
    assert plan.to_remove[0]["description"] == "old"
    assert plan.to_add[0]["description"] == "new"
    assert plan.wait_before_add
    assert [r["destination_cidr"] for r in plan.replaced] == ["10.0.0.0/16"]
    assert plan.before == [{"destination_cidr": "10.0.0.0/16", "access_group_id": None, "description": "old"}]
    assert plan.after == [{"destination_cidr": "10.0.0.0/16", "access_group_id": None, "description": "new"}]


@pytest.mark.parametrize(
    "declared, current, changed",
    [
        (None, "anything", False),  # omitted description: not managed
        ("", None, False),  # "" and no description are the same
        ("same", "same", False),
        ("", "x", True),
        ("x", None, True),
    ],
)
def test_rule_description_comparison(declared, current, changed):
    rule = {"destination_cidr": "10.0.0.0/16"}
    if declared is not None:
        rule["description"] = declared
    plan = sets.plan_rules([aws_rule("10.0.0.0/16", description=current)], [rule], False, "present")
    assert plan.changed is changed


def test_rule_cidr_compared_canonically():
    plan = sets.plan_rules([aws_rule("10.0.0.0/16")], [{"destination_cidr": "10.0.0.1/16"}], True, "present")
    assert not plan.changed


def test_rules_purge_false_keeps_undeclared_purge_true_revokes_them():
    current = [aws_rule("10.0.0.0/16"), aws_rule("10.1.0.0/16")]
    desired = [{"destination_cidr": "10.0.0.0/16"}]
    assert not sets.plan_rules(current, desired, False, "present").changed
    plan = sets.plan_rules(current, desired, True, "present")
    assert keys(plan.to_remove) == [("10.1.0.0/16", None)]
    assert plan.after == [{"destination_cidr": "10.0.0.0/16", "access_group_id": None, "description": None}]


def test_rules_absent_listed_and_all():
    current = [aws_rule("10.0.0.0/16"), aws_rule("10.1.0.0/16", SID)]
    plan = sets.plan_rules(
        current, [{"destination_cidr": "10.1.0.0/16", "access_group_id": SID, "description": "x"}], False, "absent"
    )
    assert keys(plan.to_remove) == [("10.1.0.0/16", SID)]
    plan = sets.plan_rules(current, None, False, "absent")
    assert len(plan.to_remove) == 2 and plan.after == []
    assert not sets.plan_rules(current, [{"destination_cidr": "10.9.0.0/16"}], False, "absent").changed


def test_rules_failed_is_replaced_revoking_is_readded_after_wait():
    current = [aws_rule("10.0.0.0/16", status="failed"), aws_rule("10.1.0.0/16", status="revoking")]
    desired = [{"destination_cidr": "10.0.0.0/16"}, {"destination_cidr": "10.1.0.0/16"}]
    plan = sets.plan_rules(current, desired, False, "present")
    assert keys(plan.to_remove) == [("10.0.0.0/16", None)]
    assert keys(plan.to_add) == [("10.0.0.0/16", None), ("10.1.0.0/16", None)]
    assert plan.wait_before_add


def test_rules_authorizing_counts_as_present():
    plan = sets.plan_rules(
        [aws_rule("10.0.0.0/16", status="authorizing")], [{"destination_cidr": "10.0.0.0/16"}], True, "present"
    )
    assert not plan.changed


def test_rules_duplicate_declared_keys_rejected():
    with pytest.raises(sets.SetPlanError, match="duplicate authorization rules.*10.0.0.0/16 -> all users"):
        sets.plan_rules(
            [],
            [{"destination_cidr": "10.0.0.0/16"}, {"destination_cidr": "10.0.0.0/16", "description": "x"}],
            False,
            "present",
        )


# --- routes ---------------------------------------------------------------------


def automatic_routes():
    return [
        aws_route("10.10.0.0/16", "subnet-a", "Default Route", origin="associate"),
        aws_route("10.10.0.0/16", "subnet-b", "Default Route", origin="associate"),
    ]


def test_routes_append_one_adds_one():
    current = automatic_routes() + [aws_route("10.20.0.0/16", "subnet-a", "peer")]
    desired = [
        {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a", "description": "peer"},
        {"destination_cidr": "10.30.0.0/16", "target_subnet": "subnet-b", "description": "peer2"},
    ]
    plan = sets.plan_routes(current, desired, purge=True, state="present")
    assert keys(plan.to_add) == [("10.30.0.0/16", "subnet-b")]
    assert plan.to_remove == []


def test_routes_automatic_never_purged_or_readded():
    current = automatic_routes()
    plan = sets.plan_routes(current, [], purge=True, state="present")
    assert not plan.changed
    assert plan.before == []  # the diff shows the routes added by hand only
    declared_auto = [{"destination_cidr": "10.10.0.0/16", "target_subnet": "subnet-a", "description": "mine"}]
    plan = sets.plan_routes(current, declared_auto, purge=True, state="present")
    assert not plan.changed
    assert keys(plan.ignored) == [("10.10.0.0/16", "subnet-a")]


def test_routes_absent_all_spares_automatic():
    current = automatic_routes() + [aws_route("0.0.0.0/0", "subnet-a")]
    plan = sets.plan_routes(current, None, False, "absent")
    assert keys(plan.to_remove) == [("0.0.0.0/0", "subnet-a")]
    plan = sets.plan_routes(
        current, [{"destination_cidr": "10.10.0.0/16", "target_subnet": "subnet-a"}], False, "absent"
    )
    assert not plan.changed and len(plan.ignored) == 1


def test_routes_same_cidr_two_subnets_are_two_routes():
    desired = [
        {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"},
        {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-b"},
    ]
    plan = sets.plan_routes(automatic_routes(), desired, False, "present")
    assert keys(plan.to_add) == [("10.20.0.0/16", "subnet-a"), ("10.20.0.0/16", "subnet-b")]


def test_routes_description_change_and_order_independence():
    current = [aws_route("10.20.0.0/16", "subnet-a", "old"), aws_route("10.30.0.0/16", "subnet-b", "keep")]
    desired = [
        {"destination_cidr": "10.30.0.0/16", "target_subnet": "subnet-b", "description": "keep"},
        {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a", "description": "new"},
    ]
    plan = sets.plan_routes(current, desired, True, "present")
    assert keys(plan.to_remove) == keys(plan.to_add) == [("10.20.0.0/16", "subnet-a")]
    assert plan.wait_before_add
    plan2 = sets.plan_routes(list(reversed(current)), list(reversed(desired)), True, "present")
    assert keys(plan2.to_add) == keys(plan.to_add) and plan2.after == plan.after


def test_routes_duplicate_declared_rejected():
    route = {"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"}
    with pytest.raises(sets.SetPlanError, match=r"duplicate routes .*10.20.0.0/16 -> subnet-a"):
        sets.plan_routes([], [route, dict(route, destination_cidr="10.20.0.5/16")], False, "present")


def test_routes_deleting_then_redeclared_waits():
    plan = sets.plan_routes(
        [aws_route("10.20.0.0/16", "subnet-a", status="deleting")],
        [{"destination_cidr": "10.20.0.0/16", "target_subnet": "subnet-a"}],
        False,
        "present",
    )
    assert len(plan.to_add) == 1 and plan.wait_before_add and not plan.to_remove


# --- associations ---------------------------------------------------------------

AZ = {"subnet-a": "us-east-1a", "subnet-b": "us-east-1b", "subnet-c": "us-east-1c", "subnet-a2": "us-east-1a"}
VPC = {s: "vpc-1" for s in AZ}


def test_associations_add_and_purge():
    plan = sets.plan_associations([aws_assoc("subnet-a")], ["subnet-b", "subnet-c"], True, "present", AZ, VPC)
    assert plan.associate_first == ["subnet-b", "subnet-c"]
    assert [a["subnet_id"] for a in plan.disassociate] == ["subnet-a"]
    assert plan.associate_after == []
    assert plan.before == ["subnet-a"] and plan.after == ["subnet-b", "subnet-c"]


def test_associations_idempotent_and_order_independent():
    current = [aws_assoc("subnet-b"), aws_assoc("subnet-a", status="associating")]
    for desired in (["subnet-a", "subnet-b"], ["subnet-b", "subnet-a"]):
        plan = sets.plan_associations(current, desired, True, "present", AZ, VPC)
        assert not plan.changed


def test_associations_purge_false_keeps_others():
    plan = sets.plan_associations([aws_assoc("subnet-a")], ["subnet-b"], False, "present", AZ, VPC)
    assert plan.associate_first == ["subnet-b"] and plan.disassociate == []
    assert plan.after == ["subnet-a", "subnet-b"]


def test_associations_two_declared_subnets_in_one_az_rejected():
    with pytest.raises(sets.SetPlanError, match="subnet-a and subnet-a2 are both in us-east-1a"):
        sets.plan_associations([], ["subnet-a", "subnet-a2"], True, "present", AZ, VPC)


def test_associations_new_subnet_in_az_of_kept_association_rejected():
    with pytest.raises(
        sets.SetPlanError, match="subnet-a2 is in us-east-1a, where subnet subnet-a is already associated"
    ):
        sets.plan_associations([aws_assoc("subnet-a")], ["subnet-a2"], False, "present", AZ, VPC)


def test_associations_replacement_in_same_az_waits_for_disassociation():
    plan = sets.plan_associations(
        [aws_assoc("subnet-a"), aws_assoc("subnet-b")], ["subnet-a2", "subnet-b"], True, "present", AZ, VPC
    )
    assert plan.associate_first == []
    assert [a["subnet_id"] for a in plan.disassociate] == ["subnet-a"]
    assert plan.associate_after == ["subnet-a2"]


def test_associations_az_of_disassociating_subnet_waits():
    plan = sets.plan_associations(
        [aws_assoc("subnet-a", status="disassociating")], ["subnet-a2"], True, "present", AZ, VPC
    )
    assert plan.associate_after == ["subnet-a2"] and plan.disassociate == []


def test_associations_disassociated_leftovers_are_ignored():
    plan = sets.plan_associations(
        [aws_assoc("subnet-a", status="disassociated")], ["subnet-a"], True, "present", AZ, VPC
    )
    assert plan.associate_first == ["subnet-a"] and plan.before == []


def test_associations_failed_is_replaced():
    plan = sets.plan_associations(
        [aws_assoc("subnet-a", status="association-failed")], ["subnet-a"], True, "present", AZ, VPC
    )
    assert [a["subnet_id"] for a in plan.disassociate] == ["subnet-a"]
    assert plan.associate_after == ["subnet-a"]


def test_associations_different_vpcs_rejected():
    with pytest.raises(sets.SetPlanError, match="different VPCs"):
        sets.plan_associations(
            [], ["subnet-a", "subnet-b"], True, "present", AZ, {"subnet-a": "vpc-1", "subnet-b": "vpc-2"}
        )


def test_associations_duplicate_declared_rejected():
    with pytest.raises(sets.SetPlanError, match="duplicate subnets.*subnet-a"):
        sets.plan_associations([], ["subnet-a", "subnet-a"], True, "present", AZ, VPC)


def test_associations_absent_listed_and_all():
    current = [aws_assoc("subnet-a"), aws_assoc("subnet-b")]
    plan = sets.plan_associations(current, ["subnet-b", "subnet-c"], True, "absent")
    assert [a["subnet_id"] for a in plan.disassociate] == ["subnet-b"]
    plan = sets.plan_associations(current, None, True, "absent")
    assert [a["association_id"] for a in plan.disassociate] == ["cvpn-assoc-et-a", "cvpn-assoc-et-b"]
    assert plan.after == []


# --- applying: never more than 10 in flight ---------------------------------------


class Recorder:
    def __init__(self):
        self.events = []

    def settle(self):
        self.events.append("settle")

    def op(self, name):
        return lambda item: self.events.append(name)


def max_in_flight(events):
    worst = run = 0
    for event in events:
        run = 0 if event == "settle" else run + 1
        worst = max(worst, run)
    return worst


def test_apply_set_plan_batches_of_ten():
    desired = [{"destination_cidr": f"10.{i}.0.0/16"} for i in range(25)]
    plan = sets.plan_rules([], desired, False, "present")
    rec = Recorder()
    budget = sets.OperationBudget(rec.settle)
    sets.apply_set_plan(plan, rec.op("remove"), rec.op("add"), budget, wait=False)
    assert rec.events.count("add") == 25
    assert max_in_flight(rec.events) == 10
    assert rec.events.count("settle") == 2  # before the 11th and the 21st, none at the end (wait=false)


def test_apply_set_plan_counts_operations_already_in_flight():
    plan = sets.plan_rules([], [{"destination_cidr": f"10.{i}.0.0/16"} for i in range(3)], False, "present")
    rec = Recorder()
    sets.apply_set_plan(plan, rec.op("remove"), rec.op("add"), sets.OperationBudget(rec.settle, in_flight=9), wait=True)
    assert rec.events == ["add", "settle", "add", "add", "settle"]


def test_apply_set_plan_replacement_waits_between_remove_and_add():
    plan = sets.plan_rules(
        [aws_rule("10.0.0.0/16", description="old")],
        [{"destination_cidr": "10.0.0.0/16", "description": "new"}],
        False,
        "present",
    )
    rec = Recorder()
    sets.apply_set_plan(plan, rec.op("remove"), rec.op("add"), sets.OperationBudget(rec.settle), wait=False)
    assert rec.events == ["remove", "settle", "add"]


def test_apply_set_plan_nothing_to_do_no_wait():
    plan = sets.plan_rules([aws_rule("10.0.0.0/16")], [{"destination_cidr": "10.0.0.0/16"}], False, "present")
    rec = Recorder()
    sets.apply_set_plan(plan, rec.op("remove"), rec.op("add"), sets.OperationBudget(rec.settle), wait=True)
    assert rec.events == []


def test_apply_association_plan_order():
    current = [aws_assoc("subnet-a"), aws_assoc("subnet-b")]
    plan = sets.plan_associations(current, ["subnet-a2", "subnet-c"], True, "present", AZ, VPC)
    rec = Recorder()
    sets.apply_association_plan(
        plan, rec.op("associate"), rec.op("disassociate"), sets.OperationBudget(rec.settle), wait=True
    )
    # subnet-c (free AZ) first, then both disassociations, then subnet-a2 once us-east-1a is free
    assert rec.events == ["associate", "disassociate", "disassociate", "settle", "associate", "settle"]
