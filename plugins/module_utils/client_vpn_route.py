# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ec2_client_vpn_route does: the endpoint's routes added by hand made to match a declared set.

``ROUTES`` is the ``EndpointSetKind`` of the routes (their describe, plan, AWS calls and messages);
``ensure_routes`` runs it through ``ensure_endpoint_set`` (client_vpn_sets) and returns the module result.
"""

from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import create_client_vpn_route
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import delete_client_vpn_route
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import describe_client_vpn_routes
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import new_client_token
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import ROUTE_BUSY_STATES
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import EndpointSetKind
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import ensure_endpoint_set
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import plan_routes
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import route_from_aws
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import route_key
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_sets import route_summary


def _format_route(route):
    return f"{route['destination_cidr']} via {route['target_subnet']}"


def _delete(client, endpoint_id, route):
    delete_client_vpn_route(client, endpoint_id, route["destination_cidr"], route["target_subnet"])


def _create(client, endpoint_id, route):
    create_client_vpn_route(
        client,
        endpoint_id,
        route["destination_cidr"],
        route["target_subnet"],
        route.get("description"),
        client_token=new_client_token(),
    )


ROUTES = EndpointSetKind(
    option="routes",
    result_key="routes",
    describe=describe_client_vpn_routes,
    waiter="client_vpn_routes_settled",
    plan=plan_routes,
    from_aws=route_from_aws,
    key=route_key,
    summary=route_summary,
    busy_states=ROUTE_BUSY_STATES,
    remove=_delete,
    add=_create,
    remove_failure="delete Client VPN route",
    add_failure="create Client VPN route",
    added="creating",
    label="routes",
    describe_item=_format_route,
    # Routes AWS describes without a destination or target (none known) cannot be matched.
    checkable=lambda route: bool(route["destination_cidr"] and route["target_subnet"]),
    duplicate_code="InvalidClientVpnDuplicateRoute",
)


def ensure_routes(client, params, check_mode):
    """Make the endpoint's routes added by hand match ``params``; returns the module result (no exit)."""
    return ensure_endpoint_set(client, params, check_mode, ROUTES)
