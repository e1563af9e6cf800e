"""Running site.yml against the test sandbox, interrupting it, and moving the sandbox's clock.

- :class:`Deploy` runs ``ansible-playbook site.yml`` in its own process group, either to the end or
  until the sandbox's call log satisfies a predicate, and then kills the whole group (SIGKILL: the
  playbook, its workers and the modules they run), as a lost terminal or a crashed controller would.
- :func:`warped_clock` lets a test hold every simulated wait open (a large time scale) and then jump
  the in-process sandbox's clock forward, so that "killed while waiting on X" is certain rather than
  a race against a short wait.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SITE = REPO / "site.yml"


def recap(stdout):
    """{host: {ok: n, changed: n, failed: n, ...}} from ansible-playbook's PLAY RECAP."""
    if "PLAY RECAP" not in stdout:
        return {}
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", stdout.split("PLAY RECAP", 1)[1], re.M):
        counts[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", fields)}
    return counts


class Deploy:
    """One ``ansible-playbook site.yml`` run against ``sandbox`` (the tests' SandboxHandle)."""

    def __init__(self, sandbox, inventory, workdir, playbook=SITE, extra_vars=None, verbosity=0):
        self.sandbox = sandbox
        self.workdir = Path(workdir)
        self.playbook = Path(playbook)
        self.cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-i", str(inventory)]
        variables = {
            "sandbox_url": sandbox.url,
            "artifacts_dir": str(self.workdir / "artifacts"),
            "certificates_dir": str(self.workdir / "artifacts" / "pki"),
            **(extra_vars or {}),
        }
        self.cmd += ["-e", json.dumps(variables)]
        if verbosity:
            self.cmd.append("-" + "v" * verbosity)
        self.runs = 0

    def _start(self):
        self.runs += 1
        self.log = self.workdir / f"{self.playbook.stem}-{self.runs}.log"
        self._out = open(self.log, "w")  # noqa: SIM115 closed in _finish
        return subprocess.Popen(
            self.cmd,
            cwd=REPO,
            env=self.sandbox.env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def _finish(self, proc):
        self._out.close()
        return proc.returncode, self.log.read_text()

    def run(self, timeout=900):
        """Run to the end; returns (rc, output)."""
        proc = self._start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        return self._finish(proc)

    def run_until(self, predicate, timeout=600, poll=0.25):
        """Run until ``predicate(calls)`` holds, then SIGKILL the playbook's process group.

        The sandbox's call log is cleared first: ``calls`` holds this run's calls only.
        Returns (killed, rc, output, calls): ``killed`` is False when the playbook ended first.
        """
        self.sandbox.clear_calls()
        proc = self._start()
        deadline = time.monotonic() + timeout
        calls, killed = [], False
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                since = calls[-1]["seq"] if calls else 0
                calls += self.sandbox.control("GET", f"calls?since={since}")["calls"]
                if predicate(calls):
                    os.killpg(proc.pid, signal.SIGKILL)
                    killed = True
                    break
                time.sleep(poll)
            else:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        return killed, proc.returncode, self._finish(proc)[1], calls


def after(calls, service=None, action=None, region=None):
    """The calls made after the last call matching (service, action, region); [] if none matched."""
    index = None
    for i, call in enumerate(calls):
        if (
            (service is None or call["service"] == service)
            and (action is None or call["action"] == action)
            and (region is None or call["region"] == region)
        ):
            index = i
    return [] if index is None else calls[index + 1 :]


def count(calls, action, region=None, ok=True):
    return sum(
        1
        for c in calls
        if c["action"] == action and (region is None or c["region"] == region) and (not ok or c["status"] < 300)
    )


@contextlib.contextmanager
def warped_clock(sandbox_server):
    """Yield ``advance(seconds)``, which moves the in-process sandbox's clock forward.

    Every simulated state derives from ``clock.now()`` (deadlines are absolute), so advancing it
    completes every wait in progress at once. The clock is restored on exit (the next test resets
    the sandbox anyway).
    """
    clock = sandbox_server.app.clock
    offset = [0.0]
    clock.now = lambda: time.monotonic() + offset[0]

    def advance(seconds):
        offset[0] += seconds

    try:
        yield advance
    finally:
        del clock.now
