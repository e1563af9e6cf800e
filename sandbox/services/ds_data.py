"""Directory Service Data (``ds-data``, rest-json) emulation: users, groups and memberships of a Managed Microsoft AD.

Every operation of the API is emulated here.  The objects are the directory's
domain (``ds_state.Domain``): the built-in ones AWS creates (``Admin``, the
``AWS Delegated ...`` groups, AD's own users and groups) and the customer's,
whose SIDs and distinguished names follow from the directory.  A call passes
AWS's gates in this order (see :func:`_domain`):

- a directory unknown in the caller's Region: ``AccessDeniedException``
  (``DIRECTORY_AUTH``: the model says it "can also occur when the DirectoryId
  doesn't exist");
- called in an additional Region: ``ValidationException``
  ``INVALID_SECONDARY_REGION`` (the Data API answers in the primary Region);
  an AD Connector or Simple AD: ``INVALID_DIRECTORY_TYPE``;
- a directory that is not ``Active``: ``DirectoryUnavailableException``
  (``INVALID_DIRECTORY_STATE``);
- data access not ``Enabled`` (EnableDirectoryDataAccess, in ``ds.py``):
  ``AccessDeniedException`` (``DATA_DISABLED``);
- a ``Realm``/``MemberRealm`` other than the directory's: ``ValidationException``
  ``INVALID_REALM`` (trusts are not modelled).

Writes are confined to the customer's OU (the AWS Delegated Groups OU for
memberships): elsewhere ``AccessDeniedException`` (``DIRECTORY_AUTH``).  A
write's ``ClientToken`` replays the first answer for the same request and is a
``ConflictException`` for another.  A new user has no password and is disabled
until ResetUserPassword (``ds``) sets one.  Realism: a new user or group is
missing from reads for the ``consistency`` window ("you might notice eventual
consistency while objects replicate from one domain controller to another").
"""

import base64
import json

from .. import registry
from ..protocol import modeled_error
from ..protocol import operation_model
from .ds import lookup_directory

SERVICE = "ds-data"
OBJECT_KIND = "ds_data_object"  # sandbox.realism windows, keyed by SID
# Items per page when MaxResults is not given (AWS documents none; small, so that clients meet pagination).
DEFAULT_PAGE = 25
# Request members that are attributes: member -> LDAP display name (Directory Service Data attributes).
NAMED = {"GivenName": "givenName", "Surname": "sn", "EmailAddress": "mail"}
READ_ONLY = {"distinguishedname", "objectsid", "userprincipalname", "samaccountname"}
SEARCHABLE = {"USER": {"samaccountname", "givenname", "sn", "mail"}, "GROUP": {"samaccountname"}}
# AD group nesting: the scopes of groups a group of each scope may contain (users may join any group).
NESTABLE = {
    "Global": {"Global"},
    "Universal": {"Global", "Universal"},
    "DomainLocal": {"Global", "Universal", "DomainLocal"},
}


def _error(code, message, reason=None):
    return modeled_error(SERVICE, code, message, **({"Reason": reason} if reason else {}))


def _operation(action):
    """Register ``fn(call, domain)`` for ``action``; a write (its input has a ClientToken) is made idempotent."""

    def wrap(fn):
        writes = "ClientToken" in operation_model(SERVICE, action).input_shape.members

        def handle(call):
            domain = _domain(call)
            if not writes:
                return fn(call, domain)
            token = call.params.get("ClientToken")
            request = {k: v for k, v in call.params.items() if k != "ClientToken"}
            fingerprint = json.dumps([action, request], sort_keys=True)
            if token in domain.tokens:
                seen, answer = domain.tokens[token]
                if seen != fingerprint:
                    raise _error("ConflictException", "The ClientToken was already used with a different request.")
                return answer
            answer = fn(call, domain)
            if token:
                domain.tokens[token] = (fingerprint, answer)
            return answer

        registry.handler(SERVICE, action)(handle)
        return fn

    return wrap


def _domain(call):
    """The domain of the call's directory, once every gate of the module docstring is passed."""
    p = call.params
    directory_id = p["DirectoryId"]
    seen = lookup_directory(call.sandbox, call.account_id, call.region, directory_id)
    if seen is None:
        raise _error("AccessDeniedException", f"Directory {directory_id} does not exist.", "DIRECTORY_AUTH")
    if seen["IsReplica"]:
        raise _error(
            "ValidationException",
            f"Directory Service Data answers in the primary Region of directory {directory_id} only.",
            "INVALID_SECONDARY_REGION",
        )
    if seen["Type"] != "MicrosoftAD":
        raise _error(
            "ValidationException",
            f"Directory Service Data is for AWS Managed Microsoft AD only, not {seen['Type']}.",
            "INVALID_DIRECTORY_TYPE",
        )
    if seen["Stage"] != "Active":
        raise _error(
            "DirectoryUnavailableException",
            f"Directory {directory_id} is {seen['Stage']}.",
            "INVALID_DIRECTORY_STATE",
        )
    directory = call.sandbox.state.ds.get(call.account_id, directory_id)
    if directory.data_access_status() != "Enabled":
        raise _error(
            "AccessDeniedException",
            f"Directory Service Data access is not enabled for directory {directory_id}.",
            "DATA_DISABLED",
        )
    domain = directory.domain
    for member in ("Realm", "MemberRealm"):
        if p.get(member) and p[member].rstrip(".").lower() != domain.realm.lower():
            raise _error("ValidationException", f"Unknown realm {p[member]}.", "INVALID_REALM")
    return domain


# ------------------------------------------------------------------ helpers


def _visible(call, domain, obj):
    return call.sandbox.realism.visible(OBJECT_KIND, domain.sid(obj))


def _get(call, domain, name, kind=None, read=False):
    """The object named ``name``; ResourceNotFoundException if there is none (or a read does not see it yet)."""
    obj = domain.find(name, kind)
    if obj is None or (read and not _visible(call, domain, obj)):
        what = {"USER": "User", "GROUP": "Group"}.get(kind, "Member")
        raise _error("ResourceNotFoundException", f"{what} {name} does not exist in {domain.realm}.")
    return obj


def _writable(obj, allowed=("ou",)):
    if obj.writable not in allowed:
        raise _error(
            "AccessDeniedException",
            f"{obj.name} is outside your organizational unit: Directory Service Data cannot change it.",
            "DIRECTORY_AUTH",
        )


def _free(domain, name):
    if domain.find(name) is not None:
        raise _error("ConflictException", f"An object named {name} already exists in {domain.realm}.")


def _group_fields(params, group=None):
    """GroupType and GroupScope of CreateGroup/UpdateGroup: the request's, else the group's, else AD's defaults."""
    if params.get("GroupScope") == "BuiltinLocal":
        raise _error("ValidationException", "Groups of scope BuiltinLocal are AD's own.", "LDAP_UNSUPPORTED_OPERATION")
    return {
        "group_type": params.get("GroupType") or (group.group_type if group else "Security"),
        "group_scope": params.get("GroupScope") or (group.group_scope if group else "Global"),
    }


def _attributes(params):
    """The attributes a write names: lower-case LDAP name -> (name as given, AttributeValue)."""
    pairs = [(ldap, {"S": params[member]}) for member, ldap in NAMED.items() if member in params]
    out = {}
    for name, value in pairs + list((params.get("OtherAttributes") or {}).items()):
        key = name.lower()
        if key in READ_ONLY:
            raise _error("ValidationException", f"{name} cannot be written.", "INVALID_ATTRIBUTE_FOR_MODIFY")
        if key in out:
            raise _error("ValidationException", f"{name} is given twice.", "DUPLICATE_ATTRIBUTE")
        out[key] = (name, value)
    return out


def _update(obj, params):
    """UpdateUser/UpdateGroup: ADD a missing attribute, REPLACE (the default) or REMOVE a present one; all or none."""
    attributes = _attributes(params)
    kind = params.get("UpdateType") or "REPLACE"
    for key, (name, _) in attributes.items():
        if kind == "ADD" and key in obj.attributes:
            raise _error("ValidationException", f"{name} already has a value: use REPLACE.", "ATTRIBUTE_EXISTS")
        if kind == "REMOVE" and key not in obj.attributes:
            raise _error("ValidationException", f"{name} has no value to remove.", "MISSING_ATTRIBUTE")
    for key, item in attributes.items():
        if kind == "REMOVE":
            del obj.attributes[key]
        else:
            obj.attributes[key] = item


def _value(obj, key):
    if key == "samaccountname":
        return obj.name
    return (obj.attributes.get(key, (None, {}))[1]).get("S")


def _describe(domain, obj, wanted=()):
    """A user or group as Describe*/Search*/List* answer it (the serialiser keeps what the output shape has)."""
    out = {
        "SAMAccountName": obj.name,
        "SID": domain.sid(obj),
        "DistinguishedName": domain.dn(obj),
        "MemberType": obj.kind,
    }
    if obj.kind == "USER":
        out.update(Enabled=obj.enabled, UserPrincipalName=f"{obj.name}@{domain.realm.upper()}")
        out.update({member: _value(obj, ldap.lower()) for member, ldap in NAMED.items()})
    else:
        out.update(GroupType=obj.group_type, GroupScope=obj.group_scope)
    other = dict(obj.attributes[a.lower()] for a in wanted or () if a.lower() in obj.attributes)
    if other:
        out["OtherAttributes"] = other
    return out


def _page(call, items):
    """One page of ``items`` (in RID order) from the request's NextToken on, and the token of the next page."""
    p = call.params
    after = -1
    if p.get("NextToken"):
        try:
            action, directory_id, after = json.loads(base64.urlsafe_b64decode(p["NextToken"]))
            valid = (action, directory_id) == (call.action, p["DirectoryId"]) and isinstance(after, int)
        except (ValueError, TypeError):
            valid = False
        if not valid:
            raise _error("ValidationException", "Invalid NextToken.", "INVALID_NEXT_TOKEN")
    rest = [obj for obj in items if obj.rid > after]
    page = rest[: p.get("MaxResults") or DEFAULT_PAGE]
    token = None
    if len(rest) > len(page):
        token = base64.urlsafe_b64encode(json.dumps([call.action, p["DirectoryId"], page[-1].rid]).encode()).decode()
    return page, token


def _listing(call, domain, key, items, detail=False):
    """The answer of a List*/Search* call: the visible ``items``, a page of them, DirectoryId, Realm, NextToken."""
    page, token = _page(call, sorted((o for o in items if _visible(call, domain, o)), key=lambda o: o.rid))
    out = {"DirectoryId": call.params["DirectoryId"], "Realm": domain.realm, key: [_describe(domain, o) for o in page]}
    if detail:  # membership calls also name the members' realm
        out["MemberRealm"] = domain.realm
    if token:
        out["NextToken"] = token
    return out


def _search(call, domain, kind):
    p = call.params
    keys = [a.lower() for a in p["SearchAttributes"]]
    unknown = [a for a, key in zip(p["SearchAttributes"], keys) if key not in SEARCHABLE[kind]]
    if unknown:
        raise _error("ValidationException", f"{unknown[0]} is not searchable.", "INVALID_ATTRIBUTE_FOR_SEARCH")
    text = p["SearchString"].lower()
    return [o for o in domain.objects if o.kind == kind and any(text in (_value(o, k) or "").lower() for k in keys)]


@_operation("DisableUser")
def disable_user(call, domain):
    user = _get(call, domain, call.params["SAMAccountName"], "USER")
    _writable(user)
    user.enabled = False
    return {}


# ------------------------------------------------------- users and groups


def _register(kind, noun):
    """CreateX, DescribeX, UpdateX, DeleteX, ListXs and SearchXs answer alike for users and groups."""

    @_operation(f"Create{noun}")
    def create(call, domain):
        p = call.params
        fields = _group_fields(p) if kind == "GROUP" else {}
        _free(domain, p["SAMAccountName"])
        obj = domain.create(kind, p["SAMAccountName"], attributes=_attributes(p), **fields)
        call.sandbox.realism.created(OBJECT_KIND, domain.sid(obj))
        return {"DirectoryId": p["DirectoryId"], "SAMAccountName": obj.name, "SID": domain.sid(obj)}

    @_operation(f"Update{noun}")
    def update(call, domain):
        obj = _get(call, domain, call.params["SAMAccountName"], kind)
        _writable(obj)
        fields = _group_fields(call.params, obj) if kind == "GROUP" else {}
        _update(obj, call.params)
        for name, value in fields.items():
            setattr(obj, name, value)
        return {}

    @_operation(f"Describe{noun}")
    def describe(call, domain):
        p = call.params
        obj = _get(call, domain, p["SAMAccountName"], kind, read=True)
        return {
            "DirectoryId": p["DirectoryId"],
            "Realm": domain.realm,
            **_describe(domain, obj, p.get("OtherAttributes")),
        }

    @_operation(f"Delete{noun}")
    def delete(call, domain):
        obj = _get(call, domain, call.params["SAMAccountName"], kind)
        _writable(obj)
        domain.delete(obj)
        call.sandbox.realism.forget(OBJECT_KIND, domain.sid(obj))
        return {}

    @_operation(f"List{noun}s")
    def list_all(call, domain):
        return _listing(call, domain, f"{noun}s", [o for o in domain.objects if o.kind == kind])

    @_operation(f"Search{noun}s")
    def search(call, domain):
        return _listing(call, domain, f"{noun}s", _search(call, domain, kind))


_register("USER", "User")
_register("GROUP", "Group")


# -------------------------------------------------------------- memberships


def _membership(call, domain):
    """(group, member) of AddGroupMember/RemoveGroupMember: a group of the customer's or the delegated OU."""
    p = call.params
    group = _get(call, domain, p["GroupName"], "GROUP")
    _writable(group, ("ou", "delegated"))
    return group, _get(call, domain, p["MemberName"])


@_operation("AddGroupMember")
def add_group_member(call, domain):
    group, member = _membership(call, domain)
    if member in group.members:
        raise _error("ConflictException", f"{member.name} is already a member of {group.name}.")
    if member is group or (member.kind == "GROUP" and member.group_scope not in NESTABLE[group.group_scope]):
        raise _error(
            "ValidationException",
            f"A {member.group_scope} group cannot be a member of {group.group_scope} group {group.name}.",
            "LDAP_UNSUPPORTED_OPERATION",
        )
    group.members.append(member)
    return {}


@_operation("RemoveGroupMember")
def remove_group_member(call, domain):
    group, member = _membership(call, domain)
    if member not in group.members:
        raise _error("ResourceNotFoundException", f"{member.name} is not a member of {group.name}.")
    group.members.remove(member)
    return {}


@_operation("ListGroupMembers")
def list_group_members(call, domain):
    group = _get(call, domain, call.params["SAMAccountName"], "GROUP", read=True)
    return _listing(call, domain, "Members", group.members, detail=True)


@_operation("ListGroupsForMember")
def list_groups_for_member(call, domain):
    member = _get(call, domain, call.params["SAMAccountName"], read=True)
    groups = [g for g in domain.objects if member in g.members]
    return _listing(call, domain, "Groups", groups, detail=True)
