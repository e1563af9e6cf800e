#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_client_vpn_crl
short_description: Import the client certificate revocation list of an AWS Client VPN endpoint
version_added: 0.1.0
description:
  - Makes the client certificate revocation list (CRL) of a Client VPN endpoint the one given in O(crl), so that the
    client certificates it lists can no longer connect. Only an endpoint with mutual (certificate) authentication
    takes a list.
  - Reads the endpoint's current list (C(ExportClientVpnClientCertificateRevocationList)) and imports O(crl)
    (C(ImportClientVpnClientCertificateRevocationList)) only when it is a different list (compared by its DER
    encoding, not its text). An import replaces the previous list and resets every client connection of the
    endpoint, so a list already in place is never imported again; a second run makes no write call.
  - Without O(crl) the module only reads the list and reports it (for example its expiry, RV(crl.next_update)).
  - AWS applies a new list after a while (RV(crl.status.code) V(pending), then V(active)). A list whose next update
    has passed has expired; generate and import a new one before then.
  - Throttling answers are retried with jittered backoff.
author:
  - "multiregion.client_vpn contributors (@multiregion)"
requirements:
  - cryptography
options:
  client_vpn_endpoint_id:
    description:
      - The ID of the endpoint.
      - Exactly one of O(client_vpn_endpoint_id) and O(name) is required.
    type: str
  name:
    description:
      - The C(Name) tag of the endpoint, when O(client_vpn_endpoint_id) is not known.
    type: str
  crl:
    description:
      - The wanted list, one PEM X.509 certificate revocation list (C(-----BEGIN X509 CRL-----)) signed by the CA of
        the endpoint's client root certificate chain.
      - When omitted, nothing is imported and the current list is only read.
    type: str
notes:
  - Check mode makes no write call; diff mode shows the revoked serial numbers and the next update before and after.
  - An endpoint without mutual authentication has no list to read (RV(crl) is V(null)) and refuses one.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Revoke the certificates a CRL lists on the endpoint of eu-west-1
  multiregion.client_vpn.ec2_client_vpn_crl:
    region: eu-west-1
    name: vpn.example.com-eu-west-1
    crl: "{{ lookup('ansible.builtin.file', 'artifacts/pki/crl.pem') }}"

- name: Read when the endpoint's list expires
  multiregion.client_vpn.ec2_client_vpn_crl:
    region: eu-west-1
    client_vpn_endpoint_id: cvpn-endpoint-0123456789abcdef0
  register: crl_info

- name: Show it
  ansible.builtin.debug:
    msg: "{{ crl_info.crl.next_update if crl_info.crl else 'no list imported' }}"
"""

RETURN = r"""
client_vpn_endpoint_id:
  description: The ID of the endpoint.
  returned: always
  type: str
  sample: cvpn-endpoint-0123456789abcdef0
imported:
  description: Whether the list was imported in this run (never in check mode).
  returned: always
  type: bool
  sample: true
crl:
  description:
    - The endpoint's list after the run (in check mode, as it was), or V(null) when none is imported or the endpoint
      has no mutual authentication.
  returned: always
  type: dict
  contains:
    issuer:
      description: The issuer of the list (RFC 4514).
      type: str
      sample: CN=vpn.example.com CA
    last_update:
      description: When the list was issued (ISO 8601, UTC).
      type: str
      sample: "2026-12-05T00:00:00Z"
    next_update:
      description: When the list expires (ISO 8601, UTC).
      type: str
      sample: "2027-06-03T00:00:00Z"
    expired:
      description: Whether the next update has passed.
      type: bool
      sample: false
    revoked_serials:
      description: The serial numbers of the revoked certificates, sorted.
      type: list
      elements: int
      sample: [123456789012345678901234567890]
    status:
      description: The state AWS reports for the list.
      type: dict
      contains:
        code:
          description: V(pending) until AWS applies the list, then V(active).
          type: str
          sample: active
        message:
          description: A message about the state, if any.
          type: str
"""

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_crl import HAS_CRYPTOGRAPHY
from ansible_collections.multiregion.client_vpn.plugins.module_utils.client_vpn_crl import run_crl_module


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            client_vpn_endpoint_id=dict(type="str"),
            name=dict(type="str"),
            crl=dict(type="str"),
        ),
        mutually_exclusive=[["client_vpn_endpoint_id", "name"]],
        required_one_of=[["client_vpn_endpoint_id", "name"]],
        supports_check_mode=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"))
    run_crl_module(module)


if __name__ == "__main__":
    main()
