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

import re

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
    names = [region for region, _ in topology]
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
        out["association"].extend((region, endpoint, cidr, "associated") for cidr, _ in subnets)
        out["authorization_rule"].extend((region, endpoint, cidrs[r], True, "active") for r in names)
        for cidr, _ in subnets:
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
