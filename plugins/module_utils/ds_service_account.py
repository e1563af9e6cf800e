# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ds_service_account: a directory user whose password only AWS Secrets Manager knows.

The password is made here, set in the directory (ResetUserPassword, which also enables the user) and kept in a
secret; it is never returned. Order of the writes, so that an interrupted run is finished by the next one:
the directory first, then the secret. A run stopped between them leaves an account without a secret: the next
run makes a new password and sets it again. A user found disabled or missing while the secret exists gets
the secret's password (and so is enabled or created).

Rotation follows Secrets Manager's own protocol: the new password is stored as a version labelled AWSPENDING,
set in the directory, then made AWSCURRENT. A run stopped in between leaves a version that is AWSPENDING and not
AWSCURRENT: the next run (rotating or not) sets that one in the directory and makes it current.
"""

from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds_data
from ansible_collections.multiregion.client_vpn.plugins.module_utils import secrets
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds_data import AnsibleDSDataError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module

# Active Directory's limit for a user's SAMAccountName (the pre-Windows 2000 logon name).
MAX_NAME_LENGTH = 20


def _user_params(params, password, update_password):
    return dict(
        directory_id=params["directory_id"],
        name=params["name"],
        state="present",
        enabled=True,
        given_name=None,
        surname=None,
        email_address=None,
        other_attributes=None,
        password=password,
        update_password=update_password,
    )


def _view(user, secret):
    """The module's return values: the user (no password, ever) and where its password is kept."""
    if user and "SAMAccountName" in user:  # as AWS answers it; ds_data.ensure_user's answer is normalized already
        user = ds_data.normalize_object(user)
    user = user or {}
    secret = {"arn": secret.get("ARN"), "name": secret.get("Name")} if secret else {}
    return {"user": user, "secret": secret}


def _data_access(ds_client, params, check_mode):
    """Turn Directory Service Data access on when needed (manage_data_access); whether that changed anything."""
    if not params["manage_data_access"]:
        return False
    access = dict(directory_id=params["directory_id"], state="enabled", wait=True, wait_timeout=params["wait_timeout"])
    return ds_data.ensure_data_access(ds_client, access, check_mode)["changed"]


def _present(data, ds_client, sm, params, check_mode):
    """(changed, the user before, the user after, the secret)."""
    name, secret_name = params["name"], params["secret_name"]
    changed = _data_access(ds_client, params, check_mode)
    wanted = {"SAMAccountName": name, "Enabled": True}
    if check_mode and changed:
        # Data access is off: the directory cannot be read yet; a real run would create both.
        return True, {}, wanted, {"Name": secret_name}
    secret = secrets.describe(sm, secret_name)
    if secret and secret.get("DeletedDate"):
        changed = True
        if not check_mode:
            secrets.restore(sm, secret["ARN"])
    if secret:
        changed |= secrets.apply_tags(sm, secret, params["tags"], params["purge_tags"], check_mode)
    user = ds_data.describe(data, ds_data.USER, params["directory_id"], name)

    if not secret or not secret.get("VersionIdsToStages"):
        # No password kept: a new one, set in the directory first, then kept.
        if check_mode:
            return True, user, dict(user or wanted, Enabled=True), secret or {"Name": secret_name}
        password = secrets.generate_password(params["password_length"], avoid=name)
        after = ds_data.ensure_user(data, ds_client, _user_params(params, password, "always"), False)["user"]
        value = secrets.account_value(name, password)
        if secret:
            secrets.put_value(sm, secret["ARN"], value)
        else:
            secret = _create_secret(sm, params, value)
        return True, user, after, secret

    pending = [
        v for v in secrets.stage_versions(secret, "AWSPENDING") if v not in secrets.stage_versions(secret, "AWSCURRENT")
    ]
    if pending or params["rotate"]:
        if check_mode:
            return True, user, dict(user or wanted, Enabled=True), secret
        return True, user, _rotate(data, ds_client, sm, params, secret, pending), secret
    if user and user.get("Enabled"):
        return changed, user, user, secret
    # Missing or disabled: created or enabled with the password the secret keeps.
    if check_mode:
        return True, user, dict(user or wanted, Enabled=True), secret
    password = secrets.read_password(sm, secret["ARN"])
    after = ds_data.ensure_user(data, ds_client, _user_params(params, password, "on_create"), False)["user"]
    return True, user, after, secret


def _rotate(data, ds_client, sm, params, secret, pending):
    """Finish an interrupted rotation (``pending``: its version) or make a new password: AWSPENDING, the directory,
    AWSCURRENT. Returns the user as the directory shows it."""
    arn = secret["ARN"]
    if pending:
        (version,) = pending[:1]
        password = secrets.read_password(sm, arn, "AWSPENDING")
    else:
        password = secrets.generate_password(params["password_length"], avoid=params["name"])
        version = secrets.put_pending(sm, arn, secrets.account_value(params["name"], password))
    after = ds_data.ensure_user(data, ds_client, _user_params(params, password, "always"), False)["user"]
    (current,) = secrets.stage_versions(secret, "AWSCURRENT")[:1]
    secrets.promote(sm, arn, version, current)
    return after


def _create_secret(sm, params, value):
    """CreateSecret; when AWS answers that it exists (a describe that did not see it yet), a new version."""
    try:
        return secrets.create(
            sm, params["secret_name"], value, params.get("secret_description"), params.get("kms_key_id"), params["tags"]
        )
    except secrets.AnsibleSecretsError as e:
        code = getattr(e.exception, "response", {}).get("Error", {}).get("Code")
        if code != "ResourceExistsException":
            raise
        secrets.put_value(sm, params["secret_name"], value)
        return secrets.describe(sm, params["secret_name"]) or {"Name": params["secret_name"]}


def _foreign(secret, tags):
    """Whether the secret lacks one of ``tags`` (with state=absent, a secret that is not the caller's)."""
    have = secrets.tags_of(secret)
    return any(have.get(key) != value for key, value in (tags or {}).items())


def _absent(data, ds_client, sm, params, check_mode):
    """The user deleted, then its secret (at once: nothing is left that the password opens). With ``tags``, a secret
    that does not carry them is someone else's: neither it nor the user of that name is touched."""
    secret = secrets.describe(sm, params["secret_name"])
    secret = None if secret and secret.get("DeletedDate") else secret
    if secret and _foreign(secret, params.get("tags")):
        return dict(
            changed=False,
            user={},
            secret={},
            warnings=[
                f"The secret {params['secret_name']} does not carry the tags asked for: left as it is, with the user."
            ],
            diff=dict(before={}, after={}),
        )
    user, changed = None, False
    if not params.get("directory_id"):
        pass  # the directory is gone (and its users with it): only the secret is left to delete
    elif params["manage_data_access"] or ds_data.describe_data_access(ds_client, params["directory_id"]) == "Enabled":
        changed = _data_access(ds_client, params, check_mode)
        if not (check_mode and changed):
            user = ds_data.describe(data, ds_data.USER, params["directory_id"], params["name"])
    before = _view(user, secret)
    if not check_mode:
        if user:
            ds_data.delete(data, ds_data.USER, params["directory_id"], params["name"])
        if secret:
            secrets.delete(sm, secret["ARN"])
    changed |= bool(user or secret)
    return dict(changed=changed, user={}, secret={}, diff=dict(before=before, after={"user": {}, "secret": {}}))


def validate(params):
    name = params["name"]
    if params["state"] == "present" and not params.get("directory_id"):
        raise AnsibleDSDataError(message="directory_id is required to create the service account.")
    if len(name) > MAX_NAME_LENGTH:
        raise AnsibleDSDataError(
            message=f"name {name} is longer than the {MAX_NAME_LENGTH} characters Active Directory allows for a logon name."
        )
    if params["password_length"] < 14 or params["password_length"] > 64:
        raise AnsibleDSDataError(message="password_length must be between 14 and 64.")


def ensure_service_account(data, ds_client, sm, params, check_mode):
    """Bring the service account ``params["name"]`` and its secret to ``params["state"]``; the module result.

    ``data``: a ds-data client, ``ds_client`` a ds one (both in the directory's primary Region), ``sm`` a Secrets
    Manager client in the secret's Region.
    """
    validate(params)
    if params["state"] == "absent":
        return _absent(data, ds_client, sm, params, check_mode)
    changed, before, after, secret = _present(data, ds_client, sm, params, check_mode)
    result = dict(changed=changed, **_view(after, secret))
    # Whether the directory got a new password in this run (never the password itself).
    result["password_set"] = changed and not check_mode and bool(after) and after is not before
    result["diff"] = dict(before=_view(before, None)["user"], after=result["user"])
    return result


def run_service_account_module(module):
    """The whole of ds_service_account's ``main()`` after the module is built."""
    params = module.params
    run_module(
        module,
        ensure_service_account,
        aws_client(module, "ds-data"),
        aws_client(module, "ds"),
        aws_client(module, "secretsmanager", region=params["secret_region"] or None),
        params,
        module.check_mode,
    )
