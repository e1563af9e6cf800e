"""Client VPN client connections: describe and terminate, and the control route that injects one.

There are no real clients: ``POST /_sandbox/client-vpn/connections`` adds a connection record
(see :func:`_inject_connection`).
"""

import ipaddress

from .. import registry
from ..protocol import AwsError
from .client_vpn import _dry_run
from .client_vpn import _get_endpoint
from .client_vpn import _hex17
from .client_vpn import _listed
from .client_vpn import _status
from .client_vpn import _timestamp

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
