"""Callback for the benchmark: one JSON line per task start and end, per host, with the wall time.

Enabled by bench/__main__.py (ANSIBLE_CALLBACK_PLUGINS + ANSIBLE_CALLBACKS_ENABLED) with the output
file in BENCH_TIMELINE_FILE; it lets the bench attribute each sandbox call to the task that made it.
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timeline
type: aggregate
short_description: task start/end times per host, as JSON lines (bench only)
description: Writes one JSON line per task start and end to the file named by BENCH_TIMELINE_FILE.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timeline"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        path = os.environ.get("BENCH_TIMELINE_FILE")
        self._out = open(path, "a", buffering=1) if path else None  # noqa: SIM115 line-buffered for the run

    def _write(self, event, host, task, **extra):
        if self._out is None:
            return
        record = {"time": round(time.time(), 3), "event": event, "host": host, "task": task.get_name()}
        play = task.play.get_name() if getattr(task, "play", None) else None
        record["play"] = play
        record.update(extra)
        self._out.write(json.dumps(record) + "\n")

    def v2_playbook_on_play_start(self, play):
        if self._out is not None:
            self._out.write(
                json.dumps({"time": round(time.time(), 3), "event": "play", "play": play.get_name()}) + "\n"
            )

    def v2_runner_on_start(self, host, task):
        self._write("start", host.get_name(), task)

    def _end(self, result, status):
        self._write("end", result._host.get_name(), result._task, status=status)

    def v2_runner_on_ok(self, result):
        self._end(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._end(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._end(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        if self._out is not None:
            self._out.write(json.dumps({"time": round(time.time(), 3), "event": "stats"}) + "\n")
            self._out.close()
            self._out = None
