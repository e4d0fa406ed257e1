"""Configuration through the API: the cookie's Set-Cookie lines, invalid settings, CORS, TLS and the CSRF check."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError

import pytest

from server.config import ConfigError, CookieConfig, CorsPolicy, Settings

EPOCH = "Expires=Thu, 01 Jan 1970 00:00:00 GMT"
DATE = "Wed, 21 Oct 2037 07:28:00 GMT"
LOGIN = {"username": "alice", "password": "wonderland"}
PAGE = "https://app.site-a.test:8443"
EVIL = "https://evil.test"

# Each cookie configuration with the Set-Cookie line that issues {sid} and the one logout sends.
COOKIE_LINES = [
    pytest.param(
        CookieConfig(), "sid={sid}; Path=/; HttpOnly", f"sid=; Max-Age=0; {EPOCH}; Path=/; HttpOnly", id="default"
    ),
    pytest.param(
        CookieConfig(samesite="Lax"),
        "sid={sid}; Path=/; HttpOnly; SameSite=Lax",
        f"sid=; Max-Age=0; {EPOCH}; Path=/; HttpOnly; SameSite=Lax",
        id="samesite_lax",
    ),
    pytest.param(
        CookieConfig(samesite="Strict"),
        "sid={sid}; Path=/; HttpOnly; SameSite=Strict",
        f"sid=; Max-Age=0; {EPOCH}; Path=/; HttpOnly; SameSite=Strict",
        id="samesite_strict",
    ),
    pytest.param(
        CookieConfig(samesite="None"),
        "sid={sid}; Path=/; HttpOnly; SameSite=None",
        f"sid=; Max-Age=0; {EPOCH}; Path=/; HttpOnly; SameSite=None",
        id="samesite_none_insecure",
    ),
    pytest.param(
        CookieConfig(secure=True),
        "sid={sid}; Path=/; Secure; HttpOnly",
        f"sid=; Max-Age=0; {EPOCH}; Path=/; Secure; HttpOnly",
        id="secure",
    ),
    pytest.param(
        CookieConfig(httponly=False), "sid={sid}; Path=/", f"sid=; Max-Age=0; {EPOCH}; Path=/", id="script_readable"
    ),
    pytest.param(
        CookieConfig(samesite="None", secure=True, partitioned=True),
        "sid={sid}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned",
        f"sid=; Max-Age=0; {EPOCH}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned",
        id="partitioned",
    ),
    pytest.param(
        CookieConfig(domain="site-a.test"),
        "sid={sid}; Path=/; Domain=site-a.test; HttpOnly",
        f"sid=; Max-Age=0; {EPOCH}; Path=/; Domain=site-a.test; HttpOnly",
        id="domain",
    ),
    pytest.param(
        CookieConfig(path="/api"),
        "sid={sid}; Path=/api; HttpOnly",
        f"sid=; Max-Age=0; {EPOCH}; Path=/api; HttpOnly",
        id="path_api",
    ),
    pytest.param(
        CookieConfig(path=None), "sid={sid}; HttpOnly", f"sid=; Max-Age=0; {EPOCH}; HttpOnly", id="path_omitted"
    ),
    pytest.param(
        CookieConfig(max_age=3600),
        "sid={sid}; Max-Age=3600; Path=/; HttpOnly",
        f"sid=; Max-Age=0; {EPOCH}; Path=/; HttpOnly",
        id="max_age",
    ),
    pytest.param(
        CookieConfig(max_age=0),
        "sid={sid}; Max-Age=0; Path=/; HttpOnly",
        f"sid=; Max-Age=0; {EPOCH}; Path=/; HttpOnly",
        id="max_age_zero",
    ),
    pytest.param(
        CookieConfig(expires=DATE),
        f"sid={{sid}}; Expires={DATE}; Path=/; HttpOnly",
        f"sid=; Max-Age=0; {EPOCH}; Path=/; HttpOnly",
        id="expires",
    ),
    pytest.param(
        CookieConfig(name="__Host-sid", secure=True, samesite="Lax"),
        "__Host-sid={sid}; Path=/; Secure; HttpOnly; SameSite=Lax",
        f"__Host-sid=; Max-Age=0; {EPOCH}; Path=/; Secure; HttpOnly; SameSite=Lax",
        id="host_prefix",
    ),
    pytest.param(
        CookieConfig(name="__Secure-sid", secure=True, domain="site-a.test", path="/api"),
        "__Secure-sid={sid}; Path=/api; Domain=site-a.test; Secure; HttpOnly",
        f"__Secure-sid=; Max-Age=0; {EPOCH}; Path=/api; Domain=site-a.test; Secure; HttpOnly",
        id="secure_prefix",
    ),
    # Prefixes are the browser's to enforce: the server writes an insecure __Host- cookie as configured.
    pytest.param(
        CookieConfig(name="__Host-sid", domain="site-a.test"),
        "__Host-sid={sid}; Path=/; Domain=site-a.test; HttpOnly",
        f"__Host-sid=; Max-Age=0; {EPOCH}; Path=/; Domain=site-a.test; HttpOnly",
        id="host_prefix_broken",
    ),
    pytest.param(
        CookieConfig(name="connect.sid"),
        "connect.sid={sid}; Path=/; HttpOnly",
        f"connect.sid=; Max-Age=0; {EPOCH}; Path=/; HttpOnly",
        id="express_default_name",
    ),
    pytest.param(
        CookieConfig(
            name="__Host-id", samesite="None", secure=True, httponly=True, partitioned=True, max_age=60, expires=DATE
        ),
        f"__Host-id={{sid}}; Max-Age=60; Expires={DATE}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned",
        f"__Host-id=; Max-Age=0; {EPOCH}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned",
        id="everything",
    ),
]

INVALID = [
    pytest.param(
        lambda: CookieConfig(name=""), "cookie name '' is not an HTTP token; use letters, digits", id="name_empty"
    ),
    pytest.param(lambda: CookieConfig(name="my sid"), "cookie name 'my sid' is not an HTTP token", id="name_space"),
    pytest.param(lambda: CookieConfig(name="sid;x"), "cookie name 'sid;x' is not an HTTP token", id="name_semicolon"),
    pytest.param(lambda: CookieConfig(name="sid=x"), "cookie name 'sid=x' is not an HTTP token", id="name_equals"),
    pytest.param(
        lambda: CookieConfig(name="sid\n"), "cookie name 'sid\\n' is not an HTTP token", id="name_trailing_newline"
    ),
    pytest.param(lambda: CookieConfig(name="s\u00e9ance"), "is not an HTTP token", id="name_non_ascii"),
    pytest.param(
        lambda: CookieConfig(samesite="lax"),
        "samesite must be one of (None, 'Lax', 'Strict', 'None'), not 'lax'",
        id="samesite_lower_case",
    ),
    pytest.param(
        lambda: CookieConfig(samesite=""),
        "samesite must be one of (None, 'Lax', 'Strict', 'None'), not ''",
        id="samesite_empty",
    ),
    pytest.param(
        lambda: CookieConfig(path="api"),
        "path must start with '/' and hold no ';' (or be None for the default-path), not 'api'",
        id="path_relative",
    ),
    pytest.param(lambda: CookieConfig(path=""), "path must start with '/'", id="path_empty"),
    pytest.param(lambda: CookieConfig(path="/a;b"), "path must start with '/' and hold no ';'", id="path_semicolon"),
    pytest.param(
        lambda: CookieConfig(path="/api\r\n"), "path may hold only printable ASCII without ';'", id="path_newline"
    ),
    pytest.param(
        lambda: CookieConfig(path="/caf\u00e9"), "path may hold only printable ASCII without ';'", id="path_non_ascii"
    ),
    pytest.param(
        lambda: CookieConfig(domain=""),
        "domain '' is not a host name; leave it None for a host-only cookie",
        id="domain_empty",
    ),
    pytest.param(lambda: CookieConfig(domain="site a.test"), "is not a host name; leave it None", id="domain_space"),
    pytest.param(
        lambda: CookieConfig(domain="site-a.test;Secure"), "is not a host name; leave it None", id="domain_semicolon"
    ),
    pytest.param(
        lambda: CookieConfig(domain="site-a.test\t"),
        "domain may hold only printable ASCII",
        id="domain_control_character",
    ),
    pytest.param(
        lambda: CookieConfig(domain="b\u00fccher.test"), "use the A-label for a non-ASCII domain", id="domain_non_ascii"
    ),
    pytest.param(
        lambda: CookieConfig(expires=f"{DATE}; Domain=evil.test"),
        "expires may hold only printable ASCII without ';'",
        id="expires_semicolon",
    ),
    pytest.param(
        lambda: CookieConfig(expires=f"{DATE}\r\nX-Injected: 1"),
        "expires may hold only printable ASCII",
        id="expires_newline",
    ),
    pytest.param(
        lambda: CookieConfig(max_age=1.5), "max_age must be whole seconds or None, not 1.5", id="max_age_float"
    ),
    pytest.param(
        lambda: CookieConfig(max_age="3600"), "max_age must be whole seconds or None, not '3600'", id="max_age_string"
    ),
    pytest.param(
        lambda: CookieConfig(max_age=True), "max_age must be whole seconds or None, not True", id="max_age_boolean"
    ),
    pytest.param(
        lambda: CorsPolicy("any"),
        "CORS policy must be one of ('none', 'wildcard', 'reflect', 'allowlist', 'reflect_any_credentials', 'fixed'), "
        "not 'any'",
        id="cors_unknown_kind",
    ),
    pytest.param(
        lambda: CorsPolicy("allowlist"),
        "the allowlist CORS policy needs at least one origin",
        id="cors_allowlist_empty",
    ),
    pytest.param(
        lambda: CorsPolicy("reflect", (PAGE,)),
        "drop them or use kind='allowlist', not 'reflect'",
        id="cors_origins_without_allowlist",
    ),
    pytest.param(
        lambda: CorsPolicy("fixed"), "the fixed CORS policy answers one configured origin", id="cors_fixed_empty"
    ),
    pytest.param(
        lambda: CorsPolicy("allowlist", PAGE),
        f"allowlist must be a tuple of origins, e.g. ('{PAGE}',), not a string",
        id="cors_allowlist_string",
    ),
    pytest.param(
        lambda: Settings(csrf="strict"), "csrf must be one of ('off', 'origin'), not 'strict'", id="csrf_unknown"
    ),
    pytest.param(lambda: Settings(session_ttl=0), "session_ttl and max_sessions must be positive", id="ttl_zero"),
    pytest.param(
        lambda: Settings(max_sessions=-1), "session_ttl and max_sessions must be positive", id="max_sessions_negative"
    ),
    pytest.param(
        lambda: Settings().with_cookie(samesite="strict"), "samesite must be one of", id="with_cookie_validates"
    ),
]

# Each policy and Origin with the CORS headers every /api answer carries.
CORS_CASES = [
    pytest.param(CorsPolicy(), EVIL, {}, id="none"),
    pytest.param(CorsPolicy(), None, {}, id="none_without_origin"),
    pytest.param(CorsPolicy("wildcard"), EVIL, {"Access-Control-Allow-Origin": "*"}, id="wildcard"),
    pytest.param(CorsPolicy("wildcard"), None, {"Access-Control-Allow-Origin": "*"}, id="wildcard_without_origin"),
    pytest.param(CorsPolicy("reflect"), EVIL, {"Access-Control-Allow-Origin": EVIL, "Vary": "Origin"}, id="reflect"),
    pytest.param(
        CorsPolicy("reflect"), "null", {"Access-Control-Allow-Origin": "null", "Vary": "Origin"}, id="reflect_null"
    ),
    pytest.param(CorsPolicy("reflect"), None, {}, id="reflect_without_origin"),
    pytest.param(
        CorsPolicy("allowlist", (PAGE, "https://api.site-b.test")),
        PAGE,
        {"Access-Control-Allow-Origin": PAGE, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"},
        id="allowlist_hit",
    ),
    pytest.param(CorsPolicy("allowlist", (PAGE,)), EVIL, {"Vary": "Origin"}, id="allowlist_miss"),
    pytest.param(
        CorsPolicy("allowlist", (PAGE,)), "https://app.site-a.test", {"Vary": "Origin"}, id="allowlist_miss_other_port"
    ),
    pytest.param(
        CorsPolicy("allowlist", (PAGE,)), "https://app.site-a", {"Vary": "Origin"}, id="allowlist_miss_prefix"
    ),
    pytest.param(
        CorsPolicy("allowlist", ("https://app.site-a.test",)),
        "https://app.site-a.test.evil.test",
        {"Vary": "Origin"},
        id="allowlist_miss_extended",
    ),
    pytest.param(CorsPolicy("allowlist", (PAGE,)), None, {}, id="allowlist_without_origin"),
    pytest.param(
        CorsPolicy("fixed", (PAGE,)),
        EVIL,
        {"Access-Control-Allow-Origin": PAGE, "Access-Control-Allow-Credentials": "true"},
        id="fixed_other_origin",
    ),
    pytest.param(
        CorsPolicy("fixed", (PAGE,)),
        None,
        {"Access-Control-Allow-Origin": PAGE, "Access-Control-Allow-Credentials": "true"},
        id="fixed_without_origin",
    ),
    pytest.param(
        CorsPolicy("reflect_any_credentials"),
        EVIL,
        {"Access-Control-Allow-Origin": EVIL, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"},
        id="reflect_any_credentials",
    ),
    pytest.param(CorsPolicy("reflect_any_credentials"), None, {}, id="reflect_any_credentials_without_origin"),
]
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Vary",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Expose-Headers",
)
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "0",
}

# Whether login sends the Secure cookie, per settings and how the request arrived.
SECURE_ONE = CookieConfig(secure=True)
TLS_CASES = [
    pytest.param(Settings(cookie=SECURE_ONE, secure_cookie_needs_tls=True), {}, False, id="http"),
    pytest.param(
        Settings(cookie=SECURE_ONE, secure_cookie_needs_tls=True), {"base_url": "https://localhost"}, True, id="https"
    ),
    pytest.param(
        Settings(cookie=SECURE_ONE, secure_cookie_needs_tls=True),
        {"headers": {"X-Forwarded-Proto": "https"}},
        False,
        id="forwarded_https_untrusted",
    ),
    pytest.param(
        Settings(cookie=SECURE_ONE, secure_cookie_needs_tls=True, trust_proxy=True),
        {"headers": {"X-Forwarded-Proto": "https"}},
        True,
        id="forwarded_https_trusted",
    ),
    pytest.param(
        Settings(cookie=SECURE_ONE, secure_cookie_needs_tls=True, trust_proxy=True),
        {"headers": {"X-Forwarded-Proto": "HTTPS, http"}},
        True,
        id="forwarded_first_of_list_trusted",
    ),
    pytest.param(
        Settings(cookie=SECURE_ONE, secure_cookie_needs_tls=True, trust_proxy=True),
        {"headers": {"X-Forwarded-Proto": "http, https"}},
        False,
        id="forwarded_http_first_trusted",
    ),
    pytest.param(
        Settings(cookie=SECURE_ONE, secure_cookie_needs_tls=True, trust_proxy=True),
        {},
        False,
        id="trusted_without_header",
    ),
    pytest.param(Settings(cookie=SECURE_ONE), {}, True, id="check_off"),
    pytest.param(Settings(secure_cookie_needs_tls=True), {}, True, id="cookie_not_secure"),
]

# Whether the origin CSRF check lets a login through, per settings, Origin and how the request arrived.
ORIGIN_CHECK = Settings(csrf="origin")
CSRF_CASES = [
    pytest.param(ORIGIN_CHECK, EVIL, {}, False, id="foreign"),
    pytest.param(ORIGIN_CHECK, "http://localhost", {}, True, id="own_origin"),
    pytest.param(ORIGIN_CHECK, None, {}, True, id="no_origin"),
    pytest.param(ORIGIN_CHECK, "null", {}, False, id="opaque_origin"),
    pytest.param(ORIGIN_CHECK, "http://localhost:8080", {}, False, id="own_host_other_port"),
    pytest.param(ORIGIN_CHECK, "https://localhost", {}, False, id="own_host_other_scheme"),
    pytest.param(ORIGIN_CHECK, "http://sub.localhost", {}, False, id="subdomain"),
    pytest.param(ORIGIN_CHECK, "https://localhost", {"base_url": "https://localhost"}, True, id="own_origin_https"),
    pytest.param(
        ORIGIN_CHECK, "https://localhost:8443", {"base_url": "https://localhost:8443"}, True, id="own_origin_with_port"
    ),
    pytest.param(
        Settings(csrf="origin", trust_proxy=True),
        "https://localhost",
        {"headers": {"X-Forwarded-Proto": "https"}},
        True,
        id="own_origin_behind_trusted_proxy",
    ),
    pytest.param(
        ORIGIN_CHECK,
        "https://localhost",
        {"headers": {"X-Forwarded-Proto": "https"}},
        False,
        id="untrusted_forwarded_proto",
    ),
    pytest.param(Settings(csrf="origin", cors=CorsPolicy("allowlist", (PAGE,))), PAGE, {}, True, id="allowlist_hit"),
    pytest.param(Settings(csrf="origin", cors=CorsPolicy("allowlist", (PAGE,))), EVIL, {}, False, id="allowlist_miss"),
    pytest.param(
        Settings(csrf="origin", cors=CorsPolicy("reflect_any_credentials")),
        EVIL,
        {},
        True,
        id="reflect_any_credentials",
    ),
    pytest.param(
        Settings(csrf="origin", cors=CorsPolicy("reflect")), EVIL, {}, False, id="reflect_without_credentials"
    ),
    pytest.param(Settings(csrf="origin", cors=CorsPolicy("wildcard")), EVIL, {}, False, id="wildcard"),
    pytest.param(Settings(), EVIL, {}, True, id="check_off"),
]


def cors_headers(response) -> dict[str, str]:
    """The CORS headers (and Vary) of a response."""
    return {name: response.headers[name] for name in CORS_HEADERS if name in response.headers}


def login_line(client, state):
    """Log alice in and return (session id, the Set-Cookie lines of the answer)."""
    response = client.post("/api/login", json=LOGIN)
    assert (response.status_code, response.get_json()) == (200, {"user": "alice"})
    lines = response.headers.getlist("Set-Cookie")
    (sid,) = [sid for sid in state.sessions._sessions]
    return sid, lines


# --- the cookie's Set-Cookie lines ------------------------------------------------------------------------------


@pytest.mark.parametrize("config, issued, deletion", COOKIE_LINES)
def test_cookie_attributes_in_set_cookie_lines(client, state, config, issued, deletion):
    """Login issues, and logout deletes, the cookie with exactly the configured attributes."""
    state.configure(Settings(cookie=config))
    sid, lines = login_line(client, state)
    assert lines == [issued.format(sid=sid)]
    logout = client.post("/api/logout", headers={"Cookie": f"{config.name}={sid}"})
    assert (logout.status_code, logout.get_json()) == (200, {"logged_out": True})
    assert logout.headers.getlist("Set-Cookie") == [deletion]
    assert (config.set_cookie("v"), config.delete_cookie()) == (issued.format(sid="v"), deletion)


@pytest.mark.parametrize("factory, message", INVALID)
def test_invalid_configuration_says_what_to_change(factory, message):
    """An invalid configuration raises ConfigError (a ValueError) whose message names the fix."""
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        factory()
    assert isinstance(raised.value, ValueError)


def test_with_cookie_changes_only_the_cookie():
    """Settings.with_cookie returns new settings with some cookie attributes changed, the rest kept."""
    original = Settings(
        cors=CorsPolicy("allowlist", (PAGE,)), csrf="origin", cookie=CookieConfig(name="x", secure=True)
    )
    changed = original.with_cookie(samesite="Strict", path=None)
    assert changed.cookie == CookieConfig(name="x", secure=True, samesite="Strict", path=None)
    assert (changed.cors, changed.csrf) == (original.cors, "origin")
    assert original.cookie == CookieConfig(name="x", secure=True)
    with pytest.raises(FrozenInstanceError):
        changed.cookie.secure = False


def test_default_settings_are_plain_same_origin():
    """Settings() is a host-only, HttpOnly, Path=/ session cookie with no CORS, TLS check, proxy trust or CSRF check."""
    settings = Settings()
    assert settings.cookie == CookieConfig("sid", None, False, True, False, None, "/", None, None)
    assert (settings.cors, settings.secure_cookie_needs_tls, settings.trust_proxy, settings.csrf) == (
        CorsPolicy("none", ()),
        False,
        False,
        "off",
    )
    assert (settings.session_ttl, settings.max_sessions) == (3600, 10_000)


# --- CORS ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy, origin, expected", CORS_CASES)
def test_cors_headers_on_normal_responses(client, state, policy, origin, expected):
    """Each policy's CORS headers on a login and an authenticated GET; admits() agrees on credentials."""
    state.configure(Settings(cors=policy))
    origin_header = {"Origin": origin} if origin else {}
    login = client.post("/api/login", json=LOGIN, headers=origin_header)
    sid = next(iter(state.sessions._sessions))
    me = client.get("/api/me", headers={**origin_header, "Cookie": f"sid={sid}"})
    assert (login.status_code, me.status_code, me.get_json()) == (200, 200, {"user": "alice"})
    assert cors_headers(login) == expected
    assert cors_headers(me) == expected
    assert policy.headers(origin) == expected
    if origin is not None:
        credentialed = (
            expected.get("Access-Control-Allow-Origin") == origin and "Access-Control-Allow-Credentials" in expected
        )
        assert policy.admits(origin) is credentialed


@pytest.mark.parametrize("policy, origin, expected", CORS_CASES)
def test_cors_headers_on_401(client, state, policy, origin, expected):
    """A 401 carries the same CORS headers, so an admitted page can read why it was refused."""
    state.configure(Settings(cors=policy))
    response = client.get("/api/me", headers={"Origin": origin} if origin else {})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthenticated"
    assert cors_headers(response) == expected


@pytest.mark.parametrize("policy, origin, expected", CORS_CASES)
def test_cors_preflight(client, state, policy, origin, expected):
    """A preflight is 204 with Allow; methods, headers and Max-Age 0 only when the policy gives an ACAO."""
    state.configure(Settings(cors=policy, csrf="origin"))
    headers = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    response = client.options("/api/login", headers={**headers, **({"Origin": origin} if origin else {})})
    assert (response.status_code, response.data) == (204, b"")
    assert response.headers["Allow"] == "GET, POST, OPTIONS"
    admitted = "Access-Control-Allow-Origin" in expected
    assert cors_headers(response) == expected | (PREFLIGHT_HEADERS if admitted else {})
    assert response.headers.getlist("Set-Cookie") == []
    assert (len(state.sessions), state.requests()[-1].preflight) == (0, True)


def test_options_without_request_method_is_not_a_preflight(client, state):
    """OPTIONS without Access-Control-Request-Method is 204 with Allow and the plain CORS headers only."""
    state.configure(Settings(cors=CorsPolicy("reflect_any_credentials")))
    response = client.options("/api/me", headers={"Origin": EVIL})
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, POST, OPTIONS"
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": EVIL,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }
    assert state.requests()[-1].preflight is False


def test_preflight_neither_authenticates_nor_changes_a_session(client, state):
    """A preflight that carries a session cookie answers no user and leaves the session valid."""
    state.configure(Settings(cors=CorsPolicy("allowlist", (PAGE,))))
    sid, _ = login_line(client, state)
    response = client.options(
        "/api/logout", headers={"Origin": PAGE, "Access-Control-Request-Method": "POST", "Cookie": f"sid={sid}"}
    )
    assert response.status_code == 204
    assert (state.requests()[-1].user, sid in state.sessions) == (None, True)


def test_cors_headers_only_under_api(client, state):
    """Pages outside /api get neither CORS headers nor Cache-Control: no-store."""
    state.configure(Settings(cors=CorsPolicy("reflect_any_credentials")))
    response = client.get("/favicon.ico", headers={"Origin": EVIL})
    assert response.status_code == 204
    assert cors_headers(response) == {}
    assert "Cache-Control" not in response.headers


# --- a Secure cookie on an insecure request ---------------------------------------------------------------------


@pytest.mark.parametrize("settings, request_kwargs, issued", TLS_CASES)
def test_secure_cookie_needs_tls(client, state, settings, request_kwargs, issued):
    """With secure_cookie_needs_tls a Secure cookie is sent only on a request believed https; the session exists either
    way."""
    response = client.post("/api/login", json=LOGIN, **request_kwargs)
    assert (response.status_code, response.get_json()) == (200, {"user": "alice"})
    (sid,) = list(state.sessions._sessions)
    assert response.headers.getlist("Set-Cookie") == ([settings.cookie.set_cookie(sid)] if issued else [])
    assert state.requests()[-1].set_cookie == tuple(response.headers.getlist("Set-Cookie"))


# --- the origin CSRF check --------------------------------------------------------------------------------------


@pytest.mark.parametrize("settings, origin, request_kwargs, admitted", CSRF_CASES)
def test_csrf_origin_check_on_login(client, state, settings, origin, request_kwargs, admitted):
    """csrf='origin' refuses a POST from a foreign Origin with 403 JSON; own and CORS-admitted origins pass."""
    headers = {**request_kwargs.get("headers", {}), **({"Origin": origin} if origin else {})}
    response = client.post("/api/login", json=LOGIN, **{**request_kwargs, "headers": headers})
    if admitted:
        assert (response.status_code, response.get_json()) == (200, {"user": "alice"})
        assert len(state.sessions) == 1
    else:
        assert (response.status_code, response.get_json()) == (
            403,
            {"error": "cross_origin_forbidden", "message": f"unsafe request from {origin} refused"},
        )
        assert (response.headers.getlist("Set-Cookie"), len(state.sessions)) == ([], 0)
        assert (state.requests()[-1].status, state.requests()[-1].user) == (403, None)


@pytest.mark.parametrize("settings", [pytest.param(ORIGIN_CHECK, id="csrf_origin")])
def test_csrf_check_guards_every_unsafe_route_but_not_reads(client, state, settings):
    """A foreign POST to logout or resources is 403 and changes nothing; a foreign GET still reads."""
    sid, _ = login_line(client, state)
    cookie = {"Cookie": f"sid={sid}"}
    create = client.post("/api/resources", json={"title": "forged"}, headers={"Origin": EVIL, **cookie})
    logout = client.post("/api/logout", headers={"Origin": EVIL, **cookie})
    assert [(r.status_code, r.get_json()["error"]) for r in (create, logout)] == [(403, "cross_origin_forbidden")] * 2
    assert logout.headers.getlist("Set-Cookie") == []
    assert (state.resources, sid in state.sessions) == ({}, True)
    me = client.get("/api/me", headers={"Origin": EVIL, **cookie})
    assert (me.status_code, me.get_json()) == (200, {"user": "alice"})


@pytest.mark.parametrize("preflight_kind, kind", [("allowlist", "none"), ("allowlist", "reflect"),
                                                  ("none", "allowlist"), ("reflect", "allowlist")])  # fmt: skip
@pytest.mark.parametrize("allow_headers, max_age", [("content-type", 0), ("wildcard", 0), ("authorization", 600)])
def test_the_preflight_answers_by_its_own_policy(client, state, preflight_kind, kind, allow_headers, max_age):
    """Settings.preflight_cors answers the preflight, Settings.cors every other request; Allow-Headers and Max-Age as
    set: the same headers the oracle's model of this server (e2e/oracle/server.py) answers for the same spec."""
    from e2e.harness.serving import settings_for
    from e2e.oracle.server import ServerModel, policy_headers
    from e2e.oracle.sites import parse_origin
    from e2e.oracle.spec import ServerSpec

    spec = ServerSpec("sid=x; Path=/", cors=kind, preflight_cors=preflight_kind, allowlist=(EVIL,),
                      allow_headers=allow_headers, preflight_max_age=max_age)  # fmt: skip
    state.configure(settings_for(spec))
    asked = {"Origin": EVIL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    preflight = client.options("/api/login", headers=asked)
    me = client.get("/api/me", headers={"Origin": EVIL})
    model = ServerModel(spec, parse_origin("https://api.site-b.test", "api"))
    assert cors_headers(preflight) == model.preflight(EVIL)
    assert cors_headers(me) == policy_headers(spec, EVIL)
    assert ("Access-Control-Allow-Origin" in cors_headers(preflight)) is (preflight_kind == "allowlist" or
                                                                          preflight_kind == "reflect")  # fmt: skip


@pytest.mark.parametrize("expose", ["none", "named", "wildcard"])
@pytest.mark.parametrize("kind", ["none", "wildcard", "reflect", "allowlist", "fixed"])
@pytest.mark.parametrize("origin", [EVIL, "https://other.test", None])
def test_exposed_headers_as_the_model_answers(client, state, expose, kind, origin):
    """Access-Control-Expose-Headers goes beside an Access-Control-Allow-Origin, on a success and on a 401 alike:
    every CORS header of /api/me is the one the oracle's model of this server (cors_headers) answers."""
    from e2e.harness.serving import settings_for
    from e2e.oracle.server import cors_headers as model_headers
    from e2e.oracle.spec import ServerSpec

    allowlist = (EVIL,) if kind in ("allowlist", "fixed") else None
    spec = ServerSpec("sid=x; Path=/", cors=kind, allowlist=allowlist, expose_headers=expose)
    state.configure(settings_for(spec))
    me = client.get("/api/me", headers={"Origin": origin} if origin else {})
    assert me.status_code == 401 and cors_headers(me) == model_headers(spec, origin)
    sid = state.sessions.create("alice")
    me = client.get("/api/me", headers={"Cookie": f"sid={sid}"} | ({"Origin": origin} if origin else {}))
    assert me.status_code == 200 and cors_headers(me) == model_headers(spec, origin)


@pytest.mark.parametrize("max_age", [0, 600])
@pytest.mark.parametrize("vary", [True, False])
@pytest.mark.parametrize("kind", ["reflect", "allowlist", "reflect_any_credentials"])
def test_cache_headers_as_the_model_answers(client, state, max_age, vary, kind):
    """Cache-Control on a 401 and a 200 of /api/me (private, max-age only on the 200 when the server lets the browser
    keep it), on a POST, and Vary: Origin or its absence: each as the oracle's model of this server answers."""
    from e2e.harness.serving import settings_for
    from e2e.oracle.server import ServerModel, ServerRequest
    from e2e.oracle.sites import parse_origin
    from e2e.oracle.spec import ServerSpec

    spec = ServerSpec("sid=x; Path=/", cors=kind, allowlist=(EVIL,) if kind == "allowlist" else None,
                      cache_max_age=max_age, vary_origin=vary)  # fmt: skip
    state.configure(settings_for(spec))
    model = ServerModel(spec, parse_origin("https://api.site-b.test", "api"))

    def answered(cookie: str | None) -> dict:
        return model.answer(ServerRequest("GET", "/api/me", EVIL, None, cookie)).headers

    sid = state.sessions.create("alice")
    model.sessions[sid] = "alice"
    for cookie in (None, f"sid={sid}"):
        me = client.get("/api/me", headers={"Origin": EVIL} | ({"Cookie": cookie} if cookie else {}))
        wanted = answered(cookie)
        assert cors_headers(me) == {k: v for k, v in wanted.items() if k in CORS_HEADERS}
        assert me.headers["Cache-Control"] == wanted.get("Cache-Control", "no-store")
    assert me.status_code == 200 and (me.headers["Cache-Control"] == "private, max-age=600") is (max_age == 600)
    assert ("Vary" in me.headers) is vary
    logout = client.post("/api/logout", headers={"Origin": EVIL, "Cookie": f"sid={sid}"})
    assert logout.headers["Cache-Control"] == "no-store"


def test_cache_max_age_is_whole_seconds():
    """A negative or fractional cache_max_age is refused with what to give."""
    for bad in (-1, 1.5, True):
        with pytest.raises(ConfigError, match="cache_max_age must be whole seconds"):
            Settings(cache_max_age=bad)
