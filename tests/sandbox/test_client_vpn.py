"""EC2 Client VPN in the sandbox: for each rule, the call AWS accepts and the call it rejects, and each transition."""

import time

import boto3
import botocore.exceptions
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sandbox.clock import DURATIONS
from sandbox.services import client_vpn
from sandbox.services import client_vpn_endpoints
from tests.certificates import certificate
from tests.certificates import key_pem
from tests.certificates import pem
from tests.certificates import rsa_key

REGION = "us-east-1"
PASSWORD = "Sup3r-Secret-Pw"


# ------------------------------------------------------------------ helpers

_CLIENTS = {}


def without_consistency(sandbox):
    """For tests of state transitions: new items are listed at once (the consistency effect has its own tests)."""
    sandbox.control("POST", "effects", {"consistency": False})


def client(sandbox, service, region=REGION):
    """boto3 clients are slow to build (the EC2 model is large): one per service and Region for the module."""
    key = (sandbox.url, service, region)
    if key not in _CLIENTS:
        _CLIENTS[key] = sandbox.client(service, region)
    return _CLIENTS[key]


def _cert(cn, key, issuer_cn=None, issuer_key=None, ca=False):
    """BasicConstraints(ca) always; a server certificate (not a CA) names itself as a SubjectAlternativeName."""
    return certificate(cn, key, issuer_cn, issuer_key, ca=ca, san=not ca)


@pytest.fixture(scope="module")
def pki():
    ca_key = rsa_key()
    ca = _cert("Sandbox Test CA", ca_key, ca=True)
    server_key = rsa_key()
    server = _cert("server.vpn.example.com", server_key, issuer_cn="Sandbox Test CA", issuer_key=ca_key)
    self_key = rsa_key()
    self_signed = _cert("self.vpn.example.com", self_key)
    bare_key = rsa_key()
    bare = certificate("server", bare_key, "Sandbox Test CA", ca_key)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_cert = _cert("ec.vpn.example.com", ec_key)
    return {
        "ca": pem(ca),
        "server": (pem(server), key_pem(server_key)),
        "self": (pem(self_signed), key_pem(self_key)),
        "bare": (pem(bare), key_pem(bare_key)),
        "ec": (
            pem(ec_cert),
            ec_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        ),
    }


def import_server_cert(sandbox, pki, region=REGION, chain=True, which="server"):
    cert, key = pki[which]
    kwargs = {"Certificate": cert, "PrivateKey": key}
    if chain:
        kwargs["CertificateChain"] = pki["ca"]
    return client(sandbox, "acm", region).import_certificate(**kwargs)["CertificateArn"]


def network(sandbox, region=REGION, cidr="10.0.0.0/16"):
    ec2 = client(sandbox, "ec2", region)
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    base = cidr.split(".")[:2]
    subnets = {}
    for name, third, az in (("a", 1, "a"), ("b", 2, "b"), ("a2", 3, "a")):
        subnets[name] = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"{base[0]}.{base[1]}.{third}.0/24", AvailabilityZone=f"{region}{az}"
        )["Subnet"]["SubnetId"]
    return vpc, subnets


def directory(sandbox, vpc, subnets, region=REGION):
    ds = client(sandbox, "ds", region)
    return ds.create_microsoft_ad(
        Name="corp.example.com",
        ShortName="CORP",
        Password=PASSWORD,
        Edition="Enterprise",
        VpcSettings={"VpcId": vpc, "SubnetIds": [subnets["a"], subnets["b"]]},
    )["DirectoryId"]


CERT_AUTH = "certificate-authentication"


def create_endpoint(ec2, cert_arn, auth=None, **kwargs):
    params = {
        "ClientCidrBlock": "172.16.0.0/22",
        "ServerCertificateArn": cert_arn,
        "AuthenticationOptions": auth
        or [{"Type": CERT_AUTH, "MutualAuthentication": {"ClientRootCertificateChainArn": cert_arn}}],
        "ConnectionLogOptions": {"Enabled": False},
    }
    params.update(kwargs)
    return ec2.create_client_vpn_endpoint(**params)


def describe(ec2, eid):
    return ec2.describe_client_vpn_endpoints(ClientVpnEndpointIds=[eid])["ClientVpnEndpoints"][0]


def code_of(fn, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        fn(*args, **kwargs)
    return err.value.response["Error"]["Code"]


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached")


@pytest.fixture
def env(sandbox, pki):
    """A VPC with three subnets (two in one AZ), an imported certificate with its chain, an endpoint."""
    ec2 = client(sandbox, "ec2")
    vpc, subnets = network(sandbox)
    cert = import_server_cert(sandbox, pki)
    eid = create_endpoint(ec2, cert, TransportProtocol="tcp")["ClientVpnEndpointId"]
    return {"ec2": ec2, "vpc": vpc, "subnets": subnets, "cert": cert, "eid": eid}


def associate(env, subnet="a"):
    return env["ec2"].associate_client_vpn_target_network(
        ClientVpnEndpointId=env["eid"], SubnetId=env["subnets"][subnet]
    )


# ============================================================ create/describe


def test_create_defaults_and_shape(sandbox, pki):
    ec2 = client(sandbox, "ec2", "eu-west-1")
    cert = import_server_cert(sandbox, pki, region="eu-west-1")
    out = create_endpoint(ec2, cert)
    eid = out["ClientVpnEndpointId"]
    assert eid.startswith("cvpn-endpoint-") and len(eid) == len("cvpn-endpoint-") + 17
    assert out["Status"] == {"Code": "pending-associate"}
    assert out["DnsName"] == f"*.{eid}.prod.clientvpn.eu-west-1.amazonaws.com"
    ep = describe(ec2, eid)
    assert ep["TransportProtocol"] == "udp"
    assert ep["VpnPort"] == 443
    assert ep["SessionTimeoutHours"] == 24
    assert ep["SelfServicePortalUrl"].endswith(eid)
    assert ep["SplitTunnel"] is False
    assert ep["VpnProtocol"] == "openvpn"
    assert ep["DisconnectOnSessionTimeout"] is True
    assert ep["ClientCidrBlock"] == "172.16.0.0/22"
    assert ep["AuthenticationOptions"] == [
        {"Type": CERT_AUTH, "MutualAuthentication": {"ClientRootCertificateChain": cert}}
    ]
    assert ep["ConnectionLogOptions"] == {"Enabled": False}
    assert "VpcId" not in ep and ep["SecurityGroupIds"] == []
    # Regions are separate.
    assert client(sandbox, "ec2", "us-east-1").describe_client_vpn_endpoints()["ClientVpnEndpoints"] == []


def test_create_with_every_member(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    vpc, subnets = network(sandbox)
    cert = import_server_cert(sandbox, pki)
    directory_id = directory(sandbox, vpc, subnets)
    sg = ec2.create_security_group(GroupName="vpn", Description="vpn", VpcId=vpc)["GroupId"]
    client(sandbox, "logs").create_log_group(logGroupName="/vpn/connections")
    client(sandbox, "logs").create_log_stream(logGroupName="/vpn/connections", logStreamName="main")
    lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:AWSClientVPN-authorize"
    eid = create_endpoint(
        ec2,
        cert,
        auth=[
            {"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": directory_id}},
            {"Type": CERT_AUTH, "MutualAuthentication": {"ClientRootCertificateChainArn": cert}},
        ],
        ConnectionLogOptions={"Enabled": True, "CloudwatchLogGroup": "/vpn/connections", "CloudwatchLogStream": "main"},
        DnsServers=["10.0.0.2", "10.0.0.3"],
        TransportProtocol="tcp",
        VpnPort=1194,
        Description="corp vpn",
        SplitTunnel=True,
        ClientToken="tok-every",
        TagSpecifications=[{"ResourceType": "client-vpn-endpoint", "Tags": [{"Key": "Name", "Value": "corp"}]}],
        SecurityGroupIds=[sg],
        VpcId=vpc,
        SelfServicePortal="disabled",
        ClientConnectOptions={"Enabled": True, "LambdaFunctionArn": lambda_arn},
        SessionTimeoutHours=12,
        ClientLoginBannerOptions={"Enabled": True, "BannerText": "Authorised users only"},
        ClientRouteEnforcementOptions={"Enforced": True},
        DisconnectOnSessionTimeout=False,
    )["ClientVpnEndpointId"]
    ep = describe(ec2, eid)
    assert ep["AuthenticationOptions"][0] == {
        "Type": "directory-service-authentication",
        "ActiveDirectory": {"DirectoryId": directory_id},
    }
    assert ep["ConnectionLogOptions"] == {
        "Enabled": True,
        "CloudwatchLogGroup": "/vpn/connections",
        "CloudwatchLogStream": "main",
    }
    assert ep["DnsServers"] == ["10.0.0.2", "10.0.0.3"]
    assert (ep["TransportProtocol"], ep["VpnPort"], ep["Description"]) == ("tcp", 1194, "corp vpn")
    assert ep["SplitTunnel"] is True
    assert ep["Tags"] == [{"Key": "Name", "Value": "corp"}]
    assert (ep["VpcId"], ep["SecurityGroupIds"]) == (vpc, [sg])
    assert "SelfServicePortalUrl" not in ep
    assert ep["ClientConnectOptions"] == {
        "Enabled": True,
        "LambdaFunctionArn": lambda_arn,
        "Status": {"Code": "applied"},
    }
    assert ep["SessionTimeoutHours"] == 12
    assert ep["ClientLoginBannerOptions"] == {"Enabled": True, "BannerText": "Authorised users only"}
    assert ep["ClientRouteEnforcementOptions"] == {"Enforced": True}
    assert ep["DisconnectOnSessionTimeout"] is False


def test_vpc_without_security_groups_gets_the_default_group(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    vpc, _ = network(sandbox)
    cert = import_server_cert(sandbox, pki)
    eid = create_endpoint(ec2, cert, VpcId=vpc)["ClientVpnEndpointId"]
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )
    assert describe(ec2, eid)["SecurityGroupIds"] == [default["SecurityGroups"][0]["GroupId"]]


CLIENT_CIDRS = [
    ("172.16.0.0/22", True),
    ("172.16.0.0/12", True),
    ("10.8.0.0/16", True),
    ("172.16.0.0/23", False),
    ("172.0.0.0/11", False),
    ("172.16.0.1/22", False),
    ("not-a-cidr", False),
    ("fd00::/56", False),
]


def test_client_cidr_must_be_ipv4_between_12_and_22(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    for cidr, ok in CLIENT_CIDRS:
        if ok:
            eid = create_endpoint(ec2, cert, ClientCidrBlock=cidr)["ClientVpnEndpointId"]
            ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=eid)  # instant at time scale 0
        else:
            assert code_of(create_endpoint, ec2, cert, ClientCidrBlock=cidr) == "InvalidParameterValue", cidr


OPTION_VALUES = [
    ("VpnPort", 1194, 8443),
    ("SessionTimeoutHours", 8, 6),
    ("TransportProtocol", "tcp", "sctp"),
    ("SelfServicePortal", "disabled", "sometimes"),
    ("DnsServers", ["10.0.0.2", "10.0.0.3"], ["10.0.0.2", "10.0.0.3", "10.0.0.4"]),
    ("DnsServers", ["1.1.1.1"], ["dns.example.com"]),
    (
        "ClientLoginBannerOptions",
        {"Enabled": True, "BannerText": "x" * 1400},
        {"Enabled": True, "BannerText": "x" * 1401},
    ),
    ("ClientConnectOptions", {"Enabled": False}, {"Enabled": True}),
    (
        "ClientConnectOptions",
        {"Enabled": False},
        {"Enabled": True, "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:authorize"},
    ),
]


def test_option_values(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    for member, good, bad in OPTION_VALUES:
        eid = create_endpoint(ec2, cert, **{member: good})["ClientVpnEndpointId"]
        ep = describe(ec2, eid)
        if member == "SelfServicePortal":
            assert "SelfServicePortalUrl" not in ep
        elif member == "ClientConnectOptions":
            assert ep[member] == {"Enabled": False, "Status": {"Code": "applied"}}
        else:
            assert ep[member] == good
        ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=eid)
        assert code_of(create_endpoint, ec2, cert, **{member: bad}) == "InvalidParameterValue", (member, bad)


def test_server_certificate_must_exist_in_acm_in_the_same_region(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    other_region = import_server_cert(sandbox, pki, region="us-west-2")
    missing = other_region.replace("us-west-2", "us-east-1")
    assert code_of(create_endpoint, ec2, other_region) == "InvalidParameterValue"
    assert code_of(create_endpoint, ec2, missing) == "InvalidParameterValue"
    # Only RSA 1024/2048 server certificates.
    ec_cert = import_server_cert(sandbox, pki, chain=False, which="ec")
    rsa_cert = import_server_cert(sandbox, pki)
    auth = [{"Type": CERT_AUTH, "MutualAuthentication": {"ClientRootCertificateChainArn": rsa_cert}}]
    assert code_of(create_endpoint, ec2, ec_cert, auth=auth) == "InvalidParameterValue"
    assert create_endpoint(ec2, rsa_cert, auth=auth)["ClientVpnEndpointId"]
    # A server certificate without a domain name (CN "server", no SAN) is refused.
    bare = import_server_cert(sandbox, pki, which="bare")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        create_endpoint(ec2, bare, auth=auth)
    assert err.value.response["Error"] == {
        "Code": "InvalidParameterValue",
        "Message": f"Certificate {bare} does not have a domain",
    }


def test_client_root_chain_must_exist(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    auth = [{"Type": CERT_AUTH, "MutualAuthentication": {"ClientRootCertificateChainArn": cert + "0"}}]
    assert code_of(create_endpoint, ec2, cert, auth=auth) == "InvalidParameterValue"


def test_directory_must_exist_active_in_the_same_region(sandbox, pki, monkeypatch):
    ec2 = client(sandbox, "ec2")
    vpc, subnets = network(sandbox)
    cert = import_server_cert(sandbox, pki)
    directory_id = directory(sandbox, vpc, subnets)

    def ad(did):
        return [{"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": did}}]

    assert create_endpoint(ec2, cert, auth=ad(directory_id))["ClientVpnEndpointId"]
    assert code_of(create_endpoint, ec2, cert, auth=ad("d-0000000000")) == "InvalidParameterValue"
    # The same directory seen from another Region (no replica there) does not exist.
    cert_west = import_server_cert(sandbox, pki, region="us-west-2")
    assert (
        code_of(create_endpoint, client(sandbox, "ec2", "us-west-2"), cert_west, auth=ad(directory_id))
        == "InvalidParameterValue"
    )

    def fake(stage, replica):
        return lambda call, did: {"DirectoryId": did, "Type": "MicrosoftAD", "Stage": stage, "IsReplica": replica}

    monkeypatch.setattr(client_vpn_endpoints, "_lookup_directory", fake("Creating", False))
    assert code_of(create_endpoint, ec2, cert, auth=ad(directory_id)) == "InvalidParameterValue"
    monkeypatch.setattr(client_vpn_endpoints, "_lookup_directory", fake("Active", True))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        create_endpoint(ec2, cert, auth=ad(directory_id))
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "replicated" in err.value.response["Error"]["Message"]


def test_replicated_directory_region_is_refused(sandbox, pki):
    """A Managed AD replicated to another Region is visible there, but Client VPN cannot use the replica."""
    vpc, subnets = network(sandbox)
    directory_id = directory(sandbox, vpc, subnets)
    west_vpc, west_subnets = network(sandbox, region="us-west-2", cidr="10.2.0.0/16")
    client(sandbox, "ds").add_region(
        DirectoryId=directory_id,
        RegionName="us-west-2",
        VPCSettings={"VpcId": west_vpc, "SubnetIds": [west_subnets["a"], west_subnets["b"]]},
    )
    west_cert = import_server_cert(sandbox, pki, region="us-west-2")
    auth = [{"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": directory_id}}]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        create_endpoint(client(sandbox, "ec2", "us-west-2"), west_cert, auth=auth)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "replicated" in err.value.response["Error"]["Message"]
    home_cert = import_server_cert(sandbox, pki)
    assert create_endpoint(client(sandbox, "ec2"), home_cert, auth=auth)["ClientVpnEndpointId"]


def test_directory_still_creating_is_refused(sandbox, pki):
    sandbox.set_time_scale(1.0)
    vpc, subnets = network(sandbox)
    directory_id = directory(sandbox, vpc, subnets)
    cert = import_server_cert(sandbox, pki)
    auth = [{"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": directory_id}}]
    assert code_of(create_endpoint, client(sandbox, "ec2"), cert, auth=auth) == "InvalidParameterValue"


def test_authentication_combinations(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    vpc, subnets = network(sandbox)
    cert = import_server_cert(sandbox, pki)
    directory_id = directory(sandbox, vpc, subnets)
    iam = client(sandbox, "iam")
    saml = iam.create_saml_provider(
        Name="idp", SAMLMetadataDocument="<EntityDescriptor>" + "x" * 1000 + "</EntityDescriptor>"
    )["SAMLProviderArn"]
    ad = {"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": directory_id}}
    mutual = {"Type": CERT_AUTH, "MutualAuthentication": {"ClientRootCertificateChainArn": cert}}
    fed = {"Type": "federated-authentication", "FederatedAuthentication": {"SAMLProviderArn": saml}}
    assert create_endpoint(ec2, cert, auth=[fed, mutual])["ClientVpnEndpointId"]
    fed_only = create_endpoint(ec2, cert, auth=[fed])["ClientVpnEndpointId"]
    lines = ec2.export_client_vpn_client_configuration(ClientVpnEndpointId=fed_only)["ClientConfiguration"].splitlines()
    assert {"auth-user-pass", "auth-federate"} <= set(lines)
    assert describe(ec2, fed_only)["AuthenticationOptions"] == [
        {"Type": "federated-authentication", "FederatedAuthentication": {"SamlProviderArn": saml}}
    ]
    assert code_of(create_endpoint, ec2, cert, auth=[ad, fed]) == "InvalidParameterCombination"
    assert code_of(create_endpoint, ec2, cert, auth=[ad, mutual, fed]) == "InvalidParameterValue"
    assert code_of(create_endpoint, ec2, cert, auth=[mutual, mutual]) == "InvalidParameterValue"
    assert (
        code_of(create_endpoint, ec2, cert, auth=[{"Type": "directory-service-authentication"}]) == "MissingParameter"
    )
    bad_fed = {"Type": "federated-authentication", "FederatedAuthentication": {"SAMLProviderArn": saml + "x"}}
    assert code_of(create_endpoint, ec2, cert, auth=[bad_fed]) == "InvalidParameterValue"


def test_vpc_and_security_groups_belong_together(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    vpc, _ = network(sandbox)
    other_vpc, _ = network(sandbox, cidr="10.1.0.0/16")
    cert = import_server_cert(sandbox, pki)
    sg = ec2.create_security_group(GroupName="vpn", Description="vpn", VpcId=vpc)["GroupId"]
    foreign = ec2.create_security_group(GroupName="vpn", Description="vpn", VpcId=other_vpc)["GroupId"]
    assert create_endpoint(ec2, cert, VpcId=vpc, SecurityGroupIds=[sg])["ClientVpnEndpointId"]
    assert code_of(create_endpoint, ec2, cert, SecurityGroupIds=[sg]) == "InvalidParameterCombination"
    assert code_of(create_endpoint, ec2, cert, VpcId=vpc, SecurityGroupIds=[foreign]) == "InvalidParameterValue"
    assert (
        code_of(create_endpoint, ec2, cert, VpcId=vpc, SecurityGroupIds=["sg-0123456789abcdef0"])
        == "InvalidGroup.NotFound"
    )
    assert code_of(create_endpoint, ec2, cert, VpcId="vpc-0123456789abcdef0") == "InvalidVpcID.NotFound"


def test_connection_log_group_must_exist(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    logs = {"Enabled": True, "CloudwatchLogGroup": "/vpn/missing"}
    assert code_of(create_endpoint, ec2, cert, ConnectionLogOptions=logs) == "InvalidParameterValue"
    assert code_of(create_endpoint, ec2, cert, ConnectionLogOptions={"Enabled": True}) == "InvalidParameterValue"
    client(sandbox, "logs").create_log_group(logGroupName="/vpn/missing")
    assert create_endpoint(ec2, cert, ConnectionLogOptions=logs)["ClientVpnEndpointId"]


def test_tag_specifications_resource_type(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    bad = [{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}]
    assert code_of(create_endpoint, ec2, cert, TagSpecifications=bad) == "InvalidParameterValue"
    reserved = [{"ResourceType": "client-vpn-endpoint", "Tags": [{"Key": "aws:x", "Value": "b"}]}]
    assert code_of(create_endpoint, ec2, cert, TagSpecifications=reserved) == "InvalidParameterValue"


def test_client_token_idempotency(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    first = create_endpoint(ec2, cert, ClientToken="token-1", Description="a")
    again = create_endpoint(ec2, cert, ClientToken="token-1", Description="a")
    assert first["ClientVpnEndpointId"] == again["ClientVpnEndpointId"]
    assert len(ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]) == 1
    assert code_of(create_endpoint, ec2, cert, ClientToken="token-1", Description="b") == "IdempotentParameterMismatch"
    assert (
        create_endpoint(ec2, cert, ClientToken="token-2", Description="a")["ClientVpnEndpointId"]
        != first["ClientVpnEndpointId"]
    )


def test_dry_run_creates_nothing(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    assert code_of(create_endpoint, ec2, cert, DryRun=True) == "DryRunOperation"
    assert (
        code_of(create_endpoint, ec2, "arn:aws:acm:us-east-1:123456789012:certificate/nope", DryRun=True)
        == "InvalidParameterValue"
    )
    assert ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"] == []


def test_five_endpoints_per_region(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    for _ in range(5):
        create_endpoint(ec2, cert)
    assert code_of(create_endpoint, ec2, cert) == "ClientVpnEndpointLimitExceeded"
    west_cert = import_server_cert(sandbox, pki, region="us-west-2")
    assert create_endpoint(client(sandbox, "ec2", "us-west-2"), west_cert)["ClientVpnEndpointId"]


def test_describe_ids_filters_and_pagination(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    tcp = create_endpoint(
        ec2,
        cert,
        TransportProtocol="tcp",
        TagSpecifications=[{"ResourceType": "client-vpn-endpoint", "Tags": [{"Key": "role", "Value": "home"}]}],
    )["ClientVpnEndpointId"]
    udp = create_endpoint(ec2, cert, VpnPort=1194)["ClientVpnEndpointId"]
    for _ in range(3):
        create_endpoint(ec2, cert)

    def ids(**kwargs):
        return [e["ClientVpnEndpointId"] for e in ec2.describe_client_vpn_endpoints(**kwargs)["ClientVpnEndpoints"]]

    assert ids(ClientVpnEndpointIds=[udp]) == [udp]
    assert ids(Filters=[{"Name": "transport-protocol", "Values": ["tcp"]}]) == [tcp]
    assert ids(Filters=[{"Name": "endpoint-id", "Values": [udp]}]) == [udp]
    assert ids(Filters=[{"Name": "vpn-port", "Values": ["1194"]}]) == [udp]
    assert ids(Filters=[{"Name": "tag:role", "Values": ["home"]}]) == [tcp]
    assert code_of(ids, Filters=[{"Name": "colour", "Values": ["x"]}]) == "InvalidParameterValue"
    assert (
        code_of(ids, ClientVpnEndpointIds=["cvpn-endpoint-0123456789abcdef0"]) == "InvalidClientVpnEndpointId.NotFound"
    )
    assert len(ids(MaxResults=5)) == 5
    assert code_of(ids, MaxResults=5, NextToken="garbage") == "InvalidPaginationToken"
    paginator = ec2.get_paginator("describe_client_vpn_endpoints")
    assert sum(len(p["ClientVpnEndpoints"]) for p in paginator.paginate(PaginationConfig={"PageSize": 5})) == 5


# ===================================================================== modify


def test_modify_modifiable_members(env, sandbox, pki):
    ec2, eid = env["ec2"], env["eid"]
    sg = ec2.create_security_group(GroupName="vpn", Description="vpn", VpcId=env["vpc"])["GroupId"]
    new_cert = import_server_cert(sandbox, pki, chain=False, which="self")
    assert (
        ec2.modify_client_vpn_endpoint(
            ClientVpnEndpointId=eid,
            ServerCertificateArn=new_cert,
            DnsServers={"CustomDnsServers": ["10.0.0.2"], "Enabled": True},
            VpnPort=1194,
            Description="changed",
            SplitTunnel=True,
            VpcId=env["vpc"],
            SecurityGroupIds=[sg],
            SelfServicePortal="disabled",
            SessionTimeoutHours=10,
            ClientLoginBannerOptions={"Enabled": True, "BannerText": "hello"},
            DisconnectOnSessionTimeout=False,
        )["Return"]
        is True
    )
    ep = describe(ec2, eid)
    assert ep["ServerCertificateArn"] == new_cert
    acm = client(sandbox, "acm")
    endpoint_arn = f"arn:aws:ec2:us-east-1:123456789012:client-vpn-endpoint/{eid}"
    assert acm.describe_certificate(CertificateArn=new_cert)["Certificate"]["InUseBy"] == [endpoint_arn]
    # The old certificate is still the client root chain of the endpoint's mutual authentication.
    assert acm.describe_certificate(CertificateArn=env["cert"])["Certificate"]["InUseBy"] == [endpoint_arn]
    assert (ep["DnsServers"], ep["VpnPort"], ep["Description"], ep["SplitTunnel"]) == (
        ["10.0.0.2"],
        1194,
        "changed",
        True,
    )
    assert (ep["VpcId"], ep["SecurityGroupIds"], ep["SessionTimeoutHours"]) == (env["vpc"], [sg], 10)
    assert ep["ClientLoginBannerOptions"] == {"Enabled": True, "BannerText": "hello"}
    assert ep["TransportProtocol"] == "tcp"  # fixed at creation
    ec2.modify_client_vpn_endpoint(ClientVpnEndpointId=eid, DnsServers={"Enabled": False})
    assert describe(ec2, eid)["DnsServers"] == []


def test_modify_rejections(env):
    cases = [
        (
            {"DnsServers": {"CustomDnsServers": ["1.1.1.1", "1.0.0.1", "8.8.8.8"], "Enabled": True}},
            "InvalidParameterValue",
        ),
        ({"VpnPort": 22}, "InvalidParameterValue"),
        ({"SessionTimeoutHours": 48}, "InvalidParameterValue"),
        ({"ServerCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/missing"}, "InvalidParameterValue"),
        ({"ClientLoginBannerOptions": {"Enabled": True, "BannerText": "y" * 1401}}, "InvalidParameterValue"),
        ({"VpcId": env["vpc"]}, "MissingParameter"),  # changing the VPC needs its security groups
        ({"SecurityGroupIds": ["sg-0123456789abcdef0"]}, "MissingParameter"),  # no VPC yet
        ({"Description": "x", "DryRun": True}, "DryRunOperation"),
    ]
    for kwargs, code in cases:
        assert code_of(env["ec2"].modify_client_vpn_endpoint, ClientVpnEndpointId=env["eid"], **kwargs) == code, kwargs
    assert "Description" not in describe(env["ec2"], env["eid"])


def test_modify_unknown_endpoint(env):
    assert (
        code_of(
            env["ec2"].modify_client_vpn_endpoint,
            ClientVpnEndpointId="cvpn-endpoint-0123456789abcdef0",
            Description="x",
        )
        == "InvalidClientVpnEndpointId.NotFound"
    )


# ============================================================ target networks


def test_association_rules(env, sandbox):
    ec2, eid, subnets = env["ec2"], env["eid"], env["subnets"]
    out = associate(env)
    assert out["AssociationId"].startswith("cvpn-assoc-") and len(out["AssociationId"]) == len("cvpn-assoc-") + 17
    ep = describe(ec2, eid)
    assert ep["VpcId"] == env["vpc"] and len(ep["SecurityGroupIds"]) == 1  # first association sets the VPC
    assert code_of(associate, env, "a") == "InvalidClientVpnDuplicateAssociationException"
    assert code_of(associate, env, "a2") == "InvalidClientVpnSubnetId.DuplicateAz"
    assert (
        code_of(ec2.associate_client_vpn_target_network, ClientVpnEndpointId=eid, SubnetId="subnet-0123456789abcdef0")
        == "InvalidSubnetID.NotFound"
    )
    _, other = network(sandbox, cidr="10.1.0.0/16")
    assert (
        code_of(ec2.associate_client_vpn_target_network, ClientVpnEndpointId=eid, SubnetId=other["b"])
        == "InvalidClientVpnSubnetId.NotFound"
    )
    assert (
        code_of(
            ec2.associate_client_vpn_target_network,
            ClientVpnEndpointId="cvpn-endpoint-0123456789abcdef0",
            SubnetId=subnets["b"],
        )
        == "InvalidClientVpnEndpointId.NotFound"
    )
    assert associate(env, "b")["Status"]["Code"] in ("associating", "associated")
    nets = ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=eid)["ClientVpnTargetNetworks"]
    assert sorted(n["TargetNetworkId"] for n in nets) == sorted([subnets["a"], subnets["b"]])
    assert all(n["VpcId"] == env["vpc"] and n["ClientVpnEndpointId"] == eid for n in nets)
    assert (
        ec2.describe_client_vpn_target_networks(
            ClientVpnEndpointId=eid, Filters=[{"Name": "target-network-id", "Values": [subnets["b"]]}]
        )["ClientVpnTargetNetworks"][0]["TargetNetworkId"]
        == subnets["b"]
    )


def test_subnet_must_be_at_least_slash_27(env):
    ec2 = env["ec2"]
    small = ec2.create_subnet(VpcId=env["vpc"], CidrBlock="10.0.9.0/28", AvailabilityZone="us-east-1c")
    assert (
        code_of(
            ec2.associate_client_vpn_target_network,
            ClientVpnEndpointId=env["eid"],
            SubnetId=small["Subnet"]["SubnetId"],
        )
        == "InvalidParameterValue"
    )
    ok = ec2.create_subnet(VpcId=env["vpc"], CidrBlock="10.0.10.0/27", AvailabilityZone="us-east-1c")
    assert ec2.associate_client_vpn_target_network(ClientVpnEndpointId=env["eid"], SubnetId=ok["Subnet"]["SubnetId"])[
        "AssociationId"
    ]


def test_client_cidr_must_not_overlap_the_vpc(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    _, subnets = network(sandbox, cidr="172.16.0.0/16")
    cert = import_server_cert(sandbox, pki)
    eid = create_endpoint(ec2, cert, ClientCidrBlock="172.16.0.0/22")["ClientVpnEndpointId"]
    assert (
        code_of(ec2.associate_client_vpn_target_network, ClientVpnEndpointId=eid, SubnetId=subnets["a"])
        == "InvalidClientVpnSubnetId.OverlappingCidr"
    )


def test_subnet_of_another_account(env, sandbox):
    sts = client(sandbox, "sts")
    creds = sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/other", RoleSessionName="test")["Credentials"]
    other = boto3.client(
        "ec2",
        region_name=REGION,
        endpoint_url=sandbox.url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    vpc = other.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    foreign = other.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24", AvailabilityZone="us-east-1c")
    assert other.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["OwnerId"] == "222222222222"
    assert (
        code_of(
            env["ec2"].associate_client_vpn_target_network,
            ClientVpnEndpointId=env["eid"],
            SubnetId=foreign["Subnet"]["SubnetId"],
        )
        == "InvalidClientVpnSubnetId.DifferentAccount"
    )


def test_association_lifecycle_and_local_routes(env, sandbox):
    without_consistency(sandbox)
    ec2, eid = env["ec2"], env["eid"]
    sandbox.set_time_scale(1.0 / DURATIONS["vpn_association"])  # association ~1 s
    assoc = associate(env)["AssociationId"]

    def assoc_state():
        nets = ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=eid)["ClientVpnTargetNetworks"]
        return nets[0]["Status"]["Code"] if nets else None

    def routes():
        return ec2.describe_client_vpn_routes(ClientVpnEndpointId=eid)["Routes"]

    assert assoc_state() == "associating"
    assert describe(ec2, eid)["Status"]["Code"] == "pending-associate"
    assert [(r["DestinationCidr"], r["Origin"], r["Status"]["Code"]) for r in routes()] == [
        ("10.0.0.0/16", "associate", "creating")
    ]
    wait_for(lambda: assoc_state() == "associated")
    assert describe(ec2, eid)["Status"]["Code"] == "available"
    assert describe(ec2, eid)["AssociatedTargetNetworks"] == [{"NetworkId": env["vpc"], "NetworkType": "vpc"}]
    local = routes()[0]
    assert (local["TargetSubnet"], local["Type"], local["Status"]["Code"]) == (env["subnets"]["a"], "Nat", "active")

    sandbox.set_time_scale(1.0 / DURATIONS["vpn_disassociation"])  # disassociation ~1 s, then visible ~1 s
    out = ec2.disassociate_client_vpn_target_network(ClientVpnEndpointId=eid, AssociationId=assoc)
    assert out == {
        "AssociationId": assoc,
        "Status": {"Code": "disassociating"},
        "ResponseMetadata": out["ResponseMetadata"],
    }
    assert assoc_state() == "disassociating"
    assert describe(ec2, eid)["Status"]["Code"] == "available"
    wait_for(lambda: assoc_state() == "disassociated")
    assert describe(ec2, eid)["Status"]["Code"] == "pending-associate"
    assert routes() == []
    wait_for(lambda: assoc_state() is None)
    assert (
        code_of(ec2.disassociate_client_vpn_target_network, ClientVpnEndpointId=eid, AssociationId=assoc)
        == "InvalidClientVpnAssociationIdNotFound"
    )


def test_one_local_route_per_associated_subnet(env):
    associate(env, "a")
    associate(env, "b")
    routes = env["ec2"].describe_client_vpn_routes(
        ClientVpnEndpointId=env["eid"], Filters=[{"Name": "origin", "Values": ["associate"]}]
    )["Routes"]
    assert sorted(r["TargetSubnet"] for r in routes) == sorted([env["subnets"]["a"], env["subnets"]["b"]])
    assert {r["DestinationCidr"] for r in routes} == {"10.0.0.0/16"}


def test_apply_security_groups(env):
    ec2, eid = env["ec2"], env["eid"]
    sg = ec2.create_security_group(GroupName="vpn", Description="vpn", VpcId=env["vpc"])["GroupId"]
    assert (
        code_of(
            ec2.apply_security_groups_to_client_vpn_target_network,
            ClientVpnEndpointId=eid,
            VpcId=env["vpc"],
            SecurityGroupIds=[sg],
        )
        == "InvalidClientVpnActiveAssociationNotFound"
    )
    associate(env)
    out = ec2.apply_security_groups_to_client_vpn_target_network(
        ClientVpnEndpointId=eid, VpcId=env["vpc"], SecurityGroupIds=[sg]
    )
    assert out["SecurityGroupIds"] == [sg]
    assert describe(ec2, eid)["SecurityGroupIds"] == [sg]
    nets = ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=eid)["ClientVpnTargetNetworks"]
    assert nets[0]["SecurityGroups"] == [sg]
    assert (
        code_of(
            ec2.apply_security_groups_to_client_vpn_target_network,
            ClientVpnEndpointId=eid,
            VpcId=env["vpc"],
            SecurityGroupIds=["sg-0123456789abcdef0"],
        )
        == "InvalidGroup.NotFound"
    )


# ===================================================================== delete


def test_delete_needs_disassociation_then_deletes_after_a_delay(env, sandbox):
    ec2, eid = env["ec2"], env["eid"]
    assoc = associate(env)["AssociationId"]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=eid)
    assert err.value.response["Error"]["Code"] == "ClientVpnEndpointAssociationExists"
    assert assoc in err.value.response["Error"]["Message"]
    ec2.disassociate_client_vpn_target_network(ClientVpnEndpointId=eid, AssociationId=assoc)
    sandbox.set_time_scale(0.6 / DURATIONS["vpn_endpoint_delete"])
    assert ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=eid)["Status"] == {"Code": "deleting"}
    assert describe(ec2, eid)["Status"]["Code"] == "deleting"
    assert "DeletionTime" in describe(ec2, eid)
    wait_for(lambda: ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"] == [])
    assert client(sandbox, "acm").describe_certificate(CertificateArn=env["cert"])["Certificate"]["InUseBy"] == []
    assert code_of(ec2.delete_client_vpn_endpoint, ClientVpnEndpointId=eid) == "InvalidClientVpnEndpointId.NotFound"


@pytest.mark.parametrize(
    "operation",
    [
        "describe_client_vpn_target_networks",
        "describe_client_vpn_authorization_rules",
        "describe_client_vpn_routes",
        "describe_client_vpn_connections",
    ],
)
def test_listing_a_set_of_a_missing_or_deleted_endpoint_is_not_found(env, operation):
    """AWS answers InvalidClientVpnEndpointId.NotFound, not an empty list: one call tells a missing endpoint."""
    ec2, eid = env["ec2"], env["eid"]
    listed = getattr(ec2, operation)
    assert code_of(listed, ClientVpnEndpointId="cvpn-endpoint-0123456789abcdef0") == (
        "InvalidClientVpnEndpointId.NotFound"
    )
    assert listed(ClientVpnEndpointId=eid)["ResponseMetadata"]["HTTPStatusCode"] == 200
    ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=eid)  # time scale 0: deleted at once
    assert code_of(listed, ClientVpnEndpointId=eid) == "InvalidClientVpnEndpointId.NotFound"


# ====================================================== authorization rules


def rules(env, **kwargs):
    return env["ec2"].describe_client_vpn_authorization_rules(ClientVpnEndpointId=env["eid"], **kwargs)[
        "AuthorizationRules"
    ]


def test_authorization_rules(env, sandbox):
    without_consistency(sandbox)
    ec2, eid = env["ec2"], env["eid"]
    sandbox.set_time_scale(0.6 / DURATIONS["vpn_authorization"])
    out = ec2.authorize_client_vpn_ingress(
        ClientVpnEndpointId=eid, TargetNetworkCidr="10.0.0.0/16", AuthorizeAllGroups=True, Description="everyone"
    )
    assert out["Status"] == {"Code": "authorizing"}
    ec2.authorize_client_vpn_ingress(
        ClientVpnEndpointId=eid, TargetNetworkCidr="10.0.0.0/16", AccessGroupId="S-1-5-21-1-2-3-1105"
    )
    assert rules(env)[0]["Status"]["Code"] == "authorizing"
    wait_for(lambda: all(r["Status"]["Code"] == "active" for r in rules(env)))
    everyone = [r for r in rules(env) if r["AccessAll"]][0]
    assert everyone == {
        "ClientVpnEndpointId": eid,
        "GroupId": "",
        "AccessAll": True,
        "DestinationCidr": "10.0.0.0/16",
        "Description": "everyone",
        "Status": {"Code": "active"},
    }
    assert [r["GroupId"] for r in rules(env, Filters=[{"Name": "group-id", "Values": ["S-1-5-21-1-2-3-1105"]}])] == [
        "S-1-5-21-1-2-3-1105"
    ]

    def authorize(**kwargs):
        return ec2.authorize_client_vpn_ingress(ClientVpnEndpointId=eid, **kwargs)

    assert (
        code_of(authorize, TargetNetworkCidr="10.0.0.0/16", AuthorizeAllGroups=True)
        == "InvalidClientVpnDuplicateAuthorizationRule"
    )
    assert (
        code_of(authorize, TargetNetworkCidr="10.0.0.0/16", AccessGroupId="S-1-5-21-1-2-3-1105")
        == "InvalidClientVpnDuplicateAuthorizationRule"
    )
    assert (
        code_of(authorize, TargetNetworkCidr="10.0.0.0/16", AccessGroupId="g", AuthorizeAllGroups=True)
        == "InvalidParameterCombination"
    )
    assert code_of(authorize, TargetNetworkCidr="10.0.0.0/16") == "MissingParameter"
    assert code_of(authorize, TargetNetworkCidr="10.0.0.300/16", AuthorizeAllGroups=True) == "InvalidParameterValue"

    sandbox.set_time_scale(0.6 / DURATIONS["vpn_revoke"])
    assert ec2.revoke_client_vpn_ingress(
        ClientVpnEndpointId=eid, TargetNetworkCidr="10.0.0.0/16", RevokeAllGroups=True
    )["Status"] == {"Code": "revoking"}
    assert any(r["Status"]["Code"] == "revoking" for r in rules(env))
    wait_for(lambda: len(rules(env)) == 1)
    assert (
        code_of(
            ec2.revoke_client_vpn_ingress,
            ClientVpnEndpointId=eid,
            TargetNetworkCidr="10.0.0.0/16",
            RevokeAllGroups=True,
        )
        == "InvalidClientVpnEndpointAuthorizationRuleNotFound"
    )
    assert (
        code_of(
            ec2.revoke_client_vpn_ingress,
            ClientVpnEndpointId=eid,
            TargetNetworkCidr="10.9.0.0/16",
            AccessGroupId="S-1-5-21-1-2-3-1105",
        )
        == "InvalidClientVpnEndpointAuthorizationRuleNotFound"
    )


def test_authorization_rule_quota_and_pagination(env):
    ec2, eid = env["ec2"], env["eid"]
    for i in range(200):
        ec2.authorize_client_vpn_ingress(
            ClientVpnEndpointId=eid, TargetNetworkCidr=f"10.{i}.0.0/16", AuthorizeAllGroups=True
        )
    assert (
        code_of(
            ec2.authorize_client_vpn_ingress,
            ClientVpnEndpointId=eid,
            TargetNetworkCidr="11.0.0.0/16",
            AuthorizeAllGroups=True,
        )
        == "ClientVpnAuthorizationRuleLimitExceeded"
    )
    first = ec2.describe_client_vpn_authorization_rules(ClientVpnEndpointId=eid, MaxResults=50)
    assert len(first["AuthorizationRules"]) == 50 and first["NextToken"]
    paginator = ec2.get_paginator("describe_client_vpn_authorization_rules")
    pages = list(paginator.paginate(ClientVpnEndpointId=eid, PaginationConfig={"PageSize": 60}))
    assert [len(p["AuthorizationRules"]) for p in pages] == [60, 60, 60, 20]
    cidrs = [r["DestinationCidr"] for p in pages for r in p["AuthorizationRules"]]
    assert len(set(cidrs)) == 200


def test_concurrent_operations_per_endpoint(env, sandbox):
    without_consistency(sandbox)
    ec2, eid = env["ec2"], env["eid"]
    sandbox.set_time_scale(1.0)  # everything stays in flight for the rest of the test
    for i in range(10):
        ec2.authorize_client_vpn_ingress(
            ClientVpnEndpointId=eid, TargetNetworkCidr=f"10.{i}.0.0/16", AuthorizeAllGroups=True
        )
    with pytest.raises(botocore.exceptions.ClientError) as err:
        ec2.authorize_client_vpn_ingress(
            ClientVpnEndpointId=eid, TargetNetworkCidr="10.99.0.0/16", AuthorizeAllGroups=True
        )
    assert err.value.response["Error"]["Code"] == "ConcurrentMutationLimitExceeded"
    assert code_of(associate, env) == "ConcurrentMutationLimitExceeded"
    # Reads and other endpoints are unaffected.
    assert len(rules(env)) == 10
    other = create_endpoint(ec2, env["cert"])["ClientVpnEndpointId"]
    assert (
        ec2.authorize_client_vpn_ingress(
            ClientVpnEndpointId=other, TargetNetworkCidr="10.0.0.0/16", AuthorizeAllGroups=True
        )["Status"]["Code"]
        == "authorizing"
    )


# ===================================================================== routes


def routes_of(env, **kwargs):
    return env["ec2"].describe_client_vpn_routes(ClientVpnEndpointId=env["eid"], **kwargs)["Routes"]


def test_routes(env, sandbox):
    without_consistency(sandbox)
    ec2, eid, subnet = env["ec2"], env["eid"], env["subnets"]["a"]

    def create(cidr, target=subnet, **kwargs):
        return ec2.create_client_vpn_route(
            ClientVpnEndpointId=eid, DestinationCidrBlock=cidr, TargetVpcSubnetId=target, **kwargs
        )

    assert code_of(create, "0.0.0.0/0") == "InvalidClientVpnActiveAssociationNotFound"
    associate(env)
    sandbox.set_time_scale(0.6 / DURATIONS["vpn_route"])
    assert create("0.0.0.0/0", Description="internet")["Status"] == {"Code": "creating"}
    assert [r["Status"]["Code"] for r in routes_of(env, Filters=[{"Name": "origin", "Values": ["add-route"]}])] == [
        "creating"
    ]
    wait_for(lambda: all(r["Status"]["Code"] == "active" for r in routes_of(env)))
    added = routes_of(env, Filters=[{"Name": "destination-cidr", "Values": ["0.0.0.0/0"]}])[0]
    assert (added["Origin"], added["TargetSubnet"], added["Description"]) == ("add-route", subnet, "internet")
    assert code_of(create, "0.0.0.0/0") == "InvalidClientVpnDuplicateRoute"
    assert code_of(create, "10.0.0.0/16") == "InvalidClientVpnDuplicateRoute"  # the automatic local route
    assert code_of(create, "172.16.1.0/24") == "InvalidParameterValue"  # inside the client CIDR
    assert code_of(create, "10.0.0.0/33") == "InvalidParameterValue"
    assert code_of(create, "192.168.0.0/16", target=env["subnets"]["b"]) == "InvalidClientVpnActiveAssociationNotFound"

    def delete(cidr, target=subnet):
        return ec2.delete_client_vpn_route(ClientVpnEndpointId=eid, DestinationCidrBlock=cidr, TargetVpcSubnetId=target)

    assert code_of(delete, "192.168.0.0/16") == "InvalidClientVpnRouteNotFound"
    assert code_of(delete, "10.0.0.0/16") == "InvalidParameterValue"  # automatic routes go with the association
    sandbox.set_time_scale(0.6 / DURATIONS["vpn_route_delete"])
    assert delete("0.0.0.0/0")["Status"] == {"Code": "deleting"}
    assert any(r["Status"]["Code"] == "deleting" for r in routes_of(env))
    wait_for(lambda: len(routes_of(env)) == 1)


def test_route_quota_per_association(env):
    ec2, eid, subnet = env["ec2"], env["eid"], env["subnets"]["a"]
    associate(env)
    for i in range(99):  # plus the automatic local route: 100
        ec2.create_client_vpn_route(
            ClientVpnEndpointId=eid, DestinationCidrBlock=f"192.168.{i}.0/24", TargetVpcSubnetId=subnet
        )
    assert (
        code_of(
            ec2.create_client_vpn_route,
            ClientVpnEndpointId=eid,
            DestinationCidrBlock="192.168.200.0/24",
            TargetVpcSubnetId=subnet,
        )
        == "ClientVpnRouteLimitExceeded"
    )
    assert len(routes_of(env, MaxResults=1000)) == 100


def test_routes_via_a_subnet_go_when_it_is_disassociated(env):
    ec2, eid, subnet = env["ec2"], env["eid"], env["subnets"]["a"]
    assoc = associate(env)["AssociationId"]
    associate(env, "b")
    ec2.create_client_vpn_route(ClientVpnEndpointId=eid, DestinationCidrBlock="0.0.0.0/0", TargetVpcSubnetId=subnet)
    ec2.disassociate_client_vpn_target_network(ClientVpnEndpointId=eid, AssociationId=assoc)
    assert {r["TargetSubnet"] for r in routes_of(env)} == {env["subnets"]["b"]}
    assert describe(ec2, eid)["Status"]["Code"] == "available"


# ============================================================ client file


def parse_config(text):
    lines = text.splitlines()
    start, end = lines.index("<ca>"), lines.index("</ca>")
    ca = "\n".join(lines[start + 1 : end]).strip()
    directives = [ln for ln in lines[:start] + lines[end + 1 :] if ln.strip()]
    return directives, ca


def test_export_client_configuration(env, sandbox, pki):
    ec2, eid = env["ec2"], env["eid"]
    text = ec2.export_client_vpn_client_configuration(ClientVpnEndpointId=eid)["ClientConfiguration"]
    directives, ca = parse_config(text)
    assert directives == [
        "client",
        "dev tun",
        "proto tcp",
        f"remote {eid}.prod.clientvpn.us-east-1.amazonaws.com 443",
        "remote-random-hostname",
        "resolv-retry infinite",
        "nobind",
        "remote-cert-tls server",
        "cipher AES-256-GCM",
        "verb 3",
        "reneg-sec 0",
    ]
    assert ca == pki["ca"].decode().strip()
    ec2.modify_client_vpn_endpoint(ClientVpnEndpointId=eid, VpnPort=1194)
    text = ec2.export_client_vpn_client_configuration(ClientVpnEndpointId=eid)["ClientConfiguration"]
    assert f"remote {eid}.prod.clientvpn.us-east-1.amazonaws.com 1194" in text.splitlines()
    assert (
        code_of(ec2.export_client_vpn_client_configuration, ClientVpnEndpointId="cvpn-endpoint-0123456789abcdef0")
        == "InvalidClientVpnEndpointId.NotFound"
    )


def test_export_with_directory_auth_and_no_chain(sandbox, pki):
    ec2 = client(sandbox, "ec2", "eu-west-1")
    vpc, subnets = network(sandbox, region="eu-west-1")
    directory_id = directory(sandbox, vpc, subnets, region="eu-west-1")
    cert = import_server_cert(sandbox, pki, region="eu-west-1", chain=False, which="self")
    eid = create_endpoint(
        ec2,
        cert,
        auth=[{"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": directory_id}}],
        TransportProtocol="udp",
    )["ClientVpnEndpointId"]
    directives, ca = parse_config(
        ec2.export_client_vpn_client_configuration(ClientVpnEndpointId=eid)["ClientConfiguration"]
    )
    assert "auth-user-pass" in directives and "proto udp" in directives
    assert f"remote {eid}.prod.clientvpn.eu-west-1.amazonaws.com 443" in directives
    assert directives[-1] == "reneg-sec 0"
    # No chain was imported: the self-signed server certificate itself is the CA a client must trust.
    assert ca == pki["self"][0].decode().strip()


# ================================================================ connections


def test_connections(env, sandbox):
    ec2, eid = env["ec2"], env["eid"]
    assert ec2.describe_client_vpn_connections(ClientVpnEndpointId=eid)["Connections"] == []
    with pytest.raises(Exception):
        sandbox.control("POST", "client-vpn/connections", {"ClientVpnEndpointId": eid})  # not available yet
    associate(env)
    conn = sandbox.control("POST", "client-vpn/connections", {"ClientVpnEndpointId": eid, "Username": "alice"})
    assert conn["region"] == REGION
    listed = ec2.describe_client_vpn_connections(ClientVpnEndpointId=eid)["Connections"]
    assert [(c["Username"], c["Status"]["Code"], c["ClientVpnEndpointId"]) for c in listed] == [
        ("alice", "active", eid)
    ]
    assert (
        ec2.describe_client_vpn_connections(ClientVpnEndpointId=eid, Filters=[{"Name": "username", "Values": ["bob"]}])[
            "Connections"
        ]
        == []
    )
    # Changing the DNS servers resets client connections.
    ec2.modify_client_vpn_endpoint(
        ClientVpnEndpointId=eid, DnsServers={"CustomDnsServers": ["10.0.0.2"], "Enabled": True}
    )
    assert (
        ec2.describe_client_vpn_connections(ClientVpnEndpointId=eid)["Connections"][0]["Status"]["Code"] == "terminated"
    )
    assert (
        code_of(ec2.describe_client_vpn_connections, ClientVpnEndpointId="cvpn-endpoint-0123456789abcdef0")
        == "InvalidClientVpnEndpointId.NotFound"
    )
    bob = sandbox.control("POST", "client-vpn/connections", {"ClientVpnEndpointId": eid, "Username": "bob"})
    out = ec2.terminate_client_vpn_connections(ClientVpnEndpointId=eid, Username="bob")
    assert out["ConnectionStatuses"] == [
        {
            "ConnectionId": bob["connection"]["ConnectionId"],
            "PreviousStatus": {"Code": "active"},
            "CurrentStatus": {"Code": "terminated"},
        }
    ]
    assert (
        code_of(ec2.terminate_client_vpn_connections, ClientVpnEndpointId=eid, Username="bob")
        == "InvalidClientVpnConnection.UserNotFound"
    )
    assert (
        code_of(ec2.terminate_client_vpn_connections, ClientVpnEndpointId=eid, ConnectionId="cvpn-connection-x")
        == "InvalidClientVpnConnection.IdNotFound"
    )


# ======================================================================= tags


def test_tags_on_endpoints_and_other_resources(env):
    ec2, eid, vpc = env["ec2"], env["eid"], env["vpc"]
    ec2.create_tags(Resources=[eid, vpc], Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "net"}])
    assert {t["Key"]: t["Value"] for t in describe(ec2, eid)["Tags"]} == {"env": "prod", "team": "net"}
    vpc_tags = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]
    assert {t["Key"]: t["Value"] for t in vpc_tags} == {"env": "prod", "team": "net"}
    mine = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["client-vpn-endpoint"]}])["Tags"]
    assert sorted((t["ResourceId"], t["Key"], t["ResourceType"]) for t in mine) == [
        (eid, "env", "client-vpn-endpoint"),
        (eid, "team", "client-vpn-endpoint"),
    ]
    every = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["env"]}])["Tags"]
    assert sorted(t["ResourceId"] for t in every) == sorted([eid, vpc])
    vpc_only = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["vpc"]}])["Tags"]
    assert {t["ResourceId"] for t in vpc_only} == {vpc}
    ec2.delete_tags(Resources=[eid], Tags=[{"Key": "team"}])
    ec2.delete_tags(Resources=[eid], Tags=[{"Key": "env", "Value": "other"}])  # value differs: kept
    assert describe(ec2, eid)["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert (
        code_of(ec2.create_tags, Resources=["cvpn-endpoint-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])
        == "InvalidClientVpnEndpointId.NotFound"
    )
    # Other resources keep going through moto untouched.
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "solo", "Value": "1"}])
    ec2.delete_tags(Resources=[vpc], Tags=[{"Key": "team"}])
    assert {t["Key"] for t in ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]} == {"env", "solo"}


# ================================================================ interfaces


def test_find_endpoint_by_hostname_and_list_endpoints(env, sandbox, sandbox_app):
    eid = env["eid"]
    dns = describe(env["ec2"], eid)["DnsName"]
    for name in (dns.replace("*", "probe"), dns.replace("*.", ""), dns, dns.replace("*", "a1") + "."):
        found = client_vpn.find_endpoint_by_hostname(sandbox_app, name)
        assert found == {
            "account_id": "123456789012",
            "region": REGION,
            "ClientVpnEndpointId": eid,
            "Status": "pending-associate",
        }, name
    assert client_vpn.find_endpoint_by_hostname(sandbox_app, dns.replace("us-east-1", "us-west-2")) is None
    assert client_vpn.find_endpoint_by_hostname(sandbox_app, "vpn.example.com") is None
    associate(env)
    assert client_vpn.find_endpoint_by_hostname(sandbox_app, dns.replace("*", "x"))["Status"] == "available"
    listed = client_vpn.list_endpoints(sandbox_app)
    assert [(a, r, e["ClientVpnEndpointId"]) for a, r, e in listed] == [("123456789012", REGION, eid)]
    assert listed[0][2]["Status"]["Code"] == "available"


def test_ip_address_types(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    params = {
        "ServerCertificateArn": cert,
        "AuthenticationOptions": [{"Type": CERT_AUTH, "MutualAuthentication": {"ClientRootCertificateChainArn": cert}}],
        "ConnectionLogOptions": {"Enabled": False},
    }
    assert code_of(ec2.create_client_vpn_endpoint, **params) == "MissingParameter"  # IPv4 traffic needs a client CIDR
    eid = ec2.create_client_vpn_endpoint(TrafficIpAddressType="ipv6", EndpointIpAddressType="dual-stack", **params)[
        "ClientVpnEndpointId"
    ]
    ep = describe(ec2, eid)
    assert (ep["TrafficIpAddressType"], ep["EndpointIpAddressType"]) == ("ipv6", "dual-stack")
    assert "ClientCidrBlock" not in ep
    assert (
        code_of(ec2.create_client_vpn_endpoint, TrafficIpAddressType="ipv6", ClientCidrBlock="172.16.0.0/22", **params)
        == "InvalidParameterValue"
    )
    defaults = describe(ec2, create_endpoint(ec2, cert)["ClientVpnEndpointId"])
    assert (defaults["TrafficIpAddressType"], defaults["EndpointIpAddressType"]) == ("ipv4", "ipv4")


# ============================================================ eventual consistency (sandbox.realism)

CONSISTENCY_SCALE = 0.01  # window DURATIONS["consistency"] x scale = 50 ms; the first describe misses regardless


def test_new_endpoint_is_unknown_to_the_first_describe(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    sandbox.set_time_scale(CONSISTENCY_SCALE)
    eid = create_endpoint(ec2, cert)["ClientVpnEndpointId"]
    assert code_of(describe, ec2, eid) == "InvalidClientVpnEndpointId.NotFound"
    assert ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"] == []
    assert wait_for(lambda: ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"])[0]["ClientVpnEndpointId"] == eid
    assert describe(ec2, eid)["Status"]["Code"] == "pending-associate"


def test_deleted_endpoint_stays_listed_as_deleted(sandbox, pki):
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    eid = create_endpoint(ec2, cert)["ClientVpnEndpointId"]
    sandbox.set_time_scale(CONSISTENCY_SCALE)
    ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=eid)
    wait_for(lambda: describe(ec2, eid)["Status"]["Code"] == "deleted")
    assert [e["Status"]["Code"] for e in ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"]] == ["deleted"]
    wait_for(lambda: ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"] == [])
    assert code_of(describe, ec2, eid) == "InvalidClientVpnEndpointId.NotFound"


def test_client_token_of_a_deleted_endpoint(sandbox, pki):
    """Listed as deleted: the replay answers it as deleted; gone: EC2's idempotency error, never a new endpoint."""
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    eid = create_endpoint(ec2, cert, ClientToken="t")["ClientVpnEndpointId"]
    sandbox.set_time_scale(CONSISTENCY_SCALE)
    ec2.delete_client_vpn_endpoint(ClientVpnEndpointId=eid)
    wait_for(lambda: describe(ec2, eid)["Status"]["Code"] == "deleted")
    again = create_endpoint(ec2, cert, ClientToken="t")
    assert (again["ClientVpnEndpointId"], again["Status"]) == (eid, {"Code": "deleted"})
    wait_for(lambda: ec2.describe_client_vpn_endpoints()["ClientVpnEndpoints"] == [])
    assert code_of(create_endpoint, ec2, cert, ClientToken="t") == "IdempotentParameterMismatch"


def test_new_association_rule_and_route_are_missing_from_the_first_list(env, sandbox):
    ec2, eid = env["ec2"], env["eid"]
    sandbox.set_time_scale(CONSISTENCY_SCALE)
    assoc = associate(env)["AssociationId"]

    def networks(**kwargs):
        return ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=eid, **kwargs)["ClientVpnTargetNetworks"]

    assert networks() == []
    assert wait_for(lambda: networks())[0]["AssociationId"] == assoc
    wait_for(lambda: networks()[0]["Status"]["Code"] == "associated", timeout=10)

    ec2.authorize_client_vpn_ingress(ClientVpnEndpointId=eid, TargetNetworkCidr="10.0.0.0/16", AuthorizeAllGroups=True)
    assert rules(env) == []
    assert wait_for(lambda: rules(env))[0]["DestinationCidr"] == "10.0.0.0/16"

    ec2.create_client_vpn_route(
        ClientVpnEndpointId=eid, DestinationCidrBlock="10.9.0.0/16", TargetVpcSubnetId=env["subnets"]["a"]
    )
    manual = [{"Name": "origin", "Values": ["add-route"]}]
    assert routes_of(env, Filters=manual) == []
    assert wait_for(lambda: routes_of(env, Filters=manual))[0]["DestinationCidr"] == "10.9.0.0/16"


def test_revoked_rule_and_deleted_route_stay_listed_for_a_while(env, sandbox, sandbox_app):
    ec2, eid = env["ec2"], env["eid"]
    associate(env)
    ec2.authorize_client_vpn_ingress(ClientVpnEndpointId=eid, TargetNetworkCidr="10.0.0.0/16", AuthorizeAllGroups=True)
    ec2.create_client_vpn_route(
        ClientVpnEndpointId=eid, DestinationCidrBlock="10.9.0.0/16", TargetVpcSubnetId=env["subnets"]["a"]
    )
    sandbox.set_time_scale(0.2)  # a 1 s window; the revoke and the delete are ended by hand below
    client_vpn_eps = sandbox_app.state.client_vpn.endpoints[("123456789012", REGION)]
    ec2.revoke_client_vpn_ingress(ClientVpnEndpointId=eid, TargetNetworkCidr="10.0.0.0/16", RevokeAllGroups=True)
    ec2.delete_client_vpn_route(
        ClientVpnEndpointId=eid, DestinationCidrBlock="10.9.0.0/16", TargetVpcSubnetId=env["subnets"]["a"]
    )
    ep = client_vpn_eps[eid]
    for item in ep["rules"] + ep["routes"]:
        item["until"] = time.monotonic()  # the revoke and the delete are over now
    manual = [{"Name": "origin", "Values": ["add-route"]}]
    assert [r["Status"]["Code"] for r in rules(env)] == ["revoking"]
    assert [r["Status"]["Code"] for r in routes_of(env, Filters=manual)] == ["deleting"]
    wait_for(lambda: rules(env) == [] and routes_of(env, Filters=manual) == [], timeout=3)


def test_consistency_switched_off_lists_at_once(env, sandbox):
    without_consistency(sandbox)
    sandbox.set_time_scale(CONSISTENCY_SCALE)
    assoc = associate(env)["AssociationId"]
    nets = env["ec2"].describe_client_vpn_target_networks(ClientVpnEndpointId=env["eid"])["ClientVpnTargetNetworks"]
    assert [n["AssociationId"] for n in nets] == [assoc]


def test_an_association_id_unknown_or_gone_answers_the_dotless_code(env, sandbox):
    """EC2's error-code list has InvalidClientVpnAssociationIdNotFound (no dot) for an unknown association."""
    ec2, eid = env["ec2"], env["eid"]
    sandbox.set_time_scale(CONSISTENCY_SCALE)
    assoc = associate(env)["AssociationId"]

    def by_id():
        return ec2.describe_client_vpn_target_networks(ClientVpnEndpointId=eid, AssociationIds=[assoc])

    assert code_of(by_id) == "InvalidClientVpnAssociationIdNotFound"  # not propagated yet
    time.sleep(DURATIONS["consistency"] * CONSISTENCY_SCALE)
    wait_for(lambda: by_id()["ClientVpnTargetNetworks"][0]["Status"]["Code"] == "associated", timeout=10)
    sandbox.set_time_scale(0.0)
    ec2.disassociate_client_vpn_target_network(ClientVpnEndpointId=eid, AssociationId=assoc)
    assert code_of(by_id) == "InvalidClientVpnAssociationIdNotFound"  # gone
    assert (
        code_of(ec2.disassociate_client_vpn_target_network, ClientVpnEndpointId=eid, AssociationId=assoc)
        == "InvalidClientVpnAssociationIdNotFound"
    )
