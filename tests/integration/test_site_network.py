"""site.yml's first plays (preflight, network, certificates) against the sandbox, with inventories/sandbox.

The runs select those plays with their tags (``--tags network,certificates``; preflight is tagged
``always``), so that the later plays of site.yml, which other tests cover, stay out of the counts.

One test walks a deployment's life, because each site.yml run costs a minute:

1. first run converges: a VPC, two subnets, a security group and a route table per Region, tagged as
   ours; a peering between every pair of Regions, active, requested by the Region the round-robin
   split gives it (``requester``); each route table routes every other Region's VPC CIDR through the right peering; keys 0600;
   the server certificate imported in every Region with its CA as the chain;
2. second run: ``changed=0`` for every host in the PLAY RECAP and not one write call;
3. adding a Branch (us-east-2) to a copy of the inventory and re-running creates only that
   Region's resources: elsewhere only its peering (requested there, or accepted there by the new
   Region) and the new route are written, and the PKI files are not regenerated. us-east-2 sorts between
   the existing Regions, so the round-robin split of two existing pairs changes: their peerings, made
   the other way round, are found and kept as they are (no write).
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
    "us-east-2": {
        "vpc_cidr": "10.40.0.0/16",
        "subnets": [
            {"cidr": "10.40.1.0/24", "az": "us-east-2a"},
            {"cidr": "10.40.2.0/24", "az": "us-east-2b"},
        ],
        "client_cidr": "172.16.12.0/22",
        # sandbox/latency.py: 198.18.<n>.0/24 is nearest the n-th Region of LATENCY_REGIONS.
        "probe_ip": "198.18.1.10",
    }
}
# What a new Region may write in the Regions that already exist: request or accept its peering, tag
# that side, and add the route to its VPC to their route tables.
GROWTH_WRITES_ELSEWHERE = {"CreateVpcPeeringConnection", "AcceptVpcPeeringConnection", "CreateTags", "CreateRoute"}
TAGS = {"ANSIBLE_RUN_TAGS": "network,certificates"}


def requester(region, other, regions):
    """The Region that requests a pair (network role): with the names sorted, the pair (i, j), i < j, is
    requested by i when i + j is odd, by j when even."""
    names = sorted(regions)
    i, j = sorted((names.index(region), names.index(other)))
    return names[i] if (i + j) % 2 else names[j]


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


def assert_network(sandbox, regions, requester_of=None):
    """requester_of(region, other): the Region that requested the pair (default: the split of regions)."""
    requester_of = requester_of or (lambda region, other: requester(region, other, regions))
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
            first = requester_of(region, other)
            assert peering["RequesterVpcInfo"]["Region"] == first
            assert peering["AccepterVpcInfo"]["Region"] == ({region, other} - {first}).pop()
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
        tags = {
            t["Key"]: t["Value"]
            for t in acm.list_tags_for_certificate(CertificateArn=summary["CertificateArn"])["Tags"]
        }
        assert tags["Name"] == f"{VPN_NAME} server" and tags[OWNER_TAG] == VPN_NAME
        material = acm.get_certificate(CertificateArn=summary["CertificateArn"])
        assert material["CertificateChain"].strip() == (pki / "ca.crt").read_text().strip()


def pki_snapshot(pki):
    return {p.name: p.read_bytes() for p in sorted(pki.iterdir())}


def test_certificates_one_ca_per_region_then_own_files(sandbox, run_playbook, tmp_path):
    """certificates_ca_per_region: a CA and server certificate per Region, each imported with its own CA;
    then the same Regions switched to files the user brings: re-imported in place (same ARN)."""
    pki = tmp_path / "pki"
    env = {"ANSIBLE_RUN_TAGS": "certificates"}
    run_playbook(
        SITE,
        inventory=INVENTORY,
        env=env,
        extra_vars={"certificates_dir": str(pki), "certificates_ca_per_region": True},
    )
    arns, subjects = {}, set()
    for region in REGIONS:
        assert stat.S_IMODE((pki / region / "server.key").stat().st_mode) == 0o600
        ca_pem = (pki / region / "ca.crt").read_text()
        subjects.add(x509.load_pem_x509_certificate(ca_pem.encode()).public_key().public_numbers().n)
        acm = sandbox.client("acm", region)
        (summary,) = acm.list_certificates()["CertificateSummaryList"]
        arns[region] = summary["CertificateArn"]
        assert acm.get_certificate(CertificateArn=arns[region])["CertificateChain"].strip() == ca_pem.strip()
    assert len(subjects) == len(REGIONS), "each Region has its own CA key"
    assert not (pki / "ca.key").exists()

    # Bring your own: us-west-2's material for every Region.
    own = pki / "us-west-2"
    run_playbook(
        SITE,
        inventory=INVENTORY,
        env=env,
        extra_vars={
            "certificates_server_certificate_file": str(own / "server.crt"),
            "certificates_server_private_key_file": str(own / "server.key"),
            "certificates_chain_file": str(own / "ca.crt"),
            "certificates_dir": str(tmp_path / "unused"),
        },
    )
    for region in REGIONS:
        acm = sandbox.client("acm", region)
        (summary,) = acm.list_certificates()["CertificateSummaryList"]
        assert summary["CertificateArn"] == arns[region], "re-imported under the same Name tag"
        material = acm.get_certificate(CertificateArn=arns[region])
        assert material["Certificate"].strip() == (own / "server.crt").read_text().strip()
    assert not (tmp_path / "unused").exists(), "nothing is generated when the files are given"


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
    assert counts["us-east-2"]["changed"] > 0
    writes = sandbox.write_calls()
    elsewhere = {c["action"] for c in writes if c["region"] != "us-east-2"}
    assert elsewhere <= GROWTH_WRITES_ELSEWHERE, elsewhere
    # One peering request or acceptance and one new route in each existing Region, nothing more.
    grown_regions = [*REGIONS, "us-east-2"]
    for region in REGIONS:
        actions = sorted(c["action"] for c in writes if c["region"] == region and c["action"] != "CreateTags")
        new_side = (
            "CreateVpcPeeringConnection"
            if requester(region, "us-east-2", grown_regions) == region
            else "AcceptVpcPeeringConnection"
        )
        assert actions == sorted([new_side, "CreateRoute"]), (region, actions)
    assert pki_snapshot(pki) == generated
    # The existing pairs keep the direction of their first split; the new Region's pairs follow the grown one.
    assert_network(
        sandbox,
        {**REGIONS, "us-east-2": "10.40.0.0/16"},
        lambda region, other: requester(region, other, grown_regions if "us-east-2" in (region, other) else REGIONS),
    )
    assert_certificates(sandbox, pki, [*REGIONS, "us-east-2"])


def test_existing_vpc_gets_only_security_group_peerings_and_routes(sandbox, run_playbook, tmp_path):
    """Brownfield: us-west-2 names an existing VPC and subnets; they are looked up, never changed, and the
    peering routes are added to the route table the subnets use (here the VPC's main table)."""
    ec2 = sandbox.client("ec2", "us-west-2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]
        for cidr, az in (("10.20.1.0/24", "us-west-2a"), ("10.20.2.0/24", "us-west-2b"))
    ]
    inventory = copy_inventory(tmp_path)
    hosts_file = inventory / "hosts.yml"
    hosts = yaml.safe_load(hosts_file.read_text())
    branch = hosts["all"]["children"]["branches"]["hosts"]["us-west-2"]
    for key in ("vpc_cidr", "subnets"):
        del branch[key]
    branch.update(vpc_id=vpc_id, subnet_ids=subnet_ids)
    hosts_file.write_text(yaml.safe_dump(hosts, sort_keys=False))
    env = {"ANSIBLE_RUN_TAGS": "network"}

    run_playbook(SITE, inventory=inventory, env=env)
    assert [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")] == [vpc_id]
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0].get("Tags", []) == []
    (group,) = owned(ec2, "security group", ec2.describe_security_groups, "SecurityGroups")
    assert group["VpcId"] == vpc_id
    assert ec2.describe_route_tables(Filters=[{"Name": f"tag:{OWNER_TAG}", "Values": [VPN_NAME]}])["RouteTables"] == []
    (main,) = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    routes = {r["DestinationCidrBlock"]: r.get("VpcPeeringConnectionId") for r in main["Routes"]}
    assert set(routes) == {"10.20.0.0/16", "10.10.0.0/16", "10.30.0.0/16"}
    assert routes["10.10.0.0/16"].startswith("pcx-") and routes["10.30.0.0/16"].startswith("pcx-")
    for region in ("us-east-1", "eu-west-1"):
        (table,) = owned(
            sandbox.client("ec2", region),
            "route table",
            sandbox.client("ec2", region).describe_route_tables,
            "RouteTables",
        )
        assert "10.20.0.0/16" in {r.get("DestinationCidrBlock") for r in table["Routes"]}

    sandbox.clear_calls()
    again = run_playbook(SITE, inventory=inventory, env=env)
    assert all(c["changed"] == 0 for c in recap(again.stdout).values())
    assert sandbox.write_calls() == []
