"""The attack scenarios, rule by rule, without a browser: small examples from the specifications and the sources
cited in e2e/oracle/scenarios.py, browser.py and profiles.py (6265bis retrieval and storage, HTML form submission,
Fetch, CHIPS, Chromium's Lax-allowing-unsafe, Firefox's Total Cookie Protection, server/app.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from e2e.cases import LAX_SESSION, csrf_server, read_server, scenario_server
from e2e.oracle import scenarios as so
from e2e.oracle.profiles import CHROMIUM, FIREFOX, PROFILES, Fact
from e2e.oracle.rules import RULES
from e2e.oracle.sites import parse_origin
from e2e.oracle.spec import ServerSpec
from e2e.oracle.tests.examples import APP, EVIL, SIBLING, stored
from e2e.oracle.vocabulary import JSON, TEXT_PLAIN, URLENCODED, OracleInputError
from server.config import CookieConfig

SITE = "site-a.test"
O_APP, O_EVIL, O_SIBLING = (parse_origin(o, "origin") for o in (APP, EVIL, SIBLING))
SAMESITE = [None, "Lax", "Strict", "None"]


def third_party(profile, policy):
    """The profile in a browser of the suite's own third-party setting (profiles.under_third_party_setting)."""
    return profile.under_third_party_setting(policy)


def httponly_server(httponly: bool) -> ServerSpec:
    """Scenario 5's server: the usual session cookie, HttpOnly or not."""
    return scenario_server(CookieConfig(samesite="Lax", secure=True, httponly=httponly))


def tossing_server(name: str) -> ServerSpec:
    """Scenario 6's server: the usual session cookie under `name`."""
    return scenario_server(CookieConfig(name=name, samesite="Lax", secure=True))


def logged_in(profile, **cookie) -> so.World:
    """A world where alice just logged in on the app's page with a cookie configured by `cookie`."""
    world = so.World(profile, scenario_server(CookieConfig(**cookie), lenient_body=True), O_APP)
    login = world.login_from_app()
    assert login.server_status == 200 and len(world.session_cookies()) == 1, login
    return world


def every_scenario():
    """Each scenario under each profile and parameter, for the checks that hold of all of them."""
    for profile in [
        *PROFILES.values(),
        *(third_party(p, pol) for p in PROFILES.values() for pol in ("allowed", "blocked")),
    ]:
        for cookie in (
            CookieConfig(samesite="None", secure=True),
            CookieConfig(samesite="None", secure=True, partitioned=True),
        ):
            for cors in ("allowlist", "reflect_any_credentials"):
                yield so.credentialed_read(profile, app=APP, evil=EVIL, server=read_server(cookie, cors, APP))
        for samesite in SAMESITE:
            for vector in so.CSRF_VECTORS:
                for defence in ("off", "origin"):
                    for age in (1.0, 600.0):
                        yield so.csrf(
                            profile, app=APP, evil=EVIL, server=csrf_server(samesite, defence), vector=vector, age=age
                        )
        yield so.session_fixation(profile, app=APP, sibling=SIBLING, domain=SITE, server=LAX_SESSION)
        yield so.logout_replay(profile, app=APP, server=LAX_SESSION)
        for httponly in (True, False):
            yield so.httponly_script(profile, app=APP, server=httponly_server(httponly))
        for name in ("sid", "__Host-sid"):
            yield so.cookie_tossing(profile, app=APP, sibling=SIBLING, domain=SITE, server=tossing_server(name))


# ------------------------------------------------------------------------------------------ the rules themselves


def test_every_rule_a_scenario_gives_has_a_sentence_and_a_source():
    """The scenarios' rules are in the one rule table, each with a sentence and a source."""
    ids = {r for scenario in every_scenario() for a in scenario.attempts.values() for r in a.reasons}
    assert ids and ids <= set(RULES)
    for rule_id in ids:
        rule = RULES[rule_id]
        assert rule.id and rule.text.endswith(".") and rule.source, rule


def test_every_reason_the_security_oracle_gives_is_a_rule():
    for scenario in every_scenario():
        for attempt in scenario.attempts.values():
            assert attempt.reasons and set(attempt.reasons) <= set(RULES), attempt.reasons
        for chain in list(scenario.notes.values()) + [v[1] for v in scenario.document_cookie.values()]:
            assert set(chain) <= set(RULES), chain


def test_new_profile_facts_have_sources():
    for profile in PROFILES.values():
        for fact in (profile.lax_allowing_unsafe_seconds, profile.third_party_partitioned):
            assert fact.source and fact.source != "not checked for this profile", (profile.name, fact)
    assert (
        CHROMIUM.lax_allowing_unsafe_seconds.value == 120
        and "kLaxAllowUnsafeMaxAge" in CHROMIUM.lax_allowing_unsafe_seconds.source
    )
    assert (CHROMIUM.third_party_partitioned.value, FIREFOX.third_party_partitioned.value) == (False, True)


# ------------------------------------------------------------------------------------------ SameSite on navigations


@pytest.mark.parametrize("age, sent", [(1.0, True), (120.0, True), (120.5, False), (3600.0, False)])
def test_lax_allowing_unsafe_sends_a_fresh_default_cookie_with_a_cross_site_post(age, sent):
    """Chromium: a cookie without SameSite is Lax by default, but for 2 minutes after its creation it also goes with
    a top-level cross-site POST (chromestatus 5088147346030592; canonical_cookie.cc, age <= threshold)."""
    world = logged_in(CHROMIUM, secure=True)
    world.browser.advance(age)
    attempt = world.submit_form(O_EVIL, "/api/resources", URLENCODED)
    assert (bool(attempt.sent), attempt.created) == (sent, sent), attempt
    assert {"samesite-lax-by-default", "samesite-lax-allowing-unsafe"} <= set(attempt.reasons)
    assert ("samesite-lax-top-level-safe" in attempt.reasons) is (not sent)


@pytest.mark.parametrize("samesite", ["Lax", "Strict"])
def test_explicit_lax_and_strict_never_go_with_a_cross_site_post(samesite):
    """6265bis §5.8.3: Lax allows only safe methods on cross-site top-level navigations, Strict nothing; the
    Lax-allowing-unsafe window is for cookies that did not say SameSite at all."""
    for profile in PROFILES.values():
        world = logged_in(profile, samesite=samesite, secure=True)
        attempt = world.submit_form(O_EVIL, "/api/resources", TEXT_PLAIN)
        assert (attempt.sent, attempt.server_status, attempt.created) == ((), 401, False), attempt
        assert "samesite-lax-allowing-unsafe" not in attempt.reasons


@pytest.mark.parametrize("samesite, sent", [("Lax", True), ("Strict", False), ("None", True), (None, True)])
def test_following_a_link_is_a_safe_top_level_navigation(samesite, sent):
    """6265bis §5.8.3: a top-level GET from another site carries Lax (and Lax-by-default) cookies, never Strict."""
    world = logged_in(CHROMIUM, samesite=samesite, secure=True)
    attempt = world.follow_link(O_EVIL, "/api/me")
    assert (bool(attempt.sent), attempt.server_status) == (sent, 200 if sent else 401), attempt


def test_firefox_without_lax_by_default_sends_a_cookie_without_samesite_whatever_its_age():
    """Firefox here treats a missing SameSite as None (lax_by_default false), so Lax+POST never comes into it."""
    world = logged_in(FIREFOX, secure=True)
    world.browser.advance(3600)
    attempt = world.submit_form(O_EVIL, "/api/resources", URLENCODED)
    assert attempt.created and "samesite-none-navigation" in attempt.reasons
    assert "samesite-lax-allowing-unsafe" not in attempt.reasons


def test_firefox_with_lax_by_default_has_the_same_two_minutes():
    """With its lax-by-default preference on, Firefox's laxPlusPOST.timeout (120 s) gives the same window."""
    profile = replace(FIREFOX, lax_by_default=Fact(True, "test"), deviations=())
    for age, created in ((10, True), (600, False)):
        world = logged_in(profile, secure=True)
        world.browser.advance(age)
        assert world.submit_form(O_EVIL, "/api/resources", URLENCODED).created is created


def test_a_profile_without_lax_allowing_unsafe_withholds_even_a_fresh_cookie():
    profile = replace(CHROMIUM, lax_allowing_unsafe_seconds=Fact(0, "test: SameSiteDefaultChecksMethodRigorously"))
    attempt = logged_in(profile, secure=True).submit_form(O_EVIL, "/api/resources", URLENCODED)
    assert (attempt.sent, attempt.created) == ((), False)
    assert "samesite-lax-top-level-safe" in attempt.reasons and "samesite-lax-allowing-unsafe" not in attempt.reasons


def test_same_site_sibling_form_post_is_not_cross_site():
    """6265bis §5.2: evil.site-a.test and app.site-a.test are same-site; SameSite does not stop the sibling."""
    attempt = logged_in(CHROMIUM, samesite="Strict", secure=True).submit_form(O_SIBLING, "/api/resources", URLENCODED)
    assert attempt.created and "site-same" in attempt.reasons


# ------------------------------------------------------------------------------------------ third parties and CHIPS


@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_third_party_policy_does_not_apply_to_a_top_level_navigation(profile):
    """A form POST is first-party to its target (nav-top-level-site): Chromium's blocking and Firefox's
    partitioning leave a SameSite=None cookie alone there, but stop it on a fetch from the attacker's page."""
    world = logged_in(profile, samesite="None", secure=True)
    fetch = world.browser.fetch(O_EVIL, world.server, "POST", "/api/resources", credentials="include", mode="no-cors")
    form = world.submit_form(O_EVIL, "/api/resources", URLENCODED)
    assert (fetch.sent, fetch.server_status, fetch.fetch, fetch.status) == ((), 401, "opaque", 0), fetch
    assert (form.created, form.fetch, form.status) == (True, "navigated", 201), form
    blocked_by = "third-party-cookies" if profile is CHROMIUM else "third-party-partitioned"
    assert blocked_by in fetch.reasons and "nav-top-level-site" in form.reasons


def test_partitioned_cookie_set_first_party_goes_only_under_its_own_top_level_site():
    """CHIPS §2.2: keyed by site-a.test when set on the app's page; a fetch from evil.test's page is under another
    top-level site, a top-level navigation to the app is under the app's own."""
    for profile in PROFILES.values():
        world = logged_in(profile, samesite="None", secure=True, partitioned=True)
        (cookie,) = world.session_cookies()
        assert cookie.partition_key == "https://site-a.test"
        read = world.browser.fetch(O_EVIL, world.server, "GET", "/api/me", credentials="include")
        assert read.sent == () and "chips-partition-key" in read.reasons, read
        assert world.follow_link(O_EVIL, "/api/me").sent == (cookie.value,)


def test_total_cookie_protection_keeps_a_third_party_cookie_in_the_top_level_partition():
    """Firefox (third_party_partitioned): a cookie set on a cross-site response goes to evil.test's partition and
    is sent again under evil.test, never to the app's own page."""
    world = so.World(FIREFOX, scenario_server(CookieConfig(samesite="None", secure=True)), O_APP)
    world.browser.jar, reasons = stored(
        "sid=tracked; Path=/; Secure; SameSite=None", page=EVIL, api=APP, profile=FIREFOX
    )
    (cookie,) = world.session_cookies()
    assert cookie.partition_key == "https://evil.test" and "third-party-partitioned" in reasons
    assert world.browser.fetch(O_EVIL, world.server, "GET", "/api/me", credentials="include").sent == ("tracked",)
    assert world.browser.fetch(O_APP, world.server, "GET", "/api/me", credentials="same-origin").sent == ()


# ------------------------------------------------------------------------------------------ scenario 1: credentialed
# read


@pytest.mark.parametrize(
    "cookie",
    [CookieConfig(samesite="None", secure=True), CookieConfig(samesite="None", secure=True, partitioned=True)],
    ids=["unpartitioned", "partitioned"],
)
@pytest.mark.parametrize("policy", [None, "allowed", "blocked"])
@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_credentialed_read(profile, policy, cookie):
    """Fetch #concept-cors-check decides whether script reads; the cookie rules whether there is anything to read:
    only an unpartitioned cookie under allowed third-party cookies reaches the server from evil.test's page."""
    p = third_party(profile, policy) if policy else profile
    reaches = policy == "allowed" and not cookie.partitioned
    for cors, readable_response in (("allowlist", False), ("reflect_any_credentials", True)):
        read = so.credentialed_read(p, app=APP, evil=EVIL, server=read_server(cookie, cors, APP))["read"]
        assert read.fetch == ("resolved" if readable_response else "network_error"), read
        assert (bool(read.sent), read.server_status) == (reaches, 200 if reaches else 401), read
        assert read.data_readable is (readable_response and reaches)
        assert ("cors-reflect-any-credentials" in read.reasons) is readable_response
        if not readable_response:
            assert "cors-no-allow-origin" in read.reasons and read.status is None


# ------------------------------------------------------------------------------------------ scenario 2: CSRF

# (profile, samesite, vector) -> created, from the rules: forms are first-party navigations where SameSite
# decides (Chromium: unset is Lax with the 2-minute POST window; Firefox: unset is None); the no-cors fetch is
# a third-party request that Chromium's blocking and Firefox's partitioning stop whatever SameSite says.
CSRF_CREATED = {
    "chromium": {
        None: (True, True, False),
        "Lax": (False, False, False),
        "Strict": (False, False, False),
        "None": (True, True, False),
    },
    "firefox": {
        None: (True, True, False),
        "Lax": (False, False, False),
        "Strict": (False, False, False),
        "None": (True, True, False),
    },
}


@pytest.mark.parametrize("samesite", SAMESITE)
@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_csrf_with_samesite_only(profile, samesite):
    for vector, created in zip(so.CSRF_VECTORS, CSRF_CREATED[profile.name][samesite]):
        attack = so.csrf(profile, app=APP, evil=EVIL, server=csrf_server(samesite), vector=vector)["attack"]
        assert attack.created is created, (vector, attack)
        assert attack.server_status == (201 if created else 401), attack
        assert attack.fetch == ("opaque" if vector == "fetch_no_cors" else "navigated")
        assert "fetch-origin-header" in attack.reasons


@pytest.mark.parametrize("policy", [None, "allowed"])
@pytest.mark.parametrize("samesite", SAMESITE)
@pytest.mark.parametrize("vector", so.CSRF_VECTORS)
@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_csrf_origin_check_refuses_every_vector(profile, vector, samesite, policy):
    """OWASP 'Verifying Origin With Standard Headers': the browser always sends Origin on a POST (Fetch), and the
    server refuses a foreign one with 403 before the route runs, whether or not the cookie came along."""
    p = third_party(profile, policy) if policy else profile
    attack = so.csrf(p, app=APP, evil=EVIL, server=csrf_server(samesite, "origin"), vector=vector)["attack"]
    assert (attack.server_status, attack.user, attack.created) == (403, None, False), attack
    assert attack.reasons[-1] in ("server-csrf-origin", "fetch-no-cors-opaque")
    assert "server-csrf-origin" in attack.reasons


def test_csrf_needs_the_lenient_body():
    """Without lenient_body the strict API answers a form or a no-cors text/plain body 415 after the session
    check: the cookie went, the user was known, nothing was created."""
    world = so.World(CHROMIUM, scenario_server(CookieConfig(samesite="None", secure=True)), O_APP)
    world.login_from_app()
    form = world.submit_form(O_EVIL, "/api/resources", URLENCODED)
    assert (form.server_status, form.user, form.created) == (415, "alice", False)
    assert "server-json-required" in form.reasons


def test_csrf_origin_check_admits_an_allowlisted_origin():
    server = scenario_server(CookieConfig(samesite="None", secure=True), lenient_body=True, csrf="origin",
                             cors="allowlist", allowlist=(EVIL,))  # fmt: skip
    world = so.World(CHROMIUM, server, O_APP)
    world.login_from_app()
    assert world.submit_form(O_EVIL, "/api/resources", URLENCODED).created


def test_csrf_deviation_shows_only_once_the_cookie_is_old():
    """Firefox's missing Lax-by-default (samesite-default-not-lax) changes a form POST's outcome only after the
    2 minutes in which Lax-allowing-unsafe would send the cookie anyway."""
    kwargs = dict(app=APP, evil=EVIL, server=csrf_server(None), vector="form_urlencoded")
    assert so.deviations_changing(so.csrf, FIREFOX, age=1.0, **kwargs) == ()
    assert so.deviations_changing(so.csrf, FIREFOX, age=600.0, **kwargs) == ("samesite-default-not-lax",)
    assert so.deviations_changing(so.csrf, CHROMIUM, age=600.0, **kwargs) == ()


def test_csrf_input_errors():
    with pytest.raises(OracleInputError, match="vector must be one of"):
        so.csrf(CHROMIUM, app=APP, evil=EVIL, server=csrf_server(None), vector="img_tag")
    world = logged_in(CHROMIUM, samesite="None", secure=True)
    with pytest.raises(OracleInputError, match="enctype"):
        world.submit_form(O_EVIL, "/api/resources", "multipart/form-data")
    with pytest.raises(OracleInputError, match="has no route DELETE /api/elsewhere"):
        world.browser.fetch(O_APP, world.server, "DELETE", "/api/elsewhere", credentials="same-origin")
    # a route the server has, asked with a method it does not take: 405, as Flask answers
    deleted = world.browser.fetch(O_APP, world.server, "DELETE", "/api/resources", credentials="same-origin")
    assert deleted.server_status == 405 and "server-method-not-allowed" in deleted.reasons


def test_a_json_post_from_the_attackers_page_is_preflighted_and_stopped_there():
    """The one browser model preflights a cross-origin JSON POST (Fetch #cors-preflight-fetch) also in a scenario:
    the server's CORS policy ('none') gives the preflight no ACAO, so the request itself never goes."""
    world = logged_in(CHROMIUM, samesite="None", secure=True)
    attack = world.browser.fetch(O_EVIL, world.server, "POST", "/api/resources", credentials="include",
                                 content_type=JSON)  # fmt: skip
    assert (attack.fetch, attack.preflight, attack.server_status, attack.created) == (
        "network_error",
        True,
        None,
        False,
    )
    assert {"fetch-preflight", "cors-no-allow-origin", "fetch-preflight-check"} <= set(attack.reasons)


# ------------------------------------------------------------------------------------------ scenarios 3 and 4


@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_session_fixation_planted_by_a_sibling(profile):
    """The planted id (the attacker's session-1) goes with the login (Domain=site-a.test, same-origin request);
    login destroys it and issues session-2; afterwards both cookies go, the planted one first (same path, created
    earlier), so the server sees a dead id first: the victim is logged out, never logged into the attacker's id."""
    s = so.session_fixation(profile, app=APP, sibling=SIBLING, domain=SITE, server=LAX_SESSION)
    assert (s["login"].sent, s["login"].server_status) == (("session-1",), 200)
    assert {"cookie-sent", "server-login", "server-login-regenerates"} <= set(s["login"].reasons)
    assert {"cookie-script-write", "cookie-domain-attribute", "cookie-weak-integrity"} <= set(s.notes["plant"])
    assert (s["me"].sent, s["me"].server_status, s["me"].user) == (("session-1", "session-2"), 401, None)
    assert "cookie-retrieval-order" in s["me"].reasons
    assert (s["replay"].server_status, s["replay"].user) == (401, None)
    assert sorted((c.value, c.domain, c.host_only) for c in s.jar) == [
        ("session-1", SITE, False),
        ("session-2", "app.site-a.test", True),
    ]


def test_a_planted_host_only_cookie_is_replaced_by_the_login():
    """A planted cookie with the same name, host and path as the server's is overwritten by login's Set-Cookie
    (6265bis §5.7 step 23): one cookie left, the fresh id, and the session works."""
    world = so.World(CHROMIUM, LAX_SESSION, O_APP)
    planted = world.server.login_outside("bob")
    changed, _ = world.browser.write_cookie(O_APP, "/", f"sid={planted}; Path=/; Secure; SameSite=Lax")
    assert changed
    login = world.login_from_app()
    assert login.sent == (planted,)
    me = world.browser.fetch(O_APP, world.server, "GET", "/api/me", credentials="same-origin")
    assert (me.sent, me.user) == (("session-2",), "alice")
    assert planted not in world.server.sessions


@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_logout_ends_the_session(profile):
    s = so.logout_replay(profile, app=APP, server=LAX_SESSION)
    assert (s["logout"].sent, s["logout"].server_status) == (("session-1",), 200)
    assert (s["replay"].sent, s["replay"].server_status) == (("session-1",), 401)
    assert "server-session-required" in s["replay"].reasons
    assert (s["me"].sent, s["me"].server_status) == ((), 401)
    assert s.jar == ()


# ------------------------------------------------------------------------------------------ scenarios 5 and 6


@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_httponly_hides_and_protects_the_session(profile):
    s = so.httponly_script(profile, app=APP, server=httponly_server(True))
    assert s.document_cookie["after_login"][0] == ()
    assert "cookie-httponly" in s.document_cookie["after_login"][1]
    assert "cookie-httponly-script-write" in s.notes["script_write"]
    assert (s["me"].sent, s["me"].user) == (("session-1",), "alice")


def test_without_httponly_script_reads_and_replaces_the_session():
    s = so.httponly_script(CHROMIUM, app=APP, server=httponly_server(False))
    assert s.document_cookie["after_login"][0] == ("session-1",)
    assert "cookie-httponly-script-write" not in s.notes["script_write"]
    assert (s["me"].sent, s["me"].server_status) == ((so.FORGED,), 401)


def test_script_cannot_set_httponly():
    world = logged_in(CHROMIUM, samesite="Lax", secure=True)
    changed, reasons = world.browser.write_cookie(O_APP, "/", "other=x; Path=/; HttpOnly")
    assert not changed and reasons[-1] == "cookie-httponly-script-write"


@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_tossed_cookie_shadows_a_plain_name(profile):
    """6265bis §5.8.3 step 2 puts Path=/api before Path=/; server/app.py takes the first value: the victim's
    requests to /api run in the attacker's session (bob's) and what they create is the attacker's."""
    s = so.cookie_tossing(profile, app=APP, sibling=SIBLING, domain=SITE, server=tossing_server("sid"))
    assert (s["me"].sent, s["me"].user) == (("session-2", "session-1"), "bob")
    assert (s["create"].user, s["create"].created) == ("bob", True)
    assert "cookie-retrieval-order" in s["me"].reasons and "cookie-weak-integrity" in s.notes["toss"]


@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_host_prefix_refuses_the_toss(profile):
    """6265bis §5.4: a __Host- cookie must be host-only with Path=/, so the sibling's Domain=site-a.test; Path=/api
    write is refused and the victim's session holds."""
    s = so.cookie_tossing(profile, app=APP, sibling=SIBLING, domain=SITE, server=tossing_server("__Host-sid"))
    assert "cookie-prefix-host" in s.notes["toss"] and "cookie-stored" not in s.notes["toss"]
    assert (s["me"].sent, s["me"].user) == (("session-1",), "alice")
    assert (s["create"].user, len(s.jar)) == ("alice", 1)


def test_a_toss_on_the_same_path_comes_after_the_victims_cookie():
    """With equal paths the earlier-created cookie goes first (6265bis §5.8.3 step 2): the victim's own."""
    world = logged_in(CHROMIUM, samesite="Lax", secure=True)
    bob = world.server.login_outside("bob")
    world.browser.write_cookie(O_SIBLING, so.EVIL_PAGE_PATH, so.toss_line("sid", bob, domain=SITE, path="/"))
    me = world.browser.fetch(O_APP, world.server, "GET", "/api/me", credentials="same-origin")
    assert (me.sent, me.user) == (("session-1", bob), "alice")
