"""client-connect / client-disconnect script of the lab's OpenVPN servers: Client VPN's authorization by group.

Argument: the server's authorization file (Lab.authorize), JSON ``{"table", "sets": {group name (lower case): set},
"ldap": {"url", "bind_dn", "password", "base"}}``. On connect, the client's tunnel address joins the nftables set of
each group the user is a member of in the directory (``memberOf`` over LDAP, as Client VPN asks the directory for the
user's groups); the server's ruleset (netlab.authorization_ruleset) admits a set's members to its rules' CIDRs. On
disconnect the address leaves every set. Without the file (no rules applied yet) every client is let in unchanged.
A failed lookup exits 1, which makes OpenVPN refuse the client: closed, not open, when the directory cannot answer.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

# Full paths: OpenVPN runs its scripts with an environment of its own, whose PATH (when any) may lack /usr/sbin.
LDAPSEARCH = "/usr/bin/ldapsearch"
NFT = "/usr/sbin/nft"


def escape(value):
    """A value for an LDAP filter (RFC 4515)."""
    return "".join(f"\\{ord(c):02x}" if c in "\\*()\0" else c for c in value)


def groups_of(ldap, user):
    """The names (lower case) of the directory groups ``user`` is a direct member of."""
    proc = subprocess.run(
        [
            LDAPSEARCH,
            "-LLL",
            "-o",
            "ldif-wrap=no",
            "-x",
            "-H",
            ldap["url"],
            "-D",
            ldap["bind_dn"],
            "-w",
            ldap["password"],
            "-b",
            ldap["base"],
            f"(&(objectClass=user)(sAMAccountName={escape(user)}))",
            "memberOf",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ldapsearch for {user} exited {proc.returncode}: {proc.stderr.strip()}")
    names = set()
    for line in proc.stdout.splitlines():
        if line.lower().startswith("memberof: "):
            first = line.split(": ", 1)[1].split(",", 1)[0]
            if first.upper().startswith("CN="):
                names.add(first[3:].lower())
    return names


def nft(*words, check=True):
    proc = subprocess.run([NFT, *words], capture_output=True, text=True, timeout=30, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nft {' '.join(words)} exited {proc.returncode}: {proc.stderr.strip()}")


def main(argv):
    path = Path(argv[1])
    if not path.exists():
        return 0
    config = json.loads(path.read_text())
    address = os.environ["ifconfig_pool_remote_ip"]
    user = os.environ.get("username") or os.environ["common_name"]
    table = config["table"]
    if os.environ.get("script_type") == "client-disconnect":
        for name in config["sets"].values():
            nft("delete", "element", "inet", table, name, "{", address, "}", check=False)
        return 0
    member = groups_of(config["ldap"], user)
    joined = sorted(group for group in config["sets"] if group in member)
    for group in joined:
        nft("add", "element", "inet", table, config["sets"][group], "{", address, "}")
    print(f"client-connect: {user} at {address}, groups with rules: {', '.join(joined) or 'none'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as exc:  # noqa: BLE001 any failure refuses the client
        print(f"client-connect: {exc}", file=sys.stderr)
        sys.exit(1)
