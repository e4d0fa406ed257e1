"""The test hosts as a case sets them: a ServerSpec (e2e/oracle/spec.py) becomes the server's Settings, so that the
server sends exactly the lines the oracle was given. Starting and binding the hosts is server/hosts.py's."""

from __future__ import annotations

from e2e.oracle.setcookie import deletion_line
from e2e.oracle.spec import ServerSpec
from server.config import CookieLines, CorsPolicy, Settings


def settings_for(server: ServerSpec) -> Settings:
    """The server's settings for `server`: its login lines byte for byte (the session id in place of the first line's
    value, unless the lines are exact), its logout line, its CORS policy and switches."""
    session_at = None if server.exact else server.login.value_span
    lines = tuple(line.line for line in server.lines)
    cookie = CookieLines(server.cookie_name, lines, session_at, server.logout.line, secure=server.login.has("secure"))
    return Settings(
        cookie=cookie,
        cors=_policy(server.cors, server),
        preflight_cors=_policy(server.preflight_cors, server) if server.preflight_cors else None,
        allow_headers=server.allow_headers,
        preflight_max_age=server.preflight_max_age,
        expose_headers=server.expose_headers,
        cache_max_age=server.cache_max_age,
        vary_origin=server.vary_origin,
        secure_cookie_needs_tls=server.secure_cookie_needs_tls,
        trust_proxy=server.trust_proxy,
        csrf=server.csrf,
        lenient_body=server.lenient_body,
        redirects=server.redirects,
        redirect_status=server.redirect_status,
        redirect_sets_cookie=server.redirect_sets_cookie,
        login_redirect=server.login_redirect,
        idp_authorize=server.idp_authorize,
        idp_return=server.idp_return,
        state_cookie=_state_cookie(server) if server.idp_authorize else None,
    )


def _policy(kind: str, server: ServerSpec) -> CorsPolicy:
    """The CORS policy `kind`, with the spec's allowlist where the policy reads one."""
    return CorsPolicy(kind, (server.allowlist or ()) if kind in ("allowlist", "fixed") else ())


def _state_cookie(server: ServerSpec) -> CookieLines:
    """The state cookie's line, the state in place of its value."""
    state = server.state
    return CookieLines(state.name, (state.line,), state.value_span, deletion_line(state), secure=state.has("secure"))
