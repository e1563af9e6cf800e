"""Route 53 health checks on CloudWatch alarms, and Route 53's own HealthCheckStatus metric.

A ``CLOUDWATCH_METRIC`` check is healthy while its alarm is ``OK``, unhealthy in
``ALARM``, and with ``INSUFFICIENT_DATA`` follows ``InsufficientDataHealthStatus``
(``LastKnownStatus``: the last status the alarm decided, healthy for a new check)
([HealthCheckConfig](https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html)).
The alarm is evaluated when the check is looked at (``cloudwatch_alarms``), and
Route 53's status follows through the same ``health_delay`` as other checks.

Route 53 publishes ``AWS/Route53`` ``HealthCheckStatus`` (1 healthy, 0 not;
dimension ``HealthCheckId``) in us-east-1.  The sandbox keeps each check's
status history and, whenever CloudWatch metrics are read there, adds the
samples due since the last read (one a minute, scaled; at time scale 0 one per
read) to moto's metric data, so GetMetricData, GetMetricStatistics, ListMetrics
and alarms read them like any metric.
"""

import datetime
import time

from moto.cloudwatch.models import MetricDatum

from .. import protocol
from .. import registry
from ..protocol import AwsError
from . import cloudwatch_alarms

TYPE = "CLOUDWATCH_METRIC"
METRIC_REGION = "us-east-1"
NAMESPACE = "AWS/Route53"
METRIC = "HealthCheckStatus"
# Seconds (at scale 1) between two HealthCheckStatus samples, and at most this many samples per read and check.
SAMPLE_EVERY = 60
MAX_SAMPLES = 1440
# Members an alarm-based check does not take (AWS: "Basic health checks must not have an metric region specified"
# is the converse, for an endpoint check given an AlarmIdentifier).
ENDPOINT_ONLY = (
    "IPAddress",
    "Port",
    "FullyQualifiedDomainName",
    "ResourcePath",
    "SearchString",
    "RequestInterval",
    "FailureThreshold",
    "ChildHealthChecks",
    "HealthThreshold",
)
CLOUDWATCH_REGIONS = list(protocol.service_model("route53").shape_for("CloudWatchRegion").enum)
INSUFFICIENT = list(protocol.service_model("route53").shape_for("InsufficientDataHealthStatus").enum)


@registry.state("route53_metrics")
class Route53MetricsState:
    """Each check's status history (wall time, healthy), what was last published, last known alarm verdicts."""

    def __init__(self, sandbox):
        self.history = {}  # health check id -> [(epoch seconds, bool)]
        self.published = {}  # health check id -> epoch seconds of the last sample
        self.last_known = {}  # health check id -> bool: the status the alarm last decided


def _state(call):
    return call.sandbox.state.route53_metrics


def _bad_input(message):
    return AwsError("InvalidInput", message, 400)


# ----------------------------------------------------------------- configuration


def _check_alarm(call, identifier, insufficient):
    if identifier is not None:
        if identifier.get("Region") not in CLOUDWATCH_REGIONS:
            raise _bad_input(
                f"1 validation error detected: Value '{identifier.get('Region')}' at 'healthCheckConfig.alarmIdentifier."
                f"region' failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(CLOUDWATCH_REGIONS)}]"
            )
        backend = registry.moto_backend("cloudwatch", call.account_id, identifier["Region"])
        alarm = backend.alarms.get(identifier.get("Name"))
        if alarm is None:
            raise _bad_input(
                f"Invalid parameter : The CloudWatch alarm {identifier.get('Name')} does not exist in "
                f"{identifier['Region']}."
            )
        if alarm.period < 60 or alarm.extended_statistic or alarm.metric_data_queries:
            raise _bad_input(
                "Invalid parameter : Route 53 supports alarms on standard-resolution metrics with the statistics "
                "Average, Minimum, Maximum, Sum and SampleCount only."
            )
    if insufficient is not None and insufficient not in INSUFFICIENT:
        raise _bad_input(
            f"1 validation error detected: Value '{insufficient}' at 'healthCheckConfig.insufficientDataHealthStatus' "
            f"failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(INSUFFICIENT)}]"
        )


def validate(call, cfg, hc_type):
    """CreateHealthCheck/UpdateHealthCheck rules on the alarm members, for a check of ``hc_type``."""
    if hc_type != TYPE:
        if cfg.get("AlarmIdentifier") is not None:
            raise _bad_input("Invalid parameter : Basic health checks must not have an metric region specified.")
        return
    for key in ENDPOINT_ONLY:
        if key in cfg:
            raise _bad_input(f"Invalid request: {key} is not valid for a health check of type {TYPE}.")
    _check_alarm(call, cfg.get("AlarmIdentifier"), cfg.get("InsufficientDataHealthStatus"))


def validate_create(call, cfg):
    validate(call, cfg, cfg.get("Type"))
    if cfg.get("Type") == TYPE and not cfg.get("AlarmIdentifier"):
        raise _bad_input(f"Invalid request: A health check of type {TYPE} needs an AlarmIdentifier.")


def configure(hc, cfg):
    """Keep the alarm members on moto's health check (moto has no such fields)."""
    if "AlarmIdentifier" in cfg:
        hc.alarm_identifier = dict(cfg["AlarmIdentifier"])
    if "InsufficientDataHealthStatus" in cfg:
        hc.insufficient_data_health_status = cfg["InsufficientDataHealthStatus"]


def config(hc, stored):
    """HealthCheckConfig as AWS shows an alarm-based check: the alarm members, none of an endpoint's."""
    if hc.type_ != TYPE:
        return stored
    out = {k: v for k, v in stored.items() if k not in ENDPOINT_ONLY + ("MeasureLatency",)}
    out["AlarmIdentifier"] = getattr(hc, "alarm_identifier", None)
    out["InsufficientDataHealthStatus"] = getattr(hc, "insufficient_data_health_status", "LastKnownStatus")
    return out


# ------------------------------------------------------------------------ health


def instant(call, hc):
    """Whether the alarm says healthy now (before Inverted)."""
    identifier = getattr(hc, "alarm_identifier", None) or {}
    state = cloudwatch_alarms.alarm_state(
        call.sandbox, call.account_id, identifier.get("Region"), identifier.get("Name")
    )
    known = _state(call).last_known
    if state in ("OK", "ALARM"):
        known[hc.id] = state == "OK"
        return known[hc.id]
    rule = getattr(hc, "insufficient_data_health_status", None) or "LastKnownStatus"
    if rule == "LastKnownStatus":
        return known.get(hc.id, True)
    return rule == "Healthy"


def _wall(clock, moment):
    return time.time() - (clock.now() - moment)


def observe(call, hc_id, healthy, moment):
    """Route 53's status of a check became ``healthy`` at monotonic ``moment`` (kept for HealthCheckStatus)."""
    history = _state(call).history.setdefault(hc_id, [])
    if not history or history[-1][1] != healthy:
        history.append((_wall(call.clock, moment), healthy))


def forget(call, hc_id):
    state = _state(call)
    for table in (state.history, state.published, state.last_known):
        table.pop(hc_id, None)


def _status_at(history, when):
    status = history[0][1]
    for moment, healthy in history:
        if moment > when:
            break
        status = healthy
    return status


def _sample_times(call, history, since):
    now = time.time()
    step = SAMPLE_EVERY * call.clock.scale
    if step <= 0:
        return [now]
    first = history[0][0] if since is None else since
    count = min(int((now - first) // step), MAX_SAMPLES)
    return [first + (k + 1) * step for k in range(count) if first + (k + 1) * step <= now][-MAX_SAMPLES:]


def publish(call):
    """Add the HealthCheckStatus samples due since the last read to moto's metric data (us-east-1 reads only)."""
    if call.region != METRIC_REGION:
        return
    from . import route53  # imported here: route53 imports this module

    r53_call = registry.Call("route53", "GetHealthCheck", "us-east-1", call.account_id, {}, "", call.sandbox)
    checks = registry.moto_backend("route53", call.account_id, "global").health_checks
    backend = call.backend("cloudwatch")
    state = _state(call)
    for hc in list(checks.values()):
        route53.aggregated_health(r53_call, hc)
        history = state.history.get(hc.id)
        if not history:
            continue
        times = _sample_times(call, history, state.published.get(hc.id))
        for when in times:
            backend.metric_data.append(
                MetricDatum(
                    NAMESPACE,
                    METRIC,
                    1.0 if _status_at(history, when) else 0.0,
                    [{"Name": "HealthCheckId", "Value": hc.id}],
                    # naive UTC, as moto stores its own data points (its reads compare them with naive times)
                    datetime.datetime.fromtimestamp(when, tz=datetime.timezone.utc).replace(tzinfo=None),
                )
            )
        if times:
            state.published[hc.id] = times[-1]
