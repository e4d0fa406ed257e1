"""The report's pytest plugin: on the process that controls the run, each test's outcome and kept trace as the
reports arrive, then, when the run ends, the page written from the workers' case records (build.py). Registered by
the harness's plugin for --cm-report.
"""

from __future__ import annotations

import os
import time
from importlib.metadata import version
from pathlib import Path

import pytest

from e2e.harness.results import load_results
from e2e.report.build import build, meta_for, write


class ReportPlugin:
    """Collects test outcomes and trace paths on the controlling process and writes the report at the end."""

    def __init__(self, config: pytest.Config, report_dir: Path):
        self.config, self.report_dir = config, report_dir
        self.outcomes: dict[str, str] = {}
        self.traces: dict[str, str] = {}  # the kept trace of a test, relative to the report
        self.reruns: dict[str, str] = {}  # how the traced re-run of a failed case ended
        self.started = time.time()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A test's outcome: its call's, or an error when setup or teardown failed or the hosts broke."""
        if report.when == "call" or report.outcome != "passed":
            infrastructure = any(name == "infrastructure_error" for name, _ in report.user_properties)
            if report.failed and (report.when != "call" or infrastructure):
                self.outcomes[report.nodeid] = "error"
            elif report.nodeid not in self.outcomes or report.when == "call":
                self.outcomes[report.nodeid] = report.outcome
        for name, value in report.user_properties:
            if name == "playwright_trace":
                absolute = Path(self.config.invocation_params.dir, value)
                self.traces[report.nodeid] = os.path.relpath(absolute, self.report_dir)
            elif name == "trace_rerun":
                self.reruns[report.nodeid] = value

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        records = load_results(Path(self.config.getoption("--output")).absolute() / "results")
        versions = {r.browser: r.version for r in records}
        command = ["pytest", *self.config.invocation_params.args]
        meta = meta_for(command, versions, version("playwright"), self.started)
        out = write(self.report_dir, build(records, self.outcomes, self.traces, meta, self.reruns))
        self.config.pluginmanager.get_plugin("terminalreporter").write_line(f"cookie-matrix report: {out}")
