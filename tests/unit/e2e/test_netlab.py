"""The real-client lab's stand-in for Client VPN's authorization rules (tests/e2e/netlab.py, client_connect.py)."""

import sys
from pathlib import Path

E2E = Path(__file__).resolve().parents[2] / "e2e"
sys.path.insert(0, str(E2E))

import client_connect  # noqa: E402
import netlab  # noqa: E402

Rule = netlab.Rule


def chain(rules):
    text, sets = netlab.authorization_ruleset(rules)
    body = text.split("policy accept;\n", 1)[1]
    return [line.strip() for line in body.splitlines() if line.startswith("    ")], sets


def test_the_longest_prefix_decides_and_the_default_route_comes_last():
    lines, sets = chain(
        [
            Rule("0.0.0.0/0", "Everyone-Else"),
            Rule("10.10.0.0/16"),
            Rule("10.10.6.0/24", "VPN-Finance"),
            Rule("10.10.6.0/24", "vpn-audit"),
            Rule("10.20.0.0/16"),
        ]
    )
    assert sets == {"vpn-audit": "g0", "vpn-finance": "g1", "everyone-else": "g2"}
    assert lines == [
        'iifname != "tun*" accept',
        # The /24 first: either group admits, anyone else is refused there (not let through by the /16 for everyone).
        "ip daddr 10.10.6.0/24 ip saddr @g0 accept",
        "ip daddr 10.10.6.0/24 ip saddr @g1 accept",
        "ip daddr 10.10.6.0/24 drop",
        "ip daddr 10.10.0.0/16 accept",
        "ip daddr 10.20.0.0/16 accept",
        "ip daddr 0.0.0.0/0 ip saddr @g2 accept",
        "ip daddr 0.0.0.0/0 drop",
        # No rule: refused.
        "drop",
    ]


def test_a_rule_for_every_user_admits_everyone_to_its_cidr_whatever_the_group_rules_beside_it():
    lines, sets = chain([Rule("10.30.0.0/16", "Ops"), Rule("10.30.0.0/16")])
    assert "ip daddr 10.30.0.0/16 accept" in lines
    assert not any("@" in line for line in lines) and sets == {}


def test_without_rules_nothing_passes_the_tunnel():
    lines, sets = chain([])
    assert lines == ['iifname != "tun*" accept', "drop"] and sets == {}


def test_ldap_filter_values_are_escaped():
    assert client_connect.escape("a*b(c)\\") == "a\\2ab\\28c\\29\\5c"
