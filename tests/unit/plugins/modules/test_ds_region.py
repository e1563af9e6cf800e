"""ds_region: pre-checks before AddRegion, which client each call uses, resize, removal."""

import json
from unittest.mock import MagicMock

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds_region as module
from ansible_collections.multiregion.client_vpn.plugins.module_utils.ds import AnsibleDSError
from ansible_collections.multiregion.client_vpn.plugins.modules import ds_region as region_module

WRITES = ("add_region", "remove_region", "update_number_of_domain_controllers")


def params(**kw):
    base = dict(
        state="present",
        directory_id=None,
        directory_name="corp.example.com",
        replica_region="us-west-2",
        vpc_id="vpc-22222222",
        subnet_ids=["subnet-33333333", "subnet-44444444"],
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
        "RegionsInfo": {"PrimaryRegion": "us-east-1", "AdditionalRegions": []},
    }
    base.update(kw)
    return base


def region(name="us-west-2", **kw):
    base = {
        "DirectoryId": "d-1234567890",
        "RegionName": name,
        "RegionType": "Additional" if name != "us-east-1" else "Primary",
        "Status": "Active",
        "VpcSettings": {"VpcId": "vpc-22222222", "SubnetIds": ["subnet-44444444", "subnet-33333333"]},
        "DesiredNumberOfDomainControllers": 2,
    }
    base.update(kw)
    return base


def clients(directories, regions):
    primary, replica = MagicMock(name="primary"), MagicMock(name="replica")
    primary.describe_directories.return_value = {"DirectoryDescriptions": directories}
    primary.describe_regions.side_effect = lambda **kw: {
        "RegionsDescription": [r for r in regions if not kw.get("RegionName") or r["RegionName"] == kw["RegionName"]]
    }
    replica.describe_domain_controllers.return_value = {
        "DomainControllers": [
            {"DomainControllerId": "dc-0000000001", "DnsIpAddr": "10.1.1.10", "Status": "Active"},
            {"DomainControllerId": "dc-0000000002", "DnsIpAddr": "10.1.2.10", "Status": "Active"},
        ]
    }
    return primary, replica


def writes(*clients_):
    return [
        (c._mock_name, name) for c in clients_ for name, dummy_args, dummy_kwargs in c.method_calls if name in WRITES
    ]


@pytest.fixture
def waits(monkeypatch):
    calls = []
    monkeypatch.setattr(
        module, "wait_for_directory", lambda client, i, state, timeout: calls.append(("directory", state))
    )
    monkeypatch.setattr(module, "wait_for_region", lambda client, i, name, state, timeout: calls.append((name, state)))
    # Asserted by the tests of the replica's domain controllers only.
    monkeypatch.setattr(module, "wait_for_domain_controllers", lambda client, i, name, timeout: None, raising=False)
    return calls


def test_add_is_made_in_the_primary_region_and_returns_dcs_of_the_replica(waits):
    regions = [region("us-east-1")]
    primary, replica = clients([directory()], regions)
    primary.add_region.side_effect = lambda **kw: regions.append(region())
    result = module.ensure_present(primary, replica, params(), True, "us-east-1")
    assert result["changed"] and writes(primary, replica) == [] and waits == []
    result = module.ensure_present(primary, replica, params(), False, "us-east-1")
    primary.add_region.assert_called_once_with(
        DirectoryId="d-1234567890",
        RegionName="us-west-2",
        VPCSettings={"VpcId": "vpc-22222222", "SubnetIds": ["subnet-33333333", "subnet-44444444"]},
    )
    assert writes(primary, replica) == [("primary", "add_region")]
    assert waits == [("us-west-2", "active")]
    replica.describe_domain_controllers.assert_called_with(DirectoryId="d-1234567890")
    assert result["changed"] and result["dns_ip_addrs"] == ["10.1.1.10", "10.1.2.10"]


def test_existing_region_returns_dns_ips_without_change(waits):
    primary, replica = clients([directory()], [region("us-east-1"), region()])
    for check_mode in (True, False):
        result = module.ensure_present(primary, replica, params(), check_mode, "us-east-1")
        assert not result["changed"]
        assert result["dns_ip_addrs"] == ["10.1.1.10", "10.1.2.10"]
        assert result["directory_region"]["status"] == "Active"
    assert writes(primary, replica) == [] and waits == []


@pytest.mark.parametrize(
    "directory_kw, p, client_region, text",
    [
        (
            dict(Edition="Standard"),
            {},
            "us-east-1",
            "Standard edition; multi-Region replication needs the Enterprise edition",
        ),
        ({}, dict(replica_region="us-east-1"), "us-east-1", "is the primary Region of directory"),
        ({}, {}, "eu-west-1", "has its primary Region in us-east-1: set region to us-east-1"),
        ({}, dict(vpc_id=None), "us-east-1", "also set: vpc_id"),
        ({}, dict(subnet_ids=["subnet-33333333"]), "us-east-1", "exactly 2 subnets"),
        (
            dict(Stage="Creating"),
            dict(wait=False),
            "us-east-1",
            "the directory is Creating, AddRegion needs it Active. Set wait=true",
        ),
        (dict(Stage="Failed"), {}, "us-east-1", "the directory is Failed"),
        ({}, dict(desired_number_of_domain_controllers=1), "us-east-1", "at least 2"),
    ],
)
def test_refusals_before_add_region(waits, directory_kw, p, client_region, text):
    primary, replica = clients([directory(**directory_kw)], [region("us-east-1")])
    with pytest.raises(AnsibleDSError, match=text):
        module.ensure_present(primary, replica, params(**p), False, client_region)
    assert writes(primary, replica) == []


def test_directory_not_found():
    primary, replica = clients([], [])
    with pytest.raises(AnsibleDSError, match="Directory corp.example.com was not found in Region us-east-1"):
        module.ensure_present(primary, replica, params(), False, "us-east-1")


def test_directory_not_active_is_waited_for_when_wait(waits):
    primary, replica = clients([directory(Stage="Creating")], [region("us-east-1")])
    module.ensure_present(primary, replica, params(), False, "us-east-1")
    assert waits == [("directory", "active"), ("us-west-2", "active")]


@pytest.mark.parametrize(
    "p, expected_waits",
    [
        (dict(wait=False, wait_for_directory=True), [("directory", "active")]),
        (dict(wait=True, wait_for_directory=True), [("directory", "active"), ("us-west-2", "active")]),
    ],
)
def test_wait_for_directory_waits_for_the_directory_only(waits, p, expected_waits):
    regions = [region("us-east-1")]
    primary, replica = clients([directory(Stage="Creating")], regions)
    primary.add_region.side_effect = lambda **kw: regions.append(region(Status="Creating"))
    result = module.ensure_present(primary, replica, params(**p), False, "us-east-1")
    assert result["changed"] and writes(primary, replica) == [("primary", "add_region")]
    assert waits == expected_waits


def test_wait_for_directory_false_refuses_a_directory_not_active(waits):
    primary, replica = clients([directory(Stage="Creating")], [region("us-east-1")])
    with pytest.raises(AnsibleDSError, match="Set wait=true or wait_for_directory=true"):
        module.ensure_present(primary, replica, params(wait=True, wait_for_directory=False), False, "us-east-1")
    assert writes(primary, replica) == [] and waits == []


def test_add_with_more_domain_controllers_resizes_in_the_replica_region(waits):
    primary, replica = clients([directory()], [region("us-east-1")])
    module.ensure_present(primary, replica, params(desired_number_of_domain_controllers=4), False, "us-east-1")
    assert writes(primary, replica) == [("primary", "add_region"), ("replica", "update_number_of_domain_controllers")]
    replica.update_number_of_domain_controllers.assert_called_once_with(DirectoryId="d-1234567890", DesiredNumber=4)


def test_resize_existing_region(waits):
    primary, replica = clients([directory()], [region("us-east-1"), region()])
    result = module.ensure_present(primary, replica, params(desired_number_of_domain_controllers=3), True, "us-east-1")
    assert result["changed"] and result["diff"]["after"]["desired_number_of_domain_controllers"] == 3
    assert writes(primary, replica) == []
    result = module.ensure_present(primary, replica, params(desired_number_of_domain_controllers=3), False, "us-east-1")
    assert writes(primary, replica) == [("replica", "update_number_of_domain_controllers")]
    assert waits == [("us-west-2", "active")]


def test_immutable_vpc_of_a_region(waits):
    primary, replica = clients([directory()], [region("us-east-1"), region()])
    with pytest.raises(
        AnsibleDSError, match="Cannot change vpc_id, subnet_ids of Region us-west-2 of directory d-1234567890"
    ):
        module.ensure_present(
            primary, replica, params(vpc_id="vpc-99999999", subnet_ids=["subnet-1", "subnet-2"]), False, "us-east-1"
        )


def test_failed_region_is_an_error(waits):
    primary, replica = clients([directory()], [region("us-east-1"), region(Status="Failed")])
    with pytest.raises(AnsibleDSError, match="is Failed. Remove it"):
        module.ensure_present(primary, replica, params(), False, "us-east-1")


def test_remove_is_made_in_the_replica_region(waits):
    primary, replica = clients([directory()], [region("us-east-1"), region()])
    assert module.ensure_absent(primary, replica, params(state="absent"), True, "us-east-1")["changed"]
    assert writes(primary, replica) == []
    result = module.ensure_absent(primary, replica, params(state="absent"), False, "us-east-1")
    assert result["changed"] and result["directory_region"] == {}
    assert writes(primary, replica) == [("replica", "remove_region")]
    replica.remove_region.assert_called_once_with(DirectoryId="d-1234567890")
    assert waits == [("us-west-2", "removed")]


def test_remove_absent_region_or_directory_is_no_change(waits):
    primary, replica = clients([directory()], [region("us-east-1")])
    assert not module.ensure_absent(primary, replica, params(state="absent"), False, "us-east-1")["changed"]
    primary, replica = clients([], [])
    assert not module.ensure_absent(primary, replica, params(state="absent"), False, "us-east-1")["changed"]
    assert writes(primary, replica) == []


def test_main_creates_a_client_in_the_replica_region(capsys, monkeypatch):
    primary, replica = clients([directory()], [region("us-east-1"), region()])
    made = []

    def client(self, service, **kw):
        made.append(kw.get("region"))
        return replica if kw.get("region") == "us-west-2" else primary

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    dc_waits = []
    monkeypatch.setattr(
        module, "wait_for_domain_controllers", lambda c, i, name, timeout: dc_waits.append((c._mock_name, name))
    )
    with patch_module_args(dict(region="us-east-1", directory_id="d-1234567890", replica_region="us-west-2")):
        with pytest.raises(SystemExit):
            region_module.main()
    result = json.loads(capsys.readouterr().out)
    assert made == [None, "us-west-2"]
    assert dc_waits == [("replica", "us-west-2")]  # the controllers are waited for in the replica Region
    assert not result["changed"] and result["dns_ip_addrs"] == ["10.1.1.10", "10.1.2.10"]


def test_main_requires_one_directory_option(capsys, monkeypatch):
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda self, service, **kw: MagicMock())
    with patch_module_args(dict(replica_region="us-west-2")):
        with pytest.raises(SystemExit):
            region_module.main()
    assert "one of the following is required: directory_id, directory_name" in capsys.readouterr().out


def test_remove_waits_for_a_region_being_added(waits):
    primary, replica = clients([directory()], [region("us-east-1"), region(Status="Creating")])
    module.ensure_absent(primary, replica, params(state="absent"), False, "us-east-1")
    assert waits == [("us-west-2", "active"), ("us-west-2", "removed")]
    assert writes(primary, replica) == [("replica", "remove_region")]


def test_standard_edition_is_refused_before_any_region_call(waits):
    primary, replica = clients([directory(Edition="Standard")], [region("us-east-1")])
    # AWS answers DescribeRegions of a Standard directory with UnsupportedOperationException.
    primary.describe_regions.side_effect = AssertionError("DescribeRegions called")
    with pytest.raises(AnsibleDSError, match="Standard edition; multi-Region replication needs the Enterprise edition"):
        module.ensure_present(primary, replica, params(), False, "us-east-1")
    result = module.ensure_absent(primary, replica, params(state="absent"), False, "us-east-1")
    assert not result["changed"] and writes(primary, replica) == []


def test_start_mode_does_not_read_the_replica_controllers(waits, monkeypatch):
    """Right after AddRegion the replica's controllers (even the directory) are not in its Region yet."""
    regions = [region("us-east-1")]
    primary, replica = clients([directory()], regions)
    primary.add_region.side_effect = lambda **kw: regions.append(region(Status="Creating"))
    replica.describe_domain_controllers.side_effect = AssertionError("DescribeDomainControllers called")
    result = module.ensure_present(primary, replica, params(wait=False), False, "us-east-1")
    assert result["changed"] and result["dns_ip_addrs"] == [] and result["directory_region"]["status"] == "Creating"
    # The next run, still without waiting, finds the Region Creating: still nothing to read.
    result = module.ensure_present(primary, replica, params(wait=False), False, "us-east-1")
    assert not result["changed"] and result["dns_ip_addrs"] == []


def test_start_mode_reports_the_region_once_aws_lists_it(waits, monkeypatch):
    slept = []
    monkeypatch.setattr("time.sleep", slept.append)
    regions = [region("us-east-1")]
    primary, replica = clients([directory()], regions)
    listing = primary.describe_regions.side_effect
    reads = []

    def describe_regions(**kw):
        reads.append(kw)
        if len(reads) == 2:  # the first read after AddRegion misses the new Region (eventual consistency)
            return {"RegionsDescription": [region("us-east-1")]}
        return listing(**kw)

    primary.describe_regions.side_effect = describe_regions
    primary.add_region.side_effect = lambda **kw: regions.append(region(Status="Creating"))
    result = module.ensure_present(primary, replica, params(wait=False), False, "us-east-1")
    assert result["directory_region"]["status"] == "Creating" and len(reads) == 3 and slept == [1.0]
