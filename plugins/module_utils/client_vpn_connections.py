# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ec2_client_vpn_connections does: end the client connections of a user (or one connection).

``ensure_terminated`` describes the connections the options select (DescribeClientVpnConnections filtered by
``username`` or ``connection-id``), ends those still to end with TerminateClientVpnConnections, optionally waits
until none of them is open any more, and returns the module result; ``run_connections_module`` is the body of
``main()``.  The AWS calls go through client_vpn.py's retry (``client_vpn_retry``) and error handling.
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import AnsibleClientVpnError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import ClientVpnErrorHandler
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import client_vpn_retry
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import describe_client_vpn_connections
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import SET_PAGE_SIZE
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module
from ansible_collections.multiregion.client_vpn.plugins.module_utils.polling import poll_until

# ClientVpnConnectionStatusCode (botocore's EC2 model): active, failed-to-terminate, terminating, terminated.
# Still to end: connected, or an earlier termination that failed (ended again).
TO_END_STATES = ("active", "failed-to-terminate")
# Still open: what the wait waits out.
OPEN_STATES = ("active", "terminating")
FAILED_STATE = "failed-to-terminate"
# TerminateClientVpnConnections with a Username "can only be used if the user has established up to five
# connections" (EC2 API reference); beyond that, the connections are ended one by one.
USERNAME_TERMINATE_LIMIT = 5

# Answers of TerminateClientVpnConnections when there is nothing left to end: the connection is unknown, or the
# user has no active connection any more (ended between the describe and the call).
CONNECTION_NOT_FOUND = "InvalidClientVpnConnection.IdNotFound"
USER_NOT_FOUND = "InvalidClientVpnConnection.UserNotFound"


class ClientVpnConnectionErrorHandler(ClientVpnErrorHandler):
    """Nothing left to end means "already ended"; a missing endpoint stays an error."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code([CONNECTION_NOT_FOUND, USER_NOT_FOUND])


@ClientVpnConnectionErrorHandler.deletion_error_handler("terminate Client VPN connections")
@client_vpn_retry
def terminate_client_vpn_connections(client, endpoint_id, **target):
    """``target``: ``Username=...`` or ``ConnectionId=...``.  AWS's ConnectionStatuses, or False: nothing to end."""
    return client.terminate_client_vpn_connections(ClientVpnEndpointId=endpoint_id, **target)["ConnectionStatuses"]


def status_code(connection):
    return (connection.get("Status") or {}).get("Code")


def connection_filters(params):
    """The DescribeClientVpnConnections filter selecting the connections of ``username`` or ``connection_id``."""
    if params.get("connection_id"):
        return [{"Name": "connection-id", "Values": [params["connection_id"]]}]
    return [{"Name": "username", "Values": [params["username"]]}]


def to_end(connections):
    """The connections (as AWS describes them) still to end."""
    return [c for c in connections if status_code(c) in TO_END_STATES]


def terminate(client, endpoint_id, targets, username=None):
    """End ``targets`` (connections as AWS describes them); returns AWS's ConnectionStatuses of every call.

    With ``username``, one call by user name ends the user's active connections (when there are five or fewer);
    any target its answer does not name (a ``failed-to-terminate`` one, or all of them beyond five) is then
    ended by its connection ID.  Without, each target is ended by its connection ID.
    """
    statuses = []
    if username and len(targets) <= USERNAME_TERMINATE_LIMIT and any(status_code(t) == "active" for t in targets):
        statuses.extend(terminate_client_vpn_connections(client, endpoint_id, Username=username) or [])
    answered = {status.get("ConnectionId") for status in statuses}
    for target in targets:
        if target["ConnectionId"] not in answered:
            found = terminate_client_vpn_connections(client, endpoint_id, ConnectionId=target["ConnectionId"])
            statuses.extend(found or [])
    return statuses


def wait_until_ended(read, targets, wait_timeout):
    """``read()`` the connections until none of ``targets`` is open; fail at the deadline or on a failed one.

    EC2 is eventually consistent: a connection just terminated may be described as ``active`` for a while.
    A target missing from the describe has ended.
    """
    ids = {t["ConnectionId"] for t in targets}

    def ours(connections, states):
        return sorted(
            c["ConnectionId"] for c in connections if c.get("ConnectionId") in ids and status_code(c) in states
        )

    connections = poll_until(read, lambda found: not ours(found, OPEN_STATES), wait_timeout or 0)
    still_open = ours(connections, OPEN_STATES)
    if still_open:
        raise AnsibleClientVpnError(
            message=f"Timeout waiting for Client VPN connections to end: {', '.join(still_open)} still open"
        )
    failed = ours(connections, (FAILED_STATE,))
    if failed:
        raise AnsibleClientVpnError(
            message=f"Client VPN connections failed to terminate: {', '.join(failed)} (run again to retry)"
        )


def ensure_terminated(client, params, check_mode):
    """End the selected connections still to end; returns the module result (no exit)."""
    endpoint_id = params["client_vpn_endpoint_id"]

    def read():
        return describe_client_vpn_connections(
            client, endpoint_id, Filters=connection_filters(params), MaxResults=SET_PAGE_SIZE
        )

    # None: AWS answered InvalidClientVpnEndpointId.NotFound.
    connections = read()
    if connections is None:
        raise AnsibleClientVpnError(message=f"Client VPN endpoint {endpoint_id} does not exist")
    targets = to_end(connections)
    result = dict(
        changed=bool(targets),
        connections=[camel_dict_to_snake_dict(c) for c in targets],
        terminated=[],
    )
    if targets and not check_mode:
        statuses = terminate(client, endpoint_id, targets, params.get("username"))
        result["terminated"] = [camel_dict_to_snake_dict(s) for s in statuses]
        if params["wait"]:
            wait_until_ended(lambda: read() or [], targets, params["wait_timeout"])
    return result


def run_connections_module(module):
    """The end of ``main()``: ``ensure_terminated`` on an EC2 client, then exit or fail."""
    run_module(module, ensure_terminated, aws_client(module, "ec2"), module.params, module.check_mode)
