"""Redirects in the one browser model (Fetch #http-redirect-fetch): each hop a request of its own, the tainted
origin and Origin: null, the method a redirect status keeps, and Firefox's two departures, each with its source."""

from __future__ import annotations

from e2e.oracle.profiles import FIREFOX
from e2e.oracle.tests.examples import API_A, API_B, APP, NONE_SECURE, flow

LAX = "sid=X; Path=/; Secure; HttpOnly; SameSite=Lax"


def test_a_hop_from_another_origin_taints_the_origin_and_an_allowlist_refuses_null():
    """Page → a same-site API's hop → a cross-site API: the last hop carries Origin: null; the allowlist of the page's
    origin fails the preflight there (Chromium), and the request never reaches the API."""
    login = flow(page=APP, api=API_B, set_cookie=NONE_SECURE, cors="allowlist", redirect_via=(API_A,),
                 redirect_status=307).steps["login"]  # fmt: skip
    # the last request answered is the hop's, which still carried the page's origin
    assert (login.fetch, login.server_status, login.origin) == ("network_error", 307, APP)
    assert "fetch-redirect-tainted-origin" in login.reasons and "fetch-preflight-check" in login.reasons


def test_reflecting_any_origin_admits_null():
    """The reflect-any mistake answers ACAO: null with credentials, and the tainted request passes."""
    login = flow(page=APP, api=API_B, set_cookie=NONE_SECURE, cors="reflect_any_credentials", redirect_via=(API_A,),
                 redirect_status=307).steps["login"]  # fmt: skip
    assert (login.fetch, login.server_status, login.origin) == ("resolved", 200, "null")


def test_a_same_origin_hop_keeps_the_pages_origin():
    """Page → its own origin's hop → a same-site API: the request turns CORS on the way, its Origin still the
    page's, so the allowlist admits it and 307 keeps the POST (and the cookie is stored)."""
    login = flow(page=APP, api=API_A, set_cookie=LAX, cors="allowlist", redirect_via=(APP,),
                 redirect_status=307).steps["login"]  # fmt: skip
    assert (login.fetch, login.server_status, login.origin, login.cookie_stored) == ("resolved", 200, APP, True)
    assert login.preflight  # the JSON POST is preflighted at the cross-origin API, not at the same-origin hop


def test_302_turns_the_login_post_into_a_get_that_the_server_refuses():
    """301, 302 and 303 make a bodiless GET of the POST: the login route answers 405 and sets no cookie; 307 and 308
    keep the POST."""
    for status, expected in ((301, 405), (302, 405), (303, 405), (307, 200), (308, 200)):
        login = flow(page=APP, api=APP, set_cookie=LAX, cors="allowlist", redirect_via=(APP,),
                     redirect_status=status).steps["login"]  # fmt: skip
        assert (login.server_status, login.cookie_stored) == (expected, expected == 200), status
        assert ("fetch-redirect-method-get" in login.reasons) is (expected == 405)


def test_firefox_preflights_with_the_pages_origin_and_the_request_reaches_the_api():
    """Firefox's preflight after a tainting redirect says the page's origin, which the allowlist admits; the request
    itself says null, reaches the API and fails only the CORS check: its cookie is stored all the same."""
    kwargs = dict(page=APP, api=API_B, set_cookie=NONE_SECURE, cors="allowlist", redirect_via=(API_A,),
                  redirect_status=307)  # fmt: skip
    chromium, firefox = flow(**kwargs), flow(profile=FIREFOX, **kwargs)
    assert chromium.steps["login"].server_status == 307 and not chromium.steps["login"].cookie_stored
    login = firefox.steps["login"]
    assert (login.fetch, login.server_status, login.origin, login.cookie_stored) == ("network_error", 200, "null", True)
    assert "preflight-origin-after-redirect" in firefox.deviations


def test_firefox_preflights_the_get_a_302_made_of_a_json_post():
    """The GET after a 302 goes to a cross-origin API: no preflight by Fetch (the Content-Type went with the body),
    a preflight in Firefox, which keeps the POST's unsafe header."""
    kwargs = dict(page=APP, api=API_A, set_cookie=LAX, cors="allowlist", redirect_via=(APP,), redirect_status=302)
    assert not flow(**kwargs).steps["login"].preflight
    firefox = flow(profile=FIREFOX, **kwargs)
    assert firefox.steps["login"].preflight and "redirect-get-preflighted" in firefox.deviations
