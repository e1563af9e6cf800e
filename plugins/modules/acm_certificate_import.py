#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: acm_certificate_import
short_description: Import a certificate into ACM once, even when AWS loses the answer
version_added: 0.1.0
description:
  - Imports a certificate, its private key and its chain into AWS Certificate Manager, identified by its C(Name) tag
    O(name_tag), and keeps it in line. A certificate found with a different body or chain is re-imported in place
    (same ARN); its tags follow O(tags) and O(purge_tags).
  - Why not M(community.aws.acm_certificate)? C(ImportCertificate) has no idempotency token, that module retries it
    (botocore's retries and C(AWSRetry) on C(InternalFailure)) and tags the certificate in a second call. When AWS
    imports the certificate but loses its answer, the retry imports a second one and the first stays untagged; when the
    run stops between the import and the tagging, the certificate stays untagged, the next run cannot find it (it finds
    by tag) and imports it again.
  - This module gives the tags in the C(ImportCertificate) call itself (one atomic write), makes the import on a client
    whose botocore retries are off and never retries it blindly. After an error that may hide a performed import (a
    5xx, a dropped connection) it looks for the certificate for O(lost_answer_timeout) seconds before importing once
    more.
  - When no certificate carries the C(Name) tag, a certificate left untagged by an earlier tool or run is adopted (tagged)
    instead of imported again. It is found by the domain name (C(ListCertificates)), then the serial number and issuer
    (C(DescribeCertificate)), and the body is compared (C(GetCertificate)); a certificate with another C(Name) tag is
    never adopted.
  - When several certificates carry the C(Name) tag, the one holding this body (else the oldest) is kept; the others are
    left untouched and listed in RV(duplicate_arns).
  - Needs the C(cryptography) Python library (to read the serial number and issuer of O(certificate)).
author:
  - "multiregion.client_vpn contributors (@multiregion)"
options:
  name_tag:
    description:
      - The value of the C(Name) tag that identifies the certificate in the Region.
    type: str
    required: true
    aliases: [name]
  certificate:
    description:
      - The certificate to import (one PEM certificate).
    type: str
    required: true
  private_key:
    description:
      - The private key of O(certificate) (PEM, unencrypted).
    type: str
    required: true
  certificate_chain:
    description:
      - The chain of O(certificate) (PEM certificates).
    type: str
  lost_answer_timeout:
    description:
      - After an error that may hide a performed import, how many seconds to look for the certificate before importing
        once more.
    type: int
    default: 60
notes:
  - O(tags) may hold C(Name) only with the value O(name_tag); O(name_tag) is always set as C(Name).
  - A re-import keeps the certificate's tags (ACM refuses tags on a re-import); they are brought in line afterwards.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Import the server certificate of the VPN
  multiregion.client_vpn.acm_certificate_import:
    region: us-east-1
    name_tag: vpn.example.com server
    certificate: "{{ lookup('ansible.builtin.file', 'pki/server.crt') }}"
    private_key: "{{ lookup('ansible.builtin.file', 'pki/server.key') }}"
    certificate_chain: "{{ lookup('ansible.builtin.file', 'pki/ca.crt') }}"
    tags:
      Project: client-vpn
  no_log: true
  register: server_certificate

- name: Use its ARN
  ansible.builtin.debug:
    msg: "{{ server_certificate.certificate.arn }}"
"""

RETURN = r"""
certificate:
  description: The certificate in ACM.
  returned: always
  type: dict
  contains:
    arn:
      description: The ARN of the certificate; empty when it would be imported (check mode).
      type: str
      sample: arn:aws:acm:us-east-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef
    domain_name:
      description: The domain name of O(certificate) (its common name, else its first DNS name).
      type: str
      sample: vpn.example.com
    tags:
      description: The tags of the certificate.
      type: dict
      sample: {"Name": "vpn.example.com server", "Project": "client-vpn"}
adopted:
  description: Whether an untagged copy of the certificate was found and tagged instead of importing it again.
  returned: always
  type: bool
duplicate_arns:
  description: Other certificates carrying the same C(Name) tag, left untouched.
  returned: always
  type: list
  elements: str
  sample: []
"""

try:
    import botocore  # pylint: disable=unused-import
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiregion.client_vpn.plugins.module_utils.acm_import import HAS_CRYPTOGRAPHY
from ansible_collections.multiregion.client_vpn.plugins.module_utils.acm_import import CertificateInputError
from ansible_collections.multiregion.client_vpn.plugins.module_utils.acm_import import ensure_certificate_import
from ansible_collections.multiregion.client_vpn.plugins.module_utils.lost_answer import single_attempt_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import aws_client
from ansible_collections.multiregion.client_vpn.plugins.module_utils.module_runner import run_module


def main():
    argument_spec = dict(
        name_tag=dict(type="str", required=True, aliases=["name"]),
        certificate=dict(type="str", required=True),
        private_key=dict(type="str", required=True, no_log=True),
        certificate_chain=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        lost_answer_timeout=dict(type="int", default=60),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"))
    client = aws_client(module, "acm")
    write_client = single_attempt_client(module, "acm")
    run_module(
        module,
        ensure_certificate_import,
        client,
        write_client,
        module.params,
        module.check_mode,
        user_errors=(CertificateInputError,),
    )


if __name__ == "__main__":
    main()
