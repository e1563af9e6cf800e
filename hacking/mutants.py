#!/usr/bin/env python3
"""Mutation testing of the collection's rules with mutmut: `make mutants` (not part of `make test`).

Runs mutmut once per table of hacking/mutants.toml, each in its own directory under .mutants/ (git-ignored),
then writes .mutants/report.md (score per file, every surviving mutant with its file:line and the change) and
prints the scores:

    python hacking/mutants.py [--scope default|all|PATH_OR_GLOB ...] [--jobs 1]

mutmut copies the package into <run>/mutants/ and names each mutant after its file's path; the tests must
import that copy under the same name. The plugins are imported as ansible_collections.multiregion.client_vpn.*,
so their run works from a collections root (<run>/ansible_collections/multiregion/client_vpn -> the checkout);
the sandbox is imported as sandbox.*, so its run works from a directory that links sandbox/ and its tests.
Each run starts afresh: mutmut's cache would not notice a changed test.
"""

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "hacking" / "mutants.toml"
OUT = REPO / ".mutants"
# mutmut's status names (mutmut.stats.status_by_exit_code); a timeout is a kill, as in mutmut's own score.
KILLED = {"killed", "timeout"}
SPINNER = re.compile(r"^[\u2800-\u28ff\s]+")
# mutmut's status line: done/total, then killed, no tests, timeout, suspicious, survived, skipped, type check
PROGRESS = re.compile(r"(\d+)/(\d+)\s+\S+\s*(\d+)\s+\S+\s*(\d+)\s+\S+\s*(\d+)\s+\S+\s*(\d+)\s+\S+\s*(\d+)")


def load_runs(path=CONFIG):
    runs = tomllib.loads(path.read_text())
    for name, run in runs.items():
        run["name"] = name
        run["all_files"] = expand(run["files"], f"{path.name} [{name}] files")
        run["default_files"] = expand(run["default"], f"{path.name} [{name}] default")
        stray = sorted(set(run["default_files"]) - set(run["all_files"]))
        if stray:
            raise SystemExit(f"{path.name} [{name}]: default files not in files: {', '.join(stray)}")
    return runs


def expand(patterns, what):
    files = []
    for pattern in patterns:
        found = sorted(str(p.relative_to(REPO)) for p in REPO.glob(pattern) if p.is_file() and p.suffix == ".py")
        if not found:
            raise SystemExit(f"{what}: {pattern!r} matches no Python file")
        files += [f for f in found if f not in files]
    return files


def select(runs, scope):
    """{run name: [files]} for a scope: "default", "all", or paths and globs out of the runs' files."""
    words = scope.replace(",", " ").split() or ["default"]
    if words == ["default"]:
        return {name: run["default_files"] for name, run in runs.items()}
    if words == ["all"]:
        return {name: run["all_files"] for name, run in runs.items()}
    chosen = {name: [] for name in runs}
    for word in words:
        matched = False
        for name, run in runs.items():
            for path in run["all_files"]:
                if fnmatch(path, word) or fnmatch(path, word.rstrip("/") + "/*"):
                    matched = True
                    if path not in chosen[name]:
                        chosen[name].append(path)
        if not matched:
            known = " ".join(f for run in runs.values() for f in run["all_files"])
            raise SystemExit(f"MUTANTS_SCOPE: {word!r} is none of the files hacking/mutants.toml covers: {known}")
    return chosen


# --------------------------------------------------------------------------- tests on wall-clock windows


def wallclock_tests(test_paths):
    """Node ids of the tests that wait on wall-clock windows: they call (directly, through a helper or a fixture
    of their module) set_time_scale() with anything but 0, sleep() or subprocess."""
    found = []
    for test_path in test_paths:
        path = REPO / test_path
        for test_file in sorted([path] if path.is_file() else path.rglob("test_*.py")):
            functions = {n.name: n for n in ast.parse(test_file.read_text()).body if isinstance(n, ast.FunctionDef)}
            memo = {}
            rel = test_file.relative_to(REPO)
            found += [
                f"{rel}::{name}" for name in functions if name.startswith("test_") and waits(name, functions, memo)
            ]
    return found


def waits(name, functions, memo):
    if name not in memo:
        memo[name] = False  # a cycle does not wait by itself
        node = functions[name]
        used = {a.arg for a in node.args.args}  # fixtures of the same module
        for call in (c for c in ast.walk(node) if isinstance(c, ast.Call)):
            callee = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
            owner = getattr(call.func, "value", None)
            if callee == "set_time_scale" and not (
                call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value == 0
            ):
                memo[name] = True
            elif callee == "sleep" or getattr(owner, "id", None) == "subprocess":
                memo[name] = True
            elif callee in functions:
                used.add(callee)
        memo[name] = memo[name] or any(waits(f, functions, memo) for f in used if f in functions and f != name)
    return memo[name]


# --------------------------------------------------------------------------- one mutmut run


def toml_value(value):
    return json.dumps(value)  # strings and lists of strings: JSON's syntax is TOML's


def prepare(run, files, work):
    """The run's directory: links to the checkout, and a pyproject.toml with mutmut's and pytest's settings."""
    if (work / "mutants").exists():
        shutil.rmtree(work / "mutants")
    work.mkdir(parents=True, exist_ok=True)
    root = run["root"]
    prefix = f"{root}/" if root else ""
    # {link under the run's directory: what it points to in the checkout}
    links = {root: REPO} if root else {rel: REPO / rel for rel in (run["package"], *run["also_copy"])}
    for rel, target in links.items():
        link = work / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(target, link.parent))
    # mutmut copies a file of also_copy without creating its directory
    for rel in run["also_copy"]:
        (work / "mutants" / prefix / rel).parent.mkdir(parents=True, exist_ok=True)

    deselected = wallclock_tests(run["tests"]) if run.get("skip_wallclock_tests") else []
    (work / "deselect.txt").write_text("".join(f"{prefix}{test}\n" for test in deselected))
    pytest_args = ["-p", "no:cacheprovider"] + (["-p", "mutants"] if deselected else [])
    pytest_ini = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    lines = [
        f"# Written by hacking/mutants.py for the {run['name']!r} run of hacking/mutants.toml.",
        "[tool.mutmut]",
        f"source_paths = {toml_value([prefix + run['package']])}",
        f"only_mutate = {toml_value([prefix + f for f in files])}",
        f"also_copy = {toml_value([prefix + p for p in run['also_copy']])}",
        f"pytest_add_cli_args_test_selection = {toml_value([prefix + t for t in run['tests']])}",
        f"pytest_add_cli_args = {toml_value(pytest_args)}",
        "use_git_change_detection = false",
        "",
        "[tool.pytest.ini_options]",
        *(f"{key} = {toml_value(value)}" for key, value in pytest_ini.items()),
    ]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return deselected


def run_mutmut(run, work, jobs):
    """mutmut run, its output in <work>/mutmut.log, a progress line on stdout every minute."""
    mutmut = Path(sys.executable).parent / "mutmut"
    log_path = work / "mutmut.log"
    started = last_print = time.monotonic()
    previous = ""
    # this module is also the pytest plugin that leaves out the tests of deselect.txt (see the end)
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO / "hacking"), os.environ.get("PYTHONPATH")]))
    )
    env["MUTANTS_DESELECT"] = str(work / "deselect.txt")
    with open(log_path, "w", buffering=1) as log:
        proc = subprocess.Popen(
            [str(mutmut), "run", "--max-children", str(jobs)],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        pending = b""
        while chunk := proc.stdout.read1(65536):
            pending += chunk
            *segments, pending = re.split(rb"[\r\n]", pending)
            for segment in segments:
                # the spinner rewrites one status line many times a second: keep what changed
                text = SPINNER.sub("", segment.decode(errors="replace")).rstrip()
                if text and text != previous:
                    previous = text
                    log.write(text + "\n")
            if time.monotonic() - last_print >= 60:
                last_print = time.monotonic()
                match = PROGRESS.search(previous)
                state = (
                    f"{match[1]}/{match[2]} mutants tested, {match[3]} killed, {match[7]} survived"
                    if match
                    else previous[:80]
                )
                print(f"  [{run['name']}] {int(last_print - started) // 60} min: {state}", flush=True)
        rc = proc.wait()
    return rc, time.monotonic() - started


# --------------------------------------------------------------------------- results


def results(run, files, work):
    """{file: {"counts": {status: n}, "survivors": [...], "no_tests": [...]}} from mutmut's files."""
    # mutmut's own readers, in the run's directory (they read mutants/ and pyproject.toml relative to it)
    os.chdir(work)
    from mutmut.configuration import reset_config
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    reset_config()
    prefix = f"{run['root']}/" if run["root"] else ""
    out = {}
    try:
        for rel in files:
            data = SourceFileMutationData(path=prefix + rel)
            data.load()
            counts, survivors, no_tests = {}, [], []
            source = (REPO / rel).read_text().splitlines()
            for key, code in sorted(data.exit_code_by_key.items(), key=lambda kv: mutant_number(kv[0])):
                status = status_by_exit_code[code]
                counts[status] = counts.get(status, 0) + 1
                if status in KILLED:
                    continue
                diff = get_diff_for_mutant(key, path=prefix + rel)
                entry = describe(key, diff, source)
                entry["status"] = status
                (no_tests if status == "no tests" else survivors).append(entry)
            survivors.sort(key=lambda entry: (entry["line"] or 0, mutant_number(entry["key"])))
            out[rel] = {"counts": counts, "survivors": survivors, "no_tests": no_tests}
    finally:
        os.chdir(REPO)
    return out


def mutant_number(key):
    function, _, number = key.rpartition("__mutmut_")
    return function, int(number) if number.isdigit() else 0


def describe(key, diff, source):
    """The mutant's function, first changed line of the file, and the lines before and after."""
    function = key.rpartition(".")[2].partition("__mutmut_")[0]
    function = function[2:].replace("ǁ", ".")  # x_function or xǁClassǁmethod
    removed, added, offset, line_in_function = [], [], 0, 0
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            line_in_function = int(re.match(r"@@ -(\d+)", line)[1]) - 1
        elif line.startswith("-"):
            if not removed:
                offset = line_in_function  # from the first line of the function as mutmut prints it
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        if line.startswith((" ", "-")):
            line_in_function += 1
    return {
        "key": key,
        "function": function,
        "line": locate(function, removed, source, offset),
        "before": [line.strip() for line in removed],
        "after": [line.strip() for line in added],
    }


def locate(function, removed, source, offset):
    """Line number (1-based) of the first removed line inside ``function`` of the original source, or None.

    The same text may occur twice in a function (``continue``): the match nearest to ``offset`` lines after
    the function's first line (decorators included) wins."""
    if not removed:
        return None
    name = function.rpartition(".")[2]
    tree = ast.parse("\n".join(source))
    spans = [
        (min([node.lineno] + [d.lineno for d in node.decorator_list]), node.end_lineno)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
    ] or [(1, len(source))]
    removed = [line.strip() for line in removed]  # a method comes out of mutmut dedented
    stripped = [line.strip() for line in source]
    matches = [
        (abs(number - (start + offset)), number)
        for start, end in spans
        for number in range(start, end + 1)
        if stripped[number - 1 : number - 1 + len(removed)] == removed
    ]
    return min(matches)[1] if matches else spans[0][0]


def score(counts):
    total = sum(counts.values())
    killed = sum(n for status, n in counts.items() if status in KILLED)
    return killed, total


def percent(killed, total):
    return f"{100.0 * killed / total:.1f}%" if total else "-"


def report(outcomes, elapsed, deselected, scope):
    """Markdown report and a short summary for the terminal."""
    rows, survivors, no_tests = [], [], []
    grand = {}
    for run_name, per_file in outcomes.items():
        for rel, result in per_file.items():
            counts = result["counts"]
            for status, n in counts.items():
                grand[status] = grand.get(status, 0) + n
            killed, total = score(counts)
            other = total - killed - counts.get("survived", 0) - counts.get("no tests", 0)
            rows.append(
                f"| {rel} | {killed} / {total} | {percent(killed, total)} | {counts.get('survived', 0)} "
                f"| {counts.get('no tests', 0)} | {other} |"
            )
            survivors += [(rel, s) for s in result["survivors"]]
            no_tests += [(rel, s) for s in result["no_tests"]]
    killed, total = score(grand)
    summary = f"mutation score: {killed} / {total} killed ({percent(killed, total)})"
    lines = [
        "# Mutation testing report",
        "",
        f"`make mutants MUTANTS_SCOPE={scope}` (mutmut; hacking/mutants.toml). {summary}.",
        "",
        "A mutant is killed when a test fails with it (or it times out). A survivor is a change to the code that",
        "no test noticed: a missing assertion, or an equivalent change (no behaviour changed; nothing to fix).",
        "",
        "| file | killed / total | score | survived | no tests | other |",
        "|---|---|---|---|---|---|",
        *rows,
        f"| **all** | **{killed} / {total}** | **{percent(killed, total)}** | {grand.get('survived', 0)} "
        f"| {grand.get('no tests', 0)} | {total - killed - grand.get('survived', 0) - grand.get('no tests', 0)} |",
        "",
        "Time per run: " + ", ".join(f"{name} {seconds / 60:.1f} min" for name, seconds in elapsed.items()) + ".",
        "",
    ]
    for run_name, tests in deselected.items():
        if tests:
            lines += [
                f"Left out of the {run_name} run (they wait on wall-clock windows; hacking/mutants.toml "
                f"skip_wallclock_tests): {len(tests)} tests.",
                "",
            ]
    lines += ["## Surviving mutants", ""]
    lines += [entry_line(rel, s) for rel, s in survivors] or ["None."]
    lines += ["", "## Mutants in functions no selected test calls", ""]
    lines += [entry_line(rel, s) for rel, s in no_tests] or ["None."]
    lines += [
        "",
        "To see one mutant whole: `cd .mutants/<run> && ../../.venv/bin/mutmut show <name>`; "
        "`mutmut run <name>` re-tests it after a test change.",
    ]
    return "\n".join(lines) + "\n", summary, rows


def entry_line(rel, s):
    where = f"{rel}:{s['line']}" if s["line"] else rel
    change = " / ".join(s["before"]) + " → " + (" / ".join(s["after"]) or "(removed)")
    status = "" if s["status"] in ("survived", "no tests") else f" [{s['status']}]"
    return f"- `{where}` {s['function']}{status}: `{change}` ({s['key'].rpartition('.')[2]})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scope", default="default", help='"default", "all", or paths/globs (space-separated)')
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (mutmut --max-children)")
    args = parser.parse_args()

    runs = load_runs()
    chosen = {name: files for name, files in select(runs, args.scope).items() if files}
    outcomes, elapsed, deselected = {}, {}, {}
    for name, files in chosen.items():
        run = runs[name]
        work = OUT / name
        deselected[name] = prepare(run, files, work)
        print(
            f"mutants: {name} run: {len(files)} files, tests {' '.join(run['tests'])}"
            + (f" ({len(deselected[name])} wall-clock tests left out)" if deselected[name] else ""),
            flush=True,
        )
        rc, elapsed[name] = run_mutmut(run, work, args.jobs)
        if rc != 0:
            tail = (work / "mutmut.log").read_text().splitlines()[-60:]
            print("\n".join(tail))
            raise SystemExit(f"mutants: mutmut failed in the {name} run (exit {rc}); log: {work / 'mutmut.log'}")
        outcomes[name] = results(run, files, work)

    text, summary, rows = report(outcomes, elapsed, deselected, args.scope)
    OUT.mkdir(exist_ok=True)
    (OUT / "report.md").write_text(text)
    print()
    print("| file | killed / total | score | survived | no tests | other |")
    print("\n".join(rows))
    print(f"{summary}; survivors and their lines: {(OUT / 'report.md').relative_to(REPO)}")


# --------------------------------------------------------------------------- pytest plugin


def pytest_collection_modifyitems(config, items):
    """In mutmut's runs (``-p mutants``): leave out exactly the tests listed in $MUTANTS_DESELECT.

    pytest's own --deselect takes node id prefixes: leaving out test_routes would leave out
    test_routes_via_a_subnet_go_when_it_is_disassociated too."""
    path = os.environ.get("MUTANTS_DESELECT")
    names = set(Path(path).read_text().split()) if path and Path(path).exists() else set()
    dropped = [item for item in items if item.nodeid.partition("[")[0] in names]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.nodeid.partition("[")[0] not in names]


if __name__ == "__main__":
    main()
