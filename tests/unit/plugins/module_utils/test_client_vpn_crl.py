"""ec2_client_vpn_crl's logic: import only a different list, read-only without one, never on an endpoint without
mutual authentication, and what a list says (issuer, next update, revoked serials)."""

import datetime
from unittest.mock import MagicMock

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_crl
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import AnsibleClientVpnError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_crl import CrlError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_crl import crl_summary
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_crl import ensure_crl
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_crl import same_crl
from ansible_collections.multiregion.client_vpn.plugins.modules import ec2_client_vpn_crl
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import client_error
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.certificates import crl_pem

ENDPOINT_ID = "cvpn-endpoint-0123456789abcdef0"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NOW = datetime.datetime(2026, 12, 5, tzinfo=datetime.timezone.utc)
MUTUAL = {"Type": "certificate-authentication", "MutualAuthentication": {"ClientRootCertificateChain": "arn:cert"}}
AD = {"Type": "directory-service-authentication", "ActiveDirectory": {"DirectoryId": "d-1234567890"}}


def crl(serials=(), days=180):
    return crl_pem(serials, "vpn.example.com CA", key=KEY, now=NOW, days=days)


LIST_A = crl([3, 1])
LIST_B = crl([1, 2, 3])


def ec2(current=None, status="active", auth=(MUTUAL,), endpoints=None):
    client = MagicMock()
    endpoint = {
        "ClientVpnEndpointId": ENDPOINT_ID,
        "Status": {"Code": "available"},
        "AuthenticationOptions": list(auth),
    }
    client.get_paginator.return_value.paginate.return_value.build_full_result.return_value = {
        "ClientVpnEndpoints": [endpoint] if endpoints is None else endpoints
    }
    answer = {} if current is None else {"CertificateRevocationList": current, "Status": {"Code": status}}
    client.export_client_vpn_client_certificate_revocation_list.return_value = answer
    client.import_client_vpn_client_certificate_revocation_list.return_value = {"Return": True}
    return client


def params(**changes):
    return dict(dict(client_vpn_endpoint_id=ENDPOINT_ID, name=None, crl=None), **changes)


def test_summary_says_issuer_dates_and_sorted_serials():
    assert crl_summary(LIST_A, now=NOW) == {
        "issuer": "CN=vpn.example.com CA",
        "last_update": "2026-12-05T00:00:00Z",
        "next_update": "2027-06-03T00:00:00Z",
        "expired": False,
        "revoked_serials": [1, 3],
    }
    assert crl_summary(LIST_A, now=NOW + datetime.timedelta(days=181))["expired"] is True


def test_the_same_list_whatever_its_text():
    assert same_crl(LIST_A, LIST_A.replace("\n", "\r\n") + "\n\n")
    assert not same_crl(LIST_A, LIST_B)
    assert not same_crl(None, LIST_A)
    assert same_crl(None, None)
    assert not same_crl("garbage", LIST_A)


NOT_ONE_CRL = [
    "",
    "not a crl",
    LIST_A + LIST_B,
    "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
]


@pytest.mark.parametrize("text", NOT_ONE_CRL)
def test_a_wanted_list_that_is_not_one_pem_crl_fails_before_any_call(text):
    client = ec2()
    with pytest.raises(CrlError):
        ensure_crl(client, params(crl=text), False)
    assert client.method_calls == []


def test_a_new_list_is_imported():
    client = ec2(current=LIST_A)
    result = ensure_crl(client, params(crl=LIST_B), False)
    client.import_client_vpn_client_certificate_revocation_list.assert_called_once_with(
        ClientVpnEndpointId=ENDPOINT_ID, CertificateRevocationList=LIST_B
    )
    assert result["changed"] and result["imported"]
    assert result["crl"]["revoked_serials"] == [1, 2, 3]
    assert result["crl"]["status"]["code"] == "pending"
    assert result["diff"]["before"]["revoked_serials"] == [1, 3]
    assert result["diff"]["after"]["revoked_serials"] == [1, 2, 3]


def test_the_first_list_is_imported():
    client = ec2(current=None)
    result = ensure_crl(client, params(crl=LIST_A), False)
    assert result["imported"]
    assert result["diff"]["before"] == {"revoked_serials": [], "next_update": None}


def test_the_list_in_place_is_not_imported_again():
    # An import resets every connection: the same list (even re-encoded) makes no write call.
    client = ec2(current=LIST_A.replace("\n", "\r\n"))
    result = ensure_crl(client, params(crl=LIST_A), False)
    assert not result["changed"] and not result["imported"]
    client.import_client_vpn_client_certificate_revocation_list.assert_not_called()
    assert result["crl"]["status"] == {"code": "active", "message": None}
    assert "diff" not in result


def test_check_mode_reports_the_change_without_importing():
    client = ec2(current=LIST_A)
    result = ensure_crl(client, params(crl=LIST_B), True)
    assert result["changed"] and not result["imported"]
    client.import_client_vpn_client_certificate_revocation_list.assert_not_called()
    assert result["crl"]["revoked_serials"] == [1, 3]  # as it was


def test_without_a_list_only_reads():
    client = ec2(current=LIST_A, status="pending")
    result = ensure_crl(client, params(), False)
    assert result["changed"] is False
    assert result["crl"]["next_update"] == "2027-06-03T00:00:00Z"
    assert result["crl"]["status"]["code"] == "pending"
    client.import_client_vpn_client_certificate_revocation_list.assert_not_called()
    assert ensure_crl(ec2(current=None), params(), False)["crl"] is None


def test_an_endpoint_without_mutual_authentication_has_no_list():
    client = ec2(current=LIST_A, auth=(AD,))
    assert ensure_crl(client, params(), False)["crl"] is None
    client.export_client_vpn_client_certificate_revocation_list.assert_not_called()
    with pytest.raises(CrlError, match="does not use mutual"):
        ensure_crl(client, params(crl=LIST_A), False)
    client.import_client_vpn_client_certificate_revocation_list.assert_not_called()


def test_found_by_name_or_missing():
    named = {
        "ClientVpnEndpointId": ENDPOINT_ID,
        "Status": {"Code": "available"},
        "AuthenticationOptions": [AD, MUTUAL],
        "Tags": [{"Key": "Name", "Value": "vpn.example.com-us-east-1"}],
    }
    client = ec2(current=None, endpoints=[named])
    result = ensure_crl(
        client, params(client_vpn_endpoint_id=None, name="vpn.example.com-us-east-1", crl=LIST_A), False
    )
    assert result["client_vpn_endpoint_id"] == ENDPOINT_ID and result["imported"]
    with pytest.raises(AnsibleClientVpnError, match="not found"):
        ensure_crl(ec2(endpoints=[]), params(client_vpn_endpoint_id=None, name="other"), False)


@pytest.fixture
def no_sleep(monkeypatch):
    """Retries back off without sleeping."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def test_throttling_is_retried(no_sleep):
    client = ec2(current=LIST_A)
    client.import_client_vpn_client_certificate_revocation_list.side_effect = [
        client_error("RequestLimitExceeded", "ImportClientVpnClientCertificateRevocationList"),
        {"Return": True},
    ]
    assert ensure_crl(client, params(crl=LIST_B), False)["imported"]
    assert client.import_client_vpn_client_certificate_revocation_list.call_count == 2


def test_main_fails_with_the_reason(capsys, monkeypatch):
    result = run_main(
        ec2_client_vpn_crl, dict(client_vpn_endpoint_id=ENDPOINT_ID, crl="nope"), ec2(), capsys, monkeypatch
    )
    assert result["failed"] and "PEM X.509 certificate revocation list" in result["msg"]


def test_main_imports_and_returns_the_list(capsys, monkeypatch):
    client = ec2(current=LIST_A)
    args = dict(client_vpn_endpoint_id=ENDPOINT_ID, crl=LIST_B, region="us-east-1")
    result = run_main(ec2_client_vpn_crl, args, client, capsys, monkeypatch)
    assert result["changed"] and result["crl"]["revoked_serials"] == [1, 2, 3]
    assert "diff" not in result
    assert client_vpn_crl.HAS_CRYPTOGRAPHY
