"""lost_answer: which errors may hide a performed write, the bounded lookup, one more write at most."""

import botocore.exceptions
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import lost_answer


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


def test_single_attempt_config():
    assert lost_answer.single_attempt_config().retries == {"total_max_attempts": 1}


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
