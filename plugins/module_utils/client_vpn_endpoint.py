# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ec2_client_vpn_endpoint does: one table row per endpoint option, and the flows built on it.

``OPTIONS`` holds one ``EndpointOption`` per module option: its member in CreateClientVpnEndpoint and
ModifyClientVpnEndpoint, how the option becomes that member's value, how DescribeClientVpnEndpoints'
answer is read back (with the value AWS fills in when it leaves the member out), whether AWS can change
it in place, and how a difference is found. Comparing, creating, modifying and the diff are loops over
that table, so adding an option is adding a row (and its documentation and argument spec).

Both sides are brought to one shape before they are compared, keyed by module option name: the
parameters by ``wanted``, the described endpoint by ``from_response``.
"""

import copy
from collections import namedtuple

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils import aws_rules
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import AnsibleClientVpnError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import create_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import create_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import delete_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import delete_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import derive_client_token
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import describe_client_vpn_endpoints
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    describe_client_vpn_target_networks,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    disassociate_client_vpn_target_network,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import endpoint_is_live
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import find_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import get_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import modify_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import wait_for
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module
from ansible_collections.multiregion.client_vpn.plugins.module_utils.results import snake_with_tags

# Tokens tried by one create: each further one follows an answer naming an endpoint deleted since.
MAX_CREATE_TOKENS = 5


class ImmutableChangesError(AnsibleClientVpnError):
    """Options AWS cannot change in place differ and replace=false: the module fails naming them."""

    def __init__(self, message, immutable_changes):
        super().__init__(message=message)
        self.immutable_changes = immutable_changes


# ---------------------------------------------------------------------------
# Value helpers: the table's columns are made of these.
# ---------------------------------------------------------------------------


def _clean(value):
    """Drop None members of a dict (recursively for dicts); sort nothing."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    return value


def _copy(value):
    """The value as given, lists copied (a request never shares a list with the parameters)."""
    return list(value) if isinstance(value, list) else value


def _same(value):
    return value


def _is_set(value):
    return value is not None


def _always(dummy_value):
    return True


def _or(default):
    """A reader for members AWS may leave out or answer empty: ``default`` then."""
    return lambda value: value or default


def _list(value):
    return list(value or [])


def _sorted_list(value):
    return sorted(value or [])


def _differs(want, have):
    """Whether a desired value differs from the current one. Dicts compare only the members asked for."""
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return True
        return any(_differs(v, have.get(k)) for k, v in want.items())
    return want != have


def _text_differs(want, have):
    """No description and an empty one are the same."""
    return (want or "") != (have or "")


# ---------------------------------------------------------------------------
# Authentication (immutable): a list of structures, compared in any order.
# ---------------------------------------------------------------------------

AUTH_KEYS = {
    # module suboption: (request structure, request member, response structure, response member)
    "directory_id": ("ActiveDirectory", "DirectoryId", "ActiveDirectory", "DirectoryId"),
    "client_root_certificate_chain_arn": (
        "MutualAuthentication",
        "ClientRootCertificateChainArn",
        "MutualAuthentication",
        "ClientRootCertificateChain",
    ),
    "saml_provider_arn": ("FederatedAuthentication", "SAMLProviderArn", "FederatedAuthentication", "SamlProviderArn"),
    "self_service_saml_provider_arn": (
        "FederatedAuthentication",
        "SelfServiceSAMLProviderArn",
        "FederatedAuthentication",
        "SelfServiceSamlProviderArn",
    ),
}


def normalize_authentication(options):
    """A canonical, order-independent list of authentication dicts (module suboption names)."""
    result = []
    for option in options or []:
        result.append({k: v for k, v in option.items() if v not in (None, "")})
    return sorted(result, key=lambda o: sorted(o.items()))


def _authentication_request(options):
    request = []
    for option in options or []:
        item = {"Type": option["type"]}
        for key, (req_struct, req_member, dummy_struct, dummy_member) in AUTH_KEYS.items():
            if option.get(key):
                item.setdefault(req_struct, {})[req_member] = option[key]
        request.append(item)
    return request


def _authentication_from_response(options):
    result = []
    for option in options or []:
        item = {"type": option.get("Type")}
        for key, (dummy_struct, dummy_member, resp_struct, resp_member) in AUTH_KEYS.items():
            value = (option.get(resp_struct) or {}).get(resp_member)
            if value:
                item[key] = value
        result.append(item)
    return normalize_authentication(result)


# ---------------------------------------------------------------------------
# Switched structures: connection log, client connect handler, login banner.
# ---------------------------------------------------------------------------


def _switch(members, sent=_is_set, absent=None):
    """The columns of an option that is a structure turned on and off by ``enabled``.

    ``members``: (suboption, API member) pairs sent only when enabled and ``sent(value)``; ``absent``:
    {suboption: what AWS reports when it leaves the member out}. Switched off, the other members mean
    nothing (AWS keeps stale ones), so neither side carries them.
    """
    absent = absent or {}

    def wanted(value):
        value = _clean(value)
        return value if value.get("enabled") else {"enabled": False}

    def to_request(value):
        value = value or {}
        request = {"Enabled": bool(value.get("enabled"))}
        if value.get("enabled"):
            for key, member in members:
                if sent(value.get(key)):
                    request[member] = value[key]
        return request

    def from_response(value):
        value = value or {}
        if not value.get("Enabled"):
            return {"enabled": False}
        read = {"enabled": True}
        read.update((key, value.get(member, absent.get(key))) for key, member in members)
        return _clean(read)

    return dict(wanted=wanted, to_request=to_request, from_response=from_response)


# ---------------------------------------------------------------------------
# The other structured options.
# ---------------------------------------------------------------------------


def _dns_servers_modify(value):
    """ModifyClientVpnEndpoint takes a switch and a list where CreateClientVpnEndpoint takes the list."""
    return {"Enabled": bool(value), "CustomDnsServers": list(value)} if value else {"Enabled": False}


def _portal_from_url(url):
    """AWS describes the portal by its URL only: a URL means enabled."""
    return "enabled" if url else "disabled"


def _enforcement_request(value):
    return {"Enforced": bool(value)}


def _enforcement_from_response(value):
    return (value or {}).get("Enforced", False)


def _transit_gateway_wanted(value):
    value = _clean(value)
    for zones in ("availability_zones", "availability_zone_ids"):
        if zones in value:
            value[zones] = sorted(value[zones])
    return value


def _transit_gateway_request(value):
    request = {"TransitGatewayId": value["transit_gateway_id"]}
    if value.get("availability_zones"):
        request["AvailabilityZones"] = value["availability_zones"]
    if value.get("availability_zone_ids"):
        request["AvailabilityZoneIds"] = value["availability_zone_ids"]
    return request


def _transit_gateway_from_response(value):
    value = value or {}
    if not value.get("TransitGatewayId"):
        return None
    return {
        "transit_gateway_id": value["TransitGatewayId"],
        "availability_zones": sorted(value.get("AvailabilityZones") or []),
        "availability_zone_ids": sorted(value.get("AvailabilityZoneIds") or []),
    }


def _sorted_providers(providers):
    return sorted(providers, key=lambda p: sorted(p.items()))


def _device_posture_wanted(value):
    providers = (_clean(p) for p in value.get("trust_providers") or [])
    return {"enabled": value["enabled"], "trust_providers": _sorted_providers(providers)}


def _device_posture_request(value):
    providers = []
    for provider in value.get("trust_providers") or []:
        item = {"TrustProviderType": provider["type"]}
        if provider.get("tenant_id"):
            item["TenantId"] = provider["tenant_id"]
        if provider.get("public_signing_key_url"):
            item["PublicSigningKeyUrl"] = provider["public_signing_key_url"]
        providers.append(item)
    return {"Enabled": bool(value["enabled"]), "TrustProviders": providers}


def _device_posture_from_response(value):
    trust = []
    for provider in (value or {}).get("TrustProviders") or []:
        trust.append(
            _clean(
                {
                    "type": provider.get("TrustProviderType"),
                    "tenant_id": provider.get("TenantId"),
                    "public_signing_key_url": provider.get("PublicSigningKeyUrl"),
                }
            )
        )
    return {"enabled": bool(trust), "trust_providers": _sorted_providers(trust)}


def _device_posture_differs(want, have):
    """AWS reports the trust providers, not the switch: disabled means no provider in effect."""
    if not want["enabled"]:
        return bool(have and have.get("trust_providers"))
    return want["trust_providers"] != (have or {}).get("trust_providers")


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

_FIELDS = "option member immutable response absent wanted to_request to_modify from_response differs on_create"
# The columns a row may leave out: mutable, described under ``member``, absent means None, values as given,
# one request shape for create and modify, compared with ==, created when set.
_DEFAULTS = (False, None, None, _copy, _copy, None, _same, _differs, _is_set)


class EndpointOption(namedtuple("EndpointOption", _FIELDS, defaults=_DEFAULTS)):
    """One endpoint option.

    option         the module option
    member         its member in CreateClientVpnEndpoint and ModifyClientVpnEndpoint
    immutable      ModifyClientVpnEndpoint cannot change it: a difference needs replace=true
    response       its member in DescribeClientVpnEndpoints, where it differs from ``member``
    absent         what AWS means when the describe answer leaves the member out (its default)
    wanted         parameter value -> the compared shape
    to_request     parameter value (create) or wanted value (modify) -> request value
    to_modify      wanted value -> ModifyClientVpnEndpoint value, where it differs from ``to_request``
    from_response  described value (``absent`` when left out) -> the compared shape
    differs        (wanted, current) -> whether the endpoint must change
    on_create      parameter value -> whether CreateClientVpnEndpoint carries the member
    """

    __slots__ = ()

    def read(self, endpoint):
        """The option's current value in a described endpoint, in the compared shape."""
        return self.from_response(endpoint.get(self.response or self.member, self.absent))

    def modify_value(self, wanted):
        return (self.to_modify or self.to_request)(wanted)


# Their order is the order of messages and diffs. ``on_create=_always``: the members CreateClientVpnEndpoint
# requires, sent even when the option is unset (validate_create names the missing ones first; logging off).
OPTIONS = (
    EndpointOption("client_cidr_block", "ClientCidrBlock", immutable=True),
    EndpointOption(
        "authentication",
        "AuthenticationOptions",
        immutable=True,
        wanted=normalize_authentication,
        to_request=_authentication_request,
        from_response=_authentication_from_response,
        on_create=_always,
    ),
    EndpointOption("transport_protocol", "TransportProtocol", immutable=True),
    EndpointOption("endpoint_ip_address_type", "EndpointIpAddressType", immutable=True, from_response=_or("ipv4")),
    EndpointOption("traffic_ip_address_type", "TrafficIpAddressType", immutable=True, from_response=_or("ipv4")),
    EndpointOption("server_certificate_arn", "ServerCertificateArn", on_create=_always),
    EndpointOption(
        "connection_log",
        "ConnectionLogOptions",
        on_create=_always,
        **_switch(
            (
                ("cloudwatch_log_group", "CloudwatchLogGroup"),
                ("cloudwatch_log_stream", "CloudwatchLogStream"),
                ("include_authorization_policy_context", "IncludeAuthorizationPolicyContext"),
            ),
            absent={"include_authorization_policy_context": False},
        ),
    ),
    # Compared in order; [] is not sent to a create, and removes the servers in a modify.
    EndpointOption("dns_servers", "DnsServers", from_response=_list, to_modify=_dns_servers_modify, on_create=bool),
    EndpointOption("vpn_port", "VpnPort"),
    EndpointOption("description", "Description", absent="", differs=_text_differs),
    EndpointOption("split_tunnel", "SplitTunnel", absent=False),
    EndpointOption("vpc_id", "VpcId"),
    EndpointOption("security_group_ids", "SecurityGroupIds", wanted=sorted, from_response=_sorted_list),
    EndpointOption(
        "self_service_portal", "SelfServicePortal", response="SelfServicePortalUrl", from_response=_portal_from_url
    ),
    EndpointOption(
        "client_connect_handler",
        "ClientConnectOptions",
        **_switch((("lambda_function_arn", "LambdaFunctionArn"),), sent=bool),
    ),
    EndpointOption("session_timeout_hours", "SessionTimeoutHours", absent=24),
    EndpointOption("disconnect_on_session_timeout", "DisconnectOnSessionTimeout", absent=True),
    EndpointOption("login_banner", "ClientLoginBannerOptions", **_switch((("text", "BannerText"),))),
    EndpointOption(
        "client_route_enforcement",
        "ClientRouteEnforcementOptions",
        to_request=_enforcement_request,
        from_response=_enforcement_from_response,
    ),
    EndpointOption(
        "transit_gateway",
        "TransitGatewayConfiguration",
        wanted=_transit_gateway_wanted,
        to_request=_transit_gateway_request,
        from_response=_transit_gateway_from_response,
    ),
    EndpointOption(
        "device_posture",
        "DevicePostureOptions",
        wanted=_device_posture_wanted,
        to_request=_device_posture_request,
        from_response=_device_posture_from_response,
        differs=_device_posture_differs,
    ),
)

OPTION_ROWS = {row.option: row for row in OPTIONS}


# ---------------------------------------------------------------------------
# Loops over the table
# ---------------------------------------------------------------------------


def desired_settings(params):
    """The settings the user asked for, keyed by option name; options left unset are absent."""
    return {row.option: row.wanted(params[row.option]) for row in OPTIONS if params.get(row.option) is not None}


def current_settings(endpoint):
    """A described endpoint (boto3 shape) in the shape of desired_settings()."""
    return {row.option: row.read(endpoint) for row in OPTIONS}


def compare_settings(desired, current):
    """Names of the options whose desired value differs from the endpoint, in table order."""
    return [
        row.option
        for row in OPTIONS
        if row.option in desired and row.differs(desired[row.option], current.get(row.option))
    ]


def immutable_changes(changed_options):
    return [key for key in changed_options if OPTION_ROWS[key].immutable]


def format_immutable_error(endpoint_id, changes, desired, current):
    details = []
    for key in changes:
        details.append(f"{key} (current: {current.get(key)!r}, requested: {desired.get(key)!r})")
    return (
        f"Cannot change immutable settings of Client VPN endpoint {endpoint_id}: "
        + "; ".join(details)
        + ". Set replace=true to delete and re-create the endpoint (its target networks are disassociated first)."
    )


def build_create_params(params):
    """CreateClientVpnEndpoint parameters (without ClientToken) from the module parameters.

    Built from the parameters as given (not the compared shape): the client token is derived from
    this request, and it must not change between versions of the module for the same playbook.
    """
    request = {
        row.member: row.to_request(params.get(row.option)) for row in OPTIONS if row.on_create(params.get(row.option))
    }
    tags = dict(params.get("tags") or {})
    tags["Name"] = params["name"]
    request["TagSpecifications"] = boto3_tag_specifications(tags, types=["client-vpn-endpoint"])
    return request


def build_modify_params(changed_options, desired, current):
    """ModifyClientVpnEndpoint members for the changed (mutable) options only."""
    request = {}
    for key in changed_options:
        row = OPTION_ROWS[key]
        if not row.immutable:
            request[row.member] = row.modify_value(desired[key])
    # AWS wants the VPC with the security groups ("you must also specify the ID of the VPC").
    if "SecurityGroupIds" in request and "VpcId" not in request:
        vpc_id = desired.get("vpc_id") or current.get("vpc_id")
        if vpc_id:
            request["VpcId"] = vpc_id
    return request


# ---------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------


def desired_tags(params):
    """The tags to converge to, Name included; None when tags are left alone (only Name is ensured)."""
    if params.get("tags") is None:
        return None
    tags = dict(params["tags"])
    if params.get("name"):
        tags["Name"] = params["name"]
    return tags


def compare_tags(current_tags, params):
    """(tags_to_set, keys_to_unset); the Name tag is never removed."""
    wanted = desired_tags(params)
    if wanted is None:
        to_set = {}
        if params.get("name") and current_tags.get("Name") != params["name"]:
            to_set["Name"] = params["name"]
        return to_set, []
    to_set, to_unset = compare_aws_tags(current_tags, wanted, purge_tags=params.get("purge_tags", True))
    return to_set, [k for k in to_unset if k != "Name"]


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


def planned_endpoint(params):
    """What a new endpoint would look like (check mode)."""
    request = build_create_params(params)
    request.pop("TagSpecifications")
    result = camel_dict_to_snake_dict(request)
    result["tags"] = desired_tags(params) or {"Name": params["name"]}
    return result


def diff_view(settings, tags):
    view = copy.deepcopy(settings) if settings else {}
    if tags is not None:
        view["tags"] = tags
    return view


# ---------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------


def disassociate_all_target_networks(client, endpoint_id, wait_timeout):
    """Disassociate every target network of the endpoint and wait until they are gone."""
    pending = []
    for association in describe_client_vpn_target_networks(client, endpoint_id) or []:
        state = association.get("Status", {}).get("Code")
        if state == "disassociated":
            continue
        if state != "disassociating":
            disassociate_client_vpn_target_network(client, endpoint_id, association["AssociationId"])
        pending.append(association["AssociationId"])
    if pending:
        wait_for(
            client,
            "client_vpn_target_network_disassociated",
            wait_timeout,
            ClientVpnEndpointId=endpoint_id,
            AssociationIds=pending,
        )
    return bool(pending)


def delete_endpoint(client, endpoint_id, wait, wait_timeout):
    """AWS refuses to delete an endpoint with target networks: they go first, always waited for."""
    disassociate_all_target_networks(client, endpoint_id, wait_timeout)
    delete_client_vpn_endpoint(client, endpoint_id)
    if wait:
        wait_for(client, "client_vpn_endpoint_deleted", wait_timeout, ClientVpnEndpointIds=[endpoint_id])


def _token_of_a_deleted_endpoint(error):
    """EC2 answers a reused token whose endpoint is deleted with IdempotentParameterMismatch (our token
    is derived from the parameters, so "other parameters" cannot be the reason)."""
    response = getattr(getattr(error, "exception", None), "response", None) or {}
    return response.get("Error", {}).get("Code") == "IdempotentParameterMismatch"


def create_endpoint(client, params, wait_timeout, salt=None):
    """Create the endpoint with a derived client token; returns its ID once AWS describes it.

    One intended create keeps one token: AWSRetry and botocore resend the same request, so a lost
    answer cannot make a second endpoint.  EC2 is eventually consistent: the new ID may be unknown
    to the first describes, which is waited out, never taken for "not created".  A new token is
    derived (from the last one) only when AWS says the token belongs to an endpoint deleted since.
    """
    request = build_create_params(params)
    for _attempt in range(MAX_CREATE_TOKENS):
        request["ClientToken"] = derive_client_token(params["name"], request, salt)
        try:
            response = create_client_vpn_endpoint(client, **request)
        except AnsibleAWSError as e:
            if not _token_of_a_deleted_endpoint(e):
                raise
            salt = request["ClientToken"]
            continue
        endpoint_id = response["ClientVpnEndpointId"]
        if (response.get("Status") or {}).get("Code") not in ("deleting", "deleted"):
            wait_for(client, "client_vpn_endpoint_visible", wait_timeout, ClientVpnEndpointIds=[endpoint_id])
            found = describe_client_vpn_endpoints(client, ClientVpnEndpointIds=[endpoint_id])
            if not found or endpoint_is_live(found[0]):
                return endpoint_id
        # The token was last used for an endpoint deleted since (a delete then re-create with the
        # same settings within the token's lifetime): AWS answers with that endpoint. Derive a fresh token.
        salt = endpoint_id
    raise AnsibleClientVpnError(message="AWS keeps answering the create request with a deleted endpoint")


def validate_create(params):
    missing = [key for key in ("name", "server_certificate_arn", "authentication") if not params.get(key)]
    if missing:
        raise AnsibleClientVpnError(message="Creating a Client VPN endpoint requires: " + ", ".join(missing))


def _created(client, endpoint_id, wait, wait_timeout):
    """The new endpoint as returned, after waiting (with ``wait``) for it to leave ``pending``."""
    if wait:
        wait_for(client, "client_vpn_endpoint_ready", wait_timeout, ClientVpnEndpointIds=[endpoint_id])
    return snake_with_tags(get_client_vpn_endpoint(client, endpoint_id))


def ensure_present(client, params, check_mode):
    """Converge one endpoint. Returns the result dict (changed, client_vpn_endpoint, diff, ...)."""
    endpoint = find_client_vpn_endpoint(
        client, name=params.get("name"), endpoint_id=params.get("client_vpn_endpoint_id")
    )
    desired = desired_settings(params)
    result = {"changed": False}
    wait = params.get("wait", True)
    wait_timeout = params.get("wait_timeout", 1800)

    if endpoint is None and params.get("client_vpn_endpoint_id"):
        raise AnsibleClientVpnError(message=f"Client VPN endpoint {params['client_vpn_endpoint_id']} does not exist")

    if endpoint is not None:
        current = current_settings(endpoint)
        current_tags = boto3_tag_list_to_ansible_dict(endpoint.get("Tags") or [])
        changed_options = compare_settings(desired, current)
        immutable = immutable_changes(changed_options)
        if immutable and not params.get("replace"):
            message = format_immutable_error(endpoint["ClientVpnEndpointId"], immutable, desired, current)
            raise ImmutableChangesError(message, immutable)

        after_settings = dict(current)
        after_settings.update({k: desired[k] for k in changed_options})
        to_set, to_unset = compare_tags(current_tags, params)
        after_tags = {k: v for k, v in current_tags.items() if k not in to_unset}
        after_tags.update(to_set)
        result["diff"] = {
            "before": diff_view(current, current_tags),
            "after": diff_view(after_settings, after_tags),
        }

        if immutable:
            validate_create(params)
            old_id = endpoint["ClientVpnEndpointId"]
            result.update(changed=True, replaced_client_vpn_endpoint_id=old_id)
            if check_mode:
                result["client_vpn_endpoint"] = planned_endpoint(params)
                return result
            delete_endpoint(client, old_id, True, wait_timeout)
            new_id = create_endpoint(client, params, wait_timeout, salt=old_id)
            result["client_vpn_endpoint"] = _created(client, new_id, wait, wait_timeout)
            return result

        endpoint_id = endpoint["ClientVpnEndpointId"]
        modify = build_modify_params(changed_options, desired, current)
        if modify or to_set or to_unset:
            result["changed"] = True
        if check_mode:
            result["client_vpn_endpoint"] = snake_with_tags(endpoint)
            return result
        if modify:
            modify_client_vpn_endpoint(client, endpoint_id, **modify)
        if to_unset:
            delete_tags(client, endpoint_id, to_unset)
        if to_set:
            create_tags(client, endpoint_id, ansible_dict_to_boto3_tag_list(to_set))
        if result["changed"]:
            endpoint = get_client_vpn_endpoint(client, endpoint_id)
        result["client_vpn_endpoint"] = snake_with_tags(endpoint)
        return result

    # Create
    validate_create(params)
    planned = planned_endpoint(params)
    result["changed"] = True
    result["diff"] = {"before": {}, "after": diff_view(desired, planned["tags"])}
    if check_mode:
        result["client_vpn_endpoint"] = planned
        return result
    endpoint_id = create_endpoint(client, params, wait_timeout)
    result["client_vpn_endpoint"] = _created(client, endpoint_id, wait, wait_timeout)
    return result


def ensure_absent(client, params, check_mode):
    """Delete the endpoint (its target networks first); a deleting or deleted one is already absent."""
    endpoint = find_client_vpn_endpoint(
        client, name=params.get("name"), endpoint_id=params.get("client_vpn_endpoint_id")
    )
    if endpoint is None or endpoint.get("Status", {}).get("Code") in ("deleting", "deleted"):
        return {"changed": False, "client_vpn_endpoint": {}, "diff": {"before": {}, "after": {}}}
    before = diff_view(current_settings(endpoint), boto3_tag_list_to_ansible_dict(endpoint.get("Tags") or []))
    result = {
        "changed": True,
        "client_vpn_endpoint": snake_with_tags(endpoint),
        "diff": {"before": before, "after": {}},
    }
    if check_mode:
        return result
    delete_endpoint(client, endpoint["ClientVpnEndpointId"], params.get("wait", True), params.get("wait_timeout", 1800))
    return result


# ---------------------------------------------------------------------------
# The module's run
# ---------------------------------------------------------------------------


def parameter_problems(params):
    """What AWS would refuse in the parameters, as aws_rules (shared with preflight) says, before any call."""
    problems = [f"dns_servers: {p}" for p in aws_rules.dns_servers_problems(params["dns_servers"])]
    banner = params["login_banner"] or {}
    problems += [f"login_banner.text {p}" for p in aws_rules.login_banner_problems(banner.get("text"))]
    return problems


def _converge(module, client):
    """ensure_present or ensure_absent; immutable changes fail naming them (``immutable_changes``)."""
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    try:
        return ensure(client, module.params, module.check_mode)
    except ImmutableChangesError as e:
        module.fail_json(msg=e.message, immutable_changes=e.immutable_changes)


def run_endpoint_module(module):
    """The whole of ``main()`` after the module is built: check the parameters, converge, exit or fail."""
    problems = parameter_problems(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    run_module(module, _converge, module, aws_client(module, "ec2"))
