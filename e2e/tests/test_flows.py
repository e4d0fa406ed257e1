"""The first end-to-end flows, checked in more detail than the matrix compares: each assertion a rule (by its id in
e2e/oracle/rules.py), the flow run from a matrix Case's spec."""

import pytest

from e2e.cases import Case
from e2e.harness.driver import run_flow, run_step
from server.config import CookieConfig

pytestmark = pytest.mark.browser_e2e


def _jar_summary(jar):
    return [
        {k: c.get(k) for k in ("name", "domain", "path", "secure", "httpOnly", "sameSite", "partitionKey")} for c in jar
    ]


@pytest.mark.parametrize("httponly", [pytest.param(True, id="httponly"), pytest.param(False, id="script_readable")])
def test_same_origin_https_session(browser_case, browser_name, httponly):
    """Same-origin https with credentials 'same-origin': login, use, and logout of a session."""
    hosts = browser_case.hosts
    cookie = CookieConfig(samesite="Lax", secure=True, httponly=httponly)
    flow = run_flow(browser_case, Case("core", "same-origin", "same_origin-https", cookie).spec(hosts))
    login, me, listed, create, logout = (flow[s] for s in ("login", "me", "list", "create", "logout"))

    assert (login.fetch, login.status) == ("resolved", 200), login
    # rule fetch-set-cookie-hidden (Fetch, forbidden response-header names): script never reads Set-Cookie.
    assert login.set_cookie_visible is None
    # rules fetch-credentials-same-origin, cookie-secure-origin, cookie-host-only, cookie-path-match: a same-origin
    # response over https stores the cookie, host-only, on the Path given.
    assert len(login.jar) == 1, (
        f"[{browser_name}] rule fetch-credentials-same-origin: one session cookie expected in the jar, "
        f"found {_jar_summary(login.jar)}"
    )
    cookie = login.jar[0]
    sid = cookie["value"]
    assert (cookie["domain"], cookie["path"], cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (
        "app.site-a.test",
        "/",
        True,
        httponly,
        "Lax",
    ), f"[{browser_name}] rules cookie-secure-origin, cookie-path-match: stored attributes {_jar_summary(login.jar)}"
    # rule fetch-credentials-same-origin: same-origin requests carry the cookie; the server sees the very id it issued.
    for step in (me, listed, create):
        assert step.requests and step.requests[0].session_ids == (sid,), (
            f"[{browser_name}] rule fetch-credentials-same-origin: {step.name} did not carry the session cookie"
        )
        assert step.authenticated and step.fetch == "resolved", step
    assert me.body == {"user": "alice"}
    assert listed.body == {"resources": []}
    assert (create.status, create.body["title"]) == (201, "first resource")
    # rule fetch-same-origin: same-origin requests are never preflighted.
    assert not any(step.preflights for step in flow.steps.values())
    # rule cookie-httponly: HttpOnly hides the cookie from document.cookie; otherwise script reads it.
    visible = f"sid={sid}" in me.document_cookie
    assert visible is (not httponly), (
        f"[{browser_name}] rule cookie-httponly: document.cookie={me.document_cookie!r}, HttpOnly={httponly}"
    )

    # rule cookie-expired: logout's Max-Age=0 with the same name, domain and path deletes the cookie; the
    # server forgets it (server-session-destroyed).
    assert (logout.status, logout.body) == (200, {"logged_out": True})
    assert logout.jar == [], f"[{browser_name}] rule cookie-expired: logout left {_jar_summary(logout.jar)}"
    assert sid not in hosts.state.sessions
    after = run_step(browser_case, "app_https", "app_https", "me", credentials="same-origin")
    assert (after.status, after.cookie_sent) == (401, False)


def test_cross_site_include_partitioned(browser_case, browser_name, browser_profile):
    """Cross-site https with credentials 'include', an allowlist and SameSite=None; Secure; Partitioned."""
    hosts = browser_case.hosts
    page_origin = hosts.origin("app_https")
    cookie = CookieConfig(samesite="None", secure=True, partitioned=True)
    flow = run_flow(browser_case, Case("core", "include", "cross_site-https", cookie).spec(hosts))
    login, me, listed, create, logout = (flow[s] for s in ("login", "me", "list", "create", "logout"))

    # rules fetch-preflight, fetch-preflight-no-credentials: the JSON POST is preflighted; the preflight
    # carries no cookie; the allowlist answers it.
    assert len(login.preflights) == 1 and login.preflights[0].origin == page_origin
    # rule cors-allowed: ACAO equal to the page's origin plus ACAC: true lets script read the credentialed response.
    assert (login.fetch, login.status, login.body) == ("resolved", 200, {"user": "alice"}), login
    # rules samesite-cross-site-store, samesite-none-requires-secure, chips-partition-key, third-party-cookies:
    # SameSite=None; Secure may be stored from a cross-site response; Partitioned
    # keeps it even where unpartitioned third-party cookies are blocked.
    assert len(login.jar) == 1, (
        f"[{browser_name}] rules samesite-cross-site-store, chips-partition-key: expected the partitioned cookie, "
        f"jar {_jar_summary(login.jar)}"
    )
    cookie = login.jar[0]
    assert (cookie["domain"], cookie["secure"], cookie["sameSite"]) == ("api.site-b.test", True, "None")
    # rule chips-partition-key (CHIPS): keyed by the top-level site, where the browser's jar reports the key.
    if browser_profile.jar_reports_partition_key.value:
        assert cookie.get("partitionKey") == "https://site-a.test", (
            f"[{browser_name}] rule chips-partition-key: {_jar_summary(login.jar)}"
        )
    # rule samesite-cross-site-send: SameSite=None cookies go with cross-site fetches when credentials are included.
    for step in (me, listed, create):
        assert step.cookie_sent and step.authenticated, (
            f"[{browser_name}] rule samesite-cross-site-send: {step.name} not authenticated: {step}"
        )
    assert (create.status, create.body["title"]) == (201, "first resource")
    # rule fetch-preflight-no-credentials: the create POST was preflighted, and the preflight carried no cookie although
    # one was stored.
    assert len(create.preflights) == 1
    assert create.preflights[0].cookie_header is None, (
        f"[{browser_name}] rule fetch-preflight-no-credentials: preflight sent {create.preflights[0].cookie_header!r}"
    )
    # GET and the bodiless logout POST are simple requests: no preflight.
    assert not me.preflights and not listed.preflights and not logout.preflights
    # rules cookie-host-only, document-cookie: an api.site-b.test cookie is never in app.site-a.test's document.cookie.
    assert "sid=" not in me.document_cookie
    # rule cookie-expired: the deletion carries the same name, domain, path and Partitioned, so it matches.
    assert logout.status == 200 and logout.jar == [], (
        f"[{browser_name}] rule cookie-expired: logout left {_jar_summary(logout.jar)}"
    )
    after = run_step(browser_case, "app_https", "api_site_b_https", "me", credentials="include")
    assert (after.status, after.cookie_sent) == (401, False)


def test_cross_site_same_origin_credentials(browser_case, browser_name):
    """Cross-site https with credentials 'same-origin': login resolves, but no cookie is stored or sent."""
    hosts = browser_case.hosts
    cookie = CookieConfig(samesite="None", secure=True, partitioned=True)
    browser_case.serve(Case("core", "same-origin", "cross_site-https", cookie).spec(hosts).server)
    login = run_step(browser_case, "app_https", "api_site_b_https", "login", credentials="same-origin")
    me = run_step(browser_case, "app_https", "api_site_b_https", "me", credentials="same-origin")

    # rule cors-allowed: without credentials the CORS check needs only ACAO, which the allowlist gives: login resolves.
    assert (login.fetch, login.status) == ("resolved", 200), login
    # The server did issue a cookie...
    assert login.requests[0].set_cookie, "the server should have sent Set-Cookie"
    # ...but rule fetch-credentials-same-origin: a cross-origin response under 'same-origin' credentials has its Set-
    # Cookie ignored.
    assert login.jar == [], (
        f"[{browser_name}] rule fetch-credentials-same-origin: cookie stored from a cross-origin response: "
        f"{_jar_summary(login.jar)}"
    )
    # rule fetch-credentials-same-origin: no cookie goes with the cross-origin request, so the session is unknown.
    assert (me.fetch, me.status, me.cookie_sent) == ("resolved", 401, False), me


@pytest.mark.parametrize(
    ("options", "says"),
    [
        pytest.param({"query": "?case=1"}, "query is a query string without", id="query_with_question_mark"),
        pytest.param({"query": 7}, "query is a query string without", id="query_not_a_string"),
        pytest.param({"base": "api.site-b.test"}, "createClient needs base", id="base_without_scheme"),
        pytest.param({"body": "xml"}, "body is one of json, form, text", id="unknown_body"),
    ],
)
def test_the_client_refuses_impossible_options(browser_case, options, says):
    """The client (client/api.js) refuses options it cannot use with a TypeError that says what to give instead."""
    page = browser_case.page("app_https")
    base = browser_case.hosts.origin("api_site_b_https")
    message = page.evaluate(
        "options => { try { window.cookieMatrix.createClient(options); return null; }"
        " catch (error) { return `${error.name}: ${error.message}`; } }",
        {"base": base, **options},
    )
    assert message is not None and message.startswith("TypeError") and says in message, message
