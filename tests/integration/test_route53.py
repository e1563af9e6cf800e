"""route53_latency_record and route53_dns_answer_info through ansible-playbook against the sandbox.

Setup (boto3 through the ``sandbox`` fixture, time scale 0): one Client VPN endpoint
(TCP, certificate authentication, one associated subnet, so ``available``) in
us-east-1 and in eu-west-1, and a public hosted zone ``example.com``.

Client addresses come from the sandbox's latency table (sandbox/latency.py):
192.0.2.0/24 is nearest us-east-1, 203.0.113.0/24 nearest eu-west-1.
"""

import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.certificates import self_signed

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).parent / "playbooks" / "route53"
REGIONS = {"us-east-1": "10.41", "eu-west-1": "10.42"}
ZONE = "example.com"
RECORD = "vpn.example.com"
CLIENTS = {"us-east-1": "192.0.2.10", "eu-west-1": "203.0.113.10"}


def create_endpoint(sandbox, region, prefix):
    ec2 = sandbox.client("ec2", region)
    acm = sandbox.client("acm", region)
    vpc_id = ec2.create_vpc(CidrBlock=f"{prefix}.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{prefix}.1.0/24", AvailabilityZone=f"{region}a")["Subnet"][
        "SubnetId"
    ]
    cert, key = self_signed(f"vpn.{region}.example.com")
    arn = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    endpoint = ec2.create_client_vpn_endpoint(
        ClientCidrBlock="172.16.0.0/22",
        ServerCertificateArn=arn,
        AuthenticationOptions=[
            {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChainArn": arn}}
        ],
        ConnectionLogOptions={"Enabled": False},
        TransportProtocol="tcp",
        VpcId=vpc_id,
    )
    ec2.associate_client_vpn_target_network(ClientVpnEndpointId=endpoint["ClientVpnEndpointId"], SubnetId=subnet_id)
    status = ec2.describe_client_vpn_endpoints(ClientVpnEndpointIds=[endpoint["ClientVpnEndpointId"]])[
        "ClientVpnEndpoints"
    ][0]["Status"]["Code"]
    assert status == "available"
    return endpoint["DnsName"]


def make_topology(sandbox):
    endpoints = {region: create_endpoint(sandbox, region, prefix) for region, prefix in REGIONS.items()}
    route53 = sandbox.client("route53")
    zone_id = route53.create_hosted_zone(Name=ZONE, CallerReference="route53-integration")["HostedZone"]["Id"]
    return dict(
        route53_zone=ZONE,
        route53_zone_id=zone_id.split("/")[-1],
        route53_record=RECORD,
        route53_endpoints=endpoints,
        route53_clients=CLIENTS,
    )


@pytest.fixture
def topology(sandbox):
    return make_topology(sandbox)


def zone_records(sandbox, zone_id):
    records = sandbox.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return [r for r in records if r["Type"] not in ("SOA", "NS")]


def test_latency_records_four_runs_answers_and_drain(sandbox, run_playbook, topology):
    run_playbook(PLAYBOOKS / "latency.yml", extra_vars=topology)
    # the playbook cleans up in `always`: no record, no orphaned health check
    assert zone_records(sandbox, topology["route53_zone_id"]) == []
    assert sandbox.client("route53").list_health_checks()["HealthChecks"] == []


def test_rerun_interrupted_run_absent_and_recreate(sandbox, run_playbook, topology):
    """A re-run makes no write call; an interrupted run is finished without a second health check;
    absent leaves no orphaned health check; a removed unit can be created again."""
    route53 = sandbox.client("route53")
    zone_id = topology["route53_zone_id"]
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=topology)
    checks = route53.list_health_checks()["HealthChecks"]
    assert len(checks) == 2
    assert {c["HealthCheckConfig"]["Type"] for c in checks} == {"TCP"}
    assert all(c["HealthCheckConfig"]["FullyQualifiedDomainName"].startswith("vpn.cvpn-endpoint-") for c in checks)
    assert all(len(c["CallerReference"]) <= 64 and c["CallerReference"].endswith("-1") for c in checks)
    assert len(zone_records(sandbox, zone_id)) == 3  # two latency records + the wildcard

    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=topology)
    assert sandbox.write_calls() == []
    ours = [c["action"] for c in sandbox.calls() if c["service"] == "route53"]
    # per latency record: the zone by name, the record sets of the name, the record's health check, its tags
    assert ours.count("GetHealthCheck") == 2
    assert "ListHealthChecks" not in ours
    assert "GetHealthCheckStatus" not in ours

    # a run interrupted between CreateHealthCheck and ChangeResourceRecordSets: the record is missing
    record = next(r for r in zone_records(sandbox, zone_id) if r.get("Region") == "eu-west-1")
    route53.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]}
    )
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=topology)
    checks = route53.list_health_checks()["HealthChecks"]
    assert len(checks) == 2
    assert record["HealthCheckId"] in {c["Id"] for c in checks}

    run_playbook(PLAYBOOKS / "absent.yml", extra_vars=topology)
    assert route53.list_health_checks()["HealthChecks"] == []
    assert zone_records(sandbox, zone_id) == []
    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "absent.yml", extra_vars=topology)
    assert sandbox.write_calls() == []

    # AWS refuses a deleted health check's caller reference: the next generation is used
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=topology)
    checks = route53.list_health_checks()["HealthChecks"]
    assert len(checks) == 2
    assert all(c["CallerReference"].endswith("-2") for c in checks)
    run_playbook(PLAYBOOKS / "absent.yml", extra_vars=topology)
    assert route53.list_health_checks()["HealthChecks"] == []


def test_wait_for_insync(sandbox, run_playbook, topology):
    # a record change stays PENDING for DURATIONS["route53_change"] (60 s) scaled: about 1.2 s here
    sandbox.set_time_scale(0.02)
    run_playbook(PLAYBOOKS / "wait.yml", extra_vars=topology)
    assert "GetChange" in [c["action"] for c in sandbox.calls()]
    assert sandbox.client("route53").list_health_checks()["HealthChecks"] == []


def test_retries_on_prior_request_not_complete_and_throttling(sandbox, run_playbook, topology):
    # botocore's own retries off (AWS_MAX_ATTEMPTS=1): the modules' AWSRetry must absorb the faults
    sandbox.control(
        "POST",
        "faults",
        {
            "rules": [
                {
                    "service": "route53",
                    "action": "ChangeResourceRecordSets",
                    "count": 2,
                    "code": "PriorRequestNotComplete",
                    "message": "The request was rejected because Route 53 was " "still processing a prior request.",
                },
                {"service": "route53", "action": "CreateHealthCheck", "count": 1},
                {"service": "route53", "action": "ListResourceRecordSets", "count": 1},
            ]
        },
    )
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=topology, env={"AWS_MAX_ATTEMPTS": "1"})
    errors = [c.get("error_code") for c in sandbox.calls() if c.get("error_code")]
    assert errors.count("PriorRequestNotComplete") == 2 and errors.count("Throttling") == 2
    assert len(sandbox.client("route53").list_health_checks()["HealthChecks"]) == 2
    sandbox.control("DELETE", "faults")
    run_playbook(PLAYBOOKS / "absent.yml", extra_vars=topology)


def test_errors(sandbox, run_playbook, topology):
    run_playbook(PLAYBOOKS / "errors.yml", extra_vars=topology)
    assert sandbox.client("route53").list_health_checks()["HealthChecks"] == []


def _inventory(sandbox, path):
    """One Home (us-east-1) and one Branch (eu-west-1) with their probe addresses, aimed at the sandbox."""
    hosts = {region: {"probe_ip": CLIENTS[region]} for region in REGIONS}
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "aws_endpoint_url": sandbox.url,
                "aws_access_key": "testing",
                "aws_secret_key": "testing",
                "vpn_name": RECORD,
                "hosted_zone": ZONE,
                # A check moves (FailureThreshold x RequestInterval + 10 s propagation) x scale after a change.
                "health_check": {"failure_threshold": 1, "request_interval": 30},
            },
            "children": {
                "home": {"hosts": {"us-east-1": hosts["us-east-1"]}},
                "branches": {"hosts": {"eu-west-1": hosts["eu-west-1"]}},
            },
        }
    }
    path.write_text(yaml.safe_dump(inventory))
    return path


def _name_endpoints(sandbox):
    """Tag each Region's endpoint "<vpn name>-<Region>", as site.yml names them (verify finds them so)."""
    for region in REGIONS:
        ec2 = sandbox.client("ec2", region)
        (endpoint,) = ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]
        ec2.create_tags(
            Resources=[endpoint["ClientVpnEndpointId"]], Tags=[{"Key": "Name", "Value": f"{RECORD}-{region}"}]
        )


def _tables(stdout):
    """The rows of every verification table printed: {Region: fields} per table, in order."""
    tables, current = [], None
    for line in stdout.splitlines():
        fields = line.strip().rstrip(",").strip('"').split()
        if fields[:1] == ["Region"] and "Checkers" in fields:
            current = {}
            tables.append(current)
        elif current is not None and len(fields) == 8 and fields[0] in REGIONS:
            current[fields[0]] = fields
    return tables


class HealthCommitter(threading.Thread):
    """Lets a health check's pending status change happen only once the playbook has been seen asking Route 53
    again after it: at a time scale where the delay outlasts the test, watch the call log and, after the n-th
    UpdateHealthCheck, once ``asks[n]`` TestDNSAnswer calls followed it, switch ``health_delay`` off, ask once
    (the sandbox looks at the checks: their status is the instant one) and switch it on again (a status is kept
    from there). Deterministic however slow Ansible is."""

    def __init__(self, sandbox, zone_id, asks):
        super().__init__(daemon=True)
        self.sandbox, self.zone_id, self.asks = sandbox, zone_id, asks
        self.committed, self.stop = [], threading.Event()

    def run(self):
        while not self.stop.is_set() and len(self.committed) < len(self.asks):
            calls = self.sandbox.calls()
            updates = [c["seq"] for c in calls if c["action"] == "UpdateHealthCheck"]
            n = len(self.committed)
            if len(updates) > n:
                asked = [c for c in calls if c["action"] == "TestDNSAnswer" and c["seq"] > updates[n]]
                if len(asked) >= self.asks[n]:
                    self.sandbox.control("POST", "effects", {"health_delay": False})
                    self.sandbox.client("route53").test_dns_answer(
                        HostedZoneId=self.zone_id, RecordName=RECORD, RecordType="CNAME"
                    )
                    self.sandbox.control("POST", "effects", {"health_delay": True})
                    self.committed.append(len(asked))
            time.sleep(0.2)


def test_verify_and_failover_drill_walk_the_health_delay(sandbox, run_playbook, topology, tmp_path):
    """A health check moves only after FailureThreshold x RequestInterval (+ propagation): verify right after
    publishing (new checks: the first read of each misses, no checker observation yet) must pass, and the
    failover drill must ask Route 53 again until its answers move, after the drain and after the restore, and
    say for how long it may ask."""
    _name_endpoints(sandbox)
    inventory = _inventory(sandbox, tmp_path / "hosts.yml")
    sandbox.set_time_scale(0.05)
    proc = run_playbook(PLAYBOOKS / "publish_and_verify.yml", inventory=inventory)
    (table,) = _tables(proc.stdout)
    for region in REGIONS:
        assert table[region][5:] == [region, "ok", "ok"], table[region]
    assert "for at most 90 s (failure threshold 1 x request interval 30 s + 60 s margin)" in proc.stdout

    # From now on a health check would move only after (1 x 30 + 10) s x 1000: the committer moves it once the
    # drill has asked again (2 probes a round after the drain; 1 after the restore, only the drill Region's).
    sandbox.set_time_scale(1000)
    sandbox.clear_calls()
    committer = HealthCommitter(sandbox, topology["route53_zone_id"], asks=[3, 2])
    committer.start()
    try:
        proc = run_playbook(
            REPO / "playbooks" / "failover_drill.yml", {"drill_region": "eu-west-1"}, inventory=inventory
        )
    finally:
        committer.stop.set()
        committer.join()
    assert len(committer.committed) == 2
    before, drained, restored, after = _tables(proc.stdout)
    assert drained["eu-west-1"][3].endswith("*") and drained["eu-west-1"][5:] == ["us-east-1", "ok", "ok"]
    assert drained["us-east-1"][5:] == ["us-east-1", "ok", "ok"]
    assert set(restored) == {"eu-west-1"} and restored["eu-west-1"][5] == "eu-west-1"
    for table in (before, after):
        assert [table[region][5] for region in REGIONS] == list(REGIONS)
    writes = [c["action"] for c in sandbox.write_calls()]
    assert writes == ["UpdateHealthCheck", "UpdateHealthCheck"]
    checks = sandbox.client("route53").list_health_checks()["HealthChecks"]
    assert not any(hc["HealthCheckConfig"].get("Inverted") for hc in checks)
