"""module_utils/polling: the poll schedule and the deadline of ``wait``."""

import botocore.exceptions
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import polling


class FakeWaiter:
    """Answers each poll from a script: "pending", "done" or "failed"."""

    def __init__(self, script):
        self.script = list(script)
        self.polls = []

    def wait(self, WaiterConfig, **params):
        assert WaiterConfig == {"Delay": 0, "MaxAttempts": 1}
        self.polls.append(params)
        answer = self.script.pop(0) if self.script else "pending"
        if answer == "pending":
            raise botocore.exceptions.WaiterError(name="w", reason="Max attempts exceeded", last_response={"n": 1})
        if answer == "failed":
            raise botocore.exceptions.WaiterError(
                name="w", reason="Waiter encountered a terminal failure state", last_response={}
            )


class FakeTime:
    """A clock that advances by what is slept plus ``call_cost`` per clock read."""

    def __init__(self, call_cost=0.0):
        self.now = 100.0
        self.call_cost = call_cost
        self.slept = []

    def clock(self):
        self.now += self.call_cost
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(
    "elapsed, remaining, delay",
    [(0, 900, 1.0), (10, 900, 1.0), (40, 900, 2.0), (300, 900, 15.0), (3000, 900, 30.0), (40, 0.5, 0.5), (40, -1, 0)],
)
def test_next_delay_grows_with_elapsed_time_within_bounds(elapsed, remaining, delay):
    assert polling.next_delay(elapsed, remaining) == pytest.approx(delay)


def test_success_after_pending_polls_sleeps_the_schedule():
    waiter, fake = FakeWaiter(["pending", "pending", "done"]), FakeTime()
    polling.wait(waiter, 60, clock=fake.clock, sleep=fake.sleep, DirectoryIds=["d-1"])
    assert waiter.polls == [{"DirectoryIds": ["d-1"]}] * 3
    assert fake.slept == [1.0, 1.0]


def test_failure_state_raises_at_once():
    waiter, fake = FakeWaiter(["failed"]), FakeTime()
    with pytest.raises(botocore.exceptions.WaiterError, match="terminal failure"):
        polling.wait(waiter, 60, clock=fake.clock, sleep=fake.sleep)
    assert fake.slept == []


def test_deadline_raises_the_last_pending_error_without_sleeping_past_it():
    waiter, fake = FakeWaiter([]), FakeTime()
    with pytest.raises(botocore.exceptions.WaiterError) as error:
        polling.wait(waiter, 60, clock=fake.clock, sleep=fake.sleep)
    assert polling.timed_out(error.value) and error.value.last_response == {"n": 1}
    assert sum(fake.slept) == pytest.approx(60)
    # 1 s polls for the first 20 s, then 5% of the time waited (the last sleep ends at the deadline).
    waited = [sum(fake.slept[:i]) for i in range(len(fake.slept))]
    assert fake.slept[:-1] == [pytest.approx(max(1.0, t * 0.05)) for t in waited[:-1]]
    assert fake.slept[:20] == [1.0] * 20 and len(waiter.polls) == 44


def test_a_long_wait_reads_far_less_than_a_fixed_3_s_delay():
    waiter, fake = FakeWaiter([]), FakeTime()
    with pytest.raises(botocore.exceptions.WaiterError):
        polling.wait(waiter, 1800, clock=fake.clock, sleep=fake.sleep)
    assert len(waiter.polls) < 1800 // 3 // 4
    assert max(fake.slept) == polling.MAX_DELAY


def test_slow_calls_count_toward_the_deadline():
    waiter, fake = FakeWaiter([]), FakeTime(call_cost=5.0)
    with pytest.raises(botocore.exceptions.WaiterError):
        polling.wait(waiter, 30, clock=fake.clock, sleep=fake.sleep)
    assert fake.now - 100.0 <= 30 + 2 * fake.call_cost
    assert len(waiter.polls) < 30


def test_zero_timeout_polls_once():
    waiter, fake = FakeWaiter([]), FakeTime()
    with pytest.raises(botocore.exceptions.WaiterError):
        polling.wait(waiter, 0, clock=fake.clock, sleep=fake.sleep)
    assert len(waiter.polls) == 1 and fake.slept == []


def throttled(error):
    return "Throttling" in str(error)


class ThrottledWaiter(FakeWaiter):
    """A FakeWaiter whose "throttled" answer is a WaiterError that is neither a timeout nor a failure state."""

    def wait(self, WaiterConfig, **params):
        if self.script and self.script[0] == "throttled":
            self.script.pop(0)
            self.polls.append(params)
            raise botocore.exceptions.WaiterError(
                name="w", reason="An error occurred (Throttling): Rate exceeded", last_response={"n": 2}
            )
        return super().wait(WaiterConfig, **params)


def test_a_transient_error_is_not_yet():
    waiter, fake = ThrottledWaiter(["throttled", "pending", "done"]), FakeTime()
    polling.wait(waiter, 60, clock=fake.clock, sleep=fake.sleep, transient=throttled)
    assert len(waiter.polls) == 3 and fake.slept == [1.0, 1.0]


def test_a_transient_error_is_raised_at_once_unless_named():
    waiter, fake = ThrottledWaiter(["throttled"]), FakeTime()
    with pytest.raises(botocore.exceptions.WaiterError, match="Throttling"):
        polling.wait(waiter, 60, clock=fake.clock, sleep=fake.sleep)
    assert fake.slept == []


def test_a_transient_error_at_the_deadline_is_a_timeout():
    waiter, fake = ThrottledWaiter(["throttled"]), FakeTime()
    with pytest.raises(botocore.exceptions.WaiterError) as error:
        polling.wait(waiter, 0, clock=fake.clock, sleep=fake.sleep, transient=throttled)
    assert polling.timed_out(error.value) and error.value.last_response == {"n": 2}
    assert error.value.kwargs["name"] == "w" and "Throttling" in str(error.value.__cause__)


def test_poll_until_returns_the_first_done_read_or_the_last_at_the_deadline():
    fake, between = FakeTime(), []
    reads = iter([0, 0, 3])
    assert polling.poll_until(lambda: next(reads), bool, 60, clock=fake.clock, sleep=fake.sleep) == 3
    assert fake.slept == [1.0, 1.0]
    fake = FakeTime()
    result = polling.poll_until(
        lambda: 0,
        bool,
        5,
        delay=lambda e, r: min(2.0, r),
        clock=fake.clock,
        sleep=fake.sleep,
        between=lambda: between.append(1),
    )
    assert result == 0 and fake.slept == [2.0, 2.0, 1.0] and len(between) == 3
