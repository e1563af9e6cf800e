# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the certificates and client_config roles: where the PKI sets and every Region's CA file are, and whether
the client certificate revocation list is due for renewal."""

import datetime
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.regions import host_values

# The CA certificate of a generated set, in the set's directory.
CA_FILE = "ca.crt"


def _names(value, name, what):
    """``value`` as a list of names, refusing a single string or a mapping (a caller that forgot a list)."""
    if isinstance(value, (str, bytes, Mapping)):
        raise AnsibleFilterError(f"{name}: expects a list of {what}, got {value!r}")
    try:
        return list(value)
    except TypeError as exc:
        raise AnsibleFilterError(f"{name}: expects a list of {what}, got {value!r}") from exc


def certificate_sets(regions, directory, per_region):
    """The directories of the generated sets (CA, server certificate and keys).

    One set in ``directory``, shared by every Region; or, with ``per_region``, one set per Region in
    ``<directory>/<Region>``, so that each Region has its own CA.
    """
    regions = _names(regions, "certificate_sets", "Regions")
    if not per_region:
        return [directory]
    return [f"{directory}/{region}" for region in regions]


def certificate_ca_files(sets):
    """The CA file of each generated set, in the order of ``sets``: found from the paths alone, so that a Region can
    list every CA before the other Regions have imported theirs."""
    return [f"{set_dir}/{CA_FILE}" for set_dir in _names(sets, "certificate_ca_files", "directories")]


def certificate_chain_files(hosts, hostvars, default=""):
    """The chain (CA) file each of ``hosts`` brings when nothing is generated, in the order of ``hosts``.

    A host's own ``certificates_chain_file`` (set per host for per-Region certificates), else ``default`` (the
    value of the host that runs the filter); an empty value falls back to ``default`` too.
    """
    files = []
    for host in _names(hosts, "certificate_chain_files", "hosts"):
        # Only this variable: each hostvars[host] value is templated when read.
        files.append(host_values(hostvars, host, "certificate_chain_files").get("certificates_chain_file") or default)
    return files


def crl_renewal_due(next_update, days, now=None):
    """Whether a CRL whose next update is ``next_update`` (ASN.1 TIME ``YYYYMMDDHHMMSSZ``, as x509_crl_info returns it;
    None or empty: no CRL yet, or none stated) expires within ``days`` days of ``now`` (default: now, UTC)."""
    if not next_update:
        return False
    try:
        expires = datetime.datetime.strptime(str(next_update), "%Y%m%d%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        days = int(days)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"crl_renewal_due: expects an ASN.1 time and a number of days: {exc}") from exc
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return expires - now <= datetime.timedelta(days=days)


def crl_expiry(crl, region):
    """verify's line for a Region's revocation list: ``crl`` is M(ec2_client_vpn_crl)'s ``crl`` result (None: the
    endpoint holds no list)."""
    if not crl:
        return f"{region}: no revocation list imported"
    expired = " (EXPIRED)" if crl.get("expired") else ""
    revoked = len(crl.get("revoked_serials") or [])
    status = (crl.get("status") or {}).get("code", "")
    return f"{region}: revocation list expires {crl.get('next_update')}{expired}, {revoked} certificate(s) revoked, {status}"


class FilterModule:
    """Where the PKI sets and CA files are; when the CRL is renewed; how verify states its expiry."""

    def filters(self):
        return {
            "certificate_sets": certificate_sets,
            "certificate_ca_files": certificate_ca_files,
            "certificate_chain_files": certificate_chain_files,
            "crl_renewal_due": crl_renewal_due,
            "crl_expiry": crl_expiry,
        }
