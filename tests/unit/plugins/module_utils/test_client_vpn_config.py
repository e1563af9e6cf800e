"""Client file rewriting across the variants AWS (and people) produce."""

import base64

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_config as cfg


def fake_cert(seed):
    """A syntactically valid PEM certificate block (DER bytes are arbitrary)."""
    der = bytes((seed + i) % 256 for i in range(300))
    encoded = base64.b64encode(der).decode()
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


CA1 = fake_cert(1)
CA2 = fake_cert(2)
CA3 = fake_cert(3)
HOST = "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-east-1.amazonaws.com"


def aws_file(remote=f"remote {HOST} 443", random=True, auth_user_pass=True, ca=CA1, newline="\n", extra_lines=()):
    lines = ["client", "dev tun", "proto tcp", remote]
    lines.extend(extra_lines)
    if random:
        lines.append("remote-random-hostname")
    lines += ["resolv-retry infinite", "nobind", "remote-cert-tls server", "cipher AES-256-GCM", "verb 3"]
    if ca is not None:
        lines += ["<ca>"] + ca.strip().split("\n") + ["</ca>"]
    if auth_user_pass:
        lines.append("auth-user-pass")
    lines += ["", "reneg-sec 0", ""]
    return newline.join(lines)


# --- remote ---------------------------------------------------------------


@pytest.mark.parametrize(
    "remote, expected",
    [
        (f"remote {HOST} 443", "remote vpn.example.com 443"),
        (f"remote {HOST} 1194", "remote vpn.example.com 1194"),
        (f"remote {HOST}", "remote vpn.example.com"),
        (f"remote {HOST} 443 tcp", "remote vpn.example.com 443 tcp"),
        (f"  remote   {HOST}   443", "  remote vpn.example.com 443"),
    ],
)
def test_rewrite_remote_keeps_port(remote, expected):
    out = cfg.rewrite_remote(aws_file(remote=remote), "vpn.example.com")
    assert expected in out.split("\n")
    assert HOST not in out


def test_rewrite_remote_multiple_lines_merged_when_identical():
    text = aws_file(extra_lines=[f"remote {HOST} 443", "remote other.example.net 1194"])
    out = cfg.rewrite_remote(text, "vpn.example.com")
    assert cfg.remotes(out) == [("vpn.example.com", "443"), ("vpn.example.com", "1194")]


def test_rewrite_remote_without_remote_line_fails():
    with pytest.raises(cfg.ClientConfigError):
        cfg.rewrite_remote("client\ndev tun\n", "vpn.example.com")


def test_rewrite_remote_does_not_touch_blocks():
    text = aws_file() + "<connection>\nremote inner.example 443\n</connection>\n"
    out = cfg.rewrite_remote(text, "vpn.example.com")
    assert "remote inner.example 443" in out


def test_crlf_is_kept():
    text = aws_file(newline="\r\n")
    out = cfg.build_client_config(
        text, remote_host="vpn.example.com", remote_random_hostname=False, extra_ca_pems=[CA2]
    )
    assert "\r\n" in out
    assert "\n" not in out.replace("\r\n", "")
    assert "remote vpn.example.com 443\r\n" in out
    assert "remote-random-hostname" not in out
    assert len(cfg.split_certificates(cfg.parse(out)["blocks"]["ca"][0])) == 2


def test_lf_stays_lf_and_ends_with_newline():
    out = cfg.build_client_config(aws_file(), remote_host="vpn.example.com")
    assert "\r" not in out
    assert out.endswith("reneg-sec 0\n")


# --- remote-random-hostname -------------------------------------------------


@pytest.mark.parametrize("present", [True, False])
def test_remote_random_hostname_kept(present):
    out = cfg.build_client_config(aws_file(random=present), remote_host="vpn.example.com", remote_random_hostname=True)
    assert ("remote-random-hostname" in out.split("\n")) is present


@pytest.mark.parametrize("present", [True, False])
def test_remote_random_hostname_removed(present):
    out = cfg.build_client_config(aws_file(random=present), remote_host="vpn.example.com", remote_random_hostname=False)
    assert "remote-random-hostname" not in out


@pytest.mark.parametrize("auth", [True, False])
def test_auth_user_pass_untouched(auth):
    out = cfg.build_client_config(aws_file(auth_user_pass=auth), remote_host="vpn.example.com")
    names = [d[0] for d in cfg.parse(out)["directives"]]
    assert ("auth-user-pass" in names) is auth


def test_untouched_directives_survive_in_order():
    out = cfg.build_client_config(aws_file(), remote_host="vpn.example.com", remote_random_hostname=False)
    names = [d[0] for d in cfg.parse(out)["directives"]]
    assert names == [
        "client",
        "dev",
        "proto",
        "remote",
        "resolv-retry",
        "nobind",
        "remote-cert-tls",
        "cipher",
        "verb",
        "auth-user-pass",
        "reneg-sec",
    ]


def test_idempotent_rewrite():
    once = cfg.build_client_config(aws_file(), remote_host="vpn.example.com", extra_ca_pems=[CA2, CA3])
    twice = cfg.build_client_config(once, remote_host="vpn.example.com", extra_ca_pems=[CA2, CA3])
    assert once == twice


# --- CA bundling -----------------------------------------------------------


def ca_of(text):
    return cfg.split_certificates("".join(cfg.parse(text)["blocks"]["ca"]))


def test_bundle_adds_in_order():
    out = cfg.bundle_ca(aws_file(), [CA2, CA3])
    assert ca_of(out) == [CA1, CA2, CA3]
    assert out.count("<ca>") == 1


def test_bundle_dedups_same_cert_differently_wrapped():
    rewrapped = CA1.replace("\n", "\r\n").replace("-----\r\n", "-----\r\n   ")
    one_line = "-----BEGIN CERTIFICATE-----\n" + "".join(CA2.split("\n")[1:-2]) + "\n-----END CERTIFICATE-----\n"
    out = cfg.bundle_ca(aws_file(), [rewrapped, CA2, one_line, CA2 + CA3])
    assert ca_of(out) == [CA1, CA2, CA3]


def test_bundle_multi_cert_text():
    out = cfg.bundle_ca(aws_file(), [CA2 + "\n" + CA3])
    assert ca_of(out) == [CA1, CA2, CA3]


def test_bundle_without_existing_ca_block():
    out = cfg.bundle_ca(aws_file(ca=None), [CA2])
    assert ca_of(out) == [CA2]


def test_bundle_existing_chain_in_block_dedup():
    out = cfg.bundle_ca(aws_file(ca=CA1 + CA2), [CA1])
    assert ca_of(out) == [CA1, CA2]


def test_bundle_keeps_ca_block_position():
    out = cfg.bundle_ca(aws_file(), [CA2])
    lines = out.split("\n")
    assert lines.index("<ca>") < lines.index("auth-user-pass")


def test_bundle_rejects_non_pem():
    with pytest.raises(cfg.ClientConfigError):
        cfg.bundle_ca(aws_file(), ["not a certificate"])


# --- client credentials ------------------------------------------------------

KEY = "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n"


def test_embed_cert_and_key():
    out = cfg.build_client_config(
        aws_file(extra_lines=["cert client.crt", "key client.key"]), client_certificate=CA3, client_key=KEY
    )
    parsed = cfg.parse(out)
    assert parsed["blocks"]["cert"] == [CA3]
    assert parsed["blocks"]["key"] == [KEY]
    assert ("cert", ["client.crt"]) not in parsed["directives"]
    assert ("key", ["client.key"]) not in parsed["directives"]


def test_embed_replaces_existing_blocks():
    first = cfg.build_client_config(aws_file(), client_certificate=CA2, client_key=KEY)
    second = cfg.build_client_config(first, client_certificate=CA3, client_key=KEY.replace("SECRET", "OTHER"))
    assert second.count("<key>") == 1 and second.count("<cert>") == 1
    assert "SECRET" not in second


def test_cert_without_key_fails():
    with pytest.raises(cfg.ClientConfigError):
        cfg.build_client_config(aws_file(), client_certificate=CA2)


def test_mask_and_strip_secrets():
    out = cfg.build_client_config(aws_file(), client_certificate=CA2, client_key=KEY)
    masked = cfg.mask_secrets(out)
    assert "SECRET" not in masked and cfg.MASK in masked and "<key>" in masked
    stripped = cfg.strip_secrets(out)
    assert "SECRET" not in stripped and "<key>" not in stripped and "<cert>" in stripped


def test_unterminated_block():
    with pytest.raises(cfg.ClientConfigError):
        cfg.parse("client\n<ca>\nxxx\n")


def test_comments_ignored_by_parse():
    parsed = cfg.parse("# remote x 1\n; y\nclient\n")
    assert parsed["directives"] == [("client", [])]
