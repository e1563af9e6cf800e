"""``python -m sandbox [--host 127.0.0.1] [--port 4566] [--time-scale 1.0]``."""

import argparse
import ipaddress
import os
import sys

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
    args = parser.parse_args(argv)
    host = "127.0.0.1" if args.host == "localhost" else args.host
    if not ipaddress.ip_address(host).is_loopback:
        parser.error("the sandbox listens on loopback addresses only")
    if args.time_scale < 0:
        parser.error("--time-scale must be >= 0")
    serve(host, args.port, args.time_scale)


if __name__ == "__main__":
    sys.exit(main())
