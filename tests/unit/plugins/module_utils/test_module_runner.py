"""aws_client: one retry layer per call, counted in HTTP requests against a local server that always throttles."""

import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds
from ansible_collections.multiregion.client_vpn.plugins.module_utils import module_runner
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client

# What every playbook of the collection sets in module_defaults (amazon.aws modules rely on it).
PLAYBOOK_AWS_CONFIG = {"retries": {"mode": "standard", "max_attempts": 10}, "connect_timeout": 7}
# AWSRetry.jittered_backoff(retries=10) in client_vpn.py and ds.py: 10 attempts in all.
WRAPPER_ATTEMPTS = 10


class Throttling(BaseHTTPRequestHandler):
    requests = []
    hang_up = False

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Throttling.requests.append(self.headers.get("X-Amz-Target") or "ec2")
        if Throttling.hang_up:  # no answer at all: the connection is closed
            self.close_connection = True
            return
        if self.headers.get("X-Amz-Target"):  # JSON protocol (Directory Service)
            body, kind = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}', "application/x-amz-json-1.1"
        else:  # EC2 query protocol
            body = (
                b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
                b"</Message></Error></Errors><RequestID>r</RequestID></Response>"
            )
            kind = "text/xml"
        self.send_response(400 if self.headers.get("X-Amz-Target") else 503)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Throttling)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Throttling.requests = []
    Throttling.hang_up = False
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def module(server, monkeypatch):
    # Neither botocore's nor AWSRetry's backoff should make the test slow.
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)
    args = {
        "region": "us-east-1",
        "endpoint_url": server,
        "access_key": "AKIDEXAMPLE",
        "secret_key": "secret",
        "aws_config": PLAYBOOK_AWS_CONFIG,
    }
    with patch_module_args(args):
        yield AnsibleAWSModule(argument_spec={})


def test_the_playbooks_aws_config_alone_stacks_botocore_retries_under_the_wrappers(module):
    """What the modules did before aws_client: 10 wrapper attempts x 11 botocore sends."""
    with pytest.raises(client_vpn.AnsibleClientVpnError):
        client_vpn.describe_client_vpn_endpoints(module.client("ec2"))
    assert len(Throttling.requests) == WRAPPER_ATTEMPTS * 11


def test_an_ec2_wrapper_sends_one_request_per_attempt(module):
    with pytest.raises(client_vpn.AnsibleClientVpnError):
        client_vpn.describe_client_vpn_endpoints(aws_client(module, "ec2"))
    assert len(Throttling.requests) == WRAPPER_ATTEMPTS


def test_a_ds_wrapper_in_another_region_sends_one_request_per_attempt(module):
    client = aws_client(module, "ds", region="eu-west-1")
    assert client.meta.region_name == "eu-west-1"
    with pytest.raises(ds.AnsibleDSError):
        ds.describe_directories(client)
    assert Throttling.requests == ["DirectoryService_20150416.DescribeDirectories"] * WRAPPER_ATTEMPTS


def test_the_rest_of_aws_config_is_kept(module):
    config = aws_client(module, "ec2").meta.config
    assert config.connect_timeout == 7
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}


def test_a_request_without_an_answer_is_sent_again_by_botocore_only(module):
    """No error code for the wrappers to retry: botocore sends it TRANSPORT_ATTEMPTS times in all, no more."""
    Throttling.hang_up = True
    with pytest.raises(client_vpn.AnsibleClientVpnError):
        client_vpn.describe_client_vpn_endpoints(aws_client(module, "ec2"))
    assert len(Throttling.requests) == module_runner.TRANSPORT_ATTEMPTS == 3
