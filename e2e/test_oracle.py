"""The oracle, rule by rule: each test a small example from the specification or web-platform-tests (no browser).

WPT paths are in web-platform-tests/wpt; "6265bis" is draft-ietf-httpbis-rfc6265bis (sections as cited in
e2e/oracle.py); "Fetch" anchors are https://fetch.spec.whatwg.org/#….
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from e2e import explain, oracle
from e2e.flow import STEPS as FLOW_STEPS
from e2e.oracle import (
    RULES,
    Context,
    Cookie,
    OracleInputError,
    cors_check,
    deletion_line,
    expect,
    parse_cookie_date,
    parse_origin,
    parse_set_cookie,
    preflight_check,
    registrable_domain,
    retrieve,
    same_site,
    store,
)
from e2e.profiles import CHROMIUM, FIREFOX, PROFILES, Fact
from server.config import CORS_POLICIES, CookieConfig

ROOT = Path(__file__).resolve().parent.parent
APP = "https://app.site-a.test:8443"
APP_ALT_PORT = "https://app.site-a.test:9443"
API_A = "https://api.site-a.test:8443"  # same-site, cross-origin
API_B = "https://api.site-b.test:8443"  # cross-site
APP_HTTP = "http://app.site-a.test:8080"
LOCALHOST = "http://localhost:8080"
LOCALHOST_ALT = "http://localhost:9090"
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
    **options,
):
    """The oracle's expectation, with this module's defaults."""
    return expect(
        page=page,
        api=api,
        credentials=credentials,
        mode=mode,
        set_cookie=set_cookie,
        cors=cors,
        profile=profile,
        now=NOW,
        **options,
    )


def summary(step) -> tuple:
    return (
        step.fetch,
        step.status,
        step.server_status,
        step.preflight,
        step.cookie_sent,
        step.authenticated,
        step.cookie_stored,
    )


def ctx(page=APP, api=APP, profile=CHROMIUM) -> Context:
    return Context(parse_origin(page, "page"), parse_origin(api, "api"), profile)


def stored(line: str, page=APP, api=APP, profile=CHROMIUM, jar=(), path="/api/login"):
    """The jar and reasons after the API at `api` answers `line` to a fetch from `page`."""
    return store(tuple(jar), parse_set_cookie(line), path, ctx(page, api, profile), NOW, creation=len(jar) + 1)


def step_case(credentials="same-origin", mode="cors", cors="none", page=APP, api=APP, line=NONE_SECURE) -> oracle.Case:
    """A validated case for driving one step from a prepared jar (oracle._step)."""
    login = parse_set_cookie(line)
    server = oracle.Server(
        login, parse_set_cookie(deletion_line(login)), believes_secure=True, needs_tls=False, trusts_proxy=False
    )
    return oracle.Case(ctx(page, api), credentials, mode, oracle.CorsPolicy(cors), server, NOW)


def cookie(**fields) -> Cookie:
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
        creation=1,
    )
    return Cookie(**{**base, **fields})


# ------------------------------------------------------------------------------------------ the rule table


def test_every_rule_has_a_sentence_and_a_source():
    assert len(RULES) >= 50
    for rule in RULES.values():
        assert rule.id and rule.text.endswith(".") and rule.source, rule


def test_every_reason_the_oracle_gives_is_a_rule():
    cases = [
        flow(),
        flow(api=API_B, set_cookie=PARTITIONED, cors="allowlist"),
        flow(mode="no-cors", api=API_B),
        flow(mode="same-origin", api=API_A),
        flow(credentials="omit"),
        flow(api=API_B, cors="wildcard"),
    ]
    for f in cases:
        for step in f.steps.values():
            assert set(step.reasons) <= set(RULES), step.reasons
        assert set(f.js_reasons) <= set(RULES)


def test_profile_deviations_name_rules_and_facts():
    for profile in PROFILES.values():
        for d in profile.deviations:
            assert d.rule in RULES and isinstance(getattr(profile, d.fact), Fact) and d.source


# ------------------------------------------------------------------------------------------ rule 1: credentials omit


def test_omit_same_origin_neither_stores_nor_sends():
    """WPT fetch/api/credentials/cookies.any.js: 'Omit mode: discard cookies', 'Omit mode: no cookie sent'."""
    f = flow(credentials="omit")
    assert summary(f.steps["login"]) == ("resolved", 200, 200, False, False, True, False)
    assert summary(f.steps["me"]) == ("resolved", 401, 401, False, False, False, False)
    assert f.steps["login"].reasons[:2] == ("fetch-same-origin", "fetch-credentials-omit")
    assert f.stored_cookie is None and f.js_visible is False


# ------------------------------------------------------------------------------------------ rule 2: same-origin


@pytest.mark.parametrize(
    "api, relation",
    [
        pytest.param(APP_ALT_PORT, "site-same", id="other_port"),
        pytest.param(API_A, "site-same", id="other_subdomain"),
        pytest.param(API_B, "site-cross", id="other_site"),
    ],
)
def test_same_origin_credentials_ignore_a_cross_origin_url(api, relation):
    """WPT fetch/api/cors/cors-cookies.any.js 'Same-origin mode: cookies are discarded in cors request'."""
    f = flow(api=api, credentials="same-origin", cors="reflect_any_credentials")
    login = f.steps["login"]
    assert summary(login) == ("resolved", 200, 200, True, False, True, False)
    assert login.reasons[:2] == (relation, "fetch-credentials-same-origin")
    assert summary(f.steps["me"]) == ("resolved", 401, 401, False, False, False, False)


def test_same_origin_credentials_same_origin_url_keep_the_session():
    """WPT fetch/api/credentials/cookies.any.js 'Same-origin mode: 1 cookie'."""
    f = flow(credentials="same-origin", cors="none")
    assert [summary(f.steps[s])[:2] for s in oracle.STEPS] == [
        ("resolved", 200),
        ("resolved", 200),
        ("resolved", 200),
        ("resolved", 201),
        ("resolved", 200),
    ]
    assert all(f.steps[s].cookie_sent for s in ("me", "list", "create", "logout"))
    assert [f.steps[s].cookie_stored for s in oracle.STEPS] == [True, True, True, True, False]


# ------------------------------------------------------------------------------------------ rule 3: CORS check


@pytest.mark.parametrize(
    "cors, allowlist, fetch, rule",
    [
        pytest.param("none", None, "network_error", "cors-no-allow-origin", id="none"),
        pytest.param("wildcard", None, "network_error", "cors-wildcard-credentials", id="wildcard"),
        pytest.param("reflect", None, "network_error", "cors-credentials-not-allowed", id="reflect_without_acac"),
        pytest.param("allowlist", None, "resolved", "cors-allowed", id="allowlisted"),
        pytest.param(
            "allowlist", ("https://evil.test",), "network_error", "cors-no-allow-origin", id="not_allowlisted"
        ),
        pytest.param("reflect_any_credentials", None, "resolved", "cors-allowed", id="reflect_any"),
    ],
)
def test_include_cross_origin_needs_exact_origin_and_credentials(cors, allowlist, fetch, rule):
    """Fetch #concept-cors-check; WPT fetch/api/cors/cors-preflight-star.any.js, cors-cookies.any.js."""
    f = flow(api=API_A, cors=cors, allowlist=allowlist, set_cookie="sid=X; Path=/; Secure; HttpOnly; SameSite=Lax")
    login = f.steps["login"]
    assert (login.fetch, login.preflight) == (fetch, True)
    assert rule in login.reasons
    if fetch == "network_error":  # the preflight failed: no actual request, no session
        assert (login.server_status, login.cookie_stored, login.authenticated) == (None, False, False)
        assert login.reasons[-1] == "fetch-preflight-check"
        me = f.steps["me"]  # a GET is not preflighted: it reaches the server, script still sees an error
        assert (me.fetch, me.server_status, me.preflight) == ("network_error", 401, False)
    else:
        assert (login.status, login.cookie_stored, f.steps["me"].authenticated) == (200, True, True)


@pytest.mark.parametrize(
    "headers, credentials, expected",
    [
        pytest.param({}, "omit", (False, "cors-no-allow-origin"), id="no_acao"),
        pytest.param(
            {"Access-Control-Allow-Origin": "*"}, "same-origin", (True, "cors-allowed"), id="star_without_credentials"
        ),
        pytest.param(
            {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true"},
            "include",
            (False, "cors-wildcard-credentials"),
            id="star_with_credentials",
        ),
        pytest.param(
            {"Access-Control-Allow-Origin": "https://other.test"},
            "omit",
            (False, "cors-origin-mismatch"),
            id="other_origin",
        ),
        pytest.param(
            {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "TRUE"},
            "include",
            (False, "cors-credentials-not-allowed"),
            id="acac_not_exactly_true",
        ),
        pytest.param(
            {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "true"},
            "include",
            (True, "cors-allowed"),
            id="exact_origin_and_acac",
        ),
    ],
)
def test_cors_check(headers, credentials, expected):
    """Fetch #concept-cors-check, step by step."""
    assert cors_check(headers, APP, credentials) == expected


def test_wildcard_policy_without_credentials_resolves():
    """Fetch #concept-cors-check: '*' is fine when credentials are not included."""
    f = flow(api=API_B, credentials="same-origin", cors="wildcard")
    assert summary(f.steps["login"]) == ("resolved", 200, 200, True, False, True, False)


# ------------------------------------------------------------------------------------------ rule 4: Set-Cookie despite CORS


def test_set_cookie_is_processed_although_the_cors_check_fails():
    """Fetch #cors-protocol-and-credentials (whatwg/fetch#855): a logout whose CORS check fails still deletes."""
    case = step_case("include", cors="reflect", api=API_A)
    state = oracle._State(jar=(cookie(domain="api.site-a.test", value="live"),), sessions=frozenset({"live"}))
    logout = oracle._step(case, "logout", state)
    assert summary(logout) == ("network_error", None, 200, False, True, True, False)
    assert (
        logout.reasons.index("cors-credentials-not-allowed")
        < logout.reasons.index("fetch-set-cookie-despite-cors-failure")
        < logout.reasons.index("cookie-expired")
    )
    assert state.jar == () and state.sessions == frozenset()


# ------------------------------------------------------------------------------------------ rule 5


def test_script_never_sees_set_cookie():
    """Fetch #forbidden-response-header-name: a resolved login that set a cookie cites it."""
    assert flow().steps["login"].reasons[-1] == "fetch-set-cookie-hidden"


# ------------------------------------------------------------------------------------------ rule 6: preflight


def test_json_posts_are_preflighted_gets_and_bodiless_posts_are_not():
    """Fetch #cors-preflight-fetch; WPT fetch/api/cors/cors-preflight.any.js."""
    f = flow(api=API_B, set_cookie=PARTITIONED, cors="allowlist")
    assert {s: f.steps[s].preflight for s in oracle.STEPS} == {
        "login": True,
        "me": False,
        "list": False,
        "create": True,
        "logout": False,
    }
    assert "fetch-preflight-no-credentials" in f.steps["create"].reasons
    assert "fetch-simple-request" in f.steps["logout"].reasons
    assert not any(s.preflight for s in flow().steps.values())  # same-origin: never


@pytest.mark.parametrize(
    "allow_headers, credentials, ok",
    [
        pytest.param("Content-Type", "include", True, id="listed"),
        pytest.param("X-Other", "omit", False, id="not_listed"),
        pytest.param("*", "omit", True, id="star_without_credentials"),
        pytest.param("*", "include", False, id="star_with_credentials"),
    ],
)
def test_preflight_needs_content_type_allowed(allow_headers, credentials, ok):
    """Fetch #cors-preflight-fetch; WPT fetch/api/cors/cors-preflight-star.any.js."""
    headers = {
        "Access-Control-Allow-Origin": APP,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Headers": allow_headers,
    }
    assert preflight_check(headers, APP, credentials)[0] is ok


# ------------------------------------------------------------------------------------------ rule 7: modes


def test_mode_same_origin_rejects_a_cross_origin_url_before_any_request():
    """Fetch #concept-main-fetch; WPT fetch/api/basic/mode-same-origin.any.js."""
    f = flow(api=API_A, mode="same-origin")
    for step in f.steps.values():
        assert summary(step) == ("rejected", None, None, False, False, False, False)
        assert step.reasons[-1] == "fetch-mode-same-origin"


def test_no_cors_cross_origin_is_opaque_and_login_gets_415():
    """Fetch #concept-headers-guard ('request-no-cors'); WPT fetch/api/headers/headers-no-cors.any.js."""
    f = flow(api=API_B, mode="no-cors", cors="reflect_any_credentials")
    assert summary(f.steps["login"]) == ("opaque", 0, 415, False, False, False, False)
    assert f.steps["login"].reasons.index("fetch-no-cors-headers") < f.steps["login"].reasons.index(
        "server-json-required"
    )
    assert summary(f.steps["logout"]) == ("opaque", 0, 401, False, False, False, False)


def test_no_cors_same_origin_is_a_basic_response():
    """Fetch #concept-main-fetch: a same-origin no-cors fetch is 'basic'; the Content-Type is still dropped."""
    f = flow(mode="no-cors")
    assert summary(f.steps["login"]) == ("resolved", 415, 415, False, False, False, False)
    assert summary(f.steps["create"]) == ("resolved", 401, 401, False, False, False, False)


# ------------------------------------------------------------------------------------------ rule 8: sites


@pytest.mark.parametrize(
    "a, b, expected",
    [
        pytest.param("https://shop.example.co.uk", "https://api.example.co.uk", True, id="psl_same_registrable"),
        pytest.param("https://shop.example.co.uk", "https://api.other.co.uk", False, id="psl_other_registrable"),
        pytest.param("https://app.site-a.test:1", "https://api.site-a.test:2", True, id="ports_never_count"),
        pytest.param("https://a.github.io", "https://b.github.io", False, id="psl_private_section"),
        pytest.param("http://localhost:1", "http://127.0.0.1:1", False, id="localhost_vs_ip"),
        pytest.param("http://app.localhost", "http://api.localhost", False, id="localhost_is_a_suffix"),
        pytest.param("http://x.site.localhost", "http://y.site.localhost", True, id="under_site_localhost"),
    ],
)
def test_same_site_uses_the_public_suffix_list(a, b, expected):
    """HTML #same-site examples; environment.md (localhost names)."""
    assert same_site(parse_origin(a, "a"), parse_origin(b, "b"), schemeful=True) is expected


def test_registrable_domains():
    assert [registrable_domain(h) for h in ("shop.example.co.uk", "api.site-a.test", "localhost", "127.0.0.1")] == [
        "example.co.uk",
        "site-a.test",
        "localhost",
        "127.0.0.1",
    ]


@pytest.mark.parametrize(
    "api, stored",
    [
        pytest.param("https://api.example.co.uk", True, id="same_site"),
        pytest.param("https://api.other.co.uk", False, id="cross_site"),
    ],
)
def test_psl_sites_decide_a_lax_cookie(api, stored):
    """6265bis §5.7 step 18 with sites from the PSL: a Lax cookie survives only a same-site response."""
    f = flow(page="https://shop.example.co.uk", api=api, set_cookie="sid=X; Path=/; Secure; SameSite=Lax")
    assert f.steps["login"].cookie_stored is stored
    assert f.steps["me"].authenticated is stored


@pytest.mark.parametrize(
    "profile, relation, stored",
    [
        pytest.param(CHROMIUM, "site-cross", False, id="chromium_schemeful"),
        pytest.param(FIREFOX, "site-same", True, id="firefox_schemeless"),
    ],
)
def test_schemeful_same_site_follows_the_profile(profile, relation, stored):
    """HTML #same-site vs #schemelessly-same-site; WPT cookies/schemeful-same-site/."""
    f = flow(page=APP_HTTP, api=APP, set_cookie="sid=X; Path=/; Secure; SameSite=Lax", profile=profile)
    assert f.steps["login"].reasons[:2] == (relation, "site-schemeful")
    assert f.steps["login"].cookie_stored is stored
    assert f.deviations == (("samesite-schemeless",) if profile is FIREFOX else ())


# ------------------------------------------------------------------------------------------ rules 9-11: SameSite


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
    went, why = retrieve(jar, "sid", parse_origin(API_B, "api"), "/api/me", ctx(APP, API_B, ALLOWED_3P))
    assert bool(went) is sent
    assert ("samesite-cross-site-send" in why) and (("cookie-sent" in why) is sent)


@pytest.mark.parametrize(
    "attribute, chromium_stored, firefox_stored",
    [
        pytest.param("; SameSite=None", True, True, id="none"),
        pytest.param("; SameSite=Lax", False, False, id="lax"),
        pytest.param("; SameSite=Strict", False, False, id="strict"),
        pytest.param("", False, True, id="unspecified"),
        pytest.param("; SameSite=Bogus", False, True, id="invalid_value_is_default"),
    ],
)
def test_cross_site_response_stores_only_samesite_none(attribute, chromium_stored, firefox_stored):
    """6265bis §5.7 step 18; BCD SameSite.Lax_default (Chromium yes, Firefox no); WPT cookies/samesite-by-default/."""
    line = f"sid=X; Path=/; Secure{attribute}"
    chromium = flow(api=API_B, set_cookie=line, profile=ALLOWED_3P)
    firefox = flow(api=API_B, set_cookie=line, profile=FIREFOX)
    assert (chromium.steps["login"].cookie_stored, firefox.steps["login"].cookie_stored) == (
        chromium_stored,
        firefox_stored,
    )
    assert firefox.steps["me"].cookie_sent is firefox_stored
    assert "samesite-cross-site-store" in chromium.steps["login"].reasons
    assert firefox.deviations == (("samesite-default-not-lax",) if chromium_stored != firefox_stored else ())


# ------------------------------------------------------------------------------------------ rule 12


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


# ------------------------------------------------------------------------------------------ rule 13: Secure


@pytest.mark.parametrize(
    "api, is_stored, rule",
    [
        pytest.param(APP_HTTP, False, "cookie-secure-origin", id="http_rejected"),
        pytest.param(LOCALHOST, True, "cookie-localhost-secure", id="http_localhost_secure"),
        pytest.param("http://127.0.0.1:8080", True, "cookie-localhost-secure", id="loopback_ip_secure"),
        pytest.param(APP, True, "cookie-stored", id="https"),
    ],
)
def test_secure_cookie_needs_a_secure_origin(api, is_stored, rule):
    """6265bis §5.7 step 13; WPT cookies/secure/create-cookie-http.html; environment.md (localhost)."""
    f = flow(page=api, api=api, set_cookie="sid=X; Path=/; Secure; HttpOnly")
    assert f.steps["login"].cookie_stored is is_stored
    assert rule in f.steps["login"].reasons


def test_secure_cookie_is_not_sent_to_an_insecure_url():
    """6265bis §5.8.3: secure-only cookies need a secure retrieval URL."""
    went, why = retrieve((cookie(),), "sid", parse_origin(APP_HTTP, "api"), "/api/me", ctx(APP_HTTP, APP_HTTP, FIREFOX))
    assert went == () and why == ["cookie-secure-send"]


def test_insecure_cookie_cannot_overlay_a_secure_one():
    """6265bis §5.7 step 16; WPT cookies/secure/cookie-forcing.html."""
    jar, why = stored("sid=evil; Path=/", page=APP_HTTP, api=APP_HTTP, jar=(cookie(),))
    assert jar == (cookie(),) and "cookie-secure-no-overwrite" in why


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


# ------------------------------------------------------------------------------------------ rule 14: HttpOnly


@pytest.mark.parametrize(
    "page, api, line, visible, why",
    [
        pytest.param(APP, APP, "sid=X; Path=/; Secure; HttpOnly", False, "cookie-httponly", id="httponly"),
        pytest.param(APP, APP, "sid=X; Path=/; Secure", True, None, id="script_readable"),
        pytest.param(APP, API_A, "sid=X; Path=/; Secure; SameSite=None", False, "cookie-host-only", id="other_host"),
        pytest.param(
            APP, API_A, "sid=X; Path=/; Domain=site-a.test; Secure", True, None, id="domain_cookie_covers_page"
        ),
        pytest.param(APP, APP, "sid=X; Secure", False, "cookie-path-match", id="default_path_api"),
        pytest.param(LOCALHOST, LOCALHOST_ALT, "sid=X; Path=/", True, None, id="ports_do_not_isolate_cookies"),
    ],
)
def test_document_cookie_visibility(page, api, line, visible, why):
    """6265bis §5.8.2-§5.8.3 (retrieval type 'non-HTTP'); WPT cookies/attributes/ (httponly via document.cookie)."""
    f = flow(page=page, api=api, set_cookie=line)
    assert f.steps["login"].cookie_stored is True
    assert f.js_visible is visible
    assert f.js_reasons[0] == "document-cookie"
    if why:
        assert why in f.js_reasons
    assert f.steps["me"].cookie_sent is True  # HttpOnly or not, the cookie goes with requests


def test_secure_cookie_is_not_visible_on_an_insecure_page():
    """6265bis §5.8.3: document.cookie on http:// does not show a Secure cookie (Firefox: same-site, stored)."""
    f = flow(page=APP_HTTP, api=APP, set_cookie="sid=X; Path=/; Secure", profile=FIREFOX)
    assert f.steps["login"].cookie_stored is True and f.js_visible is False
    assert "cookie-secure-send" in f.js_reasons


# ------------------------------------------------------------------------------------------ rule 15: Domain


@pytest.mark.parametrize(
    "domain, result, rule",
    [
        pytest.param("site-a.test", ".site-a.test", "cookie-domain-attribute", id="parent_domain"),
        pytest.param(".SITE-A.test", ".site-a.test", "cookie-domain-attribute", id="leading_dot_and_case"),
        pytest.param(
            "api.site-a.test", ".api.site-a.test", "cookie-domain-attribute", id="own_host_is_a_domain_cookie"
        ),
        pytest.param("site-b.test", None, "cookie-domain-mismatch", id="other_domain"),
        pytest.param("pi.site-a.test", None, "cookie-domain-mismatch", id="not_on_a_label_boundary"),
        pytest.param("test", None, "cookie-domain-public-suffix", id="public_suffix"),
    ],
)
def test_domain_attribute(domain, result, rule):
    """6265bis §5.7 steps 7-10, §5.1.3; WPT cookies/attributes/domain.sub.html."""
    f = flow(page=API_A, api=API_A, set_cookie=f"sid=X; Path=/; Secure; Domain={domain}")
    assert (f.stored_cookie or {}).get("domain") == result
    assert rule in f.steps["login"].reasons


def test_domain_cookie_goes_to_sibling_subdomains():
    """6265bis §5.8.3: a Domain cookie set by api.site-a.test goes to app.site-a.test."""
    jar, _ = stored("sid=X; Path=/; Secure; Domain=site-a.test", page=API_A, api=API_A)
    went, _ = retrieve(jar, "sid", parse_origin(APP, "api"), "/api/me", ctx(APP, APP))
    assert len(went) == 1


def test_public_suffix_domain_equal_to_host_makes_a_host_only_cookie():
    """6265bis §5.7 step 9: Domain equal to the request host that is a public suffix becomes host-only."""
    f = flow(page=LOCALHOST, api=LOCALHOST, set_cookie="sid=X; Path=/; Domain=localhost")
    assert f.stored_cookie["domain"] == "localhost"


# ------------------------------------------------------------------------------------------ rule 16: Path


@pytest.mark.parametrize(
    "path_attribute, stored_path, me_sent",
    [
        pytest.param("", "/api", True, id="default_path"),
        pytest.param("; Path=relative", "/api", True, id="not_absolute_uses_default"),
        pytest.param("; Path=/api/login", "/api/login", False, id="login_only"),
        pytest.param("; Path=/API", "/API", False, id="case_sensitive"),
        pytest.param("; Path=/ap", "/ap", False, id="not_on_a_segment"),
    ],
)
def test_path(path_attribute, stored_path, me_sent):
    """6265bis §5.1.4 default-path and path-match; WPT cookies/path/match.html."""
    f = flow(set_cookie=f"sid=X; Secure{path_attribute}")
    assert f.stored_cookie["path"] == stored_path
    assert f.steps["me"].cookie_sent is me_sent
    if not me_sent:  # the logout request carries no cookie either, so the server sends no deletion
        assert (f.steps["logout"].server_status, f.steps["logout"].cookie_stored) == (401, True)


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
    assert oracle.path_match(request_path, cookie_path) is matches


# ------------------------------------------------------------------------------------------ rule 17: prefixes


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


# ------------------------------------------------------------------------------------------ rule 18: lifetime and deletion


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


@pytest.mark.parametrize(
    "date, expected",
    [
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("Wed, 21 Oct 15 07:28:00 GMT", 1445412480.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777.0),
        ("06-Nov-94 08:49:37", 784111777.0),
        ("Feb 30 2020 00:00:00", None),
        ("Jan 01 1600 00:00:00", None),
        ("tomorrow", None),
    ],
)
def test_cookie_date(date, expected):
    """6265bis §5.1.1 (two-digit years, the 1601 floor, impossible dates)."""
    assert parse_cookie_date(date) == expected


def test_lifetime_is_capped_at_400_days():
    """6265bis §5.5 Cookie Lifetime Limits."""
    _, why = stored(f"sid=X; Path=/; Secure; Max-Age={401 * 86400}")
    assert "cookie-lifetime-cap" in why


def test_server_deletion_matches_and_removes_the_cookie():
    """server/config.py CookieConfig.delete_cookie mirrored, then 6265bis §5.7 step 23 removes the cookie."""
    config = CookieConfig(samesite="None", secure=True, partitioned=True, domain="site-a.test")
    assert deletion_line(parse_set_cookie(config.set_cookie("X"))) == config.delete_cookie()
    f = flow(page=APP, api=API_A, set_cookie=config.set_cookie("X"))
    assert summary(f.steps["logout"]) == ("resolved", 200, 200, False, True, True, False)


@pytest.mark.parametrize(
    "logout_line",
    [
        pytest.param("sid=; Max-Age=0; Path=/api", id="other_path"),
        pytest.param("sid=; Max-Age=0; Path=/; Domain=site-a.test", id="domain_vs_host_only"),
        pytest.param("sid=; Max-Age=0; Path=/; Secure; SameSite=None", id="missing_partitioned"),
    ],
)
def test_deletion_with_other_attributes_leaves_the_cookie(logout_line):
    """6265bis §5.7 step 23 (name, domain, host-only flag, path) and CHIPS (partition key)."""
    f = flow(
        page=APP,
        api=API_A,
        set_cookie="sid=X; Path=/; Secure; SameSite=None; Partitioned",
        logout_set_cookie=logout_line,
    )
    logout = f.steps["logout"]
    assert (logout.server_status, logout.cookie_stored) == (200, True)
    assert logout.reasons[-3:] == ("cookie-expired", "cookie-deletion-mismatch", "fetch-set-cookie-hidden")


def test_invalid_cookie_gets_401_and_the_deletion():
    """server/app.py logout: a cookie whose session is gone is answered 401 with the deletion line."""
    case = step_case()
    state = oracle._State(jar=(cookie(value="stale"),))
    logout = oracle._step(case, "logout", state)
    assert summary(logout) == ("resolved", 401, 401, False, True, False, False)


# ------------------------------------------------------------------------------------------ rules 19-20: CHIPS and third parties


def test_partitioned_cookie_survives_third_party_blocking():
    """CHIPS; WPT cookies/partitioned-cookies/partitioned-cookies.tentative.https.html; environment.md."""
    f = flow(api=API_B, set_cookie=PARTITIONED, cors="allowlist")
    assert f.stored_cookie == {
        "domain": "api.site-b.test",
        "path": "/",
        "secure": True,
        "httpOnly": True,
        "partition_key": "https://site-a.test",
    }
    assert [f.steps[s].authenticated for s in oracle.STEPS] == [True, True, True, True, True]
    assert f.steps["logout"].cookie_stored is False


def test_unpartitioned_third_party_cookie_is_blocked_in_chromium_and_kept_in_firefox():
    """6265bis §7.1-§7.2 with the profiles' third_party_cookies facts."""
    chromium = flow(api=API_B, set_cookie=NONE_SECURE, cors="allowlist")
    firefox = flow(api=API_B, set_cookie=NONE_SECURE, cors="allowlist", profile=FIREFOX)
    assert chromium.steps["login"].cookie_stored is False and "third-party-cookies" in chromium.steps["login"].reasons
    assert firefox.steps["login"].cookie_stored is True and firefox.steps["me"].authenticated is True


@pytest.mark.parametrize(
    "spares, stored_after_login",
    [
        pytest.param(True, True, id="blocking_spares_partitioned"),
        pytest.param(False, False, id="blocking_rejects_partitioned"),
    ],
)
def test_third_party_blocking_and_partitioned_cookies(spares, stored_after_login):
    """CHIPS explainer vs nsICookieService BEHAVIOR_REJECT_FOREIGN: the profile decides if blocking spares CHIPS."""
    profile = replace(
        FIREFOX, third_party_cookies=Fact("blocked", "test"), blocking_spares_partitioned=Fact(spares, "test")
    )
    f = flow(api=API_B, set_cookie=PARTITIONED, cors="allowlist", profile=profile)
    assert f.steps["login"].cookie_stored is stored_after_login
    assert f.steps["me"].authenticated is stored_after_login
    assert ("third-party-cookies" in f.steps["login"].reasons) is True


def test_partitioned_needs_secure():
    """CHIPS: Partitioned without Secure is rejected."""
    jar, why = stored("sid=X; Path=/; Partitioned")
    assert jar == () and why[-1] == "chips-partitioned-secure"


def test_partition_key_is_the_top_level_site_and_firefox_jar_does_not_show_it():
    """CHIPS partition key; profiles.jar_reports_partition_key (Playwright's BiDi cookies lack it)."""
    jar, _ = stored("sid=X; Path=/; Secure; Partitioned")
    assert jar[0].partition_key == "https://site-a.test"
    assert flow(set_cookie="sid=X; Path=/; Secure; Partitioned", profile=FIREFOX).stored_cookie["partition_key"] is None


def test_partitioned_cookie_is_not_sent_under_another_top_level_site():
    went, why = retrieve(
        (cookie(partition_key="https://site-b.test"),), "sid", parse_origin(APP, "a"), "/api/me", ctx()
    )
    assert went == () and why == ["chips-partition-key"]


# ------------------------------------------------------------------------------------------ rule 21: size


@pytest.mark.parametrize("value_length, is_stored", [(4093, True), (4094, False)])
def test_name_plus_value_limit(value_length, is_stored):
    """6265bis §5.7 step 4; WPT cookies/size/name-and-value.html ('sid' + value: 4096 kept, 4097 rejected)."""
    jar, why = stored(f"sid={'a' * value_length}; Path=/")
    assert bool(jar) is is_stored
    assert (why == ["cookie-size-limit"]) is not is_stored


# ------------------------------------------------------------------------------------------ the server model


def test_create_with_session_but_no_cors_body_is_415_and_authenticated():
    """server/app.py create_resource: require_user runs before _json_body (a no-cors body is text/plain)."""
    case = step_case(mode="no-cors")
    state = oracle._State(jar=(cookie(value="live"),), sessions=frozenset({"live"}))
    assert summary(oracle._step(case, "create", state)) == ("resolved", 415, 415, False, True, True, True)


def test_cookie_name_comes_from_the_line():
    f = flow(set_cookie="connect.sid=s%3Aabc; Path=/; HttpOnly")
    assert f.steps["me"].authenticated and f.steps["logout"].cookie_stored is False


def test_other_name_deletion_does_not_touch_the_session_cookie():
    f = flow(set_cookie="sid=X; Path=/", logout_set_cookie="other=; Max-Age=0; Path=/")
    assert f.steps["logout"].cookie_stored is True


# ------------------------------------------------------------------------------------------ input errors


@pytest.mark.parametrize(
    "change, message",
    [
        pytest.param({"set_cookie": ""}, "is empty", id="empty_line"),
        pytest.param({"set_cookie": "Set-Cookie: sid=X"}, "header name", id="header_name_included"),
        pytest.param({"set_cookie": "sidX; Path=/"}, "NAME=VALUE", id="no_equals"),
        pytest.param({"set_cookie": "s id=X"}, "not an HTTP token", id="bad_name"),
        pytest.param({"set_cookie": "sid=X\r\nEvil: 1"}, "control character", id="line_break"),
        pytest.param({"logout_set_cookie": "=nothing"}, "logout_set_cookie", id="bad_logout_line"),
        pytest.param({"credentials": "same_origin"}, "credentials must be one of", id="credentials"),
        pytest.param({"mode": "navigate"}, "mode must be one of", id="mode"),
        pytest.param({"cors": "star"}, "cors must be one of", id="cors"),
        pytest.param({"page": "app.site-a.test"}, "scheme://host[:port]", id="origin_without_scheme"),
        pytest.param({"api": "https://api.site-b.test/api"}, "no path", id="origin_with_path"),
        pytest.param({"api": "ftp://api.site-b.test"}, "only http and https", id="origin_scheme"),
        pytest.param({"api": "https://api.site-b.test:99999"}, "outside 1-65535", id="origin_port"),
        pytest.param({"cors": "allowlist", "allowlist": ()}, "at least one origin", id="empty_allowlist"),
    ],
)
def test_input_errors_say_what_to_change(change, message):
    with pytest.raises(OracleInputError, match=re.escape(message)):
        flow(**change)


def test_input_error_is_a_value_error():
    assert issubclass(OracleInputError, ValueError)


# ------------------------------------------------------------------------------------------ result shape


def test_to_json_shape():
    data = flow(api=API_B, set_cookie=PARTITIONED, cors="allowlist").to_json()
    assert list(data) == ["login", "me", "list", "create", "logout", "js_visible"]
    assert data["login"] == {
        "fetch": "resolved",
        "status": 200,
        "cookie_stored": True,
        "cookie_sent": False,
        "authenticated": True,
        "reasons": list(data["login"]["reasons"]),
    }
    assert data["js_visible"] is False
    json.dumps(data)  # plain data


def test_steps_are_the_flow_steps_in_order():
    assert tuple(flow().steps) == FLOW_STEPS == oracle.STEPS


def test_allowlist_defaults_to_the_page_origin_without_default_port():
    f = flow(page="https://app.site-a.test:443", api=API_B, set_cookie=PARTITIONED, cors="allowlist")
    assert f.steps["login"].fetch == "resolved"


# ------------------------------------------------------------------------------------------ properties

ORIGINS = st.sampled_from([APP, APP_ALT_PORT, API_A, API_B, APP_HTTP, LOCALHOST, LOCALHOST_ALT])
LINES = st.builds(
    lambda name, attrs: "; ".join([f"{name}=X"] + attrs),
    st.sampled_from(["sid", "__Host-sid", "__Secure-sid"]),
    st.lists(
        st.sampled_from(
            [
                "Path=/",
                "Secure",
                "HttpOnly",
                "SameSite=None",
                "SameSite=Lax",
                "SameSite=Strict",
                "Partitioned",
                "Domain=site-a.test",
                "Max-Age=60",
                "Max-Age=0",
            ]
        ),
        unique=True,
    ),
)
CASES = st.fixed_dictionaries(
    {
        "page": ORIGINS,
        "api": ORIGINS,
        "set_cookie": LINES,
        "cors": st.sampled_from(CORS_POLICIES),
        "mode": st.sampled_from(oracle.REQUEST_MODES),
        "profile": st.sampled_from([CHROMIUM, FIREFOX, ALLOWED_3P]),
    }
)


@settings(max_examples=200, deadline=None)
@given(CASES)
def test_property_omit_never_sends_nor_stores(case):
    """Rule 1 for every origin pair, cookie, policy, mode and profile."""
    f = flow(credentials="omit", **case)
    assert not any(s.cookie_sent or s.cookie_stored for s in f.steps.values())
    assert f.js_visible is False and f.stored_cookie is None


@settings(max_examples=200, deadline=None)
@given(CASES, st.sampled_from(oracle.CREDENTIALS_MODES))
def test_property_nothing_is_sent_that_the_jar_did_not_hold(case, credentials):
    """Retrieval reads the jar only: a step sends the cookie only if the step before left it stored;
    a preflight or a rejected step never authenticates; me/list authenticate only with the cookie."""
    f = flow(credentials=credentials, **case)
    before = False
    for name, step in f.steps.items():
        assert not step.cookie_sent or before, (name, step)
        assert step.fetch != "rejected" or not (step.authenticated or step.server_status)
        if name in ("me", "list"):
            assert step.authenticated is (step.cookie_sent and step.server_status == 200)
        before = step.cookie_stored


# ------------------------------------------------------------------------------------------ the explain command


def test_explain_json_for_one_browser(capsys):
    code = explain.main(
        [
            "--browser",
            "chromium",
            "--page",
            APP,
            "--api",
            API_B,
            "--credentials",
            "include",
            "--cors",
            "allowlist",
            "--set-cookie",
            PARTITIONED,
            "--json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(data) == {"login", "me", "list", "create", "logout", "js_visible"}
    assert data["me"]["authenticated"] is True and data["login"]["reasons"][0] == "site-cross"


def test_explain_json_for_both_browsers(capsys):
    assert (
        explain.main(
            [
                "--page",
                APP,
                "--api",
                API_B,
                "--credentials",
                "include",
                "--cors",
                "allowlist",
                "--set-cookie",
                NONE_SECURE,
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"chromium", "firefox"}
    assert (data["chromium"]["login"]["cookie_stored"], data["firefox"]["login"]["cookie_stored"]) == (False, True)


def test_explain_text_names_each_step_and_its_rules(capsys):
    assert (
        explain.main(
            [
                "--browser",
                "firefox",
                "--page",
                APP_HTTP,
                "--api",
                APP,
                "--credentials",
                "include",
                "--cors",
                "reflect_any_credentials",
                "--set-cookie",
                "sid=X; Path=/; Secure; SameSite=Lax",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for step in oracle.STEPS:
        assert f"\n  {step} " in out
    assert "why: site-same → site-schemeful" in out
    assert "deviation samesite-schemeless" in out
    assert f"site-schemeful: {RULES['site-schemeful'].text} [{RULES['site-schemeful'].source}]" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["--page", "https://app.site-a.test/x"], "no path", id="origin_with_path"),
        pytest.param(["--page", APP, "--set-cookie", "nonsense"], "NAME=VALUE", id="bad_set_cookie"),
        pytest.param(["--page", APP, "--cors", "star"], "invalid choice", id="bad_policy"),
        pytest.param([], "--page", id="missing_page"),
    ],
)
def test_explain_input_errors_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        explain.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_explain_verify_unavailable(monkeypatch, capsys):
    monkeypatch.setattr(explain, "_load_verify", lambda: None)
    assert explain.main(["--page", APP, "--verify"]) == 2
    assert "--verify is not available" in capsys.readouterr().err


def test_explain_verify_gets_the_arguments(monkeypatch, capsys):
    seen = []

    class Verify:
        @staticmethod
        def verify(args):
            seen.append((args.page, args.api, args.browsers))
            return 1

    monkeypatch.setattr(explain, "_load_verify", lambda: Verify)
    assert explain.main(["--page", APP, "--browser", "firefox", "--verify"]) == 1
    assert seen == [(APP, APP, ["firefox"])]


def test_explain_as_a_module_without_traceback():
    run = [sys.executable, "-m", "e2e.explain"]
    ok = subprocess.run(
        run
        + [
            "--browser",
            "chromium",
            "--page",
            LOCALHOST,
            "--api",
            LOCALHOST_ALT,
            "--credentials",
            "include",
            "--cors",
            "reflect_any_credentials",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["js_visible"] is False  # the default cookie is HttpOnly
    bad = subprocess.run(run + ["--page", "localhost:8080"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "scheme://host[:port]" in bad.stderr
