# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Adaptive polling for the collection's waiter models.

botocore waiters poll at a fixed delay: too slow for a wait of seconds (a
3 s delay costs 1.5 s on average after the state changed) and too chatty for
a 40-minute Region add (800 reads).  ``wait`` runs a waiter one poll at a
time and spaces the polls in proportion to the time already waited:
``next_delay`` is 5% of it, at least 1 s and at most 30 s.  A change is
therefore seen within 5% of the wait (1 s for the short ones), and a
30-minute directory costs 131 reads instead of 601.  ``poll_until`` is that
loop for any read (a describe until an item is listed, a lookup until it finds
something), with the deadline bookkeeping in one place.
"""

import time

try:
    import botocore
except ImportError:
    pass  # Modules are responsible for handling this.

MIN_DELAY = 1.0
MAX_DELAY = 30.0
DELAY_FRACTION = 0.05
TIMED_OUT = "Max attempts exceeded"
# The delay and attempts a waiter model must declare; ``wait`` overrides them with one poll at a time.
MODEL = {"delay": 1, "maxAttempts": 1}


def next_delay(elapsed, remaining):
    """Seconds to sleep before the next poll, never beyond the deadline."""
    delay = min(MAX_DELAY, max(MIN_DELAY, elapsed * DELAY_FRACTION))
    return max(0.0, min(delay, remaining))


def timed_out(error):
    """True when a WaiterError means "not there yet" rather than a failure state or an error."""
    return TIMED_OUT in str(error)


def poll_until(read, done, timeout, delay=next_delay, clock=None, sleep=None, between=None):
    """Call ``read()`` until ``done(result)`` or ``timeout`` seconds passed; return its last result.

    The reads are spaced by ``delay(elapsed, remaining)`` (``next_delay`` unless told), the last
    read is the one at which that delay is 0 or less.  ``between()``, when given, runs after each
    sleep, before the next read.  The elapsed time counts at least the time slept, so the deadline
    holds even where sleeping is faked.  ``clock`` and ``sleep`` default to time.monotonic and
    time.sleep, looked up at call time.
    """
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    start = clock()
    slept = 0.0
    while True:
        result = read()
        if done(result):
            return result
        elapsed = max(clock() - start, slept)
        pause = delay(elapsed, timeout - elapsed)
        if pause <= 0:
            return result
        sleep(pause)
        slept += pause
        if between is not None:
            between()


def wait(waiter, wait_timeout, clock=None, sleep=None, transient=None, **params):
    """Poll ``waiter`` (a botocore Waiter) until it succeeds or ``wait_timeout`` seconds passed.

    Raises botocore's WaiterError as ``waiter.wait`` does: at the deadline the
    last "Max attempts exceeded" error (its ``last_response`` is the last poll),
    on a failure acceptor or an unexpected error code at once.  ``transient(error)``,
    when given, names more WaiterErrors that mean "not yet" (a throttled read, ...);
    when the last poll before the deadline is one of them, a "Max attempts exceeded"
    WaiterError with its ``last_response`` is raised from it.  The polls are spaced
    by ``poll_until``; ``clock`` and ``sleep`` are handed to it.
    """
    wait_timeout = max(0, int(wait_timeout or 0))

    def attempt():
        """None when the waiter succeeded, the WaiterError of a poll that means "not yet"."""
        try:
            waiter.wait(WaiterConfig={"Delay": 0, "MaxAttempts": 1}, **params)
            return None
        except botocore.exceptions.WaiterError as error:
            if timed_out(error) or (transient is not None and transient(error)):
                return error
            raise

    error = poll_until(attempt, lambda result: result is None, wait_timeout, clock=clock, sleep=sleep)
    if error is None:
        return
    if timed_out(error):
        raise error
    raise botocore.exceptions.WaiterError(
        name=error.kwargs.get("name"), reason=TIMED_OUT, last_response=error.last_response
    ) from error
