# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The end every module's ``main()`` shares: run the logic once, then exit or fail.

The logic functions stay pure (``(client, params, check_mode)`` returning the
result dict, never calling ``exit_json``); ``main()`` builds the module and
hands the logic to ``run_module`` as its last statement.
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


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
