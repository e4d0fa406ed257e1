"""Browsers on a Playwright browser server (`playwright run-server` + connect), shown with a local server."""

import os
import re
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAYWRIGHT = Path(sys.executable).parent / "playwright"


@contextmanager
def browser_server():
    """`playwright run-server` on an OS-chosen loopback port; yields its ws endpoint."""
    # Its own process group: the `playwright` entry point starts the node server as a child, and both must go.
    process = subprocess.Popen(
        [str(PLAYWRIGHT), "run-server", "--port", "0", "--host", "127.0.0.1", "--unsafe"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        line = process.stdout.readline()  # blocks until the server has bound its port and says where
        match = re.search(r"ws://\S+", line)
        assert match, f"run-server did not say where it listens: {line!r}"
        yield match.group(0)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def _pytest(tmp_path, *args):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "e2e/tests/test_flows.py",
            "-k",
            "same_origin_https",
            "-n",
            "0",
            "-q",
            "-p",
            "no:cacheprovider",
            "--output",
            str(tmp_path / "out"),
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_flows_run_on_a_browser_server(tmp_path):
    """The flows pass in both browsers driven through the server, with this project's launch settings."""
    with browser_server() as endpoint:
        run = _pytest(tmp_path, "--cm-connect", endpoint)
    assert run.returncode == 0, run.stdout[-3000:]
    assert re.search(r"\b4 passed\b", run.stdout), run.stdout[-2000:]


def test_connect_option_is_really_used(tmp_path):
    """With --cm-connect pointing at no server, nothing is launched locally instead: the tests error."""
    run = _pytest(tmp_path, "--cm-connect", "ws://127.0.0.1:9/")
    assert run.returncode != 0 and "error" in run.stdout.lower(), run.stdout[-2000:]
