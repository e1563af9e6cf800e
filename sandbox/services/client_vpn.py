"""EC2 Client VPN: endpoints, target networks, authorization rules, routes, client files, connections.

moto has no Client VPN, so the whole family lives here, for any Region and
account.  State is plain dicts in :class:`ClientVpnState` (``sandbox.state.client_vpn``),
used under the sandbox lock; asynchronous states
(associations, routes, rules, endpoint deletion) are settled lazily from
deadlines taken from ``sandbox.clock`` (``vpn_association``,
``vpn_disassociation``, ``vpn_route``, ``vpn_route_delete``,
``vpn_authorization``, ``vpn_revoke``, ``vpn_endpoint_delete``).

Rules enforced are those of aws-facts.md and the EC2 API reference, with the
error codes EC2 documents (errors-overview: ``InvalidClientVpn*``,
``ClientVpn*LimitExceeded``, ``ClientVpnEndpointAssociationExists``,
``ConcurrentMutationLimitExceeded``).  Where AWS does not document a code the
choice is noted next to the check.

Interfaces for other emulations:

* :func:`find_endpoint_by_hostname` (Route 53 health checks),
* :func:`list_endpoints` (bench / teardown checks).

Control route: ``POST /_sandbox/client-vpn/connections`` injects a client
connection record (there are no real clients); see :func:`_inject_connection`.
"""

import base64
import datetime
import ipaddress
import json
import re
import uuid

from .. import registry
from ..lifecycle import GONE
from ..lifecycle import advance
from ..lifecycle import settle
from ..protocol import AwsError
from .client_vpn_config import client_configuration
from .client_vpn_config import imported_chain

ENDPOINT_QUOTA = 5
RULE_QUOTA = 200
ROUTE_QUOTA = 100
CONCURRENCY_QUOTA = 10
MAX_DNS_SERVERS = 2
MAX_SECURITY_GROUPS = 5
BANNER_MAX = 1400
SESSION_HOURS = (8, 10, 12, 24)
VPN_PORTS = (443, 1194)
SERVER_KEY_SIZES = (1024, 2048)

_HOSTNAME = re.compile(
    r"^(?:(?:\*|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.)?(cvpn-endpoint-[0-9a-f]{17})"
    r"\.prod\.clientvpn\.([a-z0-9-]+)\.amazonaws\.com$"
)

# Kinds of the consistency windows (sandbox.realism) this emulation opens.
ENDPOINT_KIND = "client_vpn_endpoint"  # key: (account, region, endpoint id)
ASSOCIATION_KIND = "client_vpn_association"  # key: association id
RULE_KIND = "client_vpn_rule"  # key: (endpoint id, CIDR, group, all groups)
ROUTE_KIND = "client_vpn_route"  # key: (endpoint id, destination, target subnet)

# Lifecycles (sandbox.lifecycle): state -> (next state, deadline field of the record).
ENDPOINT_LIFECYCLE = {"deleting": (GONE, "deleting_until")}
ASSOCIATION_LIFECYCLE = {
    "associating": ("associated", "until"),
    "disassociating": ("disassociated", "until"),
    "disassociated": (GONE, "gone_at"),
}
ROUTE_LIFECYCLE = {"creating": ("active", "until"), "deleting": (GONE, "until")}
RULE_LIFECYCLE = {"authorizing": ("active", "until"), "revoking": (GONE, "until")}


@registry.state("client_vpn")
class ClientVpnState:
    """The sandbox's Client VPN endpoints and ClientTokens (``sandbox.state.client_vpn``).

    Keeps the sandbox's clock and realism so that lazy settling works the same
    from a handler, a control route or another emulation (Route 53 health checks).
    """

    def __init__(self, sandbox):
        self.clock = sandbox.clock
        self.realism = sandbox.realism
        self.endpoints = {}  # (account, region) -> {endpoint id -> endpoint record}
        self.tokens = {}  # (account, region, action, token) -> (fingerprint, result or key to rebuild it)

    def store(self, account, region):
        """The endpoints of an account and Region, without those whose deletion is over."""
        store = self.endpoints.setdefault((account, region), {})
        now = self.clock.now()
        for eid in [e for e, ep in store.items() if settle(_status(ep), ENDPOINT_LIFECYCLE, ep, now) is GONE]:
            ep = store.pop(eid)
            _certificates_in_use(ep, release=True)
            # AWS keeps listing a deleted endpoint (state "deleted") for a while.
            self.realism.deleted(ENDPOINT_KIND, (account, region, eid), dict(_describe(ep), Status={"Code": "deleted"}))
        return store

    def settle(self, ep):
        """Advance every transitional state of an endpoint whose deadline has passed."""
        now = self.clock.now()
        for assoc_id, assoc in list(ep["associations"].items()):
            if advance(assoc, ASSOCIATION_LIFECYCLE, now):
                del ep["associations"][assoc_id]
        for route in list(ep["routes"]):
            if advance(route, ROUTE_LIFECYCLE, now):
                ep["routes"].remove(route)
                if route["origin"] == "add-route":
                    self.realism.deleted(ROUTE_KIND, _route_kind_key(ep, route), _describe_route(ep, route))
        for rule in list(ep["rules"]):
            if advance(rule, RULE_LIFECYCLE, now):
                ep["rules"].remove(rule)
                self.realism.deleted(RULE_KIND, (ep["id"],) + rule["key"], _describe_rule(ep, rule))
        return ep


def _state(call):
    return call.sandbox.state.client_vpn


# ----------------------------------------------------------------- utilities


def _hex17():
    return uuid.uuid4().hex[:17]


def _timestamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _bad(message, code="InvalidParameterValue"):
    return AwsError(code, message)


def _dry_run(params):
    if params.get("DryRun"):
        raise AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)


def _moto_code(exc, default):
    code = getattr(exc, "error_type", None) or getattr(exc, "code", None)
    return code if isinstance(code, str) else default


def _ipv4_cidr(value, member):
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError) as exc:
        raise _bad(f"Value ({value}) for parameter {member} is invalid. {exc}") from exc


def _created(call, kind, key):
    """A create: the new item is missing from describes for the consistency window (sandbox.realism)."""
    call.sandbox.realism.forget(kind, key)
    call.sandbox.realism.created(kind, key)


def _fingerprint(params):
    return json.dumps({k: v for k, v in params.items() if k not in ("ClientToken", "DryRun")}, sort_keys=True)


def _idempotent(call, action):
    """(key, previous result) for a request carrying a ClientToken; raises on a reused token with other parameters."""
    token = call.params.get("ClientToken")
    if not token:
        return None, None
    key = (call.account_id, call.region, action, token)
    seen = _state(call).tokens.get(key)
    if seen is None:
        return key, None
    if seen[0] != _fingerprint(call.params):
        raise AwsError(
            "IdempotentParameterMismatch",
            "The client token you have provided is associated with a resource that is already deleted "
            "or with a request that had different parameters. Please use a different client token.",
        )
    return key, seen[1]


def _remember(call, key, result):
    if key is not None:
        _state(call).tokens[key] = (_fingerprint(call.params), result)


# --------------------------------------------------------------- state model


def _endpoint_arn(ep):
    return f"arn:aws:ec2:{ep['region']}:{ep['account']}:client-vpn-endpoint/{ep['id']}"


def _certificate_arns(cfg):
    arns = {cfg["ServerCertificateArn"]}
    for option in cfg["AuthenticationOptions"]:
        chain = option.get("MutualAuthentication", {}).get("ClientRootCertificateChain")
        if chain:
            arns.add(chain)
    return arns


def _certificates_in_use(ep, release=False, arns=None):
    """Keep ACM's InUseBy of the endpoint's certificates in step (DescribeCertificate shows it, as on AWS)."""
    try:
        certificates = getattr(registry.moto_backend("acm", ep["account"], ep["region"]), "_certificates", {})
    except Exception:  # pragma: no cover - moto always has ACM
        return
    user = _endpoint_arn(ep)
    for arn in arns if arns is not None else _certificate_arns(ep["cfg"]):
        bundle = certificates.get(arn)
        in_use = getattr(bundle, "in_use_by", None)
        if in_use is None:
            continue
        if release and user in in_use:
            in_use.remove(user)
        elif not release and user not in in_use:
            in_use.append(user)


def _route_kind_key(ep, route):
    return (ep["id"], route["DestinationCidr"], route["TargetSubnet"])


def _status(ep):
    if ep["deleting_until"] is not None:
        return "deleting"
    if any(a["state"] in ("associated", "disassociating") for a in ep["associations"].values()):
        return "available"
    return "pending-associate"


def _live_associations(ep):
    return [a for a in ep["associations"].values() if a["state"] != "disassociated"]


def _in_flight(ep):
    count = sum(1 for a in ep["associations"].values() if a["state"] in ("associating", "disassociating"))
    count += sum(1 for r in ep["routes"] if r["origin"] == "add-route" and r["state"] in ("creating", "deleting"))
    count += sum(1 for r in ep["rules"] if r["state"] in ("authorizing", "revoking"))
    return count


def _check_concurrency(ep):
    if _in_flight(ep) >= CONCURRENCY_QUOTA:
        raise AwsError(
            "ConcurrentMutationLimitExceeded",
            "Cannot initiate another change for this endpoint at this time. Please try again later.",
        )


def _get_endpoint(call, endpoint_id, mutable=True):
    state = _state(call)
    ep = state.store(call.account_id, call.region).get(endpoint_id)
    if ep is None:
        raise AwsError(
            "InvalidClientVpnEndpointId.NotFound", f"The Client VPN endpoint ID '{endpoint_id}' does not exist"
        )
    state.settle(ep)
    if mutable and ep["deleting_until"] is not None:
        raise AwsError("IncorrectState", f"The Client VPN endpoint '{endpoint_id}' is being deleted")
    return ep


def _terminate_connections(ep):
    for conn in ep["connections"]:
        if conn["Status"]["Code"] == "active":
            conn["Status"] = {"Code": "terminated"}
            conn["ConnectionEndTime"] = _timestamp().replace("T", " ")


# ------------------------------------------------------------ other services


def _ec2(call):
    return call.backend("ec2")


def _vpc(call, vpc_id):
    try:
        return _ec2(call).get_vpc(vpc_id)
    except Exception as exc:  # moto's InvalidVPCIdError
        raise AwsError("InvalidVpcID.NotFound", f"The vpc ID '{vpc_id}' does not exist") from exc


def _vpc_cidrs(vpc):
    cidrs = []
    for entry in vpc.get_cidr_block_association_set():
        if entry.get("cidr_block_state", {}).get("state", "associated") == "associated":
            cidrs.append(ipaddress.IPv4Network(entry["cidr_block"], strict=False))
    return cidrs or [ipaddress.IPv4Network(vpc.cidr_block, strict=False)]


def _security_groups(call, group_ids, vpc_id):
    if len(group_ids) > MAX_SECURITY_GROUPS:
        raise _bad(f"You can specify at most {MAX_SECURITY_GROUPS} security groups")
    for group_id in group_ids:
        group = _ec2(call).get_security_group_from_id(group_id)
        if group is None:
            raise AwsError("InvalidGroup.NotFound", f"The security group '{group_id}' does not exist")
        if group.vpc_id != vpc_id:
            raise _bad(f"Security group {group_id} does not belong to VPC {vpc_id}")
    return list(group_ids)


def _default_security_group(call, vpc_id):
    group = _ec2(call).get_default_security_group(vpc_id)
    return [group.id] if group is not None else []


def _acm_certificate(call, arn):
    try:
        backend = registry.moto_backend("acm", call.account_id, call.region)
    except Exception:  # pragma: no cover - moto always has ACM
        return None
    return getattr(backend, "_certificates", {}).get(arn)


def _server_certificate(call, arn, member="ServerCertificateArn"):
    bundle = _acm_certificate(call, arn)
    if bundle is None:
        raise _bad(f"Certificate {arn} does not exist")
    if getattr(bundle, "status", "ISSUED") != "ISSUED":
        raise _bad(f"Certificate {arn} is not in ISSUED state")
    if member == "ServerCertificateArn":
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = bundle._cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size not in SERVER_KEY_SIZES:
            raise _bad(f"Certificate {arn} must use an RSA 1024 or RSA 2048 key")
        # AWS answers "Certificate <arn> does not have a domain" for a server certificate whose subject and
        # SANs hold no domain name (e.g. an easy-rsa certificate built without --san).
        names = [getattr(bundle, "common_name", "")] + list(getattr(bundle, "sans", []) or [])
        if not any(isinstance(n, str) and "." in n.strip(".") for n in names):
            raise _bad(f"Certificate {arn} does not have a domain")
    return bundle


def _lookup_directory(call, directory_id):
    """The DS emulation's view (sandbox.services.ds.lookup_directory), else moto's directories."""
    try:
        from . import ds as ds_emulation

        lookup = getattr(ds_emulation, "lookup_directory", None)
    except ImportError:
        lookup = None
    if lookup is not None:
        return lookup(call.sandbox, call.account_id, call.region, directory_id)
    try:
        directory = registry.moto_backend("ds", call.account_id, call.region).directories.get(directory_id)
    except Exception:
        return None
    if directory is None:
        return None
    return {
        "DirectoryId": directory.directory_id,
        "Type": directory.directory_type,
        "Stage": directory.stage,
        "IsReplica": False,
    }


def _check_directory(call, directory_id):
    directory = _lookup_directory(call, directory_id)
    if directory is None:
        raise _bad(f"Directory {directory_id} does not exist in this Region")
    if directory.get("IsReplica"):
        # Client VPN cannot use a replicated Region of a multi-Region Managed AD directly (aws-facts.md);
        # AWS documents no dedicated code, so this is InvalidParameterValue with a clear message.
        raise _bad(
            f"Directory {directory_id} is a replicated Region of a multi-Region directory; Client VPN cannot "
            "use a replicated directory. Use an AD Connector to the replica's domain controllers instead"
        )
    if directory.get("Stage") != "Active":
        raise _bad(f"Directory {directory_id} is not in the Active state (current state: {directory.get('Stage')})")


def _check_saml_provider(call, arn, member):
    try:
        from moto.iam.models import iam_backends

        providers = iam_backends[call.account_id]["global"].saml_providers.values()
        known = {p.arn for p in providers}
    except Exception:
        known = set()
    if arn not in known:
        raise _bad(f"Value ({arn}) for parameter {member} is invalid. The SAML provider does not exist")


def _check_log_options(call, options):
    if not options.get("Enabled"):
        return {"Enabled": False}
    group = options.get("CloudwatchLogGroup")
    if not group:
        raise _bad("CloudwatchLogGroup must be specified when connection logging is enabled")
    try:
        groups = registry.moto_backend("logs", call.account_id, call.region).groups
    except Exception:
        groups = None
    if groups is not None and group not in groups:
        raise _bad(f"The specified log group {group} does not exist")
    stream = options.get("CloudwatchLogStream")
    if stream and groups is not None and stream not in getattr(groups[group], "streams", {stream: None}):
        raise _bad(f"The specified log stream {stream} does not exist in log group {group}")
    out = {"Enabled": True, "CloudwatchLogGroup": group}
    if stream:
        out["CloudwatchLogStream"] = stream
    if "IncludeAuthorizationPolicyContext" in options:
        out["IncludeAuthorizationPolicyContext"] = bool(options["IncludeAuthorizationPolicyContext"])
    return out


def _check_dns_servers(servers):
    if len(servers) > MAX_DNS_SERVERS:
        raise _bad(f"A Client VPN endpoint can have at most {MAX_DNS_SERVERS} DNS servers")
    for server in servers:
        try:
            ipaddress.ip_address(server)
        except ValueError as exc:
            raise _bad(f"Invalid DNS server address: {server}") from exc
    return list(servers)


def _check_common_options(params):
    """Members shared by Create and Modify: returns the normalised subset present in params."""
    out = {}
    if "VpnPort" in params:
        if params["VpnPort"] not in VPN_PORTS:
            raise _bad(f"Invalid VpnPort {params['VpnPort']}. Valid values: 443 | 1194")
        out["VpnPort"] = params["VpnPort"]
    if "SessionTimeoutHours" in params:
        if params["SessionTimeoutHours"] not in SESSION_HOURS:
            raise _bad(f"Invalid SessionTimeoutHours {params['SessionTimeoutHours']}. Valid values: 8 | 10 | 12 | 24")
        out["SessionTimeoutHours"] = params["SessionTimeoutHours"]
    if "SelfServicePortal" in params:
        if params["SelfServicePortal"] not in ("enabled", "disabled"):
            raise _bad(f"Invalid SelfServicePortal {params['SelfServicePortal']}. Valid values: enabled | disabled")
        out["SelfServicePortal"] = params["SelfServicePortal"]
    if "ClientLoginBannerOptions" in params:
        banner = params["ClientLoginBannerOptions"] or {}
        text = banner.get("BannerText")
        if text is not None and len(text) > BANNER_MAX:
            raise _bad(f"The login banner text can be at most {BANNER_MAX} characters")
        if banner.get("Enabled") and not text:
            raise _bad("BannerText must be specified when the login banner is enabled")
        out["ClientLoginBannerOptions"] = {"Enabled": bool(banner.get("Enabled"))}
        if banner.get("Enabled"):
            out["ClientLoginBannerOptions"]["BannerText"] = text
    if "ClientConnectOptions" in params:
        connect = params["ClientConnectOptions"] or {}
        arn = connect.get("LambdaFunctionArn")
        if connect.get("Enabled") and not arn:
            raise _bad("LambdaFunctionArn must be specified when the client connect handler is enabled")
        if arn and not re.match(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:AWSClientVPN-", arn):
            raise _bad(f"Invalid LambdaFunctionArn {arn}: the function name must begin with AWSClientVPN-")
        out["ClientConnectOptions"] = {"Enabled": bool(connect.get("Enabled"))}
        if connect.get("Enabled"):
            out["ClientConnectOptions"]["LambdaFunctionArn"] = arn
    if "ClientRouteEnforcementOptions" in params:
        out["ClientRouteEnforcementOptions"] = {
            "Enforced": bool((params["ClientRouteEnforcementOptions"] or {}).get("Enforced"))
        }
    if "DisconnectOnSessionTimeout" in params:
        out["DisconnectOnSessionTimeout"] = bool(params["DisconnectOnSessionTimeout"])
    for member in ("Description", "SplitTunnel"):
        if member in params:
            out[member] = params[member]
    if "DevicePostureOptions" in params:
        posture = params["DevicePostureOptions"] or {}
        providers = posture.get("TrustProviders", [])
        if posture.get("Enabled") and not providers:
            raise _bad("At least one trust provider must be specified when device posture is enabled")
        out["DevicePostureOptions"] = {"TrustProviders": providers if posture.get("Enabled", True) else []}
    return out


def _check_tags(tags):
    if len(tags) > 50:
        raise AwsError("TagLimitExceeded", "The maximum number of tags per resource is 50")
    for tag in tags:
        key = tag.get("Key", "")
        if not key or len(key) > 127:
            raise _bad(f"Tag key '{key}' must be between 1 and 127 characters")
        if key.lower().startswith("aws:"):
            raise _bad(f"Tag keys starting with 'aws:' are reserved for internal use: {key}")
        if len(tag.get("Value", "")) > 255:
            raise _bad(f"The value of tag '{key}' exceeds 255 characters")


# ------------------------------------------------------------------ describe


def _describe(ep):
    cfg = ep["cfg"]
    eid = ep["id"]
    out = {
        "ClientVpnEndpointId": eid,
        "Description": cfg.get("Description"),
        "Status": {"Code": _status(ep)},
        "CreationTime": ep["created"],
        "DeletionTime": ep.get("deletion_time"),
        "DnsName": f"*.{eid}.prod.clientvpn.{ep['region']}.amazonaws.com",
        "ClientCidrBlock": cfg.get("ClientCidrBlock"),
        "DnsServers": list(cfg.get("DnsServers", [])),
        "SplitTunnel": cfg["SplitTunnel"],
        "VpnProtocol": "openvpn",
        "TransportProtocol": cfg["TransportProtocol"],
        "VpnPort": cfg["VpnPort"],
        "AssociatedTargetNetworks": [{"NetworkId": a["VpcId"], "NetworkType": "vpc"} for a in _live_associations(ep)],
        "ServerCertificateArn": cfg["ServerCertificateArn"],
        "AuthenticationOptions": json.loads(json.dumps(cfg["AuthenticationOptions"])),
        "ConnectionLogOptions": dict(cfg["ConnectionLogOptions"]),
        "Tags": [{"Key": k, "Value": v} for k, v in ep["tags"].items()],
        "SecurityGroupIds": list(cfg.get("SecurityGroupIds", [])),
        "VpcId": cfg.get("VpcId"),
        "SessionTimeoutHours": cfg["SessionTimeoutHours"],
        "ClientConnectOptions": dict(cfg["ClientConnectOptions"], Status={"Code": "applied"}),
        "ClientLoginBannerOptions": dict(cfg["ClientLoginBannerOptions"]),
        "ClientRouteEnforcementOptions": dict(cfg["ClientRouteEnforcementOptions"]),
        "DisconnectOnSessionTimeout": cfg["DisconnectOnSessionTimeout"],
        "EndpointIpAddressType": cfg["EndpointIpAddressType"],
        "TrafficIpAddressType": cfg["TrafficIpAddressType"],
    }
    if cfg["SelfServicePortal"] == "enabled":
        out["SelfServicePortalUrl"] = f"https://self-service.clientvpn.amazonaws.com/endpoints/{eid}"
    if cfg.get("DevicePostureOptions", {}).get("TrustProviders"):
        out["DevicePostureOptions"] = json.loads(json.dumps(cfg["DevicePostureOptions"]))
    return {k: v for k, v in out.items() if v is not None}


def _describe_association(ep, assoc):
    return {
        "AssociationId": assoc["AssociationId"],
        "VpcId": assoc["VpcId"],
        "TargetNetworkId": assoc["SubnetId"],
        "ClientVpnEndpointId": ep["id"],
        "Status": {"Code": assoc["state"]},
        "SecurityGroups": list(ep["cfg"].get("SecurityGroupIds", [])),
    }


def _describe_route(ep, route):
    out = {
        "ClientVpnEndpointId": ep["id"],
        "DestinationCidr": route["DestinationCidr"],
        "TargetSubnet": route["TargetSubnet"],
        "Type": route["Type"],
        "Origin": route["origin"],
        "Status": {"Code": route["state"]},
    }
    if route.get("Description") is not None:
        out["Description"] = route["Description"]
    return out


def _describe_rule(ep, rule):
    out = {
        "ClientVpnEndpointId": ep["id"],
        "GroupId": rule["GroupId"],
        "AccessAll": rule["AccessAll"],
        "DestinationCidr": rule["DestinationCidr"],
        "Status": {"Code": rule["state"]},
    }
    if rule.get("Description") is not None:
        out["Description"] = rule["Description"]
    return out


def _filter(items, filters, members):
    """EC2 filters: every filter must match (OR over its values); unknown names are rejected.

    ``members`` is a describe's filter table: filter name -> the described item's member it
    matches (dotted when nested).  A table with ``tag-key`` also takes ``tag:<key>`` filters.
    """
    for flt in filters or []:
        name = flt.get("Name", "")
        values = [str(v) for v in flt.get("Values", [])]
        if name.startswith("tag:") and "tag-key" in members:
            items = [i for i in items if _tags(i).get(name[4:]) in values]
        elif name == "tag-key" and "tag-key" in members:
            items = [i for i in items if any(k in values for k in _tags(i))]
        elif name in members:
            items = [i for i in items if _filter_text(_member(i, members[name])) in values]
        else:
            raise _bad(f"The filter '{name}' is invalid", "InvalidParameterValue")
    return items


def _member(item, path):
    """The value at a dotted member path of a described item (None where a member is absent)."""
    for name in path.split("."):
        item = item.get(name) if isinstance(item, dict) else None
    return item


def _tags(item):
    return {t["Key"]: t["Value"] for t in item.get("Tags", [])}


def _filter_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _page(items, params):
    max_results = params.get("MaxResults")
    if max_results is not None and not 5 <= max_results <= 1000:
        raise _bad(f"Value ({max_results}) for parameter MaxResults is invalid. Expecting a value between 5 and 1000")
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(token.encode()).decode())["offset"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AwsError("InvalidPaginationToken", f"Invalid pagination token: {token}") from exc
    if max_results is None:
        return items[start:], None
    end = start + max_results
    next_token = None
    if end < len(items):
        next_token = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode()
    return items[start:end], next_token


def _listed(params, items, members, result_key):
    """The answer of a Describe call: ``items`` narrowed by the request's Filters (table ``members``), one page."""
    items = _filter(items, params.get("Filters"), members)
    _dry_run(params)
    page, token = _page(items, params)
    return {result_key: page, "NextToken": token}


def _transition(call, params, ep, items, state, duration):
    """Start ``state`` (revoking, deleting, ...) on those of ``items`` not in it yet: one operation in flight.

    Items already in ``state`` are left as they are (the call is answered again, without
    counting against the concurrent-operation quota); ``duration`` names the clock's delay.
    """
    pending = [item for item in items if item["state"] != state]
    if pending:
        _check_concurrency(ep)
    _dry_run(params)
    until = call.clock.done_at(duration)
    for item in pending:
        item["state"] = state
        item["until"] = until
    return {"Status": {"Code": state}}


# ================================================================ endpoints


@registry.handler("ec2", "CreateClientVpnEndpoint")
def create_endpoint(call):
    params = call.params
    token_key, previous = _idempotent(call, "CreateClientVpnEndpoint")
    if previous is not None:
        eid = previous["ClientVpnEndpointId"]
        ep = _state(call).store(call.account_id, call.region).get(eid)
        if ep is not None:
            _state(call).settle(ep)
            return dict(previous, Status={"Code": _status(ep)})
        if (call.account_id, call.region, eid) in call.sandbox.realism.lingering(ENDPOINT_KIND):
            return dict(previous, Status={"Code": "deleted"})
        # EC2's idempotency error for a token whose resource is deleted (its message says so).
        raise AwsError(
            "IdempotentParameterMismatch",
            "The client token you have provided is associated with a resource that is already deleted "
            "or with a request that had different parameters. Please use a different client token.",
        )

    cfg = {}
    traffic = params.get("TrafficIpAddressType", "ipv4")
    endpoint_ip = params.get("EndpointIpAddressType", "ipv4")
    for member, value in (("TrafficIpAddressType", traffic), ("EndpointIpAddressType", endpoint_ip)):
        if value not in ("ipv4", "ipv6", "dual-stack"):
            raise _bad(f"Invalid {member} {value}. Valid values: ipv4 | ipv6 | dual-stack")
    cidr = params.get("ClientCidrBlock")
    if traffic in ("ipv4", "dual-stack") and not cidr:
        raise AwsError("MissingParameter", "The request must contain the parameter ClientCidrBlock")
    if cidr:
        if traffic == "ipv6":
            raise _bad("ClientCidrBlock cannot be specified when TrafficIpAddressType is ipv6")
        network = _ipv4_cidr(cidr, "ClientCidrBlock")
        if not 12 <= network.prefixlen <= 22:
            raise _bad(
                f"Value ({cidr}) for parameter ClientCidrBlock is invalid. "
                "Client CIDR range must have a size of at least /22 and must not be greater than /12"
            )
        cfg["ClientCidrBlock"] = str(network)
    transport = params.get("TransportProtocol", "udp")
    if transport not in ("tcp", "udp"):
        raise _bad(f"Invalid TransportProtocol {transport}. Valid values: tcp | udp")
    cfg["TransportProtocol"] = transport
    cfg["DnsServers"] = _check_dns_servers(params.get("DnsServers", []))
    cfg.update(
        {
            "VpnPort": 443,
            "SessionTimeoutHours": 24,
            "SelfServicePortal": "enabled",
            "SplitTunnel": False,
            "DisconnectOnSessionTimeout": True,
            "ClientLoginBannerOptions": {"Enabled": False},
            "ClientConnectOptions": {"Enabled": False},
            "ClientRouteEnforcementOptions": {"Enforced": False},
            "EndpointIpAddressType": endpoint_ip,
            "TrafficIpAddressType": traffic,
        }
    )
    cfg.update(_check_common_options(params))

    if params.get("TransitGatewayConfiguration"):
        if params.get("VpcId") or params.get("SecurityGroupIds"):
            raise AwsError(
                "InvalidParameterCombination",
                "You cannot specify both TransitGatewayConfiguration and VpcId/SecurityGroupIds",
            )
        raise AwsError(
            "NotImplementedBySandbox", "The sandbox does not emulate Transit Gateway-based Client VPN endpoints", 501
        )

    cfg["AuthenticationOptions"] = _check_authentication(call, params.get("AuthenticationOptions", []))
    _server_certificate(call, params["ServerCertificateArn"])
    cfg["ServerCertificateArn"] = params["ServerCertificateArn"]
    cfg["ConnectionLogOptions"] = _check_log_options(call, params.get("ConnectionLogOptions") or {})

    vpc_id = params.get("VpcId")
    groups = params.get("SecurityGroupIds") or []
    if groups and not vpc_id:
        raise AwsError(
            "InvalidParameterCombination", "You must also specify the ID of the VPC that contains the security groups"
        )
    if vpc_id:
        _vpc(call, vpc_id)
        cfg["VpcId"] = vpc_id
        cfg["SecurityGroupIds"] = (
            _security_groups(call, groups, vpc_id) if groups else _default_security_group(call, vpc_id)
        )

    tags = {}
    for spec in params.get("TagSpecifications", []):
        if spec.get("ResourceType") != "client-vpn-endpoint":
            raise _bad(f"'{spec.get('ResourceType')}' is not a valid taggable resource type for this operation.")
        _check_tags(spec.get("Tags", []))
        tags.update({t["Key"]: t.get("Value", "") for t in spec.get("Tags", [])})

    store = _state(call).store(call.account_id, call.region)
    if len(store) >= ENDPOINT_QUOTA:
        raise AwsError(
            "ClientVpnEndpointLimitExceeded",
            f"You've reached the limit of {ENDPOINT_QUOTA} Client VPN endpoints in this Region.",
        )
    _dry_run(params)

    eid = f"cvpn-endpoint-{_hex17()}"
    store[eid] = {
        "id": eid,
        "account": call.account_id,
        "region": call.region,
        "created": _timestamp(),
        "deleting_until": None,
        "cfg": cfg,
        "tags": tags,
        "associations": {},
        "routes": [],
        "rules": [],
        "connections": [],
    }
    _certificates_in_use(store[eid])
    _created(call, ENDPOINT_KIND, (call.account_id, call.region, eid))
    result = {
        "ClientVpnEndpointId": eid,
        "Status": {"Code": "pending-associate"},
        "DnsName": f"*.{eid}.prod.clientvpn.{call.region}.amazonaws.com",
    }
    _remember(call, token_key, result)
    return result


def _check_authentication(call, options):
    if not options:
        raise AwsError("MissingParameter", "The request must contain the parameter AuthenticationOptions")
    if len(options) > 2:
        raise _bad("You can specify at most two authentication options")
    types = [o.get("Type") for o in options]
    if len(set(types)) != len(types):
        raise _bad("Each authentication type can be specified only once")
    if len(options) == 2 and "certificate-authentication" not in types:
        # AWS combines mutual (certificate) authentication with either Active Directory or federated
        # authentication; Active Directory and federated authentication cannot be combined.
        raise AwsError(
            "InvalidParameterCombination",
            "Active Directory and federated authentication cannot be combined; "
            "combine either one with certificate-authentication",
        )
    out = []
    for option in options:
        kind = option.get("Type")
        if kind == "directory-service-authentication":
            directory_id = (option.get("ActiveDirectory") or {}).get("DirectoryId")
            if not directory_id:
                raise AwsError("MissingParameter", "The request must contain the parameter ActiveDirectory.DirectoryId")
            _check_directory(call, directory_id)
            out.append({"Type": kind, "ActiveDirectory": {"DirectoryId": directory_id}})
        elif kind == "certificate-authentication":
            arn = (option.get("MutualAuthentication") or {}).get("ClientRootCertificateChainArn")
            if not arn:
                raise AwsError(
                    "MissingParameter",
                    "The request must contain the parameter MutualAuthentication.ClientRootCertificateChainArn",
                )
            _server_certificate(call, arn, member="ClientRootCertificateChainArn")
            out.append({"Type": kind, "MutualAuthentication": {"ClientRootCertificateChain": arn}})
        elif kind == "federated-authentication":
            fed = option.get("FederatedAuthentication") or {}
            if not fed.get("SAMLProviderArn"):
                raise AwsError(
                    "MissingParameter", "The request must contain the parameter FederatedAuthentication.SAMLProviderArn"
                )
            _check_saml_provider(call, fed["SAMLProviderArn"], "SAMLProviderArn")
            entry = {"SamlProviderArn": fed["SAMLProviderArn"]}
            if fed.get("SelfServiceSAMLProviderArn"):
                _check_saml_provider(call, fed["SelfServiceSAMLProviderArn"], "SelfServiceSAMLProviderArn")
                entry["SelfServiceSamlProviderArn"] = fed["SelfServiceSAMLProviderArn"]
            out.append({"Type": kind, "FederatedAuthentication": entry})
        else:
            raise _bad(
                f"Invalid authentication type {kind}. Valid values: certificate-authentication | "
                "directory-service-authentication | federated-authentication"
            )
    return out


ENDPOINT_FILTERS = {
    "endpoint-id": "ClientVpnEndpointId",
    "transport-protocol": "TransportProtocol",
    "vpn-port": "VpnPort",
    "vpc-id": "VpcId",
    "status": "Status.Code",
    "tag-key": "Tags",
}


@registry.handler("ec2", "DescribeClientVpnEndpoints")
def describe_endpoints(call):
    params = call.params
    store = _state(call).store(call.account_id, call.region)
    for ep in store.values():
        _state(call).settle(ep)
    wanted = params.get("ClientVpnEndpointIds") or []
    # Eventual consistency: a new endpoint is unknown for a while, a deleted one still listed ("deleted").
    shown = {
        eid: ep
        for eid, ep in store.items()
        if call.sandbox.realism.visible(ENDPOINT_KIND, (call.account_id, call.region, eid))
    }
    gone = {
        key[2]: item
        for key, item in call.sandbox.realism.lingering(ENDPOINT_KIND).items()
        if key[:2] == (call.account_id, call.region) and key[2] not in store
    }
    for eid in wanted:
        if eid not in shown and eid not in gone:
            raise AwsError("InvalidClientVpnEndpointId.NotFound", f"The Client VPN endpoint ID '{eid}' does not exist")
    items = [_describe(ep) for eid, ep in shown.items() if not wanted or eid in wanted]
    items += [json.loads(json.dumps(item)) for eid, item in gone.items() if not wanted or eid in wanted]
    return _listed(params, items, ENDPOINT_FILTERS, "ClientVpnEndpoints")


@registry.handler("ec2", "ModifyClientVpnEndpoint")
def modify_endpoint(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    cfg = ep["cfg"]
    changes = _check_common_options(params)
    if params.get("TransitGatewayConfiguration"):
        raise AwsError("UnsupportedOperation", "Modifying TransitGatewayConfiguration is not supported")
    if "ServerCertificateArn" in params:
        _server_certificate(call, params["ServerCertificateArn"])
        changes["ServerCertificateArn"] = params["ServerCertificateArn"]
    if "ConnectionLogOptions" in params:
        changes["ConnectionLogOptions"] = _check_log_options(call, params["ConnectionLogOptions"] or {})
    reset_connections = False
    if "DnsServers" in params:
        dns = params["DnsServers"] or {}
        servers = dns.get("CustomDnsServers", [])
        if dns.get("Enabled") is False:
            changes["DnsServers"] = []
        else:
            changes["DnsServers"] = _check_dns_servers(servers)
        reset_connections = changes["DnsServers"] != cfg.get("DnsServers", [])
    vpc_id = params.get("VpcId")
    groups = params.get("SecurityGroupIds")
    if vpc_id and vpc_id != cfg.get("VpcId"):
        if not groups:
            raise AwsError("MissingParameter", "SecurityGroupIds must be specified when VpcId is changed")
        _vpc(call, vpc_id)
        if _live_associations(ep):
            # Unconfirmed in AWS docs: the VPC follows the associated subnets, so changing it while subnets are
            # associated is refused (disassociate first).
            raise _bad(
                f"Cannot change the VPC of Client VPN endpoint {ep['id']} while target networks are associated; "
                "disassociate them first"
            )
        changes["VpcId"] = vpc_id
        changes["SecurityGroupIds"] = _security_groups(call, groups, vpc_id)
    elif groups:
        target_vpc = vpc_id or cfg.get("VpcId")
        if not target_vpc:
            raise AwsError("MissingParameter", "VpcId must be specified with SecurityGroupIds")
        changes["SecurityGroupIds"] = _security_groups(call, groups, target_vpc)
        changes["VpcId"] = target_vpc
    _dry_run(params)
    before = _certificate_arns(cfg)
    cfg.update(changes)
    _certificates_in_use(ep, release=True, arns=before - _certificate_arns(cfg))
    _certificates_in_use(ep)
    if reset_connections:
        _terminate_connections(ep)
    return {"Return": True}


@registry.handler("ec2", "DeleteClientVpnEndpoint")
def delete_endpoint(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    if ep["deleting_until"] is not None:
        _dry_run(params)
        return {"Status": {"Code": "deleting"}}
    live = _live_associations(ep)
    if live:
        raise AwsError(
            "ClientVpnEndpointAssociationExists",
            "The endpoint that you're trying to delete has associations " + ", ".join(a["AssociationId"] for a in live),
        )
    _dry_run(params)
    ep["deleting_until"] = call.clock.done_at("vpn_endpoint_delete")
    ep["deletion_time"] = _timestamp()
    from .ds import application_released  # its directories stay "in use" for a while (busy_directory)

    application_released(call, ep["cfg"]["AuthenticationOptions"])
    _terminate_connections(ep)
    return {"Status": {"Code": "deleting"}}


# ========================================================== target networks


def _find_subnet(call, subnet_id):
    try:
        return _ec2(call).get_subnet(subnet_id)
    except Exception:
        pass
    from moto.backends import get_backend

    backends = get_backend("ec2")
    for account in list(backends.keys()):
        if account == call.account_id:
            continue
        regional = dict.get(backends[account], call.region)
        if regional is None:
            continue
        try:
            regional.get_subnet(subnet_id)
        except Exception:
            continue
        raise AwsError(
            "InvalidClientVpnSubnetId.DifferentAccount", f"The subnet {subnet_id} belongs to a different account"
        )
    raise AwsError("InvalidSubnetID.NotFound", f"The subnet ID '{subnet_id}' does not exist")


@registry.handler("ec2", "AssociateClientVpnTargetNetwork")
def associate_target_network(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    token_key, previous = _idempotent(call, "AssociateClientVpnTargetNetwork")
    if previous is not None:
        assoc = ep["associations"].get(previous["AssociationId"])
        state = assoc["state"] if assoc else "disassociated"
        return {"AssociationId": previous["AssociationId"], "Status": {"Code": state}}
    if params.get("AvailabilityZone") or params.get("AvailabilityZoneId"):
        if params.get("SubnetId"):
            raise AwsError("InvalidParameterCombination", "You cannot specify both SubnetId and AvailabilityZone")
        raise _bad("AvailabilityZone and AvailabilityZoneId apply only to Transit Gateway-based Client VPN endpoints")
    subnet_id = params.get("SubnetId")
    if not subnet_id:
        raise AwsError("MissingParameter", "The request must contain the parameter SubnetId")
    subnet = _find_subnet(call, subnet_id)
    cfg = ep["cfg"]
    live = _live_associations(ep)
    if any(a["SubnetId"] == subnet_id for a in live):
        raise AwsError(
            "InvalidClientVpnDuplicateAssociationException",
            f"The subnet {subnet_id} is already associated with Client VPN endpoint {ep['id']}",
        )
    if cfg.get("VpcId") and subnet.vpc_id != cfg["VpcId"]:
        raise AwsError(
            "InvalidClientVpnSubnetId.NotFound",
            f"The subnet {subnet_id} cannot be found in VPC {cfg['VpcId']}, the VPC of Client VPN endpoint {ep['id']}",
        )
    if any(a["AvailabilityZone"] == subnet.availability_zone for a in live):
        raise AwsError(
            "InvalidClientVpnSubnetId.DuplicateAz",
            f"You have already associated a subnet from Availability Zone {subnet.availability_zone} "
            f"with Client VPN endpoint {ep['id']}",
        )
    subnet_net = ipaddress.IPv4Network(subnet.cidr_block, strict=False)
    if subnet_net.prefixlen > 27:
        raise _bad(f"The subnet {subnet_id} must have a CIDR block of at least /27 (it is /{subnet_net.prefixlen})")
    if getattr(subnet, "available_ip_addresses", 20) < 20:
        raise _bad(f"The subnet {subnet_id} must have at least 20 available IP addresses")
    vpc = _vpc(call, subnet.vpc_id)
    vpc_cidrs = _vpc_cidrs(vpc)
    if cfg.get("ClientCidrBlock"):
        client = ipaddress.IPv4Network(cfg["ClientCidrBlock"])
        if any(client.overlaps(c) for c in vpc_cidrs):
            raise AwsError(
                "InvalidClientVpnSubnetId.OverlappingCidr",
                f"The client CIDR {client} of Client VPN endpoint {ep['id']} overlaps the CIDR of VPC {vpc.id}",
            )
    _check_concurrency(ep)
    _dry_run(params)

    if not cfg.get("VpcId"):
        cfg["VpcId"] = subnet.vpc_id
        cfg["SecurityGroupIds"] = _default_security_group(call, subnet.vpc_id)
    until = call.clock.done_at("vpn_association")
    assoc_id = f"cvpn-assoc-{_hex17()}"
    ep["associations"][assoc_id] = {
        "AssociationId": assoc_id,
        "SubnetId": subnet_id,
        "VpcId": subnet.vpc_id,
        "AvailabilityZone": subnet.availability_zone,
        "state": "associating",
        "until": until,
        "gone_at": None,
    }
    # The VPC's local route, added automatically for each associated subnet.
    ep["routes"].append(
        {
            "DestinationCidr": str(vpc_cidrs[0]),
            "TargetSubnet": subnet_id,
            "Type": "Nat",
            "origin": "associate",
            "Description": "Default Route",
            "state": "creating",
            "until": until,
        }
    )
    _created(call, ASSOCIATION_KIND, assoc_id)
    result = {"AssociationId": assoc_id, "Status": {"Code": "associating"}}
    _remember(call, token_key, {"AssociationId": assoc_id})
    return result


@registry.handler("ec2", "DisassociateClientVpnTargetNetwork")
def disassociate_target_network(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    assoc = ep["associations"].get(params["AssociationId"])
    if assoc is None or assoc["state"] == "disassociated":
        raise AwsError(
            "InvalidClientVpnAssociationIdNotFound",
            f"The target network association '{params['AssociationId']}' does not exist",
        )
    started = assoc["state"] != "disassociating"
    status = _transition(call, params, ep, [assoc], "disassociating", "vpn_disassociation")
    if started:
        until = assoc["until"]
        assoc["gone_at"] = until + call.clock.duration("vpn_disassociation")
        for route in ep["routes"]:
            if route["TargetSubnet"] == assoc["SubnetId"]:
                route["state"] = "deleting"
                route["until"] = until
        if not [a for a in _live_associations(ep) if a["state"] != "disassociating"]:
            # Removing the last target network drops every client connection.
            _terminate_connections(ep)
    return dict(status, AssociationId=assoc["AssociationId"])


TARGET_NETWORK_FILTERS = {"association-id": "AssociationId", "target-network-id": "TargetNetworkId", "vpc-id": "VpcId"}


@registry.handler("ec2", "DescribeClientVpnTargetNetworks")
def describe_target_networks(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    # A new association is missing for a while (eventual consistency); one described by an ID the
    # endpoint does not know (yet, or any more) answers EC2's dotless code, as for Disassociate.
    shown = [a for aid, a in ep["associations"].items() if call.sandbox.realism.visible(ASSOCIATION_KIND, aid)]
    items = [_describe_association(ep, a) for a in shown]
    wanted = params.get("AssociationIds") or []
    if wanted:
        known = {i["AssociationId"] for i in items}
        for aid in wanted:
            if aid not in known:
                raise AwsError("InvalidClientVpnAssociationIdNotFound", f"The association ID '{aid}' does not exist")
        items = [i for i in items if i["AssociationId"] in wanted]
    return _listed(params, items, TARGET_NETWORK_FILTERS, "ClientVpnTargetNetworks")


@registry.handler("ec2", "ApplySecurityGroupsToClientVpnTargetNetwork")
def apply_security_groups(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    vpc_id = params["VpcId"]
    _vpc(call, vpc_id)
    if ep["cfg"].get("VpcId") and ep["cfg"]["VpcId"] != vpc_id:
        raise _bad(f"VPC {vpc_id} is not the VPC of Client VPN endpoint {ep['id']} ({ep['cfg']['VpcId']})")
    if not any(a["VpcId"] == vpc_id for a in _live_associations(ep)):
        raise AwsError(
            "InvalidClientVpnActiveAssociationNotFound",
            f"Client VPN endpoint {ep['id']} has no target network associated in VPC {vpc_id}",
        )
    groups = _security_groups(call, params.get("SecurityGroupIds") or [], vpc_id)
    _dry_run(params)
    ep["cfg"]["SecurityGroupIds"] = groups
    ep["cfg"]["VpcId"] = vpc_id
    return {"SecurityGroupIds": groups}


# ===================================================== authorization rules


def _rule_key(params, all_groups_member):
    """(CIDR, group SID or "", all groups) of an Authorize/RevokeClientVpnIngress request."""
    cidr = str(_ipv4_cidr(params["TargetNetworkCidr"], "TargetNetworkCidr"))
    group = params.get("AccessGroupId")
    all_groups = bool(params.get(all_groups_member))
    if group and all_groups:
        raise AwsError("InvalidParameterCombination", f"You cannot specify both AccessGroupId and {all_groups_member}")
    if not group and not all_groups:
        raise AwsError(
            "MissingParameter", f"Either AccessGroupId must be specified or {all_groups_member} must be set to true"
        )
    return (cidr, "" if all_groups else group, all_groups)


def _rule_text(key):
    cidr, group, all_groups = key
    return f"{cidr} and {'all groups' if all_groups else 'group ' + group}"


@registry.handler("ec2", "AuthorizeClientVpnIngress")
def authorize_ingress(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    token_key, previous = _idempotent(call, "AuthorizeClientVpnIngress")
    if previous is not None:
        rule = next((r for r in ep["rules"] if r["key"] == previous["key"]), None)
        return {"Status": {"Code": rule["state"] if rule else "active"}}
    key = _rule_key(params, "AuthorizeAllGroups")
    cidr, all_groups = key[0], key[2]
    if any(r["key"] == key and r["state"] != "revoking" for r in ep["rules"]):
        raise AwsError(
            "InvalidClientVpnDuplicateAuthorizationRule",
            f"The authorization rule for {_rule_text(key)} already exists on Client VPN endpoint {ep['id']}",
        )
    if len(ep["rules"]) >= RULE_QUOTA:
        raise AwsError(
            "ClientVpnAuthorizationRuleLimitExceeded",
            f"You've reached the limit of {RULE_QUOTA} authorization rules for Client VPN endpoint {ep['id']}",
        )
    _check_concurrency(ep)
    _dry_run(params)
    ep["rules"].append(
        {
            "key": key,
            "DestinationCidr": cidr,
            "GroupId": key[1],
            "AccessAll": all_groups,
            "Description": params.get("Description"),
            "state": "authorizing",
            "until": call.clock.done_at("vpn_authorization"),
        }
    )
    _created(call, RULE_KIND, (ep["id"],) + key)
    _remember(call, token_key, {"key": key})
    return {"Status": {"Code": "authorizing"}}


@registry.handler("ec2", "RevokeClientVpnIngress")
def revoke_ingress(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    key = _rule_key(params, "RevokeAllGroups")
    rule = next((r for r in ep["rules"] if r["key"] == key), None)
    if rule is None:
        raise AwsError(
            "InvalidClientVpnEndpointAuthorizationRuleNotFound",
            f"The authorization rule for {_rule_text(key)} does not exist",
        )
    return _transition(call, params, ep, [rule], "revoking", "vpn_revoke")


RULE_FILTERS = {"description": "Description", "destination-cidr": "DestinationCidr", "group-id": "GroupId"}


@registry.handler("ec2", "DescribeClientVpnAuthorizationRules")
def describe_authorization_rules(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    # Eventual consistency: a new rule is missing for a while, a revoked one still listed (as revoking).
    items = [
        _describe_rule(ep, r) for r in ep["rules"] if call.sandbox.realism.visible(RULE_KIND, (ep["id"],) + r["key"])
    ]
    items += [dict(item) for key, item in call.sandbox.realism.lingering(RULE_KIND).items() if key[0] == ep["id"]]
    return _listed(params, items, RULE_FILTERS, "AuthorizationRules")


# ==================================================================== routes


@registry.handler("ec2", "CreateClientVpnRoute")
def create_route(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    token_key, previous = _idempotent(call, "CreateClientVpnRoute")
    if previous is not None:
        route = next((r for r in ep["routes"] if (r["DestinationCidr"], r["TargetSubnet"]) == previous["key"]), None)
        return {"Status": {"Code": route["state"] if route else "active"}}
    destination = _ipv4_cidr(params["DestinationCidrBlock"], "DestinationCidrBlock")
    target = params.get("TargetVpcSubnetId")
    if not target:
        raise AwsError("MissingParameter", "The request must contain the parameter TargetVpcSubnetId")
    cfg = ep["cfg"]
    client = ipaddress.IPv4Network(cfg["ClientCidrBlock"]) if cfg.get("ClientCidrBlock") else None
    if target == "local":
        if client is None or destination != client:
            raise _bad("A route with target 'local' must have the client CIDR range as its destination")
    else:
        if not any(a["SubnetId"] == target and a["state"] == "associated" for a in ep["associations"].values()):
            raise AwsError(
                "InvalidClientVpnActiveAssociationNotFound",
                f"Subnet {target} is not an associated target network of Client VPN endpoint {ep['id']}",
            )
        if client is not None and destination.subnet_of(client):
            raise _bad(f"The route destination {destination} overlaps the client CIDR range {client}")
    key = (str(destination), target)
    if any((r["DestinationCidr"], r["TargetSubnet"]) == key and r["state"] != "deleting" for r in ep["routes"]):
        raise AwsError(
            "InvalidClientVpnDuplicateRoute",
            f"The route {destination} via {target} already exists on Client VPN endpoint {ep['id']}",
        )
    if sum(1 for r in ep["routes"] if r["TargetSubnet"] == target) >= ROUTE_QUOTA:
        raise AwsError(
            "ClientVpnRouteLimitExceeded",
            f"You've reached the limit of {ROUTE_QUOTA} routes for the target network association of {target}",
        )
    _check_concurrency(ep)
    _dry_run(params)
    ep["routes"].append(
        {
            "DestinationCidr": str(destination),
            "TargetSubnet": target,
            "Type": "local" if target == "local" else "Nat",
            "origin": "add-route",
            "Description": params.get("Description"),
            "state": "creating",
            "until": call.clock.done_at("vpn_route"),
        }
    )
    _created(call, ROUTE_KIND, (ep["id"],) + key)
    _remember(call, token_key, {"key": key})
    return {"Status": {"Code": "creating"}}


@registry.handler("ec2", "DeleteClientVpnRoute")
def delete_route(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    destination = str(_ipv4_cidr(params["DestinationCidrBlock"], "DestinationCidrBlock"))
    target = params.get("TargetVpcSubnetId")
    matches = [
        r
        for r in ep["routes"]
        if r["DestinationCidr"] == destination and (target is None or r["TargetSubnet"] == target)
    ]
    manual = [r for r in matches if r["origin"] == "add-route"]
    if not matches:
        raise AwsError(
            "InvalidClientVpnRouteNotFound",
            f"The route {destination}{' via ' + target if target else ''} does not exist",
        )
    if not manual:
        raise _bad(
            f"The route {destination} was added automatically when a subnet was associated; "
            "disassociate the subnet to remove it"
        )
    return _transition(call, params, ep, manual, "deleting", "vpn_route_delete")


ROUTE_FILTERS = {"destination-cidr": "DestinationCidr", "origin": "Origin", "target-subnet": "TargetSubnet"}


@registry.handler("ec2", "DescribeClientVpnRoutes")
def describe_routes(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    # Eventual consistency: a new route is missing for a while, a deleted one still listed (as deleting).
    items = [
        _describe_route(ep, r) for r in ep["routes"] if call.sandbox.realism.visible(ROUTE_KIND, _route_kind_key(ep, r))
    ]
    items += [dict(item) for key, item in call.sandbox.realism.lingering(ROUTE_KIND).items() if key[0] == ep["id"]]
    return _listed(params, items, ROUTE_FILTERS, "Routes")


# ===================================================== client configuration


@registry.handler("ec2", "ExportClientVpnClientConfiguration")
def export_client_configuration(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    bundle = _acm_certificate(call, ep["cfg"]["ServerCertificateArn"])
    ca = imported_chain(bundle) if bundle is not None else ""
    _dry_run(params)
    return {"ClientConfiguration": client_configuration(ep, ca)}


# =============================================================== connections


CONNECTION_FILTERS = {"connection-id": "ConnectionId", "username": "Username"}


@registry.handler("ec2", "DescribeClientVpnConnections")
def describe_connections(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    items = [dict(c, ClientVpnEndpointId=ep["id"]) for c in ep["connections"]]
    return _listed(params, items, CONNECTION_FILTERS, "Connections")


@registry.handler("ec2", "TerminateClientVpnConnections")
def terminate_connections(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    connection_id, username = params.get("ConnectionId"), params.get("Username")
    if bool(connection_id) == bool(username):
        raise AwsError("InvalidParameterCombination", "Specify either ConnectionId or Username")
    if connection_id:
        targets = [c for c in ep["connections"] if c["ConnectionId"] == connection_id]
        if not targets:
            raise AwsError("InvalidClientVpnConnection.IdNotFound", f"The connection '{connection_id}' cannot be found")
    else:
        targets = [c for c in ep["connections"] if c.get("Username") == username and c["Status"]["Code"] == "active"]
        if not targets:
            raise AwsError(
                "InvalidClientVpnConnection.UserNotFound",
                f"The user '{username}' does not have an active connection to Client VPN endpoint {ep['id']}",
            )
    _dry_run(params)
    statuses = []
    for conn in targets:
        previous = dict(conn["Status"])
        if previous["Code"] == "active":
            conn["Status"] = {"Code": "terminated"}
            conn["ConnectionEndTime"] = _timestamp().replace("T", " ")
        statuses.append(
            {"ConnectionId": conn["ConnectionId"], "PreviousStatus": previous, "CurrentStatus": dict(conn["Status"])}
        )
    return {"ClientVpnEndpointId": ep["id"], "Username": username, "ConnectionStatuses": statuses}


@registry.control("POST", "client-vpn/connections")
def _inject_connection(sandbox, body, query):
    """Add a client connection record: {"ClientVpnEndpointId", optional "Username", "ClientIp", "CommonName", ...}."""
    eid = body["ClientVpnEndpointId"]
    state = sandbox.state.client_vpn
    for (account, region), store in state.endpoints.items():
        ep = store.get(eid)
        if ep is None:
            continue
        if _status(state.settle(ep)) != "available":
            return 409, {"error": f"endpoint {eid} is {_status(ep)}, not available"}
        now = _timestamp().replace("T", " ")
        conn = {
            "Timestamp": now,
            "ConnectionId": body.get("ConnectionId") or f"cvpn-connection-{_hex17()}",
            "ConnectionEstablishedTime": now,
            "IngressBytes": str(body.get("IngressBytes", 0)),
            "EgressBytes": str(body.get("EgressBytes", 0)),
            "IngressPackets": str(body.get("IngressPackets", 0)),
            "EgressPackets": str(body.get("EgressPackets", 0)),
            "Status": {"Code": "active"},
        }
        client_cidr = ep["cfg"].get("ClientCidrBlock")
        if body.get("ClientIp") or client_cidr:
            conn["ClientIp"] = body.get("ClientIp") or str(ipaddress.IPv4Network(client_cidr)[2])
        for member in ("Username", "CommonName"):
            if body.get(member):
                conn[member] = body[member]
        ep["connections"].append(conn)
        return 200, {"connection": conn, "account_id": account, "region": region}
    return 404, {"error": f"no Client VPN endpoint {eid}"}


# ====================================================================== tags


def _split_cvpn(resources):
    cvpn = [r for r in resources if r.startswith("cvpn-endpoint-")]
    return cvpn, [r for r in resources if not r.startswith("cvpn-endpoint-")]


def _moto_tag_checks(call, resources):
    """moto's own validation of the other resource ids (it answers them when no endpoint is involved)."""
    if not resources:
        return
    from moto.ec2.models import validate_resource_ids

    try:
        validate_resource_ids(resources)
        _ec2(call).do_resources_exist(resources)
    except AwsError:
        raise
    except Exception as exc:
        raise AwsError(_moto_code(exc, "InvalidID"), getattr(exc, "message", str(exc))) from exc


@registry.handler("ec2", "CreateTags")
def create_tags(call):
    params = call.params
    cvpn, others = _split_cvpn(params.get("Resources", []))
    if not cvpn:
        return registry.PASS
    store = _state(call).store(call.account_id, call.region)
    for eid in cvpn:
        if eid not in store:
            raise AwsError("InvalidClientVpnEndpointId.NotFound", f"The Client VPN endpoint ID '{eid}' does not exist")
    tags = params.get("Tags", [])
    _check_tags(tags)
    for eid in cvpn:
        merged = dict(store[eid]["tags"], **{t["Key"]: t.get("Value", "") for t in tags})
        if len(merged) > 50:
            raise AwsError("TagLimitExceeded", "The maximum number of tags per resource is 50")
    _moto_tag_checks(call, others)
    _dry_run(params)
    for eid in cvpn:
        store[eid]["tags"].update({t["Key"]: t.get("Value", "") for t in tags})
    if others:
        _ec2(call).create_tags(others, {t["Key"]: t.get("Value", "") for t in tags})
    return {}


@registry.handler("ec2", "DeleteTags")
def delete_tags(call):
    params = call.params
    cvpn, others = _split_cvpn(params.get("Resources", []))
    if not cvpn:
        return registry.PASS
    store = _state(call).store(call.account_id, call.region)
    for eid in cvpn:
        if eid not in store:
            raise AwsError("InvalidClientVpnEndpointId.NotFound", f"The Client VPN endpoint ID '{eid}' does not exist")
    if others:
        from moto.ec2.models import validate_resource_ids

        try:
            validate_resource_ids(others)
        except Exception as exc:
            raise AwsError(_moto_code(exc, "InvalidID"), getattr(exc, "message", str(exc))) from exc
    _dry_run(params)
    tags = params.get("Tags")
    for eid in cvpn:
        current = store[eid]["tags"]
        if not tags:
            current.clear()
            continue
        for tag in tags:
            if tag["Key"] in current and ("Value" not in tag or tag["Value"] == current[tag["Key"]]):
                del current[tag["Key"]]
    if others:
        if tags:
            _ec2(call).delete_tags(others, {t["Key"]: t.get("Value") for t in tags})
        else:
            for rid in others:
                _ec2(call).tags.pop(rid, None)
    return {}


@registry.handler("ec2", "DescribeTags")
def describe_tags(call):
    params = call.params
    store = _state(call).store(call.account_id, call.region)
    filters = params.get("Filters") or []
    mine = []
    for eid, ep in store.items():
        for key, value in ep["tags"].items():
            mine.append({"Key": key, "ResourceId": eid, "ResourceType": "client-vpn-endpoint", "Value": value})
    if not mine:
        return registry.PASS
    fields = {"key": "Key", "resource-id": "ResourceId", "resource-type": "ResourceType", "value": "Value"}
    for flt in filters:
        name, values = flt.get("Name", ""), flt.get("Values", [])
        patterns = [re.compile("^" + re.escape(v).replace(r"\*", ".*").replace(r"\?", ".") + "$") for v in values]
        if name.startswith("tag:"):
            # Rows of resources carrying that tag with one of the values.
            key = name[4:]
            tagged = {
                eid
                for eid, ep in store.items()
                if key in ep["tags"] and any(p.match(ep["tags"][key]) for p in patterns)
            }
            mine = [t for t in mine if t["ResourceId"] in tagged]
        elif name in fields:
            mine = [t for t in mine if any(p.match(t[fields[name]]) for p in patterns)]
        else:
            raise _bad(f"The filter '{name}' is invalid")
    theirs = call.moto().get("Tags", [])
    items = sorted(theirs + mine, key=lambda t: (t["ResourceId"], t["Key"]))
    max_results = params.get("MaxResults")
    if max_results is not None and not 5 <= max_results <= 1000:
        raise _bad(f"Value ({max_results}) for parameter MaxResults is invalid. Expecting a value between 5 and 1000")
    page, token = _page(items, {k: v for k, v in params.items() if k in ("MaxResults", "NextToken")})
    return {"Tags": page, "NextToken": token}


# ================================================================ interfaces


def find_endpoint_by_hostname(sandbox, hostname):
    """The endpoint a DNS name designates, or None.

    Accepts the endpoint's ``DnsName`` with the leading ``*`` replaced by any label
    (``abc.cvpn-endpoint-….prod.clientvpn.<region>.amazonaws.com``), the ``*`` form itself, or the name without
    a label.  Returns ``{"account_id", "region", "ClientVpnEndpointId", "Status"}`` where Status is the endpoint's
    status code now.
    """
    if not hostname:
        return None
    match = _HOSTNAME.match(hostname.strip().rstrip(".").lower())
    if not match:
        return None
    eid, region = match.groups()
    with sandbox.lock:
        state = sandbox.state.client_vpn
        for (account, store_region), _ in list(state.endpoints.items()):
            if store_region != region:
                continue
            ep = state.store(account, region).get(eid)
            if ep is not None:
                state.settle(ep)
                return {"account_id": account, "region": region, "ClientVpnEndpointId": eid, "Status": _status(ep)}
    return None


def list_endpoints(sandbox):
    """Every endpoint the sandbox holds: (account_id, region, DescribeClientVpnEndpoints item)."""
    out = []
    with sandbox.lock:
        state = sandbox.state.client_vpn
        for account, region in list(state.endpoints):
            for ep in list(state.store(account, region).values()):
                state.settle(ep)
                out.append((account, region, _describe(ep)))
    return out
