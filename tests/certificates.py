"""Test certificates shared by the sandbox and integration suites (``from tests.certificates import ...``).

tests/conftest.py puts the repository on sys.path, so ``tests`` is importable as a namespace package.
"""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def rsa_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def certificate(common_name, key, issuer_cn=None, issuer_key=None, ca=None, san=False, days=365, start_days=-1):
    """An x509 certificate for ``key``, self-signed unless ``issuer_key`` signs it (SHA-256).

    ``ca``: None adds no BasicConstraints, True/False adds a critical BasicConstraints(ca=ca);
    ``san``: add the common name as a DNS SubjectAlternativeName; valid from ``start_days``
    to ``days`` days from now.
    """
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(common_name))
        .issuer_name(name(issuer_cn or common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=start_days))
        .not_valid_after(now + datetime.timedelta(days=days))
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key):
    """The private key as unencrypted PEM (traditional OpenSSL format)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )


def crl_pem(serials=(), issuer_cn="Sandbox Test CA", key=None, now=None, days=180):
    """A PEM CRL of ``issuer_cn`` revoking ``serials``, issued ``now`` (default: now), next update ``days`` later,
    signed by ``key`` (default: a fresh key; the sandbox does not check the signer)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(name(issuer_cn))
        .last_update(now)
        .next_update(now + datetime.timedelta(days=days))
    )
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
        )
    return builder.sign(key or rsa_key(), hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def self_signed(common_name="server.vpn.example.com", san=False, days=365):
    """(certificate PEM, private key PEM) of a self-signed RSA 2048 certificate marked as a CA."""
    key = rsa_key()
    return pem(certificate(common_name, key, ca=True, san=san, days=days)), key_pem(key)
