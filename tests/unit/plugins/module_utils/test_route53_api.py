"""Unit tests for plugins/module_utils/route53_api.py: the paginated reads and the error code of a failure."""

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import route53_api
from botocore.exceptions import ClientError


class Pages:
    """A client answering each paginated call with the next of its ``pages``, recording the requests."""

    def __init__(self, **pages):
        self.pages = {name: list(answers) for name, answers in pages.items()}
        self.requests = []

    def __getattr__(self, name):
        if name not in self.pages:
            raise AttributeError(name)

        def call(**kw):
            self.requests.append((name, kw))
            return self.pages[name].pop(0)

        return call


def rrset(name, set_identifier, record_type="CNAME"):
    return dict(Name=name, Type=record_type, SetIdentifier=set_identifier)


def test_list_record_sets_follows_pages_with_the_record_identifier():
    client = Pages(
        list_resource_record_sets=[
            dict(
                ResourceRecordSets=[rrset("vpn.example.com.", "eu-west-1")],
                IsTruncated=True,
                NextRecordName="vpn.example.com.",
                NextRecordType="CNAME",
                NextRecordIdentifier="us-east-1",
            ),
            dict(
                ResourceRecordSets=[rrset("vpn.example.com.", "us-east-1"), rrset("vpn.example.com.", "x", "TXT")],
                IsTruncated=True,
                NextRecordName="vpn.example.com.",
                NextRecordType="TXT",
            ),
        ]
    )
    found = route53_api.list_record_sets(client, "Z1", "VPN.example.com", "CNAME")
    assert [r["SetIdentifier"] for r in found] == ["eu-west-1", "us-east-1"]
    assert [kw for _name, kw in client.requests] == [
        dict(HostedZoneId="Z1", StartRecordName="vpn.example.com.", StartRecordType="CNAME"),
        dict(
            HostedZoneId="Z1",
            StartRecordName="vpn.example.com.",
            StartRecordType="CNAME",
            StartRecordIdentifier="us-east-1",
        ),
    ]  # the other type ends the listing: no third page


def test_list_hosted_zones_by_name_follows_pages_until_another_name():
    zone = dict(Id="/hostedzone/Z1", Name="example.com.")
    client = Pages(
        list_hosted_zones_by_name=[
            dict(HostedZones=[zone], IsTruncated=True, NextDNSName="example.com.", NextHostedZoneId="Z2"),
            dict(HostedZones=[dict(zone, Id="/hostedzone/Z2"), dict(Id="/hostedzone/Z3", Name="example.net.")]),
        ]
    )
    zones = route53_api.list_hosted_zones_by_name(client, "Example.com.")
    assert [z["Id"] for z in zones] == ["/hostedzone/Z1", "/hostedzone/Z2"]
    assert [kw for _name, kw in client.requests] == [
        dict(DNSName="example.com."),
        dict(DNSName="example.com.", HostedZoneId="Z2"),
    ]


def test_list_health_checks_follows_the_marker():
    client = Pages(
        list_health_checks=[
            dict(HealthChecks=[dict(Id="a")], IsTruncated=True, NextMarker="m1"),
            dict(HealthChecks=[dict(Id="b")], IsTruncated=False),
        ]
    )
    assert [hc["Id"] for hc in route53_api.list_health_checks(client)] == ["a", "b"]
    assert [kw for _name, kw in client.requests] == [{}, dict(Marker="m1")]


def test_error_code_of_an_aws_error_and_of_a_request_error():
    aws = route53_api.AnsibleRoute53Error(
        message="x", exception=ClientError({"Error": {"Code": "InvalidChangeBatch"}}, "ChangeResourceRecordSets")
    )
    assert route53_api.error_code(aws) == "InvalidChangeBatch"
    assert route53_api.error_code(route53_api.AnsibleRoute53Error(message="no exception")) is None
    assert route53_api.error_code(route53_api.LatencyRecordError("bad request")) is None


def test_test_dns_answer_drops_the_response_metadata():
    client = Pages(test_dns_answer=[dict(RecordData=["a"], ResponseMetadata={"RequestId": "r"})])
    assert route53_api.test_dns_answer(client, RecordName="x") == dict(RecordData=["a"])


@pytest.mark.parametrize("code", ["PriorRequestNotComplete", "Throttling"])
def test_writes_are_retried_while_route53_is_busy(code, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    answers = [ClientError({"Error": {"Code": code}}, "DeleteHealthCheck"), {}]

    class Busy:
        def delete_health_check(self, HealthCheckId):
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

    assert route53_api.delete_health_check(Busy(), "hc-1") is True
    assert answers == []
