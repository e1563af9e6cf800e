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
HEALTH_CHECK_REGIONS = frozenset(
    "us-east-1 us-west-1 us-west-2 eu-west-1 ap-southeast-1 ap-southeast-2 ap-northeast-1 sa-east-1".split()
)
# AWS's own rule for a directory password (the pattern of the DS model's Password shape):
# 8-64 characters and three of lower case, upper case, digits and symbols.
_PASSWORD_CLASSES = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9\s]")
_DIRECTORY_NAME = re.compile(r"^([a-zA-Z0-9]+[\\.-])+([a-zA-Z0-9])+$")
_SHORT_NAME = re.compile(r'^[^\\/:*?"<>|.]+[^\\/:*?"<>|]*$')
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_AZ = re.compile(r"^(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d)(?P<zone>[a-z])$")

# Directory Service quota: additional (replicated) Regions per directory. AWS's default is 4
# (RegionLimitExceededException beyond it); it can be raised on request, hence a setting.
DIRECTORY_ADDITIONAL_REGIONS_QUOTA = 4

SESSION_TIMEOUTS = (8, 10, 12, 24)
VPN_PORTS = (443, 1194)
BANNER_MAX = 1400
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256


def password_problem(password):
    """None when AWS would accept this directory or service-account password, else why not."""
    if not isinstance(password, str) or not 8 <= len(password) <= 64:
        return "must be 8 to 64 characters long"
    classes = sum(1 for pattern in _PASSWORD_CLASSES if re.search(pattern, password))
    if classes < 3:
        return "must contain three of: lower case, upper case, digits, symbols"
    return None


def _network(value):
    try:
        net = ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        return None
    return net if net.version == 4 else None


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
        vpc = _network(region.get("vpc_cidr"))
        if vpc is None:
            problems.append(f"{where}: vpc_cidr {region.get('vpc_cidr')!r} is not an IPv4 CIDR block")
        elif not 16 <= vpc.prefixlen <= 28:
            problems.append(f"{where}: vpc_cidr {vpc} must be between /16 and /28")
        problems.extend(_subnet_problems(region, where, vpc))

    client = _network(region.get("client_cidr"))
    if client is None:
        problems.append(f"{where}: client_cidr {region.get('client_cidr')!r} is not an IPv4 CIDR block")
    elif not 12 <= client.prefixlen <= 22:
        problems.append(f"{where}: client_cidr {client} must be between /12 and /22 (Client VPN rule)")

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
            if net.prefixlen > 27:
                problems.append(f"{where}: subnet {net} is smaller than /27 (Client VPN needs /27 or larger)")
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
    why = password_problem(settings.get("directory_password"))
    if why:
        problems.append(f"directory_password {why} (AWS's rule)")
    edition = settings.get("directory_edition", "Enterprise")
    if edition != "Enterprise":
        problems.append(f"directory_edition {edition!r}: multi-Region replication needs the Enterprise edition")

    transport = settings.get("transport_protocol", "tcp")
    if transport != "tcp":
        problems.append(
            f"transport_protocol {transport!r}: this design needs tcp (Route 53 health checks are TCP on port 443)"
        )
    port = settings.get("vpn_port", 443)
    if port != 443:
        problems.append(f"vpn_port {port!r}: must be 443, the port Route 53 health-checks (Client VPN allows 443|1194)")
    dns_servers = settings.get("dns_servers") or []
    if len(dns_servers) > 2:
        problems.append(f"dns_servers: at most 2 are allowed, got {len(dns_servers)}")
    for server in dns_servers:
        try:
            ipaddress.IPv4Address(str(server))
        except ValueError:
            problems.append(f"dns_servers: {server!r} is not an IPv4 address")
    timeout = settings.get("session_timeout_hours", 24)
    if timeout not in SESSION_TIMEOUTS:
        problems.append(f"session_timeout_hours {timeout!r} must be one of {', '.join(map(str, SESSION_TIMEOUTS))}")
    banner = settings.get("login_banner") or ""
    if len(banner) > BANNER_MAX:
        problems.append(f"login_banner is {len(banner)} characters; AWS allows at most {BANNER_MAX}")
    problems.extend(_health_check_problems(settings.get("health_check") or {}))
    ttl = settings.get("record_ttl", 60)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= 2147483647:
        problems.append(f"record_ttl {ttl!r} is not a valid TTL")
    for key, value in (settings.get("tags") or {}).items():
        if not str(key) or len(str(key)) > TAG_KEY_MAX or str(key).lower().startswith("aws:"):
            problems.append(f"tags: key {key!r} must be 1-{TAG_KEY_MAX} characters and not start with aws:")
        if len(str(value)) > TAG_VALUE_MAX:
            problems.append(f"tags: value of {key!r} is longer than {TAG_VALUE_MAX} characters")
    return problems


def _health_check_problems(check):
    problems = []
    interval = check.get("request_interval", 30)
    if interval not in (10, 30):
        problems.append(f"health_check.request_interval {interval!r} must be 10 or 30")
    threshold = check.get("failure_threshold", 3)
    if not isinstance(threshold, int) or not 1 <= threshold <= 10:
        problems.append(f"health_check.failure_threshold {threshold!r} must be between 1 and 10")
    regions = check.get("regions")
    if regions is not None:
        unknown = sorted(set(regions) - HEALTH_CHECK_REGIONS)
        if unknown:
            problems.append(f"health_check.regions: {', '.join(unknown)} are not Route 53 checker Regions")
        if len(set(regions)) < 3:
            problems.append("health_check.regions: Route 53 needs at least 3 checker Regions")
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
