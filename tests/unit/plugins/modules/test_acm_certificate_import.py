"""acm_certificate_import against a real botocore ACM client under botocore's Stubber.

Every AWS call the module makes is listed in order: a call not listed fails the test, and so does
a listed one that is not made (``assert_no_pending_responses``).
"""

import json

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils import acm_import as logic
from ansible_collections.multiregion.client_vpn.plugins.module_utils.acm_import import AnsibleACMImportError
from ansible_collections.multiregion.client_vpn.plugins.modules import acm_certificate_import as module
from botocore.stub import ANY
from botocore.stub import Stubber

from tests import certificates as pki

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-1111-1111-1111-111111111111"
ORPHAN = "arn:aws:acm:us-east-1:123456789012:certificate/22222222-2222-2222-2222-222222222222"
OTHER = "arn:aws:acm:us-east-1:123456789012:certificate/33333333-3333-3333-3333-333333333333"
DOMAIN = "vpn.example.com"
NAME = "vpn.example.com server"
TAGS = {"Name": NAME, "multiregion:client_vpn": "vpn.example.com"}
LIST_REQUEST = {"Includes": {"keyTypes": logic.KEY_TYPES}}


@pytest.fixture(scope="module")
def material():
    ca_key = pki.rsa_key()
    ca = pki.certificate("Example CA", ca_key, ca=True)
    key = pki.rsa_key()
    server = pki.certificate(DOMAIN, key, issuer_cn="Example CA", issuer_key=ca_key, san=True)
    other_key = pki.rsa_key()
    renewed = pki.certificate(DOMAIN, other_key, issuer_cn="Example CA", issuer_key=ca_key, san=True)
    return dict(
        certificate=pki.pem(server).decode(),
        private_key=pki.key_pem(key).decode(),
        chain=pki.pem(ca).decode(),
        serial=server.serial_number,
        renewed=pki.pem(renewed).decode(),
        renewed_key=pki.key_pem(other_key).decode(),
    )


def params(material, **kw):
    base = dict(
        name_tag=NAME,
        certificate=material["certificate"],
        private_key=material["private_key"],
        certificate_chain=material["chain"],
        tags={"multiregion:client_vpn": "vpn.example.com"},
        purge_tags=True,
        lost_answer_timeout=60,
    )
    base.update(kw)
    return base


def aws_serial(number):
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return ":".join(f"{b:02x}" for b in raw)


def tag_list(tags):
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


class FakeTime:
    def __init__(self):
        self.now = 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def acm():
    client = boto3.client("acm", region_name="us-east-1", aws_access_key_id="AKID", aws_secret_access_key="SECRET")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect_list(stubber, *arns):
    summaries = [{"CertificateArn": arn, "DomainName": DOMAIN} for arn in arns]
    stubber.add_response("list_certificates", {"CertificateSummaryList": summaries}, LIST_REQUEST)


def expect_tags(stubber, arn, tags):
    answer = {"Tags": tag_list(tags)} if tags else {}  # ACM leaves Tags out rather than send an empty list
    stubber.add_response("list_tags_for_certificate", answer, {"CertificateArn": arn})


def expect_body(stubber, arn, certificate, chain):
    stubber.add_response(
        "get_certificate", {"Certificate": certificate, "CertificateChain": chain}, {"CertificateArn": arn}
    )


def expect_describe(stubber, arn, serial, issuer="Example CA"):
    stubber.add_response(
        "describe_certificate",
        {
            "Certificate": {
                "CertificateArn": arn,
                "DomainName": DOMAIN,
                "Type": "IMPORTED",
                "Serial": serial,
                "Issuer": issuer,
            }
        },
        {"CertificateArn": arn},
    )


def import_request(material, tags=None, arn=None):
    request = {"Certificate": ANY, "PrivateKey": ANY, "CertificateChain": ANY}
    if tags:
        request["Tags"] = tag_list(tags)
    if arn:
        request["CertificateArn"] = arn
    return request


def test_import_with_tags_in_the_call(acm, material):
    client, stubber = acm
    expect_list(stubber)  # by Name tag
    expect_list(stubber)  # an untagged copy
    stubber.add_response("import_certificate", {"CertificateArn": ARN}, import_request(material, tags=TAGS))
    result = logic.ensure_certificate_import(client, client, params(material), False)
    assert result["changed"] and result["certificate"] == dict(arn=ARN, domain_name=DOMAIN, tags=TAGS)
    assert not result["adopted"]


def test_lost_first_answer_makes_no_duplicate(acm, material):
    """ImportCertificate performed (tags included), its answer lost; the lookup finds it by its Name tag."""
    client, stubber = acm
    fake = FakeTime()
    expect_list(stubber)
    expect_list(stubber)
    stubber.add_client_error(
        "import_certificate", "InternalFailure", "internal failure", 500, import_request(material, tags=TAGS)
    )
    expect_list(stubber)  # eventual consistency: not listed yet (by tag, then untagged copy)
    expect_list(stubber)
    expect_list(stubber, ARN)
    expect_tags(stubber, ARN, TAGS)
    result = logic.ensure_certificate_import(
        client, client, params(material), False, clock=fake.clock, sleep=fake.sleep
    )
    assert result["changed"] and result["certificate"]["arn"] == ARN and result["certificate"]["tags"] == TAGS
    assert fake.now == 2.0


def test_untagged_orphan_adopted(acm, material):
    """A certificate imported without its tags (a lost answer or a kill before tagging) is tagged, not imported again."""
    client, stubber = acm
    expect_list(stubber, OTHER, ORPHAN)
    expect_tags(stubber, OTHER, {"Name": "someone else"})
    expect_tags(stubber, ORPHAN, {})
    expect_list(stubber, OTHER, ORPHAN)
    expect_describe(stubber, OTHER, "01:02")  # same domain, another certificate
    expect_describe(stubber, ORPHAN, aws_serial(material["serial"]))
    expect_tags(stubber, ORPHAN, {})
    expect_body(stubber, ORPHAN, material["certificate"], material["chain"])  # same body and chain: no re-import
    stubber.add_response("add_tags_to_certificate", {}, {"CertificateArn": ORPHAN, "Tags": tag_list(TAGS)})
    result = logic.ensure_certificate_import(client, client, params(material), False)
    assert result["changed"] and result["adopted"]
    assert result["certificate"]["arn"] == ORPHAN and result["certificate"]["tags"] == TAGS


def test_copy_with_another_name_is_not_adopted(acm, material):
    client, stubber = acm
    expect_list(stubber, OTHER)
    expect_tags(stubber, OTHER, {"Name": "someone else"})
    expect_list(stubber, OTHER)
    expect_describe(stubber, OTHER, aws_serial(material["serial"]))
    expect_tags(stubber, OTHER, {"Name": "someone else"})
    result = logic.ensure_certificate_import(client, client, params(material), True)
    assert result["changed"] and result["certificate"]["arn"] == "" and not result["adopted"]


def test_same_certificate_and_tags_change_nothing(acm, material):
    client, stubber = acm
    expect_list(stubber, ARN)
    expect_tags(stubber, ARN, TAGS)
    expect_body(stubber, ARN, material["certificate"], material["chain"])
    result = logic.ensure_certificate_import(client, client, params(material), False)
    assert not result["changed"] and result["certificate"]["arn"] == ARN


def test_different_body_reimported_in_place_without_tags(acm, material):
    client, stubber = acm
    renewed = params(material, certificate=material["renewed"], private_key=material["renewed_key"])
    expect_list(stubber, ARN)
    expect_tags(stubber, ARN, TAGS)
    expect_body(stubber, ARN, material["certificate"], material["chain"])
    stubber.add_response("import_certificate", {"CertificateArn": ARN}, import_request(material, arn=ARN))
    result = logic.ensure_certificate_import(client, client, renewed, False)
    assert result["changed"] and result["certificate"]["arn"] == ARN


def test_check_mode_reimport_makes_no_write(acm, material):
    client, stubber = acm
    renewed = params(material, certificate=material["renewed"], private_key=material["renewed_key"])
    expect_list(stubber, ARN)
    expect_tags(stubber, ARN, TAGS)
    expect_body(stubber, ARN, material["certificate"], material["chain"])
    assert logic.ensure_certificate_import(client, client, renewed, True)["changed"]


def test_refused_import_fails_without_lookup(acm, material):
    client, stubber = acm
    expect_list(stubber)
    expect_list(stubber)
    stubber.add_client_error("import_certificate", "ValidationException", "bad key", 400)
    with pytest.raises(AnsibleACMImportError, match="import the certificate"):
        logic.ensure_certificate_import(client, client, params(material), False)


def test_conflicting_name_tag(material):
    with pytest.raises(logic.CertificateInputError):
        logic.ensure_certificate_import(None, None, params(material, tags={"Name": "other"}), False)


def test_main_hides_the_key_and_uses_a_single_attempt_import(acm, material, capsys, monkeypatch):
    client, stubber = acm
    configs = []

    def fake_client(self, service, retry_decorator=None, **kw):
        configs.append(kw.get("aws_config"))
        return client

    monkeypatch.setattr(AnsibleAWSModule, "client", fake_client)
    expect_list(stubber, ARN)
    expect_tags(stubber, ARN, TAGS)
    expect_body(stubber, ARN, material["certificate"], material["chain"])
    args = dict(
        name_tag=NAME,
        certificate=material["certificate"],
        private_key=material["private_key"],
        certificate_chain=material["chain"],
        tags={"multiregion:client_vpn": "vpn.example.com"},
        region="us-east-1",
    )
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    assert result["certificate"]["arn"] == ARN and not result["changed"]
    assert "PRIVATE KEY" not in out
    # Reads and the write alike: one botocore attempt (the wrappers and the lookup decide what is sent again).
    assert [c.retries["total_max_attempts"] for c in configs] == [1, 1]


@pytest.mark.parametrize(
    "issuer,found",
    [("Example CA", True), ("Example Org", True), ("CN=Example CA,O=Example Org", True), ("Someone Else", False)],
)
def test_issuer_forms(issuer, found):
    ca_key, key = pki.rsa_key(), pki.rsa_key()
    builder_issuer = pki.x509.Name(
        [
            pki.x509.NameAttribute(pki.NameOID.ORGANIZATION_NAME, "Example Org"),
            pki.x509.NameAttribute(pki.NameOID.COMMON_NAME, "Example CA"),
        ]
    )
    cert = pki.certificate(DOMAIN, key, issuer_cn="Example CA", issuer_key=ca_key)
    # Re-sign with a two-attribute issuer name.
    cert = (
        pki.x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(builder_issuer)
        .public_key(key.public_key())
        .serial_number(cert.serial_number)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
        .sign(ca_key, pki.hashes.SHA256())
    )
    mine = logic.identity(pki.pem(cert).decode())
    assert mine["domain"] == DOMAIN and mine["serial"] == logic.normalize_serial(aws_serial(cert.serial_number))
    assert (issuer in mine["issuers"]) == found
