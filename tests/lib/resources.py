"""What a deployment holds in AWS (or the sandbox), listed with boto3: one lister for every suite and for molecule.

``client(service, region)`` is a boto3 client factory everywhere (``SandboxHandle.client`` has that signature).

- ``snapshot(client, regions)`` lists every resource site.yml creates, per kind, as sorted tuples of its
  identifying attributes with the AWS identifiers replaced by placeholders, so that two deployments compare
  equal exactly when they hold the same resources, duplicates included (a duplicate is a second identical
  tuple). ``expected(topology)`` is the same structure for a clean deployment of an inventory
  (bench/inventory.py's model), derived from the inventory alone; ``differences(actual, wanted)`` lists
  what differs.
- ``owned(client, region, vpn_name)`` counts what one deployment (the ownership tag's value, the VPN name)
  owns in one Region, ``owned_global(client, vpn_name, hosted_zone)`` in Route 53, and
  ``leftovers(client, regions, vpn_name, hosted_zone)`` names every kind of which something is left
  ("<Region>: <kind>", "Route 53: <kind>"): what molecule's destroy step requires to be empty after teardown.

Command line (read-only; prints a JSON list and exits 0 whatever it lists; molecule's destroy step runs it)::

    python -m tests.lib.resources leftovers [--endpoint-url URL] --vpn-name NAME --hosted-zone ZONE \\
        [--directory-name NAME] --region R [--region R ...]
"""

import argparse
import json
import re

import boto3
from botocore.config import Config

OWNER_TAG = "multiregion:client_vpn"
_ENDPOINT_ID = re.compile(r"cvpn-endpoint-[0-9a-f]+")
_DIRECTORY_ID = re.compile(r"d-[0-9a-f]+")


def _tags(item, key="Tags"):
    return {t["Key"]: t["Value"] for t in item.get(key) or []}


def _anon(text):
    return _DIRECTORY_ID.sub("d-X", _ENDPOINT_ID.sub("cvpn-endpoint-X", str(text)))


def snapshot(client, regions):
    """{kind: sorted list of tuples}; ``client(service, region)`` returns a boto3 client."""
    out = {
        "vpc": [],
        "subnet": [],
        "security_group": [],
        "route_table_route": [],
        "peering": [],
        "certificate": [],
        "directory": [],
        "directory_region": [],
        "endpoint": [],
        "association": [],
        "authorization_rule": [],
        "vpn_route": [],
        "hosted_zone": [],
        "record": [],
        "health_check": [],
    }
    peerings = {}
    for region in regions:
        ec2 = client("ec2", region)
        vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
        vpc_ids = [v["VpcId"] for v in vpcs]
        for vpc in vpcs:
            out["vpc"].append((region, vpc["CidrBlock"], _tags(vpc).get("Name"), _tags(vpc).get(OWNER_TAG)))
        subnet_cidr = {}
        if vpc_ids:
            for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": vpc_ids}])["Subnets"]:
                subnet_cidr[subnet["SubnetId"]] = subnet["CidrBlock"]
                out["subnet"].append((region, subnet["CidrBlock"], subnet["AvailabilityZone"]))
            groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": vpc_ids}])["SecurityGroups"]
            for group in groups:
                if group["GroupName"] != "default":
                    out["security_group"].append((region, _anon(group["GroupName"])))
            tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": vpc_ids}])["RouteTables"]
            for table in tables:
                if any(a.get("Main") for a in table.get("Associations", [])):
                    continue
                for route in table["Routes"]:
                    target = "peering" if route.get("VpcPeeringConnectionId") else route.get("GatewayId", "other")
                    out["route_table_route"].append((region, route.get("DestinationCidrBlock"), target))
        for peering in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]:
            if peering["Status"]["Code"] in ("deleted", "rejected", "failed", "expired"):
                continue
            # The pair of Regions, whichever side requested it (site.yml splits the requests between the
            # two sides): a second peering of the same pair, either way round, is a duplicate tuple.
            pair = sorted((peering["RequesterVpcInfo"].get("Region"), peering["AccepterVpcInfo"].get("Region")))
            peerings[peering["VpcPeeringConnectionId"]] = (*pair, peering["Status"]["Code"])

        acm = client("acm", region)
        for summary in acm.list_certificates()["CertificateSummaryList"]:
            out["certificate"].append((region, summary["DomainName"], summary.get("Status")))

        ds = client("ds", region)
        for directory in ds.describe_directories()["DirectoryDescriptions"]:
            if directory["Stage"] in ("Deleted",):
                continue
            out["directory"].append((region, directory["Name"], directory["Type"], directory["Stage"]))
            if directory["Type"] == "MicrosoftAD" and directory.get("RegionsInfo", {}).get("PrimaryRegion") == region:
                for entry in ds.describe_regions(DirectoryId=directory["DirectoryId"])["RegionsDescription"]:
                    out["directory_region"].append((entry["RegionName"], entry["RegionType"], entry["Status"]))

        for endpoint in ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]:
            if endpoint["Status"]["Code"] in ("deleted",):
                continue
            endpoint_id = endpoint["ClientVpnEndpointId"]
            name = _tags(endpoint).get("Name")
            out["endpoint"].append((region, name, endpoint["Status"]["Code"], endpoint["ClientCidrBlock"]))
            networks = ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=endpoint_id)[
                "ClientVpnTargetNetworks"
            ]
            for network in networks:
                if network["Status"]["Code"] == "disassociated":
                    continue
                cidr = subnet_cidr.get(network["TargetNetworkId"], network["TargetNetworkId"])
                out["association"].append((region, name, cidr, network["Status"]["Code"]))
            rules = ec2.describe_client_vpn_authorization_rules(ClientVpnEndpointId=endpoint_id)["AuthorizationRules"]
            for rule in rules:
                out["authorization_rule"].append(
                    (region, name, rule["DestinationCidr"], rule.get("AccessAll"), rule["Status"]["Code"])
                )
            for route in ec2.describe_client_vpn_routes(ClientVpnEndpointId=endpoint_id)["Routes"]:
                cidr = subnet_cidr.get(route["TargetSubnet"], route["TargetSubnet"])
                out["vpn_route"].append(
                    (region, name, route["DestinationCidr"], cidr, route["Origin"], route["Status"]["Code"])
                )

    out["peering"] = list(peerings.values())

    route53 = client("route53", "us-east-1")
    for zone in route53.list_hosted_zones()["HostedZones"]:
        out["hosted_zone"].append((zone["Name"], zone["Config"].get("PrivateZone", False)))
        records = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
        for record in records:
            if record["Type"] in ("SOA", "NS"):
                continue
            values = tuple(sorted(_anon(r["Value"]) for r in record.get("ResourceRecords", [])))
            out["record"].append(
                (
                    record["Name"].replace("\\052", "*"),
                    record["Type"],
                    record.get("SetIdentifier"),
                    record.get("Region"),
                    values,
                    bool(record.get("HealthCheckId")),
                )
            )
    for check in route53.list_health_checks()["HealthChecks"]:
        config = check["HealthCheckConfig"]
        out["health_check"].append(
            (config["Type"], _anon(config.get("FullyQualifiedDomainName")), config.get("Port"), config.get("Inverted"))
        )
    return {kind: sorted(items, key=repr) for kind, items in out.items()}


def counts(snap):
    return {kind: len(items) for kind, items in snap.items()}


def expected(topology, vpn_name="vpn.example.com", zone="example.com", directory="corp.example.com"):
    """The snapshot of a clean deployment of ``topology``: [(region, host vars)], the Home first."""
    out = {kind: [] for kind in snapshot_kinds()}
    home = topology[0][0]
    names = [region for region, _host in topology]
    cidrs = {region: host["vpc_cidr"] for region, host in topology}
    for region, host in topology:
        out["vpc"].append((region, host["vpc_cidr"], f"{vpn_name}-{region}", vpn_name))
        subnets = [(s["cidr"], s["az"]) for s in host["subnets"]]
        out["subnet"].extend((region, cidr, az) for cidr, az in subnets)
        out["security_group"].append((region, f"{vpn_name}-vpn-users"))
        # The group AWS creates for the directory's domain controllers (Home and each replica), and in a
        # Branch another for its AD Connector.
        out["security_group"].extend([(region, "d-X_controllers")] * (1 if region == home else 2))
        out["route_table_route"].append((region, host["vpc_cidr"], "local"))
        for other in names:
            if other != region:
                out["route_table_route"].append((region, cidrs[other], "peering"))
        out["certificate"].append((region, vpn_name, "ISSUED"))
        endpoint = f"{vpn_name}-{region}"
        out["endpoint"].append((region, endpoint, "available", host["client_cidr"]))
        out["association"].extend((region, endpoint, cidr, "associated") for cidr, _az in subnets)
        out["authorization_rule"].extend((region, endpoint, cidrs[r], True, "active") for r in names)
        for cidr, _az in subnets:
            out["vpn_route"].append((region, endpoint, host["vpc_cidr"], cidr, "associate", "active"))
            out["vpn_route"].extend(
                (region, endpoint, cidrs[other], cidr, "add-route", "active") for other in names if other != region
            )
        if region == home:
            out["directory"].append((region, directory, "MicrosoftAD", "Active"))
            out["directory_region"].append((region, "Primary", "Active"))
        else:
            out["directory"].append((region, directory, "MicrosoftAD", "Active"))
            out["directory"].append((region, directory, "ADConnector", "Active"))
            out["directory_region"].append((region, "Additional", "Active"))
        out["health_check"].append(("TCP", f"vpn.cvpn-endpoint-X.prod.clientvpn.{region}.amazonaws.com", 443, False))
        out["record"].append(
            (
                f"{vpn_name}.",
                "CNAME",
                region,
                region,
                (f"vpn.cvpn-endpoint-X.prod.clientvpn.{region}.amazonaws.com",),
                True,
            )
        )
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            out["peering"].append((*sorted((first, second)), "active"))
    out["hosted_zone"].append((f"{zone}.", False))
    out["record"].append((f"*.{vpn_name}.", "CNAME", None, None, (vpn_name,), False))
    return {kind: sorted(items, key=repr) for kind, items in out.items()}


def snapshot_kinds():
    return (
        "vpc",
        "subnet",
        "security_group",
        "route_table_route",
        "peering",
        "certificate",
        "directory",
        "directory_region",
        "endpoint",
        "association",
        "authorization_rule",
        "vpn_route",
        "hosted_zone",
        "record",
        "health_check",
    )


def differences(actual, wanted):
    """Human-readable differences between two snapshots (empty when equal)."""
    problems = []
    for kind in snapshot_kinds():
        have, want = list(actual.get(kind, [])), list(wanted.get(kind, []))
        extra, missing = list(have), []
        for item in want:
            if item in extra:
                extra.remove(item)
            else:
                missing.append(item)
        if extra:
            problems.append(f"{kind}: unexpected {extra}")
        if missing:
            problems.append(f"{kind}: missing {missing}")
    return problems


# --------------------------------------------------------------------- what one deployment owns

# Peering states of a live connection (ec2_vpc_peering_info's status-code filter in the old molecule check).
LIVE_PEERING = ("initiating-request", "pending-acceptance", "provisioning", "active")
# Every key type ACM knows: ListCertificates without Includes lists RSA_2048 (and RSA_1024) certificates only.
ACM_KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
# Route 53 is global: its API answers in this Region.
ROUTE53_REGION = "us-east-1"
# "-<Region>" at the end of a name ("vpn.example.com-eu-west-1"; "us-gov-west-1" too).
_REGION_SUFFIX = r"-[a-z]{2}(-[a-z]+)+-[0-9]+"

# (key of owned() / owned_global(), the kind as leftovers() names it), in owned()'s order.
REGION_KINDS = (
    ("vpcs", "VPC"),
    ("subnets", "subnet"),
    ("security_groups", "security group"),
    ("route_tables", "route table"),
    ("peerings", "peering"),
    ("endpoints", "endpoint"),
    ("directories", "directory"),
    ("certificates", "certificate"),
    ("secrets", "secret"),
)


def _items(client, operation, key, **kwargs):
    """Every item of a describe/list call, all pages."""
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key) or []
    else:
        yield from getattr(client, operation)(**kwargs).get(key) or []


def _owner(tags, vpn_name):
    return tags.get(OWNER_TAG) == vpn_name


def owned(client, region, vpn_name, directory_name=None):
    """{kind: count} of what the deployment ``vpn_name`` owns in ``region`` (keys as in REGION_KINDS).

    vpcs, subnets, security_groups, route_tables: carrying the ownership tag (``multiregion:client_vpn`` =
    ``vpn_name``); peerings: the same, live ones only (LIVE_PEERING); endpoints: not deleting or deleted, named
    ``<vpn_name>-<region>`` or carrying the tag; directories (Microsoft AD and AD Connectors): not Deleted,
    carrying the tag or named ``directory_name`` (when given); certificates: carrying the tag.
    """
    ec2 = client("ec2", region)
    tagged = [{"Name": f"tag:{OWNER_TAG}", "Values": [vpn_name]}]
    peerings = [
        p
        for p in _items(ec2, "describe_vpc_peering_connections", "VpcPeeringConnections", Filters=tagged)
        if p["Status"]["Code"] in LIVE_PEERING
    ]
    endpoints = [
        e
        for e in _items(ec2, "describe_client_vpn_endpoints", "ClientVpnEndpoints")
        if e["Status"]["Code"] not in ("deleting", "deleted")
        and (_tags(e).get("Name") == f"{vpn_name}-{region}" or _owner(_tags(e), vpn_name))
    ]

    ds = client("ds", region)
    directories = []
    for directory in _items(ds, "describe_directories", "DirectoryDescriptions"):
        if directory.get("Stage") == "Deleted":
            continue
        named = directory_name and (directory.get("Name") or "").lower() == directory_name.lower()
        if named or _owner(_directory_tags(ds, directory["DirectoryId"]), vpn_name):
            directories.append(directory)

    acm = client("acm", region)
    certificates = [
        summary
        for summary in _items(acm, "list_certificates", "CertificateSummaryList", Includes={"keyTypes": ACM_KEY_TYPES})
        if _owner(_certificate_tags(acm, summary["CertificateArn"]), vpn_name)
    ]
    secretsmanager = client("secretsmanager", region)
    listed = _items(secretsmanager, "list_secrets", "SecretList", IncludePlannedDeletion=True)
    secrets = [secret for secret in listed if _owner(_tags(secret), vpn_name)]
    return {
        "vpcs": len(list(_items(ec2, "describe_vpcs", "Vpcs", Filters=tagged))),
        "subnets": len(list(_items(ec2, "describe_subnets", "Subnets", Filters=tagged))),
        "security_groups": len(list(_items(ec2, "describe_security_groups", "SecurityGroups", Filters=tagged))),
        "route_tables": len(list(_items(ec2, "describe_route_tables", "RouteTables", Filters=tagged))),
        "peerings": len(peerings),
        "endpoints": len(endpoints),
        "directories": len(directories),
        "certificates": len(certificates),
        "secrets": len(secrets),
    }


def _directory_tags(ds, directory_id):
    """The directory's tags; {} when it went away since it was listed (a deleted one lingers in describes)."""
    try:
        return _tags({"Tags": list(_items(ds, "list_tags_for_resource", "Tags", ResourceId=directory_id))})
    except ds.exceptions.EntityDoesNotExistException:
        return {}


def _certificate_tags(acm, arn):
    """The certificate's tags; {} when it was deleted since it was listed."""
    try:
        return _tags(acm.list_tags_for_certificate(CertificateArn=arn))
    except acm.exceptions.ResourceNotFoundException:
        return {}


def _health_check_tags(route53, health_check_id):
    """The health check's tags; None when it was deleted since it was listed."""
    try:
        answer = route53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=health_check_id)
    except route53.exceptions.NoSuchHealthCheck:
        return None
    return _tags(answer["ResourceTagSet"])


def owned_global(client, vpn_name, hosted_zone):
    """{kind: count} of what the deployment ``vpn_name`` holds in Route 53.

    hosted_zones: the zones named ``hosted_zone`` (whoever created them: the one check molecule had, whose
    inventory has the collection create the zone); records: the records of the VPN name in them (the latency
    records and the ``*.<vpn_name>`` wildcard); health_checks: those named ``<vpn_name>-<Region>`` (the Name tag
    route53_latency_record gives them), and those without a Name tag that check a Client VPN endpoint (a create
    whose tagging never happened).
    """
    route53 = client("route53", ROUTE53_REGION)
    zone_fqdn = hosted_zone.rstrip(".").lower() + "."
    vpn_fqdn = vpn_name.rstrip(".").lower() + "."
    zones = [
        zone
        for zone in route53.list_hosted_zones_by_name(DNSName=zone_fqdn)["HostedZones"]
        if zone["Name"].lower() == zone_fqdn
    ]
    records = [
        record
        for zone in zones
        for record in _items(route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone["Id"])
        if record["Name"].replace("\\052", "*").lower() in (vpn_fqdn, "*." + vpn_fqdn)
    ]
    named = re.compile(re.escape(vpn_name) + _REGION_SUFFIX)
    checks = []
    for check in _items(route53, "list_health_checks", "HealthChecks"):
        tags = _health_check_tags(route53, check["Id"])
        if tags is None:
            continue
        name = tags.get("Name")
        fqdn = check["HealthCheckConfig"].get("FullyQualifiedDomainName") or ""
        if (name is not None and named.fullmatch(name)) or (name is None and ".clientvpn." in fqdn):
            checks.append(check)
    return {"hosted_zones": len(zones), "records": len(records), "health_checks": len(checks)}


def leftovers(client, regions, vpn_name, hosted_zone, directory_name=None):
    """Sorted "<Region>: <kind>" and "Route 53: <kind>" for every kind of which the deployment still owns
    something (owned() in each of ``regions``, owned_global()); [] when nothing is left."""
    left = []
    for region in regions:
        counts = owned(client, region, vpn_name, directory_name)
        left += [f"{region}: {label}" for key, label in REGION_KINDS if counts[key]]
    counts = owned_global(client, vpn_name, hosted_zone)
    labels = {
        "hosted_zones": f"hosted zone {hosted_zone}",
        "records": f"record of {vpn_name}",
        "health_checks": "Client VPN health check",
    }
    left += [f"Route 53: {label}" for key, label in labels.items() if counts[key]]
    return sorted(left)


# ------------------------------------------------------------------------------- command line


def boto3_clients(endpoint_url=None):
    """A ``client(service, region)`` factory: boto3 clients (cached) with botocore's standard retries (10 attempts,
    as the playbooks' aws_config), credentials from the environment, and ``endpoint_url`` when given."""
    config = Config(retries={"mode": "standard", "max_attempts": 10})
    cache = {}

    def client(service, region):
        if (service, region) not in cache:
            cache[service, region] = boto3.client(
                service, region_name=region, endpoint_url=endpoint_url or None, config=config
            )
        return cache[service, region]

    return client


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.lib.resources", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("leftovers", help="print, as a JSON list, what the deployment still owns")
    listing.add_argument("--endpoint-url", default="", help="AWS endpoint (the sandbox's URL); none: AWS")
    listing.add_argument("--vpn-name", required=True, help="the VPN name: the ownership tag's value")
    listing.add_argument("--hosted-zone", required=True)
    listing.add_argument("--directory-name", default=None, help="a directory of that name counts as owned too")
    listing.add_argument("--region", dest="regions", action="append", required=True, help="repeat for each Region")
    args = parser.parse_args(argv)
    found = leftovers(
        boto3_clients(args.endpoint_url), args.regions, args.vpn_name, args.hosted_zone, args.directory_name
    )
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
