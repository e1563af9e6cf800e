"""site.yml's first plays (preflight, network, certificates) against the sandbox, with inventories/sandbox.

The runs select those plays with their tags (``--tags network,certificates``; preflight is tagged
``always``), so that the later plays of site.yml, which other tests cover, stay out of the counts.

One test walks a deployment's life, because each site.yml run costs a minute:

1. first run converges: a VPC, two subnets, a security group and a route table per Region, tagged as
   ours; a peering between every pair of Regions, active, requested by the Region whose name sorts
   first; each route table routes every other Region's VPC CIDR through the right peering; keys 0600;
   the server certificate imported in every Region with its CA as the chain;
2. second run: ``changed=0`` for every host in the PLAY RECAP and not one write call;
3. adding a Branch (ap-southeast-2) to a copy of the inventory and re-running creates only that
   Region's resources: elsewhere only the peering acceptances and the new routes are written, and the
   PKI files are not regenerated.
"""

import re
import shutil
import stat
from pathlib import Path

import yaml
from cryptography import x509

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site.yml"
INVENTORY = REPO / "inventories" / "sandbox"
VPN_NAME = "vpn.example.com"
OWNER_TAG = "multiregion:client_vpn"
REGIONS = {"us-east-1": "10.10.0.0/16", "us-west-2": "10.20.0.0/16", "eu-west-1": "10.30.0.0/16"}
NEW_BRANCH = {
    "ap-southeast-2": {
        "vpc_cidr": "10.40.0.0/16",
        "subnets": [
            {"cidr": "10.40.1.0/24", "az": "ap-southeast-2a"},
            {"cidr": "10.40.2.0/24", "az": "ap-southeast-2b"},
        ],
        "client_cidr": "172.16.12.0/22",
        # sandbox/latency.py: 198.18.<n>.0/24 is nearest the n-th Region of LATENCY_REGIONS.
        "probe_ip": "198.18.25.10",
    }
}
# What a new Region may write in the Regions that already exist: accept its peering, tag the
# accepter side, and add the route to its VPC to their route tables.
GROWTH_WRITES_ELSEWHERE = {"AcceptVpcPeeringConnection", "CreateTags", "CreateRoute"}
TAGS = {"ANSIBLE_RUN_TAGS": "network,certificates"}


def recap(stdout):
    """{host: {ok: n, changed: n, failed: n, ...}} from ansible-playbook's PLAY RECAP."""
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", stdout.split("PLAY RECAP", 1)[1], re.M):
        counts[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", fields)}
    return counts


def copy_inventory(tmp_path, extra_branches=None):
    target = tmp_path / "inventory"
    shutil.copytree(INVENTORY, target)
    if extra_branches:
        hosts_file = target / "hosts.yml"
        hosts = yaml.safe_load(hosts_file.read_text())
        hosts["all"]["children"]["branches"]["hosts"].update(extra_branches)
        hosts_file.write_text(yaml.safe_dump(hosts, sort_keys=False))
    return target


def tag_dict(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def owned(ec2, kind, describe, key):
    items = describe(Filters=[{"Name": f"tag:{OWNER_TAG}", "Values": [VPN_NAME]}])[key]
    assert items, f"no {kind} carries the ownership tag"
    return items


def assert_network(sandbox, regions):
    vpcs = {}
    for region, cidr in regions.items():
        ec2 = sandbox.client("ec2", region)
        (vpc,) = owned(ec2, "VPC", ec2.describe_vpcs, "Vpcs")
        assert vpc["CidrBlock"] == cidr
        assert tag_dict(vpc)["Name"] == f"{VPN_NAME}-{region}"
        assert tag_dict(vpc)["project"] == "multiregion-client-vpn"
        subnets = owned(ec2, "subnet", ec2.describe_subnets, "Subnets")
        assert len(subnets) == 2 and len({s["AvailabilityZone"] for s in subnets}) == 2
        (group,) = owned(ec2, "security group", ec2.describe_security_groups, "SecurityGroups")
        assert group["VpcId"] == vpc["VpcId"]
        assert group["IpPermissions"] == []
        assert [r["IpProtocol"] for r in group["IpPermissionsEgress"]] == ["-1"]
        vpcs[region] = (vpc, {s["SubnetId"] for s in subnets})

    for region, (vpc, subnet_ids) in vpcs.items():
        ec2 = sandbox.client("ec2", region)
        (table,) = owned(ec2, "route table", ec2.describe_route_tables, "RouteTables")
        assert {a.get("SubnetId") for a in table["Associations"]} == subnet_ids
        routes = {
            r["DestinationCidrBlock"]: r.get("VpcPeeringConnectionId")
            for r in table["Routes"]
            if r.get("DestinationCidrBlock") != vpc["CidrBlock"]
        }
        assert set(routes) == {regions[other] for other in regions if other != region}
        for other in regions:
            if other == region:
                continue
            peering = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[routes[regions[other]]])[
                "VpcPeeringConnections"
            ][0]
            assert peering["Status"]["Code"] == "active"
            first, second = sorted((region, other))
            assert peering["RequesterVpcInfo"]["Region"] == first
            assert peering["AccepterVpcInfo"]["Region"] == second
            assert {peering["RequesterVpcInfo"]["VpcId"], peering["AccepterVpcInfo"]["VpcId"]} == {
                vpc["VpcId"],
                vpcs[other][0]["VpcId"],
            }
            assert tag_dict(peering)[OWNER_TAG] == VPN_NAME


def assert_certificates(sandbox, pki, regions):
    for name in ("ca.key", "server.key"):
        assert stat.S_IMODE((pki / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(pki.stat().st_mode) == 0o700
    server = x509.load_pem_x509_certificate((pki / "server.crt").read_bytes())
    ca = x509.load_pem_x509_certificate((pki / "ca.crt").read_bytes())
    assert server.issuer == ca.subject
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == [VPN_NAME, f"*.{VPN_NAME}"]
    for region in regions:
        acm = sandbox.client("acm", region)
        (summary,) = acm.list_certificates()["CertificateSummaryList"]
        tags = {t["Key"]: t["Value"] for t in acm.list_tags_for_certificate(CertificateArn=summary["CertificateArn"])["Tags"]}
        assert tags["Name"] == f"{VPN_NAME} server" and tags[OWNER_TAG] == VPN_NAME
        material = acm.get_certificate(CertificateArn=summary["CertificateArn"])
        assert material["CertificateChain"].strip() == (pki / "ca.crt").read_text().strip()


def pki_snapshot(pki):
    return {p.name: p.read_bytes() for p in sorted(pki.iterdir())}


def test_site_converges_reruns_without_writes_and_grows_by_one_region(sandbox, run_playbook, tmp_path):
    pki = tmp_path / "pki"
    extra = {"certificates_dir": str(pki)}

    first = run_playbook(SITE, inventory=INVENTORY, extra_vars=extra, env=TAGS)
    assert all(counts["changed"] > 0 for counts in recap(first.stdout).values())
    assert_network(sandbox, REGIONS)
    assert_certificates(sandbox, pki, REGIONS)
    generated = pki_snapshot(pki)

    sandbox.clear_calls()
    second = run_playbook(SITE, inventory=INVENTORY, extra_vars=extra, env=TAGS)
    counts = recap(second.stdout)
    assert set(counts) == set(REGIONS)
    assert all(c["changed"] == 0 and c["failed"] == 0 for c in counts.values()), counts
    assert sandbox.calls(), "the second run made no call at all"
    assert sandbox.write_calls() == []
    assert pki_snapshot(pki) == generated

    grown = copy_inventory(tmp_path, NEW_BRANCH)
    sandbox.clear_calls()
    third = run_playbook(SITE, inventory=grown, extra_vars=extra, env=TAGS)
    counts = recap(third.stdout)
    assert counts["ap-southeast-2"]["changed"] > 0
    writes = sandbox.write_calls()
    elsewhere = {c["action"] for c in writes if c["region"] != "ap-southeast-2"}
    assert elsewhere <= GROWTH_WRITES_ELSEWHERE, elsewhere
    # One acceptance and one new route in each existing Region, nothing more.
    for region in REGIONS:
        actions = sorted(c["action"] for c in writes if c["region"] == region and c["action"] != "CreateTags")
        assert actions == ["AcceptVpcPeeringConnection", "CreateRoute"], (region, actions)
    assert pki_snapshot(pki) == generated
    assert_network(sandbox, {**REGIONS, "ap-southeast-2": "10.40.0.0/16"})
    assert_certificates(sandbox, pki, [*REGIONS, "ap-southeast-2"])
