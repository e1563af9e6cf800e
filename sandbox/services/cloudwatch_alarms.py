"""CloudWatch metric alarms evaluated from the metric data, on the sandbox clock.

moto stores alarms and never changes their state.  AWS evaluates an alarm over
its last ``EvaluationPeriods`` periods of ``Period`` seconds: each period's
``Statistic`` of the alarm's metric is compared with ``Threshold``; at least
``DatapointsToAlarm`` breaching periods make ``ALARM``, otherwise ``OK``; a
period without data counts as ``TreatMissingData`` says ([alarm evaluation,
missing data](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html)).
There is no background thread: the state is computed when something reads the
alarm (DescribeAlarms, a Route 53 health check on it) and written back to
moto's alarm.  Periods are scaled by the time scale, like every simulated
duration, and only complete periods count (the current one is still filling,
so a change shows one period late at worst, as on AWS).  At time scale 0 a
period has no length: each data point is a period of its own and the last
``EvaluationPeriods`` points are evaluated.
"""

import datetime
import math
import time

from moto.cloudwatch.models import MetricAggregatedDatum

from .. import registry

COMPARISONS = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
MISSING_TREATMENTS = ("breaching", "notBreaching", "ignore", "missing")
INITIAL_REASON = "Unchecked: Initial alarm creation"


def _epoch(timestamp):
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=datetime.timezone.utc)
    return timestamp.timestamp()


def _dimensions(items):
    return sorted((d.name, d.value) for d in items)


def datums(backend, alarm):
    """(epoch seconds, datum) of the alarm's metric: same namespace, name and exactly its dimensions."""
    wanted = _dimensions(alarm.dimensions)
    return sorted(
        ((_epoch(d.timestamp), d) for d in backend.get_all_metrics() if _same_metric(d, alarm, wanted)),
        key=lambda pair: pair[0],
    )


def _same_metric(datum, alarm, wanted):
    if datum.namespace != alarm.namespace or datum.name != alarm.metric_name:
        return False
    if alarm.unit and datum.unit and datum.unit != alarm.unit:
        return False
    return _dimensions(datum.dimensions) == wanted


def statistic(statistic_name, group):
    """The statistic of one period's data points (raw values and StatisticValues sets alike)."""
    count = total = 0.0
    low, high = math.inf, -math.inf
    for datum in group:
        if isinstance(datum, MetricAggregatedDatum):
            count += datum.sample_count
            total += datum.sum
            low, high = min(low, datum.min), max(high, datum.max)
        else:
            count += 1
            total += datum.value
            low, high = min(low, datum.value), max(high, datum.value)
    return {
        "SampleCount": count,
        "Sum": total,
        "Average": total / count if count else 0.0,
        "Minimum": low,
        "Maximum": high,
    }[statistic_name]


def periods(points, period_seconds, count, now):
    """The last ``count`` complete periods, oldest first: each the list of its data points (empty: missing)."""
    if period_seconds <= 0:  # time scale 0: each data point is a period
        recent = [datum for when, datum in points if when <= now][-count:]
        return [[]] * (count - len(recent)) + [[datum] for datum in recent]
    end = math.floor(now / period_seconds) * period_seconds
    start = end - count * period_seconds
    buckets = [[] for _ in range(count)]
    for when, datum in points:
        if start <= when < end:
            buckets[int((when - start) // period_seconds)].append(datum)
    return buckets


def verdict(alarm, buckets, current):
    """(state, reason) from the periods' data points and the alarm's settings."""
    compare = COMPARISONS[alarm.comparison_operator]
    treatment = alarm.treat_missing_data or "missing"
    needed = alarm.datapoints_to_alarm or alarm.evaluation_periods
    values = [statistic(alarm.statistic, group) if group else None for group in buckets]
    present = [v for v in values if v is not None]
    missing = len(values) - len(present)
    breaching = sum(1 for v in present if compare(v, alarm.threshold))
    if treatment == "breaching":
        breaching += missing
    if not present and treatment == "missing":
        return "INSUFFICIENT_DATA", f"Insufficient Data: {missing} datapoints were unknown."
    if not present and treatment == "ignore":
        return current, "Missing data ignored: the state is kept."
    shown = ", ".join("missing" if v is None else f"{v:g}" for v in values)
    if breaching >= needed:
        return "ALARM", (
            f"Threshold Crossed: {breaching} out of the last {len(values)} datapoints [{shown}] "
            f"were {alarm.comparison_operator.replace('Threshold', '')} the threshold ({alarm.threshold:g})."
        )
    return "OK", (
        f"Threshold Crossed: {len(values) - breaching} out of the last {len(values)} datapoints [{shown}] "
        f"were not {alarm.comparison_operator.replace('Threshold', '')} the threshold ({alarm.threshold:g})."
    )


def evaluate(backend, alarm, scale):
    """Bring moto's alarm to the state AWS would show now (a transition is recorded only on change)."""
    if alarm.metric_data_queries or alarm.extended_statistic or alarm.comparison_operator not in COMPARISONS:
        return alarm.state_value  # refused at PutMetricAlarm (not emulated); never reached
    now = time.time()
    buckets = periods(datums(backend, alarm), alarm.period * scale, alarm.evaluation_periods, now)
    state, reason = verdict(alarm, buckets, alarm.state_value)
    if state != alarm.state_value:
        alarm.update_state(reason, "{}", state)
    return state


def alarm_state(sandbox, account_id, region, name):
    """The state of alarm ``name`` now (evaluated), or None when there is no such alarm (for Route 53)."""
    backend = registry.moto_backend("cloudwatch", account_id, region)
    alarm = backend.alarms.get(name)
    if alarm is None:
        return None
    return evaluate(backend, alarm, sandbox.clock.scale)
