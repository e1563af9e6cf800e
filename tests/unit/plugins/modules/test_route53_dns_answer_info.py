"""Unit tests for the route53_dns_answer_info module."""

import importlib.util
import json
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.modules import route53_dns_answer_info as module

_spec = importlib.util.spec_from_file_location(
    "route53_unit_helpers", Path(__file__).resolve().parents[1] / "module_utils" / "test_route53.py"
)
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)


class Answering(helpers.FakeRoute53):
    def __init__(self):
        super().__init__()
        self.queries = []

    def test_dns_answer(self, **kw):
        self._log("test_dns_answer")
        self.queries.append(kw)
        region = "eu-west-1" if kw.get("EDNS0ClientSubnetIP", "").startswith("198.") else "us-east-1"
        return dict(
            Nameserver="ns-1.awsdns-01.org",
            RecordName=kw["RecordName"] + ".",
            RecordType=kw["RecordType"],
            RecordData=[f"vpn.cvpn-endpoint-1.prod.clientvpn.{region}.amazonaws.com"],
            ResponseCode="NOERROR",
            Protocol="UDP",
        )


def run(args, fake, capsys, monkeypatch, check_mode=False):
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda self, service, **kw: fake)
    args = dict(args, _ansible_check_mode=check_mode)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def test_one_answer_per_client(capsys, monkeypatch):
    fake = Answering()
    result = run(
        dict(
            zone="example.com",
            record="vpn.example.com",
            client_ips=["198.51.100.7", "203.0.113.9"],
            client_subnet_mask=24,
        ),
        fake,
        capsys,
        monkeypatch,
        check_mode=True,
    )
    assert result["changed"] is False
    assert [a["client_ip"] for a in result["answers"]] == ["198.51.100.7", "203.0.113.9"]
    assert "eu-west-1" in result["answers"][0]["record_data"][0]
    assert "us-east-1" in result["answers"][1]["record_data"][0]
    assert result["answers"][0]["record_name"] == "vpn.example.com"
    assert fake.queries[0]["EDNS0ClientSubnetMask"] == "24"
    assert fake.queries[0]["ResolverIP"] == fake.queries[0]["EDNS0ClientSubnetIP"] == "198.51.100.7"
    assert "wait" not in result
    assert fake.writes() == []


def test_wait_for_reports_the_conditions(capsys, monkeypatch):
    fake = Answering()
    eu = "vpn.cvpn-endpoint-1.prod.clientvpn.eu-west-1.amazonaws.com"
    result = run(
        dict(
            zone="example.com",
            record="vpn.example.com",
            client_ips=["198.51.100.7"],
            wait_for=[dict(client_ip="198.51.100.7", equals=[eu])],
            wait_timeout=5,
        ),
        fake,
        capsys,
        monkeypatch,
    )
    assert result["wait"]["met"] is True and result["wait"]["rounds"] == 1 and result["wait"]["timeout"] == 5
    assert result["answers"][0]["expected_met"] is True


def test_single_answer_without_client(capsys, monkeypatch):
    fake = Answering()
    result = run(
        dict(hosted_zone_id=helpers.ZONE_ID, record="vpn.example.com", resolver_ip="192.0.2.53", type="A"),
        fake,
        capsys,
        monkeypatch,
    )
    assert len(result["answers"]) == 1
    assert fake.queries == [
        dict(HostedZoneId=helpers.ZONE_ID, RecordName="vpn.example.com", RecordType="A", ResolverIP="192.0.2.53")
    ]


@pytest.mark.parametrize(
    "args,message",
    [
        (dict(client_ips=["not-an-ip"]), "not an IP address"),
        (dict(resolver_ip="300.1.1.1"), "not an IP address"),
        (dict(client_subnet_mask=24), "needs client_ip"),
        (dict(client_ips=["198.51.100.1"], client_subnet_mask=33), "between 0 and 32"),
        (dict(client_ips=["2001:db8::1"], client_subnet_mask=129), "between 0 and 128"),
        (dict(client_ips=["198.51.100.1"], wait_for=[dict(client_ip="192.0.2.1", equals=["x"])]), "not one of"),
    ],
)
def test_validation_before_any_call(args, message, capsys, monkeypatch):
    fake = Answering()
    result = run(dict(zone="example.com", record="vpn.example.com", **args), fake, capsys, monkeypatch)
    assert result["failed"] and message in result["msg"]
    assert fake.calls == []


def test_missing_zone(capsys, monkeypatch):
    fake = Answering()
    result = run(dict(zone="nope.org", record="vpn.nope.org"), fake, capsys, monkeypatch)
    assert result["failed"] and "no public hosted zone" in result["msg"]


def test_documentation_matches_argument_spec(monkeypatch):
    captured = {}

    def fake_init(self, **kwargs):
        captured.update(kwargs)
        raise SystemExit(0)

    monkeypatch.setattr(AnsibleAWSModule, "__init__", fake_init)
    with pytest.raises(SystemExit):
        module.main()
    doc = yaml.safe_load(module.DOCUMENTATION)["options"]
    spec = captured["argument_spec"]
    assert set(doc) == set(spec)
    for name, value in spec.items():
        assert doc[name].get("type", "str") == value.get("type", "str"), name
        assert doc[name].get("default") == value.get("default"), name
        assert doc[name].get("choices") == value.get("choices"), name
        assert doc[name].get("elements") == value.get("elements"), name
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)


def test_each_run_gets_a_new_argument_spec():
    """AnsibleModule hands the defaults ([]) out as they are: each run needs its own."""
    first, second = module.argument_spec(), module.argument_spec()
    assert first == second and first["client_ips"]["default"] is not second["client_ips"]["default"]
