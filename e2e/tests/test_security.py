"""Attacks on a logged-in user, in the real browsers, from an attacker's origin.

Every expectation comes from e2e/oracle/scenarios.py, which derives it from the rules (Fetch, HTML form
submission, RFC 6265bis, CHIPS, the server's code) and the browser's profile (e2e/oracle/profiles.py); nothing here
branches on the browser. Each test gives the oracle's scenario and the real server the same ServerSpec (from
e2e/cases.py). A disagreement fails the test with the browser, the rule chain and each rule's source.
The attacker's pages are static files under client/evil/ served by the app on the attacker's origins:
https://evil.test (another site) and https://evil.site-a.test (a sibling subdomain of the app's site).
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import weakref
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page

from e2e.cases import LAX_SESSION, csrf_server, read_server, scenario_server
from e2e.harness.driver import run_step
from e2e.harness.verdict import ScenarioVerdict
from e2e.oracle import engines
from e2e.oracle import scenarios as so
from e2e.oracle.profiles import Fact
from e2e.oracle.rules import RULES
from e2e.oracle.setcookie import parse_set_cookie
from e2e.oracle.sites import registrable_domain
from e2e.tests.probes.wrong_profile import wrong_table
from server.app import USERS
from server.config import CookieConfig
from server.origins import ORIGINS

pytestmark = [pytest.mark.browser_e2e, pytest.mark.evidence]

APP, EVIL, SIBLING = "app_https", "evil_https", "evil_sibling_https"
SITE = registrable_domain(ORIGINS[APP].host)  # site-a.test: the Domain a sibling can write cookies for
DONE = "document.documentElement.dataset.done === 'true'"


# ---------------------------------------------------------------------------------------------- helpers


def new_verdict(browser_case, browser_name: str, deviations: tuple[str, ...] = ()) -> ScenarioVerdict:
    """Every disagreement of one test, reported together (harness/verdict.py)."""
    return ScenarioVerdict(browser_name, browser_case.browser.version, deviations)


def expect_scenario(
    browser_case, browser_name: str, profile, scenario, **kwargs
) -> tuple[so.Scenario, ScenarioVerdict]:
    """The oracle's `scenario` for these parameters, and a verdict that knows the deviations it relies on."""
    deviations = so.deviations_changing(scenario, profile, **kwargs)
    return scenario(profile, **kwargs), new_verdict(browser_case, browser_name, deviations)


def issued_ids(lines, cookie_name: str) -> list[str]:
    """The values of the session cookie in Set-Cookie lines the server sent."""
    return [c.value for c in map(parse_set_cookie, lines) if c.name == cookie_name]


def session_labels(hosts, cookie_name: str) -> dict[str, str]:
    """The server's real session ids -> the oracle's labels: "session-N" for the N-th id issued in this test."""
    labels: dict[str, str] = {}
    for record in hosts.state.requests("/api/login"):
        for value in issued_ids(record.set_cookie, cookie_name) if record.status == 200 else ():
            labels[value] = f"session-{len(labels) + 1}"
    return labels


def labelled(hosts, cookie_name: str, values) -> tuple[str, ...]:
    labels = session_labels(hosts, cookie_name)
    return tuple(labels.get(v, v) for v in values)


def plain_request(
    hosts, origin_name: str, method: str, path: str, *, cookie: str | None = None, body: dict | None = None
) -> tuple[int, Any, list[str]]:
    """A request from a plain HTTP client (the attacker's own, outside the victim's browser): status, body,
    Set-Cookie."""
    url = urlsplit(hosts.origin(origin_name))
    context = ssl.create_default_context()
    hosts.ca.configure_trust(context)  # the run's CA; its certificate also names 127.0.0.1
    connection = http.client.HTTPSConnection("127.0.0.1", url.port, context=context, timeout=10)
    headers = {"Host": url.netloc}
    if cookie is not None:
        headers["Cookie"] = cookie
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        return response.status, json.loads(text) if text else None, response.headers.get_all("Set-Cookie") or []
    finally:
        connection.close()


def attacker_login(hosts, cookie_name: str, user: str = "bob") -> str:
    """The attacker logs in to the app as `user` with a plain HTTP client and keeps the id it gets."""
    status, body, lines = plain_request(
        hosts, APP, "POST", "/api/login", body={"username": user, "password": USERS[user]}
    )
    assert (status, body) == (200, {"user": user}), body
    (value,) = issued_ids(lines, cookie_name)
    return value


_ATTACKER_TABS: weakref.WeakKeyDictionary[BrowserContext, Page] = weakref.WeakKeyDictionary()


_FORM_TABS: weakref.WeakKeyDictionary[BrowserContext, Page] = weakref.WeakKeyDictionary()


def attacker_tab(case) -> Page:
    """One top-level tab per browser context for the attacker's pages (a new page per test costs more than the
    attack); every attack navigates it afresh, so nothing carries over but the context's cookie jar."""
    page = _ATTACKER_TABS.get(case.context)
    if page is None or page.is_closed():
        page = _ATTACKER_TABS[case.context] = case.context.new_page()
    return page


def attack_page(case, origin_name: str, name: str, **params: str) -> Page:
    """An attacker's page from client/evil/ on a named origin, in the attacker's tab, once its script has run."""
    page = attacker_tab(case)
    page.goto(case.hosts.url(origin_name, f"/client/evil/{name}?{urlencode(params)}"))
    page.wait_for_function(DONE)
    return page


def with_third_party(case, profile, policy: str | None):
    """Switch the case to a browser with the third-party cookie setting `policy`, and the profile with it."""
    if policy is not None:
        case.use_third_party_setting(policy)
    return profile.under_third_party_setting(policy)


def resources_of(hosts) -> dict[str, int]:
    with hosts.state.lock:
        return {user: len(owned) for user, owned in hosts.state.resources.items() if owned}


# ---------------------------------------------------------------------------------------------- 1. credentialed read


NONE_SECURE = CookieConfig(samesite="None", secure=True)
NONE_SECURE_PARTITIONED = CookieConfig(samesite="None", secure=True, partitioned=True)
READ_CASES = [
    pytest.param(NONE_SECURE_PARTITIONED, None, id="none_secure_partitioned"),
    pytest.param(NONE_SECURE, None, id="none_secure_unpartitioned"),
    pytest.param(NONE_SECURE_PARTITIONED, "allowed", id="none_secure_partitioned-third_party_cookies_allowed"),
    pytest.param(NONE_SECURE, "allowed", id="none_secure_unpartitioned-third_party_cookies_allowed"),
]
CORS_CASES = [
    pytest.param("allowlist", id="cors_allowlist_app_only"),
    pytest.param("reflect_any_credentials", id="MISCONFIGURED_cors_reflects_any_origin_with_credentials"),
]


@pytest.mark.parametrize("cors", CORS_CASES)
@pytest.mark.parametrize("cookie, third_party", READ_CASES)
def test_credentialed_read_from_evil(browser_case, browser_name, browser_profile, cookie, third_party, cors):
    """https://evil.test reads GET /api/resources with credentials "include" after the user logged in and created
    a resource on the app. The allowlist refuses (script gets a network error); the reflecting misconfiguration
    lets script read whatever the server answers, which is the user's data wherever the cookie goes cross-site."""
    hosts = browser_case.hosts
    profile = with_third_party(browser_case, browser_profile, third_party)
    server = read_server(cookie, cors, hosts.origin(APP))
    kwargs = dict(app=hosts.origin(APP), evil=hosts.origin(EVIL), server=server)
    expected, verdict = expect_scenario(browser_case, browser_name, profile, so.credentialed_read, **kwargs)
    browser_case.serve(server)

    login = run_step(browser_case, APP, APP, "login", credentials="same-origin")
    create = run_step(browser_case, APP, APP, "create", credentials="same-origin")
    since = hosts.state.mark()
    with browser_case.hearing(attacker_tab(browser_case), {"read": ("GET", "/api/resources")}) as heard:
        stolen = attack_page(browser_case, EVIL, "read.html", target=hosts.url(APP, "/api/resources")).evaluate(
            "window.stolen"
        )
    (record,) = hosts.state.requests("/api/resources", since=since)

    verdict.attempt("login", expected["login"], {"server_status": login.requests[0].status}, login.engine)
    verdict.attempt("create", expected["create"], {"server_status": create.requests[0].status}, create.engine)
    read = expected["read"]
    verdict.attempt(
        "read",
        read,
        {
            "sent": labelled(hosts, "sid", record.session_ids),
            "server_status": record.status,
            "user": record.user,
            "fetch": stolen["outcome"],
            "status": stolen.get("status"),
        },
        heard["read"],
    )
    observed_data = (
        stolen["outcome"] == "resolved" and stolen.get("status") == 200 and bool(stolen["body"].get("resources"))
    )
    verdict.check("read.data_readable", read.data_readable, observed_data, read.reasons)
    verdict.done()


# ---------------------------------------------------------------------------------------------- 2. CSRF


SAMESITE_CASES = [
    pytest.param(None, id="samesite_unset"),
    pytest.param("Lax", id="samesite_lax"),
    pytest.param("Strict", id="samesite_strict"),
    pytest.param("None", id="samesite_none_secure"),
]
DEFENCE_CASES = [
    pytest.param("off", id="samesite_only"),
    pytest.param("origin", id="server_checks_origin"),
]


ATTACK = {"attack": ("POST", "/api/resources")}  # the attack's request, as the engines' listeners tell it apart


def form_tab(case) -> Page:
    """One top-level tab per browser context for the form posts, apart from the attacker's tab, left on about:blank
    after each post; a new page per post cost more than the post itself."""
    page = _FORM_TABS.get(case.context)
    if page is None or page.is_closed():
        page = _FORM_TABS[case.context] = case.context.new_page()
    return page


def run_form_post(case, enctype: str, heard: dict) -> int:
    """Open evil's auto-submitting form in the form tab; the status of the POST navigation's response.

    Not in the attacker's tab: tried, and in Firefox 10 of the 24 CSRF cases then disagreed (the app's cookie seen on
    requests the rules withhold it from, "Execution context was destroyed" as the previous form's navigation settled).
    The form tab is taken back to about:blank once the post's document has loaded, so that no case sees another's
    navigation."""
    action = case.hosts.url(APP, "/api/resources")
    form_page = case.hosts.url(EVIL, "/client/evil/csrf-form.html?" + urlencode({"action": action, "enctype": enctype}))
    page = form_tab(case)
    try:
        posted = page.expect_response(lambda r: r.url == action and r.request.method == "POST")
        landed = page.expect_navigation(url=action, wait_until="load")
        with case.hearing(page, ATTACK, leaves_document=True) as said, posted as response, landed:
            # Like following a link to the attacker's page; not page.goto, whose wait for the page would race the
            # page's own submission (the form submits itself once loaded and replaces it).
            page.evaluate("url => { setTimeout(() => location.assign(url), 0); }", form_page)
        heard.update(said)
        return response.value.status
    finally:
        page.goto("about:blank")


def run_no_cors_fetch(case) -> dict:
    return attack_page(case, EVIL, "csrf-fetch.html", target=case.hosts.url(APP, "/api/resources")).evaluate(
        "window.sent"
    )


@pytest.mark.parametrize("defence", DEFENCE_CASES)
@pytest.mark.parametrize("samesite", SAMESITE_CASES)
@pytest.mark.parametrize("vector", so.CSRF_VECTORS)
def test_csrf_create_from_evil(browser_case, browser_name, browser_profile, vector, samesite, defence):
    """https://evil.test makes the logged-in user's browser POST /api/resources to an API that takes any body
    (lenient_body): by an auto-submitted form (a top-level navigation) or a no-cors fetch. Whether the cookie
    goes is SameSite's (and the browser's) decision; the server's csrf="origin" refuses with 403 whatever it was."""
    hosts = browser_case.hosts
    server = csrf_server(samesite, defence)
    browser_case.serve(server)
    started = time.monotonic()
    login = run_step(browser_case, APP, APP, "login", credentials="same-origin")
    since = hosts.state.mark()
    if vector == "fetch_no_cors":
        with browser_case.hearing(attacker_tab(browser_case), ATTACK) as heard:
            sent = run_no_cors_fetch(browser_case)
        script, status = sent["outcome"], sent.get("status")
    else:
        script, heard = "navigated", {}
        status = run_form_post(browser_case, so.ENCTYPES[vector], heard)
    # The cookie's age when the attack went, at most: Lax-allowing-unsafe depends on it.
    age = time.monotonic() - started
    kwargs = dict(app=hosts.origin(APP), evil=hosts.origin(EVIL), server=server, vector=vector, age=age)
    expected, verdict = expect_scenario(browser_case, browser_name, browser_profile, so.csrf, **kwargs)
    (record,) = [r for r in hosts.state.requests("/api/resources", since=since) if r.method == "POST"]

    verdict.attempt("login", expected["login"], {"server_status": login.requests[0].status}, login.engine)
    attack = expected["attack"]
    verdict.attempt(
        "attack",
        attack,
        {
            "sent": labelled(hosts, "sid", record.session_ids),
            "server_status": record.status,
            "user": record.user,
            "fetch": script,
            "status": status,
            "created": bool(resources_of(hosts)),
        },
        heard["attack"],
    )
    verdict.check("attack.origin_header", hosts.origin(EVIL), record.origin, ("fetch-origin-header",))
    verdict.done()


# ---------------------------------------------------------------------------------------------- 3. session fixation


def test_session_fixation_planted_by_sibling(browser_case, browser_name, browser_profile):
    """evil.site-a.test plants the attacker's own valid id (bob's) with Domain=site-a.test before the victim logs
    in on the app: login must hand out a fresh id, and the planted one must authenticate nobody afterwards."""
    hosts = browser_case.hosts
    kwargs = dict(app=hosts.origin(APP), sibling=hosts.origin(SIBLING), domain=SITE, server=LAX_SESSION)
    expected, verdict = expect_scenario(browser_case, browser_name, browser_profile, so.session_fixation, **kwargs)
    browser_case.serve(LAX_SESSION)

    planted = attacker_login(hosts, "sid")
    attack_page(browser_case, SIBLING, "toss.html", cookie=so.toss_line("sid", planted, domain=SITE, path="/"))
    login = run_step(browser_case, APP, APP, "login", credentials="same-origin")
    me = run_step(browser_case, APP, APP, "me", credentials="same-origin")
    replay_status, _, _ = plain_request(hosts, APP, "GET", "/api/me", cookie=f"sid={planted}")

    issued = issued_ids(login.requests[0].set_cookie, "sid")
    verdict.attempt(
        "login",
        expected["login"],
        {"sent": labelled(hosts, "sid", login.requests[0].session_ids), "server_status": login.requests[0].status},
        login.engine,
    )
    verdict.check(
        "login.issued_id_differs_from_planted",
        True,
        bool(issued) and planted not in issued,
        ("server-login-regenerates",),
    )
    verdict.attempt(
        "me",
        expected["me"],
        {
            "sent": labelled(hosts, "sid", me.requests[0].session_ids),
            "server_status": me.requests[0].status,
            "user": me.requests[0].user,
        },
        me.engine,
    )
    verdict.attempt("replay", expected["replay"], {"server_status": replay_status})
    verdict.check("jar.session_cookies", len(expected.jar), len(browser_case.cookies("sid")), expected.notes["plant"])
    verdict.done()


def test_session_fixation_planted_in_jar(browser_case, browser_name, browser_profile):
    """The attacker's id put straight into the victim's jar (context.add_cookies, as script or a proxy could):
    it goes with the login request, and login still issues a new id; the planted one stays worthless."""
    hosts = browser_case.hosts
    browser_case.serve(LAX_SESSION)
    planted = attacker_login(hosts, "sid")
    browser_case.context.add_cookies(
        [{"name": "sid", "value": planted, "url": hosts.url(APP, "/"), "secure": True, "sameSite": "Lax"}]
    )
    login = run_step(browser_case, APP, APP, "login", credentials="same-origin")
    replay_status, _, _ = plain_request(hosts, APP, "GET", "/api/me", cookie=f"sid={planted}")
    # The rules: a same-origin request carries a cookie for its host and path (6265bis §5.8.3); login destroys the
    # session it came with and issues a new id (server-login-regenerates); an unknown id is 401.
    expected = so.session_fixation(
        browser_profile, app=hosts.origin(APP), sibling=hosts.origin(SIBLING), domain=SITE, server=LAX_SESSION
    )
    verdict = new_verdict(browser_case, browser_name)
    issued = issued_ids(login.requests[0].set_cookie, "sid")
    verdict.check("login.sent_planted", True, planted in login.requests[0].session_ids, ("cookie-sent",))
    verdict.check("login.server_status", 200, login.requests[0].status, ("server-login",))
    verdict.check(
        "login.issued_id_differs_from_planted",
        True,
        bool(issued) and planted not in issued,
        ("server-login-regenerates",),
    )
    verdict.check("planted_session_destroyed", False, planted in hosts.state.sessions, ("server-login-regenerates",))
    verdict.attempt("replay", expected["replay"], {"server_status": replay_status})
    verdict.done()


# ---------------------------------------------------------------------------------------------- 4. logout


def test_logout_ends_the_session(browser_case, browser_name, browser_profile):
    """After logout the old id is dead: replayed by a plain HTTP client, or put back into the jar, it is 401."""
    hosts = browser_case.hosts
    kwargs = dict(app=hosts.origin(APP), server=LAX_SESSION)
    expected, verdict = expect_scenario(browser_case, browser_name, browser_profile, so.logout_replay, **kwargs)
    browser_case.serve(LAX_SESSION)

    login = run_step(browser_case, APP, APP, "login", credentials="same-origin")
    (old,) = [c["value"] for c in login.jar]
    logout = run_step(browser_case, APP, APP, "logout", credentials="same-origin")
    replay_status, replay_body, _ = plain_request(hosts, APP, "GET", "/api/me", cookie=f"sid={old}")
    me = run_step(browser_case, APP, APP, "me", credentials="same-origin")

    verdict.attempt(
        "logout",
        expected["logout"],
        {"sent": labelled(hosts, "sid", logout.requests[0].session_ids), "server_status": logout.requests[0].status},
        logout.engine,
    )
    verdict.check("logout.jar", len(expected.jar), len(logout.jar), expected["logout"].reasons)
    verdict.attempt("replay", expected["replay"], {"server_status": replay_status})
    verdict.attempt(
        "me",
        expected["me"],
        {"sent": labelled(hosts, "sid", me.requests[0].session_ids), "server_status": me.requests[0].status},
        me.engine,
    )
    # The old value put back into the jar by hand: the browser sends it, and the server still knows no such session.
    browser_case.context.add_cookies(
        [{"name": "sid", "value": old, "url": hosts.url(APP, "/"), "secure": True, "sameSite": "Lax", "httpOnly": True}]
    )
    again = run_step(browser_case, APP, APP, "me", credentials="same-origin")
    verdict.check("replayed_in_jar.sent", (old,), again.requests[0].session_ids, ("cookie-sent",))
    verdict.attempt(
        "replayed_in_jar",
        expected["replay"],
        {"server_status": again.requests[0].status, "user": again.requests[0].user},
    )
    verdict.done()


# ---------------------------------------------------------------------------------------------- 5. HttpOnly


@pytest.mark.parametrize(
    "httponly", [pytest.param(True, id="httponly"), pytest.param(False, id="MISCONFIGURED_script_readable")]
)
def test_httponly_hides_the_session_from_script(browser_case, browser_name, browser_profile, httponly):
    """Script on the app's own page (an injected one, say) reads document.cookie and tries to overwrite the session
    cookie: HttpOnly hides it and refuses the write, and the session keeps working."""
    hosts = browser_case.hosts
    server = scenario_server(CookieConfig(samesite="Lax", secure=True, httponly=httponly))
    kwargs = dict(app=hosts.origin(APP), server=server)
    expected, verdict = expect_scenario(browser_case, browser_name, browser_profile, so.httponly_script, **kwargs)
    browser_case.serve(server)

    login = run_step(browser_case, APP, APP, "login", credentials="same-origin")
    page = browser_case.page(APP)
    shown = [p.split("=", 1)[1] for p in page.evaluate("document.cookie").split("; ") if p.startswith("sid=")]
    page.evaluate(f"document.cookie = {json.dumps(f'sid={so.FORGED}; Path=/; Secure; SameSite=Lax')}")
    me = run_step(browser_case, APP, APP, "me", credentials="same-origin")

    values, why = expected.document_cookie["after_login"]
    verdict.check("document.cookie", values, labelled(hosts, "sid", shown), why)
    verdict.check(
        "jar_after_script_write",
        tuple(c.value for c in expected.jar),
        labelled(hosts, "sid", [c["value"] for c in browser_case.cookies("sid")]),
        expected.notes["script_write"],
    )
    verdict.attempt("login", expected["login"], {"server_status": login.requests[0].status}, login.engine)
    verdict.attempt(
        "me",
        expected["me"],
        {
            "sent": labelled(hosts, "sid", me.requests[0].session_ids),
            "server_status": me.requests[0].status,
            "user": me.requests[0].user,
        },
        me.engine,
    )
    verdict.done()


# ---------------------------------------------------------------------------------------------- 6. cookie tossing


@pytest.mark.parametrize(
    "name",
    [pytest.param("sid", id="plain_name_is_shadowed"), pytest.param("__Host-sid", id="host_prefix_refuses_the_toss")],
)
def test_cookie_tossing_from_sibling(browser_case, browser_name, browser_profile, name):
    """After the victim logged in, evil.site-a.test tosses the attacker's own id (bob's) with Domain=site-a.test;
    Path=/api. Under a plain name it comes first in the app's /api requests and the server takes the first value:
    the victim acts in the attacker's account. Under a __Host- name the toss is refused and the session holds."""
    hosts = browser_case.hosts
    server = scenario_server(CookieConfig(name=name, samesite="Lax", secure=True))
    kwargs = dict(app=hosts.origin(APP), sibling=hosts.origin(SIBLING), domain=SITE, server=server)
    expected, verdict = expect_scenario(browser_case, browser_name, browser_profile, so.cookie_tossing, **kwargs)
    browser_case.serve(server)

    login = run_step(browser_case, APP, APP, "login", credentials="same-origin", cookie_name=name)
    attacker = attacker_login(hosts, name)
    attack_page(browser_case, SIBLING, "toss.html", cookie=so.toss_line(name, attacker, domain=SITE, path="/api"))
    me = run_step(browser_case, APP, APP, "me", credentials="same-origin", cookie_name=name)
    create = run_step(browser_case, APP, APP, "create", credentials="same-origin", cookie_name=name)

    verdict.attempt("login", expected["login"], {"server_status": login.requests[0].status}, login.engine)
    verdict.check("jar.session_cookies", len(expected.jar), len(browser_case.cookies(name)), expected.notes["toss"])
    for step, observed in (("me", me), ("create", create)):
        record = observed.requests[0]
        verdict.attempt(
            step,
            expected[step],
            {"sent": labelled(hosts, name, record.session_ids), "server_status": record.status, "user": record.user},
            observed.engine,
        )
    verdict.check(
        "resources_by_owner",
        {expected["create"].user: 1} if expected["create"].created else {},
        resources_of(hosts),
        expected["create"].reasons,
    )
    verdict.done()


# ---------------------------------------------------------------------------------------------- the checks can fail


def test_a_wrong_profile_is_reported(browser_case, browser_name, browser_profile):
    """Held to a deliberately wrong profile (third-party cookies allowed, not partitioned), the same real no-cors
    CSRF must come out as a disagreement that names the browser and the third-party rule with its source."""
    hosts = browser_case.hosts
    wrong = replace(
        browser_profile,
        third_party_cookies=Fact("allowed", "deliberately wrong"),
        third_party_partitioned=Fact(False, "deliberately wrong"),
    )
    server = csrf_server("None")
    browser_case.serve(server)
    run_step(browser_case, APP, APP, "login", credentials="same-origin")
    since = hosts.state.mark()
    run_no_cors_fetch(browser_case)
    (record,) = [r for r in hosts.state.requests("/api/resources", since=since) if r.method == "POST"]
    expected = so.csrf(wrong, app=hosts.origin(APP), evil=hosts.origin(EVIL), server=server, vector="fetch_no_cors")
    expected = expected["attack"]
    verdict = new_verdict(browser_case, browser_name)
    verdict.attempt(
        "attack", expected, {"sent": labelled(hosts, "sid", record.session_ids), "created": bool(resources_of(hosts))}
    )
    assert verdict.problems, "a browser held to the wrong third-party facts must disagree"
    message = "\n".join(verdict.problems)
    rule = RULES["third-party-cookies"]
    assert (
        message.startswith(f"{browser_name} ") and f"rule third-party-cookies: {rule.text} [{rule.source}]" in message
    )


def test_a_wrong_engine_table_is_reported(browser_case, browser_name, browser_profile, monkeypatch):
    """With the engine's CORS reasons dropped from the table, the real refusal of evil's credentialed read (the
    allowlist leaves evil out) must come out as a disagreement naming the engine's own reason."""
    if not browser_case.captures_engine:
        pytest.skip(f"{browser_name}'s reasons are not captured")
    monkeypatch.setattr(engines, "TABLE", wrong_table(engines.TABLE, browser_name, "cors", drop=True))
    hosts = browser_case.hosts
    server = read_server(CookieConfig(samesite="None", secure=True), "allowlist", hosts.origin(APP))
    expected = so.credentialed_read(browser_profile, app=hosts.origin(APP), evil=hosts.origin(EVIL), server=server)
    browser_case.serve(server)
    run_step(browser_case, APP, APP, "login", credentials="same-origin")
    with browser_case.hearing(attacker_tab(browser_case), {"read": ("GET", "/api/resources")}) as heard:
        attack_page(browser_case, EVIL, "read.html", target=hosts.url(APP, "/api/resources"))
    verdict = new_verdict(browser_case, browser_name)
    verdict.heard("read", expected["read"], heard["read"])
    assert expected["read"].fetch == "network_error" and verdict.problems, heard["read"]
    message = "\n".join(verdict.problems)
    codes = [s.code for s in heard["read"].said if s.kind == "cors"]
    assert "read.engine.cors" in message and "does not know" in message and codes[0] in message, message
