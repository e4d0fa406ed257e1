"""Traces: the options every trace is recorded with, and the traced re-run of a failed test.

Cases run untraced: tracing every case costs about a tenth of the run (Playwright sends the Python stack with every
call while tracing, and starting and saving a trace are round trips of their own). A failed test is run once more
in a fresh, traced context and that trace is kept; the suite is deterministic, so the re-run shows the failure, and
if it passes instead, the failure did not repeat, which the run and the report say. `--tracing on` traces every case
as it runs instead (BrowserCase.trace). Where traces are written is plugin.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

# Playwright records the network (every request, each Set-Cookie) only together with DOM snapshots.
TRACE_OPTIONS = {"snapshots": True, "screenshots": False, "sources": False}


def replay_traced(item: pytest.Item, case, session, path: Path) -> str:
    """Run a failed test once more in a fresh, traced context and keep that trace at `path`; say how it ended."""
    context = session.new_context()
    with case.replaying(context, f"{item.nodeid} (re-run)"):
        try:
            item.runtest()
            outcome = "passed: the failure did not repeat"
        except (Exception, pytest.fail.Exception, pytest.skip.Exception) as error:
            outcome = f"failed again ({type(error).__name__})"
        case.hosts.reset()
        try:
            case.save_trace(path)
            context.close()
        except PlaywrightError as error:  # the browser went away during the re-run
            outcome += f"; its trace could not be saved: {error.message.splitlines()[0]}"
    return outcome
