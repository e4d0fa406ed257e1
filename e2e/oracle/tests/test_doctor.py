"""The doctor (e2e/oracle/doctor.py): the diagnosis of a setup in each browser profile and third-party setting, the
fixes found in its neighbourhood and their order, and the CORS lint; each test a setup a user meets, judged from the
rules the oracle applies."""

from __future__ import annotations

from dataclasses import replace

import pytest

from e2e.oracle.doctor import Setting, candidates, diagnose, diagnoses, fixes, lint, settings_of, summary
from e2e.oracle.flow import expect
from e2e.oracle.profiles import CHROMIUM, FIREFOX
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.tests.examples import NOW

VITE, EXPRESS = "http://localhost:5173", "http://localhost:3000"
APP, API_SAME_SITE, API_OTHER = "https://app.example.com", "https://api.example.com", "https://api.other.net"
CONNECT_SID = "connect.sid=s%3Aabc; Path=/; HttpOnly; Secure"


def spec(page=APP, api=API_OTHER, line="sid=x; Path=/; HttpOnly", credentials="include", cors="allowlist", **more):
    server = {k: more.pop(k) for k in list(more) if k in ServerSpec.__dataclass_fields__}
    return FlowSpec(page, api, ServerSpec(line, cors=cors, **server), credentials, **more)


def test_same_origin_credentials_to_another_port_is_the_cause_and_include_the_fix():
    """Fetch #concept-request-credentials-mode: 'same-origin' neither stores nor sends a cookie for another port, in
    every profile; the fix is credentials 'include', which the allowlist's Access-Control-Allow-Credentials admits."""
    s = spec(VITE, EXPRESS, CONNECT_SID, "same-origin")
    found = diagnoses(s, settings_of(s), NOW)
    assert {(b.step, b.what, b.rule) for b in found.values()} == {("login", "not_stored",
                                                                    "fetch-credentials-same-origin")}  # fmt: skip
    assert "credentials: 'same-origin'" in next(iter(found.values())).sentence and EXPRESS in summary(found)[0]
    best = fixes(s, now=NOW)[0]
    assert [c.label for c in best.changes] == ["credentials: 'include'"] and best.everywhere
    assert "credentials: 'include'" in best.changes[0].code[0]


def test_a_cross_site_cookie_without_samesite_needs_none_secure_and_partitioned():
    """6265bis §5.7 step 18 with Lax by default (Chromium): an unset SameSite is refused cross-site; the smallest fix
    is SameSite=None; Secure, with Partitioned for the profiles that block third-party cookies; nothing cross-site
    works where Firefox blocks third-party cookies (its profile spares no Partitioned cookie)."""
    s = spec()
    found = diagnoses(s, settings_of(s), NOW)
    assert found[Setting("chromium", "allowed")].rule == "samesite-cross-site-store"
    assert (found[Setting("firefox", None)] is None) is not FIREFOX.lax_by_default.value  # the profile's fact
    best = fixes(s, now=NOW)[0]
    assert best.changes[0].label.startswith("SameSite=None; Secure; Partitioned")
    # where blocking spares no Partitioned cookie, nothing cross-site keeps the session
    profiles = {p.name: p for p in (CHROMIUM, FIREFOX)}
    under = {t: profiles[t.browser].under_third_party_setting(t.third_party) for t in settings_of(s)}
    assert best.fails == tuple(t for t, p in under.items() if p.third_party_cookies.value == "blocked"
                               and not p.blocking_spares_partitioned.value)  # fmt: skip
    plain = next(f for f in fixes(s, now=NOW) if f.changes[0].label == "SameSite=None; Secure")
    assert Setting("chromium", None) in plain.fails and Setting("chromium", "allowed") in plain.works


def test_a_fix_that_weakens_security_is_never_first():
    """Fetch #cors-check: '*' never admits credentials; the allowlist fixes it, and the reflect-any mistake, which
    also works, comes after it with its cost said."""
    found = fixes(spec(API_SAME_SITE.replace("api", "app"), API_SAME_SITE, "sid=x; Path=/; Secure; SameSite=Lax",
                       cors="wildcard"), now=NOW)  # fmt: skip
    assert not found[0].cost and found[0].changes[0].kind == "cors"
    reflect = next(f for f in found if "reflect any" in f.changes[0].label)
    assert "any site can" in reflect.cost and found.index(reflect) > 0


def test_express_session_behind_a_proxy_it_does_not_trust():
    """express-session's Secure cookie over a proxy that ends TLS: without trust proxy the server leaves the cookie
    out; the fix says trust proxy, ProxyFix and nginx's X-Forwarded-Proto."""
    s = spec(APP, APP, "sid=x; Path=/; HttpOnly; Secure", "same-origin", secure_cookie_needs_tls=True,
             forwarded_https=True)  # fmt: skip
    assert diagnose(s, expect(s, CHROMIUM, NOW)).rule == "server-secure-needs-tls"
    best = fixes(s, now=NOW)[0]
    assert best.changes[0].kind == "proxy" and any("X-Forwarded-Proto" in c for c in best.changes[0].code)


@pytest.mark.parametrize(
    "line, rule, fix",
    [
        pytest.param("sid=x; Path=/; Domain=other.org; Secure; SameSite=Lax", "cookie-domain-mismatch",
                     "no Domain (host-only)", id="foreign_domain"),
        pytest.param("__Host-sid=x; Path=/api; Secure; SameSite=Lax", "cookie-prefix-host", "Path=/",
                     id="host_prefix_path"),
    ],
)  # fmt: skip
def test_a_refused_attribute_is_named_and_fixed(line, rule, fix):
    """6265bis §5.7: the rule that refused the line is the decisive one, and the fix changes that attribute."""
    s = spec(APP, APP, line, "same-origin")
    assert diagnose(s, expect(s, FIREFOX, NOW)).rule == rule
    assert fixes(s, now=NOW)[0].changes[0].label == fix


def test_a_secure_cookie_from_plain_http_is_dropped_secure_with_its_cost():
    """6265bis §5.7 step 13: no Secure cookie from an insecure URL that is not loopback; dropping Secure works and
    says what it costs."""
    s = spec("http://app.example.com", "http://app.example.com", "sid=x; Path=/; Secure", "same-origin")
    assert diagnose(s, expect(s, CHROMIUM, NOW)).rule == "cookie-secure-origin"
    best = fixes(s, now=NOW)[0]
    assert best.changes[0].label.startswith("drop Secure") and "plain http" in best.cost


def test_a_logout_that_misses_the_cookie():
    """6265bis §5.7 step 23: a deletion with another Path leaves the cookie: logout is where the session breaks."""
    s = spec(APP, APP, "sid=x; Path=/; Secure; SameSite=Lax", "same-origin",
             logout_set_cookie="sid=; Max-Age=0; Path=/api; Secure; SameSite=Lax")  # fmt: skip
    broken = diagnose(s, expect(s, CHROMIUM, NOW))
    assert (broken.step, broken.what, broken.rule) == ("logout", "logout_keeps", "cookie-deletion-mismatch")


def test_a_working_setup_says_so_and_has_nothing_to_fix():
    """A same-site API with a Lax, Secure cookie and an allowlist works in every profile and setting."""
    s = spec(APP, API_SAME_SITE, "sid=x; Path=/; Secure; HttpOnly; SameSite=Lax")
    found = diagnoses(s, settings_of(s), NOW)
    assert not any(found.values())
    assert summary(found) == ["in every browser and third-party setting, the session works"]
    assert fixes(s, now=NOW) == []


def test_the_spec_s_own_third_party_setting_narrows_the_diagnosis():
    """A spec with its own third-party setting is diagnosed under that setting alone."""
    assert settings_of(spec(third_party="allowed")) == [Setting("chromium", "allowed"), Setting("firefox", "allowed")]


@pytest.mark.parametrize(
    "changes, words",
    [
        pytest.param({"cors": "reflect", "vary_origin": False, "allowlist": None}, "Vary: Origin", id="no_vary"),
        pytest.param(
            {"cors": "wildcard", "allowlist": None},
            "never admits a request with credentials",
            id="wildcard_credentials",
        ),
        pytest.param({"cors": "reflect_any_credentials", "allowlist": None}, "any site can read", id="reflect_any"),
        pytest.param(
            {"preflight_max_age": 100_000},
            f"above chromium's cap of {CHROMIUM.preflight_max_age_cap.value} s",
            id="max_age",
        ),  # fmt: skip
        pytest.param({"expose_headers": "wildcard"}, "a header called '*'", id="expose_wildcard"),
    ],
)
def test_lint_reads_the_cors_answers(changes, words):
    """Fetch's CORS protocol and each engine's Max-Age cap: each mistake is named with its fix."""
    s = spec()
    s = replace(s, server=replace(s.server, **changes))
    assert any(words in line for line in lint(s)), lint(s)
    assert lint(spec()) == []


def test_lines_sent_byte_for_byte_carry_no_session_and_say_so():
    """A first line that names no cookie goes byte for byte, without the server's session id: the diagnosis says that,
    not a credentials mode (the page and the API are one origin) nor a cookie refused."""
    s = spec(APP, APP, "token", "same-origin", exact=True)  # as explain sends a line that names no cookie
    found = diagnoses(s, settings_of(s), NOW)
    assert {(b.step, b.rule) for b in found.values()} == {("me", "server-exact-lines")}


def test_same_origin_credentials_to_the_page_s_own_origin_are_no_cause():
    """credentials 'same-origin' to the page's own origin sends the cookie: a refusal there is another rule's."""
    s = spec(APP, APP, "sid=x; Path=/; Domain=other.org; Secure", "same-origin")
    assert diagnose(s, expect(s, CHROMIUM, NOW)).rule == "cookie-domain-mismatch"


def test_two_changes_are_found_where_one_moves_the_breakage():
    """An OAuth return with a Strict state cookie (6265bis §5.8.3: not sent with the provider's cross-site return)
    and a session cookie without Path (its default path is the callback's directory): fixing the state cookie moves
    the breakage to the Path, and the pair of both is the fix."""
    server = ServerSpec(
        "sid=x; Secure; SameSite=Lax", state_cookie="state=X; Path=/; Secure; HttpOnly; SameSite=Strict"
    )
    s = FlowSpec(APP, APP, server, login="idp", idp="https://accounts.example.org")
    assert {b.rule for b in diagnoses(s, settings_of(s), NOW).values()} == {"server-idp-state-missing"}
    best = fixes(s, now=NOW)[0]
    assert [c.label for c in best.changes] == ["the state cookie SameSite=Lax", "Path=/"] and best.everywhere


def test_moving_the_api_leaves_the_old_api_s_redirect_behind():
    """A login redirected through another origin: each arrangement of origins the doctor proposes (the page's own
    origin through a proxy, a host of the page's site) is a spec the oracle judges, not one its checks refuse
    (redirect_via is the old API's chain)."""
    s = spec(redirect_via=("https://sso.other.net",), redirect_status=307)
    moves = [c for c in candidates(s) if c.kind == "origins"]
    assert {c.label.split(" (")[0].split(",")[0] for c in moves} == {
        "serve the API through the page's own origin",
        "serve the API from api.example.com",
    }
    for change in moves:
        moved = change.apply(s)
        assert moved.redirect_via == () and moved.server.redirects == ()
        diagnose(moved, expect(moved, CHROMIUM, now=NOW))
