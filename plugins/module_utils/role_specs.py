# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiregion.client_vpn project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The inventory's variables checked against the roles' argument specs, before any role runs.

Each role reads the inventory through defaults such as ``client_vpn_endpoint_vpn_port: "{{ vpn_port |
default(443) }}"`` and ansible-core validates the result against ``meta/argument_specs.yml`` only when
the role starts, which for the endpoint is after the directory has been built. Preflight finds, from
the same specs, which option each inventory variable feeds and validates the inventory's value with
ansible-core's own validator, so a value the role would refuse is refused first, with every other
problem.
"""

import copy
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

# A default that reads exactly one variable: "{{ name }}" or "{{ name | default(...) }}".
_READS_ONE_VARIABLE = re.compile(r"^\{\{\s*(?P<name>[A-Za-z_]\w*)\s*(\|\s*default\(.*\))?\s*\}\}$", re.S)
# Variables Ansible itself sets, not the inventory.
_NOT_INVENTORY = frozenset(("inventory_hostname", "playbook_dir", "groups", "hostvars", "group_names", "omit"))
# Documentation keys the validator does not take; a top-level default is the template itself and a
# missing variable is the role's own default, so neither is checked here.
_DOC_KEYS = ("description", "version_added", "short_description", "notes")


def _validator_spec(spec, top=True):
    spec = copy.deepcopy(spec)
    for key in _DOC_KEYS:
        spec.pop(key, None)
    if top:
        spec.pop("default", None)
        spec.pop("required", None)
    if isinstance(spec.get("options"), dict):
        spec["options"] = {name: _validator_spec(sub, top=False) for name, sub in spec["options"].items()}
    return spec


def inventory_variables(role_specs):
    """``{inventory variable: [(role, option, spec)]}`` for every role option whose default reads one.

    ``role_specs``: ``{role name: the content of its meta/argument_specs.yml}``. Variables another role
    sets (``network_vpc_id``), Ansible's own and ``ansible_*`` are left out: they are not the inventory's.
    """
    prefixes = tuple(f"{role}_" for role in role_specs)
    found = {}
    for role, document in sorted(role_specs.items()):
        for entry in ((document or {}).get("argument_specs") or {}).values():
            for option, spec in sorted(((entry or {}).get("options") or {}).items()):
                match = _READS_ONE_VARIABLE.match(str(spec.get("default", "")).strip())
                if not match:
                    continue
                name = match.group("name")
                if name.startswith(prefixes) or name.startswith("ansible_") or name in _NOT_INVENTORY:
                    continue
                uses = found.setdefault(name, [])
                if not any(use[:2] == (role, option) for use in uses):
                    uses.append((role, option, _validator_spec(spec)))
    return found


def inventory_problems(values, variables):
    """Every problem the roles' argument validation would find in ``values`` ({variable: value}).

    Only the variables that are set are checked (a missing one takes the role's default). One sentence
    per problem, each naming the variable; the same problem met by several roles is listed once.
    """
    problems = []
    for name in sorted(variables):
        if name not in values or values[name] is None:
            continue
        for role, option, spec in variables[name]:
            result = ArgumentSpecValidator({name: spec}).validate({name: values[name]})
            for error in result.errors:
                # ansible-core words an unknown key as "connection_log.foo. Supported parameters include: ...".
                text = f"unknown key {error}" if isinstance(error, UnsupportedError) else str(error)
                # The same rule met through another role says the same thing: keep the first.
                if not any(p.startswith(text) for p in problems):
                    problems.append(f"{text} (the {role} role's {option})")
    return problems
