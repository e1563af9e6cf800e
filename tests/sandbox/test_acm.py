"""ACM in the sandbox: import validation and GetCertificate returning exactly what was imported."""

import functools
import time

import botocore.exceptions
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.certificates import certificate
from tests.certificates import pem


def _cert(cn, key, issuer_key=None, issuer_cn=None, ca=False, days=30, start_days=-1):
    """PEM of a certificate; only a CA has BasicConstraints."""
    return pem(certificate(cn, key, issuer_cn, issuer_key, ca=True if ca else None, days=days, start_days=start_days))


def _key_pem(key, password=None):
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


@functools.lru_cache(maxsize=None)
def rsa_key(bits):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.lru_cache(maxsize=None)
def pki():
    """A CA, an intermediate and a server certificate signed by the intermediate (RSA 2048)."""
    root_key, inter_key, server_key = rsa.generate_private_key(65537, 2048), rsa_key(2048), rsa_key(1024)
    root = _cert("Example Root CA", root_key, ca=True)
    inter = _cert("Example Intermediate CA", inter_key, root_key, "Example Root CA", ca=True)
    server = _cert("vpn.example.com", server_key, inter_key, "Example Intermediate CA")
    return {"root": root, "inter": inter, "server": server, "server_key": _key_pem(server_key)}


def error_code(exc_info):
    return exc_info.value.response["Error"]["Code"]


@pytest.fixture
def acm(sandbox):
    return sandbox.client("acm", "us-east-1")


def test_get_certificate_returns_exactly_the_imported_chain(acm):
    material = pki()
    chain = material["inter"] + material["root"]
    arn = acm.import_certificate(
        Certificate=material["server"], PrivateKey=material["server_key"], CertificateChain=chain
    )["CertificateArn"]
    got = acm.get_certificate(CertificateArn=arn)
    assert got["Certificate"].strip() == material["server"].decode().strip()
    assert got["CertificateChain"].strip() == chain.decode().strip()  # no root CA appended


def test_without_chain_the_certificate_is_its_own_chain(acm):
    key = rsa_key(2048)
    cert = _cert("self.example.com", key)
    arn = acm.import_certificate(Certificate=cert, PrivateKey=_key_pem(key))["CertificateArn"]
    assert acm.get_certificate(CertificateArn=arn)["CertificateChain"].strip() == cert.decode().strip()


def test_describe_certificate_is_consistent(acm):
    material = pki()
    arn = acm.import_certificate(
        Certificate=material["server"], PrivateKey=material["server_key"], CertificateChain=material["inter"]
    )["CertificateArn"]
    described = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    serial = x509.load_pem_x509_certificate(material["server"]).serial_number
    assert described["Type"] == "IMPORTED" and described["Status"] == "ISSUED"
    assert described["KeyAlgorithm"] == "RSA_1024"
    assert described["DomainName"] == "vpn.example.com"
    assert described["Serial"] == ":".join(f"{b:02x}" for b in serial.to_bytes((serial.bit_length() + 7) // 8, "big"))
    assert "ImportedAt" in described


@pytest.mark.parametrize(
    "bits,algorithm", [(1024, "RSA_1024"), (2048, "RSA_2048"), (3072, "RSA_3072"), (4096, "RSA_4096")]
)
def test_rsa_key_sizes_acm_imports(acm, bits, algorithm):
    key = rsa_key(bits)
    arn = acm.import_certificate(Certificate=_cert("k.example.com", key), PrivateKey=_key_pem(key))["CertificateArn"]
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["KeyAlgorithm"] == algorithm


@pytest.mark.parametrize(
    "curve,algorithm",
    [(ec.SECP256R1(), "EC_prime256v1"), (ec.SECP384R1(), "EC_secp384r1"), (ec.SECP521R1(), "EC_secp521r1")],
)
def test_ecdsa_curves_acm_imports(acm, curve, algorithm):
    key = ec.generate_private_key(curve)
    arn = acm.import_certificate(Certificate=_cert("e.example.com", key), PrivateKey=_key_pem(key))["CertificateArn"]
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["KeyAlgorithm"] == algorithm


def test_rsa_key_size_acm_does_not_import(acm):
    key = rsa_key(1536)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.import_certificate(Certificate=_cert("k.example.com", key), PrivateKey=_key_pem(key))
    assert error_code(err) == "ValidationException"


def test_unsupported_curve_is_rejected(acm):
    key = ec.generate_private_key(ec.SECP256K1())
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.import_certificate(Certificate=_cert("k.example.com", key), PrivateKey=_key_pem(key))
    assert error_code(err) == "ValidationException"


def test_key_must_match_the_certificate(acm):
    material = pki()
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.import_certificate(Certificate=material["server"], PrivateKey=_key_pem(rsa_key(2048)))
    assert error_code(err) == "ValidationException"
    assert "does not match" in err.value.response["Error"]["Message"]


def test_encrypted_key_is_rejected(acm):
    key = rsa_key(2048)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.import_certificate(Certificate=_cert("k.example.com", key), PrivateKey=_key_pem(key, b"secret-pass"))
    assert error_code(err) == "ValidationException"


def test_one_certificate_only_in_the_certificate_field(acm):
    material = pki()
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.import_certificate(Certificate=material["server"] + material["inter"], PrivateKey=material["server_key"])
    assert error_code(err) == "ValidationException"


@pytest.mark.parametrize("field", ["Certificate", "PrivateKey", "CertificateChain"])
def test_material_must_be_pem(acm, field):
    material = pki()
    params = {
        "Certificate": material["server"],
        "PrivateKey": material["server_key"],
        "CertificateChain": material["inter"],
    }
    params[field] = b"not a PEM block"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.import_certificate(**params)
    assert error_code(err) == "ValidationException"


def test_expired_or_future_certificate_is_rejected(acm):
    key = rsa_key(2048)
    for cert in (_cert("old.example.com", key, days=-1, start_days=-10), _cert("new.example.com", key, start_days=5)):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            acm.import_certificate(Certificate=cert, PrivateKey=_key_pem(key))
        assert error_code(err) == "ValidationException"


def test_reimport_keeps_arn_and_tags_and_replaces_material(acm):
    material = pki()
    arn = acm.import_certificate(
        Certificate=material["server"],
        PrivateKey=material["server_key"],
        CertificateChain=material["inter"],
        Tags=[{"Key": "Name", "Value": "vpn"}],
    )["CertificateArn"]
    key = rsa_key(2048)
    replacement = _cert("vpn.example.com", key)
    again = acm.import_certificate(CertificateArn=arn, Certificate=replacement, PrivateKey=_key_pem(key))
    assert again["CertificateArn"] == arn
    assert acm.list_tags_for_certificate(CertificateArn=arn)["Tags"] == [{"Key": "Name", "Value": "vpn"}]
    got = acm.get_certificate(CertificateArn=arn)
    assert got["Certificate"].strip() == replacement.decode().strip()
    assert got["CertificateChain"].strip() == replacement.decode().strip()
    assert len(acm.list_certificates()["CertificateSummaryList"]) == 1


def test_reimport_accepts_no_tags(acm):
    material = pki()
    arn = acm.import_certificate(Certificate=material["server"], PrivateKey=material["server_key"])["CertificateArn"]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.import_certificate(
            CertificateArn=arn,
            Certificate=material["server"],
            PrivateKey=material["server_key"],
            Tags=[{"Key": "a", "Value": "b"}],
        )
    assert error_code(err) == "ValidationException"


def test_reimport_of_unknown_or_malformed_arn(acm):
    material = pki()
    params = {"Certificate": material["server"], "PrivateKey": material["server_key"]}
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.import_certificate(CertificateArn="arn:aws:acm:us-east-1:123456789012:certificate/0000-1111", **params)
    assert error_code(err) == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.import_certificate(CertificateArn="arn:aws:s3:::not-a-certificate-arn", **params)
    assert error_code(err) == "InvalidArnException"


def test_certificates_are_regional(sandbox, acm):
    material = pki()
    arn = acm.import_certificate(Certificate=material["server"], PrivateKey=material["server_key"])["CertificateArn"]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sandbox.client("acm", "eu-west-1").get_certificate(CertificateArn=arn)
    assert error_code(err) == "ResourceNotFoundException"


def test_a_new_import_is_missing_from_the_first_reads(sandbox, acm):
    """Eventual consistency: the first reads after ImportCertificate miss it; then it is listed and described."""
    material = pki()
    sandbox.set_time_scale(0.1)  # a 0.5 s window
    arn = acm.import_certificate(Certificate=material["server"], PrivateKey=material["server_key"])["CertificateArn"]
    assert acm.list_certificates()["CertificateSummaryList"] == []
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.describe_certificate(CertificateArn=arn)
    assert error_code(err) == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        acm.get_certificate(CertificateArn=arn)
    assert error_code(err) == "ResourceNotFoundException"
    time.sleep(0.55)
    assert [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]] == [arn]
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["CertificateArn"] == arn
    # A re-import is no new certificate: it stays visible.
    acm.import_certificate(CertificateArn=arn, Certificate=material["server"], PrivateKey=material["server_key"])
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["CertificateArn"] == arn
