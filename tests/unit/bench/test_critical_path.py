"""bench/critical_path.py and the bench's --serial-region-adds option: both AddRegion modes."""

import pytest

from bench import __main__ as bench_main
from bench import analysis
from bench.critical_path import chains
from bench.critical_path import critical_path
from bench.sandbox_process import SandboxProcess
from sandbox.clock import DURATIONS

D = DURATIONS


@pytest.mark.parametrize("branches", [1, 4, 8])
def test_concurrent_mode_has_one_region_add_on_the_chain(branches):
    routes = -(-2 * branches // 10)  # ceil(2N / 10) batches of routes
    expected = (
        D["directory_create"]
        + D["region_add"]
        + D["connector_create"]
        + D["vpn_association"]
        + routes * D["vpn_route"]
        + D["route53_change"]
    )
    total, detail = critical_path(branches, 1.0)
    assert total == expected
    assert detail["region_adds"] == "concurrent"
    assert [(s["wait"], s["times"]) for s in detail["chain"]][:3] == [
        ("directory_create", 1),
        ("region_add", 1),
        ("connector_create", 1),
    ]


@pytest.mark.parametrize("branches", [1, 2, 4, 8])
def test_serial_mode_holds_every_branchs_region_add_one_after_another(branches):
    concurrent, dummy = critical_path(branches, 1.0)
    serial, detail = critical_path(branches, 1.0, serial_region_adds=True)
    assert serial == concurrent + (branches - 1) * D["region_add"]
    assert detail["region_adds"] == "serial"
    assert {"wait": "region_add", "times": branches, "seconds": branches * D["region_add"]} in detail["chain"]
    assert detail["branch_chain_s"] == serial - D["route53_change"]


def test_serial_mode_at_four_branches_and_scale():
    # 1800 + 4 x 2400 + 480 + 480 + 90, + 60 for the record; at 1/30: 414 s.
    total, dummy = critical_path(4, 1 / 30, serial_region_adds=True)
    assert total == pytest.approx((1800 + 4 * 2400 + 480 + 480 + 90 + 60) / 30, abs=0.001)


def test_no_branch_no_region_add_in_either_mode():
    for serial in (False, True):
        total, detail = critical_path(0, 1.0, serial_region_adds=serial)
        assert detail["longest_chain"] == "home"
        assert total == D["directory_create"] + D["vpn_association"] + D["route53_change"]
        assert chains(0, serial)["home"] == chains(0)["home"]


def test_bench_option_reaches_the_sandbox_process_and_the_critical_path(monkeypatch, tmp_path):
    args = bench_main.parse_args(["--branches", "2", "--time-scale", "0.01", "--serial-region-adds"])
    assert args.serial_region_adds is True
    assert bench_main.parse_args(["--branches", "2"]).serial_region_adds is False
    started = {}

    class FakeSandbox(SandboxProcess):
        def start(self, timeout=120):
            started["command"] = self.command()[3:]
            raise RuntimeError("not started in a unit test")

    monkeypatch.setattr(bench_main, "SandboxProcess", FakeSandbox)
    with pytest.raises(RuntimeError):
        bench_main.bench(args, tmp_path)
    assert started == {"command": ["--time-scale", "0.01", "--serial-region-adds"]}
    assert SandboxProcess(0.01).command()[3:] == ["--time-scale", "0.01"]


def test_sandbox_process_command_line(monkeypatch):
    seen = {}

    def fake_serve(host, port, scale, without=(), modes=()):
        seen.update(host=host, port=port, scale=scale, modes=list(modes))

    import sandbox.server

    monkeypatch.setattr(sandbox.server, "serve", fake_serve)
    from bench import sandbox_process

    sandbox_process.main(["--time-scale", "0.5", "--serial-region-adds"])
    assert seen == {"host": "127.0.0.1", "port": 0, "scale": 0.5, "modes": ["serial_region_adds"]}
    sandbox_process.main(["--time-scale", "0.5"])
    assert seen["modes"] == []


def test_serial_timeline_measures_a_region_add_from_the_add_before_it():
    # Scale 1/60: directory 30 s, Region add 40 s. The second add was launched 1 s after the first ended.
    calls = [
        {
            "region": "us-east-1",
            "service": "ds",
            "action": "CreateMicrosoftAD",
            "time": 1000.0,
            "write": True,
            "status": 200,
        }
    ]
    launches = {"us-west-2": 1030.5, "eu-west-1": 1071.5}
    serial = analysis.timeline(calls, 1000.0, 1 / 60, "us-east-1", ["us-west-2", "eu-west-1"], launches, True)
    assert serial["us-west-2"][0]["lag_s"] == 0.5  # from the directory
    assert serial["eu-west-1"][0]["lag_s"] == 1.0  # from the first add (done at 70.5 s)
    concurrent = analysis.timeline(calls, 1000.0, 1 / 60, "us-east-1", ["us-west-2", "eu-west-1"], launches)
    assert concurrent["eu-west-1"][0]["lag_s"] == 41.5  # from the directory: the add could have started then
