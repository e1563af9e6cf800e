"""Client VPN target networks: associate and disassociate subnets, describe them, apply security groups.

An association takes ``vpn_association`` to become ``associated`` and adds the VPC's route; a
disassociation takes ``vpn_disassociation`` and removes the routes through that subnet (``client_vpn``).
"""

import ipaddress

from .. import registry
from ..protocol import AwsError
from .client_vpn import ASSOCIATION_KIND
from .client_vpn import _bad
from .client_vpn import _check_concurrency
from .client_vpn import _created
from .client_vpn import _default_security_group
from .client_vpn import _describe_association
from .client_vpn import _dry_run
from .client_vpn import _ec2
from .client_vpn import _get_endpoint
from .client_vpn import _hex17
from .client_vpn import _idempotent
from .client_vpn import _listed
from .client_vpn import _live_associations
from .client_vpn import _remember
from .client_vpn import _security_groups
from .client_vpn import _terminate_connections
from .client_vpn import _transition
from .client_vpn import _vpc
from .client_vpn import _vpc_cidrs


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
