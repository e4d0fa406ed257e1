"""The storage model and the retrieval algorithm, rule by rule (e2e/oracle/jar.py): each test a small example from
6265bis, CHIPS or WPT."""

from __future__ import annotations

from dataclasses import replace

import pytest

from e2e.oracle.jar import cookie_string, path_match, retrieve
from e2e.oracle.profiles import CHROMIUM, FIREFOX, Fact
from e2e.oracle.tests.examples import (
    ALLOWED_3P,
    API_A,
    API_B,
    APP,
    APP_HTTP,
    NOW,
    cookie,
    request,
    retrieved,
    stored,
)


@pytest.mark.parametrize(
    "same_site_flag, sent",
    [
        pytest.param("None", True, id="none"),
        pytest.param("Lax", False, id="lax"),
        pytest.param("Strict", False, id="strict"),
        pytest.param("Default", False, id="unspecified_lax_by_default"),
    ],
)
def test_cross_site_fetch_sends_only_samesite_none(same_site_flag, sent):
    """6265bis §5.8.3; WPT cookies/samesite/fetch.https.html (cross-site fetch sends SameSite=None only)."""
    jar = (cookie(domain="api.site-b.test", same_site=same_site_flag),)
    went, why = retrieved(jar, APP, API_B, ALLOWED_3P)
    assert bool(went) is sent
    assert ("samesite-cross-site-send" in why) and (("cookie-sent" in why) is sent)


@pytest.mark.parametrize(
    "profile, is_stored",
    [
        pytest.param(CHROMIUM, False, id="enforced"),
        pytest.param(replace(CHROMIUM, none_requires_secure=Fact(False, "test")), True, id="not_enforced"),
    ],
)
def test_samesite_none_needs_secure(profile, is_stored):
    """6265bis §5.7 step 19; WPT cookies/samesite-none-secure/ (SameSite=None without Secure is rejected)."""
    jar, why = stored("sid=X; Path=/; SameSite=None", profile=profile)
    assert bool(jar) is is_stored
    assert ("samesite-none-requires-secure" in why) is not is_stored


def test_secure_cookie_is_not_sent_to_an_insecure_url():
    """6265bis §5.8.3: secure-only cookies need a secure retrieval URL."""
    went, why = retrieved((cookie(),), APP_HTTP, APP_HTTP, FIREFOX)
    assert went == () and why == ["cookie-secure-send"]


def test_insecure_cookie_cannot_overlay_a_secure_one():
    """6265bis §5.7 step 16; WPT cookies/secure/cookie-forcing.html."""
    jar, why = stored("sid=evil; Path=/", page=APP_HTTP, api=APP_HTTP, jar=(cookie(),))
    assert jar == (cookie(),) and "cookie-secure-no-overwrite" in why


def test_domain_cookie_goes_to_sibling_subdomains():
    """6265bis §5.8.3: a Domain cookie set by api.site-a.test goes to app.site-a.test."""
    jar, _ = stored("sid=X; Path=/; Secure; Domain=site-a.test", page=API_A, api=API_A)
    went, _ = retrieved(jar, APP, APP)
    assert len(went) == 1


@pytest.mark.parametrize(
    "request_path, cookie_path, matches",
    [
        ("/api/me", "/api", True),
        ("/api", "/api", True),
        ("/apix", "/api", False),
        ("/api/me", "/api/", True),
        ("/", "/api", False),
    ],
)
def test_path_match(request_path, cookie_path, matches):
    """6265bis §5.1.4 path-match."""
    assert path_match(request_path, cookie_path) is matches


@pytest.mark.parametrize(
    "line, ok",
    [
        pytest.param("__Host-SID=1; Secure; Path=/", True, id="host_ok"),
        pytest.param("__host-SID=1; Secure; Path=/", True, id="host_lower_case_ok"),
        pytest.param("__Host-SID=1", False, id="host_without_secure"),
        pytest.param("__host-SID=1; Secure", False, id="host_without_path"),
        pytest.param("__HOST-SID=1; Secure; Domain=app.site-a.test; Path=/", False, id="host_with_domain"),
        pytest.param("__Host-SID=1; Secure; Path=/api", False, id="host_other_path"),
        pytest.param("__Secure-SID=1; Secure", True, id="secure_ok"),
        pytest.param("__SECURE-SID=1; Path=/", False, id="secure_upper_case_without_secure"),
        pytest.param("__Http-SID=1; Secure; HttpOnly", True, id="http_ok"),
        pytest.param("__Http-SID=1; Secure", False, id="http_without_httponly"),
        pytest.param("__Host-Http-SID=1; Secure; HttpOnly; Path=/", True, id="host_http_ok"),
        pytest.param("__Host-Http-SID=1; Secure; Path=/", False, id="host_http_without_httponly"),
    ],
)
def test_name_prefixes(line, ok):
    """6265bis §5.4 examples, §5.7 steps 20-21; WPT cookies/prefix/__host.header.https.html,
    __secure.header.https.html, __host.explicit-path.https.window.js; layered-cookies (__Http-)."""
    jar, why = stored(line)
    assert bool(jar) is ok, why
    assert ok or any(r.startswith("cookie-prefix-") for r in why)


def test_http_prefixes_are_ordinary_names_where_unsupported():
    profile = replace(CHROMIUM, http_prefixes=Fact(False, "test: before Chrome 140"))
    jar, _ = stored("__Http-SID=1; Secure", profile=profile)
    assert len(jar) == 1


def test_prefix_applies_on_secure_origin_only():
    """WPT cookies/prefix/__secure.header.https.html vs its http variant: no Secure cookie from http."""
    jar, why = stored("__Secure-SID=1; Secure; Path=/", page=APP_HTTP, api=APP_HTTP)
    assert jar == () and "cookie-secure-origin" in why


@pytest.mark.parametrize(
    "attributes, is_stored",
    [
        pytest.param("Max-Age=0", False, id="max_age_zero"),
        pytest.param("Max-Age=-1", False, id="max_age_negative"),
        pytest.param("Max-Age=60", True, id="max_age_positive"),
        pytest.param("Expires=Thu, 01 Jan 1970 00:00:00 GMT", False, id="expires_past"),
        pytest.param("Expires=Wed, 21 Oct 2099 07:28:00 GMT", True, id="expires_future"),
        pytest.param("Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60", True, id="max_age_beats_past_expires"),
        pytest.param("Max-Age=0; Expires=Wed, 21 Oct 2099 07:28:00 GMT", False, id="max_age_beats_future_expires"),
        pytest.param("Max-Age=1e3", True, id="max_age_not_digits_is_ignored"),
        pytest.param("Expires=not a date", True, id="bad_expires_is_ignored"),
    ],
)
def test_expiry(attributes, is_stored):
    """6265bis §5.6.1-§5.6.2, §5.7 step 6; WPT cookies/attributes/max-age.html, expires.html."""
    jar, why = stored(f"sid=X; Path=/; Secure; {attributes}")
    assert bool(jar) is is_stored
    assert ("cookie-max-age-precedence" in why) is ("Max-Age=" in attributes and "Expires=" in attributes)


def test_lifetime_is_capped_at_400_days():
    """6265bis §5.5 Cookie Lifetime Limits."""
    _, why = stored(f"sid=X; Path=/; Secure; Max-Age={401 * 86400}")
    assert "cookie-lifetime-cap" in why


def test_partitioned_needs_secure():
    """CHIPS: Partitioned without Secure is rejected."""
    jar, why = stored("sid=X; Path=/; Partitioned")
    assert jar == () and why[-1] == "chips-partitioned-secure"


def test_partitioned_cookie_is_not_sent_under_another_top_level_site():
    went, why = retrieved((cookie(partition_key="https://site-b.test", partitioned=True),))
    assert went == () and why == ["chips-partition-key"]


@pytest.mark.parametrize("value_length, is_stored", [(4093, True), (4094, False)])
def test_name_plus_value_limit(value_length, is_stored):
    """6265bis §5.7 step 4; WPT cookies/size/name-and-value.html ('sid' + value: 4096 kept, 4097 rejected)."""
    jar, why = stored(f"sid={'a' * value_length}; Path=/")
    assert bool(jar) is is_stored
    assert (why == ["cookie-size-limit"]) is not is_stored


def order(lines, profile=CHROMIUM):
    """The Cookie header after these lines, in order, from one response."""
    jar = ()
    for line in lines:
        jar, _ = stored(line, profile=profile, jar=jar)
    return cookie_string(retrieve(jar, None, request(profile=profile, path="/api/me"), profile, NOW)[0])


@pytest.mark.parametrize(
    "profile, header", [(FIREFOX, "a=2; b=1"), (CHROMIUM, "b=1; a=2")], ids=["firefox", "chromium"]
)
def test_a_replacement_keeps_its_place_unless_the_profile_says_otherwise(profile, header):
    """6265bis §5.7 step 23 keeps the old creation time (Firefox); Chromium only for an unchanged value."""
    assert order(("a=1", "b=1", "a=2"), profile) == header
    assert order(("a=1", "b=1", "a=1"), profile) == "a=1; b=1"


def test_the_specification_keeps_the_creation_time_of_the_replaced_cookie():
    """Chromium's profile with the specification's value orders as 6265bis does."""
    spec = replace(CHROMIUM, replacement_keeps_creation=Fact("always", "test: the specification's value"))
    assert order(("a=1", "b=1", "a=2"), spec) == "a=2; b=1"


@pytest.mark.parametrize(
    "profile, line, header",
    [
        pytest.param(CHROMIUM, "token", "token", id="chromium_nameless"),
        pytest.param(CHROMIUM, "=token", "token", id="chromium_empty_name"),
        pytest.param(FIREFOX, "token", "token=", id="firefox_valueless"),
        pytest.param(FIREFOX, "=token", "", id="firefox_empty_name_rejected"),
    ],
)
def test_a_pair_without_a_name(profile, line, header):
    """6265bis §5.6 step 3 makes 'token' a nameless cookie; Firefox's valueless_cookie makes it token= and rejects
    an empty name."""
    assert order((line,), profile) == header


def test_a_nameless_cookie_cannot_pass_for_a_prefixed_one():
    """6265bis §5.7 step 22: a nameless cookie whose value starts with __Host- or __Secure- is ignored."""
    jar, why = stored("=__host-x=1; Secure; Path=/")
    assert jar == () and "cookie-prefix-nameless" in why


@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX])
def test_domain_dot_alone(profile):
    """'Domain=.': host-only by 6265bis's text; both engines reject it (their profiles' domain_dot_rejected)."""
    jar, why = stored("a=1; Domain=.; Path=/", profile=profile)
    assert jar == () and why[-1] == "cookie-domain-dot"
    text = replace(profile, domain_dot_rejected=Fact(False, "test: the specification's value"))
    jar, why = stored("a=1; Domain=.; Path=/", profile=text)
    assert jar[0].host_only and "cookie-domain-dot" in why
    jar, _ = stored("a=1; Domain=; Path=/", profile=profile)
    assert jar[0].host_only, "an empty Domain is no attribute"


def test_both_empty_is_ignored():
    """6265bis §5.7 step 2: no name and no value, no cookie."""
    for line in ("", "=", " = ; Path=/"):
        jar, why = stored(line)
        assert jar == () and why == ["cookie-name-value-empty"]
