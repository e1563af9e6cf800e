"""A running sandbox seen from outside: its control API, boto3 clients and an environment for subprocesses.

Used by the test suites (tests/conftest.py, tests/integration/test_lifecycle.py) and the bench.
"""

import json
import os
import urllib.request
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parent.parent


class SandboxHandle:
    """The sandbox at ``url``; ``region`` is the default of :meth:`client` and of ``AWS_DEFAULT_REGION``."""

    # Seconds a control request may take (None: urllib's default).
    control_timeout = None

    def __init__(self, url, region="us-east-1"):
        self.url = url
        self.region = region

    def control(self, method, route, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/_sandbox/{route}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        limit = {} if self.control_timeout is None else {"timeout": self.control_timeout}
        with urllib.request.urlopen(req, **limit) as resp:  # noqa: S310 loopback only
            return json.loads(resp.read())

    def client(self, service, region=None):
        return boto3.client(
            service,
            region_name=region or self.region,
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
        """os.environ plus the sandbox endpoint, test credentials and the repository's ansible.cfg."""
        env = dict(os.environ)
        env.update(
            AWS_ENDPOINT_URL=self.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=self.region,
            ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
        )
        return env
