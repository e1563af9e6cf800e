"""What a deployment of inventories/sandbox holds, checked with boto3 against the sandbox.

Shared by the lifecycle test (test_lifecycle.py) and the per-play tests (test_site_network.py): each
function asserts one part of the architecture (network, certificates, directory, connectors, endpoints,
DNS) so that a failure names the part that is wrong.
"""

import collections
import json
import stat
from pathlib import Path

import yaml
from cryptography import x509

REPO = Path(__file__).resolve().parents[2]
INVENTORY = REPO / "inventories" / "sandbox"
HOSTS = yaml.safe_load((INVENTORY / "hosts.yml").read_text())["all"]["children"]
GROUP_VARS = yaml.safe_load((INVENTORY / "group_vars" / "all.yml").read_text())
HOME = next(iter(HOSTS["home"]["hosts"]))
BRANCHES = list(HOSTS["branches"]["hosts"])
HOST_VARS = {HOME: HOSTS["home"]["hosts"][HOME], **HOSTS["branches"]["hosts"]}
VPN_NAME = GROUP_VARS["vpn_name"]
DIRECTORY = GROUP_VARS["directory_name"]
PASSWORD = GROUP_VARS["directory_password"]
ZONE = GROUP_VARS["hosted_zone"]
OWNER_TAG = "multiregion:client_vpn"
OWNED = [{"Name": f"tag:{OWNER_TAG}", "Values": [VPN_NAME]}]
# A Branch to grow the deployment by: us-east-2 sorts between the existing Regions, so the round-robin
# split of two existing pairs changes (their peerings, made the other way round, must be kept as they are).
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


def tag_dict(resource, key="Tags"):
    return {t["Key"]: t["Value"] for t in resource.get(key) or []}


def writes_by(calls, service, region=None):
    """Counter of the write actions of one service (in one Region)."""
    return collections.Counter(
        c["action"]
        for c in calls
        if c["write"] and c["service"] == service and (region is None or c["region"] == region)
    )


def times(calls, action, region=None):
    return sorted(c["time"] for c in calls if c["action"] == action and (region is None or c["region"] == region))


def requester(region, other, regions):
    """The Region that requests a pair (network role): with the names sorted, the pair (i, j), i < j, is
    requested by i when i + j is odd, by j when even."""
    names = sorted(regions)
    i, j = sorted((names.index(region), names.index(other)))
    return names[i] if (i + j) % 2 else names[j]


def owned(ec2, kind, describe, key):
    items = describe(Filters=OWNED)[key]
    assert items, f"no {kind} carries the ownership tag"
    return items


def pki_snapshot(pki):
    return {p.relative_to(pki): p.read_bytes() for p in sorted(pki.rglob("*")) if p.is_file()}


def assert_network(sandbox, cidrs, requester_of=None):
    """cidrs: {region: VPC CIDR}. requester_of(region, other): the Region that requested the pair (default:
    the split of these Regions)."""
    requester_of = requester_of or (lambda region, other: requester(region, other, cidrs))
    vpcs = {}
    for region, cidr in cidrs.items():
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
        assert set(routes) == {cidrs[other] for other in cidrs if other != region}
        for other in cidrs:
            if other == region:
                continue
            peering = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[routes[cidrs[other]]])[
                "VpcPeeringConnections"
            ][0]
            assert peering["Status"]["Code"] == "active"
            first = requester_of(region, other)
            assert peering["RequesterVpcInfo"]["Region"] == first, (region, other)
            assert peering["AccepterVpcInfo"]["Region"] == ({region, other} - {first}).pop()
            assert {peering["RequesterVpcInfo"]["VpcId"], peering["AccepterVpcInfo"]["VpcId"]} == {
                vpc["VpcId"],
                vpcs[other][0]["VpcId"],
            }
            assert tag_dict(peering)[OWNER_TAG] == VPN_NAME


def assert_certificates(sandbox, pki, regions):
    """The generated PKI is private, names the VPN name, and is imported with its CA as chain in each Region."""
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
        tags = tag_dict(acm.list_tags_for_certificate(CertificateArn=summary["CertificateArn"]))
        assert tags["Name"] == f"{VPN_NAME} server" and tags[OWNER_TAG] == VPN_NAME
        material = acm.get_certificate(CertificateArn=summary["CertificateArn"])
        assert material["CertificateChain"].strip() == (pki / "ca.crt").read_text().strip()


def assert_directory(sandbox, branches):
    """The Home's directory: Enterprise, Active, tagged, replicated into every Branch. Returns its description."""
    ds = sandbox.client("ds", HOME)
    directories = [d for d in ds.describe_directories()["DirectoryDescriptions"] if d["Name"] == DIRECTORY]
    assert [(d["Type"], d["Edition"], d["Stage"]) for d in directories] == [("MicrosoftAD", "Enterprise", "Active")]
    directory = directories[0]
    tags = tag_dict(ds.list_tags_for_resource(ResourceId=directory["DirectoryId"]))
    assert tags[OWNER_TAG] == VPN_NAME
    regions = {
        r["RegionName"]: r for r in ds.describe_regions(DirectoryId=directory["DirectoryId"])["RegionsDescription"]
    }
    assert set(regions) == {HOME, *branches}
    assert regions[HOME]["RegionType"] == "Primary"
    for branch in branches:
        assert (regions[branch]["RegionType"], regions[branch]["Status"]) == ("Additional", "Active")
    return directory


def assert_connector(sandbox, branch, directory_id):
    """One Active AD Connector in the Branch, on its replica's two domain controllers, logged in as its own service
    account: an enabled user of the Home directory whose password is kept only in an owned secret of the Branch
    (the sandbox makes a connector Active only when that password is the user's). Returns (id, DC IPs)."""
    ds = sandbox.client("ds", branch)
    controllers = ds.describe_domain_controllers(DirectoryId=directory_id)["DomainControllers"]
    dc_ips = sorted(dc["DnsIpAddr"] for dc in controllers)
    assert len(dc_ips) == 2
    connectors = [d for d in ds.describe_directories()["DirectoryDescriptions"] if d["Type"] == "ADConnector"]
    assert len(connectors) == 1
    connector = connectors[0]
    assert (connector["Name"], connector["Size"], connector["Stage"]) == (DIRECTORY, "Small", "Active")
    # DescribeDirectories reports the DNS servers an AD Connector uses as its DnsIpAddrs.
    assert sorted(connector["DnsIpAddrs"]) == dc_ips
    account = f"cvpn-{branch}"
    assert connector["ConnectSettings"]["CustomerUserName"] == account
    user = sandbox.client("ds-data", HOME).describe_user(DirectoryId=directory_id, SAMAccountName=account)
    assert user["Enabled"] is True
    (secret,) = sandbox.client("secretsmanager", branch).list_secrets()["SecretList"]
    assert secret["Name"] == f"{VPN_NAME}/ad-connector" and {"Key": OWNER_TAG, "Value": VPN_NAME} in secret["Tags"]
    value = json.loads(
        sandbox.client("secretsmanager", branch).get_secret_value(SecretId=secret["ARN"])["SecretString"]
    )
    assert value["username"] == account and len(value["password"]) == 32
    return connector["DirectoryId"], dc_ips


def endpoint_of(sandbox, region):
    ec2 = sandbox.client("ec2", region)
    (endpoint,) = [
        e
        for e in ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        if {"Key": "Name", "Value": f"{VPN_NAME}-{region}"} in e.get("Tags", [])
        and e["Status"]["Code"] not in ("deleting", "deleted")
    ]
    return endpoint


def assert_endpoint(sandbox, region, directory_id, dns_ips, cidrs, mutual=False):
    """The Region's endpoint: AD authentication (``mutual``: and client certificates of the server certificate's CA),
    TCP 443, split tunnel, two associations, a rule per VPC and routes to the other VPCs through each subnet.
    cidrs: {region: VPC CIDR} of the whole deployment."""
    ec2 = sandbox.client("ec2", region)
    endpoint = endpoint_of(sandbox, region)
    endpoint_id = endpoint["ClientVpnEndpointId"]
    assert endpoint["Status"]["Code"] == "available"
    assert endpoint["DnsName"] == f"*.{endpoint_id}.prod.clientvpn.{region}.amazonaws.com"
    auth = [
        (
            a["Type"],
            a.get("ActiveDirectory", {}).get("DirectoryId") or a["MutualAuthentication"]["ClientRootCertificateChain"],
        )
        for a in endpoint["AuthenticationOptions"]
    ]
    wanted = [("directory-service-authentication", directory_id)]
    if mutual:
        wanted.append(("certificate-authentication", endpoint["ServerCertificateArn"]))
    assert auth == wanted, auth
    assert (endpoint["TransportProtocol"], endpoint["VpnPort"], endpoint["SplitTunnel"]) == ("tcp", 443, True)
    assert endpoint["ClientCidrBlock"] == HOST_VARS[region]["client_cidr"]
    assert sorted(endpoint["DnsServers"]) == sorted(dns_ips)
    assert "SelfServicePortalUrl" not in endpoint
    assert endpoint.get("SessionTimeoutHours", 24) == 24
    assert tag_dict(endpoint)[OWNER_TAG] == VPN_NAME

    networks = ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=endpoint_id)["ClientVpnTargetNetworks"]
    associated = [n for n in networks if n["Status"]["Code"] == "associated"]
    assert len(associated) == 2 and len({n["TargetNetworkId"] for n in associated}) == 2
    subnets = {n["TargetNetworkId"] for n in associated}

    rules = ec2.describe_client_vpn_authorization_rules(ClientVpnEndpointId=endpoint_id)["AuthorizationRules"]
    assert sorted((r["DestinationCidr"], r["AccessAll"], r["Status"]["Code"]) for r in rules) == sorted(
        (cidr, True, "active") for cidr in cidrs.values()
    )

    routes = ec2.describe_client_vpn_routes(ClientVpnEndpointId=endpoint_id)["Routes"]
    assert all(r["Status"]["Code"] == "active" for r in routes)
    by_hand = sorted((r["DestinationCidr"], r["TargetSubnet"]) for r in routes if r["Origin"] == "add-route")
    others = [cidr for name, cidr in cidrs.items() if name != region]
    assert by_hand == sorted((cidr, subnet) for cidr in others for subnet in subnets)
    # The local VPC route is AWS's own (one per associated subnet), never added by hand.
    local = [r for r in routes if r["DestinationCidr"] == cidrs[region]]
    assert sorted(r["TargetSubnet"] for r in local) == sorted(subnets)
    assert all(r["Origin"] == "associate" for r in local)
    return endpoint_id


def records(sandbox, zone_id):
    rrsets = sandbox.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return [r for r in rrsets if r["Type"] not in ("SOA", "NS")]


def latency_regions(sandbox, zone_id):
    return sorted(r["Region"] for r in records(sandbox, zone_id) if r["Name"] == VPN_NAME + "." and "Region" in r)


def health_checks(sandbox):
    return sandbox.client("route53").list_health_checks()["HealthChecks"]


def zone_state(sandbox, zone_id):
    """Every record of the hosted zone and every health check, as AWS returns them (ids included)."""
    return (
        {(r["Name"].replace("\\052", "*"), r["Type"], r.get("SetIdentifier")): r for r in records(sandbox, zone_id)},
        {c["Id"]: c for c in health_checks(sandbox)},
    )


def routed_cidrs(sandbox, region):
    """The CIDRs one Region routes to through a peering, and its endpoint authorizes and routes to (sorted)."""
    ec2 = sandbox.client("ec2", region)
    tables = ec2.describe_route_tables(Filters=OWNED)["RouteTables"]
    endpoint_id = endpoint_of(sandbox, region)["ClientVpnEndpointId"]
    rules = ec2.describe_client_vpn_authorization_rules(ClientVpnEndpointId=endpoint_id)["AuthorizationRules"]
    routes = ec2.describe_client_vpn_routes(ClientVpnEndpointId=endpoint_id)["Routes"]
    return {
        "route_table": sorted(
            r["DestinationCidrBlock"] for t in tables for r in t["Routes"] if r.get("VpcPeeringConnectionId")
        ),
        "authorization_rule": sorted(r["DestinationCidr"] for r in rules),
        "client_vpn_route": sorted(r["DestinationCidr"] for r in routes if r["Origin"] == "add-route"),
    }


def verification_rows(stdout, regions):
    """The rows of every verification table printed (lists of 8 fields), in order."""
    rows = []
    for line in stdout.splitlines():
        fields = line.strip().rstrip(",").strip('"').split()
        if len(fields) == 8 and fields[0] in regions:
            rows.append(fields)
    return rows
