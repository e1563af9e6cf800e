# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ds_microsoft_ad and ds_ad_connector: one flow, two kinds of directory.

Both modules converge a directory with ``ensure_directory`` (module_utils/ds). What tells them apart is a
``DirectoryKind``: the ``Type`` AWS reports, the options a create needs and those it fixes, how a create is
predicted (check mode and diff) and made. ``run_directory_module`` is the body of both ``main()``.
"""

import dataclasses

from ansible_collections.multiregion.client_vpn.plugins.module_utils import secrets
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import DirectoryKind
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import build_connect_directory_params
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import build_microsoft_ad_params
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import connect_directory
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import create_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import create_microsoft_ad
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import ensure_directory
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import predicted_directory
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module


def _vpc_settings(params, **extra):
    """The VPC part of a predicted directory: the subnets sorted, as ``normalize_directory`` returns them."""
    return dict(vpc_id=params.get("vpc_id"), subnet_ids=sorted(params.get("subnet_ids") or []), **extra)


def predicted_microsoft_ad(params):
    """What the directory will look like once created (for check mode and diff)."""
    settings = {"edition": params.get("edition") or "Enterprise", "vpc_settings": _vpc_settings(params)}
    return predicted_directory(params, "MicrosoftAD", settings, ("short_name", "description", "network_type"))


def predicted_connector(params):
    """What the connector will look like once created (for check mode and diff)."""
    connect_settings = _vpc_settings(params, customer_user_name=params.get("customer_user_name"))
    settings = {"size": params.get("size") or "Small", "connect_settings": connect_settings}
    return predicted_directory(params, "ADConnector", settings, ("short_name", "description"))


MICROSOFT_AD = DirectoryKind(
    directory_type="MicrosoftAD",
    label="directory",
    required_for_create=["password", "vpc_id", "subnet_ids"],
    immutable_options=("short_name", "edition", "description", "vpc_id", "subnet_ids", "network_type"),
    predict=predicted_microsoft_ad,
    create=lambda client, params: create_microsoft_ad(client, build_microsoft_ad_params(params)),
    check_password=True,
    replicable=True,
)

AD_CONNECTOR = DirectoryKind(
    directory_type="ADConnector",
    label="AD Connector",
    required_for_create=["password", "customer_user_name", "customer_dns_ips", "vpc_id", "subnet_ids"],
    immutable_options=("short_name", "size", "description", "vpc_id", "subnet_ids", "customer_user_name"),
    predict=predicted_connector,
    create=lambda client, params: connect_directory(client, build_connect_directory_params(params)),
)


def with_password_from_secret(kind, read_password):
    """``kind`` whose create takes the password from ``read_password()`` (called only when it creates) instead of
    the ``password`` option, which a create then does not need."""
    required = [name for name in kind.required_for_create if name != "password"] + ["password_secret"]

    def create(client, params):
        return kind.create(client, dict(params, password=read_password()))

    return dataclasses.replace(kind, required_for_create=required, create=create)


def _secret_reader(module):
    """Read the connector's password from its secret (in the module's Region), hidden from every output."""

    def read():
        password = secrets.read_password(aws_client(module, "secretsmanager"), module.params["password_secret"])
        module.no_log_values.add(password)
        return password

    return read


def keeping_other_accounts(kind):
    """``kind`` for which an existing connector's other service account is kept, with a warning, not an error."""
    immutable = tuple(option for option in kind.immutable_options if option != "customer_user_name")
    return dataclasses.replace(kind, immutable_options=immutable)


def account_warnings(result, params):
    """A warning when the connector logs in as another account than ``customer_user_name`` (which AWS cannot
    change on an existing connector)."""
    have = ((result.get("directory") or {}).get("connect_settings") or {}).get("customer_user_name")
    want = params.get("customer_user_name")
    if not have or not want or have.lower() == want.lower():
        return []
    return [
        f"The AD Connector {result['directory'].get('directory_id')} logs in as {have}, not {want}: AWS cannot"
        " change the service account of a connector. To use the new account, replace the connector (and the Client"
        " VPN endpoint that authenticates through it)."
    ]


def ensure_directory_warning(client, params, check_mode, kind, create_client):
    """``ensure_directory``, with ``account_warnings`` when a differing account is kept (account_mismatch=warn)."""
    result = ensure_directory(client, params, check_mode, kind, create_client)
    warnings = account_warnings(result, params)
    if warnings:
        result["warnings"] = warnings
    return result


def run_directory_module(module, kind):
    """The whole of ``main()`` after the module is built: converge the directory of ``kind``, exit or fail.

    Two clients: one for every call but the create, and ``create_client``'s, which never sends a create again
    by itself (CreateMicrosoftAD and ConnectDirectory have no idempotency token).
    """
    if module.params.get("password_secret"):
        kind = with_password_from_secret(kind, _secret_reader(module))
    logic = ensure_directory
    if module.params.get("account_mismatch") == "warn":
        kind, logic = keeping_other_accounts(kind), ensure_directory_warning
    run_module(
        module,
        logic,
        aws_client(module, "ds"),
        module.params,
        module.check_mode,
        kind,
        create_client(module),
    )
