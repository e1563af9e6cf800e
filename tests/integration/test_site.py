"""site.yml end to end against the sandbox: 1 Home + 2 Branches (inventories/sandbox).

One deployment at a small time scale (every AWS wait is real but short), then a re-run:

- the first run succeeds, starts the Home directory before the peering play, and creates the Home
  endpoint before the Branches' AD Connectors exist (their Regions are still replicating): the per-Region
  chains overlap instead of adding up (design.md, "Flow and parallelism");
- what AWS then holds, checked with boto3: the directory Active in us-east-1 and replicated into both
  Branches, an Active AD Connector per Branch on its replica's domain controllers, and per Region one
  available endpoint (AD authentication, TCP 443, split tunnel, the Region's domain controllers as DNS)
  with two associations, a rule per VPC and routes to the other VPCs through each subnet;
- the re-run changes nothing (PLAY RECAP changed=0 on every host) and makes no write call;
- both runs are at -vvvv, and the directory password shows in no output and in no sandbox call;
- a third run with other settings (banner, session timeout, no DNS servers, an AD group rule) modifies
  each endpoint in place and adds the rule, nothing else.

All runs in one test: a full site.yml run costs minutes of ansible-playbook time.
"""

import re
from pathlib import Path

import yaml

from sandbox.clock import DURATIONS

REPO = Path(__file__).resolve().parents[2]
INVENTORY = REPO / "inventories" / "sandbox"
PLAYBOOK = REPO / "site.yml"
HOSTS = yaml.safe_load((INVENTORY / "hosts.yml").read_text())["all"]["children"]
GROUP_VARS = yaml.safe_load((INVENTORY / "group_vars" / "all.yml").read_text())
HOME = next(iter(HOSTS["home"]["hosts"]))
BRANCHES = list(HOSTS["branches"]["hosts"])
REGIONS = {HOME: HOSTS["home"]["hosts"][HOME], **HOSTS["branches"]["hosts"]}
PASSWORD = GROUP_VARS["directory_password"]
DIRECTORY = GROUP_VARS["directory_name"]
VPN_NAME = GROUP_VARS["vpn_name"]
# Directory 18 s, Region add 24 s, connector and associations 4.8 s; the modules poll 1 s apart on such waits.
# After the directory the Home waits for the peerings the Branches request once their Region add has started,
# then creates its endpoint: the Region add must outlast that by a clear margin on a busy 2-core machine, so that
# the overlap asserted below (the Home endpoint before any Branch connector) is not a race between Ansible's
# speed and the simulated waits.
TIME_SCALE = 0.01
GROUP_SID = "S-1-5-21-1111111111-2222222222-3333333333-1104"
RECAP = re.compile(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def _recap(stdout):
    return {
        host: (int(changed), int(unreachable), int(failed))
        for host, changed, unreachable, failed in RECAP.findall(stdout)
    }


def _times(calls, action, region=None):
    return sorted(c["time"] for c in calls if c["action"] == action and (region is None or c["region"] == region))


def _check_directory(sandbox):
    ds = sandbox.client("ds", HOME)
    directories = [d for d in ds.describe_directories()["DirectoryDescriptions"] if d["Name"] == DIRECTORY]
    assert [(d["Type"], d["Edition"], d["Stage"]) for d in directories] == [("MicrosoftAD", "Enterprise", "Active")]
    directory = directories[0]
    tags = {t["Key"]: t["Value"] for t in ds.list_tags_for_resource(ResourceId=directory["DirectoryId"])["Tags"]}
    assert tags["multiregion:client_vpn"] == VPN_NAME
    regions = {
        r["RegionName"]: r for r in ds.describe_regions(DirectoryId=directory["DirectoryId"])["RegionsDescription"]
    }
    assert set(regions) == {HOME, *BRANCHES}
    assert regions[HOME]["RegionType"] == "Primary"
    for branch in BRANCHES:
        assert (regions[branch]["RegionType"], regions[branch]["Status"]) == ("Additional", "Active")
    return directory


def _check_connector(sandbox, branch, directory_id):
    ds = sandbox.client("ds", branch)
    controllers = ds.describe_domain_controllers(DirectoryId=directory_id)["DomainControllers"]
    dc_ips = sorted(dc["DnsIpAddr"] for dc in controllers)
    assert len(dc_ips) == 2
    connectors = [d for d in ds.describe_directories()["DirectoryDescriptions"] if d["Type"] == "ADConnector"]
    assert len(connectors) == 1
    connector = connectors[0]
    assert (connector["Name"], connector["Size"], connector["Stage"]) == (DIRECTORY, "Small", "Active")
    # DescribeDirectories reports the DNS servers an AD Connector uses as its DnsIpAddrs.
    assert sorted(connector["DnsIpAddrs"]) == dc_ips
    assert connector["ConnectSettings"]["CustomerUserName"] == "Admin"
    return connector["DirectoryId"], dc_ips


def _check_endpoint(sandbox, region, directory_id, dns_ips):
    ec2 = sandbox.client("ec2", region)
    endpoints = [
        e
        for e in ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        if {"Key": "Name", "Value": f"{VPN_NAME}-{region}"} in e.get("Tags", [])
    ]
    assert len(endpoints) == 1, endpoints
    endpoint = endpoints[0]
    endpoint_id = endpoint["ClientVpnEndpointId"]
    assert endpoint["Status"]["Code"] == "available"
    assert endpoint["DnsName"] == f"*.{endpoint_id}.prod.clientvpn.{region}.amazonaws.com"
    auth = endpoint["AuthenticationOptions"]
    assert [(a["Type"], a["ActiveDirectory"]["DirectoryId"]) for a in auth] == [
        ("directory-service-authentication", directory_id)
    ]
    assert (endpoint["TransportProtocol"], endpoint["VpnPort"], endpoint["SplitTunnel"]) == ("tcp", 443, True)
    assert endpoint["ClientCidrBlock"] == REGIONS[region]["client_cidr"]
    assert sorted(endpoint["DnsServers"]) == sorted(dns_ips)
    assert "SelfServicePortalUrl" not in endpoint
    assert endpoint.get("SessionTimeoutHours", 24) == 24
    tags = {t["Key"]: t["Value"] for t in endpoint["Tags"]}
    assert tags["multiregion:client_vpn"] == VPN_NAME

    networks = ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=endpoint_id)["ClientVpnTargetNetworks"]
    associated = [n for n in networks if n["Status"]["Code"] == "associated"]
    assert len(associated) == 2 and len({n["TargetNetworkId"] for n in associated}) == 2
    subnets = {n["TargetNetworkId"] for n in associated}

    rules = ec2.describe_client_vpn_authorization_rules(ClientVpnEndpointId=endpoint_id)["AuthorizationRules"]
    assert sorted((r["DestinationCidr"], r["AccessAll"], r["Status"]["Code"]) for r in rules) == sorted(
        (spec["vpc_cidr"], True, "active") for spec in REGIONS.values()
    )

    routes = ec2.describe_client_vpn_routes(ClientVpnEndpointId=endpoint_id)["Routes"]
    assert all(r["Status"]["Code"] == "active" for r in routes)
    by_hand = sorted((r["DestinationCidr"], r["TargetSubnet"]) for r in routes if r["Origin"] == "add-route")
    others = [spec["vpc_cidr"] for name, spec in REGIONS.items() if name != region]
    assert by_hand == sorted((cidr, subnet) for cidr in others for subnet in subnets)
    # The local VPC route is AWS's own (one per associated subnet), never added by hand.
    local = sorted(r["TargetSubnet"] for r in routes if r["DestinationCidr"] == REGIONS[region]["vpc_cidr"])
    assert local == sorted(subnets)
    assert all(r["Origin"] == "associate" for r in routes if r["DestinationCidr"] == REGIONS[region]["vpc_cidr"])
    return endpoint_id


def test_site_deploys_regions_in_parallel_then_reruns_without_writes(sandbox, run_playbook, tmp_path):
    extra = {"certificates_dir": str(tmp_path / "pki")}
    sandbox.set_time_scale(TIME_SCALE)

    first = run_playbook(PLAYBOOK, inventory=INVENTORY, extra_vars=extra, verbosity=4)
    recap = _recap(first.stdout)
    assert set(recap) == {HOME, *BRANCHES}
    assert all(unreachable == 0 and failed == 0 for _, unreachable, failed in recap.values())
    calls = sandbox.calls()
    assert PASSWORD not in repr(calls)

    # Overlap: the directory is started before the peering play, and the Home endpoint is created while
    # the Branches are still replicating (their connectors come after their Region is Active).
    assert _times(calls, "CreateMicrosoftAD", HOME)[0] < _times(calls, "CreateVpcPeeringConnection")[0]
    home_endpoint_created = _times(calls, "CreateClientVpnEndpoint", HOME)
    assert len(home_endpoint_created) == 1
    connectors_created = _times(calls, "ConnectDirectory")
    assert len(connectors_created) == len(BRANCHES)
    # While replicating: before the first Region add can have completed (the sandbox's simulated duration), which
    # holds however slow the machine is; the connectors themselves follow their Region add.
    replicated_at = _times(calls, "AddRegion", HOME)[0] + DURATIONS["region_add"] * TIME_SCALE
    assert home_endpoint_created[0] < replicated_at <= connectors_created[0]
    # AddRegion is called in the primary Region, once per Branch; each connector in its own Region.
    assert [c["region"] for c in calls if c["action"] == "AddRegion"] == [HOME] * len(BRANCHES)
    assert sorted(c["region"] for c in calls if c["action"] == "ConnectDirectory") == sorted(BRANCHES)

    directory = _check_directory(sandbox)
    _check_endpoint(sandbox, HOME, directory["DirectoryId"], directory["DnsIpAddrs"])
    for branch in BRANCHES:
        connector_id, dc_ips = _check_connector(sandbox, branch, directory["DirectoryId"])
        _check_endpoint(sandbox, branch, connector_id, dc_ips)

    sandbox.clear_calls()
    second = run_playbook(PLAYBOOK, inventory=INVENTORY, extra_vars=extra, verbosity=4)
    ours = [c for c in sandbox.write_calls() if c["service"] in ("ds", "ec2")]
    assert ours == [], ours
    assert sandbox.write_calls() == []
    recap = _recap(second.stdout)
    assert recap == {host: (0, 0, 0) for host in (HOME, *BRANCHES)}, recap

    for proc in (first, second):
        assert PASSWORD not in proc.stdout
        assert PASSWORD not in proc.stderr
    assert PASSWORD not in repr(sandbox.calls())

    # Settings of the inventory model reach every endpoint in place: only modifications and the new rule.
    sandbox.clear_calls()
    group_rule = {"cidr": "10.10.5.0/24", "group_sid": GROUP_SID, "description": "Finance servers"}
    settings = {
        "login_banner": "Authorized use only",
        "session_timeout_hours": 12,
        "dns_servers": [],
        "vpn_authorization_groups": [group_rule],
    }
    run_playbook(PLAYBOOK, inventory=INVENTORY, extra_vars={**extra, **settings})
    writes = sorted((c["action"], c["region"]) for c in sandbox.write_calls() if c["service"] == "ec2")
    regions = sorted((HOME, *BRANCHES))
    assert writes == sorted(
        [("ModifyClientVpnEndpoint", r) for r in regions] + [("AuthorizeClientVpnIngress", r) for r in regions]
    )
    for region in regions:
        ec2 = sandbox.client("ec2", region)
        endpoint = [
            e
            for e in ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]
            if {"Key": "Name", "Value": f"{VPN_NAME}-{region}"} in e.get("Tags", [])
        ][0]
        assert endpoint["ClientLoginBannerOptions"] == {"Enabled": True, "BannerText": "Authorized use only"}
        assert endpoint["SessionTimeoutHours"] == 12
        assert endpoint.get("DnsServers", []) == []
        rules = ec2.describe_client_vpn_authorization_rules(ClientVpnEndpointId=endpoint["ClientVpnEndpointId"])
        groups = [
            (r["DestinationCidr"], r["GroupId"], r["Description"])
            for r in rules["AuthorizationRules"]
            if not r["AccessAll"]
        ]
        assert groups == [("10.10.5.0/24", GROUP_SID, "Finance servers")]
