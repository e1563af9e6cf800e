"""Run a playbook of this repository the way AWX / Automation Platform runs a job.

A controller job is ansible-runner working in a private data directory:

- ``project/``: a fresh copy of the project (the repository's files) for every job;
- ``inventory/hosts``: an executable script printing the inventory the controller imported from its
  source (``ansible-inventory --list --export`` of the repository's inventory file: group and host
  variables as written, vault-encrypted values still encrypted);
- ``env/envvars``: what the controller and the job's credentials inject (the AWS credential's
  ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, controller settings such as
  ``ANSIBLE_RETRY_FILES_ENABLED``), and where the execution environment keeps its collections;
- ``env/extravars``: the job template's extra variables and survey answers;
- ``env/cmdline`` + ``env/passwords``: a Vault credential is ``--ask-vault-pass`` answered at the
  ``Vault password:`` prompt, as the controller does;
- ``env/settings``: a job timeout; nobody at a terminal.

Collections come from "the execution environment": this checkout installed once with
``ansible-galaxy collection install`` (what execution-environment.yml puts in /usr/share/ansible/collections)
next to the ``ansible`` package's bundled amazon.aws / community.aws / community.crypto. Artifacts that
must survive between jobs (the PKI, the client file) go to a directory that outlives the job's private
data directory, as a volume mounted into the controller's jobs would.
"""

import itertools
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import ansible_runner
from ansible.parsing.vault import VaultLib
from ansible.parsing.vault import VaultSecret

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

# The prompt ansible-playbook shows for --ask-vault-pass, as the controller's expect pattern writes it.
VAULT_PROMPT = r"Vault password:\s*?$"


def vault_encrypt(plaintext, password):
    """The ``!vault`` ciphertext of a value (what ``ansible-vault encrypt_string`` prints)."""
    vault = VaultLib([("default", VaultSecret(password.encode()))])
    return vault.encrypt(plaintext.encode()).decode()


def project_files(repo=REPO):
    """The project as the controller's SCM checkout has it: tracked files plus new, not ignored ones."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    return sorted({Path(p.decode()) for p in out.split(b"\0") if p})


def copy_project(dest, repo=REPO):
    for rel in project_files(repo):
        src = repo / rel
        if not src.is_file():  # a file deleted in the working tree but still in the index
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)


def install_collection(dest, repo=REPO):
    """This collection installed as in the execution environment (built with galaxy.yml's build_ignore)."""
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "--force", "-p", str(dest)]
        + [str(repo)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return dest


def export_inventory(inventory_dir, project_dir):
    """The controller's copy of an SCM inventory source: ``ansible-inventory --list --export``, as JSON."""
    proc = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(inventory_dir), "--list", "--export"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ANSIBLE_CONFIG": str(project_dir / "ansible.cfg")},
    )
    return json.loads(proc.stdout)


def inventory_script(inventory):
    """An executable inventory script that prints the imported inventory (the controller's format)."""
    return textwrap.dedent(f"""\
        #!{sys.executable}
        # Inventory of a controller job: the imported inventory, printed for --list (and --host).
        import json
        import sys

        INVENTORY = json.loads({json.dumps(json.dumps(inventory))})
        if len(sys.argv) > 1 and sys.argv[1] == "--host":
            print(json.dumps(INVENTORY["_meta"]["hostvars"].get(sys.argv[2], {{}})))
        else:
            print(json.dumps(INVENTORY))
        """)


class Job:
    """The outcome of one job: ansible-runner's status and rc, and every event it recorded."""

    def __init__(self, name, runner, private_data_dir):
        self.name = name
        self.status = runner.status
        self.rc = runner.rc
        self.stats = runner.stats or {}
        self.events = list(runner.events)
        self.private_data_dir = private_data_dir
        self.stdout = runner.stdout.read() if runner.stdout else ""

    def events_of(self, *kinds):
        return [e for e in self.events if e.get("event") in kinds]

    def changed(self):
        """'host: task' of every task result that reported a change."""
        return [
            f"{e['event_data'].get('host')}: {e['event_data'].get('task')}"
            for e in self.events_of("runner_on_ok", "runner_item_on_ok")
            if e["event_data"].get("res", {}).get("changed")
        ]

    def failures(self):
        return [
            {
                "host": e["event_data"].get("host"),
                "task": e["event_data"].get("task"),
                "msg": e["event_data"].get("res", {}).get("msg"),
            }
            for e in self.events_of("runner_on_failed", "runner_on_unreachable", "runner_item_on_failed")
            if not e["event_data"].get("ignore_errors")
        ]

    def dump(self):
        """Everything the controller would store for this job: every event, and the job's stdout."""
        return json.dumps(self.events, sort_keys=True) + "\n" + self.stdout

    def summary(self):
        return (
            f"{self.name}: status={self.status} rc={self.rc}\nfailures: {json.dumps(self.failures(), indent=1)}\n"
            f"--- stdout (tail) ---\n{self.stdout[-8000:]}"
        )


class Controller:
    """Runs jobs like a controller: one private data directory per job, same inventory and credentials."""

    def __init__(self, workdir, collections_dir, inventory, aws_env, vault_password, persistent_dir):
        self.workdir = Path(workdir)
        self.collections_dir = Path(collections_dir)
        self.inventory = inventory
        self.aws_env = dict(aws_env)
        self.vault_password = vault_password
        self.persistent_dir = Path(persistent_dir)
        self._ids = itertools.count(1)

    def envvars(self, job_id):
        env = {
            # Controller settings every job gets.
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
            "ANSIBLE_PARAMIKO_RECORD_HOST_KEYS": "False",
            "ANSIBLE_FORCE_COLOR": "False",
            "ANSIBLE_NOCOLOR": "True",
            "JOB_ID": str(job_id),
            "MAX_EVENT_RES": "700000",
            # The execution environment's collections (its /usr/share/ansible/collections); the
            # project's ansible.cfg applies as the job's working directory is the project.
            "ANSIBLE_COLLECTIONS_PATH": str(self.collections_dir),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        env.update(self.aws_env)
        return env

    def run(self, playbook, extra_vars=None, limit=None, timeout=600, verbosity=0):
        job_id = next(self._ids)
        pdd = self.workdir / f"job-{job_id}"
        project = pdd / "project"
        copy_project(project)
        (pdd / "inventory").mkdir(parents=True)
        hosts = pdd / "inventory" / "hosts"
        hosts.write_text(inventory_script(self.inventory))
        hosts.chmod(0o700)
        env = pdd / "env"
        env.mkdir()
        envvars = self.envvars(job_id)
        envvars["ANSIBLE_CONFIG"] = str(project / "ansible.cfg")
        (env / "envvars").write_text(json.dumps(envvars))
        extravars = {
            "awx_job_id": job_id,
            "tower_job_id": job_id,
            "awx_job_template_name": playbook,
            # The certificates role keeps its PKI in <artifacts_dir>/pki by default: both survive the job.
            "artifacts_dir": str(self.persistent_dir),
            **(extra_vars or {}),
        }
        (env / "extravars").write_text(json.dumps(extravars))
        (env / "passwords").write_text(json.dumps({VAULT_PROMPT: self.vault_password}))
        (env / "cmdline").write_text("--ask-vault-pass")
        (env / "settings").write_text(json.dumps({"job_timeout": timeout, "suppress_ansible_output": True}))
        for path in env.iterdir():
            path.chmod(0o600)
        runner = ansible_runner.run(
            private_data_dir=str(pdd),
            playbook=playbook,
            limit=limit,
            verbosity=verbosity,
            ident=f"job-{job_id}",
            quiet=True,
        )
        return Job(playbook, runner, pdd)
