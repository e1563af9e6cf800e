"""Unit tests for the route53_latency_record module (main(), argument spec vs documentation)."""

import importlib.util
import json
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.modules import route53_latency_record as module

_spec = importlib.util.spec_from_file_location(
    "route53_unit_helpers", Path(__file__).resolve().parents[1] / "module_utils" / "test_route53.py"
)
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)


def run(args, fake, capsys, monkeypatch, check_mode=False, diff=False):
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda self, service, **kw: fake)
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


BASE = dict(zone="example.com", record="vpn.example.com", target=helpers.ENDPOINT_EU, latency_region="eu-west-1")


@pytest.fixture
def fake():
    return helpers.FakeRoute53()


def test_four_runs(fake, capsys, monkeypatch):
    first = run(BASE, fake, capsys, monkeypatch, check_mode=True)
    assert first["changed"] and fake.writes() == []
    second = run(BASE, fake, capsys, monkeypatch)
    assert second["changed"]
    assert second["record"]["region"] == "eu-west-1"
    assert second["record"]["set_identifier"] == "eu-west-1"
    assert second["record"]["ttl"] == 60
    fake.calls.clear()
    third = run(BASE, fake, capsys, monkeypatch, check_mode=True)
    fourth = run(BASE, fake, capsys, monkeypatch)
    assert not third["changed"] and not fourth["changed"]
    assert fake.writes() == []


def test_diff_only_in_diff_mode(fake, capsys, monkeypatch):
    plain = run(BASE, fake, capsys, monkeypatch, check_mode=True)
    assert "diff" not in plain
    with_diff = run(BASE, fake, capsys, monkeypatch, check_mode=True, diff=True)
    assert with_diff["diff"]["before"] == {"record": {}, "health_check": {}}
    assert with_diff["diff"]["after"]["record"]["name"] == "vpn.example.com"


def test_apex_fails_clearly(fake, capsys, monkeypatch):
    result = run(dict(BASE, record="example.com"), fake, capsys, monkeypatch)
    assert result["failed"] and "apex" in result["msg"]


def test_ttl_warning(fake, capsys, monkeypatch):
    result = run(dict(BASE, ttl=120), fake, capsys, monkeypatch, check_mode=True)
    # ansible-core 2.19 reports warnings as structured summaries
    assert "ttl 120 is above 60" in json.dumps(result.get("warnings", []))


@pytest.mark.parametrize(
    "args,message",
    [
        (dict(BASE, hosted_zone_id="Z1"), "mutually exclusive"),
        ({k: v for k, v in BASE.items() if k != "zone"}, "one of the following is required"),
        ({k: v for k, v in BASE.items() if k != "latency_region"}, "latency_region"),
        (dict(zone="example.com", record="vpn.example.com", state="absent"), "latency_region, set_identifier"),
        (dict(BASE, health_check=dict(request_interval=20)), "request_interval"),
    ],
)
def test_argument_errors(args, message, fake, capsys, monkeypatch):
    result = run(args, fake, capsys, monkeypatch)
    assert result["failed"] and message in result["msg"]
    assert fake.calls == []


def test_aws_error_is_reported(fake, capsys, monkeypatch):
    fake.fail_next["list_resource_record_sets"] = ["AccessDenied"]
    result = run(BASE, fake, capsys, monkeypatch)
    assert result["failed"] and "list resource record sets" in result["msg"]
    assert result["error"]["code"] == "AccessDenied"


def test_absent(fake, capsys, monkeypatch):
    run(BASE, fake, capsys, monkeypatch)
    result = run(
        dict(zone="example.com", record="vpn.example.com", latency_region="eu-west-1", state="absent"),
        fake,
        capsys,
        monkeypatch,
    )
    assert result["changed"] and result["record"] == {} and result["health_check"] == {}
    assert fake.rrsets == {} and fake.health_checks == {}


def _options(doc_options):
    out = {}
    for name, spec in doc_options.items():
        entry = dict(
            type=spec.get("type", "str"),
            default=spec.get("default"),
            choices=spec.get("choices"),
            elements=spec.get("elements"),
            required=spec.get("required", False),
        )
        if "suboptions" in spec:
            entry["options"] = _options(spec["suboptions"])
        out[name] = entry
    return out


def _argspec(spec):
    out = {}
    for name, value in spec.items():
        entry = dict(
            type=value.get("type", "str"),
            default=value.get("default"),
            choices=value.get("choices"),
            elements=value.get("elements"),
            required=value.get("required", False),
        )
        if "options" in value:
            entry["options"] = _argspec(value["options"])
        out[name] = entry
    return out


def test_documentation_matches_argument_spec(monkeypatch):
    captured = {}

    def fake_init(self, **kwargs):
        captured.update(kwargs)
        raise SystemExit(0)

    monkeypatch.setattr(AnsibleAWSModule, "__init__", fake_init)
    with pytest.raises(SystemExit):
        module.main()
    documented = _options(yaml.safe_load(module.DOCUMENTATION)["options"])
    assert _argspec(captured["argument_spec"]) == documented
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)


def test_each_run_gets_a_new_argument_spec(fake, capsys, monkeypatch):
    """AnsibleModule fills the health_check default ({}) in place: one run's values must not become the
    next run's documented default."""
    run(BASE, fake, capsys, monkeypatch, check_mode=True)
    assert module.argument_spec()["health_check"]["default"] == {}
