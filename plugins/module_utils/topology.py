# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Validation of a whole multi-Region topology before anything is created.

Every rule AWS would enforce later, sometimes 40 minutes into a deploy, is
checked here at once and every problem is reported, so a typo costs seconds.
Pure functions over plain data: no AWS call, no Ansible import.
"""

import ipaddress
import re

from ansible_collections.multiregion.client_vpn.plugins.module_utils import aws_rules

# Regions enabled by default in every account.  Multi-Region replication of
# Managed Microsoft AD needs the primary and each replica in one of these.
DEFAULT_REGIONS = frozenset("""
    us-east-1 us-east-2 us-west-1 us-west-2 ca-central-1 sa-east-1
    eu-west-1 eu-west-2 eu-west-3 eu-central-1 eu-north-1
    ap-south-1 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-southeast-1 ap-southeast-2
    """.split())
# Opt-in Regions of the aws partition (they exist, but cannot hold a replica).
OPT_IN_REGIONS = frozenset("""
    af-south-1 ap-east-1 ap-east-2 ap-south-2 ap-southeast-3 ap-southeast-4 ap-southeast-5
    ap-southeast-6 ap-southeast-7 ca-west-1 eu-central-2 eu-south-1 eu-south-2 il-central-1
    me-central-1 me-south-1 mx-central-1
    """.split())
HEALTH_CHECK_REGIONS = aws_rules.HEALTH_CHECK_REGIONS
_DIRECTORY_NAME = re.compile(r"^([a-zA-Z0-9]+[\\.-])+([a-zA-Z0-9])+$")
_SHORT_NAME = re.compile(r'^[^\\/:*?"<>|.]+[^\\/:*?"<>|]*$')
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_AZ = re.compile(r"^(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d)(?P<zone>[a-z])$")

# Directory Service quota: additional (replicated) Regions per directory. AWS's default is 4
# (RegionLimitExceededException beyond it); it can be raised on request, hence a setting.
DIRECTORY_ADDITIONAL_REGIONS_QUOTA = 4


def password_problem(password):
    """None when AWS would accept this directory admin password, else why not (the modules' own rule)."""
    problems = aws_rules.directory_password_problems(password)
    return "; ".join(problems) if problems else None


_network = aws_rules.ipv4_network


def _as_int(value):
    """A whole number given as text (``-e vpn_port=443`` gives a string) as the int the role's spec makes of it."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _dns_name(value):
    name = str(value or "").strip().lower().rstrip(".")
    return name, bool(name) and len(name) <= 253 and all(_LABEL.match(label) for label in name.split("."))


def _region_problems(region, seen_names):
    name = region.get("name")
    where = name or "a Region without a name"
    problems = []
    if not name:
        problems.append("a Region has no name")
    elif name in seen_names:
        problems.append(f"{name}: listed more than once")
    elif name not in DEFAULT_REGIONS | OPT_IN_REGIONS:
        problems.append(f"{name}: not a known AWS Region")
    elif name in OPT_IN_REGIONS:
        problems.append(
            f"{name}: an opt-in Region; Managed Microsoft AD multi-Region replication needs Regions enabled by default"
        )
    if name:
        seen_names.add(name)

    vpc = None
    if region.get("vpc_id"):
        if len(region.get("subnet_ids") or []) != 2:
            problems.append(f"{where}: an existing VPC needs exactly two subnet_ids (in different AZs)")
    else:
        vpc_problems = aws_rules.vpc_cidr_problems(region.get("vpc_cidr"))
        problems.extend(f"{where}: vpc_cidr {p}" for p in vpc_problems)
        # A VPC of the wrong size is still checked for overlaps: it is a range all the same.
        vpc = _network(region.get("vpc_cidr"))
        problems.extend(_subnet_problems(region, where, vpc))

    client_problems = aws_rules.client_cidr_problems(region.get("client_cidr"))
    problems.extend(f"{where}: client_cidr {p}" for p in client_problems)
    client = _network(region.get("client_cidr"))

    handler = region.get("client_connect_handler")
    if handler and name:
        problems.extend(
            f"{where}: client_connect_handler {p}" for p in aws_rules.client_connect_handler_problems(handler, name)
        )

    probe = region.get("probe_ip")
    if probe:
        try:
            ipaddress.ip_address(str(probe))
        except ValueError:
            problems.append(f"{where}: probe_ip {probe!r} is not an IP address")
    return problems, vpc, client


def _subnet_problems(region, where, vpc):
    problems = []
    subnets = region.get("subnets") or []
    if len(subnets) != 2:
        return [f"{where}: needs exactly two subnets (in two different Availability Zones), got {len(subnets)}"]
    nets, zones = [], []
    for subnet in subnets:
        subnet = subnet if isinstance(subnet, dict) else {}
        net = _network(subnet.get("cidr"))
        az = str(subnet.get("az") or "")
        match = _AZ.match(az)
        if net is None:
            problems.append(f"{where}: subnet cidr {subnet.get('cidr')!r} is not an IPv4 CIDR block")
        else:
            nets.append(net)
            if net.prefixlen > aws_rules.SUBNET_PREFIX_MAX:
                problems.append(
                    f"{where}: subnet {net} is smaller than /{aws_rules.SUBNET_PREFIX_MAX} "
                    f"(Client VPN needs /{aws_rules.SUBNET_PREFIX_MAX} or larger)"
                )
            if vpc is not None and not net.subnet_of(vpc):
                problems.append(f"{where}: subnet {net} is not inside vpc_cidr {vpc}")
        if not match:
            problems.append(f"{where}: {az!r} is not an Availability Zone name")
        elif region.get("name") and match.group("region") != region.get("name"):
            problems.append(f"{where}: Availability Zone {az} is not in {region.get('name')}")
        zones.append(az)
    if len(nets) == 2 and nets[0].overlaps(nets[1]):
        problems.append(f"{where}: subnets {nets[0]} and {nets[1]} overlap")
    if len(zones) == 2 and zones[0] == zones[1] and zones[0]:
        problems.append(f"{where}: both subnets are in {zones[0]}; they must be in two different Availability Zones")
    return problems


def _settings_problems(settings):
    problems = []
    vpn_name, vpn_ok = _dns_name(settings.get("vpn_name"))
    zone, zone_ok = _dns_name(settings.get("hosted_zone"))
    if not vpn_ok:
        problems.append(f"vpn_name {settings.get('vpn_name')!r} is not a valid DNS name")
    if not zone_ok:
        problems.append(f"hosted_zone {settings.get('hosted_zone')!r} is not a valid DNS name")
    if vpn_ok and zone_ok:
        if vpn_name == zone:
            problems.append(
                f"vpn_name {vpn_name} is the zone apex of {zone}: a CNAME cannot sit at the apex, use a subdomain"
            )
        elif not vpn_name.endswith("." + zone):
            problems.append(f"vpn_name {vpn_name} is not inside hosted_zone {zone}")

    directory = str(settings.get("directory_name") or "")
    if not _DIRECTORY_NAME.match(directory):
        problems.append(f"directory_name {directory!r} is not a fully qualified domain name (e.g. corp.example.com)")
    short = str(settings.get("directory_short_name") or "")
    if not short or not _SHORT_NAME.match(short) or len(short) > 15:
        problems.append(
            f"directory_short_name {short!r} must be a NetBIOS name of 1 to 15 characters, not starting with a dot"
        )
    problems.extend(
        f"directory_password {p} (AWS's rule)"
        for p in aws_rules.directory_password_problems(settings.get("directory_password"))
    )
    if settings.get("connector_password") not in (None, ""):
        problems.extend(
            f"connector_password {p} (AWS's rule)"
            for p in aws_rules.connector_password_problems(settings.get("connector_password"))
        )
    edition = settings.get("directory_edition", "Enterprise")
    if edition != "Enterprise":
        problems.append(f"directory_edition {edition!r}: multi-Region replication needs the Enterprise edition")

    transport = settings.get("transport_protocol", "tcp")
    if transport != "tcp":
        problems.append(
            f"transport_protocol {transport!r}: this design needs tcp (Route 53 health checks are TCP on port 443)"
        )
    port = _as_int(settings.get("vpn_port", 443))
    if port != 443:
        problems.append(f"vpn_port {port!r}: must be 443, the port Route 53 health-checks (Client VPN allows 443|1194)")
    problems.extend(f"dns_servers: {p}" for p in aws_rules.dns_servers_problems(settings.get("dns_servers")))
    problems.extend(
        f"session_timeout_hours {p}"
        for p in aws_rules.session_timeout_problems(_as_int(settings.get("session_timeout_hours", 24)))
    )
    problems.extend(f"login_banner {p}" for p in aws_rules.login_banner_problems(settings.get("login_banner")))
    problems.extend(f"health_check.{p}" for p in aws_rules.health_check_problems(settings.get("health_check")))
    problems.extend(f"record_ttl {p}" for p in aws_rules.ttl_problems(_as_int(settings.get("record_ttl", 60))))
    problems.extend(f"tags: {p}" for p in aws_rules.tag_problems(settings.get("tags")))
    problems.extend(f"connection_log: {p}" for p in aws_rules.connection_log_problems(settings.get("connection_log")))
    groups = settings.get("vpn_authorization_groups") or []
    for index, rule in enumerate(groups if isinstance(groups, list) else []):
        problems.extend(f"vpn_authorization_groups[{index}]: {p}" for p in aws_rules.authorization_rule_problems(rule))
    problems.extend(_access_groups_problems(settings.get("vpn_access_groups")))
    return problems


def _access_groups_problems(groups):
    """vpn_access_groups: each group's shape, and each name once (Active Directory compares them case-insensitively)."""
    if groups in (None, ""):
        return []
    if not isinstance(groups, list):
        return [f"vpn_access_groups must be a list of {{name, cidrs, description, members}}, got {groups!r}"]
    problems, seen = [], {}
    for index, group in enumerate(groups):
        name = group.get("name") if isinstance(group, dict) else None
        where = f"vpn_access_groups[{index}]" + (f" ({name})" if isinstance(name, str) and name else "")
        problems.extend(f"{where}: {p}" for p in aws_rules.access_group_problems(group))
        if isinstance(name, str) and name:
            seen.setdefault(name.lower(), []).append(name)
    problems.extend(
        f"vpn_access_groups: {names[0]} is listed {len(names)} times (group names are compared case-insensitively)"
        for names in seen.values()
        if len(names) > 1
    )
    return problems


def topology_problems(regions, settings):
    """Every problem with a topology, as sentences; an empty list means it can be deployed.

    ``regions``: dicts with name, role (home|branch), vpc_cidr and subnets [{cidr, az}] (or
    vpc_id and subnet_ids for an existing network), client_cidr, optional probe_ip.
    ``settings``: the group-wide values (vpn_name, hosted_zone, directory_*, transport_protocol, ...);
    ``directory_additional_regions_limit`` (default 4, AWS's quota) caps the number of Branches.
    """
    problems = []
    regions = list(regions or [])
    # An inventory host in both groups home and branches comes as two entries (one per role): report
    # it once, then check it as the Home only (its second entry would only repeat "listed more than once").
    roles_of = {}
    for region in regions:
        if region.get("host") is not None:
            roles_of.setdefault(region["host"], []).append(region.get("role"))
    both = sorted(host for host, roles in roles_of.items() if "home" in roles and "branch" in roles)
    for host in both:
        problems.append(
            f"{host}: in both groups home and branches; a Region is either the Home or a Branch, remove it from one"
        )
    regions = [r for r in regions if not (r.get("host") in both and r.get("role") == "branch")]
    homes = [r.get("name") for r in regions if r.get("role") == "home"]
    if len(homes) != 1:
        problems.append(
            f"exactly one Home Region is needed, found {len(homes)}: {', '.join(map(str, homes)) or 'none'}"
        )
    for region in regions:
        if region.get("role") not in ("home", "branch"):
            problems.append(f"{region.get('name')}: role must be home or branch, got {region.get('role')!r}")

    seen, vpcs, clients = set(), [], []
    for region in regions:
        region_problems, vpc, client = _region_problems(region, seen)
        problems.extend(region_problems)
        if vpc is not None:
            vpcs.append((region.get("name"), vpc))
        if client is not None:
            clients.append((region.get("name"), client))

    for i, (name_a, net_a) in enumerate(vpcs):
        for name_b, net_b in vpcs[i + 1 :]:
            if net_a.overlaps(net_b):
                problems.append(
                    f"vpc_cidr {net_a} of {name_a} overlaps vpc_cidr {net_b} of {name_b} (peering needs distinct CIDRs)"
                )
    for client_name, client in clients:
        for vpc_name, vpc in vpcs:
            if client.overlaps(vpc):
                problems.append(f"client_cidr {client} of {client_name} overlaps vpc_cidr {vpc} of {vpc_name}")
    problems.extend(_branch_count_problems(regions, settings or {}))
    problems.extend(_settings_problems(settings or {}))
    problems.extend(_authentication_problems(regions, settings or {}))
    return problems


def _authentication_problems(regions, settings):
    """vpn_authentication: a known mode; saml needs each Region's SAML provider (a group or host variable), other modes
    take none; the self-service portal is not for certificate modes."""
    mode = settings.get("vpn_authentication", "directory")
    problems = [f"vpn_authentication {p}" for p in aws_rules.authentication_mode_problems(mode)]
    if problems:
        return problems
    problems.extend(
        f"self_service_portal {p}"
        for p in aws_rules.self_service_portal_problems(settings.get("self_service_portal", "disabled"), mode)
    )
    seen = set()
    for region in regions:
        where = region.get("name") or "a Region without a name"
        if where in seen:
            continue
        seen.add(where)
        problems.extend(
            f"{where}: {p}"
            for p in aws_rules.authentication_problems(
                mode, region.get("saml_provider_arn"), region.get("self_service_saml_provider_arn")
            )
        )
    return problems


def _additional_regions_limit(settings):
    """The quota of additional Regions per directory from the settings, or None when it is not a count."""
    limit = settings.get("directory_additional_regions_limit", DIRECTORY_ADDITIONAL_REGIONS_QUOTA)
    if isinstance(limit, str) and limit.strip().isdigit():
        # Extra vars given as key=value on the command line arrive as strings.
        limit = int(limit.strip())
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        return None
    return limit


def _branch_count_problems(regions, settings):
    """Every Branch is an additional Region of the Home directory: at most the directory's quota of them."""
    limit = _additional_regions_limit(settings)
    if limit is None:
        value = settings.get("directory_additional_regions_limit")
        return [f"directory_additional_regions_limit {value!r} must be a whole number of Regions (AWS's default: 4)"]
    homes = {r.get("name") for r in regions if r.get("role") == "home"}
    branches = sorted({r.get("name") for r in regions if r.get("role") == "branch" and r.get("name")} - homes)
    if len(branches) <= limit:
        return []
    return [
        f"{len(branches)} Branch Regions ({', '.join(branches)}) would be {len(branches)} additional Regions of the "
        f"directory, but Directory Service allows {limit} per directory (RegionLimitExceededException): remove "
        f"{len(branches) - limit} Branch(es), or, once AWS has approved a quota increase, raise "
        "directory_additional_regions_limit"
    ]


# ----------------------------------------------------------------------------- read calls
# Preflight's read-only look-ups (aws_az_info, ec2_vpc_net_info, ec2_vpc_subnet_info,
# cloudwatchlogs_log_group_info, route53_info, and on the Home ds_directory_info and ds_data_info for
# vpn_access_groups when manage_groups is false), registered per Region host, are judged here.


# What each look-up's result holds when the read succeeded.
_READ_FIELDS = {
    "zones": "availability_zones",
    "vpc": "vpcs",
    "subnets": "subnets",
    "log_group": "log_groups",
    "hosted_zone": "HostedZones",
    "directory": "directories",
    "access_groups": "missing",
}


def _read(reads, host, key):
    """``(result, problem)``: a registered look-up of ``host`` that ran, or why it could not be used."""
    result = (reads.get(host) or {}).get(key)
    if not isinstance(result, dict) or result.get("skipped"):
        return None, None
    # The role registers with failed_when: false (failed is then False): a read succeeded only when its
    # answer is there. An error, including a read the endpoint does not implement, proves nothing.
    if result.get("failed") or _READ_FIELDS[key] not in result:
        return None, str(result.get("msg") or "the read call failed").splitlines()[0]
    return result, None


def _overlap_problems(existing, regions):
    """An existing VPC's range against every other Region's VPC and every client range."""
    problems = []
    for name, vpc in existing:
        for region in regions:
            other = _network(region.get("vpc_cidr")) if not region.get("vpc_id") else None
            if other is not None and region.get("name") != name and other.overlaps(vpc):
                problems.append(f"vpc_id of {name} ({vpc}) overlaps vpc_cidr {other} of {region.get('name')}")
            client = _network(region.get("client_cidr"))
            if client is not None and client.overlaps(vpc):
                problems.append(f"client_cidr {client} of {region.get('name')} overlaps the VPC {vpc} of {name}")
    for i, (name_a, vpc_a) in enumerate(existing):
        for name_b, vpc_b in existing[i + 1 :]:
            if vpc_a.overlaps(vpc_b):
                problems.append(f"the VPCs of {name_a} ({vpc_a}) and {name_b} ({vpc_b}) overlap")
    return problems


def _existing_network_problems(region, reads):
    """The existing VPC and subnets a Region names: they exist, the subnets are the VPC's, in two AZs."""
    host, where = region.get("host"), region.get("name")
    problems, vpc_net = [], None
    vpc_id = region.get("vpc_id")
    result, failure = _read(reads, host, "vpc")
    if failure:
        problems.append(f"{where}: vpc_id {vpc_id} could not be checked ({failure})")
    elif result is not None:
        vpcs = [v for v in result.get("vpcs") or [] if v.get("vpc_id", v.get("id")) == vpc_id]
        if not vpcs:
            problems.append(f"{where}: vpc_id {vpc_id} does not exist in {where}")
        else:
            vpc_net = _network(vpcs[0].get("cidr_block"))
    result, failure = _read(reads, host, "subnets")
    wanted = [str(s) for s in region.get("subnet_ids") or []]
    if failure:
        problems.append(f"{where}: subnet_ids {', '.join(wanted)} could not be checked ({failure})")
    elif result is not None:
        found = {s.get("subnet_id", s.get("id")): s for s in result.get("subnets") or []}
        missing = [s for s in wanted if s not in found]
        if missing:
            problems.append(f"{where}: subnet_ids {', '.join(missing)} do not exist in {where}")
        present = [found[s] for s in wanted if s in found]
        for subnet in present:
            if vpc_id and subnet.get("vpc_id") != vpc_id:
                problems.append(
                    f"{where}: subnet {subnet.get('subnet_id')} is in {subnet.get('vpc_id')}, not in {vpc_id}"
                )
            net = _network(subnet.get("cidr_block"))
            if net is not None and net.prefixlen > aws_rules.SUBNET_PREFIX_MAX:
                problems.append(
                    f"{where}: subnet {subnet.get('subnet_id')} ({net}) is smaller than /{aws_rules.SUBNET_PREFIX_MAX}"
                    f" (Client VPN needs /{aws_rules.SUBNET_PREFIX_MAX} or larger)"
                )
        zones = [s.get("availability_zone") for s in present]
        if len(zones) == 2 and zones[0] == zones[1]:
            problems.append(
                f"{where}: subnet_ids are both in {zones[0]}; they must be in two different Availability Zones"
            )
    return problems, vpc_net


def resource_problems(regions, reads, settings):
    """Every problem the read-only look-ups found, as sentences (listed with topology_problems').

    ``regions``: as for topology_problems (with ``host``); ``reads``: ``{host: {"zones", "vpc", "subnets",
    "log_group", "hosted_zone", "directory", "access_groups": registered result}}``, a look-up that did not run
    being absent or skipped; ``settings``: ``hosted_zone``, ``connection_log``, ``directory_name``.
    """
    problems, existing, seen = [], [], set()
    settings = settings or {}
    for region in regions or []:
        host, where = region.get("host"), region.get("name")
        if host in seen:
            continue
        seen.add(host)
        result, failure = _read(reads, host, "zones")
        if failure:
            problems.append(f"{where}: the Availability Zones could not be looked up ({failure})")
        elif result is not None:
            names = sorted(z.get("zone_name") for z in result.get("availability_zones") or [])
            subnets = region.get("subnets") if isinstance(region.get("subnets"), list) else []
            azs = [s.get("az") for s in subnets if isinstance(s, dict)]
            missing = [az for az in azs if az and az not in names]
            if missing:
                problems.append(
                    f"{where}: Availability Zone(s) {', '.join(missing)} do not exist here"
                    f" (available: {', '.join(names)})"
                )
        if region.get("vpc_id"):
            network_problems, vpc_net = _existing_network_problems(region, reads)
            problems.extend(network_problems)
            if vpc_net is not None:
                existing.append((where, vpc_net))
        log = settings.get("connection_log")
        group = log.get("cloudwatch_log_group") if isinstance(log, dict) else None
        result, failure = _read(reads, host, "log_group")
        if failure:
            problems.append(f"{where}: connection_log.cloudwatch_log_group {group} could not be checked ({failure})")
        elif result is not None and group not in [g.get("log_group_name") for g in result.get("log_groups") or []]:
            problems.append(f"{where}: connection_log.cloudwatch_log_group {group} does not exist in {where}")
        result, failure = _read(reads, host, "hosted_zone")
        zone = str(settings.get("hosted_zone") or "").lower().rstrip(".")
        if failure:
            problems.append(f"hosted_zone {zone} could not be checked ({failure})")
        elif result is not None:
            public = [
                z
                for z in result.get("HostedZones") or []
                if str(z.get("Name", "")).lower().rstrip(".") == zone and not (z.get("Config") or {}).get("PrivateZone")
            ]
            if not public:
                problems.append(
                    f"hosted_zone {zone}: no public hosted zone of that name exists and create_hosted_zone is false"
                    " (create it, or set create_hosted_zone: true)"
                )
    problems.extend(_overlap_problems(existing, regions or []))
    problems.extend(_access_group_existence_problems(regions or [], reads, settings))
    return problems


def _access_group_existence_problems(regions, reads, settings):
    """With manage_groups false, the groups of vpn_access_groups must exist in the Home directory: the Home's
    look-ups of the directory and of the groups (none ran with manage_groups true)."""
    home = next((r.get("host") for r in regions if r.get("role") == "home"), None)
    name = settings.get("directory_name")
    unmanaged = "manage_groups is false: the groups must exist, or set manage_groups: true to have the Home create them"
    result, failure = _read(reads, home, "directory")
    if failure:
        return [f"vpn_access_groups: the directory {name} could not be looked up ({failure})"]
    if result is None:
        return []
    directories = result.get("directories") or []
    if not directories:
        return [f"vpn_access_groups: the directory {name} does not exist yet, so neither do its groups ({unmanaged})"]
    directory = directories[0]
    where = f"the directory {name} ({directory.get('directory_id')})"
    if directory.get("stage") != "Active":
        return [f"vpn_access_groups cannot be checked: {where} is {directory.get('stage')} ({unmanaged})"]
    lookup = (reads.get(home) or {}).get("access_groups")
    if isinstance(lookup, dict) and lookup.get("reason") == "DATA_DISABLED":
        return [
            f"vpn_access_groups cannot be checked: the Directory Service Data access of {where} is not Enabled"
            f" (turn it on with multiregion.client_vpn.ds_data_access; {unmanaged})"
        ]
    result, failure = _read(reads, home, "access_groups")
    if failure:
        return [f"vpn_access_groups could not be checked in {where} ({failure})"]
    missing = [m.get("name") for m in (result or {}).get("missing") or [] if m.get("type") == "group"]
    if missing:
        return [f"vpn_access_groups: {where} has no group {', '.join(missing)} ({unmanaged})"]
    return []
