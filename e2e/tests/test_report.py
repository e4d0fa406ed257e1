"""The report is a web page: it renders, filters work, trace links resolve, the detail shows every compared field and
each browser's settings, and it makes no network request."""

import copy
import re
from pathlib import Path

import pytest

from e2e.cases import Case, core, embedded_grid
from e2e.harness.results import CaseRecord
from e2e.oracle.flow import STEP_FIELDS, expect
from e2e.oracle.profiles import CHROMIUM, FIREFOX
from e2e.oracle.vocabulary import STEPS
from e2e.report.build import build, meta_for, write
from e2e.report.serve import serving
from server.config import CookieConfig

pytestmark = pytest.mark.browser_e2e


class Hosts:
    """The origins of the records, on fixed ports."""

    @staticmethod
    def origin(name: str) -> str:
        return {"app_https": "https://app.site-a.test:8443", "api_site_b_https": "https://api.site-b.test:8443",
                "api_site_a_https": "https://api.site-a.test:8443",
                "app_https_alt_port": "https://app.site-a.test:9443",
                "embedder_cross_site_https": "https://portal.site-d.test:8443"}[name]  # fmt: skip


def _record(case: Case, profile, nodeid: str, flip: tuple[str, str] | None = None) -> CaseRecord:
    """A case record as a worker writes it, observed equal to expected unless `flip` (step, field) breaks a field."""
    spec = case.spec(Hosts())
    expected = expect(spec, profile).to_json()
    observed = {step: {f: expected[step][f] for f in STEP_FIELDS} | {"error": None} for step in STEPS}
    for step in STEPS:  # the engine heard on login only, as where the oracle expects it to explain login alone
        heard = step == "login"
        observed[step]["engine"] = {"said": [], "missing": [], "captured": heard, "asked": heard}
    observed |= {
        "js_visible": expected["js_visible"],
        "jar": [],
        "stored_cookie": copy.deepcopy(expected["stored_cookie"]),
    }
    mismatches = ()
    if flip:
        step, field = flip
        target = observed["stored_cookie"] if field.startswith("jar.") else observed[step]
        key = field.removeprefix("jar.")
        want = target[key]
        target[key] = (not want) if isinstance(want, bool) else "something else"
        mismatches = ({"step": step, "field": field, "expected": want, "observed": target[key],
                       "reasons": list(expected[step]["reasons"])},)  # fmt: skip
    return CaseRecord(case.id, case.slice, case.markers, case.setup, spec.to_json(), profile.name, "1.0", expected,
                      observed, mismatches, nodeid)  # fmt: skip


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, browser) -> Path:
    """A report of cases in two browsers: one failing with a real trace, one failing only on its preflight, one only on
    the jar's view of the cookie, and Firefox's known deviations."""
    folder = tmp_path_factory.mktemp("report")
    context = browser.new_context()
    context.tracing.start()
    context.new_page().goto("about:blank")
    (folder / "traces" / "failing").mkdir(parents=True)
    context.tracing.stop(path=str(folder / "traces" / "failing" / "trace.zip"))
    context.close()
    cases = [c for c in core() if c.setup == "cross_site-https" and c.credentials == "include"][:3]
    lax = Case("core", "include", "cross_site-https", CookieConfig(samesite=None, secure=True))
    partitioned = Case("core", "include", "cross_site-https", CookieConfig(samesite="None", secure=True,
                                                                           partitioned=True))  # fmt: skip
    flips = {(CHROMIUM.name, cases[0].id): ("me", "cookie_sent"), (FIREFOX.name, cases[1].id): ("create", "preflight")}
    records = [
        _record(c, p, f"t[{p.name}-{c.id}]", flips.get((p.name, c.id))) for p in (CHROMIUM, FIREFOX) for c in cases
    ]
    records.append(_record(lax, FIREFOX, f"t[firefox-{lax.id}]"))
    records.append(_record(SIMPLE, CHROMIUM, f"t[chromium-{SIMPLE.id}]"))
    records.append(_record(partitioned, CHROMIUM, f"t[chromium-{partitioned.id}-jar]", ("login", "jar.partition_key")))
    records += [_record(c, CHROMIUM, f"t[chromium-{c.id}]") for c in EMBEDDED]
    traces = {records[0].nodeid: "traces/failing/trace.zip"}
    reruns = {records[0].nodeid: "failed again (Failed)"}
    write(folder, build(records, {}, traces, meta_for(["pytest", "e2e"], {"chromium": "1.0"}, "1.64.1", 0), reruns))
    failed = sum(bool(r.mismatches) for r in records)
    deviations = sum(bool(r.deviations) and not r.mismatches for r in records)
    (folder / "expected-counts.txt").write_text(
        f"{len(records) - failed - deviations} passed {failed} failed {deviations} known deviations"
    )
    return folder


# A same-site simple request whose CORS answer has no ACAO: a network error for script, the cookie stored anyway.
SIMPLE = Case("slice_simple_request", "include", "same_site_subdomain-https", CookieConfig(samesite="Lax", secure=True),
              cors="none", body="form")  # fmt: skip
# Two cells of slice_embedded's grid: the cross-site embedder, Chromium's default setting, the API the frame's own
# origin; a SameSite=None cookie (blocked: no session) and a Partitioned one (the session kept).
EMBEDDED = [
    case
    for case, (row, column) in embedded_grid()
    if column == "cross_site|default" and row in ("none|same_origin-https", "partitioned|same_origin-https")
]
CHROMIUM_FAILING = next(c for c in core() if c.setup == "cross_site-https" and c.credentials == "include").id


def test_report_renders_offline_with_working_filters(report_dir, page):
    """Opened from disk: grids per browser, counts, filters by browser, outcome and text; only the file loads."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((report_dir / "index.html").as_uri())
    assert page.locator("section.browser").count() == 2
    passed, _, failed, _, deviations, *_ = (report_dir / "expected-counts.txt").read_text().split()
    counts = page.locator("#counts").inner_text()
    assert (failed, deviations) == ("3", "3"), "the fixture should hold three failures and three known deviations"
    assert counts.startswith(f"{passed} passed{failed} failed{deviations} known deviations"), counts
    cells = page.locator("table.grid:not(.embedded) td.cell")
    assert cells.count() == 8
    page.select_option("#f-outcome", "failed")
    assert page.locator("table.grid:not(.embedded) td.cell:not(.dim)").count() == 3
    page.select_option("#f-outcome", "")
    page.select_option("#f-browser", "firefox")
    assert page.locator("section.browser:not(.hidden)").count() == 1
    assert page.locator("section.browser:not(.hidden) h2").inner_text().startswith("firefox")
    page.select_option("#f-browser", "")
    page.fill("#f-text", "samesite_none partitioned")
    shown = page.locator("[data-case]:not(.dim):not(.hidden)").count()
    assert page.locator("#shown").inner_text() == f"{shown} shown"
    assert all(
        "samesite_none" in t and "partitioned" in t
        for t in page.locator("td.cell:not(.dim)").evaluate_all("els => els.map(e => e.dataset.case)")
    )
    # Only the page itself (which Firefox's request events do not list for file:// navigations).
    assert set(requests) <= {(report_dir / "index.html").as_uri()}, f"the report fetched more than itself: {requests}"


def test_detail_shows_rules_expected_observed_and_trace(report_dir, page):
    """Clicking the failing cell shows the mismatch, the rule chain with sources and a trace link that exists."""
    page.goto((report_dir / "index.html").as_uri())
    page.locator(f"td.cell.o-failed[data-case='{CHROMIUM_FAILING}']").click()
    detail = page.locator("#detail")
    assert detail.locator("td.bad").count() == 1
    assert "site-cross" in detail.inner_text() and "6265bis" in detail.inner_text()
    href = detail.locator("a.trace").get_attribute("href")
    assert (report_dir / href).is_file(), f"trace link {href} does not resolve"
    assert "recorded in a traced re-run, which failed again" in detail.inner_text()
    assert "Not listened to on me, list, create, logout" in detail.inner_text()
    assert "were not captured in this run" not in detail.inner_text()


def test_served_report_opens_traces_in_the_bundled_viewer(report_dir, page):
    """Served by e2e.serve: a trace link opens Playwright's own trace viewer on that trace."""
    with serving(report_dir) as url:
        page.goto(url + "index.html")
        page.locator(f"td.cell.o-failed[data-case='{CHROMIUM_FAILING}']").click()
        with page.context.expect_page() as opened:
            page.locator("#detail a.trace").click()
        viewer = opened.value
        viewer.wait_for_load_state()
        assert re.search(r"/trace-viewer/index\.html\?trace=", viewer.url)
        assert viewer.title() == "Playwright Trace Viewer"
        # The viewer has loaded the trace: it lists the trace's one action.
        viewer.get_by_text("about:blank").first.wait_for()


@pytest.mark.parametrize("section_of, field", [("firefox", "preflight"), ("chromium", "jar.partition_key")])
def test_detail_shows_every_field_the_comparison_compared(report_dir, page, section_of, field):
    """A case that failed on a field outside the glyphs (a preflight, the jar's view of the cookie) shows that very
    row as differing in its detail, next to every other field the comparison compared."""
    page.goto((report_dir / "index.html").as_uri())
    section = page.locator(f"section.browser[data-browser='{section_of}']")
    section.locator("td.cell.o-failed").last.click()
    detail = page.locator("#detail")
    bad = detail.locator("tr:has(td.bad)")
    assert bad.count() == 1, detail.inner_text()
    assert bad.locator("td").nth(1).inner_text() == field
    fields = detail.locator("tr td:nth-child(2)").all_inner_texts()
    for name in STEP_FIELDS:
        assert fields.count(name) == len(STEPS), (name, fields)
    assert "js_visible" in fields
    assert ("jar.partition_key" in fields) is (section_of == "chromium")  # where the jar holds the cookie


@pytest.mark.parametrize("section_of", ["chromium", "firefox"])
def test_each_browser_section_says_what_decides_third_party_cookies(report_dir, page, section_of):
    """Playwright's Chromium contexts block third-party cookies (off the record, as Incognito); Firefox runs Total
    Cookie Protection: each section says so with its source and points to slice_third_party."""
    page.goto((report_dir / "index.html").as_uri())
    setting = page.locator(f"section.browser[data-browser='{section_of}'] p.setting").inner_text()
    note = (CHROMIUM if section_of == "chromium" else FIREFOX).third_party_note
    assert note.value in setting and note.source in setting and "slice_third_party" in setting


def test_a_slice_reads_as_its_question_and_shows_cors_is_no_cookie_firewall(report_dir, page):
    """A slice's table opens with the question it answers; a simple request's row says the server got login and the
    jar kept the cookie while script could not read the answer."""
    page.goto((report_dir / "index.html").as_uri())
    section = page.locator("section.browser", has=page.locator("h2", has_text="chromium"))
    assert section.locator("p.question", has_text="CORS is not a cookie firewall").count() == 1
    headers = section.locator("table.slice th").all_inner_texts()
    row = dict(zip(headers, section.locator(f"tr[data-case='{SIMPLE.id}'] td").all_inner_texts()))
    assert (row["login reached the server"], row["script read login's answer"], row["stored in the jar"]) == (
        "yes", "no", "yes"), row  # fmt: skip


def test_the_embedded_slice_reads_as_a_grid_of_kept_sessions(report_dir, page):
    """slice_embedded opens with its grid: per embedder and third-party setting, which cookie kinds keep the framed
    app's session, as each case observed (in Chromium's default: unpartitioned blocked, partitioned kept)."""
    page.goto((report_dir / "index.html").as_uri())
    grid = page.locator("section.browser[data-browser='chromium'] table.grid.embedded")
    assert "cross-site embedder" in grid.locator("thead").inner_text()
    kept = {row.locator("th").inner_text(): row.locator("td.cell").inner_text()
            for row in grid.locator("tbody tr").all() if row.locator("td.cell").count()}  # fmt: skip
    assert kept.keys() == {"none · same_origin-https", "partitioned · same_origin-https"}
    assert kept["none · same_origin-https"].startswith("✗") and kept["partitioned · same_origin-https"].startswith("✓")
