"""site.yml's first plays (preflight, network, certificates) against the sandbox, with inventories/sandbox.

The runs select those plays with their tags (``--tags network,certificates``; preflight is tagged
``always``), so that the later plays of site.yml, which other tests cover, stay out of the counts.

The deployment's own life (first run, re-run without writes, a Branch added: only its writes, peerings kept in
their direction, PKI kept) is test_lifecycle.py's; here: a CA per Region, certificates the user brings, and an
existing VPC.
"""

import re
import shutil
import stat
import sys
from pathlib import Path

import yaml
from cryptography import x509

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deployment_checks import OWNER_TAG  # noqa: E402
from deployment_checks import VPN_NAME  # noqa: E402
from deployment_checks import owned  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site.yml"
INVENTORY = REPO / "inventories" / "sandbox"
REGIONS = {"us-east-1": "10.10.0.0/16", "us-west-2": "10.20.0.0/16", "eu-west-1": "10.30.0.0/16"}


def recap(stdout):
    """{host: {ok: n, changed: n, failed: n, ...}} from ansible-playbook's PLAY RECAP."""
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", stdout.split("PLAY RECAP", 1)[1], re.M):
        counts[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", fields)}
    return counts


def copy_inventory(tmp_path):
    target = tmp_path / "inventory"
    shutil.copytree(INVENTORY, target)
    return target


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
