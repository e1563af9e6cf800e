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

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_config import run_client_config_module


def argument_spec():
    """A new dict per call: AnsibleModule writes the defaults it hands out (``{}``, ``[]``) in place."""
    return dict(
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


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        required_one_of=[["client_vpn_endpoint_id", "name"]],
        required_together=[["client_certificate", "client_key"]],
    )
    run_client_config_module(module)


if __name__ == "__main__":
    main()
