# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Users, groups and memberships of an AWS Managed Microsoft AD through Directory Service Data (``ds-data``),
and the Directory Service (``ds``) calls around it: data access on or off, ResetUserPassword.

Layout:
- calls: ``call`` (one ds-data call retried by ``DSDataRetry``, an AWS error raised as ``AnsibleDSDataError``
  whose message says what to do for the errors known here, such as access not enabled), ``write`` (a ClientToken
  made once per write, so every retry of that write carries it), ``pages`` (a NextToken loop, each page
  retried by itself); one small wrapper per AWS call;
- attributes: module values to and from ds-data ``AttributeValue``s, ADD / REPLACE planning of UpdateUser and
  UpdateGroup, the group scope conversions Active Directory allows;
- the logic of each module, pure over (stub) clients: ``ensure_data_access`` (ds_data_access), ``ensure_user``
  (ds_user), ``ensure_group`` (ds_group), ``gather`` (ds_data_info); ``run_*_module`` are the bodies of their
  ``main()``.

AWS answers reads from any domain controller and replicates between them (eventual consistency): an object
just created may be missing from the next describe, so the modules never create again on such an answer (a
ConflictException on create means "exists"), wait a while for a new object to be listed, and return what they
wrote over what a describe shows.
"""

import copy
import uuid

try:
    import botocore
except ImportError:
    pass  # Modules are responsible for handling this.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict
from ansible_collections.multiregion.client_vpn.plugins.module_utils import polling
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import AnsibleDSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import DSErrorHandler
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import all_pages
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import call_while
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import ds_retry
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import error_code_and_message
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import until_listed
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module

# The errors the ds-data API model marks retryable (its ``retryable`` trait): throttling, a server error, and a
# directory that cannot answer now. DirectoryUnavailableException for a full disk or a broken trust does not
# pass by itself within a retry: it is mapped to a code that is not retried.
DS_DATA_RETRY_CODES = ["ThrottlingException", "InternalServerException", "DirectoryUnavailableException"]
LASTING_UNAVAILABLE_REASONS = ("NO_DISK_SPACE", "TRUST_AUTH_FAILURE")
LASTING_UNAVAILABLE = "DirectoryUnavailableLasting"
NOT_FOUND = "ResourceNotFoundException"
CONFLICT = "ConflictException"
# How long an object just created may stay invisible to describes and to ResetUserPassword (replication
# between domain controllers).
NEW_OBJECT_TIMEOUT = 60

DATA_ACCESS_MODULE = "multiregion.client_vpn.ds_data_access"
# The ``Reason`` of an AccessDeniedException or ValidationException (botocore adds the modeled error fields to
# ``error.response``), and what to tell the user; {directory_id} is filled in.
HINTS = {
    ("AccessDeniedException", "DATA_DISABLED"): (
        "Directory Service Data access is not enabled on {directory_id}: enable it with " + DATA_ACCESS_MODULE
    ),
    ("AccessDeniedException", "DIRECTORY_AUTH"): (
        "the directory {directory_id} refused it: Directory Service Data writes only objects in the directory's"
        " own OU (and memberships of the AWS Delegated Groups), and AWS answers so for a directory ID that does"
        " not exist too"
    ),
    ("AccessDeniedException", "IAM_AUTH"): (
        "the IAM identity running the module may not make this Directory Service Data call on {directory_id}"
        " (see the AWS managed policy AWSDirectoryServiceDataFullAccess)"
    ),
    ("ValidationException", "INVALID_DIRECTORY_TYPE"): (
        "{directory_id} is not an AWS Managed Microsoft AD; Directory Service Data manages only those (the users"
        " of an AD Connector are managed in the directory it connects to)"
    ),
    ("ValidationException", "INVALID_SECONDARY_REGION"): (
        "Directory Service Data answers only in the primary Region of {directory_id}: set region to it"
    ),
}
UNSUPPORTED_HINT = (
    "Directory Service Data is available only for AWS Managed Microsoft AD directories, from their primary"
    " Region, in the Regions where AWS offers it"
)

GROUP_TYPE_DEFAULT = "Security"
GROUP_SCOPE_DEFAULT = "Global"
DESCRIPTION = "description"


class AnsibleDSDataError(AnsibleDSError):
    pass


# ---------------------------------------------------------------------------
# Calls
# ---------------------------------------------------------------------------


class DSDataRetry(AWSRetry):
    @staticmethod
    def status_code_from_exception(error):
        code = error.response.get("Error", {}).get("Code")
        if code == "DirectoryUnavailableException" and error.response.get("Reason") in LASTING_UNAVAILABLE_REASONS:
            return LASTING_UNAVAILABLE
        return code


@DSDataRetry.jittered_backoff(retries=10, delay=3, max_delay=60, catch_extra_error_codes=DS_DATA_RETRY_CODES)
def _send(client, operation, params):
    return getattr(client, operation)(**params)


def error_reason(error):
    """(code, reason) of a ClientError or of an AnsibleAWSError wrapping one; reason is None when AWS gave none."""
    code, dummy = error_code_and_message(error)
    response = getattr(getattr(error, "exception", None) or error, "response", None) or {}
    return code, response.get("Reason")


def failure_message(description, error, directory_id):
    """What failed and, for the errors of HINTS, why and what to do."""
    hint = HINTS.get(error_reason(error))
    if hint:
        return f"Cannot {description}: {hint.format(directory_id=directory_id)}."
    return f"Failed to {description}"


def call(client, operation, description, tolerate=(), **params):
    """``client.<operation>(**params)`` retried on the transient errors; the answer.

    An error whose code is in ``tolerate`` returns None (for example ResourceNotFoundException: the user, group
    or member does not exist); any other is raised as AnsibleDSDataError (see ``failure_message``).
    """
    try:
        return _send(client, operation, params)
    except botocore.exceptions.ClientError as e:
        if error_reason(e)[0] in tolerate:
            return None
        raise AnsibleDSDataError(message=failure_message(description, e, params.get("DirectoryId")), exception=e) from e
    except botocore.exceptions.BotoCoreError as e:
        raise AnsibleDSDataError(message=f"Failed to {description}", exception=e) from e


def new_client_token():
    return str(uuid.uuid4())


def write(client, operation, description, tolerate=(), **params):
    """``call`` of a write with its ClientToken.

    The token is made here, once per write, outside ``_send``'s retries: botocore fills a missing ClientToken
    anew on every ``client.<operation>(...)`` (an idempotency token of the model), so a retried write without one
    would be a new request. With it, every AWSRetry attempt and botocore's resend of a request that got no answer
    carry the same token, and AWS carries the write out once (a token is honoured for 8 hours).
    """
    return call(client, operation, description, tolerate, ClientToken=new_client_token(), **params)


def pages(client, operation, result_key, description, **params):
    """Every item of a paginated ds-data list; each page is retried by itself."""
    return all_pages(lambda **page: call(client, operation, description, **page), result_key, params)


# --- ds-data: users and groups, read and written alike ---------------------
# ``kind`` is USER or GROUP: DescribeUser or DescribeGroup, CreateUser or CreateGroup, ...

USER = "user"
GROUP = "group"


def describe(client, kind, directory_id, name, attributes=None):
    """DescribeUser or DescribeGroup (with these OtherAttributes), or None when it does not exist."""
    params = dict(DirectoryId=directory_id, SAMAccountName=name)
    if attributes:
        params["OtherAttributes"] = list(attributes)
    return call(client, f"describe_{kind}", f"describe {kind} {name}", (NOT_FOUND,), **params)


def create(client, kind, directory_id, request):
    """CreateUser or CreateGroup; the answer (with the SID), or None when AWS answers that it exists already."""
    description = f"create {kind} {request['SAMAccountName']}"
    return write(client, f"create_{kind}", description, (CONFLICT,), DirectoryId=directory_id, **request)


def update(client, kind, directory_id, name, update_type, changes):
    """UpdateUser or UpdateGroup with UpdateType ``update_type`` (ADD, REPLACE)."""
    params = dict(DirectoryId=directory_id, SAMAccountName=name, UpdateType=update_type, **changes)
    write(client, f"update_{kind}", f"update {kind} {name}", **params)


def delete(client, kind, directory_id, name):
    """DeleteUser or DeleteGroup; False when it was already gone."""
    params = dict(DirectoryId=directory_id, SAMAccountName=name)
    return write(client, f"delete_{kind}", f"delete {kind} {name}", (NOT_FOUND,), **params) is not None


def list_all(client, kind, directory_id):
    """ListUsers or ListGroups, every page (the summaries AWS lists)."""
    return pages(client, f"list_{kind}s", f"{kind.capitalize()}s", f"list the {kind}s", DirectoryId=directory_id)


def disable_user(client, directory_id, name):
    write(client, "disable_user", f"disable user {name}", DirectoryId=directory_id, SAMAccountName=name)


# --- ds-data: members ------------------------------------------------------


def list_group_members(client, directory_id, name):
    """The members of the group (Member entries: SAMAccountName, SID, MemberType)."""
    return pages(
        client,
        "list_group_members",
        "Members",
        f"list the members of group {name}",
        DirectoryId=directory_id,
        SAMAccountName=name,
    )


def add_group_member(client, directory_id, group, member):
    """AddGroupMember; a member already in the group is fine (AWS answers ConflictException)."""
    params = dict(DirectoryId=directory_id, GroupName=group, MemberName=member)
    write(client, "add_group_member", f"add {member} to group {group}", (CONFLICT,), **params)


def remove_group_member(client, directory_id, group, member):
    """RemoveGroupMember; a member already gone is fine."""
    params = dict(DirectoryId=directory_id, GroupName=group, MemberName=member)
    write(client, "remove_group_member", f"remove {member} from group {group}", (NOT_FOUND,), **params)


# --- ds: data access and passwords ------------------------------------------


@DSErrorHandler.common_error_handler("describe the Directory Service Data access")
@ds_retry()
def describe_data_access(client, directory_id):
    return client.describe_directory_data_access(DirectoryId=directory_id).get("DataAccessStatus")


@DSErrorHandler.common_error_handler("turn the Directory Service Data access on or off")
@ds_retry()
def set_data_access(client, directory_id, enabled):
    """EnableDirectoryDataAccess or DisableDirectoryDataAccess; already so (DirectoryInDesiredStateException) is fine."""
    try:
        if enabled:
            client.enable_directory_data_access(DirectoryId=directory_id)
        else:
            client.disable_directory_data_access(DirectoryId=directory_id)
    except is_boto3_error_code("DirectoryInDesiredStateException"):
        pass


# The password is never part of a message: AWS's own (InvalidPasswordException ...) does not repeat it.
@DSErrorHandler.common_error_handler("set the password of the user (ResetUserPassword)")
@ds_retry()
def reset_user_password(client, directory_id, name, password):
    client.reset_user_password(DirectoryId=directory_id, UserName=name, NewPassword=password)


def _user_not_listed_yet(error):
    code, dummy = error_code_and_message(error)
    return code in ("UserDoesNotExistException", "EntityDoesNotExistException")


def reset_new_user_password(client, directory_id, name, password, timeout=NEW_OBJECT_TIMEOUT):
    """ResetUserPassword of a user just created: retried for up to ``timeout`` seconds while the Directory
    Service answers that the user does not exist (it may ask a domain controller the user has not reached)."""
    result = call_while(
        lambda: reset_user_password(client, directory_id, name, password), _user_not_listed_yet, timeout
    )
    if isinstance(result, AnsibleDSError):
        raise result


# ---------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------


def attribute_value(value):
    """A module value as a ds-data AttributeValue: a boolean, a number, a list (string set) or a string."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": value}
    if isinstance(value, (list, tuple)):
        return {"SS": [str(item) for item in value]}
    return {"S": str(value)}


def plain_value(attribute):
    """A ds-data AttributeValue as a module value."""
    for key in ("BOOL", "N", "S"):
        if key in attribute:
            return attribute[key]
    return list(attribute.get("SS") or [])


def comparable(value):
    """A value in the form two equal attribute values share: numbers as text, string sets sorted, a set of one
    string as that string (a single-valued LDAP attribute may come back either way)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        items = sorted(str(item) for item in value)
        return items[0] if len(items) == 1 else items
    return str(value)


def _find_attribute(attributes, name):
    """The key of ``attributes`` naming ``name`` (LDAP names are case-insensitive), or None."""
    return next((key for key in attributes or {} if key.lower() == name.lower()), None)


def attribute_changes(current, fields, attributes):
    """The UpdateUser / UpdateGroup requests that bring ``current`` (a describe answer) to the wanted values.

    ``fields``: request fields such as GivenName (None: not managed); ``attributes``: {LDAP name: module value}.
    Returns (add, replace): what the object has no value for yet is given with UpdateType ADD, a different value
    with REPLACE, as AWS asks. Values not mentioned are left alone.
    """
    add, replace = {}, {}
    for key, want in fields.items():
        if want is None:
            continue
        have = current.get(key)
        if have is None:
            add[key] = want
        elif have != want:
            replace[key] = want
    existing = current.get("OtherAttributes") or {}
    for name, want in (attributes or {}).items():
        key = _find_attribute(existing, name)
        if key is None:
            add.setdefault("OtherAttributes", {})[name] = attribute_value(want)
        elif comparable(plain_value(existing[key])) != comparable(want):
            replace.setdefault("OtherAttributes", {})[name] = attribute_value(want)
    return add, replace


def update_attributes(client, kind, directory_id, name, add, replace):
    """The UpdateUser or UpdateGroup calls of ``attribute_changes``'s (add, replace), each only when not empty."""
    for update_type, changes in (("ADD", add), ("REPLACE", replace)):
        if changes:
            update(client, kind, directory_id, name, update_type, changes)


def applied(current, *changes):
    """``current`` with the requests of ``attribute_changes`` applied (what the object looks like after them)."""
    result = copy.deepcopy(current)
    for change in changes:
        for key, value in change.items():
            if key != "OtherAttributes":
                result[key] = value
                continue
            attributes = result.setdefault("OtherAttributes", {})
            for name, attribute in value.items():
                attributes.pop(_find_attribute(attributes, name), None)
                attributes[name] = attribute
    return result


def normalize_object(described):
    """A DescribeUser / DescribeGroup / List* entry in snake_case, its OtherAttributes as plain values."""
    if not described:
        return {}
    kept = {k: v for k, v in described.items() if k not in ("OtherAttributes", "ResponseMetadata")}
    result = camel_dict_to_snake_dict(kept)
    result["other_attributes"] = {
        name: plain_value(value) for name, value in (described.get("OtherAttributes") or {}).items()
    }
    return result


def _names(names):
    """``names`` without repeats, compared case-insensitively as Active Directory does; first spelling kept."""
    seen = {}
    for name in names or []:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _absent_result(client, kind, params, current, check_mode, view=normalize_object):
    """The result of state=absent for a user or group (``kind``), deleting it unless already gone or check mode;
    ``view`` gives the return shape of ``current`` (the diff's before)."""
    if current is None:
        return {"changed": False, kind: {}, "diff": {"before": {}, "after": {}}}
    if not check_mode:
        delete(client, kind, params["directory_id"], params["name"])
    return {"changed": True, kind: {}, "diff": {"before": view(current), "after": {}}}


def _describe_new(client, kind, directory_id, name, attributes):
    """The user or group just created (or refused as existing), once a describe shows it (another domain
    controller may not have it yet), for up to NEW_OBJECT_TIMEOUT seconds; None if it never shows up."""
    return until_listed(lambda: describe(client, kind, directory_id, name, attributes), NEW_OBJECT_TIMEOUT)


def create_or_find(client, kind, directory_id, request, attributes=None):
    """Create the user or group of ``request``: (the answer of the create, None), or (None, the existing one)
    when AWS answers that it exists although the describe before did not show it (replication)."""
    created = create(client, kind, directory_id, request)
    if created is not None:
        return created, None
    name = request["SAMAccountName"]
    found = _describe_new(client, kind, directory_id, name, attributes)
    if not found:
        raise AnsibleDSDataError(
            message=(
                f"AWS refused to create {kind} {name} because it exists, but describing it found nothing for"
                f" {NEW_OBJECT_TIMEOUT} seconds. Run again later."
            )
        )
    return None, found


def new_object(client, kind, directory_id, created, written, attributes=None):
    """The user or group just created as a describe shows it, with what was written over it (another domain
    controller may answer with an older copy), and the SID the create answered."""
    result = dict(_describe_new(client, kind, directory_id, written["SAMAccountName"], attributes) or {})
    result.update(written)
    result.setdefault("SID", created.get("SID"))
    return result


# ---------------------------------------------------------------------------
# ds_data_access
# ---------------------------------------------------------------------------

STABLE = {True: "Enabled", False: "Disabled"}
GOING = {True: "Enabling", False: "Disabling"}


def wait_for_data_access(client, directory_id, target, timeout):
    """Poll DescribeDirectoryDataAccess (``polling``'s delays) until it is ``target``; Failed or the deadline
    is an error."""
    status = polling.poll_until(
        lambda: describe_data_access(client, directory_id), lambda s: s in (target, "Failed"), timeout
    )
    if status == target:
        return status
    if status == "Failed":
        raise AnsibleDSDataError(
            message=f"Directory Service Data access of {directory_id} ended Failed instead of {target}."
        )
    raise AnsibleDSDataError(
        message=(
            f"Timed out after {timeout} seconds waiting for the Directory Service Data access of {directory_id} to"
            f" be {target} (last status: {status}). It may still complete: re-run later or raise wait_timeout."
        )
    )


def _data_access_status(client, directory_id):
    try:
        return describe_data_access(client, directory_id)
    except AnsibleDSError as e:
        if error_code_and_message(e)[0] == "UnsupportedOperationException":
            raise AnsibleDSDataError(message=f"{UNSUPPORTED_HINT}; {directory_id} is not one.", exception=e.exception)
        raise


def _access_result(changed, before, status):
    return dict(
        changed=changed,
        data_access_status=status,
        diff=dict(before={"data_access_status": before}, after={"data_access_status": status}),
    )


def ensure_data_access(client, params, check_mode):
    """Turn the Directory Service Data access of ``params["directory_id"]`` to ``params["state"]``.

    Already there (or on its way: Enabling for enabled) is no change. The opposite change under way is waited out
    first (with wait), or refused (without). Returns the module result with ``data_access_status``.
    """
    directory_id = params["directory_id"]
    enabled = params["state"] == "enabled"
    target = STABLE[enabled]
    before = _data_access_status(client, directory_id)

    if before in (target, GOING[enabled]):
        status = before
        if status != target and params["wait"] and not check_mode:
            status = wait_for_data_access(client, directory_id, target, params["wait_timeout"])
        return _access_result(False, before, status)
    if check_mode:
        return _access_result(True, before, target)
    if before == GOING[not enabled]:
        if not params["wait"]:
            raise AnsibleDSDataError(
                message=(
                    f"The Directory Service Data access of {directory_id} is {before}: run again once it is done,"
                    " or with wait=true to wait for it."
                )
            )
        wait_for_data_access(client, directory_id, STABLE[not enabled], params["wait_timeout"])
    set_data_access(client, directory_id, enabled)
    if params["wait"]:
        return _access_result(True, before, wait_for_data_access(client, directory_id, target, params["wait_timeout"]))
    status = describe_data_access(client, directory_id)
    # Right after the call AWS may still show the former state.
    return _access_result(True, before, status if status in (target, "Failed") else GOING[enabled])


def run_data_access_module(module):
    """The whole of ds_data_access's ``main()`` after the module is built."""
    run_module(module, ensure_data_access, aws_client(module, "ds"), module.params, module.check_mode)


# ---------------------------------------------------------------------------
# ds_user
# ---------------------------------------------------------------------------


def _user_fields(params):
    return {
        "GivenName": params.get("given_name"),
        "Surname": params.get("surname"),
        "EmailAddress": params.get("email_address"),
    }


def _user_result(changed, user, before, after, password_reset=False):
    after = normalize_object(after)
    if password_reset:
        after = dict(after, password_reset=True)
    return dict(changed=changed, user=normalize_object(user), diff=dict(before=normalize_object(before), after=after))


def _create_user(client, ds_client, params, check_mode):
    directory_id, name, password = params["directory_id"], params["name"], params.get("password")
    if params.get("enabled") and not password:
        raise AnsibleDSDataError(
            message=(
                f"User {name} does not exist; to create it enabled also set password (AWS enables a user only by"
                " setting its password, with ResetUserPassword)."
            )
        )
    request = {"SAMAccountName": name}
    request.update({key: value for key, value in _user_fields(params).items() if value is not None})
    if params.get("other_attributes"):
        request["OtherAttributes"] = {key: attribute_value(value) for key, value in params["other_attributes"].items()}
    written = dict(request, DirectoryId=directory_id)
    if password:
        # ResetUserPassword enables the user; a user wanted disabled is disabled again after it.
        written["Enabled"] = params.get("enabled") is not False
    if check_mode:
        predicted = dict(written, Enabled=written.get("Enabled", False))
        return _user_result(True, {}, {}, predicted, bool(password))

    attributes = sorted(params.get("other_attributes") or {})
    created, existing = create_or_find(client, USER, directory_id, request, attributes)
    if existing:
        return _update_user(client, ds_client, params, check_mode, existing)
    if password:
        reset_new_user_password(ds_client, directory_id, name, password)
        if params.get("enabled") is False:
            disable_user(client, directory_id, name)
    user = new_object(client, USER, directory_id, created, written, attributes)
    return _user_result(True, user, {}, user, bool(password))


def _update_user(client, ds_client, params, check_mode, current):
    directory_id, name, password = params["directory_id"], params["name"], params.get("password")
    add, replace = attribute_changes(current, _user_fields(params), params.get("other_attributes"))
    have_enabled = bool(current.get("Enabled"))
    want_enabled = have_enabled if params.get("enabled") is None else params["enabled"]
    if want_enabled and not have_enabled and not password:
        raise AnsibleDSDataError(
            message=(
                f"User {name} is disabled; enabling it needs password (AWS enables a user only by setting its"
                " password, with ResetUserPassword)."
            )
        )
    reset = bool(password) and (params.get("update_password") == "always" or (want_enabled and not have_enabled))
    # ResetUserPassword enables the user: one that stays disabled is disabled again after it.
    disable = not want_enabled and (have_enabled or reset)
    after = applied(current, add, replace)
    after["Enabled"] = want_enabled
    changed = bool(add or replace or reset or disable)
    if changed and not check_mode:
        update_attributes(client, USER, directory_id, name, add, replace)
        if reset:
            reset_user_password(ds_client, directory_id, name, password)
        if disable:
            disable_user(client, directory_id, name)
    return _user_result(changed, after, current, after, reset)


def ensure_user(client, ds_client, params, check_mode):
    """Bring user ``params["name"]`` of the directory to ``params["state"]``; returns the module result.

    ``client`` is a ds-data client, ``ds_client`` a ds one (ResetUserPassword). Present: create it (then set
    its password, which enables it), or update the attributes that differ (ADD or REPLACE), reset the password
    (update_password=always, or to enable it) and disable it. Absent: delete it.
    """
    directory_id, name = params["directory_id"], params["name"]
    current = describe(client, USER, directory_id, name, sorted(params.get("other_attributes") or {}))
    if params["state"] == "absent":
        return _absent_result(client, USER, params, current, check_mode)
    if current is None:
        return _create_user(client, ds_client, params, check_mode)
    return _update_user(client, ds_client, params, check_mode, current)


def run_user_module(module):
    """The whole of ds_user's ``main()`` after the module is built: a ds-data and a ds client."""
    run_module(
        module,
        ensure_user,
        aws_client(module, "ds-data"),
        aws_client(module, "ds"),
        module.params,
        module.check_mode,
    )


# ---------------------------------------------------------------------------
# ds_group
# ---------------------------------------------------------------------------

# Active Directory converts Global and DomainLocal groups into each other only through Universal; BuiltinLocal
# groups (Administrators ...) are never converted.
SCOPE_PATHS = {
    ("Global", "DomainLocal"): ["Universal", "DomainLocal"],
    ("DomainLocal", "Global"): ["Universal", "Global"],
}


def scope_steps(have, want):
    """The GroupScope values to set one after the other to go from ``have`` to ``want`` ([] when equal)."""
    if want is None or want == have:
        return []
    if "BuiltinLocal" in (have, want):
        raise AnsibleDSDataError(
            message=(
                f"Cannot change group_scope from {have} to {want}: Active Directory converts no group to or from"
                " BuiltinLocal. Create another group with the scope you want."
            )
        )
    return SCOPE_PATHS.get((have, want), [want])


def _member_names(members):
    return sorted((m["SAMAccountName"] for m in members), key=str.lower)


def member_changes(have, want, purge):
    """(to add, to remove): the member names of ``want`` not in ``have`` and, with ``purge``, those of ``have``
    not in ``want``; compared case-insensitively. ``want`` None manages no member."""
    if want is None:
        return [], []
    have_keys = {name.lower() for name in have}
    want_keys = {name.lower() for name in want}
    to_add = [name for name in _names(want) if name.lower() not in have_keys]
    to_remove = [name for name in have if name.lower() not in want_keys] if purge else []
    return to_add, to_remove


def _group_result(changed, group, before, after):
    return dict(
        changed=changed, group=_group_view(group), diff=dict(before=_group_view(before), after=_group_view(after))
    )


def _group_view(group):
    """A group with its members (names) in the module's return shape; its description out of other_attributes."""
    if not group:
        return {}
    result = normalize_object({k: v for k, v in group.items() if k != "Members"})
    key = _find_attribute(result["other_attributes"], DESCRIPTION)
    result["description"] = comparable(result["other_attributes"].pop(key)) if key else None
    result["members"] = sorted(group.get("Members") or [], key=str.lower)
    return result


def _add_member(client, directory_id, group, member, new_group):
    """AddGroupMember, with a clear error for a member that does not exist. Right after the group was created,
    ResourceNotFoundException may also mean that the domain controller asked does not have the group yet:
    retried for up to NEW_OBJECT_TIMEOUT."""

    def add():
        add_group_member(client, directory_id, group, member)

    def missing(error):
        return error_reason(error)[0] == NOT_FOUND

    # A timeout of 0 makes one attempt.
    result = call_while(add, missing, NEW_OBJECT_TIMEOUT if new_group else 0)
    if isinstance(result, AnsibleDSError):
        raise AnsibleDSDataError(
            message=f"Cannot add {member} to group {group}: no user, group or computer {member} in {directory_id}.",
            exception=result.exception,
        )


def _create_group(client, params, check_mode):
    directory_id, name = params["directory_id"], params["name"]
    request = {
        "SAMAccountName": name,
        "GroupType": params.get("group_type") or GROUP_TYPE_DEFAULT,
        "GroupScope": params.get("group_scope") or GROUP_SCOPE_DEFAULT,
    }
    if params.get("description") is not None:
        request["OtherAttributes"] = {DESCRIPTION: attribute_value(params["description"])}
    members = _names(params.get("members"))
    written = dict(request, DirectoryId=directory_id, Members=members)
    if check_mode:
        return _group_result(True, {}, {}, written)
    created, existing = create_or_find(client, GROUP, directory_id, request, [DESCRIPTION])
    if existing:
        return _update_group(client, params, check_mode, existing, list_group_members(client, directory_id, name))
    for member in members:
        _add_member(client, directory_id, name, member, new_group=True)
    group = new_object(client, GROUP, directory_id, created, written, [DESCRIPTION])
    return _group_result(True, group, {}, group)


def _update_group(client, params, check_mode, current, members):
    directory_id, name = params["directory_id"], params["name"]
    description = params.get("description")
    add, replace = attribute_changes(current, {}, {DESCRIPTION: description} if description is not None else {})
    if params.get("group_type") not in (None, current.get("GroupType")):
        replace["GroupType"] = params["group_type"]  # AWS: no limitation between group types
    steps = scope_steps(current.get("GroupScope"), params.get("group_scope"))
    if steps:
        replace["GroupScope"] = steps[0]
    have_members = _member_names(members)
    to_add, to_remove = member_changes(have_members, params.get("members"), params.get("purge_members"))
    removed = {n.lower() for n in to_remove}
    after = applied(current, add, replace)
    if steps:
        after["GroupScope"] = steps[-1]
    after["Members"] = [n for n in have_members if n.lower() not in removed] + to_add
    before = dict(current, Members=have_members)
    changed = bool(add or replace or to_add or to_remove)
    if changed and not check_mode:
        update_attributes(client, GROUP, directory_id, name, add, replace)
        for scope in steps[1:]:
            update(client, GROUP, directory_id, name, "REPLACE", {"GroupScope": scope})
        for member in to_add:
            _add_member(client, directory_id, name, member, new_group=False)
        for member in to_remove:
            remove_group_member(client, directory_id, name, member)
    return _group_result(changed, after, before, after)


def ensure_group(client, params, check_mode):
    """Bring group ``params["name"]`` of the directory to ``params["state"]``; returns the module result.

    Present: create it with its members, or change its type, scope (through Universal where Active Directory
    requires it) and description in place, and add (and with purge_members remove) members. Absent: delete it.
    """
    directory_id, name = params["directory_id"], params["name"]
    current = describe(client, GROUP, directory_id, name, [DESCRIPTION])
    if params["state"] == "absent":
        return _absent_result(client, GROUP, params, current, check_mode, _group_view)
    if current is None:
        return _create_group(client, params, check_mode)
    return _update_group(client, params, check_mode, current, list_group_members(client, directory_id, name))


def run_group_module(module):
    """The whole of ds_group's ``main()`` after the module is built."""
    run_module(module, ensure_group, aws_client(module, "ds-data"), module.params, module.check_mode)


# ---------------------------------------------------------------------------
# ds_data_info
# ---------------------------------------------------------------------------


def _group_entry(client, directory_id, group, include_members):
    entry = _group_view(group)
    if include_members:
        entry["members"] = _member_names(list_group_members(client, directory_id, group["SAMAccountName"]))
    else:
        entry.pop("members")
    return entry


def _lookup(client, directory_id, kind, name, include_members):
    """The user or group ``name`` in the module's return shape, or None when it does not exist."""
    if kind == USER:
        user = describe(client, USER, directory_id, name)
        return normalize_object(user) if user is not None else None
    group = describe(client, GROUP, directory_id, name, [DESCRIPTION])
    return _group_entry(client, directory_id, group, include_members) if group is not None else None


def _data_disabled(error):
    return error_reason(error) == ("AccessDeniedException", "DATA_DISABLED")


def _wait_until_listed(look, directory_id, timeout):
    """``look()`` (the names still missing) again, spaced by ``polling.poll_until``, until it finds them all.

    Data access not Enabled yet (DATA_DISABLED) counts as "not yet": a Region's lookup may start before the Home
    has turned the access on and created the groups. The deadline is an error naming what was still awaited.
    """

    result = call_while(look, _data_disabled, timeout, done=lambda missing: missing == [])
    if isinstance(result, AnsibleDSError):
        raise AnsibleDSDataError(
            message=(
                f"Timed out after {timeout} seconds waiting for the Directory Service Data access of {directory_id}"
                f" to be enabled (turn it on with {DATA_ACCESS_MODULE})."
            ),
            exception=result.exception,
        )
    if result:
        names = ", ".join(f"{kind} {name}" for kind, name in result)
        raise AnsibleDSDataError(
            message=f"Timed out after {timeout} seconds waiting for {names} to exist in {directory_id}."
        )
    return result


def gather(client, params):
    """The users and groups named by ``params`` (all of both when neither list is given), with their SIDs and the
    groups' members; the names that do not exist in ``missing`` ({type, name} entries).

    With ``params["wait"]``, the named ones are looked up again (only those still missing) until every one exists
    and the directory's data access is enabled, for up to ``params["wait_timeout"]`` seconds.
    """
    directory_id = params["directory_id"]
    everything = params.get("users") is None and params.get("groups") is None
    include_members = params.get("include_members", True)
    if everything:
        users = [normalize_object(user) for user in list_all(client, USER, directory_id)]
        groups = [_group_entry(client, directory_id, g, include_members) for g in list_all(client, GROUP, directory_id)]
        return dict(changed=False, users=users, groups=groups, missing=[])
    wanted = [(USER, name) for name in _names(params.get("users"))]
    wanted += [(GROUP, name) for name in _names(params.get("groups"))]
    found = {}

    def look():
        for kind, name in wanted:
            if (kind, name) not in found:
                entry = _lookup(client, directory_id, kind, name, include_members)
                if entry is not None:
                    found[(kind, name)] = entry
        return [key for key in wanted if key not in found]

    missing = _wait_until_listed(look, directory_id, params["wait_timeout"]) if params.get("wait") else look()
    return dict(
        changed=False,
        users=[found[key] for key in wanted if key[0] == USER and key in found],
        groups=[found[key] for key in wanted if key[0] == GROUP and key in found],
        missing=[{"type": kind, "name": name} for kind, name in missing],
    )


def run_info_module(module):
    """The whole of ds_data_info's ``main()`` after the module is built."""
    run_module(module, gather, aws_client(module, "ds-data"), module.params)
