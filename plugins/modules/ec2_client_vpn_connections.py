#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_client_vpn_connections
short_description: End the client connections of a user, or one connection, on an AWS Client VPN endpoint
version_added: 0.1.0
description:
  - Ends the sessions of a user (O(username)) or one session (O(connection_id)) on a Client VPN endpoint,
    for example when the user is offboarded. Ending a session does not keep the user from connecting again,
    so disable the user in the directory (or revoke the client certificate) first.
  - Reads the endpoint's connections (C(DescribeClientVpnConnections), filtered by user name or connection ID);
    those in the state V(active) or V(failed-to-terminate) (an earlier termination that failed, tried again) are
    ended with C(TerminateClientVpnConnections). When none is, nothing is called and nothing changes.
  - With O(username), one call by user name ends the user's connections. AWS accepts it only for a user with up
    to five connections; beyond that, and for a connection that call does not end (V(failed-to-terminate)), the
    connections are ended one call per connection ID.
  - Throttling and C(ConcurrentMutationLimitExceeded) answers are retried with jittered backoff.
  - EC2 is eventually consistent, so a connection just ended may still be described as V(active) for a while.
    The module does not wait for it unless O(wait=true).
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  client_vpn_endpoint_id:
    description:
      - The ID of the Client VPN endpoint.
    required: true
    type: str
  username:
    description:
      - End every connection of this user (Active Directory or federated authentication; a connection made with
        certificate authentication has no user name).
      - Exactly one of O(username) and O(connection_id) is required.
    type: str
  connection_id:
    description:
      - End this connection.
      - Exactly one of O(username) and O(connection_id) is required.
    type: str
  state:
    description:
      - V(terminated) ends the selected connections.
    type: str
    choices: ["terminated"]
    default: terminated
  wait:
    description:
      - Wait until none of the connections ended is described as V(active) or V(terminating) any more, and fail
        if one of them ended up V(failed-to-terminate) (running the module again tries it again).
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait=true).
    type: int
    default: 300
notes:
  - Check mode makes no write call; it returns the connections that would be ended.
  - AWS describes the connections ended within the last 60 minutes beside the active ones; those are left alone.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: End every session of an offboarded user
  multiregion.client_vpn.ec2_client_vpn_connections:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    username: jdoe

- name: End one session and wait until AWS describes it as ended
  multiregion.client_vpn.ec2_client_vpn_connections:
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
    connection_id: cvpn-connection-0a1b2c3d4e5f6a7b8
    wait: true
    wait_timeout: 120
"""

RETURN = r"""
connections:
  description:
    - The connections selected that were to end (V(active) or V(failed-to-terminate)), as described before the
      call; empty when there was nothing to end. In check mode, those that would be ended.
  returned: always
  type: list
  elements: dict
  contains:
    connection_id:
      description: The ID of the connection.
      type: str
      sample: cvpn-connection-0a1b2c3d4e5f6a7b8
    username:
      description: The user who made the connection, when the endpoint authenticates users.
      type: str
      sample: jdoe
    common_name:
      description: The common name of the client certificate, with certificate authentication.
      type: str
    client_ip:
      description: The client's address in the endpoint's client CIDR.
      type: str
      sample: 172.16.0.2
    connection_established_time:
      description: When the connection was made.
      type: str
      sample: "2026-12-04 09:30:00"
    status:
      description: The state of the connection.
      type: dict
      contains:
        code:
          description: One of V(active), V(failed-to-terminate), V(terminating), V(terminated).
          type: str
          sample: active
        message:
          description: A message about the state, if any.
          type: str
  sample: [{"connection_id": "cvpn-connection-0a1b2c3d4e5f6a7b8", "username": "jdoe", "client_ip": "172.16.0.2",
            "connection_established_time": "2026-12-04 09:30:00", "status": {"code": "active"}}]
terminated:
  description:
    - What C(TerminateClientVpnConnections) answered (its C(ConnectionStatuses)); empty when nothing was called,
      in check mode too.
  returned: always
  type: list
  elements: dict
  contains:
    connection_id:
      description: The ID of the connection.
      type: str
    previous_status:
      description: The state before the call, as a dict with C(code) (and C(message)).
      type: dict
    current_status:
      description: The state after the call, as a dict with C(code) (and C(message)).
      type: dict
  sample: [{"connection_id": "cvpn-connection-0a1b2c3d4e5f6a7b8", "previous_status": {"code": "active"},
            "current_status": {"code": "terminating"}}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_connections import (
    run_connections_module,
)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            client_vpn_endpoint_id=dict(type="str", required=True),
            username=dict(type="str"),
            connection_id=dict(type="str"),
            state=dict(type="str", choices=["terminated"], default="terminated"),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=300),
        ),
        mutually_exclusive=[["username", "connection_id"]],
        required_one_of=[["username", "connection_id"]],
        supports_check_mode=True,
    )
    run_connections_module(module)


if __name__ == "__main__":
    main()
