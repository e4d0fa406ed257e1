"""How the suite launches browsers: the project's settings file (playwright.config.py) and one launcher that applies
them and takes Nagle's algorithm off the browser's protocol socket (nodelay.py). Contexts and cases are case.py's
and session.py's."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from playwright.sync_api import Browser

from e2e.harness.nodelay import without_nagle

ROOT = Path(__file__).resolve().parents[2]


@cache
def load_playwright_config():
    """The project's settings file; a dotted file name cannot be imported by plain `import`."""
    spec = importlib.util.spec_from_file_location("playwright_config", ROOT / "playwright.config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def launch(playwright, name: str, config=None) -> Browser:
    """Launch a browser with the project's settings, its protocol socket without Nagle (e2e/harness/nodelay.py)."""
    config = config or load_playwright_config()
    return without_nagle(lambda: getattr(playwright, name).launch(**config.LAUNCH[name]))
