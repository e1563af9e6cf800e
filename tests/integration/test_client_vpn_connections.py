"""ec2_client_vpn_connections through ansible-playbook against the sandbox.

The endpoint comes from test_client_vpn_networking's ``endpoint`` fixture (made with boto3), with one subnet
associated so that it is ``available`` and takes connections; the sandbox's control route injects them.
"""

from pathlib import Path

from tests.integration.test_client_vpn_networking import associate
from tests.integration.test_client_vpn_networking import certificate  # noqa: F401 (fixture of endpoint)
from tests.integration.test_client_vpn_networking import endpoint  # noqa: F401 (fixture)

PLAYBOOK = Path(__file__).parent / "playbooks" / "client_vpn_connections.yml"


def inject(sandbox, endpoint_id, username):
    answer = sandbox.control(
        "POST", "client-vpn/connections", {"ClientVpnEndpointId": endpoint_id, "Username": username}
    )
    return answer["connection"]["ConnectionId"]


def test_terminate_a_users_connections(sandbox, run_playbook, endpoint):  # noqa: F811
    associate(endpoint, "a")
    inject(sandbox, endpoint["id"], "jdoe")
    inject(sandbox, endpoint["id"], "jdoe")
    alice = inject(sandbox, endpoint["id"], "alice")
    sandbox.clear_calls()

    run_playbook(PLAYBOOK, extra_vars=dict(cvpn_endpoint_id=endpoint["id"], cvpn_username="jdoe"))

    # check mode: one read; apply: one read and one call by user name; again: one read.
    assert [c["action"] for c in sandbox.calls()] == [
        "DescribeClientVpnConnections",
        "DescribeClientVpnConnections",
        "TerminateClientVpnConnections",
        "DescribeClientVpnConnections",
    ]
    assert all(c["status"] == 200 for c in sandbox.calls())
    found = endpoint["ec2"].describe_client_vpn_connections(ClientVpnEndpointId=endpoint["id"])["Connections"]
    assert sorted((c["Username"], c["Status"]["Code"]) for c in found) == [
        ("alice", "active"),
        ("jdoe", "terminated"),
        ("jdoe", "terminated"),
    ]
    assert [c["Status"]["Code"] for c in found if c["ConnectionId"] == alice] == ["active"]
