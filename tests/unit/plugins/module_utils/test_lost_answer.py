"""lost_answer: which errors may hide a performed write, the bounded lookup, one more write at most."""

import http.server
import threading

import boto3
import botocore.config
import botocore.exceptions
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import lost_answer
from ansible_collections.multiregion.client_vpn.plugins.module_utils import module_runner


def error(code, status):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "CreateThing"
    )


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(
    "failure,kind",
    [
        (error("InternalError", 500), "unknown"),
        (error("ServiceUnavailable", 503), "unknown"),
        (error("RequestLimitExceeded", 503), "throttled"),
        (error("InvalidVpcID.NotFound", 400), "refused"),
        (botocore.exceptions.ConnectionClosedError(endpoint_url="https://ec2"), "unknown"),
        (botocore.exceptions.ReadTimeoutError(endpoint_url="https://ec2"), "unknown"),
    ],
)
def test_classify(failure, kind):
    assert lost_answer.classify(failure) == kind


def test_answer_returned_without_lookup():
    calls = []
    assert lost_answer.create_once(lambda: "made", lambda: calls.append(1), 60) == ("made", None)
    assert calls == []


def test_lost_answer_found_by_lookup_is_not_made_again():
    fake = FakeTime()
    writes, reads = [], iter([None, None, "found"])

    def write():
        writes.append(1)
        raise error("InternalError", 500)

    assert lost_answer.create_once(write, lambda: next(reads), 60, fake.clock, fake.sleep) == (None, "found")
    assert writes == [1] and fake.slept == [2.0, 2.0]


def test_nothing_found_makes_one_more_write_then_gives_up():
    fake = FakeTime()
    writes = []

    def write():
        writes.append(1)
        raise error("InternalError", 500)

    with pytest.raises(botocore.exceptions.ClientError):
        lost_answer.create_once(write, lambda: None, 10, fake.clock, fake.sleep)
    assert writes == [1, 1]
    assert sum(fake.slept) == 20  # the lookup polled for the whole timeout after each write


def test_refused_write_fails_at_once():
    lookups = []

    def write():
        raise error("InvalidParameterValue", 400)

    with pytest.raises(botocore.exceptions.ClientError):
        lost_answer.create_once(write, lambda: lookups.append(1), 60, lambda: 0.0, lambda s: None)
    assert lookups == []


class FakeModule:
    def __init__(self, aws_config):
        self.params = {"aws_config": aws_config}
        self.made = []

    def client(self, service, **kw):
        self.made.append(kw)
        return boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=self.endpoint,
            aws_access_key_id="AKID",
            aws_secret_access_key="SECRET",
            config=kw["aws_config"],
        )


@pytest.fixture
def failing_endpoint():
    """A local HTTP endpoint answering every request with a 500 InternalError; yields (url, request count)."""
    count = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server interface
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            count.append(1)
            body = b"<Response><Errors><Error><Code>InternalError</Code><Message>lost</Message></Error></Errors></Response>"
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", count
    server.shutdown()


@pytest.mark.parametrize(
    "aws_config", [None, {"retries": {"mode": "standard", "max_attempts": 10}, "read_timeout": 30}]
)
def test_single_attempt_client_makes_one_request_whatever_the_user_config(failing_endpoint, aws_config, monkeypatch):
    url, count = failing_endpoint
    module = FakeModule(aws_config)
    module.endpoint = url
    # What amazon.aws reads from a real module's params: the user's aws_config as a botocore Config.
    connection = {"aws_config": botocore.config.Config(**aws_config)} if aws_config else {}
    monkeypatch.setattr(module_runner, "get_aws_connection_info", lambda m: ("us-east-1", url, connection))
    client = lost_answer.single_attempt_client(module, "ec2")
    with pytest.raises(botocore.exceptions.ClientError):
        client.create_vpc_peering_connection(VpcId="vpc-1", PeerVpcId="vpc-2")
    assert len(count) == 1
    if aws_config:
        assert client.meta.config.read_timeout == 30  # the rest of the user's config is kept
