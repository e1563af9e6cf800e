# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writes without an idempotency token, made once, surviving a lost answer.

AWS sometimes performs a write and loses its answer (a 500, a dropped
connection).  For a call without an idempotency token (CreateVpcPeeringConnection,
ImportCertificate) a blind retry, by botocore or by ``AWSRetry``, then makes a
second resource.  ``create_once`` makes the call on a client whose botocore
retries are off (``single_attempt_client``), and after an error that may hide a
performed write looks the resource up for a bounded time (the API is eventually
consistent: a just-created resource may be missing from the first reads)
before making the call one more time.
"""

import time

try:
    import botocore
except ImportError:
    pass  # Modules are responsible for handling this.

from ansible_collections.multiregion.client_vpn.plugins.module_utils import polling
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client

# How many times the write is made at most: the first call, then one more after the lookup found nothing.
ATTEMPTS = 2
LOOKUP_DELAY = 2.0
# Throttled writes (nothing performed) are made again, at most this many times in all.
THROTTLED_ATTEMPTS = 10
# Errors that say AWS performed nothing (EC2 throttles with a 503).
THROTTLING_CODES = ("Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException")


def single_attempt_client(module, service):
    """A client of ``module`` for ``service`` that sends a write once: no botocore retry, not even of a request
    that got no answer (the caller looks the resource up before writing again)."""
    return aws_client(module, service, resend_unanswered=False)


def classify(error):
    """``"refused"`` (a 4xx: AWS did not perform the write), ``"throttled"``, or ``"unknown"`` (a 5xx, a lost answer)."""
    if not isinstance(error, botocore.exceptions.ClientError):
        return "unknown"  # connection dropped, read timeout, ...: the answer is lost, maybe not the request
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    if code in THROTTLING_CODES:
        return "throttled"
    if status:
        return "unknown" if status >= 500 else "refused"
    # A ClientError without a status: trust the code.
    return "unknown" if code.startswith("Internal") or code in ("ServiceUnavailable", "Unavailable") else "refused"


def _lookup_delay(elapsed, remaining):
    """Lookups ``LOOKUP_DELAY`` apart, never beyond the deadline."""
    return min(LOOKUP_DELAY, remaining)


def poll(lookup, timeout, clock=None, sleep=None):
    """Call ``lookup()`` until it returns something truthy or ``timeout`` seconds passed; return its last result."""
    # A negative timeout gives a remaining time of 0 or less, as 0 does: one lookup.
    return polling.poll_until(lookup, bool, timeout, delay=_lookup_delay, clock=clock, sleep=sleep)


def create_once(write, lookup, timeout, clock=None, sleep=None):
    """Make ``write()`` (on a single-attempt client) without ever duplicating what it creates.

    Returns ``(result, None)`` when the write answered, ``(None, found)`` when an
    answer was lost and ``lookup()`` found what the write created.  After an
    error that may hide a performed write (a 5xx, a dropped connection),
    ``lookup`` is polled for ``timeout`` seconds; when it finds nothing the
    write is made once more.  After throttling the write is made again
    (nothing was performed), up to THROTTLED_ATTEMPTS.  A refused write (a 4xx) and the error of the
    last attempt are raised as they came.
    """
    sleep = sleep or time.sleep
    attempts = throttles = 0
    while True:
        try:
            return write(), None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            kind = classify(error)
            if kind == "refused":
                raise
            if kind == "throttled":
                # Nothing was performed: wait and write again, like the wrappers do for throttling.
                throttles += 1
                if throttles >= THROTTLED_ATTEMPTS:
                    raise
                sleep(min(LOOKUP_DELAY * throttles, 30.0))
                continue
            attempts += 1
            found = poll(lookup, timeout, clock=clock, sleep=sleep)
            if found:
                return None, found
            if attempts >= ATTEMPTS:
                raise
