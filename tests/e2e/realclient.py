"""A real OpenVPN client on what the collection deployed: the lab around netlab.py, and its checks.

The lifecycle (tests/integration/test_lifecycle.py, its ``real_client`` steps) runs these against its own
deployment of inventories/sandbox (1 Home + 2 Branches), right after verify: no second deploy. Inside
network namespaces (no traffic leaves the machine), unmodified Debian software stands in for AWS's data
plane:

* Samba AD DC (``samba-tool domain provision``) with the inventory's directory name, short name and
  password, and the directory's ``Admin`` account;
* per Region, an OpenVPN server on TCP 443 presenting the server certificate and key that the
  certificates role generated and imported into ACM (checked against ACM's copy), authenticating
  users against Samba over LDAP (openvpn-auth-ldap), handing out the endpoint's client CIDR;
* BIND with one view per client network (each Region's ``probe_ip``), serving the hosted zone exactly
  as ListResourceRecordSets returns it (the wildcard included), its latency records answered as
  TestDNSAnswer answers that network, and each endpoint name resolving to its stand-in server;
* the OpenVPN client running the ``.ovpn`` written by the client_config role, unmodified
  (``remote-random-hostname`` in force), with user ``admin`` and the inventory's password.

Needs root, network namespaces and TUN devices: skipped (with the reason) where the machine has none, and
under CI=true failed instead unless E2E_ALLOW_SKIP=1. Installs its Debian packages when missing (apt-get).
``make e2e`` runs the lifecycle's deploy and these steps alone.
"""

import contextlib
import ipaddress
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import netlab  # noqa: E402

INVENTORY = REPO / "inventories" / "sandbox"
DIRECTORY = ["directory-service-authentication"]
# The password the lab gives the members of the directory's groups that it mirrors (the sandbox keeps only hashes).
MEMBER_PASSWORD = "Lab-Member-Passw0rd!"
# The drill's inversion without its automatic restore, relative to the repository (a controller project).
DRAIN_PLAYBOOK = "tests/e2e/playbooks/drain.yml"

# What each program needs, and the Debian package that brings it.
REQUIRED = {
    "/usr/sbin/openvpn": "openvpn",
    netlab.LDAP_PLUGIN: "openvpn-auth-ldap",
    "/usr/sbin/samba": "samba-ad-dc",
    "/usr/bin/samba-tool": "samba",
    "/usr/share/samba/setup/ad-schema": "samba-ad-provision",
    "/usr/sbin/named": "bind9",
    "/usr/bin/ldapsearch": "ldap-utils",
    "/usr/bin/ping": "iputils-ping",
    "/usr/bin/ss": "iproute2",
    "/usr/sbin/nft": "nftables",
}
PACKAGES = [
    "openvpn",
    "openvpn-auth-ldap",
    "samba",
    "samba-ad-dc",
    "samba-ad-provision",
    "bind9",
    "ldap-utils",
    "iputils-ping",
    "iproute2",
    "nftables",
]


def skip(reason):
    """Skip with the reason; under CI (CI=true) fail instead, unless E2E_ALLOW_SKIP=1 says a skip is expected there.

    CI runs on machines that can run the lab: a silent skip there would hide that the real client was never tried.
    """
    if os.environ.get("CI") == "true" and os.environ.get("E2E_ALLOW_SKIP") != "1":
        pytest.fail(f"{reason} (CI=true: set E2E_ALLOW_SKIP=1 where this machine cannot run the end-to-end test)")
    pytest.skip(reason)


def ensure_packages():
    missing = sorted({pkg for path, pkg in REQUIRED.items() if not os.path.exists(path)})
    if not missing:
        return
    if shutil.which("apt-get") is None:
        skip(f"needs the Debian packages {', '.join(missing)} and this machine has no apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for argv, timeout in (
        (["apt-get", "update"], 300),
        (["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES], 900),
    ):
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, check=False)
        if proc.returncode != 0:
            pytest.fail(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    still = sorted(path for path in REQUIRED if not os.path.exists(path))
    assert not still, f"still missing after apt-get install: {still}"


def load_inventory():
    hosts = yaml.safe_load((INVENTORY / "hosts.yml").read_text())["all"]["children"]
    group_vars = yaml.safe_load((INVENTORY / "group_vars" / "all.yml").read_text())
    regions = {}
    for group in ("home", "branches"):
        for name, hostvars in ((hosts.get(group) or {}).get("hosts") or {}).items():
            regions[name] = dict(hostvars, group=group)
    return regions, group_vars


def zone_records(route53, zone_name):
    zones = route53.list_hosted_zones_by_name(DNSName=zone_name)["HostedZones"]
    zone = next(z for z in zones if z["Name"] == zone_name.rstrip(".") + "." and not z["Config"]["PrivateZone"])
    records = []
    for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone["Id"]):
        records += page["ResourceRecordSets"]
    return zone["Id"], records


def routed_answers(route53, zone_id, records, client_ip):
    """TestDNSAnswer, for a client at ``client_ip``, of every name that carries latency records."""
    answers = {}
    for record in records:
        if "Region" not in record:
            continue
        name = record["Name"].rstrip(".").replace("\\052", "*").lower()
        key = (name, record["Type"])
        if key not in answers:
            answer = route53.test_dns_answer(
                HostedZoneId=zone_id,
                RecordName=name,
                RecordType=record["Type"],
                ResolverIP=client_ip,
                EDNS0ClientSubnetIP=client_ip,
            )
            assert answer["ResponseCode"] == "NOERROR", answer
            answers[key] = answer["RecordData"]
    return answers


def region_of_answer(data, regions):
    """The Region whose endpoint a latency answer points at."""
    for region in regions:
        suffix = region.endpoint_dns_name.lstrip("*.").lower()
        if any(value.rstrip(".").lower().endswith(suffix) for value in data):
            return region.name
    return None


def directory_groups(sb, home, sids):
    """The Home directory's groups among ``sids``: ({SID: name}, {name: [member names]}), from Directory Service Data."""
    directories = sb.client("ds", home).describe_directories()["DirectoryDescriptions"]
    (directory_id,) = [d["DirectoryId"] for d in directories if d["Type"] == "MicrosoftAD"]
    data = sb.client("ds-data", home)
    names = {}
    for page in data.get_paginator("list_groups").paginate(DirectoryId=directory_id):
        names.update({g["SID"]: g["SAMAccountName"] for g in page["Groups"] if g["SID"] in sids})
    members = {}
    for name in names.values():
        pages = data.get_paginator("list_group_members").paginate(DirectoryId=directory_id, SAMAccountName=name)
        members[name] = [m["SAMAccountName"] for page in pages for m in page["Members"] if m["MemberType"] == "USER"]
    return names, members


# ------------------------------------------------------------------------------------------ the lab


def remove_unless_kept(path):
    """Remove a work directory (logs, credentials, keys), unless E2E_KEEP=1 asks to keep it for debugging."""
    if os.environ.get("E2E_KEEP") == "1":
        print(f"E2E_KEEP=1: kept {path}")
        return
    shutil.rmtree(path, ignore_errors=True)


def prepare_machine():
    """Skip (or fail under CI) where the lab cannot run; install its Debian packages when missing."""
    reason = netlab.machine_can_run()
    if reason:
        skip(f"end-to-end test skipped: {reason}")
    ensure_packages()


def collect(sb, pki, client_file):
    """What the deploy left: endpoints, the certificates they use (found in ``pki``), the client file."""
    inventory, group_vars = load_inventory()
    regions = []
    for name, hostvars in inventory.items():
        ec2 = sb.client("ec2", name)
        endpoints = ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        assert len(endpoints) == 1, f"{name}: expected one Client VPN endpoint, found {len(endpoints)}"
        endpoint = endpoints[0]
        assert endpoint["Status"]["Code"] == "available", endpoint["Status"]
        assert endpoint["TransportProtocol"] == "tcp" and endpoint["VpnPort"] == 443
        # Directory authentication (vpn_authentication directory), with mutual TLS too (directory+certificate): the
        # clients' certificates are of the server certificate's CA, the chain ACM holds with it.
        kinds = [a["Type"] for a in endpoint["AuthenticationOptions"]]
        assert kinds in (DIRECTORY, DIRECTORY + ["certificate-authentication"]), kinds
        for option in endpoint["AuthenticationOptions"][1:]:
            chain_arn = option["MutualAuthentication"]["ClientRootCertificateChain"]
            assert chain_arn == endpoint["ServerCertificateArn"], option
        # The stand-in presents exactly the certificate the endpoint uses in ACM, with its generated key.
        acm = sb.client("acm", name).get_certificate(CertificateArn=endpoint["ServerCertificateArn"])
        cert_file = next(
            (p for p in sorted(Path(pki).rglob("server.crt")) if p.read_text().strip() == acm["Certificate"].strip()),
            None,
        )
        assert cert_file is not None, f"{name}: the ACM certificate of the endpoint is none of the generated files"
        ca_file = cert_file.parent / "ca.crt"
        assert ca_file.read_text().strip() in acm.get("CertificateChain", ""), f"{name}: ACM chain is not the CA"
        subnet = hostvars["subnets"][0]["cidr"]
        regions.append(
            netlab.Region(
                name=name,
                endpoint_dns_name=endpoint["DnsName"],
                client_cidr=endpoint["ClientCidrBlock"],
                vpc_cidr=hostvars["vpc_cidr"],
                vpc_address=str(next(ipaddress.ip_network(subnet).hosts()) + 9),
                server_certificate=cert_file,
                server_key=cert_file.parent / "server.key",
                ca_certificate=ca_file,
                mutual=len(kinds) > 1,
            )
        )
    assert Path(client_file).exists(), f"client_config wrote no {Path(client_file).name}"
    return {
        "sandbox": sb,
        "home": next(name for name, hv in inventory.items() if hv["group"] == "home"),
        "regions": regions,
        "networks": [netlab.ClientNetwork(name=name, client_ip=hv["probe_ip"]) for name, hv in inventory.items()],
        "group_vars": group_vars,
        "client_file": Path(client_file),
        # Each user's own client file with mutual TLS (playbooks/client_certificate.yml): <artifacts>/clients/<user>.ovpn.
        "clients_dir": Path(client_file).parent / "clients",
        "directory": netlab.Directory(
            group_vars["directory_name"], group_vars["directory_short_name"], group_vars["directory_password"]
        ),
    }


class Bench:
    """The lab plus the deployment: serves DNS from the sandbox's current state, connects clients."""

    def __init__(self, lab, deployment):
        self.lab = lab
        self.d = deployment
        self.route53 = deployment["sandbox"].client("route53")
        self.regions = deployment["regions"]
        self.expected = {}  # client network name -> Region its latency answer points at

    def serve_dns(self):
        """(Re)start BIND (a view per client network) from ListResourceRecordSets + TestDNSAnswer as they are now."""
        zone_id, records = zone_records(self.route53, self.d["group_vars"]["hosted_zone"])
        names = {r["Name"].replace("\\052", "*") for r in records}
        vpn = self.d["group_vars"]["vpn_name"]
        assert f"*.{vpn}." in names, f"the zone has no wildcard record for remote-random-hostname: {sorted(names)}"
        zone = self.d["group_vars"]["hosted_zone"]
        views = {}
        for net in self.d["networks"]:
            answers = routed_answers(self.route53, zone_id, records, net.client_ip)
            self.expected[net.name] = region_of_answer(answers[(vpn, "CNAME")], self.regions)
            views[net] = netlab.zone_file(zone, records, answers)
        self.lab.start_dns(zone, views, self.regions)

    def connect(self, net, password, tag, user="admin"):
        """The user's client file with mutual TLS (its certificate and key), else the one file every user gets."""
        mutual = any(region.mutual for region in self.regions)
        client_file = self.d["clients_dir"] / f"{user}.ovpn" if mutual else self.d["client_file"]
        assert client_file.is_file(), f"no client file {client_file} for {user}"
        return self.lab.connect(net, client_file, user, password, tag)

    def endpoint_id(self, name):
        """The ID of the Region's one endpoint, as the sandbox holds it now (the rotation replaces a Branch's)."""
        (endpoint,) = self.d["sandbox"].client("ec2", name).describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        return endpoint["ClientVpnEndpointId"]

    def load_revocations(self, name):
        """The revocation list the Region's endpoint holds now, given to its stand-in server (restarted with it).
        Returns the list's PEM, or None while the endpoint holds none."""
        region = next(r for r in self.regions if r.name == name)
        held = (
            self.d["sandbox"]
            .client("ec2", name)
            .export_client_vpn_client_certificate_revocation_list(ClientVpnEndpointId=self.endpoint_id(name))
            .get("CertificateRevocationList")
        )
        if not held:
            return None
        path = self.lab.server_dirs[name] / "crl.pem"
        path.write_text(held)
        region.crl = path
        self.lab.restart_server(region)
        return held

    def authorize(self, name):
        """The Region's endpoint's authorization rules, as the sandbox holds them now, applied to its stand-in server.

        A rule's group is found by its SID among the directory's groups and mirrored into the lab's directory with its
        members (password MEMBER_PASSWORD); a SID the directory does not know keeps a group name nobody is in.
        Returns the rules (netlab.Rule) and {group name: [members]}.
        """
        sb = self.d["sandbox"]
        found = sb.client("ec2", name).describe_client_vpn_authorization_rules(
            ClientVpnEndpointId=self.endpoint_id(name)
        )
        sids = {r["GroupId"] for r in found["AuthorizationRules"] if not r["AccessAll"]}
        names, members = directory_groups(sb, self.d["home"], sids) if sids else ({}, {})
        rules = [
            netlab.Rule(
                r["DestinationCidr"], None if r["AccessAll"] else names.get(r["GroupId"], f"sid {r['GroupId']}")
            )
            for r in found["AuthorizationRules"]
        ]
        for group, users in members.items():
            self.lab.add_group(group, {user: MEMBER_PASSWORD for user in users})
        directory = self.d["directory"]
        region = next(r for r in self.regions if r.name == name)
        self.lab.authorize(region, rules, directory, f"Admin@{directory.name}", directory.admin_password)
        return rules, members

    def server_of(self, address):
        return next((r for r in self.regions if r.address == address), None)


@contextlib.contextmanager
def bench(deployment):
    """The lab built for ``deployment`` (collect()): directory, a server per Region, DNS; closed afterwards."""
    lab = netlab.Lab(tempfile.mkdtemp(prefix="e2e-lab-"))
    try:
        lab.build(deployment["regions"], deployment["networks"])
        directory = deployment["directory"]
        # The directory's Admin account (AWS Managed AD's admin), with the inventory's password.
        lab.start_directory(directory, {"Admin": directory.admin_password})
        lab.start_servers(deployment["regions"], directory, f"Admin@{directory.name}", directory.admin_password)
        ready = Bench(lab, deployment)
        for region in deployment["regions"]:
            ready.authorize(region.name)
        ready.serve_dns()
        yield ready
    finally:
        lab.close()
        remove_unless_kept(lab.workdir)


# ------------------------------------------------------------------------------------------ checks


def check_client_file(deployment):
    text = deployment["client_file"].read_text()
    lines = text.splitlines()
    vpn = deployment["group_vars"]["vpn_name"]
    assert f"remote {vpn} 443" in lines
    assert "remote-random-hostname" in lines
    assert "proto tcp" in lines and "auth-user-pass" in lines
    assert "<ca>" in lines


def check_directory_knows_admin(bench):
    directory = bench.d["directory"]
    found = bench.lab.ldap_search(
        f"Admin@{directory.name}", directory.admin_password, directory.base_dn, "(sAMAccountName=admin)"
    )
    assert found.returncode == 0 and "CN=Admin,CN=Users" in found.stdout, found.stderr


def check_each_client_reaches_its_nearest_region(bench):
    vpn = bench.d["group_vars"]["vpn_name"]
    for net in bench.d["networks"]:
        # The name resolves inside the client's namespace, through the wildcard for a random label.
        expected = next(r for r in bench.regions if r.name == bench.expected[net.name])
        resolved = bench.lab.resolve(net, f"e2e-check.{vpn}")
        assert resolved == [expected.address], f"{net.name}: e2e-check.{vpn} resolves to {resolved}"
        conn = bench.connect(net, bench.d["directory"].admin_password, f"ok-{net.name}")
        try:
            assert conn.up, f"{net.name}: tunnel did not come up\n{conn.text[-4000:]}"
            assert conn.peer() == expected.address, f"{net.name}: connected to {conn.peer()}"
            tunnel = conn.tunnel_address()
            assert tunnel and ipaddress.ip_address(tunnel) in ipaddress.ip_network(
                expected.client_cidr
            ), f"{net.name}: tunnel address {tunnel} not in {expected.client_cidr}"
            ping = conn.ping(expected.vpc_address)
            assert ping.returncode == 0, f"{net.name}: ping {expected.vpc_address} failed\n{ping.stdout}"
        finally:
            conn.close()
        # remote-random-hostname: the client asked for <random>.<vpn name>, not the VPN name itself.
        queries = bench.lab.dns_queries(net)
        random_names = [name for name, rtype in queries if name.endswith(f".{vpn}") and not name.startswith("e2e-")]
        assert random_names, f"{net.name}: the client never asked for <random>.{vpn}: {queries}"


def check_health_checks_reach_the_servers(bench):
    """Each Route 53 health check (TCP, endpoint name with its "*" replaced) reaches a listening server."""
    checks = bench.route53.list_health_checks()["HealthChecks"]
    assert len(checks) == len(bench.regions), checks
    net = bench.d["networks"][0]
    reached = set()
    for check in checks:
        config = check["HealthCheckConfig"]
        assert config["Type"] == "TCP", config
        addresses = bench.lab.resolve(net, config["FullyQualifiedDomainName"])
        assert len(addresses) == 1, f"{config['FullyQualifiedDomainName']} resolves to {addresses}"
        server = bench.server_of(addresses[0])
        assert server is not None, f"{config['FullyQualifiedDomainName']} is no stand-in server: {addresses}"
        probe = bench.lab.exec(
            bench.lab.clients[net.name],
            ["timeout", "5", "bash", "-c", f"exec 3<>/dev/tcp/{addresses[0]}/{config['Port']}"],
            check=False,
        )
        assert probe.returncode == 0, f"TCP {addresses[0]}:{config['Port']} refused: {probe.stderr}"
        reached.add(server.name)
    assert reached == {r.name for r in bench.regions}


def check_wrong_password_is_refused(bench):
    net = bench.d["networks"][0]
    conn = bench.connect(net, bench.d["directory"].admin_password + "-wrong", "wrong")
    try:
        assert not conn.up, "a wrong password brought the tunnel up"
        assert conn.auth_failed, f"no AUTH_FAILED from the server\n{conn.text[-4000:]}"
    finally:
        conn.close()


def check_drained_region_sends_its_clients_elsewhere(bench, drain):
    """``drain(region, drained)`` runs DRAIN_PLAYBOOK (the drill's inversion, kept until restored)."""
    net = bench.d["networks"][0]
    home = net.name
    drain(home, True)
    try:
        bench.serve_dns()
        moved_to = bench.expected[net.name]
        assert moved_to and moved_to != home, f"TestDNSAnswer still sends {home}'s clients to {moved_to}"
        target = next(r for r in bench.regions if r.name == moved_to)
        conn = bench.connect(net, bench.d["directory"].admin_password, "drained")
        try:
            assert conn.up, f"tunnel did not come up while {home} is drained\n{conn.text[-4000:]}"
            assert conn.peer() == target.address, f"connected to {conn.peer()}, expected {moved_to}'s server"
            ping = conn.ping(target.vpc_address)
            assert ping.returncode == 0, ping.stdout
        finally:
            conn.close()
    finally:
        drain(home, False)
        bench.serve_dns()
    assert bench.expected[net.name] == home


def check_group_rules_admit_members_only(bench, name):
    """In Region ``name``: a group's rule opens its CIDR to the group's members only, as Client VPN's longest prefix
    match does under a rule for every user on the VPC; a rule naming a SID the directory does not know opens nothing;
    the VPC stays open to everyone. ``admin`` is in no group. Clients connect from the Region's own client network."""
    rules, members = bench.authorize(name)
    region = next(r for r in bench.regions if r.name == name)
    net = next(n for n in bench.d["networks"] if n.name == name)
    bench.serve_dns()
    assert bench.expected[net.name] == name, f"{name}'s clients are answered {bench.expected[net.name]}"
    group_rules = [r for r in rules if r.group in members and members[r.group]]
    assert group_rules, f"{name}: no rule of a directory group with members: {rules}"
    unknown = [r for r in rules if r.group and r.group not in members]
    # An address in each rule's CIDR, on the server's loopback (inside the VPC the server's pushed route covers).
    target = {r: str(ipaddress.ip_network(r.cidr).network_address + 10) for r in group_rules + unknown}
    for address in target.values():
        bench.lab.add_address(region, address)
    member = members[group_rules[0].group][0]
    assert "admin" not in {u.lower() for users in members.values() for u in users}
    for user, password in ((member, MEMBER_PASSWORD), ("admin", bench.d["directory"].admin_password)):
        groups = {g for g, users in members.items() if user in users}
        conn = bench.connect(net, password, f"group-{user}", user=user)
        try:
            server_log = (bench.lab.server_dirs[name] / "server.log").read_text(errors="replace")
            assert conn.up, f"{user}: tunnel did not come up\n{conn.text[-3000:]}\n--- server:\n{server_log[-3000:]}"
            assert conn.peer() == region.address, f"{user}: connected to {conn.peer()}, not {name}'s server"
            ping = conn.ping(region.vpc_address, count=1)
            assert ping.returncode == 0, f"{user}: the VPC ({region.vpc_address}) is closed\n{ping.stdout}"
            for rule, address in target.items():
                admitted = rule.group in groups
                ping = conn.ping(address, count=1)
                assert (ping.returncode == 0) == admitted, (
                    f"{user} (groups {sorted(groups)}): {address} of the rule for {rule.group} ({rule.cidr}) is "
                    f"{'closed' if admitted else 'open'}\n{ping.stdout}"
                )
        finally:
            conn.close()


def check_revoked_certificate_is_refused(bench, user, password, revoke):
    """``user`` (a directory user with a client certificate, ``password``) connects from the Home's client network;
    ``revoke()`` revokes the certificate (playbooks/revoke_client_certificate.yml); with the list the endpoint then holds,
    the same client file is refused in the TLS handshake (the certificate, not the password) while admin still
    connects."""
    net = bench.d["networks"][0]
    home = net.name
    bench.lab.add_users({user: password})
    conn = bench.connect(net, password, f"{user}-before", user=user)
    try:
        assert conn.up, f"{user}: tunnel did not come up before the revocation\n{conn.text[-4000:]}"
    finally:
        conn.close()
    revoke()
    assert bench.load_revocations(home), f"{home}'s endpoint holds no revocation list after the revocation"
    conn = bench.connect(net, password, f"{user}-revoked", user=user)
    try:
        assert not conn.up, f"{user}: a revoked certificate brought the tunnel up"
        assert not conn.auth_failed, "refused at the password, not at the certificate"
        log = (bench.lab.server_dirs[home] / "server.log").read_text(errors="replace")
        assert "certificate revoked" in log, log[-3000:]
    finally:
        conn.close()
    conn = bench.connect(net, bench.d["directory"].admin_password, "admin-after-revocation")
    try:
        assert conn.up, f"admin: tunnel did not come up after another user's revocation\n{conn.text[-4000:]}"
    finally:
        conn.close()
