"""Secrets Manager as AWS behaves where moto differs.

moto answers every call; the call log never holds a parameter, so no secret value reaches it.

* CreateSecret of a name whose secret is scheduled for deletion is refused with InvalidRequestException, as AWS
  does ("You can't create this secret because a secret with this name is already scheduled for deletion"); moto
  answers ResourceExistsException, which a caller would take for "exists, use it".
* UpdateSecretVersionStage moving AWSCURRENT makes that version the one GetSecretValue returns by default, as on
  AWS (the end of every rotation); moto moves the label but keeps answering the former version.
"""

from moto.secretsmanager.models import secretsmanager_backends

from .. import registry
from ..protocol import AwsError


@registry.handler("secretsmanager", "CreateSecret")
def create_secret(call):
    secret = secretsmanager_backends[call.account_id][call.region].secrets.get(call.params["Name"])
    if secret is not None and getattr(secret, "deleted_date", None):
        raise AwsError(
            "InvalidRequestException",
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
            400,
        )
    return registry.PASS


@registry.handler("secretsmanager", "UpdateSecretVersionStage")
def update_secret_version_stage(call):
    result = call.moto()
    p = call.params
    if p["VersionStage"] == "AWSCURRENT" and p.get("MoveToVersionId"):
        secret = secretsmanager_backends[call.account_id][call.region].secrets[p["SecretId"]]
        secret.set_default_version_id(p["MoveToVersionId"])
    return result
