"""Client certificate revocation lists in the sandbox: import and export, the endpoint's authentication, the CRL's
shape, and the status that moves from pending to active."""

from cryptography import x509

from sandbox.clock import DURATIONS
from tests.certificates import certificate
from tests.certificates import crl_pem
from tests.certificates import rsa_key
from tests.sandbox.test_client_vpn import CERT_AUTH
from tests.sandbox.test_client_vpn import client
from tests.sandbox.test_client_vpn import code_of
from tests.sandbox.test_client_vpn import create_endpoint
from tests.sandbox.test_client_vpn import directory
from tests.sandbox.test_client_vpn import import_server_cert
from tests.sandbox.test_client_vpn import network
from tests.sandbox.test_client_vpn import pki  # noqa: F401 (fixture)
from tests.sandbox.test_client_vpn import wait_for


def crl_args(endpoint_id, text):
    return {"ClientVpnEndpointId": endpoint_id, "CertificateRevocationList": text}


def test_import_then_export_pending_then_active(sandbox, pki):  # noqa: F811
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    eid = create_endpoint(ec2, cert)["ClientVpnEndpointId"]
    assert "CertificateRevocationList" not in ec2.export_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=eid
    )
    sandbox.set_time_scale(0.5 / DURATIONS["vpn_crl_import"])  # applied after ~0.5 s
    crl = crl_pem([1234, 5678])
    assert ec2.import_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=eid, CertificateRevocationList=crl
    )["Return"]
    exported = ec2.export_client_vpn_client_certificate_revocation_list(ClientVpnEndpointId=eid)
    assert exported["CertificateRevocationList"] == crl
    assert exported["Status"]["Code"] == "pending"
    wait_for(
        lambda: ec2.export_client_vpn_client_certificate_revocation_list(ClientVpnEndpointId=eid)["Status"]["Code"]
        == "active"
    )
    # A new import replaces the list and is pending again.
    second = crl_pem([1234])
    ec2.import_client_vpn_client_certificate_revocation_list(ClientVpnEndpointId=eid, CertificateRevocationList=second)
    exported = ec2.export_client_vpn_client_certificate_revocation_list(ClientVpnEndpointId=eid)
    assert (exported["CertificateRevocationList"], exported["Status"]["Code"]) == (second, "pending")


def test_import_is_instant_at_time_scale_zero_and_logged_as_a_write(sandbox, pki):  # noqa: F811
    ec2 = client(sandbox, "ec2")
    eid = create_endpoint(ec2, import_server_cert(sandbox, pki))["ClientVpnEndpointId"]
    sandbox.control("DELETE", "calls")
    ec2.import_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=eid, CertificateRevocationList=crl_pem()
    )
    status = ec2.export_client_vpn_client_certificate_revocation_list(ClientVpnEndpointId=eid)["Status"]
    assert status["Code"] == "active"
    writes = {(c["action"], c["write"]) for c in sandbox.calls()}
    assert writes == {
        ("ImportClientVpnClientCertificateRevocationList", True),
        ("ExportClientVpnClientCertificateRevocationList", False),
    }


def test_import_needs_mutual_authentication(sandbox, pki):  # noqa: F811
    ec2 = client(sandbox, "ec2")
    vpc, subnets = network(sandbox)
    cert = import_server_cert(sandbox, pki)
    directory_id = directory(sandbox, vpc, subnets)
    ad = {"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": directory_id}}
    mutual = {"Type": CERT_AUTH, "MutualAuthentication": {"ClientRootCertificateChainArn": cert}}
    ad_only = create_endpoint(ec2, cert, auth=[ad])["ClientVpnEndpointId"]
    both = create_endpoint(ec2, cert, auth=[ad, mutual])["ClientVpnEndpointId"]
    crl = crl_pem([1])
    refused = code_of(ec2.import_client_vpn_client_certificate_revocation_list, **crl_args(ad_only, crl))
    assert refused == "InvalidParameterValue"
    assert ec2.import_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=both, CertificateRevocationList=crl
    )["Return"]


def test_only_a_pem_crl_is_accepted(sandbox, pki):  # noqa: F811
    ec2 = client(sandbox, "ec2")
    cert = import_server_cert(sandbox, pki)
    eid = create_endpoint(ec2, cert)["ClientVpnEndpointId"]
    not_crls = [
        "not a crl",
        pki["ca"].decode(),
        "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
        crl_pem() + crl_pem(),
    ]
    for text in not_crls:
        refused = code_of(ec2.import_client_vpn_client_certificate_revocation_list, **crl_args(eid, text))
        assert refused == "InvalidParameterValue", text
    assert "CertificateRevocationList" not in ec2.export_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=eid
    )


def test_unknown_endpoint_and_dry_run(sandbox, pki):  # noqa: F811
    ec2 = client(sandbox, "ec2")
    eid = create_endpoint(ec2, import_server_cert(sandbox, pki))["ClientVpnEndpointId"]
    missing = "cvpn-endpoint-0123456789abcdef0"
    assert (
        code_of(ec2.export_client_vpn_client_certificate_revocation_list, ClientVpnEndpointId=missing)
        == "InvalidClientVpnEndpointId.NotFound"
    )
    importing = ec2.import_client_vpn_client_certificate_revocation_list
    assert code_of(importing, **crl_args(missing, crl_pem())) == "InvalidClientVpnEndpointId.NotFound"
    assert code_of(importing, DryRun=True, **crl_args(eid, crl_pem())) == "DryRunOperation"
    assert "CertificateRevocationList" not in ec2.export_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=eid
    )


def test_import_resets_the_endpoints_connections(sandbox, pki):  # noqa: F811
    ec2 = client(sandbox, "ec2")
    vpc, subnets = network(sandbox)
    cert = import_server_cert(sandbox, pki)
    eid = create_endpoint(ec2, cert)["ClientVpnEndpointId"]
    ec2.associate_client_vpn_target_network(ClientVpnEndpointId=eid, SubnetId=subnets["a"])
    sandbox.control("POST", "client-vpn/connections", {"ClientVpnEndpointId": eid, "Username": "jdoe"})
    assert [
        c["Status"]["Code"] for c in ec2.describe_client_vpn_connections(ClientVpnEndpointId=eid)["Connections"]
    ] == ["active"]
    ec2.import_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=eid, CertificateRevocationList=crl_pem()
    )
    assert [
        c["Status"]["Code"] for c in ec2.describe_client_vpn_connections(ClientVpnEndpointId=eid)["Connections"]
    ] == ["terminated"]


def test_a_certificate_issued_by_the_ca_is_listed_by_serial(sandbox, pki):  # noqa: F811
    # The CRL holds serials: what ec2_client_vpn_crl reads back from the export.
    key = rsa_key()
    issued = certificate("jdoe", key, "Sandbox Test CA", rsa_key())
    ec2 = client(sandbox, "ec2")
    eid = create_endpoint(ec2, import_server_cert(sandbox, pki))["ClientVpnEndpointId"]
    ec2.import_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=eid, CertificateRevocationList=crl_pem([issued.serial_number])
    )
    text = ec2.export_client_vpn_client_certificate_revocation_list(ClientVpnEndpointId=eid)[
        "CertificateRevocationList"
    ]
    crl = x509.load_pem_x509_crl(text.encode())
    assert crl.get_revoked_certificate_by_serial_number(issued.serial_number) is not None
