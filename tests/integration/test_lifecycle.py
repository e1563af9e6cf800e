"""One deployment's whole life, run as an AWX / Automation Platform job runs it (runner/controller_job.py).

inventories/sandbox (1 Home + 2 Branches) is imported into a controller with its directory password
vault-encrypted and vpn_authentication directory+certificate (the directory's login and mutual TLS: the default
mode's path and the certificates' in one deployment); a hosted zone holding an unrelated record exists beforehand. The steps below run in
order on that one deployment, each building on the previous one's state; when a step fails, the later
ones are skipped naming it (the ``incremental`` marker, tests/conftest.py).

1. deploy (site.yml at -vvvv, time scale 0.01 so that the AWS waits are real): the job succeeds and
   changes things; no secret in any event or output, the password in no sandbox call; the directory is
   started before the peering play and the Home endpoint is created while the Branches still replicate
   (the per-Region chains overlap); the network (VPCs, subnets, groups, route tables, a peering per pair
   requested by the round-robin split), the PKI (0700, keys 0600, the VPN name and its wildcard) imported
   in every Region, the directory replicated into every Branch, an AD Connector per Branch on its
   replica's domain controllers logged in as its own service account (a directory user whose password only an
   owned secret of that Branch keeps), an endpoint per Region; the client file 0600.
2. verify: each probe address gets its own Region, the wildcard answers, no write call.
3. the real client (tests/e2e/realclient.py: Samba AD, an OpenVPN server per Region, BIND, the OpenVPN
   client in network namespaces; skipped with the reason where the machine cannot, failed instead under
   CI=true unless E2E_ALLOW_SKIP=1): the client file as AWS clients get it, the directory knows Admin,
   each client network reaches the Region Route 53 names for it and pings across, each health check
   reaches a server, a wrong password is refused, a drained Region sends its clients elsewhere; a client
   certificate revoked (playbooks/revoke_client_certificate.yml, the list imported in every Region) is refused at
   the TLS handshake. The lab's servers apply each endpoint's authorization rules (longest prefix, by the user's
   directory groups) and its revocation list; each user runs the file playbooks/client_certificate.yml wrote.
4. client_config: a 0600 file whose remote lines name the VPN name.
   offboarding (playbooks/offboard.yml) with users and sessions in the directory and on the endpoints: the user
   is disabled (data access turned on for it) and its sessions end in every Region, no one else's; a second run
   writes nothing; a Region that refuses leaves the others done and the re-run finishes it; an unknown name
   changes nothing.
5. a Branch added (us-east-2, it splits two existing pairs the other way round): the run writes only
   what AWS needs to add a Region (its side of each peering, one route, one rule, two Client VPN routes
   in each existing Region; one AddRegion; its service account: a user, its password, a secret; one health
   check and one record; the revocation list into its new endpoint), existing records, checks
   and endpoints unchanged, the PKI kept, existing peerings kept in their direction, and the grown
   deployment equals a clean deployment of four Regions (tests/lib/resources.py). For the three first
   Regions this run is the first re-run: nothing but the new Region's writes.
6. a Branch's connector account rotation (playbooks/rotate_connector_account.yml) stopped mid-way (the directory
   refuses the new password once, after the Branch's endpoint and connector are deleted): the job fails there, the
   Branch stays drained and its clients are answered elsewhere, nothing else is touched. Its re-run, one day-2 job,
   finishes the rotation with settings changed (banner, session timeout, no DNS servers, reconnect at the timeout,
   client route enforcement, an AD group rule by SID, a VPN access group by name with its member): only
   ModifyClientVpnEndpoint and the two new rules in every other Region, the group and its membership in the Home
   directory, the new endpoint made with them.
7. the rotated Branch: drained on the way, its endpoint and connector made again with the new password (the one the
   stopped run left pending), published again and answering its own clients, holding the revocation list, no other
   endpoint or record replaced. The real client again: in the Home, the access group's rule admits its member to its
   CIDR and not admin (in no group); a rule by an unknown SID admits nobody.
8. re-run of the grown inventory with those settings at -vvvv: no changed result, no write call, no secret, the PKI
   kept.
9. teardown: without confirmation nothing is called; one Branch removes that Region, its service account and
   secret, and its traces in the others; the global_dns role alone removes a record left for it; the Home refuses while Branches
   remain; the full teardown leaves nothing owned and the pre-existing zone as it was; a second teardown
   writes nothing.

The failover drill is test_route53.py's (with Route 53's health delay); a drain is also part of step 6 here.
Every step but the deploy runs at time scale 0. Fault-injection runs need deployments of their own:
throttling and lost answers are test_reliability.py's, interruption test_interruption.py's, failing
Branches test_partial_failure.py's.
"""

import json
import secrets
import shutil
import stat
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "runner"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

import deployment_checks as checks  # noqa: E402
import realclient  # noqa: E402
from controller_job import Controller  # noqa: E402
from controller_job import export_inventory  # noqa: E402
from controller_job import install_collection  # noqa: E402
from controller_job import vault_encrypt  # noqa: E402
from deployment_checks import BRANCHES  # noqa: E402
from deployment_checks import HOME  # noqa: E402
from deployment_checks import HOST_VARS  # noqa: E402
from deployment_checks import NEW_BRANCH  # noqa: E402
from deployment_checks import PASSWORD  # noqa: E402
from deployment_checks import VPN_NAME  # noqa: E402

from sandbox.clock import DURATIONS  # noqa: E402
from sandbox.handle import SandboxHandle  # noqa: E402
from tests.lib import resources  # noqa: E402

# site.yml 4 times (the last inside the rotation job), teardown.yml 3 times to the end.
pytestmark = [pytest.mark.incremental, pytest.mark.deploys(7)]

REPO = Path(__file__).resolve().parents[2]
REGIONS = [HOME, *BRANCHES]
(GROWN,) = NEW_BRANCH
CIDRS = {region: HOST_VARS[region]["vpc_cidr"] for region in REGIONS}
GROWN_CIDRS = {**CIDRS, GROWN: NEW_BRANCH[GROWN]["vpc_cidr"]}
UNRELATED = f"www.{checks.ZONE}"
# Directory 18 s, Region add 24 s, connector and associations 4.8 s at this scale; the modules poll 1 s apart.
# After the directory the Home waits for the peerings the Branches request once their Region add has started,
# then creates its endpoint: the Region add outlasts that by a clear margin on a busy 2-core machine, so the
# overlap asserted in the deploy step is not a race between Ansible's speed and the simulated waits.
TIME_SCALE = 0.01
GROUP_SID = "S-1-5-21-1111111111-2222222222-3333333333-1104"
# The Branch whose connector account the settings step's job rotates, and its secret.
ROTATED = BRANCHES[1]
ROTATED_SECRET = f"{VPN_NAME}/ad-connector"
ACCESS_GROUP = "VPN-Finance"
SETTINGS = {
    "login_banner": "Authorized use only",
    "session_timeout_hours": 12,
    "dns_servers": [],
    "vpn_authorization_groups": [{"cidr": "10.10.5.0/24", "group_sid": GROUP_SID, "description": "Finance servers"}],
    # By name: the Home creates the group with its member (alice, from the offboarding step), every Region authorizes
    # the SID the directory gives it.
    "vpn_access_groups": [
        {
            "name": ACCESS_GROUP,
            "cidrs": ["10.10.6.0/24"],
            "description": "Finance reports, by group name",
            "members": ["alice"],
        }
    ],
    "disconnect_on_session_timeout": False,
    "client_route_enforcement": True,
}
# Directory and mutual TLS: the directory's login and, from the same deployment, client certificates and revocation.
AUTHENTICATION = "directory+certificate"
# The user whose client certificate the real-client steps revoke (a directory user of the lab only).
REVOKED_USER = "leaver"
# Each endpoint has both subnets of its Region associated: a route to a peered VPC goes through each.
SUBNETS_PER_ENDPOINT = 2


class Life:
    """The deployment the steps share: the sandbox, the controller, the pre-existing zone."""

    def __init__(self, sandbox, controller, zone_id):
        self.sandbox = sandbox
        self.controller = controller
        self.zone_id = zone_id
        self.pki = controller.persistent_dir / "pki"
        self.generated_pki = None

    def job(self, playbook, extra_vars=None, limit=None, verbosity=0, status="successful"):
        """Run a job; check its status and that no secret is in its events or output."""
        job = self.controller.run(playbook, extra_vars=extra_vars, limit=limit, verbosity=verbosity)
        assert job.status == status, job.summary()
        leaked = [name for name, value in self.controller.secrets.items() if value in job.dump()]
        assert not leaked, f"{job.name}: {', '.join(leaked)} found in the job's events or output"
        return job


def make_controller(sandbox, workdir):
    """A controller with inventories/sandbox imported, its directory password vault-encrypted, in AUTHENTICATION."""
    vault_password = "vault-" + secrets.token_hex(12)
    inventory_dir = workdir / "inventory-source"
    shutil.copytree(checks.INVENTORY, inventory_dir)
    group_vars = inventory_dir / "group_vars" / "all.yml"
    variables = yaml.safe_load(group_vars.read_text())
    ciphertext = vault_encrypt(variables["directory_password"], vault_password)
    lines = [line for line in group_vars.read_text().splitlines() if not line.startswith("directory_password:")]
    lines.append(f"vpn_authentication: {AUTHENTICATION}")
    lines.append("directory_password: !vault |")
    lines += ["  " + line for line in ciphertext.splitlines()]
    group_vars.write_text("\n".join(lines) + "\n")
    inventory = export_inventory(inventory_dir, REPO)
    assert PASSWORD not in json.dumps(inventory), "the imported inventory must keep the password encrypted"

    aws_secret = "sandbox-secret-" + secrets.token_hex(16)
    controller = Controller(
        workdir=workdir / "jobs",
        collections_dir=install_collection(workdir / "ee"),
        inventory=inventory,
        # What the AWS credential injects, plus the sandbox's endpoint (real AWS needs none).
        aws_env={
            "AWS_ACCESS_KEY_ID": "AKIASANDBOX" + secrets.token_hex(4).upper(),
            "AWS_SECRET_ACCESS_KEY": aws_secret,
            "AWS_ENDPOINT_URL": sandbox.url,
        },
        vault_password=vault_password,
        persistent_dir=workdir / "persistent",
    )
    controller.secrets = {
        "directory password": PASSWORD,
        "AWS secret key": aws_secret,
        "vault password": vault_password,
        "PEM private key": "PRIVATE KEY-----",
    }
    return controller


@pytest.fixture(scope="module")
def life(sandbox_server, tmp_path_factory):
    sandbox = SandboxHandle(sandbox_server.url, HOME)
    sandbox.control("POST", "reset")
    sandbox.set_time_scale(TIME_SCALE)
    r53 = sandbox.client("route53")
    zone_id = r53.create_hosted_zone(Name=checks.ZONE, CallerReference="pre-existing")["HostedZone"]["Id"]
    unrelated = {"Name": UNRELATED, "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.80"}]}
    r53.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": unrelated}]}
    )
    yield Life(sandbox, make_controller(sandbox, tmp_path_factory.mktemp("lifecycle")), zone_id)
    sandbox.control("DELETE", "faults")


def test_deploy(life):
    sandbox = life.sandbox
    sandbox.clear_calls()
    job = life.job("site.yml", verbosity=4)
    assert job.changed(), "the first deploy must create the deployment"
    assert job.events_of("playbook_on_stats"), "the job must report its stats"
    calls = sandbox.calls()
    assert PASSWORD not in repr(calls)

    # Overlap: the directory is started before the peering play, and the Home endpoint is created while the
    # Branches are still replicating (their connectors come after their Region is Active).
    assert checks.times(calls, "CreateMicrosoftAD", HOME)[0] < checks.times(calls, "CreateVpcPeeringConnection")[0]
    home_endpoint_created = checks.times(calls, "CreateClientVpnEndpoint", HOME)
    assert len(home_endpoint_created) == 1
    connectors_created = checks.times(calls, "ConnectDirectory")
    assert len(connectors_created) == len(BRANCHES)
    # Before the first Region add can have completed (the sandbox's simulated duration), which holds however
    # slow the machine is; the connectors themselves follow their Region add.
    replicated_at = checks.times(calls, "AddRegion", HOME)[0] + DURATIONS["region_add"] * TIME_SCALE
    assert home_endpoint_created[0] < replicated_at <= connectors_created[0]
    # AddRegion is called in the primary Region, once per Branch; each connector in its own Region.
    assert [c["region"] for c in calls if c["action"] == "AddRegion"] == [HOME] * len(BRANCHES)
    assert sorted(c["region"] for c in calls if c["action"] == "ConnectDirectory") == sorted(BRANCHES)

    checks.assert_network(sandbox, CIDRS)
    checks.assert_certificates(sandbox, life.pki, REGIONS)
    directory = checks.assert_directory(sandbox, BRANCHES)
    checks.assert_endpoint(sandbox, HOME, directory["DirectoryId"], directory["DnsIpAddrs"], CIDRS, mutual=True)
    for branch in BRANCHES:
        connector_id, dc_ips = checks.assert_connector(sandbox, branch, directory["DirectoryId"])
        checks.assert_endpoint(sandbox, branch, connector_id, dc_ips, CIDRS, mutual=True)
    assert checks.latency_regions(sandbox, life.zone_id) == sorted(REGIONS)

    # What the controller keeps between jobs went to the persistent directory: the PKI (the role's default
    # <artifacts_dir>/pki) and the client file.
    client_file = life.controller.persistent_dir / f"{VPN_NAME}.ovpn"
    assert client_file.is_file() and stat.S_IMODE(client_file.stat().st_mode) == 0o600
    life.generated_pki = checks.pki_snapshot(life.pki)
    sandbox.set_time_scale(0.0)


def test_verify(life):
    sandbox = life.sandbox
    sandbox.clear_calls()
    job = life.job("playbooks/verify.yml")
    assert job.changed() == [], job.changed()
    rows = {fields[0]: fields for fields in checks.verification_rows(job.stdout, REGIONS)}
    for region in REGIONS:
        # Region, endpoint, status, checkers (successes/observations), probe, the Region it reaches, wildcard, verdict.
        probe = HOST_VARS[region]["probe_ip"]
        assert rows[region][2] == "available" and rows[region][4:] == [probe, region, "ok", "ok"], rows[region]
        ok, seen = rows[region][3].split("/")
        assert ok == seen, rows[region]
    assert sandbox.write_calls() == [], "verify is read-only"
    actions = {c["action"] for c in sandbox.calls()}
    assert "TestDNSAnswer" in actions and "GetHealthCheckStatus" in actions


@pytest.fixture(scope="module")
def real_client(life):
    """The real-client lab (tests/e2e/realclient.py) around this deployment as verify left it."""
    realclient.prepare_machine()
    # Mutual TLS: the real client runs each user's own file, with the certificate playbooks/client_certificate.yml issues.
    life.job("playbooks/client_certificate.yml", {"client_user": "admin"})
    deployment = realclient.collect(life.sandbox, life.pki, life.controller.persistent_dir / f"{VPN_NAME}.ovpn")
    with realclient.bench(deployment) as bench:
        yield bench


def test_real_client_file_is_what_aws_clients_get(real_client):
    realclient.check_client_file(real_client.d)


def test_real_client_directory_knows_admin(real_client):
    realclient.check_directory_knows_admin(real_client)


def test_real_client_reaches_its_nearest_region_and_pings_across(real_client):
    realclient.check_each_client_reaches_its_nearest_region(real_client)


def test_real_client_health_checks_reach_the_servers(real_client):
    realclient.check_health_checks_reach_the_servers(real_client)


def test_real_client_wrong_password_is_refused(real_client):
    realclient.check_wrong_password_is_refused(real_client)


def test_real_client_follows_a_drained_region(life, real_client):
    def drain(region, drained):
        life.job(realclient.DRAIN_PLAYBOOK, {"e2e_region": region, "e2e_drain": drained})

    realclient.check_drained_region_sends_its_clients_elsewhere(real_client, drain)


def test_real_client_with_a_revoked_certificate_is_refused(life, real_client):
    """playbooks/revoke_client_certificate.yml: the list imported into every endpoint; the revoked user's file is refused
    at its certificate, admin still connects. Before the Branch is added: site.yml must give the new endpoint (and the
    rotated Branch's new one) the list too."""
    life.job("playbooks/client_certificate.yml", {"client_user": REVOKED_USER})

    def revoke():
        life.sandbox.clear_calls()
        life.job("playbooks/revoke_client_certificate.yml", {"client_user": REVOKED_USER})
        imported = [c["region"] for c in life.sandbox.write_calls()]
        assert sorted(imported) == sorted(REGIONS), life.sandbox.write_calls()

    realclient.check_revoked_certificate_is_refused(real_client, REVOKED_USER, realclient.MEMBER_PASSWORD, revoke)
    # The PKI that site.yml must keep from now on: its client keys and certificates and the revocation list too.
    life.generated_pki = checks.pki_snapshot(life.pki)


def assert_holds_the_revocation_list(life, region):
    """The Region's endpoint holds the PKI's revocation list (the revoked user's serial in it)."""
    endpoint_id = checks.endpoint_of(life.sandbox, region)["ClientVpnEndpointId"]
    held = life.sandbox.client("ec2", region).export_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=endpoint_id
    )
    # As the revoke playbook imports it: the file's text (Ansible's file lookup drops its last newline).
    assert held.get("CertificateRevocationList", "").strip() == (life.pki / "crl.pem").read_text().strip(), region


def test_client_config(life):
    sandbox = life.sandbox
    dest = life.controller.persistent_dir / f"{VPN_NAME}.ovpn"
    dest.unlink()
    sandbox.clear_calls()
    job = life.job("playbooks/client_config.yml")
    assert f"Client file: {dest}" in job.stdout
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    lines = dest.read_text().splitlines()
    remotes = [line.split() for line in lines if line.startswith("remote ")]
    assert remotes and all(r[1] == VPN_NAME for r in remotes)
    assert "remote-random-hostname" in lines
    assert "<ca>" in lines
    assert sandbox.write_calls() == []


def _offboarding_setup(sandbox, users, sessions):
    """Directory users (data access then switched off again) and their sessions, as real clients would leave them.

    ``sessions``: (Region, user) pairs, one connection each. Returns each Region's endpoint ID.
    """
    ds = sandbox.client("ds", HOME)
    (directory,) = [d for d in ds.describe_directories()["DirectoryDescriptions"] if d["Type"] == "MicrosoftAD"]
    directory_id = directory["DirectoryId"]
    data = sandbox.client("ds-data", HOME)
    if ds.describe_directory_data_access(DirectoryId=directory_id)["DataAccessStatus"] != "Enabled":
        ds.enable_directory_data_access(DirectoryId=directory_id)
    for user in users:
        data.create_user(DirectoryId=directory_id, SAMAccountName=user)
        ds.reset_user_password(DirectoryId=directory_id, UserName=user, NewPassword="Us3r-" + secrets.token_hex(8))
    # offboard.yml turns it on again: disabling a user needs it.
    ds.disable_directory_data_access(DirectoryId=directory_id)
    endpoints = {}
    for region in REGIONS:
        (endpoint,) = sandbox.client("ec2", region).describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        endpoints[region] = endpoint["ClientVpnEndpointId"]
    for region, user in sessions:
        sandbox.control("POST", "client-vpn/connections", {"ClientVpnEndpointId": endpoints[region], "Username": user})
    return directory_id, endpoints


def _active_sessions(sandbox, endpoints):
    """{Region: sorted user names of the active connections}."""
    active = {}
    for region, endpoint_id in endpoints.items():
        ec2 = sandbox.client("ec2", region)
        connections = ec2.describe_client_vpn_connections(ClientVpnEndpointId=endpoint_id)["Connections"]
        active[region] = sorted(c["Username"] for c in connections if c["Status"]["Code"] == "active")
    return active


def test_offboarding_disables_the_user_and_ends_their_sessions_in_every_region(life):
    sandbox = life.sandbox
    east, west, eu = HOME, "us-west-2", "eu-west-1"
    sessions = [(east, "jdoe"), (east, "jdoe"), (eu, "jdoe"), (east, "alice"), (east, "bob"), (west, "bob")]
    directory_id, endpoints = _offboarding_setup(sandbox, ["jdoe", "alice", "bob"], sessions)
    data = sandbox.client("ds-data", HOME)

    sandbox.clear_calls()
    job = life.job("playbooks/offboard.yml", {"offboard_user": "jdoe"})
    writes = sorted((c["region"], c["action"]) for c in sandbox.write_calls())
    assert writes == sorted(
        [
            (HOME, "EnableDirectoryDataAccess"),
            (HOME, "DisableUser"),
            (east, "TerminateClientVpnConnections"),
            (eu, "TerminateClientVpnConnections"),
        ]
    ), writes
    assert data.describe_user(DirectoryId=directory_id, SAMAccountName="jdoe")["Enabled"] is False
    assert data.describe_user(DirectoryId=directory_id, SAMAccountName="alice")["Enabled"] is True
    assert _active_sessions(sandbox, endpoints) == {east: ["alice", "bob"], west: ["bob"], eu: []}
    for region, ended in ((east, 2), (eu, 1), (west, 0)):
        assert f"{region}: {ended} session(s) of jdoe ended" in job.stdout, job.stdout[-3000:]

    sandbox.clear_calls()
    job = life.job("playbooks/offboard.yml", {"offboard_user": "jdoe"})
    assert sandbox.write_calls() == [], "offboarding twice changes nothing"
    assert all(f"{region}: 0 session(s) of jdoe ended" in job.stdout for region in REGIONS)

    # One Region refuses: the others are done, and running it again finishes that Region only.
    refused = {"service": "ec2", "region": west, "action": "TerminateClientVpnConnections", "count": 1}
    refused.update(code="UnauthorizedOperation", status=403, message="Injected: not authorized")
    sandbox.control("POST", "faults", {"rules": [refused]})
    life.job("playbooks/offboard.yml", {"offboard_user": "bob"}, status="failed")
    sandbox.control("DELETE", "faults")
    assert data.describe_user(DirectoryId=directory_id, SAMAccountName="bob")["Enabled"] is False
    assert _active_sessions(sandbox, endpoints) == {east: ["alice"], west: ["bob"], eu: []}
    sandbox.clear_calls()
    life.job("playbooks/offboard.yml", {"offboard_user": "bob"})
    assert [(c["region"], c["action"]) for c in sandbox.write_calls()] == [(west, "TerminateClientVpnConnections")]
    assert _active_sessions(sandbox, endpoints) == {east: ["alice"], west: [], eu: []}

    # A name the directory does not know offboards nobody.
    sandbox.clear_calls()
    job = life.job("playbooks/offboard.yml", {"offboard_user": "jdoe2"}, status="failed")
    assert "jdoe2 is not a user of" in job.stdout
    assert sandbox.write_calls() == []


def test_add_a_branch_writes_only_what_the_new_region_needs(life):
    sandbox = life.sandbox
    records_before, checks_before = checks.zone_state(sandbox, life.zone_id)
    endpoints_before = {region: checks.endpoint_of(sandbox, region) for region in REGIONS}
    inventory = life.controller.inventory
    inventory["branches"]["hosts"].append(GROWN)
    inventory["_meta"]["hostvars"][GROWN] = NEW_BRANCH[GROWN]
    sandbox.clear_calls()
    job = life.job("site.yml")
    assert any(c.startswith(f"{GROWN}: ") for c in job.changed())
    calls = sandbox.calls()
    unexpected = []

    # EC2 in each existing Region: its side of the new peering, one VPC route, one rule, the VPN routes.
    for region in REGIONS:
        ec2 = checks.writes_by(calls, "ec2", region)
        side = (
            "CreateVpcPeeringConnection"
            if checks.requester(region, GROWN, GROWN_CIDRS) == region
            else "AcceptVpcPeeringConnection"
        )
        if ec2.pop(side, 0) != 1:
            unexpected.append(f"{region}: no {side} for the peering with {GROWN}")
        if ec2.pop("CreateTags", 0) > 1:
            unexpected.append(f"{region}: more than one CreateTags (only the new peering may need tags)")
        wanted = {"CreateRoute": 1, "AuthorizeClientVpnIngress": 1, "CreateClientVpnRoute": SUBNETS_PER_ENDPOINT}
        if dict(ec2) != wanted:
            unexpected.append(f"{region}: EC2 writes {dict(ec2)}, expected {wanted} besides the peering")
        for service in ("acm", "logs"):
            if checks.writes_by(calls, service, region):
                unexpected.append(f"{region}: {service} writes {dict(checks.writes_by(calls, service, region))}")

    # Directory Service: the Home adds the new Region; the new Region's service account is made in the directory
    # (from the Home Region, where Directory Service Data answers) and kept in its own Region; it connects.
    wanted = {("ds", HOME): {"AddRegion": 1, "ResetUserPassword": 1}, ("ds-data", HOME): {"CreateUser": 1}}
    wanted[("secretsmanager", GROWN)] = {"CreateSecret": 1}
    for (service, region), writes in wanted.items():
        if dict(checks.writes_by(calls, service, region)) != writes:
            unexpected.append(f"{region}: {service} writes {dict(checks.writes_by(calls, service, region))}")
    for branch in BRANCHES:
        for service in ("ds", "secretsmanager"):
            if checks.writes_by(calls, service, branch):
                unexpected.append(f"{branch}: {service} writes {dict(checks.writes_by(calls, service, branch))}")
    if dict(checks.writes_by(calls, "ds", GROWN)) != {"ConnectDirectory": 1}:
        unexpected.append(f"{GROWN}: Directory Service writes {dict(checks.writes_by(calls, 'ds', GROWN))}")

    # Route 53: one health check and one record for the new Region; nothing rewritten.
    route53 = checks.writes_by(calls, "route53")
    if route53.pop("ChangeTagsForResource", 0) > 1:
        unexpected.append("Route 53: more than one ChangeTagsForResource (only the new health check may need tags)")
    if dict(route53) != {"CreateHealthCheck": 1, "ChangeResourceRecordSets": 1}:
        unexpected.append(f"Route 53 writes {dict(route53)}, expected one CreateHealthCheck and one change batch")

    # No other service writes, and no write in a Region that is not in the inventory.
    others = {
        (c["service"], c["action"], c["region"])
        for c in calls
        if c["write"]
        and c["service"] not in ("ec2", "ds", "ds-data", "secretsmanager", "acm", "route53", "logs", "sts")
    }
    if others:
        unexpected.append(f"writes to other services: {sorted(others)}")
    strays = {
        (c["service"], c["action"], c["region"])
        for c in calls
        if c["write"] and c["service"] != "route53" and c["region"] not in GROWN_CIDRS
    }
    if strays:
        unexpected.append(f"writes outside the inventory's Regions: {sorted(strays)}")
    assert not unexpected, "\n".join(unexpected)

    # The revocation list made before this Region existed: imported into its new endpoint, once.
    assert checks.writes_by(calls, "ec2", GROWN)["ImportClientVpnClientCertificateRevocationList"] == 1
    assert_holds_the_revocation_list(life, GROWN)

    # What AWS holds: existing records, checks and endpoints as they were; the new Region's record and check.
    records_after, checks_after = checks.zone_state(sandbox, life.zone_id)
    assert {key: records_after.get(key) for key in records_before} == records_before, "an existing record changed"
    new_records = {key: record for key, record in records_after.items() if key not in records_before}
    assert [(name, kind) for name, kind, _ in new_records] == [(f"{VPN_NAME}.", "CNAME")], new_records
    (new_record,) = new_records.values()
    assert new_record["Region"] == GROWN
    assert {i: checks_after.get(i) for i in checks_before} == checks_before, "an existing health check changed"
    assert set(checks_after) - set(checks_before) == {new_record["HealthCheckId"]}
    for region in REGIONS:
        assert checks.endpoint_of(sandbox, region) == endpoints_before[region], f"{region}'s endpoint changed"
    assert checks.pki_snapshot(life.pki) == life.generated_pki, "the PKI was regenerated"
    # The existing pairs keep the direction of their first split; the new Region's pairs follow the grown one.
    checks.assert_network(
        sandbox,
        GROWN_CIDRS,
        lambda region, other: checks.requester(region, other, GROWN_CIDRS if GROWN in (region, other) else CIDRS),
    )
    checks.assert_certificates(sandbox, life.pki, GROWN_CIDRS)

    # The grown deployment is a clean deployment of the four Regions: nothing duplicated, nothing missing.
    topology = [(region, {**HOST_VARS, **NEW_BRANCH}[region]) for region in GROWN_CIDRS]
    actual = resources.snapshot(sandbox.client, list(GROWN_CIDRS))
    actual["record"] = [r for r in actual["record"] if r[0] != UNRELATED + "."]
    wanted = resources.expected(topology)
    for snapshot in (actual, wanted):
        snapshot["peering"] = sorted((*sorted(pair), status) for *pair, status in snapshot["peering"])
        # The zone existed before the deploy: no ownership either way.
        snapshot.pop("hosted_zone")
    problems = resources.differences(actual, wanted)
    assert not problems, "\n".join(problems)


def _rotation_state(sandbox, zone_id):
    """What the rotation replaces or keeps: the secret's AWSCURRENT version, the rotated Branch's connector and
    endpoint IDs, every other endpoint's ID, the other Regions' records."""
    secrets_client = sandbox.client("secretsmanager", ROTATED)
    stages = secrets_client.describe_secret(SecretId=ROTATED_SECRET)["VersionIdsToStages"]
    connectors = sandbox.client("ds", ROTATED).describe_directories()["DirectoryDescriptions"]
    records, dummy = checks.zone_state(sandbox, zone_id)
    return {
        "current": [v for v, labels in stages.items() if "AWSCURRENT" in labels],
        "connector": [d["DirectoryId"] for d in connectors if d["Type"] == "ADConnector"],
        "endpoints": {r: checks.endpoint_of(sandbox, r)["ClientVpnEndpointId"] for r in GROWN_CIDRS},
        "records": {key: record for key, record in records.items() if key[2] != ROTATED},
    }


def test_a_rotation_stopped_mid_way_leaves_the_branch_drained_and_the_others_serving(life):
    """The rotation job stopped between deleting the Branch's endpoint and connector and making them again: the
    directory refuses the new password once. The job fails there and makes nothing (any_errors_fatal: no site.yml play
    starts); the Branch stays drained, its clients answered another Region; no other Region's endpoint or record is
    touched. The next step's job is the re-run that finishes the rotation."""
    sandbox = life.sandbox
    life.before_rotation = _rotation_state(sandbox, life.zone_id)
    refused = {"service": "ds", "region": HOME, "action": "ResetUserPassword", "count": 1, "status": 400}
    refused.update(code="ClientException", message="Injected: the directory refused the new password")
    sandbox.control("POST", "faults", {"rules": [refused]})
    sandbox.clear_calls()
    try:
        job = life.job("playbooks/rotate_connector_account.yml", {"rotate_region": ROTATED}, status="failed")
    finally:
        sandbox.control("DELETE", "faults")
    done = [c for c in sandbox.write_calls() if c["status"] < 400]
    # Route 53: the drain (the Branch's health check inverted); the rest: the deletions and the pending password.
    assert checks.writes_by(done, "route53") == {"UpdateHealthCheck": 1}, checks.writes_by(done, "route53")
    writes = sorted((c["service"], c["action"], c["region"]) for c in done if c["service"] != "route53")
    assert writes == [
        ("ds", "DeleteDirectory", ROTATED),
        ("ec2", "DeleteClientVpnEndpoint", ROTATED),
        # The endpoint's two subnets disassociated first, as AWS requires before its deletion.
        ("ec2", "DisassociateClientVpnTargetNetwork", ROTATED),
        ("ec2", "DisassociateClientVpnTargetNetwork", ROTATED),
        ("secretsmanager", "PutSecretValue", ROTATED),
    ], writes
    records, health = checks.zone_state(sandbox, life.zone_id)
    record = records[(f"{VPN_NAME}.", "CNAME", ROTATED)]
    assert health[record["HealthCheckId"]]["HealthCheckConfig"].get("Inverted"), "the Branch is no longer drained"
    assert {key: r for key, r in records.items() if key[2] != ROTATED} == life.before_rotation["records"]
    others = {r: checks.endpoint_of(sandbox, r)["ClientVpnEndpointId"] for r in GROWN_CIDRS if r != ROTATED}
    assert others == {r: i for r, i in life.before_rotation["endpoints"].items() if r != ROTATED}
    # The verification after the drain, the last table the job printed: the Branch's probe answered another Region.
    rows = {fields[0]: fields for fields in checks.verification_rows(job.stdout, list(GROWN_CIDRS))}
    assert rows[ROTATED][5] not in (ROTATED, "") and rows[ROTATED][3].endswith("*"), rows[ROTATED]


def test_settings_change_in_place_in_the_same_job_as_a_connector_rotation(life):
    """One day-2 job, playbooks/rotate_connector_account.yml on one Branch with new settings of the inventory model
    (its site.yml run takes them; one site.yml run less for the suite). The settings reach every other endpoint in
    place: only modifications and the new rules; the group named in vpn_access_groups is created in the Home directory
    with its member and authorized by its SID; the rotated Branch's new endpoint has them from its creation."""
    sandbox = life.sandbox
    sandbox.clear_calls()
    life.rotation_job = life.job("playbooks/rotate_connector_account.yml", {"rotate_region": ROTATED, **SETTINGS})
    others = [r for r in GROWN_CIDRS if r != ROTATED]
    writes = sorted(
        (c["action"], c["region"]) for c in sandbox.write_calls() if c["service"] == "ec2" and c["region"] != ROTATED
    )
    # In every other Region: the endpoint modified, the rule by SID and the access group's rule authorized.
    assert writes == sorted(
        [("ModifyClientVpnEndpoint", r) for r in others] + [("AuthorizeClientVpnIngress", r) for r in others] * 2
    )
    # The directory: the group and its member, from the Home Region (data access is on since the offboarding step);
    # the rotation finished: the password the stopped run left pending (AWSPENDING, not put again) set in the directory
    # (Home Region) and made current, the connector made again.
    directory = {
        (c["service"], c["action"], c["region"])
        for c in sandbox.write_calls()
        if c["service"] not in ("ec2", "route53")
    }
    assert directory == {
        ("ds-data", "AddGroupMember", HOME),
        ("ds-data", "CreateGroup", HOME),
        ("ds", "ResetUserPassword", HOME),
        # The connector was deleted by the run that stopped mid-way (the step before): made again only.
        ("ds", "ConnectDirectory", ROTATED),
        ("secretsmanager", "UpdateSecretVersionStage", ROTATED),
    }, directory
    ds = sandbox.client("ds", HOME)
    (directory_id,) = [
        d["DirectoryId"] for d in ds.describe_directories()["DirectoryDescriptions"] if d["Type"] == "MicrosoftAD"
    ]
    data = sandbox.client("ds-data", HOME)
    group_sid = data.describe_group(DirectoryId=directory_id, SAMAccountName=ACCESS_GROUP)["SID"]
    members = data.list_group_members(DirectoryId=directory_id, SAMAccountName=ACCESS_GROUP)["Members"]
    assert [m["SAMAccountName"] for m in members] == ["alice"]
    for region in GROWN_CIDRS:
        endpoint = checks.endpoint_of(sandbox, region)
        assert endpoint["ClientLoginBannerOptions"] == {"Enabled": True, "BannerText": "Authorized use only"}
        assert endpoint["SessionTimeoutHours"] == 12
        assert endpoint.get("DnsServers", []) == []
        assert endpoint["DisconnectOnSessionTimeout"] is False
        assert endpoint["ClientRouteEnforcementOptions"] == {"Enforced": True}
        rules = sandbox.client("ec2", region).describe_client_vpn_authorization_rules(
            ClientVpnEndpointId=endpoint["ClientVpnEndpointId"]
        )["AuthorizationRules"]
        groups = sorted((r["DestinationCidr"], r["GroupId"], r["Description"]) for r in rules if not r["AccessAll"])
        assert groups == [
            ("10.10.5.0/24", GROUP_SID, "Finance servers"),
            ("10.10.6.0/24", group_sid, "Finance reports, by group name"),
        ], region


def test_the_rotated_branch_has_a_new_connector_password_and_endpoint_and_answers_again(life):
    """The rotation of that job (playbooks/rotate_connector_account.yml): the Branch was drained, its endpoint and
    connector made again with a new password (the sandbox makes a connector Active only when its password is the
    account's), published again and answering its own clients; the secret's former version kept as AWSPREVIOUS; no
    other endpoint or record replaced."""
    sandbox, before, job = life.sandbox, life.before_rotation, life.rotation_job
    secrets_client = sandbox.client("secretsmanager", ROTATED)
    new_password = json.loads(secrets_client.get_secret_value(SecretId=ROTATED_SECRET)["SecretString"])["password"]
    assert new_password not in job.dump() and new_password not in repr(sandbox.calls())
    stages = secrets_client.describe_secret(SecretId=ROTATED_SECRET)["VersionIdsToStages"]
    (former,) = before["current"]
    assert "AWSPREVIOUS" in stages[former] and "AWSCURRENT" not in stages[former]

    home_directory_id = sandbox.client("ds", HOME).describe_directories()["DirectoryDescriptions"][0]["DirectoryId"]
    connector_id, dummy = checks.assert_connector(sandbox, ROTATED, home_directory_id)
    endpoint = checks.endpoint_of(sandbox, ROTATED)
    assert [connector_id] != before["connector"] and endpoint["ClientVpnEndpointId"] != before["endpoints"][ROTATED]
    assert endpoint["AuthenticationOptions"][0]["ActiveDirectory"]["DirectoryId"] == connector_id
    assert_holds_the_revocation_list(life, ROTATED)
    others = {r: checks.endpoint_of(sandbox, r)["ClientVpnEndpointId"] for r in GROWN_CIDRS if r != ROTATED}
    assert others == {r: i for r, i in before["endpoints"].items() if r != ROTATED}
    # Its record names the new endpoint and its health check is no longer inverted; the other records as they were.
    records, health = checks.zone_state(sandbox, life.zone_id)
    record = records[(f"{VPN_NAME}.", "CNAME", ROTATED)]
    assert endpoint["ClientVpnEndpointId"] in record["ResourceRecords"][0]["Value"]
    assert not health[record["HealthCheckId"]]["HealthCheckConfig"].get("Inverted")
    assert {key: r for key, r in records.items() if key[2] != ROTATED} == before["records"]
    # Drained on the way: the verification after the drain shows the Branch's probe answered another Region.
    drained = [fields for fields in checks.verification_rows(job.stdout, list(GROWN_CIDRS)) if fields[3].endswith("*")]
    assert drained and all(fields[0] == ROTATED and fields[5] != ROTATED for fields in drained), drained
    # The last verification table (the last row of each Region): every probe reaches its own Region.
    rows = {fields[0]: fields for fields in checks.verification_rows(job.stdout, list(GROWN_CIDRS))}
    for region in GROWN_CIDRS:
        probe = {**HOST_VARS, **NEW_BRANCH}[region]["probe_ip"]
        assert rows[region][4:] == [probe, region, "ok", "ok"], rows[region]


def test_real_client_group_rule_admits_its_members_only(life, real_client):
    """The real client after the settings step's rules (the lab's servers apply each endpoint's rules by the user's
    directory groups, tests/e2e/client_connect.py): in the Home, ACCESS_GROUP's member reaches the group's CIDR and
    admin, in no group, connects but does not; the rule for a SID the directory lacks opens its CIDR to nobody."""
    life.job("playbooks/client_certificate.yml", {"client_user": "alice"})
    life.generated_pki = checks.pki_snapshot(life.pki)  # with alice's key and certificate, for the re-run's check
    realclient.check_group_rules_admit_members_only(real_client, HOME)


def test_rerun_of_the_grown_inventory_writes_nothing(life):
    """The idempotence run, after every change the steps made: every Region (the three first, the one added, the
    rotated Branch's new connector and endpoint) with the settings of the rotation job (the access group and its
    member, the rules, the endpoint options), the revocation list in every endpoint, at -vvvv."""
    sandbox = life.sandbox
    sandbox.clear_calls()
    job = life.job("site.yml", SETTINGS, verbosity=4)
    assert job.changed() == [], f"the re-run changed: {job.changed()}"
    assert not job.stats.get("changed"), job.stats
    writes = sandbox.write_calls()
    assert writes == [], f"the re-run wrote: {sorted({(c['service'], c['action']) for c in writes})}"
    assert sandbox.calls(), "the re-run made no call at all"
    assert PASSWORD not in repr(sandbox.calls())
    assert checks.pki_snapshot(life.pki) == life.generated_pki


def test_teardown_without_confirmation_calls_nothing(life):
    sandbox = life.sandbox
    sandbox.clear_calls()
    job = life.job("playbooks/teardown.yml", status="failed")
    assert f"teardown_confirm={VPN_NAME}" in job.stdout
    life.job("playbooks/teardown.yml", {"teardown_confirm": "vpn.example.org"}, status="failed")
    assert sandbox.calls() == []


def test_teardown_of_one_branch_removes_that_region_only(life):
    sandbox = life.sandbox
    gone, kept = BRANCHES[0], [r for r in GROWN_CIDRS if r != BRANCHES[0]]
    before = {region: resources.owned(sandbox.client, region, VPN_NAME, checks.DIRECTORY) for region in GROWN_CIDRS}
    assert all(GROWN_CIDRS[gone] in checks.routed_cidrs(sandbox, region)["route_table"] for region in kept)
    life.job("playbooks/teardown.yml", {"teardown_confirm": VPN_NAME}, limit=gone)
    after = {region: resources.owned(sandbox.client, region, VPN_NAME, checks.DIRECTORY) for region in GROWN_CIDRS}
    # Its connector's secret too (counted by owned()), and the service account in the Home directory; the other
    # Branches keep theirs.
    assert after[gone] == {key: 0 for key in after[gone]}
    data = sandbox.client("ds-data", HOME)
    home_directory_id = sandbox.client("ds", HOME).describe_directories()["DirectoryDescriptions"][0]["DirectoryId"]
    accounts = {u["SAMAccountName"] for u in data.list_users(DirectoryId=home_directory_id)["Users"]}
    assert f"cvpn-{gone}" not in accounts and {f"cvpn-{r}" for r in kept if r != HOME} <= accounts
    for region in kept:
        # Everything stays but the peering to the removed Region.
        assert after[region] == {**before[region], "peerings": before[region]["peerings"] - 1}, region
        assert after[region]["endpoints"] == 1
        # In the same run, nothing that leads to the removed Region is left: no route through its deleted peering
        # (a blackhole on AWS), no authorization rule or Client VPN route for its VPC CIDR; the other Regions' stay.
        routed = checks.routed_cidrs(sandbox, region)
        others = sorted(GROWN_CIDRS[r] for r in kept if r != region)
        assert routed["route_table"] == others, (region, routed)
        assert routed["client_vpn_route"] == sorted(others * SUBNETS_PER_ENDPOINT), (region, routed)
        # The settings step's group rules (10.10.5.0/24 by SID, 10.10.6.0/24 by group name) stay with the others.
        assert routed["authorization_rule"] == sorted(
            [*others, GROWN_CIDRS[region], "10.10.5.0/24", "10.10.6.0/24"]
        ), routed
    # The Home directory lost its replica in the removed Region, not the others.
    ds = sandbox.client("ds", HOME)
    directory_id = ds.describe_directories()["DirectoryDescriptions"][0]["DirectoryId"]
    regions = ds.describe_regions(DirectoryId=directory_id)["RegionsDescription"]
    assert sorted(r["RegionName"] for r in regions) == sorted(kept)
    assert checks.latency_regions(sandbox, life.zone_id) == sorted(kept)
    assert len(checks.health_checks(sandbox)) == len(kept)
    assert any(r["Name"] == f"\\052.{VPN_NAME}." for r in checks.records(sandbox, life.zone_id))


def test_global_dns_removes_a_record_whose_endpoint_is_missing(life):
    """After the Branch's teardown: a latency record left for it (by hand here) is removed, nothing else."""
    sandbox = life.sandbox
    gone = BRANCHES[0]
    stale = {
        "Name": VPN_NAME,
        "Type": "CNAME",
        "SetIdentifier": gone,
        "Region": gone,
        "TTL": 60,
        "ResourceRecords": [{"Value": f"vpn.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.{gone}.amazonaws.com"}],
    }
    sandbox.client("route53").change_resource_record_sets(
        HostedZoneId=life.zone_id, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": stale}]}
    )
    sandbox.clear_calls()
    life.job("tests/integration/playbooks/day2/global_dns.yml", {"expected_missing": [gone]})
    assert checks.latency_regions(sandbox, life.zone_id) == sorted(r for r in GROWN_CIDRS if r != gone)
    assert [(c["service"], c["action"]) for c in sandbox.write_calls()] == [("route53", "ChangeResourceRecordSets")]


def test_teardown_of_the_home_waits_for_the_branches(life):
    sandbox = life.sandbox
    sandbox.clear_calls()
    job = life.job("playbooks/teardown.yml", {"teardown_confirm": VPN_NAME}, limit=HOME, status="failed")
    assert "still use" in job.stdout
    assert sandbox.write_calls() == []


def test_full_teardown_leaves_nothing_owned_and_the_zone_untouched(life):
    sandbox = life.sandbox
    life.job("playbooks/teardown.yml", {"teardown_confirm": VPN_NAME})
    for region in GROWN_CIDRS:
        counts = resources.owned(sandbox.client, region, VPN_NAME, checks.DIRECTORY)
        assert counts == {key: 0 for key in counts}, region
    assert checks.health_checks(sandbox) == []
    # The pre-existing zone stays, untagged, with only its unrelated record besides SOA and NS.
    r53 = sandbox.client("route53")
    assert r53.get_hosted_zone(Id=life.zone_id)["HostedZone"]["Name"] == checks.ZONE + "."
    assert [(r["Name"], r["Type"]) for r in checks.records(sandbox, life.zone_id)] == [(UNRELATED + ".", "A")]
    tags = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=life.zone_id.split("/")[-1])
    assert checks.OWNER_TAG not in {t["Key"] for t in tags["ResourceTagSet"].get("Tags", [])}
    # A second teardown finds nothing to remove: no write call.
    sandbox.clear_calls()
    life.job("playbooks/teardown.yml", {"teardown_confirm": VPN_NAME})
    assert sandbox.write_calls() == []
