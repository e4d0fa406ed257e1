"""The case matrix as data: the core product of every dimension, and focused slices. Each Case names its origins
and cookie; `Case.spec(hosts)` makes the one FlowSpec that the oracle, the server, the driver and the record read."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.vocabulary import (
    BODIES,
    CORS_POLICIES,
    CREDENTIALS_MODES,
    REDIRECT_STATUSES,
    REQUEST_MODES,
    SAMESITE_VALUES,
    SCRIPT_APIS,
    THIRD_PARTY_POLICIES,
)
from e2e.oracle.wpt.conformance import load as load_wpt
from server.config import CookieConfig
from server.origins import ORIGINS, PROXY_LISTENER

SESSION_VALUE = "opaque-session-id"  # the value the spec's login line is written with; the server puts its id there

# The identity provider of slice_idp_return, on a third site; the state cookie's default (an OAuth library's usual).
IDP = "idp_https"
STATE = CookieConfig(name="state", samesite="Lax", secure=True)

# Origin setups, page → API, by the named origins of server/hosts.py. The id's first part is the relation.
SETUPS = {
    "same_origin-https": ("app_https", "app_https"),
    "same_origin-http": ("app_http", "app_http"),
    "same_site_port-https": ("app_https", "app_https_alt_port"),
    "same_site_subdomain-https": ("app_https", "api_site_a_https"),
    "cross_site-https": ("app_https", "api_site_b_https"),
    "cross_site-http": ("app_http", "api_site_b_http"),
    "cross_scheme-http_to_https": ("app_http", "app_https"),
    "localhost-ports": ("localhost_http", "localhost_http_alt_port"),
    "localhost-to_ip": ("localhost_http", "loopback_ip_http"),
}
# Setups that only slices use.
SLICE_SETUPS = {
    # The production setup: page and API behind nginx, which terminates TLS in front of the plain-http app.
    "proxy-https": ("app_https_proxy", "app_https_proxy"),
}
ALL_SETUPS = SETUPS | SLICE_SETUPS
# The one origin the fixed CORS policy answers: the app on another port than the page's (the dev server the API was
# configured for, while the page runs on another).
FIXED_ORIGIN = "app_https_alt_port"


def _samesite_id(value: str | None) -> str:
    return f"samesite_{(value or 'unset').lower()}"


def cookie_ids(cookie: CookieConfig) -> list[str]:
    """The id parts of a cookie's flags: SameSite always, the others when set."""
    return [_samesite_id(cookie.samesite)] + [
        flag
        for flag, on in (("secure", cookie.secure), ("httponly", cookie.httponly), ("partitioned", cookie.partitioned))
        if on
    ]


_CREDENTIALS_MARK = {"omit": "omit", "same-origin": "same_origin_credentials", "include": "include"}


@dataclass(frozen=True)
class Case:
    """One cell of the matrix: everything that decides what the browser does with the session cookie."""

    slice: str
    credentials: str
    setup: str
    cookie: CookieConfig | None  # the session cookie, for a well-formed case; None: `lines` are sent exactly
    cors: str = "allowlist"
    mode: str = "cors"
    logout_cookie: CookieConfig | None = None  # a deletion whose attributes differ from the cookie's
    third_party: str | None = None  # a third-party cookie setting of the browser itself, if not its default
    secure_cookie_needs_tls: bool = False
    trust_proxy: bool = False
    extra_ids: tuple[str, ...] = ()  # id parts that name what this slice varies beyond the cookie flags
    marks: tuple[str, ...] = field(default=(), compare=False)
    lines: tuple[str, ...] = ()  # Set-Cookie lines login sends byte for byte, in order (no session id in them)
    script_writes: tuple[str, ...] = ()  # cookie writes the page's script makes after login (FlowSpec.script_writes)
    script_api: str = "document.cookie"  # the API of those writes (FlowSpec.script_api)
    source: str = ""  # where the lines come from (a WPT case id), for a reader of the report
    body: str = "json"  # how login and create send their bodies (vocabulary.BODIES); a form body: simple requests
    redirect_via: tuple[str, ...] = ()  # named origins login goes through before the API (FlowSpec.redirect_via)
    redirect_status: int = 302
    redirect_mode: str = "follow"  # what the login fetch does with the redirect (FlowSpec.redirect_mode)
    redirect_sets_cookie: bool = False  # each hop's redirect response sets the session cookie too
    login: str = "fetch"  # how the page logs in (vocabulary.LOGINS)
    preflight_cors: str | None = None  # the preflight's own CORS policy (ServerSpec.preflight_cors)
    allow_headers: str = "content-type"  # the preflight's Access-Control-Allow-Headers (vocabulary.ALLOW_HEADERS)
    max_age: int = 0  # the preflight's Access-Control-Max-Age
    expose_headers: str = "none"  # Access-Control-Expose-Headers (vocabulary.EXPOSE_HEADERS)
    authorization: bool = False  # the page's fetches carry Authorization (FlowSpec.authorization)
    cache: str = "no-store"  # the fetches' cache mode (FlowSpec.cache)
    idp_return: str = "query"  # with login "idp": how the provider's page returns (FlowSpec.idp_return)
    state_cookie: CookieConfig = STATE  # with login "idp": the state cookie the start sets
    state_age: int = 0  # with login "idp": the state cookie's age at the return (FlowSpec.state_cookie_age)
    cache_max_age: int = 0  # the API lets the browser keep its GET answers this long (ServerSpec.cache_max_age)
    vary_origin: bool = True  # the reflected ACAO says Vary: Origin (ServerSpec.vary_origin)
    reread_from: str | None = None  # a named origin of the page's site whose page reads `me` after the flow
    embed_in: str | None = None  # a named origin whose top-level page frames the client (FlowSpec.embed_in)
    storage_access: str = "none"  # the framed client asks for storage access (FlowSpec.storage_access)
    login_top_level: bool = False  # login from a top-level page of the framed page's origin (FlowSpec.login_top_level)
    reread_embed_in: str | None = None  # a named origin whose page frames the second page (FlowSpec.reread_embed_in)
    logout_from_second: bool = False  # logout from the second page, the reread from the page (FlowSpec)
    # the browsers the case runs in (empty: every one) and, for the others, why not
    only_in: tuple[str, ...] = field(default=(), compare=False)
    only_because: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if (self.cookie is None) == (not self.lines):
            raise ValueError("a case has either a cookie (CookieConfig) or exact lines, not both or neither")
        if self.setup not in ALL_SETUPS:
            raise ValueError(f"unknown setup {self.setup!r}; use one of {sorted(ALL_SETUPS)}")
        if (
            self.credentials not in CREDENTIALS_MODES
            or self.mode not in REQUEST_MODES
            or self.cors not in CORS_POLICIES
            or self.body not in BODIES
        ):
            raise ValueError(f"bad case dimensions: {self.credentials!r}, {self.mode!r}, {self.cors!r}")

    @property
    def page(self) -> str:
        return ALL_SETUPS[self.setup][0]

    @property
    def api(self) -> str:
        return ALL_SETUPS[self.setup][1]

    @property
    def behind_proxy(self) -> bool:
        """Whether TLS ends at the reverse proxy, so the app itself sees plain http."""
        return ORIGINS[self.api].listener == PROXY_LISTENER

    @property
    def id(self) -> str:
        parts = [] if self.slice == "core" else [self.slice.removeprefix("slice_")]
        parts += [self.credentials, self.setup]
        if self.mode != "cors":
            parts.append(f"mode_{self.mode.replace('-', '_')}")
        if self.body != "json":
            parts.append(f"body_{self.body}")
        if self.redirect_via:
            parts.append(f"redirect_{self.redirect_status}-via_" + "_".join(self.redirect_via))
        if self.redirect_mode != "follow":
            parts.append(f"redirect_mode_{self.redirect_mode}")
        if self.redirect_sets_cookie:
            parts.append("hop_sets_cookie")
        if self.login != "fetch":
            parts.append(f"login_{self.login}")
        if self.login == "idp":
            parts += [f"return_{self.idp_return}", "state_" + _samesite_id(self.state_cookie.samesite)]
            parts += [f"state_age_{self.state_age}"] if self.state_age else []
        if self.authorization:
            parts.append("authorization")
        if self.slice != "core":
            parts.append(f"cors_{self.cors}")
        if self.preflight_cors:
            parts.append(f"preflight_cors_{self.preflight_cors}")
        if self.allow_headers != "content-type":
            parts.append(f"allow_headers_{self.allow_headers}")
        if self.max_age:
            parts.append(f"max_age_{self.max_age}")
        if self.cache != "no-store":
            parts.append(f"cache_{self.cache}")
        if self.expose_headers != "none":
            parts.append(f"expose_{self.expose_headers}")
        if self.cache_max_age:
            parts.append(f"cacheable_{self.cache_max_age}")
        if not self.vary_origin:
            parts.append("no_vary_origin")
        if self.embed_in:
            parts.append(f"in_{self.embed_in}")
        if self.login_top_level:
            parts.append("login_top_level")
        if self.storage_access != "none":
            parts.append(f"storage_access_{self.storage_access}")
        if self.reread_from:
            parts.append(f"reread_{self.reread_from}" + (f"_in_{self.reread_embed_in}" if self.reread_embed_in else
                                                          "_top_level" if self.embed_in else ""))  # fmt: skip
        if self.logout_from_second:
            parts.append("logout_there")
        return "-".join(parts + list(self.extra_ids) + self._cookie_ids())

    def _cookie_ids(self) -> list[str]:
        return cookie_ids(self.cookie) if self.cookie else []

    @property
    def markers(self) -> tuple[str, ...]:
        """Every dimension value as a marker name, so `-m "cross_site and include"` selects a slice."""
        relation, _, scheme = self.setup.partition("-")
        names = [
            self.slice,
            _CREDENTIALS_MARK[self.credentials],
            relation,
            f"mode_{self.mode.replace('-', '_')}",
            f"cors_{self.cors}",
        ]
        names += [scheme] if scheme in ("http", "https") else []
        names += [f"third_party_{self.third_party}"] if self.third_party else []
        names += [f"body_{self.body}"]
        names += [f"redirect_{self.redirect_status}"] if self.redirect_via else []
        names += [f"login_{self.login}"]
        names += [f"return_{self.idp_return}"] if self.login == "idp" else []
        names += [f"preflight_cors_{self.preflight_cors}"] if self.preflight_cors else []
        names += ["authorization"] if self.authorization else []
        names += ["http_cache"] if self.cache_max_age else []
        names += ["embedded"] if self.embed_in else []
        names += ["cookie_store"] if self.script_api == "cookieStore" else []
        names += [f"storage_access_{self.storage_access}"] if self.storage_access != "none" else []
        return tuple(dict.fromkeys(names + self._cookie_ids() + list(self.marks)))

    def spec(self, hosts) -> FlowSpec:
        """The case on this run's hosts (anything with `origin(name)`), as the one spec everything reads; the
        allowlist admits the page's origin (and a second page's)."""
        if self.lines:
            lines = {"set_cookie": self.lines, "exact": True}
        else:
            lines = {"set_cookie": self.cookie.set_cookie(SESSION_VALUE),
                     "logout_set_cookie": (self.logout_cookie or self.cookie).delete_cookie()}  # fmt: skip
        server = ServerSpec(
            **lines,
            cors=self.cors,
            allowlist=self._allowlist(hosts),
            secure_cookie_needs_tls=self.secure_cookie_needs_tls,
            trust_proxy=self.trust_proxy,
            forwarded_https=self.behind_proxy,
            lenient_body=self.body != "json",  # a form's fields are read (express.urlencoded(), express.text())
            redirect_status=self.redirect_status,
            redirect_sets_cookie=self.redirect_sets_cookie,
            preflight_cors=self.preflight_cors,
            allow_headers=self.allow_headers,
            preflight_max_age=self.max_age,
            expose_headers=self.expose_headers,
            state_cookie=self.state_cookie.set_cookie("X"),
            cache_max_age=self.cache_max_age,
            vary_origin=self.vary_origin,
        )
        return FlowSpec(hosts.origin(self.page), hosts.origin(self.api), server, self.credentials, self.mode,
                        third_party=self.third_party, script_writes=self.script_writes, script_api=self.script_api,
                        body=self.body,
                        redirect_via=tuple(hosts.origin(n) for n in self.redirect_via), login=self.login,
                        authorization=self.authorization, cache=self.cache,
                        idp=hosts.origin(IDP) if self.login == "idp" else None, idp_return=self.idp_return,
                        redirect_mode=self.redirect_mode, state_cookie_age=self.state_age,
                        reread_from=hosts.origin(self.reread_from) if self.reread_from else None,
                        embed_in=hosts.origin(self.embed_in) if self.embed_in else None,
                        storage_access=self.storage_access, login_top_level=self.login_top_level,
                        reread_embed_in=hosts.origin(self.reread_embed_in) if self.reread_embed_in else None,
                        logout_from_second=self.logout_from_second)  # fmt: skip

    def _allowlist(self, hosts) -> tuple[str, ...] | None:
        """The fixed policy's one origin; an allowlist of both pages when a second page reads; else None (FlowSpec
        admits the page's origin)."""
        if "fixed" in (self.cors, self.preflight_cors):
            return (hosts.origin(FIXED_ORIGIN),)
        if self.reread_from and "allowlist" in (self.cors, self.preflight_cors):
            return hosts.origin(self.page), hosts.origin(self.reread_from)
        return None


def core() -> Iterator[Case]:
    """credentials × origin setup × SameSite × Secure × HttpOnly × Partitioned, with the allowlist policy."""
    for credentials, setup, samesite, secure, httponly, partitioned in itertools.product(
        CREDENTIALS_MODES, SETUPS, SAMESITE_VALUES, (False, True), (False, True), (False, True)
    ):
        cookie = CookieConfig(samesite=samesite, secure=secure, httponly=httponly, partitioned=partitioned)
        yield Case("core", credentials, setup, cookie)


# A cookie a cross-site response may store in every engine's default context: the slices that vary
# something else start from it.
CROSS_SITE_COOKIE = CookieConfig(samesite="None", secure=True, partitioned=True)


def cors_slice() -> Iterator[Case]:
    """CORS policy × credentials × same-site and cross-site setups."""
    for cors, credentials, setup in itertools.product(
        CORS_POLICIES, CREDENTIALS_MODES, ("same_site_subdomain-https", "cross_site-https")
    ):
        yield Case("slice_cors", credentials, setup, CROSS_SITE_COOKIE, cors=cors)


def mode_slice() -> Iterator[Case]:
    """Request mode × credentials × setups."""
    for mode, credentials, setup in itertools.product(
        REQUEST_MODES, CREDENTIALS_MODES, ("same_origin-https", "same_site_subdomain-https", "cross_site-https")
    ):
        yield Case("slice_mode", credentials, setup, CROSS_SITE_COOKIE, mode=mode)


DOMAINS = {"host_only": None, "parent": "site-a.test", "non_matching": "site-b.test", "public_suffix": "test"}
PATHS = {"path_default": None, "path_root": "/", "path_api": "/api", "path_other": "/elsewhere"}


def domain_path_slice() -> Iterator[Case]:
    """Domain × Path of a same-site API's cookie, readable by script so document.cookie tells too."""
    for (domain_id, domain), (path_id, path) in itertools.product(DOMAINS.items(), PATHS.items()):
        cookie = CookieConfig(samesite="Lax", secure=True, httponly=False, domain=domain, path=path)
        yield Case(
            "slice_domain_path",
            "include",
            "same_site_subdomain-https",
            cookie,
            extra_ids=(f"domain_{domain_id}", path_id),
        )


PREFIX_NAMES = ("__Secure-sid", "__Host-sid", "__secure-sid", "__HOST-sid")


def prefix_slice() -> Iterator[Case]:
    """Name prefixes (and case variants) × Secure × Domain × Path."""
    for name, secure, domain, path in itertools.product(
        PREFIX_NAMES, (False, True), (None, "site-a.test"), ("/", "/api")
    ):
        cookie = CookieConfig(name=name, samesite="Lax", secure=secure, domain=domain, path=path)
        yield Case(
            "slice_prefix",
            "include",
            "same_site_subdomain-https",
            cookie,
            extra_ids=(
                _prefix_id(name),
                "domain_parent" if domain else "host_only",
                "path_root" if path == "/" else "path_api",
            ),
        )


def _prefix_id(name: str) -> str:
    """`__Host-sid` → prefix_host, `__HOST-sid` → prefix_host_upper, `__secure-sid` → prefix_secure_lower."""
    prefix = name.split("-")[0].strip("_")
    case = "" if prefix in ("Secure", "Host") else ("_upper" if prefix.isupper() else "_lower")
    return f"prefix_{prefix.lower()}{case}"


LIFETIMES = {
    "session": {},
    "max_age": {"max_age": 3600},
    "max_age_zero": {"max_age": 0},
    "expires_past": {"expires": "Thu, 01 Jan 2015 00:00:00 GMT"},
    "max_age_beats_past_expires": {"max_age": 3600, "expires": "Thu, 01 Jan 2015 00:00:00 GMT"},
}
# Logout deletions that do not match the stored cookie, so it survives (6265bis storage model).
MISMATCHED_LOGOUTS = {"logout_other_path": {"path": "/api"}, "logout_other_domain": {"domain": "site-a.test"}}


def lifetime_slice() -> Iterator[Case]:
    """Session cookie, Max-Age, Max-Age=0, a past Expires; logout deletions that match and that do not."""
    base = CookieConfig(samesite="Lax", secure=True)
    for lifetime_id, changes in LIFETIMES.items():
        yield Case(
            "slice_lifetime", "same-origin", "same_origin-https", replace(base, **changes), extra_ids=(lifetime_id,)
        )
    for logout_id, changes in MISMATCHED_LOGOUTS.items():
        yield Case(
            "slice_lifetime",
            "same-origin",
            "same_origin-https",
            base,
            logout_cookie=replace(base, **changes),
            extra_ids=(logout_id,),
        )


# express-session's production recipe from the story (secure: true, `trust proxy`), and its dev recipe.
PRODUCTION = {
    "trust_proxy": dict(cookie=CookieConfig(secure=True), secure_cookie_needs_tls=True, trust_proxy=True),
    "no_trust_proxy": dict(cookie=CookieConfig(secure=True), secure_cookie_needs_tls=True, trust_proxy=False),
    "dev_cookie": dict(cookie=CookieConfig(secure=False, httponly=False)),
}


def production_slice() -> Iterator[Case]:
    """https through nginx to the plain-http app, trusting the forwarded scheme or not; and plain http."""
    for recipe, options in PRODUCTION.items():
        yield Case("slice_production", "same-origin", "proxy-https", extra_ids=(recipe,), **options)
    yield Case(
        "slice_production", "same-origin", "same_origin-http", extra_ids=("no_proxy",), **PRODUCTION["no_trust_proxy"]
    )


def third_party_slice() -> Iterator[Case]:
    """The browser's third-party cookie setting: its default here, allowed, blocked; × Partitioned."""
    for policy, partitioned, setup in itertools.product(
        (None,) + THIRD_PARTY_POLICIES, (False, True), ("cross_site-https", "same_site_subdomain-https")
    ):
        cookie = CookieConfig(samesite="None", secure=True, partitioned=partitioned)
        yield Case(
            "slice_third_party",
            "include",
            setup,
            cookie,
            third_party=policy,
            extra_ids=(f"third_party_{policy or 'default'}",),
        )


# Lines from WPT's cookie tests (e2e/oracle/wpt/cases.json), one behaviour each, sent by the server exactly as WPT
# writes them: behaviour -> the WPT cases whose lines login sends, in order.
PARSING_WPT = {
    "nameless": ("value/value.html:54",),
    "empty_name": ("value/value.html:69",),
    "non_token_name": ("name/name.html:67",),
    "utf8_name": ("encoding/charset.html:26",),
    "quoted_value": ("value/value.html:106",),
    "control_character": ("value/value-ctl.html:55#1",),
    "oversize": ("size/name-and-value.html:43", "size/name-and-value.html:48"),
    "domain_dot": ("attributes/resources/domain-child.sub.html:340",),
    "superseded_prefix": ("prefix/__HostHttp.https.html:28",),
}
READABLE = "ok=1; Path=/"  # a cookie the page can read, so document.cookie after the script's writes is never empty
# document.cookie writes after login (the non-HTTP API): behaviour -> (setup, lines login sends, the writes).
PARSING_SCRIPT = {
    "script_httponly": ("same_origin-https", (READABLE,), ("h=1; HttpOnly",)),
    "script_over_httponly": ("same_origin-https", ("sid=1; Path=/; HttpOnly",), ("sid=2; Path=/",)),
    "script_prefixes": ("same_origin-https", (READABLE,), ("__Host-a=1; Secure; Path=/", "__Secure-b=1; Path=/")),
    # WPT attributes-ctl.sub.html expects this write on its http page to store the cookie (conformance.WPT_BUGS)
    "script_htab_secure": ("same_origin-http", (READABLE,), None),
}
SCRIPT_WPT = {"script_htab_secure": "attributes/attributes-ctl.sub.html:91#10"}


def parsing_slice() -> Iterator[Case]:
    """Set-Cookie lines as WPT writes them, sent byte for byte; a replacement's place in the order; document.cookie
    writes by the page. Each judged on the Cookie header the server received and on document.cookie too."""
    wpt = {c.id: c for c in load_wpt()}
    for behaviour, ids in PARSING_WPT.items():
        lines = tuple(line for i in ids for line in wpt[i].lines)
        yield Case("slice_parsing", "same-origin", "same_origin-https", None, lines=lines, extra_ids=(behaviour,),
                   source=", ".join(f"WPT {i}" for i in ids))  # fmt: skip
    yield Case("slice_parsing", "same-origin", "same_origin-https", None, lines=("a=1", "b=1", "a=2"),
               extra_ids=("replaced_keeps_order",), source="6265bis §5.7 step 23")  # fmt: skip
    for behaviour, (setup, lines, writes) in PARSING_SCRIPT.items():
        wpt_id = SCRIPT_WPT.get(behaviour)
        source = f"WPT {wpt_id}" if wpt_id else "6265bis §5.7 steps 15, 20-21"
        yield Case("slice_parsing", "same-origin", setup, None, lines=lines, script_writes=writes or wpt[wpt_id].lines,
                   extra_ids=(behaviour,), source=source)  # fmt: skip


# The redirect chains of slice_redirect: (setup, the named origins login goes through first). The hop's origin is the
# page's own (the request turns cross-origin on the way, its Origin still the page's), or another (every later hop
# carries Origin: null, Fetch's tainted origin), also back to the page's own origin.
REDIRECT_CHAINS = (
    ("same_origin-https", ("app_https",)),
    ("same_site_subdomain-https", ("app_https",)),
    ("cross_site-https", ("api_site_a_https",)),
    ("same_origin-https", ("api_site_a_https",)),
    ("same_site_subdomain-https", ("api_site_b_https",)),
)
EVERY_STATUS_CHAIN = ("same_site_subdomain-https", ("app_https",))  # the request turns CORS at the API
REDIRECT_COOKIES = (CookieConfig(samesite="Lax", secure=True), CookieConfig(samesite="None", secure=True))


def redirect_slice() -> Iterator[Case]:
    """A login that answers a redirect before it reaches the API: each redirect status from a same-origin hop to a
    cross-origin API (the request turns CORS on the way), and 302 and 307 through chains whose later hops carry
    Origin: null; an allowlist of the page's origin, and the reflect-any mistake that admits null."""
    for chain, cors, cookie in itertools.product(REDIRECT_CHAINS, ("allowlist", "reflect_any_credentials"),
                                                 REDIRECT_COOKIES):  # fmt: skip
        setup, via = chain
        for status in REDIRECT_STATUSES if chain == EVERY_STATUS_CHAIN else (302, 307):
            yield Case("slice_redirect", "include", setup, cookie, cors=cors, redirect_via=via,
                       redirect_status=status)  # fmt: skip
    yield from redirect_more_slice()


# Redirect modes and a cookie set on the redirect response itself: a hop on the page's own origin before a same-origin
# API (the cookie it sets matches the next URL) and before a same-site one (it does not: host-only to the hop).
MODE_CHAINS = (("same_origin-https", ("app_https",)), ("same_site_subdomain-https", ("app_https",)))
# Where a hop's own cookie goes when fetch follows: the same origin, another origin than the API's, the API's own.
HOP_COOKIE_CHAINS = MODE_CHAINS + (("same_site_subdomain-https", ("api_site_a_https",)),)
# The credentials mode across hops: a chain that stays on the page's origin, and one that leaves it and comes back.
CREDENTIALS_CHAINS = (("same_origin-https", ("app_https",)), ("same_origin-https", ("api_site_a_https",)))


def redirect_more_slice() -> Iterator[Case]:
    """What fetch does with login's redirect beyond following it (manual, error), the cookie the redirect response
    itself sets and where it goes, and the credentials modes across hops."""
    cookie = REDIRECT_COOKIES[0]
    for (setup, via), mode, sets in itertools.product(MODE_CHAINS, ("manual", "error"), (False, True)):
        yield Case("slice_redirect", "include", setup, cookie, redirect_via=via, redirect_mode=mode,
                   redirect_sets_cookie=sets)  # fmt: skip
    for setup, via in HOP_COOKIE_CHAINS:
        yield Case("slice_redirect", "include", setup, cookie, redirect_via=via, redirect_sets_cookie=True)
    for (setup, via), credentials in itertools.product(CREDENTIALS_CHAINS, ("same-origin", "omit")):
        yield Case("slice_redirect", credentials, setup, cookie, redirect_via=via, redirect_sets_cookie=True)


FORM_LOGIN_COOKIES = {value: CookieConfig(samesite=value, secure=True) for value in SAMESITE_VALUES}


def form_login_slice() -> Iterator[Case]:
    """Login by a top-level form POST that the server answers 303 back to the app (express + passport's
    successRedirect), the API same-origin, same-site and cross-site to the app, under each SameSite value (and a
    regular profile's third-party setting for the cross-site API); then the app's fetches carry the session or not."""
    for setup, cookie in itertools.product(("same_origin-https", "same_site_subdomain-https", "cross_site-https"),
                                           FORM_LOGIN_COOKIES.values()):  # fmt: skip
        yield Case("slice_form_login", "include", setup, cookie, body="form", login="form")
    for cookie in FORM_LOGIN_COOKIES.values():
        yield Case("slice_form_login", "include", "cross_site-https", cookie, body="form", login="form",
                   third_party="allowed", extra_ids=("third_party_allowed",))  # fmt: skip


# The CORS answers of slice_simple_request: each way of failing the CORS check of a credentialed response (none: no
# ACAO; wildcard: "*" with credentials; reflect: ACAO without ACAC; fixed: another origin), and the allowlist passing.
SIMPLE_CORS = ("none", "wildcard", "reflect", "fixed", "allowlist")
SIMPLE_COOKIES = {
    "samesite_none": CookieConfig(samesite="None", secure=True),
    "samesite_lax": CookieConfig(samesite="Lax", secure=True),
    "samesite_unset": CookieConfig(samesite=None, secure=True),
}


def simple_request_slice() -> Iterator[Case]:
    """Login and the rest as simple requests (form bodies, no preflight) against CORS answers that fail the check in
    each way, and one that passes: script sees a network error, the server got the request, and the cookie is
    stored and sent by the cookie rules alone (CORS is not a cookie firewall); a regular profile's third-party
    setting for the cross-site API."""
    for cors, body, setup, cookie in itertools.product(
        SIMPLE_CORS, ("form", "text"), ("same_site_subdomain-https", "cross_site-https"), SIMPLE_COOKIES.values()
    ):
        yield Case("slice_simple_request", "include", setup, cookie, cors=cors, body=body)
    for cors in SIMPLE_CORS:
        yield Case("slice_simple_request", "include", "cross_site-https", SIMPLE_COOKIES["samesite_none"], cors=cors,
                   body="form", third_party="allowed", extra_ids=("third_party_allowed",))  # fmt: skip


# The preflight answering otherwise than the responses (preflight policy, responses' policy): a preflight that
# passes before a response that fails the CORS check (no ACAO; ACAO without ACAC), and a failing preflight before
# responses that would pass.
SPLIT_ANSWERS = (("allowlist", "none"), ("allowlist", "reflect"), ("none", "allowlist"), ("reflect", "allowlist"))
PREFLIGHT_SETUPS = ("same_site_subdomain-https", "cross_site-https")


# The HTTP cache between two pages of one site: the API lets the browser keep `me` ten minutes and answers with the
# page's origin, with and without Vary: Origin; then the app on another port (same site, another origin, so the same
# cache partition) reads `me`, with the cache mode "default" and, for contrast, "no-store".
SECOND_PAGE = "app_https_alt_port"
HTTP_CACHE_COOKIE = CookieConfig(samesite="Lax", secure=True)


def preflight_slice() -> Iterator[Case]:
    """The preflight and the actual responses answering differently; Authorization beside the cookie against
    Access-Control-Allow-Headers "*" and against the header named, with and without credentials; the preflight cache
    by Access-Control-Max-Age (list's preflight covers create's when cached); Access-Control-Expose-Headers deciding
    whether script reads the API's own header; a cacheable answer without Vary: Origin that the HTTP cache gives a
    second page of the site, whose CORS check then fails with no request sent."""
    for (preflight, responses), setup in itertools.product(SPLIT_ANSWERS, PREFLIGHT_SETUPS):
        yield Case("slice_preflight", "include", setup, CROSS_SITE_COOKIE, cors=responses, preflight_cors=preflight)
    for allow, credentials, setup in itertools.product(("wildcard", "authorization"), ("include", "omit"),
                                                       PREFLIGHT_SETUPS):  # fmt: skip
        yield Case("slice_preflight", credentials, setup, CROSS_SITE_COOKIE, allow_headers=allow, authorization=True)
    for setup, cache in itertools.product(PREFLIGHT_SETUPS, ("no-store", "default")):  # Max-Age 0: the cases above
        yield Case("slice_preflight", "include", setup, CROSS_SITE_COOKIE, allow_headers="authorization",
                   authorization=True, max_age=600, cache=cache)  # fmt: skip
    for expose, credentials in itertools.product(("none", "named", "wildcard"), ("include", "omit")):
        yield Case("slice_preflight", credentials, "cross_site-https", CROSS_SITE_COOKIE, expose_headers=expose,
                   extra_ids=("read_header",) if expose == "none" else ())  # fmt: skip
    yield Case("slice_preflight", "include", "same_origin-https", CROSS_SITE_COOKIE, extra_ids=("read_header",))
    for cors, vary, cache in itertools.product(("allowlist", "reflect_any_credentials"), (True, False),
                                               ("default", "no-store")):  # fmt: skip
        yield Case("slice_preflight", "include", "same_site_subdomain-https", HTTP_CACHE_COOKIE, cors=cors,
                   cache=cache, cache_max_age=600, vary_origin=vary, reread_from=SECOND_PAGE)  # fmt: skip


AGED_ONLY_IN_CHROMIUM = (
    "the state cookie is aged in Chromium's own cookie store on disk (a regular profile restarted); Firefox has no "
    "Lax-allowing-unsafe window (its profile: lax_by_default false), so a cookie's age changes nothing there"
)
STATE_COOKIES = {value: CookieConfig(name="state", samesite=value, secure=True) for value in SAMESITE_VALUES}
IDP_SESSION = CookieConfig(samesite="Lax", secure=True)  # the app's session cookie, set on the callback's 303


def idp_return_slice() -> Iterator[Case]:
    """The identity provider's return (OAuth/OIDC): the app sets a state cookie and sends the page to a provider on
    another site, whose page comes back by a GET (response_mode=query) or an auto-submitted form POST (form_post);
    under each SameSite value of the state cookie, does it come back with the return, so that the login succeeds?"""
    for how, state in itertools.product(("query", "form_post"), STATE_COOKIES.values()):
        yield Case("slice_idp_return", "include", "same_origin-https", IDP_SESSION, login="idp", idp_return=how,
                   state_cookie=state)  # fmt: skip
    # The same return three minutes after the state cookie was set, past Chromium's two-minute Lax-allowing-unsafe
    # window: a cookie with a lifetime (a session cookie ends with the restart that ages it) in a regular profile.
    aged = replace(STATE_COOKIES[None], max_age=600)
    for how in ("query", "form_post"):
        yield Case("slice_idp_return", "include", "same_origin-https", IDP_SESSION, login="idp", idp_return=how,
                   state_cookie=aged, state_age=180, third_party="allowed", extra_ids=("third_party_allowed",),
                   only_in=("chromium",), only_because=AGED_ONLY_IN_CHROMIUM)  # fmt: skip


# slice_embedded: the client (app_https) framed by a page of its own site and by a partner's on another site.
EMBEDDERS = ("embedder_same_site_https", "embedder_cross_site_https")
SECOND_EMBEDDER = "embedder_second_https"
EMBEDDED_SETUPS = ("same_origin-https", "same_site_subdomain-https", "cross_site-https")  # the API to the frame
# The session cookie kinds a framed app may set: Lax (the usual default), SameSite=None, and Partitioned (CHIPS).
EMBEDDED_COOKIES = {
    "lax": CookieConfig(samesite="Lax", secure=True),
    "none": CookieConfig(samesite="None", secure=True),
    "partitioned": CookieConfig(samesite="None", secure=True, partitioned=True),
}
# Script-written cookies, each list through document.cookie and through cookieStore.set() (the options each line names):
# from the framed client, whose own login line is one every setting but blocking stores, under each third-party setting
# and in a same-site frame; from a top-level https page (over the server's HttpOnly cookie too) and an http one.
FRAME_LINES = ("ok=1; Path=/; SameSite=None; Secure; Partitioned",)
FRAME_WRITES = (
    "a=1; SameSite=None; Secure",  # unpartitioned: blocked, partitioned or stored by the third-party setting
    "b=1; SameSite=None; Secure; Partitioned",
    "c=1; Secure",  # no SameSite: Lax where Lax is the default, and cookieStore's default is Strict
    "d=1; SameSite=Lax; Secure",  # never from a cross-site document
    "h=1; SameSite=None; Secure; Partitioned; HttpOnly",  # script may not write HttpOnly; cookieStore has no option
    "__Host-e=1; Secure; Path=/; SameSite=None; Partitioned",
)
TOP_LINES = ("ok=1; Path=/", "hid=1; Path=/; HttpOnly")
TOP_WRITES = (
    "h=1; HttpOnly",
    "__Host-a=1; Secure; Path=/",
    "__Secure-b=1",  # no Secure: refused to document.cookie; cookieStore writes every cookie Secure
    "__Host-c=1; Secure; Path=/; Domain=site-a.test",
    "hid=2; Path=/",  # over the server's HttpOnly cookie
)
HTTP_WRITES = ("s=1; Secure", "p=1")  # an http page: no Secure cookie, and no cookieStore
SCRIPT_APIS_IDS = {"document.cookie": "script_document_cookie", "cookieStore": "script_cookie_store"}


def embedded_grid() -> Iterator[tuple[Case, tuple[str, str]]]:
    """slice_embedded's grid: each case with its place in the report's grid, its row (the cookie kind, the API's
    relation to the frame) and column (the embedder's relation to the frame, the third-party setting)."""
    for embed, setup, policy, (kind, cookie) in itertools.product(
        EMBEDDERS, EMBEDDED_SETUPS, (None,) + THIRD_PARTY_POLICIES, EMBEDDED_COOKIES.items()
    ):
        column = f"{embed.removeprefix('embedder_').removesuffix('_https')}|{policy or 'default'}"
        yield (Case("slice_embedded", "include", setup, cookie, embed_in=embed, third_party=policy,
                    extra_ids=(f"third_party_{policy or 'default'}",)), (f"{kind}|{setup}", column))  # fmt: skip


def embedded_slice() -> Iterator[Case]:
    """The client inside an iframe: a same-site and a cross-site embedder × the API same-origin, same-site and
    cross-site to the frame × each third-party setting × Lax, SameSite=None and Partitioned cookies; a user who logged
    in top-level first, then meets the app framed by a partner; a partitioned session's logout with and without
    Partitioned, and from another partition, then the same client under a second embedder and top-level; the Storage
    Access API granted and denied, for the frame's own origin and for an API on another host of its site."""
    yield from (case for case, _ in embedded_grid())
    for policy, kind in itertools.product((None,) + THIRD_PARTY_POLICIES, ("none", "partitioned")):
        yield Case("slice_embedded", "include", "same_origin-https", EMBEDDED_COOKIES[kind], embed_in=EMBEDDERS[1],
                   login_top_level=True, third_party=policy,
                   extra_ids=(f"third_party_{policy or 'default'}",))  # fmt: skip
    partitioned = EMBEDDED_COOKIES["partitioned"]
    for logout, second_embed in itertools.product((None, replace(partitioned, partitioned=False)),
                                                  (SECOND_EMBEDDER, None)):  # fmt: skip
        yield Case("slice_embedded", "include", "same_origin-https", partitioned, embed_in=EMBEDDERS[1],
                   logout_cookie=logout, reread_from="app_https", reread_embed_in=second_embed,
                   extra_ids=("logout_unpartitioned",) if logout else ())  # fmt: skip
    for second_embed in (SECOND_EMBEDDER, None):
        yield Case("slice_embedded", "include", "same_origin-https", partitioned, embed_in=EMBEDDERS[1],
                   reread_from="app_https", reread_embed_in=second_embed, logout_from_second=True)  # fmt: skip
    for embed, setup, kind, access, top_level, policy in (
        (EMBEDDERS[1], "same_origin-https", "none", "granted", False, None),
        (EMBEDDERS[1], "same_origin-https", "none", "denied", False, None),
        (EMBEDDERS[1], "same_origin-https", "lax", "granted", False, None),
        (EMBEDDERS[0], "same_origin-https", "none", "granted", False, None),
        (EMBEDDERS[1], "same_origin-https", "none", "granted", True, None),
        (EMBEDDERS[1], "same_origin-https", "none", "denied", True, None),
        (EMBEDDERS[1], "same_origin-https", "partitioned", "granted", True, None),
        (EMBEDDERS[1], "same_origin-https", "none", "granted", True, "blocked"),
        (EMBEDDERS[1], "same_origin-https", "none", "granted", True, "allowed"),
        # the API on another host of the frame's site: only requests to the frame's own origin are eligible
        (EMBEDDERS[1], "same_site_subdomain-https", "none", "granted", True, None),
    ):
        yield Case("slice_embedded", "include", setup, EMBEDDED_COOKIES[kind], embed_in=embed,
                   storage_access=access, login_top_level=top_level, third_party=policy,
                   extra_ids=(f"third_party_{policy}",) if policy else ())  # fmt: skip
    yield from script_write_cases()


def script_write_cases() -> Iterator[Case]:
    """Cookies the page's script writes, through document.cookie and cookieStore.set(): from the framed client under
    each third-party setting and in a same-site frame, and from top-level https and http pages."""
    for api in SCRIPT_APIS:
        writes = {"script_writes": FRAME_WRITES, "script_api": api}
        for embed, policy in ((EMBEDDERS[1], None), (EMBEDDERS[1], "allowed"), (EMBEDDERS[1], "blocked"),
                              (EMBEDDERS[0], None)):  # fmt: skip
            yield Case("slice_embedded", "include", "same_origin-https", None, lines=FRAME_LINES, embed_in=embed,
                       third_party=policy, extra_ids=(SCRIPT_APIS_IDS[api], f"third_party_{policy or 'default'}"),
                       **writes)  # fmt: skip
        yield Case("slice_embedded", "include", "same_origin-https", None, lines=TOP_LINES, script_writes=TOP_WRITES,
                   script_api=api, extra_ids=(SCRIPT_APIS_IDS[api],))  # fmt: skip
        yield Case("slice_embedded", "include", "same_origin-http", None, lines=(READABLE,), script_writes=HTTP_WRITES,
                   script_api=api, extra_ids=(SCRIPT_APIS_IDS[api],))  # fmt: skip


SLICES = {
    "core": core,
    "slice_cors": cors_slice,
    "slice_mode": mode_slice,
    "slice_domain_path": domain_path_slice,
    "slice_prefix": prefix_slice,
    "slice_lifetime": lifetime_slice,
    "slice_production": production_slice,
    "slice_third_party": third_party_slice,
    "slice_parsing": parsing_slice,
    "slice_simple_request": simple_request_slice,
    "slice_redirect": redirect_slice,
    "slice_form_login": form_login_slice,
    "slice_preflight": preflight_slice,
    "slice_idp_return": idp_return_slice,
    "slice_embedded": embedded_slice,
}


# Each slice's table in the report reads as the question a user asked.
QUESTIONS = {
    "slice_cors": "Which CORS answers let script read a credentialed response, and which keep the session anyway?",
    "slice_mode": "What do the fetch modes (cors, no-cors, same-origin) do with the session cookie?",
    "slice_domain_path": "Which Domain and Path take the cookie to the API and show it to script?",
    "slice_prefix": "Which __Secure- and __Host- cookies does the browser keep?",
    "slice_lifetime": "Do Max-Age, Expires and logout's deletion end the cookie as written?",
    "slice_production": "Behind a proxy that ends TLS, does express-session's Secure cookie reach the browser?",
    "slice_third_party": "Which third-party cookie settings keep a cross-site session, partitioned or not?",
    "slice_parsing": "What does the browser make of odd Set-Cookie lines and of the page's own writes?",
    "slice_form_login": "A login form posting to the API, answered 303 back to the app: which SameSite values "
    "survive, and do the app's fetches then carry the session?",
    "slice_redirect": "My login answers a redirect: which statuses keep the POST, does the cookie set at the end "
    "stick, and when does the API see Origin: null (and an allowlist refuse it)?",
    "slice_idp_return": "My OAuth/OIDC return arrives without its state cookie: which SameSite values of the state "
    "cookie survive the provider's GET return (response_mode=query) and its form POST (form_post)?",
    "slice_preflight": "My preflight passes but the fetch still fails (or the reverse), my bearer token meets "
    "Access-Control-Allow-Headers: *, my Max-Age should spare a preflight, my header reads as null, my second app "
    "gets a CORS error only after the first one ran (a cached answer without Vary: Origin): what does the browser do, "
    "and is the cookie stored anyway?",
    "slice_embedded": "My app runs inside another site's iframe (a widget, a payment form, a partner's portal): "
    "which cookies keep its session under each third-party setting, does Partitioned (CHIPS) save it, what does a "
    "second embedder or a top-level visit see, does logout delete a partitioned cookie, and what does the Storage "
    "Access API change?",
    "slice_simple_request": "A simple request (a form body, no preflight) whose CORS check fails: is the cookie "
    "stored and sent anyway? CORS is not a cookie firewall: the server got every request and the jar kept the "
    "cookie by the cookie rules alone; only script was refused the answer.",
}


def all_cases() -> list[Case]:
    """Every case of every slice, with unique ids."""
    cases = [case for make in SLICES.values() for case in make()]
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate case ids: {sorted(duplicates)[:5]}")
    return cases


def all_markers() -> set[str]:
    """Every marker the matrix uses, for pytest's --strict-markers."""
    return {m for case in all_cases() for m in case.markers}


# The servers of the attack scenarios (e2e/oracle/scenarios.py, e2e/tests/test_security.py), as data like the
# matrix's cases: each is what both the oracle's scenario and the real server are given.


def scenario_server(cookie: CookieConfig, **switches) -> ServerSpec:
    """A server issuing `cookie` as its session cookie, with the given ServerSpec switches."""
    return ServerSpec(set_cookie=cookie.set_cookie(SESSION_VALUE), **switches)


LAX_SESSION = scenario_server(CookieConfig(samesite="Lax", secure=True))  # the app's usual session cookie


def read_server(cookie: CookieConfig, cors: str, app: str) -> ServerSpec:
    """Scenario 1: the API's CORS policy, an allowlist of the app's own origin or the reflect-any mistake."""
    return scenario_server(cookie, cors=cors, allowlist=(app,) if cors == "allowlist" else None)


def csrf_server(samesite: str | None, defence: str = "off") -> ServerSpec:
    """Scenario 2: an API that takes any body (lenient_body), with the CSRF defence `defence`; a Secure cookie."""
    return scenario_server(CookieConfig(samesite=samesite, secure=True), lenient_body=True, csrf=defence)
