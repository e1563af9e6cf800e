"""ec2_vpc_peering_request and acm_certificate_import through ansible-playbook against the sandbox.

AWS sometimes performs a write and loses its answer. The sandbox's fault API on this branch cannot lose an
answer, so the leftovers of one are made with boto3 before the modules run: for a peering, the request that
AWS made while the caller saw an error plus the one a blind retry made (two live requests for one pair); for
a certificate, the untagged certificate that community.aws.acm_certificate leaves when ImportCertificate's
answer is lost or the run stops between import and tagging. Each playbook runs its module four times (check,
apply, check, apply; the last between two marker calls that must see no write) and this side checks what
AWS holds afterwards: one peering per pair, one certificate, nothing imported twice.
"""

import json
import re
from pathlib import Path

import pytest

from tests.certificates import certificate
from tests.certificates import key_pem
from tests.certificates import pem
from tests.certificates import rsa_key

PLAYBOOKS = Path(__file__).parent / "playbooks" / "lost_answers"
LIVE = ("initiating-request", "pending-acceptance", "provisioning", "active")
DOMAIN = "lost-answers.example.com"
NAME = "lost-answers.example.com server"


def reapply_window(calls):
    """The calls made between the pair of marker calls (ec2:DescribeRegions)."""
    marks = [i for i, c in enumerate(calls) if c["action"] == "DescribeRegions"]
    assert len(marks) == 2, f"expected one pair of marker calls, got {len(marks)}"
    return calls[marks[0] + 1 : marks[1]]


def assert_reapply_made_no_write(sandbox):
    window = reapply_window(sandbox.calls())
    assert window, "the apply-again made no API call at all"
    writes = [(c["service"], c["action"], c["region"]) for c in window if c["write"]]
    assert writes == [], f"the apply-again made write calls: {writes}"


def reported(proc):
    match = re.search(r"LOST_ANSWERS_RESULT=(\{.*?\})\"", proc.stdout)
    assert match, proc.stdout[-3000:]
    return json.loads(match.group(1).replace('\\"', '"'))


# --------------------------------------------------------------------------- peering


def make_vpcs(sandbox):
    home = sandbox.client("ec2", "us-east-1").create_vpc(CidrBlock="10.71.0.0/16")["Vpc"]["VpcId"]
    branch = sandbox.client("ec2", "us-west-2").create_vpc(CidrBlock="10.72.0.0/16")["Vpc"]["VpcId"]
    return home, branch


def live_peerings(sandbox, vpc_id):
    ec2 = sandbox.client("ec2", "us-east-1")
    found = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    return [
        p
        for p in found
        if p["Status"]["Code"] in LIVE and vpc_id in (p["RequesterVpcInfo"]["VpcId"], p["AccepterVpcInfo"]["VpcId"])
    ]


def run_peering(run_playbook, home, branch, expect_create):
    return run_playbook(
        PLAYBOOKS / "peering.yml",
        extra_vars=dict(
            lost_answers_vpc_id=home, lost_answers_peer_vpc_id=branch, lost_answers_expect_create=expect_create
        ),
    )


def test_peering_requested_once(sandbox, run_playbook):
    home, branch = make_vpcs(sandbox)
    result = reported(run_peering(run_playbook, home, branch, expect_create=True))
    assert_reapply_made_no_write(sandbox)
    creates = [c for c in sandbox.calls() if c["action"] == "CreateVpcPeeringConnection"]
    tags = [c for c in sandbox.calls() if c["action"] == "CreateTags"]
    assert len(creates) == 1 and tags == []  # the tags travelled with the request
    live = live_peerings(sandbox, home)
    assert [p["VpcPeeringConnectionId"] for p in live] == [result["peering_id"]]
    assert live[0]["Status"]["Code"] == "active"
    assert {t["Key"]: t["Value"] for t in live[0]["Tags"]}["Name"] == "lost-answers-us-east-1-us-west-2"


def test_peering_duplicates_of_a_lost_answer_are_reduced_to_one(sandbox, run_playbook):
    """Two live requests for the pair (the one whose answer was lost, untagged, and the retry's): one is kept."""
    home, branch = make_vpcs(sandbox)
    ec2 = sandbox.client("ec2", "us-east-1")
    leftovers = [
        ec2.create_vpc_peering_connection(VpcId=home, PeerVpcId=branch, PeerRegion="us-west-2")["VpcPeeringConnection"][
            "VpcPeeringConnectionId"
        ]
        for _ in range(2)
    ]
    sandbox.clear_calls()
    result = reported(run_peering(run_playbook, home, branch, expect_create=False))
    assert_reapply_made_no_write(sandbox)
    assert not [c for c in sandbox.calls() if c["action"] == "CreateVpcPeeringConnection"]
    assert result["peering_id"] in leftovers
    assert result["deleted"] == [p for p in leftovers if p != result["peering_id"]]
    live = live_peerings(sandbox, home)
    assert [p["VpcPeeringConnectionId"] for p in live] == [result["peering_id"]]
    # The kept request, untagged before, carries the tags now.
    assert {t["Key"]: t["Value"] for t in live[0]["Tags"]}["multiregion:client_vpn"] == "lost-answers"


# --------------------------------------------------------------------------- ACM


@pytest.fixture
def pki(tmp_path):
    """A CA, a server certificate for DOMAIN signed by it, and an unrelated certificate for the same domain."""
    ca_key, key, other_key = rsa_key(), rsa_key(), rsa_key()
    ca = certificate("Lost Answers CA", ca_key, ca=True)
    server = certificate(DOMAIN, key, issuer_cn="Lost Answers CA", issuer_key=ca_key, san=True)
    other = certificate(DOMAIN, other_key, issuer_cn="Lost Answers CA", issuer_key=ca_key, san=True)
    directory = tmp_path / "pki"
    directory.mkdir(mode=0o700)
    for name, data in (("server.crt", pem(server)), ("server.key", key_pem(key)), ("ca.crt", pem(ca))):
        (directory / name).write_bytes(data)
    (directory / "server.key").chmod(0o600)
    return dict(
        dir=directory,
        server=pem(server),
        key=key_pem(key),
        ca=pem(ca),
        other=pem(other),
        other_key=key_pem(other_key),
    )


def certificates(sandbox):
    acm = sandbox.client("acm", "us-east-1")
    found = {}
    for summary in acm.list_certificates()["CertificateSummaryList"]:
        arn = summary["CertificateArn"]
        found[arn] = {
            t["Key"]: t.get("Value") for t in acm.list_tags_for_certificate(CertificateArn=arn).get("Tags", [])
        }
    return found


def run_acm(run_playbook, pki, expect_adopt):
    return run_playbook(
        PLAYBOOKS / "acm.yml", extra_vars=dict(lost_answers_pki=str(pki["dir"]), lost_answers_expect_adopt=expect_adopt)
    )


def test_certificate_imported_once_with_its_tags(sandbox, run_playbook, pki):
    result = reported(run_acm(run_playbook, pki, expect_adopt=False))
    assert_reapply_made_no_write(sandbox)
    imports = [c for c in sandbox.calls() if c["action"] == "ImportCertificate"]
    tag_calls = [c for c in sandbox.calls() if c["action"] == "AddTagsToCertificate"]
    assert len(imports) == 1 and tag_calls == []  # the tags travelled with the import
    assert certificates(sandbox) == {result["arn"]: {"Name": NAME, "multiregion:client_vpn": "lost-answers"}}


def test_untagged_certificate_of_a_lost_answer_is_adopted(sandbox, run_playbook, pki):
    """The certificate imported while its answer (or the tagging) was lost is tagged, not imported again.

    A decoy shares the domain (another certificate, with another Name tag): neither adopted nor touched.
    """
    acm = sandbox.client("acm", "us-east-1")
    orphan = acm.import_certificate(Certificate=pki["server"], PrivateKey=pki["key"], CertificateChain=pki["ca"])[
        "CertificateArn"
    ]
    decoy = acm.import_certificate(
        Certificate=pki["other"], PrivateKey=pki["other_key"], Tags=[{"Key": "Name", "Value": "someone else"}]
    )["CertificateArn"]
    sandbox.clear_calls()
    result = reported(run_acm(run_playbook, pki, expect_adopt=True))
    assert_reapply_made_no_write(sandbox)
    assert not [c for c in sandbox.calls() if c["action"] == "ImportCertificate"]
    assert result["arn"] == orphan
    assert certificates(sandbox) == {
        orphan: {"Name": NAME, "multiregion:client_vpn": "lost-answers"},
        decoy: {"Name": "someone else"},
    }
