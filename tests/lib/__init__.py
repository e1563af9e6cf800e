"""Helpers shared by the test suites and molecule (importable as ``tests.lib`` from the repository root)."""
