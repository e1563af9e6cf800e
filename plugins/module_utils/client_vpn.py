# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wrappers, error handling and waiters for the EC2 Client VPN API.

Conventions (shared by every ec2_client_vpn_* module):

- One small function per AWS call, decorated with
  ``@ClientVpnErrorHandler.<kind>_error_handler("...")`` over ``@client_vpn_retry``
  (jittered backoff that also retries ``ConcurrentMutationLimitExceeded``).
  Errors surface as ``AnsibleClientVpnError`` (an ``AnsibleAWSError``): a module
  catches ``AnsibleAWSError`` once in ``main()`` and calls ``fail_json_aws_error``.
- Describe wrappers paginate inside and return plain lists.  The wrappers listing
  what belongs to one endpoint (target networks, authorization rules, routes,
  connections) return None when the endpoint does not exist (AWS answers
  ``InvalidClientVpnEndpointId.NotFound``): that one call tells a missing
  endpoint from an empty set, no DescribeClientVpnEndpoints needed.  Callers
  that only want the items write ``... or []``.
- Waiting: ``wait_for(client, waiter_name, wait_timeout, **describe_params)``,
  built on ``ClientVpnWaiterFactory`` (botocore has no Client VPN waiters) and
  polled by ``polling.wait`` (delay growing with the time waited).
"""

import hashlib
import json
import uuid

try:
    import botocore  # pylint: disable=unused-import
except ImportError:
    pass  # Modules are responsible for handling this.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.multiregion.client_vpn.plugins.module_utils import polling

# Error codes worth retrying on top of AWSRetry's defaults (RequestLimitExceeded,
# Throttling, ServiceUnavailable, ...). Client VPN allows 10 concurrent mutations
# per endpoint and answers ConcurrentMutationLimitExceeded beyond that.
CLIENT_VPN_RETRY_CODES = [
    "ConcurrentMutationLimitExceeded",
    "ThrottlingException",
    "RequestLimitExceeded",
]

ENDPOINT_NOT_FOUND = "InvalidClientVpnEndpointId.NotFound"
ASSOCIATION_NOT_FOUND = "InvalidClientVpnAssociationId.NotFound"
# The code in AWS's EC2 error-code list (and Terraform's current provider) has no dot.
ASSOCIATION_ID_NOT_FOUND = "InvalidClientVpnAssociationIdNotFound"

client_vpn_retry = AWSRetry.jittered_backoff(
    retries=10, delay=3, max_delay=60, catch_extra_error_codes=CLIENT_VPN_RETRY_CODES
)


class AnsibleClientVpnError(AnsibleAWSError):
    pass


class ClientVpnErrorHandler(AWSErrorHandler):
    """Error handler whose ``list``/``deletion`` variants treat a missing endpoint as absent."""

    _CUSTOM_EXCEPTION = AnsibleClientVpnError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(ENDPOINT_NOT_FOUND)


class ClientVpnAssociationErrorHandler(AWSErrorHandler):
    """Missing endpoint or missing association both mean "not associated"."""

    _CUSTOM_EXCEPTION = AnsibleClientVpnError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code([ENDPOINT_NOT_FOUND, ASSOCIATION_NOT_FOUND, ASSOCIATION_ID_NOT_FOUND])


# ---------------------------------------------------------------------------
# Waiters
# ---------------------------------------------------------------------------


def _state_waiter(
    operation, path, success, retry=(), failure=(), empty_is_success=False, missing_codes=(), unknown_codes=()
):
    acceptors = []
    for state in success:
        acceptors.append(dict(state="success", matcher="pathAll", expected=state, argument=path))
    for state in failure:
        acceptors.append(dict(state="failure", matcher="pathAny", expected=state, argument=path))
    for state in retry:
        acceptors.append(dict(state="retry", matcher="pathAny", expected=state, argument=path))
    list_name = path.split("[]")[0]
    if empty_is_success:
        acceptors.append(dict(state="success", matcher="path", expected=True, argument=f"length({list_name}[]) == `0`"))
    for code in missing_codes:
        acceptors.append(dict(state="success", matcher="error", expected=code))
    # EC2 is eventually consistent: an ID just created may be unknown for a while; keep polling.
    for code in unknown_codes:
        acceptors.append(dict(state="retry", matcher="error", expected=code))
    return dict(operation=operation, **polling.MODEL, acceptors=acceptors)


def _settled_waiter(operation, list_name, busy_states):
    busy = " || ".join(f"Status.Code=='{state}'" for state in busy_states)
    return dict(
        operation=operation,
        **polling.MODEL,
        acceptors=[
            dict(state="success", matcher="path", expected=True, argument=f"length({list_name}[?{busy}]) == `0`"),
            dict(state="success", matcher="error", expected=ENDPOINT_NOT_FOUND),
        ],
    )


class ClientVpnWaiterFactory(BaseWaiterFactory):
    @property
    def _waiter_model_data(self):
        endpoint_path = "ClientVpnEndpoints[].Status.Code"
        association_path = "ClientVpnTargetNetworks[].Status.Code"
        rule_path = "AuthorizationRules[].Status.Code"
        route_path = "Routes[].Status.Code"
        return dict(
            # An endpoint is usable for configuration once it left "pending":
            # "pending-associate" (no subnet yet) or "available".
            client_vpn_endpoint_ready=_state_waiter(
                "DescribeClientVpnEndpoints",
                endpoint_path,
                success=["available", "pending-associate"],
                failure=["deleting", "deleted"],
                unknown_codes=[ENDPOINT_NOT_FOUND],
            ),
            client_vpn_endpoint_available=_state_waiter(
                "DescribeClientVpnEndpoints",
                endpoint_path,
                success=["available"],
                failure=["deleting", "deleted"],
                unknown_codes=[ENDPOINT_NOT_FOUND],
            ),
            # The ID answered by CreateClientVpnEndpoint is described at all (in any state).
            client_vpn_endpoint_visible=dict(
                operation="DescribeClientVpnEndpoints",
                **polling.MODEL,
                acceptors=[
                    dict(state="success", matcher="path", expected=True, argument="length(ClientVpnEndpoints[]) > `0`"),
                    dict(state="retry", matcher="error", expected=ENDPOINT_NOT_FOUND),
                ],
            ),
            client_vpn_endpoint_deleted=_state_waiter(
                "DescribeClientVpnEndpoints",
                endpoint_path,
                success=["deleted"],
                empty_is_success=True,
                missing_codes=[ENDPOINT_NOT_FOUND],
            ),
            client_vpn_target_network_associated=_state_waiter(
                "DescribeClientVpnTargetNetworks",
                association_path,
                success=["associated"],
                failure=["association-failed", "disassociated"],
                unknown_codes=[ASSOCIATION_ID_NOT_FOUND, ASSOCIATION_NOT_FOUND],
            ),
            client_vpn_target_network_disassociated=_state_waiter(
                "DescribeClientVpnTargetNetworks",
                association_path,
                success=["disassociated"],
                empty_is_success=True,
                # Gone: EC2's documented dotless code (the dotted one too), an empty list or "disassociated".
                missing_codes=[ENDPOINT_NOT_FOUND, ASSOCIATION_ID_NOT_FOUND, ASSOCIATION_NOT_FOUND],
            ),
            client_vpn_authorization_rule_active=_state_waiter(
                "DescribeClientVpnAuthorizationRules",
                rule_path,
                success=["active"],
                failure=["failed"],
            ),
            client_vpn_authorization_rule_revoked=_state_waiter(
                "DescribeClientVpnAuthorizationRules",
                rule_path,
                success=[],
                failure=["failed"],
                empty_is_success=True,
                missing_codes=[ENDPOINT_NOT_FOUND],
            ),
            client_vpn_route_active=_state_waiter(
                "DescribeClientVpnRoutes",
                route_path,
                success=["active"],
                failure=["failed"],
            ),
            client_vpn_route_deleted=_state_waiter(
                "DescribeClientVpnRoutes",
                route_path,
                success=[],
                failure=["failed"],
                empty_is_success=True,
                missing_codes=[ENDPOINT_NOT_FOUND],
            ),
            # "Settled": no item of the endpoint (or of the describe filter) is in a
            # transitional state.  Used by the set modules (target_network,
            # authorization_rule, route), which then read the final state of each of
            # their own items: an unrelated failed item does not fail the wait.
            client_vpn_target_networks_settled=_settled_waiter(
                "DescribeClientVpnTargetNetworks", "ClientVpnTargetNetworks", ["associating", "disassociating"]
            ),
            client_vpn_authorization_rules_settled=_settled_waiter(
                "DescribeClientVpnAuthorizationRules", "AuthorizationRules", ["authorizing", "revoking"]
            ),
            client_vpn_routes_settled=_settled_waiter("DescribeClientVpnRoutes", "Routes", ["creating", "deleting"]),
        )


def get_waiter(client, waiter_name):
    return ClientVpnWaiterFactory().get_waiter(client, waiter_name)


def wait_for(client, waiter_name, wait_timeout, **params):
    """Poll until the waiter succeeds; raises AnsibleClientVpnError on timeout or failure state.

    ``params`` are the describe call's parameters, e.g.
    ``wait_for(client, "client_vpn_target_network_associated", 900,
    ClientVpnEndpointId=eid, AssociationIds=[aid])``.
    """
    description = f"wait for {waiter_name.replace('_', ' ')}"

    @ClientVpnErrorHandler.common_error_handler(description)
    def _wait():
        polling.wait(get_waiter(client, waiter_name), wait_timeout, **params)

    _wait()


def wait_until_listed(read, missing, wait_timeout, settle=None, clock=None, sleep=None):
    """``read()`` until ``missing(items)`` is empty or ``wait_timeout`` seconds passed; returns the last items.

    EC2 is eventually consistent: an item just created may be missing from the describe that lists
    it for a while; that is waited out, never taken for "not created".  ``settle()`` runs before
    each new read (an item that shows up may still be in progress).  Reads are spaced as
    ``polling.wait`` spaces its polls; the caller reports what is still missing at the deadline.
    """
    return polling.poll_until(
        read, lambda items: not missing(items), wait_timeout or 0, clock=clock, sleep=sleep, between=settle
    )


def error_code(error):
    """The AWS error code of an AnsibleAWSError (or of a botocore ClientError), else None."""
    exception = getattr(error, "exception", error)
    return (getattr(exception, "response", None) or {}).get("Error", {}).get("Code")


def new_client_token():
    """A ClientToken for one intended write: created once, before the call, so every retry of it
    (AWSRetry re-calls the wrapper, botocore resends the request) carries the same token and AWS
    makes the item once even when an answer was lost."""
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------


@ClientVpnErrorHandler.list_error_handler("describe Client VPN endpoints", [])
@client_vpn_retry
def describe_client_vpn_endpoints(client, **params):
    paginator = client.get_paginator("describe_client_vpn_endpoints")
    return paginator.paginate(**params).build_full_result()["ClientVpnEndpoints"]


@ClientVpnErrorHandler.common_error_handler("create Client VPN endpoint")
@client_vpn_retry
def create_client_vpn_endpoint(client, **params):
    return client.create_client_vpn_endpoint(**params)


@ClientVpnErrorHandler.common_error_handler("modify Client VPN endpoint")
@client_vpn_retry
def modify_client_vpn_endpoint(client, endpoint_id, **params):
    client.modify_client_vpn_endpoint(ClientVpnEndpointId=endpoint_id, **params)
    return True


@ClientVpnErrorHandler.deletion_error_handler("delete Client VPN endpoint")
@client_vpn_retry
def delete_client_vpn_endpoint(client, endpoint_id):
    client.delete_client_vpn_endpoint(ClientVpnEndpointId=endpoint_id)
    return True


@ClientVpnErrorHandler.common_error_handler("export Client VPN client configuration")
@client_vpn_retry
def export_client_vpn_client_configuration(client, endpoint_id):
    return client.export_client_vpn_client_configuration(ClientVpnEndpointId=endpoint_id)["ClientConfiguration"]


@ClientVpnErrorHandler.common_error_handler("tag Client VPN endpoint")
@client_vpn_retry
def create_tags(client, resource_id, tags):
    """``tags`` is a boto3 tag list."""
    client.create_tags(Resources=[resource_id], Tags=tags)
    return True


@ClientVpnErrorHandler.common_error_handler("untag Client VPN endpoint")
@client_vpn_retry
def delete_tags(client, resource_id, keys):
    client.delete_tags(Resources=[resource_id], Tags=[dict(Key=k) for k in keys])
    return True


def endpoint_is_live(endpoint):
    """False for endpoints being deleted or already deleted (they linger in describe output)."""
    return endpoint.get("Status", {}).get("Code") not in ("deleting", "deleted")


def endpoint_name(endpoint):
    return boto3_tag_list_to_ansible_dict(endpoint.get("Tags") or []).get("Name")


def get_client_vpn_endpoint(client, endpoint_id):
    """The endpoint with that id, or None when it does not exist (or is deleted)."""
    endpoints = describe_client_vpn_endpoints(client, ClientVpnEndpointIds=[endpoint_id])
    endpoints = [e for e in endpoints if e.get("Status", {}).get("Code") != "deleted"]
    return endpoints[0] if endpoints else None


def find_client_vpn_endpoints_by_name(client, name, include_deleting=False):
    """Endpoints whose Name tag equals ``name``, filtered client-side (the API documents no tag filter)."""
    endpoints = describe_client_vpn_endpoints(client)
    found = []
    for endpoint in endpoints:
        if endpoint_name(endpoint) != name:
            continue
        if endpoint_is_live(endpoint) or (include_deleting and endpoint["Status"]["Code"] == "deleting"):
            found.append(endpoint)
    return found


def find_client_vpn_endpoint(client, name=None, endpoint_id=None):
    """The one endpoint identified by id (preferred) or by Name tag, or None.

    Raises AnsibleClientVpnError when a name matches several live endpoints.
    """
    if endpoint_id:
        return get_client_vpn_endpoint(client, endpoint_id)
    if not name:
        return None
    found = find_client_vpn_endpoints_by_name(client, name)
    if len(found) > 1:
        ids = ", ".join(sorted(e["ClientVpnEndpointId"] for e in found))
        raise AnsibleClientVpnError(
            message=f"Several Client VPN endpoints are named {name!r} ({ids}); set client_vpn_endpoint_id"
        )
    return found[0] if found else None


def require_client_vpn_endpoint(client, params):
    """The endpoint of ``params`` (``client_vpn_endpoint_id``, else ``name``); not found is an error."""
    endpoint = find_client_vpn_endpoint(
        client, name=params.get("name"), endpoint_id=params.get("client_vpn_endpoint_id")
    )
    if endpoint is None:
        wanted = params.get("client_vpn_endpoint_id") or params.get("name")
        raise AnsibleClientVpnError(message=f"Client VPN endpoint {wanted} not found")
    return endpoint


def derive_client_token(name, create_params=None, salt=None):
    """A deterministic ClientToken (64 hex characters) for CreateClientVpnEndpoint.

    Derived from the identity (the Name) and the creation parameters, so that
    re-running an interrupted create returns the endpoint AWS already made
    instead of creating a second one. ``salt`` (e.g. the id of the endpoint
    being replaced, or of a deleted endpoint AWS answered with) yields a new
    token for a deliberate re-creation. ClientToken and DryRun are ignored.
    """
    params = {k: v for k, v in (create_params or {}).items() if k not in ("ClientToken", "DryRun")}
    material = json.dumps(
        {"name": name, "params": params, "salt": salt}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------
# Target networks, authorization rules, routes, connections (describe side)
# Mutating wrappers for these live further down (ec2_client_vpn_target_network,
# _authorization_rule, _route).
# ---------------------------------------------------------------------------


@ClientVpnErrorHandler.list_error_handler("describe Client VPN target networks")
@client_vpn_retry
def describe_client_vpn_target_networks(client, endpoint_id, **params):
    """The endpoint's target networks (associations), or None when the endpoint does not exist."""
    paginator = client.get_paginator("describe_client_vpn_target_networks")
    result = paginator.paginate(ClientVpnEndpointId=endpoint_id, **params).build_full_result()
    return result["ClientVpnTargetNetworks"]


@ClientVpnAssociationErrorHandler.deletion_error_handler("disassociate Client VPN target network")
@client_vpn_retry
def disassociate_client_vpn_target_network(client, endpoint_id, association_id):
    return client.disassociate_client_vpn_target_network(ClientVpnEndpointId=endpoint_id, AssociationId=association_id)


@ClientVpnErrorHandler.list_error_handler("describe Client VPN authorization rules")
@client_vpn_retry
def describe_client_vpn_authorization_rules(client, endpoint_id, **params):
    """The endpoint's authorization rules, or None when the endpoint does not exist."""
    paginator = client.get_paginator("describe_client_vpn_authorization_rules")
    result = paginator.paginate(ClientVpnEndpointId=endpoint_id, **params).build_full_result()
    return result["AuthorizationRules"]


@ClientVpnErrorHandler.list_error_handler("describe Client VPN routes")
@client_vpn_retry
def describe_client_vpn_routes(client, endpoint_id, **params):
    """The endpoint's routes, or None when the endpoint does not exist."""
    paginator = client.get_paginator("describe_client_vpn_routes")
    result = paginator.paginate(ClientVpnEndpointId=endpoint_id, **params).build_full_result()
    return result["Routes"]


@ClientVpnErrorHandler.list_error_handler("describe Client VPN connections")
@client_vpn_retry
def describe_client_vpn_connections(client, endpoint_id, **params):
    """The endpoint's connections, or None when the endpoint does not exist."""
    paginator = client.get_paginator("describe_client_vpn_connections")
    result = paginator.paginate(ClientVpnEndpointId=endpoint_id, **params).build_full_result()
    return result["Connections"]


# ---------------------------------------------------------------------------
# Target networks, authorization rules, routes (mutating side)
# Used by ec2_client_vpn_target_network, _authorization_rule and _route; the set
# differences they apply live in client_vpn_sets.py.
# ---------------------------------------------------------------------------

RULE_NOT_FOUND = "InvalidClientVpnEndpointAuthorizationRuleNotFound"
ROUTE_NOT_FOUND = "InvalidClientVpnRouteNotFound"


class ClientVpnRuleErrorHandler(AWSErrorHandler):
    """A missing endpoint or rule means "already revoked"."""

    _CUSTOM_EXCEPTION = AnsibleClientVpnError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code([ENDPOINT_NOT_FOUND, RULE_NOT_FOUND])


class ClientVpnRouteErrorHandler(AWSErrorHandler):
    """A missing endpoint or route means "already deleted"."""

    _CUSTOM_EXCEPTION = AnsibleClientVpnError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code([ENDPOINT_NOT_FOUND, ROUTE_NOT_FOUND])


@ClientVpnErrorHandler.common_error_handler("associate Client VPN target network")
@client_vpn_retry
def associate_client_vpn_target_network(client, endpoint_id, subnet_id, **params):
    """Returns ``{"AssociationId": ..., "Status": {...}}``.  Pass ``ClientToken`` (see ``new_client_token``)."""
    return client.associate_client_vpn_target_network(ClientVpnEndpointId=endpoint_id, SubnetId=subnet_id, **params)


@ClientVpnErrorHandler.common_error_handler("authorize Client VPN ingress")
@client_vpn_retry
def authorize_client_vpn_ingress(
    client, endpoint_id, destination_cidr, access_group_id=None, description=None, client_token=None
):
    """One authorization rule: to an AD/IdP group (its SID) or, without ``access_group_id``, to all users.

    ``client_token``: made once by the caller (``new_client_token``) so that retries reuse it.
    """
    params = dict(ClientVpnEndpointId=endpoint_id, TargetNetworkCidr=destination_cidr)
    if client_token:
        params["ClientToken"] = client_token
    if access_group_id:
        params["AccessGroupId"] = access_group_id
    else:
        params["AuthorizeAllGroups"] = True
    if description:
        params["Description"] = description
    return client.authorize_client_vpn_ingress(**params)


@ClientVpnRuleErrorHandler.deletion_error_handler("revoke Client VPN ingress")
@client_vpn_retry
def revoke_client_vpn_ingress(client, endpoint_id, destination_cidr, access_group_id=None):
    params = dict(ClientVpnEndpointId=endpoint_id, TargetNetworkCidr=destination_cidr)
    if access_group_id:
        params["AccessGroupId"] = access_group_id
    else:
        params["RevokeAllGroups"] = True
    client.revoke_client_vpn_ingress(**params)
    return True


@ClientVpnErrorHandler.common_error_handler("create Client VPN route")
@client_vpn_retry
def create_client_vpn_route(client, endpoint_id, destination_cidr, target_subnet, description=None, client_token=None):
    """``client_token``: made once by the caller (``new_client_token``) so that retries reuse it."""
    params = dict(
        ClientVpnEndpointId=endpoint_id, DestinationCidrBlock=destination_cidr, TargetVpcSubnetId=target_subnet
    )
    if client_token:
        params["ClientToken"] = client_token
    if description:
        params["Description"] = description
    return client.create_client_vpn_route(**params)


@ClientVpnRouteErrorHandler.deletion_error_handler("delete Client VPN route")
@client_vpn_retry
def delete_client_vpn_route(client, endpoint_id, destination_cidr, target_subnet):
    client.delete_client_vpn_route(
        ClientVpnEndpointId=endpoint_id, DestinationCidrBlock=destination_cidr, TargetVpcSubnetId=target_subnet
    )
    return True


@ClientVpnErrorHandler.common_error_handler("describe subnets")
@client_vpn_retry
def describe_subnets_by_id(client, subnet_ids):
    """The subnets with these ids (AWS fails with InvalidSubnetID.NotFound when one does not exist)."""
    if not subnet_ids:
        return []
    paginator = client.get_paginator("describe_subnets")
    return paginator.paginate(SubnetIds=list(subnet_ids)).build_full_result()["Subnets"]
