"""Fixtures shared by the modules' unit tests (plain helpers are in module_stubs.py)."""

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import ds


@pytest.fixture
def directory_waits(monkeypatch):
    """ds.wait_for_directory replaced by a recorder of (directory ID, state, wait_timeout, what)."""
    calls = []
    monkeypatch.setattr(
        ds,
        "wait_for_directory",
        lambda client, directory_id, state, timeout, what="directory": calls.append(
            (directory_id, state, timeout, what)
        ),
    )
    return calls
