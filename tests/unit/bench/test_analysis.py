"""bench/analysis.py: the per-Region timeline of waits and the lags between them."""

from bench import analysis


def call(region, service, action, time, write=True):
    return {"region": region, "service": service, "action": action, "time": time, "write": write, "status": 200}


def test_lags_follow_the_chain_and_rules_run_beside_the_associations():
    # Scale 1/60: directory 30 s, Region add 40 s, connector 8 s, association 8 s, rules 1/3 s, route 1.5 s.
    calls = [
        call("us-east-1", "ds", "CreateMicrosoftAD", 1000.0),
        call("us-west-2", "ds", "ConnectDirectory", 1072.0),  # the Region add ended at 1070.5
        call("us-west-2", "ec2", "AssociateClientVpnTargetNetwork", 1083.0),  # the connector ended at 1080
        call("us-west-2", "ec2", "AuthorizeClientVpnIngress", 1084.0),
        call("us-west-2", "ec2", "CreateClientVpnRoute", 1092.5),  # the associations ended at 1091
        call("us-west-2", "ec2", "DescribeClientVpnRoutes", 1093.0, write=False),
    ]
    steps = analysis.timeline(calls, 1000.0, 1 / 60, "us-east-1", ["us-west-2"], {"us-west-2": 1030.5})
    lags = {s["wait"]: s["lag_s"] for s in steps["us-west-2"]}
    assert lags == {
        "region_add": 0.5,  # after the directory, Active at 30 s
        "connector_create": 1.5,
        "vpn_association": 3.0,
        "vpn_authorization": 4.0,  # from the connector, like the associations beside it
        "vpn_route": 1.5,  # from the associations, not from the rules
    }
    summary = analysis.lag_summary(steps, wall_s=96.0)
    assert summary["last_chain"] == "us-west-2" and summary["after_chain_s"] == 2.0
