"""The report is a web page: it renders, filters work, trace links resolve, and it makes no network request."""

import copy
import re
from pathlib import Path

import pytest

from e2e import oracle
from e2e.cases import Case, core
from e2e.profiles import CHROMIUM, FIREFOX
from e2e.report import build, meta_for, write
from e2e.serve import serving
from server import CookieConfig

pytestmark = pytest.mark.browser_e2e
PAGE, API = "https://app.site-a.test:8443", "https://api.site-b.test:8443"


def _record(case: Case, profile, nodeid: str, flip: bool = False) -> dict:
    """A case result as a worker writes it, observed equal to expected unless `flip` breaks one field."""
    settings = case.settings(PAGE)
    expected = oracle.expect(
        page=PAGE,
        api=API,
        credentials=case.credentials,
        mode=case.mode,
        cors=case.cors,
        set_cookie=settings.cookie.set_cookie("x"),
        profile=profile,
    )
    observed = copy.deepcopy(expected.to_json()) | {"jar": []}
    for step in oracle.STEPS:
        observed[step].pop("reasons")
        observed[step]["error"] = None
    mismatches = []
    if flip:
        observed["me"]["cookie_sent"] = not observed["me"]["cookie_sent"]
        mismatches = [
            {
                "step": "me",
                "field": "cookie_sent",
                "expected": not observed["me"]["cookie_sent"],
                "observed": observed["me"]["cookie_sent"],
                "reasons": list(expected.steps["me"].reasons),
            }
        ]
    return {
        "nodeid": nodeid,
        "case": case.id,
        "slice": case.slice,
        "markers": case.markers,
        "credentials": case.credentials,
        "setup": case.setup,
        "mode": case.mode,
        "cors": case.cors,
        "browser": profile.name,
        "version": "1.0",
        "expected": expected.to_json(),
        "deviations": list(expected.deviations),
        "observed": observed,
        "mismatches": mismatches,
    }


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, browser) -> Path:
    """A report of six cases in two browsers, one failing with a real trace, one a known deviation."""
    folder = tmp_path_factory.mktemp("report")
    context = browser.new_context()
    context.tracing.start()
    context.new_page().goto("about:blank")
    (folder / "traces" / "failing").mkdir(parents=True)
    context.tracing.stop(path=str(folder / "traces" / "failing" / "trace.zip"))
    context.close()
    cases = [c for c in core() if c.setup == "cross_site-https" and c.credentials == "include"][:3]
    lax = Case("core", "include", "cross_site-https", CookieConfig(samesite=None, secure=True))
    records = [
        _record(c, p, f"t[{p.name}-{c.id}]", flip=(p is CHROMIUM and c is cases[0]))
        for p in (CHROMIUM, FIREFOX)
        for c in cases
    ]
    records.append(_record(lax, FIREFOX, f"t[firefox-{lax.id}]"))
    traces = {records[0]["nodeid"]: "traces/failing/trace.zip"}
    rules = {k: {"text": r.text, "source": r.source} for k, r in oracle.RULES.items()}
    reruns = {records[0]["nodeid"]: "failed again (Failed)"}
    write(
        folder, build(records, {}, traces, meta_for(["pytest", "e2e"], {"chromium": "1.0"}, "1.64.1", rules, 0), reruns)
    )
    failed = sum(bool(r["mismatches"]) for r in records)
    deviations = sum(bool(r["deviations"]) and not r["mismatches"] for r in records)
    (folder / "expected-counts.txt").write_text(
        f"{len(records) - failed - deviations} passed {failed} failed {deviations} known deviations"
    )
    return folder


def test_report_renders_offline_with_working_filters(report_dir, page):
    """Opened from disk: grids per browser, counts, filters by browser, outcome and text; only the file loads."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((report_dir / "index.html").as_uri())
    assert page.locator("section.browser").count() == 2
    passed, _, failed, _, deviations, *_ = (report_dir / "expected-counts.txt").read_text().split()
    counts = page.locator("#counts").inner_text()
    assert (failed, deviations) == ("1", "3"), "the fixture should hold one failure and Firefox's three deviations"
    assert counts.startswith(f"{passed} passed{failed} failed{deviations} known deviations"), counts
    cells = page.locator("td.cell")
    assert cells.count() == 7
    page.select_option("#f-outcome", "failed")
    assert page.locator("td.cell:not(.dim)").count() == 1
    page.select_option("#f-outcome", "")
    page.select_option("#f-browser", "firefox")
    assert page.locator("section.browser:not(.hidden)").count() == 1
    assert page.locator("section.browser:not(.hidden) h2").inner_text().startswith("firefox")
    page.select_option("#f-browser", "")
    page.fill("#f-text", "samesite_none partitioned")
    assert page.locator("#shown").inner_text() == f"{page.locator('td.cell:not(.dim)').count()} shown"
    assert all(
        "samesite_none" in t and "partitioned" in t
        for t in page.locator("td.cell:not(.dim)").evaluate_all("els => els.map(e => e.dataset.case)")
    )
    # Only the page itself (which Firefox's request events do not list for file:// navigations).
    assert set(requests) <= {(report_dir / "index.html").as_uri()}, f"the report fetched more than itself: {requests}"


def test_detail_shows_rules_expected_observed_and_trace(report_dir, page):
    """Clicking the failing cell shows the mismatch, the rule chain with sources and a trace link that exists."""
    page.goto((report_dir / "index.html").as_uri())
    page.locator("td.cell.o-failed").click()
    detail = page.locator("#detail")
    assert detail.locator("td.bad").count() == 1
    assert "site-cross" in detail.inner_text() and "6265bis" in detail.inner_text()
    href = detail.locator("a.trace").get_attribute("href")
    assert (report_dir / href).is_file(), f"trace link {href} does not resolve"
    assert "recorded in a traced re-run, which failed again" in detail.inner_text()


def test_served_report_opens_traces_in_the_bundled_viewer(report_dir, page):
    """Served by e2e.serve: a trace link opens Playwright's own trace viewer on that trace."""
    with serving(report_dir) as url:
        page.goto(url + "index.html")
        page.locator("td.cell.o-failed").click()
        with page.context.expect_page() as opened:
            page.locator("#detail a.trace").click()
        viewer = opened.value
        viewer.wait_for_load_state()
        assert re.search(r"/trace-viewer/index\.html\?trace=", viewer.url)
        assert viewer.title() == "Playwright Trace Viewer"
        # The viewer has loaded the trace: it lists the trace's one action.
        viewer.get_by_text("about:blank").first.wait_for()
