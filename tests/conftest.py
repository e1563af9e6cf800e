"""Fixtures shared by every suite: a sandbox per test session, reset per test, and a playbook runner."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sandbox.server import ThreadedSandbox  # noqa: E402


class SandboxHandle:
    """A running sandbox: boto3 clients, the control API and an environment for subprocesses."""

    def __init__(self, url):
        self.url = url

    def control(self, method, route, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/_sandbox/{route}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req) as resp:  # noqa: S310 loopback only
            return json.loads(resp.read())

    def client(self, service, region="us-east-1"):
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def calls(self):
        return self.control("GET", "calls")["calls"]

    def write_calls(self):
        return [c for c in self.calls() if c["write"]]

    def clear_calls(self):
        self.control("DELETE", "calls")

    def set_time_scale(self, scale):
        self.control("POST", "time-scale", {"scale": scale})

    @property
    def env(self):
        env = dict(os.environ)
        env.update(
            AWS_ENDPOINT_URL=self.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
        )
        return env


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
