# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Route 53 calls the collection makes, and the errors its Route 53 modules report.

Not to be confused with ``amazon.aws.plugins.module_utils.route53`` (tags only).

One small function per AWS call, decorated with ``@Route53ErrorHandler.<kind>_error_handler("...")``
over ``@route53_retry`` (jittered backoff that also retries ``PriorRequestNotComplete``), so that every
call has the same retries and its error names what was being done. Errors surface as
``AnsibleRoute53Error``; modules catch ``AnsibleAWSError`` once (``module_runner.run_module``).
Paginated reads return every item.
"""

try:
    import botocore  # pylint: disable=unused-import
except ImportError:
    pass  # Modules are responsible for handling this.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.multiregion.client_vpn.plugins.module_utils import polling
from ansible_collections.multiregion.client_vpn.plugins.module_utils.route53_names import normalise_name

# Route 53 answers "Throttling" (400) when throttled and "PriorRequestNotComplete"
# while a previous change to the same zone is still being applied.
ROUTE53_RETRY_CODES = [
    "PriorRequestNotComplete",
    "Throttling",
    "ThrottlingException",
]

route53_retry = AWSRetry.jittered_backoff(
    retries=10, delay=3, max_delay=60, catch_extra_error_codes=ROUTE53_RETRY_CODES
)


class AnsibleRoute53Error(AnsibleAWSError):
    pass


class Route53ErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRoute53Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchHostedZone")


class Route53HealthCheckErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRoute53Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchHealthCheck")


class LatencyRecordError(Exception):
    """A problem in the request, reported with fail_json (no AWS exception attached)."""


def error_code(error):
    """The AWS error code behind an ``AnsibleRoute53Error``, else None."""
    return getattr(getattr(error, "exception", None), "response", {}).get("Error", {}).get("Code")


# ---------------------------------------------------------------------------
# Wrappers: one per AWS call
# ---------------------------------------------------------------------------


@Route53ErrorHandler.list_error_handler("get hosted zone", None)
@route53_retry
def get_hosted_zone(client, zone_id):
    return client.get_hosted_zone(Id=zone_id)["HostedZone"]


@Route53ErrorHandler.common_error_handler("list hosted zones by name")
@route53_retry
def _list_hosted_zones_by_name_page(client, **params):
    return client.list_hosted_zones_by_name(**params)


def list_hosted_zones_by_name(client, name):
    """Every hosted zone (public and private) whose name is exactly ``name``."""
    wanted = normalise_name(name)
    params = dict(DNSName=wanted + ".")
    zones = []
    while True:
        page = _list_hosted_zones_by_name_page(client, **params)
        for zone in page.get("HostedZones", []):
            if normalise_name(zone["Name"]) != wanted:
                return zones
            zones.append(zone)
        if not page.get("IsTruncated"):
            return zones
        params = dict(DNSName=page["NextDNSName"], HostedZoneId=page["NextHostedZoneId"])


@Route53ErrorHandler.common_error_handler("list resource record sets")
@route53_retry
def _list_resource_record_sets_page(client, **params):
    return client.list_resource_record_sets(**params)


def list_record_sets(client, zone_id, name, record_type):
    """The record sets of ``zone_id`` named ``name`` with type ``record_type`` (all routing policies)."""
    wanted = normalise_name(name)
    params = dict(HostedZoneId=zone_id, StartRecordName=wanted + ".", StartRecordType=record_type)
    found = []
    while True:
        page = _list_resource_record_sets_page(client, **params)
        for rrset in page.get("ResourceRecordSets", []):
            if normalise_name(rrset["Name"]) != wanted or rrset["Type"] != record_type:
                return found
            found.append(rrset)
        if not page.get("IsTruncated"):
            return found
        params = dict(
            HostedZoneId=zone_id, StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"]
        )
        if page.get("NextRecordIdentifier"):
            params["StartRecordIdentifier"] = page["NextRecordIdentifier"]


@Route53ErrorHandler.common_error_handler("change resource record sets")
@route53_retry
def change_resource_record_sets(client, zone_id, changes, comment=None):
    batch = dict(Changes=changes)
    if comment:
        batch["Comment"] = comment
    return client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]


class Route53WaiterFactory(BaseWaiterFactory):
    """botocore's ``resource_record_sets_changed`` (GetChange until INSYNC), with the throttling retries
    BaseWaiterFactory adds, polled by ``polling.wait`` instead of every 30 s."""

    @property
    def _waiter_model_data(self):
        return dict(
            resource_record_sets_changed=dict(
                operation="GetChange",
                **polling.MODEL,
                acceptors=[dict(state="success", matcher="path", argument="ChangeInfo.Status", expected="INSYNC")],
            ),
        )


@Route53ErrorHandler.common_error_handler("wait for the record change to be INSYNC")
def wait_for_change(client, change_id, wait_timeout):
    waiter = Route53WaiterFactory().get_waiter(client, "resource_record_sets_changed")
    polling.wait(waiter, wait_timeout, Id=change_id)


@Route53ErrorHandler.common_error_handler("list health checks")
@route53_retry
def _list_health_checks_page(client, **params):
    return client.list_health_checks(**params)


def list_health_checks(client):
    params = {}
    checks = []
    while True:
        page = _list_health_checks_page(client, **params)
        checks.extend(page.get("HealthChecks", []))
        if not page.get("IsTruncated"):
            return checks
        params = dict(Marker=page["NextMarker"])


@Route53HealthCheckErrorHandler.list_error_handler("get health check", None)
@route53_retry
def get_health_check(client, health_check_id):
    return client.get_health_check(HealthCheckId=health_check_id)["HealthCheck"]


@Route53HealthCheckErrorHandler.list_error_handler("get health check status", [])
@route53_retry
def get_health_check_status(client, health_check_id):
    return client.get_health_check_status(HealthCheckId=health_check_id)["HealthCheckObservations"]


@Route53HealthCheckErrorHandler.common_error_handler("create health check")
@route53_retry
def create_health_check(client, caller_reference, config):
    # Retrying is safe: the same caller reference and settings return the same health check.
    return client.create_health_check(CallerReference=caller_reference, HealthCheckConfig=config)["HealthCheck"]


@Route53HealthCheckErrorHandler.common_error_handler("update health check")
@route53_retry
def update_health_check(client, health_check_id, version, **changes):
    return client.update_health_check(HealthCheckId=health_check_id, HealthCheckVersion=version, **changes)[
        "HealthCheck"
    ]


@Route53HealthCheckErrorHandler.deletion_error_handler("delete health check")
@route53_retry
def delete_health_check(client, health_check_id):
    client.delete_health_check(HealthCheckId=health_check_id)
    return True


@Route53HealthCheckErrorHandler.list_error_handler("list health check tags", {})
@route53_retry
def list_health_check_tags(client, health_check_id):
    result = client.list_tags_for_resource(ResourceType="healthcheck", ResourceId=health_check_id)
    return boto3_tag_list_to_ansible_dict(result["ResourceTagSet"].get("Tags", []))


@Route53HealthCheckErrorHandler.common_error_handler("tag health check")
@route53_retry
def add_health_check_tags(client, health_check_id, tags):
    client.change_tags_for_resource(
        ResourceType="healthcheck", ResourceId=health_check_id, AddTags=ansible_dict_to_boto3_tag_list(tags)
    )
    return True


@Route53ErrorHandler.common_error_handler("test DNS answer")
@route53_retry
def test_dns_answer(client, **params):
    result = dict(client.test_dns_answer(**params))
    result.pop("ResponseMetadata", None)
    return result
