"""module_utils/ds_region: the steps ensure_present and ensure_absent are made of, each on its own."""

from unittest.mock import MagicMock

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds_region
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import AnsibleDSError


def params(**kw):
    base = dict(
        state="present",
        directory_id="d-1234567890",
        directory_name=None,
        replica_region="us-west-2",
        vpc_id="vpc-22222222",
        subnet_ids=["subnet-44444444", "subnet-33333333"],
        desired_number_of_domain_controllers=None,
        wait=True,
        wait_for_directory=None,
        wait_timeout=600,
    )
    base.update(kw)
    return base


def directory(**kw):
    base = {
        "DirectoryId": "d-1234567890",
        "Name": "corp.example.com",
        "Type": "MicrosoftAD",
        "Edition": "Enterprise",
        "Stage": "Active",
        "RegionsInfo": {"PrimaryRegion": "us-east-1"},
    }
    base.update(kw)
    return base


def region(**kw):
    base = {
        "DirectoryId": "d-1234567890",
        "RegionName": "us-west-2",
        "Status": "Active",
        "VpcSettings": {"VpcId": "vpc-22222222", "SubnetIds": ["subnet-33333333", "subnet-44444444"]},
        "DesiredNumberOfDomainControllers": 2,
    }
    base.update(kw)
    return base


def clients(regions=(), directories=()):
    primary, replica = MagicMock(name="primary"), MagicMock(name="replica")
    primary.describe_directories.return_value = {"DirectoryDescriptions": list(directories)}
    primary.describe_regions.return_value = {"RegionsDescription": list(regions)}
    replica.describe_domain_controllers.return_value = {
        "DomainControllers": [{"DomainControllerId": "dc-0000000001", "DnsIpAddr": "10.1.1.10", "Status": "Active"}]
    }
    return primary, replica


def names(*clients_):
    return [(c._mock_name, name) for c in clients_ for name, dummy_args, dummy_kwargs in c.method_calls]


@pytest.fixture
def steps(monkeypatch):
    """The waits, AddRegion and until_listed recorded in one list, in the order they happen."""
    calls = []
    monkeypatch.setattr(ds_region, "wait_for_directory", lambda c, i, state, t: calls.append(("directory", state)))
    monkeypatch.setattr(ds_region, "wait_for_region", lambda c, i, name, state, t: calls.append(("region", state)))
    monkeypatch.setattr(ds_region, "wait_for_domain_controllers", lambda c, i, name, t: calls.append(("dcs", name)))
    monkeypatch.setattr(
        ds_region, "add_region_when_free", lambda c, i, name, vpc, subnets, t: calls.append(("add", name)) or True
    )
    monkeypatch.setattr(ds_region, "until_listed", lambda fetch: calls.append(("until_listed",)) or fetch())
    return calls


# ---------------------------------------------------------------- finding


def test_find_directory_fails_naming_the_directory_and_region():
    primary, dummy = clients(directories=[])
    with pytest.raises(AnsibleDSError, match="^Directory corp.example.com was not found in Region us-east-1.$"):
        ds_region.find_directory(primary, params(directory_id=None, directory_name="corp.example.com"), "us-east-1")


def test_find_replica_checks_the_options_before_describe_regions():
    primary, dummy = clients(regions=[region()])
    for d, p, text in [
        (directory(), params(desired_number_of_domain_controllers=1), r"at least 2 \(got 1\)\.$"),
        (directory(Edition="Standard"), params(), "^Cannot add Region us-west-2 to directory d-1234567890: .*Standard"),
        (directory(), params(replica_region="us-east-1"), "is the primary Region"),
    ]:
        with pytest.raises(AnsibleDSError, match=text):
            ds_region.find_replica(primary, d, p, "us-east-1")
    assert names(primary) == []
    assert ds_region.find_replica(primary, directory(), params(), "us-east-1") == region()
    primary.describe_regions.return_value = {"RegionsDescription": [region(RegionName="eu-west-1")]}
    assert ds_region.find_replica(primary, directory(), params(), "us-east-1") is None


# ---------------------------------------------------------------- preconditions


def test_refuse_to_add_joins_all_problems_in_one_message():
    ds_region.refuse_to_add("d-1", params(), [])
    with pytest.raises(AnsibleDSError) as e:
        ds_region.refuse_to_add("d-1", params(), ["one", "two"])
    assert str(e.value) == "Cannot add Region us-west-2 to directory d-1: one; two."


@pytest.mark.parametrize(
    "r, p, text",
    [
        (region(Status="Failed"), params(), r"is Failed. Remove it \(state=absent\) and add it again.$"),
        (region(Status="RestoreFailed"), params(), "is RestoreFailed. Remove it"),
        (region(Status="Deleting"), params(), "is being removed; wait for that to finish and run again.$"),
        (region(), params(vpc_id="vpc-99999999"), "^Cannot change vpc_id of Region us-west-2 of directory"),
    ],
)
def test_refuse_to_update(r, p, text):
    with pytest.raises(AnsibleDSError, match=text):
        ds_region.refuse_to_update("d-1", r, p)


def test_refuse_to_update_accepts_the_same_subnets_in_any_order_and_omitted_settings():
    ds_region.refuse_to_update("d-1", region(Status="Updating"), params())
    ds_region.refuse_to_update("d-1", region(), params(vpc_id=None, subnet_ids=None))


@pytest.mark.parametrize(
    "stage, p, expected",
    [
        ("Active", params(wait=False), []),
        ("Creating", params(), [("directory", "active")]),
        ("Creating", params(wait=False, wait_for_directory=True), [("directory", "active")]),
    ],
)
def test_wait_for_directory_active_waits_when_allowed(steps, stage, p, expected):
    ds_region.wait_for_directory_active(MagicMock(), directory(Stage=stage), p)
    assert steps == expected


@pytest.mark.parametrize(
    "stage, p, hint",
    [
        ("Creating", params(wait=True, wait_for_directory=False), True),
        ("Creating", params(wait=False), True),
        ("Deleting", params(), True),
        ("Failed", params(), False),
        ("RestoreFailed", params(), False),
    ],
)
def test_wait_for_directory_active_refuses(steps, stage, p, hint):
    with pytest.raises(AnsibleDSError) as e:
        ds_region.wait_for_directory_active(MagicMock(), directory(Stage=stage), p)
    message = (
        f"Cannot add Region us-west-2 to directory d-1234567890: the directory is {stage}, AddRegion needs it Active."
    )
    assert str(e.value) == message + (" Set wait=true or wait_for_directory=true to wait for it." if hint else "")
    assert steps == []


# ---------------------------------------------------------------- adding


def test_planned_region_is_what_add_region_makes():
    assert ds_region.planned_region("d-1", params()) == {
        "directory_id": "d-1",
        "region_name": "us-west-2",
        "region_type": "Additional",
        "vpc_settings": {"vpc_id": "vpc-22222222", "subnet_ids": ["subnet-33333333", "subnet-44444444"]},
        "desired_number_of_domain_controllers": 2,
    }
    planned = ds_region.planned_region("d-1", params(desired_number_of_domain_controllers=3))
    assert planned["desired_number_of_domain_controllers"] == 3


def test_add_replica_in_check_mode_neither_waits_nor_writes(steps):
    primary, replica = clients()
    result = ds_region.add_replica(primary, replica, directory(Stage="Creating"), params(), True)
    assert steps == [] and names(primary, replica) == []
    assert result == dict(
        changed=True,
        directory_id="d-1234567890",
        directory_region={},
        domain_controllers=[],
        dns_ip_addrs=[],
        diff=dict(before={}, after=ds_region.planned_region("d-1234567890", params())),
    )


def test_add_replica_refuses_before_waiting_for_the_directory(steps):
    primary, replica = clients()
    with pytest.raises(AnsibleDSError, match="also set: vpc_id"):
        ds_region.add_replica(primary, replica, directory(Stage="Creating"), params(vpc_id=None), False)
    assert steps == []


def test_add_replica_already_added_is_no_change(steps, monkeypatch):
    primary, replica = clients(regions=[region()])
    monkeypatch.setattr(ds_region, "add_region_when_free", lambda *a: steps.append(("add",)) or False)
    result = ds_region.add_replica(primary, replica, directory(), params(), False)
    assert not result["changed"] and result["directory_region"]["status"] == "Active"
    assert steps == [("add",), ("region", "active"), ("dcs", "us-west-2")]


@pytest.mark.parametrize(
    "desired, expected_steps, resized",
    [
        (None, [("region", "active"), ("dcs", "us-west-2")], False),
        (2, [("region", "active"), ("dcs", "us-west-2")], False),
        (3, [("region", "active"), ("region", "active"), ("dcs", "us-west-2")], True),
    ],
)
def test_settle_added_resizes_once_active(steps, desired, expected_steps, resized):
    primary, replica = clients(regions=[region()])
    p = params(desired_number_of_domain_controllers=desired)
    found, controllers = ds_region.settle_added(primary, replica, "d-1", p)
    assert steps == expected_steps and found == region() and len(controllers) == 1
    assert replica.update_number_of_domain_controllers.called == resized


def test_settle_added_without_wait_reads_the_region_only(steps):
    primary, replica = clients(regions=[region(Status="Creating")])
    found, controllers = ds_region.settle_added(primary, replica, "d-1", params(wait=False))
    assert steps == [("until_listed",)] and found["Status"] == "Creating" and controllers == []
    assert names(replica) == []


# ---------------------------------------------------------------- resizing


def test_resize_replica_waits_for_a_region_not_active(steps):
    primary, replica = clients()
    p = params(desired_number_of_domain_controllers=3)
    ds_region.resize_replica(primary, replica, "d-1", region(), p)
    assert steps == []
    ds_region.resize_replica(primary, replica, "d-1", region(Status="Updating"), p)
    assert steps == [("region", "active")]
    assert [c.kwargs for c in replica.update_number_of_domain_controllers.call_args_list] == [
        dict(DirectoryId="d-1", DesiredNumber=3)
    ] * 2


def test_resize_replica_without_wait_refuses_a_region_not_active(steps):
    primary, replica = clients()
    with pytest.raises(AnsibleDSError, match="is Updating: its number of domain controllers can only be changed"):
        ds_region.resize_replica(
            primary,
            replica,
            "d-1",
            region(Status="Updating"),
            params(wait=False, desired_number_of_domain_controllers=3),
        )
    assert names(replica) == [] and steps == []


@pytest.mark.parametrize(
    "status, changed, wait, expected_steps, reread",
    [
        ("Active", False, True, [("dcs", "us-west-2")], False),
        ("Active", True, True, [("region", "active"), ("dcs", "us-west-2")], True),
        ("Creating", False, True, [("region", "active"), ("dcs", "us-west-2")], True),
        ("Creating", False, False, [], True),
    ],
)
def test_settle_updated_reads_again_only_what_may_have_changed(steps, status, changed, wait, expected_steps, reread):
    primary, replica = clients(regions=[region()])
    found, dummy = ds_region.settle_updated(primary, replica, "d-1", region(Status=status), params(wait=wait), changed)
    assert steps == expected_steps
    assert primary.describe_regions.called == reread
    assert found["Status"] == ("Active" if reread else status)


def test_update_replica_in_check_mode_shows_the_new_number_without_writing(steps):
    primary, replica = clients()
    p = params(desired_number_of_domain_controllers=3)
    result = ds_region.update_replica(primary, replica, "d-1", region(), p, True)
    assert result["changed"] and result["diff"]["before"]["desired_number_of_domain_controllers"] == 2
    assert result["diff"]["after"]["desired_number_of_domain_controllers"] == 3
    assert result["directory_region"]["desired_number_of_domain_controllers"] == 2
    assert not replica.update_number_of_domain_controllers.called and steps == []  # no wait in check mode


# ---------------------------------------------------------------- removing


@pytest.mark.parametrize(
    "status, wait, expected_steps, removes",
    [
        ("Active", True, [("region", "removed")], True),
        ("Creating", True, [("region", "active"), ("region", "removed")], True),
        ("Creating", False, [], True),
        ("Failed", True, [("region", "removed")], True),
        ("Deleting", True, [("region", "removed")], False),
        ("Deleted", False, [], False),
    ],
)
def test_remove_replica(steps, status, wait, expected_steps, removes):
    primary, replica = clients()
    ds_region.remove_replica(primary, replica, "d-1", region(Status=status), params(state="absent", wait=wait))
    assert steps == expected_steps
    assert names(replica) == ([("replica", "remove_region")] if removes else [])


def test_ensure_absent_in_check_mode_reports_the_region_removed_without_writing(steps):
    primary, replica = clients(regions=[region()], directories=[directory()])
    result = ds_region.ensure_absent(primary, replica, params(state="absent"), True, "us-east-1")
    assert result["changed"] and result["directory_region"] == {} and result["diff"]["before"]["status"] == "Active"
    assert names(replica) == [] and steps == []


# ---------------------------------------------------------------- the result


def test_build_result_after_defaults_to_the_region_returned():
    result = ds_region.build_result(False, "d-1", region(), [{"DnsIpAddr": "10.1.1.10"}, {"Status": "Creating"}], {})
    assert result["diff"]["after"] == result["directory_region"] and result["dns_ip_addrs"] == ["10.1.1.10"]
    assert ds_region.build_result(True, "d-1", None, [], {}, after={"x": 1})["diff"]["after"] == {"x": 1}


def test_run_region_module_makes_a_client_in_each_region_and_dispatches_on_state(monkeypatch):
    made, ran = [], []
    monkeypatch.setattr(ds_region, "aws_client", lambda module, service, region=None: made.append(region) or region)
    monkeypatch.setattr(ds_region, "run_module", lambda module, logic, *args: ran.append((logic, args)))
    for state in ("present", "absent"):
        module = MagicMock(params=params(state=state), check_mode=True, region="us-east-1")
        ds_region.run_region_module(module)
    assert made == [None, "us-west-2"] * 2
    assert [logic for logic, dummy in ran] == [ds_region.ensure_present, ds_region.ensure_absent]
    assert ran[0][1] == (None, "us-west-2", params(), True, "us-east-1")
