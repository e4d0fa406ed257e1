"""The origins, lines and small constructors the oracle's unit tests share: a flow from keyword arguments, a
storage or retrieval request, a stored cookie, one step from a prepared jar. Not a test module; no assertions.

WPT paths in the tests are in web-platform-tests/wpt; "6265bis" is draft-ietf-httpbis-rfc6265bis; "Fetch" anchors
are https://fetch.spec.whatwg.org/#….
"""

from __future__ import annotations

from dataclasses import replace

from e2e.oracle.browser import BrowserModel, Exchange
from e2e.oracle.flow import FlowExpectation, expect
from e2e.oracle.jar import Cookie, CookieRequest, retrieve, storage
from e2e.oracle.profiles import CHROMIUM, BrowserProfile, Fact
from e2e.oracle.server import ServerModel
from e2e.oracle.setcookie import parse_set_cookie
from e2e.oracle.sites import parse_origin, same_site, site_of
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.vocabulary import JSON, REQUESTS

APP = "https://app.site-a.test:8443"
APP_ALT_PORT = "https://app.site-a.test:9443"
API_A = "https://api.site-a.test:8443"  # same-site, cross-origin
API_B = "https://api.site-b.test:8443"  # cross-site
APP_HTTP = "http://app.site-a.test:8080"
LOCALHOST = "http://localhost:8080"
LOCALHOST_ALT = "http://localhost:9090"
EVIL = "https://evil.test:8443"
SIBLING = "https://evil.site-a.test:8443"
NONE_SECURE = "sid=X; Path=/; Secure; HttpOnly; SameSite=None"
PARTITIONED = NONE_SECURE + "; Partitioned"
NOW = 1_800_000_000.0  # 2027-01-15, fixed so that Expires dates are judged the same on every run
ALLOWED_3P = replace(CHROMIUM, third_party_cookies=Fact("allowed", "test: third-party cookies allowed"))


def flow(
    page=APP,
    api=APP,
    credentials="include",
    mode="cors",
    set_cookie="sid=X; Path=/; HttpOnly",
    cors="reflect_any_credentials",
    profile=CHROMIUM,
    third_party=None,
    body="json",
    redirect_via=(),
    **server,
) -> FlowExpectation:
    """The oracle's expectation of one flow, with these defaults; `server`: the ServerSpec's other fields."""
    server = ServerSpec(set_cookie=set_cookie, cors=cors, **server)
    spec = FlowSpec(page, api, server, credentials, mode, third_party, body=body, redirect_via=redirect_via)
    return expect(spec, profile, now=NOW)


def summary(step: Exchange) -> tuple:
    return (
        step.fetch,
        step.status,
        step.server_status,
        step.preflight,
        step.cookie_sent,
        step.authenticated,
        step.cookie_stored,
    )


def request(page=APP, api=APP, profile: BrowserProfile = CHROMIUM, path="/api/login", **kind) -> CookieRequest:
    """What storage and retrieval see of a fetch from a top-level page on `page` to `path` on `api`."""
    p, a = parse_origin(page, "page"), parse_origin(api, "api")
    same = same_site(p, a, profile.schemeful_same_site.value)
    return CookieRequest(a, path, same, third_party=not same, top_level_site=site_of(p), **kind)


def stored(line: str, page=APP, api=APP, profile=CHROMIUM, jar=(), path="/api/login"):
    """The jar and reasons after the API at `api` answers `line` to a fetch from `page`."""
    jar, reasons, _ = storage(tuple(jar), parse_set_cookie(line), request(page, api, profile, path), profile, NOW,
                              len(jar) + 1)  # fmt: skip
    return jar, reasons


def retrieved(jar, page=APP, api=APP, profile=CHROMIUM, path="/api/me"):
    """The session cookies a fetch from `page` to `path` on `api` carries, and why."""
    return retrieve(tuple(jar), "sid", request(page, api, profile, path), profile, NOW)


def cookie(**fields) -> Cookie:
    """A stored session cookie: host-only on app.site-a.test, Path=/, Secure, HttpOnly, SameSite=None."""
    base = dict(
        name="sid",
        value="v",
        domain="app.site-a.test",
        host_only=True,
        path="/",
        secure=True,
        http_only=True,
        same_site="None",
        partition_key=None,
        created=NOW,
        order=1,
    )
    return Cookie(**{**base, **fields})


def step(name, jar=(), sessions=(), credentials="same-origin", mode="cors", cors="none", page=APP, api=APP,
         line=NONE_SECURE) -> tuple[Exchange, BrowserModel, ServerModel]:  # fmt: skip
    """One step of the flow from a prepared jar and live sessions (ids -> alice): the exchange, then the models."""
    browser = BrowserModel(CHROMIUM, NOW)
    browser.jar = tuple(jar)
    server = ServerModel(ServerSpec(set_cookie=line, cors=cors), parse_origin(api, "api"))
    server.sessions = dict.fromkeys(sessions, "alice")
    r = REQUESTS[name]
    exchange = browser.fetch(parse_origin(page, "page"), server, r.method, r.path, credentials=credentials, mode=mode,
                             content_type=JSON if r.json_body else None)  # fmt: skip
    return exchange, browser, server
