"""Speed may not cost isolation: a case that leaves everything dirty, then cases that must not notice."""

from dataclasses import replace

import pytest

from e2e.cases import Case
from e2e.harness.driver import run_group
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


def test_an_answer_the_http_cache_kept_stays_with_its_case(browser_case, browser_session, browser_name):
    """A case whose `me` the HTTP cache keeps (cacheable, no Vary: Origin, cache mode default) runs in a context of its
    own: its second page is answered from that cache, and afterwards the same read in the worker's shared context,
    as the next case makes it, reaches the server."""
    from e2e.cases import HTTP_CACHE_COOKIE, SECOND_PAGE
    from e2e.harness.case import BrowserCase
    from e2e.harness.driver import run_flow

    kept = Case("slice_preflight", "include", "same_site_subdomain-https", HTTP_CACHE_COOKIE,
                cors="reflect_any_credentials", cache="default", cache_max_age=600, vary_origin=False,
                reread_from=SECOND_PAGE)  # fmt: skip
    spec = kept.spec(browser_case.hosts)
    shared = browser_case.context
    flow = run_flow(browser_case, spec)
    assert flow["reread"].outcome == "network_error" and not flow["reread"].requests, (
        f"[{browser_name}] the case must be answered from the cache to prove anything: {flow['reread']}"
    )
    assert spec.leaves_cached and browser_case.context is not shared
    browser_case.close_own()
    context, pages, _ = browser_session.context()
    assert context is shared
    following = BrowserCase(context, browser_case.hosts, pages, browser_session.browser(), None, None,
                            engine_reasons="off")  # fmt: skip
    following.begin()
    following.serve(replace(spec.server, cache_max_age=0))
    me = run_group(following, SECOND_PAGE, kept.api, ("me",), credentials="include", cache="default")[0]
    assert me.requests and me.status == 401, f"[{browser_name}] a cached answer reached the next case: {me}"
