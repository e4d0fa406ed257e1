"""Traces: a failed case leaves one, recorded in a traced re-run; --tracing on keeps one for every case; --cm-report
writes the run's page."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBES = "e2e/tests/probes/failing_case.py"

pytestmark = pytest.mark.browser_e2e


def run_probes(output: Path, *options: str) -> subprocess.CompletedProcess:
    """The probe tests in both browsers, in a pytest of their own."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            PROBES,
            "-q",
            "-p",
            "no:cacheprovider",
            "--browser",
            "chromium",
            "--browser",
            "firefox",
            "--output",
            str(output),
            *options,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def trace_of(output: Path, test: str, browser: str) -> Path:
    return output / f"e2e-tests-probes-failing-case-py-{test}-{browser}" / "trace.zip"


def network_log(trace: Path) -> str:
    with zipfile.ZipFile(trace) as archive:
        return archive.read("trace.network").decode()


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    output = tmp_path_factory.mktemp("default")
    return output, run_probes(output, "--cm-report", str(output / "report"))


@pytest.mark.parametrize("engine", ["chromium", "firefox"])
def test_a_failed_case_leaves_the_trace_of_its_rerun(default_run, engine):
    """The failing probe's trace holds its requests, and the run says the traced re-run failed again."""
    output, run = default_run
    assert run.returncode == 1, run.stdout[-3000:]
    trace = trace_of(output, "test-wrong-profile", engine)
    assert trace.is_file(), run.stdout[-3000:]
    assert "/api/login" in network_log(trace)
    assert f"test_wrong_profile[{engine}]: re-run failed again" in run.stdout


def test_the_run_writes_its_report(default_run):
    """--cm-report writes the page at the end of the run, naming the tests that did not pass, with their traces."""
    output, run = default_run
    page = output / "report" / "index.html"
    assert page.is_file(), run.stdout[-3000:]
    text = page.read_text(encoding="utf-8")
    assert "test_wrong_profile[chromium]" in text and "test_wrong_profile[firefox]" in text
    assert f"cookie-matrix report: {page}" in run.stdout


@pytest.mark.parametrize("engine", ["chromium", "firefox"])
def test_a_passing_case_leaves_no_trace_by_default(default_run, engine):
    """Cases run untraced: a passing one leaves nothing behind."""
    output, run = default_run
    assert not trace_of(output, "test-passing", engine).parent.exists()
    assert f"test_passing[{engine}]" not in run.stdout


def test_tracing_on_keeps_a_trace_of_every_case(tmp_path):
    """With --tracing on each case is traced as it runs, passing or failing, in the context it ran in, with no
    re-run."""
    run = run_probes(tmp_path, "--tracing", "on")
    assert run.returncode == 1, run.stdout[-3000:]
    for browser in ("chromium", "firefox"):
        for test in ("test-passing", "test-wrong-profile", "test-own-third-party-setting"):
            assert "/api/login" in network_log(trace_of(tmp_path, test, browser)), (test, browser)
        # The case that switched to a context of its own is traced there, not in the context it left.
        assert "http://app.site-a.test" in network_log(trace_of(tmp_path, "test-own-third-party-setting", browser))
        # A case's trace holds its own requests only: the probe before it went to api.site-b.test.
        assert "api.site-b.test" not in network_log(trace_of(tmp_path, "test-passing", browser))
    assert "re-run" not in run.stdout
