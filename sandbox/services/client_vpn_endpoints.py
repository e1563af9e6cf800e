"""Client VPN endpoints: create, describe, modify, delete, and their client configuration file.

The rules checked at create and modify (authentication, certificates, directories, logging, options) live here;
the state, the lifecycles and the helpers every Client VPN module shares are in ``client_vpn``.
"""

import ipaddress
import json
import re

from .. import registry
from ..protocol import AwsError
from .client_vpn import ENDPOINT_KIND
from .client_vpn import _acm_certificate
from .client_vpn import _bad
from .client_vpn import _certificate_arns
from .client_vpn import _certificates_in_use
from .client_vpn import _check_tags
from .client_vpn import _created
from .client_vpn import _default_security_group
from .client_vpn import _describe
from .client_vpn import _dry_run
from .client_vpn import _get_endpoint
from .client_vpn import _hex17
from .client_vpn import _idempotent
from .client_vpn import _ipv4_cidr
from .client_vpn import _listed
from .client_vpn import _live_associations
from .client_vpn import _remember
from .client_vpn import _security_groups
from .client_vpn import _state
from .client_vpn import _status
from .client_vpn import _terminate_connections
from .client_vpn import _timestamp
from .client_vpn import _vpc
from .client_vpn_config import client_configuration
from .client_vpn_config import imported_chain

ENDPOINT_QUOTA = 5
MAX_DNS_SERVERS = 2
BANNER_MAX = 1400
SESSION_HOURS = (8, 10, 12, 24)
VPN_PORTS = (443, 1194)
SERVER_KEY_SIZES = (1024, 2048)


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
        # Client VPN cannot use a replicated Region of a multi-Region Managed AD directly (docs/aws-rules.md);
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


@registry.handler("ec2", "ExportClientVpnClientConfiguration")
def export_client_configuration(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    bundle = _acm_certificate(call, ep["cfg"]["ServerCertificateArn"])
    ca = imported_chain(bundle) if bundle is not None else ""
    _dry_run(params)
    return {"ClientConfiguration": client_configuration(ep, ca)}
