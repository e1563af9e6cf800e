"""ec2_client_vpn_endpoint, _info and _client_config through ansible-playbook against the sandbox.

Setup with boto3: a VPC 10.70.0.0/16 with two subnets in two AZs and a security
group, a test CA and an RSA 2048 server certificate it signed, imported into ACM
with the CA as chain, and an Active (time scale 0) Managed Microsoft AD in the
endpoint's Region (plus one in another Region, for the rejection). The
playbooks assert the four-run pattern themselves; this side asserts the write
calls and checks the client file independently of the module's own parser.
"""

import os
import stat
from pathlib import Path

import pytest

from tests.certificates import certificate
from tests.certificates import key_pem
from tests.certificates import pem
from tests.certificates import rsa_key

PLAYBOOKS = Path(__file__).parent / "playbooks" / "client_vpn_endpoint"
REGION = "us-east-1"
OTHER_REGION = "us-west-2"
VPN_NAME = "vpn.example.com"
PASSWORD = "Sup3r-Secret-Pw"


# ------------------------------------------------------------------ PKI


@pytest.fixture(scope="module")
def pki():
    """A test CA and a server certificate it signed (PEM bytes), RSA 2048."""
    ca_key = rsa_key()
    ca = certificate("Client VPN Test CA", ca_key, ca=True)
    server_key = rsa_key()
    server = certificate("server.vpn.example.com", server_key, "Client VPN Test CA", ca_key, ca=False, san=True)
    return {"ca": pem(ca), "server": pem(server), "server_key": key_pem(server_key)}


# ------------------------------------------------------------------ setup


def _network(sandbox, region, prefix):
    ec2 = sandbox.client("ec2", region)
    vpc_id = ec2.create_vpc(CidrBlock=f"{prefix}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{prefix}.{i}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    ]
    return ec2, vpc_id, subnets


def _directory(sandbox, region, vpc_id, subnets):
    return sandbox.client("ds", region).create_microsoft_ad(
        Name="corp.example.com",
        ShortName="CORP",
        Password=PASSWORD,
        Edition="Enterprise",
        VpcSettings={"VpcId": vpc_id, "SubnetIds": subnets},
    )["DirectoryId"]


@pytest.fixture
def setup(sandbox, pki, tmp_path):
    ec2, vpc_id, subnets = _network(sandbox, REGION, "10.70")
    sg_id = ec2.create_security_group(GroupName="cvpn", Description="Client VPN", VpcId=vpc_id)["GroupId"]
    cert_arn = sandbox.client("acm", REGION).import_certificate(
        Certificate=pki["server"], PrivateKey=pki["server_key"], CertificateChain=pki["ca"]
    )["CertificateArn"]
    directory_id = _directory(sandbox, REGION, vpc_id, subnets)
    _ec2w, vpc_w, subnets_w = _network(sandbox, OTHER_REGION, "10.71")
    directory_west = _directory(sandbox, OTHER_REGION, vpc_w, subnets_w)
    sandbox.clear_calls()
    extra = dict(
        cvpn_name="cvpn-it-" + os.urandom(3).hex(),
        cvpn_region=REGION,
        cvpn_cert_arn=cert_arn,
        cvpn_directory_id=directory_id,
        cvpn_directory_other_region=directory_west,
        cvpn_vpc_id=vpc_id,
        cvpn_subnet_a=subnets[0],
        cvpn_sg_id=sg_id,
        cvpn_vpn_name=VPN_NAME,
        cvpn_dest=str(tmp_path / "client.ovpn"),
    )
    return dict(extra=extra, ec2=ec2, pki=pki, dest=tmp_path / "client.ovpn")


def writes(sandbox):
    return [c["action"] for c in sandbox.write_calls()]


# ------------------------------------------------------- the client file


def parse_openvpn(text):
    """A minimal, independent structural parse: (directives [(name, args)], blocks {tag: text})."""
    directives, blocks = [], {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line[0] in "#;":
            continue
        if line.startswith("<") and line.endswith(">") and not line.startswith("</"):
            tag = line[1:-1]
            body = []
            while lines[i].strip() != f"</{tag}>":
                body.append(lines[i])
                i += 1
            i += 1
            blocks[tag] = "\n".join(body) + "\n"
            continue
        assert not line.startswith("<"), f"stray tag {line}"
        name, *args = line.split()
        directives.append((name, args))
    return directives, blocks


def ca_verifies(ca_block, server_pem):
    """True when one certificate of the <ca> block signed the server certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import padding

    server = x509.load_pem_x509_certificate(server_pem)
    for ca in x509.load_pem_x509_certificates(ca_block.encode()):
        if ca.subject != server.issuer:
            continue
        try:
            ca.public_key().verify(
                server.signature, server.tbs_certificate_bytes, padding.PKCS1v15(), server.signature_hash_algorithm
            )
            return True
        except Exception:  # cryptography.exceptions.InvalidSignature
            continue
    return False


# ------------------------------------------------------------------ tests


def test_endpoint_lifecycle(sandbox, run_playbook, setup):
    run_playbook(PLAYBOOKS / "endpoint.yml", extra_vars=setup["extra"])
    actions = writes(sandbox)
    # One create (a re-run never creates a second endpoint), one modify, the tags, one delete;
    # check mode, the idempotent runs, the refused immutable change and the client file made none.
    assert actions.count("CreateClientVpnEndpoint") == 1
    assert actions.count("ModifyClientVpnEndpoint") == 1
    assert actions.count("DeleteClientVpnEndpoint") == 1
    assert set(actions) <= {
        "CreateClientVpnEndpoint",
        "ModifyClientVpnEndpoint",
        "DeleteClientVpnEndpoint",
        "CreateTags",
        "DeleteTags",
    }, actions
    assert all(c["status"] < 400 for c in sandbox.write_calls())


def test_apply_twice_and_the_client_file(sandbox, run_playbook, setup):
    """A re-run makes no write call; the file is 0600, points at the VPN name and its CA verifies the server."""
    extra = setup["extra"]
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=extra)
    assert writes(sandbox) == ["CreateClientVpnEndpoint"]
    assert stat.S_IMODE(os.stat(setup["dest"]).st_mode) == 0o600
    first = setup["dest"].read_bytes()
    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=extra)
    assert writes(sandbox) == []
    assert setup["dest"].read_bytes() == first

    directives, blocks = parse_openvpn(first.decode())
    names = [d[0] for d in directives]
    assert names[0] == "client"
    assert ("dev", ["tun"]) in directives
    assert ("proto", ["tcp"]) in directives
    assert [args for name, args in directives if name == "remote"] == [[VPN_NAME, "443"]]
    assert "remote-random-hostname" not in names
    assert "auth-user-pass" in names
    assert set(blocks) == {"ca"}
    assert ca_verifies(blocks["ca"], setup["pki"]["server"])
    # The check is not vacuous: the server certificate itself (not a CA of it) does not verify it.
    assert not ca_verifies(setup["pki"]["server"].decode(), setup["pki"]["server"])


def test_rejections(sandbox, run_playbook, setup):
    run_playbook(PLAYBOOKS / "errors.yml", extra_vars=setup["extra"])
    # The only successful writes are the endpoint made for the overlap check and its cleanup.
    ok = [c["action"] for c in sandbox.write_calls() if c["status"] < 400]
    assert sorted(ok) == ["CreateClientVpnEndpoint", "DeleteClientVpnEndpoint"]


def test_replace_disassociates_and_recreates(sandbox, run_playbook, setup):
    run_playbook(PLAYBOOKS / "replace.yml", extra_vars=setup["extra"])
    actions = [c["action"] for c in sandbox.write_calls() if c["status"] < 400]
    # create, associate, [replace: disassociate, delete, create], cleanup: delete (disassociation of nothing)
    assert actions[:2] == ["CreateClientVpnEndpoint", "AssociateClientVpnTargetNetwork"]
    assert actions[2:5] == ["DisassociateClientVpnTargetNetwork", "DeleteClientVpnEndpoint", "CreateClientVpnEndpoint"]
    endpoints = setup["ec2"].describe_client_vpn_endpoints()["ClientVpnEndpoints"]
    assert [e for e in endpoints if e["Status"]["Code"] not in ("deleting", "deleted")] == []


def test_retries_concurrent_mutation_limit(sandbox, run_playbook, setup):
    """A ConcurrentMutationLimitExceeded answer is retried, not reported."""
    rule = {
        "service": "ec2",
        "action": "CreateClientVpnEndpoint",
        "code": "ConcurrentMutationLimitExceeded",
        "count": 1,
    }
    sandbox.control("POST", "faults", {"rules": [rule]})
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=setup["extra"])
    statuses = [c["status"] for c in sandbox.write_calls() if c["action"] == "CreateClientVpnEndpoint"]
    assert len(statuses) == 2 and statuses[0] >= 400 and statuses[1] < 400


# ------------------------------------------------------- AWS's eventual consistency

# Every wait real but short (an association ~0.5 s); the first describe of each new item misses it.
CONSISTENCY_SCALE = 0.001


def test_apply_when_the_new_endpoint_is_not_yet_described(sandbox, run_playbook, setup):
    """A describe that misses the just-created endpoint is waited out: one endpoint, and a re-run writes nothing."""
    sandbox.set_time_scale(CONSISTENCY_SCALE)
    extra = setup["extra"]
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=extra)
    assert writes(sandbox) == ["CreateClientVpnEndpoint"]
    missed = [
        c
        for c in sandbox.calls()
        if c["action"] == "DescribeClientVpnEndpoints" and c["error_code"] == "InvalidClientVpnEndpointId.NotFound"
    ]
    assert missed, "the sandbox's consistency effect did not apply"
    endpoints = setup["ec2"].describe_client_vpn_endpoints()["ClientVpnEndpoints"]
    assert len(endpoints) == 1
    sandbox.clear_calls()
    run_playbook(PLAYBOOKS / "apply.yml", extra_vars=extra)
    assert writes(sandbox) == []


def test_replace_when_associations_vanish_with_the_dotless_code(sandbox, run_playbook, setup):
    """The disassociation wait takes InvalidClientVpnAssociationIdNotFound (a gone association) as done."""
    sandbox.set_time_scale(CONSISTENCY_SCALE)
    run_playbook(PLAYBOOKS / "replace.yml", extra_vars=setup["extra"])
    actions = [c["action"] for c in sandbox.write_calls() if c["status"] < 400]
    assert actions.count("CreateClientVpnEndpoint") == 2
    # The wait met the gone association (polls are 1 s apart, the association is gone after 0.36 s).
    assert any(
        c["action"] == "DescribeClientVpnTargetNetworks" and c["error_code"] == "InvalidClientVpnAssociationIdNotFound"
        for c in sandbox.calls()
    )
    endpoints = setup["ec2"].describe_client_vpn_endpoints()["ClientVpnEndpoints"]
    assert [e for e in endpoints if e["Status"]["Code"] not in ("deleting", "deleted")] == []


def test_saml_authentication_from_the_role_filter(sandbox, run_playbook, setup):
    """vpn_authentication saml at module level: an IAM SAML provider (and one for the self-service portal), the
    endpoint made once from the endpoint_authentication filter, a re-run that writes nothing, a federated client file,
    and no revocation list read or imported on an endpoint without mutual authentication."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization

    from tests.certificates import name

    iam = sandbox.client("iam", REGION)
    metadata = "<EntityDescriptor>" + "x" * 1000 + "</EntityDescriptor>"
    saml = iam.create_saml_provider(Name="okta", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    portal = iam.create_saml_provider(Name="okta-portal", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    now = datetime.datetime.now(datetime.timezone.utc)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(name("Client VPN Test CA"))
        .last_update(now)
        .next_update(now + datetime.timedelta(days=180))
        .sign(rsa_key(), hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    sandbox.clear_calls()
    run_playbook(
        PLAYBOOKS / "saml.yml",
        extra_vars=dict(setup["extra"], cvpn_saml_arn=saml, cvpn_portal_arn=portal, cvpn_crl=crl),
    )
    assert writes(sandbox) == ["CreateClientVpnEndpoint"]
    actions = [c["action"] for c in sandbox.calls()]
    assert "ExportClientVpnClientCertificateRevocationList" not in actions
    directives, blocks = parse_openvpn(setup["dest"].read_text())
    names = [d[0] for d in directives]
    assert "auth-federate" in names
    assert set(blocks) == {"ca"}
