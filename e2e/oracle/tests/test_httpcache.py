"""The browser's HTTP cache (e2e/oracle/httpcache.py) and the flow's second page (FlowSpec.reread_from): what is
stored, what a later request of the site is answered with, and what the CORS check makes of a stored answer."""

from __future__ import annotations

import pytest

from e2e.oracle.flow import expect
from e2e.oracle.httpcache import HttpCache, freshness_lifetime
from e2e.oracle.profiles import CHROMIUM, FIREFOX
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.tests.examples import API_A, API_B, APP, APP_ALT_PORT, NOW
from e2e.oracle.vocabulary import REREAD, STEPS, OracleInputError

SITE, URL = "https://site-a.test", API_A + "/api/me"
KEEP = {"Cache-Control": "private, max-age=600", "Access-Control-Allow-Origin": APP, "Vary": "Origin"}


def test_only_an_answer_with_a_lifetime_is_stored():
    """RFC 9111 §3: a 200 to a GET with max-age is stored; no-store, no Cache-Control (server/app.py's no-store),
    max-age=0, another status or method are not."""
    cache = HttpCache()
    assert cache.store(SITE, URL, "GET", 200, KEEP, {"origin": APP}, NOW) == "http-cache-store"
    refused = [
        ("GET", 200, {"Cache-Control": "no-store"}),
        ("GET", 200, {}),
        ("GET", 200, {"Cache-Control": "max-age=0"}),
        ("GET", 401, KEEP),
        ("POST", 200, KEEP),
        ("GET", 200, {"Cache-Control": "no-store, max-age=60"}),
    ]
    for method, status, headers in refused:
        assert HttpCache().store(SITE, URL, method, status, headers, {}, NOW) is None, (method, status, headers)
    assert freshness_lifetime({"Cache-Control": 'private, MAX-AGE="30"'}) == 30


def test_a_stored_answer_is_used_while_fresh_and_its_vary_matches():
    """RFC 9111 §4.1, §4.2: the same Origin within max-age is a hit; another Origin is a Vary mismatch; past max-age
    the answer is stale; another partition (top-level site) holds nothing."""
    cache = HttpCache()
    cache.store(SITE, URL, "GET", 200, KEEP, {"origin": APP}, NOW)
    hit, why = cache.select(SITE, URL, {"origin": APP}, NOW + 599)
    assert why == "http-cache-hit" and hit.headers["Access-Control-Allow-Origin"] == APP
    assert cache.select(SITE, URL, {"origin": APP_ALT_PORT}, NOW) == (None, "http-cache-vary-mismatch")
    assert cache.select(SITE, URL, {"origin": APP}, NOW + 600) == (None, "http-cache-stale")
    assert cache.select("https://site-b.test", URL, {"origin": APP}, NOW) == (None, None)


def test_without_vary_any_origin_gets_the_stored_answer_and_a_later_answer_replaces_it():
    """Without Vary the stored answer matches every request; one answer per partition and URL, the latest; Vary: *
    never matches."""
    cache = HttpCache()
    headers = {k: v for k, v in KEEP.items() if k != "Vary"}
    cache.store(SITE, URL, "GET", 200, headers, {"origin": APP}, NOW)
    assert cache.select(SITE, URL, {"origin": APP_ALT_PORT}, NOW)[1] == "http-cache-hit"
    cache.store(SITE, URL, "GET", 200, KEEP | {"Access-Control-Allow-Origin": APP_ALT_PORT}, {"origin": APP_ALT_PORT},
                NOW)  # fmt: skip
    assert cache.select(SITE, URL, {"origin": APP}, NOW)[1] == "http-cache-vary-mismatch"
    cache.store(SITE, URL, "GET", 200, KEEP | {"Vary": "*"}, {"origin": APP}, NOW)
    assert cache.select(SITE, URL, {"origin": APP}, NOW)[1] == "http-cache-vary-mismatch"


def reread(vary: bool, cache: str = "default", cors: str = "allowlist", profile=CHROMIUM, max_age: int = 600):
    """The flow from APP against API_A, then `me` from APP_ALT_PORT (same site, another origin)."""
    server = ServerSpec("sid=X; Path=/; Secure; HttpOnly; SameSite=Lax", cors=cors, cache_max_age=max_age,
                        vary_origin=vary, allowlist=(APP, APP_ALT_PORT) if cors == "allowlist" else None)  # fmt: skip
    spec = FlowSpec(APP, API_A, server, "include", cache=cache, reread_from=APP_ALT_PORT)
    return expect(spec, profile, now=NOW)


@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
@pytest.mark.parametrize("cors", ["allowlist", "reflect_any_credentials"])
def test_without_vary_origin_the_second_page_gets_the_first_pages_answer_and_fails_cors(profile, cors):
    """The first page's `me` is stored with its ACAO; the second page's `me` is answered from the cache, no request
    sent, and fails the CORS check against its own Origin: a failure with no request (`rejected`)."""
    f = reread(vary=False, cors=cors, profile=profile)
    assert tuple(f.steps) == (*STEPS, REREAD)
    assert "http-cache-store" in f.steps["me"].reasons
    again = f.steps[REREAD]
    assert (again.fetch, again.status, again.server_status, again.origin, again.sent) == ("rejected", None, None,
                                                                                         None, ())  # fmt: skip
    assert "http-cache-hit" in again.reasons and again.reasons[-1] == "cors-origin-mismatch"


@pytest.mark.parametrize("vary, cache, step, why", [
    (True, "default", REREAD, "http-cache-vary-mismatch"), (False, "no-store", "me", "fetch-cache-mode-no-store")
])  # fmt: skip
def test_with_vary_origin_or_no_store_the_second_page_asks_the_server(vary, cache, step, why):
    """With Vary: Origin the stored answer does not match the second page's Origin; with cache mode no-store the first
    page's answer was never stored: the request reaches the server, which answers the logged-out page 401 with its own
    ACAO."""
    f = reread(vary=vary, cache=cache)
    again = f.steps[REREAD]
    assert (again.fetch, again.status, again.server_status, again.origin) == ("resolved", 401, 401, APP_ALT_PORT)
    assert why in f.steps[step].reasons and "http-cache-hit" not in again.reasons


def test_a_server_that_says_no_store_leaves_the_cache_out():
    """cache_max_age 0 (no-store on every answer): no cache rule in any chain of the flow."""
    f = reread(vary=False, max_age=0)
    assert not any(r.startswith("http-cache") for step in f.steps.values() for r in step.reasons)
    assert f.steps[REREAD].server_status == 401


@pytest.mark.parametrize("second, message", [(APP, "another origin"), (API_B, "same-site with the page"),
                                             ("not an origin", "reread_from")])  # fmt: skip
def test_the_second_page_must_be_another_origin_of_the_site(second, message):
    """A second page on the page's own origin, or of another site (another cache partition), is refused."""
    with pytest.raises(OracleInputError, match=message):
        FlowSpec(APP, API_A, ServerSpec("sid=X", cors="allowlist"), "include", reread_from=second)


def test_vary_origin_false_needs_a_policy_that_varies():
    """vary_origin False with a policy that never says Vary is refused, naming the policies that do."""
    with pytest.raises(OracleInputError, match="reflect, allowlist, reflect_any_credentials"):
        ServerSpec("sid=X", cors="wildcard", vary_origin=False)
    with pytest.raises(OracleInputError, match="cache_max_age is whole seconds"):
        ServerSpec("sid=X", cache_max_age=-5)
