"""Reading the sandbox's call log: counts, and when each simulated wait really started.

The timeline answers "which waits did not overlap": for every Region, the moment each asynchronous
step was started (the first call that starts it), the moment the sandbox finished it (start +
DURATIONS x scale) and the lag before the next step started (polling delay, task and play
boundaries, Ansible's own work). The Branch replicas are started by AddRegion calls made in the Home
Region; their start times come from DescribeRegions' LaunchTime.
"""

import collections

from sandbox.clock import DURATIONS

# The call that starts each simulated wait, per Region.
STARTERS = (
    ("directory_create", "ds", "CreateMicrosoftAD"),
    ("connector_create", "ds", "ConnectDirectory"),
    ("vpn_association", "ec2", "AssociateClientVpnTargetNetwork"),
    ("vpn_authorization", "ec2", "AuthorizeClientVpnIngress"),
    ("vpn_route", "ec2", "CreateClientVpnRoute"),
)
# Waits that run beside the one listed before them rather than after it (bench/critical_path.py).
BESIDE = ("vpn_authorization",)


def counts(calls):
    """Totals, per Region and per action (errors included: a throttled call is a call)."""
    by_region = collections.Counter(c["region"] or "-" for c in calls)
    by_action = collections.Counter(f"{c['service']}:{c['action']}" for c in calls)
    return {
        "api_calls": len(calls),
        "write_calls": sum(1 for c in calls if c["write"]),
        "error_calls": sum(1 for c in calls if (c.get("status") or 0) >= 300),
        "by_region": dict(sorted(by_region.items())),
        "by_action": dict(sorted(by_action.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def by_region_and_action(calls):
    table = collections.defaultdict(collections.Counter)
    for c in calls:
        table[c["region"] or "-"][f"{c['service']}:{c['action']}"] += 1
    return {region: dict(sorted(actions.items())) for region, actions in sorted(table.items())}


def timeline(calls, started, scale, home, branches, replica_launch=None, serial_region_adds=False):
    """{Region: [{wait, start_s, done_s, lag_s}]} relative to ``started`` (epoch seconds).

    ``lag_s`` is the time between the previous step's simulated completion and this step's start:
    the overhead the orchestration added on that chain. The first step's lag is measured from
    ``started`` (what ran before the first wait). The authorization rules run beside the
    associations (BESIDE): they are measured from the same previous step and the next step's lag
    from the associations, not from them. With ``serial_region_adds`` a Region add waits for the one
    launched before it too: its lag is measured from the later of the directory and that add.
    """
    replica_launch = replica_launch or {}
    # Serial mode: each Region add's predecessor is the add launched just before it.
    launched = sorted((at, region) for region, at in replica_launch.items() if at is not None)
    previous_add = {region: launched[i - 1][0] for i, (_, region) in enumerate(launched) if i}
    first = {}
    for c in calls:
        if not c["write"] or (c.get("status") or 0) >= 300:
            continue
        for kind, service, action in STARTERS:
            if c["service"] == service and c["action"] == action:
                first.setdefault((c["region"], kind), c["time"])
    out = {}
    for region in [home, *branches]:
        steps = []
        if region == home:
            sequence = [("directory_create", first.get((home, "directory_create")))]
        else:
            sequence = [("region_add", replica_launch.get(region))]
        for kind, _, _ in STARTERS[1:]:
            if region == home and kind == "connector_create":
                continue
            sequence.append((kind, first.get((region, kind))))
        previous_done = before_done = None
        if region != home and first.get((home, "directory_create")) is not None:
            previous_done = first[(home, "directory_create")] - started + DURATIONS["directory_create"] * scale
        if region != home and serial_region_adds and region in previous_add:
            add_done = previous_add[region] - started + DURATIONS["region_add"] * scale
            previous_done = max(previous_done or 0.0, add_done)
        for kind, at in sequence:
            if at is None:
                steps.append({"wait": kind, "start_s": None, "done_s": None, "lag_s": None})
                continue
            start = at - started
            done = start + DURATIONS[kind] * scale
            since = before_done if kind in BESIDE else previous_done
            lag = start - (since or 0.0)
            steps.append({"wait": kind, "start_s": round(start, 2), "done_s": round(done, 2), "lag_s": round(lag, 2)})
            if kind not in BESIDE:
                before_done, previous_done = previous_done, done
        out[region] = steps
    dns = [c["time"] - started for c in calls if c["action"] == "ChangeResourceRecordSets" and c["write"]]
    if dns:
        out["route53"] = [
            {
                "wait": "route53_change",
                "start_s": round(t, 2),
                "done_s": round(t + DURATIONS["route53_change"] * scale, 2),
            }
            for t in dns
        ]
    return out


def lag_summary(timeline_by_region, wall_s):
    """Where the time over the chain went, on the Region that finished its chain last."""
    last_region, last_done = None, -1.0
    for region, steps in timeline_by_region.items():
        if region == "route53":
            continue
        done = [s["done_s"] for s in steps if s["done_s"] is not None]
        if done and done[-1] > last_done:
            last_region, last_done = region, done[-1]
    if last_region is None:
        return {}
    steps = timeline_by_region[last_region]
    dns = timeline_by_region.get("route53", [])
    home_steps = next(iter(timeline_by_region.values()))
    return {
        "directory_started_s": home_steps[0]["start_s"],
        "last_chain": last_region,
        "chain_lags_s": {s["wait"]: s["lag_s"] for s in steps},
        "chain_done_s": round(last_done, 2),
        "dns_started_s": dns[0]["start_s"] if dns else None,
        "dns_changes": len(dns),
        "after_chain_s": round(wall_s - last_done, 2),
    }


def read_events(path):
    """The bench_timeline callback's JSON lines (bench/callback_plugins), [] when absent."""
    import json

    try:
        with open(path) as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []


def task_intervals(events):
    """[(start, end, host, play, task)] from start/end events (one task at a time per host)."""
    open_tasks, intervals = {}, []
    for event in events:
        if event["event"] == "start":
            open_tasks[event["host"]] = event
        elif event["event"] == "end":
            started = open_tasks.pop(event["host"], None)
            if started is not None:
                intervals.append((started["time"], event["time"], event["host"], event.get("play"), event["task"]))
    return intervals


def plays(events, started):
    """[{play, start_s, duration_s}] in order; the last play ends with the run."""
    marks = [e for e in events if e["event"] in ("play", "stats")]
    out = []
    for current, following in zip(marks, marks[1:]):
        if current["event"] == "play":
            out.append(
                {
                    "play": current["play"],
                    "start_s": round(current["time"] - started, 2),
                    "duration_s": round(following["time"] - current["time"], 2),
                }
            )
    return out


def calls_by_task(calls, events):
    """{"<play> | <task>": {"<service>:<action>": n}} attributing each call to the task running then.

    A call is given to the task of the host whose name is the call's Region when that host is in a
    task at the time, else to the one task running then (several: the first; none: "(between tasks)").
    """
    intervals = task_intervals(events)
    table = collections.defaultdict(collections.Counter)
    for c in calls:
        running = [i for i in intervals if i[0] - 0.05 <= c["time"] <= i[1] + 0.05]
        mine = [i for i in running if i[2] == c["region"]]
        chosen = (mine or running or [None])[0]
        key = f"{chosen[3]} | {chosen[4]}" if chosen else "(between tasks)"
        table[key][f"{c['service']}:{c['action']}"] += 1
    return {task: dict(sorted(actions.items())) for task, actions in table.items()}
