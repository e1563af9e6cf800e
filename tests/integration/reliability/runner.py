"""Running site.yml against the test sandbox, interrupting it, and moving the sandbox's clock.

- :class:`Deploy` runs ``ansible-playbook site.yml`` in its own session, either to the end or until
  the sandbox's call log satisfies a predicate, and then kills its whole process tree (SIGKILL: the
  playbook, its workers and the modules they run), as a lost terminal or a crashed controller would.
  Killing the process group is not enough: ansible-core's workers call ``setsid()``, so they and the
  modules they run would survive the playbook and go on calling the sandbox (finishing the very waits
  and writes the kill was meant to interrupt, or writing into the next test's sandbox).
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


def _children():
    """{parent pid: [child pids]} of every process (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def kill_tree(pid):
    """SIGKILL ``pid`` and all its descendants, whatever session or process group they moved to.

    Every process found is stopped first (SIGSTOP), so that none can start another while the tree
    is collected; the search repeats until it finds no new process, then all are killed at once.
    """
    stopped = set()
    while True:
        tree, todo = set(), [pid]
        children = _children()
        while todo:
            current = todo.pop()
            tree.add(current)
            todo.extend(c for c in children.get(current, ()) if c not in tree)
        new = tree - stopped
        if not new:
            break
        for victim in new:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGSTOP)
        stopped |= new
    for victim in stopped:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


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

    def run(self, timeout=1800):
        """Run to the end; returns (rc, output). A run still going after ``timeout`` s is killed (rc -9)."""
        proc = self._start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc.pid)
            proc.wait()
        return self._finish(proc)

    def run_until(self, predicate, timeout=1200, poll=0.25):
        """Run until ``predicate(calls)`` holds, then SIGKILL the playbook's process tree.

        The sandbox's call log is cleared first: ``calls`` holds this run's calls only.
        Returns (killed, rc, output, calls): ``killed`` is False when the playbook ended first or
        ``timeout`` s passed (the run is killed then too; the output ends with the reason).
        """
        self.sandbox.clear_calls()
        proc = self._start()
        deadline = time.monotonic() + timeout
        calls, killed = [], False
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                since = calls[-1]["seq"] if calls else 0
                calls += answered(self.sandbox.control("GET", f"calls?since={since}")["calls"])
                if predicate(calls):
                    kill_tree(proc.pid)
                    killed = True
                    break
                time.sleep(poll)
        finally:
            timed_out = proc.poll() is None and not killed
            if proc.poll() is None:
                kill_tree(proc.pid)
            proc.wait()
        output = self._finish(proc)[1]
        if not killed:
            reason = f"timed out after {timeout} s" if timed_out else "the playbook ended before the predicate held"
            output += f"\n[run_until: {reason}]"
        return killed, proc.returncode, output, calls


def answered(calls, stale=10.0):
    """The leading calls the sandbox has answered (they have their ``status``).

    The call log lists a call when it arrives: one still being served has no status yet and would
    be read without it (and, fetched ``since`` a sequence number, never read again). It is left for
    the next poll, unless it has been listed for ``stale`` seconds (a call that never got an answer).
    """
    out = []
    for call in calls:
        if "status" not in call and time.time() - call["time"] < stale:
            break
        out.append(call)
    return out


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
        if c["action"] == action
        and (region is None or c["region"] == region)
        and (not ok or c.get("status", 500) < 300)
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
