"""The session API: Flask, modelled on express-session (memory store) + passport-local. Its routes are the flow's
requests of the project's vocabulary (e2e/oracle/vocabulary.py REQUESTS); the oracle's model of it is
e2e/oracle/server.py."""

from __future__ import annotations

import copy
import html
import json
import secrets
import threading
import time
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request, send_from_directory
from werkzeug.exceptions import HTTPException

from e2e.oracle.vocabulary import (
    ALLOW_HEADERS,
    AUTH_START_PATH,
    CALLBACK_PATH,
    EXPOSE_HEADERS,
    EXPOSED_HEADER,
    FORM_TYPES,
    HOP_PATH,
    IDP_AUTHORIZE_PATH,
    JSON,
    REQUESTS,
)

from .config import Settings

CLIENT_DIR = Path(__file__).resolve().parent.parent / "client"
USERS = {"alice": "wonderland", "bob": "builder"}
MAX_BODY = 16 * 1024
MAX_FIELD = 200
MAX_RESOURCES = 1000


@dataclass(frozen=True)
class RequestRecord:
    """What the server saw of one request and what it answered."""

    seq: int
    method: str
    scheme: str
    host: str
    path: str
    origin: str | None
    cookie_header: str | None
    session_ids: tuple[str, ...]  # every value sent under the session cookie's name, in order
    preflight: bool
    status: int
    set_cookie: tuple[str, ...]
    user: str | None  # the authenticated user, if the session was valid
    content_type: str | None
    sec_fetch_site: str | None
    sec_fetch_mode: str | None
    preflight_method: str | None = None  # a preflight's Access-Control-Request-Method

    @property
    def sent_session_cookie(self) -> bool:
        return bool(self.session_ids)


@dataclass
class Session:
    user: str
    expires_at: float


class SessionStore:
    """express-session's MemoryStore: opaque random ids, expiry, and a bound on the number kept."""

    def __init__(self, ttl: int, limit: int, clock=time.monotonic):
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self.ttl, self.limit, self._clock = ttl, limit, clock

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, sid: str) -> bool:
        return self.get(sid) is not None

    def get(self, sid: str) -> Session | None:
        session = self._sessions.get(sid)
        if session is not None and session.expires_at <= self._clock():
            del self._sessions[sid]
            return None
        return session

    def create(self, user: str) -> str:
        self._sweep()
        while len(self._sessions) >= self.limit:
            self._sessions.popitem(last=False)
        sid = secrets.token_urlsafe(32)
        self._sessions[sid] = Session(user, self._clock() + self.ttl)
        return sid

    def destroy(self, sid: str) -> bool:
        return self._sessions.pop(sid, None) is not None

    def _sweep(self) -> None:
        now = self._clock()
        for sid in [sid for sid, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[sid]


class ApiState:
    """Everything the API remembers; one per server, reset between test cases."""

    def __init__(self, settings: Settings | None = None):
        self.lock = threading.RLock()
        self.release_hung = threading.Event()
        self.configure(settings or Settings())

    def configure(self, settings: Settings) -> None:
        """Set the cookie and CORS configuration and forget every session, resource and record."""
        self.release_hung.set()  # requests held by an injected hang end with the case that hung them
        if settings.fault == "hang":
            self.release_hung = threading.Event()
        with self.lock:
            self.settings = settings
            self.sessions = SessionStore(settings.session_ttl, settings.max_sessions)
            self.resources: dict[str, list[dict[str, Any]]] = {}
            self.records: list[RequestRecord] = []
            self.codes: dict[str, str] = {}  # the identity provider's one-time codes -> user
            self._next_resource = 1

    def reset(self) -> None:
        """Back to the default settings with nothing remembered."""
        self.configure(Settings())

    def requests(self, path: str | None = None, since: int = 0) -> list[RequestRecord]:
        """The recorded requests, optionally to one path, from sequence number `since` on."""
        with self.lock:
            return [r for r in self.records[since:] if path is None or r.path == path]

    def mark(self) -> int:
        """A sequence number to pass as `since` to see only later requests."""
        with self.lock:
            return len(self.records)

    def snapshot(self) -> dict[str, Any]:
        """Everything a request could change, as plain comparable values: sessions, resources, the next id."""
        with self.lock:
            return {
                "sessions": {sid: (s.user, s.expires_at) for sid, s in self.sessions._sessions.items()},
                "resources": copy.deepcopy(self.resources),
                "next_resource": self._next_resource,
            }


class ApiError(Exception):
    """A client error answered as JSON."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def to_wire(text: str) -> str:
    """A header value as WSGI carries it: its UTF-8 bytes, one latin-1 character each (PEP 3333), so that a line
    with UTF-8 in it goes out byte for byte."""
    return text.encode("utf-8").decode("latin-1")


def from_wire(value: str | None) -> str | None:
    """A header value as WSGI gives it (latin-1 characters, one per byte) as the UTF-8 text it carries."""
    return None if value is None else value.encode("latin-1").decode("utf-8", "replace")


def cookie_pairs(header: str | None) -> list[tuple[str, str]]:
    """The (name, value) pairs of a Cookie header, in order, as the `cookie` package behind express-session reads
    them: split at ';', a pair without '=' skipped, name and value trimmed of spaces and tabs, one pair of double
    quotes around a value removed. (No percent-decoding: the session ids this server issues never need it.)"""
    pairs = []
    for part in (header or "").split(";"):
        name, sep, value = part.partition("=")
        if not sep:
            continue
        value = value.strip(" \t")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        pairs.append((name.strip(" \t"), value))
    return pairs


def _json_body(lenient: bool = False) -> dict[str, Any]:
    """The JSON object in the body. With `lenient` (Settings.lenient_body) also a JSON body under any Content-Type,
    and the fields of an HTML form sent urlencoded or text/plain, as express.json({type: "*/*"}) with
    express.urlencoded() and express.text() would take them."""
    json_typed = request.mimetype == JSON
    if not json_typed and not lenient:
        raise ApiError(415, "unsupported_media_type", "send the body as Content-Type: application/json")
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413, "body_too_large", f"the body may hold at most {MAX_BODY} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "body_too_large", f"the body may hold at most {MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        if json_typed:
            raise ApiError(400, "malformed_json", "the body is not valid JSON") from None
        if request.mimetype not in FORM_TYPES:
            raise ApiError(
                415, "unsupported_media_type", "send JSON, or form fields urlencoded or as text/plain"
            ) from None
        body = _form_fields(raw.decode("utf-8", "replace"))
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_body", "the body must be a JSON object")
    return body


def _form_fields(text: str) -> dict[str, str]:
    """HTML form data (HTML "form submission algorithm"): urlencoded, or text/plain "name=value" lines; the first of
    a name wins."""
    if request.mimetype == "application/x-www-form-urlencoded":
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
    else:
        pairs = [tuple(line.split("=", 1)) for line in text.split("\r\n") if "=" in line]
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def _text_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "invalid_field", f"'{name}' must be a non-empty string")
    if len(value) > MAX_FIELD:
        raise ApiError(422, "invalid_field", f"'{name}' may hold at most {MAX_FIELD} characters")
    try:
        value.encode()
    except UnicodeEncodeError:  # JSON may escape a lone surrogate ("\ud800"), which no UTF-8 text holds
        raise ApiError(422, "invalid_field", f"'{name}' must be Unicode text without lone surrogates") from None
    return value


def create_app(state: ApiState | None = None) -> Flask:
    """The session API and the client page, sharing `state` with whoever started it."""
    app = Flask(__name__, static_folder=None)
    # werkzeug would answer /api//me with an HTML 308 to /api/me; a path the API does not have is a JSON 404.
    app.url_map.merge_slashes = False
    # One byte over: werkzeug stops a streamed (chunked) body at this limit without an error, so only
    # reading MAX_BODY + 1 bytes lets _json_body tell an oversized stream from one of MAX_BODY bytes.
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY + 1
    app.state = state or ApiState()

    def settings() -> Settings:
        return app.state.settings

    def is_secure() -> bool:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return request.scheme == "https" or (settings().trust_proxy and forwarded == "https")

    def own_origin() -> str:
        return f"{'https' if is_secure() else 'http'}://{request.host}"

    def session_ids() -> tuple[str, ...]:
        name = settings().cookie.name
        return tuple(value for key, value in cookie_pairs(from_wire(request.headers.get("Cookie"))) if key == name)

    def current_sid() -> str | None:
        # Like the `cookie` parser behind express-session: the first value of a repeated name wins.
        ids = session_ids()
        return ids[0] if ids and ids[0] in app.state.sessions else None

    def current_user() -> str | None:
        sid = current_sid()
        return app.state.sessions.get(sid).user if sid else None

    def require_user() -> str:
        user = current_user()
        if user is None:
            raise ApiError(401, "unauthenticated", "no valid session: log in first")
        return user

    @app.before_request
    def start() -> Response | None:
        g.user = None
        g.preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        if settings().fault == "hang" and request.path.startswith("/api/"):
            app.state.release_hung.wait(timeout=60)  # outside the lock: the next case's reset releases it
            g.unrecorded = True  # it belongs to the case that hung it, which has ended
            return Response(status=503)
        app.state.lock.acquire()
        g.locked = True
        if settings().fault == "error_500" and request.path.startswith("/api/"):
            return app.make_response(({"error": "injected_fault", "message": "fault injection: error_500"}, 500))
        if request.method == "OPTIONS" and request.path.startswith("/api/"):
            return preflight()
        if request.method == "POST" and settings().csrf == "origin" and request.path.startswith("/api/"):
            origin = request.headers.get("Origin")
            if origin is not None and origin != own_origin() and not settings().cors.admits(origin):
                raise ApiError(403, "cross_origin_forbidden", f"unsafe request from {origin} refused")

    @app.after_request
    def finish(response: Response) -> Response:
        if g.get("unrecorded"):
            return response
        if request.path.startswith("/api/"):
            cacheable = request.method == "GET" and response.status_code == 200 and settings().cache_max_age
            response.headers["Cache-Control"] = (
                f"private, max-age={settings().cache_max_age}" if cacheable else "no-store"
            )
            policy = settings().cors_for(g.get("preflight", False))
            for name, value in policy.headers(request.headers.get("Origin")).items():
                if name != "Vary" or settings().vary_origin:
                    response.headers[name] = value
            exposed = EXPOSE_HEADERS[settings().expose_headers]
            if exposed and "Access-Control-Allow-Origin" in response.headers:
                response.headers["Access-Control-Expose-Headers"] = exposed
            response.headers[EXPOSED_HEADER] = str(len(app.state.records))  # the request's number
        state = app.state
        state.records.append(
            RequestRecord(
                seq=len(state.records),
                method=request.method,
                scheme=request.scheme,
                host=request.host,
                path=request.path,
                origin=request.headers.get("Origin"),
                cookie_header=from_wire(request.headers.get("Cookie")),
                session_ids=session_ids(),
                preflight=g.get("preflight", False),
                status=response.status_code,
                set_cookie=tuple(from_wire(line) for line in response.headers.getlist("Set-Cookie")),
                user=g.get("user"),
                content_type=request.headers.get("Content-Type"),
                sec_fetch_site=request.headers.get("Sec-Fetch-Site"),
                sec_fetch_mode=request.headers.get("Sec-Fetch-Mode"),
                preflight_method=request.headers.get("Access-Control-Request-Method") if g.get("preflight") else None,
            )
        )
        return response

    @app.teardown_request
    def release(_exc) -> None:
        if g.pop("locked", False):
            app.state.lock.release()

    def issue_cookie(response: Response, sid: str) -> None:
        # express-session: a Secure cookie on a request it believes insecure is not sent at all.
        if settings().cookie.secure and settings().secure_cookie_needs_tls and not is_secure():
            return
        for line in settings().cookie.set_cookies(sid):
            response.headers.add("Set-Cookie", to_wire(line))

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return {"error": error.error, "message": error.message}, error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 413:
            return {"error": "body_too_large", "message": f"the body may hold at most {MAX_BODY} bytes"}, 413
        # RFC 9110: a 405 must say which methods the resource allows.
        allow = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
        return {"error": error.name.lower().replace(" ", "_"), "message": error.description}, error.code, allow

    @app.errorhandler(Exception)
    def server_error(error: Exception):  # a bug, never an answer to input; still JSON
        app.logger.exception("unhandled error")
        return {"error": "internal", "message": type(error).__name__}, 500

    def preflight() -> Response:
        """Any OPTIONS under /api: a CORS-preflight answer per the policy (Fetch, CORS-preflight fetch)."""
        response = Response(status=204)
        origin = request.headers.get("Origin")
        cors = settings().cors_for(g.preflight).headers(origin)
        if g.preflight and "Access-Control-Allow-Origin" in cors:
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS[settings().allow_headers]
            # Fetch, "CORS-preflight cache": 0 (the default) keeps every case's preflight visible to the next.
            response.headers["Access-Control-Max-Age"] = str(settings().preflight_max_age)
        response.headers["Allow"] = "GET, POST, OPTIONS"
        return response

    @app.route(HOP_PATH + "<int:hop>", methods=["GET", "POST"])
    def redirect_hop(hop: int):
        """Hop `hop` of a redirected login (Settings.redirects): the chain's status, Location the next URL."""
        chain = settings().redirects
        if hop + 1 >= len(chain):
            raise ApiError(404, "no_such_hop", f"this server's login redirects through {max(len(chain) - 1, 0)} hops")
        response = app.make_response(({"redirect": chain[hop + 1]}, settings().redirect_status))
        response.headers["Location"] = chain[hop + 1]
        if settings().redirect_sets_cookie:
            issue_cookie(response, app.state.sessions.create("alice"))
        return response

    def no_provider() -> ApiError:
        return ApiError(404, "no_identity_provider", "this server's login is not an identity provider's")

    @app.get(AUTH_START_PATH)
    def auth_start():
        """An identity provider's login begins (passport's authenticate() of an OAuth strategy): a fresh state in
        the state cookie, and a redirect to the provider's authorize URL with it and the callback."""
        if not settings().idp_authorize:
            raise no_provider()
        state = secrets.token_urlsafe(16)
        query = {"state": state, "redirect_uri": own_origin() + CALLBACK_PATH, "response_mode": settings().idp_return}
        location = settings().idp_authorize + "?" + urllib.parse.urlencode(query)
        response = app.make_response(({"redirect": location}, 302))
        response.headers["Location"] = location
        for line in settings().state_cookie.set_cookies(state):
            response.headers.add("Set-Cookie", to_wire(line))
        return response

    @app.get(IDP_AUTHORIZE_PATH)
    def idp_authorize():
        """The identity provider (this app on the provider's origin, its user already signed in): a consent page
        whose Continue returns to redirect_uri with a one-time code and the state, by a link (a GET navigation,
        response_mode=query) or a form POST (form_post), as a provider's page does once the user goes on."""
        state, back = request.args.get("state", ""), request.args.get("redirect_uri", "")
        mode = request.args.get("response_mode", "query")
        target = urllib.parse.urlsplit(back)
        if target.scheme not in ("http", "https") or not target.netloc or mode not in ("query", "form_post"):
            raise ApiError(400, "invalid_request", "redirect_uri must be an http(s) URL and response_mode query or "
                           "form_post")  # fmt: skip
        if not state or len(state) > MAX_FIELD:
            raise ApiError(400, "invalid_request", f"state must be 1 to {MAX_FIELD} characters")
        code = secrets.token_urlsafe(16)
        app.state.codes[code] = "alice"
        fields = {"code": code, "state": state}
        if mode == "query":
            go = html.escape(back + "?" + urllib.parse.urlencode(fields))
            control = f'<a id="continue" href="{go}">Continue</a>'
        else:
            hidden = "".join(f'<input type="hidden" name="{n}" value="{html.escape(v)}">' for n, v in fields.items())
            button = '<button id="continue">Continue</button>'
            control = f'<form method="post" action="{html.escape(back)}">{hidden}{button}</form>'
        page = f"<!doctype html><title>identity provider</title><p>Continue to the app as alice?</p>{control}"
        return Response(page, 200, mimetype="text/html")

    @app.route(CALLBACK_PATH, methods=["GET", "POST"])
    def idp_callback():
        """The provider's return: the code redeemed and the state compared with the state cookie; a session for
        the code's user on a match, and 303 back to the app either way (successRedirect, failureRedirect)."""
        if not settings().idp_authorize:
            raise no_provider()
        fields = request.args if request.method == "GET" else _json_body(lenient=True)
        state, code = (value if isinstance(value := fields.get(k), str) else "" for k in ("state", "code"))
        name = settings().state_cookie.name
        cookies = [v for k, v in cookie_pairs(from_wire(request.headers.get("Cookie"))) if k == name]
        user = app.state.codes.pop(code, None)
        back = settings().login_redirect
        if user is None or not cookies or not secrets.compare_digest(cookies[0].encode(), state.encode()):
            response = app.make_response(({"error": "state_mismatch", "redirect": back}, 303))
            response.headers["Location"] = back
            return response
        old = current_sid()
        if old:
            app.state.sessions.destroy(old)
        sid = app.state.sessions.create(user)
        g.user = user
        response = app.make_response(({"user": user, "redirect": back}, 303))
        response.headers["Location"] = back
        issue_cookie(response, sid)
        return response

    @app.post(REQUESTS["login"].path)
    def login():
        body = _json_body(settings().lenient_body)
        username, password = _text_field(body, "username"), _text_field(body, "password")
        expected = USERS.get(username)
        # Compared even for an unknown user (no timing oracle), who is never let in: a "\0" stand-in was a password.
        if not secrets.compare_digest((expected or "").encode(), password.encode()) or expected is None:
            raise ApiError(401, "bad_credentials", "unknown user or wrong password")
        old = current_sid()
        if old:  # passport's session.regenerate(): no session fixation
            app.state.sessions.destroy(old)
        sid = app.state.sessions.create(username)
        g.user = username
        response = app.make_response(({"user": username}, 200))
        if settings().login_redirect:  # passport's successRedirect: back to the app, the cookie set on the way
            response = app.make_response(({"user": username, "redirect": settings().login_redirect}, 303))
            response.headers["Location"] = settings().login_redirect
        issue_cookie(response, sid)
        return response

    @app.get(REQUESTS["me"].path)
    def me():
        g.user = require_user()
        return {"user": g.user}

    @app.get(REQUESTS["list"].path)
    def list_resources():
        g.user = require_user()
        return {"resources": list(app.state.resources.get(g.user, []))}

    @app.post(REQUESTS["create"].path)
    def create_resource():
        g.user = require_user()
        title = _text_field(_json_body(settings().lenient_body), "title")
        owned = app.state.resources.setdefault(g.user, [])
        if len(owned) >= MAX_RESOURCES:
            raise ApiError(409, "too_many_resources", f"a user may own at most {MAX_RESOURCES} resources")
        resource = {"id": app.state._next_resource, "title": title}
        app.state._next_resource += 1
        owned.append(resource)
        return resource, 201

    @app.post(REQUESTS["logout"].path)
    def logout():
        sid = current_sid()
        g.user = current_user()
        if sid:
            app.state.sessions.destroy(sid)
        body = (
            {"logged_out": True}
            if sid
            else {"logged_out": False, "error": "unauthenticated", "message": "no valid session: nothing to log out"}
        )
        response = app.make_response((body, 200 if sid else 401))
        if session_ids():  # express: res.clearCookie with the options the cookie was set with
            response.headers.add("Set-Cookie", to_wire((settings().logout_cookie or settings().cookie).delete_cookie()))
        return response

    @app.get("/")
    def index():
        return send_from_directory(CLIENT_DIR, "index.html")

    @app.get("/client/<path:name>")
    def client_file(name: str):
        return send_from_directory(CLIENT_DIR, name)

    @app.get("/favicon.ico")
    def favicon():
        return Response(status=204)

    return app
