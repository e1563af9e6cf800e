# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The end every module's ``main()`` shares: run the logic once, then exit or fail.

The logic functions stay pure (``(client, params, check_mode)`` returning the
result dict, never calling ``exit_json``); ``main()`` builds the module and
hands the logic to ``run_module`` as its last statement.

Every module builds its clients with ``aws_client``: one retry layer per call.
"""

try:
    import botocore.config
    import botocore.exceptions
except ImportError:
    pass  # Modules are responsible for handling this.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

# The collection's wrappers (AWSRetry.jittered_backoff: 10 attempts, the codes each service needs, such as
# ConcurrentMutationLimitExceeded or a busy directory) and waiters (throttling codes as "retry") already retry.
# botocore's own retries (standard mode, 10 attempts, from the playbooks' aws_config) under them would multiply
# the attempts (~100 per call): our clients make a single HTTP attempt per wrapper attempt.
SINGLE_ATTEMPT = {"retries": {"mode": "standard", "total_max_attempts": 1}}
# A request that got no answer at all (connection reset, timeout) never reaches the wrappers' error codes: botocore
# sends it again, at most this many times in all, and only then.
TRANSPORT_ATTEMPTS = 3


def _retry_transport_errors(attempts, caught_exception=None, **kwargs):
    """botocore ``needs-retry`` handler: seconds to wait before sending again, or None (no retry)."""
    transport = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)
    if isinstance(caught_exception, transport) and attempts < TRANSPORT_ATTEMPTS:
        return attempts
    return None


def aws_client(module, service, region=None, resend_unanswered=True):
    """``module.client(service)`` making one attempt per wrapper attempt (the rest of aws_config kept).

    Error codes are retried by the wrappers only; a request without an answer by botocore only
    (TRANSPORT_ATTEMPTS), unless ``resend_unanswered`` is false: the client of a create that has no idempotency
    token must never send it again by itself (the caller looks the resource up first, see lost_answer).
    AnsibleAWSModule merges the user's ``aws_config`` last, so the single attempt is merged into it here.
    """
    dummy_region, dummy_endpoint, connection = get_aws_connection_info(module)
    config = connection.get("aws_config") or botocore.config.Config()
    extra = {"aws_config": config.merge(botocore.config.Config(**SINGLE_ATTEMPT))}
    if region is not None:
        extra["region"] = region
    client = module.client(service, **extra)
    events = getattr(getattr(client, "meta", None), "events", None)
    if resend_unanswered and events is not None:  # a real botocore client (unit tests may hand out stubs)
        event = f"needs-retry.{client.meta.service_model.service_id.hyphenize()}"
        events.register(event, _retry_transport_errors, unique_id="multiregion-client-vpn-transport-retry")
    return client


def run_module(module, logic, *args, user_errors=()):
    """Exit ``module`` with the result dict of ``logic(*args)``.

    An ``AnsibleAWSError`` fails with the AWS error (``fail_json_aws_error``); an
    exception of one of the classes in ``user_errors`` (options that cannot be
    applied, found before any AWS call) fails with its message.  The result's
    ``diff`` is returned in diff mode only.
    """
    try:
        result = logic(*args)
    except user_errors as e:
        module.fail_json(msg=str(e))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)
