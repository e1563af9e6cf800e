# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ec2_client_vpn_crl does: an endpoint's client certificate revocation list made to be a given one.

``ensure_crl`` finds the endpoint (by ID or Name tag), exports its current list
(ExportClientVpnClientCertificateRevocationList, a read) and imports the wanted one
(ImportClientVpnClientCertificateRevocationList) only when it differs: an import resets every client connection of
the endpoint, so a list already in place is never imported again. Without a wanted list it only reads. Lists are
compared by their DER encoding (the same list whatever its PEM line breaks). ``crl_summary`` parses a PEM list with
``cryptography`` (issuer, last and next update, revoked serials). ``run_crl_module`` is the body of ``main()``.
"""

import datetime

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False

from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import ClientVpnErrorHandler
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import client_vpn_retry
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import require_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module

CERT_AUTH = "certificate-authentication"


class CrlError(Exception):
    """A wanted list that cannot be imported (found before any AWS call)."""


@ClientVpnErrorHandler.common_error_handler("export Client VPN client certificate revocation list")
@client_vpn_retry
def export_client_certificate_revocation_list(client, endpoint_id):
    """``(PEM text or None, status dict or None)``: None when no list was imported."""
    answer = client.export_client_vpn_client_certificate_revocation_list(ClientVpnEndpointId=endpoint_id)
    return answer.get("CertificateRevocationList") or None, answer.get("Status")


@ClientVpnErrorHandler.common_error_handler("import Client VPN client certificate revocation list")
@client_vpn_retry
def import_client_certificate_revocation_list(client, endpoint_id, pem):
    """Replaces the endpoint's list (and resets its client connections): the same list twice is the same state."""
    client.import_client_vpn_client_certificate_revocation_list(
        ClientVpnEndpointId=endpoint_id, CertificateRevocationList=pem
    )
    return True


def _utc(crl, name):
    value = getattr(crl, f"{name}_utc", None)
    if value is None:
        value = getattr(crl, name)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def load_crl(pem):
    """The parsed list of a PEM text holding exactly one X.509 CRL, else CrlError."""
    if not HAS_CRYPTOGRAPHY:
        raise CrlError("the Python library cryptography is needed to read certificate revocation lists")
    data = pem.encode("utf-8") if isinstance(pem, str) else bytes(pem or b"")
    data = data.strip()
    if data.count(b"-----BEGIN X509 CRL-----") != 1 or data.count(b"-----BEGIN") != 1:
        raise CrlError("crl must be exactly one PEM X.509 certificate revocation list (-----BEGIN X509 CRL-----)")
    try:
        return x509.load_pem_x509_crl(data)
    except ValueError as exc:
        raise CrlError(f"crl is not a valid X.509 certificate revocation list: {exc}") from exc


def crl_summary(pem, now=None):
    """What a PEM list says: ``{issuer, last_update, next_update, expired, revoked_serials}`` (serials sorted).

    ``next_update`` is when the list expires (ISO 8601, UTC); ``expired`` compares it with ``now`` (default: now).
    """
    crl = load_crl(pem)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    next_update = _utc(crl, "next_update")
    return {
        "issuer": crl.issuer.rfc4514_string(),
        "last_update": _iso(_utc(crl, "last_update")),
        "next_update": _iso(next_update),
        "expired": next_update is not None and next_update <= now,
        "revoked_serials": sorted(entry.serial_number for entry in crl),
    }


def same_crl(first, second):
    """Whether two PEM texts are the same list (DER bytes), whatever their line breaks or trailing blanks."""
    if first is None or second is None:
        return first is second
    try:
        der = [load_crl(text).public_bytes(serialization.Encoding.DER) for text in (first, second)]
    except CrlError:
        # A list AWS holds that cannot be parsed is not the wanted one.
        return False
    return der[0] == der[1]


def uses_mutual_authentication(endpoint):
    return any(option.get("Type") == CERT_AUTH for option in endpoint.get("AuthenticationOptions") or [])


def _described(pem, status):
    if pem is None:
        return None
    summary = crl_summary(pem)
    summary["status"] = {"code": (status or {}).get("Code"), "message": (status or {}).get("Message")}
    return summary


def ensure_crl(client, params, check_mode):
    """Make the endpoint's list the wanted one (``params["crl"]``), or only read it; returns the module result."""
    wanted = params.get("crl")
    if wanted is not None:
        load_crl(wanted)  # a list AWS would refuse fails before any call
    endpoint = require_client_vpn_endpoint(client, params)
    endpoint_id = endpoint["ClientVpnEndpointId"]
    result = dict(changed=False, client_vpn_endpoint_id=endpoint_id, crl=None, imported=False)
    if not uses_mutual_authentication(endpoint):
        if wanted is not None:
            raise CrlError(
                f"Client VPN endpoint {endpoint_id} does not use mutual (certificate) authentication: a client"
                " certificate revocation list does not apply to it"
            )
        # No list applies: nothing to read.
        return result
    current, status = export_client_certificate_revocation_list(client, endpoint_id)
    result["crl"] = _described(current, status)
    if wanted is None or same_crl(current, wanted):
        return result
    result["changed"] = True
    before = result["crl"]
    after = crl_summary(wanted)
    if not check_mode:
        import_client_certificate_revocation_list(client, endpoint_id, wanted)
        result["imported"] = True
        # AWS applies a new list after a while: it reads pending until then.
        after["status"] = {"code": "pending", "message": None}
        result["crl"] = after
    result["diff"] = dict(
        before={
            "revoked_serials": (before or {}).get("revoked_serials", []),
            "next_update": (before or {}).get("next_update"),
        },
        after={"revoked_serials": after["revoked_serials"], "next_update": after["next_update"]},
    )
    return result


def run_crl_module(module):
    """The end of ``main()``: ``ensure_crl`` on an EC2 client, then exit or fail."""
    run_module(module, ensure_crl, aws_client(module, "ec2"), module.params, module.check_mode, user_errors=(CrlError,))
