"""The sandbox's own machinery: call log, faults, outages, time scale, unknown calls."""

import urllib.error

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from sandbox.app import is_write
from sandbox.clock import DURATIONS
from sandbox.clock import Clock
from tests.certificates import certificate
from tests.certificates import key_pem
from tests.certificates import pem
from tests.certificates import rsa_key


def test_call_log_records_service_action_region_and_no_parameters(sandbox):
    ec2 = sandbox.client("ec2", "eu-west-1")
    ec2.create_vpc(
        CidrBlock="10.9.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "secret-looking", "Value": "Hunter2Password!"}]}],
    )
    calls = sandbox.calls()
    assert [(c["service"], c["action"], c["region"], c["write"], c["status"]) for c in calls] == [
        ("ec2", "CreateVpc", "eu-west-1", True, 200)
    ]
    assert "Hunter2Password!" not in repr(calls)
    assert set(calls[0]) == {"seq", "time", "service", "action", "region", "write", "status", "error_code"}


def test_rest_actions_are_named(sandbox):
    sandbox.client("route53").list_hosted_zones()
    assert sandbox.calls()[-1]["action"] == "ListHostedZones"


@pytest.mark.parametrize(
    "action,write",
    [
        ("CreateVpc", True),
        ("DescribeVpcs", False),
        ("ExportClientVpnClientConfiguration", False),
        ("TestDNSAnswer", False),
        ("AddRegion", True),
        ("GetHealthCheckStatus", False),
    ],
)
def test_write_classification(action, write):
    assert is_write(action) is write


def test_fault_fails_next_n_calls_with_given_code(sandbox):
    sandbox.control(
        "POST",
        "faults",
        {"rules": [{"service": "ec2", "action": "DescribeVpcs", "count": 2, "code": "InternalError", "status": 400}]},
    )
    ec2 = sandbox.client("ec2")
    for _ in range(2):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            ec2.describe_vpcs()
        assert err.value.response["Error"]["Code"] == "InternalError"
    ec2.describe_vpcs()
    assert [c["error_code"] for c in sandbox.calls()] == ["InternalError", "InternalError", None]


@pytest.mark.parametrize(
    "service,region,call,code",
    [
        ("ec2", "us-east-1", lambda c: c.describe_vpcs(), "RequestLimitExceeded"),
        ("route53", "us-east-1", lambda c: c.list_hosted_zones(), "Throttling"),
        ("ds", "us-east-1", lambda c: c.describe_directories(), "ThrottlingException"),
        ("acm", "us-east-1", lambda c: c.list_certificates(), "ThrottlingException"),
    ],
)
def test_throttling_uses_each_services_own_code(sandbox, service, region, call, code):
    sandbox.control("POST", "effects", {"ds_rate_exceeded": False})  # else DS answers ClientException half the time
    sandbox.control("POST", "faults", {"rules": [{"service": service, "rate": 1.0}]})
    plain = boto3.client(
        service,
        region_name=region,
        endpoint_url=sandbox.url,
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call(plain)
    assert err.value.response["Error"]["Code"] == code


def test_throttle_rate_is_a_fraction(sandbox):
    sandbox.control("POST", "faults", {"seed": 1, "rules": [{"service": "ec2", "rate": 0.3}]})
    # No client retries: each call is one request, answered or throttled (botocore's back-off would only add sleeps).
    ec2 = boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=sandbox.url,
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=Config(retries={"total_max_attempts": 1}),
    )
    answered = 0
    for _ in range(40):
        try:
            ec2.describe_vpcs()
            answered += 1
        except botocore.exceptions.ClientError as error:
            assert error.response["Error"]["Code"] == "RequestLimitExceeded"
    codes = [c["error_code"] for c in sandbox.calls()]
    assert len(codes) == 40
    assert codes.count(None) == answered
    assert 4 <= codes.count("RequestLimitExceeded") <= 20, codes  # 12 expected of 40 at 0.3


def test_unknown_operation_fails_loudly(sandbox):
    sandbox.control("POST", "faults", {"rules": []})
    ec2 = sandbox.client("ec2")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        ec2.describe_capacity_block_offerings(CapacityDurationHours=24)  # emulated by neither moto nor us
    assert err.value.response["Error"]["Code"] == "NotImplementedBySandbox"
    assert sandbox.calls()[-1]["status"] == 501


def test_outage_control(sandbox):
    assert sandbox.control("POST", "outage", {"region": "us-west-2"}) == {"regions": ["us-west-2"]}
    assert sandbox.control("GET", "outage") == {"regions": ["us-west-2"]}
    assert sandbox.control("DELETE", "outage", {"region": "us-west-2"}) == {"regions": []}


def test_reset_forgets_resources_and_calls(sandbox):
    sandbox.client("ec2").create_vpc(CidrBlock="10.1.0.0/16")
    sandbox.control("POST", "reset")
    assert sandbox.calls() == []
    vpcs = sandbox.client("ec2").describe_vpcs()["Vpcs"]
    assert all(v["CidrBlock"] != "10.1.0.0/16" for v in vpcs)


def test_clock_scales_durations():
    clock = Clock(0.5)
    assert clock.duration("directory_create") == DURATIONS["directory_create"] * 0.5
    clock.set_scale(0)
    assert clock.reached(clock.done_at("region_add"))


def plain_client(sandbox, service, region="us-east-1"):
    """A client that never retries (one attempt in all), so that each answer the sandbox gives is seen as it is."""
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=sandbox.url,
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def test_unknown_service_fails_loudly_in_its_error_shape(sandbox):
    # Braket (rest-json) is in botocore but emulated by neither moto nor the sandbox: moto's dispatcher used to
    # crash on such a service and answer an HTML 500, which botocore retries and cannot parse.
    client = sandbox.client("braket")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        client.search_devices(filters=[{"name": "deviceArn", "values": ["arn-1234567890"]}])
    assert err.value.response["Error"]["Code"] == "NotImplementedBySandbox"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "braket:SearchDevices" in err.value.response["Error"]["Message"]
    # Answered once (a 501 is not retried) and logged like any call, without its parameters.
    (call,) = sandbox.calls()
    assert (call["service"], call["action"], call["status"], call["error_code"], call["write"]) == (
        "braket",
        "SearchDevices",
        501,
        "NotImplementedBySandbox",
        False,
    )
    assert "arn-1234567890" not in repr(call)


def test_unknown_service_write_is_logged_as_a_write(sandbox):
    client = sandbox.client("braket")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        client.tag_resource(resourceArn="arn-1234567890", tags={"a": "b"})
    assert err.value.response["Error"]["Code"] == "NotImplementedBySandbox"
    assert [(c["action"], c["write"], c["status"]) for c in sandbox.calls()] == [("TagResource", True, 501)]


def test_fault_kind_is_validated(sandbox):
    with pytest.raises(urllib.error.HTTPError) as err:
        sandbox.control("POST", "faults", {"rules": [{"action": "CreateVpc", "count": 1, "kind": "lost"}]})
    assert err.value.code == 400
    assert sandbox.control("GET", "faults") == {"rules": []}


def test_ds_throttling_answers_client_exception_rate_exceeded_half_the_time(sandbox):
    sandbox.control("POST", "faults", {"seed": 3, "rules": [{"service": "ds", "rate": 1.0}]})
    ds = plain_client(sandbox, "ds")
    answers = []
    for _ in range(40):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            ds.describe_directories()
        error = err.value.response["Error"]
        answers.append((error["Code"], error["Message"], err.value.response["ResponseMetadata"]["HTTPStatusCode"]))
    assert set(answers) == {("ClientException", "Rate exceeded", 400), ("ThrottlingException", "Rate exceeded", 400)}
    assert 10 <= answers.count(("ClientException", "Rate exceeded", 400)) <= 30
    assert [c["error_code"] for c in sandbox.calls()] == [a[0] for a in answers]


def test_ds_rate_exceeded_effect_off_and_other_services_keep_their_code(sandbox):
    sandbox.control("POST", "faults", {"seed": 3, "rules": [{"rate": 1.0}]})
    for _ in range(10):
        with pytest.raises(botocore.exceptions.ClientError):
            plain_client(sandbox, "acm").list_certificates()
    assert {c["error_code"] for c in sandbox.calls()} == {"ThrottlingException"}
    sandbox.control("POST", "effects", {"ds_rate_exceeded": False})
    sandbox.clear_calls()
    ds = plain_client(sandbox, "ds")
    for _ in range(10):
        with pytest.raises(botocore.exceptions.ClientError):
            ds.describe_directories()
    assert {c["error_code"] for c in sandbox.calls()} == {"ThrottlingException"}


def test_explicit_fault_code_is_kept_for_ds(sandbox):
    sandbox.control(
        "POST", "faults", {"rules": [{"service": "ds", "count": 5, "code": "ServiceException", "status": 500}]}
    )
    for _ in range(5):
        with pytest.raises(botocore.exceptions.ClientError):
            plain_client(sandbox, "ds").describe_directories()
    assert {c["error_code"] for c in sandbox.calls()} == {"ServiceException"}


# ------------------------------------------------------------------------------ lost answers

PASSWORD = "Sandb0x#Secret9"
HOME, BRANCH = "us-east-1", "us-west-2"


@pytest.fixture(scope="module")
def server_certificate():
    key = rsa_key()
    return pem(certificate("server.vpn.example.com", key, ca=False, san=True)), key_pem(key)


class World:
    """Builds, at time scale 0, what one create needs; ``count()`` is how many of its resource exist."""

    def __init__(self, sandbox, certificate_pem):
        self.sandbox = sandbox
        self.certificate = certificate_pem
        self._clients = {}

    def client(self, service, region=HOME):
        if (service, region) not in self._clients:
            self._clients[(service, region)] = self.sandbox.client(service, region)
        return self._clients[(service, region)]

    def network(self, region, cidr):
        ec2 = self.client("ec2", region)
        vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        prefix = cidr.rsplit(".", 2)[0]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"{prefix}.{i + 1}.0/24", AvailabilityZone=region + zone)["Subnet"][
                "SubnetId"
            ]
            for i, zone in enumerate("ab")
        ]
        return vpc, subnets

    def directory(self):
        vpc, subnets = self.network(HOME, "10.0.0.0/16")
        return self.client("ds").create_microsoft_ad(
            Name="corp.example.com",
            ShortName="CORP",
            Password=PASSWORD,
            Edition="Enterprise",
            VpcSettings={"VpcId": vpc, "SubnetIds": subnets},
        )["DirectoryId"]

    def replica(self):
        directory_id = self.directory()
        vpc, subnets = self.network(BRANCH, "10.1.0.0/16")
        self.client("ds").add_region(
            DirectoryId=directory_id, RegionName=BRANCH, VPCSettings={"VpcId": vpc, "SubnetIds": subnets}
        )
        return directory_id, vpc, subnets

    def import_certificate(self, client=None):
        cert, key = self.certificate
        return (client or self.client("acm")).import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]

    def endpoint(self, client=None):
        vpc, subnets = self.network(HOME, "10.0.0.0/16")
        arn = self.import_certificate()
        endpoint_id = (client or self.client("ec2")).create_client_vpn_endpoint(
            ClientCidrBlock="172.16.0.0/22",
            ServerCertificateArn=arn,
            VpcId=vpc,
            AuthenticationOptions=[
                {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChainArn": arn}}
            ],
            ConnectionLogOptions={"Enabled": False},
        )["ClientVpnEndpointId"]
        return endpoint_id, subnets

    def zone(self):
        return self.client("route53").create_hosted_zone(Name="example.com", CallerReference="zone-1")["HostedZone"][
            "Id"
        ]


def _create_microsoft_ad(world):
    vpc, subnets = world.network(HOME, "10.0.0.0/16")
    ds = world.client("ds")

    def create(client):
        client.create_microsoft_ad(
            Name="corp.example.com",
            ShortName="CORP",
            Password=PASSWORD,
            VpcSettings={"VpcId": vpc, "SubnetIds": subnets},
        )

    return "ds", HOME, create, lambda: len(ds.describe_directories()["DirectoryDescriptions"])


def _add_region(world):
    directory_id = world.directory()
    vpc, subnets = world.network(BRANCH, "10.1.0.0/16")
    ds = world.client("ds")

    def create(client):
        client.add_region(DirectoryId=directory_id, RegionName=BRANCH, VPCSettings={"VpcId": vpc, "SubnetIds": subnets})

    def count():
        regions = ds.describe_regions(DirectoryId=directory_id)["RegionsDescription"]
        return sum(1 for r in regions if r["RegionName"] == BRANCH)

    return "ds", HOME, create, count


def _connect_directory(world):
    directory_id, vpc, subnets = world.replica()
    ds = world.client("ds", BRANCH)
    (replica,) = ds.describe_directories(DirectoryIds=[directory_id])["DirectoryDescriptions"]

    def create(client):
        client.connect_directory(
            Name="corp.example.com",
            ShortName="CORP",
            Password=PASSWORD,
            Size="Small",
            ConnectSettings={
                "VpcId": vpc,
                "SubnetIds": subnets,
                "CustomerDnsIps": replica["DnsIpAddrs"],
                "CustomerUserName": "Admin",
            },
        )

    def count():
        return sum(1 for d in ds.describe_directories()["DirectoryDescriptions"] if d["Type"] == "ADConnector")

    return "ds", BRANCH, create, count


def _import_certificate(world):
    acm = world.client("acm")
    return "acm", HOME, world.import_certificate, lambda: len(acm.list_certificates()["CertificateSummaryList"])


def _create_client_vpn_endpoint(world):
    ec2 = world.client("ec2")
    vpc, _ = world.network(HOME, "10.0.0.0/16")
    arn = world.import_certificate()

    def count():
        return len(ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"])

    def create(client):
        client.create_client_vpn_endpoint(
            ClientCidrBlock="172.16.0.0/22",
            ServerCertificateArn=arn,
            VpcId=vpc,
            AuthenticationOptions=[
                {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChainArn": arn}}
            ],
            ConnectionLogOptions={"Enabled": False},
        )

    return "ec2", HOME, create, count


def _associate_target_network(world):
    endpoint_id, subnets = world.endpoint()
    ec2 = world.client("ec2")

    def create(client):
        client.associate_client_vpn_target_network(ClientVpnEndpointId=endpoint_id, SubnetId=subnets[0])

    def count():
        return len(ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=endpoint_id)["ClientVpnTargetNetworks"])

    return "ec2", HOME, create, count


def _authorize_ingress(world):
    endpoint_id, _ = world.endpoint()
    ec2 = world.client("ec2")

    def create(client):
        client.authorize_client_vpn_ingress(
            ClientVpnEndpointId=endpoint_id, TargetNetworkCidr="10.0.0.0/16", AuthorizeAllGroups=True
        )

    def count():
        return len(ec2.describe_client_vpn_authorization_rules(ClientVpnEndpointId=endpoint_id)["AuthorizationRules"])

    return "ec2", HOME, create, count


def _create_route(world):
    endpoint_id, subnets = world.endpoint()
    ec2 = world.client("ec2")
    ec2.associate_client_vpn_target_network(ClientVpnEndpointId=endpoint_id, SubnetId=subnets[0])

    def create(client):
        client.create_client_vpn_route(
            ClientVpnEndpointId=endpoint_id, DestinationCidrBlock="10.1.0.0/16", TargetVpcSubnetId=subnets[0]
        )

    def count():
        routes = ec2.describe_client_vpn_routes(ClientVpnEndpointId=endpoint_id)["Routes"]
        return sum(1 for r in routes if r["DestinationCidr"] == "10.1.0.0/16")

    return "ec2", HOME, create, count


def _create_health_check(world):
    route53 = world.client("route53")

    def create(client):
        client.create_health_check(
            CallerReference="hc-1",
            HealthCheckConfig={"Type": "TCP", "Port": 443, "FullyQualifiedDomainName": "vpn.example.com"},
        )

    return "route53", HOME, create, lambda: len(route53.list_health_checks()["HealthChecks"])


def _change_record_sets(world):
    zone_id = world.zone()
    route53 = world.client("route53")

    def create(client):
        client.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": "vpn.example.com",
                            "Type": "CNAME",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": "cvpn.secret-looking-value.example.net"}],
                        },
                    }
                ]
            },
        )

    def count():
        sets = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
        return sum(1 for r in sets if r["Name"] == "vpn.example.com.")

    return "route53", HOME, create, count


def _create_peering(world):
    home_vpc, _ = world.network(HOME, "10.0.0.0/16")
    branch_vpc, _ = world.network(BRANCH, "10.1.0.0/16")
    ec2 = world.client("ec2")

    def create(client):
        client.create_vpc_peering_connection(VpcId=home_vpc, PeerVpcId=branch_vpc, PeerRegion=BRANCH)

    return "ec2", HOME, create, lambda: len(ec2.describe_vpc_peering_connections()["VpcPeeringConnections"])


# Every create the collection makes (answered by a sandbox handler or by moto as it came).
CREATES = {
    "CreateMicrosoftAD": _create_microsoft_ad,
    "AddRegion": _add_region,
    "ConnectDirectory": _connect_directory,
    "ImportCertificate": _import_certificate,
    "CreateClientVpnEndpoint": _create_client_vpn_endpoint,
    "AssociateClientVpnTargetNetwork": _associate_target_network,
    "AuthorizeClientVpnIngress": _authorize_ingress,
    "CreateClientVpnRoute": _create_route,
    "CreateHealthCheck": _create_health_check,
    "ChangeResourceRecordSets": _change_record_sets,
    "CreateVpcPeeringConnection": _create_peering,
}


@pytest.mark.parametrize("kind", ["lost_response", "dropped_connection"])
@pytest.mark.parametrize("action", sorted(CREATES))
def test_lost_answer_after_the_write_took_effect(sandbox, server_certificate, action, kind):
    world = World(sandbox, server_certificate)
    service, region, create, count = CREATES[action](world)
    assert count() == 0
    sandbox.control("POST", "faults", {"rules": [{"action": action, "count": 1, "kind": kind}]})
    sandbox.clear_calls()
    if kind == "lost_response":
        with pytest.raises(botocore.exceptions.ClientError) as err:
            create(plain_client(sandbox, service, region))
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert err.value.response["Error"]["Code"] in ("InternalError", "ServiceException", "InternalFailure")
    else:
        with pytest.raises(botocore.exceptions.ConnectionClosedError):
            create(plain_client(sandbox, service, region))
    assert count() == 1  # the write took effect
    (call,) = [c for c in sandbox.calls() if c["action"] == action]
    assert call["write"] is True and call["fault"] == kind and call["performed_status"] == 200
    if kind == "lost_response":
        assert call["status"] == 500 and call["error_code"] in ("InternalError", "ServiceException", "InternalFailure")
    else:
        assert call["status"] == 0 and call["error_code"] is None
    assert call in sandbox.write_calls()
    text = repr(sandbox.calls())
    for value in (PASSWORD, "secret-looking-value", "10.1.0.0/16", "172.16.0.0/22", "corp.example.com"):
        assert value not in text
    # count: 1 is spent; the next call is answered.
    assert sandbox.control("GET", "faults")["rules"][0]["count"] == 0


def test_botocore_retries_a_lost_answer_and_its_client_token_keeps_one_endpoint(sandbox, server_certificate):
    world = World(sandbox, server_certificate)
    _, _, create, count = _create_client_vpn_endpoint(world)
    sandbox.control(
        "POST", "faults", {"rules": [{"action": "CreateClientVpnEndpoint", "count": 1, "kind": "lost_response"}]}
    )
    create(sandbox.client("ec2"))  # botocore fills ClientToken once and retries the 500 with it
    assert count() == 1
    assert [c["status"] for c in sandbox.calls() if c["action"] == "CreateClientVpnEndpoint"] == [500, 200]


def test_botocore_retry_after_a_lost_answer_duplicates_what_has_no_token(sandbox, server_certificate):
    # Why the collection must look up before retrying a create that has no idempotency token.
    world = World(sandbox, server_certificate)
    _, _, create, count = _create_peering(world)
    sandbox.control(
        "POST",
        "faults",
        {"rules": [{"action": "CreateVpcPeeringConnection", "count": 1, "kind": "dropped_connection"}]},
    )
    create(sandbox.client("ec2"))
    assert count() == 2


def test_lost_answer_combines_with_matchers_and_rate(sandbox):
    sandbox.control(
        "POST",
        "faults",
        {
            "seed": 2,
            "rules": [
                {
                    "service": "ec2",
                    "region": "eu-west-1",
                    "writes_only": True,
                    "rate": 0.5,
                    "kind": "lost_response",
                    "code": "InternalError",
                    "status": 503,
                }
            ],
        },
    )
    ec2 = plain_client(sandbox, "ec2", "eu-west-1")
    statuses = []
    for i in range(12):
        try:
            ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
            statuses.append(200)
        except botocore.exceptions.ClientError as err:
            statuses.append(err.response["ResponseMetadata"]["HTTPStatusCode"])
        ec2.describe_vpcs()  # a read: never matched by writes_only
    plain_client(sandbox, "ec2", "us-east-1").create_vpc(CidrBlock="10.99.0.0/16")  # another Region: never
    assert 0 < statuses.count(503) < 12
    vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]
    assert len(vpcs) == 12  # every create took effect, answered or not
    lost = [c for c in sandbox.calls() if c.get("fault")]
    assert len(lost) == statuses.count(503)
    assert {(c["action"], c["region"], c["status"], c["error_code"]) for c in lost} == {
        ("CreateVpc", "eu-west-1", 503, "InternalError")
    }
