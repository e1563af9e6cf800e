"""Fixtures shared by every suite: a sandbox per test session, reset per test, and a playbook runner."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sandbox.handle import SandboxHandle  # noqa: E402
from sandbox.server import ThreadedSandbox  # noqa: E402


def pytest_collection_modifyitems(items):
    """The tests marked ``deploys(runs)`` first, most runs first, each module's in its own order.

    pytest-xdist hands whole files out in collection order (Makefile): the longest, started last, would leave one
    worker running them alone at the end.
    """

    def runs(item):
        mark = item.get_closest_marker("deploys")
        return mark.args[0] if mark else 0

    items.sort(key=lambda item: -runs(item))


def pytest_runtest_makereport(item, call):
    """Remember the first failed step of an ``incremental`` module (see pytest_runtest_setup).

    A skipped step (the real client where the machine cannot run it) is no failure: the next steps run.
    """
    failed = call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception)
    if failed and call.when in ("setup", "call") and item.get_closest_marker("incremental"):
        if not hasattr(item.module, "FAILED_STEP"):
            item.module.FAILED_STEP = item.name


def pytest_runtest_setup(item):
    """The steps of an ``incremental`` module build on each other: after a failed one, the rest are skipped."""
    failed = getattr(item.module, "FAILED_STEP", None) if item.get_closest_marker("incremental") else None
    if failed:
        pytest.skip(f"step {failed} failed; this step builds on it")


@pytest.fixture(scope="session")
def sandbox_server():
    server = ThreadedSandbox(time_scale=0.0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """A freshly reset sandbox (instant time scale unless the test sets another)."""
    handle = SandboxHandle(sandbox_server.url)
    handle.control("POST", "reset")
    handle.set_time_scale(0.0)
    yield handle
    handle.control("DELETE", "faults")


@pytest.fixture
def sandbox_app(sandbox, sandbox_server):
    """The freshly reset sandbox's application object, for the emulations' in-process interfaces."""
    return sandbox_server.app


@pytest.fixture
def run_playbook(sandbox, tmp_path):
    """Run a playbook with ansible-playbook against the sandbox; returns the CompletedProcess."""

    def run(playbook, extra_vars=None, inventory=None, check=False, diff=False, verbosity=0, env=None, expect_rc=0):
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook)]
        cmd += ["-i", str(inventory) if inventory else "localhost,"]
        if extra_vars:
            cmd += ["-e", json.dumps({"sandbox_url": sandbox.url, **extra_vars})]
        else:
            cmd += ["-e", json.dumps({"sandbox_url": sandbox.url})]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        proc_env = sandbox.env
        proc_env.update(env or {})
        proc = subprocess.run(cmd, cwd=REPO, env=proc_env, capture_output=True, text=True, check=False)
        if expect_rc is not None and proc.returncode != expect_rc:
            raise AssertionError(
                f"{' '.join(cmd)} exited {proc.returncode}, expected {expect_rc}\n"
                f"--- stdout ---\n{proc.stdout[-20000:]}\n--- stderr ---\n{proc.stderr[-5000:]}"
            )
        return proc

    return run
