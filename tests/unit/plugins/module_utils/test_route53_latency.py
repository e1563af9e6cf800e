"""Unit tests for the steps of plugins/module_utils/route53_latency.py (the whole unit is exercised through
ensure_latency_record in test_route53.py)."""

import importlib.util
from pathlib import Path

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_latency
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_api import LatencyRecordError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import caller_reference_prefix
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_records import desired_record

_spec = importlib.util.spec_from_file_location(
    "route53_unit_helpers", Path(__file__).resolve().parent / "test_route53.py"
)
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)


class Commented(helpers.FakeRoute53):
    """Also records the comment of every change batch."""

    def __init__(self):
        super().__init__()
        self.comments = []

    def change_resource_record_sets(self, HostedZoneId, ChangeBatch):
        self.comments.append(ChangeBatch.get("Comment"))
        return super().change_resource_record_sets(HostedZoneId, ChangeBatch)


@pytest.fixture
def fake():
    return Commented()


def unit(**kw):
    return route53_latency.latency_unit(None, helpers.params(zone=None, hosted_zone_id="/hostedzone/Z1", **kw))


def test_unit_by_zone_id_makes_no_call_and_names_its_health_checks():
    found = unit()
    assert found == route53_latency.LatencyUnit(
        "Z1",
        None,
        "vpn.example.com",
        "CNAME",
        "eu-west-1",
        caller_reference_prefix("Z1", "vpn.example.com", "CNAME", "eu-west-1"),
    )
    assert unit(set_identifier="blue").set_identifier == "blue"


def test_unit_by_zone_name_reads_the_zone(fake):
    found = route53_latency.latency_unit(fake, helpers.params())
    assert (found.zone_id, found.zone_name) == (helpers.ZONE_ID, "example.com")
    assert fake.calls == ["list_hosted_zones_by_name"]


def test_bad_target_refused_before_the_records_are_read(fake):
    with pytest.raises(LatencyRecordError, match="leftmost"):
        route53_latency.ensure_latency_record(fake, helpers.params(target="a.*.example.com"))
    with pytest.raises(LatencyRecordError, match="health_check.port"):
        route53_latency.ensure_latency_record(fake, helpers.params(health_check=dict(port=0)))
    assert fake.calls == ["list_hosted_zones_by_name"] * 2


def test_ttl_none_is_60(fake):
    result = route53_latency.ensure_latency_record(fake, helpers.params(ttl=None), check_mode=True)
    assert result["record"]["ttl"] == 60


def record(ttl=60):
    return desired_record("vpn.example.com", "CNAME", "eu-west-1", "eu-west-1", ttl, helpers.FQDN, None)


def test_record_change_in_check_mode_only_reports(fake):
    actions = []
    after, change_info = route53_latency.apply_record_change(
        fake, helpers.params(), unit(), None, record(), True, actions
    )
    assert after == record() and change_info is None and actions == ["create_record"] and fake.calls == []


def test_record_already_as_wanted_is_no_change(fake):
    actions = []
    current = record()
    assert route53_latency.apply_record_change(fake, {}, unit(), current, record(), False, actions) == (current, None)
    assert actions == [] and fake.calls == []


def test_record_change_comments_name_the_set_identifier(fake):
    by_id = route53_latency.latency_unit(fake, helpers.params(zone=None, hosted_zone_id=helpers.ZONE_ID))
    actions = []
    route53_latency.apply_record_change(fake, dict(wait=False), by_id, None, record(), False, actions)
    current = fake.list_resource_record_sets(helpers.ZONE_ID, "vpn.example.com.", "CNAME")["ResourceRecordSets"][0]
    route53_latency.apply_record_change(fake, dict(wait=False), by_id, current, record(ttl=30), False, actions)
    current = fake.list_resource_record_sets(helpers.ZONE_ID, "vpn.example.com.", "CNAME")["ResourceRecordSets"][0]
    after, _info = route53_latency.apply_record_change(fake, dict(wait=False), by_id, current, None, False, actions)
    assert after is None and fake.rrsets == {}
    assert actions == ["create_record", "update_record", "delete_record"]
    assert fake.comments == [
        "multiregion.client_vpn latency record eu-west-1",
        "multiregion.client_vpn latency record eu-west-1",
        "multiregion.client_vpn latency record eu-west-1 removed",
    ]
