"""molecule's default scenario (extensions/molecule/default), run as one file of the suite on its worker's sandbox.

`make molecule` runs the same scenario alone. Inside the suite it is one more worker's file instead of a phase of
its own: the scenario keeps about one core busy for minutes, which left the other core idle while it ran alone.
The scenario asserts its own steps (idempotence, verify, nothing owned left after cleanup); this side asserts that
molecule ran them all and succeeded.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.handle import SandboxHandle

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "extensions" / "molecule" / "default"
# As `make molecule`: the simulated waits of seconds (directory 3.6 s, Region add 4.8 s).
TIME_SCALE = 0.002

# converge and idempotence run site.yml, cleanup and destroy teardown.yml.
pytestmark = pytest.mark.deploys(4)


def test_default_scenario(sandbox_server, tmp_path):
    sandbox = SandboxHandle(sandbox_server.url)
    sandbox.control("POST", "reset")
    sandbox.set_time_scale(TIME_SCALE)
    env = sandbox.env
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    # A private working directory: a `make molecule` elsewhere on the machine keeps its own.
    env["MOLECULE_EPHEMERAL_DIRECTORY"] = str(tmp_path / "ephemeral")
    proc = subprocess.run(
        [os.path.join(bin_dir, "molecule"), "test", "--scenario-name", "default"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)  # without terminal colours
    assert proc.returncode == 0, output[-20000:]
    for step in ("syntax", "converge", "idempotence", "verify", "cleanup", "destroy"):
        assert f"{step}: Executed: Successful" in output, step
    # The sandbox saw the deployment: the scenario ran against this worker's sandbox, not another endpoint.
    assert any(call["action"] == "CreateMicrosoftAD" for call in sandbox.calls())
