# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS's limits and rules, each in one place, shared by preflight and the modules.

Preflight checks a whole inventory before any write call; a module checks its own parameters before
its call. Both ask the functions below, so a value one accepts the other cannot reject 40 minutes
later. Each ``*_problems`` function returns the problems as phrases (``[]`` when AWS would accept the
value); the caller puts the subject in front. Pure functions: no AWS call, no Ansible import.
"""

import ipaddress
import re

# Directory Service: the Password shape of CreateMicrosoftAD (8-64 characters, 3 of 4 categories) and
# the service's own refusal of the word "admin"; ConnectDirectory's ConnectPassword is 1-128 characters.
DIRECTORY_PASSWORD_MIN = 8
DIRECTORY_PASSWORD_MAX = 64
_PASSWORD_CATEGORIES = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9\s]")
CONNECTOR_PASSWORD_MAX = 128
DIRECTORY_EDITIONS = ("Enterprise", "Standard")
CONNECTOR_SIZES = ("Small", "Large")

# Client VPN (EC2 API).
CLIENT_CIDR_PREFIXES = (12, 22)
TRANSPORT_PROTOCOLS = ("tcp", "udp")
VPN_PORTS = (443, 1194)
SESSION_TIMEOUT_HOURS = (8, 10, 12, 24)
DNS_SERVERS_MAX = 2
LOGIN_BANNER_MAX = 1400
SELF_SERVICE_PORTAL = ("enabled", "disabled")
# The client connect handler: a Lambda function of the endpoint's own Region whose name begins with
# "AWSClientVPN-" (Client VPN administrator guide, "Client connect handler"); an alias or version may follow.
CLIENT_CONNECT_HANDLER = re.compile(
    r"^arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):\d{12}:function:(?P<name>[A-Za-z0-9_-]+)(:[A-Za-z0-9_$-]+)?$"
)
CLIENT_CONNECT_HANDLER_PREFIX = "AWSClientVPN-"
# Client authentication (the inventory's vpn_authentication): Active Directory, Active Directory with mutual (certificate)
# authentication, mutual authentication alone, or SAML federated authentication (AWS combines mutual authentication with
# a user-based method, never Active Directory with federated authentication).
AUTHENTICATION_MODES = ("directory", "directory+certificate", "certificate", "saml")
# The modes whose clients present a certificate (mutual authentication).
CERTIFICATE_MODES = ("directory+certificate", "certificate")
# An IAM SAML identity provider's ARN (IAM is global: no Region in it).
SAML_PROVIDER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:saml-provider/[\w+=,.@-]+$")
# A subnet associated with an endpoint.
SUBNET_PREFIX_MAX = 27

# VPC (EC2 API).
VPC_CIDR_PREFIXES = (16, 28)

# Route 53.
SET_IDENTIFIER_MAX = 128
HEALTH_CHECK_INTERVALS = (10, 30)
HEALTH_CHECK_THRESHOLDS = (1, 10)
HEALTH_CHECK_MIN_REGIONS = 3
HEALTH_CHECK_REGIONS = frozenset(
    "us-east-1 us-west-1 us-west-2 eu-west-1 ap-southeast-1 ap-southeast-2 ap-northeast-1 sa-east-1".split()
)
TTL_MAX = 2147483647

# Directory Service Data: a group's and a member's SAMAccountName (the GroupName and MemberName shapes of the ds-data
# API: 1 to 64 and 1 to 63 characters, none of " / \ [ ] : ; | = , + * ? < > @).
GROUP_NAME_MAX = 64
MEMBER_NAME_MAX = 63
_ACCOUNT_NAME_FORBIDDEN = re.compile(r'[":;|=+*?<>/\\,\[\]@]')

# Tags (EC2, Directory Service, Route 53, ACM).
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def ipv4_network(value):
    """The IPv4 network ``value`` names exactly (no host bits), or None."""
    try:
        net = ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        return None
    return net if net.version == 4 else None


def _cidr_problems(value, prefixes, why=""):
    net = ipv4_network(value)
    if net is None:
        return [f"{value!r} is not an IPv4 CIDR block"]
    low, high = prefixes
    if not low <= net.prefixlen <= high:
        return [f"{net} must be between /{low} and /{high}{why}"]
    return []


def client_cidr_problems(value):
    """Client VPN's client range: IPv4, /12 to /22."""
    return _cidr_problems(value, CLIENT_CIDR_PREFIXES, " (Client VPN rule)")


def vpc_cidr_problems(value):
    """A VPC's primary range: IPv4, /16 to /28."""
    return _cidr_problems(value, VPC_CIDR_PREFIXES)


def directory_password_problems(password):
    """What AWS would reject in a Managed Microsoft AD admin password; the value never appears."""
    password = password if isinstance(password, str) else ""
    problems = []
    if not DIRECTORY_PASSWORD_MIN <= len(password) <= DIRECTORY_PASSWORD_MAX:
        problems.append(
            f"must be {DIRECTORY_PASSWORD_MIN} to {DIRECTORY_PASSWORD_MAX} characters long (it has {len(password)})"
        )
    if sum(1 for pattern in _PASSWORD_CATEGORIES if re.search(pattern, password)) < 3:
        problems.append("must contain characters from 3 of these 4 categories: lowercase, uppercase, digits, symbols")
    if "admin" in password.lower():
        problems.append('must not contain the word "admin"')
    return problems


def connector_password_problems(password):
    """ConnectDirectory's service-account password: 1 to 128 characters."""
    password = password if isinstance(password, str) else ""
    if not 1 <= len(password) <= CONNECTOR_PASSWORD_MAX:
        return [f"must be 1 to {CONNECTOR_PASSWORD_MAX} characters long (it has {len(password)})"]
    return []


def _dict(value):
    return value if isinstance(value, dict) else {}


def dns_servers_problems(servers):
    # A comma-separated string is a list to Ansible's type check (which reports any other wrong type).
    servers = servers.split(",") if isinstance(servers, str) else servers
    servers = list(servers) if isinstance(servers, (list, tuple)) else []
    problems = []
    if len(servers) > DNS_SERVERS_MAX:
        problems.append(f"at most {DNS_SERVERS_MAX} are allowed, got {len(servers)}")
    for server in servers:
        try:
            ipaddress.ip_address(str(server))
        except ValueError:
            problems.append(f"{server!r} is not an IP address")
    return problems


def login_banner_problems(text):
    length = len(text if isinstance(text, str) else str(text or ""))
    if length > LOGIN_BANNER_MAX:
        return [f"is {length} characters; AWS allows at most {LOGIN_BANNER_MAX}"]
    return []


def session_timeout_problems(hours):
    if hours not in SESSION_TIMEOUT_HOURS or not _is_int(hours):
        return [f"{hours!r} must be one of {', '.join(map(str, SESSION_TIMEOUT_HOURS))}"]
    return []


def client_connect_handler_problems(arn, region):
    """A Lambda function ARN Client VPN can call from an endpoint in ``region``."""
    match = CLIENT_CONNECT_HANDLER.match(arn) if isinstance(arn, str) else None
    if match is None:
        return [f"{arn!r} is not the ARN of a Lambda function"]
    problems = []
    if match["region"] != region:
        problems.append(f"is a function of {match['region']}: the endpoint calls a function of its own Region")
    if not match["name"].startswith(CLIENT_CONNECT_HANDLER_PREFIX):
        problems.append(f"function {match['name']}: the name must begin with {CLIENT_CONNECT_HANDLER_PREFIX}")
    return problems


def authentication_mode_problems(mode):
    """The inventory's vpn_authentication: one of AUTHENTICATION_MODES."""
    if mode not in AUTHENTICATION_MODES:
        return [f"{mode!r} must be one of {', '.join(AUTHENTICATION_MODES)}"]
    return []


def saml_provider_problems(arn):
    """An IAM SAML identity provider's ARN (arn:aws:iam::<account>:saml-provider/<name>)."""
    if not isinstance(arn, str) or not SAML_PROVIDER_ARN.match(arn):
        return [
            f"{arn!r} is not the ARN of an IAM SAML identity provider (arn:aws:iam::<account>:saml-provider/<name>)"
        ]
    return []


def authentication_problems(mode, saml_provider_arn=None, self_service_saml_provider_arn=None):
    """One endpoint's authentication inputs for ``mode`` (a valid mode; see authentication_mode_problems).

    saml needs ``saml_provider_arn``; both ARNs must be IAM SAML provider ARNs; another mode takes neither (they
    would be ignored: most likely a mode forgotten).
    """
    problems = []
    given = [
        (name, value)
        for name, value in (
            ("saml_provider_arn", saml_provider_arn),
            ("self_service_saml_provider_arn", self_service_saml_provider_arn),
        )
        if value not in (None, "")
    ]
    if mode != "saml":
        problems.extend(f"{name} is set but vpn_authentication is {mode} (only saml uses it)" for name, dummy in given)
        return problems
    if saml_provider_arn in (None, ""):
        problems.append("vpn_authentication saml needs saml_provider_arn (group-wide or for this Region)")
    problems.extend(f"{name} {problem}" for name, value in given for problem in saml_provider_problems(value))
    return problems


def self_service_portal_problems(portal, mode):
    """The self-service portal is not available to clients that authenticate with mutual authentication (Client VPN
    administrator guide, "Access to the self-service portal"): users sign in to it with Active Directory or SAML."""
    if portal == "enabled" and mode in CERTIFICATE_MODES:
        return [
            f"enabled is not available with vpn_authentication {mode}: AWS offers the self-service portal to clients"
            " that authenticate with Active Directory or SAML only, not with mutual (certificate) authentication"
        ]
    return []


def set_identifier_problems(value):
    if not isinstance(value, str) or not 1 <= len(value) <= SET_IDENTIFIER_MAX:
        return [f"must be 1 to {SET_IDENTIFIER_MAX} characters"]
    return []


def ttl_problems(ttl):
    if not _is_int(ttl) or not 0 <= ttl <= TTL_MAX:
        return [f"{ttl!r} is not a valid TTL"]
    return []


def health_check_problems(check):
    """A Route 53 TCP health check's settings (keys: request_interval, failure_threshold, regions, port)."""
    check = _dict(check)
    problems = []
    interval = check.get("request_interval")
    if interval is not None and (interval not in HEALTH_CHECK_INTERVALS or not _is_int(interval)):
        problems.append(f"request_interval {interval!r} must be 10 or 30")
    threshold = check.get("failure_threshold")
    low, high = HEALTH_CHECK_THRESHOLDS
    if threshold is not None and (not _is_int(threshold) or not low <= threshold <= high):
        problems.append(f"failure_threshold {threshold!r} must be between {low} and {high}")
    port = check.get("port")
    if port is not None and (not _is_int(port) or not 1 <= port <= 65535):
        problems.append(f"port {port!r} must be between 1 and 65535")
    regions = check.get("regions")
    if isinstance(regions, (list, tuple)):
        regions = list(regions)
        unknown = sorted(set(map(str, regions)) - HEALTH_CHECK_REGIONS)
        if unknown:
            problems.append(f"regions: {', '.join(unknown)} are not Route 53 checker Regions")
        if len(set(regions)) != len(regions):
            problems.append("regions lists a Region twice")
        if len(set(regions)) < HEALTH_CHECK_MIN_REGIONS:
            problems.append(f"regions: Route 53 needs at least {HEALTH_CHECK_MIN_REGIONS} checker Regions")
    return problems


def tag_problems(tags):
    problems = []
    for key, value in _dict(tags).items():
        if not str(key) or len(str(key)) > TAG_KEY_MAX or str(key).lower().startswith("aws:"):
            problems.append(f"key {key!r} must be 1-{TAG_KEY_MAX} characters and not start with aws:")
        if len(str(value)) > TAG_VALUE_MAX:
            problems.append(f"value of {key!r} is longer than {TAG_VALUE_MAX} characters")
    return problems


def connection_log_problems(options):
    """Client VPN connection logging: enabled needs the CloudWatch Logs group."""
    options = _dict(options)
    if options.get("enabled") and not options.get("cloudwatch_log_group"):
        return ["enabled needs cloudwatch_log_group (Client VPN refuses logging without a log group)"]
    if options.get("cloudwatch_log_stream") and not options.get("cloudwatch_log_group"):
        return ["cloudwatch_log_stream needs cloudwatch_log_group"]
    return []


def authorization_rule_problems(rule):
    """An authorization rule by Active Directory group: an IPv4 destination network and a group SID."""
    rule = rule if isinstance(rule, dict) else {}
    problems = []
    try:
        # The module keys rules by the normalised network, so host bits are accepted as AWS does.
        ok = ipaddress.ip_network(str(rule.get("cidr")), strict=False).version == 4
    except ValueError:
        ok = False
    if not ok:
        problems.append(f"cidr {rule.get('cidr')!r} is not an IPv4 CIDR block")
    if not str(rule.get("group_sid") or "").strip():
        problems.append("group_sid is empty")
    return problems


def account_name_problems(name, maximum=GROUP_NAME_MAX):
    """A group's or member's SAMAccountName as Directory Service Data takes it."""
    if name is None:
        return ["is required"]
    if not isinstance(name, str) or not name.strip():
        return [f"{name!r} is not a name (a non-empty string)"]
    problems = []
    if len(name) > maximum:
        problems.append(f"{name!r} is {len(name)} characters; at most {maximum} are allowed")
    forbidden = sorted(set(_ACCOUNT_NAME_FORBIDDEN.findall(name)))
    if forbidden:
        problems.append(f"{name!r} contains {' '.join(forbidden)}, which a SAMAccountName cannot")
    return problems


def access_group_problems(group):
    """A VPN access group, {name, cidrs, description, members}: a valid group name, a non-empty list of IPv4
    networks (each once: a rule is keyed by its network and group), a list of valid member names."""
    if not isinstance(group, dict):
        return [f"{group!r} is not a mapping of name, cidrs, description and members"]
    problems = [f"name {p}" for p in account_name_problems(group.get("name"))]
    cidrs = group.get("cidrs")
    if not isinstance(cidrs, list) or not cidrs:
        problems.append(f"cidrs {cidrs!r} must be a non-empty list of IPv4 CIDR blocks")
        cidrs = []
    seen = set()
    for cidr in cidrs:
        try:
            # As authorization_rule_problems: host bits are accepted, the rule is keyed by the network.
            net = ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            net = None
        if net is None or net.version != 4:
            problems.append(f"cidrs: {cidr!r} is not an IPv4 CIDR block")
        elif net in seen:
            problems.append(f"cidrs: {net} is listed more than once")
        else:
            seen.add(net)
    members = group.get("members")
    if members is not None and not isinstance(members, list):
        problems.append(f"members {members!r} must be a list of names")
    for member in members if isinstance(members, list) else []:
        problems.extend(f"members: {p}" for p in account_name_problems(member, MEMBER_NAME_MAX))
    return problems
