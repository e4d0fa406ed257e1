"""The Cookie Store API's cookieStore.set() (e2e/oracle/cookiestore.py, BrowserModel.store_cookie): a line's options,
the checks of 'set a cookie' that reject with a TypeError, the cookie the storage model then receives, and what the
promise gives in each profile; each test an example from the WHATWG Cookie Store standard or WPT cookie-store/."""

from __future__ import annotations

import pytest

from e2e.oracle.browser import BrowserModel
from e2e.oracle.cookiestore import cookie_init, set_a_cookie
from e2e.oracle.profiles import CHROMIUM, FIREFOX
from e2e.oracle.sites import parse_origin
from e2e.oracle.tests.examples import APP, APP_HTTP, NOW

HOST = "app.site-a.test"
PORTAL = parse_origin("https://portal.site-d.test:8443", "top")


def test_a_line_names_the_options_a_script_would_pass():
    """#dictdef-cookieinit: name and value, and the attributes with an option of their own, as written."""
    init = cookie_init("a=1; Domain=site-a.test; Path=/x; SameSite=None; Partitioned; Max-Age=60; Secure; HttpOnly")
    assert init == {"name": "a", "value": "1", "domain": "site-a.test", "path": "/x", "sameSite": "none",
                    "partitioned": True, "maxAge": 60}  # fmt: skip


def test_set_writes_secure_at_the_root_strict_by_default():
    """#set-cookie-algorithm: Secure always, Path from the init ("/" by default), SameSite from it ("strict")."""
    sc, rule = set_a_cookie(cookie_init("a=1"), HOST)
    assert rule == "cookie-store-set"
    assert (sc.name, sc.value, sc.last("path"), sc.has("secure"), sc.last("samesite"), sc.has("httponly")) == (
        "a", "1", "/", True, "Strict", False)  # fmt: skip


@pytest.mark.parametrize(
    "line, rule",
    [
        pytest.param("a=1; Domain=.site-a.test", "cookie-store-domain", id="domain_dot"),
        pytest.param("a=1; Domain=site-b.test", "cookie-store-domain", id="domain_elsewhere"),
        pytest.param("a=1; Domain=test", "cookie-store-domain", id="domain_public_suffix"),
        pytest.param("__Host-a=1; Domain=site-a.test", "cookie-store-prefix", id="host_prefix_domain"),
        pytest.param("__Host-a=1; Path=/x", "cookie-store-prefix", id="host_prefix_path"),
        pytest.param("__Http-a=1", "cookie-store-prefix", id="http_prefix"),
        pytest.param("a=1; Path=x", "cookie-store-path", id="relative_path"),
        pytest.param("a=1; Max-Age=5; Expires=Thu, 01 Jan 2037 00:00:00 GMT", "cookie-store-expiry", id="both_ages"),
        pytest.param("a=1; SameSite=bogus", "cookie-store-same-site-enum", id="samesite_enum"),
        pytest.param("=a=b", "cookie-store-name-value", id="nameless_with_equals"),
    ],
)
def test_set_rejects_what_the_algorithm_refuses(line, rule):
    """#set-cookie-algorithm (and WebIDL's enumeration check): each returns failure, a TypeError for script."""
    assert set_a_cookie(cookie_init(line), HOST) == (None, rule)


def test_the_api_needs_a_secure_context():
    """#Window: [SecureContext]; an http page has no window.cookieStore."""
    browser = BrowserModel(CHROMIUM, NOW)
    assert browser.store_cookie(parse_origin(APP_HTTP, "page"), "/", "a=1") == (
        "unavailable", ("cookie-store-secure-context",))  # fmt: skip


@pytest.mark.parametrize("profile, outcome", [(CHROMIUM, "rejected"), (FIREFOX, "resolved")])
def test_a_refused_cookie_resolves_except_where_the_browser_rejects(profile, outcome):
    """#set-cookie-algorithm 'these steps will be considered successful': a Strict cookie (the default) from a
    cross-site frame is refused by 6265bis §5.7 step 18 and the promise resolves; Chromium's profile rejects."""
    browser = BrowserModel(profile, NOW)
    got, why = browser.store_cookie(parse_origin(APP, "page"), "/", "a=1", PORTAL)
    assert got == outcome and "samesite-cross-site-store" in why
    assert browser.jar == ()


@pytest.mark.parametrize("profile, key", [(CHROMIUM, "https://site-a.test"), (FIREFOX, None)])
def test_partitioned_is_kept_except_where_the_browser_ignores_it(profile, key):
    """#set-cookie-algorithm appends Partitioned; Firefox's profile ignores the option, so a first-party page's
    cookie is unpartitioned there."""
    browser = BrowserModel(profile, NOW)
    got, _ = browser.store_cookie(parse_origin(APP, "page"), "/", "a=1; SameSite=None; Partitioned")
    assert got == "resolved" and browser.jar[0].partition_key == key
