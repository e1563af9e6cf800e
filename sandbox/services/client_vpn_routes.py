"""Client VPN routes: create, delete and describe routes (``vpn_route``, ``vpn_route_delete``)."""

import ipaddress

from .. import registry
from ..protocol import AwsError
from .client_vpn import ROUTE_KIND
from .client_vpn import _bad
from .client_vpn import _check_concurrency
from .client_vpn import _created
from .client_vpn import _describe_route
from .client_vpn import _dry_run
from .client_vpn import _get_endpoint
from .client_vpn import _idempotent
from .client_vpn import _ipv4_cidr
from .client_vpn import _listed
from .client_vpn import _remember
from .client_vpn import _route_kind_key
from .client_vpn import _transition

ROUTE_QUOTA = 100


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
