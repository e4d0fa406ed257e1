"""Property-based tests: malformed, oversized and wrongly typed requests at every route, checked against a model."""

from __future__ import annotations

import io
import json
import posixpath
import re
import string
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import Headers
from werkzeug.urls import uri_to_iri

from e2e.oracle.server import cookie_pairs
from server.app import CLIENT_DIR, MAX_BODY, MAX_FIELD, USERS, ApiState, SessionStore, create_app
from server.config import CookieConfig, CorsPolicy, Settings
from server.load import FakeClock

ALLOWLISTED = "https://app.site-a.test:8443"
PROFILES = [
    pytest.param(Settings(), id="default"),
    # The hardened deployment: Origin check, an allowlist, a Secure cookie that needs TLS, behind a trusted proxy.
    pytest.param(
        Settings(
            cookie=CookieConfig(secure=True, samesite="None"),
            cors=CorsPolicy("allowlist", (ALLOWLISTED,)),
            csrf="origin",
            trust_proxy=True,
            secure_cookie_needs_tls=True,
        ),
        id="hardened_behind_proxy",
    ),
    # express.json({type: "*/*"}) with express.urlencoded(): JSON under any type, and form fields.
    pytest.param(Settings(lenient_body=True), id="lenient_body"),
    # express's cookie name, a Secure cookie that needs TLS with no trusted proxy (X-Forwarded-Proto is a lie),
    # and the misconfiguration that reflects any Origin with credentials.
    pytest.param(
        Settings(
            cookie=CookieConfig(name="connect.sid", secure=True),
            cors=CorsPolicy("reflect_any_credentials"),
            csrf="origin",
            secure_cookie_needs_tls=True,
        ),
        id="connect_sid_untrusted_proxy_reflect_any",
    ),
]
# Deterministic (no example database, no randomness between runs), no timing deadline: CI never flakes. About 15 s of
# CPU for the file; `--hypothesis-show-statistics` shows which answers the examples reached.
FAST = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# --- the model of the API: which routes exist, and what a request may change ------------------------------------

API_ROUTES = {
    "/api/login": {"POST"},
    "/api/me": {"GET", "HEAD"},
    "/api/resources": {"GET", "HEAD", "POST"},
    "/api/logout": {"POST"},
}
PAGE_ROUTES = {"/": {"GET", "HEAD", "OPTIONS"}, "/favicon.ico": {"GET", "HEAD", "OPTIONS"}}
CLIENT_FILES = {p.relative_to(CLIENT_DIR).as_posix() for p in CLIENT_DIR.rglob("*") if p.is_file()}
FORM_TYPES = ("application/x-www-form-urlencoded", "text/plain")
SEEDED = {"alice": [{"id": 1, "title": "alice's"}], "bob": [{"id": 2, "title": "bob's"}]}


@dataclass
class Call:
    """One request as generated: placeholders {name} {NAME} {alice} {bob} {stale} are filled in when sent."""

    method: str
    path: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    base_url: str = "http://localhost"
    content_length: str | None = None  # a CONTENT_LENGTH that may lie about the body
    chunked: bool = False  # sent without a length, terminated by the server (as a chunked body)


@dataclass
class Expect:
    """What the model predicts: the status and error, other right refusals, and the one change a valid request makes."""

    status: int | None
    error: str | None = None
    # ("login", user, replaced sid) | ("create", user, title) | ("logout", sid) | ("read", path, user)
    effect: tuple | None = None
    also: tuple[tuple[int, str | None], ...] = ()  # other right refusals (status, error): slash redirects, deep JSON
    any_4xx: bool = False  # any 4xx is right as well


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type, parameters and case aside ("" without one)."""
    return (content_type or "").split(";")[0].strip(" \t").lower()


def form_fields(text: str, kind: str) -> dict[str, str]:
    """HTML form fields, written from the specs rather than from the app's code; the first repeated name wins.

    URL Standard, application/x-www-form-urlencoded parser: split on '&', skip empty sequences, split each at
    the first '=', '+' is a space, then percent-decode. HTML, text/plain encoding: NAME=VALUE lines ended by CRLF.
    """
    pairs: list[tuple[str, str]] = []
    if kind == "application/x-www-form-urlencoded":
        for sequence in filter(None, text.split("&")):
            name, _, value = sequence.partition("=")
            pairs.append((urllib.parse.unquote(name.replace("+", " ")), urllib.parse.unquote(value.replace("+", " "))))
    else:
        for line in text.split("\r\n"):
            name, equals, value = line.partition("=")
            if equals:
                pairs.append((name, value))
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def plain_int(text: str) -> int:
    """A CONTENT_LENGTH as the server reads it: ASCII digits around optional spaces, else 0."""
    text = text.strip(" \t")
    return int(text) if re.fullmatch(r"[0-9]+", text) else 0


def text_field(body: dict, name: str) -> str | None:
    """The field if it is non-blank text of at most MAX_FIELD characters that UTF-8 can hold, else None."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_FIELD:
        return None
    try:
        value.encode()
    except UnicodeEncodeError:
        return None
    return value


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in a decoded JSON value."""
    level, todo = 0, [(value, 1)]
    while todo:
        item, at = todo.pop()
        if isinstance(item, (list, dict)):
            level = max(level, at)
            todo += [(child, at + 1) for child in (item.values() if isinstance(item, dict) else item)]
    return level


# The parser gives up (RecursionError) at a depth that depends on how deep the stack already is; no generated
# request nested this deep is otherwise valid.
NESTING_NEAR_LIMIT = 100


def read_json(call: Call, content_type: str | None, lenient: bool) -> tuple[dict | None, tuple | None]:
    """The JSON object (`lenient`: or form fields) in the body, or the (status, error) refusing it, checked in order."""
    kind = media_type(content_type)
    if kind != "application/json" and not lenient:
        return None, (415, "unsupported_media_type")
    if call.chunked:
        raw = call.body
    else:
        length = len(call.body) if call.content_length is None else plain_int(call.content_length)
        if length > MAX_BODY:
            return None, (413, "body_too_large")
        if length > len(call.body):
            return None, (400, "bad_request")  # the client went away before sending the announced bytes
        raw = call.body[:length]
    if len(raw) > MAX_BODY:
        return None, (413, "body_too_large")
    try:
        body = json.loads(raw)
    except RecursionError:
        return None, (400, "deep")
    except ValueError:
        if kind == "application/json":
            return None, (400, "malformed_json")
        if kind not in FORM_TYPES:
            return None, (415, "unsupported_media_type")
        body = form_fields(raw.decode("utf-8", "replace"), kind)
    if depth(body) > NESTING_NEAR_LIMIT:
        return None, (422, "deep")
    if not isinstance(body, dict):
        return None, (422, "invalid_body")
    return body, None


def refused(status: int, error: str) -> Expect:
    """A refusal; JSON nested near the parser's limit may be refused as malformed or as what it holds (never 5xx)."""
    return Expect(None, any_4xx=True) if error == "deep" else Expect(status, error)


def session_ids(headers, name: str) -> list[str]:
    """The values under `name` in the request's Cookie header(s), by the oracle's model of how server/app.py reads a
    Cookie header (e2e/oracle/server.py cookie_pairs: the `cookie` package behind express-session), written apart
    from the server's own reader so that the two can disagree."""
    return [value for key, value in cookie_pairs(";".join(headers.getlist("Cookie"))) if key == name]


def model(call: Call, request, settings: Settings, valid_sids: dict[str, str]) -> Expect:
    """The answer the API must give to `request` (what the test client sent for `call`), from the spec alone."""
    method, path, headers = request.method, request.path, request.headers
    origin = headers.get("Origin")
    forwarded = headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    secure = request.scheme == "https" or (settings.trust_proxy and forwarded == "https")
    own_origin = f"{'https' if secure else 'http'}://{request.host}"
    ids = session_ids(headers, settings.cookie.name)
    sid = ids[0] if ids and ids[0] in valid_sids else None
    user = valid_sids.get(sid) if sid else None

    if path.startswith("/api/") and method == "OPTIONS":
        return Expect(204)
    if (
        path.startswith("/api/")
        and method == "POST"
        and settings.csrf == "origin"
        and origin is not None
        and origin != own_origin
        and not settings.cors.admits(origin)
    ):
        return Expect(403, "cross_origin_forbidden")
    try:  # the router encodes the host name (without its port) as IDNA: empty or overlong labels are refused
        request.host.partition(":")[0].encode("idna")
    except UnicodeError:
        return Expect(400, "bad_request")
    merged = re.sub("/{2,}", "/", path)
    if merged != path:  # werkzeug redirects to the path with merged slashes if that one is routed
        return Expect(None, also=((308, None),), any_4xx=True)
    if path in API_ROUTES:
        if method not in API_ROUTES[path]:
            return Expect(405, "method_not_allowed")
        if path == "/api/login":
            body, refusal = read_json(call, headers.get("Content-Type"), settings.lenient_body)
            if refusal:
                return refused(*refusal)
            username, password = text_field(body, "username"), text_field(body, "password")
            if username is None or password is None:
                return Expect(422, "invalid_field")
            if USERS.get(username) != password:
                return Expect(401, "bad_credentials")
            return Expect(200, effect=("login", username, sid))
        if path == "/api/logout":
            return Expect(200, effect=("logout", sid)) if sid else Expect(401, "unauthenticated")
        if user is None:
            return Expect(401, "unauthenticated")
        if method in ("GET", "HEAD"):
            return Expect(200, effect=("read", path, user))
        body, refusal = read_json(call, headers.get("Content-Type"), settings.lenient_body)
        if refusal:
            return refused(*refusal)
        title = text_field(body, "title")
        return Expect(201, effect=("create", user, title)) if title else Expect(422, "invalid_field")
    if path in PAGE_ROUTES:
        return (
            Expect(200 if path == "/" or method == "OPTIONS" else 204) if method in PAGE_ROUTES[path] else Expect(405)
        )
    if path.startswith("/client/") and path != "/client/":  # <path:name> needs a name
        if method not in ("GET", "HEAD", "OPTIONS"):
            return Expect(405)
        name = posixpath.normpath(path[len("/client/") :])
        return Expect(200 if method == "OPTIONS" or name in CLIENT_FILES else 404)
    return Expect(404, "not_found")


# --- strategies -------------------------------------------------------------------------------------------------

# What a WSGI header value can hold (latin-1), without the line breaks the test client refuses outright.
HEADER_CHARS = st.characters(min_codepoint=0, max_codepoint=0xFF, exclude_characters="\r\n")
header_text = st.text(HEADER_CHARS, max_size=40)


def mostly(likely: st.SearchStrategy, other: st.SearchStrategy, percent: int = 75) -> st.SearchStrategy:
    """`likely` in about `percent` of the examples, else `other` (one_of flattens nested one_ofs, losing weights)."""
    return st.integers(0, 99).flatmap(lambda n: likely if n < percent else other)


def huge(fragments: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A fragment repeated into a header value of up to 64 KiB."""
    return st.tuples(fragments.filter(bool), st.integers(1, 8192)).map(lambda t: (t[0] * t[1])[:65536])


def sendable_host(host: str) -> bool:
    """Whether werkzeug's test client can build a URL with this Host (it decodes the name as IDNA)."""
    try:
        uri_to_iri(f"http://{host}/")
        return True
    except (UnicodeError, ValueError):
        return False


ROUTED_METHODS = st.sampled_from(["GET", "HEAD", "POST", "OPTIONS"])
ODD_METHODS = st.sampled_from(["PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "PROPFIND", "get", "Post", "M-SEARCH"])
METHODS = mostly(ROUTED_METHODS, ODD_METHODS | st.text(string.ascii_uppercase, min_size=1, max_size=12), percent=60)
CANONICAL_PATHS = [
    "/api/login",
    "/api/me",
    "/api/resources",
    "/api/logout",
    "/",
    "/favicon.ico",
    "/client/index.html",
    "/client/api.js",
]
PATH_CHARS = st.characters(codec="utf-8", exclude_characters="#")
PATHS = mostly(
    st.sampled_from(CANONICAL_PATHS),
    st.one_of(
        st.tuples(
            st.sampled_from(CANONICAL_PATHS),
            st.sampled_from(
                [
                    "{}/",
                    "{}?sid={{alice}}&x=1",
                    "{}?",
                    "{}%00",
                    "{};jsessionid=1",
                    "{}/..",
                    "{}/.",
                    "{}.json",
                    "{}%2f",
                ]
            ),
        ).map(lambda t: t[1].format(t[0])),
        st.sampled_from(
            [
                "/API/me",
                "/api/ME",
                "/api//me",
                "/api/%6de",
                "/api/./me",
                "/api/me/../logout",
                "/api/",
                "/api",
                "/client/../server/app.py",
                "/client/%2e%2e/server/app.py",
                "/client/",
                "/client/./index.html",
                "/client/\x00",
                "/api/login%0d%0aSet-Cookie:%20x=1",
                "/%ff",
                "/api/resources/1",
            ]
        ),
        st.text(PATH_CHARS, max_size=30).map(lambda t: "/" + t.lstrip("/")),
        st.text(PATH_CHARS, max_size=30).map(lambda t: "/api/" + t),
    ),
    percent=50,
).map(lambda path: "/" + path.lstrip("/"))  # the test client reads "//x" as a URL with the host x
JSON_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/json;charset=latin-1",
        "application/json ; foo=bar",
        "application/json;;;",
        "  application/json",
        "application/json\t; x",
    ]
)
FORM_CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "text/plain",
        "text/plain;charset=UTF-8",
        "Application/X-WWW-Form-Urlencoded ; charset=latin-1",
        "multipart/form-data",
    ]
)
CONTENT_TYPES = (
    st.none()
    | JSON_TYPES
    | FORM_CONTENT_TYPES
    | st.sampled_from(
        [
            "text/json",
            "application/json, text/plain",
            '"application/json"',
            "application/jsonx",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/plain",
            "",
            ";",
            "application/json\x00",
        ]
    )
    | header_text
)
MOSTLY_JSON_TYPES = mostly(JSON_TYPES, CONTENT_TYPES)
COOKIE_NAMES = st.sampled_from(
    [
        "{name}",
        "{NAME}",
        "sid",
        "SID",
        "connect.sid",
        "other",
        "$Version",
        " {name}",
        "{name} ",
        "",
        "{name}[]",
        "__Host-{name}",
    ]
) | st.text(HEADER_CHARS.filter(lambda c: c not in ";,="), max_size=12)
COOKIE_VALUES = (
    st.sampled_from(
        [
            "{alice}",
            "{bob}",
            "{stale}",
            '"{alice}"',
            "{alice}x",
            " {bob} ",
            "",
            "deleted",
            '"',
            '\\"',
            "%7Balice%7D",
            "{alice}%00",
        ]
    )
    | header_text
)
COOKIE_PAIRS = st.lists(st.tuples(COOKIE_NAMES, st.none() | COOKIE_VALUES), max_size=6)
HOSTILE_COOKIES = st.tuples(COOKIE_PAIRS, st.sampled_from([None, "{alice}", "{bob}", "{stale}"]), COOKIE_PAIRS).map(
    lambda t: "; ".join(n if v is None else f"{n}={v}" for n, v in t[0] + ([("{name}", t[1])] if t[1] else []) + t[2])
)
COOKIES = st.one_of(
    st.none(),
    st.tuples(COOKIE_PAIRS, st.sampled_from(["; ", ";", ", ", " ;  ", ";;", "\t;"])).map(
        lambda t: t[1].join(n if v is None else f"{n}={v}" for n, v in t[0])
    ),
    header_text,
    huge(st.sampled_from(["x=1; ", "{name}=garbage; ", "{name}={alice}; ", "a"]) | header_text),
)
ORIGINS = (
    st.none()
    | st.sampled_from(
        [
            "null",
            "http://localhost",
            "https://localhost",
            ALLOWLISTED,
            "https://evil.test",
            "http://localhost:80",
            "HTTP://LOCALHOST",
            "http://localhost/",
            "https://app.site-a.test:8443.evil.test",
            "*",
        ]
    )
    | header_text
    | huge(header_text)
)
ADMITTED_ORIGINS = st.sampled_from([None, "http://localhost", "https://localhost", ALLOWLISTED])
MOSTLY_ADMITTED_ORIGINS = mostly(ADMITTED_ORIGINS, ORIGINS)
FORWARDED_PROTO = mostly(
    st.sampled_from([None, None, "https", "http", "HTTPS", " https ", "https, http", "http, https", "wss", ""]),
    header_text,
    85,
)
HOSTS = mostly(
    st.sampled_from([None, "localhost", "localhost:80", "app.site-a.test:8443", "evil.test", "[::1]", "LOCALHOST"]),
    (st.sampled_from(["a b", "", ".", "a..b", ".localhost", "a" * 64, "localhost:0"]) | header_text).filter(
        sendable_host
    ),
    percent=85,
)
EXTRA_NAMES = st.sampled_from(
    [
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Sec-Fetch-Site",
        "Sec-Fetch-Mode",
        "X-Forwarded-For",
        "X-Forwarded-Host",
        "Authorization",
        "Accept",
        "User-Agent",
        "Referer",
        "X-Requested-With",
    ]
) | st.from_regex(r"\AX-[A-Za-z0-9-]{1,20}\Z")
EXTRA_HEADERS = st.lists(st.tuples(EXTRA_NAMES, header_text | huge(header_text)), max_size=4)

# JSON of every shape, with text that includes lone surrogates (escaped by json.dumps).
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT
JSON_VALUES = st.recursive(
    SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(ANY_TEXT, kids, max_size=4), max_leaves=12
)
EDGE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\u2003 \r\n",
        "\x00",
        "\ud800",
        "alice\udfff",
        "\udc00wonderland",
        "x\ud83d",
        "t" * MAX_FIELD,
        "t" * (MAX_FIELD + 1),
        "wonderland ",
        "Alice",
        "carol",
        "\U0001f36a",
        "a\u0301",
    ]
)
FIELD_VALUES = st.one_of(st.sampled_from(list(USERS) + list(USERS.values())), EDGE_TEXT, ANY_TEXT, JSON_VALUES)
CREDENTIALS = st.sampled_from(sorted(USERS.items())).map(lambda kv: {"username": kv[0], "password": kv[1]})
SHAPED = st.one_of(  # objects with the fields the routes read, each of any type or edge value
    st.fixed_dictionaries({"username": FIELD_VALUES, "password": FIELD_VALUES, "title": FIELD_VALUES}),
    st.fixed_dictionaries(
        {
            "username": st.sampled_from(list(USERS)),
            "password": mostly(EDGE_TEXT, FIELD_VALUES, 50),
            "title": mostly(EDGE_TEXT, FIELD_VALUES, 50),
        }
    ),
    st.fixed_dictionaries({}, optional={"username": FIELD_VALUES, "password": FIELD_VALUES, "title": FIELD_VALUES}),
)
OBJECTS = st.one_of(
    CREDENTIALS,  # valid logins
    st.tuples(CREDENTIALS, st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=3)).map(lambda t: {**t[1], **t[0]}),
    SHAPED,
    SHAPED,
    JSON_VALUES,
)


def encode(obj: Any, how: str) -> bytes:
    """`obj` as JSON bytes: ASCII with escapes, raw UTF-8 (surrogates passed through), UTF-16, or with a BOM."""
    if how == "ascii":
        return json.dumps(obj).encode()
    text = json.dumps(obj, ensure_ascii=False)
    if how == "utf-8":
        return text.encode("utf-8", "surrogatepass")
    return json.dumps(obj).encode(how)  # utf-16 / utf-32 / utf-8-sig, ASCII-escaped first


JSON_BODIES = st.builds(encode, OBJECTS, st.sampled_from(["ascii", "ascii", "utf-8", "utf-16", "utf-32", "utf-8-sig"]))


def form_encode(fields: list[tuple[str, str]], how: str) -> bytes:
    """Form fields as a browser sends them: urlencoded, or text/plain NAME=VALUE lines."""
    if how == "urlencoded":
        return urllib.parse.urlencode(fields, errors="surrogatepass").encode()
    return "".join(f"{name}={value}\r\n" for name, value in fields).encode("utf-8", "surrogatepass")


# Form fields (for the lenient API): credentials, titles, repeated names, and text of any kind.
FORM_TEXT = st.one_of(st.sampled_from(list(USERS) + list(USERS.values()) + ["t", ""]), EDGE_TEXT, ANY_TEXT)
FORM_NAMES = mostly(st.sampled_from(["username", "password", "title"]), ANY_TEXT, 85)
FORM_FIELDS = st.lists(st.tuples(FORM_NAMES, FORM_TEXT), max_size=6)
REPEATED_FIELDS = st.tuples(
    FORM_FIELDS, st.sampled_from(["username", "password", "title"]), FORM_TEXT, FORM_TEXT, FORM_FIELDS
).map(lambda t: t[0] + [(t[1], t[2]), (t[1], t[3])] + t[4])
FORM_BODIES = st.builds(form_encode, FORM_FIELDS | REPEATED_FIELDS, st.sampled_from(["urlencoded", "text_plain"]))
# Valid JSON padded to around MAX_BODY bytes: at most MAX_BODY is accepted, one more is not.
PADDED = st.tuples(
    st.builds(encode, CREDENTIALS | st.just({"title": "padded"}), st.just("ascii")),
    st.sampled_from([MAX_BODY - 1, MAX_BODY, MAX_BODY + 1, 4 * MAX_BODY]),
).map(lambda t: t[0] + b" " * (t[1] - len(t[0])))
# Nesting deeper than the parser's recursion limit, closed or not, and long runs of one token.
NESTED = st.tuples(
    st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'{"title":[', b"]}"), (b"[", b""), (b"\xff", b""), (b"1", b"")]),
    st.sampled_from([3, 101, 1000, 3000]),
).map(lambda t: t[0][0] * t[1] + b"0" + t[0][1] * t[1])
BODIES = st.one_of(st.just(b""), JSON_BODIES, FORM_BODIES, st.binary(max_size=300), PADDED, NESTED)
CONTENT_LENGTHS = st.sampled_from(
    ["abc", "-1", "1.5", "", "+5", "0x5", "1_0", "99999999999999999999", " 7 "]
) | st.integers(0, 400).map(str)


@st.composite
def calls(
    draw,
    methods=METHODS,
    paths=PATHS,
    bodies=BODIES,
    cookies=mostly(HOSTILE_COOKIES, COOKIES, 50),
    lengths=st.none(),
    content_types=mostly(JSON_TYPES, CONTENT_TYPES, 50),
    origins=mostly(ADMITTED_ORIGINS, ORIGINS, 50),
    forwarded=FORWARDED_PROTO,
) -> Call:
    """A request: method, path, hostile headers and a body, each drawn from its strategy."""
    headers: list[tuple[str, str]] = []
    for name, strategy in (
        ("Content-Type", content_types),
        ("Cookie", cookies),
        ("Origin", origins),
        ("X-Forwarded-Proto", forwarded),
        ("Host", HOSTS),
    ):
        value = draw(strategy)
        if value is not None:
            headers.append((name, value))
    headers += draw(EXTRA_HEADERS)
    length = draw(lengths)
    return Call(
        method=draw(methods),
        path=draw(paths),
        headers=headers,
        body=draw(bodies),
        base_url=draw(st.sampled_from(["http://localhost", "https://localhost"])),
        content_length=length,
        chunked=draw(st.booleans()) if length is None else False,
    )


# --- running a call and checking the answer ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def api():
    """One app for the module; each example reconfigures its state (hypothesis forbids function fixtures)."""
    state = ApiState()
    app = create_app(state)
    app.config.update(TESTING=True)
    return app, state


def seed(app, state: ApiState, profile: Settings) -> dict[str, str]:
    """A fresh state under `profile` with alice and bob logged in, a resource each, and one logged-out id."""
    state.configure(profile)
    state.sessions = SessionStore(profile.session_ttl, profile.max_sessions, clock=FakeClock())
    sids = {
        "alice": state.sessions.create("alice"),
        "bob": state.sessions.create("bob"),
        "stale": state.sessions.create("alice"),
    }
    state.sessions.destroy(sids["stale"])
    client = app.test_client(use_cookies=False)
    for user in ("alice", "bob"):
        response = client.post(
            "/api/resources",
            json={"title": f"{user}'s"},
            base_url="https://localhost",
            headers={"Cookie": f"{profile.cookie.name}={sids[user]}"},
        )
        assert response.status_code == 201, response.get_data()
    assert state.resources == SEEDED
    return sids


def fill(text: str, sids: dict[str, str], name: str) -> str:
    """The text with the placeholders replaced by the cookie name and the seeded session ids."""
    for key, value in (
        ("{name}", name),
        ("{NAME}", name.upper()),
        ("{alice}", sids["alice"]),
        ("{bob}", sids["bob"]),
        ("{stale}", sids["stale"]),
    ):
        text = text.replace(key, value)
    return text


def send(app, call: Call, sids: dict[str, str], name: str):
    """Send `call` through Flask's test client (no cookie jar) and return the response."""
    headers = Headers([(k, fill(v, sids, name)) for k, v in call.headers])
    kwargs: dict[str, Any] = {"method": call.method, "headers": headers, "base_url": call.base_url}
    if call.chunked:
        headers["Transfer-Encoding"] = "chunked"
        kwargs.update(input_stream=io.BytesIO(call.body), environ_overrides={"wsgi.input_terminated": True})
    else:
        kwargs["data"] = call.body
        if call.content_length is not None:
            kwargs["environ_overrides"] = {"CONTENT_LENGTH": call.content_length}
    return app.test_client(use_cookies=False).open(fill(call.path, sids, name), **kwargs)


def check(app, state: ApiState, profile: Settings, call: Call) -> None:
    """Send `call` to a seeded state and hold the answer and every state change to the model."""
    sids = seed(app, state, profile)
    before, records = state.snapshot(), len(state.records)
    valid = {sid: user for user, sid in sids.items() if user != "stale"}
    response = send(app, call, sids, profile.cookie.name)
    request = response.request
    expect = model(call, request, profile, valid)
    status, body = response.status_code, response.get_json(silent=True)
    after = state.snapshot()
    context = f"{request.method} {request.path!r} -> {status} {response.get_data()[:200]!r}; expected {expect}"

    event(f"{status} {expect.effect[0] if expect.effect else (expect.error or '')}")
    assert status < 500, context
    alternative = any(status == s and (e is None or (body or {}).get("error") == e) for s, e in expect.also)
    if alternative or (expect.any_4xx and 400 <= status < 500):
        expect = Expect(status)  # a refusal the model allows: no effect, any error name
    else:
        assert status == expect.status, context

    # Every error is JSON with error and message (HEAD: the same headers, no body).
    if status >= 400:
        assert response.mimetype == "application/json", context
        if request.method != "HEAD":
            assert isinstance(body, dict) and isinstance(body.get("error"), str), context
            assert isinstance(body.get("message"), str) and body["message"], context
            if expect.error and not (request.path == "/api/logout" and status == 401):
                assert body["error"] == expect.error, context
    if status == 308:
        assert response.headers["Location"].split("?")[0].endswith(re.sub("/{2,}", "/", request.path)), context
    if request.path.startswith("/api/"):
        assert response.headers.get("Cache-Control") == "no-store", context
    credentials = response.headers.get("Access-Control-Allow-Credentials")
    if credentials is not None:  # credentialed CORS only for an admitted Origin, echoed exactly
        origin = request.headers.get("Origin")
        assert credentials == "true" and profile.cors.admits(origin), context
        assert response.headers["Access-Control-Allow-Origin"] == origin, context

    # The state changes exactly as the one valid state-changing request would change it, and never otherwise.
    set_cookie = response.headers.getlist("Set-Cookie")
    kind = expect.effect[0] if expect.effect else None
    expected_after = {**before, "sessions": dict(before["sessions"])}
    if kind == "login":
        _, user, old = expect.effect
        assert body == {"user": user}, context
        if old:
            del expected_after["sessions"][old]
        (new_sid,) = set(after["sessions"]) - set(before["sessions"])
        expected_after["sessions"][new_sid] = after["sessions"][new_sid]
        assert after["sessions"][new_sid][0] == user, context
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        secure = request.scheme == "https" or (profile.trust_proxy and forwarded == "https")
        issued = not (profile.cookie.secure and profile.secure_cookie_needs_tls and not secure)
        assert set_cookie == ([profile.cookie.set_cookie(new_sid)] if issued else []), context
        valid[new_sid] = user
        valid.pop(old, None)
    elif kind == "create":
        _, user, title = expect.effect
        resource = {"id": before["next_resource"], "title": title}
        assert body == resource, context
        expected_after["resources"] = {**before["resources"], user: before["resources"][user] + [resource]}
        expected_after["next_resource"] = before["next_resource"] + 1
    elif kind == "logout":
        assert body == {"logged_out": True}, context
        del expected_after["sessions"][expect.effect[1]]
        del valid[expect.effect[1]]
    elif kind == "read" and request.method == "GET":
        _, path, user = expect.effect
        assert body == ({"user": user} if path == "/api/me" else {"resources": SEEDED[user]}), context
    assert after == expected_after, context
    if request.path == "/api/logout" and request.method == "POST" and status in (200, 401):
        # express's res.clearCookie, whenever a value came under the cookie's name, valid or not
        sent = session_ids(request.headers, profile.cookie.name)
        assert set_cookie == ([(profile.logout_cookie or profile.cookie).delete_cookie()] if sent else []), context
    elif kind != "login":
        assert set_cookie == [], context
    if status == 405:  # RFC 9110: a 405 says which methods are allowed, and the one sent is not among them
        allowed = response.headers.get("Allow", "").split(", ")
        assert request.method not in allowed and set(allowed) >= {"OPTIONS"}, context
    if request.path.startswith("/api/") and request.method == "OPTIONS":
        assert (response.get_data(), response.headers["Allow"]) == (b"", "GET, POST, OPTIONS"), context

    # One record per request, with what was answered; the surviving sessions still authenticate their users.
    assert len(state.records) == records + 1 and state.records[-1].status == status, context
    client = app.test_client(use_cookies=False)
    for sid, user in valid.items():
        me = client.get("/api/me", headers={"Cookie": f"{profile.cookie.name}={sid}"})
        assert (me.status_code, me.get_json()) == (200, {"user": user}), context
    assert client.get("/api/me", headers={"Cookie": f"{profile.cookie.name}={sids['stale']}"}).status_code == 401


# --- the properties ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
@settings(FAST, max_examples=150)
@given(call=calls())
def test_any_request_to_any_route_is_answered_by_the_model(api, profile, call):
    """Any method, path, hostile headers and body: 4xx JSON or the model's 2xx, and only the model's state change."""
    check(*api, profile, call)


@pytest.mark.parametrize("profile", PROFILES)
@FAST
@given(
    call=calls(
        methods=st.just("POST"),
        paths=st.sampled_from(["/api/login", "/api/resources"]),
        bodies=mostly(JSON_BODIES, NESTED, 75),
        cookies=st.sampled_from([None, "{name}={alice}", "{name}={bob}", "{name}={stale}", "{name}=x; {name}={alice}"]),
        content_types=MOSTLY_JSON_TYPES,
        origins=MOSTLY_ADMITTED_ORIGINS,
    )
)
def test_json_bodies_of_every_shape(api, profile, call):
    """JSON of every shape and encoding (nested, arrays, numbers, nulls, lone surrogates) to the JSON routes."""
    check(*api, profile, call)


@pytest.mark.parametrize("profile", PROFILES)
@FAST
@given(
    call=calls(
        methods=st.sampled_from(["GET", "POST", "HEAD"]),
        paths=st.sampled_from(["/api/me", "/api/resources", "/api/logout", "/api/login"]),
        bodies=st.builds(encode, st.just({"title": "t"}) | CREDENTIALS, st.just("ascii")),
        cookies=mostly(HOSTILE_COOKIES, COOKIES),
        content_types=MOSTLY_JSON_TYPES,
        origins=MOSTLY_ADMITTED_ORIGINS,
    )
)
def test_session_routes_with_hostile_cookies(api, profile, call):
    """Repeated, garbage, quoted, huge and mis-named cookies: only the first value under the exact name counts."""
    check(*api, profile, call)


@pytest.mark.parametrize("profile", PROFILES)
@FAST
@given(
    call=calls(
        methods=st.just("POST"),
        paths=st.sampled_from(["/api/login", "/api/resources", "/api/logout"]),
        bodies=st.one_of(JSON_BODIES, PADDED, NESTED, st.binary(max_size=64)),
        lengths=st.none() | CONTENT_LENGTHS,
        cookies=st.just("{name}={alice}"),
        content_types=MOSTLY_JSON_TYPES,
        origins=MOSTLY_ADMITTED_ORIGINS,
    )
)
def test_bodies_whose_length_lies_or_overflows(api, profile, call):
    """Content-Length short, long, garbage or huge, and streamed bodies around MAX_BODY: read exactly as announced."""
    check(*api, profile, call)


@pytest.mark.parametrize("profile", PROFILES)
@FAST
@given(
    call=calls(
        methods=st.just("POST"),
        paths=st.sampled_from(["/api/login", "/api/resources"]),
        bodies=st.builds(encode, SHAPED, st.sampled_from(["ascii", "utf-8", "utf-16"])),
        cookies=st.just("{name}={alice}"),
        content_types=JSON_TYPES,
        origins=ADMITTED_ORIGINS,
    )
)
def test_fields_of_every_type_and_edge_value(api, profile, call):
    """username, password and title of any JSON type, blank, too long, or with lone surrogates, in a valid request."""
    check(*api, profile, call)


@pytest.mark.parametrize("profile", PROFILES)
@FAST
@given(
    call=calls(
        methods=st.just("POST"),
        paths=st.sampled_from(["/api/login", "/api/resources"]),
        bodies=mostly(FORM_BODIES, JSON_BODIES),
        cookies=st.just("{name}={alice}"),
        content_types=mostly(FORM_CONTENT_TYPES, CONTENT_TYPES),
        origins=ADMITTED_ORIGINS,
    )
)
def test_form_bodies_only_where_lenient(api, profile, call):
    """Urlencoded and text/plain forms: fields read only by the lenient API, 415 from the others, never 5xx."""
    check(*api, profile, call)


@pytest.mark.parametrize("profile", PROFILES)
@FAST
@given(
    call=calls(
        methods=st.just("POST"),
        paths=st.sampled_from(["/api/login", "/api/resources", "/api/logout"]),
        bodies=st.builds(encode, CREDENTIALS | st.just({"title": "t"}), st.just("ascii")),
        cookies=st.just("{name}={alice}"),
        content_types=JSON_TYPES,
        origins=st.sampled_from([None, "http://localhost", "https://localhost", "https://evil.test"]),
        forwarded=mostly(
            st.sampled_from(["https", "HTTPS", " https ", "https, http", "http, https", "http"]), FORWARDED_PROTO
        ),
    )
)
def test_forwarded_proto_counts_only_behind_a_trusted_proxy(api, profile, call):
    """X-Forwarded-Proto makes a request secure (Secure cookie issued, https own origin) only with trust_proxy."""
    check(*api, profile, call)
