"""site.yml refuses broken inventories in its first play, before any write call, listing every problem.

The catalogue of broken inventories (one rule each, with its message) is unit-tested over the preflight
filters: tests/unit/plugins/filter/test_preflight_catalogue.py. Here a handful of ansible-playbook runs
prove what only a real run can: site.yml stops in Preflight, no later play starts, the sandbox sees no
write call, every problem (topology, argument specs, read look-ups) is listed in one message, and a read
call that fails is reported rather than taken for "exists".
"""

import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site.yml"
INVENTORY = REPO / "inventories" / "sandbox"
# Only the plays tagged always (Preflight) run: a tag no play carries.
ONLY_PREFLIGHT = {"ANSIBLE_RUN_TAGS": "preflight-only"}
WORKERS = 3


class Inventory:
    def __init__(self, root):
        self.root = root
        shutil.copytree(INVENTORY, root)
        self.data = yaml.safe_load((root / "hosts.yml").read_text())
        self.group_vars = yaml.safe_load((root / "group_vars" / "all.yml").read_text())

    def hosts(self, name):
        for child in self.data["all"]["children"].values():
            if name in child.get("hosts", {}):
                return child["hosts"][name]
        raise KeyError(name)

    def children(self):
        return self.data["all"]["children"]

    def save(self):
        (self.root / "hosts.yml").write_text(yaml.safe_dump(self.data, sort_keys=False))
        (self.root / "group_vars" / "all.yml").write_text(yaml.safe_dump(self.group_vars, sort_keys=False))
        return self.root


def two_homes(inv):
    inv.children()["home"]["hosts"]["us-west-2"] = inv.children()["branches"]["hosts"].pop("us-west-2")


def home_and_branch(inv):
    inv.children()["branches"]["hosts"]["us-east-1"] = dict(inv.hosts("us-east-1"))


def connector_size(inv):
    inv.group_vars["connector_size"] = "Medium"


ACCESS_GROUPS = [{"name": "VPN-Finance", "cidrs": ["10.10.6.0/24"]}, {"name": "VPN-Ops", "cidrs": ["10.0.0.0/8"]}]


def unmanaged_access_groups(inv):
    """Groups the Home is not to create (manage_groups false) must exist already: here there is no directory."""
    inv.group_vars.update(manage_groups=False, vpn_access_groups=ACCESS_GROUPS)


# A topology rule, a host in both groups, an argument spec: one class of preflight problem each.
CASES = [
    (two_homes, "exactly one Home Region is needed, found 2"),
    (home_and_branch, "us-east-1: in both groups home and branches"),
    (connector_size, "value of connector_size must be one of: Small, Large, got: Medium"),
    (unmanaged_access_groups, "vpn_access_groups: the directory corp.example.com does not exist yet"),
]


def assert_stopped_in_preflight(proc, *messages):
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "The topology cannot be deployed; nothing was changed." in output, output[-3000:]
    found = [line for line in output.splitlines() if "problem(s)" in line]
    for message in messages:
        assert message in output, (message, found or output[-3000:])
    # No play after preflight started.
    assert re.findall(r"^PLAY \[(.*)\]", output, re.M) == ["Preflight"], output[-3000:]


def test_broken_inventories_fail_in_preflight_without_writes(sandbox, run_playbook, tmp_path):
    def run(index, edit):
        inventory = Inventory(tmp_path / f"case{index}")
        edit(inventory)
        return run_playbook(SITE, inventory=inventory.save(), expect_rc=None)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        procs = list(pool.map(lambda case: run(*case), enumerate(edit for edit, _ in CASES)))
    for proc, (_, message) in zip(procs, CASES):
        assert_stopped_in_preflight(proc, message)
    assert sandbox.write_calls() == []


def test_every_problem_is_listed_at_once(sandbox, run_playbook, tmp_path):
    """Topology, argument spec and read problems of several Regions in one message, after read calls only."""
    inventory = Inventory(tmp_path / "inventory")
    inventory.group_vars.update(
        transport_protocol="udp",
        connector_size="Medium",
        create_hosted_zone=False,
        connection_log={"enabled": True, "cloudwatch_log_group": "vpn-connections"},
    )
    inventory.hosts("eu-west-1")["client_cidr"] = "172.16.8.0/24"
    inventory.hosts("us-east-1")["subnets"][1]["az"] = "us-east-1z"
    branch = inventory.hosts("us-west-2")
    del branch["vpc_cidr"], branch["subnets"]
    branch.update(vpc_id="vpc-0123456789abcdef0", subnet_ids=["subnet-0123456789abcdef0", "subnet-0fedcba987654321f"])
    proc = run_playbook(SITE, inventory=inventory.save(), expect_rc=None)
    expected = [
        "transport_protocol 'udp': this design needs tcp",
        "eu-west-1: client_cidr 172.16.8.0/24 must be between /12 and /22",
        "value of connector_size must be one of: Small, Large, got: Medium",
        "us-east-1: Availability Zone(s) us-east-1z do not exist here",
        "us-west-2: vpc_id vpc-0123456789abcdef0 does not exist in us-west-2",
        "us-west-2: subnet_ids subnet-0123456789abcdef0, subnet-0fedcba987654321f do not exist in us-west-2",
        "hosted_zone example.com: no public hosted zone of that name exists and create_hosted_zone is false",
        "connection_log.cloudwatch_log_group vpn-connections does not exist in us-east-1",
    ]
    assert_stopped_in_preflight(proc, *expected)
    # Each Region's missing log group is listed (three Regions), with the rest: one message, every problem.
    count = int(re.search(r"(\d+) problem\(s\)", proc.stdout).group(1))
    assert count == len(expected) + 2, proc.stdout[-3000:]
    calls = sandbox.calls()
    assert calls and sandbox.write_calls() == []
    assert {c["action"] for c in calls} <= {
        "DescribeAvailabilityZones",
        "DescribeVpcs",
        "DescribeSubnets",
        "DescribeLogGroups",
        "ListTagsLogGroup",
        "ListHostedZonesByName",
    }, calls


def test_existing_resources_pass_and_a_failed_read_is_a_problem(sandbox, run_playbook, tmp_path):
    """An existing VPC, its subnets and the log group are found (no false "missing"); a read the endpoint
    answers with NotImplementedBySandbox (501) is listed as a problem, never taken for "exists"."""
    ec2 = sandbox.client("ec2", region="us-west-2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=f"us-west-2{z}")["Subnet"][
            "SubnetId"
        ]
        for n, z in ((1, "a"), (2, "b"))
    ]
    for region in ("us-east-1", "us-west-2", "eu-west-1"):
        sandbox.client("logs", region=region).create_log_group(logGroupName="vpn-connections")
    sandbox.clear_calls()
    inventory = Inventory(tmp_path / "inventory")
    inventory.group_vars["connection_log"] = {"enabled": True, "cloudwatch_log_group": "vpn-connections"}
    branch = inventory.hosts("us-west-2")
    del branch["vpc_cidr"], branch["subnets"]
    branch.update(vpc_id=vpc, subnet_ids=subnets)
    root = inventory.save()

    proc = run_playbook(SITE, inventory=root, env=ONLY_PREFLIGHT)
    assert "PLAY [Preflight]" in proc.stdout and "nothing was changed" not in proc.stdout

    rule = {"service": "logs", "region": "eu-west-1", "action": "DescribeLogGroups", "count": 50}
    sandbox.control("POST", "faults", {"rules": [dict(rule, code="NotImplementedBySandbox", status=501)]})
    proc = run_playbook(SITE, inventory=root, env=ONLY_PREFLIGHT, expect_rc=None)
    assert_stopped_in_preflight(
        proc, "1 problem(s)", "eu-west-1: connection_log.cloudwatch_log_group vpn-connections could not be checked"
    )
    assert "NotImplementedBySandbox" in proc.stdout
    assert sandbox.write_calls() == []


def test_a_raised_additional_regions_limit_admits_more_branches(sandbox, run_playbook, tmp_path):
    """5 Branches pass with a limit of 5 on the command line (-e key=value gives a string) and in group_vars;
    the default limit's refusal is in the unit catalogue."""

    def five_branches(root):
        inventory = Inventory(root)
        for index, name in enumerate(("us-west-1", "us-east-2", "eu-central-1")):
            second = 40 + 10 * index
            inventory.children()["branches"]["hosts"][name] = {
                "vpc_cidr": f"10.{second}.0.0/16",
                "subnets": [{"cidr": f"10.{second}.{n}.0/24", "az": f"{name}{z}"} for n, z in ((1, "a"), (2, "b"))],
                "client_cidr": f"172.16.{12 + 4 * index}.0/22",
            }
        return inventory

    on_command_line = five_branches(tmp_path / "command-line").save()
    in_group_vars = five_branches(tmp_path / "group-vars")
    in_group_vars.group_vars["directory_additional_regions_limit"] = 5
    runs = [
        (on_command_line, {"directory_additional_regions_limit": "5"}),
        (in_group_vars.save(), None),
    ]
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        procs = list(
            pool.map(lambda run: run_playbook(SITE, inventory=run[0], env=ONLY_PREFLIGHT, extra_vars=run[1]), runs)
        )
    for proc in procs:
        assert "PLAY [Preflight]" in proc.stdout and "additional Regions" not in proc.stdout
        # Besides the roles' argument validation (tagged always by ansible-core), only preflight's tasks ran.
        roles = re.findall(r"^TASK \[multiregion\.client_vpn\.(\w+) : (?!Validating arguments)", proc.stdout, re.M)
        assert roles and set(roles) == {"preflight"}, roles
    assert sandbox.write_calls() == []


def test_bench_inventory_beyond_the_quota_passes_preflight(sandbox, run_playbook, tmp_path):
    """bench/inventory.py's largest topology (8 Branches) raises the limit itself; up to 4 it keeps AWS's."""
    from bench import inventory as bench_inventory

    assert "directory_additional_regions_limit" not in bench_inventory.group_vars_for(4)
    root = bench_inventory.write(tmp_path / "bench", len(bench_inventory.BRANCH_REGIONS))
    proc = run_playbook(SITE, inventory=root, env=ONLY_PREFLIGHT)
    assert "PLAY [Preflight]" in proc.stdout and "additional Regions" not in proc.stdout
    assert sandbox.write_calls() == []


def test_unmanaged_access_groups_are_read_in_the_home_directory(sandbox, run_playbook, tmp_path):
    """manage_groups false: the groups are read in the existing Home directory; its data access off is a problem
    (preflight turns nothing on), then, once on, the missing group is named. Read calls only."""
    ec2, ds = sandbox.client("ec2", region="us-east-1"), sandbox.client("ds", region="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.99.{n}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
            "SubnetId"
        ]
        for n, z in ((1, "a"), (2, "b"))
    ]
    settings = {"VpcId": vpc, "SubnetIds": subnets}
    directory_id = ds.create_microsoft_ad(
        Name="corp.example.com", ShortName="CORP", Password="Sandbox-Passw0rd!", VpcSettings=settings
    )["DirectoryId"]
    deadline = time.monotonic() + 30
    while ds.describe_directories(DirectoryIds=[directory_id])["DirectoryDescriptions"][0]["Stage"] != "Active":
        assert time.monotonic() < deadline, "the sandbox directory never became Active"
        time.sleep(0.1)
    inventory = Inventory(tmp_path / "inventory")
    unmanaged_access_groups(inventory)
    root = inventory.save()

    sandbox.clear_calls()
    proc = run_playbook(SITE, inventory=root, env=ONLY_PREFLIGHT, expect_rc=None)
    assert_stopped_in_preflight(
        proc,
        "1 problem(s)",
        f"vpn_access_groups cannot be checked: the Directory Service Data access of the directory corp.example.com"
        f" ({directory_id}) is not Enabled",
    )
    assert sandbox.write_calls() == []

    ds.enable_directory_data_access(DirectoryId=directory_id)
    sandbox.client("ds-data", region="us-east-1").create_group(DirectoryId=directory_id, SAMAccountName="vpn-finance")
    sandbox.clear_calls()
    proc = run_playbook(SITE, inventory=root, env=ONLY_PREFLIGHT, expect_rc=None)
    # Names are compared case-insensitively: VPN-Finance is the group vpn-finance.
    assert_stopped_in_preflight(
        proc, "1 problem(s)", f"the directory corp.example.com ({directory_id}) has no group VPN-Ops (manage_groups"
    )
    calls = sandbox.calls()
    assert sandbox.write_calls() == [] and {"DescribeDirectories", "DescribeGroup"} <= {c["action"] for c in calls}
