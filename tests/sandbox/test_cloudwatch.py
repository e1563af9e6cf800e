"""CloudWatch in the sandbox (botocore's json protocol, answered by moto), alarms evaluated from metric data, and
Route 53 health checks on alarms."""

import time
import urllib.error
import urllib.request

import botocore.exceptions
import pytest

# Period 60 s at this scale is 0.06 s of real time.
SCALE = 0.001
METRIC = {"Namespace": "App", "MetricName": "Logins", "Dimensions": [{"Name": "Region", "Value": "eu-west-1"}]}


@pytest.fixture
def cw(sandbox):
    return sandbox.client("cloudwatch")


def put(cw, value):
    cw.put_metric_data(
        Namespace="App", MetricData=[{**{k: METRIC[k] for k in ("MetricName", "Dimensions")}, "Value": value}]
    )


def alarm(cw, name="login", **extra):
    settings = dict(METRIC, AlarmName=name, Statistic="Minimum", Period=60, EvaluationPeriods=2, Threshold=1)
    settings.update(ComparisonOperator="LessThanThreshold", **extra)
    cw.put_metric_alarm(**settings)


def state(cw, name="login"):
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


def wait_periods(count=3):
    time.sleep(60 * SCALE * count + 0.01)


def test_metric_data_round_trips_through_moto(cw):
    put(cw, 1.0)
    assert cw.list_metrics(Namespace="App")["Metrics"] == [METRIC]
    result = cw.get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": METRIC, "Period": 60, "Stat": "Sum"}}],
        StartTime=time.time() - 300,
        EndTime=time.time() + 60,
    )["MetricDataResults"][0]
    assert result["Values"] == [1.0]


def test_new_alarm_is_insufficient_data_until_data_decides(cw, sandbox):
    sandbox.set_time_scale(SCALE)
    alarm(cw)
    assert state(cw) == "INSUFFICIENT_DATA"
    for _ in range(8):  # a data point every half period: no period goes missing
        put(cw, 0.0)
        time.sleep(30 * SCALE)
    assert state(cw) == "ALARM"
    for _ in range(8):
        put(cw, 1.0)
        time.sleep(30 * SCALE)
    assert state(cw) == "OK"
    alarm(cw, Threshold=2)  # an update keeps the state until the next evaluation says otherwise
    assert cw.describe_alarms(AlarmNames=["login"])["MetricAlarms"][0]["Threshold"] == 2


@pytest.mark.parametrize(
    "treatment, expected",
    [("missing", "INSUFFICIENT_DATA"), ("breaching", "ALARM"), ("notBreaching", "OK"), ("ignore", "INSUFFICIENT_DATA")],
)
def test_missing_data_treatments(cw, sandbox, treatment, expected):
    sandbox.set_time_scale(SCALE)
    alarm(cw, TreatMissingData=treatment)
    wait_periods()
    assert state(cw) == expected


def test_datapoints_to_alarm_needs_that_many_breaching_periods(cw):
    """At time scale 0 each data point is a period: the last EvaluationPeriods points are evaluated."""
    alarm(cw, EvaluationPeriods=3, DatapointsToAlarm=2)
    put(cw, 0.0)
    assert state(cw) == "OK"
    put(cw, 0.0)
    assert state(cw) == "ALARM"


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"Period": 45}, "ValidationError"),
        ({"Period": 60, "EvaluationPeriods": 1441}, "ValidationError"),  # over a day, Period under an hour
        ({"Period": 3600, "EvaluationPeriods": 169}, "ValidationError"),  # over seven days
        ({"DatapointsToAlarm": 3}, "ValidationError"),
        ({"TreatMissingData": "sometimes"}, "ValidationError"),
        ({"ExtendedStatistic": "p99"}, "NotImplementedBySandbox"),
    ],
)
def test_put_metric_alarm_validation(cw, extra, code):
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        alarm(cw, **extra)
    assert exc.value.response["Error"]["Code"] == code
    assert cw.describe_alarms()["MetricAlarms"] == []


def test_hourly_alarm_may_look_back_up_to_seven_days(cw):
    alarm(cw, Period=3600, EvaluationPeriods=168)
    assert cw.describe_alarms()["MetricAlarms"][0]["EvaluationPeriods"] == 168


def test_delete_alarms_of_an_unknown_name_deletes_nothing(cw):
    alarm(cw)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        cw.delete_alarms(AlarmNames=["login", "nope"])
    assert exc.value.response["Error"]["Code"] == "ResourceNotFound"
    cw.delete_alarms(AlarmNames=["login"])
    assert cw.describe_alarms()["MetricAlarms"] == []


def test_faults_answer_in_cloudwatch_error_shape(cw, sandbox):
    sandbox.control("POST", "faults", {"rules": [{"service": "monitoring", "count": 1, "code": "LimitExceeded"}]})
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        cw.describe_alarms()
    assert exc.value.response["Error"]["Code"] == "LimitExceeded"
    assert sandbox.calls()[-1]["error_code"] == "LimitExceeded"


def query_call(sandbox, action, **members):
    """A CloudWatch request in the older ``query`` protocol (no X-Amz-Target), as old clients send it."""
    body = "&".join(f"{k}={v}" for k, v in {"Action": action, "Version": "2010-08-01", **members}.items())
    auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0"
    headers = {"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"}
    req = urllib.request.Request(sandbox.url + "/", data=body.encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req) as resp:  # noqa: S310 loopback only
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_query_protocol_reaches_moto_except_where_the_sandbox_corrects_it(cw, sandbox):
    members = {"Namespace": "App", "MetricData.member.1.MetricName": "Logins", "MetricData.member.1.Value": "1"}
    assert query_call(sandbox, "PutMetricData", **members)[0] == 200
    assert cw.list_metrics(Namespace="App")["Metrics"][0]["MetricName"] == "Logins"
    status, body = query_call(sandbox, "DescribeAlarms")
    assert status == 501 and "<Code>NotImplementedBySandbox</Code>" in body


# ============================================ Route 53 health checks on alarms

ZONE = "example.com"
VPN = "vpn.example.com"
NEAR_EU = "203.0.113.10"  # a client near eu-west-1 (sandbox/latency.py)


@pytest.fixture
def r53(sandbox):
    return sandbox.client("route53")


@pytest.fixture
def eu_cw(sandbox):
    return sandbox.client("cloudwatch", "eu-west-1")


def alarm_check(r53, reference, name="login", region="eu-west-1", **config):
    cfg = {"Type": "CLOUDWATCH_METRIC", "AlarmIdentifier": {"Region": region, "Name": name}, **config}
    return r53.create_health_check(CallerReference=reference, HealthCheckConfig=cfg)["HealthCheck"]


def routed_zone(r53, check_id):
    """vpn.example.com: a latency CNAME in eu-west-1 behind ``check_id`` and one in us-east-1 without a check."""
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference="zone")["HostedZone"]["Id"].split("/")[-1]
    changes = []
    for region, check in (("eu-west-1", check_id), ("us-east-1", None)):
        rrset = {"Name": VPN, "Type": "CNAME", "TTL": 60, "SetIdentifier": region, "Region": region}
        rrset["ResourceRecords"] = [{"Value": f"{region}.example.net"}]
        if check:
            rrset["HealthCheckId"] = check
        changes.append({"Action": "CREATE", "ResourceRecordSet": rrset})
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    return zone_id


def routed_to(r53, zone_id):
    result = r53.test_dns_answer(
        HostedZoneId=zone_id, RecordName=VPN, RecordType="CNAME", ResolverIP=NEAR_EU, EDNS0ClientSubnetIP=NEAR_EU
    )
    return result["RecordData"][0].split(".")[0]


def test_alarm_check_is_created_against_an_existing_alarm_only(eu_cw, r53):
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        alarm_check(r53, "early")
    assert exc.value.response["Error"]["Code"] == "InvalidInput"
    alarm(eu_cw)
    check = alarm_check(r53, "hc", InsufficientDataHealthStatus="Unhealthy")
    config = r53.get_health_check(HealthCheckId=check["Id"])["HealthCheck"]["HealthCheckConfig"]
    assert config["Type"] == "CLOUDWATCH_METRIC"
    assert config["AlarmIdentifier"] == {"Region": "eu-west-1", "Name": "login"}
    assert config["InsufficientDataHealthStatus"] == "Unhealthy"
    assert "FullyQualifiedDomainName" not in config and "RequestInterval" not in config


@pytest.mark.parametrize(
    "config",
    [
        {"FullyQualifiedDomainName": "vpn.example.com"},
        {"RequestInterval": 30},
        {"InsufficientDataHealthStatus": "Sometimes"},
    ],
)
def test_alarm_check_validation(raw_r53, eu_cw, config):
    alarm(eu_cw)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        alarm_check(raw_r53, "bad", **config)
    assert exc.value.response["Error"]["Code"] == "InvalidInput"


def test_endpoint_check_takes_no_alarm(eu_cw, r53):
    alarm(eu_cw)
    cfg = {"Type": "TCP", "FullyQualifiedDomainName": "vpn.example.com", "Port": 443}
    cfg["AlarmIdentifier"] = {"Region": "eu-west-1", "Name": "login"}
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        r53.create_health_check(CallerReference="tcp", HealthCheckConfig=cfg)
    assert "Basic health checks must not have an metric region specified" in exc.value.response["Error"]["Message"]


def test_get_health_check_status_is_refused_for_an_alarm_check(eu_cw, r53):
    alarm(eu_cw)
    check = alarm_check(r53, "hc")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        r53.get_health_check_status(HealthCheckId=check["Id"])
    assert exc.value.response["Error"]["Code"] == "InvalidInput"


def test_status_follows_the_alarm_after_the_health_delay(sandbox, eu_cw, r53):
    """Route 53 reads a changed alarm after ALARM_POLL + HEALTH_PROPAGATION (40 s at scale 1: 0.4 s here)."""
    sandbox.set_time_scale(0.01)
    sandbox.control("POST", "effects", {"consistency": False})
    alarm(eu_cw, TreatMissingData="notBreaching")  # no data: OK from the first evaluation
    check = alarm_check(r53, "hc")
    zone_id = routed_zone(r53, check["Id"])
    assert routed_to(r53, zone_id) == "eu-west-1"
    alarm(eu_cw, TreatMissingData="breaching")  # the next evaluation says ALARM
    assert state(eu_cw) == "ALARM"
    assert routed_to(r53, zone_id) == "eu-west-1"  # Route 53 has not read the alarm yet
    time.sleep(0.45)
    assert routed_to(r53, zone_id) == "us-east-1"
    alarm(eu_cw, TreatMissingData="notBreaching")
    assert routed_to(r53, zone_id) == "us-east-1"
    time.sleep(0.45)
    assert routed_to(r53, zone_id) == "eu-west-1"


@pytest.mark.parametrize("rule, routed", [("Healthy", "eu-west-1"), ("Unhealthy", "us-east-1")])
def test_insufficient_data_follows_the_checks_rule(eu_cw, r53, rule, routed):
    alarm(eu_cw)  # no data, missing data "missing": INSUFFICIENT_DATA
    check = alarm_check(r53, "hc", InsufficientDataHealthStatus=rule)
    assert routed_to(r53, routed_zone(r53, check["Id"])) == routed


def test_insufficient_data_keeps_the_last_known_status(eu_cw, r53):
    alarm(eu_cw, EvaluationPeriods=1)
    check = alarm_check(r53, "hc")  # LastKnownStatus by default: a new check is healthy
    zone_id = routed_zone(r53, check["Id"])
    assert routed_to(r53, zone_id) == "eu-west-1"
    put(eu_cw, 0.0)
    assert routed_to(r53, zone_id) == "us-east-1"  # ALARM (at time scale 0 each data point is a period)
    alarm(eu_cw, EvaluationPeriods=1, MetricName="Silent")  # a metric without data: INSUFFICIENT_DATA
    assert state(eu_cw) == "INSUFFICIENT_DATA"
    assert routed_to(r53, zone_id) == "us-east-1"


def test_calculated_check_counts_an_alarm_child(eu_cw, r53):
    alarm(eu_cw, TreatMissingData="breaching")
    child = alarm_check(r53, "child")
    parent = r53.create_health_check(
        CallerReference="parent",
        HealthCheckConfig={"Type": "CALCULATED", "ChildHealthChecks": [child["Id"]], "HealthThreshold": 1},
    )["HealthCheck"]
    zone_id = routed_zone(r53, parent["Id"])
    assert routed_to(r53, zone_id) == "us-east-1"
    alarm(eu_cw, TreatMissingData="notBreaching")
    assert routed_to(r53, zone_id) == "eu-west-1"


def test_route53_publishes_health_check_status_in_us_east_1(sandbox, eu_cw, r53):
    alarm(eu_cw, TreatMissingData="breaching")
    check = alarm_check(r53, "hc")
    us_cw = sandbox.client("cloudwatch", "us-east-1")
    dimensions = [{"Name": "HealthCheckId", "Value": check["Id"]}]
    listed = us_cw.list_metrics(Namespace="AWS/Route53")["Metrics"]
    assert listed == [{"Namespace": "AWS/Route53", "MetricName": "HealthCheckStatus", "Dimensions": dimensions}]
    points = us_cw.get_metric_statistics(
        Namespace="AWS/Route53",
        MetricName="HealthCheckStatus",
        Dimensions=dimensions,
        StartTime=time.time() - 600,
        EndTime=time.time() + 60,
        Period=60,
        Statistics=["Minimum"],
    )["Datapoints"]
    assert [p["Minimum"] for p in points] == [0.0]
    assert eu_cw.list_metrics(Namespace="AWS/Route53")["Metrics"] == []  # us-east-1 only
