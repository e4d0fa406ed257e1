"""The one spec of a case: `FlowSpec` (where the page and the API are, the fetch options, the browser's third-party
setting) holding a `ServerSpec` (the Set-Cookie lines, the CORS policy, the server's switches). The matrix, `explain`
and `--verify` each make one; the oracle, the server's settings, the flow driver, the comparison and the results
record each read it. Validation lives here; what follows from a spec lives in the modules that model it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from e2e.oracle.setcookie import SetCookie, deletion_line, parse_set_cookie
from e2e.oracle.sites import Origin, parse_origin, site_of
from e2e.oracle.vocabulary import (
    ALLOW_HEADERS,
    BODIES,
    CACHE_MODES,
    CORS_POLICIES,
    CREDENTIALS_MODES,
    CSRF_DEFENCES,
    EXPOSE_HEADERS,
    HOP_PATH,
    IDP_AUTHORIZE_PATH,
    IDP_RETURNS,
    LOGINS,
    ORIGIN_VARYING_POLICIES,
    REDIRECT_MODES,
    REDIRECT_STATUSES,
    REQUEST_MODES,
    REQUESTS,
    REREAD,
    SCRIPT_APIS,
    STATE_COOKIE,
    STEPS,
    STORAGE_ACCESS,
    THIRD_PARTY_POLICIES,
    OracleInputError,
    choice,
)

NULL_ORIGIN = "null"  # the Origin a request carries after a cross-origin redirect, or from an opaque origin
# What the fields that other fields need stand for, for the message that asks for one.
_NEEDED = {"embed_in": "the top-level page that frames the page", "reread_from": "the second page"}


def _whole_seconds(value, what: str, most: int) -> None:
    """Refuse a duration that is not whole seconds from 0 to `most` (a bool is no number of seconds)."""
    if isinstance(value, bool) or not isinstance(value, int) or not (0 <= value <= most):
        raise OracleInputError(f"{what} is whole seconds, 0 or more, not {value!r}")


@dataclass(frozen=True)
class ServerSpec:
    """What server/app.py is set to for one case, in the terms of the lines it sends and the switches it has."""

    set_cookie: str | tuple[str, ...]  # the line(s) login sends, in order; see `exact`
    logout_set_cookie: str | None = None  # the line logout sends; None: the server's deletion of the login cookie
    cors: str = "none"
    allowlist: tuple[str, ...] | None = None  # origins the allowlist policy admits; None: the page's (FlowSpec)
    # The preflight's own answer, where it differs from the responses': its CORS policy (None: the responses'), its
    # Access-Control-Allow-Headers (vocabulary.ALLOW_HEADERS) and Access-Control-Max-Age (0: nothing cached).
    preflight_cors: str | None = None
    allow_headers: str = "content-type"
    preflight_max_age: int = 0
    expose_headers: str = "none"  # Access-Control-Expose-Headers beside an ACAO (vocabulary.EXPOSE_HEADERS)
    # The API's GET answers of 200 (me, list) carry Cache-Control: private, max-age=N instead of no-store (a user's
    # data the server lets the browser keep N seconds); 0: no-store on every answer.
    cache_max_age: int = 0
    # False: the reflect and allowlist policies answer their Access-Control-Allow-Origin without Vary: Origin (a
    # hand-written reflection), so a cache may give one origin's answer to another.
    vary_origin: bool = True
    secure_cookie_needs_tls: bool = False  # express-session: no Set-Cookie for a Secure cookie over "insecure" http
    trust_proxy: bool = False  # express `trust proxy`: believe X-Forwarded-Proto
    forwarded_https: bool = False  # the API is reached through a proxy that ends TLS and sends X-Forwarded-Proto
    csrf: str = "off"
    lenient_body: bool = False  # read JSON under any Content-Type, and urlencoded or text/plain form fields
    # A redirected login: the URLs its chain visits, hop 0 first (each at vocabulary.HOP_PATH + k) and the API's
    # login last (FlowSpec fills it from its redirect_via); hop k answers redirect_status with Location URL k+1.
    redirects: tuple[str, ...] = ()
    redirect_status: int = 302
    redirect_sets_cookie: bool = False  # each hop's redirect response also sets the session cookie (a new session)
    # login answers 303 See Other to this URL, with its Set-Cookie (passport's successRedirect); None: 200 with JSON
    login_redirect: str | None = None
    # An identity provider's login (FlowSpec.login "idp", which fills these): the provider's authorize URL, how its
    # page returns (vocabulary.IDP_RETURNS), and the state cookie's line (its value stands for the state)
    idp_authorize: str | None = None
    idp_return: str = "query"
    state_cookie: str = STATE_COOKIE
    # False: the first line's value stands for the session id the server puts there. True: every line goes byte for
    # byte, and the session login creates is never handed to the browser (how odd lines are tried as they are).
    exact: bool = False
    login: SetCookie = field(init=False, repr=False, compare=False)  # the first line, the session's
    lines: tuple[SetCookie, ...] = field(init=False, repr=False, compare=False)  # every line login sends, parsed
    logout: SetCookie = field(init=False, repr=False, compare=False)
    state: SetCookie = field(init=False, repr=False, compare=False)  # the state cookie's line, parsed

    def __post_init__(self) -> None:
        choice(self.cors, CORS_POLICIES, "cors")
        choice(self.idp_return, IDP_RETURNS, "idp_return")
        state = parse_set_cookie(self.state_cookie, "state_cookie")
        if state.ignored or not state.name:
            raise OracleInputError(f"the state cookie's line {self.state_cookie!r} names no cookie: write it as "
                                   "'state=X; Path=/; Secure; HttpOnly; SameSite=Lax'")  # fmt: skip
        object.__setattr__(self, "state", state)
        choice(self.preflight_cors, (None, *CORS_POLICIES), "preflight_cors")
        if self.preflight_cors == self.cors:
            raise OracleInputError("preflight_cors is the preflight's policy where it differs from cors: leave it None")
        choice(self.allow_headers, tuple(ALLOW_HEADERS), "allow_headers")
        choice(self.expose_headers, tuple(EXPOSE_HEADERS), "expose_headers")
        _whole_seconds(self.preflight_max_age, "preflight_max_age", 10**9)
        _whole_seconds(self.cache_max_age, "cache_max_age", 10**9)
        if not isinstance(self.vary_origin, bool):
            raise OracleInputError(f"vary_origin is True or False, not {self.vary_origin!r}")
        varying = [p for p in (self.cors, self.preflight_cors) if p in ORIGIN_VARYING_POLICIES]
        if not self.vary_origin and not varying:
            policies = ", ".join(ORIGIN_VARYING_POLICIES)
            raise OracleInputError(f"vary_origin False drops the Vary: Origin that the {policies} policies send; "
                                   f"cors {self.cors!r} sends none: give one of those, or leave vary_origin "
                                   "True")  # fmt: skip
        choice(self.redirect_status, REDIRECT_STATUSES, "redirect_status")
        choice(self.csrf, CSRF_DEFENCES, "csrf")
        if isinstance(self.allowlist, str):
            raise OracleInputError(f"allowlist must be a tuple of origins, e.g. ({self.allowlist!r},), not a string")
        reads = {self.cors, self.preflight_cors} & {"allowlist", "fixed"}  # the policies that read an allowlist
        if "fixed" in reads and (self.allowlist is None or len(self.allowlist) != 1):
            raise OracleInputError("the fixed CORS policy answers one configured origin: give it as the allowlist's "
                                   "only origin, e.g. ('https://app.test:5173',)")  # fmt: skip
        if "allowlist" in reads and "fixed" in reads:
            raise OracleInputError("the allowlist and fixed policies read the allowlist differently: give the "
                                   "preflight and the responses one of them, not both")  # fmt: skip
        if self.allowlist is not None:
            if not reads:
                raise OracleInputError(f"only the allowlist and fixed CORS policies read an allowlist, not cors "
                                       f"{self.cors!r}")  # fmt: skip
            if not self.allowlist:
                raise OracleInputError("the allowlist CORS policy needs at least one origin, e.g. 'https://app.test'")
            for origin in self.allowlist:
                if origin != NULL_ORIGIN and parse_origin(origin, "an allowlisted origin").serialized() != origin:
                    raise OracleInputError(
                        f"allowlisted origin {origin!r} is not serialized as browsers send it in Origin: write "
                        f"{parse_origin(origin, 'it').serialized()!r}"
                    )
        if isinstance(self.set_cookie, (list, tuple)):
            written = tuple(self.set_cookie)
        else:
            written = (self.set_cookie,)
        if not written:
            raise OracleInputError("set_cookie needs at least one line, e.g. 'sid=X; Path=/; HttpOnly'")
        lines = tuple(parse_set_cookie(line, "set_cookie") for line in written)
        login = lines[0]
        line = self.logout_set_cookie if self.logout_set_cookie is not None else deletion_line(login)
        object.__setattr__(self, "set_cookie", written if len(written) > 1 else written[0])
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "login", login)
        object.__setattr__(self, "logout", parse_set_cookie(line, "logout_set_cookie"))

    @property
    def preflight_policy(self) -> str:
        """The CORS policy of the preflight's answer."""
        return self.preflight_cors or self.cors

    @property
    def cookie_name(self) -> str:
        """The session cookie's name, from the login line."""
        return self.login.name

    def to_json(self) -> dict:
        return _inputs(self)


@dataclass(frozen=True)
class FlowSpec:
    """One flow login → me → list → create → logout from a page on `page` against the API on `api`."""

    page: str  # serialized origin
    api: str
    server: ServerSpec
    credentials: str = "same-origin"
    mode: str = "cors"
    third_party: str | None = None  # the browser's own third-party cookie setting; None: its default here
    # cookie writes the page's script makes right after login, in order (the non-HTTP API of 6265bis §5.7), each as
    # the line a server would send for that cookie, through script_api (vocabulary.SCRIPT_APIS): document.cookie takes
    # the line itself, cookieStore.set() the options it names (oracle.cookiestore.cookie_init)
    script_writes: tuple[str, ...] = ()
    script_api: str = "document.cookie"
    body: str = "json"  # how login and create send their bodies (vocabulary.BODIES)
    # Origins login goes through before the API, in order: the page fetches the first's hop 0, each hop redirects
    # (ServerSpec.redirect_status) to the next, the last to the API's login.
    redirect_via: tuple[str, ...] = ()
    # how the page logs in (vocabulary.LOGINS): "form" submits a top-level form (enctype: the body's type) and the
    # server answers 303 back to the page's "/"
    login: str = "fetch"
    # every fetch of the page carries Authorization (vocabulary.AUTHORIZATION) beside its cookie, a bearer token
    authorization: bool = False
    cache: str = "no-store"  # the fetches' cache mode (vocabulary.CACHE_MODES)
    # login "idp": the identity provider's origin (another site, as a real provider is) and how its page returns
    idp: str | None = None
    idp_return: str = "query"
    redirect_mode: str = "follow"  # what the login fetch does with a redirect (vocabulary.REDIRECT_MODES)
    # login "idp": how many seconds old the state cookie is when the provider's page returns (the user stayed there)
    state_cookie_age: int = 0
    # After the flow, a page on this origin (same-site with the page, another origin) reads `me` with the same fetch
    # options (vocabulary.REREAD): what the HTTP cache, shared by the site's pages, gives another origin. None: no
    # second page.
    reread_from: str | None = None
    # The top-level page that frames the page (client/embed.html), a serialized origin; None: the page is top-level.
    embed_in: str | None = None
    # With embed_in: the framed page asks for storage access (document.requestStorageAccess(), after a click in it)
    # before its first step, and the browser's storage-access permission answers (vocabulary.STORAGE_ACCESS).
    storage_access: str = "none"
    # With embed_in: login is made from a top-level page on the page's own origin (the user's first-party visit), the
    # rest of the flow from the page framed in embed_in.
    login_top_level: bool = False
    # The second page's embedder: the top-level page framing reread_from (None: reread_from is top-level).
    reread_embed_in: str | None = None
    # logout is made from the second page, and the reread from the page: a logout in another partition (or top-level),
    # and whether the page still holds the session after it.
    logout_from_second: bool = False
    page_origin: Origin = field(init=False, repr=False, compare=False)
    api_origin: Origin = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        choice(self.credentials, CREDENTIALS_MODES, "credentials")
        choice(self.mode, REQUEST_MODES, "mode")
        choice(self.third_party, (None, *THIRD_PARTY_POLICIES), "third_party")
        choice(self.body, tuple(BODIES), "body")
        choice(self.login, LOGINS, "login")
        choice(self.cache, CACHE_MODES, "cache")
        if self.login == "form" and self.body == "json":
            raise OracleInputError("a form cannot send JSON: give a form login body 'form' (urlencoded) or 'text'")
        if self.login == "form" and self.redirect_via:
            raise OracleInputError("a form login is a navigation; redirect_via redirects a fetch login: drop one")
        choice(self.idp_return, IDP_RETURNS, "idp_return")
        choice(self.redirect_mode, REDIRECT_MODES, "redirect_mode")
        if self.server.redirect_sets_cookie and not self.redirect_via:
            raise OracleInputError("the server's redirect_sets_cookie sets the cookie on a redirected login's hops: "
                                   "give redirect_via")  # fmt: skip
        if self.redirect_mode != "follow" and not self.redirect_via:
            raise OracleInputError(f"redirect_mode {self.redirect_mode!r} decides what the login fetch does with a "
                                   "redirect: give redirect_via, or leave the mode 'follow'")  # fmt: skip
        if (self.login == "idp") != (self.idp is not None):
            raise OracleInputError("an identity provider's login (login 'idp') needs the provider's origin as idp, and "
                                   "idp is read only by it: give both or neither")  # fmt: skip
        if self.idp is not None:
            object.__setattr__(self, "idp", parse_origin(self.idp, "idp").serialized())
        _whole_seconds(self.state_cookie_age, "state_cookie_age", 10**8)
        if self.state_cookie_age and self.login != "idp":
            raise OracleInputError("state_cookie_age is the age of an identity provider's state cookie: give login "
                                   "'idp', or leave it 0")  # fmt: skip
        if self.login == "idp" and self.redirect_via:
            raise OracleInputError("an identity provider's login is navigations; redirect_via redirects a fetch login: "
                                   "drop one")  # fmt: skip
        if self.authorization and (self.login != "fetch" or self.redirect_via):
            raise OracleInputError("authorization is a header of the page's fetches: a form or identity provider's "
                                   "login sends none, and a redirected login is not modelled with it; drop "
                                   "one")  # fmt: skip
        if self.authorization and self.mode == "no-cors":
            raise OracleInputError("a no-cors fetch may not carry Authorization (Fetch's no-cors guard drops it): use "
                                   "mode cors or same-origin with authorization")  # fmt: skip
        if isinstance(self.script_writes, str):
            raise OracleInputError(f"script_writes must be a tuple of lines, e.g. ({self.script_writes!r},)")
        for line in self.script_writes:
            parse_set_cookie(line, "a script write", header=False)  # any string is a line document.cookie takes
        object.__setattr__(self, "script_writes", tuple(self.script_writes))
        choice(self.script_api, SCRIPT_APIS, "script_api")
        if self.script_api != "document.cookie" and not self.script_writes:
            raise OracleInputError(f"script_api {self.script_api!r} is the API of script_writes: give the writes too, "
                                   "or leave it 'document.cookie'")  # fmt: skip
        page, api = parse_origin(self.page, "page"), parse_origin(self.api, "api")
        object.__setattr__(self, "page_origin", page)
        object.__setattr__(self, "api_origin", api)
        self._check_frames(page)
        if self.reread_from is not None:
            second = parse_origin(self.reread_from, "reread_from")
            object.__setattr__(self, "reread_from", second.serialized())
            if self.reread_embed_in == second.serialized():
                raise OracleInputError("reread_embed_in frames the second page from another origin: give another "
                                       "origin, or None for a top-level second page")  # fmt: skip
            if (second.serialized(), self.reread_embed_in) == (page.serialized(), self.embed_in):
                raise OracleInputError("reread_from is a second page: another origin than the page's, or the page "
                                       "framed by another top-level page (reread_embed_in); give e.g. the page's "
                                       "host on another port")  # fmt: skip
            if self.embed_in is None and self.reread_embed_in is None and site_of(second) != site_of(page):
                raise OracleInputError("reread_from must be same-site with the page: the HTTP cache is partitioned by "
                                       "top-level site, so a page of another site never meets the first page's "
                                       "answers")  # fmt: skip
        if isinstance(self.redirect_via, str):
            raise OracleInputError(f"redirect_via must be a tuple of origins, e.g. ({self.redirect_via!r},)")
        via = tuple(parse_origin(o, "a redirect's origin").serialized() for o in self.redirect_via)
        object.__setattr__(self, "redirect_via", via)
        chain = tuple(f"{o}{HOP_PATH}{k}" for k, o in enumerate(via)) + (api.serialized() + REQUESTS["login"].path,)
        if self.server.redirects and self.server.redirects != (chain if via else ()):
            raise OracleInputError("give the redirect chain as redirect_via (origins), not as the server's redirects")
        if via:
            object.__setattr__(self, "server", replace(self.server, redirects=chain))
        if self.login in ("form", "idp") and self.server.login_redirect is None:
            object.__setattr__(self, "server", replace(self.server, login_redirect=page.serialized() + "/"))
        if self.login == "idp":
            authorize = self.idp + IDP_AUTHORIZE_PATH
            if self.server.idp_authorize not in (None, authorize):
                raise OracleInputError("give the identity provider as FlowSpec.idp (its origin), not as the server's "
                                       "idp_authorize")  # fmt: skip
            object.__setattr__(self, "server", replace(self.server, idp_authorize=authorize,
                                                       idp_return=self.idp_return))  # fmt: skip
        if "allowlist" in (self.server.cors, self.server.preflight_cors) and self.server.allowlist is None:
            object.__setattr__(self, "server", replace(self.server, allowlist=(page.serialized(),)))

    def _check_frames(self, page: Origin) -> None:
        """The frame fields: origins serialized, each read only where it means something."""
        choice(self.storage_access, STORAGE_ACCESS, "storage_access")
        for name in ("embed_in", "reread_embed_in"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, parse_origin(getattr(self, name), name).serialized())
        if self.embed_in == page.serialized():
            raise OracleInputError("embed_in is the top-level page that frames the page, on another origin: give "
                                   "another origin, or None for a top-level page")  # fmt: skip
        for name in ("login_top_level", "logout_from_second"):
            if not isinstance(getattr(self, name), bool):
                raise OracleInputError(f"{name} is True or False, not {getattr(self, name)!r}")
        for name, given, needed in (("storage_access", self.storage_access != "none", "embed_in"),
                                    ("login_top_level", self.login_top_level, "embed_in"),
                                    ("reread_embed_in", self.reread_embed_in is not None, "reread_from"),
                                    ("logout_from_second", self.logout_from_second, "reread_from")):  # fmt: skip
            if given and getattr(self, needed) is None:
                raise OracleInputError(f"{name} needs {needed} ({_NEEDED[needed]}): give it, or drop {name}")
        if self.embed_in is not None and self.login != "fetch":
            raise OracleInputError("a framed page logs in by fetch(); a form or identity provider's login is a "
                                   "top-level navigation: drop embed_in or give login 'fetch'")  # fmt: skip

    @property
    def cookie_name(self) -> str:
        return self.server.cookie_name

    def document_of(self, step: str) -> tuple[Origin, Origin | None]:
        """The document a step runs in: its origin, and the origin of the top-level page framing it (None: it is the
        top-level page). The flow's steps run in the page (a login_top_level's login top-level), the reread in the
        second page; with logout_from_second, logout and the reread swap."""
        second = step == REREAD
        if self.logout_from_second and step in ("logout", REREAD):
            second = not second
        if second:
            embed = self.reread_embed_in
            return parse_origin(self.reread_from, "reread_from"), parse_origin(embed, "embed_in") if embed else None
        framed = self.embed_in is not None and not (step == "login" and self.login_top_level)
        return self.page_origin, parse_origin(self.embed_in, "embed_in") if framed else None

    @property
    def asks_storage_access_before(self) -> str | None:
        """The step before which the framed page asks for storage access: its first step in the frame (None: it never
        asks)."""
        if self.storage_access == "none":
            return None
        frame = (self.page_origin, parse_origin(self.embed_in, "embed_in"))
        return next(step for step in self.steps if self.document_of(step) == frame)

    @property
    def leaves_cached(self) -> bool:
        """Whether the flow may leave something in the browser's context beyond its jar: a preflight the server lets
        the browser cache (Access-Control-Max-Age), or an answer the HTTP cache keeps (cache_max_age, with a cache mode
        that stores: "no-store" neither stores nor uses, Fetch #concept-request-cache-mode)."""
        return bool(self.server.preflight_max_age or (self.server.cache_max_age and self.cache != "no-store"))

    @property
    def steps(self) -> tuple[str, ...]:
        """The flow's steps in order: vocabulary.STEPS, then REREAD when a second page reads."""
        return STEPS + ((REREAD,) if self.reread_from else ())

    @property
    def login_url(self) -> str:
        """Where the page's login fetch goes: the first hop of a redirected login, else the API's login."""
        return self.server.redirects[0] if self.server.redirects else self.api + REQUESTS["login"].path

    @property
    def content_type(self) -> str:
        """The Content-Type of the flow's bodies."""
        return BODIES[self.body]

    def to_json(self) -> dict:
        """The spec as data, for the results record: its inputs, the server's nested."""
        return _inputs(self) | {"server": self.server.to_json()}


def _inputs(spec) -> dict:
    """A spec's fields that are inputs (not what __post_init__ derives from them), as JSON values."""
    values = {f.name: getattr(spec, f.name) for f in fields(spec) if f.init}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
