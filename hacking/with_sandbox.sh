#!/usr/bin/env bash
# Run a command against a private sandbox: start `python -m sandbox` in the background on a free loopback
# port, wait until it answers, export AWS_ENDPOINT_URL and dummy credentials, run the command, and stop the
# sandbox whatever happens (trap).
#   hacking/with_sandbox.sh [--time-scale S] -- command args...
# PYTHON (default: python3) must have the sandbox's requirements (the project venv).
set -euo pipefail

python=${PYTHON:-python3}
scale=${SANDBOX_TIME_SCALE:-0.002}
while [ $# -gt 0 ]; do
  case "$1" in
    --time-scale) scale=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--time-scale S] -- command args..." >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp "${TMPDIR:-/tmp}/sandbox.XXXXXX.log")

(cd "$repo" && exec "$python" -m sandbox --host 127.0.0.1 --port "$port" --time-scale "$scale") >"$log" 2>&1 &
sandbox_pid=$!
stop_sandbox() {
  kill "$sandbox_pid" 2>/dev/null || true
  wait "$sandbox_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop_sandbox EXIT
trap 'exit 130' INT TERM

url="http://127.0.0.1:$port"
ready=false
for _ in $(seq 1 240); do
  if "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/_sandbox/calls", timeout=2)' "$url" 2>/dev/null; then
    ready=true; break
  fi
  kill -0 "$sandbox_pid" 2>/dev/null || break
  sleep 0.5
done
if [ "$ready" != true ]; then
  echo "the sandbox did not start on $url:" >&2; cat "$log" >&2; exit 1
fi
echo "sandbox on $url (time scale $scale)"

export AWS_ENDPOINT_URL=$url AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox AWS_DEFAULT_REGION=us-east-1
export ANSIBLE_CONFIG="$repo/ansible.cfg"
"$@"
