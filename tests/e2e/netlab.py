"""A throw-away network of Linux network namespaces running real Debian software.

The end-to-end steps (realclient.py, run by the lifecycle) wire what the collection produced in the sandbox to
unmodified Debian programs:

* a Samba Active Directory domain controller (``samba-tool domain provision``),
* one OpenVPN server (``openvpn``, TCP 443) per Region, standing in for that Region's Client VPN
  endpoint, authenticating users against Samba over LDAP with ``openvpn-auth-ldap``,
* BIND (``named``) with one view per client network, serving the hosted zone as Route 53 answers
  that network, and the endpoints' names as AWS resolves them,
* OpenVPN clients running the ``.ovpn`` written by the client_config role.

Its inputs are plain data (:class:`Region`, :class:`ClientNetwork`, :class:`DnsView` and paths), so
nothing here knows about Ansible or the sandbox. Topology::

    <p>-dc   10.99.0.2 ─┐
    <p>-s1   10.99.1.2 ─┤                       (one per Region: the endpoint's stand-in;
    <p>-s2   10.99.2.2 ─┼─ <p>-core (router) ─┬─ the Region's VPC address on its loopback)
    ...                 │   named on .1 of    ├─ <p>-c1  192.0.2.10/24   (one per client network)
                        │   each client net   └─ <p>-c2  198.51.100.10/24 ...

Every namespace, process, file under /etc/netns and the work directory is removed by
:meth:`Lab.close` (also after a failure). Nothing is routed outside the namespaces.
"""

import dataclasses
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Optional

LDAP_PLUGIN = "/usr/lib/openvpn/openvpn-auth-ldap.so"
DC_ADDRESS = "10.99.0.2"
# The servers' client-connect / client-disconnect script (authorization by directory group) and its nftables table.
CLIENT_CONNECT = Path(__file__).resolve().parent / "client_connect.py"
NFT_TABLE = "e2e"


class LabError(RuntimeError):
    """The lab could not be built or a program did not behave."""


# ------------------------------------------------------------------------------------------ inputs


@dataclasses.dataclass
class Region:
    """One Region's Client VPN endpoint, as the deploy left it."""

    name: str  # e.g. us-east-1
    endpoint_dns_name: str  # *.cvpn-endpoint-<id>.prod.clientvpn.<region>.amazonaws.com
    client_cidr: str  # the endpoint's client CIDR: the tunnel addresses the stand-in hands out
    vpc_address: str  # an address inside the Region's VPC, reachable through the tunnel
    vpc_cidr: str
    server_certificate: Path  # PEM imported into ACM for this endpoint
    server_key: Path
    ca_certificate: Path
    port: int = 443
    address: str = ""  # filled by the lab: the stand-in server's address
    mutual: bool = False  # mutual TLS too: clients present a certificate of ca_certificate
    crl: Optional[Path] = None  # the endpoint's client certificate revocation list, once it holds one


@dataclasses.dataclass(frozen=True)
class ClientNetwork:
    """A network of clients: one client address (e.g. the inventory's probe_ip of a Region)."""

    name: str  # the Region the client is near, for messages
    client_ip: str
    prefix: int = 24

    @property
    def network(self):
        return ipaddress.ip_network(f"{self.client_ip}/{self.prefix}", strict=False)

    @property
    def gateway(self):
        """The router's address on this network; BIND listens there for that network."""
        return str(next(self.network.hosts()))


@dataclasses.dataclass
class Directory:
    name: str  # FQDN, e.g. corp.example.com
    short_name: str  # NetBIOS name, e.g. CORP
    admin_password: str

    @property
    def base_dn(self):
        return ",".join(f"DC={label}" for label in self.name.split("."))


@dataclasses.dataclass(frozen=True)
class Rule:
    """An endpoint's authorization rule: a destination, and the directory group admitted to it (None: every user)."""

    cidr: str
    group: Optional[str] = None


def authorization_ruleset(rules, table=NFT_TABLE):
    """nftables ruleset and sets that admit tunnel traffic as Client VPN's authorization rules do.

    Client VPN matches a destination against the rules' CIDRs by longest prefix (0.0.0.0/0 last), and the most specific
    CIDR alone decides: a user reaches it when a rule for that CIDR admits every user or one of the user's groups;
    a destination that no rule covers is refused. Returns (ruleset text, {group name, lower case: set name}); the
    client-connect script puts each client's tunnel address into the sets of its groups.
    """
    by_cidr = {}
    for rule in rules:
        by_cidr.setdefault(ipaddress.ip_network(rule.cidr), []).append(rule.group)
    sets = {}
    chain = ['iifname != "tun*" accept']
    for cidr in sorted(by_cidr, key=lambda net: (-net.prefixlen, net)):
        groups = by_cidr[cidr]
        if None in groups:
            chain.append(f"ip daddr {cidr} accept")
            continue
        for group in sorted({g.lower() for g in groups}):
            chain.append(f"ip daddr {cidr} ip saddr @{sets.setdefault(group, f'g{len(sets)}')} accept")
        chain.append(f"ip daddr {cidr} drop")
    lines = [f"table inet {table} {{", *(f"  set {name} {{ type ipv4_addr; }}" for name in sets.values())]
    lines += ["  chain authorization {", "    type filter hook input priority filter; policy accept;"]
    lines += [f"    {line}" for line in chain] + ["    drop", "  }", "}", ""]
    return "\n".join(lines), sets


ROUTING_KEYS = (
    "Region",
    "Weight",
    "Failover",
    "GeoLocation",
    "MultiValueAnswer",
    "CidrRoutingConfig",
    "GeoProximityLocation",
)


def zone_file(zone_name, records, answers):
    """A BIND zone file holding a Route 53 zone as Route 53 answers one client network.

    ``records``: the zone's record sets as ListResourceRecordSets returns them (SOA and NS included;
    values are already in zone-file presentation format). ``answers``: for every (name, type) that
    carries routed records (latency, ...), the RecordData TestDNSAnswer gives for this client network;
    that name then holds exactly that answer. Alias records are refused (ValueError): the test never
    silently serves less than the zone holds.
    """
    origin = zone_name.rstrip(".").lower() + "."
    lines = [f"$ORIGIN {origin}", "$TTL 300"]
    routed = set()
    for record in records:
        name = record["Name"].replace("\\052", "*").lower()
        rtype = record["Type"]
        if "AliasTarget" in record:
            raise ValueError(f"alias record {name} {rtype} is not served by the test's DNS")
        values = [rr["Value"] for rr in record.get("ResourceRecords", [])]
        if any(key in record for key in ROUTING_KEYS):
            key = (name.rstrip("."), rtype)
            if key in routed:
                continue
            routed.add(key)
            if key not in answers:
                raise ValueError(f"no TestDNSAnswer for the routed record {name} {rtype}")
            values = [v if v.endswith(".") or rtype not in ("CNAME", "NS", "MX") else v + "." for v in answers[key]]
        for value in values:
            if rtype in ("CNAME", "NS") and not value.endswith("."):
                value += "."
            lines.append(f"{name} {record.get('TTL', 300)} IN {rtype} {value}")
    return "\n".join(lines) + "\n"


def endpoint_zone_name(region):
    """The DNS zone AWS serves for an endpoint: every label under its ``*`` name."""
    return region.endpoint_dns_name.lower().removeprefix("*.").rstrip(".")


def endpoint_zone_file(region):
    """AWS's side of an endpoint name: the name and every label under it resolve to the endpoint."""
    origin = endpoint_zone_name(region) + "."
    return "\n".join(
        [
            f"$ORIGIN {origin}",
            "$TTL 60",
            f"@ IN SOA ns.{origin} hostmaster.{origin} 1 60 60 600 60",
            f"@ IN NS ns.{origin}",
            f"ns IN A {region.address}",
            f"@ IN A {region.address}",
            f"* IN A {region.address}",
            "",
        ]
    )


# ------------------------------------------------------------------------------------------ the lab


def run(argv, timeout=60, check=True, **kwargs):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(map(str, argv))} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    return proc


def machine_can_run():
    """None when this machine can build the lab, else the reason it cannot (for pytest.skip)."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, TUN devices, a Samba DC)"
    if shutil.which("ip") is None:
        return "needs iproute2 (the ip command)"
    name = f"e2eprobe{uuid.uuid4().hex[:6]}"
    try:
        proc = run(["ip", "netns", "add", name], timeout=20, check=False)
        if proc.returncode != 0:
            return f"cannot create a network namespace: {proc.stderr.strip()}"
        try:
            fd = os.open("/dev/net/tun", os.O_RDWR)
            os.close(fd)
        except OSError as exc:
            return f"cannot open /dev/net/tun: {exc.strerror}"
        proc = run(["ip", "-n", name, "tuntap", "add", "dev", "tunprobe", "mode", "tun"], timeout=20, check=False)
        if proc.returncode != 0:
            return f"cannot create a TUN device: {proc.stderr.strip()}"
        proc = run(["ip", "-n", name, "link", "add", "vp0", "type", "veth", "peer", "name", "vp1"], check=False)
        if proc.returncode != 0:
            return f"cannot create a veth pair: {proc.stderr.strip()}"
    finally:
        run(["ip", "netns", "delete", name], timeout=20, check=False)
    return None


class Lab:
    """Namespaces, links and processes of one test run; :meth:`close` removes all of them."""

    def __init__(self, workdir):
        self.id = uuid.uuid4().hex[:5]
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.namespaces = []
        self.processes = []  # (name, Popen)
        self.link_index = 0
        self.server_dirs = {}  # Region name -> its server's directory

    # ---------------------------------------------------------------- plumbing
    def ns(self, role):
        return f"e2e{self.id}-{role}"

    def add_namespace(self, role):
        name = self.ns(role)
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        return name

    def link(self, ns_a, addr_a, ns_b, addr_b):
        """A veth pair between two namespaces, with addresses (CIDR notation) on each end."""
        self.link_index += 1
        a, b = f"v{self.id}a{self.link_index}", f"v{self.id}b{self.link_index}"
        run(["ip", "link", "add", a, "netns", ns_a, "type", "veth", "peer", "name", b, "netns", ns_b])
        for ns, dev, addr in ((ns_a, a, addr_a), (ns_b, b, addr_b)):
            run(["ip", "-n", ns, "addr", "add", addr, "dev", dev])
            run(["ip", "-n", ns, "link", "set", dev, "up"])

    def exec(self, ns, argv, timeout=60, check=True):
        return run(["ip", "netns", "exec", ns, *map(str, argv)], timeout=timeout, check=check)

    def spawn(self, name, ns, argv, log):
        """Start a long-running program in a namespace, its output in ``log``."""
        out = open(log, "ab")  # noqa: SIM115 closed with the process
        proc = subprocess.Popen(  # noqa: S603
            ["ip", "netns", "exec", ns, *map(str, argv)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()
        self.processes.append((name, proc))
        return proc

    def stop(self, proc, timeout=10):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=timeout)

    def close(self):
        """Stop every process, then remove the namespaces (and whatever still runs in them)."""
        for _name, proc in reversed(self.processes):
            try:
                self.stop(proc)
            except Exception:  # noqa: BLE001 cleanup goes on
                pass
        for ns in reversed(self.namespaces):
            # Daemons that left their process group (samba forks) still live in the namespace.
            pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
            for sig in (signal.SIGTERM, signal.SIGKILL):
                for pid in pids:
                    try:
                        os.kill(int(pid), sig)
                    except (ProcessLookupError, ValueError):
                        pass
                deadline = time.monotonic() + 5
                while pids and time.monotonic() < deadline:
                    pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
                    time.sleep(0.1)
            run(["ip", "netns", "delete", ns], check=False)
            shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)
        self.namespaces = []
        self.processes = []

    # ---------------------------------------------------------------- building
    def build(self, regions, client_networks):
        """Namespaces and links: a router, the DC, one server per Region, one client per network."""
        self.core = self.add_namespace("core")
        self.exec(self.core, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        self.dc = self.add_namespace("dc")
        self.link(self.core, "10.99.0.1/24", self.dc, f"{DC_ADDRESS}/24")
        self.exec(self.dc, ["ip", "route", "add", "default", "via", "10.99.0.1"])
        self.servers = {}
        for index, region in enumerate(regions, start=1):
            ns = self.add_namespace(f"s{index}")
            region.address = f"10.99.{index}.2"
            self.link(self.core, f"10.99.{index}.1/24", ns, f"{region.address}/24")
            self.exec(ns, ["ip", "route", "add", "default", "via", f"10.99.{index}.1"])
            # The Region's VPC: one of its addresses, on the server's loopback.
            self.exec(ns, ["ip", "addr", "add", f"{region.vpc_address}/32", "dev", "lo"])
            self.servers[region.name] = ns
        self.clients = {}
        for index, net in enumerate(client_networks, start=1):
            ns = self.add_namespace(f"c{index}")
            self.link(self.core, f"{net.gateway}/{net.prefix}", ns, f"{net.client_ip}/{net.prefix}")
            self.exec(ns, ["ip", "route", "add", "default", "via", net.gateway])
            # ip netns exec bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf.
            etc = Path("/etc/netns") / ns
            etc.mkdir(parents=True, exist_ok=True)
            (etc / "resolv.conf").write_text(f"nameserver {net.gateway}\noptions timeout:2 attempts:2\n")
            self.clients[net.name] = ns

    # ---------------------------------------------------------------- Samba AD DC
    def start_directory(self, directory, users, timeout=240):
        """Provision a Samba AD DC for ``directory`` and start it; ``users``: {name: password} to create."""
        target = self.workdir / "samba"
        target.mkdir(mode=0o700)
        self.exec(
            self.dc,
            [
                "samba-tool",
                "domain",
                "provision",
                f"--realm={directory.name.upper()}",
                f"--domain={directory.short_name.upper()}",
                "--server-role=dc",
                "--dns-backend=SAMBA_INTERNAL",
                f"--adminpass={directory.admin_password}",
                f"--host-ip={DC_ADDRESS}",
                "--host-name=dc1",
                f"--targetdir={target}",
            ],
            timeout=timeout,
        )
        conf = target / "etc" / "smb.conf"
        run_dir = target / "run"
        run_dir.mkdir()
        extra = [
            # openvpn-auth-ldap binds with a simple bind over plain LDAP inside the lab's namespaces;
            # Samba refuses that by default (strong auth): allow it for this throw-away DC only.
            "ldap server require strong auth = no",
            f"interfaces = {DC_ADDRESS}",
            "bind interfaces only = yes",
            f"pid directory = {run_dir}",
            f"ncalrpc dir = {run_dir}/ncalrpc",
            f"winbindd socket directory = {run_dir}/winbindd",
            f"log file = {target}/log.%m",
            "dns forwarder = ",
            # What a directory needs for LDAP authentication: LDAP, Kerberos and the domain's DNS (LDAP
            # referrals name the domain, corp.example.com: its members resolve it through the DC).
            "server services = -dnsupdate -nbt -wrepl -winbindd -smb -s3fs -rpc -drepl -kcc",
        ]
        text = conf.read_text().replace("[global]\n", "[global]\n" + "".join(f"\t{line}\n" for line in extra), 1)
        conf.write_text(text)
        for user, password in users.items():
            self.exec(self.dc, ["samba-tool", "user", "create", user, password, "-s", conf], timeout=60)
        self.samba = self.spawn("samba", self.dc, ["samba", "-s", conf, "-i", "--debug-stdout"], target / "samba.log")
        self.wait_listening(self.dc, DC_ADDRESS, 389, self.samba, timeout=60, what="samba LDAP")
        self.samba_conf = conf
        # The first searches after start can take long: ask until a subtree search answers promptly,
        # as openvpn-auth-ldap will (it gives up after its Timeout).
        user, password = next(iter(users.items()))
        deadline = time.monotonic() + 90
        while True:
            started = time.monotonic()
            found = self.ldap_search(
                f"{user}@{directory.name}", password, directory.base_dn, f"(sAMAccountName={user})"
            )
            if found.returncode == 0 and time.monotonic() - started < 5:
                break
            if time.monotonic() > deadline:
                raise LabError(f"samba does not answer LDAP searches promptly: {found.stderr.strip()}")
            time.sleep(1)

    def ldap_search(self, bind_dn, password, base, flt):
        return self.exec(
            self.dc,
            [
                "ldapsearch",
                "-LLL",
                "-x",
                "-H",
                f"ldap://{DC_ADDRESS}",
                "-D",
                bind_dn,
                "-w",
                password,
                "-b",
                base,
                flt,
                "dn",
            ],
            timeout=30,
            check=False,
        )

    def wait_listening(self, ns, address, port, proc, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LabError(f"{what} exited with {proc.returncode} before listening on {address}:{port}")
            listening = self.exec(ns, ["ss", "-Hltn", "src", f"{address}:{port}"], check=False).stdout
            if listening.strip():
                return
            time.sleep(0.3)
        raise LabError(f"{what} is not listening on {address}:{port} after {timeout}s")

    # ---------------------------------------------------------------- OpenVPN servers
    def start_servers(self, regions, directory, bind_dn, bind_password, timeout=30):
        """One OpenVPN server per Region: the ACM certificate and key, users checked against Samba."""
        self.server_login = (directory, bind_dn, bind_password)
        for region in regions:
            self.start_server(region, timeout)

    def restart_server(self, region, timeout=30):
        """Start the Region's server again with its settings as they are now (a revocation list added)."""
        name = f"openvpn-{region.name}"
        for old_name, proc in list(self.processes):
            if old_name == name:
                self.stop(proc)
                self.processes.remove((old_name, proc))
        self.start_server(region, timeout)

    def start_server(self, region, timeout=30):
        directory, bind_dn, bind_password = self.server_login
        # Like a domain member (an AD Connector), the server resolves the domain through the DC's DNS.
        ns = self.servers[region.name]
        etc = Path("/etc/netns") / ns
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text(f"nameserver {DC_ADDRESS}\noptions timeout:2 attempts:2\n")
        deadline = time.monotonic() + 60
        while DC_ADDRESS not in self.exec(ns, ["getent", "ahostsv4", directory.name], check=False).stdout:
            if time.monotonic() > deadline:
                raise LabError(f"{directory.name} does not resolve to the DC from {region.name}'s server")
            time.sleep(1)
        rdir = self.workdir / f"server-{region.name}"
        rdir.mkdir(mode=0o700, exist_ok=True)
        self.server_dirs[region.name] = rdir
        connect_script = f'"{sys.executable} {CLIENT_CONNECT} {rdir / "authorization.json"}"'
        ldap_conf = rdir / "auth-ldap.conf"
        ldap_conf.write_text(
            "<LDAP>\n"
            # The Global Catalog port: a search from the domain's root gets no referrals to the
            # DNS partitions there (on 389 libldap chases them anonymously and the search fails).
            f"\tURL\t\tldap://{DC_ADDRESS}:3268\n"
            f'\tBindDN\t\t"{bind_dn}"\n'
            f'\tPassword\t"{bind_password}"\n'
            "\tTimeout\t\t15\n"
            "\tTLSEnable\tno\n"
            "\tFollowReferrals\tno\n"
            "</LDAP>\n"
            "<Authorization>\n"
            f'\tBaseDN\t\t"{directory.base_dn}"\n'
            '\tSearchFilter\t"(&(objectClass=user)(sAMAccountName=%u))"\n'
            "\tRequireGroup\tfalse\n"
            "</Authorization>\n"
        )
        ldap_conf.chmod(0o600)
        pool = ipaddress.ip_network(region.client_cidr)
        vpc = ipaddress.ip_network(region.vpc_cidr)
        conf = rdir / "server.conf"
        conf.write_text(
            "\n".join(
                [
                    "# Stand-in for the Client VPN endpoint of " + region.name,
                    f"local {region.address}",
                    f"port {region.port}",
                    "proto tcp-server",
                    "dev tun",
                    "topology subnet",
                    f"server {pool.network_address} {pool.netmask}",
                    f"ca {region.ca_certificate}",
                    f"cert {region.server_certificate}",
                    f"key {region.server_key}",
                    "dh none",
                    "data-ciphers AES-256-GCM",
                    # Mutual TLS: the client's certificate must be of the CA (and not revoked); else none asked.
                    "verify-client-cert " + ("require" if region.mutual else "none"),
                    *([f"crl-verify {region.crl}"] if region.crl else []),
                    "username-as-common-name",
                    f'plugin {LDAP_PLUGIN} "{ldap_conf}"',
                    # Authorization by directory group, once authorize() has given the rules.
                    "script-security 2",
                    f"client-connect {connect_script}",
                    f"client-disconnect {connect_script}",
                    f'push "route {vpc.network_address} {vpc.netmask}"',
                    "keepalive 10 60",
                    "reneg-sec 0",
                    f"status {rdir / 'status.log'} 1",
                    "verb 3",
                    "",
                ]
            )
        )
        proc = self.spawn(
            f"openvpn-{region.name}", self.servers[region.name], ["openvpn", "--config", conf], rdir / "server.log"
        )
        self.wait_listening(
            self.servers[region.name],
            region.address,
            region.port,
            proc,
            timeout,
            f"openvpn server of {region.name}",
        )

    def add_address(self, region, address):
        """One more address on the stand-in server's loopback (inside the Region's networks)."""
        ns = self.servers[region.name]
        present = self.exec(ns, ["ip", "-4", "-o", "addr", "show", "dev", "lo"]).stdout
        if f" {address}/32 " not in present:
            self.exec(ns, ["ip", "addr", "add", f"{address}/32", "dev", "lo"])

    def add_users(self, users):
        """Directory users ({user: password}), each created when missing."""
        present = {
            u.lower() for u in self.exec(self.dc, ["samba-tool", "user", "list", "-s", self.samba_conf]).stdout.split()
        }
        for user, password in users.items():
            if user.lower() not in present:
                self.exec(self.dc, ["samba-tool", "user", "create", user, password, "-s", self.samba_conf])

    def add_group(self, name, members):
        """A directory group with ``members`` ({user: password}; users created when missing)."""
        self.add_users(members)
        groups = self.exec(self.dc, ["samba-tool", "group", "list", "-s", self.samba_conf]).stdout.splitlines()
        if name.lower() not in {g.strip().lower() for g in groups}:
            self.exec(self.dc, ["samba-tool", "group", "add", name, "-s", self.samba_conf])
        if members:
            self.exec(self.dc, ["samba-tool", "group", "addmembers", name, ",".join(members), "-s", self.samba_conf])

    def authorize(self, region, rules, directory, bind_dn, bind_password):
        """Apply ``rules`` (:class:`Rule`) to the Region's server: the nftables ruleset, and the file the
        client-connect script reads (0600: it holds the bind password). Clients connected before keep no group."""
        ns = self.servers[region.name]
        text, sets = authorization_ruleset(rules)
        rdir = self.server_dirs[region.name]
        (rdir / "authorization.nft").write_text(text)
        self.exec(ns, ["nft", "delete", "table", "inet", NFT_TABLE], check=False)
        self.exec(ns, ["nft", "-f", rdir / "authorization.nft"])
        config = rdir / "authorization.json"
        config.touch(mode=0o600)
        ldap = {"url": f"ldap://{DC_ADDRESS}", "bind_dn": bind_dn, "password": bind_password, "base": directory.base_dn}
        config.write_text(json.dumps({"table": NFT_TABLE, "sets": sets, "ldap": ldap}))

    # ---------------------------------------------------------------- DNS
    def start_dns(self, zone_name, views, regions, timeout=20):
        """(Re)start BIND in the router: one view per client network (match-clients), each holding the
        zone as Route 53 answers that network (``views``: {ClientNetwork: zone file text}) and the
        endpoints' zones. Recursion is on, as for a client's resolver, so CNAME chains are followed."""
        for old_name, proc in list(self.processes):
            if old_name == "named":
                self.stop(proc)
                self.processes.remove((old_name, proc))
        ddir = self.workdir / "dns"
        if ddir.exists():
            shutil.rmtree(ddir)
        ddir.mkdir()
        for region in regions:
            (ddir / f"{endpoint_zone_name(region)}.zone").write_text(endpoint_zone_file(region))
        # A local root zone: nothing is looked up outside the lab (no priming of the Internet's roots),
        # and a name in no zone of the lab gets NXDOMAIN at once.
        (ddir / "root.zone").write_text(
            "$TTL 60\n@ IN SOA ns.lab. hostmaster.lab. 1 60 60 600 60\n@ IN NS ns.lab.\nns.lab. IN A 10.99.0.1\n"
        )
        conf = [
            "options {",
            f'  directory "{ddir}";',
            f'  pid-file "{ddir / "named.pid"}";',
            f'  session-keyfile "{ddir / "session.key"}";',
            f'  managed-keys-directory "{ddir}";',
            "  listen-on port 53 { " + " ".join(f"{net.gateway};" for net in views) + " };",
            "  listen-on-v6 { none; };",
            "  recursion yes;",
            "  allow-query { any; };",
            "  allow-recursion { any; };",
            "  dnssec-validation no;",
            "  querylog yes;",
            "};",
            "controls { };",
            "logging {",
            f'  channel queries_file {{ file "{ddir / "queries.log"}"; print-time yes; }};',
            f'  channel default_file {{ file "{ddir / "named.log"}"; print-time yes; severity info; }};',
            "  category queries { queries_file; };",
            "  category default { default_file; };",
            "};",
        ]
        for net, text in views.items():
            zone_path = ddir / f"{net.name}.{zone_name}.zone"
            zone_path.write_text(text)
            conf += [
                f'view "{net.name}" {{',
                f"  match-clients {{ {net.network}; }};",
                f'  zone "." {{ type primary; file "{ddir / "root.zone"}"; }};',
                f'  zone "{zone_name}" {{ type primary; file "{zone_path}"; }};',
            ]
            for region in regions:
                zname = endpoint_zone_name(region)
                conf.append(f'  zone "{zname}" {{ type primary; file "{ddir / (zname + ".zone")}"; }};')
            conf.append("};")
        conf_path = ddir / "named.conf"
        conf_path.write_text("\n".join(conf) + "\n")
        run(["named-checkconf", "-z", conf_path], timeout=30)
        proc = self.spawn("named", self.core, ["named", "-4", "-f", "-c", conf_path], ddir / "named.out")
        deadline = time.monotonic() + timeout
        log = ddir / "named.log"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LabError(f"named exited: {(ddir / 'named.out').read_text()[-2000:]}")
            # named logs "running" once every zone of every view is loaded.
            if log.exists() and any(line.endswith(" running") for line in log.read_text().splitlines()):
                return ddir / "queries.log"
            time.sleep(0.2)
        raise LabError(f"named is not listening after {timeout}s")

    def dns_queries(self, net):
        """(name, type) of every query BIND received from the client network ``net``."""
        log = self.workdir / "dns" / "queries.log"
        found = []
        for line in (log.read_text(errors="replace") if log.exists() else "").splitlines():
            if f"view {net.name}: query:" in line:
                parts = line.split("query:", 1)[1].split()
                found.append((parts[0].lower(), parts[2]))
        return found

    def resolve(self, net, name):
        """The addresses ``name`` resolves to from the client namespace of ``net`` (glibc, like openvpn)."""
        proc = self.exec(self.clients[net.name], ["getent", "ahostsv4", name], timeout=20, check=False)
        return sorted({line.split()[0] for line in proc.stdout.splitlines() if line.strip()})

    # ---------------------------------------------------------------- OpenVPN client
    def connect(self, net, client_file, username, password, tag, timeout=60):
        """Run the real OpenVPN client with the unmodified client file from the client namespace of ``net``.

        Extra options come on the command line only (credentials file, log, bounded retries). Returns a
        :class:`Connection` (up or not); the client keeps running when up, until :meth:`Connection.close`.
        """
        cdir = self.workdir / f"client-{tag}"
        cdir.mkdir(mode=0o700)
        creds = cdir / "credentials"
        creds.write_text(f"{username}\n{password}\n")
        creds.chmod(0o600)
        log = cdir / "client.log"
        argv = [
            "openvpn",
            "--config",
            client_file,
            # auth-user-pass in the file asks on the terminal; the same option here reads a file instead.
            "--auth-user-pass",
            creds,
            "--auth-retry",
            "none",
            # A refused certificate ends the client at once instead of after its retries.
            "--tls-exit",
            "--connect-retry-max",
            "2",
            "--connect-timeout",
            "10",
            "--server-poll-timeout",
            "10",
            "--verb",
            "4",
            "--log",
            log,
        ]
        proc = self.spawn(f"client-{tag}", self.clients[net.name], argv, cdir / "client.out")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace") if log.exists() else ""
            if "Initialization Sequence Completed" in text:
                return Connection(self, net, proc, log, up=True)
            if "AUTH_FAILED" in text or proc.poll() is not None:
                # Let the client finish logging and exit on its own.
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.stop(proc)
                return Connection(self, net, proc, log, up=False)
            time.sleep(0.3)
        self.stop(proc)
        return Connection(self, net, proc, log, up=False, timed_out=True)


class Connection:
    def __init__(self, lab, net, proc, log, up, timed_out=False):
        self.lab, self.net, self.proc, self.log, self.up, self.timed_out = lab, net, proc, log, up, timed_out

    @property
    def text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def auth_failed(self):
        return "AUTH_FAILED" in self.text

    def peer(self):
        """The address the client's TCP connection went to (from the client's log)."""
        for line in self.text.splitlines():
            if "TCP connection established with" in line:
                return line.rsplit("]", 1)[1].rsplit(":", 1)[0]
        return None

    def tunnel_address(self):
        out = self.lab.exec(
            self.lab.clients[self.net.name], ["ip", "-4", "-o", "addr", "show", "dev", "tun0"], check=False
        ).stdout
        for field in out.split():
            if "/" in field and field[0].isdigit():
                return field.split("/")[0]
        return None

    def ping(self, address, count=3, timeout=20):
        """ping through the tunnel; a refused destination (dropped by the authorization rules) times out."""
        return self.lab.exec(
            self.lab.clients[self.net.name], ["ping", "-c", count, "-W", "2", address], timeout=timeout, check=False
        )

    def close(self):
        self.lab.stop(self.proc)
