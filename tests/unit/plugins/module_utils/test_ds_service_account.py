"""ds_service_account and module_utils/secrets: the account and its secret, an interrupted run finished by the next,
no password anywhere in the result; the connector reading its password from the secret only to create."""

import functools
import json
import uuid
from unittest.mock import MagicMock

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds_directory_module
from ansible_collections.multiregion.client_vpn.plugins.module_utils import secrets
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import AnsibleDSDataError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_service_account import ensure_service_account
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import DIRECTORY_ID
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import FakeDirectory
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import aws_error
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.module_utils.test_ds_data import writes

NAME = "cvpn-eu-west-1"
SECRET = "vpn.example.com/ad-connector"
TAGS = {"multiregion:client_vpn": "vpn.example.com"}
SECRET_WRITES = (
    "create_secret",
    "put_secret_value",
    "update_secret_version_stage",
    "delete_secret",
    "restore_secret",
    "tag_resource",
    "untag_resource",
)


class FakeSecrets:
    """Secrets Manager in memory behind a MagicMock: versions (the first one AWSCURRENT), scheduled deletion,
    ResourceExistsException for a second create of a name, tags."""

    def __init__(self):
        self.secrets = {}
        self.fail_next = {}
        self.client = MagicMock(name="secretsmanager")
        for name in dir(self):
            if name.startswith("op_"):
                getattr(self.client, name[3:]).side_effect = functools.partial(self._dispatch, name[3:])

    def _dispatch(self, operation, **kw):
        queued = self.fail_next.get(operation)
        if queued:
            raise queued.pop(0)
        return getattr(self, "op_" + operation)(**kw)

    def _find(self, secret_id):
        for secret in self.secrets.values():
            if secret_id in (secret["Name"], secret["ARN"]):
                return secret
        raise aws_error("ResourceNotFoundException", "Secret")

    def op_create_secret(self, Name, SecretString=None, Tags=(), ClientRequestToken=None, **kw):
        if Name in self.secrets:
            raise aws_error("ResourceExistsException", "CreateSecret")
        secret = {"Name": Name, "ARN": f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{Name}-AbCdEf"}
        secret.update(Tags=list(Tags), Versions={}, Current=None, **kw)
        self.secrets[Name] = secret
        if SecretString is not None:
            self._put(secret, SecretString, ClientRequestToken)
        return {"ARN": secret["ARN"], "Name": Name}

    @staticmethod
    def _put(secret, value, token, stages=("AWSCURRENT",)):
        token = token or str(uuid.uuid4())
        secret["Versions"][token] = value
        if secret["Current"] is None or "AWSCURRENT" in stages:  # the first version is AWSCURRENT, as on AWS
            secret["Current"] = token
        if "AWSPENDING" in stages:
            secret["Pending"] = token

    def op_put_secret_value(self, SecretId, SecretString, ClientRequestToken=None, VersionStages=("AWSCURRENT",)):
        self._put(self._find(SecretId), SecretString, ClientRequestToken, VersionStages)
        return {}

    def op_update_secret_version_stage(self, SecretId, VersionStage, MoveToVersionId, RemoveFromVersionId):
        secret = self._find(SecretId)
        assert VersionStage == "AWSCURRENT" and RemoveFromVersionId == secret["Current"]
        secret["Current"] = MoveToVersionId
        return {}

    def op_describe_secret(self, SecretId):
        secret = self._find(SecretId)
        described = {
            k: secret[k] for k in ("Name", "ARN", "Tags") + (("DeletedDate",) if "DeletedDate" in secret else ())
        }
        stages = {}
        for stage, version in (("AWSCURRENT", secret["Current"]), ("AWSPENDING", secret.get("Pending"))):
            if version:
                stages.setdefault(version, []).append(stage)
        if stages:
            described["VersionIdsToStages"] = stages
        return described

    def op_get_secret_value(self, SecretId, VersionStage="AWSCURRENT"):
        secret = self._find(SecretId)
        version = secret["Current"] if VersionStage == "AWSCURRENT" else secret.get("Pending")
        if "DeletedDate" in secret or not version:
            code = "InvalidRequestException" if "DeletedDate" in secret else "ResourceNotFoundException"
            raise aws_error(code, "Get")
        return {"SecretString": secret["Versions"][version]}

    def op_delete_secret(self, SecretId, ForceDeleteWithoutRecovery=False):
        secret = self._find(SecretId)
        if ForceDeleteWithoutRecovery:
            del self.secrets[secret["Name"]]
        else:
            secret["DeletedDate"] = "soon"
        return {}

    def op_restore_secret(self, SecretId):
        self._find(SecretId).pop("DeletedDate", None)
        return {}

    def op_tag_resource(self, SecretId, Tags):
        secret = self._find(SecretId)
        keys = {t["Key"] for t in Tags}
        secret["Tags"] = [t for t in secret["Tags"] if t["Key"] not in keys] + list(Tags)
        return {}

    def op_untag_resource(self, SecretId, TagKeys):
        secret = self._find(SecretId)
        secret["Tags"] = [t for t in secret["Tags"] if t["Key"] not in TagKeys]
        return {}

    def password(self, name=SECRET):
        secret = self.secrets[name]
        return json.loads(secret["Versions"][secret["Current"]])["password"]

    def writes(self):
        return [name for name, dummy_args, dummy_kwargs in self.client.method_calls if name in SECRET_WRITES]


def params(**kw):
    base = dict(
        directory_id=DIRECTORY_ID,
        name=NAME,
        state="present",
        secret_name=SECRET,
        secret_region="eu-west-1",
        secret_description=None,
        kms_key_id=None,
        password_length=32,
        rotate=False,
        manage_data_access=True,
        wait_timeout=60,
        tags=TAGS,
        purge_tags=True,
    )
    base.update(kw)
    return base


def ensure(directory, store, check_mode=False, **kw):
    return ensure_service_account(directory.client, directory.client, store.client, params(**kw), check_mode)


@pytest.fixture(name="parts")
def _parts(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    return FakeDirectory(), FakeSecrets()


def test_creates_the_account_then_keeps_its_password_and_returns_none_of_it(parts):
    directory, store = parts
    result = ensure(directory, store)
    assert writes(directory) == ["create_user", "reset_user_password"]
    assert store.writes() == ["create_secret"]
    password = store.password()
    assert directory.passwords == {NAME.lower(): password} and len(password) == 32
    assert json.loads(store.secrets[SECRET]["Versions"][store.secrets[SECRET]["Current"]])["username"] == NAME
    assert store.secrets[SECRET]["Tags"] == [{"Key": "multiregion:client_vpn", "Value": "vpn.example.com"}]
    assert result["changed"] and result["user"]["enabled"] is True and result["user"]["sid"].startswith("S-1-5-21-")
    assert result["secret"]["name"] == SECRET and result["secret"]["arn"].startswith("arn:aws:secretsmanager:")
    assert password not in json.dumps(result)
    assert result["diff"]["before"] == {} and result["diff"]["after"]["sam_account_name"] == NAME


def test_a_second_run_reads_only(parts):
    directory, store = parts
    ensure(directory, store)
    directory.client.reset_mock()
    store.client.reset_mock()
    result = ensure(directory, store)
    assert not result["changed"] and writes(directory) == [] and store.writes() == []
    assert "get_secret_value" not in [c[0] for c in store.client.method_calls], "the password is read only when needed"


def test_check_mode_writes_nothing(parts):
    directory, store = parts
    result = ensure(directory, store, check_mode=True)
    assert result["changed"] and result["user"]["enabled"] is True and result["secret"]["name"] == SECRET
    assert writes(directory) == [] and store.writes() == []


def test_data_access_is_turned_on_first(parts):
    directory, store = FakeDirectory(data_access="Disabled"), parts[1]
    assert ensure(directory, store, check_mode=True)["changed"] and writes(directory) == []
    ensure(directory, store)
    assert writes(directory) == ["enable_directory_data_access", "create_user", "reset_user_password"]


def test_a_run_stopped_before_the_secret_is_finished_by_the_next_with_a_new_password(parts):
    directory, store = parts
    store.fail_next["create_secret"] = [aws_error("AccessDeniedException", "CreateSecret")]
    with pytest.raises(secrets.AnsibleSecretsError):
        ensure(directory, store)
    first = directory.passwords[NAME.lower()]
    assert store.secrets == {}
    ensure(directory, store)
    assert directory.passwords[NAME.lower()] == store.password() != first


def test_a_disabled_or_deleted_account_gets_the_kept_password_back(parts):
    directory, store = parts
    ensure(directory, store)
    kept = store.password()
    directory.users[NAME.lower()]["Enabled"] = False
    directory.client.reset_mock()
    store.client.reset_mock()
    assert ensure(directory, store)["changed"]
    assert writes(directory) == ["reset_user_password"] and directory.passwords[NAME.lower()] == kept
    del directory.users[NAME.lower()]
    directory.client.reset_mock()
    assert ensure(directory, store)["user"]["enabled"] is True
    assert writes(directory) == ["create_user", "reset_user_password"] and directory.passwords[NAME.lower()] == kept
    assert store.writes() == []


def test_a_secret_scheduled_for_deletion_is_restored_and_a_lost_secret_replaced(parts):
    directory, store = parts
    ensure(directory, store)
    store.secrets[SECRET]["DeletedDate"] = "soon"
    store.client.reset_mock()
    assert ensure(directory, store)["changed"] and store.writes() == ["restore_secret"]
    del store.secrets[SECRET]
    store.client.reset_mock()
    ensure(directory, store)
    assert store.writes() == ["create_secret"] and directory.passwords[NAME.lower()] == store.password()


def test_rotation_sets_a_new_password_pending_then_current(parts):
    directory, store = parts
    ensure(directory, store)
    first = store.password()
    store.client.reset_mock()
    result = ensure(directory, store, rotate=True)
    assert result["changed"] and result["password_set"]
    assert store.writes() == ["put_secret_value", "update_secret_version_stage"]
    assert store.client.put_secret_value.call_args.kwargs["VersionStages"] == ["AWSPENDING"]
    assert store.password() != first and directory.passwords[NAME.lower()] == store.password()
    assert store.password() not in json.dumps(result)
    store.client.reset_mock()
    assert not ensure(directory, store)["changed"] and store.writes() == []


def test_a_rotation_stopped_after_the_pending_version_is_finished_by_the_next_run(parts):
    directory, store = parts
    ensure(directory, store)
    directory.fail_next["reset_user_password"] = [aws_error("AccessDeniedException", "ResetUserPassword")]
    with pytest.raises(Exception):
        ensure(directory, store, rotate=True)
    secret = store.secrets[SECRET]
    pending = json.loads(secret["Versions"][secret["Pending"]])["password"]
    assert directory.passwords[NAME.lower()] == store.password() != pending, "the connector's password still works"
    result = ensure(directory, store)
    assert result["changed"] and result["password_set"]
    assert directory.passwords[NAME.lower()] == store.password() == pending
    assert not ensure(directory, store)["changed"]


def test_tags_are_brought_to_what_is_asked(parts):
    directory, store = parts
    ensure(directory, store)
    store.secrets[SECRET]["Tags"].append({"Key": "stray", "Value": "x"})
    result = ensure(directory, store, tags=dict(TAGS, Team="network"))
    assert result["changed"]
    assert {t["Key"] for t in store.secrets[SECRET]["Tags"]} == {"multiregion:client_vpn", "Team"}


def test_absent_deletes_the_account_then_its_secret_at_once(parts):
    directory, store = parts
    ensure(directory, store)
    result = ensure(directory, store, state="absent")
    assert result["changed"] and NAME.lower() not in directory.users and store.secrets == {}
    assert store.client.delete_secret.call_args.kwargs["ForceDeleteWithoutRecovery"] is True
    assert not ensure(directory, store, state="absent")["changed"]


def test_absent_leaves_a_secret_without_the_tags_and_its_user_alone(parts):
    directory, store = parts
    ensure(directory, store)
    store.secrets[SECRET]["Tags"] = [{"Key": "multiregion:client_vpn", "Value": "another.example.com"}]
    directory.client.reset_mock()
    result = ensure(directory, store, state="absent")
    assert not result["changed"] and "does not carry the tags" in result["warnings"][0]
    assert NAME.lower() in directory.users and SECRET in store.secrets and directory.client.method_calls == []


def test_absent_without_a_directory_deletes_the_secret_only(parts):
    directory, store = parts
    ensure(directory, store)
    directory.client.reset_mock()
    assert ensure(directory, store, state="absent", directory_id=None)["changed"]
    assert directory.client.method_calls == [] and store.secrets == {}


@pytest.mark.parametrize(
    "change, message",
    [({"name": "cvpn-ap-southeast-12345"}, "longer than the 20"), ({"password_length": 8}, "password_length")],
)
def test_bad_options_fail_before_any_call(parts, change, message):
    directory, store = parts
    with pytest.raises(AnsibleDSDataError, match=message):
        ensure(directory, store, **change)
    assert directory.client.method_calls == [] and store.client.method_calls == []


def test_generated_passwords_meet_active_directory_complexity():
    for dummy in range(50):
        password = secrets.generate_password(16, avoid="cvpn")
        assert len(password) == 16 and "cvpn" not in password.lower()
        assert all(any(c in chars for c in password) for chars in secrets.CLASSES)


@pytest.mark.parametrize(
    "value, password",
    [('{"username": "u", "password": "P@ss-1"}', "P@ss-1"), ("P@ss-2", "P@ss-2"), ('"P@ss-3"', '"P@ss-3"')],
)
def test_password_of_a_secret_value(value, password):
    assert secrets.password_of(value) == password


def test_password_of_a_json_object_without_password_is_an_error():
    with pytest.raises(secrets.AnsibleSecretsError):
        secrets.password_of('{"username": "u"}')


# --- ds_ad_connector: password_secret and account_mismatch ---------------------------------------------------


def test_the_connector_reads_its_password_only_when_it_creates():
    created = []
    kind = ds_directory_module.AD_CONNECTOR
    reads = []

    def read():
        reads.append(1)
        return "From-The-Secret-1"

    wrapped = ds_directory_module.with_password_from_secret(
        ds_directory_module.dataclasses.replace(kind, create=lambda client, p: created.append(p["password"])), read
    )
    assert "password" not in wrapped.required_for_create and "password_secret" in wrapped.required_for_create
    assert reads == []
    wrapped.create(None, {"password": None})
    assert created == ["From-The-Secret-1"] and reads == [1]


@pytest.mark.parametrize(
    "have, want, warned",
    [("Admin", "cvpn-eu-west-1", True), ("cvpn-eu-west-1", "CVPN-EU-WEST-1", False), (None, "x", False)],
)
def test_a_connector_with_another_account_is_kept_with_a_warning(have, want, warned):
    result = {"directory": {"directory_id": "d-1", "connect_settings": {"customer_user_name": have}}}
    warnings = ds_directory_module.account_warnings(result, {"customer_user_name": want})
    assert bool(warnings) == warned
    if warned:
        assert "logs in as Admin, not cvpn-eu-west-1" in warnings[0]
    kept = ds_directory_module.keeping_other_accounts(ds_directory_module.AD_CONNECTOR)
    assert "customer_user_name" not in kept.immutable_options
