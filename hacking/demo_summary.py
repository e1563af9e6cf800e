#!/usr/bin/env python3
"""Print what `make demo` deployed: Regions, endpoints, DNS names, where each probe address lands, the client file.

Read-only calls through boto3 (AWS_ENDPOINT_URL points it at the sandbox):

    python hacking/demo_summary.py --inventory inventories/sandbox --artifacts artifacts
"""

import argparse
import os
import sys
from pathlib import Path

import boto3
import yaml


def load_inventory(path):
    """(home and branch hosts as {name: vars}, group vars) of an inventory in the collection's model."""
    path = Path(path)
    children = yaml.safe_load((path / "hosts.yml").read_text())["all"]["children"]
    group_vars = yaml.safe_load((path / "group_vars" / "all.yml").read_text())
    hosts = {}
    for group in ("home", "branches"):
        for name, host_vars in ((children.get(group) or {}).get("hosts") or {}).items():
            hosts[name] = dict(host_vars or {}, group="Home" if group == "home" else "Branch")
    return hosts, group_vars


def client(service, region):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "sandbox"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "sandbox"),
    )


def endpoint_of(region, name):
    """The live endpoint whose Name tag is ``name``, or None."""
    for endpoint in client("ec2", region).describe_client_vpn_endpoints()["ClientVpnEndpoints"]:
        tags = {t["Key"]: t["Value"] for t in endpoint.get("Tags", [])}
        if tags.get("Name") == name and endpoint["Status"]["Code"] not in ("deleting", "deleted"):
            return endpoint
    return None


def public_zone_id(name):
    r53 = client("route53", "us-east-1")
    for zone in r53.list_hosted_zones_by_name(DNSName=name)["HostedZones"]:
        if zone["Name"] == name.rstrip(".") + "." and not zone["Config"].get("PrivateZone"):
            return zone["Id"]
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", default="inventories/sandbox")
    parser.add_argument("--artifacts", default="artifacts", help="where site.yml wrote <vpn_name>.ovpn")
    args = parser.parse_args(argv)

    hosts, group_vars = load_inventory(args.inventory)
    vpn_name = group_vars["vpn_name"]
    zone_id = public_zone_id(group_vars["hosted_zone"])

    rows, by_record_value = [], {}
    for host, host_vars in hosts.items():
        region = host_vars.get("aws_region", host)
        endpoint = endpoint_of(region, f"{vpn_name}-{region}")
        dns_name = endpoint["DnsName"] if endpoint else ""
        if dns_name:
            by_record_value[("vpn" + dns_name[1:] if dns_name.startswith("*.") else dns_name).lower()] = region
        rows.append((host_vars["group"], region, endpoint, host_vars.get("probe_ip")))

    print(f"VPN name: {vpn_name}   hosted zone: {group_vars['hosted_zone']} ({zone_id or 'missing'})")
    print()
    print(f"{'Role':<8} {'Region':<14} {'Endpoint':<32} {'Status':<10} DNS name")
    for group, region, endpoint, _ in rows:
        if endpoint:
            print(
                f"{group:<8} {region:<14} {endpoint['ClientVpnEndpointId']:<32} "
                f"{endpoint['Status']['Code']:<10} {endpoint['DnsName']}"
            )
        else:
            print(f"{group:<8} {region:<14} {'(none)':<32} {'-':<10} -")
    print()
    print(f"{'Client near':<14} {'probe address':<16} {'gets':<16} answer for {vpn_name}")
    r53 = client("route53", "us-east-1")
    failures = 0
    for _, region, _, probe in rows:
        if not probe:
            continue
        answer = ""
        if zone_id:
            # The probe as resolver too: the answer must not depend on the default resolver passing the subnet on.
            result = r53.test_dns_answer(
                HostedZoneId=zone_id,
                RecordName=vpn_name,
                RecordType="CNAME",
                ResolverIP=probe,
                EDNS0ClientSubnetIP=probe,
            )
            answer = (result.get("RecordData") or [""])[0].rstrip(".").lower()
        reached = by_record_value.get(answer, "?")
        failures += reached != region
        print(f"{region:<14} {probe:<16} {reached:<16} {answer or '(no answer)'}")
    print()
    path = Path(args.artifacts) / f"{vpn_name}.ovpn"
    if path.is_file():
        remotes = sorted({line.split()[1] for line in path.read_text().splitlines() if line.startswith("remote ")})
        print(f"Client file: {path.resolve()} (mode {path.stat().st_mode & 0o777:04o}, remote {', '.join(remotes)})")
    else:
        print(f"Client file: {path} is missing")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
