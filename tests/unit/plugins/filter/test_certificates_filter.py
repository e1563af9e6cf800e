"""Where the PKI sets and every Region's CA file are (certificate_sets, certificate_ca_files, certificate_chain_files)."""

import datetime
from collections.abc import Mapping

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.certificates import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.filter.certificates import certificate_ca_files
from ansible_collections.multiregion.client_vpn.plugins.filter.certificates import certificate_chain_files
from ansible_collections.multiregion.client_vpn.plugins.filter.certificates import certificate_sets
from ansible_collections.multiregion.client_vpn.plugins.filter.certificates import crl_expiry
from ansible_collections.multiregion.client_vpn.plugins.filter.certificates import crl_renewal_due


class OneVariable(Mapping):
    """A host's variables that fail on any read but certificates_chain_file (hostvars template every value read)."""

    def __init__(self, **values):
        self._values = values

    def __getitem__(self, key):
        if key != "certificates_chain_file":
            raise AssertionError(f"read {key!r}")
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)


def test_a_shared_ca_is_one_set_in_the_pki_directory():
    assert certificate_sets(["us-east-1", "us-west-2"], "/srv/pki", False) == ["/srv/pki"]
    assert certificate_sets([], "/srv/pki", False) == ["/srv/pki"]


def test_a_ca_per_region_is_one_set_per_region_in_their_order():
    assert certificate_sets(["us-east-1", "eu-west-1", "us-west-2"], "/srv/pki", True) == [
        "/srv/pki/us-east-1",
        "/srv/pki/eu-west-1",
        "/srv/pki/us-west-2",
    ]


def test_sets_refuse_a_single_region_given_as_a_string():
    with pytest.raises(AnsibleFilterError, match="certificate_sets: expects a list of Regions"):
        certificate_sets("us-east-1", "/srv/pki", True)


def test_each_set_has_its_ca_file_in_the_order_of_the_sets_even_twice():
    assert certificate_ca_files(["/srv/pki/us-west-2", "/srv/pki/us-east-1", "/srv/pki/us-west-2"]) == [
        "/srv/pki/us-west-2/ca.crt",
        "/srv/pki/us-east-1/ca.crt",
        "/srv/pki/us-west-2/ca.crt",
    ]
    assert certificate_ca_files([]) == []


def test_ca_files_refuse_a_single_directory_given_as_a_string():
    with pytest.raises(AnsibleFilterError, match="certificate_ca_files: expects a list of directories"):
        certificate_ca_files("/srv/pki")


def test_each_host_brings_its_own_chain_file_else_the_default_in_the_hosts_order():
    hostvars = {
        "us-east-1": OneVariable(certificates_chain_file="/certs/east-ca.pem"),
        "us-west-2": OneVariable(aws_region="us-west-2"),
        "eu-west-1": OneVariable(certificates_chain_file="/certs/eu-ca.pem"),
    }
    assert certificate_chain_files(["eu-west-1", "us-west-2", "us-east-1"], hostvars, "/certs/ca.pem") == [
        "/certs/eu-ca.pem",
        "/certs/ca.pem",
        "/certs/east-ca.pem",
    ]


def test_an_empty_chain_file_falls_back_to_the_default():
    hostvars = {
        "us-east-1": OneVariable(certificates_chain_file=""),
        "us-west-2": OneVariable(certificates_chain_file=None),
    }
    assert certificate_chain_files(["us-east-1", "us-west-2"], hostvars, "/certs/ca.pem") == [
        "/certs/ca.pem",
        "/certs/ca.pem",
    ]
    assert certificate_chain_files(["us-east-1"], hostvars) == [""]


def test_chain_files_are_not_deduplicated():
    hostvars = {"us-east-1": {}, "us-west-2": {}}
    assert certificate_chain_files(["us-east-1", "us-west-2"], hostvars, "/certs/ca.pem") == [
        "/certs/ca.pem",
        "/certs/ca.pem",
    ]


def test_a_host_outside_the_inventory_is_an_error_naming_it():
    with pytest.raises(AnsibleFilterError, match="'ap-south-1' is not a host"):
        certificate_chain_files(["us-east-1", "ap-south-1"], {"us-east-1": {}}, "/certs/ca.pem")


def test_the_filters_are_registered():
    assert FilterModule().filters() == {
        "certificate_sets": certificate_sets,
        "certificate_ca_files": certificate_ca_files,
        "certificate_chain_files": certificate_chain_files,
        "crl_renewal_due": crl_renewal_due,
        "crl_expiry": crl_expiry,
    }


NOW = datetime.datetime(2026, 12, 5, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize(
    "next_update,days,due",
    [
        ("20270603120000Z", 30, False),
        ("20270104120001Z", 30, False),
        ("20270104120000Z", 30, True),
        ("20261201000000Z", 30, True),
        ("20261206000000Z", 0, False),
        (None, 30, False),
        ("", 30, False),
    ],
)
def test_crl_renewal_is_due_within_the_days_before_its_next_update(next_update, days, due):
    assert crl_renewal_due(next_update, days, now=NOW) is due


def test_crl_renewal_refuses_what_is_not_a_time():
    with pytest.raises(AnsibleFilterError, match="crl_renewal_due"):
        crl_renewal_due("2027-06-03", 30)
    with pytest.raises(AnsibleFilterError, match="crl_renewal_due"):
        crl_renewal_due("20270603120000Z", "soon")


def test_crl_expiry_line_as_verify_prints_it():
    crl = {
        "next_update": "2027-06-03T00:00:00Z",
        "expired": False,
        "revoked_serials": [1, 3],
        "status": {"code": "active"},
    }
    assert crl_expiry(crl, "eu-west-1") == (
        "eu-west-1: revocation list expires 2027-06-03T00:00:00Z, 2 certificate(s) revoked, active"
    )
    expired = dict(crl, expired=True, revoked_serials=[], status={"code": "pending"})
    assert crl_expiry(expired, "us-east-1") == (
        "us-east-1: revocation list expires 2027-06-03T00:00:00Z (EXPIRED), 0 certificate(s) revoked, pending"
    )
    assert crl_expiry(None, "us-west-2") == "us-west-2: no revocation list imported"
