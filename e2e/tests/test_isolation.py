"""Speed may not cost isolation: a case that leaves everything dirty, then cases that must not notice."""

from dataclasses import replace

import pytest

from e2e.cases import CROSS_SITE_COOKIE, HTTP_CACHE_COOKIE, SECOND_PAGE, Case, embedded_slice
from e2e.harness.driver import flow_options, run_flow, run_group
from e2e.harness.verdict import judge
from e2e.oracle.profiles import profile_for
from server.config import CookieConfig

pytestmark = pytest.mark.browser_e2e

# Leftovers of every kind: host-only, Domain, Path, Partitioned, http-only origin, localhost; live sessions.
DIRTY = [
    Case(
        "core",
        "same-origin",
        "same_origin-https",
        CookieConfig(name="host", samesite="Lax", secure=True, httponly=False),
    ),
    Case(
        "core",
        "include",
        "same_site_subdomain-https",
        CookieConfig(name="parent", samesite="Lax", secure=True, httponly=False, domain="site-a.test"),
    ),
    Case(
        "core",
        "include",
        "cross_site-https",
        CookieConfig(name="chips", samesite="None", secure=True, partitioned=True),
    ),
    Case("core", "same-origin", "same_origin-http", CookieConfig(name="plain", path="/api")),
    Case("core", "include", "localhost-ports", CookieConfig(name="__Host-sid", secure=True)),
]


def _dirty(browser_case) -> None:
    """Log in on every setup of DIRTY and leave without logging out."""
    hosts = browser_case.hosts
    for case in DIRTY:  # each configure() forgets the server state of the one before; the jar keeps all
        browser_case.serve(case.spec(hosts).server)
        for step in ("login", "me"):
            run_group(
                browser_case, case.page, case.api, (step,), credentials=case.credentials, cookie_name=case.cookie.name
            )


def test_reset_between_cases_leaves_nothing(browser_case, browser_name):
    """After the per-case reset the jar, the pages' document.cookie and the server hold nothing of the last case."""
    _dirty(browser_case)
    stored = sorted(c["name"] for c in browser_case.cookies())
    assert stored == sorted(c.cookie.name for c in DIRTY), (
        f"the dirty case must store them all to prove anything: {stored}"
    )
    assert len(browser_case.hosts.state.sessions) >= 1
    assert any(p.evaluate("document.cookie") for p in browser_case.open_pages().values())

    browser_case.begin()

    assert browser_case.cookies() == [], f"[{browser_name}] cookies survived the reset: {browser_case.cookies()}"
    assert len(browser_case.hosts.state.sessions) == 0 and browser_case.hosts.state.requests() == []
    leftovers = {name: p.evaluate("document.cookie") for name, p in browser_case.open_pages().items()}
    assert not any(leftovers.values()), f"[{browser_name}] document.cookie after reset: {leftovers}"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.setup) for c in DIRTY])
def test_next_case_does_not_notice(browser_case, browser_name, case):
    """A case run after the dirty one sends no old cookie, is preflighted afresh and reaches the server."""
    _dirty(browser_case)
    browser_case.begin()
    hosts = browser_case.hosts
    browser_case.serve(case.spec(hosts).server)
    me, login = (
        run_group(
            browser_case, case.page, case.api, (step,), credentials=case.credentials, cookie_name=case.cookie.name
        )[0]
        for step in ("me", "login")
    )
    # The server answered (no cached response) and saw no cookie of any name (nothing left in the jar).
    assert me.requests and me.requests[0].cookie_header is None, f"[{browser_name}] leftover: {me.requests}"
    assert me.status == 401
    assert login.requests and login.requests[0].cookie_header is None
    # A cross-origin JSON POST is preflighted again: no preflight answer was reused from the dirty case.
    if case.page != case.api:
        assert len(login.preflights) == 1


def _plant(context, hosts) -> None:
    context.add_cookies([{"name": "planted", "value": "1", "url": hosts.url("app_https", "/")}])


@pytest.mark.parametrize(
    "touch",
    [
        pytest.param(lambda case: _plant(case.context, case.hosts), id="context"),
        pytest.param(lambda case: case.page("app_https").evaluate("document.cookie = 'planted=1'"), id="page"),
        pytest.param(
            lambda case: next(iter(case.open_pages().values())).evaluate("document.cookie = 'planted=1'"),
            id="open_pages",
        ),
    ],
)
def test_clear_is_skipped_only_after_an_empty_read(browser_case, browser_name, touch, monkeypatch):
    """begin() skips clearing only when the jar was last read empty; a page or the context handed out since undoes
    that."""
    browser_case.page("app_https")
    assert browser_case.cookies() == []
    cleared = []
    context = browser_case._context
    monkeypatch.setattr(context, "clear_cookies", lambda: cleared.append(1))
    browser_case.begin()
    assert cleared == [], (
        f"[{browser_name}] the jar was read empty and nothing ran since: clearing it is a wasted round trip"
    )
    monkeypatch.undo()

    touch(browser_case)
    browser_case.begin()
    assert browser_case.cookies() == [], f"[{browser_name}] a cookie set after the empty read survived begin()"


# Cases that leave entries in the browser's caches: an answer of `me` the HTTP cache keeps (cacheable, no Vary:
# Origin, cache mode default; the second page is answered from it), and preflights kept ten minutes (Max-Age 600).
KEPT = [
    pytest.param(
        Case(
            "slice_preflight",
            "include",
            "same_site_subdomain-https",
            HTTP_CACHE_COOKIE,
            cors="reflect_any_credentials",
            cache="default",
            cache_max_age=600,
            vary_origin=False,
            reread_from=SECOND_PAGE,
        ),
        id="http_cache",
    ),  # fmt: skip
    pytest.param(
        Case(
            "slice_preflight",
            "include",
            "cross_site-https",
            CROSS_SITE_COOKIE,
            allow_headers="authorization",
            authorization=True,
            max_age=600,
            cache="default",
        ),
        id="preflight_cache",
    ),  # fmt: skip
]


@pytest.mark.parametrize("kept", KEPT)
def test_what_a_case_leaves_cached_stays_with_its_run(browser_case, browser_name, kept):
    """A case that leaves a cached answer or preflight, run twice in the worker's shared context, meets none of its
    first run's entries the second time (its requests reach the server, its preflights are sent again), and the next
    case, on the API's plain URLs, meets none either."""
    spec = kept.spec(browser_case.hosts)
    assert spec.leaves_cached
    shared = browser_case.context
    for run in ("first", "second"):
        browser_case.begin()
        flow = run_flow(browser_case, spec)
        assert browser_case.context is shared, f"[{browser_name}] the case left the shared context"
        assert flow["me"].requests, f"[{browser_name}] the {run} run's me was answered from a cache: {flow['me']}"
        assert len(flow["login"].preflights) == 1, f"[{browser_name}] the {run} run's login was not preflighted"
        if spec.reread_from:  # the cache works within the run: the second page is answered from it
            assert flow["reread"].outcome == "network_error" and not flow["reread"].requests, (
                f"[{browser_name}] the case must be answered from the cache to prove anything: {flow['reread']}"
            )
    browser_case.begin()
    browser_case.serve(replace(spec.server, cache_max_age=0, preflight_max_age=0))
    login, me = (run_group(browser_case, kept.page, kept.api, (step,), **flow_options(spec))[0]
                 for step in ("login", "me"))  # fmt: skip
    assert login.preflights and me.requests and me.status == 200, (
        f"[{browser_name}] the next case met what the kept case cached: {login}, {me}"
    )


# A framed client that logged in top-level and is granted storage access (in Chromium a permission of the browser's,
# in Firefox a grant after the user's interaction with the app), one of slice_embedded's: then the same case denied.
ACCESS = next(c for c in embedded_slice() if c.storage_access == "granted" and c.login_top_level and not c.third_party
              and c.setup == "same_origin-https" and not c.cookie.partitioned)  # fmt: skip


def test_storage_access_stays_with_its_case(browser_case, browser_name):
    """After a case whose frame was granted storage access, a case that is denied it is denied: neither the permission,
    the grant, the user's interaction nor the frame's document outlives the first case (both held to the oracle)."""
    profile = profile_for(browser_name)
    granted = judge(browser_case, ACCESS.spec(browser_case.hosts), profile)
    assert granted.expected.storage_access == "granted" and granted.expected.steps["me"].authenticated, (
        "the first case must be one the oracle grants access and a session to prove anything"
    )
    assert granted.mismatches == [], f"[{browser_name}] {granted.mismatches}"
    browser_case.close_own()
    browser_case.begin()
    denied = judge(browser_case, replace(ACCESS, storage_access="denied").spec(browser_case.hosts), profile)
    assert not denied.expected.steps["me"].authenticated, "the second case must be one the oracle denies a session"
    assert denied.mismatches == [], f"[{browser_name}] the first case's storage access outlived it: {denied.mismatches}"
