"""EC2 Client VPN: the state, lifecycles and helpers shared by its modules, and its interfaces.

moto has no Client VPN, so the whole family is emulated here, for any Region
and account, one module per sub-resource: ``client_vpn_endpoints`` (endpoints
and their client configuration), ``client_vpn_networks`` (target networks),
``client_vpn_rules`` (authorization rules), ``client_vpn_routes``,
``client_vpn_connections`` and ``client_vpn_tags``.  State is plain dicts in
:class:`ClientVpnState` (``sandbox.state.client_vpn``), used under the sandbox
lock; asynchronous states (associations, routes, rules, endpoint deletion) are
settled lazily (sandbox.lifecycle) from deadlines taken from ``sandbox.clock``
(``vpn_association``, ``vpn_disassociation``, ``vpn_route``,
``vpn_route_delete``, ``vpn_authorization``, ``vpn_revoke``,
``vpn_endpoint_delete``).

Rules enforced are those of docs/aws-rules.md and the EC2 API reference, with the
error codes EC2 documents (errors-overview: ``InvalidClientVpn*``,
``ClientVpn*LimitExceeded``, ``ClientVpnEndpointAssociationExists``,
``ConcurrentMutationLimitExceeded``).  Where AWS does not document a code the
choice is noted next to the check.

Interfaces for other emulations:

* :func:`find_endpoint_by_hostname` (Route 53 health checks),
* :func:`list_endpoints` (bench / teardown checks).
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

CONCURRENCY_QUOTA = 10
MAX_SECURITY_GROUPS = 5

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
