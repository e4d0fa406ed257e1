"""The oracle for attacks on a logged-in user: what each request of a scenario should do, derived from the rules.

e2e/oracle.py models one page fetching from one API. The attacks here need more: a page on another site that
reads with credentials or posts a form (a top-level navigation), a sibling subdomain that writes cookies through
document.cookie, an attacker who logs in and replays ids outside the browser. This module builds them from the
same blocks (oracle.store, oracle.retrieve, oracle.same_site, oracle.cors_check, oracle.RULES) plus the rules
below, and the server model of server/app.py including Settings.csrf and Settings.lenient_body.

Sources, cited per rule: HTML (the WHATWG HTML Standard, "form submission algorithm", navigation and its
reserved environment); Fetch (anchors of https://fetch.spec.whatwg.org/); 6265bis (draft-ietf-httpbis-rfc6265bis:
"Same-site and cross-site Requests", the storage model, the retrieval algorithm, "Cookie Name Prefixes", "Weak
Integrity", "Lax-Allowing-Unsafe" enforcement); CHIPS; Chromium (chromestatus and net/cookies); OWASP CSRF
Prevention Cheat Sheet; server/app.py.

Every scenario is a pure function of a BrowserProfile and its parameters, so that the same scenario can be
re-run with a deviation's specification value (`deviations_changing`) and unit-tested without a browser.
Cookie values are labels: the server's ids are "session-1", "session-2", ... in the order it issues them, and
the tests translate the real random ids into these labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from e2e.oracle import (
    RULES,
    Context,
    Cookie,
    OracleInputError,
    Origin,
    Rule,
    cors_check,
    parse_origin,
    parse_set_cookie,
    retrieve,
    same_site,
    store,
)
from e2e.profiles import BrowserProfile, Fact
from server.app import FORM_TYPES
from server.config import CookieConfig, CorsPolicy, Settings

SAFE_METHODS = ("GET", "HEAD")  # RFC 9110 §9.2.1; 6265bis §5.8.3 calls these "safe"
JSON = "application/json"
URLENCODED = "application/x-www-form-urlencoded"
TEXT_PLAIN = "text/plain"
ENCTYPES = {"form_urlencoded": URLENCODED, "form_text_plain": TEXT_PLAIN}
T0 = 1_800_000_000.0  # the scenario clock's start (epoch seconds; only differences and Expires judgments matter)
EVIL_PAGE_PATH = "/client/evil/toss.html"  # where the sibling's document.cookie writes come from

_H = "HTML"
_F = "Fetch"
_C = "6265bis"
_SERVER = "server/app.py"

SECURITY_RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        # navigations and form posts
        Rule(
            "nav-form-post",
            "Submitting a form with method POST navigates its browsing context (here the top-level one) with a POST "
            "request whose body is the form data in the form's enctype; it is not a CORS request, needs no preflight, "
            "and the attacker's script is gone once the response is shown.",
            f"{_H} #form-submission-algorithm ('Submit as entity body'); {_F} #concept-main-fetch (mode 'navigate')",
        ),
        Rule(
            "nav-top-level-site",
            "A top-level navigation's request belongs to the document it creates: its top-level site is the target's "
            "site, so third-party cookie policies do not apply to it and a Partitioned cookie goes only if it was "
            "keyed by the target's site.",
            f"{_H} #create-navigation-params-by-fetching (reserved environment, top-level creation URL); {_F} "
            "#determine-the-network-partition-key; CHIPS §2.2; 6265bis §5.2.1 (a top-level document's site for "
            "cookies is its own site)",
        ),
        Rule(
            "nav-cross-site",
            "A navigation started by a document of another site is a cross-site request: the site of the request's "
            "client (the initiator) differs from the target's.",
            f"{_C} §5.2 'Same-site and cross-site Requests'",
        ),
        Rule(
            "samesite-strict-navigation",
            "A Strict cookie is withheld from every cross-site request, top-level navigations included.",
            f"{_C} §5.8.3 Retrieval Algorithm (SameSite enforcement)",
        ),
        Rule(
            "samesite-lax-top-level-safe",
            "A Lax cookie (or one without SameSite where Lax-by-default applies) goes with a cross-site request only "
            "if it is a top-level navigation with a safe method (GET, HEAD): a cross-site form POST leaves it behind.",
            f"{_C} §5.8.3 Retrieval Algorithm (SameSite enforcement); §8.8.2 'Lax' enforcement",
        ),
        Rule(
            "samesite-none-navigation",
            "A SameSite=None cookie (or one without SameSite where Lax-by-default does not apply) goes with a "
            "cross-site navigation of any method.",
            f"{_C} §5.8.3 Retrieval Algorithm",
        ),
        Rule(
            "samesite-lax-allowing-unsafe",
            "Where the profile keeps 'Lax-allowing-unsafe', a cookie without SameSite that is Lax only by default and "
            "was created at most the profile's threshold ago (Chromium: 2 minutes, 'Lax + POST') also goes with a "
            "cross-site top-level navigation of an unsafe method such as a form POST.",
            f"{_C} 'Lax-Allowing-Unsafe' enforcement (httpwg/http-extensions PR 1435); chromestatus.com/feature/"
            "5088147346030592; Chromium net/cookies/canonical_cookie.cc GetLaxAllowUnsafeThresholdAge",
        ),
        # fetches from the attacker's page
        Rule(
            "fetch-no-cors-simple-post",
            "A no-cors POST with Content-Type text/plain (CORS-safelisted) is sent at once without a preflight; "
            "cookies go as the credentials mode, SameSite and the third-party policy say, and script gets an opaque "
            "response.",
            f"{_F} #cors-safelisted-request-header; #concept-main-fetch; #concept-filtered-response-opaque",
        ),
        Rule(
            "fetch-origin-header",
            "The browser adds an Origin header with the initiator's origin to every POST and to every cross-origin "
            "CORS request, form submissions included; script cannot set or change it.",
            f"{_F} #append-a-request-origin-header; #forbidden-request-header",
        ),
        Rule(
            "cors-reflect-any-credentials",
            "A policy that echoes any Origin with Access-Control-Allow-Credentials: true passes every credentialed "
            "CORS check, so any site can read the user's responses whenever the browser sends the cookie.",
            f"{_F} #concept-cors-check, #cors-protocol-and-credentials; shared/reference/cookie-rules.md (flask-cors "
            "supports_credentials with origins='*')",
        ),
        # cookies written by script and by siblings
        Rule(
            "cookie-script-write",
            "document.cookie stores a cookie through the same storage model, as a non-HTTP API: from the page's URL, "
            "never HttpOnly.",
            f"{_C} §5.8.2 Non-HTTP APIs; §5.7 Storage Model",
        ),
        Rule(
            "cookie-httponly-script-write",
            "A script cannot set an HttpOnly cookie, nor replace or delete an HttpOnly cookie of the same name, domain, "
            "host-only flag and path: the write is ignored.",
            f"{_C} §5.7 Storage Model (cookies from a non-HTTP API)",
        ),
        Rule(
            "cookie-weak-integrity",
            "A sibling subdomain can write cookies with Domain=<registrable domain>; the app cannot tell them from its "
            "own, because the Cookie header carries only names and values.",
            f"{_C} §8.6 Weak Integrity; §5.7 step 10",
        ),
        Rule(
            "cookie-retrieval-order",
            "The Cookie header lists cookies with longer paths first, then earlier creation first: a cookie tossed "
            "with Path=/api, or planted before the site's own, comes first.",
            f"{_C} §5.8.3 Retrieval Algorithm step 2",
        ),
        Rule(
            "third-party-partitioned",
            "Where the profile partitions third-party cookies (Firefox's Total Cookie Protection), a cookie set in a "
            "cross-site context lives in a jar keyed by the top-level site, and a cookie set first-party is not sent "
            "with a cross-site request from under another top-level site.",
            f"{_C} §7.1 Third-Party Cookies (the policy is the user agent's); profile third_party_partitioned "
            "(Firefox network.cookie.cookieBehavior 5, BEHAVIOR_REJECT_TRACKER_AND_PARTITION_FOREIGN)",
        ),
        # the server
        Rule(
            "server-csrf-origin",
            "With csrf='origin' the server answers 403 to an /api POST whose Origin is neither its own origin nor "
            "admitted by its CORS policy, before any route runs: nothing is read or changed.",
            f"{_SERVER} start; OWASP CSRF Prevention Cheat Sheet, 'Verifying Origin With Standard Headers'",
        ),
        Rule(
            "server-lenient-body",
            "With lenient_body the server reads a JSON body under any Content-Type and the fields of a urlencoded or "
            "text/plain form, so a form or a no-cors fetch can create a resource.",
            f"{_SERVER} _json_body, _form_fields; server/config.py Settings.lenient_body",
        ),
        Rule(
            "server-login-regenerates",
            "Login destroys the session the request arrived with and issues a fresh random id (passport's "
            "session.regenerate), so an id planted before login never becomes the user's session.",
            f"{_SERVER} login",
        ),
        Rule(
            "server-session-destroyed",
            "Logout destroys the session on the server: the old id, replayed later in any way, is unknown and answered "
            "401.",
            f"{_SERVER} logout, require_user",
        ),
        Rule(
            "server-no-session",
            "A request without a live session id gets no user: the session routes answer 401 and create nothing.",
            f"{_SERVER} current_sid, require_user",
        ),
    )
}
ALL_RULES: dict[str, Rule] = {**RULES, **SECURITY_RULES}
assert not set(RULES) & set(SECURITY_RULES), "security rule ids must not shadow e2e/oracle.py's"


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Attempt:
    """One request of a scenario as the rules say it goes: what was sent, what the server did, what script got."""

    sent: tuple[str, ...]  # the session cookie's values in the Cookie header, in order (labels)
    server_status: int | None  # None when the request never reached the server
    user: str | None  # the user the server authenticated the request as
    created: bool  # a resource was created
    script: str  # "resolved" | "network_error" | "opaque" | "navigated" (the response replaced the attacker's page)
    status: int | None  # HTTP status script or the navigated document sees; 0 if opaque; None on a network error
    reasons: tuple[str, ...]  # rule ids, the chain behind the outcome

    @property
    def data_readable(self) -> bool:
        """Script holds the user's own data: the response resolved and the server answered as the user."""
        return self.script == "resolved" and self.user is not None and self.server_status == 200

    def outcome(self) -> Attempt:
        return replace(self, reasons=())


@dataclass(frozen=True)
class Scenario:
    """A scenario's attempts by name, what script read of cookies, and the session cookies left in the jar."""

    attempts: dict[str, Attempt]
    document_cookie: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    jar: tuple[Cookie, ...] = ()
    notes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rule chains of steps without a request

    def __getitem__(self, name: str) -> Attempt:
        return self.attempts[name]

    def outcome(self) -> tuple:
        return (
            tuple((n, a.outcome()) for n, a in self.attempts.items()),
            tuple((k, v[0]) for k, v in self.document_cookie.items()),
            tuple(sorted((c.name, c.value, c.domain, c.path) for c in self.jar)),
        )


# ---------------------------------------------------------------------------------------------- the world


class World:
    """The browser's jar and the server's memory through one scenario, moved only by the rules."""

    def __init__(self, profile: BrowserProfile, settings: Settings):
        self.profile, self.settings = profile, settings
        self._tcp = bool(profile.third_party_partitioned.value)
        self.now = T0
        self.jar: tuple[Cookie, ...] = ()
        self.born: dict[int, float] = {}  # a cookie's creation counter -> the time it was created
        self.sessions: dict[str, str] = {}  # session id (label) -> user
        self.resources: dict[str, int] = {}
        self._issued = 0
        self._counter = 0

    @property
    def name(self) -> str:
        return self.settings.cookie.name

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def _creation(self) -> int:
        self._counter += 1
        self.born[self._counter] = self.now
        return self._counter

    def _context(self, page: Origin, target: Origin) -> Context:
        return Context(page, target, self.profile)

    # --- the server (server/app.py) --------------------------------------------------------------------------

    def attacker_login(self, user: str) -> str:
        """The attacker logs in as `user` with a plain HTTP client, outside the victim's browser: the new id."""
        return self._new_session(user)

    def _new_session(self, user: str) -> str:
        self._issued += 1
        sid = f"session-{self._issued}"
        self.sessions[sid] = user
        return sid

    def _body_read(self, content_type: str | None) -> str | None:
        """None if the body is read, else the rule that refuses it (the attackers' bodies are well formed)."""
        mimetype = (content_type or "").split(";")[0].strip().lower()
        if mimetype == JSON:
            return None
        if self.settings.lenient_body and mimetype in FORM_TYPES:
            return None
        return "server-json-required"

    def _serve(
        self,
        method: str,
        target: Origin,
        path: str,
        origin_header: str | None,
        content_type: str | None,
        ids: tuple[str, ...],
        user: str = "alice",
    ):
        """(status, user, Set-Cookie line or None, created, reasons) of server/app.py for one request."""
        s = self.settings
        own = target.serialized()
        if (
            method == "POST"
            and s.csrf == "origin"
            and path.startswith("/api/")
            and origin_header is not None
            and origin_header != own
            and not s.cors.admits(origin_header)
        ):
            return 403, None, None, False, ["server-csrf-origin"]
        sid = ids[0] if ids and ids[0] in self.sessions else None  # the first value of a repeated name wins
        session = ["server-session-valid"] if sid else ["server-no-session"]
        if (method, path) == ("POST", "/api/login"):
            refused = self._body_read(content_type)
            if refused:
                return 415, None, None, False, [refused]
            reasons = ["server-login", "server-login-regenerates"]
            if sid:
                del self.sessions[sid]
            new = self._new_session(user)
            return 200, user, s.cookie.set_cookie(new), False, reasons
        if (method, path) in (("GET", "/api/me"), ("GET", "/api/resources")):
            if not sid:
                return 401, None, None, False, session + ["server-session-required"]
            return 200, self.sessions[sid], None, False, session
        if (method, path) == ("POST", "/api/resources"):
            if not sid:
                return 401, None, None, False, session + ["server-session-required"]
            refused = self._body_read(content_type)
            if refused:
                return 415, self.sessions[sid], None, False, session + [refused]
            owner = self.sessions[sid]
            self.resources[owner] = self.resources.get(owner, 0) + 1
            body = [] if (content_type or "").startswith(JSON) else ["server-lenient-body"]
            return 201, owner, None, True, session + body + ["server-create"]
        if (method, path) == ("POST", "/api/logout"):
            deletion = (s.logout_cookie or s.cookie).delete_cookie() if ids else None
            owner = self.sessions.pop(sid) if sid else None
            return (
                (200 if sid else 401),
                owner,
                deletion,
                False,
                session + ["server-logout", "server-session-destroyed"],
            )
        raise OracleInputError(f"the security oracle does not model {method} {path}")

    def plain_request(
        self, target: Origin, method: str, path: str, ids: tuple[str, ...], origin_header: str | None = None
    ) -> Attempt:
        """A request from a plain HTTP client (no browser, no jar): it sends exactly `ids`."""
        status, user, _line, created, why = self._serve(method, target, path, origin_header, JSON, ids)
        return Attempt(tuple(ids), status, user, created, "resolved", status, tuple(_dedupe(why)))

    # --- the browser -----------------------------------------------------------------------------------------

    def fetch(
        self,
        page: Origin,
        target: Origin,
        method: str,
        path: str,
        *,
        credentials: str,
        mode: str = "cors",
        content_type: str | None = None,
    ) -> Attempt:
        """fetch() from a page on `page` (its own top-level document) to `target`."""
        ctx = self._context(page, target)
        reasons: list[str] = (
            ["fetch-same-origin"] if ctx.same_origin else ["site-same" if ctx.same_site else "site-cross"]
        )
        if mode == "same-origin" and not ctx.same_origin:
            raise OracleInputError("mode 'same-origin' cross-origin never reaches the server; nothing to attack")
        cross_origin_cors = mode == "cors" and not ctx.same_origin
        if cross_origin_cors and (method not in ("GET", "HEAD", "POST") or content_type == JSON):
            raise OracleInputError("the security oracle models requests without a CORS preflight only")
        if mode == "no-cors" and method == "POST":
            content_type = content_type or TEXT_PLAIN  # client/evil/csrf-fetch.html sends Content-Type: text/plain
            reasons.append("fetch-no-cors-simple-post")
        elif cross_origin_cors:
            reasons.append("fetch-simple-request")
        origin_header = page.serialized() if (method not in SAFE_METHODS or cross_origin_cors) else None
        if origin_header and not ctx.same_origin:
            reasons.append("fetch-origin-header")
        include = credentials == "include" or (credentials == "same-origin" and ctx.same_origin)
        reasons.append(
            {
                "omit": "fetch-credentials-omit",
                "same-origin": "fetch-credentials-same-origin",
                "include": "fetch-credentials-include",
            }[credentials]
        )
        sent: tuple[Cookie, ...] = ()
        if include:
            sent, why = retrieve(self.jar, self.name, target, path, ctx)
            reasons += why
            if self._tcp and not ctx.same_site and any(c.partition_key is None for c in sent):
                sent = tuple(c for c in sent if c.partition_key is not None)
                reasons = (
                    [r for r in reasons if r != "cookie-sent"]
                    + ["third-party-partitioned"]
                    + (["cookie-sent"] if sent else [])
                )
            if len(sent) > 1:
                reasons.append("cookie-retrieval-order")
        status, user, line, created, why = self._serve(
            method, target, path, origin_header, content_type, tuple(c.value for c in sent)
        )
        reasons += why
        if ctx.same_origin:
            script, seen = "resolved", status
        elif mode == "no-cors":
            script, seen = "opaque", 0
            reasons.append("fetch-no-cors-opaque")
        else:
            reasons.append("server-cors-policy")
            if self.settings.cors.kind == "reflect_any_credentials":
                reasons.append("cors-reflect-any-credentials")
            ok, rule = cors_check(self.settings.cors.headers(origin_header), origin_header, credentials)
            reasons.append(rule)
            script, seen = ("resolved", status) if ok else ("network_error", None)
        if line is not None and include:
            if script == "network_error":
                reasons.append("fetch-set-cookie-despite-cors-failure")
            reasons += self._store_line(line, path, ctx)
        return Attempt(tuple(c.value for c in sent), status, user, created, script, seen, tuple(_dedupe(reasons)))

    def submit_form(self, page: Origin, target: Origin, path: str, enctype: str) -> Attempt:
        """An auto-submitted <form method=post> on `page` (top-level) targeting `target`: a top-level navigation."""
        if enctype not in FORM_TYPES:
            raise OracleInputError(f"enctype must be one of {FORM_TYPES} (multipart is not read by the server)")
        return self._navigate(page, target, "POST", path, enctype, ["nav-form-post", "fetch-origin-header"])

    def follow_link(self, page: Origin, target: Origin, path: str) -> Attempt:
        """A link on `page` (top-level) to `target` followed in the same tab: a top-level GET navigation."""
        return self._navigate(page, target, "GET", path, None, [])

    def _navigate(
        self, page: Origin, target: Origin, method: str, path: str, content_type: str | None, reasons: list[str]
    ) -> Attempt:
        reasons = reasons + ["nav-top-level-site"]
        # The navigation's own top-level site is the target's: retrieve() with a first-party context checks host,
        # path, Secure and the partition key; SameSite follows for the cross-site initiator.
        candidates, why = retrieve(self.jar, self.name, target, path, self._context(target, target))
        reasons += [r for r in why if r != "cookie-sent"]
        sent = self._samesite_for_navigation(candidates, page, target, method, reasons)
        if sent:
            reasons.append("cookie-sent")
            if len(sent) > 1:
                reasons.append("cookie-retrieval-order")
        origin_header = page.serialized() if method not in SAFE_METHODS else None
        status, user, line, created, why = self._serve(
            method, target, path, origin_header, content_type, tuple(c.value for c in sent)
        )
        reasons += why
        if line is not None:
            reasons += self._store_line(line, path, self._context(target, target))
        return Attempt(
            tuple(c.value for c in sent), status, user, created, "navigated", status, tuple(_dedupe(reasons))
        )

    def _samesite_for_navigation(
        self, candidates: tuple[Cookie, ...], page: Origin, target: Origin, method: str, reasons: list[str]
    ) -> tuple[Cookie, ...]:
        """6265bis §5.8.3 SameSite enforcement for a top-level navigation from `page` (with Lax-allowing-unsafe)."""
        if same_site(page, target, self.profile.schemeful_same_site.value):
            reasons.append("site-same")
            return candidates
        reasons += ["site-cross", "nav-cross-site"]
        window = self._lax_unsafe_seconds()  # 0: the profile has no Lax-allowing-unsafe
        kept = []
        for c in candidates:
            flag = c.same_site
            if flag == "Default":
                reasons.append("samesite-lax-by-default")
                flag = "Lax" if self.profile.lax_by_default.value else "None"
            if flag == "None":
                reasons.append("samesite-none-navigation")
                kept.append(c)
            elif flag == "Strict":
                reasons.append("samesite-strict-navigation")
            elif method in SAFE_METHODS:
                reasons.append("samesite-lax-top-level-safe")
                kept.append(c)
            elif c.same_site == "Default" and window > 0 and self.now - self.born[c.creation] <= window:
                reasons.append("samesite-lax-allowing-unsafe")
                kept.append(c)
            else:
                reasons.append("samesite-lax-top-level-safe")
                if c.same_site == "Default" and window > 0:
                    reasons.append("samesite-lax-allowing-unsafe")  # it applied, but the cookie is too old
        return tuple(kept)

    def _lax_unsafe_seconds(self) -> float:
        return float(self.profile.lax_allowing_unsafe_seconds.value or 0)

    def server_sets(self, page: Origin, target: Origin, path: str, line: str) -> list[str]:
        """Set-Cookie `line` from `target` on a credentialed response to a request from a page on `page`."""
        return self._store_line(line, path, self._context(page, target))

    def _store_line(self, line: str, path: str, ctx: Context) -> list[str]:
        """Set-Cookie `line` on a response to `path` (6265bis §5.7 through oracle.store); the rules that decided."""
        sc = parse_set_cookie(line)
        creation = self._creation()
        self.jar, why = store(self.jar, sc, path, ctx, self.now, creation)
        if self._tcp and not ctx.same_site:  # a foreign cookie goes to the top-level site's partition
            self.jar = tuple(
                replace(c, partition_key=ctx.top_level_site)
                if c.creation == creation and c.partition_key is None
                else c
                for c in self.jar
            )
            why = why + ["third-party-partitioned"]
        return why

    def script_sets(self, page: Origin, page_path: str, line: str) -> tuple[bool, tuple[str, ...]]:
        """document.cookie = line on a page at `page` + `page_path`: whether the jar changed, and why."""
        sc = parse_set_cookie(line, "document.cookie")
        reasons = ["cookie-script-write"]
        if sc.has("httponly"):
            return False, tuple(reasons + ["cookie-httponly-script-write"])
        old = self.jar
        creation = self._creation()
        new, why = store(old, sc, page_path, self._context(page, page), self.now, creation)
        reasons += why
        added = [c for c in new if c.creation == creation]
        replaced = [c for c in old if c not in new]
        if any(o.http_only and (not added or o.identity() == added[0].identity()) for o in replaced):
            return False, tuple(_dedupe(reasons + ["cookie-httponly-script-write"]))
        if sc.has("domain") and added and not added[0].host_only:
            reasons.append("cookie-weak-integrity")
        self.jar = new
        return new != old, tuple(_dedupe(reasons))

    def document_cookie(self, page: Origin, path: str = "/") -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The session cookie's values document.cookie shows on a page at `page` + `path`, and why."""
        shown, why = retrieve(self.jar, self.name, page, path, self._context(page, page), http=False)
        return tuple(c.value for c in shown), tuple(
            _dedupe(["document-cookie"] + [r for r in why if r != "cookie-sent"])
        )

    def session_cookies(self) -> tuple[Cookie, ...]:
        return tuple(c for c in self.jar if c.name == self.name)


def _dedupe(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


# ---------------------------------------------------------------------------------------------- scenarios


def _origins(**named: str) -> dict[str, Origin]:
    return {k: parse_origin(v, k) for k, v in named.items()}


def login_from_app(world: World, app: Origin) -> Attempt:
    """The victim logs in on the app's own page (client/api.js: same-origin JSON POST)."""
    return world.fetch(app, app, "POST", "/api/login", credentials="same-origin", content_type=JSON)


def credentialed_read(profile: BrowserProfile, *, app: str, evil: str, cookie: CookieConfig, cors: str) -> Scenario:
    """Scenario 1: the user logs in and creates a resource on the app; evil's page reads GET /api/resources
    with fetch(credentials: "include"). `cors` is "allowlist" (the app's origin only) or "reflect_any_credentials"."""
    o = _origins(app=app, evil=evil)
    policy = CorsPolicy("allowlist", (o["app"].serialized(),)) if cors == "allowlist" else CorsPolicy(cors)
    world = World(profile, Settings(cookie=cookie, cors=policy))
    login = login_from_app(world, o["app"])
    create = world.fetch(o["app"], o["app"], "POST", "/api/resources", credentials="same-origin", content_type=JSON)
    read = world.fetch(o["evil"], o["app"], "GET", "/api/resources", credentials="include")
    return Scenario({"login": login, "create": create, "read": read}, jar=world.session_cookies())


CSRF_VECTORS = ("form_urlencoded", "form_text_plain", "fetch_no_cors")


def csrf(
    profile: BrowserProfile,
    *,
    app: str,
    evil: str,
    samesite: str | None,
    vector: str,
    defence: str = "off",
    age: float = 1.0,
) -> Scenario:
    """Scenario 2: the user logs in (SameSite `samesite`, Secure, HttpOnly); `age` seconds later evil's page sends
    POST /api/resources by `vector` against an API that takes any body (lenient_body) with CSRF defence `defence`."""
    if vector not in CSRF_VECTORS:
        raise OracleInputError(f"vector must be one of {CSRF_VECTORS}, not {vector!r}")
    o = _origins(app=app, evil=evil)
    settings = Settings(cookie=CookieConfig(samesite=samesite, secure=True), lenient_body=True, csrf=defence)
    world = World(profile, settings)
    login = login_from_app(world, o["app"])
    world.advance(age)
    if vector == "fetch_no_cors":
        attack = world.fetch(o["evil"], o["app"], "POST", "/api/resources", credentials="include", mode="no-cors")
    else:
        attack = world.submit_form(o["evil"], o["app"], "/api/resources", ENCTYPES[vector])
    return Scenario({"login": login, "attack": attack}, jar=world.session_cookies())


def toss_line(name: str, value: str, *, domain: str, path: str) -> str:
    """The cookie a sibling subdomain writes with document.cookie (client/evil/toss.html writes it as given)."""
    return f"{name}={value}; Domain={domain}; Path={path}; Secure; SameSite=Lax"


def session_fixation(profile: BrowserProfile, *, app: str, sibling: str, domain: str) -> Scenario:
    """Scenario 3: the attacker logs in as bob, plants bob's id from the sibling subdomain with Domain=`domain`,
    Path=/; the victim logs in on the app; the app's next request; the attacker replays the planted id."""
    o = _origins(app=app, sibling=sibling)
    world = World(profile, Settings(cookie=CookieConfig(samesite="Lax", secure=True)))
    planted = world.attacker_login("bob")
    changed, plant_reasons = world.script_sets(
        o["sibling"], EVIL_PAGE_PATH, toss_line(world.name, planted, domain=domain, path="/")
    )
    login = login_from_app(world, o["app"])
    me = world.fetch(o["app"], o["app"], "GET", "/api/me", credentials="same-origin")
    replay = world.plain_request(o["app"], "GET", "/api/me", (planted,))
    return Scenario(
        {"login": login, "me": me, "replay": replay},
        jar=world.session_cookies(),
        notes={"plant": plant_reasons + (("cookie-stored",) if changed else ())},
    )


def logout_replay(profile: BrowserProfile, *, app: str) -> Scenario:
    """Scenario 4: login, logout, then the old id replayed by a plain HTTP client, and the app's own next request."""
    o = _origins(app=app)
    world = World(profile, Settings(cookie=CookieConfig(samesite="Lax", secure=True)))
    login = login_from_app(world, o["app"])
    issued = tuple(c.value for c in world.session_cookies())
    logout = world.fetch(o["app"], o["app"], "POST", "/api/logout", credentials="same-origin")
    replay = world.plain_request(o["app"], "GET", "/api/me", issued)
    me = world.fetch(o["app"], o["app"], "GET", "/api/me", credentials="same-origin")
    return Scenario({"login": login, "logout": logout, "replay": replay, "me": me}, jar=world.session_cookies())


FORGED = "forged-by-script"


def httponly_script(profile: BrowserProfile, *, app: str, httponly: bool) -> Scenario:
    """Scenario 5: after login, script on the app's page reads document.cookie, then tries to overwrite the session
    cookie (same name, host and path); then the app's next request."""
    o = _origins(app=app)
    world = World(profile, Settings(cookie=CookieConfig(samesite="Lax", secure=True, httponly=httponly)))
    login = login_from_app(world, o["app"])
    read = world.document_cookie(o["app"])
    changed, write_reasons = world.script_sets(o["app"], "/", f"{world.name}={FORGED}; Path=/; Secure; SameSite=Lax")
    me = world.fetch(o["app"], o["app"], "GET", "/api/me", credentials="same-origin")
    return Scenario(
        {"login": login, "me": me},
        document_cookie={"after_login": read},
        jar=world.session_cookies(),
        notes={"script_write": write_reasons + (("cookie-stored",) if changed else ())},
    )


def cookie_tossing(profile: BrowserProfile, *, app: str, sibling: str, domain: str, name: str) -> Scenario:
    """Scenario 6: the victim logs in (cookie `name`: Secure, Path=/, host-only); the attacker logs in as bob and
    tosses bob's id from the sibling with Domain=`domain`; Path=/api; then the app reads /api/me and creates."""
    o = _origins(app=app, sibling=sibling)
    world = World(profile, Settings(cookie=CookieConfig(name=name, samesite="Lax", secure=True)))
    login = login_from_app(world, o["app"])
    attacker = world.attacker_login("bob")
    changed, toss_reasons = world.script_sets(
        o["sibling"], EVIL_PAGE_PATH, toss_line(name, attacker, domain=domain, path="/api")
    )
    me = world.fetch(o["app"], o["app"], "GET", "/api/me", credentials="same-origin")
    create = world.fetch(o["app"], o["app"], "POST", "/api/resources", credentials="same-origin", content_type=JSON)
    return Scenario(
        {"login": login, "me": me, "create": create},
        jar=world.session_cookies(),
        notes={"toss": toss_reasons + (("cookie-stored",) if changed else ())},
    )


# ---------------------------------------------------------------------------------------------- deviations and words


def _spec_profile(profile: BrowserProfile, fact: str, value) -> BrowserProfile:
    return replace(profile, **{fact: Fact(value, "the specification's value"), "deviations": ()})


def deviations_changing(scenario: Callable[..., Scenario], profile: BrowserProfile, **kwargs) -> tuple[str, ...]:
    """The profile's deviations (profiles.Deviation ids) without which this scenario's outcome would differ."""
    actual = scenario(profile, **kwargs).outcome()
    return tuple(
        d.id
        for d in profile.deviations
        if profile.deviates(d) and scenario(_spec_profile(profile, d.fact, d.spec_value), **kwargs).outcome() != actual
    )


def explain(reasons, rules: dict[str, Rule] = ALL_RULES) -> str:
    """The rule chain, one rule a line: id, sentence, source."""
    lines = []
    for rule_id in reasons:
        rule = rules.get(rule_id)
        lines.append(f"  rule {rule_id}: {rule.text} [{rule.source}]" if rule else f"  rule {rule_id}")
    return "\n".join(lines)


def mismatch_message(
    what: str, expected, observed, reasons, *, browser: str, version: str, deviations: tuple[str, ...] = ()
) -> str:
    """A failure message naming the browser, the expected and observed values, and the rules with their sources."""
    head = f"{browser} {version} disagrees with the rules at {what}: expected {expected!r}, observed {observed!r}"
    tail = (
        f"\n  (the expectation already relies on the profile deviations {', '.join(deviations)})" if deviations else ""
    )
    return f"{head}\n{explain(reasons)}{tail}"


__all__ = [
    "ALL_RULES",
    "SECURITY_RULES",
    "Attempt",
    "Scenario",
    "World",
    "CSRF_VECTORS",
    "credentialed_read",
    "csrf",
    "session_fixation",
    "logout_replay",
    "httponly_script",
    "cookie_tossing",
    "toss_line",
    "deviations_changing",
    "explain",
    "mismatch_message",
]
