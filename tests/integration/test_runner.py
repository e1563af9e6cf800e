"""The collection as AWX / Automation Platform runs it, and its execution environment.

1. ``site.yml`` and the day-2 playbooks as controller jobs: test_lifecycle.py (one deployment's whole life
   through runner/controller_job.py).
2. ``ansible-builder create`` turns execution-environment.yml into a build context (no container engine
   needed) holding the collection tarball, the pinned collection and Python requirements; the pins agree
   with the versions ``make test`` runs (requirements.txt and the ``ansible`` package's bundled
   collections).
3. playbooks/awx_configure.yml passes ``--syntax-check``, its survey defaults are read from the
   repository's inventory; the templates and surveys it will create satisfy the controller's survey rules.
4. Nothing in the playbooks or roles prompts (a controller job has nobody at a terminal).
"""

import importlib
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SANDBOX_INVENTORY = REPO / "inventories" / "sandbox"
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())


def bundled_collection(name):
    """Where the venv's `ansible` package keeps a collection (namespace.name)."""
    module = importlib.import_module("ansible_collections." + name)
    return Path(list(module.__path__)[0])


def test_execution_environment_build_context(tmp_path):
    """ansible-builder create: a build context with the collection and the pinned requirements."""
    shutil.copy2(REPO / "execution-environment.yml", tmp_path)
    shutil.copytree(REPO / "execution-environment", tmp_path / "execution-environment")
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        check=True,
    )
    tarball_name = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    proc = subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No matches" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    build = tmp_path / "context" / "_build"
    containerfile = next((tmp_path / "context").glob("[CD]*file")).read_text()

    # The collection tarball is in the context, and the galaxy requirements install exactly it.
    tarball = build / "collections" / tarball_name
    assert tarball.is_file()
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    assert {"MANIFEST.json", "site.yml", "roles/certificates/tasks/main.yml"} <= names
    assert not any(n.startswith(("sandbox/", "tests/integration/", ".venv/")) for n in names)
    galaxy_reqs = yaml.safe_load((build / "requirements.yml").read_text())["collections"]
    assert {"name": f"collections/{tarball_name}", "type": "file"} in galaxy_reqs
    # The galaxy stage runs in _build (WORKDIR /build): the file entry installs from there.
    local_reqs = tmp_path / "local-requirements.yml"
    local_reqs.write_text(yaml.safe_dump({"collections": [c for c in galaxy_reqs if c.get("type") == "file"]}))
    proc = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-r", str(local_reqs)]
        + ["-p", str(tmp_path / "installed")],
        cwd=build,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installed = tmp_path / "installed" / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"]
    assert json.loads((installed / "MANIFEST.json").read_text())["collection_info"]["version"] == GALAXY["version"]

    # Collection dependencies pinned to what the venv's `ansible` package bundles (what the tests run).
    pins = {c["name"]: c["version"] for c in galaxy_reqs if c.get("type") != "file"}
    assert set(pins) == set(GALAXY["dependencies"]), pins
    for name, pin in pins.items():
        manifest = json.loads((bundled_collection(name) / "MANIFEST.json").read_text())
        assert pin == "==" + manifest["collection_info"]["version"], (name, pin)

    # Python: ansible-core, ansible-runner and boto3/botocore pinned as the venv has them.
    assert f"ansible-core=={importlib.metadata.version('ansible-core')}" in containerfile
    assert "ansible-runner==" in containerfile
    python_reqs = (build / "requirements.txt").read_text().split()
    repo_reqs = (REPO / "requirements.txt").read_text().split()
    for package in ("boto3", "botocore"):
        pinned = [r for r in python_reqs if r.startswith(package + "==")]
        assert pinned and pinned[0] in repo_reqs, (package, pinned)
    assert "ansible-galaxy collection install" in containerfile
    assert "requirements.yml" in containerfile


def render_awx_settings(tmp_path, *extra_vars):
    """playbooks/vars/awx_configure.yml rendered as the playbook sees it (playbook_dir = playbooks/)."""
    out = tmp_path / "awx_settings.json"
    expression = (
        "{{ {'templates': awx_job_templates, 'workflow': awx_workflow_questions, 'extra_vars': awx_job_extra_vars,"
        " 'regions': awx_regions, 'vpn_name': awx_vpn_name} | to_nice_json }}"
    )
    cmd = [str(BIN / "ansible"), "localhost", "--playbook-dir", str(REPO / "playbooks")]
    cmd += ["-e", "@" + str(REPO / "playbooks" / "vars" / "awx_configure.yml")]
    for extra in extra_vars:
        cmd += ["-e", extra]
    cmd += ["-m", "ansible.builtin.copy", "-a", json.dumps({"content": expression, "dest": str(out), "mode": "0600"})]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def check_survey(questions):
    """The rules the controller applies to a survey spec (AWX's survey_spec validation)."""
    variables = [q["variable"] for q in questions]
    assert len(variables) == len(set(variables)), variables
    for q in questions:
        assert {"question_name", "variable", "type", "required"} <= set(q), q
        assert q["type"] in SURVEY_TYPES and isinstance(q["required"], bool), q
        if q["type"] in ("text", "textarea", "password") and "default" in q:
            assert q["min"] <= len(q["default"]) <= q["max"], q
        if q["type"] in ("multiplechoice", "multiselect"):
            assert isinstance(q["choices"], list) and q["choices"], q
            assert "default" not in q or q["default"] in q["choices"], q


def test_awx_configure_playbook(tmp_path):
    """The controller configuration: syntax, job templates and surveys as the controller will get them."""
    playbook = REPO / "playbooks" / "awx_configure.yml"
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", str(playbook)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

    settings = render_awx_settings(tmp_path, "awx_inventory=sandbox", "awx_artifacts_dir=/srv/vpn")
    hosts = yaml.safe_load((SANDBOX_INVENTORY / "hosts.yml").read_text())["all"]["children"]
    regions = list(hosts["home"]["hosts"]) + list(hosts["branches"]["hosts"])
    assert settings["regions"] == regions
    assert (
        settings["vpn_name"] == yaml.safe_load((SANDBOX_INVENTORY / "group_vars" / "all.yml").read_text())["vpn_name"]
    )
    assert settings["extra_vars"] == {"artifacts_dir": "/srv/vpn", "certificates_dir": "/srv/vpn/pki"}

    templates = {Path(t["playbook"]).stem: t for t in settings["templates"]}
    assert set(templates) == {
        "site",
        "verify",
        "failover_drill",
        "client_config",
        "offboard",
        "rotate_connector_account",
        "client_certificate",
        "revoke_client_certificate",
        "teardown",
    }
    for template in templates.values():
        assert (REPO / template["playbook"]).is_file(), template["playbook"]
        check_survey(template["questions"])
        vpn = [q for q in template["questions"] if q["variable"] == "vpn_name"]
        assert vpn and vpn[0]["default"] == settings["vpn_name"], template["name"]
    check_survey(settings["workflow"])

    drill = {q["variable"]: q for q in templates["failover_drill"]["questions"]}["drill_region"]
    assert drill["type"] == "multiplechoice" and drill["required"] and drill["choices"] == regions
    confirm = {q["variable"]: q for q in templates["teardown"]["questions"]}["teardown_confirm"]
    assert confirm["required"] and "default" not in confirm, "teardown must need an explicit confirmation"
    assert templates["teardown"]["ask_limit"] is True
    rotate = {q["variable"]: q for q in templates["rotate_connector_account"]["questions"]}["rotate_region"]
    assert rotate["type"] == "multiplechoice" and rotate["choices"] == regions[1:], "Branches only"
    for name in ("client_certificate", "revoke_client_certificate"):
        user = {q["variable"]: q for q in templates[name]["questions"]}["client_user"]
        assert user["required"] and "default" not in user, f"{name} must name its user"
    offboard = {q["variable"]: q for q in templates["offboard"]["questions"]}["offboard_user"]
    assert offboard["required"] and "default" not in offboard, "offboarding must name its user"
    # The survey variables are the ones the playbooks read.
    assert "drill_region" in (REPO / "playbooks" / "failover_drill.yml").read_text()
    assert "rotate_region" in (REPO / "playbooks" / "rotate_connector_account.yml").read_text()
    assert "teardown_confirm" in (REPO / "roles" / "teardown" / "defaults" / "main.yml").read_text()
    assert "offboard_user" in (REPO / "roles" / "offboard" / "defaults" / "main.yml").read_text()
    assert "client_user" in (REPO / "roles" / "certificates" / "defaults" / "main.yml").read_text()


def walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        yield from walk(child)


def test_playbooks_never_prompt():
    """A controller job has nobody at a terminal: no vars_prompt, no pause waiting for input."""
    files = [REPO / "site.yml", *(REPO / "playbooks").glob("*.yml"), *(REPO / "roles").glob("*/tasks/*.yml")]
    prompts = []
    for path in files:
        for node in walk(yaml.safe_load(path.read_text()) or []):
            if not isinstance(node, dict):
                continue
            if "vars_prompt" in node:
                prompts.append(f"{path.relative_to(REPO)}: vars_prompt")
            for key in ("ansible.builtin.pause", "pause", "ansible.legacy.pause"):
                if key in node and not {"seconds", "minutes"} & set(node[key] or {}):
                    prompts.append(f"{path.relative_to(REPO)}: {node.get('name', key)}")
    assert prompts == []
