"""site.yml on a bad day: throttled and losing answers; secrets at -vvvv; then teardown.

One deploy of 1 Home + 1 Branch from bench/inventory.py, shared by the tests below, with the sandbox's effects acting
(time scale above 0: describes that miss new resources, waits, busy directories): the sandbox throttles 30% of
all calls with each service's throttling code, and the first call of every create site.yml makes takes effect and
then loses its answer (a 500 botocore retries, or a connection closed without an answer). site.yml runs once at
-vvvv and must converge with no failed task and leave exactly the clean deployment (reliability/checks.py):
nothing created twice (the playbooks' aws_config retries cover the amazon.aws modules without a retry decorator
of their own); then teardown.yml runs at -vvvv. Neither output nor the call log holds the directory password
(also the AD Connector service account's: the inventory's default) or any private key; keys and the client file
are 0600; teardown leaves none of what the deploy created (the hosted zone included: site.yml created it).

Interruption is test_interruption.py's, failing Branches test_partial_failure.py's, bad inventories
test_preflight.py's; teardown's own behaviour (one Region, a pre-existing zone) is test_lifecycle.py's.
"""

import json
import stat
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability.checks import assert_no_failed_task  # noqa: E402
from reliability.checks import leftovers  # noqa: E402
from reliability.checks import region_names  # noqa: E402
from reliability.checks import settled_snapshot  # noqa: E402
from reliability.checks import snapshot  # noqa: E402
from reliability.checks import topology  # noqa: E402
from reliability.runner import REPO  # noqa: E402
from reliability.runner import Deploy  # noqa: E402

from bench import inventory  # noqa: E402
from tests.lib import resources  # noqa: E402

pytestmark = pytest.mark.deploys(2)

THROTTLING_CODES = {"RequestLimitExceeded", "ThrottlingException", "Throttling"}
TEARDOWN = REPO / "playbooks" / "teardown.yml"
# Above 0, so that the sandbox's effects act as on AWS besides the faults: a new resource is missing from its first
# describes, the directory and its Regions take time and are busy, health checks need observations. The simulated
# waits stay seconds long (directory 3.6 s, Region add 4.8 s): the run's time goes to the retries' back-off.
TIME_SCALE = 0.002

# Every create site.yml makes, answered by a sandbox handler or by moto.
LOST_CREATES = (
    "CreateMicrosoftAD",
    "AddRegion",
    "ConnectDirectory",
    "CreateClientVpnEndpoint",
    "AssociateClientVpnTargetNetwork",
    "AuthorizeClientVpnIngress",
    "CreateClientVpnRoute",
    "CreateHealthCheck",
    "ChangeResourceRecordSets",
    "ImportCertificate",
    "CreateVpcPeeringConnection",
)


class BadDay:
    """What the shared deploy + teardown observed (the module fixture fills it)."""

    deploy_rc = None
    deploy_output = ""
    deploy_calls = ()
    deployed = None
    teardown_rc = None
    teardown_output = ""
    teardown_calls = ()
    after_teardown = None
    leftovers_deployed = ()
    leftovers_after_teardown = ()
    key_files = ()
    client_files = ()
    private_key_lines = ()
    lost_rules = ()


@pytest.fixture(scope="module")
def bad_day(sandbox_server, tmp_path_factory):
    """1 Home + 1 Branch deployed at -vvvv, throttled and losing answers, then torn down at -vvvv."""
    from sandbox.handle import SandboxHandle

    sandbox = SandboxHandle(sandbox_server.url)
    sandbox.control("POST", "reset")
    sandbox.set_time_scale(TIME_SCALE)
    workdir = tmp_path_factory.mktemp("bad-day")
    inv = inventory.write(workdir / "inventory", 1)
    observed = BadDay()
    try:
        # The first call of each create loses its answer, both ways alternately: a 500 (InternalError and the
        # like) and a dropped connection. These rules come first, so that throttling cannot take their place.
        observed.lost_rules = [
            {"action": action, "count": 1, "kind": "lost_response" if i % 2 == 0 else "dropped_connection"}
            for i, action in enumerate(LOST_CREATES)
        ]
        # 30% of all calls at random; and the first two of each service, so that every service (ACM makes
        # only a few calls) answers with its throttling code at least once, whatever the random draw.
        first = [{"service": service, "count": 2} for service in ("ec2", "ds", "acm", "route53")]
        rules = [*observed.lost_rules, *first, {"rate": 0.3}]
        sandbox.control("POST", "faults", {"seed": 8, "rules": rules})
        observed.deploy_rc, observed.deploy_output = Deploy(sandbox, inv, workdir, verbosity=4).run()
        observed.deploy_calls = sandbox.calls()
        sandbox.control("DELETE", "faults")
        observed.deployed = settled_snapshot(sandbox, 1)
        observed.leftovers_deployed = leftovers(sandbox, 1)
        artifacts = workdir / "artifacts"
        observed.key_files = sorted(artifacts.rglob("*.key"))
        observed.client_files = sorted(artifacts.rglob("*.ovpn"))
        observed.private_key_lines = sorted(
            {line for key in observed.key_files for line in key.read_text().splitlines()[1:-1] if len(line) > 40}
        )
        modes = {path: stat.S_IMODE(path.stat().st_mode) for path in [*observed.key_files, *observed.client_files]}
        observed.modes = modes

        sandbox.clear_calls()
        teardown = Deploy(
            sandbox, inv, workdir, playbook=TEARDOWN, extra_vars={"teardown_confirm": inventory.VPN_NAME}, verbosity=4
        )
        observed.teardown_rc, observed.teardown_output = teardown.run()
        observed.teardown_calls = sandbox.calls()
        observed.after_teardown = snapshot(sandbox, 1)
        observed.leftovers_after_teardown = leftovers(sandbox, 1)
        yield observed
    finally:
        sandbox.control("DELETE", "faults")


def test_bad_day_deploy_has_no_failed_task(bad_day):
    throttles = [c for c in bad_day.deploy_calls if c.get("error_code") in THROTTLING_CODES]
    # 30% of the calls were refused: the run had to absorb many throttling errors.
    assert len(throttles) > 0.2 * len(bad_day.deploy_calls), len(throttles)
    assert {c["service"] for c in throttles} >= {"ec2", "ds", "acm", "route53"}
    assert bad_day.deploy_rc == 0, bad_day.deploy_output[-5000:]
    assert_no_failed_task(bad_day.deploy_output)


def test_bad_day_deploy_creates_what_a_clean_deploy_creates(bad_day):
    problems = resources.differences(bad_day.deployed, resources.expected(topology(1)))
    assert not problems, "\n".join(problems)


def test_every_create_lost_its_first_answer_and_was_made_once(bad_day):
    """The clean deployment above holds one of each: what a lost answer had created was found, not made again."""
    lost = [c for c in bad_day.deploy_calls if c.get("fault")]
    assert {c["action"]: c["fault"] for c in lost} == {rule["action"]: rule["kind"] for rule in bad_day.lost_rules}
    assert all(c["performed_status"] == 200 for c in lost), lost


def test_secrets_never_in_verbose_output_or_call_log(bad_day):
    assert bad_day.teardown_rc == 0, bad_day.teardown_output[-5000:]
    assert bad_day.private_key_lines, "no private key was written"
    texts = {
        "deploy output": bad_day.deploy_output,
        "teardown output": bad_day.teardown_output,
        "call log": json.dumps([*bad_day.deploy_calls, *bad_day.teardown_calls]),
    }
    assert "<ca>" in bad_day.deploy_output or bad_day.client_files  # the run went as far as the client file
    for where, text in texts.items():
        assert inventory.DIRECTORY_PASSWORD not in text, f"the directory password is in the {where}"
        assert "PRIVATE KEY" not in text, f"a private key is in the {where}"
        leaked = [line for line in bad_day.private_key_lines if line in text]
        assert not leaked, f"{len(leaked)} lines of a private key are in the {where}"


def test_keys_and_client_files_are_private(bad_day):
    assert bad_day.key_files and bad_day.client_files
    wrong = {str(path): oct(mode) for path, mode in bad_day.modes.items() if mode != 0o600}
    assert not wrong, wrong


def test_teardown_after_the_bad_day_leaves_nothing(bad_day):
    # Everything in the snapshot was created by site.yml here, the hosted zone included (no zone pre-existed).
    assert bad_day.teardown_rc == 0, bad_day.teardown_output[-5000:]
    left = {kind: items for kind, items in bad_day.after_teardown.items() if items}
    assert not left, left
    # The check molecule's destroy step makes saw every kind of resource after the deploy, and sees none now.
    # Home + 1 Branch: only the Branch has an AD Connector, so a connector secret.
    home, branch = region_names(1)
    kinds = [label for _, label in resources.REGION_KINDS]
    everything = [
        f"{region}: {kind}" for region in (home, branch) for kind in kinds if (kind, region) != ("secret", home)
    ]
    everything += [
        "Route 53: Client VPN health check",
        f"Route 53: hosted zone {inventory.GROUP_VARS['hosted_zone']}",
        f"Route 53: record of {inventory.GROUP_VARS['vpn_name']}",
    ]
    assert bad_day.leftovers_deployed == sorted(everything)
    assert bad_day.leftovers_after_teardown == []
