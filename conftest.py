"""Registers cookie-matrix's pytest plugin (e2e/harness/plugin.py); nothing else belongs here."""

pytest_plugins = ["e2e.harness.plugin"]
