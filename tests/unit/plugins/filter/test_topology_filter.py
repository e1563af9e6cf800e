"""The inventory model read by the topology_regions filter."""

from collections.abc import Mapping

from ansible_collections.multiregion.client_vpn.plugins.filter.topology import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.filter.topology import inventory_problems
from ansible_collections.multiregion.client_vpn.plugins.filter.topology import topology_regions


def test_home_first_then_branches_by_name_with_model_keys_only():
    hostvars = {
        "us-west-2": {"vpc_cidr": "10.20.0.0/16", "client_cidr": "172.16.4.0/22", "unrelated": 1},
        "us-east-1": {"vpc_cidr": "10.10.0.0/16", "probe_ip": "3.80.0.1"},
        "frankfurt": {"aws_region": "eu-central-1", "vpc_id": "vpc-1", "subnet_ids": ["a", "b"]},
    }
    groups = {"home": ["us-east-1"], "branches": ["us-west-2", "frankfurt"], "all": list(hostvars)}
    regions = topology_regions(hostvars, groups)
    assert [r["name"] for r in regions] == ["us-east-1", "eu-central-1", "us-west-2"]
    assert [r["role"] for r in regions] == ["home", "branch", "branch"]
    assert regions[2] == {
        "host": "us-west-2",
        "name": "us-west-2",
        "role": "branch",
        "vpc_cidr": "10.20.0.0/16",
        "client_cidr": "172.16.4.0/22",
    }
    assert regions[1]["host"] == "frankfurt"


def test_filters_are_exported():
    assert set(FilterModule().filters()) == {
        "topology_regions",
        "topology_problems",
        "inventory_problems",
        "preflight_resource_problems",
        "known_aws_region",
    }


def test_a_host_in_both_groups_comes_once_per_role():
    hostvars = {"us-east-1": {"vpc_cidr": "10.10.0.0/16"}, "us-west-2": {"vpc_cidr": "10.20.0.0/16"}}
    groups = {"home": ["us-east-1"], "branches": ["us-west-2", "us-east-1"]}
    regions = topology_regions(hostvars, groups)
    assert [(r["host"], r["role"]) for r in regions] == [
        ("us-east-1", "home"),
        ("us-east-1", "branch"),
        ("us-west-2", "branch"),
    ]


class LazyMapping(Mapping):
    """Stands for ansible-core's lazily templated containers: readable, but too costly to deep-copy."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __deepcopy__(self, memo):
        raise AssertionError("the argument validation was handed a lazy container to deep-copy")


def test_inventory_problems_validates_plain_copies_of_lazy_containers():
    connection_log = LazyMapping({"enabled": True, "cloudwatch_log_group": "vpn", "colour": "blue"})
    hostvars = {
        "us-east-1": LazyMapping({"connection_log": connection_log}),
        "us-west-2": LazyMapping({"connection_log": connection_log, "connector_size": "Medium"}),
    }
    problems = inventory_problems(hostvars, {"home": ["us-east-1"], "branches": ["us-west-2"]})
    assert any("colour" in p for p in problems) and not any(p.startswith("us-") and "colour" in p for p in problems)
    assert [p for p in problems if "connector_size" in p and p.startswith("us-west-2: ")], problems
