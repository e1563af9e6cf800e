"""sandbox/realism.py: visibility windows, lingering deletes, switches; the control API and the command line."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

import sandbox.__main__ as cli
from sandbox.clock import DURATIONS
from sandbox.clock import Clock
from sandbox.handle import SandboxHandle
from sandbox.realism import EFFECTS
from sandbox.realism import MIN_MISSES
from sandbox.realism import MODES
from sandbox.realism import Realism
from sandbox.server import ThreadedSandbox

WINDOW = DURATIONS["consistency"]


class FakeClock(Clock):
    """A clock that moves only when told to."""

    def __init__(self, scale):
        super().__init__(scale)
        self.t = 1000.0

    def now(self):
        return self.t


def realism(scale=1.0, **kwargs):
    clock = FakeClock(scale)
    return Realism(clock, **kwargs), clock


# ------------------------------------------------------------------ windows


def test_every_effect_is_on_and_every_mode_off_by_default():
    r, _ = realism()
    assert r.switches == {**{name: True for name in EFFECTS}, **{name: False for name in MODES}}


def test_new_resource_hidden_for_the_window_then_visible():
    r, clock = realism(scale=1.0)
    r.created("endpoint", "cvpn-endpoint-1")
    assert not r.visible("endpoint", "cvpn-endpoint-1")
    clock.t += WINDOW - 0.1
    assert not r.visible("endpoint", "cvpn-endpoint-1")  # misses spent, window still open
    clock.t += 0.1
    assert r.visible("endpoint", "cvpn-endpoint-1")
    assert r.visible("endpoint", "cvpn-endpoint-1")  # and stays visible
    assert r.visible("endpoint", "cvpn-endpoint-2")  # what was never created through realism is visible


@pytest.mark.parametrize("scale", [1e-6, 0.001, 0.1])
def test_at_any_scale_above_zero_the_first_describes_miss(scale):
    r, clock = realism(scale=scale)
    r.created("directory", "d-1")
    # Past the scaled window but within AWS's own (unscaled) one: the minimum misses still apply.
    clock.t += DURATIONS["consistency"] * 0.5
    seen = [r.visible("directory", "d-1") for _ in range(MIN_MISSES + 2)]
    assert seen == [False] * MIN_MISSES + [True, True]


@pytest.mark.parametrize("scale", [1e-6, 0.001, 1.0])
def test_a_describe_long_after_the_create_sees_it_even_if_nobody_looked_before(scale):
    """AWS hides a new resource for a while, not until somebody happens to ask: a re-run an hour later finds it."""
    r, clock = realism(scale=scale)
    r.created("directory", "d-1")
    clock.t += 3600
    assert r.visible("directory", "d-1")


def test_other_kinds_and_keys_are_not_hidden():
    r, _ = realism()
    r.created("directory", "d-1")
    assert r.visible("endpoint", "d-1")
    assert r.visible("directory", "d-2")
    assert not r.visible("directory", "d-1")


def test_at_scale_zero_nothing_is_hidden_or_lingers():
    r, _ = realism(scale=0.0)
    r.created("directory", "d-1")
    assert r.visible("directory", "d-1")
    r.deleted("directory", "d-1", {"DirectoryId": "d-1"})
    assert r.lingering("directory") == {}


def test_deleted_item_lingers_for_the_window():
    r, clock = realism(scale=1.0)
    item = {"ClientVpnEndpointId": "cvpn-endpoint-1", "Status": {"Code": "deleted"}}
    r.deleted("endpoint", "cvpn-endpoint-1", item)
    assert r.lingering("endpoint") == {"cvpn-endpoint-1": item}
    assert r.lingering("directory") == {}
    clock.t += WINDOW - 0.1
    assert r.lingering("endpoint") == {"cvpn-endpoint-1": item}
    clock.t += 0.1
    assert r.lingering("endpoint") == {}


def test_delete_ends_the_creation_window_and_forget_ends_both():
    r, _ = realism()
    r.created("health_check", "hc-1")
    r.deleted("health_check", "hc-1", {"Id": "hc-1"})
    assert r.visible("health_check", "hc-1")  # a deleted item is not "pending": it lingers instead
    assert "hc-1" in r.lingering("health_check")
    r.forget("health_check", "hc-1")
    assert r.lingering("health_check") == {}
    r.created("health_check", "hc-2")
    r.forget("health_check", "hc-2")
    assert r.visible("health_check", "hc-2")


def test_window_scales_with_the_clock():
    r, clock = realism(scale=0.5)
    r.created("endpoint", "e")
    assert not r.visible("endpoint", "e")
    clock.t += WINDOW * 0.5
    assert r.visible("endpoint", "e")


# ---------------------------------------------------------------- switches


def test_consistency_off_hides_nothing_and_drops_open_windows():
    r, _ = realism()
    r.created("directory", "d-1")
    r.deleted("endpoint", "e-1", {"id": "e-1"})
    r.set({"consistency": False})
    assert r.visible("directory", "d-1")
    assert r.lingering("endpoint") == {}
    r.created("directory", "d-2")
    assert r.visible("directory", "d-2")
    assert not r.on("consistency") and r.on("health_delay")


def test_without_at_start_up_and_reset_restores_the_start_up_switches():
    r, _ = realism(without=["health_delay", "busy_directory"], modes=["serial_region_adds"])
    start = dict(r.switches)
    assert not start["health_delay"] and not start["busy_directory"] and start["serial_region_adds"]
    assert start["consistency"] and start["ds_rate_exceeded"] and start["blackhole_routes"]
    r.set({"health_delay": True, "serial_region_adds": False, "consistency": False})
    r.created("directory", "d-1")  # consistency off: no window
    r.reset()
    assert r.switches == start
    r.created("directory", "d-2")
    assert not r.visible("directory", "d-2")  # consistency back on after the reset


def test_reset_forgets_every_window():
    r, _ = realism()
    r.created("directory", "d-1")
    r.deleted("endpoint", "e-1", {"id": "e-1"})
    r.reset()
    assert r.visible("directory", "d-1")
    assert r.lingering("endpoint") == {}


@pytest.mark.parametrize(
    "kwargs", [{"without": ["eventual"]}, {"modes": ["consistency"]}, {"without": ["serial_region_adds"]}]
)
def test_unknown_names_rejected_at_start_up(kwargs):
    with pytest.raises(ValueError, match="unknown effect or mode"):
        Realism(Clock(1.0), **kwargs)


@pytest.mark.parametrize(
    "changes,message", [({"eventual": False}, "unknown effect or mode"), ({"consistency": 0}, "true or false")]
)
def test_bad_switch_changes_rejected_and_nothing_applied(changes, message):
    r, _ = realism()
    before = dict(r.switches)
    with pytest.raises(ValueError, match=message):
        r.set({"health_delay": False, **changes})
    assert r.switches == before


# ------------------------------------------------------------ control API


def post(url, route, body):
    req = urllib.request.Request(f"{url}/_sandbox/{route}", data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(req) as resp:  # noqa: S310 loopback
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_control_api_get_and_post_effects(sandbox):
    effects = sandbox.control("GET", "effects")["effects"]
    assert effects == {**{name: True for name in EFFECTS}, **{name: False for name in MODES}}
    changed = sandbox.control("POST", "effects", {"consistency": False, "serial_region_adds": True})["effects"]
    assert changed == {**effects, "consistency": False, "serial_region_adds": True}
    assert sandbox.control("GET", "effects")["effects"] == changed


@pytest.mark.parametrize("body", [{"eventual": False}, {"consistency": "no"}, {"consistency": False, "x": True}])
def test_control_api_rejects_unknown_effects_and_non_booleans(sandbox, body):
    before = sandbox.control("GET", "effects")["effects"]
    status, answer = post(sandbox.url, "effects", body)
    assert status == 400 and answer["error"]
    assert sandbox.control("GET", "effects")["effects"] == before


def test_control_api_reset_restores_the_start_up_switches(sandbox):
    sandbox.control("POST", "effects", {"health_delay": False, "serial_region_adds": True})
    sandbox.control("POST", "reset")
    assert sandbox.control("GET", "effects")["effects"] == {
        **{name: True for name in EFFECTS},
        **{name: False for name in MODES},
    }


def test_a_sandbox_started_without_effects_keeps_them_off_across_resets():
    server = ThreadedSandbox(time_scale=0.0, without=["consistency"], modes=["serial_region_adds"]).start()
    try:
        handle = SandboxHandle(server.url)
        start = handle.control("GET", "effects")["effects"]
        assert start["consistency"] is False and start["serial_region_adds"] is True
        handle.control("POST", "effects", {"consistency": True, "serial_region_adds": False})
        handle.control("POST", "reset")
        assert handle.control("GET", "effects")["effects"] == start
    finally:
        server.stop()


# ------------------------------------------------------------ command line


@pytest.fixture
def started(monkeypatch):
    """Run ``python -m sandbox``'s main() with serve() replaced; returns what serve() was given."""
    seen = {}

    def fake_serve(host, port, time_scale, without=(), modes=()):
        seen.update(host=host, port=port, time_scale=time_scale, without=sorted(without), modes=sorted(modes))

    monkeypatch.setattr(cli, "serve", fake_serve)
    monkeypatch.delenv("SANDBOX_WITHOUT", raising=False)
    monkeypatch.delenv("SANDBOX_SERIAL_REGION_ADDS", raising=False)

    def run(*argv):
        cli.main(list(argv))
        return seen

    return run


def test_cli_defaults(started):
    assert started() == {"host": "127.0.0.1", "port": 4566, "time_scale": 1.0, "without": [], "modes": []}


def test_cli_without_and_serial_region_adds(started):
    seen = started("--without", "consistency", "--without", "health_delay", "--serial-region-adds")
    assert seen["without"] == ["consistency", "health_delay"]
    assert seen["modes"] == ["serial_region_adds"]


def test_cli_environment(started, monkeypatch):
    monkeypatch.setenv("SANDBOX_WITHOUT", "busy_directory,ds_rate_exceeded")
    monkeypatch.setenv("SANDBOX_SERIAL_REGION_ADDS", "1")
    seen = started("--without", "consistency")
    assert seen["without"] == ["busy_directory", "consistency", "ds_rate_exceeded"]
    assert seen["modes"] == ["serial_region_adds"]
    monkeypatch.setenv("SANDBOX_SERIAL_REGION_ADDS", "0")
    assert started()["modes"] == []


@pytest.mark.parametrize("argv,env", [(["--without", "eventual"], None), ([], "consistency,eventual")])
def test_cli_rejects_unknown_effects_with_a_usage_error(started, monkeypatch, capsys, argv, env):
    # An unknown name in SANDBOX_WITHOUT was not checked by argparse (defaults skip ``choices``): the
    # sandbox started and then died with a ValueError traceback from Realism.
    if env:
        monkeypatch.setenv("SANDBOX_WITHOUT", env)
    with pytest.raises(SystemExit) as exc:
        started(*argv)
    assert exc.value.code == 2
    assert "eventual" in capsys.readouterr().err


def test_python_m_sandbox_starts_with_effects_off_and_serial_region_adds():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    cmd = [sys.executable, "-m", "sandbox", "--port", "0", "--time-scale", "0", "--without", "consistency"]
    proc = subprocess.Popen(
        [*cmd, "--serial-region-adds"],
        cwd=cli.__file__.rsplit("/sandbox/", 1)[0],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("sandbox listening on "), line
        assert "consistency" not in line.split("on:", 1)[1] and "serial_region_adds" in line
        handle = SandboxHandle(line.split()[3])
        deadline = time.monotonic() + 30
        while True:
            try:
                effects = handle.control("GET", "effects")["effects"]
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert effects["consistency"] is False and effects["serial_region_adds"] is True
        assert effects["health_delay"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)
