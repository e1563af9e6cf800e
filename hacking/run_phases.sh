#!/usr/bin/env bash
# Runs make targets one after another (the phases of `make test`), stops at the first that fails, and
# always ends with how long each phase took, so that a slow phase shows in every run's log.
# Usage: hacking/run_phases.sh TARGET [TARGET ...]   (MAKE and MAKEFLAGS come from the calling make)
set -uo pipefail

make_cmd="${MAKE:-make}"
summary=()
rc=0
total_start=$(date +%s)
for phase in "$@"; do
    start=$(date +%s)
    echo "=== make ${phase}"
    "${make_cmd}" --no-print-directory "${phase}"
    rc=$?
    seconds=$(($(date +%s) - start))
    if ((rc != 0)); then
        summary+=("$(printf '%-16s %6d s  FAILED (exit %d)' "${phase}" "${seconds}" "${rc}")")
        break
    fi
    summary+=("$(printf '%-16s %6d s  ok' "${phase}" "${seconds}")")
done

echo
echo "=== phase times"
printf '%s\n' "${summary[@]}"
printf '%-16s %6d s\n' "total" "$(($(date +%s) - total_start))"
exit "${rc}"
