"""The model of server/app.py: its routes and switches as the flow meets them (e2e/oracle/server.py)."""

from __future__ import annotations

import pytest

from e2e.oracle.tests.examples import (
    LOCALHOST,
    cookie,
    flow,
    step,
    summary,
)


def test_secure_needs_tls_server_omits_the_cookie_unless_proxied():
    """server/app.py issue_cookie (express-session cookie.secure over plain http); trust proxy believes the proxy."""
    line = "sid=X; Path=/; Secure; HttpOnly"
    plain = flow(page=LOCALHOST, api=LOCALHOST, set_cookie=line, secure_cookie_needs_tls=True)
    assert summary(plain.steps["login"]) == ("resolved", 200, 200, False, False, True, False)
    assert "server-secure-needs-tls" in plain.steps["login"].reasons
    proxied = flow(
        page=LOCALHOST,
        api=LOCALHOST,
        set_cookie=line,
        secure_cookie_needs_tls=True,
        trust_proxy=True,
        forwarded_https=True,
    )
    assert proxied.steps["login"].cookie_stored and "server-trust-proxy" in proxied.steps["login"].reasons
    untrusted = flow(page=LOCALHOST, api=LOCALHOST, set_cookie=line, secure_cookie_needs_tls=True, forwarded_https=True)
    assert untrusted.steps["login"].cookie_stored is False


@pytest.mark.parametrize(
    "trust_proxy, stored", [pytest.param(True, True, id="trusted"), pytest.param(False, False, id="untrusted")]
)
def test_behind_a_tls_proxy_the_server_sees_http(trust_proxy, stored):
    """server/app.py is_secure: behind nginx the app sees http; only `trust proxy` makes it believe the proxy."""
    f = flow(
        set_cookie="sid=X; Path=/; Secure; HttpOnly",
        secure_cookie_needs_tls=True,
        trust_proxy=trust_proxy,
        forwarded_https=True,
    )
    assert f.steps["login"].cookie_stored is stored
    assert ("server-secure-needs-tls" in f.steps["login"].reasons) is not stored


def test_invalid_cookie_gets_401_and_the_deletion():
    """server/app.py logout: a cookie whose session is gone is answered 401 with the deletion line."""
    logout, _, _ = step("logout", jar=(cookie(value="stale"),))
    assert summary(logout) == ("resolved", 401, 401, False, True, False, False)


def test_create_with_session_but_no_cors_body_is_415_and_authenticated():
    """server/app.py create_resource: require_user runs before _json_body (a no-cors body is text/plain)."""
    create, _, _ = step("create", jar=(cookie(value="live"),), sessions=("live",), mode="no-cors")
    assert summary(create) == ("resolved", 415, 415, False, True, True, True)


def test_cookie_name_comes_from_the_line():
    f = flow(set_cookie="connect.sid=s%3Aabc; Path=/; HttpOnly")
    assert f.steps["me"].authenticated and f.steps["logout"].cookie_stored is False


def test_other_name_deletion_does_not_touch_the_session_cookie():
    f = flow(set_cookie="sid=X; Path=/", logout_set_cookie="other=; Max-Age=0; Path=/")
    assert f.steps["logout"].cookie_stored is True
