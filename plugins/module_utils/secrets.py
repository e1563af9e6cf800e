# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS Secrets Manager calls of the collection: a service account's password kept in a secret.

A secret's value is JSON ``{"username": ..., "password": ...}`` (the shape AWS's own rotation templates use);
``password_of`` also takes a plain string. Every write carries a ClientRequestToken made once per write where
the API has one, so a retry after a lost answer is carried out once. Values never appear in a message.
"""

import json
import secrets as random_source
import string
import uuid

try:
    import botocore
except ImportError:
    pass  # Modules are responsible for handling this.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# Throttling and server errors (InternalServiceError is Secrets Manager's 500).
RETRY_CODES = ["ThrottlingException", "InternalServiceError", "InternalFailure", "ServiceUnavailable"]
# Characters of generated passwords: Active Directory's four classes, without quotes and backslash (they
# survive every shell, JSON and LDAP layer unescaped).
SYMBOLS = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, SYMBOLS)


class AnsibleSecretsError(AnsibleAWSError):
    pass


_retry = AWSRetry.jittered_backoff(retries=10, delay=1, max_delay=30, catch_extra_error_codes=RETRY_CODES)


def _call(client, operation, what, **params):
    try:
        return _retry(getattr(client, operation))(**params)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        secret = params.get("SecretId") or params.get("Name")
        raise AnsibleSecretsError(message=f"Failed to {what} {secret}", exception=e) from e


def describe(client, secret_id):
    """DescribeSecret's answer, or None when there is no such secret."""
    try:
        return _retry(client.describe_secret)(SecretId=secret_id)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleSecretsError(message=f"Failed to describe the secret {secret_id}", exception=e) from e


def password_of(value):
    """The password in a secret's SecretString: its ``password`` key when it is a JSON object, else all of it."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    if isinstance(parsed, dict):
        if not parsed.get("password"):
            raise AnsibleSecretsError(message="The secret is a JSON object without a password key")
        return parsed["password"]
    return value


def read_password(client, secret_id, stage="AWSCURRENT"):
    """The password in the version of ``secret_id`` that carries the staging label ``stage`` (the current one, which
    GetSecretValue answers by default, unless told)."""
    request = {"SecretId": secret_id} if stage == "AWSCURRENT" else {"SecretId": secret_id, "VersionStage": stage}
    answer = _call(client, "get_secret_value", "read the secret", **request)
    if "SecretString" not in answer:
        raise AnsibleSecretsError(message=f"The secret {secret_id} holds no SecretString")
    return password_of(answer["SecretString"])


def account_value(username, password):
    return json.dumps({"username": username, "password": password})


def create(client, name, value, description=None, kms_key_id=None, tags=None):
    """CreateSecret with ``value`` as its first (AWSCURRENT) version; returns the answer (ARN, Name, VersionId)."""
    request = {"Name": name, "SecretString": value, "ClientRequestToken": str(uuid.uuid4())}
    if description:
        request["Description"] = description
    if kms_key_id:
        request["KmsKeyId"] = kms_key_id
    if tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return _call(client, "create_secret", "create the secret", **request)


def put_value(client, secret_id, value):
    """A new AWSCURRENT version of the secret."""
    return _call(
        client,
        "put_secret_value",
        "store a new value in",
        SecretId=secret_id,
        SecretString=value,
        ClientRequestToken=str(uuid.uuid4()),
    )


def stage_versions(secret, stage):
    """The version IDs of a described secret that carry ``stage``."""
    return [version for version, stages in (secret.get("VersionIdsToStages") or {}).items() if stage in stages]


def put_pending(client, secret_id, value):
    """A new version labelled AWSPENDING only (a secret's first version is AWSCURRENT whatever is asked); its ID."""
    token = str(uuid.uuid4())
    _call(
        client,
        "put_secret_value",
        "store a pending value in",
        SecretId=secret_id,
        SecretString=value,
        ClientRequestToken=token,
        VersionStages=["AWSPENDING"],
    )
    return token


def promote(client, secret_id, version, current):
    """Move AWSCURRENT from version ``current`` to ``version`` (AWS then labels the former one AWSPREVIOUS)."""
    _call(
        client,
        "update_secret_version_stage",
        "make the pending value current in",
        SecretId=secret_id,
        VersionStage="AWSCURRENT",
        MoveToVersionId=version,
        RemoveFromVersionId=current,
    )


def restore(client, secret_id):
    """Cancel the scheduled deletion of a secret (AWS refuses a new secret of that name until it is gone)."""
    return _call(client, "restore_secret", "restore the secret", SecretId=secret_id)


def delete(client, secret_id):
    """Delete at once, without a recovery window (the callers delete what the secret gave access to first)."""
    try:
        _retry(client.delete_secret)(SecretId=secret_id, ForceDeleteWithoutRecovery=True)
    except is_boto3_error_code("ResourceNotFoundException"):
        pass
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleSecretsError(message=f"Failed to delete the secret {secret_id}", exception=e) from e


def tags_of(secret):
    return boto3_tag_list_to_ansible_dict(secret.get("Tags") or [])


def apply_tags(client, secret, tags, purge_tags, check_mode):
    """Bring the secret's tags to ``tags`` (None: leave them); returns whether anything changed."""
    if tags is None:
        return False
    to_set, to_unset = compare_aws_tags(tags_of(secret), tags, purge_tags=purge_tags)
    if not check_mode:
        if to_unset:
            _call(client, "untag_resource", "untag the secret", SecretId=secret["ARN"], TagKeys=to_unset)
        if to_set:
            tag_list = ansible_dict_to_boto3_tag_list(to_set)
            _call(client, "tag_resource", "tag the secret", SecretId=secret["ARN"], Tags=tag_list)
    return bool(to_set or to_unset)


def generate_password(length=32, avoid=""):
    """A random password with a character of each of Active Directory's four classes, none of ``avoid``
    (case-insensitively: AD refuses a password that contains the account name, 3+ characters)."""
    alphabet = "".join(CLASSES)
    while True:
        chosen = [random_source.choice(alphabet) for dummy in range(length)]
        password = "".join(chosen)
        if all(any(c in chars for c in password) for chars in CLASSES) and not (
            len(avoid) >= 3 and avoid.lower() in password.lower()
        ):
            return password
