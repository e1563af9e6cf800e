# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The logic of acm_certificate_import: import a certificate once, whatever AWS loses.

ImportCertificate has no idempotency token.  The certificate is found by its
Name tag, else as the same certificate left untagged (an import whose answer
or tagging was lost), which is adopted; a new import carries its tags in the
call itself and is made once on a single-attempt client
(``lost_answer.create_once``).
"""

import base64
import re
import time

try:
    import botocore
except ImportError:
    pass  # Modules are responsible for handling this.

try:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False

from ansible.module_utils.common.text.converters import to_bytes
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.multiregion.client_vpn.plugins.module_utils import lost_answer

# ListCertificates lists RSA 2048 certificates only unless asked for every key type.
KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
MISSING_CODE = "ResourceNotFoundException"
RETRY_CODES = ["RequestInProgressException", "ThrottlingException"]
PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----")


class AnsibleACMImportError(AnsibleAWSError):
    pass


class CertificateInputError(ValueError):
    """The certificate given cannot be read (found before any AWS call)."""


class ACMErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleACMImportError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(MISSING_CODE)


# ---------------------------------------------------------------------------
# One wrapper per AWS call
# ---------------------------------------------------------------------------


@ACMErrorHandler.common_error_handler("list certificates")
@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def list_certificates(client):
    paginator = client.get_paginator("list_certificates")
    result = paginator.paginate(Includes={"keyTypes": KEY_TYPES}).build_full_result()
    return result.get("CertificateSummaryList", [])


@ACMErrorHandler.list_error_handler("list the certificate's tags", None)
@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def list_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_certificate(CertificateArn=arn).get("Tags", []))


@ACMErrorHandler.list_error_handler("describe the certificate", None)
@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def describe_certificate(client, arn):
    return client.describe_certificate(CertificateArn=arn)["Certificate"]


@ACMErrorHandler.list_error_handler("get the certificate", None)
@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def get_certificate(client, arn):
    answer = client.get_certificate(CertificateArn=arn)
    return {"certificate": answer.get("Certificate", ""), "chain": answer.get("CertificateChain", "")}


@ACMErrorHandler.common_error_handler("tag the certificate")
@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES + [MISSING_CODE])
def add_tags(client, arn, tags):
    client.add_tags_to_certificate(CertificateArn=arn, Tags=ansible_dict_to_boto3_tag_list(dict(sorted(tags.items()))))


@ACMErrorHandler.common_error_handler("untag the certificate")
@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES + [MISSING_CODE])
def remove_tags(client, arn, tags):
    client.remove_tags_from_certificate(
        CertificateArn=arn, Tags=ansible_dict_to_boto3_tag_list(dict(sorted(tags.items())))
    )


def import_certificate(write_client, params, arn=None, tags=None):
    """ImportCertificate, once: ``write_client`` has botocore retries off and nothing here retries.

    A re-import (``arn``) takes no tags: ACM refuses them and keeps the certificate's own.
    """
    request = {"Certificate": to_bytes(params["certificate"]), "PrivateKey": to_bytes(params["private_key"])}
    if params.get("certificate_chain"):
        request["CertificateChain"] = to_bytes(params["certificate_chain"])
    if arn:
        request["CertificateArn"] = arn
    elif tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(dict(sorted(tags.items())))
    return write_client.import_certificate(**request)["CertificateArn"]


# ---------------------------------------------------------------------------
# The local certificate
# ---------------------------------------------------------------------------


def pem_blocks(pem):
    """The DER of every certificate of a PEM text, in order."""
    return [base64.b64decode("".join(body.split())) for body in PEM_CERTIFICATE.findall(to_text(pem or ""))]


def normalize_serial(serial):
    """An ACM serial ("0a:1b:...", colon-separated hex bytes) as lower-case hex without leading zeros."""
    text = str(serial or "").replace(":", "").strip().lower()
    return (text.lstrip("0") or "0") if text else ""


def identity(certificate_pem):
    """What finds an untagged copy of the certificate: its domain name, serial (hex) and issuer names."""
    blocks = pem_blocks(certificate_pem)
    if len(blocks) != 1:
        raise CertificateInputError("certificate must hold exactly one PEM certificate")
    try:
        cert = x509.load_der_x509_certificate(blocks[0])
    except ValueError as e:
        raise CertificateInputError(f"certificate cannot be read: {e}") from e

    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    domain = str(common_names[0].value) if common_names else ""
    if not domain:
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            domain = (san.get_values_for_type(x509.DNSName) or [""])[0]
        except x509.ExtensionNotFound:
            domain = ""
    # How DescribeCertificate names the issuer is not documented: any one attribute value, or the whole name.
    issuers = {str(attribute.value) for attribute in cert.issuer}
    issuers.add(cert.issuer.rfc4514_string())
    return dict(domain=domain, serial=format(cert.serial_number, "x"), issuers=issuers, der=blocks[0])


def same_material(stored, params):
    """True when ACM holds this certificate and chain (compared as DER, whatever the PEM layout)."""
    if stored is None or pem_blocks(stored["certificate"]) != pem_blocks(params["certificate"]):
        return False
    if params.get("certificate_chain"):
        return pem_blocks(stored["chain"]) == pem_blocks(params["certificate_chain"])
    return True


# ---------------------------------------------------------------------------
# Logic
# ---------------------------------------------------------------------------


def desired_tags(params):
    tags = dict(params.get("tags") or {})
    if tags.get("Name", params["name_tag"]) != params["name_tag"]:
        raise CertificateInputError("tags.Name differs from name_tag")
    tags["Name"] = params["name_tag"]
    return tags


def find_by_name(client, name_tag):
    """The certificates whose Name tag is ``name_tag``: [(summary, tags)]."""
    found = []
    for summary in list_certificates(client):
        tags = list_tags(client, summary["CertificateArn"])
        if tags is not None and tags.get("Name") == name_tag:
            found.append((summary, tags))
    return found


def find_untagged_copy(client, mine, bodies=None):
    """An imported certificate without a Name tag that is this certificate: (summary, tags), or None.

    Candidates share the domain name (ListCertificates), then the serial and issuer
    (DescribeCertificate); the body (GetCertificate) settles it.  ``bodies`` (a dict)
    keeps what GetCertificate answered, by ARN.
    """
    bodies = {} if bodies is None else bodies
    for summary in list_certificates(client):
        arn = summary["CertificateArn"]
        if summary.get("DomainName") != mine["domain"]:
            continue
        described = describe_certificate(client, arn)
        if not described or described.get("Type", "IMPORTED") != "IMPORTED":
            continue
        if normalize_serial(described.get("Serial")) != mine["serial"]:
            continue
        if described.get("Issuer") and described["Issuer"] not in mine["issuers"]:
            continue
        tags = list_tags(client, arn)
        if tags is None or "Name" in tags:
            continue
        bodies[arn] = get_certificate(client, arn)
        if bodies[arn] is not None and pem_blocks(bodies[arn]["certificate"]) == [mine["der"]]:
            return summary, tags
    return None


def _oldest_first(pair):
    summary = pair[0]
    return (str(summary.get("ImportedAt") or summary.get("CreatedAt") or ""), summary["CertificateArn"])


def ensure_certificate_import(client, write_client, params, check_mode, clock=None, sleep=None):
    """Make sure ACM holds this certificate under its Name tag; return the module's result dict.

    ``client`` makes the reads and tag changes (retried); ``write_client`` makes
    ImportCertificate only, with botocore retries off.
    """
    sleep = sleep or time.sleep
    tags = desired_tags(params)
    purge = params.get("purge_tags", True) if params.get("tags") is not None else False
    mine = identity(params["certificate"])
    changed = adopted = imported = False
    duplicates = []

    bodies = {}
    named = sorted(find_by_name(client, params["name_tag"]), key=_oldest_first)
    if named:
        # Several certificates under one name: keep the one holding this body, else the oldest; list the others.
        for summary, dummy in named:
            bodies[summary["CertificateArn"]] = get_certificate(client, summary["CertificateArn"])
        holding = [pair for pair in named if same_material(bodies[pair[0]["CertificateArn"]], params)]
        summary, current_tags = (holding or named)[0]
        duplicates = [pair[0]["CertificateArn"] for pair in named if pair[0] is not summary]
    else:
        copy = find_untagged_copy(client, mine, bodies)
        summary, current_tags = copy if copy else (None, {})
        adopted = copy is not None

    before = {}
    if summary is not None:
        arn = summary["CertificateArn"]
        before = dict(arn=arn, tags=dict(current_tags))
        if not same_material(bodies.get(arn), params):
            changed = True
            if not check_mode:
                reimport(client, write_client, params, arn, clock, sleep)
    elif check_mode:
        return dict(
            changed=True,
            certificate=dict(arn="", domain_name=mine["domain"], tags=tags),
            adopted=False,
            duplicate_arns=[],
            diff=dict(before={}, after=dict(arn="", tags=tags)),
        )
    else:
        arn, current_tags = first_import(client, write_client, params, tags, mine, clock, sleep)
        changed = imported = True

    to_add, to_remove = compare_aws_tags(current_tags, tags, purge)
    if to_add or to_remove:
        changed = True
        if not check_mode:
            if to_remove:
                remove_tags(client, arn, {key: current_tags[key] for key in to_remove})
            if to_add:
                add_tags(client, arn, to_add)
    final_tags = {k: v for k, v in current_tags.items() if k not in to_remove}
    final_tags.update(to_add)
    return dict(
        changed=changed or adopted,
        certificate=dict(arn=arn, domain_name=mine["domain"], tags=final_tags),
        adopted=adopted and not imported,
        duplicate_arns=duplicates,
        diff=dict(before=before, after=dict(arn=arn, tags=final_tags)),
    )


def first_import(client, write_client, params, tags, mine, clock, sleep):
    """Import with the tags in the call; after a lost answer, find the certificate instead of importing twice."""

    def lookup():
        named = find_by_name(client, params["name_tag"])
        if named:
            return sorted(named, key=_oldest_first)[0]
        # Tags travel with the import, but a copy imported without them (an older tool) is adopted too.
        return find_untagged_copy(client, mine)

    try:
        arn, recovered = lost_answer.create_once(
            lambda: import_certificate(write_client, params, tags=tags),
            lookup,
            params.get("lost_answer_timeout", 60),
            clock=clock,
            sleep=sleep,
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleACMImportError(message="Failed to import the certificate", exception=e) from e
    if arn is not None:
        return arn, dict(tags)
    summary, found_tags = recovered
    return summary["CertificateArn"], found_tags


def reimport(client, write_client, params, arn, clock, sleep):
    """Re-import in place (same ARN); after a lost answer, check what ACM holds before re-importing once more."""
    try:
        lost_answer.create_once(
            lambda: import_certificate(write_client, params, arn=arn),
            lambda: same_material(get_certificate(client, arn), params),
            params.get("lost_answer_timeout", 60),
            clock=clock,
            sleep=sleep,
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleACMImportError(message=f"Failed to re-import certificate {arn}", exception=e) from e
