#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_client_vpn_client_config
short_description: Export, adapt and write the OpenVPN client file of an AWS Client VPN endpoint
version_added: 0.1.0
description:
  - Exports the client configuration of a Client VPN endpoint (C(ExportClientVpnClientConfiguration)),
    adapts it and writes it to O(dest) with mode C(0600), atomically.
  - O(remote_host) replaces the host of every C(remote) line (typically with the VPN name served by
    latency-based DNS), keeping each line's port.
  - O(remote_random_hostname=false) removes the C(remote-random-hostname) directive (otherwise a client
    resolves C(<random>.<remote host>), which needs a wildcard record under the VPN name).
  - O(extra_ca_certificates) and O(extra_ca_files) are added to the C(<ca>) block, each certificate once,
    so one file verifies every endpoint when their server certificates come from different CAs.
  - O(client_certificate) and O(client_key) embed a client certificate and key (mutual authentication)
    as C(<cert>) and C(<key>) blocks.
  - The file is written only when its content (or mode) changes. Exporting is a read-only call.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  client_vpn_endpoint_id:
    description:
      - The ID of the endpoint.
    type: str
  name:
    description:
      - The C(Name) tag of the endpoint, when O(client_vpn_endpoint_id) is not known.
    type: str
  dest:
    description:
      - The path of the client file on the managed host. Its directory must exist.
      - The file is written with mode C(0600).
    type: path
    required: true
  remote_host:
    description:
      - The host name to put on every C(remote) line instead of the endpoint's own DNS name.
      - When omitted, the C(remote) lines are kept as exported.
    type: str
  remote_random_hostname:
    description:
      - V(true) keeps the C(remote-random-hostname) directive as exported; V(false) removes it.
    type: bool
    default: true
  extra_ca_certificates:
    description:
      - PEM texts of CA certificates to add to the C(<ca>) block (each text may hold several certificates).
      - Certificates already in the block are not repeated.
    type: list
    elements: str
    default: []
  extra_ca_files:
    description:
      - Paths, on the managed host, of PEM files of CA certificates to add to the C(<ca>) block.
    type: list
    elements: path
    default: []
  client_certificate:
    description:
      - PEM text of the client certificate to embed as a C(<cert>) block (mutual authentication).
    type: str
  client_key:
    description:
      - PEM text of the client private key to embed as a C(<key>) block. Never shown in diffs or returned.
    type: str
  return_content:
    description:
      - Return the content of the file, without its C(<key>) block.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - In diff mode the C(<key>) block is masked.
  - The exported file has no client credentials with Active Directory authentication; the OpenVPN client
    asks for the user name and password (C(auth-user-pass)).
"""

EXAMPLES = r"""
- name: Write the client file pointing at the VPN name
  multiregion.client_vpn.ec2_client_vpn_client_config:
    region: us-east-1
    name: vpn-us-east-1
    dest: "{{ playbook_dir }}/client/vpn.example.com.ovpn"
    remote_host: vpn.example.com
    remote_random_hostname: false

- name: One file for endpoints whose server certificates come from two CAs
  multiregion.client_vpn.ec2_client_vpn_client_config:
    region: us-east-1
    client_vpn_endpoint_id: "{{ endpoint.client_vpn_endpoint.client_vpn_endpoint_id }}"
    dest: /etc/openvpn/client/vpn.conf
    remote_host: vpn.example.com
    extra_ca_files:
      - /etc/pki/vpn/eu-west-1-ca.pem
    extra_ca_certificates:
      - "{{ lookup('ansible.builtin.file', 'us-west-2-ca.pem') }}"

- name: Embed a client certificate and key for mutual authentication
  multiregion.client_vpn.ec2_client_vpn_client_config:
    region: us-east-1
    name: vpn-us-east-1
    dest: /home/alice/vpn.ovpn
    client_certificate: "{{ lookup('ansible.builtin.file', 'alice.crt') }}"
    client_key: "{{ alice_key }}"
"""

RETURN = r"""
dest:
  description: The path of the client file.
  returned: always
  type: str
  sample: /home/alice/vpn.ovpn
client_vpn_endpoint_id:
  description: The endpoint whose configuration was exported.
  returned: always
  type: str
  sample: cvpn-endpoint-0123456789abcdef0
remotes:
  description: The C(remote) lines of the file, as host and port.
  returned: always
  type: list
  elements: dict
  sample: [{"host": "vpn.example.com", "port": "443"}]
ca_certificates:
  description: How many certificates the C(<ca>) block holds.
  returned: always
  type: int
  sample: 2
content:
  description: The file content without its C(<key>) block.
  returned: when O(return_content=true)
  type: str
"""

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import AnsibleClientVpnError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import (
    export_client_vpn_client_configuration,
)
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn import find_client_vpn_endpoint
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_config import ClientConfigError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_config import build_client_config
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_config import mask_secrets
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_config import parse
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_config import remotes
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_config import split_certificates
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_config import strip_secrets
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client

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
    endpoint = find_client_vpn_endpoint(
        client, name=params.get("name"), endpoint_id=params.get("client_vpn_endpoint_id")
    )
    if endpoint is None:
        wanted = params.get("client_vpn_endpoint_id") or params.get("name")
        raise AnsibleClientVpnError(message=f"Client VPN endpoint {wanted} not found")
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


def main():
    argument_spec = dict(
        client_vpn_endpoint_id=dict(type="str"),
        name=dict(type="str"),
        dest=dict(type="path", required=True),
        remote_host=dict(type="str"),
        remote_random_hostname=dict(type="bool", default=True),
        extra_ca_certificates=dict(type="list", elements="str", default=[]),
        extra_ca_files=dict(type="list", elements="path", default=[]),
        client_certificate=dict(type="str"),
        client_key=dict(type="str", no_log=True),
        return_content=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[["client_vpn_endpoint_id", "name"]],
        required_together=[["client_certificate", "client_key"]],
    )
    client = aws_client(module, "ec2")
    try:
        result = run(module, client)
    except ClientConfigError as e:
        module.fail_json(msg=f"Cannot adapt the client configuration: {to_native(e)}")
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
