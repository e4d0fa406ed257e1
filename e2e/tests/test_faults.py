"""Faults are told apart from wrong expectations: each injected fault is an infrastructure error."""

import os
import signal
from pathlib import Path

import pytest

from e2e.cases import Case
from e2e.harness.case import BrowserCase
from e2e.harness.driver import InfrastructureError, run_flow, run_group
from e2e.harness.session import BrowserSession
from server.config import CookieConfig, Settings

pytestmark = pytest.mark.browser_e2e
SAME_ORIGIN = dict(credentials="same-origin")
LOGIN_CASE = Case("core", "same-origin", "same_origin-https", CookieConfig(samesite="Lax", secure=True))


@pytest.mark.parametrize(
    "fault, api, options, message",
    [
        pytest.param("error_500", "app_https", {}, r"the server answered 500 to POST /api/login", id="server_500"),
        pytest.param(
            "hang", "app_https", {"timeout_ms": 1000}, r"did not answer in time .*TimeoutError", id="host_hangs"
        ),
        pytest.param(None, "refusing_https", {}, r"refuses connections", id="host_refuses"),
    ],
)
def test_host_fault_is_an_infrastructure_error(browser_case, fault, api, options, message):
    """A host that fails, hangs or refuses makes the case an infrastructure error, not a verdict."""
    browser_case.hosts.configure(Settings(fault=fault))
    with pytest.raises(InfrastructureError, match=message):
        run_group(browser_case, "app_https", api, ("login",), **SAME_ORIGIN, **options)


def test_the_next_case_after_a_fault_runs_normally(browser_case):
    """After a hang the next case's reset releases the held requests and the flow works again."""
    browser_case.hosts.configure(Settings(fault="hang"))
    with pytest.raises(InfrastructureError):
        run_group(browser_case, "app_https", "app_https", ("me",), **SAME_ORIGIN, timeout_ms=500)
    browser_case.begin()
    flow = run_flow(browser_case, LOGIN_CASE.spec(browser_case.hosts))
    assert flow["me"].status == 200 and flow["logout"].status == 200


def _browser_processes(parent: int) -> set[int]:
    """Browser main processes started by the Playwright driver that this process runs."""
    children = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(status.parent.name))
    return {pid for driver in children.get(parent, []) for pid in children.get(driver, [])}


def test_crashed_browser_is_an_infrastructure_error_and_relaunched(launch_browser, browser_context_args, test_hosts):
    """Kill a browser mid-run: its case is an infrastructure error, the next case gets a new browser."""
    before = _browser_processes(os.getpid())
    session = BrowserSession(launch_browser, launch_browser(), browser_context_args, reuse=True)
    context, pages, _ = session.context()
    case = BrowserCase(context, test_hosts, pages, session.browser(), None, None)
    case.begin()
    case.page("app_https")
    victims = _browser_processes(os.getpid()) - before
    assert victims, "the browser launched for this test should be found among the driver's children"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(InfrastructureError, match="the browser failed"):
        run_flow(case, LOGIN_CASE.spec(test_hosts))
    context, pages, _ = session.context()
    assert session.relaunches == 1
    case = BrowserCase(context, test_hosts, pages, session.browser(), None, None)
    case.begin()
    assert run_flow(case, LOGIN_CASE.spec(test_hosts))["me"].status == 200
    session.browser().close()
