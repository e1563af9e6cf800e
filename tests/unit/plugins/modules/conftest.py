"""Fixtures shared by the modules' unit tests (plain helpers are in module_stubs.py)."""

from unittest.mock import MagicMock

import pytest
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_sets
from ansible_collections.multiregion.client_vpn.plugins.module_utils import client_vpn_target_network
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


@pytest.fixture
def wait_for_calls(monkeypatch):
    """Client VPN ``wait_for`` replaced by one MagicMock where the set modules' logic calls it.

    That is client_vpn_sets (rules and routes) and client_vpn_target_network (associations).
    """
    recorder = MagicMock()
    monkeypatch.setattr(client_vpn_sets, "wait_for", recorder)
    monkeypatch.setattr(client_vpn_target_network, "wait_for", recorder)
    return recorder


@pytest.fixture
def no_sleep(monkeypatch):
    """Retries back off without sleeping."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)
