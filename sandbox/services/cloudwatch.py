"""CloudWatch as AWS behaves where moto differs: alarm validation and alarm state.

moto keeps the metric data and the alarms and answers the reads (botocore
speaks CloudWatch's ``json`` protocol, which moto answers; a request in the older
``query`` protocol reaches moto as it is, except for the operations below,
which answer ``NotImplementedBySandbox`` in it).  This module adds:

* PutMetricAlarm: AWS's validation; a new alarm starts ``INSUFFICIENT_DATA``
  (moto says ``OK``) and an update keeps the alarm's state.
* DescribeAlarms: every alarm of the Region is evaluated first
  (``cloudwatch_alarms.evaluate``), so moto answers the state AWS would show.
* DeleteAlarms: an unknown name deletes nothing and answers ``ResourceNotFound``.
* Reads of metrics in us-east-1 first publish Route 53's ``AWS/Route53``
  ``HealthCheckStatus`` samples (``route53_alarm.publish``).

Metric math, anomaly detection, extended statistics (percentiles) and composite
alarms answer ``NotImplementedBySandbox``.
"""

from .. import registry
from ..protocol import AwsError
from . import cloudwatch_alarms
from . import route53_alarm
from .cloudwatch_alarms import COMPARISONS
from .cloudwatch_alarms import INITIAL_REASON
from .cloudwatch_alarms import MISSING_TREATMENTS
from .cloudwatch_alarms import STATISTICS

# PutMetricAlarm: Period × EvaluationPeriods at most seven days, and at most one day for a Period under an hour.
MAX_EVALUATION_SECONDS = 604800
MAX_SHORT_EVALUATION_SECONDS = 86400
STATE_FIELDS = ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history")


def _backend(call):
    return call.backend("cloudwatch")


def _invalid(message):
    return AwsError("ValidationError", message, 400)


def _unemulated(what):
    return AwsError("NotImplementedBySandbox", f"The sandbox does not emulate {what}", 501)


def _enum_error(value, where, allowed):
    return _invalid(
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def validate_alarm(params):
    """PutMetricAlarm's rules for a static-threshold alarm on one metric (the kind the sandbox evaluates)."""
    if params.get("Metrics") or params.get("ThresholdMetricId"):
        raise _unemulated("metric math and anomaly detection alarms")
    if params.get("ExtendedStatistic"):
        raise _unemulated("alarms on extended statistics (percentiles)")
    operator = params["ComparisonOperator"]
    if operator not in COMPARISONS:
        if operator.startswith("LessThanLower") or operator.startswith("GreaterThanUpper"):
            raise _unemulated("anomaly detection alarms")
        raise _enum_error(operator, "comparisonOperator", list(COMPARISONS))
    if not params.get("Statistic"):
        raise AwsError("InvalidParameterCombination", "One of Statistic or ExtendedStatistic must be specified.", 400)
    if params["Statistic"] not in STATISTICS:
        raise _enum_error(params["Statistic"], "statistic", STATISTICS)
    for key in ("Namespace", "MetricName", "Period", "Threshold"):
        if params.get(key) in (None, ""):
            raise AwsError("MissingParameter", f"The parameter {key} is required.", 400)
    period, count = params["Period"], params["EvaluationPeriods"]
    if period not in (10, 20, 30) and (period <= 0 or period % 60):
        raise _invalid("Period must be 10, 20, 30 or a multiple of 60.")
    if count < 1:
        raise _invalid("EvaluationPeriods must be at least 1.")
    if period < 3600 and period * count > MAX_SHORT_EVALUATION_SECONDS:
        raise _invalid("Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)")
    if period * count > MAX_EVALUATION_SECONDS:
        raise _invalid(
            "Metrics cannot be checked across more than 7 days (EvaluationPeriods * Period must be <= 604800)"
        )
    if not 1 <= params.get("DatapointsToAlarm", count) <= count:
        raise _invalid("DatapointsToAlarm must be between 1 and EvaluationPeriods.")
    treatment = params.get("TreatMissingData", "missing")
    if treatment not in MISSING_TREATMENTS:
        raise _enum_error(treatment, "treatMissingData", MISSING_TREATMENTS)


@registry.handler("monitoring", "PutMetricAlarm")
def put_metric_alarm(call):
    validate_alarm(call.params)
    backend = _backend(call)
    before = backend.alarms.get(call.params["AlarmName"])
    kept = {field: getattr(before, field) for field in STATE_FIELDS} if before is not None else None
    call.moto()
    alarm = backend.alarms[call.params["AlarmName"]]
    if kept is not None:  # "When you update an existing alarm, its state is left unchanged"
        for field, value in kept.items():
            setattr(alarm, field, value)
    else:
        alarm.state_value, alarm.state_reason, alarm.state_reason_data = "INSUFFICIENT_DATA", INITIAL_REASON, "{}"
    return {}


def evaluate_all(call):
    backend = _backend(call)
    for alarm in list(backend.alarms.values()):
        cloudwatch_alarms.evaluate(backend, alarm, call.clock.scale)


@registry.handler("monitoring", "DescribeAlarms")
def describe_alarms(call):
    route53_alarm.publish(call)
    evaluate_all(call)
    return registry.PASS


@registry.handler("monitoring", "DeleteAlarms")
def delete_alarms(call):
    """AWS: "If you specify an incorrect alarm name ..., no alarms are deleted" (the model's ResourceNotFound)."""
    names = call.params.get("AlarmNames") or []
    unknown = [name for name in names if name not in _backend(call).alarms]
    if unknown:
        raise AwsError("ResourceNotFound", f"{len(unknown)} of the alarms were not found: {', '.join(unknown)}", 404)
    return registry.PASS


@registry.handler("monitoring", "GetMetricData")
@registry.handler("monitoring", "GetMetricStatistics")
@registry.handler("monitoring", "ListMetrics")
def read_metrics(call):
    route53_alarm.publish(call)
    return registry.PASS
