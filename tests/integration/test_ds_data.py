"""ds_data_access, ds_user, ds_group and ds_data_info through ansible-playbook against the sandbox.

The playbook (tests/integration/playbooks/ds_data/objects.yml) asserts the four-run pattern and the error texts
itself; this side asserts what only the sandbox can see: how many writes of each kind the runs made (check mode and
re-runs make none, a password is set on creation, on enabling and with ``update_password: always`` only), and that
no password reaches the output or the call log.
"""

from collections import Counter
from pathlib import Path

PLAYBOOK = Path(__file__).parent / "playbooks" / "ds_data" / "objects.yml"
ADMIN_PASSWORD = "Sandbox-Pa55word!zq"
USER_PASSWORD = "Svc-Acc0unt!pass-9x"
# The playbook reads the passwords from the environment (never -e: ansible-playbook -vvvv prints extra vars).
ENV = {"DS_ADMIN_PASSWORD": ADMIN_PASSWORD, "DS_USER_PASSWORD": USER_PASSWORD}


def test_directory_objects_lifecycle(sandbox, run_playbook):
    proc = run_playbook(PLAYBOOK, env=ENV, verbosity=3)
    writes = Counter(call["action"] for call in sandbox.write_calls() if call["status"] < 400)
    assert writes["EnableDirectoryDataAccess"] == writes["DisableDirectoryDataAccess"] == 1, writes
    assert writes["CreateUser"] == 2 and writes["DeleteUser"] == 2, writes
    # vpn-svc and jdoe on creation, vpn-svc when enabled again and with update_password: always.
    assert writes["ResetUserPassword"] == 4, writes
    assert writes["DisableUser"] == 1 and writes["UpdateUser"] == 1, writes
    assert writes["CreateGroup"] == writes["DeleteGroup"] == 1, writes
    # vpn-svc on creation, jdoe added; vpn-svc purged.
    assert writes["AddGroupMember"] == 2 and writes["RemoveGroupMember"] == 1, writes
    for secret in (ADMIN_PASSWORD, USER_PASSWORD):
        assert secret not in proc.stdout and secret not in proc.stderr
        assert secret not in repr(sandbox.calls())
