"""Unit tests for plugins/module_utils/route53_dns_answer.py: the checks made before any call and the
module result (the questions and the waiting are tested in test_route53.py)."""

import importlib.util
from pathlib import Path

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_dns_answer

_spec = importlib.util.spec_from_file_location(
    "route53_unit_helpers", Path(__file__).resolve().parent / "test_route53.py"
)
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)


def request(**kw):
    return dict(dict(record="vpn.example.com", client_ips=[], client_ip=None, resolver_ip=None, wait_for=[]), **kw)


@pytest.mark.parametrize(
    "params,problems",
    [
        (request(client_ip="192.0.2.1", client_subnet_mask=24), []),
        (request(client_ip="2001:db8::1", client_subnet_mask=64), []),
        (request(client_ip="192.0.2.1", client_ips=["2001:db8::1"], client_subnet_mask=64), []),
        (request(client_ip="192.0.2.1", client_subnet_mask=33), ["client_subnet_mask must be between 0 and 32"]),
        # the resolver's address family does not set the mask's limit
        (
            request(client_ip="192.0.2.1", resolver_ip="2001:db8::53", client_subnet_mask=33),
            ["client_subnet_mask must be between 0 and 32"],
        ),
        (request(client_ips=["x"], client_ip="y"), ["'x' is not an IP address", "'y' is not an IP address"]),
        (
            request(client_ip="192.0.2.1", wait_for=[dict(client_ip="192.0.2.1")]),
            ["wait_for '192.0.2.1' needs equals or differs"],
        ),
    ],
)
def test_request_problems(params, problems):
    assert route53_dns_answer.request_problems(params) == problems


def answering(value):
    fake = helpers.FakeRoute53()
    fake.test_dns_answer = lambda **kw: dict(RecordName=kw["RecordName"], RecordType="CNAME", RecordData=[value])
    return fake


def test_result_without_conditions_has_no_wait():
    result = route53_dns_answer.dns_answer_info(answering("a.example.net"), request(zone="example.com"))
    assert result["changed"] is False and "wait" not in result
    assert [a["record_data"] for a in result["answers"]] == [["a.example.net"]]


def test_result_with_conditions_reports_the_wait():
    params = request(
        zone="example.com",
        client_ip="192.0.2.1",
        wait_for=[dict(client_ip="192.0.2.1", equals=["a.example.net"])],
        wait_timeout=0,
    )
    result = route53_dns_answer.dns_answer_info(answering("A.example.net."), params)
    assert result["wait"]["met"] is True and result["wait"]["rounds"] == 1
    assert result["answers"][0]["expected_met"] is True
