"""Adding a Branch to a deployed inventory and re-running site.yml writes only what that Region needs.

1 Home (us-east-1) + 1 Branch (us-west-2) from bench/inventory.py are deployed; a second Branch
(eu-west-1) is added to the inventory and site.yml runs again. The writes of that run, from the sandbox's
call log (service, action, Region), must be exactly what AWS needs to add a Region, derived from the
architecture rather than from what the playbook happens to do:

- in the new Region: anything (its network, certificate import, AD Connector, endpoint, ...);
- in each existing Region, EC2 only: its side of the peering with the new Region (one request or one
  acceptance, and at most one tagging call), one route to the new VPC CIDR in its route table, one
  authorization rule for the new VPC CIDR and one Client VPN route to it per associated subnet (2);
  no endpoint created or modified, no association, nothing else;
- Directory Service: in the Home Region one AddRegion (for the new Region, checked with DescribeRegions),
  in the existing Branch nothing; no CreateMicrosoftAD or ConnectDirectory outside the new Region;
- ACM: nothing outside the new Region (the shared certificate is imported there only; the PKI on the
  controller is not regenerated);
- Route 53: one health check and one change batch (the new Region's latency record), plus at most one
  tagging call for the new health check; every existing record and health check unchanged, the
  wildcard untouched.

The grown deployment then equals a clean deployment of 1 Home + 2 Branches (reliability/resources.py),
and a third run makes no write call at all.

The run also relies on the certificates role's default ``certificates_dir`` (``<artifacts_dir>/pki``):
only ``artifacts_dir`` is given.
"""

import collections
import json
import re
import stat
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import inventory  # noqa: E402
from tests.lib import resources  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site.yml"
HOME, OLD_BRANCH, NEW_BRANCH = inventory.regions(2)
EXISTING = (HOME, OLD_BRANCH)
VPC_CIDR = {region: inventory.region_host(region, i)["vpc_cidr"] for i, region in enumerate(inventory.regions(2))}
VPN_NAME = inventory.VPN_NAME
DIRECTORY = inventory.GROUP_VARS["directory_name"]
OWNER_TAG = "multiregion:client_vpn"
# Each endpoint has both subnets of its Region associated: a route to a peered VPC goes through each.
SUBNETS_PER_ENDPOINT = 2


def recap(stdout):
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", stdout.split("PLAY RECAP", 1)[-1], re.M):
        counts[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", fields)}
    return counts


def writes_by(calls, service, region=None):
    return collections.Counter(
        c["action"]
        for c in calls
        if c["write"] and c["service"] == service and (region is None or c["region"] == region)
    )


def topology(branches):
    return [(region, inventory.region_host(region, i)) for i, region in enumerate(inventory.regions(branches))]


def zone_state(sandbox):
    """Every record of the hosted zone and every health check, as AWS returns them (ids included)."""
    route53 = sandbox.client("route53")
    (zone,) = [z for z in route53.list_hosted_zones()["HostedZones"] if z["Name"] == "example.com."]
    records = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    checks = route53.list_health_checks()["HealthChecks"]
    return (
        {(r["Name"].replace("\\052", "*"), r["Type"], r.get("SetIdentifier")): r for r in records},
        {c["Id"]: c for c in checks},
    )


def endpoint_of(sandbox, region):
    ec2 = sandbox.client("ec2", region)
    (endpoint,) = [
        e
        for e in ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        if {"Key": "Name", "Value": f"{VPN_NAME}-{region}"} in e.get("Tags", [])
    ]
    return endpoint


def deployment_differences(sandbox, branches):
    """What the sandbox holds against a clean deployment of 1 Home + ``branches`` (reliability/resources.py);
    a peering is one per pair of Regions, whichever of the two requested it."""
    actual = resources.snapshot(sandbox.client, inventory.regions(branches))
    wanted = resources.expected(topology(branches))
    for snapshot in (actual, wanted):
        snapshot["peering"] = sorted((*sorted(pair), status) for *pair, status in snapshot["peering"])
    return resources.differences(actual, wanted)


def pki_snapshot(pki):
    return {p.relative_to(pki): p.read_bytes() for p in sorted(pki.rglob("*")) if p.is_file()}


def test_adding_a_branch_writes_only_what_the_new_region_needs(sandbox, run_playbook, tmp_path):
    root = tmp_path / "inventory"
    artifacts = tmp_path / "artifacts"
    extra = {"artifacts_dir": str(artifacts)}

    inventory.write(root, 1)
    first = run_playbook(SITE, inventory=root, extra_vars=extra)
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in recap(first.stdout).values()), first.stdout[-3000:]
    # The certificates role's default follows artifacts_dir: the PKI sits beside the client file.
    pki = artifacts / "pki"
    for key in ("ca.key", "server.key"):
        assert stat.S_IMODE((pki / key).stat().st_mode) == 0o600, key
    assert (artifacts / f"{VPN_NAME}.ovpn").is_file()
    generated = pki_snapshot(pki)
    records_before, checks_before = zone_state(sandbox)
    endpoints_before = {region: endpoint_of(sandbox, region) for region in EXISTING}

    # Second run: the inventory now holds a second Branch.
    inventory.write(root, 2)
    sandbox.clear_calls()
    second = run_playbook(SITE, inventory=root, extra_vars=extra)
    counts = recap(second.stdout)
    assert set(counts) == {HOME, OLD_BRANCH, NEW_BRANCH}
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in counts.values()), counts
    calls = sandbox.calls()
    (artifacts / "calls-add-branch.json").write_text(json.dumps(calls, indent=1))
    unexpected = []

    # EC2 in each existing Region: its side of the new peering, one VPC route, one rule, the VPN routes.
    for region in EXISTING:
        ec2 = writes_by(calls, "ec2", region)
        peering_side = ec2.pop("CreateVpcPeeringConnection", 0) + ec2.pop("AcceptVpcPeeringConnection", 0)
        if peering_side != 1:
            unexpected.append(f"{region}: {peering_side} peering requests/acceptances, expected 1")
        if ec2.pop("CreateTags", 0) > 1:
            unexpected.append(f"{region}: more than one CreateTags (only the new peering may need tags)")
        wanted = {
            "CreateRoute": 1,
            "AuthorizeClientVpnIngress": 1,
            "CreateClientVpnRoute": SUBNETS_PER_ENDPOINT,
        }
        if dict(ec2) != wanted:
            unexpected.append(f"{region}: EC2 writes {dict(ec2)}, expected {wanted} besides the peering")
        for service in ("acm", "logs"):
            if writes_by(calls, service, region):
                unexpected.append(f"{region}: {service} writes {dict(writes_by(calls, service, region))}")

    # Directory Service: the Home adds the new Region; nothing else outside the new Region.
    ds_home = writes_by(calls, "ds", HOME)
    if dict(ds_home) != {"AddRegion": 1}:
        unexpected.append(f"{HOME}: Directory Service writes {dict(ds_home)}, expected one AddRegion")
    if writes_by(calls, "ds", OLD_BRANCH):
        unexpected.append(f"{OLD_BRANCH}: Directory Service writes {dict(writes_by(calls, 'ds', OLD_BRANCH))}")
    if writes_by(calls, "ds", NEW_BRANCH)["ConnectDirectory"] != 1:
        unexpected.append(f"{NEW_BRANCH}: Directory Service writes {dict(writes_by(calls, 'ds', NEW_BRANCH))}")
    # One directory, built once: never another one, in no Region.
    if writes_by(calls, "ds")["CreateMicrosoftAD"]:
        unexpected.append("CreateMicrosoftAD called")

    # Route 53: one health check and one record for the new Region; nothing rewritten.
    route53 = writes_by(calls, "route53")
    if route53.pop("ChangeTagsForResource", 0) > 1:
        unexpected.append("Route 53: more than one ChangeTagsForResource (only the new health check may need tags)")
    if dict(route53) != {"CreateHealthCheck": 1, "ChangeResourceRecordSets": 1}:
        unexpected.append(f"Route 53 writes {dict(route53)}, expected one CreateHealthCheck and one change batch")

    # No other service writes, and no write in a Region that is not in the inventory.
    others = {
        (c["service"], c["action"], c["region"])
        for c in calls
        if c["write"] and c["service"] not in ("ec2", "ds", "acm", "route53", "logs", "sts")
    }
    if others:
        unexpected.append(f"writes to other services: {sorted(others)}")
    strays = {(c["service"], c["action"], c["region"]) for c in calls if c["write"] and c["service"] != "route53"}
    strays = {s for s in strays if s[2] not in (HOME, OLD_BRANCH, NEW_BRANCH)}
    if strays:
        unexpected.append(f"writes outside the inventory's Regions: {sorted(strays)}")
    assert not unexpected, "\n".join(unexpected)

    # What AWS holds: the new Region replicated, its records, and existing records and checks as they were.
    ds = sandbox.client("ds", HOME)
    (directory,) = [d for d in ds.describe_directories()["DirectoryDescriptions"] if d["Name"] == DIRECTORY]
    regions = ds.describe_regions(DirectoryId=directory["DirectoryId"])["RegionsDescription"]
    assert sorted((r["RegionName"], r["RegionType"], r["Status"]) for r in regions) == sorted(
        [(HOME, "Primary", "Active"), (OLD_BRANCH, "Additional", "Active"), (NEW_BRANCH, "Additional", "Active")]
    )
    records_after, checks_after = zone_state(sandbox)
    assert {key: records_after.get(key) for key in records_before} == records_before, "an existing record changed"
    new_records = {key: record for key, record in records_after.items() if key not in records_before}
    assert [(name, kind) for name, kind, _ in new_records] == [(f"{VPN_NAME}.", "CNAME")], new_records
    (new_record,) = new_records.values()
    assert new_record["Region"] == NEW_BRANCH
    assert {i: checks_after.get(i) for i in checks_before} == checks_before, "an existing health check changed"
    assert set(checks_after) - set(checks_before) == {new_record["HealthCheckId"]}
    for region in EXISTING:
        endpoint = endpoint_of(sandbox, region)
        assert endpoint == endpoints_before[region], f"{region}'s endpoint changed"
        ec2 = sandbox.client("ec2", region)
        endpoint_id = endpoint["ClientVpnEndpointId"]
        rules = ec2.describe_client_vpn_authorization_rules(ClientVpnEndpointId=endpoint_id)["AuthorizationRules"]
        assert VPC_CIDR[NEW_BRANCH] in {r["DestinationCidr"] for r in rules}
        routes = ec2.describe_client_vpn_routes(ClientVpnEndpointId=endpoint_id)["Routes"]
        assert len([r for r in routes if r["DestinationCidr"] == VPC_CIDR[NEW_BRANCH]]) == SUBNETS_PER_ENDPOINT
    assert pki_snapshot(pki) == generated, "the PKI was regenerated"
    problems = deployment_differences(sandbox, 2)
    assert not problems, "\n".join(problems)

    # Third run: nothing to do.
    sandbox.clear_calls()
    third = run_playbook(SITE, inventory=root, extra_vars=extra)
    assert sandbox.write_calls() == []
    assert all(c["changed"] == 0 and c["failed"] == 0 for c in recap(third.stdout).values()), recap(third.stdout)
