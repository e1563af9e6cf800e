"""tests/lib/resources.py's owned(), owned_global() and leftovers() (and its command line) against the sandbox.

Each test creates, with boto3, what one deployment owns (the ownership tag ``multiregion:client_vpn`` = the VPN name,
or the names the collection gives) beside what it does not own (another VPN's, untagged), checks that the lister
counts exactly the owned ones, then deletes them and checks that it reports nothing.
"""

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.certificates import certificate
from tests.certificates import key_pem
from tests.certificates import pem
from tests.certificates import rsa_key
from tests.lib import resources

REPO = Path(__file__).resolve().parents[2]
VPN = "vpn.example.com"
ZONE = "example.com"
DIRECTORY = "corp.example.com"
REGION = "eu-west-1"
ELSEWHERE = "us-west-2"
OWNER = resources.OWNER_TAG
NOTHING = {key: 0 for key, _ in resources.REGION_KINDS}


@pytest.fixture
def client(sandbox):
    """sandbox.client, one client per service and Region (boto3 clients are slow to build)."""
    return functools.lru_cache(maxsize=None)(sandbox.client)


def tag_spec(resource_type, **tags):
    return [{"ResourceType": resource_type, "Tags": tag_list(**tags)}]


def tag_list(**tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def owner(value=VPN, **tags):
    return {OWNER: value, **tags}


def server_certificate(acm, **tags):
    """A server certificate signed by a CA, imported with its chain and ``tags``; its ARN."""
    ca_key, server_key = rsa_key(), rsa_key()
    ca = certificate("Lister Test CA", ca_key, ca=True)
    server = certificate(f"server.{VPN}", server_key, "Lister Test CA", ca_key, ca=False, san=True)
    return acm.import_certificate(
        Certificate=pem(server),
        PrivateKey=key_pem(server_key),
        CertificateChain=pem(ca),
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )["CertificateArn"]


def test_owned_counts_what_carries_the_ownership_tag_or_the_collections_names(client):
    ec2, acm, ds = (client(service, REGION) for service in ("ec2", "acm", "ds"))
    assert resources.owned(client, REGION, VPN) == NOTHING
    assert resources.leftovers(client, [REGION, ELSEWHERE], VPN, ZONE) == []

    # Owned: a VPC with a subnet, a security group and a route table, all tagged.
    vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16", TagSpecifications=tag_spec("vpc", **owner()))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc,
        CidrBlock="10.10.1.0/24",
        AvailabilityZone=f"{REGION}a",
        TagSpecifications=tag_spec("subnet", **owner()),
    )["Subnet"]["SubnetId"]
    group = ec2.create_security_group(
        VpcId=vpc,
        GroupName=f"{VPN}-vpn-users",
        Description="users",
        TagSpecifications=tag_spec("security-group", **owner()),
    )["GroupId"]
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=tag_spec("route-table", **owner()))["RouteTable"][
        "RouteTableId"
    ]
    # Not owned: another VPN's VPC and an untagged one (with two subnets for the directories below).
    other_vpc = ec2.create_vpc(
        CidrBlock="10.20.0.0/16", TagSpecifications=tag_spec("vpc", **owner("other.example.com"))
    )
    other_vpc = other_vpc["Vpc"]["VpcId"]
    plain_vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    plain_subnets = [
        ec2.create_subnet(VpcId=plain_vpc, CidrBlock=f"10.30.{n}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for n, az in ((1, "a"), (2, "b"))
    ]
    # A live tagged peering counts; a deleted one does not.
    peering = ec2.create_vpc_peering_connection(
        VpcId=vpc, PeerVpcId=other_vpc, TagSpecifications=tag_spec("vpc-peering-connection", **owner())
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering)
    gone_peering = ec2.create_vpc_peering_connection(
        VpcId=vpc, PeerVpcId=plain_vpc, TagSpecifications=tag_spec("vpc-peering-connection", **owner())
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=gone_peering)
    # Certificates: the tagged one counts, another VPN's does not.
    cert = server_certificate(acm, **owner(Name=f"{VPN} server"))
    other_cert = server_certificate(acm, **owner("other.example.com"))
    # Secrets: the tagged one counts, also once scheduled for deletion; another VPN's does not.
    secretsmanager = client("secretsmanager", REGION)
    owned_secret = secretsmanager.create_secret(Name=f"{VPN}/ad-connector", SecretString="x", Tags=tag_list(**owner()))
    secretsmanager.create_secret(
        Name="other/ad-connector", SecretString="x", Tags=tag_list(**owner("other.example.com"))
    )
    # The endpoint is found by its name "<VPN>-<Region>" (no ownership tag here); another name does not count.
    endpoints = [
        ec2.create_client_vpn_endpoint(
            ClientCidrBlock=cidr,
            ServerCertificateArn=cert,
            AuthenticationOptions=[
                {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChainArn": cert}}
            ],
            ConnectionLogOptions={"Enabled": False},
            TagSpecifications=tag_spec("client-vpn-endpoint", Name=name),
        )["ClientVpnEndpointId"]
        for cidr, name in (("172.16.0.0/22", f"{VPN}-{REGION}"), ("172.16.4.0/22", f"{VPN}-{ELSEWHERE}"))
    ]
    # Directories: the tagged one counts; an untagged one only when its name is given.
    settings = {"VpcId": plain_vpc, "SubnetIds": plain_subnets}
    tagged_directory = ds.create_microsoft_ad(
        Name="tagged.example.com",
        Password="Sandbox-Passw0rd!",
        VpcSettings=settings,
        Tags=[{"Key": OWNER, "Value": VPN}],
    )["DirectoryId"]
    plain_directory = ds.create_microsoft_ad(Name=DIRECTORY, Password="Sandbox-Passw0rd!", VpcSettings=settings)[
        "DirectoryId"
    ]

    everything = dict.fromkeys(NOTHING, 1)
    assert resources.owned(client, REGION, VPN) == everything
    assert resources.owned(client, REGION, VPN, directory_name=DIRECTORY) == {**everything, "directories": 2}
    assert resources.owned(client, ELSEWHERE, VPN) == NOTHING
    assert resources.owned(client, REGION, "other.example.com") == {
        **NOTHING,
        "vpcs": 1,
        "certificates": 1,
        "secrets": 1,
    }
    assert resources.leftovers(client, [REGION, ELSEWHERE], VPN, ZONE) == [
        f"{REGION}: VPC",
        f"{REGION}: certificate",
        f"{REGION}: directory",
        f"{REGION}: endpoint",
        f"{REGION}: peering",
        f"{REGION}: route table",
        f"{REGION}: secret",
        f"{REGION}: security group",
        f"{REGION}: subnet",
    ]

    # Deleted one by one, each kind drops out.
    for endpoint in endpoints:
        ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=endpoint)
    for directory in (tagged_directory, plain_directory):
        ds.delete_directory(DirectoryId=directory)
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=peering)
    acm.delete_certificate(CertificateArn=cert)
    secretsmanager.delete_secret(SecretId=owned_secret["ARN"], RecoveryWindowInDays=7)
    assert f"{REGION}: secret" in resources.leftovers(client, [REGION], VPN, ZONE)
    secretsmanager.delete_secret(SecretId=owned_secret["ARN"], ForceDeleteWithoutRecovery=True)
    assert resources.leftovers(client, [REGION], VPN, ZONE, directory_name=DIRECTORY) == [
        f"{REGION}: VPC",
        f"{REGION}: route table",
        f"{REGION}: security group",
        f"{REGION}: subnet",
    ]
    ec2.delete_route_table(RouteTableId=table)
    ec2.delete_security_group(GroupId=group)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)
    assert resources.owned(client, REGION, VPN, directory_name=DIRECTORY) == NOTHING
    assert resources.leftovers(client, [REGION, ELSEWHERE], VPN, ZONE, directory_name=DIRECTORY) == []
    # What another VPN owns is still there, and still its own.
    assert resources.owned(client, REGION, "other.example.com") == {
        **NOTHING,
        "vpcs": 1,
        "certificates": 1,
        "secrets": 1,
    }
    assert acm.describe_certificate(CertificateArn=other_cert)["Certificate"]["CertificateArn"] == other_cert


def _health_check(route53, reference, fqdn, name=None, kind="TCP"):
    config = {"Type": kind, "FullyQualifiedDomainName": fqdn, "Port": 443}
    check = route53.create_health_check(CallerReference=reference, HealthCheckConfig=config)["HealthCheck"]["Id"]
    if name is not None:
        route53.change_tags_for_resource(
            ResourceType="healthcheck", ResourceId=check, AddTags=[{"Key": "Name", "Value": name}]
        )
    return check


def _change(route53, zone_id, action, record):
    route53.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": record}]}
    )


def test_owned_global_counts_the_zone_the_vpn_names_records_and_its_health_checks(client):
    route53 = client("route53", "us-east-1")
    assert resources.owned_global(client, VPN, ZONE) == {"hosted_zones": 0, "records": 0, "health_checks": 0}

    target = f"vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.{REGION}.amazonaws.com"
    named = _health_check(route53, "named", target, name=f"{VPN}-{REGION}")
    # A check created without its Name tag (the tagging never happened) for a Client VPN endpoint: possibly ours.
    orphan = _health_check(route53, "orphan", target.replace(REGION, ELSEWHERE))
    # Not ours: another VPN's check, and an untagged check of something else.
    _health_check(route53, "other", target, name=f"other.example.com-{REGION}")
    _health_check(route53, "longer", target, name=f"{VPN}-other-{REGION}")  # the VPN "<VPN>-other"'s
    _health_check(route53, "web", "www.example.org", kind="HTTP")

    zone_id = route53.create_hosted_zone(Name=ZONE, CallerReference="zone")["HostedZone"]["Id"]
    # Another zone whose name only ends like ours does not count.
    route53.create_hosted_zone(Name=f"not{ZONE}", CallerReference="not-zone")
    latency = {
        "Name": f"{VPN}.",
        "Type": "CNAME",
        "SetIdentifier": REGION,
        "Region": REGION,
        "TTL": 60,
        "HealthCheckId": named,
        "ResourceRecords": [{"Value": target}],
    }
    wildcard = {"Name": f"*.{VPN}.", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": VPN}]}
    unrelated = {"Name": f"www.{ZONE}.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.1"}]}
    for record in (latency, wildcard, unrelated):
        _change(route53, zone_id, "CREATE", record)

    assert resources.owned_global(client, VPN, ZONE) == {"hosted_zones": 1, "records": 2, "health_checks": 2}
    assert resources.leftovers(client, [REGION], VPN, ZONE) == [
        "Route 53: Client VPN health check",
        f"Route 53: hosted zone {ZONE}",
        f"Route 53: record of {VPN}",
    ]

    for record in (latency, wildcard):
        _change(route53, zone_id, "DELETE", record)
    for check in (named, orphan):
        route53.delete_health_check(HealthCheckId=check)
    assert resources.leftovers(client, [REGION], VPN, ZONE) == [f"Route 53: hosted zone {ZONE}"]
    _change(route53, zone_id, "DELETE", unrelated)
    route53.delete_hosted_zone(Id=zone_id)
    assert resources.owned_global(client, VPN, ZONE) == {"hosted_zones": 0, "records": 0, "health_checks": 0}
    assert resources.leftovers(client, [REGION], VPN, ZONE) == []
    assert len(route53.list_health_checks()["HealthChecks"]) == 3  # the three that are not ours


def test_command_line_prints_the_leftovers_as_json(sandbox):
    """What molecule's destroy step runs: ``python -m tests.lib.resources leftovers`` from the repository root."""

    def run(*extra):
        cmd = [sys.executable, "-m", "tests.lib.resources", "leftovers", "--endpoint-url", sandbox.url]
        cmd += ["--vpn-name", VPN, "--hosted-zone", ZONE, "--region", REGION, "--region", ELSEWHERE, *extra]
        proc = subprocess.run(cmd, cwd=REPO, env=sandbox.env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    assert run() == []
    ec2 = sandbox.client("ec2", ELSEWHERE)
    vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16", TagSpecifications=tag_spec("vpc", **owner()))["Vpc"]["VpcId"]
    sandbox.client("route53").create_hosted_zone(Name=ZONE, CallerReference="zone")
    # Leftovers do not fail the command: failing is the caller's decision.
    assert run() == [f"Route 53: hosted zone {ZONE}", f"{ELSEWHERE}: VPC"]
    ec2.delete_vpc(VpcId=vpc)
    assert run() == [f"Route 53: hosted zone {ZONE}"]
