"""``python -m bench --branches N --time-scale S [--serial-region-adds]``: deploy 1 Home + N Branches with site.yml, re-run it.

Starts its own sandbox (a subprocess on a free loopback port), writes an inventory (bench/inventory.py),
runs ``ansible-playbook site.yml`` with one fork per Region, then runs it again, and prints one JSON
object on stdout (its keys are stable; bench/README.md, "Output", says what each means):

    wall_s, critical_path_s, ratio, api_calls, write_calls, rerun_wall_s, rerun_api_calls, rerun_write_calls

plus ``branches``, ``time_scale``, ``serial_region_adds`` and a ``detail`` object (the critical chain, per-Region call counts of
the re-run, the timeline of every wait with the lag before it). Progress goes to stderr. Exit status 0
when both runs succeed, 1 otherwise (the JSON then carries ``error``).
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import analysis
from . import inventory
from .critical_path import critical_path
from .sandbox_process import REPO
from .sandbox_process import SandboxProcess

DEFAULT_TIME_SCALE = 1 / 30
AWS_ADDITIONAL_REGIONS_QUOTA = inventory.AWS_ADDITIONAL_REGIONS_QUOTA


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_site(sandbox, inventory_dir, workdir, forks, log_path, timeline_path, verbosity=0):
    """Run site.yml once; returns (wall seconds, started epoch, return code)."""
    artifacts = workdir / "artifacts"
    cmd = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        str(REPO / "site.yml"),
        "-i",
        str(inventory_dir),
        "-f",
        str(forks),
        "-e",
        # The certificates role keeps its PKI in <artifacts_dir>/pki.
        json.dumps({"artifacts_dir": str(artifacts)}),
    ]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    env = sandbox.env
    env.update(
        ANSIBLE_CALLBACK_PLUGINS=str(Path(__file__).resolve().parent / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="bench_timeline",
        BENCH_TIMELINE_FILE=str(timeline_path),
    )
    started = time.time()
    t0 = time.monotonic()
    with open(log_path, "w") as out:
        rc = subprocess.call(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    return time.monotonic() - t0, started, rc


def replica_launch_times(sandbox, home):
    """{Region: epoch seconds} at which each replicated Region was added (DescribeRegions' LaunchTime)."""
    import boto3

    client = boto3.client(
        "ds",
        region_name=home,
        endpoint_url=sandbox.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    out = {}
    for directory in client.describe_directories().get("DirectoryDescriptions", []):
        if directory.get("Type") != "MicrosoftAD":
            continue
        for region in client.describe_regions(DirectoryId=directory["DirectoryId"])["RegionsDescription"]:
            if region["RegionType"] == "Additional":
                launched = region["LaunchTime"]
                if isinstance(launched, datetime.datetime):
                    launched = launched.timestamp()
                out[region["RegionName"]] = launched
    return out


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--branches", type=int, default=4, help="number of Branch Regions (default 4)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=DEFAULT_TIME_SCALE,
        help="sandbox time scale (default 1/30: a directory takes a minute)",
    )
    parser.add_argument(
        "--serial-region-adds",
        action="store_true",
        help="start the sandbox in its mode where a directory refuses a second AddRegion while one is in progress "
        "(the critical path then holds the Branches' Region adds one after another)",
    )
    parser.add_argument("--forks", type=int, default=0, help="ansible forks (default: one per Region)")
    parser.add_argument("--workdir", help="keep inventory, logs and call logs here (default: a temporary directory)")
    parser.add_argument("--no-rerun", action="store_true", help="skip the second run")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="pass -v... to ansible-playbook")
    args = parser.parse_args(argv)
    inventory.regions(args.branches)  # validates the range
    if args.time_scale <= 0:
        parser.error("--time-scale must be > 0 (at 0 there is no wait to overlap)")
    return args


def bench(args, workdir):
    names = inventory.regions(args.branches)
    home, branches = names[0], names[1:]
    forks = args.forks or max(len(names), 2)
    inventory_dir = inventory.write(workdir / "inventory", args.branches)
    cp, cp_detail = critical_path(args.branches, args.time_scale, args.serial_region_adds)
    result = {
        "branches": args.branches,
        "time_scale": args.time_scale,
        "serial_region_adds": args.serial_region_adds,
        "wall_s": None,
        "critical_path_s": cp,
        "ratio": None,
        "api_calls": None,
        "write_calls": None,
        "rerun_wall_s": None,
        "rerun_api_calls": None,
        "rerun_write_calls": None,
        "detail": {
            "critical_path": cp_detail,
            "forks": forks,
            "workdir": str(workdir),
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
    }
    extra_regions = args.branches if args.branches > AWS_ADDITIONAL_REGIONS_QUOTA else 0
    if extra_regions:
        result["detail"]["quota_note"] = (
            f"{args.branches} Branches exceed AWS's default quota of {AWS_ADDITIONAL_REGIONS_QUOTA} additional Regions "
            "per directory: the bench's sandbox raises it, as a quota increase would, and the inventory sets "
            f"directory_additional_regions_limit: {args.branches} so that preflight accepts them"
        )
    sandbox = SandboxProcess(
        args.time_scale, extra_regions, workdir / "sandbox.log", serial_region_adds=args.serial_region_adds
    )
    mode = ", serial Region adds" if args.serial_region_adds else ""
    log(f"starting the sandbox (time scale {args.time_scale:g}{mode})")
    with sandbox:
        log(f"sandbox at {sandbox.url}; critical path {cp:.1f} s; deploying 1 Home + {args.branches} Branches")
        result["detail"]["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        wall, started, rc = run_site(
            sandbox, inventory_dir, workdir, forks, workdir / "deploy.log", workdir / "tasks-deploy.jsonl", args.verbose
        )
        calls = sandbox.calls()
        (workdir / "calls-deploy.json").write_text(json.dumps(calls, indent=1))
        deploy = analysis.counts(calls)
        result.update(
            wall_s=round(wall, 2),
            ratio=round(wall / cp, 3),
            api_calls=deploy["api_calls"],
            write_calls=deploy["write_calls"],
        )
        result["detail"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        result["detail"]["deploy_error_calls"] = deploy["error_calls"]
        result["detail"]["deploy_calls_by_region"] = deploy["by_region"]
        log(f"deploy: rc={rc}, {wall:.1f} s, {deploy['api_calls']} calls ({deploy['write_calls']} writes)")
        if rc != 0:
            result["error"] = f"the deploy failed (rc={rc}); see {workdir / 'deploy.log'}"
            return result
        try:
            launches = replica_launch_times(sandbox, home)
            timeline = analysis.timeline(
                calls, started, args.time_scale, home, branches, launches, args.serial_region_adds
            )
            result["detail"]["timeline"] = timeline
            result["detail"]["lags"] = analysis.lag_summary(timeline, wall)
            events = analysis.read_events(workdir / "tasks-deploy.jsonl")
            result["detail"]["plays"] = analysis.plays(events, started)
        except Exception as exc:  # noqa: BLE001 the measurements above stand without the detail
            result["detail"]["analysis_error"] = repr(exc)
        if args.no_rerun:
            return result

        sandbox.clear_calls()
        log("re-running site.yml")
        wall, _, rc = run_site(
            sandbox, inventory_dir, workdir, forks, workdir / "rerun.log", workdir / "tasks-rerun.jsonl", args.verbose
        )
        calls = sandbox.calls()
        (workdir / "calls-rerun.json").write_text(json.dumps(calls, indent=1))
        rerun = analysis.counts(calls)
        result.update(
            rerun_wall_s=round(wall, 2),
            rerun_api_calls=rerun["api_calls"],
            rerun_write_calls=rerun["write_calls"],
        )
        regional = {r: n for r, n in rerun["by_region"].items() if r in names}
        result["detail"]["rerun_api_calls_per_region"] = regional
        result["detail"]["rerun_calls"] = analysis.by_region_and_action(calls)
        try:
            events = analysis.read_events(workdir / "tasks-rerun.jsonl")
            result["detail"]["rerun_calls_by_task"] = analysis.calls_by_task(calls, events)
        except Exception as exc:  # noqa: BLE001
            result["detail"]["rerun_analysis_error"] = repr(exc)
        log(f"re-run: rc={rc}, {wall:.1f} s, {rerun['api_calls']} calls ({rerun['write_calls']} writes)")
        if rc != 0:
            result["error"] = f"the re-run failed (rc={rc}); see {workdir / 'rerun.log'}"
    return result


def main(argv=None):
    args = parse_args(argv)
    if args.workdir:
        workdir = Path(args.workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        result = bench(args, workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            result = bench(args, Path(tmp))
            result["detail"]["workdir"] = None
    print(json.dumps(result, indent=2))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
