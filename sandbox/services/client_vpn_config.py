"""The OpenVPN client file ExportClientVpnClientConfiguration returns.

Shaped like the files AWS hands out (docs/aws-rules.md): ``client``, ``dev tun``,
``proto``, ``remote <endpoint>.prod.clientvpn.<region>.amazonaws.com <port>``,
``remote-random-hostname``, ``resolv-retry infinite``, ``nobind``,
``remote-cert-tls server``, ``cipher AES-256-GCM``, ``verb 3``, an inline
``<ca>`` block, ``reneg-sec 0``, plus ``auth-user-pass`` with Active Directory
authentication (and the ``auth-federate`` lines with federated authentication).

The ``<ca>`` block holds the certificate chain that was imported into ACM with
the endpoint's server certificate.  When the import carried no chain AWS has
no issuing CA to give; the sandbox then puts the server certificate itself
there (what a client needs to trust a self-signed server certificate, and
what leaves a client unable to verify a CA-signed one, as on AWS).
"""


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value


def imported_chain(bundle):
    """The PEM chain imported with an ACM certificate (moto appends its own root CA: strip it)."""
    try:
        from moto.acm.models import AWS_ROOT_CA
    except ImportError:  # pragma: no cover
        AWS_ROOT_CA = b""
    raw = getattr(bundle, "chain", None) or b""
    if isinstance(raw, str):
        raw = raw.encode()
    if AWS_ROOT_CA and AWS_ROOT_CA.strip() in raw:
        raw = raw.replace(AWS_ROOT_CA.strip(), b"")
    chain = _text(raw).strip()
    if not chain:
        chain = _text(getattr(bundle, "cert", b"")).strip()
    return chain


def client_configuration(ep, ca):
    cfg = ep["cfg"]
    kinds = {o["Type"] for o in cfg["AuthenticationOptions"]}
    lines = [
        "client",
        "dev tun",
        f"proto {cfg['TransportProtocol']}",
        f"remote {ep['id']}.prod.clientvpn.{ep['region']}.amazonaws.com {cfg['VpnPort']}",
        "remote-random-hostname",
        "resolv-retry infinite",
        "nobind",
        "remote-cert-tls server",
        "cipher AES-256-GCM",
        "verb 3",
        "<ca>",
        ca.strip(),
        "</ca>",
        "",
    ]
    if "directory-service-authentication" in kinds:
        lines += ["auth-user-pass", ""]
    if "federated-authentication" in kinds:
        lines += ["auth-user-pass", "auth-federate", "auth-retry interact", "auth-nocache", ""]
    lines += ["reneg-sec 0", ""]
    return "\n".join(lines)
