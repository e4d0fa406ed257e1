"""The engines' reasons against the oracle's (e2e/oracle/engines.py): the table's rules exist and are sourced, and
check() accepts a reason that meets the oracle's chain and names every one that does not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from e2e.oracle.browser import ACCESS_BLOCKED
from e2e.oracle.engines import KINDS, TABLE, EngineSaid, check, firefox_reading, worth_hearing
from e2e.oracle.profiles import FIREFOX, Fact
from e2e.oracle.rules import RULES
from e2e.oracle.tests.examples import API_A, API_B, APP, APP_HTTP, NONE_SECURE, flow

LAX = "sid=X; Path=/; Secure; HttpOnly; SameSite=Lax"


def store(code: str, cookie: str = "sid") -> EngineSaid:
    return EngineSaid("store", code, cookie, f"{cookie}=X; ...")


@pytest.mark.parametrize("key", sorted(TABLE), ids=lambda k: "-".join(k))
def test_every_mapping_names_known_rules_and_a_source(key):
    """Each engine reason maps to rule ids of the oracle's table, with where its meaning is written."""
    mapping = TABLE[key]
    assert mapping.kind in KINDS and mapping.kind != "warning"
    assert mapping.rules and mapping.rules <= set(RULES), mapping.rules - set(RULES)
    assert mapping.source


def test_a_reason_the_oracle_shares_agrees():
    """A Lax cookie from a cross-site fetch: the oracle refuses it for SameSite and the third-party policy, so
    Chromium's UserPreferences alone (an off-the-record context) and SameSiteLax each agree."""
    login = flow(page=APP, api=API_B, set_cookie=LAX).steps["login"]
    assert not login.cookie_stored
    assert check("chromium", login, (store("UserPreferences"),)) == []
    assert check("chromium", login, (store("SameSiteLax"), store("UserPreferences"))) == []


def test_a_reason_outside_the_chain_fails_naming_both():
    """Chromium saying SecureOnly for a cookie the oracle refuses only for cross-site reasons is a disagreement."""
    login = flow(page=APP, api=API_B, set_cookie=LAX).steps["login"]
    (d,) = check("chromium", login, (store("SecureOnly"),))
    assert d.said.code == "SecureOnly" and "samesite-cross-site-store" in d.oracle
    assert "cookie-secure-origin" in d.problem and "none of which is in the oracle's chain" in d.problem


def test_a_block_the_oracle_did_not_expect_fails():
    """The oracle stores a same-site SameSite=None cookie: an engine refusing it disagrees."""
    login = flow(page=APP, api=API_A, set_cookie=NONE_SECURE).steps["login"]
    assert login.cookie_stored
    (d,) = check("chromium", login, (store("InvalidDomain"),))
    assert d.oracle == () and "which the oracle expected it to store" in d.problem


def test_an_unknown_reason_fails_with_its_words():
    """A reason the table lacks fails, so that the table grows with the engines."""
    login = flow(page=APP, api=API_B, set_cookie=LAX).steps["login"]
    (d,) = check("chromium", login, (store("SomeNewReason"),))
    assert "'SomeNewReason'" in d.problem and "does not know" in d.problem


def test_a_block_without_a_reason_is_unknown():
    """Every cookie the engine blocked has at least one reason: an empty one is not in the table."""
    login = flow(page=APP, api=API_B, set_cookie=LAX).steps["login"]
    assert len(check("chromium", login, (store(""),))) == 1


def test_a_cookie_withheld_from_a_request():
    """A Path=/api/login cookie is not sent to /api/me: NotOnPath agrees, SecureOnly does not."""
    me = flow(set_cookie="sid=X; Path=/api/login; HttpOnly").steps["me"]
    assert [w[0] for w in me.withheld] == ["sid"] and "cookie-path-match" in me.withheld[0][3]
    assert check("chromium", me, (EngineSaid("send", "NotOnPath", "sid"),)) == []
    assert len(check("chromium", me, (EngineSaid("send", "SecureOnly", "sid"),))) == 1
    sent = flow().steps["me"]
    (d,) = check("chromium", sent, (EngineSaid("send", "NotOnPath", "sid"),))
    assert "which the oracle expected it to send" in d.problem


def test_cors_errors_meet_the_steps_chain():
    """A credentialed fetch answered with a wildcard: WildcardOriginNotAllowed is in the chain, a missing header
    is not."""
    login = flow(page=APP, api=API_B, set_cookie=NONE_SECURE, cors="wildcard").steps["login"]
    assert login.fetch == "network_error"
    assert check("chromium", login, (EngineSaid("cors", "WildcardOriginNotAllowed"),)) == []
    assert len(check("chromium", login, (EngineSaid("cors", "MissingAllowOriginHeader"),))) == 1


def test_warnings_are_not_judged():
    """A warning is shown apart and never fails a case, whatever it says."""
    login = flow(page=APP_HTTP, api=APP_HTTP).steps["login"]
    assert check("chromium", login, (EngineSaid("warning", "Anything", "sid"),)) == []


def test_another_engine_has_its_own_table():
    """A Chromium reason is not a Firefox one: the same code from Firefox is unknown."""
    login = flow(page=APP, api=API_B, set_cookie=LAX).steps["login"]
    assert len(check("firefox", login, (store("UserPreferences"),))) == 1


@pytest.mark.parametrize(
    "key, cookie, reading",
    [
        ("CookieRejectedInvalidPrefix", "__Host-x", ("store", "__Host-x")),
        ("CookieRejectedThirdParty", "sid=v; Path=/; Secure", ("store", "sid")),
        ("CookieRejectedThirdParty", "", ("send", None)),
        ("CookieBlockedForeignByETP", None, ("warning", None)),
        ("CookieBlockedCrossSiteRedirect", "sid", ("send", "sid")),
        ("CookieLaxForced2", "sid", ("warning", "sid")),
        ("CORSMissingAllowOrigin2", None, ("cors", None)),
    ],
)
def test_firefox_messages_read_by_key(key, cookie, reading):
    """A Firefox console message's kind and cookie from its key and first parameter (engines.firefox_reading)."""
    assert firefox_reading(key, cookie) == reading


def test_a_third_party_refusal_of_a_requests_cookies_is_the_oracles_too():
    """Under a blocked third-party policy a cross-site request is refused every cookie, the jar empty or not: the
    oracle says so (ACCESS_BLOCKED), so Firefox's CookieRejectedThirdParty for the request agrees."""
    blocked = replace(FIREFOX, third_party_cookies=Fact("blocked", "test: third-party cookies blocked"))
    me = flow(page=APP, api=API_B, set_cookie=NONE_SECURE, profile=blocked).steps["me"]
    assert ACCESS_BLOCKED in me.withheld
    assert check("firefox", me, (EngineSaid("send", "CookieRejectedThirdParty", None),)) == []
    allowed = flow(page=APP, api=API_B, set_cookie=NONE_SECURE, profile=FIREFOX).steps["me"]
    assert len(check("firefox", allowed, (EngineSaid("send", "CookieRejectedThirdParty", None),))) == 1


def test_the_steps_worth_hearing_are_those_the_oracle_expects_explained():
    """A refused line, a withheld cookie and a failed fetch are heard; a flow where every cookie is stored and sent
    has nothing for an engine to explain."""
    assert worth_hearing(flow(page=APP, api=APP).steps) == frozenset()
    refused = flow(page=APP, api=API_B, set_cookie=LAX).steps
    assert "login" in worth_hearing(refused) and refused["login"].blocked
    failed = flow(page=APP, api=API_B, set_cookie=NONE_SECURE, cors="none").steps
    assert failed["login"].fetch == "network_error" and "login" in worth_hearing(failed)
