"""How the suite launches browsers: the project's settings file (playwright.config.py), the DevTools server a Firefox
is launched with so that its console can be heard (with_devtools_server), and one launcher that applies them and
takes Nagle's algorithm off the browser's protocol socket (nodelay.py). Contexts and cases are case.py's and
session.py's."""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from playwright.sync_api import Browser

from e2e.harness import engine
from e2e.harness.nodelay import without_nagle

ROOT = Path(__file__).resolve().parents[2]


@cache
def load_playwright_config():
    """The project's settings file; a dotted file name cannot be imported by plain `import`."""
    spec = importlib.util.spec_from_file_location("playwright_config", ROOT / "playwright.config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def with_devtools_server(name: str, start: Callable[[dict], Browser], options: dict) -> Browser:
    """`start(options)`; a Firefox with its DevTools server on a Unix socket of this launch's own, which engine.py's
    listeners connect to, and its cookie log (MOZ_LOG=cookie:4,sync; `sync`, or the log is lost when the browser
    is closed) in the same folder, removed when the browser goes. Other browsers say why over their own protocol
    and show partition keys in their jar."""
    prefs = load_playwright_config().DEVTOOLS_SERVER.get(name)
    if prefs is None:
        return start(options)
    folder = Path(tempfile.mkdtemp(prefix="cm-devtools-"))
    socket = folder / "devtools.sock"
    log = folder / "cookies.log"  # the parent process writes <log>.moz_log (xpcom/base/Logging.cpp)
    options = {
        **options,
        "args": [*options.get("args", []), f"--start-debugger-server={socket}"],
        "firefox_user_prefs": {**options.get("firefox_user_prefs", {}), **prefs},
        "env": {**(options.get("env") or os.environ), "MOZ_LOG": "cookie:4,sync", "MOZ_LOG_FILE": str(log)},
    }
    try:
        browser = start(options)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    browser.on("disconnected", lambda _: shutil.rmtree(folder, ignore_errors=True))
    engine.devtools_server_of(browser, socket, options.get("executable_path"), log.with_name("cookies.log.moz_log"))
    return browser


def launching(name: str, start: Callable[[dict], Browser], options: dict) -> Browser:
    """Every launch of the suite: `start(options)` with the DevTools server (with_devtools_server), the browser's
    protocol socket without Nagle (e2e/harness/nodelay.py)."""
    return without_nagle(lambda: with_devtools_server(name, start, options))


def launch_options(name: str, hosts, config=None) -> dict:
    """The project's launch settings for browser `name` (playwright.config.py LAUNCH), trusting the certificate of
    the run's `hosts` where the browser is told so at launch (TRUST_CERTIFICATE); hosts None: no test hosts (a user's
    own server, whose certificate only CONTEXT's ignore_https_errors accepts)."""
    config = config or load_playwright_config()
    options = dict(config.LAUNCH[name])
    trust = config.TRUST_CERTIFICATE.get(name)
    if trust and hosts is not None:
        options["args"] = [*options.get("args", []), *trust(hosts.certificate_spki)]
    return options


def launch(playwright, name: str, hosts, config=None) -> Browser:
    """Launch a browser with the project's settings for the run's `hosts` (launch_options, launching)."""
    kind = getattr(playwright, name)
    return launching(name, lambda o: kind.launch(**o), launch_options(name, hosts, config))
