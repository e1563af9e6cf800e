"""Unit tests for the steps of plugins/module_utils/route53_health.py, one at a time (the whole unit is
exercised through ensure_latency_record in test_route53.py)."""

import importlib.util
from pathlib import Path

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_health
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import AnsibleRoute53Error
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import LatencyRecordError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import caller_reference_prefix

_spec = importlib.util.spec_from_file_location(
    "route53_unit_helpers", Path(__file__).resolve().parent / "test_route53.py"
)
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)

PREFIX = caller_reference_prefix(helpers.ZONE_ID, "vpn.example.com", "CNAME", "eu-west-1")


def config(**hc):
    return route53_health.desired_health_check_config(helpers.hc_params(**hc), helpers.FQDN)


@pytest.fixture
def fake():
    return helpers.FakeRoute53()


def made(fake, generation, **hc):
    """A health check of the unit, as an earlier run left it."""
    return fake.create_health_check(CallerReference=f"{PREFIX}{generation}", HealthCheckConfig=config(**hc))[
        "HealthCheck"
    ]


def test_plan_without_health_check_creates_one_above_the_known_generations(fake):
    plan = route53_health.plan_health_check(fake, None, PREFIX, config())
    assert plan.keep is None and plan.before is None and plan.obsolete == [] and plan.known_generations == []
    assert fake.calls == ["list_health_checks"]


def test_plan_through_the_record_reads_one_health_check(fake):
    hc = made(fake, 1)
    fake.calls.clear()
    plan = route53_health.plan_health_check(fake, dict(HealthCheckId=hc["Id"]), PREFIX, config(port=1194))
    assert plan.keep["Id"] == hc["Id"] and plan.updates == dict(Port=1194) and plan.obsolete == []
    assert fake.calls == ["get_health_check"]


def test_plan_prefers_a_check_with_the_desired_fixed_settings_and_drops_the_others(fake):
    old = made(fake, 1)
    new = made(fake, 2, request_interval=10)
    plan = route53_health.plan_health_check(fake, None, PREFIX, config(request_interval=10))
    assert plan.keep["Id"] == new["Id"] and plan.before["Id"] == new["Id"]
    assert [hc["Id"] for hc in plan.obsolete] == [old["Id"]]
    assert plan.known_generations == [2, 1]


def test_plan_refuses_a_fixed_setting_change_unless_replace(fake):
    hc = made(fake, 1)
    fake.calls.clear()
    record = dict(HealthCheckId=hc["Id"])
    with pytest.raises(LatencyRecordError, match="RequestInterval 30 -> 10"):
        route53_health.plan_health_check(fake, record, PREFIX, config(request_interval=10))
    plan = route53_health.plan_health_check(fake, record, PREFIX, config(request_interval=10), replace=True)
    assert plan.keep is None and plan.before["Id"] == hc["Id"]
    assert [h["Id"] for h in plan.obsolete] == [hc["Id"]] and plan.known_generations == [1]
    assert fake.writes() == []


def test_apply_in_check_mode_predicts_without_writing(fake):
    plan = route53_health.plan_health_check(fake, None, PREFIX, config())
    actions = []
    predicted = route53_health.apply_health_check_plan(fake, plan, True, actions)
    assert predicted["Id"] is None and predicted["HealthCheckConfig"] == config()
    assert actions == ["create_health_check"] and fake.writes() == []


def test_apply_nothing_to_do_returns_the_kept_check(fake):
    hc = made(fake, 1)
    plan = route53_health.plan_health_check(fake, dict(HealthCheckId=hc["Id"]), PREFIX, config())
    actions = []
    assert route53_health.apply_health_check_plan(fake, plan, False, actions)["Id"] == hc["Id"]
    assert actions == []


def test_free_reference_skips_the_references_of_deleted_checks(fake):
    fake.deleted_refs.update({f"{PREFIX}3", f"{PREFIX}4"})
    hc = route53_health.create_health_check_with_free_reference(fake, PREFIX, config(), [2, 1])
    assert hc["CallerReference"] == f"{PREFIX}5"
    assert fake.calls == ["create_health_check"] * 3


def test_free_reference_gives_up_after_bounded_attempts(fake):
    fake.deleted_refs.update(f"{PREFIX}{n}" for n in range(1, 100))
    with pytest.raises(LatencyRecordError, match="no free health-check caller reference found after 20 attempts"):
        route53_health.create_health_check_with_free_reference(fake, PREFIX, config(), [])
    assert fake.calls == ["create_health_check"] * route53_health.MAX_GENERATION_ATTEMPTS


def test_free_reference_other_errors_are_not_skipped(fake):
    fake.fail_next["create_health_check"] = ["TooManyHealthChecks"]
    with pytest.raises(AnsibleRoute53Error):
        route53_health.create_health_check_with_free_reference(fake, PREFIX, config(), [])
    assert fake.calls == ["create_health_check"]


@pytest.mark.parametrize("created", [True, False])
def test_name_tag_read_only_for_an_existing_check(fake, created):
    hc = made(fake, 1)
    fake.calls.clear()
    actions = []
    tags = route53_health.ensure_name_tag(fake, hc, "vpn-eu", created, False, actions)
    assert tags == {"Name": "vpn-eu"} and actions == ["tag_health_check"]
    assert fake.calls == ([] if created else ["list_tags_for_resource"]) + ["change_tags_for_resource"]


def test_name_tag_not_managed_without_a_name(fake):
    actions = []
    assert route53_health.ensure_name_tag(fake, made(fake, 1), None, False, False, actions) is None
    assert actions == [] and fake.calls == ["create_health_check"]


def test_delete_health_checks_in_check_mode_only_reports(fake):
    checks = [made(fake, 1), made(fake, 2)]
    actions = []
    route53_health.delete_health_checks(fake, checks, True, actions)
    assert actions == ["delete_health_check"] * 2 and len(fake.health_checks) == 2
    route53_health.delete_health_checks(fake, checks, False, [])
    assert fake.health_checks == {}
