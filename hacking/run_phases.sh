#!/usr/bin/env bash
# Runs make targets one after another (the phases of `make test`), stops at the first that fails, and
# always ends with how long each phase took, so that a slow phase shows in every run's log.
# A phase written a+b runs the targets a and b at the same time (gates that do not compete for the same
# core); their outputs are printed one after the other once both have ended, so the log stays readable.
# Usage: hacking/run_phases.sh PHASE [PHASE ...]   (MAKE and MAKEFLAGS come from the calling make)
set -uo pipefail

make_cmd="${MAKE:-make}"
summary=()
rc=0
total_start=$(date +%s)

# run_group TARGET... : the targets at once; each one's output, exit status and time in $outdir.
run_group() {
    local outdir=$1 target
    shift
    for target in "$@"; do
        (
            start=$(date +%s)
            "${make_cmd}" --no-print-directory "${target}" >"${outdir}/${target}.log" 2>&1
            echo "$? $(($(date +%s) - start))" >"${outdir}/${target}.status"
        ) &
    done
    wait
}

for phase in "$@"; do
    IFS=+ read -r -a targets <<<"${phase}"
    if ((${#targets[@]} == 1)); then
        start=$(date +%s)
        echo "=== make ${phase}"
        "${make_cmd}" --no-print-directory "${phase}"
        results=("$? $(($(date +%s) - start))")
    else
        outdir=$(mktemp -d)
        echo "=== make ${targets[*]} (at the same time; outputs follow when all have ended)"
        run_group "${outdir}" "${targets[@]}"
        results=()
        for target in "${targets[@]}"; do
            echo "=== make ${target}"
            cat "${outdir}/${target}.log"
            results+=("$(cat "${outdir}/${target}.status")")
        done
        rm -rf "${outdir}"
    fi
    for i in "${!targets[@]}"; do
        read -r status seconds <<<"${results[$i]}"
        if ((status != 0)); then
            summary+=("$(printf '%-16s %6d s  FAILED (exit %d)' "${targets[$i]}" "${seconds}" "${status}")")
            rc=${status}
        else
            summary+=("$(printf '%-16s %6d s  ok%s' "${targets[$i]}" "${seconds}" "$( ((${#targets[@]} > 1)) && echo " (in parallel: ${phase})")")")
        fi
    done
    ((rc == 0)) || break
done

echo
echo "=== phase times"
printf '%s\n' "${summary[@]}"
printf '%-16s %6d s\n' "total" "$(($(date +%s) - total_start))"
exit "${rc}"
