"""The browser model, request by request: what a fetch does with the jar and the server's answer
(e2e/oracle/browser.py)."""

from __future__ import annotations

from e2e.oracle.tests.examples import (
    API_A,
    cookie,
    step,
    summary,
)


def test_set_cookie_is_processed_although_the_cors_check_fails():
    """Fetch #cors-protocol-and-credentials (whatwg/fetch#855): a logout whose CORS check fails still deletes."""
    live = cookie(domain="api.site-a.test", value="live")
    logout, browser, server = step(
        "logout", jar=(live,), sessions=("live",), credentials="include", cors="reflect", api=API_A
    )
    assert summary(logout) == ("network_error", None, 200, False, True, True, False)
    assert (
        logout.reasons.index("cors-credentials-not-allowed")
        < logout.reasons.index("fetch-set-cookie-despite-cors-failure")
        < logout.reasons.index("cookie-expired")
    )
    assert browser.jar == () and server.sessions == {}
