"""route53_latency_record and route53_dns_answer_info through ansible-playbook against the sandbox.

Setup (boto3 through the ``sandbox`` fixture, time scale 0): one Client VPN endpoint
(TCP, certificate authentication, one associated subnet, so ``available``) in
us-east-1 and in eu-west-1, and a public hosted zone ``example.com``.

Client addresses come from the sandbox's latency table (sandbox/latency.py):
192.0.2.0/24 is nearest us-east-1, 203.0.113.0/24 nearest eu-west-1.
"""

from pathlib import Path

import pytest

from tests.certificates import self_signed

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
