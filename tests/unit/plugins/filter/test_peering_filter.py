"""The peers (peering_peers), who requests each pair, who waits, what is skipped (peering_plan); which peerings are
found (peering_vpcs) and routed (peering_links, peering_routes)."""

import itertools

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.peering import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.filter.peering import peering_links
from ansible_collections.multiregion.client_vpn.plugins.filter.peering import peering_peers
from ansible_collections.multiregion.client_vpn.plugins.filter.peering import peering_plan
from ansible_collections.multiregion.client_vpn.plugins.filter.peering import peering_routes
from ansible_collections.multiregion.client_vpn.plugins.filter.peering import peering_vpcs

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "us-west-1", "us-east-2"]
VPCS = {region: f"vpc-{i}" for i, region in enumerate(REGIONS)}
CIDRS = {region: f"10.{10 * (i + 1)}.0.0/16" for i, region in enumerate(REGIONS)}


def peers_of(region, regions=None, unknown=()):
    regions = REGIONS if regions is None else regions
    return [
        {"host": r, "region": r, "vpc_id": "" if r in unknown else VPCS[r], "cidr": "" if r in unknown else CIDRS[r]}
        for r in regions
        if r != region
    ]


def regions_of(items):
    return [item["region"] for item in items]


@pytest.mark.parametrize("count", [2, 3, 4, 5])
def test_every_pair_is_requested_by_exactly_one_side_and_awaited_by_the_other(count):
    regions = REGIONS[:count]
    plans = {r: peering_plan(peers_of(r, regions), r, regions) for r in regions}
    for a, b in itertools.combinations(regions, 2):
        requested_by_a = b in regions_of(plans[a]["request"])
        requested_by_b = a in regions_of(plans[b]["request"])
        assert requested_by_a != requested_by_b, (a, b)
        assert (a in regions_of(plans[b]["wait"])) == requested_by_a
        assert (b in regions_of(plans[a]["wait"])) == requested_by_b
    assert all(plan["skipped"] == [] for plan in plans.values())
    # Spread: no Region requests more than half of its pairs, rounded up.
    assert max(len(plan["request"]) for plan in plans.values()) <= (count - 1 + 1) // 2 + 1


def test_the_split_does_not_move_when_a_region_fails():
    everyone = peering_plan(peers_of("us-east-1"), "us-east-1", REGIONS)
    without = peering_plan(peers_of("us-east-1"), "us-east-1", [r for r in REGIONS if r != "eu-west-1"])
    for kind in ("request", "wait"):
        assert regions_of(without[kind]) == [r for r in regions_of(everyone[kind]) if r != "eu-west-1"]


def test_a_failed_region_is_skipped_never_awaited():
    # 3 Regions sorted: eu-west-1, us-east-1, us-west-2; eu-west-1 requests its pair with us-east-1.
    regions = REGIONS[:3]
    assert regions_of(peering_plan(peers_of("us-east-1", regions), "us-east-1", regions)["wait"]) == ["eu-west-1"]
    plan = peering_plan(peers_of("us-east-1", regions), "us-east-1", ["us-east-1", "us-west-2"])
    assert plan["wait"] == [] and regions_of(plan["request"]) == ["us-west-2"]
    assert [(s["region"], s["reason"]) for s in plan["skipped"]] == [("eu-west-1", "failed earlier in this run")]


def test_a_region_whose_vpc_is_unknown_is_skipped():
    plan = peering_plan(peers_of("us-east-1", REGIONS[:3], unknown=["us-west-2"]), "us-east-1", REGIONS[:3])
    assert [(s["region"], s["reason"]) for s in plan["skipped"]] == [("us-west-2", "its VPC is unknown")]


def test_malformed_peers_fail_clearly():
    with pytest.raises(AnsibleFilterError, match="peering_plan"):
        peering_plan([{"region": "x"}], "us-east-1", [])


def active(pcx, requester, accepter, name=None, owner="vpn.example.com"):
    tags = {"multiregion:client_vpn": owner}
    if name:
        tags["Name"] = name
    return {
        "vpc_peering_connection_id": pcx,
        "requester_vpc_info": {"vpc_id": VPCS[requester], "region": requester, "cidr_block": CIDRS[requester]},
        "accepter_vpc_info": {"vpc_id": VPCS[accepter], "region": accepter, "cidr_block": CIDRS[accepter]},
        "tags": tags,
    }


def test_links_of_a_full_run():
    regions = REGIONS[:3]
    plan = peering_plan(peers_of("us-east-1", regions), "us-east-1", regions)
    request = plan["request"][0]  # us-west-2
    requested = [{"item": request, "peering_id": "pcx-new"}]
    found = [active("pcx-new", "us-east-1", "us-west-2"), active("pcx-w", "eu-west-1", "us-east-1")]
    links = peering_links(plan, "us-east-1", VPCS["us-east-1"], found, requested, "vpn.example.com")
    assert links == [
        {"region": "eu-west-1", "peering_id": "pcx-w", "cidr": CIDRS["eu-west-1"]},
        {"region": "us-west-2", "peering_id": "pcx-new", "cidr": CIDRS["us-west-2"]},
    ]
    assert peering_routes(links) == [
        {"dest": CIDRS["eu-west-1"], "vpc_peering_connection_id": "pcx-w"},
        {"dest": CIDRS["us-west-2"], "vpc_peering_connection_id": "pcx-new"},
    ]


def test_a_skipped_region_keeps_the_peering_an_earlier_run_made():
    regions = REGIONS[:3]
    # eu-west-1 failed before its VPC was even read in this run: found by the pair's Name tag, CIDR from AWS.
    plan = peering_plan(peers_of("us-east-1", regions, unknown=["eu-west-1"]), "us-east-1", ["us-east-1", "us-west-2"])
    found = [
        active("pcx-w", "eu-west-1", "us-east-1", name="vpn.example.com-eu-west-1-us-east-1"),
        active("pcx-other", "us-east-1", "eu-west-1", name="someone-else", owner="other"),
    ]
    links = peering_links(
        plan,
        "us-east-1",
        VPCS["us-east-1"],
        found,
        [],
        "vpn.example.com",
        {"multiregion:client_vpn": "vpn.example.com"},
    )
    assert links[0] == {"region": "eu-west-1", "peering_id": "pcx-w", "cidr": CIDRS["eu-west-1"]}
    assert regions_of(links) == ["eu-west-1", "us-west-2"]


def test_a_skipped_region_without_a_peering_is_not_routed():
    regions = REGIONS[:3]
    plan = peering_plan(peers_of("us-east-1", regions), "us-east-1", ["us-east-1"])
    assert peering_links(plan, "us-east-1", VPCS["us-east-1"], [], [], "vpn.example.com") == []


def test_check_mode_links_an_unrequested_pair_without_an_id():
    regions = REGIONS[:2]
    plan = peering_plan(peers_of("us-east-1", regions), "us-east-1", regions)
    links = peering_links(plan, "us-east-1", VPCS["us-east-1"], [], [{"item": plan["request"][0]}], "p")
    assert links == [{"region": "us-west-2", "peering_id": "", "cidr": CIDRS["us-west-2"]}]


def test_peering_peers_lists_every_other_region_host_in_order_with_its_vpc():
    hostvars = {
        "us-east-1": {"network_vpc_id": VPCS["us-east-1"], "network_vpc_cidr": CIDRS["us-east-1"]},
        "oregon": {
            "aws_region": "us-west-2",
            "network_vpc_id": VPCS["us-west-2"],
            "network_vpc_cidr": CIDRS["us-west-2"],
        },
        "eu-west-1": {"network_vpc_id": VPCS["eu-west-1"], "network_vpc_cidr": CIDRS["eu-west-1"]},
    }
    assert peering_peers(["us-east-1", "oregon", "eu-west-1"], hostvars, "us-east-1") == [
        {"host": "oregon", "region": "us-west-2", "vpc_id": VPCS["us-west-2"], "cidr": CIDRS["us-west-2"]},
        {"host": "eu-west-1", "region": "eu-west-1", "vpc_id": VPCS["eu-west-1"], "cidr": CIDRS["eu-west-1"]},
    ]


def test_peering_peers_leave_an_unknown_vpc_empty_so_that_its_pair_is_skipped():
    # eu-west-1 failed before its VPC was read in this run: no network facts.
    hostvars = {"us-east-1": {}, "us-west-2": {"network_vpc_id": VPCS["us-west-2"]}, "eu-west-1": {}}
    peers = peering_peers(["us-east-1", "us-west-2", "eu-west-1"], hostvars, "us-east-1")
    assert peers[1] == {"host": "eu-west-1", "region": "eu-west-1", "vpc_id": "", "cidr": ""}
    assert peers[0]["cidr"] == ""
    plan = peering_plan(peers, "us-east-1", ["us-east-1", "us-west-2", "eu-west-1"])
    assert [(s["region"], s["reason"]) for s in plan["skipped"]] == [("eu-west-1", "its VPC is unknown")]


def test_peering_peers_of_a_host_outside_the_inventory_fail_naming_it():
    with pytest.raises(AnsibleFilterError, match="peering_peers: 'ap-south-1' is not a host"):
        peering_peers(["us-east-1", "ap-south-1"], {"us-east-1": {}}, "us-east-1")


def test_peering_vpcs_finds_the_other_vpc_in_either_direction():
    found = [
        active("pcx-requested-here", "us-east-1", "us-west-2"),
        active("pcx-requested-there", "eu-west-1", "us-east-1"),
        # A peering between two other VPCs is not this Region's.
        active("pcx-elsewhere", "us-west-2", "eu-west-1"),
    ]
    assert peering_vpcs(found, VPCS["us-east-1"]) == {
        "pcx-requested-here": VPCS["us-west-2"],
        "pcx-requested-there": VPCS["eu-west-1"],
    }
    assert peering_vpcs([], VPCS["us-east-1"]) == {}
    assert peering_vpcs(found, "") == {}


def test_peering_vpcs_of_malformed_peerings_fail_clearly():
    with pytest.raises(AnsibleFilterError, match="peering_vpcs"):
        peering_vpcs([{"requester_vpc_info": {"vpc_id": "vpc-0"}}], "vpc-0")


def test_filters_are_exported():
    assert FilterModule().filters() == {
        "peering_peers": peering_peers,
        "peering_plan": peering_plan,
        "peering_vpcs": peering_vpcs,
        "peering_links": peering_links,
        "peering_routes": peering_routes,
    }
