"""ds_microsoft_ad, ds_region, ds_ad_connector and ds_directory_info through ansible-playbook against the sandbox.

The playbooks (tests/integration/playbooks/ds/) create their own VPCs and assert the
four-run pattern (check, apply, check, apply) and the error texts themselves; this
side asserts what only the sandbox can see: the write calls of a re-run, the call
log, and that no password reaches the output.
"""

from pathlib import Path

PLAYBOOKS = Path(__file__).parent / "playbooks" / "ds"
PASSWORD = "Sandbox-Pa55word!zq"
# The playbooks read the password from the environment (never -e: ansible-playbook -vvvv prints extra vars).
ENV = {"DS_ADMIN_PASSWORD": PASSWORD}


def _ds_calls(sandbox, action=None):
    return [c for c in sandbox.calls() if c["service"] == "ds" and (action is None or c["action"] == action)]


def test_microsoft_ad_lifecycle(sandbox, run_playbook):
    run_playbook(PLAYBOOKS / "microsoft_ad.yml", env=ENV)
    creates = _ds_calls(sandbox, "CreateMicrosoftAD")
    # check mode never calls AWS to write: one creation for four runs, none for the weak password.
    assert len(creates) == 1
    assert len(_ds_calls(sandbox, "DeleteDirectory")) == 1  # check mode and the re-runs call nothing


def test_region_and_connector_lifecycle(sandbox, run_playbook):
    run_playbook(PLAYBOOKS / "region_connector.yml", env=ENV)
    add_region = _ds_calls(sandbox, "AddRegion")
    assert len(add_region) == 1 and add_region[0]["region"] == "us-east-1"
    # RemoveRegion is made in the Region being removed, without the user saying so.
    remove_region = _ds_calls(sandbox, "RemoveRegion")
    assert [c["region"] for c in remove_region] == ["us-west-2"]
    update = _ds_calls(sandbox, "UpdateNumberOfDomainControllers")
    assert [c["region"] for c in update] == ["us-west-2"]
    # DescribeDomainControllers of the replica is asked in the replica Region.
    assert {c["region"] for c in _ds_calls(sandbox, "DescribeDomainControllers")} >= {"us-west-2"}
    # The Standard edition directory was refused before any AddRegion call.
    assert all(c["status"] < 400 for c in add_region)
    # Two failed connectors and the good one: three ConnectDirectory calls, none from check mode.
    assert len(_ds_calls(sandbox, "ConnectDirectory")) == 3


def test_multi_region_rerun_makes_no_write_call_and_leaks_no_password(sandbox, run_playbook):
    # Directory 5.4 s, Region add 7.2 s: the Region adds start while the directory is being created, and the
    # directory takes one Region add at a time (serial_region_adds: AWS refuses a second AddRegion with
    # DirectoryUnavailableException until the first Region is Active), so the second Branch's add is refused
    # and ds_region waits and adds it then.
    sandbox.set_time_scale(0.003)
    sandbox.control("POST", "effects", {"serial_region_adds": True})
    first = run_playbook(PLAYBOOKS / "multi_region.yml", env=ENV, verbosity=4)
    assert {c["region"] for c in _ds_calls(sandbox, "ConnectDirectory")} == {"us-west-2", "eu-west-1"}
    adds = _ds_calls(sandbox, "AddRegion")
    assert {c["region"] for c in adds} == {"us-east-1"}
    # The sandbox refuses AddRegion before the directory is Active too: the first add succeeding shows that
    # wait_for_directory waited; every later refusal is the one-add-at-a-time one, and each Region was added once.
    assert adds[0]["status"] == 200, adds
    assert [c["status"] for c in adds].count(200) == 2, adds
    assert {c["error_code"] for c in adds if c["status"] != 200} == {"DirectoryUnavailableException"}, adds
    assert len(adds) > 2, "the second add was never refused: the Region adds did not overlap"

    # The re-run at the default verbosity: a no-change site.yml run at -vvvv is the lifecycle's (its re-run step).
    sandbox.clear_calls()
    second = run_playbook(PLAYBOOKS / "multi_region.yml", env=ENV)
    assert sandbox.write_calls() == []
    assert "changed=0" in second.stdout

    for proc in (first, second):
        assert PASSWORD not in proc.stdout
        assert PASSWORD not in proc.stderr
    assert PASSWORD not in repr(sandbox.calls())

    run_playbook(PLAYBOOKS / "multi_region_teardown.yml")
    assert [c["region"] for c in _ds_calls(sandbox, "RemoveRegion")] == ["us-west-2", "eu-west-1"]


def test_wait_timeout(sandbox, run_playbook):
    # 30 min of creation at scale 0.02 is 36 s: far longer than a 3 s wait_timeout (four polls, 1 s apart).
    sandbox.set_time_scale(0.02)
    run_playbook(PLAYBOOKS / "wait_timeout.yml", extra_vars={"ds_wait_timeout": 3}, env=ENV)
    assert len(_ds_calls(sandbox, "CreateMicrosoftAD")) == 1
