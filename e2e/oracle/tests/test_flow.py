"""The matrix's flow, step by step, from the rules (e2e/oracle/flow.py): each test a small example from the
specifications or web-platform-tests, and properties over every origin pair, cookie, policy and mode."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from e2e.oracle.flow import STEP_FIELDS, expect
from e2e.oracle.profiles import CHROMIUM, FIREFOX, Fact
from e2e.oracle.setcookie import deletion_line, parse_set_cookie
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.tests.examples import (
    ALLOWED_3P,
    API_A,
    API_B,
    APP,
    APP_ALT_PORT,
    APP_HTTP,
    LOCALHOST,
    LOCALHOST_ALT,
    NONE_SECURE,
    NOW,
    PARTITIONED,
    flow,
    stored,
    summary,
)
from e2e.oracle.vocabulary import BODIES, CORS_POLICIES, CREDENTIALS_MODES, REQUEST_MODES, STEPS
from server.config import CookieConfig


def test_omit_same_origin_neither_stores_nor_sends():
    """WPT fetch/api/credentials/cookies.any.js: 'Omit mode: discard cookies', 'Omit mode: no cookie sent'."""
    f = flow(credentials="omit")
    assert summary(f.steps["login"]) == ("resolved", 200, 200, False, False, True, False)
    assert summary(f.steps["me"]) == ("resolved", 401, 401, False, False, False, False)
    assert f.steps["login"].reasons[:2] == ("fetch-same-origin", "fetch-credentials-omit")
    assert f.stored_cookie is None and f.js_visible is False


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
    assert [summary(f.steps[s])[:2] for s in STEPS] == [
        ("resolved", 200),
        ("resolved", 200),
        ("resolved", 200),
        ("resolved", 201),
        ("resolved", 200),
    ]
    assert all(f.steps[s].cookie_sent for s in ("me", "list", "create", "logout"))
    assert [f.steps[s].cookie_stored for s in STEPS] == [True, True, True, True, False]


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


def test_wildcard_policy_without_credentials_resolves():
    """Fetch #concept-cors-check: '*' is fine when credentials are not included."""
    f = flow(api=API_B, credentials="same-origin", cors="wildcard")
    assert summary(f.steps["login"]) == ("resolved", 200, 200, True, False, True, False)


def test_script_never_sees_set_cookie():
    """Fetch #forbidden-response-header-name: a resolved login that set a cookie cites it."""
    assert flow().steps["login"].reasons[-1] == "fetch-set-cookie-hidden"


def test_json_posts_are_preflighted_gets_and_bodiless_posts_are_not():
    """Fetch #cors-preflight-fetch; WPT fetch/api/cors/cors-preflight.any.js."""
    f = flow(api=API_B, set_cookie=PARTITIONED, cors="allowlist")
    assert {s: f.steps[s].preflight for s in STEPS} == {
        "login": True,
        "me": False,
        "list": False,
        "create": True,
        "logout": False,
    }
    assert "fetch-preflight-no-credentials" in f.steps["create"].reasons
    assert "fetch-simple-request" in f.steps["logout"].reasons
    assert not any(s.preflight for s in flow().steps.values())  # same-origin: never


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


def test_public_suffix_domain_equal_to_host_makes_a_host_only_cookie():
    """6265bis §5.7 step 9: Domain equal to the request host that is a public suffix becomes host-only."""
    f = flow(page=LOCALHOST, api=LOCALHOST, set_cookie="sid=X; Path=/; Domain=localhost")
    assert f.stored_cookie["domain"] == "localhost"


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
    chain = logout.reasons
    start = chain.index("cookie-expired")
    assert chain[start : start + 3] == ("cookie-expired", "cookie-deletion-mismatch", "fetch-set-cookie-hidden")


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
    assert [f.steps[s].authenticated for s in STEPS] == [True, True, True, True, True]
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


def test_partition_key_is_the_top_level_site_in_both_jars():
    """CHIPS partition key; profiles.jar_reports_partition_key (Firefox's from its cookie log, as Playwright's BiDi
    cookies lack it), and a jar that does not report it expects None."""
    jar, _ = stored("sid=X; Path=/; Secure; Partitioned")
    assert jar[0].partition_key == "https://site-a.test"
    line = "sid=X; Path=/; Secure; Partitioned"
    assert flow(set_cookie=line, profile=FIREFOX).stored_cookie["partition_key"] == "https://site-a.test"
    silent = replace(FIREFOX, jar_reports_partition_key=Fact(False, "test: a jar without partition keys"))
    assert flow(set_cookie=line, profile=silent).stored_cookie["partition_key"] is None


def test_to_json_shape():
    """Every field the comparison reads is in the JSON, per step with its rule chain, and the jar's view of the cookie
    (the report's detail shows each of them next to what the browser did)."""
    data = flow(api=API_B, set_cookie=PARTITIONED, cors="allowlist").to_json()
    assert list(data) == ["login", "me", "list", "create", "logout", "steps", "js_visible", "js_reasons",
                          "document_cookie", "document_reasons", "script_results", "stored_cookie", "storage_access",
                          "has_access", "storage_reasons", "deviations"]  # fmt: skip
    assert data["login"] == {
        "fetch": "resolved",
        "status": 200,
        "server_status": 200,
        "preflight": True,
        "cookie_sent": False,
        "authenticated": True,
        "cookie_stored": True,
        "origin": APP,
        "header_read": False,  # a CORS response that exposes no header: X-Request-Id reads as null
        "cookie_header": None,
        "reasons": list(data["login"]["reasons"]),
    }
    assert tuple(k for k in data["login"] if k not in ("reasons", "cookie_header")) == STEP_FIELDS
    assert data["me"]["cookie_header"] == "sid=session-1" and data["document_cookie"] == ""
    assert data["js_visible"] is False
    assert data["stored_cookie"] == {"domain": "api.site-b.test", "path": "/", "secure": True, "httpOnly": True,
                                     "partition_key": "https://site-a.test"}  # fmt: skip
    json.dumps(data)  # plain data


def test_steps_are_the_flow_steps_in_order():
    assert tuple(flow().steps) == STEPS


def test_allowlist_defaults_to_the_page_origin_without_default_port():
    f = flow(page="https://app.site-a.test:443", api=API_B, set_cookie=PARTITIONED, cors="allowlist")
    assert f.steps["login"].fetch == "resolved"


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
        "mode": st.sampled_from(REQUEST_MODES),
        "profile": st.sampled_from([CHROMIUM, FIREFOX, ALLOWED_3P]),
        "body": st.sampled_from(tuple(BODIES)),
        "fixed_origin": ORIGINS,
    }
).map(
    lambda c: (
        {k: v for k, v in c.items() if k != "fixed_origin"}
        | {"allowlist": (c["fixed_origin"],) if c["cors"] == "fixed" else None, "lenient_body": c["body"] != "json"}
    )
)


@settings(max_examples=200, deadline=None)
@given(CASES)
def test_property_omit_never_sends_nor_stores(case):
    """Rule fetch-credentials-omit for every origin pair, cookie, policy, mode and profile."""
    f = flow(credentials="omit", **case)
    assert not any(s.cookie_sent or s.cookie_stored for s in f.steps.values())
    assert f.js_visible is False and f.stored_cookie is None


@settings(max_examples=200, deadline=None)
@given(CASES, st.sampled_from(CREDENTIALS_MODES))
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


def _written(writes, lines=("ok=1; Path=/",), page=APP, profile=CHROMIUM):
    spec = FlowSpec(page, page, ServerSpec(set_cookie=lines, exact=True), "same-origin", script_writes=writes)
    return expect(spec, profile, now=NOW)


@pytest.mark.parametrize(
    "writes, shown, rule",
    [
        pytest.param(("h=1; HttpOnly",), "ok=1", "cookie-httponly-script-write", id="httponly_by_script"),
        pytest.param(("ok=2; Path=/",), "ok=2", "cookie-stored", id="replaces_a_readable_cookie"),
        pytest.param(("__Host-a=1; Secure; Path=/",), "ok=1; __Host-a=1", "cookie-stored", id="host_prefix"),
        pytest.param(("__Secure-b=1; Path=/",), "ok=1", "cookie-prefix-secure", id="secure_prefix_without_secure"),
    ],
)
def test_the_pages_writes_land_in_document_cookie_and_the_next_requests(writes, shown, rule):
    """6265bis §5.7 for the non-HTTP API: what the page writes after login is what document.cookie shows and what
    me carries, or the rule that refused it."""
    flow = _written(writes)
    assert flow.document_cookie == shown and flow.steps["me"].cookie_header == shown
    assert rule in flow.document_reasons and flow.document_reasons[0] == "cookie-script-write"


def test_a_script_write_over_an_httponly_cookie_changes_nothing():
    """6265bis §5.7 step 23: a non-HTTP API cannot replace an HttpOnly cookie."""
    flow = _written(("sid=2; Path=/",), lines=("sid=1; Path=/; HttpOnly",))
    assert flow.document_cookie == "" and flow.steps["me"].cookie_header == "sid=1"
    assert flow.document_reasons[-1] == "cookie-httponly-script-write"


def test_a_secure_attribute_trimmed_of_its_htab_is_secure():
    """6265bis §5.6 trims WSP around attribute names: 'Secure\\t' is Secure, refused from an http page (the WPT
    expectation for attributes-ctl.sub.html says otherwise; e2e/oracle/wpt/conformance.py WPT_BUGS)."""
    flow = _written(("t=1; Secure\t;",), page=APP_HTTP)
    assert flow.document_cookie == "ok=1" and "cookie-secure-origin" in flow.document_reasons
