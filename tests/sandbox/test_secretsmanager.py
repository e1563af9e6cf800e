"""Secrets Manager in the sandbox: AWS's refusal of a name scheduled for deletion; no value in the call log."""

import botocore.exceptions
import pytest

REGION = "eu-west-1"
VALUE = '{"username": "cvpn-eu-west-1", "password": "Sandbox-Secret-Value-1!"}'


def test_a_name_scheduled_for_deletion_is_refused_until_restored(sandbox):
    sm = sandbox.client("secretsmanager", REGION)
    sm.create_secret(Name="vpn/ad-connector", SecretString=VALUE)
    sm.delete_secret(SecretId="vpn/ad-connector", RecoveryWindowInDays=7)
    with pytest.raises(botocore.exceptions.ClientError) as error:
        sm.create_secret(Name="vpn/ad-connector", SecretString=VALUE)
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "scheduled for deletion" in error.value.response["Error"]["Message"]
    sm.restore_secret(SecretId="vpn/ad-connector")
    assert sm.get_secret_value(SecretId="vpn/ad-connector")["SecretString"] == VALUE


def test_an_existing_name_is_resource_exists_and_a_forced_delete_frees_it(sandbox):
    sm = sandbox.client("secretsmanager", REGION)
    sm.create_secret(Name="vpn/ad-connector", SecretString=VALUE)
    with pytest.raises(botocore.exceptions.ClientError) as error:
        sm.create_secret(Name="vpn/ad-connector", SecretString=VALUE)
    assert error.value.response["Error"]["Code"] == "ResourceExistsException"
    sm.delete_secret(SecretId="vpn/ad-connector", ForceDeleteWithoutRecovery=True)
    sm.create_secret(Name="vpn/ad-connector", SecretString=VALUE)


def test_the_call_log_holds_no_value(sandbox):
    sandbox.clear_calls()
    sm = sandbox.client("secretsmanager", REGION)
    sm.create_secret(Name="vpn/ad-connector", SecretString=VALUE)
    sm.get_secret_value(SecretId="vpn/ad-connector")
    calls = sandbox.calls()
    assert [(c["action"], c["write"]) for c in calls] == [("CreateSecret", True), ("GetSecretValue", False)]
    assert "Sandbox-Secret-Value" not in repr(calls)


def test_a_rotation_makes_the_new_version_the_one_read(sandbox):
    sm = sandbox.client("secretsmanager", REGION)
    first = sm.create_secret(Name="vpn/ad-connector", SecretString="v1")["VersionId"]
    pending = "2" * 36
    sm.put_secret_value(
        SecretId="vpn/ad-connector", SecretString="v2", ClientRequestToken=pending, VersionStages=["AWSPENDING"]
    )
    assert sm.get_secret_value(SecretId="vpn/ad-connector")["SecretString"] == "v1"
    assert sm.get_secret_value(SecretId="vpn/ad-connector", VersionStage="AWSPENDING")["SecretString"] == "v2"
    sm.update_secret_version_stage(
        SecretId="vpn/ad-connector", VersionStage="AWSCURRENT", MoveToVersionId=pending, RemoveFromVersionId=first
    )
    assert sm.get_secret_value(SecretId="vpn/ad-connector")["SecretString"] == "v2"
    stages = sm.describe_secret(SecretId="vpn/ad-connector")["VersionIdsToStages"]
    assert stages[first] == ["AWSPREVIOUS"] and "AWSCURRENT" in stages[pending]
