# multiregion.client_vpn: developer entry points.
#   make test      units + changelog lint + lint + sanity + the other pytest suites, molecule among them (what CI runs)
#   make sandbox   start the local AWS emulator in the foreground
#   make mutants   mutation testing (mutmut) of the rules: plugins, filters, the sandbox (not in `make test`)
# Every target uses the tools of the project venv ($(VENV)), which `make venv`
# creates with $(PYTHON) and fills from requirements-dev.txt.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# ansible-lint and ansible-test look up sibling tools on PATH.
export PATH := $(BIN):$(PATH)

SANDBOX_PORT ?= 4566
SANDBOX_TIME_SCALE ?= 0.002

# The checkout as a collection (see ansible.cfg's collections_path).
COLLECTION_LINK := .ansible/collections/ansible_collections/multiregion/client_vpn

# ansible-test sanity works on an installed copy of the collection.
SANITY_ROOT := tests/output/sanity
SANITY_COLLECTION := $(SANITY_ROOT)/ansible_collections/multiregion/client_vpn
# Collections our plugins import; copied beside ours from the venv's ansible package.
SANITY_DEPENDENCIES := amazon/aws community/aws community/crypto
# ansible-core 2.19's ansible-test bootstraps pip 24.2 in its venvs (see hacking/get_pip_offline.py).
ANSIBLE_TEST_PIP_VERSION := 24.2
GET_PIP_CACHE := $(HOME)/.ansible/test/cache/get_pip_$(subst .,_,$(ANSIBLE_TEST_PIP_VERSION)).py

# pytest suites; `make pytest` runs those that hold test files.
# The real-client test (tests/e2e's lab) runs as steps of tests/integration/test_lifecycle.py, on its deployment.
PYTEST_SUITES := tests/unit tests/sandbox tests/integration
# Extra pytest arguments. pytest-no-units runs three xdist workers, each with its own sandbox, each taking whole
# files (a module's deployment and its ordered steps stay on one worker) in collection order, where the files
# marked ``deploys`` come first (tests/conftest.py): the longest start at once and overlap, instead of one worker
# finishing them alone. (pytest-xdist's loadgroup cannot keep a group together under pytest 9: it renames node
# ids through an attribute pytest 9 no longer reads.) Three on two cores: the fault-injection deploys spend much
# of their time in the modules' retry back-off and the sandbox's simulated waits, which a third worker fills
# (measured: 727 s against 808 s with two, the same CPU time). PYTEST_WORKERS=0: serial.
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 3

.PHONY: help venv sandbox demo molecule sanity lint changelog-lint units pytest pytest-no-units test mutants format format-check build clean distclean

help:
	@echo "make test           units + changelog-lint + lint + sanity + molecule + other pytest suites (the full gate)"
	@echo "make sandbox        local AWS emulator on 127.0.0.1:$(SANDBOX_PORT), time scale $(SANDBOX_TIME_SCALE)"
	@echo "make bench          benchmark: deploy and re-deploy 1 Home + $(BENCH_BRANCHES) Branches (bench/README.md)"
	@echo "make e2e            end to end: real OpenVPN client/servers, Samba AD, BIND in netns (root; tests/e2e/README.md)"
	@echo "make demo           deploy 1 Home + 2 Branches to a private sandbox, verify, print a summary"
	@echo "make molecule       molecule's default scenario against a private sandbox"
	@echo "make mutants        mutation testing of the rules (mutmut, niced; MUTANTS_SCOPE=default|all|files; .mutants/report.md)"
	@echo "make venv           create $(VENV) and link the collection for ansible.cfg"
	@echo "make sanity | lint | changelog-lint | units | pytest | format | format-check | build | clean"

# --- environment -------------------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when a requirements file changes.
$(VENV)/.requirements.stamp: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

# The AnsiballZ bytecode cache (hacking/bytecode_cache.py): installed in the venv, active where the variable below
# names a directory. Every target run from this Makefile has it: the modules of the suites' thousands of
# playbook tasks are compiled once per source instead of once per module start.
$(VENV)/.bytecode-cache.stamp: hacking/bytecode_cache.py | $(VENV)/.requirements.stamp
	$(BIN)/python hacking/bytecode_cache.py --install
	touch $@

export MULTIREGION_BYTECODE_CACHE ?= $(abspath tests/output/bytecode-cache)

venv: $(VENV)/.requirements.stamp $(VENV)/.bytecode-cache.stamp $(COLLECTION_LINK)

# --- running -----------------------------------------------------------------

sandbox: venv
	$(BIN)/python -m sandbox --host 127.0.0.1 --port $(SANDBOX_PORT) --time-scale $(SANDBOX_TIME_SCALE)

# Targets added as their parts land: demo (site.yml against the sandbox),
# bench, e2e, molecule.

# demo: a private sandbox in the background (free port, waits of seconds, stopped
# by a trap in hacking/with_sandbox.sh), site.yml on inventories/sandbox, then
# playbooks/verify.yml and a summary (hacking/demo_summary.py). The client file
# and the generated PKI are written under artifacts/.
DEMO_INVENTORY ?= inventories/sandbox

demo: venv
	PYTHON=$(BIN)/python SANDBOX_TIME_SCALE=$(SANDBOX_TIME_SCALE) hacking/with_sandbox.sh -- bash -c '\
		set -euo pipefail; \
		$(BIN)/ansible-playbook site.yml -i $(DEMO_INVENTORY); \
		$(BIN)/ansible-playbook playbooks/verify.yml -i $(DEMO_INVENTORY); \
		$(BIN)/python hacking/demo_summary.py --inventory $(DEMO_INVENTORY) --artifacts artifacts'

# molecule: the default scenario (extensions/molecule/default: converge = site.yml,
# idempotence, verify with a client certificate issued and revoked, teardown) against a private sandbox.
molecule: venv
	PYTHON=$(BIN)/python SANDBOX_TIME_SCALE=$(SANDBOX_TIME_SCALE) hacking/with_sandbox.sh -- \
		$(BIN)/molecule test --scenario-name default

# The benchmark (bench/README.md): its own sandbox, 1 Home + $(BENCH_BRANCHES) Branches deployed with site.yml
# and re-deployed, one JSON object on stdout. Not part of `make test` (each run takes minutes).
BENCH_BRANCHES ?= 4
BENCH_TIME_SCALE ?= 0.0333333
.PHONY: bench
bench: venv
	$(BIN)/python -m bench --branches $(BENCH_BRANCHES) --time-scale $(BENCH_TIME_SCALE)

# e2e: the end-to-end steps alone (tests/e2e/README.md): the lifecycle's deploy (site.yml against the sandbox),
# then real Debian software in network namespaces (Samba AD DC, an OpenVPN server per Region, BIND, the OpenVPN
# client with the generated .ovpn). Needs root, network namespaces and TUN; installs its Debian packages with
# apt-get when missing. Elsewhere it is skipped with the reason. `make test` runs them among the lifecycle's steps.
.PHONY: e2e
e2e: venv
	$(BIN)/pytest -v -rs --durations=10 tests/integration/test_lifecycle.py -k "test_deploy or real_client"

# --- quality gates -----------------------------------------------------------

# ansible-test needs a real ansible_collections/<ns>/<name> tree with the
# dependencies beside it, and lists files with git: build the tree from the
# working copy (honouring galaxy.yml's build_ignore), make it its own git work
# tree, and run every sanity test in ansible-test-managed venvs. ansible-test
# fetches its pip bootstrapper from a host we cannot reach, so the offline
# stand-in goes into its cache first.
sanity: venv
	rm -rf $(SANITY_ROOT)
	$(BIN)/ansible-galaxy collection install --offline --no-deps --force -p $(SANITY_ROOT) .
	for dep in $(SANITY_DEPENDENCIES); do \
		src=$$($(BIN)/python -c 'import importlib, sys; m = importlib.import_module("ansible_collections." + sys.argv[1].replace("/", ".")); print(list(m.__path__)[0])' $$dep) && \
		mkdir -p $(SANITY_ROOT)/ansible_collections/$$(dirname $$dep) && \
		cp -a "$$src" $(SANITY_ROOT)/ansible_collections/$$dep || exit 1; \
	done
	install -D -m 0644 hacking/get_pip_offline.py $(GET_PIP_CACHE)
	cd $(SANITY_COLLECTION) && git init -q && echo /tests/output/ >> .git/info/exclude
	cd $(SANITY_COLLECTION) && $(BIN)/ansible-test sanity --venv \
		--python $$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

lint: venv
	$(BIN)/ansible-lint

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

units: venv
	$(BIN)/pytest -q tests/unit

# pytest runs over the suites that hold test files (test_*.py); a suite with
# none yet is reported and skipped. If pytest then collects nothing it exits 5,
# which fails the target like any other error.
pytest: venv
	@suites=""; \
	for suite in $(PYTEST_SUITES); do \
		if [ -n "$$(find $$suite -name 'test_*.py' -print -quit 2>/dev/null)" ]; then suites="$$suites $$suite"; \
		else echo "pytest: $$suite has no test files yet, skipped"; fi; \
	done; \
	if [ -z "$$suites" ]; then echo "pytest: no test files in any suite; nothing to run"; exit 0; fi; \
	echo "$(BIN)/pytest -rs $(PYTEST_ARGS)$$suites"; $(BIN)/pytest -rs $(PYTEST_ARGS) $$suites

# `make test` runs the unit tests first (seconds), so its last phase leaves them out.
pytest-no-units:
	@$(MAKE) --no-print-directory pytest PYTEST_SUITES="$(filter-out tests/unit,$(PYTEST_SUITES))" \
		PYTEST_ARGS="$(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15) $(PYTEST_ARGS)"

# Cheapest first, so that a broken change fails early: the unit tests (seconds), the static gates (lint and
# sanity at the same time: each keeps about one core busy), then the other pytest suites (the longest by far),
# molecule among them (tests/integration/test_molecule.py: the whole life cycle once, deploy, idempotence
# without a write call, verify, teardown leaving nothing): as a phase of its own it kept one
# core busy and left the other idle. It stops at the first phase that fails and always ends with each phase's
# time (hacking/run_phases.sh). CI (.ci/run) runs it.
TEST_PHASES := units changelog-lint lint+sanity pytest-no-units

test: venv
	@MAKE="$(MAKE)" hacking/run_phases.sh $(TEST_PHASES)

# mutants: mutation testing with mutmut (hacking/mutants.py) of the rules in plugins/module_utils, plugins/filter
# and the sandbox (hacking/mutants.toml lists the files and the tests that must kill their mutants: tests/unit
# for the plugins, tests/sandbox for the sandbox). Not part of `make test`. The default scope is bounded (~900
# mutants: about 10 minutes on 2 idle cores, longer when they are busy, as it runs niced); MUTANTS_SCOPE=all (~13,500
# mutants) takes hours; MUTANTS_SCOPE="plugins/module_utils/ds.py ..." picks files. The work directories and
# .mutants/report.md (score per file, the surviving mutants) are git-ignored.
MUTANTS_SCOPE ?= default
MUTANTS_JOBS ?= 1
MUTANTS_NICE ?= 19

mutants: venv
	nice -n $(MUTANTS_NICE) $(BIN)/python hacking/mutants.py --scope "$(MUTANTS_SCOPE)" --jobs $(MUTANTS_JOBS)

# --- formatting (black + isort, configured in pyproject.toml) ----------------

FORMAT_PATHS = $(wildcard plugins tests sandbox bench hacking)

format: venv
	$(BIN)/isort --skip-gitignore $(FORMAT_PATHS)
	$(BIN)/black $(FORMAT_PATHS)

format-check: venv
	$(BIN)/isort --skip-gitignore --check-only --diff $(FORMAT_PATHS)
	$(BIN)/black --check $(FORMAT_PATHS)

# --- packaging and housekeeping ----------------------------------------------

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path tests/output/build .

clean:
	rm -rf tests/output .ansible .pytest_cache .mutants
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
