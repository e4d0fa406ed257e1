"""Listening to the engines costs time, so the suite listens where it is asked to: a group not heard is not captured
(and Chromium's page session sends no Network events meanwhile), the next group asked for is heard again; two Firefox
tabs showing one URL each hear their own console."""

import pytest

from e2e.cases import Case
from e2e.harness import engine
from e2e.harness.case import CLIENT_READY
from e2e.harness.driver import STEPS_JS, page_calls, run_group
from server.config import CookieConfig

pytestmark = pytest.mark.browser_e2e

# A Lax cookie set by a cross-site fetch: refused by both engines, each saying why.
REFUSED = Case("core", "include", "cross_site-https", CookieConfig(samesite="Lax", secure=True))


def _login(browser_case, hear: bool):
    browser_case.serve(REFUSED.spec(browser_case.hosts).server)
    return run_group(browser_case, REFUSED.page, REFUSED.api, ("login",), credentials="include", hear=hear)[0]


def test_a_group_not_heard_is_not_captured_and_the_next_is_heard(browser_case, browser_name):
    """The refusal is not captured while nobody listens, and heard, with its reason, once asked for."""
    if not browser_case.captures_engine:
        pytest.skip(f"{browser_name}'s reasons are not captured")
    listener = engine.listener(browser_case.context, browser_case.page(REFUSED.page))
    before = listener.mark()
    quiet = _login(browser_case, hear=False)
    assert not quiet.cookie_sent and not quiet.engine.captured and quiet.engine.said == ()
    if browser_name == "chromium":  # Network events off: the request was not even seen
        assert listener.mark() == before
    heard = _login(browser_case, hear=True)
    assert heard.engine.captured and [s for s in heard.engine.said if s.kind == "store"], heard.engine


def test_two_firefox_tabs_showing_one_url_each_hear_their_own(browser_case, browser_name):
    """A second tab on the client's URL finds its own console (a fragment set for the lookup), and only it hears the
    refusal its fetch met."""
    if browser_name != "firefox" or not browser_case.captures_engine:
        pytest.skip("Chromium's listener is a CDP session of the page's own; Firefox's must find the page's tab")
    first = browser_case.page(REFUSED.page)
    second = browser_case.context.new_page()
    second.goto(first.url)
    second.wait_for_function(CLIENT_READY)
    mine, theirs = engine.listener(browser_case.context, second), engine.listener(browser_case.context, first)
    assert mine is not theirs
    browser_case.serve(REFUSED.spec(browser_case.hosts).server)
    marks = mine.mark(), theirs.mark()
    options = {"base": browser_case.hosts.origin(REFUSED.api), "credentials": "include", "mode": "cors"}
    second.evaluate(STEPS_JS, [options, page_calls(("login",))])
    login = {"login": ("POST", "/api/login")}
    heard = mine.reports(marks[0], login)["login"]
    assert [s for s in heard.said if s.kind == "store"], heard
    assert theirs.reports(marks[1], login)["login"].said == ()
    second.close()


# A same-origin login of a Lax cookie: stored and sent, nothing for an engine to say.
ACCEPTED = Case("core", "same-origin", "same_origin-https", CookieConfig(samesite="Lax", secure=True))


def test_what_a_group_not_heard_made_the_engine_say_is_not_the_next_groups(browser_case, browser_name):
    """A refusal logged while nobody listened (Firefox's message waits unread on the DevTools socket) is not heard as
    the next group's, although it names the same path."""
    if not browser_case.captures_engine:
        pytest.skip(f"{browser_name}'s reasons are not captured")
    assert not _login(browser_case, hear=False).cookie_sent
    browser_case.serve(ACCEPTED.spec(browser_case.hosts).server)
    heard = run_group(browser_case, ACCEPTED.page, ACCEPTED.api, ("login",), credentials="same-origin")[0]
    assert heard.jar and heard.engine.captured and heard.engine.said == (), heard.engine
