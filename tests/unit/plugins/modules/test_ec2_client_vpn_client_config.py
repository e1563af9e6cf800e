"""ec2_client_vpn_client_config: rendering, 0600 atomic write, changed only on content change, masked diff."""

import base64
import json
import os
import stat
from unittest.mock import MagicMock

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_config as mod
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import AnsibleClientVpnError
from ansible_collections.multiregion.client_vpn.plugins.modules import (
    ec2_client_vpn_client_config as client_config_module,
)
from ansible_collections.multiregion.client_vpn.tests.unit.plugins.modules.module_stubs import run_main

EID = "cvpn-endpoint-0123456789abcdef0"


def cert(seed):
    body = base64.b64encode(bytes((seed + i) % 256 for i in range(200))).decode()
    return (
        "-----BEGIN CERTIFICATE-----\n"
        + "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        + "\n-----END CERTIFICATE-----\n"
    )


EXPORTED = (
    "client\ndev tun\nproto tcp\n"
    f"remote {EID}.prod.clientvpn.us-east-1.amazonaws.com 443\n"
    "remote-random-hostname\nresolv-retry infinite\nnobind\nremote-cert-tls server\ncipher AES-256-GCM\nverb 3\n"
    "<ca>\n" + cert(1) + "</ca>\n\nauth-user-pass\n\nreneg-sec 0\n"
)
KEY = "-----BEGIN PRIVATE KEY-----\nTOPSECRET\n-----END PRIVATE KEY-----\n"


def client():
    c = MagicMock()
    c.get_paginator.return_value.paginate.return_value.build_full_result.return_value = {
        "ClientVpnEndpoints": [
            {"ClientVpnEndpointId": EID, "Status": {"Code": "available"}, "Tags": [{"Key": "Name", "Value": "vpn"}]}
        ]
    }
    c.export_client_vpn_client_configuration.return_value = {"ClientConfiguration": EXPORTED}
    return c


class Module:
    def __init__(self, params, check_mode=False, diff=False):
        self.params = dict(
            client_vpn_endpoint_id=None,
            name="vpn",
            remote_host="vpn.example.com",
            remote_random_hostname=False,
            extra_ca_certificates=[],
            extra_ca_files=[],
            client_certificate=None,
            client_key=None,
            return_content=True,
        )
        self.params.update(params)
        self.check_mode = check_mode
        self._diff = diff
        self.moves = []

    def atomic_move(self, src, dest):
        self.moves.append(dest)
        os.rename(src, dest)

    def fail_json(self, **kw):
        raise AssertionError(kw)


def test_writes_0600_then_unchanged(tmp_path):
    dest = str(tmp_path / "vpn.ovpn")
    module = Module({"dest": dest})
    result = mod.run(module, client())
    assert result["changed"] is True
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert "remote vpn.example.com 443" in open(dest).read()
    assert result["remotes"] == [{"host": "vpn.example.com", "port": "443"}]
    assert result["ca_certificates"] == 1
    again = Module({"dest": dest})
    assert mod.run(again, client())["changed"] is False
    assert again.moves == []


def test_check_mode_writes_nothing(tmp_path):
    dest = str(tmp_path / "vpn.ovpn")
    result = mod.run(Module({"dest": dest}, check_mode=True, diff=True), client())
    assert result["changed"] is True and not os.path.exists(dest)
    assert result["diff"]["before"] == "" and "vpn.example.com" in result["diff"]["after"]


def test_wrong_mode_is_fixed_without_rewrite(tmp_path):
    dest = str(tmp_path / "vpn.ovpn")
    mod.run(Module({"dest": dest}), client())
    os.chmod(dest, 0o644)
    module = Module({"dest": dest})
    assert mod.run(module, client())["changed"] is True
    assert module.moves == [] and stat.S_IMODE(os.stat(dest).st_mode) == 0o600


def test_key_never_in_diff_or_content(tmp_path):
    dest = str(tmp_path / "vpn.ovpn")
    module = Module({"dest": dest, "client_certificate": cert(5), "client_key": KEY}, diff=True)
    result = mod.run(module, client())
    assert "TOPSECRET" in open(dest).read()
    assert "TOPSECRET" not in result["diff"]["after"] and "<key>" in result["diff"]["after"]
    assert "TOPSECRET" not in result["content"] and "<cert>" in result["content"]
    module = Module({"dest": dest, "client_certificate": cert(5), "client_key": KEY.replace("TOP", "NEW")}, diff=True)
    result = mod.run(module, client())
    assert result["changed"] and "TOPSECRET" not in result["diff"]["before"]


def test_extra_ca_files_and_texts_deduplicated(tmp_path):
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(cert(2) + cert(1))
    dest = str(tmp_path / "vpn.ovpn")
    result = mod.run(
        Module({"dest": dest, "extra_ca_files": [str(ca_file)], "extra_ca_certificates": [cert(3), cert(2)]}), client()
    )
    assert result["ca_certificates"] == 3


def test_missing_extra_ca_file(tmp_path):
    with pytest.raises(mod.ClientConfigError):
        mod.run(Module({"dest": str(tmp_path / "x"), "extra_ca_files": [str(tmp_path / "nope.pem")]}), client())


def test_unknown_endpoint(tmp_path):
    c = client()
    c.get_paginator.return_value.paginate.return_value.build_full_result.return_value = {"ClientVpnEndpoints": []}
    with pytest.raises(AnsibleClientVpnError):
        mod.run(Module({"dest": str(tmp_path / "x")}), c)


def test_main_never_outputs_the_client_key(tmp_path, capsys, monkeypatch):
    """client_key is no_log: main()'s whole answer (its invocation included) must not hold the key."""
    dest = str(tmp_path / "vpn.ovpn")
    args = dict(name="vpn", dest=dest, remote_host="vpn.example.com", client_certificate=cert(5), client_key=KEY)
    for extra in ({}, {"_ansible_diff": True, "return_content": True, "_ansible_verbosity": 4}):
        result = run_main(client_config_module, dict(args, **extra), client(), capsys, monkeypatch)
        assert not result.get("failed"), result
        assert "TOPSECRET" not in json.dumps(result)
        assert "invocation" in result  # what would carry the key if it were not no_log
    assert "TOPSECRET" in open(dest).read()
