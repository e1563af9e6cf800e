"""ACM as AWS behaves where moto differs.

* ImportCertificate validates the material like ACM: one PEM certificate,
  X.509 v3, an issuer; an unencrypted PEM private key of at most 5 KB that
  matches the certificate's public key and is one of the algorithms ACM
  imports (RSA 1024/2048/3072/4096, ECDSA P-256/P-384/P-521); a PEM chain.
  A re-import (``CertificateArn``) keeps the certificate's tags and users and
  accepts no ``Tags``.
* GetCertificate returns exactly the certificate and chain that were imported
  (moto appends a root CA of its own, which makes community.aws.acm_certificate
  see a different chain on every run).  Without an imported chain it returns
  the certificate itself as the chain (what community.aws.acm_certificate
  observed on AWS; unconfirmed in AWS's documentation).
* DescribeCertificate reports ``Serial`` as AWS does (colon-separated hex bytes).
* Eventual consistency (realism effect ``consistency``): a just-imported certificate is missing
  from ListCertificates and unknown to DescribeCertificate and GetCertificate
  (``ResourceNotFoundException``) for the window; a re-import keeps it visible.
"""

import base64
import binascii
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa

from .. import registry
from ..protocol import AwsError

RSA_SIZES = (1024, 2048, 3072, 4096)
EC_CURVES = ("secp256r1", "secp384r1", "secp521r1")
MAX_KEY_BYTES = 5120
_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
_ARN = re.compile(r"^arn:aws[\w-]*:acm:([a-z0-9-]+):(\d{12}):certificate/[\w-]+$")


def _invalid(message):
    return AwsError("ValidationException", message, 400)


def _blob(value, what):
    if isinstance(value, bytes):
        return value
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(f"The {what} is not PEM-encoded or is not valid.") from None


def _certificates(pem, what):
    blocks = _PEM_CERT.findall(pem)
    if not blocks:
        raise _invalid(f"The {what} is not PEM-encoded or is not valid.")
    certs = []
    for block in blocks:
        try:
            certs.append(x509.load_pem_x509_certificate(block))
        except ValueError:
            raise _invalid(f"The {what} is not PEM-encoded or is not valid.") from None
    return certs


def _public_der(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def validate_material(cert_pem, key_pem, chain_pem):
    """Raise the ValidationException ACM returns for material it refuses to import."""
    certs = _certificates(cert_pem, "certificate")
    if len(certs) > 1:
        raise _invalid(
            "The certificate field contains more than one certificate. You can specify only one certificate in this field."
        )
    cert = certs[0]
    if cert.version != x509.Version.v3:
        raise _invalid("The certificate is not an X.509 version 3 certificate.")
    if not list(cert.issuer):
        raise _invalid("The certificate's Issuer field must not be empty.")
    if len(key_pem) > MAX_KEY_BYTES:
        raise _invalid(f"The private key is larger than {MAX_KEY_BYTES} bytes.")
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:
        raise _invalid("The private key is encrypted. ACM imports unencrypted private keys only.") from None
    except (ValueError, Exception):  # cryptography raises ValueError or UnsupportedAlgorithm
        raise _invalid("The private key is not PEM-encoded or is not valid.") from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size not in RSA_SIZES:
            raise _invalid(
                f"The private key length {key.key_size} is not supported. "
                "Supported RSA key lengths are 1024, 2048, 3072 and 4096 bits."
            )
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in EC_CURVES:
            raise _invalid(
                f"The elliptic curve {key.curve.name} is not supported. Supported curves are P-256, P-384 and P-521."
            )
    else:
        raise _invalid("The private key algorithm is not supported. ACM imports RSA and ECDSA keys.")
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise _invalid("The private key does not match the public key in the certificate.")
    if chain_pem is not None:
        _certificates(chain_pem, "certificate chain")


def _bundle(call, arn):
    return getattr(call.backend("acm"), "_certificates", {}).get(arn)


CERTIFICATE_KIND = "acm_certificate"  # sandbox.realism key: the ARN


def _visible(call, arn):
    realism = getattr(call.sandbox, "realism", None)
    return realism is None or realism.visible(CERTIFICATE_KIND, arn)


def _not_found(arn):
    return AwsError("ResourceNotFoundException", f"Could not find certificate {arn}.", 400)


def _check_arn(call, arn):
    match = _ARN.match(arn or "")
    if not match:
        raise AwsError("InvalidArnException", f"The requested Amazon Resource Name (ARN) {arn} is invalid.", 400)
    if _bundle(call, arn) is None:
        raise AwsError("ResourceNotFoundException", f"Could not find certificate {arn}.", 400)


@registry.handler("acm", "ImportCertificate")
def import_certificate(call):
    params = call.params
    cert_pem = _blob(params["Certificate"], "certificate")
    key_pem = _blob(params["PrivateKey"], "private key")
    chain_pem = _blob(params["CertificateChain"], "certificate chain") if params.get("CertificateChain") else None
    arn = params.get("CertificateArn")
    previous = None
    if arn is not None:
        _check_arn(call, arn)
        previous = _bundle(call, arn)
        if previous.type != "IMPORTED":
            raise _invalid(f"Certificate {arn} was not imported; only imported certificates can be re-imported.")
        if params.get("Tags"):
            raise _invalid("You cannot apply tags when reimporting a certificate.")
    validate_material(cert_pem, key_pem, chain_pem)
    result = call.moto()
    bundle = _bundle(call, result["CertificateArn"])
    if bundle is not None:
        # What GetCertificate returns and what the Client VPN emulation bundles as CA: the imported chain only.
        bundle.chain = (chain_pem.strip() + b"\n") if chain_pem else (cert_pem.strip() + b"\n")
        if previous is not None and previous is not bundle:
            bundle.tags = previous.tags
            bundle.in_use_by = previous.in_use_by
    realism = getattr(call.sandbox, "realism", None)
    if previous is None and realism is not None:
        realism.created(CERTIFICATE_KIND, result["CertificateArn"])
    return {"CertificateArn": result["CertificateArn"]}


def aws_serial(number):
    raw = number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")
    return ":".join(f"{b:02x}" for b in raw)


@registry.handler("acm", "DescribeCertificate")
def describe_certificate(call):
    if not _visible(call, call.params.get("CertificateArn")):
        raise _not_found(call.params.get("CertificateArn"))
    result = call.moto()
    cert = result.get("Certificate", {})
    bundle = _bundle(call, cert.get("CertificateArn"))
    if bundle is not None and getattr(bundle, "_cert", None) is not None:
        cert["Serial"] = aws_serial(bundle._cert.serial_number)
    return result


@registry.handler("acm", "GetCertificate")
def get_certificate(call):
    if not _visible(call, call.params.get("CertificateArn")):
        raise _not_found(call.params.get("CertificateArn"))
    return registry.PASS


@registry.handler("acm", "ListCertificates")
def list_certificates(call):
    result = call.moto()
    result["CertificateSummaryList"] = [
        c for c in result.get("CertificateSummaryList", []) if _visible(call, c.get("CertificateArn"))
    ]
    return result
