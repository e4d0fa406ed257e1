"""The one model of server/app.py: every route and switch (the CSRF Origin check, the lenient body, the Secure cookie
that needs TLS, the trusted proxy), its CORS answers and preflights, and its memory of sessions and resources.

Requests reach it from browser.py (a fetch, a navigation) or from a plain HTTP client (the attacker's own). Session
ids are labels, "session-1", "session-2", ... in the order the server issues them.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from e2e.oracle.setcookie import SetCookie
from e2e.oracle.sites import Origin, parse_origin
from e2e.oracle.spec import ServerSpec
from e2e.oracle.vocabulary import (
    ALLOW_HEADERS,
    AUTH_START_PATH,
    CALLBACK_PATH,
    EXPOSE_HEADERS,
    FORM_TYPES,
    HOP_PATH,
    JSON,
    REQUESTS,
    STEPS,
    OracleInputError,
    media_type,
)

ROUTES = {(REQUESTS[s].method, REQUESTS[s].path): s for s in STEPS}  # ("POST", "/api/login") -> "login"
PATHS = {r.path for r in REQUESTS.values()}


@dataclass(frozen=True)
class ServerRequest:
    """A request as the server reads it: method, path, Origin, Content-Type, and the Cookie header as sent."""

    method: str
    path: str
    origin: str | None
    content_type: str | None
    cookie_header: str | None
    user: str = "alice"  # who logs in, for a login


_PAIR = re.compile(r"[ \t]*([^=;]*?)[ \t]*=[ \t]*([^;]*?)[ \t]*(?:;|$)")


def cookie_pairs(header: str | None) -> list[tuple[str, str]]:
    """A Cookie header as server/app.py reads it, like the `cookie` package behind express-session: name=value pairs
    between semicolons (a pair without '=' is skipped), trimmed of spaces and tabs, one pair of double quotes around
    a value removed; no percent-decoding (the ids the server issues never need it)."""
    return [(name, value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value)
            for name, value in _PAIR.findall(header or "")]  # fmt: skip


@dataclass(frozen=True)
class ServerAnswer:
    """What the server did: the status, the authenticated user, the Set-Cookie it sent, whether it created a resource,
    its CORS headers, and the rules behind it."""

    status: int
    user: str | None
    set_cookies: tuple[SetCookie, ...]  # in the order sent
    created: bool
    headers: dict[str, str]
    reasons: tuple[str, ...]


def policy_headers(spec: ServerSpec, origin: str | None, kind: str | None = None) -> dict[str, str]:
    """The CORS headers server/config.py CorsPolicy answers a request from `origin` (rule server-cors-policy), by the
    responses' policy or the policy `kind`."""
    kind = kind or spec.cors
    if kind == "none" or (origin is None and kind not in ("wildcard", "fixed")):
        return {}
    if kind == "wildcard":
        return {"Access-Control-Allow-Origin": "*"}
    if kind == "reflect":
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if kind == "fixed":
        return {"Access-Control-Allow-Origin": spec.allowlist[0], "Access-Control-Allow-Credentials": "true"}
    if not admits(spec, origin, kind):
        return {"Vary": "Origin"}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}


def cors_headers(spec: ServerSpec, origin: str | None, kind: str | None = None) -> dict[str, str]:
    """Every CORS header server/app.py answers a request from `origin` with: the policy's (policy_headers), without
    its Vary: Origin unless the spec's vary_origin, and Access-Control-Expose-Headers beside an
    Access-Control-Allow-Origin when the spec exposes a header."""
    headers = policy_headers(spec, origin, kind)
    if not spec.vary_origin:
        headers.pop("Vary", None)
    if "Access-Control-Allow-Origin" in headers and EXPOSE_HEADERS[spec.expose_headers]:
        headers = headers | {"Access-Control-Expose-Headers": EXPOSE_HEADERS[spec.expose_headers]}
    return headers


def admits(spec: ServerSpec, origin: str | None, kind: str | None = None) -> bool:
    """Whether the responses' policy (or the policy `kind`) lets a credentialed cross-origin request from `origin`
    through."""
    kind = kind or spec.cors
    return kind == "reflect_any_credentials" or (kind in ("allowlist", "fixed") and origin in (spec.allowlist or ()))


def _believes_secure(spec: ServerSpec, origin: Origin) -> bool:
    """Whether the app takes a request to `origin` for https (express's req.secure): forwarded_https means TLS ended
    at a proxy that sent X-Forwarded-Proto: https, so the app itself saw plain http, and believes it only with
    trust_proxy."""
    return (spec.trust_proxy and spec.forwarded_https) or (origin.scheme == "https" and not spec.forwarded_https)


class ServerModel:
    """server/app.py serving `origin` under `spec`, with its sessions and resources."""

    def __init__(self, spec: ServerSpec, origin: Origin):
        self.spec, self.origin = spec, origin
        self.believes_secure = _believes_secure(spec, origin)
        self.sessions: dict[str, str] = {}  # session id (label) -> user
        self.resources: dict[str, int] = {}  # user -> resources created
        self._issued = itertools.count(1)  # session labels; shared with the same app on another origin (on())
        self._states = 0  # the states /api/auth/start issued, "state-1", ...

    @property
    def cookie_name(self) -> str:
        return self.spec.cookie_name

    def session_ids(self, cookie_header: str | None) -> tuple[str, ...]:
        """Every value of the session cookie's name in a Cookie header, in order (server/app.py session_ids)."""
        return tuple(value for name, value in cookie_pairs(cookie_header) if name == self.cookie_name)

    def login_outside(self, user: str) -> str:
        """A login by a plain HTTP client outside the browser (the attacker's): the new session id."""
        sid = f"session-{next(self._issued)}"
        self.sessions[sid] = user
        return sid

    def preflight(self, origin: str | None) -> dict[str, str]:
        """What preflight() answers to OPTIONS with Access-Control-Request-Method: 204 with these headers."""
        headers = cors_headers(self.spec, origin, self.spec.preflight_policy)
        if "Access-Control-Allow-Origin" in headers:
            headers.update({"Access-Control-Allow-Methods": "GET, POST",
                            "Access-Control-Allow-Headers": ALLOW_HEADERS[self.spec.allow_headers],
                            "Access-Control-Max-Age": str(self.spec.preflight_max_age)})  # fmt: skip
        return headers

    def cors_reasons(self) -> tuple[str, ...]:
        """The rules a cross-origin CORS response of this server adds to a chain."""
        return ("server-cors-policy",) + (
            ("cors-reflect-any-credentials",) if self.spec.cors == "reflect_any_credentials" else ()
        )

    def _body_refused(self, content_type: str | None) -> str | None:
        """None if the body is read, else the rule that refuses it (the flows' bodies are well formed)."""
        kind = media_type(content_type)
        if kind == JSON or (self.spec.lenient_body and kind in FORM_TYPES):
            return None
        return "server-json-required"

    def chain(self, path: str) -> list[tuple[ServerModel, str]]:
        """The servers and paths a request for `path` on this server visits: the hops of a redirected login
        (ServerSpec.redirects, each the same app on its own origin) and then this server's `path`."""
        if not self.spec.redirects or path != REQUESTS["login"].path:
            return [(self, path)]
        hops = [urlsplit(url) for url in self.spec.redirects[:-1]]
        return [(self.on(parse_origin(f"{u.scheme}://{u.netloc}", "a hop")), u.path) for u in hops] + [(self, path)]

    def on(self, origin: Origin) -> ServerModel:
        """The same app answering on `origin`, with the same memory of sessions and resources (server/hosts.py serves
        every named origin from one ApiState)."""
        other = copy.copy(self)
        other.origin = origin
        other.believes_secure = _believes_secure(self.spec, origin)
        return other

    def answer(self, request: ServerRequest) -> ServerAnswer:
        """The answer of server/app.py to one request, route by route."""
        headers = cors_headers(self.spec, request.origin)
        if request.path == AUTH_START_PATH and self.spec.idp_authorize:
            self._states += 1
            state = f"state-{self._states}"
            line = self.spec.state.with_value(state)
            return ServerAnswer(302, None, (line,), False, headers | {"Location": self.spec.idp_authorize},
                                ("server-idp-start",))  # fmt: skip
        if request.path == CALLBACK_PATH and self.spec.idp_authorize:
            return self._callback(request, headers)
        if request.path.startswith(HOP_PATH):
            hop = int(request.path.removeprefix(HOP_PATH))
            location = self.spec.redirects[hop + 1]
            lines, reasons = (), ("server-redirect",)
            if self.spec.redirect_sets_cookie:  # an auth endpoint that opens the session, then sends on
                lines, reasons = (
                    self._login_lines(self.login_outside(request.user)),
                    reasons + ("server-redirect-sets-cookie",),
                )
            return ServerAnswer(self.spec.redirect_status, None, lines, False, headers | {"Location": location},
                                reasons)  # fmt: skip
        status, user, lines, created, reasons = self._route(request, self.session_ids(request.cookie_header))
        if status == 200 and request.method == "GET" and self.spec.cache_max_age:
            headers, reasons = headers | {"Cache-Control": f"private, max-age={self.spec.cache_max_age}"}, [
                *reasons, "server-cache-control"]  # fmt: skip
        return ServerAnswer(status, user, lines, created, headers, tuple(reasons))

    def _callback(self, r: ServerRequest, headers: dict[str, str]) -> ServerAnswer:
        """The provider's return to server/app.py idp_callback: the state in the state cookie must be the latest the
        start issued; then a login, and 303 back to the page either way."""
        sent = [v for name, v in cookie_pairs(r.cookie_header) if name == self.spec.state.name]
        back = headers | {"Location": self.spec.login_redirect}
        if not sent or sent[0] != f"state-{self._states}":
            return ServerAnswer(303, None, (), False, back, ("server-idp-callback", "server-idp-state-missing"))
        status, user, lines, created, reasons = self._log_in(r, self._live(self.session_ids(r.cookie_header)))
        return ServerAnswer(status, user, lines, created, back, ("server-idp-callback", "server-idp-state-matches",
                                                                 *reasons))  # fmt: skip

    def _login_lines(self, sid: str) -> tuple[SetCookie, ...]:
        """The lines login sends: the session's line with the id in place of its value, then the others; exact
        lines as written."""
        if self.spec.exact:
            return self.spec.lines
        return (self.spec.login.with_value(sid), *self.spec.lines[1:])

    def _route(self, r: ServerRequest, ids: tuple[str, ...]) -> tuple[int, str | None, tuple, bool, list[str]]:
        """server/app.py's CSRF check and method check, then the step's route."""
        spec = self.spec
        if (
            r.method == "POST"
            and spec.csrf == "origin"
            and r.path.startswith("/api/")
            and r.origin is not None
            and r.origin != self.origin.serialized()
            and not admits(spec, r.origin)
        ):
            return 403, None, (), False, ["server-csrf-origin"]
        sid = self._live(ids)
        step = ROUTES.get((r.method, r.path))
        if step is None:
            if r.path in PATHS:
                return 405, None, (), False, ["server-method-not-allowed"]
            raise OracleInputError(f"server/app.py has no route {r.method} {r.path}")
        routes = {"login": self._login, "me": self._read, "list": self._read, "create": self._create,
                  "logout": self._logout}  # fmt: skip
        return routes[step](r, ids, sid)

    def _login(self, r: ServerRequest, ids: tuple[str, ...], sid: str | None):
        refused = self._body_refused(r.content_type)
        if refused:
            return 415, None, (), False, [refused]
        return self._log_in(r, sid)

    def _log_in(self, r: ServerRequest, sid: str | None) -> tuple[int, str | None, tuple, bool, list[str]]:
        """A login that authenticated `r.user`: the old session (`sid`) ended, a new one and its lines."""
        spec = self.spec
        if sid:
            del self.sessions[sid]
        new = self.login_outside(r.user)
        reasons = ["server-login", "server-login-regenerates"] + (["server-exact-lines"] if spec.exact else [])
        status = 200
        if spec.login_redirect:
            status = 303
            reasons.append("server-login-redirect")
        if spec.login.has("secure") and spec.secure_cookie_needs_tls and not self.believes_secure:
            return status, r.user, (), False, reasons + ["server-secure-needs-tls"]
        if spec.secure_cookie_needs_tls and spec.trust_proxy and self.believes_secure:
            reasons.append("server-trust-proxy")
        return status, r.user, self._login_lines(new), False, reasons

    def _live(self, ids: tuple[str, ...]) -> str | None:
        """The session the request's cookies name, if it is live: the first value of a repeated name wins."""
        return ids[0] if ids and ids[0] in self.sessions else None

    @staticmethod
    def _session(sid: str | None) -> list[str]:
        return ["server-session-valid"] if sid else ["server-no-session"]

    def _read(self, r: ServerRequest, ids: tuple[str, ...], sid: str | None):
        """me and list: the session's user."""
        if not sid:
            return 401, None, (), False, ["server-no-session", "server-session-required"]
        return 200, self.sessions[sid], (), False, ["server-session-valid"]

    def _create(self, r: ServerRequest, ids: tuple[str, ...], sid: str | None):
        """A resource of the session's user."""
        session = self._session(sid)
        if not sid:
            return 401, None, (), False, session + ["server-session-required"]
        refused = self._body_refused(r.content_type)
        if refused:
            return 415, self.sessions[sid], (), False, session + [refused]
        owner = self.sessions[sid]
        self.resources[owner] = self.resources.get(owner, 0) + 1
        lenient = [] if media_type(r.content_type) == JSON else ["server-lenient-body"]
        return 201, owner, (), True, session + lenient + ["server-create"]

    def _logout(self, r: ServerRequest, ids: tuple[str, ...], sid: str | None):
        """The session destroyed; the deletion line whenever the request named a session cookie."""
        deletion = (self.spec.logout,) if ids else ()
        owner = self.sessions.pop(sid) if sid else None
        return (
            (200 if sid else 401),
            owner,
            deletion,
            False,
            self._session(sid) + ["server-logout", "server-session-destroyed"],
        )
