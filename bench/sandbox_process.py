"""The benchmark's own sandbox: a subprocess on a free loopback port, and its control API.

``python -m bench.sandbox_process --time-scale S [--additional-regions K] [--serial-region-adds]`` is
the process: the sandbox of ``python -m sandbox`` (``--serial-region-adds`` as there), except that the Directory Service quota of additional Regions per directory
(4 on AWS) can be raised, as a quota increase would, for topologies with more than 4 Branches.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

from sandbox.handle import SandboxHandle

REPO = Path(__file__).resolve().parent.parent


class SandboxProcess(SandboxHandle):
    """Start with :meth:`start`, stop with :meth:`stop` (or use as a context manager)."""

    control_timeout = 60

    def __init__(self, time_scale, additional_regions=0, log_path=None, serial_region_adds=False):
        super().__init__(None)
        self.time_scale = time_scale
        self.additional_regions = additional_regions
        self.serial_region_adds = serial_region_adds
        self.log_path = log_path
        self.proc = None

    def command(self):
        cmd = [sys.executable, "-m", "bench.sandbox_process", "--time-scale", repr(self.time_scale)]
        if self.additional_regions:
            cmd += ["--additional-regions", str(self.additional_regions)]
        if self.serial_region_adds:
            cmd.append("--serial-region-adds")
        return cmd

    def start(self, timeout=120):
        cmd = self.command()
        stderr = open(self.log_path, "w") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 closed in stop
        self._stderr = stderr
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=stderr, text=True)
        deadline = time.monotonic() + timeout
        line = self.proc.stdout.readline()
        if not line.startswith("sandbox listening on "):
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        self.url = line.split()[3]
        while time.monotonic() < deadline:
            try:
                self.control("GET", "health")
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the sandbox did not answer its health check")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "_stderr", None) not in (None, subprocess.DEVNULL):
            self._stderr.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_process")
    parser.add_argument("--time-scale", type=float, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--additional-regions",
        type=int,
        default=0,
        help="raise the sandbox's quota of additional Regions per directory to at least this",
    )
    parser.add_argument(
        "--serial-region-adds",
        action="store_true",
        help="a directory refuses a second AddRegion while one is in progress (python -m sandbox's mode)",
    )
    args = parser.parse_args(argv)
    if args.additional_regions:
        from sandbox.services import ds_state

        ds_state.MAX_ADDITIONAL_REGIONS = max(ds_state.MAX_ADDITIONAL_REGIONS, args.additional_regions)
    from sandbox.server import serve

    serve("127.0.0.1", args.port, args.time_scale, modes=["serial_region_adds"] if args.serial_region_adds else [])


if __name__ == "__main__":
    sys.exit(main())
