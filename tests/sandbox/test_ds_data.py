"""Directory Service Data (ds-data) and directory data access: the sandbox's executable specification.

For each rule: the call AWS accepts and the call it refuses, with AWS's error
code, HTTP status and Reason; transitions under a small time scale.
"""

import botocore.exceptions
import pytest
from botocore import xform_name

from sandbox import registry
from sandbox.services.ds_state import Domain
from tests.sandbox.test_core import plain_client
from tests.sandbox.test_ds import BRANCH
from tests.sandbox.test_ds import HOME
from tests.sandbox.test_ds import NAME
from tests.sandbox.test_ds import add_branch
from tests.sandbox.test_ds import connect
from tests.sandbox.test_ds import create_mad
from tests.sandbox.test_ds import describe
from tests.sandbox.test_ds import scale_for
from tests.sandbox.test_ds import wait_for

# Required members of every ds-data operation, filled with names that exist in an untouched directory where it matters.
VALUES = {
    "SAMAccountName": "Admin",
    "GroupName": "AWS Delegated Administrators",
    "MemberName": "Admin",
    "SearchAttributes": ["SamAccountName"],
    "SearchString": "Adm",
}


def refused(call, *args, **kwargs):
    """(code, HTTP status, Reason) of a refused call."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(*args, **kwargs)
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response.get("Reason")


def data_directory(sandbox, region=HOME):
    """An Active Managed AD with data access Enabled (time scale 0): (directory ID, ds-data client)."""
    directory_id, _ = create_mad(sandbox, region)
    sandbox.client("ds", region).enable_directory_data_access(DirectoryId=directory_id)
    return directory_id, sandbox.client("ds-data", region)


def data_access(sandbox, directory_id, region=HOME):
    return sandbox.client("ds", region).describe_directory_data_access(DirectoryId=directory_id)["DataAccessStatus"]


def every_operation(client, directory_id):
    """(name, method, kwargs) of every ds-data operation, with its required members."""
    model = client.meta.service_model
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        kwargs = {m: VALUES.get(m, directory_id) for m in shape.required_members}
        yield name, getattr(client, xform_name(name)), kwargs


def names(items):
    return [item["SAMAccountName"] for item in items]


# -------------------------------------------------------------- data access


def test_data_access_enabling_then_enabled_disabling_then_disabled(sandbox):
    directory_id, _ = create_mad(sandbox)
    ds = sandbox.client("ds", HOME)
    assert data_access(sandbox, directory_id) == "Disabled"
    sandbox.set_time_scale(scale_for("directory_data_access"))
    ds.enable_directory_data_access(DirectoryId=directory_id)
    _, seen = wait_for(lambda: data_access(sandbox, directory_id), lambda s: s == "Enabled")
    assert seen[0] == "Enabling"
    ds.disable_directory_data_access(DirectoryId=directory_id)
    _, seen = wait_for(lambda: data_access(sandbox, directory_id), lambda s: s == "Disabled")
    assert seen[0] == "Disabling"


def test_switching_data_access_to_its_state_or_while_it_changes(sandbox):
    directory_id, _ = create_mad(sandbox)
    ds = sandbox.client("ds", HOME)
    assert refused(ds.disable_directory_data_access, DirectoryId=directory_id)[0] == "DirectoryInDesiredStateException"
    sandbox.set_time_scale(scale_for("directory_data_access", 2))
    ds.enable_directory_data_access(DirectoryId=directory_id)
    assert data_access(sandbox, directory_id) == "Enabling"
    assert refused(ds.enable_directory_data_access, DirectoryId=directory_id)[0] == "DirectoryInDesiredStateException"
    assert refused(ds.disable_directory_data_access, DirectoryId=directory_id)[0] == "DirectoryUnavailableException"
    wait_for(lambda: data_access(sandbox, directory_id), lambda s: s == "Enabled")
    assert refused(ds.enable_directory_data_access, DirectoryId=directory_id)[0] == "DirectoryInDesiredStateException"


def test_data_access_is_for_an_active_managed_ad_from_its_primary_region(sandbox):
    directory_id, net = create_mad(sandbox)
    add_branch(sandbox, directory_id)
    connector = connect(sandbox, HOME, net, describe(sandbox, HOME, directory_id)["DnsIpAddrs"])
    ds = sandbox.client("ds", HOME)
    assert refused(ds.enable_directory_data_access, DirectoryId="d-0123456789")[0] == "DirectoryDoesNotExistException"
    assert refused(ds.enable_directory_data_access, DirectoryId=connector)[0] == "UnsupportedOperationException"
    for call in (
        sandbox.client("ds", BRANCH).enable_directory_data_access,
        sandbox.client("ds", BRANCH).describe_directory_data_access,
    ):
        assert refused(call, DirectoryId=directory_id)[0] == "UnsupportedOperationException"
    sandbox.set_time_scale(scale_for("directory_create", 30))
    creating, _ = create_mad(sandbox, name="other.example.com")
    assert refused(ds.enable_directory_data_access, DirectoryId=creating)[0] == "DirectoryUnavailableException"
    assert data_access(sandbox, creating) == "Disabled"


# ------------------------------------------------------------ the gates


def test_every_call_is_refused_while_data_access_is_not_enabled(sandbox):
    directory_id, _ = create_mad(sandbox)
    client = sandbox.client("ds-data", HOME)
    operations = list(every_operation(client, directory_id))
    assert {name for name, _, _ in operations} == {a for s, a in registry.HANDLERS if s == "ds-data"}  # all emulated
    sandbox.set_time_scale(scale_for("directory_data_access", 3))
    for status in ("Disabled", "Enabling"):
        assert data_access(sandbox, directory_id) == status
        for name, call, kwargs in operations:
            assert (status, name, refused(call, **kwargs)) == (
                status,
                name,
                ("AccessDeniedException", 403, "DATA_DISABLED"),
            )
        if status == "Disabled":
            sandbox.client("ds", HOME).enable_directory_data_access(DirectoryId=directory_id)
    wait_for(lambda: data_access(sandbox, directory_id), lambda s: s == "Enabled")
    assert sandbox.client("ds-data", HOME).list_users(DirectoryId=directory_id)["Users"]


def test_unknown_directory_other_region_type_and_stage(sandbox):
    directory_id, net = create_mad(sandbox)
    sandbox.client("ds", HOME).enable_directory_data_access(DirectoryId=directory_id)
    add_branch(sandbox, directory_id)
    connector = connect(sandbox, HOME, net, describe(sandbox, HOME, directory_id)["DnsIpAddrs"])
    home = sandbox.client("ds-data", HOME)
    assert refused(home.list_users, DirectoryId="d-0123456789") == ("AccessDeniedException", 403, "DIRECTORY_AUTH")
    assert refused(sandbox.client("ds-data", "eu-west-1").list_users, DirectoryId=directory_id)[2] == "DIRECTORY_AUTH"
    assert refused(sandbox.client("ds-data", BRANCH).list_users, DirectoryId=directory_id) == (
        "ValidationException",
        400,
        "INVALID_SECONDARY_REGION",
    )
    assert refused(home.list_users, DirectoryId=connector) == ("ValidationException", 400, "INVALID_DIRECTORY_TYPE")
    assert refused(home.list_users, DirectoryId=directory_id, Realm="other.example.com") == (
        "ValidationException",
        400,
        "INVALID_REALM",
    )
    assert home.list_users(DirectoryId=directory_id, Realm=NAME.upper() + ".")["Realm"] == NAME
    sandbox.client("ds", BRANCH).remove_region(DirectoryId=directory_id)
    sandbox.client("ds", HOME).delete_directory(DirectoryId=connector)
    sandbox.set_time_scale(scale_for("directory_delete", 30))
    sandbox.client("ds", HOME).delete_directory(DirectoryId=directory_id)
    assert refused(home.list_users, DirectoryId=directory_id) == (
        "DirectoryUnavailableException",
        400,
        "INVALID_DIRECTORY_STATE",
    )


def test_model_constraints_are_validation_exceptions(sandbox):
    directory_id, client = data_directory(sandbox)
    for kwargs in (
        {"SAMAccountName": "has space"},  # pattern
        {"SAMAccountName": "x" * 21},  # 20 at most
        {"SAMAccountName": "jdoe", "OtherAttributes": {"bad_name": {"S": "x"}}},  # attribute name pattern
    ):
        assert refused(client.create_user, DirectoryId=directory_id, **kwargs)[:2] == ("ValidationException", 400)
    assert refused(client.create_group, DirectoryId=directory_id, SAMAccountName="g", GroupType="Mail")[0] == (
        "ValidationException"
    )
    assert names(client.list_users(DirectoryId=directory_id)["Users"]).count("jdoe") == 0


def test_throttling_is_429_throttling_exception(sandbox):
    directory_id, _ = data_directory(sandbox)
    sandbox.control("POST", "faults", {"rules": [{"service": "ds-data", "count": 1}]})
    plain = plain_client(sandbox, "ds-data")  # one attempt: the throttled answer as it is
    assert refused(plain.list_users, DirectoryId=directory_id)[:2] == ("ThrottlingException", 429)


# --------------------------------------------------------- built-in objects


def test_an_untouched_directory_reads_like_aws(sandbox):
    directory_id, client = data_directory(sandbox)
    users = {u["SAMAccountName"]: u for u in client.list_users(DirectoryId=directory_id)["Users"]}
    aws_account = next(name for name in users if name.startswith("AWS_"))
    assert sorted(users) == sorted(["Administrator", "Guest", "krbtgt", "Admin", aws_account])
    assert {name: u["Enabled"] for name, u in users.items() if name != aws_account} == {
        "Administrator": True,
        "Guest": False,
        "krbtgt": False,
        "Admin": True,
    }
    admin = client.describe_user(DirectoryId=directory_id, SAMAccountName="admin")
    assert admin["DistinguishedName"] == "CN=Admin,OU=Users,OU=CORP,DC=corp,DC=example,DC=com"
    assert admin["UserPrincipalName"] == "Admin@CORP.EXAMPLE.COM"
    assert (admin["Realm"], admin["Enabled"]) == (NAME, True)
    groups = {g["SAMAccountName"]: g for g in client.list_groups(DirectoryId=directory_id)["Groups"]}
    assert {"Domain Users", "Domain Admins", "AWS Delegated Administrators"} <= set(groups)
    assert users["Administrator"]["SID"].endswith("-500") and groups["Domain Users"]["SID"].endswith("-513")
    delegated = client.list_group_members(DirectoryId=directory_id, SAMAccountName="AWS Delegated Administrators")
    assert [(m["SAMAccountName"], m["MemberType"]) for m in delegated["Members"]] == [("Admin", "USER")]
    assert (delegated["Realm"], delegated["MemberRealm"]) == (NAME, NAME)
    admins = client.list_group_members(DirectoryId=directory_id, SAMAccountName="Domain Admins")["Members"]
    assert names(admins) == ["Administrator"]


def test_sids_are_deterministic_and_unique(sandbox):
    directory_id, client = data_directory(sandbox)
    other_id, other = data_directory(sandbox)
    admin = client.describe_user(DirectoryId=directory_id, SAMAccountName="Admin")["SID"]
    prefix = admin.rsplit("-", 1)[0]
    assert prefix.startswith("S-1-5-21-") and len(prefix.split("-")) == 7
    created = [
        client.create_user(DirectoryId=directory_id, SAMAccountName="jdoe")["SID"],
        client.create_group(DirectoryId=directory_id, SAMAccountName="sales")["SID"],
        client.create_user(DirectoryId=directory_id, SAMAccountName="rroe")["SID"],
    ]
    assert created == [f"{prefix}-{rid}" for rid in (1104, 1105, 1106)]
    assert other.create_user(DirectoryId=other_id, SAMAccountName="jdoe")["SID"].rsplit("-", 1) != [prefix, "1104"]
    assert Domain(directory_id, NAME, "CORP", "Unused#Pass1").sid_prefix == prefix  # from the directory ID alone
    every = [u["SID"] for u in client.list_users(DirectoryId=directory_id)["Users"]]
    every += [g["SID"] for g in client.list_groups(DirectoryId=directory_id)["Groups"]]
    assert len(every) == len(set(every))


# -------------------------------------------------------------------- users


def test_created_user_has_no_password_and_is_disabled(sandbox):
    directory_id, client = data_directory(sandbox)
    answer = client.create_user(
        DirectoryId=directory_id,
        SAMAccountName="jdoe",
        GivenName="John",
        Surname="Doe",
        EmailAddress="jdoe@example.com",
        OtherAttributes={"department": {"S": "Sales"}},
    )
    assert answer["SAMAccountName"] == "jdoe"
    user = client.describe_user(DirectoryId=directory_id, SAMAccountName="jdoe", OtherAttributes=["Department"])
    assert user["Enabled"] is False
    assert (user["GivenName"], user["Surname"], user["EmailAddress"]) == ("John", "Doe", "jdoe@example.com")
    assert user["OtherAttributes"] == {"department": {"S": "Sales"}}
    assert user["DistinguishedName"] == "CN=jdoe,OU=Users,OU=CORP,DC=corp,DC=example,DC=com"
    assert user["SID"] == answer["SID"]


def test_names_are_unique_case_insensitively_across_users_and_groups(sandbox):
    directory_id, client = data_directory(sandbox)
    client.create_user(DirectoryId=directory_id, SAMAccountName="jdoe")
    client.create_group(DirectoryId=directory_id, SAMAccountName="sales")
    for call, name in (
        (client.create_user, "JDOE"),
        (client.create_user, "Sales"),
        (client.create_group, "jDoe"),
        (client.create_user, "admin"),
        (client.create_group, "domain users"),
    ):
        assert refused(call, DirectoryId=directory_id, SAMAccountName=name)[:2] == ("ConflictException", 409)


def test_update_user_add_replace_remove(sandbox):
    directory_id, client = data_directory(sandbox)
    client.create_user(DirectoryId=directory_id, SAMAccountName="jdoe", GivenName="John")

    def update(update_type, **kwargs):
        return client.update_user(DirectoryId=directory_id, SAMAccountName="jdoe", UpdateType=update_type, **kwargs)

    def user():
        return client.describe_user(DirectoryId=directory_id, SAMAccountName="jdoe", OtherAttributes=["title"])

    assert refused(update, "ADD", GivenName="Jo") == ("ValidationException", 400, "ATTRIBUTE_EXISTS")
    update("ADD", Surname="Doe", OtherAttributes={"title": {"S": "Engineer"}})
    update("REPLACE", GivenName="Johnny")
    assert (user()["GivenName"], user()["Surname"], user()["OtherAttributes"]["title"]) == (
        "Johnny",
        "Doe",
        {"S": "Engineer"},
    )
    update("REMOVE", Surname="x", OtherAttributes={"title": {"S": "x"}})
    assert "Surname" not in user() and "OtherAttributes" not in user()
    assert refused(update, "REMOVE", Surname="x")[2] == "MISSING_ATTRIBUTE"
    bad = {"distinguishedName": {"S": "CN=x"}}
    assert refused(update, "REPLACE", OtherAttributes=bad)[2] == "INVALID_ATTRIBUTE_FOR_MODIFY"
    assert refused(update, "REPLACE", GivenName="a", OtherAttributes={"GivenName": {"S": "b"}})[2] == (
        "DUPLICATE_ATTRIBUTE"
    )


def test_disable_and_delete_user(sandbox):
    directory_id, client = data_directory(sandbox)
    ds = sandbox.client("ds", HOME)
    client.create_user(DirectoryId=directory_id, SAMAccountName="jdoe")
    ds.reset_user_password(DirectoryId=directory_id, UserName="jdoe", NewPassword="Str0ng#Pass")
    assert client.describe_user(DirectoryId=directory_id, SAMAccountName="jdoe")["Enabled"] is True
    client.disable_user(DirectoryId=directory_id, SAMAccountName="jdoe")
    assert client.describe_user(DirectoryId=directory_id, SAMAccountName="jdoe")["Enabled"] is False
    client.delete_user(DirectoryId=directory_id, SAMAccountName="jdoe")
    for call in (client.describe_user, client.delete_user, client.disable_user):
        assert refused(call, DirectoryId=directory_id, SAMAccountName="jdoe")[:2] == ("ResourceNotFoundException", 404)


def test_objects_outside_the_customer_ou_are_read_only(sandbox):
    directory_id, client = data_directory(sandbox)
    for call, kwargs in (
        (client.disable_user, {"SAMAccountName": "Administrator"}),
        (client.delete_user, {"SAMAccountName": "krbtgt"}),
        (client.update_user, {"SAMAccountName": "Guest", "GivenName": "G"}),
        (client.delete_group, {"SAMAccountName": "Domain Admins"}),
        (client.update_group, {"SAMAccountName": "AWS Delegated Administrators", "GroupScope": "Universal"}),
        (client.add_group_member, {"GroupName": "Domain Admins", "MemberName": "Admin"}),
    ):
        assert refused(call, DirectoryId=directory_id, **kwargs) == ("AccessDeniedException", 403, "DIRECTORY_AUTH")


def test_list_and_search_paginate(sandbox):
    directory_id, client = data_directory(sandbox)
    for index in range(30):
        client.create_user(DirectoryId=directory_id, SAMAccountName=f"user{index:02}", Surname=f"S{index % 3}")
    first = client.list_users(DirectoryId=directory_id)
    assert len(first["Users"]) == 25 and "NextToken" in first  # a page by default
    paginator = client.get_paginator("list_users")
    pages = list(paginator.paginate(DirectoryId=directory_id, PaginationConfig={"PageSize": 7}))
    assert [len(page["Users"]) for page in pages] == [7, 7, 7, 7, 7]
    listed = [u["SAMAccountName"] for page in pages for u in page["Users"]]
    assert len(listed) == len(set(listed)) == 35
    assert "NextToken" not in pages[-1]
    token = client.list_groups(DirectoryId=directory_id, MaxResults=1)["NextToken"]
    for bad in (token, "not-a-token"):
        assert refused(client.list_users, DirectoryId=directory_id, NextToken=bad)[2] == "INVALID_NEXT_TOKEN"
    found = client.search_users(DirectoryId=directory_id, SearchAttributes=["sn"], SearchString="s1")["Users"]
    assert names(found) == [f"user{i:02}" for i in range(30) if i % 3 == 1]
    found = client.search_users(DirectoryId=directory_id, SearchAttributes=["SamAccountName"], SearchString="ER2")
    assert names(found["Users"]) == [f"user{i}" for i in range(20, 30)]
    assert refused(
        client.search_users, DirectoryId=directory_id, SearchAttributes=["distinguishedName"], SearchString="x"
    )[2] == ("INVALID_ATTRIBUTE_FOR_SEARCH")


def test_client_token_replays_the_same_request_and_conflicts_with_another(sandbox):
    directory_id, client = data_directory(sandbox)
    first = client.create_user(DirectoryId=directory_id, SAMAccountName="jdoe", ClientToken="token-1")
    again = client.create_user(DirectoryId=directory_id, SAMAccountName="jdoe", ClientToken="token-1")
    assert (again["SID"], again["SAMAccountName"]) == (first["SID"], "jdoe")
    assert names(client.list_users(DirectoryId=directory_id)["Users"]).count("jdoe") == 1
    assert refused(client.create_user, DirectoryId=directory_id, SAMAccountName="rroe", ClientToken="token-1")[:2] == (
        "ConflictException",
        409,
    )
    assert refused(client.delete_user, DirectoryId=directory_id, SAMAccountName="jdoe", ClientToken="token-1")[0] == (
        "ConflictException"
    )
    client.delete_user(DirectoryId=directory_id, SAMAccountName="jdoe", ClientToken="token-2")
    client.delete_user(DirectoryId=directory_id, SAMAccountName="jdoe", ClientToken="token-2")  # replayed
    assert (
        refused(client.delete_user, DirectoryId=directory_id, SAMAccountName="jdoe")[0] == "ResourceNotFoundException"
    )


# ------------------------------------------------------------------- groups


def test_groups_create_describe_update_delete(sandbox):
    directory_id, client = data_directory(sandbox)
    client.create_group(DirectoryId=directory_id, SAMAccountName="sales")
    group = client.describe_group(DirectoryId=directory_id, SAMAccountName="SALES")
    assert (group["GroupType"], group["GroupScope"]) == ("Security", "Global")  # AD's defaults
    assert group["DistinguishedName"] == "CN=sales,OU=Users,OU=CORP,DC=corp,DC=example,DC=com"
    client.create_group(
        DirectoryId=directory_id, SAMAccountName="news", GroupType="Distribution", GroupScope="Universal"
    )
    assert refused(client.create_group, DirectoryId=directory_id, SAMAccountName="b", GroupScope="BuiltinLocal")[2] == (
        "LDAP_UNSUPPORTED_OPERATION"
    )
    client.update_group(DirectoryId=directory_id, SAMAccountName="sales", GroupScope="DomainLocal")
    assert client.describe_group(DirectoryId=directory_id, SAMAccountName="sales")["GroupScope"] == "DomainLocal"
    listed = client.list_groups(DirectoryId=directory_id, MaxResults=250)["Groups"]
    assert {"sales", "news", "Domain Users"} <= set(names(listed))
    found = client.search_groups(DirectoryId=directory_id, SearchAttributes=["samaccountname"], SearchString="ale")
    assert names(found["Groups"]) == ["sales"]
    client.delete_group(DirectoryId=directory_id, SAMAccountName="sales")
    assert refused(client.describe_group, DirectoryId=directory_id, SAMAccountName="sales")[:2] == (
        "ResourceNotFoundException",
        404,
    )


def test_memberships(sandbox):
    directory_id, client = data_directory(sandbox)
    for name in ("jdoe", "rroe"):
        client.create_user(DirectoryId=directory_id, SAMAccountName=name)
    client.create_group(DirectoryId=directory_id, SAMAccountName="sales")
    client.create_group(DirectoryId=directory_id, SAMAccountName="everyone", GroupScope="Universal")

    def add(group, member, **kwargs):
        return client.add_group_member(DirectoryId=directory_id, GroupName=group, MemberName=member, **kwargs)

    add("sales", "jdoe")
    add("sales", "rroe", MemberRealm=NAME)
    add("everyone", "sales")  # a Global group in a Universal one
    add("AWS Delegated Administrators", "jdoe")  # the delegated groups' memberships are the customer's
    assert refused(add, "sales", "JDOE")[:2] == ("ConflictException", 409)
    assert refused(add, "sales", "everyone")[2] == "LDAP_UNSUPPORTED_OPERATION"  # Universal into Global
    assert refused(add, "sales", "nobody")[:2] == ("ResourceNotFoundException", 404)
    assert refused(add, "nothing", "jdoe")[:2] == ("ResourceNotFoundException", 404)
    assert refused(add, "sales", "jdoe", MemberRealm="other.example.com")[2] == "INVALID_REALM"
    members = client.list_group_members(DirectoryId=directory_id, SAMAccountName="sales")["Members"]
    assert [(m["SAMAccountName"], m["MemberType"]) for m in members] == [("jdoe", "USER"), ("rroe", "USER")]
    groups = client.list_groups_for_member(DirectoryId=directory_id, SAMAccountName="jdoe")["Groups"]
    assert names(groups) == ["AWS Delegated Administrators", "sales"]
    assert names(client.list_groups_for_member(DirectoryId=directory_id, SAMAccountName="sales")["Groups"]) == [
        "everyone"
    ]
    client.remove_group_member(DirectoryId=directory_id, GroupName="sales", MemberName="rroe")
    assert refused(client.remove_group_member, DirectoryId=directory_id, GroupName="sales", MemberName="rroe")[:2] == (
        "ResourceNotFoundException",
        404,
    )
    client.delete_user(DirectoryId=directory_id, SAMAccountName="jdoe")
    assert client.list_group_members(DirectoryId=directory_id, SAMAccountName="sales")["Members"] == []


def test_new_objects_are_missing_from_reads_at_first(sandbox):
    directory_id, client = data_directory(sandbox)
    sandbox.set_time_scale(scale_for("consistency", 0.5))
    client.create_user(DirectoryId=directory_id, SAMAccountName="jdoe")
    client.create_group(DirectoryId=directory_id, SAMAccountName="sales")
    assert refused(client.describe_user, DirectoryId=directory_id, SAMAccountName="jdoe")[0] == (
        "ResourceNotFoundException"
    )
    assert "sales" not in names(client.list_groups(DirectoryId=directory_id, MaxResults=250)["Groups"])
    client.add_group_member(DirectoryId=directory_id, GroupName="sales", MemberName="jdoe")  # writes see them
    wait_for(lambda: names(client.list_users(DirectoryId=directory_id)["Users"]), lambda n: "jdoe" in n)
    assert client.describe_group(DirectoryId=directory_id, SAMAccountName="sales")["SAMAccountName"] == "sales"


def test_one_domain_for_every_region_read_in_the_primary(sandbox):
    directory_id, client = data_directory(sandbox)
    add_branch(sandbox, directory_id)
    client.create_user(DirectoryId=directory_id, SAMAccountName="jdoe")
    branch = sandbox.client("ds-data", BRANCH)
    assert (
        refused(branch.describe_user, DirectoryId=directory_id, SAMAccountName="jdoe")[2] == "INVALID_SECONDARY_REGION"
    )
    assert client.describe_user(DirectoryId=directory_id, SAMAccountName="jdoe")["SAMAccountName"] == "jdoe"
