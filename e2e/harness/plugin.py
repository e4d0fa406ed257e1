"""cookie-matrix's pytest plugin: its options, the run's set-up and order, pytest-playwright's fixtures with the
project's settings, and fixtures stepping down by scope (the hosts and the browser per worker, one isolated browser
case per test), the results sink, the outcome classes and the summary. Registered by the root conftest.py.

What each fixture hands out lives elsewhere: browsers and contexts in session.py, one case's view in case.py,
traces in tracing.py, results in results.py, ordering and shards in ordering.py.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from pytest_playwright.pytest_playwright import _attach_artifacts_to_report
from slugify import slugify

from e2e.cases import SLICES, all_markers
from e2e.harness import ordering
from e2e.harness.case import ENGINE_REASONS, BrowserCase
from e2e.harness.driver import InfrastructureError
from e2e.harness.launch import ROOT, launch_options, launching, load_playwright_config
from e2e.harness.nodelay import without_nagle
from e2e.harness.results import ResultsWriter
from e2e.harness.session import BrowserSession, ThirdPartyBrowsers
from e2e.harness.tracing import replay_traced
from e2e.oracle.profiles import BrowserProfile, profile_for
from server.hosts import TestHosts

DEFAULT_BROWSERS = ["chromium", "firefox"]
ISOLATION_MODES = ("reuse", "fresh")
_TRACE_KEY = pytest.StashKey[tuple]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cookie-matrix")
    group.addoption(
        "--isolation",
        choices=ISOLATION_MODES,
        default="reuse",
        help="reuse: one context per browser, cookies and server state cleared between cases (fast); "
        "fresh: a new browser context for every case (slow, the reference for the fast path)",
    )
    group.addoption(
        "--cm-report", metavar="DIR", default=None, help="write the HTML matrix report to DIR/index.html at the end"
    )
    group.addoption(
        "--cm-connect",
        metavar="WS_ENDPOINT",
        default=None,
        help="drive browsers of a Playwright browser server (`playwright run-server --unsafe`) "
        "instead of launching them here; the launch settings of playwright.config.py are sent along",
    )
    group.addoption(
        "--cm-engine-reasons",
        choices=ENGINE_REASONS,
        default="expected",
        help="hear each engine's own reasons (Chromium over CDP, Firefox's console) and hold them to the oracle's: "
        "expected: on the steps the oracle expects the engine to explain (a refused or withheld cookie, a failed "
        "fetch), and on every step of a failed case's traced re-run; all: on every step, with the warnings that come "
        "with cookies stored and sent; off: judge what the browsers did only (to measure what listening costs)",
    )
    group.addoption(
        "--cm-shuffle", metavar="SEED", type=int, default=None, help="run each browser's tests in an order from SEED"
    )
    group.addoption(
        "--cm-shard", metavar="K/N", default=None, help="run only shard K of N (1-based), balanced by --cm-durations"
    )
    group.addoption(
        "--cm-durations",
        metavar="FILE",
        default=str(ROOT / "e2e" / "durations.json"),
        help="recorded test durations (JSON: node id -> seconds) that --cm-shard balances",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--cm-shard"):
        try:
            ordering.parse_shard(config.getoption("--cm-shard"))
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None
    for marker in sorted(all_markers()):
        config.addinivalue_line("markers", f"{marker}: a dimension value of the case matrix")
    if not config.option.browser:
        config.option.browser = list(DEFAULT_BROWSERS)
    # pytest-playwright empties --output in every xdist worker, which can delete traces another worker already
    # wrote; here the output folder is emptied once, by the process that starts the run.
    if not hasattr(config, "workerinput"):
        shutil.rmtree(config.getoption("--output"), ignore_errors=True)
        if config.getoption("--cm-report"):
            from e2e.report.plugin import ReportPlugin

            config.pluginmanager.register(ReportPlugin(config, Path(config.getoption("--cm-report")).absolute()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """--cm-shard keeps one shard of the run; --cm-shuffle reorders each browser's tests; own-setting cases first."""
    if config.getoption("--cm-shard"):
        index, count = ordering.parse_shard(config.getoption("--cm-shard"))
        keep = ordering.shard([item.nodeid for item in items], index, count, Path(config.getoption("--cm-durations")))
        deselected = [item for item in items if item.nodeid not in keep]
        items[:] = [item for item in items if item.nodeid in keep]
        config.hook.pytest_deselected(items=deselected)
    if config.getoption("--cm-shuffle") is not None:
        items[:] = ordering.shuffle_within_browsers(items, config.getoption("--cm-shuffle"))
    items[:] = ordering.own_browser_first(items)


# ---------------------------------------------------------------------------------------------- pytest-playwright


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir() -> None:
    """Overrides pytest-playwright's per-worker deletion; see pytest_configure."""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, browser_name: str, test_hosts: TestHosts) -> dict:
    """pytest-playwright's launch arguments plus this project's settings for the browser and the run's hosts."""
    config = load_playwright_config()
    if browser_name in config.UNSUPPORTED:
        pytest.skip(config.UNSUPPORTED[browser_name])
    launch = config.LAUNCH[browser_name]
    executable = launch.get("executable_path")
    if executable and not os.path.exists(executable):
        package = "chromium" if browser_name == "chromium" else "firefox-esr"
        pytest.fail(
            f"{browser_name} is not installed at {executable}: on Debian run `apt-get install -y {package}`; "
            f"elsewhere install it and set CM_{browser_name.upper()} to its path",
            pytrace=False,
        )
    return {**browser_type_launch_args, **launch_options(browser_name, test_hosts, config)}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.fixture(scope="session")
def connect_options(pytestconfig: pytest.Config, browser_type_launch_args: dict) -> dict | None:
    """With --cm-connect: the browser server's endpoint and this project's launch settings for it.

    pytest-playwright sends its launch options with Python names, which the server does not read; the server takes
    Playwright's protocol names (executablePath, firefoxUserPrefs), so they are sent here. The browsers resolve every
    test name to 127.0.0.1, so the server must share this machine's loopback.
    """
    import json

    endpoint = pytestconfig.getoption("--cm-connect")
    if not endpoint:
        return None
    launch = {_camel(key): value for key, value in browser_type_launch_args.items()}
    return {"endpoint": endpoint, "headers": {"x-playwright-launch-options": json.dumps(launch)}}


@pytest.fixture(scope="session")
def launch_browser(launch_browser, browser_name: str, browser_type_launch_args: dict, connect_options):
    """pytest-playwright's launcher; a Firefox launched here gets its DevTools server (launch.with_devtools_server),
    and the browser's protocol connection then runs without Nagle (nodelay.py)."""
    if connect_options:
        return lambda **kwargs: without_nagle(lambda: launch_browser(**kwargs))

    return lambda **kwargs: launching(
        browser_name, lambda o: launch_browser(**o), {**browser_type_launch_args, **kwargs}
    )


@pytest.fixture
def _pw_trace_api_requests() -> None:
    """Overrides pytest-playwright's autouse fixture, which makes an artifacts recorder for every test that uses the
    playwright fixture, to trace its APIRequestContext requests: the suite makes none (its traces are tracing.py's),
    and the recorder cost every case its set-up and tear-down. A test that asks for pytest-playwright's page or
    context still gets one through them."""


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """pytest-playwright's context arguments plus this project's."""
    return {**browser_context_args, **load_playwright_config().CONTEXT}


@pytest.fixture
def session_works():
    """Pin a setup as a test: call it with explain's options; it fails with the diagnosis and the smallest fix unless
    the session works in every browser profile and third-party setting (e2e.explain.assert_works)."""
    from e2e.explain import assert_works

    return assert_works


# ---------------------------------------------------------------------------------------------- per worker


@pytest.fixture(scope="session")
def test_hosts() -> Iterator[TestHosts]:
    """The API and page on every named origin, for this worker's whole run."""
    with TestHosts.running() as hosts:
        yield hosts


@pytest.fixture(scope="session")
def browser_profile(browser_name: str, browser: Browser) -> BrowserProfile:
    """The oracle's facts for the running browser; a version outside their checked range is reported."""
    profile = profile_for(browser_name)
    note = profile.version_note(browser.version)
    if note:
        warnings.warn(note, stacklevel=1)
    return profile


@pytest.fixture(scope="session")
def case_results(pytestconfig: pytest.Config) -> Iterator[ResultsWriter]:
    """This worker's sink for case records."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    results = ResultsWriter(Path(pytestconfig.getoption("--output")).absolute() / "results" / f"{worker}.jsonl")
    yield results
    results.close()


@pytest.fixture(scope="session")
def third_party_contexts(
    browser_name: str, browser_type, browser_type_launch_args: dict, browser_context_args: dict,
    tmp_path_factory, pytestconfig: pytest.Config,
) -> Iterator[ThirdPartyBrowsers]:  # fmt: skip
    """Contexts whose browser runs with a third-party cookie setting from playwright.config.py, made on demand."""
    browsers = ThirdPartyBrowsers(browser_name, browser_type, browser_type_launch_args, browser_context_args,
                                  tmp_path_factory.mktemp, bool(pytestconfig.getoption("--cm-connect")))  # fmt: skip
    yield browsers
    browsers.close()


@pytest.fixture(scope="session")
def isolation(pytestconfig: pytest.Config) -> str:
    return pytestconfig.getoption("--isolation")


@pytest.fixture(scope="session")
def browser_session(launch_browser, browser: Browser, browser_context_args: dict, isolation: str):
    """The browser cases run in, relaunched after a crash so the rest of the run goes on."""
    session = BrowserSession(launch_browser, browser, browser_context_args, isolation == "reuse")
    yield session
    session.close()


# ---------------------------------------------------------------------------------------------- per test


@pytest.fixture
def browser_case(
    request: pytest.FixtureRequest, browser_session: BrowserSession, test_hosts: TestHosts,
    pytestconfig: pytest.Config, case_results: ResultsWriter, third_party_contexts,
) -> Iterator[BrowserCase]:  # fmt: skip
    """A clean browser case: no cookies, no server sessions or records; traced per --tracing."""
    context, pages, fresh = browser_session.context()
    case = BrowserCase(context, test_hosts, pages, browser_session.browser(), case_results, third_party_contexts,
                       empty_jar=browser_session.empty_jar,
                       engine_reasons=pytestconfig.getoption("--cm-engine-reasons"),
                       new_context=browser_session.new_context)  # fmt: skip
    browser_session.empty_jar = None
    tracing = pytestconfig.getoption("--tracing")
    if tracing == "on":
        case.trace(request.node.nodeid)
    case.begin()
    case_results.current_nodeid = request.node.nodeid
    yield case
    test_hosts.reset()
    if not context.browser or not context.browser.is_connected():
        return  # the browser died during the case; the next case relaunches it
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.passed and not fresh:  # a failed case's context is cleared by the next case
        browser_session.empty_jar = case.empty_jar
    path = Path(pytestconfig.getoption("--output")).absolute() / slugify(request.node.nodeid) / "trace.zip"
    if tracing == "on":
        case.save_trace(path)
        request.node.stash[_TRACE_KEY] = (str(path), None)
    elif tracing == "retain-on-failure" and (rep is None or rep.failed):
        request.node.stash[_TRACE_KEY] = (str(path), replay_traced(request.node, case, browser_session, path))
    case.close_own()
    if fresh:
        context.close()


# ---------------------------------------------------------------------------------------------- reporting


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Mark infrastructure errors; link a kept trace from the teardown report, as pytest-playwright does."""
    outcome = yield
    rep = outcome.get_result()
    if call.excinfo is not None and call.excinfo.errisinstance(InfrastructureError):
        rep.user_properties.append(("infrastructure_error", str(call.excinfo.value)))
    if rep.when == "teardown" and _TRACE_KEY in item.stash:
        path, rerun = item.stash[_TRACE_KEY]
        _attach_artifacts_to_report(item, rep, [("trace", path)])
        if rerun:
            rep.user_properties.append(("trace_rerun", rerun))


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    """Infrastructure errors are counted apart from disagreements with the oracle (they still fail the run)."""
    if report.failed and any(name == "infrastructure_error" for name, _ in getattr(report, "user_properties", ())):
        return "infrastructure error", "I", ("INFRASTRUCTURE ERROR", {"yellow": True})
    return None


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """The traces of failed tests; how many matrix cases ran per browser and per slice, and how they ended."""
    reruns = [
        (r.nodeid, dict(r.user_properties))
        for r in terminalreporter.stats.get("", [])
        if getattr(r, "when", None) == "teardown" and "trace_rerun" in dict(r.user_properties)
    ]
    if reruns:
        terminalreporter.section("traces of failed tests (each recorded in a traced re-run)")
        for nodeid, properties in reruns:
            terminalreporter.write_line(
                f"{nodeid}: re-run {properties['trace_rerun']}; {properties['playwright_trace']}"
            )
    counts: Counter = Counter()
    for category, reports in terminalreporter.stats.items():
        for report in reports:
            if getattr(report, "when", None) != "call" and category != "error":
                continue
            nodeid = getattr(report, "nodeid", "")
            if "test_matrix.py::" not in nodeid:
                continue
            browser = nodeid.split("[", 1)[1].split("-", 1)[0]
            slice_name = next((k for k in SLICES if k in getattr(report, "keywords", {})), "?")
            counts[(browser, slice_name, category or "?")] += 1
    if not counts:
        return
    terminalreporter.section("cookie-matrix cases per browser and slice")
    outcomes = sorted({k[2] for k in counts})
    terminalreporter.write_line(f"{'browser':10} {'slice':20} " + " ".join(f"{o:>20}" for o in outcomes))
    for browser in sorted({k[0] for k in counts}):
        for slice_name in SLICES:
            row = [counts[(browser, slice_name, o)] for o in outcomes]
            if any(row):
                terminalreporter.write_line(f"{browser:10} {slice_name:20} " + " ".join(f"{n:>20}" for n in row))
        total = [sum(counts[(browser, sl, o)] for sl in [*SLICES, "?"]) for o in outcomes]
        terminalreporter.write_line(f"{browser:10} {'all':20} " + " ".join(f"{n:>20}" for n in total))
