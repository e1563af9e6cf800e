"""Day 2 against the sandbox: verify, failover drill, client file and teardown after one site.yml run.

One deployment of inventories/sandbox (1 Home + 2 Branches, time scale 0) for the whole module, into a
hosted zone that exists beforehand with an unrelated record; then, in this order (each test builds on the
previous one's state):

- playbooks/verify.yml passes (each probe address gets its own Region's endpoint, the wildcard answers)
  and makes no write call;
- playbooks/failover_drill.yml drains eu-west-1 (its probe then reaches another Region), restores it:
  exactly two health check updates, none left inverted;
- playbooks/client_config.yml writes a 0600 file whose remote lines all name the VPN name;
- playbooks/teardown.yml without confirmation fails before any AWS call;
- teardown limited to one Branch removes that Region only (endpoints, directories, records, network), and in the
  same run its traces in the others: their routes through its peering, their rules and Client VPN routes for its VPC;
- the global_dns role alone then removes a record left for that Region (no endpoint, no record);
- teardown limited to the Home refuses while a Branch remains, without a write call;
- the full teardown leaves nothing owned in any Region, and the pre-existing zone with its record, untagged.

A full site.yml run costs minutes of ansible-playbook time, hence one deployment for the module.
"""

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sandbox.handle import SandboxHandle

REPO = Path(__file__).resolve().parents[2]
INVENTORY = REPO / "inventories" / "sandbox"
HOSTS = yaml.safe_load((INVENTORY / "hosts.yml").read_text())["all"]["children"]
GROUP_VARS = yaml.safe_load((INVENTORY / "group_vars" / "all.yml").read_text())
HOME = next(iter(HOSTS["home"]["hosts"]))
BRANCHES = list(HOSTS["branches"]["hosts"])
REGIONS = [HOME, *BRANCHES]
VPN_NAME = GROUP_VARS["vpn_name"]
ZONE = GROUP_VARS["hosted_zone"]
OWNER_KEY = "multiregion:client_vpn"
OWNED = [{"Name": f"tag:{OWNER_KEY}", "Values": [VPN_NAME]}]
UNRELATED = f"www.{ZONE}"
PROBES = {HOME: HOSTS["home"]["hosts"][HOME]["probe_ip"]}
PROBES.update({region: HOSTS["branches"]["hosts"][region]["probe_ip"] for region in BRANCHES})
CIDRS = {HOME: HOSTS["home"]["hosts"][HOME]["vpc_cidr"]}
CIDRS.update({region: HOSTS["branches"]["hosts"][region]["vpc_cidr"] for region in BRANCHES})


class Sandbox(SandboxHandle):
    """The session's sandbox, shared by the tests of this module (no reset between them)."""

    def run(self, playbook, extra_vars=None, limit=None, expect_rc=0):
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-i", str(INVENTORY)]
        cmd += ["-e", json.dumps(extra_vars or {})]
        if limit:
            cmd += ["--limit", limit]
        proc = subprocess.run(cmd, cwd=REPO, env=self.env, capture_output=True, text=True, check=False)
        if proc.returncode != expect_rc:
            raise AssertionError(
                f"{' '.join(cmd)} exited {proc.returncode}, expected {expect_rc}\n"
                f"--- stdout ---\n{proc.stdout[-20000:]}\n--- stderr ---\n{proc.stderr[-5000:]}"
            )
        return proc


@pytest.fixture(scope="module")
def deployed(sandbox_server, tmp_path_factory):
    """site.yml on inventories/sandbox, into a pre-existing zone holding an unrelated record."""
    sandbox = Sandbox(sandbox_server.url, HOME)
    sandbox.control("POST", "reset")
    sandbox.control("POST", "time-scale", {"scale": 0.0})
    r53 = sandbox.client("route53")
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference="pre-existing")["HostedZone"]["Id"]
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": UNRELATED,
                        "Type": "A",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "192.0.2.80"}],
                    },
                }
            ]
        },
    )
    artifacts = tmp_path_factory.mktemp("artifacts")
    extra = {"artifacts_dir": str(artifacts), "certificates_dir": str(artifacts / "pki")}
    sandbox.run(REPO / "site.yml", extra)
    yield {"sandbox": sandbox, "zone_id": zone_id, "artifacts": artifacts, "extra": extra}
    sandbox.control("DELETE", "faults")


def _table_lines(stdout):
    """The rows of every verification table printed (lists of fields), in order."""
    rows = []
    for line in stdout.splitlines():
        fields = line.strip().rstrip(",").strip('"').split()
        if len(fields) == 8 and fields[0] in REGIONS:
            rows.append(fields)
    return rows


def _table(stdout):
    return {fields[0]: fields for fields in _table_lines(stdout)}


def _records(sandbox, zone_id):
    rrsets = sandbox.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return [r for r in rrsets if r["Type"] not in ("SOA", "NS")]


def _latency_regions(sandbox, zone_id):
    return sorted(r["Region"] for r in _records(sandbox, zone_id) if r["Name"] == VPN_NAME + "." and "Region" in r)


def _owned(sandbox, region):
    """What this collection owns in one Region, counted with boto3."""
    ec2 = sandbox.client("ec2", region)
    endpoints = [
        e
        for e in ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        if e["Status"]["Code"] not in ("deleting", "deleted")
    ]
    ds = sandbox.client("ds", region)
    directories = ds.describe_directories()["DirectoryDescriptions"]
    certificates = sandbox.client("acm", region).list_certificates()["CertificateSummaryList"]
    peerings = [
        p
        for p in ec2.describe_vpc_peering_connections(Filters=OWNED)["VpcPeeringConnections"]
        if p["Status"]["Code"] not in ("deleted", "deleting", "rejected")
    ]
    return {
        "vpcs": len(ec2.describe_vpcs(Filters=OWNED)["Vpcs"]),
        "subnets": len(ec2.describe_subnets(Filters=OWNED)["Subnets"]),
        "security_groups": len(ec2.describe_security_groups(Filters=OWNED)["SecurityGroups"]),
        "route_tables": len(ec2.describe_route_tables(Filters=OWNED)["RouteTables"]),
        "peerings": len(peerings),
        "endpoints": len(endpoints),
        "directories": len(directories),
        "certificates": len(certificates),
    }


def _routed_cidrs(sandbox, region):
    """The CIDRs one Region routes to through a peering, and its endpoint authorizes and routes to (sorted)."""
    ec2 = sandbox.client("ec2", region)
    tables = ec2.describe_route_tables(Filters=OWNED)["RouteTables"]
    (endpoint,) = [
        e
        for e in ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        if e["Status"]["Code"] not in ("deleting", "deleted")
    ]
    endpoint_id = endpoint["ClientVpnEndpointId"]
    rules = ec2.describe_client_vpn_authorization_rules(ClientVpnEndpointId=endpoint_id)["AuthorizationRules"]
    routes = ec2.describe_client_vpn_routes(ClientVpnEndpointId=endpoint_id)["Routes"]
    return {
        "route_table": sorted(
            r["DestinationCidrBlock"] for t in tables for r in t["Routes"] if r.get("VpcPeeringConnectionId")
        ),
        "authorization_rule": sorted(r["DestinationCidr"] for r in rules),
        "client_vpn_route": sorted(r["DestinationCidr"] for r in routes if r["Origin"] == "add-route"),
    }


def _health_checks(sandbox):
    return sandbox.client("route53").list_health_checks()["HealthChecks"]


def test_verify_passes_without_writing(deployed):
    sandbox = deployed["sandbox"]
    sandbox.clear_calls()
    proc = sandbox.run(REPO / "playbooks" / "verify.yml")
    rows = _table(proc.stdout)
    for region in REGIONS:
        # Region, endpoint, status, checkers (successes/observations), probe, the Region it reaches, wildcard, verdict.
        assert rows[region][2] == "available" and rows[region][4:] == [PROBES[region], region, "ok", "ok"], rows[region]
        ok, seen = rows[region][3].split("/")
        assert ok == seen, rows[region]
    assert sandbox.write_calls() == []
    actions = {c["action"] for c in sandbox.calls()}
    assert "TestDNSAnswer" in actions and "GetHealthCheckStatus" in actions


def test_failover_drill_drains_and_restores(deployed):
    sandbox, zone_id = deployed["sandbox"], deployed["zone_id"]
    sandbox.clear_calls()
    proc = sandbox.run(REPO / "playbooks" / "failover_drill.yml", {"drill_region": "eu-west-1"})
    drained = [fields for fields in _table_lines(proc.stdout) if fields[3].endswith("*")]
    # Shown once, during the drill: eu-west-1's probe reaches another Region, the check is correct.
    assert len(drained) == 1
    assert drained[0][0] == "eu-west-1" and drained[0][4] == PROBES["eu-west-1"]
    assert drained[0][5] in REGIONS and drained[0][5] != "eu-west-1" and drained[0][7] == "ok"
    # Two writes in all: invert, then restore, the drained Region's health check only.
    writes = sandbox.write_calls()
    assert [c["action"] for c in writes] == ["UpdateHealthCheck", "UpdateHealthCheck"]
    checks = _health_checks(sandbox)
    assert len(checks) == len(REGIONS)
    assert not any(hc["HealthCheckConfig"].get("Inverted") for hc in checks)
    assert _latency_regions(sandbox, zone_id) == sorted(REGIONS)


def test_client_config_writes_a_private_file_pointing_at_the_vpn_name(deployed):
    sandbox, artifacts = deployed["sandbox"], deployed["artifacts"]
    dest = artifacts / f"{VPN_NAME}.ovpn"
    dest.unlink(missing_ok=True)
    sandbox.clear_calls()
    proc = sandbox.run(REPO / "playbooks" / "client_config.yml", {"artifacts_dir": str(artifacts)})
    assert f"Client file: {dest}" in proc.stdout
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    lines = dest.read_text().splitlines()
    remotes = [line.split() for line in lines if line.startswith("remote ")]
    assert remotes and all(r[1] == VPN_NAME for r in remotes)
    assert "remote-random-hostname" in lines
    assert "<ca>" in lines
    assert sandbox.write_calls() == []


def test_teardown_without_confirmation_calls_nothing(deployed):
    sandbox = deployed["sandbox"]
    sandbox.clear_calls()
    proc = sandbox.run(REPO / "playbooks" / "teardown.yml", expect_rc=2)
    assert f"teardown_confirm={VPN_NAME}" in proc.stdout
    assert sandbox.calls() == []
    proc = sandbox.run(REPO / "playbooks" / "teardown.yml", {"teardown_confirm": "vpn.example.org"}, expect_rc=2)
    assert sandbox.calls() == []


def test_teardown_of_one_branch_removes_that_region_only(deployed):
    sandbox, zone_id = deployed["sandbox"], deployed["zone_id"]
    gone, kept = BRANCHES[0], [HOME, *BRANCHES[1:]]
    before = {region: _owned(sandbox, region) for region in REGIONS}
    assert all(CIDRS[gone] in _routed_cidrs(sandbox, region)["route_table"] for region in kept)
    sandbox.run(REPO / "playbooks" / "teardown.yml", {"teardown_confirm": VPN_NAME}, limit=gone)
    after = {region: _owned(sandbox, region) for region in REGIONS}
    assert after[gone] == {key: 0 for key in after[gone]}
    for region in kept:
        # Everything stays but the peering to the removed Region.
        assert after[region] == {**before[region], "peerings": before[region]["peerings"] - 1}, region
        assert after[region]["endpoints"] == 1
        # In the same run, nothing that leads to the removed Region is left: no route through its deleted peering
        # (a blackhole on AWS), no authorization rule or Client VPN route for its VPC CIDR; the other Regions' stay.
        routed = _routed_cidrs(sandbox, region)
        others = sorted(CIDRS[r] for r in kept if r != region)
        assert routed["route_table"] == others, (region, routed)
        assert routed["client_vpn_route"] == sorted(others * 2), (region, routed)
        assert routed["authorization_rule"] == sorted([*others, CIDRS[region]]), (region, routed)
    # The Home directory lost its replica in the removed Region, not the others.
    regions = sandbox.client("ds", HOME).describe_regions(
        DirectoryId=sandbox.client("ds", HOME).describe_directories()["DirectoryDescriptions"][0]["DirectoryId"]
    )["RegionsDescription"]
    assert sorted(r["RegionName"] for r in regions) == sorted(kept)
    assert _latency_regions(sandbox, zone_id) == sorted(kept)
    assert len(_health_checks(sandbox)) == len(kept)
    assert any(r["Name"] == f"\\052.{VPN_NAME}." for r in _records(sandbox, zone_id))


def test_global_dns_removes_a_record_whose_endpoint_is_missing(deployed):
    """After the Branch's teardown: a latency record left for it (by hand here) is removed, nothing else."""
    sandbox, zone_id = deployed["sandbox"], deployed["zone_id"]
    gone = BRANCHES[0]
    stale = {
        "Name": VPN_NAME,
        "Type": "CNAME",
        "SetIdentifier": gone,
        "Region": gone,
        "TTL": 60,
        "ResourceRecords": [{"Value": f"vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.{gone}.amazonaws.com"}],
    }
    sandbox.client("route53").change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": stale}]}
    )
    sandbox.clear_calls()
    sandbox.run(REPO / "tests" / "integration" / "playbooks" / "day2" / "global_dns.yml", {"expected_missing": [gone]})
    assert _latency_regions(sandbox, zone_id) == sorted(r for r in REGIONS if r != gone)
    assert [(c["service"], c["action"]) for c in sandbox.write_calls()] == [("route53", "ChangeResourceRecordSets")]


def test_teardown_of_the_home_waits_for_the_branches(deployed):
    sandbox = deployed["sandbox"]
    sandbox.clear_calls()
    proc = sandbox.run(REPO / "playbooks" / "teardown.yml", {"teardown_confirm": VPN_NAME}, limit=HOME, expect_rc=2)
    assert "still use" in proc.stdout
    assert sandbox.write_calls() == []


def test_full_teardown_leaves_nothing_owned_and_the_zone_untouched(deployed):
    sandbox, zone_id = deployed["sandbox"], deployed["zone_id"]
    sandbox.run(REPO / "playbooks" / "teardown.yml", {"teardown_confirm": VPN_NAME})
    for region in REGIONS:
        assert _owned(sandbox, region) == {key: 0 for key in _owned(sandbox, region)}, region
    assert _health_checks(sandbox) == []
    # The pre-existing zone stays, untagged, with only its unrelated record besides SOA and NS.
    r53 = sandbox.client("route53")
    assert r53.get_hosted_zone(Id=zone_id)["HostedZone"]["Name"] == ZONE + "."
    assert [(r["Name"], r["Type"]) for r in _records(sandbox, zone_id)] == [(UNRELATED + ".", "A")]
    tags = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id.split("/")[-1])
    assert OWNER_KEY not in {t["Key"] for t in tags["ResourceTagSet"].get("Tags", [])}
    # A second teardown finds nothing to remove: no write call.
    sandbox.clear_calls()
    sandbox.run(REPO / "playbooks" / "teardown.yml", {"teardown_confirm": VPN_NAME})
    assert sandbox.write_calls() == []
