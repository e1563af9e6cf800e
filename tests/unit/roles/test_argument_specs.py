"""Every role's meta/argument_specs.yml and defaults/main.yml agree.

ansible-core validates a role's variables against its argument specs but takes their values from
defaults/main.yml: a default changed in one file and not the other documents one value and applies another.
"""

from pathlib import Path

import pytest
import yaml

ROLES = sorted(
    path.parent.parent for path in (Path(__file__).resolve().parents[3] / "roles").glob("*/meta/argument_specs.yml")
)


def options(role):
    """``(option, entry point, spec)`` for every option of every entry point of the role, sorted."""
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]
    return sorted(
        (
            (name, entry_point, option)
            for entry_point, spec in specs.items()
            for name, option in (spec.get("options") or {}).items()
        ),
        key=lambda found: found[:2],
    )


def defaults(role):
    path = role / "defaults" / "main.yml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


def test_every_role_is_checked():
    assert {role.name for role in ROLES} >= {"network", "home_region", "branch_region", "verify", "teardown"}


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.name)
def test_every_default_is_a_documented_option(role):
    assert sorted(set(defaults(role)) - {name for name, _entry_point, _option in options(role)}) == []


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.name)
def test_each_documented_default_is_the_applied_one(role):
    values = defaults(role)
    disagreements = [
        f"{name} ({entry_point}): the spec says {option['default']!r}, defaults/main.yml {values.get(name, '(nothing)')!r}"
        for name, entry_point, option in options(role)
        if "default" in option and (name not in values or values[name] != option["default"])
    ]
    assert disagreements == []


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.name)
def test_each_applied_default_is_documented(role):
    values = defaults(role)
    undocumented = [
        f"{name} ({entry_point})"
        for name, entry_point, option in options(role)
        if name in values and "default" not in option
    ]
    assert undocumented == []
