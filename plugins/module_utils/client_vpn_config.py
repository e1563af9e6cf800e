# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The OpenVPN client file of ec2_client_vpn_client_config: its text rewritten, then written.

The text functions are pure (no AWS, no I/O): text in, text out. The line
ending of the exported file (LF or CRLF) is kept. Inline blocks
(``<ca>...</ca>``, ``<cert>``, ``<key>``, ...) are never searched for directives.

The last section is the module's run: ``render_config`` exports the endpoint's
file from AWS and rewrites it, ``run`` writes it (``write_atomically``, mode
0600 throughout) when its content or mode differs, and
``run_client_config_module`` is the body of ``main()``.
"""

import base64
import binascii
import os
import re
import tempfile

from ansible.module_utils.common.text.converters import to_bytes
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    export_client_vpn_client_configuration,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import require_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client

PEM_CERT_RE = re.compile(
    r"-----BEGIN CERTIFICATE-----\s*(?P<body>[A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----",
    re.DOTALL,
)
BLOCK_OPEN_RE = re.compile(r"^\s*<([A-Za-z0-9_-]+)>\s*$")
SECRET_BLOCKS = ("key", "tls-auth", "tls-crypt", "tls-crypt-v2", "secret", "pkcs12")
MASK = "NOT_LOGGING_PRIVATE_KEY"


class ClientConfigError(ValueError):
    pass


def newline_of(text):
    """The line ending the file uses: CRLF if any line ends with it, else LF."""
    return "\r\n" if "\r\n" in text else "\n"


def _lines(text):
    return text.replace("\r\n", "\n").split("\n")


def _join(lines, newline):
    while lines and lines[-1] == "":
        lines = lines[:-1]
    return newline.join(lines) + newline


def segments(text):
    """Split a file into ("line", str) and ("block", tag, [content lines]) items, in order."""
    result = []
    lines = _lines(text)
    i = 0
    while i < len(lines):
        line = lines[i]
        match = BLOCK_OPEN_RE.match(line)
        if match:
            tag = match.group(1)
            close = f"</{tag}>"
            for j in range(i + 1, len(lines)):
                if lines[j].strip() == close:
                    result.append(("block", tag, lines[i + 1 : j]))
                    i = j + 1
                    break
            else:
                raise ClientConfigError(f"unterminated <{tag}> block")
            continue
        result.append(("line", line))
        i += 1
    return result


def _render(items, newline):
    lines = []
    for item in items:
        if item[0] == "line":
            lines.append(item[1])
        else:
            lines.append(f"<{item[1]}>")
            lines.extend(item[2])
            lines.append(f"</{item[1]}>")
    return _join(lines, newline)


def _directive(line):
    """(name, [args]) of a directive line, or None for blank lines and comments."""
    stripped = line.strip()
    if not stripped or stripped[0] in "#;":
        return None
    parts = stripped.split()
    return parts[0], parts[1:]


def parse(text):
    """A structural view of a client file: {"directives": [(name, args)], "blocks": {tag: [text, ...]}}."""
    directives = []
    blocks = {}
    for item in segments(text):
        if item[0] == "line":
            parsed = _directive(item[1])
            if parsed:
                directives.append(parsed)
        else:
            blocks.setdefault(item[1], []).append("\n".join(item[2]).strip() + "\n")
    return {"directives": directives, "blocks": blocks}


def rewrite_remote(text, host):
    """Point every ``remote`` line at ``host``, keeping each line's port (and protocol) if it has one.

    Lines that become identical are merged (AWS files carry one ``remote``; files
    edited by hand sometimes carry several).
    """
    newline = newline_of(text)
    items = []
    seen = set()
    for item in segments(text):
        if item[0] == "line":
            parsed = _directive(item[1])
            if parsed and parsed[0] == "remote":
                if not parsed[1]:
                    raise ClientConfigError("a remote line without a host")
                indent = item[1][: len(item[1]) - len(item[1].lstrip())]
                line = indent + " ".join(["remote", host] + parsed[1][1:])
                if line.strip() in seen:
                    continue
                seen.add(line.strip())
                item = ("line", line)
        items.append(item)
    if not seen:
        raise ClientConfigError("the client configuration has no remote line")
    return _render(items, newline)


def remove_directive(text, name):
    newline = newline_of(text)
    items = [item for item in segments(text) if not (item[0] == "line" and (_directive(item[1]) or ("",))[0] == name)]
    return _render(items, newline)


def remotes(text):
    """[(host, port or None)] of the remote lines."""
    return [
        (args[0], args[1] if len(args) > 1 else None) for name, args in parse(text)["directives"] if name == "remote"
    ]


def split_certificates(pem_text):
    """The PEM certificates in a text, each normalised to 64-column base64 with LF endings."""
    certs = []
    for match in PEM_CERT_RE.finditer(pem_text.replace("\r\n", "\n")):
        body = "".join(match.group("body").split())
        try:
            der = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as e:
            raise ClientConfigError(f"invalid PEM certificate: {e}") from e
        encoded = base64.b64encode(der).decode("ascii")
        wrapped = "\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64))
        certs.append(f"-----BEGIN CERTIFICATE-----\n{wrapped}\n-----END CERTIFICATE-----\n")
    return certs


def bundle_ca(text, extra_pems):
    """Make the ``<ca>`` block hold its own certificates plus every extra one, each once, in order.

    ``extra_pems`` is a list of PEM texts (each may hold several certificates).
    Certificates are compared by their DER bytes, so line wrapping or line
    endings do not create duplicates. Without a ``<ca>`` block one is added.
    """
    newline = newline_of(text)
    items = segments(text)
    existing = []
    position = None
    for index, item in enumerate(items):
        if item[0] == "block" and item[1] == "ca":
            existing.extend(split_certificates("\n".join(item[2])))
            if position is None:
                position = index
    extra = []
    for pem in extra_pems or []:
        found = split_certificates(pem)
        if not found:
            raise ClientConfigError("an extra CA holds no PEM certificate")
        extra.extend(found)

    bundle = []
    for cert in existing + extra:
        if cert not in bundle:
            bundle.append(cert)
    block = ("block", "ca", "".join(bundle).rstrip("\n").split("\n"))

    items = [item for item in items if not (item[0] == "block" and item[1] == "ca")]
    if position is None:
        items.append(block)
    else:
        items.insert(min(position, len(items)), block)
    return _render(items, newline)


def set_block(text, tag, content):
    """Replace (or append) the inline ``<tag>`` block with ``content``."""
    newline = newline_of(text)
    items = segments(text)
    block = ("block", tag, content.replace("\r\n", "\n").strip("\n").split("\n"))
    position = None
    kept = []
    for item in items:
        if item[0] == "block" and item[1] == tag:
            if position is None:
                position = len(kept)
            continue
        kept.append(item)
    if position is None:
        kept.append(block)
    else:
        kept.insert(position, block)
    return _render(kept, newline)


def embed_client_credentials(text, certificate, key):
    """Embed a client certificate and key (mutual authentication) as ``<cert>``/``<key>`` blocks.

    File directives ``cert``/``key`` that would point elsewhere are removed.
    """
    text = remove_directive(remove_directive(text, "cert"), "key")
    text = set_block(text, "cert", certificate)
    return set_block(text, "key", key)


def mask_secrets(text):
    """The file with the content of every secret block (``<key>`` ...) replaced by a placeholder."""
    newline = newline_of(text)
    items = []
    for item in segments(text):
        if item[0] == "block" and item[1] in SECRET_BLOCKS:
            item = ("block", item[1], [MASK])
        items.append(item)
    return _render(items, newline)


def strip_secrets(text):
    """The file without its secret blocks (for returning content)."""
    newline = newline_of(text)
    items = [item for item in segments(text) if not (item[0] == "block" and item[1] in SECRET_BLOCKS)]
    return _render(items, newline)


def build_client_config(
    exported,
    remote_host=None,
    remote_random_hostname=True,
    extra_ca_pems=None,
    client_certificate=None,
    client_key=None,
):
    """The full rewrite applied by ec2_client_vpn_client_config, in a fixed order."""
    text = exported
    if remote_host:
        text = rewrite_remote(text, remote_host)
    if not remote_random_hostname:
        text = remove_directive(text, "remote-random-hostname")
    if extra_ca_pems:
        text = bundle_ca(text, extra_ca_pems)
    if client_certificate or client_key:
        if not (client_certificate and client_key):
            raise ClientConfigError("client_certificate and client_key go together")
        text = embed_client_credentials(text, client_certificate, client_key)
    return _render(segments(text), newline_of(exported))


# --- the module's run: export, rewrite, write ------------------------------------


FILE_MODE = 0o600


def read_file(path):
    """The text of a file, or None when it does not exist."""
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8")
    except FileNotFoundError:
        return None


def render_config(client, params, read=read_file):
    """(endpoint_id, content) of the client file for these parameters; makes read calls only."""
    endpoint = require_client_vpn_endpoint(client, params)
    endpoint_id = endpoint["ClientVpnEndpointId"]
    exported = export_client_vpn_client_configuration(client, endpoint_id)

    extra = list(params.get("extra_ca_certificates") or [])
    for path in params.get("extra_ca_files") or []:
        text = read(path)
        if text is None:
            raise ClientConfigError(f"extra CA file {path} does not exist")
        extra.append(text)

    content = build_client_config(
        exported,
        remote_host=params.get("remote_host"),
        remote_random_hostname=params.get("remote_random_hostname", True),
        extra_ca_pems=extra,
        client_certificate=params.get("client_certificate"),
        client_key=params.get("client_key"),
    )
    return endpoint_id, content


def file_mode(path):
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return None


def write_atomically(module, dest, content):
    """Write ``content`` to ``dest`` through a temporary file in the same directory, mode 0600 throughout."""
    directory = os.path.dirname(os.path.abspath(dest))
    # atomic_move gives the new file the mode of the file it replaces (or 0666 & ~umask when
    # there is none): make sure the target is 0600 before the move so the key is never readable.
    if os.path.exists(dest):
        os.chmod(dest, FILE_MODE)
    else:
        os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".ansible-cvpn-")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(to_bytes(content))
        module.atomic_move(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    os.chmod(dest, FILE_MODE)


def run(module, client):
    params = module.params
    dest = params["dest"]
    if not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
        module.fail_json(msg=f"The directory of dest ({dest}) does not exist")

    endpoint_id, content = render_config(client, params)
    before = read_file(dest)
    mode = file_mode(dest)
    content_changed = before != content
    changed = content_changed or mode != FILE_MODE

    if changed and not module.check_mode:
        if content_changed:
            write_atomically(module, dest, content)
        else:
            os.chmod(dest, FILE_MODE)

    parsed = parse(content)
    result = dict(
        changed=changed,
        dest=dest,
        client_vpn_endpoint_id=endpoint_id,
        remotes=[dict(host=host, port=port) for host, port in remotes(content)],
        ca_certificates=len(split_certificates("".join(parsed["blocks"].get("ca", [])))),
    )
    if params["return_content"]:
        result["content"] = strip_secrets(content)
    if module._diff:
        result["diff"] = dict(
            before_header=dest,
            after_header=dest,
            before=mask_secrets(before) if before is not None else "",
            after=mask_secrets(content),
        )
    return result


def run_client_config_module(module):
    """The whole of ``main()`` after the module is built: render and write the file, exit or fail."""
    client = aws_client(module, "ec2")
    try:
        result = run(module, client)
    except ClientConfigError as e:
        module.fail_json(msg=f"Cannot adapt the client configuration: {to_native(e)}")
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)
