"""Inventories for 1 Home + N Branches that the preflight rules and the sandbox accept.

Each Region gets a distinct VPC CIDR (10.<10 * (i + 1)>.0.0/16), two /24 subnets in two Availability
Zones that moto knows, a distinct client CIDR (172.16.<4 * i>.0/22, outside every VPC) and a probe
address "near" it in the sandbox's latency table (198.18.<n>.10, n = the Region's index in
sandbox.latency.LATENCY_REGIONS). Beyond AWS's quota of 4 additional Regions per directory, the
inventory raises ``directory_additional_regions_limit`` to the number of Branches, as a user with an
approved quota increase would (the bench's sandbox raises its quota to match).
"""

from pathlib import Path

import yaml

from sandbox.latency import LATENCY_REGIONS

HOME_REGION = "us-east-1"
# Default (not opt-in) Regions that hold a directory replica, a Client VPN endpoint and a latency record.
BRANCH_REGIONS = (
    "us-west-2",
    "eu-west-1",
    "us-west-1",
    "us-east-2",
    "eu-central-1",
    "eu-west-2",
    "ap-southeast-1",
    "ap-northeast-1",
)
# Two Availability Zones per Region among those moto's EC2 backend has (us-west-1 has no "c",
# ap-northeast-1 no "b").
ZONES = {
    "us-east-1": ("a", "b"),
    "us-west-1": ("a", "b"),
    "ap-northeast-1": ("a", "c"),
}

# AWS's default quota of additional Regions per directory (preflight's directory_additional_regions_limit).
AWS_ADDITIONAL_REGIONS_QUOTA = 4

VPN_NAME = "vpn.example.com"
# Plain text only because the sandbox is throw-away (the same value as inventories/sandbox).
DIRECTORY_PASSWORD = "Sandbox-Passw0rd!"

GROUP_VARS = {
    "ansible_connection": "local",
    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
    "aws_endpoint_url": "{{ lookup('ansible.builtin.env', 'AWS_ENDPOINT_URL') }}",
    "aws_access_key": "{{ lookup('ansible.builtin.env', 'AWS_ACCESS_KEY_ID') | default('sandbox', true) }}",
    "aws_secret_key": "{{ lookup('ansible.builtin.env', 'AWS_SECRET_ACCESS_KEY') | default('sandbox', true) }}",
    "vpn_name": VPN_NAME,
    "hosted_zone": "example.com",
    "create_hosted_zone": True,
    "directory_name": "corp.example.com",
    "directory_short_name": "CORP",
    "directory_password": DIRECTORY_PASSWORD,
    "resource_tags": {"project": "multiregion-client-vpn", "environment": "bench"},
}


def regions(branches):
    """The Home Region and the first ``branches`` Branch Regions."""
    if not 0 <= branches <= len(BRANCH_REGIONS):
        raise ValueError(f"--branches must be between 0 and {len(BRANCH_REGIONS)}")
    return [HOME_REGION, *BRANCH_REGIONS[:branches]]


def region_host(region, index):
    zones = ZONES.get(region, ("a", "b"))
    second = 10 * (index + 1)
    return {
        "vpc_cidr": f"10.{second}.0.0/16",
        "subnets": [{"cidr": f"10.{second}.{n + 1}.0/24", "az": f"{region}{zone}"} for n, zone in enumerate(zones)],
        "client_cidr": f"172.16.{4 * index}.0/22",
        "probe_ip": probe_ip(region),
    }


def probe_ip(region):
    return f"198.18.{LATENCY_REGIONS.index(region)}.10"


def hosts(branches):
    names = regions(branches)
    return {
        "all": {
            "children": {
                "home": {"hosts": {names[0]: region_host(names[0], 0)}},
                "branches": {"hosts": {name: region_host(name, i + 1) for i, name in enumerate(names[1:])}},
            }
        }
    }


def group_vars_for(branches, group_vars=None):
    """GROUP_VARS, with the directory's additional-Region limit raised past AWS's quota when N needs it."""
    variables = dict(GROUP_VARS)
    if branches > AWS_ADDITIONAL_REGIONS_QUOTA:
        variables["directory_additional_regions_limit"] = branches
    variables.update(group_vars or {})
    return variables


def write(directory, branches, group_vars=None):
    """Write <directory>/hosts.yml and group_vars/all.yml; returns the inventory directory."""
    directory = Path(directory)
    (directory / "group_vars").mkdir(parents=True, exist_ok=True)
    (directory / "hosts.yml").write_text("---\n" + yaml.safe_dump(hosts(branches), sort_keys=False))
    variables = group_vars_for(branches, group_vars)
    (directory / "group_vars" / "all.yml").write_text("---\n" + yaml.safe_dump(variables, sort_keys=False))
    return directory
