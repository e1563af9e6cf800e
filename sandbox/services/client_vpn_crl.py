"""Client certificate revocation lists: ImportClientVpnClientCertificateRevocationList and
ExportClientVpnClientCertificateRevocationList.

State on the endpoint record (``ep["crl"]``): the PEM imported and when it is applied. Rules, with the codes the
sandbox answers (docs/aws-rules.md):

- the endpoint must use mutual (``certificate-authentication``) authentication: a CRL lists client certificates,
  which only mutual authentication checks. AWS documents no code for this refusal; the sandbox answers
  ``InvalidParameterValue`` (an assumption, see sandbox/README.md);
- the list must be one PEM X.509 CRL (``InvalidParameterValue`` otherwise), of at most ``CRL_ENTRIES_QUOTA`` entries
  (Client VPN quotas: entries in a client certificate revocation list);
- an import replaces the previous list and resets the endpoint's client connections (ImportClientVpnClientCertificate
  RevocationList's reference); its status is ``pending`` for ``vpn_crl_import`` (sandbox/clock.py), then ``active``;
- Export answers the list and its status; without an import it answers no list.
"""

from .. import registry
from ..protocol import AwsError
from .client_vpn import _bad
from .client_vpn import _dry_run
from .client_vpn import _get_endpoint
from .client_vpn import _terminate_connections

CERT_AUTH = "certificate-authentication"
# Client VPN quotas: "Entries in a client certificate revocation list for Client VPN endpoints".
CRL_ENTRIES_QUOTA = 20000


def _parse_crl(text):
    """The CRL, or InvalidParameterValue when ``text`` is not one PEM X.509 CRL."""
    from cryptography import x509

    data = text.encode("utf-8") if isinstance(text, str) else bytes(text or b"")
    stripped = data.strip()
    if not stripped.startswith(b"-----BEGIN X509 CRL-----") or stripped.count(b"-----BEGIN") != 1:
        raise _bad("The certificate revocation list is not a valid PEM-encoded X.509 certificate revocation list")
    try:
        return x509.load_pem_x509_crl(stripped)
    except ValueError as exc:
        raise _bad(
            "The certificate revocation list is not a valid PEM-encoded X.509 certificate revocation list"
        ) from exc


def _needs_mutual_authentication(ep):
    kinds = {option.get("Type") for option in ep["cfg"]["AuthenticationOptions"]}
    if CERT_AUTH not in kinds:
        raise _bad(
            f"The Client VPN endpoint {ep['id']} does not use mutual authentication (certificate-authentication): "
            "a client certificate revocation list applies only to mutual authentication"
        )


@registry.handler("ec2", "ImportClientVpnClientCertificateRevocationList")
def import_crl(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"])
    _needs_mutual_authentication(ep)
    text = params.get("CertificateRevocationList")
    if not text:
        raise AwsError("MissingParameter", "The request must contain the parameter CertificateRevocationList")
    crl = _parse_crl(text)
    if len(crl) > CRL_ENTRIES_QUOTA:
        raise _bad(f"A client certificate revocation list can have at most {CRL_ENTRIES_QUOTA} entries")
    _dry_run(params)
    ep["crl"] = {
        "pem": text if isinstance(text, str) else text.decode("utf-8"),
        "until": call.clock.done_at("vpn_crl_import"),
    }
    _terminate_connections(ep)
    return {"Return": True}


@registry.handler("ec2", "ExportClientVpnClientCertificateRevocationList")
def export_crl(call):
    params = call.params
    ep = _get_endpoint(call, params["ClientVpnEndpointId"], mutable=False)
    _dry_run(params)
    crl = ep.get("crl")
    if crl is None:
        return {}
    if call.clock.reached(crl["until"]):
        status = {"Code": "active", "Message": "The certificate revocation list is applied"}
    else:
        status = {"Code": "pending", "Message": "The certificate revocation list is being applied"}
    return {"CertificateRevocationList": crl["pem"], "Status": status}
