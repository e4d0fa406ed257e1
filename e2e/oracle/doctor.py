"""The doctor: what the oracle's expectation of a user's setup means for them.

- `diagnose(spec, flow)`: the session works, or the first step where it breaks, what breaks there (a `Breakage`: the
  cookie not stored, not sent, the request refused, script refused the answer, logout leaving the cookie) and the
  decisive rule, said in one sentence with the user's own values (`sentence`).
- `settings_of(spec)`: the browser profiles and third-party settings a diagnosis covers; `diagnoses` runs them all.
- `fixes(spec)`: the neighbourhood of the setup (fetch options, the CORS answer, the cookie's attributes, the
  server's proxy trust, where the API lives) searched with the oracle for the smallest changes that make the session
  work in every profile and setting; each fix ranked (working everywhere first, then fewer changes, a fix that
  weakens security never first) and said as a change in the user's own terms (the fetch call, express-session and
  cors options, Flask's settings and flask-cors, nginx).
- `lint(spec)`: what the server's CORS answers get wrong or risk, whatever the flow's outcome.

Pure: the oracle's models only, no browser, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from e2e.oracle.flow import FlowExpectation, expect
from e2e.oracle.profiles import PROFILES, BrowserProfile
from e2e.oracle.rules import RULES
from e2e.oracle.server import admits
from e2e.oracle.setcookie import SetCookie
from e2e.oracle.sites import parse_origin, registrable_domain, same_site
from e2e.oracle.spec import FlowSpec
from e2e.oracle.vocabulary import ORIGIN_VARYING_POLICIES, REQUESTS, STEPS, THIRD_PARTY_POLICIES

# What each (browser, third-party setting) stands for, for a reader: None is the browser's default in the contexts the
# suite drives (Chromium's are off the record, as Incognito; Firefox's is Total Cookie Protection).
SETTING_NAMES = {
    ("chromium", None): "Chrome in Incognito (third-party cookies blocked)",
    ("chromium", "allowed"): "Chrome, a regular profile",
    ("chromium", "blocked"): "Chrome with third-party cookies blocked",
    ("firefox", None): "Firefox (Total Cookie Protection, its default)",
    ("firefox", "allowed"): "Firefox with third-party cookies allowed",
    ("firefox", "blocked"): "Firefox with third-party cookies blocked",
}
BROWSER_NAMES = {"chromium": "Chrome", "firefox": "Firefox"}
# The CORS-check and fetch failures that refuse script a step's answer, the most specific first.
_UNREADABLE = ("fetch-mode-same-origin", "fetch-preflight-authorization-not-wildcard",
               "fetch-preflight-wildcard-credentials", "cors-no-allow-origin", "cors-wildcard-credentials",
               "cors-origin-mismatch", "cors-credentials-not-allowed", "fetch-preflight-check",
               "fetch-redirect-error", "fetch-redirect-manual", "fetch-no-cors-opaque")  # fmt: skip
_SERVER_REFUSALS = ("server-csrf-origin", "server-json-required", "server-method-not-allowed",
                    "server-idp-state-missing")  # fmt: skip


@dataclass(frozen=True)
class Breakage:
    """The first thing that breaks the session in one flow: the step, what breaks, the decisive rule, in words."""

    step: str
    what: str  # a key of _WHAT: "not_reached", "not_stored", "not_sent", "not_authenticated", "unreadable", ...
    rule: str
    sentence: str

    def to_json(self) -> dict:
        return {"step": self.step, "what": self.what, "rule": self.rule, "sentence": self.sentence}


def _cookie(spec: FlowSpec) -> SetCookie:
    return spec.server.login


def _in(reasons: Iterable[str], wanted: Iterable[str]) -> str | None:
    """The first of `wanted` among `reasons`."""
    reasons = tuple(reasons)
    return next((w for w in wanted if w in reasons), None)


def _first_refusal(entries, name: str) -> str | None:
    """The first rule that refused (or withheld) the cookie called `name` among an Exchange's refused or withheld
    records."""
    for entry in entries:
        if entry[0] == name and entry[-1]:
            rules = [r for r in entry[-1] if r not in ("cookie-jar-empty",)]
            if rules:
                return rules[0]
    return None


def diagnose(spec: FlowSpec, flow: FlowExpectation) -> Breakage | None:
    """The first place where the session breaks in `flow` (the oracle's expectation of `spec`), or None: it works."""
    name = spec.cookie_name
    credentials_rule = f"fetch-credentials-{spec.credentials}"
    # the mode leaves cookies out: omit, or same-origin to another origin (a redirect's hops aside)
    excluded = spec.credentials == "omit" or (spec.credentials == "same-origin" and spec.page_origin != spec.api_origin)
    for step in STEPS:  # each answered as the user, readable by script (logout: the session ended, the cookie gone)
        s = flow.steps[step]
        if s.server_status is None:
            rule = _in(s.reasons, _UNREADABLE) or s.reasons[-1]
            return _breakage(spec, step, "not_reached", rule)
        if step == "login" and spec.server.exact:  # no session id in the lines: nothing after login is logged in
            return _breakage(spec, "me", "not_authenticated", "server-exact-lines")
        if step == "login":
            refused = _first_refusal(s.refused, name)
            if not s.cookie_stored:
                if "server-secure-needs-tls" in s.reasons:
                    return _breakage(spec, step, "not_stored", "server-secure-needs-tls")
                if refused:
                    return _breakage(spec, step, "not_stored", refused)
                if excluded:
                    return _breakage(spec, step, "not_stored", credentials_rule)
                if s.server_status and s.server_status >= 400:
                    rule = _in(s.reasons, _SERVER_REFUSALS) or "server-login"
                    return _breakage(spec, step, "refused", rule)
                return _breakage(spec, step, "not_stored", s.reasons[-1])
        elif step == "logout":
            if s.cookie_stored:
                rule = "cookie-deletion-mismatch" if "cookie-deletion-mismatch" in s.reasons else (
                    _first_refusal(s.refused, name) or "server-logout")  # fmt: skip
                return _breakage(spec, step, "logout_keeps", rule)
            continue
        else:
            if not s.cookie_sent:
                withheld = _first_refusal(s.withheld, name)
                if excluded and not withheld:
                    withheld = credentials_rule
                rule = withheld or ("cookie-jar-empty" if not flow.steps["login"].cookie_stored else s.reasons[-1])
                return _breakage(spec, step, "not_sent", rule)
            if not s.authenticated:
                return _breakage(spec, step, "not_authenticated", _in(s.reasons, _SERVER_REFUSALS) or
                                 "server-no-session")  # fmt: skip
        if s.fetch != "resolved" and s.fetch != "navigated":
            rule = _in(s.reasons, _UNREADABLE) or s.reasons[-1]
            return _breakage(spec, step, "unreadable", rule)
        if step == "create" and s.server_status and s.server_status >= 400:
            return _breakage(spec, step, "refused", _in(s.reasons, _SERVER_REFUSALS) or "server-create")
    return None


def _breakage(spec: FlowSpec, step: str, what: str, rule: str) -> Breakage:
    return Breakage(step, what, rule, sentence(spec, step, what, rule))


_WHAT = {
    "not_stored": "the cookie {name} is never stored",
    "not_sent": "{step} goes without the cookie {name}",
    "unreadable": "script cannot read {step}'s answer",
    "not_reached": "{step} never reaches the server",
    "refused": "the server refuses {step}",
    "not_authenticated": "{step} is not logged in",
    "logout_keeps": "logout leaves the cookie {name} in the browser",
}


def _samesite(sc: SetCookie) -> str:
    value = sc.last("samesite")
    return f"SameSite={value}" if value and value != "Default" else "no SameSite (Lax by default in Chrome)"


def _framed_cross_site(spec: FlowSpec) -> bool:
    """Whether the page runs in a frame of another site's page (where every request it makes is cross-site)."""
    return bool(spec.embed_in) and not same_site(spec.page_origin, parse_origin(spec.embed_in, "embed_in"), True)


def _cross_site_because(spec: FlowSpec) -> str:
    if _framed_cross_site(spec):
        return (
            f"the page runs in a frame of {spec.embed_in}, another site, so its requests are cross-site, even to "
            f"{spec.api}"
        )
    return f"{spec.api} is cross-site to the page {spec.page}"


def sentence(spec: FlowSpec, step: str, what: str, rule: str) -> str:
    """One plain sentence: what breaks at `step`, because of `rule`, in the user's own values."""
    sc, page, api = _cookie(spec), spec.page, spec.api
    head = _WHAT[what].format(name=sc.name or "(nameless)", step=step)
    causes: dict[str, Callable[[], str]] = {
        "fetch-credentials-same-origin": lambda: (
            f"credentials: 'same-origin' neither stores nor sends cookies for "
            f"{api}, another origin than the page {page}"
        ),
        "fetch-credentials-omit": lambda: "credentials: 'omit' never stores or sends cookies",
        "samesite-cross-site-store": lambda: (
            f"{_cross_site_because(spec)}, and a cookie with {_samesite(sc)} is not stored from a cross-site request"
        ),
        "samesite-cross-site-send": lambda: (
            f"{_cross_site_because(spec)}, and a cookie with {_samesite(sc)} is not sent with a cross-site request"
        ),
        "third-party-cookies": lambda: (
            f"{api} is a third party to the top-level page "
            f"{spec.embed_in or page}, and third-party cookies are blocked here"
        ),
        "third-party-partitioned": lambda: (
            "Firefox keeps third-party cookies apart per top-level site (Total Cookie "
            "Protection), so the cookie set under one site is not sent under another"
        ),
        "chips-partition-key": lambda: (
            "a Partitioned cookie belongs to the top-level site it was set under, and this "
            "request is made under another"
        ),
        "cookie-secure-origin": lambda: f"a Secure cookie is not stored from the insecure {api}",
        "cookie-secure-send": lambda: f"a Secure cookie is not sent to the insecure {api}",
        "samesite-none-requires-secure": lambda: "SameSite=None without Secure is refused",
        "chips-partitioned-secure": lambda: "Partitioned without Secure is refused",
        "cookie-domain-mismatch": lambda: f"Domain={sc.last('domain')} does not match {spec.api_origin.host}",
        "cookie-domain-public-suffix": lambda: f"Domain={sc.last('domain')} is a public suffix",
        "cookie-host-only": lambda: (
            f"the cookie has no Domain, so it goes only to the host that set it, not to {spec.api_origin.host}"
        ),
        "cookie-path-match": lambda: (
            f"its Path={sc.last('path') or '(the default)'} does not cover "
            f"{REQUESTS[step].path if step in REQUESTS else 'the path'}"
        ),
        "cookie-prefix-host": lambda: f"the name {sc.name} needs Secure, Path=/ and no Domain",
        "cookie-prefix-secure": lambda: f"the name {sc.name} needs Secure",
        "cookie-prefix-http": lambda: f"the name {sc.name} needs Secure and HttpOnly",
        "server-secure-needs-tls": lambda: (
            "the server believes the request is plain http (it does not trust the "
            "proxy's X-Forwarded-Proto) and leaves the Secure cookie out"
        ),
        "cors-no-allow-origin": lambda: f"{api} answers without Access-Control-Allow-Origin",
        "cors-wildcard-credentials": lambda: "Access-Control-Allow-Origin: * is not accepted with credentials",
        "cors-origin-mismatch": lambda: f"Access-Control-Allow-Origin names another origin than the page {page}",
        "cors-credentials-not-allowed": lambda: (
            "the answer lacks Access-Control-Allow-Credentials: true, which credentials: 'include' needs"
        ),
        "fetch-preflight-check": lambda: "the preflight's answer (OPTIONS) does not admit the request",
        "fetch-mode-same-origin": lambda: f"mode: 'same-origin' refuses {api}, another origin",
        "fetch-no-cors-opaque": lambda: "mode: 'no-cors' gives script an opaque answer",
        "cookie-deletion-mismatch": lambda: (
            "logout's deletion line names another cookie (its Path, Domain or Partitioned differ from the cookie's)"
        ),
        "cookie-jar-empty": lambda: "login stored no cookie",
        "server-no-session": lambda: "the cookie that came holds no live session",
        "server-idp-state-missing": lambda: (
            f"the provider's return (a cross-site {'GET' if spec.idp_return == 'query' else 'form POST'}) came back "
            f"without the state cookie, whose {_samesite(spec.server.state)} keeps it from that request, so the app "
            "refuses the login as a possible CSRF"
        ),
        "server-exact-lines": lambda: (
            "the lines go byte for byte, with no session id in them (--exact, or a first "
            "line that names no cookie), so no session reaches the browser: how the browser reads each line is below"
        ),
    }
    cause = causes.get(rule)
    because = cause() if cause else RULES[rule].text.rstrip(".") if rule in RULES else rule
    return f"{head}: {because} (rule {rule})"


@dataclass(frozen=True)
class Setting:
    """A browser profile under one third-party setting (None: its default in the contexts the suite drives)."""

    browser: str
    third_party: str | None

    @property
    def name(self) -> str:
        return SETTING_NAMES.get((self.browser, self.third_party), f"{self.browser} ({self.third_party})")


def settings_of(spec: FlowSpec, browsers: Iterable[str] = tuple(PROFILES)) -> list[Setting]:
    """The settings a diagnosis of `spec` covers: each browser under its default and each third-party setting the
    suite can give it, or under the spec's own setting alone."""
    policies = (spec.third_party,) if spec.third_party else (None, *THIRD_PARTY_POLICIES)
    return [Setting(b, p) for b in browsers for p in policies]


def diagnoses(spec: FlowSpec, settings: list[Setting], now: float | None = None) -> dict[Setting, Breakage | None]:
    """diagnose() under each setting."""
    return {s: diagnose(spec, expect(replace(spec, third_party=s.third_party), PROFILES[s.browser], now))
            for s in settings}  # fmt: skip


def where(settings: Iterable[Setting], covered: Iterable[Setting]) -> str:
    """`settings` named for a reader: "every browser and third-party setting", a browser's name where all of its
    `covered` settings are in, else each setting's name."""
    settings, covered = list(settings), list(covered)
    if set(settings) == set(covered):
        return "every browser and third-party setting" if len(covered) > 1 else covered[0].name
    parts = []
    for browser in dict.fromkeys(s.browser for s in covered):
        mine = [s for s in covered if s.browser == browser]
        inside = [s for s in mine if s in settings]
        if inside == mine and len(mine) > 1:
            parts.append(f"{BROWSER_NAMES.get(browser, browser)} (every third-party setting)")
        else:
            parts += [s.name for s in inside]
    return ", ".join(parts)


def summary(found: dict[Setting, Breakage | None]) -> list[str]:
    """The diagnosis in lines: settings with the same outcome together, a working one first."""
    groups: dict[tuple, list[Setting]] = {}
    for setting, breakage in found.items():
        groups.setdefault((breakage.step, breakage.rule) if breakage else (), []).append(setting)
    lines = []
    for _, settings in sorted(groups.items(), key=lambda kv: bool(kv[0])):
        names = where(settings, found)
        breakage = found[settings[0]]
        lines.append(f"in {names}, the session works" if breakage is None else f"in {names}, {breakage.sentence}")
    return lines


# ------------------------------------------------------------------------------------------------------------ fixes


@dataclass(frozen=True)
class Change:
    """One change to a setup, as a user makes it: its kind, what it does to the spec, how it reads in their code."""

    kind: str  # "fetch", "cors", "cookie", "proxy", "origins", "frame", "redirect"
    label: str
    apply: Callable[[FlowSpec], FlowSpec] = field(compare=False, repr=False)
    code: tuple[str, ...] = ()  # the change in the user's terms, one line per framework or tool
    cost: str = ""  # what it costs in security, if anything
    size: int = 1  # how big a change it is to make (moving the API counts double)
    touches: frozenset[str] = frozenset()  # what it changes (two changes that touch one thing are never paired)

    def __post_init__(self) -> None:
        if not self.touches:
            object.__setattr__(self, "touches", frozenset({self.kind}))


@dataclass(frozen=True)
class Fix:
    """Changes that together make the session work where `works` says."""

    changes: tuple[Change, ...]
    works: tuple[Setting, ...]
    fails: tuple[Setting, ...]
    spec: FlowSpec = field(repr=False, compare=False)

    @property
    def everywhere(self) -> bool:
        return not self.fails

    @property
    def size(self) -> int:
        return sum(c.size for c in self.changes)

    @property
    def cost(self) -> str:
        return "; ".join(c.cost for c in self.changes if c.cost)

    @property
    def label(self) -> str:
        """The fix in the user's words: its changes' labels."""
        return " and ".join(c.label for c in self.changes)

    def to_json(self) -> dict:
        return {"changes": [{"kind": c.kind, "label": c.label, "code": list(c.code), "cost": c.cost}
                            for c in self.changes],
                "works": [s.name for s in self.works], "fails": [s.name for s in self.fails],
                "everywhere": self.everywhere}  # fmt: skip


def _line(sc: SetCookie, set_attrs: dict[str, str | None], drop: Iterable[str] = ()) -> str:
    """The login line with attributes set (name -> value, None for a flag) and others dropped."""
    dropped = {d.lower() for d in (*drop, *set_attrs)}
    kept = [(a, v) for a, v in sc.raw if a.lower() not in dropped]
    parts = [f"{sc.name}={sc.value}" if sc.name else sc.value]
    parts += [f"{a}={v}" if v else a for a, v in kept]
    parts += [f"{a}={v}" if v is not None else a for a, v in set_attrs.items()]
    return "; ".join(parts)


def _with_line(spec: FlowSpec, line: str) -> FlowSpec:
    lines = spec.server.set_cookie if isinstance(spec.server.set_cookie, tuple) else (spec.server.set_cookie,)
    return replace(spec, server=replace(spec.server, set_cookie=(line, *lines[1:]) if len(lines) > 1 else line))


def _cookie_change(label: str, set_attrs: dict[str, str | None], drop=(), express="", flask="", cost="") -> Change:
    return Change("cookie", label, lambda s: _with_line(s, _line(_cookie(s), set_attrs, drop)),
                  tuple(c for c in (express, flask) if c), cost,
                  touches=frozenset(f"cookie.{a.lower()}" for a in (*set_attrs, *drop)))  # fmt: skip


def candidates(spec: FlowSpec) -> list[Change]:
    """The single changes near `spec` worth trying."""
    page, api, sc = spec.page_origin, spec.api_origin, _cookie(spec)
    cross_site = not same_site(page, api, True) or _framed_cross_site(spec)
    out = []
    if spec.credentials != "include":
        acac = admits(spec.server, spec.page)  # the server's answer to the page (server-cors-policy)
        out.append(Change("fetch", "credentials: 'include'", lambda s: replace(s, credentials="include"),
                          ("fetch(url, { credentials: 'include' })" + (
                              "  // the CORS answer already says Access-Control-Allow-Credentials: true" if acac
                              else ""),)))  # fmt: skip
    if spec.mode != "cors":
        out.append(Change("fetch", "mode: 'cors'", lambda s: replace(s, mode="cors"),
                          ("fetch(url, { mode: 'cors' })",)))  # fmt: skip
    if spec.server.cors != "allowlist" or spec.page not in (spec.server.allowlist or ()):
        allow = lambda s: replace(s, server=replace(s.server, cors="allowlist", allowlist=(s.page,),  # noqa: E731
                                                    preflight_cors=None))  # fmt: skip
        out.append(
            Change(
                "cors",
                f"a CORS allowlist of {spec.page} with credentials",
                allow,
                (
                    f"cors({{ origin: ['{spec.page}'], credentials: true }})  // express",
                    f"CORS(app, origins=['{spec.page}'], supports_credentials=True)  # flask-cors",
                ),
            )
        )
        out.append(Change("cors", "reflect any Origin with credentials", lambda s: replace(
            s, server=replace(s.server, cors="reflect_any_credentials", allowlist=None, preflight_cors=None)), (
            "cors({ origin: true, credentials: true })  // express",),
            cost="any site can then read your users' data with their cookies"))  # fmt: skip
    samesite = sc.last("samesite")
    if samesite != "None" or not sc.has("secure"):
        none_cost = (
            ""
            if cross_site
            else "SameSite=None also sends the cookie with every cross-site request, where "
            "Lax would do: keep a CSRF defence (check Origin)"
        )
        out.append(_cookie_change("SameSite=None; Secure", {"SameSite": "None", "Secure": None},
                                  express="session({ cookie: { sameSite: 'none', secure: true } })",
                                  flask="SESSION_COOKIE_SAMESITE = 'None'; SESSION_COOKIE_SECURE = True",
                                  cost=none_cost))  # fmt: skip
    if not sc.has("partitioned"):
        out.append(
            _cookie_change(
                "SameSite=None; Secure; Partitioned (Partitioned keeps it where third-party cookies are blocked)",
                {"SameSite": "None", "Secure": None, "Partitioned": None},
                express="session({ cookie: { sameSite: 'none', secure: true, partitioned: true } })",
                flask="SESSION_COOKIE_SAMESITE = 'None'; SESSION_COOKIE_SECURE = True; "
                "SESSION_COOKIE_PARTITIONED = True",
                cost="" if cross_site else "a Partitioned cookie is kept per top-level site",
            )
        )
    if samesite not in ("Lax",) and not cross_site:
        out.append(_cookie_change("SameSite=Lax", {"SameSite": "Lax"}, drop=("Partitioned",),
                                  express="session({ cookie: { sameSite: 'lax' } })",
                                  flask="SESSION_COOKIE_SAMESITE = 'Lax'"))  # fmt: skip
    secure_ok = api.scheme == "https" or api.host in ("localhost", "127.0.0.1")
    if sc.has("secure") and not secure_ok:
        out.append(
            _cookie_change(
                "drop Secure (the API is plain http)",
                {},
                drop=("Secure", "Partitioned"),
                express="session({ cookie: { secure: false } })",
                flask="SESSION_COOKIE_SECURE = False",
                cost="the cookie then travels over plain http: use https outside development",
            )
        )
    if not sc.has("secure") and secure_ok:
        out.append(_cookie_change("Secure", {"Secure": None}, express="session({ cookie: { secure: true } })",
                                  flask="SESSION_COOKIE_SECURE = True"))  # fmt: skip
    if sc.has("domain"):
        out.append(_cookie_change("no Domain (host-only)", {}, drop=("Domain",),
                                  express="session({ cookie: { domain: undefined } })",
                                  flask="SESSION_COOKIE_DOMAIN = None"))  # fmt: skip
    elif not cross_site and page.host != api.host and registrable_domain(api.host):
        site = registrable_domain(api.host)
        out.append(_cookie_change(f"Domain={site}", {"Domain": site},
                                  express=f"session({{ cookie: {{ domain: '{site}' }} }})",
                                  flask=f"SESSION_COOKIE_DOMAIN = '{site}'"))  # fmt: skip
    if sc.last("path") != "/":
        out.append(_cookie_change("Path=/", {"Path": "/"}, express="session({ cookie: { path: '/' } })",
                                  flask="SESSION_COOKIE_PATH = '/'"))  # fmt: skip
    if sc.name.lower().startswith(("__host-", "__secure-", "__http-")):
        plain = sc.name.split("-", 1)[1] or "sid"
        out.append(
            Change(
                "cookie",
                f"the name {plain} (no prefix)",
                lambda s: _with_line(s, _line(_cookie(s), {}).replace(_cookie(s).name, plain, 1)),
                (f"session({{ name: '{plain}' }})  // express-session", f"SESSION_COOKIE_NAME = '{plain}'  # Flask"),
            )
        )
    if spec.server.secure_cookie_needs_tls and not spec.server.trust_proxy:
        out.append(
            Change(
                "proxy",
                "trust the proxy's X-Forwarded-Proto",
                lambda s: replace(s, server=replace(s.server, trust_proxy=True, forwarded_https=True)),
                (
                    "app.set('trust proxy', 1)  // express",
                    "app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)  # Flask",
                    "proxy_set_header X-Forwarded-Proto $scheme;  # nginx, in the location that proxies the API",
                ),
            )
        )
    if spec.redirect_via and spec.server.redirect_status in (301, 302, 303):
        out.append(Change("redirect", "answer the login's redirect with 307 (it keeps the POST and its body)",
                          lambda s: replace(s, server=replace(s.server, redirect_status=307)), (
                              "res.redirect(307, url)  // express", "redirect(url, code=307)  # Flask")))  # fmt: skip
    if spec.login == "idp":
        state = spec.server.state
        wanted = ("None", True) if spec.idp_return == "form_post" else ("Lax", state.has("secure"))
        if (state.last("samesite"), state.has("secure")) != wanted:
            line = _line(state, {"SameSite": wanted[0], **({"Secure": None} if wanted[1] else {})})
            out.append(Change("cookie", f"the state cookie SameSite={wanted[0]}", lambda s: replace(
                s, server=replace(s.server, state_cookie=line)), (
                f"the OAuth library's state cookie: sameSite '{wanted[0].lower()}'"
                + (", secure: true" if wanted[1] else ""),), touches=frozenset({"state cookie"})))  # fmt: skip
    if spec.storage_access == "none" and _framed_cross_site(spec):
        out.append(Change("frame", "ask for storage access from a click in the frame", lambda s: replace(
            s, storage_access="granted"), (
            "button.onclick = () => document.requestStorageAccess()  // in the framed app, before its fetches",),
            cost="the user must agree: Chrome asks (after a visit to your site); Firefox grants it by itself once the "
            "user interacted with your site top-level, and asks otherwise"))  # fmt: skip
        if not spec.login_top_level:
            out.append(
                Change(
                    "frame",
                    "log in on your own site first (top-level), then use the frame",
                    lambda s: replace(s, login_top_level=True),
                    ("window.open('<your site>/login')  // a top-level visit",),
                    size=2,
                )
            )
    if spec.page != spec.api and not spec.embed_in:
        out.append(Change("origins", "serve the API through the page's own origin (a dev-server proxy)", lambda s: (
            _api_at(s, s.page)), (
            f"server: {{ proxy: {{ '/api': '{spec.api}' }} }}  // vite.config.js; then fetch('/api/...')",
            f"location /api/ {{ proxy_pass {spec.api}; }}  # nginx, on {spec.page}"), size=2))  # fmt: skip
    if cross_site and registrable_domain(page.host) and not spec.embed_in:
        host = f"api.{registrable_domain(page.host)}"
        moved = f"{api.scheme}://{host}" + (f":{api.port}" if api.port not in (80, 443) else "")
        out.append(Change("origins", f"serve the API from {host}, on the page's own site", lambda s: (
            _api_at(s, moved)), (f"the API at {moved} (a subdomain of the page's site)",), size=2))  # fmt: skip
    return out


def _api_at(spec: FlowSpec, origin: str) -> FlowSpec:
    """The API served on `origin` (the page's own through a proxy, or another host), its login no longer redirected
    through the old one's hops."""
    return replace(spec, api=origin, server=replace(spec.server, redirects=()), redirect_via=())


def fixes(spec: FlowSpec, browsers: Iterable[str] = tuple(PROFILES), now: float | None = None,
          most: int = 5, base: dict | None = None) -> list[Fix]:  # fmt: skip
    """The smallest changes that make the session work, searched with the oracle: each candidate alone, then each one
    that moved the diagnosis (fixed a setting, or broke later or otherwise) paired with every other change that
    touches something else; ranked by how big the change is and where it still fails, together (a change of one
    cookie attribute that fails in one setting ranks with moving the API that fails nowhere, and before it: fewer
    changes first), and a fix that weakens security never first. Only fixes that work somewhere the setup does not.
    `base`: the setup's own diagnoses under settings_of(spec, browsers), where the caller has them."""
    settings = settings_of(spec, browsers)
    base = base if base is not None else diagnoses(spec, settings, now)
    base_works = [s for s, b in base.items() if b is None]
    singles = candidates(spec)
    found: list[Fix] = []
    moved: list[Change] = []
    pairs = []
    for changes in [(c,) for c in singles]:
        outcome = _tried(spec, changes, settings, now)
        if outcome is None:
            continue
        changed, after = outcome
        if after != base:
            moved.append(changes[0])
        found += _fix(changes, changed, after, base_works)
    for a in moved:
        pairs += [(a, b) for b in singles if b is not a and not a.touches & b.touches and (b, a) not in pairs]
    for changes in pairs:
        outcome = _tried(spec, changes, settings, now)
        if outcome is not None:
            found += _fix(changes, *outcome, base_works)
    found = _minimal(found)
    found.sort(key=lambda f: (f.size + len(f.fails), f.size, len(f.fails), bool(f.cost),
                              [singles.index(c) for c in f.changes]))  # fmt: skip
    safe = next((f for f in found if not f.cost), None)
    if found and found[0].cost and safe is not None:
        found.remove(safe)
        found.insert(0, safe)
    return found[:most]


def _tried(spec: FlowSpec, changes: tuple[Change, ...], settings: list[Setting], now: float | None):
    """The spec with `changes` made (dataclasses.replace validates each, FlowSpec.__post_init__) and its diagnoses, or
    None where the changes do not make a spec."""
    try:
        changed = spec
        for change in changes:
            changed = change.apply(changed)
    except ValueError:
        return None
    return changed, diagnoses(changed, settings, now)


def _fix(changes, changed: FlowSpec, after: dict, base_works: list[Setting]) -> list[Fix]:
    """The changes as a fix, where they make the session work somewhere it did not and nowhere less."""
    works = [s for s, b in after.items() if b is None]
    if len(works) > len(base_works) and set(base_works) <= set(works):
        return [Fix(changes, tuple(works), tuple(s for s, b in after.items() if b is not None), changed)]
    return []


def _minimal(found: list[Fix]) -> list[Fix]:
    """Drop a fix whose changes include every change of another fix that works at least as widely."""
    out = []
    for fix in found:
        names = {c.label for c in fix.changes}
        if any({c.label for c in other.changes} < names and set(fix.works) <= set(other.works) for other in found):
            continue
        out.append(fix)
    return out


# ------------------------------------------------------------------------------------------------------------- lint


def lint(spec: FlowSpec, profiles: Iterable[BrowserProfile] = PROFILES.values()) -> list[str]:
    """What the server's CORS answers get wrong or risk, each a sentence with the fix."""
    server, out = spec.server, []
    policies = {server.cors, server.preflight_policy}
    if not server.vary_origin and policies & set(ORIGIN_VARYING_POLICIES):
        out.append("The answer reflects the request's Origin without Vary: Origin: a cache (the browser's, a CDN) can "
                   "give one origin's answer to another; add Vary: Origin.")  # fmt: skip
    if "wildcard" in policies and spec.credentials == "include":
        out.append("Access-Control-Allow-Origin: * never admits a request with credentials: name the page's origin "
                   "and add Access-Control-Allow-Credentials: true.")  # fmt: skip
    if "reflect_any_credentials" in policies:
        out.append("The server echoes any Origin with Access-Control-Allow-Credentials: true: any site can read your "
                   "users' data with their cookies; answer an allowlist of your own origins.")  # fmt: skip
    for profile in profiles:
        cap = profile.preflight_max_age_cap.value
        if server.preflight_max_age > cap:
            out.append(f"Access-Control-Max-Age {server.preflight_max_age} is above {profile.name}'s cap of {cap} s: "
                       f"{profile.name} keeps the preflight {cap} s.")  # fmt: skip
    if spec.authorization and server.allow_headers == "wildcard":
        out.append("Access-Control-Allow-Headers: * does not cover Authorization (Fetch makes it a non-wildcard "
                   "name; some browsers still accept it): name Authorization.")  # fmt: skip
    if server.expose_headers == "wildcard" and spec.credentials == "include":
        out.append("Access-Control-Expose-Headers: * is a header called '*' for a request with credentials: name the "
                   "headers script reads.")  # fmt: skip
    return out
