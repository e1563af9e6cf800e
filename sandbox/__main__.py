"""``python -m sandbox [--host 127.0.0.1] [--port 4566] [--time-scale 1.0] [--without EFFECT] [--serial-region-adds]``."""

import argparse
import ipaddress
import os
import sys

from .realism import EFFECTS
from .realism import MODES
from .server import serve


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Local AWS emulator (loopback only).")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument(
        "--time-scale",
        type=float,
        default=float(os.environ.get("SANDBOX_TIME_SCALE", "1.0")),
        help="1.0 = AWS-like durations, 0 = instant (env SANDBOX_TIME_SCALE)",
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[e for e in os.environ.get("SANDBOX_WITHOUT", "").split(",") if e],
        choices=sorted(EFFECTS),
        metavar="EFFECT",
        help="switch one realism effect off, for debugging (repeatable; env SANDBOX_WITHOUT=a,b): "
        + "; ".join(f"{k}: {v}" for k, v in EFFECTS.items()),
    )
    parser.add_argument(
        "--serial-region-adds",
        action="store_true",
        default=os.environ.get("SANDBOX_SERIAL_REGION_ADDS", "") not in ("", "0"),
        help=MODES["serial_region_adds"] + " (env SANDBOX_SERIAL_REGION_ADDS=1)",
    )
    args = parser.parse_args(argv)
    host = "127.0.0.1" if args.host == "localhost" else args.host
    if not ipaddress.ip_address(host).is_loopback:
        parser.error("the sandbox listens on loopback addresses only")
    if args.time_scale < 0:
        parser.error("--time-scale must be >= 0")
    # argparse checks ``choices`` only for names on the command line, not for SANDBOX_WITHOUT's default.
    unknown = sorted(set(args.without) - set(EFFECTS))
    if unknown:
        parser.error(f"unknown effect {', '.join(unknown)} (known: {', '.join(sorted(EFFECTS))})")
    modes = ["serial_region_adds"] if args.serial_region_adds else []
    serve(host, args.port, args.time_scale, without=args.without, modes=modes)


if __name__ == "__main__":
    sys.exit(main())
