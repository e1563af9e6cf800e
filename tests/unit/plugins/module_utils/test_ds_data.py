"""module_utils/ds_data: calls (retries, client tokens, pages, errors explained), attributes, group scopes.

``FakeDirectory`` is also the stub directory of the modules' tests (test_ds_user.py, test_ds_group.py,
test_ds_data_access.py, test_ds_data_info.py), which import it from here.
"""

import functools
from unittest.mock import MagicMock

import botocore.session
import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds_data
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import AnsibleDSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import AnsibleDSDataError
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import client_error
from botocore.stub import Stubber

DIRECTORY_ID = "d-1234567890"
REALM = "corp.example.com"
# The calls that change the directory, on the ds-data and the ds client.
WRITES = (
    "create_user",
    "update_user",
    "disable_user",
    "delete_user",
    "reset_user_password",
    "create_group",
    "update_group",
    "delete_group",
    "add_group_member",
    "remove_group_member",
    "enable_directory_data_access",
    "disable_directory_data_access",
)
PAGE_SIZE = 2
# Active Directory's scope conversions (AWS's UpdateGroup passes them on): no direct Global <-> DomainLocal.
ALLOWED_SCOPE_CHANGES = {
    ("Global", "Universal"),
    ("DomainLocal", "Universal"),
    ("Universal", "Global"),
    ("Universal", "DomainLocal"),
}


def aws_error(code, operation="Call", reason=None, message=None):
    """A ClientError as botocore raises it, with the modeled ``Reason`` beside ``Error`` when given."""
    error = client_error(code, operation, message)
    if reason:
        error.response["Reason"] = reason
    return error


def _key(name):
    return name.lower()


class FakeDirectory:
    """An in-memory AWS Managed Microsoft AD behind a MagicMock client that answers ds-data and ds calls.

    ``client`` records every call (``method_calls``); ``fail_next[operation]`` lists errors its next calls raise
    first. It keeps AWS's rules the modules rely on: ADD only for a missing attribute and REPLACE only for a
    present one, a new user disabled until its password is set, ConflictException for a create of an existing
    name (unless the same ClientToken) and for a member already in the group, AccessDeniedException DATA_DISABLED
    while data access is not Enabled, Active Directory's group scope conversions.
    """

    def __init__(self, users=(), groups=(), members=None, data_access="Enabled"):
        self.users = {}
        self.groups = {}
        self.members = {}
        self.passwords = {}
        self.tokens = {}
        self.data_access = data_access
        self.fail_next = {}
        self._sid = 1100
        for user in users:
            self.add_user(**user)
        for group in groups:
            self.add_group(**group)
        for group, names in (members or {}).items():
            self.members[_key(group)] = list(names)
        self.client = MagicMock(name="directory")
        for name in dir(self):
            if name.startswith("op_"):
                getattr(self.client, name[3:]).side_effect = functools.partial(self._dispatch, name[3:])

    # --- state -------------------------------------------------------------

    def _next_sid(self):
        self._sid += 1
        return f"S-1-5-21-1111111111-2222222222-3333333333-{self._sid}"

    def add_user(self, SAMAccountName, Enabled=False, OtherAttributes=None, **fields):
        self.users[_key(SAMAccountName)] = dict(
            SAMAccountName=SAMAccountName,
            SID=self._next_sid(),
            Enabled=Enabled,
            DistinguishedName=f"CN={SAMAccountName},OU=Users,OU=CORP,DC=corp,DC=example,DC=com",
            UserPrincipalName=f"{SAMAccountName}@{REALM.upper()}",
            OtherAttributes=dict(OtherAttributes or {}),
            **fields,
        )

    def add_group(self, SAMAccountName, GroupType="Security", GroupScope="Global", OtherAttributes=None):
        self.groups[_key(SAMAccountName)] = dict(
            SAMAccountName=SAMAccountName,
            SID=self._next_sid(),
            GroupType=GroupType,
            GroupScope=GroupScope,
            DistinguishedName=f"CN={SAMAccountName},OU=Users,OU=CORP,DC=corp,DC=example,DC=com",
            OtherAttributes=dict(OtherAttributes or {}),
        )
        self.members.setdefault(_key(SAMAccountName), [])

    def member_names(self, group):
        return sorted(self.members[_key(group)], key=str.lower)

    # --- dispatch ----------------------------------------------------------

    def _dispatch(self, operation, **kw):
        queued = self.fail_next.get(operation)
        if queued:
            raise queued.pop(0)
        ds_data = not operation.endswith("directory_data_access") and operation != "reset_user_password"
        if ds_data and self.data_access != "Enabled":
            raise aws_error("AccessDeniedException", operation, "DATA_DISABLED", "Directory data access is disabled")
        if "ClientToken" in kw:
            token = kw.pop("ClientToken")
            if token in self.tokens:
                return self.tokens[token]
            answer = getattr(self, "op_" + operation)(**kw)
            self.tokens[token] = answer
            return answer
        return getattr(self, "op_" + operation)(**kw)

    @staticmethod
    def _page(items, key, NextToken=None, **dummy):
        start = int(NextToken or 0)
        page = {key: items[start : start + PAGE_SIZE], "DirectoryId": DIRECTORY_ID}
        if start + PAGE_SIZE < len(items):
            page["NextToken"] = str(start + PAGE_SIZE)
        return page

    @staticmethod
    def _described(entry, OtherAttributes=None):
        wanted = {name.lower() for name in OtherAttributes or []}
        described = {k: v for k, v in entry.items() if k != "OtherAttributes"}
        described["OtherAttributes"] = {k: v for k, v in entry["OtherAttributes"].items() if k.lower() in wanted}
        return dict(described, DirectoryId=DIRECTORY_ID, Realm=REALM)

    @staticmethod
    def _update(entry, UpdateType, changes):
        for key, value in changes.items():
            if key != "OtherAttributes":
                if UpdateType == "ADD" and entry.get(key) is not None:
                    raise aws_error("ValidationException", "Update", "ATTRIBUTE_EXISTS")
                if UpdateType == "REPLACE" and entry.get(key) is None:
                    raise aws_error("ValidationException", "Update", "MISSING_ATTRIBUTE")
                entry[key] = value
                continue
            for name, attribute in value.items():
                present = any(k.lower() == name.lower() for k in entry["OtherAttributes"])
                if UpdateType == "ADD" and present:
                    raise aws_error("ValidationException", "Update", "ATTRIBUTE_EXISTS")
                if UpdateType == "REPLACE" and not present:
                    raise aws_error("ValidationException", "Update", "MISSING_ATTRIBUTE")
                entry["OtherAttributes"] = {
                    k: v for k, v in entry["OtherAttributes"].items() if k.lower() != name.lower()
                }
                entry["OtherAttributes"][name] = attribute

    def _user(self, name, code="ResourceNotFoundException"):
        if _key(name) not in self.users:
            raise aws_error(code, "User")
        return self.users[_key(name)]

    def _group(self, name):
        if _key(name) not in self.groups:
            raise aws_error("ResourceNotFoundException", "Group")
        return self.groups[_key(name)]

    # --- ds-data: users ----------------------------------------------------

    def op_describe_user(self, DirectoryId, SAMAccountName, OtherAttributes=None):
        return self._described(self._user(SAMAccountName), OtherAttributes)

    def op_create_user(self, DirectoryId, SAMAccountName, OtherAttributes=None, **fields):
        if _key(SAMAccountName) in self.users:
            raise aws_error("ConflictException", "CreateUser")
        self.add_user(SAMAccountName, OtherAttributes=OtherAttributes, **fields)
        return {
            "DirectoryId": DirectoryId,
            "SAMAccountName": SAMAccountName,
            "SID": self.users[_key(SAMAccountName)]["SID"],
        }

    def op_update_user(self, DirectoryId, SAMAccountName, UpdateType, **changes):
        self._update(self._user(SAMAccountName), UpdateType, changes)
        return {}

    def op_disable_user(self, DirectoryId, SAMAccountName):
        self._user(SAMAccountName)["Enabled"] = False
        return {}

    def op_delete_user(self, DirectoryId, SAMAccountName):
        self._user(SAMAccountName)
        del self.users[_key(SAMAccountName)]
        return {}

    def op_list_users(self, DirectoryId, **kw):
        summaries = [
            {k: u[k] for k in ("SAMAccountName", "SID", "Enabled", "GivenName", "Surname") if k in u}
            for u in self.users.values()
        ]
        return self._page(summaries, "Users", **kw)

    # --- ds-data: groups and members ----------------------------------------

    def op_describe_group(self, DirectoryId, SAMAccountName, OtherAttributes=None):
        return self._described(self._group(SAMAccountName), OtherAttributes)

    def op_create_group(
        self, DirectoryId, SAMAccountName, GroupType="Security", GroupScope="Global", OtherAttributes=None
    ):
        if _key(SAMAccountName) in self.groups:
            raise aws_error("ConflictException", "CreateGroup")
        self.add_group(SAMAccountName, GroupType, GroupScope, OtherAttributes)
        return {
            "DirectoryId": DirectoryId,
            "SAMAccountName": SAMAccountName,
            "SID": self.groups[_key(SAMAccountName)]["SID"],
        }

    def op_update_group(self, DirectoryId, SAMAccountName, UpdateType, **changes):
        group = self._group(SAMAccountName)
        scope = changes.get("GroupScope")
        if scope and scope != group["GroupScope"] and (group["GroupScope"], scope) not in ALLOWED_SCOPE_CHANGES:
            raise aws_error("ValidationException", "UpdateGroup", "LDAP_UNSUPPORTED_OPERATION")
        self._update(group, "REPLACE", {k: v for k, v in changes.items() if k in ("GroupType", "GroupScope")})
        self._update(group, UpdateType, {k: v for k, v in changes.items() if k == "OtherAttributes"})
        return {}

    def op_delete_group(self, DirectoryId, SAMAccountName):
        self._group(SAMAccountName)
        del self.groups[_key(SAMAccountName)]
        return {}

    def op_list_groups(self, DirectoryId, **kw):
        summaries = [
            {k: g[k] for k in ("SAMAccountName", "SID", "GroupType", "GroupScope")} for g in self.groups.values()
        ]
        return self._page(summaries, "Groups", **kw)

    def _member(self, name):
        entry = self.users.get(_key(name)) or self.groups.get(_key(name))
        if entry is None:
            raise aws_error("ResourceNotFoundException", "Member")
        return entry

    def op_add_group_member(self, DirectoryId, GroupName, MemberName):
        self._group(GroupName)
        entry = self._member(MemberName)
        names = self.members[_key(GroupName)]
        if _key(MemberName) in {_key(n) for n in names}:
            raise aws_error("ConflictException", "AddGroupMember")
        names.append(entry["SAMAccountName"])
        return {}

    def op_remove_group_member(self, DirectoryId, GroupName, MemberName):
        self._group(GroupName)
        names = self.members[_key(GroupName)]
        if _key(MemberName) not in {_key(n) for n in names}:
            raise aws_error("ResourceNotFoundException", "RemoveGroupMember")
        names[:] = [n for n in names if _key(n) != _key(MemberName)]
        return {}

    def op_list_group_members(self, DirectoryId, SAMAccountName, **kw):
        self._group(SAMAccountName)
        members = [
            {
                "SAMAccountName": self._member(n)["SAMAccountName"],
                "SID": self._member(n)["SID"],
                "MemberType": "GROUP" if _key(n) in self.groups else "USER",
            }
            for n in self.members[_key(SAMAccountName)]
        ]
        return self._page(members, "Members", **kw)

    # --- ds ----------------------------------------------------------------

    def op_reset_user_password(self, DirectoryId, UserName, NewPassword):
        self._user(UserName, code="UserDoesNotExistException")["Enabled"] = True
        self.passwords[_key(UserName)] = NewPassword
        return {}

    def op_describe_directory_data_access(self, DirectoryId):
        """A status on its way moves on at each read: Enabling, then Enabled."""
        status = self.data_access
        self.data_access = {"Enabling": "Enabled", "Disabling": "Disabled"}.get(status, status)
        return {"DataAccessStatus": status}

    def _set_access(self, going, target):
        if self.data_access == target:
            raise aws_error("DirectoryInDesiredStateException", "DataAccess")
        self.data_access = going
        return {}

    def op_enable_directory_data_access(self, DirectoryId):
        return self._set_access("Enabling", "Enabled")

    def op_disable_directory_data_access(self, DirectoryId):
        return self._set_access("Disabling", "Disabled")


def writes(directory):
    """The names of the write calls made on the fake directory, in order."""
    return [name for name, dummy_args, dummy_kwargs in directory.client.method_calls if name in WRITES]


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


# ---------------------------------------------------------------------------
# Calls
# ---------------------------------------------------------------------------


def test_a_write_retried_after_throttling_sends_the_same_client_token(no_sleep):
    client = MagicMock()
    client.create_user.side_effect = [
        aws_error("ThrottlingException"),
        aws_error("InternalServerException"),
        {"SID": "S-1"},
    ]
    answer = ds_data.create(client, ds_data.USER, DIRECTORY_ID, {"SAMAccountName": "alice"})
    tokens = {c.kwargs["ClientToken"] for c in client.create_user.call_args_list}
    assert answer == {"SID": "S-1"} and client.create_user.call_count == 3 and len(tokens) == 1


def test_two_writes_get_two_client_tokens():
    client = MagicMock()
    ds_data.disable_user(client, DIRECTORY_ID, "alice")
    ds_data.disable_user(client, DIRECTORY_ID, "alice")
    tokens = [c.kwargs["ClientToken"] for c in client.disable_user.call_args_list]
    assert len(set(tokens)) == 2


def test_botocore_keeps_the_client_token_it_is_given():
    """Why the token is made before the retries: botocore makes a new one for every call that has none."""
    client = botocore.session.get_session().create_client(
        "ds-data", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    with Stubber(client) as stubber:
        request = {"DirectoryId": DIRECTORY_ID, "SAMAccountName": "alice"}
        stubber.add_response("disable_user", {}, dict(request, ClientToken="token-1"))
        client.disable_user(ClientToken="token-1", **request)
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "code, reason, retried",
    [
        ("ThrottlingException", None, True),
        ("InternalServerException", None, True),
        ("DirectoryUnavailableException", "DIRECTORY_TIMEOUT", True),
        ("DirectoryUnavailableException", "NO_DISK_SPACE", False),
        ("ValidationException", "INVALID_ATTRIBUTE_VALUE", False),
        ("ConflictException", None, False),
    ],
)
def test_transient_errors_are_retried(no_sleep, code, reason, retried):
    client = MagicMock()
    client.list_users.side_effect = [aws_error(code, "ListUsers", reason), {"Users": []}]
    if retried:
        assert ds_data.list_all(client, ds_data.USER, DIRECTORY_ID) == []
    else:
        with pytest.raises(AnsibleDSDataError):
            ds_data.list_all(client, ds_data.USER, DIRECTORY_ID)
    assert client.list_users.call_count == (2 if retried else 1)


def test_pages_are_all_read():
    directory = FakeDirectory(users=[{"SAMAccountName": f"user{i}"} for i in range(5)])
    names = [u["SAMAccountName"] for u in ds_data.list_all(directory.client, ds_data.USER, DIRECTORY_ID)]
    assert names == [f"user{i}" for i in range(5)] and directory.client.list_users.call_count == 3


def test_data_access_disabled_is_explained():
    directory = FakeDirectory(data_access="Disabled")
    with pytest.raises(AnsibleDSDataError) as exc:
        ds_data.describe(directory.client, ds_data.USER, DIRECTORY_ID, "alice")
    assert exc.value.message == (
        "Cannot describe user alice: Directory Service Data access is not enabled on d-1234567890: enable it with"
        " multiregion.client_vpn.ds_data_access."
    )
    assert exc.value.exception.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.parametrize(
    "code, reason, text",
    [
        ("AccessDeniedException", "DIRECTORY_AUTH", "writes only objects in the directory's own OU"),
        ("AccessDeniedException", "IAM_AUTH", "AWSDirectoryServiceDataFullAccess"),
        ("ValidationException", "INVALID_DIRECTORY_TYPE", "d-1234567890 is not an AWS Managed Microsoft AD"),
        ("ValidationException", "INVALID_SECONDARY_REGION", "only in the primary Region of d-1234567890"),
    ],
)
def test_known_errors_are_explained(code, reason, text):
    client = MagicMock()
    client.delete_group.side_effect = aws_error(code, "DeleteGroup", reason)
    with pytest.raises(AnsibleDSDataError, match=text) as exc:
        ds_data.delete(client, ds_data.GROUP, DIRECTORY_ID, "vpn")
    assert exc.value.message.startswith("Cannot delete group vpn: ")


def test_other_errors_keep_the_aws_error():
    client = MagicMock()
    client.create_group.side_effect = aws_error("ValidationException", "CreateGroup", "INVALID_ATTRIBUTE_VALUE")
    with pytest.raises(AnsibleDSDataError) as exc:
        ds_data.create(client, ds_data.GROUP, DIRECTORY_ID, {"SAMAccountName": "vpn"})
    assert exc.value.message == "Failed to create group vpn" and exc.value.exception is not None
    assert isinstance(exc.value, AnsibleDSError)


def test_not_found_is_absent():
    directory = FakeDirectory()
    for kind in (ds_data.USER, ds_data.GROUP):
        assert ds_data.describe(directory.client, kind, DIRECTORY_ID, "nobody") is None
        assert ds_data.delete(directory.client, kind, DIRECTORY_ID, "nobody") is False


def test_new_user_password_waits_for_the_user_to_be_listed(no_sleep):
    client = MagicMock()
    client.reset_user_password.side_effect = [aws_error("UserDoesNotExistException"), {}]
    ds_data.reset_new_user_password(client, DIRECTORY_ID, "alice", "Secret-Pa55")
    assert client.reset_user_password.call_count == 2


def test_new_user_password_gives_up_after_the_timeout(no_sleep):
    client = MagicMock()
    client.reset_user_password.side_effect = aws_error("UserDoesNotExistException")
    with pytest.raises(AnsibleDSError) as exc:
        ds_data.reset_new_user_password(client, DIRECTORY_ID, "alice", "Secret-Pa55", timeout=5)
    assert "Secret-Pa55" not in str(exc.value)


# ---------------------------------------------------------------------------
# Attributes and scopes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, attribute",
    [(True, {"BOOL": True}), (16, {"N": 16}), ("x", {"S": "x"}), (["a", "b"], {"SS": ["a", "b"]}), (1.5, {"S": "1.5"})],
)
def test_attribute_values(value, attribute):
    assert ds_data.attribute_value(value) == attribute


def test_plain_and_comparable_values():
    assert ds_data.plain_value({"N": 16}) == 16 and ds_data.plain_value({"SS": ["b", "a"]}) == ["b", "a"]
    assert ds_data.comparable(16) == ds_data.comparable("16")
    assert ds_data.comparable(["b", "a"]) == ["a", "b"] and ds_data.comparable(["only"]) == "only"


def test_attribute_changes_add_what_is_missing_and_replace_what_differs():
    current = {"GivenName": "Al", "Surname": None, "OtherAttributes": {"displayName": {"S": "Al"}, "co": {"S": "US"}}}
    fields = {"GivenName": "Alice", "Surname": "Liddell", "EmailAddress": None}
    attributes = {"DisplayName": "Alice", "co": "US", "telephoneNumber": "555"}
    add, replace = ds_data.attribute_changes(current, fields, attributes)
    assert add == {"Surname": "Liddell", "OtherAttributes": {"telephoneNumber": {"S": "555"}}}
    assert replace == {"GivenName": "Alice", "OtherAttributes": {"DisplayName": {"S": "Alice"}}}
    after = ds_data.applied(current, add, replace)
    assert after["OtherAttributes"] == {
        "co": {"S": "US"},
        "telephoneNumber": {"S": "555"},
        "DisplayName": {"S": "Alice"},
    }
    assert ds_data.attribute_changes(after, fields, attributes) == ({}, {})


@pytest.mark.parametrize(
    "have, want, steps",
    [
        ("Global", None, []),
        ("Global", "Global", []),
        ("Global", "Universal", ["Universal"]),
        ("Universal", "DomainLocal", ["DomainLocal"]),
        ("Global", "DomainLocal", ["Universal", "DomainLocal"]),
        ("DomainLocal", "Global", ["Universal", "Global"]),
    ],
)
def test_scope_steps(have, want, steps):
    assert ds_data.scope_steps(have, want) == steps


@pytest.mark.parametrize("have, want", [("BuiltinLocal", "Global"), ("Universal", "BuiltinLocal")])
def test_builtin_local_is_never_converted(have, want):
    with pytest.raises(AnsibleDSDataError, match=f"Cannot change group_scope from {have} to {want}"):
        ds_data.scope_steps(have, want)


@pytest.mark.parametrize(
    "want, purge, changes",
    [
        (None, True, ([], [])),
        (["Alice", "carol"], False, (["carol"], [])),
        (["Alice", "carol"], True, (["carol"], ["bob"])),
        ([], True, ([], ["alice", "bob"])),
        (["carol", "CAROL"], False, (["carol"], [])),
    ],
)
def test_member_changes(want, purge, changes):
    assert ds_data.member_changes(["alice", "bob"], want, purge) == changes


def test_normalize_object_snake_case_and_plain_attributes():
    described = {
        "SAMAccountName": "alice",
        "SID": "S-1",
        "UserPrincipalName": "alice@CORP",
        "OtherAttributes": {"displayName": {"S": "Alice"}},
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    assert ds_data.normalize_object(described) == {
        "sam_account_name": "alice",
        "sid": "S-1",
        "user_principal_name": "alice@CORP",
        "other_attributes": {"displayName": "Alice"},
    }
    assert ds_data.normalize_object(None) == {}
