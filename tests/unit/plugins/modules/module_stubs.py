"""Stubs shared by the modules' unit tests: stub clients, AWS errors, write calls, running main().

Imported as ``ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs``
(the collection is importable from the checkout, see tests/unit/conftest.py).
"""

import json
from unittest.mock import MagicMock

import botocore.exceptions
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

ENDPOINT_ID = "cvpn-endpoint-0123456789abcdef0"


def client_error(code, operation, message=None):
    """A real botocore ClientError with this code (message: "<code> happened" unless given)."""
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message if message is not None else f"{code} happened"}}, operation
    )


def write_calls(client, names):
    """The (method name, kwargs) of the calls made on a MagicMock client to the methods in ``names``."""
    return [(name, kwargs) for name, dummy_args, kwargs in client.method_calls if name in names]


def write_names(client, names):
    """The names of the calls made on a MagicMock client to the methods in ``names``, in order."""
    return [name for name, dummy_kwargs in write_calls(client, names)]


def run_main(module, args, client, capsys, monkeypatch):
    """Run ``module.main()`` with ``args`` on ``client`` (every AnsibleAWSModule.client), return its JSON result."""
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda self, *a, **kw: client)
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def endpoint_set_client(result_key, before, after=None, endpoint=True, other_paginators=None):
    """A MagicMock EC2 client for the modules managing one set of the endpoint ``ENDPOINT_ID``.

    The set's paginated describe call answers ``{result_key: before}`` the first time, ``after``
    (default ``before``) from then on; without ``endpoint`` (a missing or deleted endpoint) it fails
    with InvalidClientVpnEndpointId.NotFound, as AWS does.  These modules never read the endpoint
    itself: DescribeClientVpnEndpoints fails the test.  ``other_paginators``: {name: function(pager)}
    for other paginators.  ``paginated(client)`` lists the paginators asked for, in order.
    """
    client = MagicMock()
    queue = [before, after if after is not None else before]

    def paginator(name):
        pager = MagicMock()
        result = pager.paginate.return_value.build_full_result
        if name == "describe_client_vpn_endpoints":
            raise AssertionError("the set modules learn whether the endpoint exists from the set's describe call")
        if other_paginators and name in other_paginators:
            other_paginators[name](pager)
        elif not endpoint:
            result.side_effect = client_error(
                "InvalidClientVpnEndpointId.NotFound",
                "Describe" + "".join(part.capitalize() for part in name.split("_")[1:]),
                f"The Client VPN endpoint ID '{ENDPOINT_ID}' does not exist",
            )
        else:
            data = queue.pop(0) if len(queue) > 1 else queue[0]
            result.return_value = {result_key: data}
        return pager

    client.get_paginator.side_effect = paginator
    return client


def paginated(client):
    """The names of the paginators a MagicMock client was asked for, in order (one per describe call)."""
    return [c.args[0] for c in client.get_paginator.call_args_list]


def ds_client(directories, tags=None):
    """A MagicMock Directory Service client describing ``directories`` (a list the test may extend)."""
    client = MagicMock()
    client.describe_directories.side_effect = lambda **kw: {
        "DirectoryDescriptions": [
            d for d in directories if not kw.get("DirectoryIds") or d["DirectoryId"] in kw["DirectoryIds"]
        ]
    }
    client.list_tags_for_resource.return_value = {"Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}
    return client
