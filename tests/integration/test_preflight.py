"""site.yml refuses broken inventories in its first play, before any write call.

Each case is a copy of inventories/sandbox with one thing broken (a wrong value, a wrong type, a
missing variable, a broken topology), covering every class of rule in
plugins/module_utils/topology.py plus the Availability Zone look-up. site.yml must fail, print the
problem, and the sandbox must have seen no write call at all (only the read-only AZ look-ups at most).
"""

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site.yml"
INVENTORY = REPO / "inventories" / "sandbox"
# Cases run concurrently: each is a few seconds of ansible-playbook start-up and one failing assert.
WORKERS = 6


# ----------------------------------------------------------------------------- inventory edits
def host(name, key, value):
    def edit(inv):
        inv.hosts(name)[key] = value

    return edit


def drop_host_key(name, key):
    def edit(inv):
        del inv.hosts(name)[key]

    return edit


def subnet(name, index, key, value):
    def edit(inv):
        inv.hosts(name)["subnets"][index][key] = value

    return edit


def group(key, value):
    def edit(inv):
        inv.group_vars[key] = value

    return edit


def drop_group_key(key):
    def edit(inv):
        del inv.group_vars[key]

    return edit


def move_host(name, source, target):
    def edit(inv):
        children = inv.data["all"]["children"]
        children.setdefault(target, {}).setdefault("hosts", {})[name] = children[source]["hosts"].pop(name)

    return edit


def rename_host(old, new):
    def edit(inv):
        for child in inv.data["all"]["children"].values():
            if old in child.get("hosts", {}):
                child["hosts"][new] = child["hosts"].pop(old)

    return edit


def add_branches(*names):
    """More valid Branches (distinct VPC and client CIDRs, Availability Zones the sandbox knows)."""

    def edit(inv):
        branches = inv.data["all"]["children"]["branches"]["hosts"]
        for index, name in enumerate(names):
            second = 40 + 10 * index
            branches[name] = {
                "vpc_cidr": f"10.{second}.0.0/16",
                "subnets": [
                    {"cidr": f"10.{second}.{n}.0/24", "az": f"{name}{zone}"} for n, zone in ((1, "a"), (2, "b"))
                ],
                "client_cidr": f"172.16.{12 + 4 * index}.0/22",
            }

    return edit


# With the two Branches of inventories/sandbox: 5 Branches, one more than the directory's quota of 4.
THREE_MORE_BRANCHES = ("us-west-1", "us-east-2", "eu-central-1")


def both(*edits):
    def edit(inv):
        for one in edits:
            one(inv)

    return edit


class Inventory:
    def __init__(self, root):
        self.root = root
        self.data = yaml.safe_load((root / "hosts.yml").read_text())
        self.group_vars = yaml.safe_load((root / "group_vars" / "all.yml").read_text())

    def hosts(self, name):
        for child in self.data["all"]["children"].values():
            if name in child.get("hosts", {}):
                return child["hosts"][name]
        raise KeyError(name)

    def save(self):
        (self.root / "hosts.yml").write_text(yaml.safe_dump(self.data, sort_keys=False))
        (self.root / "group_vars" / "all.yml").write_text(yaml.safe_dump(self.group_vars, sort_keys=False))


# ----------------------------------------------------------------------------- the catalogue
CASES = [
    # Topology: Home and Branches, Regions.
    ("two-homes", move_host("us-west-2", "branches", "home"), "exactly one Home Region is needed, found 2"),
    ("no-home", move_host("us-east-1", "home", "branches"), "exactly one Home Region is needed, found 0"),
    ("unknown-region", rename_host("eu-west-1", "eu-moon-1"), "eu-moon-1: not a known AWS Region"),
    ("opt-in-region", rename_host("eu-west-1", "af-south-1"), "af-south-1: an opt-in Region"),
    ("region-twice", host("eu-west-1", "aws_region", "us-west-2"), "us-west-2: listed more than once"),
    # VPC CIDRs.
    ("vpc-cidr-not-cidr", host("us-west-2", "vpc_cidr", "10.20.0.0/33"), "vpc_cidr '10.20.0.0/33' is not an IPv4"),
    ("vpc-cidr-wrong-type", host("us-west-2", "vpc_cidr", 1020), "vpc_cidr 1020 is not an IPv4 CIDR block"),
    ("vpc-cidr-host-bits", host("us-west-2", "vpc_cidr", "10.20.0.1/16"), "is not an IPv4 CIDR block"),
    (
        "vpc-cidr-too-big",
        host("us-west-2", "vpc_cidr", "10.0.0.0/8"),
        "vpc_cidr 10.0.0.0/8 must be between /16 and /28",
    ),
    ("vpc-cidr-missing", drop_host_key("us-west-2", "vpc_cidr"), "vpc_cidr None is not an IPv4 CIDR block"),
    ("vpc-cidrs-overlap", host("eu-west-1", "vpc_cidr", "10.10.0.0/16"), "overlaps vpc_cidr 10.10.0.0/16"),
    # Subnets.
    (
        "one-subnet",
        host("us-east-1", "subnets", [{"cidr": "10.10.1.0/24", "az": "us-east-1a"}]),
        "needs exactly two subnets",
    ),
    ("subnets-missing", drop_host_key("us-east-1", "subnets"), "needs exactly two subnets"),
    ("subnets-wrong-type", host("us-east-1", "subnets", "10.10.1.0/24"), "needs exactly two subnets"),
    (
        "subnet-outside-vpc",
        subnet("us-east-1", 1, "cidr", "10.99.2.0/24"),
        "subnet 10.99.2.0/24 is not inside vpc_cidr",
    ),
    ("subnet-too-small", subnet("us-east-1", 1, "cidr", "10.10.2.0/28"), "is smaller than /27"),
    ("subnets-overlap", subnet("us-east-1", 1, "cidr", "10.10.0.0/20"), "and 10.10.0.0/20 overlap"),
    ("subnets-same-az", subnet("us-east-1", 1, "az", "us-east-1a"), "both subnets are in us-east-1a"),
    ("az-other-region", subnet("us-west-2", 0, "az", "eu-west-1a"), "Availability Zone eu-west-1a is not in us-west-2"),
    ("az-not-a-name", subnet("us-west-2", 0, "az", "west"), "'west' is not an Availability Zone name"),
    ("az-does-not-exist", subnet("us-east-1", 1, "az", "us-east-1z"), "Availability Zone(s) us-east-1z"),
    (
        "brownfield-one-subnet",
        both(host("us-west-2", "vpc_id", "vpc-0123456789abcdef0"), host("us-west-2", "subnet_ids", ["subnet-1"])),
        "an existing VPC needs exactly two subnet_ids",
    ),
    (
        "too-many-branches",
        add_branches(*THREE_MORE_BRANCHES),
        "5 Branch Regions (eu-central-1, eu-west-1, us-east-2, us-west-1, us-west-2) would be 5 additional Regions of"
        " the directory, but Directory Service allows 4 per directory",
    ),
    (
        "too-many-branches-for-the-limit",
        group("directory_additional_regions_limit", 1),
        "2 Branch Regions (eu-west-1, us-west-2) would be 2 additional Regions of the directory, but Directory"
        " Service allows 1 per directory",
    ),
    (
        "additional-regions-limit-not-a-count",
        group("directory_additional_regions_limit", "four"),
        "directory_additional_regions_limit 'four' must be a whole number of Regions",
    ),
    # Client CIDRs and probes.
    ("client-cidr-too-small", host("eu-west-1", "client_cidr", "172.16.8.0/24"), "must be between /12 and /22"),
    (
        "client-cidr-overlaps-vpc",
        host("eu-west-1", "client_cidr", "10.20.0.0/22"),
        "client_cidr 10.20.0.0/22 of eu-west-1 overlaps",
    ),
    ("client-cidr-missing", drop_host_key("eu-west-1", "client_cidr"), "client_cidr None is not an IPv4"),
    ("probe-ip-not-an-address", host("eu-west-1", "probe_ip", "203.0.113.999"), "is not an IP address"),
    # Group-wide settings.
    ("vpn-name-invalid", group("vpn_name", "vpn_.example.com"), "is not a valid DNS name"),
    ("vpn-name-missing", drop_group_key("vpn_name"), "vpn_name '' is not a valid DNS name"),
    ("vpn-name-outside-zone", group("vpn_name", "vpn.example.org"), "is not inside hosted_zone example.com"),
    ("vpn-name-at-apex", group("vpn_name", "example.com"), "a CNAME cannot sit at the apex"),
    ("directory-name-not-fqdn", group("directory_name", "corp"), "is not a fully qualified domain name"),
    ("short-name-too-long", group("directory_short_name", "CORPORATIONNAME16"), "must be a NetBIOS name"),
    ("password-weak", group("directory_password", "password"), "directory_password must contain three of"),
    ("password-missing", drop_group_key("directory_password"), "directory_password must be 8 to 64 characters"),
    ("edition-standard", group("directory_edition", "Standard"), "needs the Enterprise edition"),
    ("transport-udp", group("transport_protocol", "udp"), "this design needs tcp"),
    ("port-1194", group("vpn_port", 1194), "vpn_port 1194: must be 443"),
    ("three-dns-servers", group("dns_servers", ["10.10.0.2", "10.10.0.3", "10.10.0.4"]), "at most 2 are allowed"),
    ("dns-server-not-ip", group("dns_servers", ["resolver"]), "'resolver' is not an IPv4 address"),
    ("session-timeout", group("session_timeout_hours", 6), "session_timeout_hours 6 must be one of 8, 10, 12, 24"),
    ("session-timeout-wrong-type", group("session_timeout_hours", "twelve"), "must be one of 8, 10, 12, 24"),
    ("banner-too-long", group("login_banner", "x" * 1401), "AWS allows at most 1400"),
    ("health-check-interval", group("health_check", {"request_interval": 20}), "request_interval 20 must be 10 or 30"),
    ("health-check-regions", group("health_check", {"regions": ["us-east-1", "mars-1"]}), "at least 3 checker Regions"),
    ("record-ttl-wrong-type", group("record_ttl", "sixty"), "is not a valid TTL"),
    ("tag-key-aws", group("resource_tags", {"aws:owner": "me"}), "must be 1-128 characters and not start with aws:"),
]


def test_catalogue_is_broad():
    assert len(CASES) >= 25
    assert len({case[0] for case in CASES}) == len(CASES)


def run_case(run_playbook, tmp_path, name, edit):
    root = tmp_path / name
    shutil.copytree(INVENTORY, root)
    inventory = Inventory(root)
    edit(inventory)
    inventory.save()
    proc = run_playbook(SITE, inventory=root, expect_rc=None)
    return proc.returncode, proc.stdout + proc.stderr


def test_broken_inventories_fail_in_preflight_without_writes(sandbox, run_playbook, tmp_path):
    """Every case of the catalogue, run concurrently (each run is mostly ansible-playbook start-up)."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {name: pool.submit(run_case, run_playbook, tmp_path, name, edit) for name, edit, _ in CASES}
    wrong = []
    for name, _, message in CASES:
        returncode, output = futures[name].result()
        why = []
        if returncode == 0:
            why.append("site.yml succeeded")
        if "nothing was changed" not in output:
            why.append("no preflight failure message")
        if message not in output:
            why.append(f"missing {message!r}")
        if "PLAY [Network" in output:
            why.append("a play after Preflight started")
        if why:
            wrong.append(f"{name}: {'; '.join(why)}\n{output[-1500:]}")
    assert not wrong, "\n\n".join(wrong)
    # Not one write call in any case (the AZ look-ups are the only calls preflight makes).
    assert sandbox.write_calls() == []


def test_every_problem_is_listed_at_once(sandbox, run_playbook, tmp_path):
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root)
    inventory = Inventory(root)
    both(
        group("transport_protocol", "udp"), host("eu-west-1", "client_cidr", "172.16.8.0/24"), group("vpn_port", 1194)
    )(inventory)
    inventory.save()
    proc = run_playbook(SITE, inventory=root, expect_rc=None)
    assert proc.returncode != 0
    assert "3 problem(s)" in proc.stdout
    for message in ("this design needs tcp", "must be between /12 and /22", "must be 443"):
        assert message in proc.stdout
    assert sandbox.write_calls() == []


def test_a_raised_additional_regions_limit_admits_more_branches(sandbox, run_playbook, tmp_path):
    """The quota check follows directory_additional_regions_limit (after an approved quota increase): 5 Branches
    fail preflight by default, pass with a limit of 5 in group_vars or on the command line, and nothing is
    written either way."""
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root)
    inventory = Inventory(root)
    add_branches(*THREE_MORE_BRANCHES)(inventory)
    inventory.save()
    # Only the plays tagged always (Preflight) run: a tag no play carries.
    only_preflight = {"ANSIBLE_RUN_TAGS": "preflight-only"}

    proc = run_playbook(SITE, inventory=root, env=only_preflight, expect_rc=None)
    assert proc.returncode != 0
    assert "Directory Service allows 4 per directory" in proc.stdout

    # On the command line (-e key=value gives a string) and in group_vars.
    proc = run_playbook(
        SITE, inventory=root, env=only_preflight, extra_vars={"directory_additional_regions_limit": "5"}
    )
    assert "PLAY [Preflight]" in proc.stdout and "additional Regions" not in proc.stdout
    group("directory_additional_regions_limit", 5)(inventory)
    inventory.save()
    proc = run_playbook(SITE, inventory=root, env=only_preflight)
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
    proc = run_playbook(SITE, inventory=root, env={"ANSIBLE_RUN_TAGS": "preflight-only"})
    assert "PLAY [Preflight]" in proc.stdout and "additional Regions" not in proc.stdout
    assert sandbox.write_calls() == []
