# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Directory Service helpers shared by the ds_* modules.

Layout:
- ``DSRetry`` / ``DSErrorHandler``: retries on throttling and on the
  "directory busy" class of errors, errors raised as ``AnsibleDSError``.
- one small wrapper per AWS call (paginating inside);
- ``DSWaiterFactory`` + ``wait_for_*``: custom waiter models (no botocore
  waiter exists for directory or Region states) polled one read at a time with
  ``polling``'s delays (growing with the time waited); a ``Failed`` stage ends
  the wait at once; a missing answer (eventual consistency) or a throttled read
  is "not yet";
- creates without an idempotency token (CreateMicrosoftAD, ConnectDirectory)
  are never retried blindly: after an answer that may hide a done create, the
  directory is looked up by name (and tags) for a while first;
- pure logic: finding a directory by name, immutable-field detection,
  parameter building, password pre-check, normalisation of results.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Callable

try:
    import botocore
except ImportError:
    pass  # Modules are responsible for handling this.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.multiregion.client_vpn.plugins.module_utils import aws_rules
from ansible_collections.multiregion.client_vpn.plugins.module_utils import polling
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client

# A ClientException whose message says the directory is busy with another
# operation is transient: it is mapped to this pseudo code so that AWSRetry
# retries it, while other ClientExceptions (bad credentials, ...) are not.
BUSY_CODE = "DirectoryBusy"
BUSY_MESSAGE = re.compile(
    r"in the process of|is currently (?:being )?(?:creat|updat|delet|modif|process)\w*|another operation"
    r"|operation is (?:already )?in progress|rate exceeded|please try again later",
    re.IGNORECASE,
)
DS_RETRY_CODES = [
    "ThrottlingException",
    "DirectoryUnavailableException",
    "ServiceException",
    BUSY_CODE,
]

# Creates that may have happened although the answer says otherwise (server error, no answer).
UNCERTAIN_CODES = ("ServiceException", "InternalError", "InternalFailure", "ServiceUnavailable")
# How long a directory created by a lost call may stay invisible to DescribeDirectories (eventual consistency).
CREATE_LOOKUP_TIMEOUT = 120
CREATE_ATTEMPTS = 3
# DeleteDirectory answers "Cannot delete the directory because it still has authorized applications." for a while
# after the application (a Client VPN endpoint) that used it is deleted; terraform-provider-aws #20556 / PR #22027.
AUTHORIZED_APPLICATIONS = re.compile(r"authorized applications", re.IGNORECASE)
AUTHORIZED_APPLICATIONS_TIMEOUT = 600

FAILED_STAGES = ("Failed", "RestoreFailed")


class AnsibleDSError(AnsibleAWSError):
    pass


def is_busy_error(code, message):
    return code == "DirectoryUnavailableException" or (
        code == "ClientException" and bool(BUSY_MESSAGE.search(message or ""))
    )


class DSRetry(AWSRetry):
    @staticmethod
    def status_code_from_exception(error):
        code = error.response.get("Error", {}).get("Code")
        message = error.response.get("Error", {}).get("Message", "")
        if code == "ClientException" and is_busy_error(code, message):
            return BUSY_CODE
        return code


def ds_retry(codes=None):
    return DSRetry.jittered_backoff(
        retries=10, delay=3, max_delay=60, catch_extra_error_codes=DS_RETRY_CODES if codes is None else codes
    )


def error_code_and_message(error):
    """(code, message) of a botocore ClientError, an AnsibleAWSError wrapping one, or a WaiterError's last answer."""
    error = getattr(error, "exception", None) or error
    response = getattr(error, "response", None) or getattr(error, "last_response", None) or {}
    details = response.get("Error") or {}
    return details.get("Code"), details.get("Message") or ""


def is_transient(error):
    """Throttling (also as ClientException "Rate exceeded"), a busy directory or a server error: try again."""
    code, message = error_code_and_message(error)
    return code in ("ThrottlingException", "DirectoryUnavailableException", "ServiceException") or is_busy_error(
        code, message
    )


def create_client(module):
    """A DS client for creates only: botocore's own retries would repeat a create blindly after a server error
    or a lost answer (CreateMicrosoftAD and ConnectDirectory have no idempotency token)."""
    return aws_client(module, "ds", resend_unanswered=False)


class DSErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleDSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["EntityDoesNotExistException", "DirectoryDoesNotExistException"])


def all_pages(fetch, result_key, params):
    """Every ``result_key`` item of the pages ``fetch(**params)`` answers, following NextToken."""
    params = dict(params)
    items = []
    while True:
        page = fetch(**params)
        items.extend(page.get(result_key) or [])
        if not page.get("NextToken"):
            return items
        params["NextToken"] = page["NextToken"]


# ---------------------------------------------------------------------------
# One wrapper per AWS call
# ---------------------------------------------------------------------------


@DSErrorHandler.common_error_handler("describe directories")
@ds_retry()
def describe_directories(client, directory_ids=None):
    params = {}
    if directory_ids:
        params["DirectoryIds"] = list(directory_ids)
    return all_pages(client.describe_directories, "DirectoryDescriptions", params)


@DSErrorHandler.list_error_handler("describe directory", default_value=None)
@ds_retry()
def describe_directory(client, directory_id):
    found = client.describe_directories(DirectoryIds=[directory_id]).get("DirectoryDescriptions", [])
    return found[0] if found else None


@DSErrorHandler.common_error_handler("list directory tags")
@ds_retry()
def list_tags(client, directory_id):
    tags = all_pages(client.list_tags_for_resource, "Tags", {"ResourceId": directory_id})
    return boto3_tag_list_to_ansible_dict(tags)


@DSErrorHandler.common_error_handler("add directory tags")
@ds_retry()
def add_tags(client, directory_id, tags):
    client.add_tags_to_resource(ResourceId=directory_id, Tags=ansible_dict_to_boto3_tag_list(tags))


@DSErrorHandler.common_error_handler("remove directory tags")
@ds_retry()
def remove_tags(client, directory_id, keys):
    client.remove_tags_from_resource(ResourceId=directory_id, TagKeys=list(keys))


# No idempotency token: retry only the answers that say the create was refused (throttled, busy), never a
# server error or a lost answer (see create_directory_once_only).
@DSErrorHandler.common_error_handler("create the AWS Managed Microsoft AD directory")
@ds_retry(codes=["ThrottlingException", BUSY_CODE])
def create_microsoft_ad(client, params):
    return client.create_microsoft_ad(**params)["DirectoryId"]


@DSErrorHandler.common_error_handler("create the AD Connector")
@ds_retry(codes=["ThrottlingException", BUSY_CODE])
def connect_directory(client, params):
    return client.connect_directory(**params)["DirectoryId"]


@DSErrorHandler.deletion_error_handler("delete the directory")
@ds_retry()
def delete_directory(client, directory_id):
    client.delete_directory(DirectoryId=directory_id)
    return True


@DSErrorHandler.common_error_handler("describe the Regions of the directory")
@ds_retry()
def describe_regions(client, directory_id, region_name=None):
    params = {"DirectoryId": directory_id}
    if region_name:
        params["RegionName"] = region_name
    return all_pages(client.describe_regions, "RegionsDescription", params)


# A DirectoryUnavailableException (another Region being added) is waited out by the caller within its timeout.
@DSErrorHandler.common_error_handler("add the Region to the directory")
@ds_retry(codes=["ThrottlingException", "ServiceException", BUSY_CODE])
def add_region(client, directory_id, region_name, vpc_id, subnet_ids):
    client.add_region(
        DirectoryId=directory_id,
        RegionName=region_name,
        VPCSettings={"VpcId": vpc_id, "SubnetIds": list(subnet_ids)},
    )


@DSErrorHandler.deletion_error_handler("remove the Region from the directory")
@ds_retry()
def remove_region(client, directory_id):
    """``client`` must be a client in the Region being removed (RemoveRegion has no Region parameter)."""
    client.remove_region(DirectoryId=directory_id)
    return True


@DSErrorHandler.common_error_handler("update the number of domain controllers")
@ds_retry()
def update_number_of_domain_controllers(client, directory_id, desired_number):
    """``client`` must be a client in the Region whose domain controllers change."""
    client.update_number_of_domain_controllers(DirectoryId=directory_id, DesiredNumber=desired_number)


@DSErrorHandler.common_error_handler("describe the domain controllers")
@ds_retry()
def describe_domain_controllers(client, directory_id):
    """``client`` must be a client in the Region whose domain controllers are listed."""
    return _domain_controllers(client, directory_id)


@DSErrorHandler.list_error_handler("describe the domain controllers", [])
@ds_retry()
def describe_listed_domain_controllers(client, directory_id):
    """The domain controllers of a replica, [] while its Region does not list the directory yet: the primary's
    DescribeRegions may report the Region Active before the replica's Region knows the directory (eventual
    consistency across Regions)."""
    return _domain_controllers(client, directory_id)


def _domain_controllers(client, directory_id):
    return all_pages(client.describe_domain_controllers, "DomainControllers", {"DirectoryId": directory_id})


# ---------------------------------------------------------------------------
# Waiters
# ---------------------------------------------------------------------------


def _retry_acceptors():
    return [
        dict(state="retry", matcher="error", expected=code)
        for code in ("ThrottlingException", "DirectoryUnavailableException")
    ]


def _none_listed(listing, state):
    return dict(state=state, matcher="path", argument=f"length({listing}[]) == `0`", expected=True)


def _active_acceptors(listing, path, missing_codes):
    """Success once every item at ``path`` is Active; failure when one failed or is going away.

    Missing (an empty list or a "does not exist" error) is "not yet": right after a create AWS may not list
    the new resource (eventual consistency); a resource that never shows up ends the wait at its timeout.
    """
    return (
        [dict(state="success", matcher="pathAll", argument=path, expected="Active")]
        + [
            dict(state="failure", matcher="pathAny", argument=path, expected=stage)
            for stage in ("Failed", "RestoreFailed", "Deleting", "Deleted")
        ]
        + [_none_listed(listing, "retry")]
        + [dict(state="retry", matcher="error", expected=code) for code in missing_codes]
        + _retry_acceptors()
    )


def _gone_acceptors(listing, path, missing_codes):
    """Success once nothing is listed, every item at ``path`` is Deleted or it is missing; failure on Failed."""
    return (
        [_none_listed(listing, "success")]
        + [dict(state="success", matcher="pathAll", argument=path, expected="Deleted")]
        + [dict(state="success", matcher="error", expected=code) for code in missing_codes]
        + [dict(state="failure", matcher="pathAny", argument=path, expected="Failed")]
        + _retry_acceptors()
    )


def _waiter(operation, acceptors):
    return dict(operation=operation, **polling.MODEL, acceptors=acceptors)


class DSWaiterFactory(BaseWaiterFactory):
    @property
    def _waiter_model_data(self):
        directories = ("DirectoryDescriptions", "DirectoryDescriptions[].Stage", ["EntityDoesNotExistException"])
        regions = (
            "RegionsDescription",
            "RegionsDescription[].Status",
            ["EntityDoesNotExistException", "DirectoryDoesNotExistException"],
        )
        controllers = (
            "DomainControllers",
            "DomainControllers[].Status",
            ["EntityDoesNotExistException", "DirectoryDoesNotExistException"],
        )
        return dict(
            directory_active=_waiter("DescribeDirectories", _active_acceptors(*directories)),
            directory_deleted=_waiter("DescribeDirectories", _gone_acceptors(*directories)),
            region_active=_waiter("DescribeRegions", _active_acceptors(*regions)),
            region_removed=_waiter("DescribeRegions", _gone_acceptors(*regions)),
            domain_controllers_active=_waiter("DescribeDomainControllers", _active_acceptors(*controllers)),
        )


def _last(error, key):
    items = (getattr(error, "last_response", None) or {}).get(key) or []
    return items[0] if items else {}


def poll(waiter, wait_timeout, **params):
    """``polling.wait`` where a transient error of one read (a ClientException "Rate exceeded", a server error)
    is "not yet" rather than the end of a wait of up to hours: botocore's waiter acceptors match error codes only,
    and a ClientException is transient or permanent by its message.

    Raises botocore's WaiterError like ``polling.wait``: "Max attempts exceeded" at the deadline.
    """
    polling.wait(waiter, wait_timeout, transient=is_transient, **params)


def wait_for_directory(client, directory_id, state, wait_timeout, what="directory"):
    """Wait for a directory to be ``active`` or ``deleted``; raise AnsibleDSError with a readable message."""
    waiter = DSWaiterFactory().get_waiter(client, "directory_active" if state == "active" else "directory_deleted")
    target = "Active" if state == "active" else "deleted"
    try:
        poll(waiter, wait_timeout, DirectoryIds=[directory_id])
    except botocore.exceptions.WaiterError as e:
        last = _last(e, "DirectoryDescriptions")
        stage = last.get("Stage")
        reason = last.get("StageReason")
        if polling.timed_out(e):
            raise AnsibleDSError(
                message=(
                    f"Timed out after {wait_timeout} seconds waiting for {what} {directory_id} to be {target}"
                    f" (last stage: {stage or 'not listed'}). It may still complete: re-run later or raise wait_timeout."
                )
            ) from e
        if stage:
            message = f"{what[0].upper()}{what[1:]} {directory_id} reached stage {stage} instead of {target}"
        else:
            message = f"{what[0].upper()}{what[1:]} {directory_id} no longer exists (waiting for it to be {target})"
        if reason:
            message += f": {reason}"
        raise AnsibleDSError(message=message) from e
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleDSError(
            message=f"Failed while waiting for {what} {directory_id} to be {target}", exception=e
        ) from e


def wait_for_region(client, directory_id, region_name, state, wait_timeout):
    """Wait (with a client in the PRIMARY Region) for a replicated Region to be ``active`` or ``removed``."""
    waiter = DSWaiterFactory().get_waiter(client, "region_active" if state == "active" else "region_removed")
    target = "Active" if state == "active" else "removed"
    try:
        poll(waiter, wait_timeout, DirectoryId=directory_id, RegionName=region_name)
    except botocore.exceptions.WaiterError as e:
        status = _last(e, "RegionsDescription").get("Status")
        if polling.timed_out(e):
            raise AnsibleDSError(
                message=(
                    f"Timed out after {wait_timeout} seconds waiting for Region {region_name} of directory {directory_id}"
                    f" to be {target} (last status: {status or 'not listed'}). It may still complete: re-run later or raise wait_timeout."
                )
            ) from e
        if status:
            message = f"Region {region_name} of directory {directory_id} reached status {status} instead of {target}"
        else:
            message = (
                f"Region {region_name} of directory {directory_id} no longer exists (waiting for it to be {target})"
            )
        raise AnsibleDSError(message=message) from e
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleDSError(
            message=f"Failed while waiting for Region {region_name} of directory {directory_id} to be {target}",
            exception=e,
        ) from e


def wait_for_domain_controllers(client, directory_id, region_name, wait_timeout):
    """Wait (with a client in ``region_name``) until the directory's domain controllers there are listed and Active.

    A replica's controllers show up in DescribeDomainControllers of its Region only some time after AddRegion.
    """
    waiter = DSWaiterFactory().get_waiter(client, "domain_controllers_active")
    try:
        poll(waiter, wait_timeout, DirectoryId=directory_id)
    except botocore.exceptions.WaiterError as e:
        status = _last(e, "DomainControllers").get("Status")
        if polling.timed_out(e):
            raise AnsibleDSError(
                message=(
                    f"Timed out after {wait_timeout} seconds waiting for the domain controllers of directory"
                    f" {directory_id} in {region_name} to be Active (last status: {status or 'not listed'})."
                )
            ) from e
        raise AnsibleDSError(
            message=f"A domain controller of directory {directory_id} in {region_name} is {status or 'gone'}"
        ) from e
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleDSError(
            message=f"Failed while waiting for the domain controllers of directory {directory_id} in {region_name}",
            exception=e,
        ) from e


def call_while(call, refused, timeout, done=lambda result: True):
    """``call()`` again (spaced by ``polling.poll_until``) while it raises an AnsibleDSError that ``refused(error)``
    names, or answers a result that is not ``done(result)`` yet, for up to ``timeout`` seconds.  Returns its last
    result, or that error when the deadline came first; any other error is raised at once."""

    def attempt():
        try:
            return call()
        except AnsibleDSError as e:
            if refused(e):
                return e
            raise

    return polling.poll_until(attempt, lambda result: not isinstance(result, AnsibleDSError) and done(result), timeout)


def add_region_when_free(client, directory_id, region_name, vpc_id, subnet_ids, wait_timeout):
    """AddRegion, waiting (within ``wait_timeout``) while the directory refuses it as busy.

    AWS may refuse a second AddRegion while another Region is being added to the directory
    (DirectoryUnavailableException): the Branches of one deployment start theirs at about the same time.
    Returns False when AWS answers that the directory is already in that Region (an add made by an earlier
    call that DescribeRegions did not show yet), True when this call added it.
    """

    def add():
        try:
            add_region(client, directory_id, region_name, vpc_id, subnet_ids)
            return True
        except AnsibleDSError as e:
            code, dummy = error_code_and_message(e)
            if code == "DirectoryAlreadyInRegionException":
                return False
            raise

    result = call_while(add, is_transient, wait_timeout)
    if isinstance(result, AnsibleDSError):
        raise AnsibleDSError(
            message=(
                f"Directory {directory_id} was still busy (another Region being added?) after {wait_timeout}"
                f" seconds; Region {region_name} was not added. Re-run later or raise wait_timeout."
            ),
            exception=result.exception,
        ) from result
    return result


# ---------------------------------------------------------------------------
# Pure logic
# ---------------------------------------------------------------------------


def password_problems(password):
    """What AWS would reject in a Managed Microsoft AD admin password, as readable text (the rule preflight uses).

    The value itself never appears in the messages.
    """
    return ["it " + problem for problem in aws_rules.directory_password_problems(password)]


def normalize_subnets(subnet_ids):
    return sorted(subnet_ids or [])


def directory_vpc(directory):
    settings = directory.get("VpcSettings") or directory.get("ConnectSettings") or {}
    return settings.get("VpcId"), normalize_subnets(settings.get("SubnetIds"))


def find_directories(directories, name, directory_type, vpc_id=None):
    """Directories of ``directory_type`` named ``name`` (case-insensitive FQDN), not already deleted.

    When several match and ``vpc_id`` is given, only those in that VPC are kept.
    """
    matches = [
        d
        for d in directories
        if d.get("Type") == directory_type
        and (d.get("Name") or "").lower() == name.lower()
        and d.get("Stage") not in ("Deleted",)
    ]
    if len(matches) > 1 and vpc_id:
        matches = [d for d in matches if directory_vpc(d)[0] == vpc_id]
    return matches


def select_directory(directories, name, directory_type, vpc_id=None):
    """The one directory named ``name`` (or None); several candidates is an error naming their ids."""
    matches = find_directories(directories, name, directory_type, vpc_id)
    if len(matches) > 1:
        ids = ", ".join(sorted(d["DirectoryId"] for d in matches))
        hint = "" if vpc_id else " Set vpc_id to choose one."
        raise AnsibleDSError(
            message=f"Found {len(matches)} directories named {name} of type {directory_type} ({ids}).{hint}"
        )
    return matches[0] if matches else None


def immutable_differences(current, desired):
    """Fields the user asked for that differ from the existing directory and that no API can change.

    ``desired`` holds the module options (None = not specified, so not compared).  Returns a list of
    ``(option, current, desired)`` tuples.
    """
    vpc_id, subnets = directory_vpc(current)
    connect = current.get("ConnectSettings") or {}
    checks = [
        (
            "short_name",
            current.get("ShortName"),
            desired.get("short_name"),
            lambda a, b: (a or "").lower() == b.lower(),
        ),
        ("edition", current.get("Edition"), desired.get("edition"), None),
        ("size", current.get("Size"), desired.get("size"), None),
        ("description", current.get("Description") or "", desired.get("description"), None),
        ("vpc_id", vpc_id, desired.get("vpc_id"), None),
        (
            "subnet_ids",
            subnets,
            normalize_subnets(desired.get("subnet_ids")) if desired.get("subnet_ids") is not None else None,
            None,
        ),
        ("customer_user_name", connect.get("CustomerUserName"), desired.get("customer_user_name"), None),
        ("network_type", current.get("NetworkType"), desired.get("network_type"), None),
    ]
    diffs = []
    for option, have, want, equal in checks:
        if want is None or option not in desired:
            continue
        if option == "network_type" and have is None:
            continue  # not reported by older directories / endpoints: nothing to compare
        same = equal(have, want) if equal else have == want
        if not same:
            diffs.append((option, have, want))
    return diffs


def immutable_error(label, diffs, remedy):
    """The error for immutable differences: ``label`` names the resource, ``remedy`` says what to do instead."""
    fields = ", ".join(f"{option} (is {have!r}, requested {want!r})" for option, have, want in diffs)
    pronoun = "it" if len(diffs) == 1 else "them"
    return AnsibleDSError(
        message=(
            f"Cannot change {', '.join(d[0] for d in diffs)} of {label}: AWS has no API to modify {pronoun} ({fields})."
            f" {remedy}"
        )
    )


def build_microsoft_ad_params(params):
    """CreateMicrosoftAD parameters from module options."""
    request = {
        "Name": params["name"],
        "Password": params["password"],
        "Edition": params.get("edition") or "Enterprise",
        "VpcSettings": {"VpcId": params["vpc_id"], "SubnetIds": list(params["subnet_ids"])},
    }
    if params.get("short_name"):
        request["ShortName"] = params["short_name"]
    if params.get("description"):
        request["Description"] = params["description"]
    if params.get("network_type"):
        request["NetworkType"] = params["network_type"]
    if params.get("tags"):
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    return request


def build_connect_directory_params(params):
    """ConnectDirectory parameters from module options."""
    settings = {
        "VpcId": params["vpc_id"],
        "SubnetIds": list(params["subnet_ids"]),
        "CustomerDnsIps": list(params["customer_dns_ips"]),
        "CustomerUserName": params["customer_user_name"],
    }
    request = {
        "Name": params["name"],
        "Password": params["password"],
        "Size": params.get("size") or "Small",
        "ConnectSettings": settings,
    }
    if params.get("short_name"):
        request["ShortName"] = params["short_name"]
    if params.get("description"):
        request["Description"] = params["description"]
    if params.get("tags"):
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    return request


def missing_for_create(params, required):
    return [name for name in required if params.get(name) in (None, "", [])]


def tag_changes(current_tags, desired_tags, purge_tags):
    """(tags to set, keys to remove); ``desired_tags`` None leaves tags alone."""
    if desired_tags is None:
        return {}, []
    return compare_aws_tags(current_tags or {}, desired_tags, purge_tags=purge_tags)


def apply_tags(client, directory_id, current_tags, desired_tags, purge_tags, check_mode):
    """Bring tags to the desired state; returns (changed, resulting tags)."""
    to_set, to_remove = tag_changes(current_tags, desired_tags, purge_tags)
    result = dict(current_tags or {})
    for key in to_remove:
        result.pop(key, None)
    result.update(to_set)
    if not (to_set or to_remove):
        return False, result
    if not check_mode:
        if to_remove:
            remove_tags(client, directory_id, to_remove)
        if to_set:
            add_tags(client, directory_id, to_set)
    return True, result


def _jsonable(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def normalize_directory(directory, tags=None):
    """A DescribeDirectories entry in snake_case, timestamps as ISO 8601, tags as a dict."""
    if not directory:
        return {}
    result = camel_dict_to_snake_dict(_jsonable(directory), ignore_list=["Tags"])
    # RadiusSettings.SharedSecret is a secret; DescribeDirectories does not return it, but never echo it.
    if isinstance(result.get("radius_settings"), dict):
        result["radius_settings"].pop("shared_secret", None)
    if tags is not None:
        result["tags"] = tags
    return result


def normalize_region(region):
    return camel_dict_to_snake_dict(_jsonable(region)) if region else {}


def normalize_domain_controllers(controllers):
    return [camel_dict_to_snake_dict(_jsonable(dc)) for dc in controllers or []]


# --- ds_microsoft_ad and ds_ad_connector ---------------------------------------


@dataclass(frozen=True)
class DirectoryKind:
    """What tells the directory modules apart around the one skeleton of ``ensure_directory``.

    :param directory_type: the ``Type`` AWS reports (``MicrosoftAD``, ``ADConnector``)
    :param label: how messages name one (``directory``, ``AD Connector``)
    :param required_for_create: the options a creation needs
    :param immutable_options: the options AWS cannot change on an existing directory
    :param predict: ``params`` -> what a creation gives (check mode and diff)
    :param create: ``(client, params)`` -> the new directory's ID (one AWS call)
    :param check_password: check the admin password against AWS's rules before creating
    :param replicable: refuse to delete a directory that still has replica Regions
    """

    directory_type: str
    label: str
    required_for_create: list
    immutable_options: tuple
    predict: Callable
    create: Callable
    check_password: bool = False
    replicable: bool = False

    @property
    def title(self):
        """The label at the start of a sentence."""
        return self.label[0].upper() + self.label[1:]


def predicted_directory(params, directory_type, settings, optional):
    """What a directory will look like once created (check mode and diff).

    ``settings``: the type's own fields (edition or size, VPC settings ...); ``optional``: the
    options shown only when set.
    """
    result = {"name": params["name"], "type": directory_type}
    result.update(settings)
    result["tags"] = params.get("tags") or {}
    for option in optional:
        if params.get(option):
            result[option] = params[option]
    return result


def validate_directory_create(params, kind):
    """Raise AnsibleDSError when ``params`` cannot create a directory of ``kind`` (before any call)."""
    missing = missing_for_create(params, kind.required_for_create)
    if missing:
        raise AnsibleDSError(
            message=f"{kind.title} {params['name']} does not exist; to create it also set: {', '.join(missing)}."
        )
    if len(set(params["subnet_ids"])) != 2:
        raise AnsibleDSError(
            message=f"subnet_ids must list exactly 2 subnets in different Availability Zones (got {len(set(params['subnet_ids']))})."
        )
    if kind.check_password:
        problems = password_problems(params["password"])
        if problems:
            raise AnsibleDSError(
                message="The directory admin password does not meet AWS's requirements: " + "; ".join(problems) + "."
            )


def _find_directory(client, params, kind):
    return select_directory(describe_directories(client), params["name"], kind.directory_type, params.get("vpc_id"))


def _create_may_have_happened(error):
    """True when a failed create may still have created the directory: a server error or no answer at all."""
    exception = getattr(error, "exception", None)
    if isinstance(exception, botocore.exceptions.ClientError):
        code, dummy = error_code_and_message(exception)
        status = exception.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in UNCERTAIN_CODES or status >= 500
    # No answer (read timeout, connection closed): the request may have been carried out.
    return isinstance(exception, botocore.exceptions.BotoCoreError)


def _created_by_us(client, params, kind):
    """The directory a lost create may have made: same name, type and VPC, carrying every requested tag."""
    for directory in find_directories(describe_directories(client), params["name"], kind.directory_type):
        if params.get("vpc_id") and directory_vpc(directory)[0] != params["vpc_id"]:
            continue
        wanted = params.get("tags") or {}
        if wanted:
            tags = list_tags(client, directory["DirectoryId"])
            if any(tags.get(k) != v for k, v in wanted.items()):
                continue
        return directory
    return None


def create_directory_once(client, params, kind, create_client=None, lookup_timeout=None):
    """Create the directory of ``kind``; returns its ID.  Never makes a second directory.

    CreateMicrosoftAD and ConnectDirectory have no idempotency token and each directory is billed: after an
    answer that may hide a done create (server error, lost answer), the directory is looked up by name, VPC
    and tags, for up to ``lookup_timeout`` seconds because a new directory may be missing from
    DescribeDirectories for a while (eventual consistency), before the create is tried again.
    ``create_client`` makes the create call (a client without botocore's own retries, which would repeat
    it blindly on a server error); ``client`` the lookups.
    """
    lookup_timeout = CREATE_LOOKUP_TIMEOUT if lookup_timeout is None else lookup_timeout
    attempt = 0
    while True:
        attempt += 1
        try:
            return kind.create(create_client or client, params)
        except AnsibleDSError as e:
            if not _create_may_have_happened(e):
                raise
            found = until_listed(lambda: _created_by_us(client, params, kind), lookup_timeout)
            if found:
                return found["DirectoryId"]
            if attempt >= CREATE_ATTEMPTS:
                raise AnsibleDSError(
                    message=(
                        f"Creating {kind.label} {params['name']} failed {attempt} times, and no {kind.label} of that"
                        f" name appeared within {lookup_timeout} seconds of each attempt. Check the account"
                        " before running again."
                    ),
                    exception=e.exception,
                ) from e


def until_listed(fetch, timeout=None):
    """``fetch()`` until it returns something, for up to ``timeout`` seconds: a resource just created may be
    missing from describes for a while (eventual consistency).  None if it never shows up."""
    timeout = CREATE_LOOKUP_TIMEOUT if timeout is None else timeout
    return polling.poll_until(fetch, bool, timeout) or None


def describe_new_directory(client, directory_id, timeout=None):
    """DescribeDirectories of a directory just created, once AWS shows it (None if it never does)."""
    return until_listed(lambda: describe_directory(client, directory_id), timeout)


def delete_directory_when_released(client, directory_id, timeout=None):
    """DeleteDirectory, retried while AWS answers that applications are still authorized on the directory.

    A Client VPN endpoint that used the directory (or AD Connector) stays registered for a while after its
    deletion (terraform-provider-aws #20556): AWS refuses with ClientException "Cannot delete the directory
    because it still has authorized applications." Retried for up to ``timeout`` seconds
    (AUTHORIZED_APPLICATIONS_TIMEOUT), then that error is raised.
    """
    timeout = AUTHORIZED_APPLICATIONS_TIMEOUT if timeout is None else timeout
    result = call_while(lambda: delete_directory(client, directory_id), _applications_authorized, timeout)
    if isinstance(result, AnsibleDSError):
        raise result
    return result


def _applications_authorized(error):
    code, message = error_code_and_message(error)
    return code == "ClientException" and bool(AUTHORIZED_APPLICATIONS.search(message))


def _ensure_directory_present(client, params, check_mode, kind, create_client=None):
    current = _find_directory(client, params, kind)

    if current is None:
        validate_directory_create(params, kind)
        after = kind.predict(params)
        if check_mode:
            return dict(changed=True, directory={}, diff=dict(before={}, after=after))
        directory_id = create_directory_once(client, params, kind, create_client)
        if params["wait"]:
            wait_for_directory(client, directory_id, "active", params["wait_timeout"], what=kind.label)
        directory = describe_new_directory(client, directory_id) or {"DirectoryId": directory_id}
        result = normalize_directory(directory, list_tags(client, directory_id))
        return dict(changed=True, directory=result, diff=dict(before={}, after=result))

    directory_id = current["DirectoryId"]
    stage = current.get("Stage")
    if stage in FAILED_STAGES:
        reason = f": {current['StageReason']}" if current.get("StageReason") else ""
        raise AnsibleDSError(
            message=(
                f"{kind.title} {params['name']} ({directory_id}) is in stage {stage}{reason}."
                " Delete it (state=absent) and create it again."
            )
        )
    if stage == "Deleting":
        raise AnsibleDSError(
            message=(
                f"{kind.title} {params['name']} ({directory_id}) is being deleted;"
                " wait for the deletion to finish and run again."
            )
        )

    diffs = immutable_differences(current, {option: params.get(option) for option in kind.immutable_options})
    if diffs:
        raise immutable_error(
            f"{kind.label} {directory_id}",
            diffs,
            f"Delete the {kind.label} (state=absent) and create it again with the new settings.",
        )

    tags = list_tags(client, directory_id)
    changed, new_tags = apply_tags(client, directory_id, tags, params.get("tags"), params["purge_tags"], check_mode)
    before = normalize_directory(current, tags)
    if check_mode:
        after = normalize_directory(current, new_tags)
        return dict(changed=changed, directory=after, diff=dict(before=before, after=after))

    if params["wait"] and stage != "Active":
        wait_for_directory(client, directory_id, "active", params["wait_timeout"], what=kind.label)
    if changed or stage != "Active":
        current = describe_directory(client, directory_id) or current
    if changed:
        new_tags = list_tags(client, directory_id)
    after = normalize_directory(current, new_tags)
    # The stage moving on by itself is not a change made by the module: compare what it manages.
    return dict(changed=changed, directory=after, diff=dict(before=before, after=after))


def _ensure_directory_absent(client, params, check_mode, kind):
    current = _find_directory(client, params, kind)
    if current is None:
        return dict(changed=False, directory={}, diff=dict(before={}, after={}))
    directory_id = current["DirectoryId"]
    before = normalize_directory(current)
    replicas = (current.get("RegionsInfo") or {}).get("AdditionalRegions") or [] if kind.replicable else []
    if replicas:
        raise AnsibleDSError(
            message=(
                f"{kind.title} {params['name']} ({directory_id}) is replicated to {', '.join(replicas)}: remove those Regions"
                " first (multiregion.client_vpn.ds_region with state=absent), then delete the directory."
            )
        )
    if check_mode:
        return dict(changed=True, directory={}, diff=dict(before=before, after={}))
    if current.get("Stage") != "Deleting":
        delete_directory_when_released(
            client, directory_id, min(params["wait_timeout"], AUTHORIZED_APPLICATIONS_TIMEOUT)
        )
    if params["wait"]:
        wait_for_directory(client, directory_id, "deleted", params["wait_timeout"], what=kind.label)
    return dict(changed=True, directory={}, diff=dict(before=before, after={}))


def ensure_directory(client, params, check_mode, kind, create_client=None):
    """Bring the directory of ``kind`` named ``params["name"]`` to ``params["state"]``; returns the module result.

    Present: create it (after checking the options; see ``create_directory_once``), or fail on a Failed or
    Deleting one and on a change AWS cannot make in place, and manage its tags.  Absent: delete it (see
    ``delete_directory_when_released``).  ``wait`` waits for Active / deleted.
    """
    if params["state"] == "present":
        return _ensure_directory_present(client, params, check_mode, kind, create_client)
    return _ensure_directory_absent(client, params, check_mode, kind)
