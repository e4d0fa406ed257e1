"""The oracle: what each step of the session flow should do, derived from the rules, never from a browser.

`expect()` models the client (client/api.js), the browser (Fetch, RFC 6265bis, CHIPS and the facts of a
BrowserProfile) and the server (server/app.py) for login → me → list → create → logout, and says for every
step what script sees, what the server answered, whether the session cookie went along, and why.

Sources, cited per rule below:
- Fetch: the WHATWG Fetch Living Standard, cited by its stable anchors (https://fetch.spec.whatwg.org/#…).
- 6265bis: draft-ietf-httpbis-rfc6265bis, editor's copy of July 2026, cited by section (and step of §5.7).
- layered-cookies: draft-ietf-httpbis-layered-cookies (the __Http- and __Host-Http- prefixes).
- CHIPS: draft-cutler-httpbis-partitioned-cookies (the Partitioned attribute).
- HTML: the WHATWG HTML Standard, "same site" and "obtain a site"; the Public Suffix List through the
  `publicsuffixlist` package.
- BCD: MDN browser-compat-data http/headers/Set-Cookie.json.
- server/app.py and server/config.py: the server this suite runs.

Choices where the sources leave room (see also the docstrings):
- `stored_cookie["domain"]` is the host for a host-only cookie and "." + domain for a Domain cookie, as
  Chromium's CDP and Firefox's WebDriver BiDi both report it through Playwright (Firefox: remote/webdriver-bidi/
  modules/root/storage.sys.mjs maps `domain` to nsICookie.host, which keeps the leading dot).
- `stored_cookie["partition_key"]` is what Playwright reports: the top-level site for a partitioned cookie
  where the profile's jar reports keys (jar_reports_partition_key), else None; the reasons still name
  chips-partition-key.
- `server_status` is the status of the actual request; a preflight's 204 is not counted there.
- `authenticated` is what the server records as its user for the request (server/app.py `g.user`): a
  successful login counts (the password authenticated it), and so does a create refused with 415 after
  the session was checked.
- The size check of 6265bis §5.7 step 4 uses the value in `set_cookie` as written; the real server puts a
  43-character session id there.
- "Secure URL" is https or, where the profile's localhost_is_secure holds, a loopback host: localhost,
  *.localhost, 127.0.0.0/8 and ::1 (Secure Contexts, "potentially trustworthy origin").
"""

from __future__ import annotations

import calendar
import ipaddress
import re
import time
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from e2e.profiles import BrowserProfile, Fact
from server.config import CORS_POLICIES, ConfigError, CorsPolicy

STEPS = ("login", "me", "list", "create", "logout")
CREDENTIALS_MODES = ("omit", "same-origin", "include")
REQUEST_MODES = ("cors", "no-cors", "same-origin")
JSON = "application/json"
NO_CORS_TEXT = "text/plain;charset=UTF-8"


class OracleInputError(ValueError):
    """An input the oracle cannot model; the message says what to change."""


# ---------------------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """One statement the oracle applies: a short id, one sentence, and the section it comes from."""

    id: str
    text: str
    source: str


_F = "Fetch"
_C = "6265bis"
_SERVER = "server/app.py"

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        # Fetch: credentials and modes (cookie-rules.md 1-7)
        Rule(
            "fetch-credentials-omit",
            'credentials "omit" never includes credentials: no cookie is sent and Set-Cookie on the response is '
            "ignored, even for a same-origin URL.",
            f"{_F} #concept-request-credentials-mode; #concept-http-network-or-cache-fetch (includeCredentials)",
        ),
        Rule(
            "fetch-credentials-same-origin",
            'credentials "same-origin" includes credentials only for a same-origin URL (response tainting '
            '"basic"); a cross-origin URL, even a same-site one on another port or subdomain, gets no cookie and '
            "its Set-Cookie is ignored.",
            f"{_F} #concept-request-credentials-mode; #concept-http-network-or-cache-fetch (includeCredentials)",
        ),
        Rule(
            "fetch-credentials-include",
            'credentials "include" includes credentials for any URL: cookies go and Set-Cookie is processed as '
            "the cookie rules allow, and a cross-origin response must pass the credentialed CORS check.",
            f"{_F} #concept-request-credentials-mode; #concept-http-network-or-cache-fetch; #concept-cors-check",
        ),
        Rule(
            "fetch-same-origin",
            "A same-origin request gets a basic response: no preflight and no CORS check.",
            f"{_F} #concept-main-fetch (response tainting 'basic')",
        ),
        Rule(
            "fetch-mode-same-origin",
            'mode "same-origin" with a cross-origin URL returns a network error before any request is sent.',
            f"{_F} #concept-main-fetch",
        ),
        Rule(
            "fetch-no-cors-opaque",
            'mode "no-cors" with a cross-origin URL gives an opaque response (type "opaque", status 0) script '
            "cannot read; cookies are still sent and stored as the credentials mode says.",
            f"{_F} #concept-main-fetch (response tainting 'opaque'); #concept-filtered-response-opaque",
        ),
        Rule(
            "fetch-no-cors-headers",
            'In mode "no-cors" the Headers guard "request-no-cors" silently drops Content-Type: application/json, '
            "so a string body goes as text/plain;charset=UTF-8.",
            f"{_F} #concept-headers-guard; #no-cors-safelisted-request-header; #dom-request (extract a body)",
        ),
        Rule(
            "fetch-preflight",
            'A cross-origin "cors" request with a non-safelisted header (Content-Type: application/json) is '
            "preceded by a CORS preflight (OPTIONS).",
            f"{_F} #cors-preflight-fetch; #cors-unsafe-request-header-names; #concept-main-fetch",
        ),
        Rule(
            "fetch-preflight-no-credentials",
            "A CORS preflight is sent without credentials: it never carries a cookie.",
            f"{_F} #cors-preflight-fetch",
        ),
        Rule(
            "fetch-preflight-check",
            "The preflight response must pass the CORS check for the actual request's credentials mode, have an "
            "ok status and list content-type in Access-Control-Allow-Headers; otherwise the fetch fails and no "
            "actual request is sent.",
            f"{_F} #cors-preflight-fetch",
        ),
        Rule(
            "fetch-simple-request",
            "A GET, or a POST without a body, carries only safelisted headers and is not preflighted.",
            f"{_F} #cors-safelisted-method; #cors-safelisted-request-header; #concept-main-fetch",
        ),
        Rule(
            "cors-allowed",
            'The CORS check passes: Access-Control-Allow-Origin is "*" for a request without credentials or '
            'equals the Origin, and with credentials "include" Access-Control-Allow-Credentials is exactly "true".',
            f"{_F} #concept-cors-check",
        ),
        Rule(
            "cors-no-allow-origin",
            "A response without Access-Control-Allow-Origin fails the CORS check: fetch rejects with a TypeError.",
            f"{_F} #concept-cors-check",
        ),
        Rule(
            "cors-wildcard-credentials",
            'Access-Control-Allow-Origin "*" fails the CORS check when credentials are "include": it must equal '
            "the Origin.",
            f"{_F} #concept-cors-check; #cors-protocol-and-credentials",
        ),
        Rule(
            "cors-origin-mismatch",
            "An Access-Control-Allow-Origin that differs from the request's Origin fails the CORS check.",
            f"{_F} #concept-cors-check",
        ),
        Rule(
            "cors-credentials-not-allowed",
            'With credentials "include" the CORS check also needs Access-Control-Allow-Credentials: true; without '
            "it fetch rejects with a TypeError.",
            f"{_F} #concept-cors-check; #cors-protocol-and-credentials",
        ),
        Rule(
            "fetch-set-cookie-despite-cors-failure",
            "Set-Cookie on a credentialed response is processed before the CORS check, so the cookie is stored "
            "although script sees only a network error.",
            f"{_F} #http-network-fetch (cookies stored when includeCredentials), #cors-protocol-and-credentials; "
            "whatwg/fetch issue 855",
        ),
        Rule(
            "fetch-set-cookie-hidden",
            "Script never reads Set-Cookie: it is a forbidden response-header name, filtered out of every "
            "response script sees.",
            f"{_F} #forbidden-response-header-name; #concept-filtered-response-basic",
        ),
        # Sites (rule 8)
        Rule(
            "site-same",
            "The page and the API are same-site: same scheme and registrable domain (Public Suffix List; the host "
            "itself for an IP address or a public suffix such as localhost); ports never count.",
            f"{_C} §5.2 'Same-site and cross-site Requests'; HTML #same-site, #obtain-a-site",
        ),
        Rule(
            "site-cross",
            "The page and the API are cross-site: their registrable domains (or hosts) differ, so every fetch "
            "from the page is a cross-site request in a third-party context.",
            f"{_C} §5.2 'Same-site and cross-site Requests'; HTML #same-site, #obtain-a-site",
        ),
        Rule(
            "site-schemeful",
            "Same-site compares schemes where the profile has schemeful same-site (http and https of one "
            "registrable domain are cross-site), and ignores them where it does not.",
            "HTML #same-site vs #schemelessly-same-site; BCD Set-Cookie.json SameSite.schemeful",
        ),
        # Retrieval (rules 9, 13, 15, 16, 19)
        Rule(
            "cookie-jar-empty",
            "The jar holds no session cookie, so none can be sent or read.",
            f"{_C} §5.8.3 Retrieval Algorithm",
        ),
        Rule(
            "cookie-host-only",
            "A cookie without a Domain attribute is host-only: it goes only to the host that set it (on any port).",
            f"{_C} §5.7 step 10; §5.8.3 Retrieval Algorithm",
        ),
        Rule(
            "cookie-domain-attribute",
            "Domain=D, from a host that domain-matches D, makes the cookie go to D and every subdomain of D.",
            f"{_C} §5.7 step 10; §5.1.3 Domain Matching; §5.8.3",
        ),
        Rule(
            "cookie-domain-mismatch",
            "A Domain attribute that the request host does not domain-match rejects the cookie.",
            f"{_C} §5.7 step 10; §5.1.3 Domain Matching",
        ),
        Rule(
            "cookie-domain-public-suffix",
            "A Domain attribute that is a public suffix rejects the cookie, unless it equals the host, which makes "
            "the cookie host-only.",
            f"{_C} §5.7 step 9; Public Suffix List",
        ),
        Rule(
            "cookie-path-default",
            "Without a Path attribute (or with one not starting with '/') the path is the request path's "
            "directory: '/api' for /api/login.",
            f"{_C} §5.1.4 Paths and Path-Match (default-path); §5.6.4 The Path Attribute",
        ),
        Rule(
            "cookie-path-match",
            "A cookie goes only to request paths that path-match its path, and document.cookie of the page at "
            "'/' shows only cookies with Path=/.",
            f"{_C} §5.1.4 Paths and Path-Match; §5.8.3",
        ),
        Rule(
            "cookie-secure-origin",
            "A Secure cookie is stored only from a secure URL (https, or a loopback host such as http://localhost "
            "where the profile counts it as secure).",
            f"{_C} §5.7 step 13",
        ),
        Rule(
            "cookie-secure-send",
            "A Secure cookie is sent only to, and shown by document.cookie only on, a secure URL.",
            f"{_C} §5.8.3 Retrieval Algorithm",
        ),
        Rule(
            "cookie-secure-no-overwrite",
            "A non-Secure cookie from an insecure URL may not overlay an existing Secure cookie of the same name.",
            f"{_C} §5.7 step 16",
        ),
        Rule(
            "cookie-localhost-secure",
            "This profile counts http://localhost (and other loopback hosts) as secure for cookies.",
            "Secure Contexts #potentially-trustworthy-origin; profile localhost_is_secure",
        ),
        Rule(
            "cookie-httponly",
            "An HttpOnly cookie is absent from document.cookie but still sent with requests.",
            f"{_C} §5.8.3 (retrieval type 'non-HTTP'); §5.7 step 15",
        ),
        Rule(
            "document-cookie",
            "document.cookie on the page shows the cookies that domain- and path-match the page URL ('/' on the "
            "page's host), Secure ones only on a secure page, HttpOnly ones never.",
            f"{_C} §5.8.2 Non-HTTP APIs; §5.8.3 Retrieval Algorithm",
        ),
        Rule(
            "cookie-sent",
            "The stored cookie matches the request's host, path, scheme, same-site status and partition, so it "
            "goes in the Cookie header.",
            f"{_C} §5.8.1 The Cookie Header Field; §5.8.3 Retrieval Algorithm",
        ),
        Rule(
            "samesite-cross-site-send",
            "A cross-site request from a page carries only cookies whose SameSite is None: Lax and Strict are "
            "withheld, and so is an unspecified SameSite where Lax-by-default applies.",
            f"{_C} §5.8.3 Retrieval Algorithm",
        ),
        Rule(
            "samesite-cross-site-store",
            "A cross-site response can store only cookies whose SameSite is None: Lax, Strict and, where "
            "Lax-by-default applies, unspecified are rejected.",
            f"{_C} §5.7 step 18",
        ),
        Rule(
            "samesite-lax-by-default",
            "A cookie without a valid SameSite attribute ('Default') counts as Lax where the profile has "
            "Lax-by-default, and as None where it does not.",
            f"{_C} §5.6.7 The SameSite Attribute; BCD Set-Cookie.json SameSite.Lax_default",
        ),
        Rule(
            "samesite-none-requires-secure",
            "SameSite=None without Secure is rejected (where the profile enforces it).",
            f"{_C} §5.7 step 19; BCD Set-Cookie.json SameSite.none_requires_secure",
        ),
        Rule(
            "cookie-prefix-secure",
            "A name starting with __Secure- (in any case) needs Secure, so a secure URL.",
            f"{_C} §5.4 Cookie Name Prefixes; §5.7 step 20",
        ),
        Rule(
            "cookie-prefix-host",
            "A name starting with __Host- (in any case) needs Secure, no Domain attribute (host-only) and an "
            "explicit Path=/.",
            f"{_C} §5.4 Cookie Name Prefixes; §5.7 step 21",
        ),
        Rule(
            "cookie-prefix-http",
            "A name starting with __Http- or __Host-Http- (in any case) needs Secure and HttpOnly (and the __Host- "
            "rules for the latter), where the profile enforces these prefixes.",
            "draft-ietf-httpbis-layered-cookies, 'Store a Cookie'; BCD Set-Cookie.json http_host-http_prefixes",
        ),
        Rule(
            "cookie-max-age-precedence",
            "Max-Age wins over Expires, whatever their order in the line.",
            f"{_C} §5.7 step 6",
        ),
        Rule(
            "cookie-expired",
            "A cookie with Max-Age<=0 or a past Expires is not stored, and it removes a stored cookie with the same "
            "name, domain, host-only flag, path (and partition).",
            f"{_C} §5.7 steps 23-24 and eviction of expired cookies; §5.6.2 The Max-Age Attribute; CHIPS",
        ),
        Rule(
            "cookie-deletion-mismatch",
            "A deletion whose name, domain, host-only flag, path or partition differs from the stored cookie's "
            "leaves that cookie in the jar.",
            f"{_C} §5.7 step 23; CHIPS (partition key in the cookie's identity)",
        ),
        Rule(
            "cookie-size-limit",
            "A cookie whose name plus value exceed 4096 bytes is rejected.",
            f"{_C} §5.6 parsing step 5; §5.7 step 4",
        ),
        Rule(
            "cookie-lifetime-cap",
            "A Max-Age or Expires further than 400 days away is cut to 400 days.",
            f"{_C} §5.5 Cookie Lifetime Limits",
        ),
        Rule("cookie-stored", "The cookie passed every storage check and is in the jar.", f"{_C} §5.7 step 24"),
        Rule(
            "chips-partitioned-secure",
            "A Partitioned cookie without Secure is rejected.",
            "CHIPS §2.1 'The Partitioned attribute'; BCD Set-Cookie.json Partitioned",
        ),
        Rule(
            "chips-partition-key",
            "A Partitioned cookie is keyed by the top-level site (the page's site) and is sent or read only under "
            "that top-level site.",
            "CHIPS §2.2 'Cookie partition key'; BCD Set-Cookie.json Partitioned",
        ),
        Rule(
            "third-party-cookies",
            "The profile's third-party cookie policy decides unpartitioned cookies in a cross-site context: "
            "'blocked' neither stores nor sends them, 'allowed' leaves them to the other rules; Partitioned cookies "
            "are exempt where the profile's blocking spares them.",
            f"{_C} §7.1 Third-Party Cookies, §7.2 Cookie Policy; profile third_party_cookies",
        ),
        # The server (server/app.py, server/config.py)
        Rule(
            "server-login",
            "POST /api/login with a JSON body and the right password answers 200 with the Set-Cookie line.",
            f"{_SERVER} login, issue_cookie",
        ),
        Rule(
            "server-json-required",
            "A body whose Content-Type is not application/json is answered 415 (login, and create after the "
            "session check).",
            f"{_SERVER} _json_body",
        ),
        Rule(
            "server-secure-needs-tls",
            "With secure_cookie_needs_tls, a Secure cookie is not sent at all on a request the server believes "
            "insecure (express-session).",
            f"{_SERVER} issue_cookie, is_secure",
        ),
        Rule(
            "server-trust-proxy",
            "With trust_proxy the server believes X-Forwarded-Proto: https, so the request counts as secure.",
            f"{_SERVER} is_secure",
        ),
        Rule(
            "server-session-valid",
            "A request whose first session cookie holds a live session id is authenticated.",
            f"{_SERVER} current_sid (the first value of a repeated name wins)",
        ),
        Rule(
            "server-session-required",
            "/api/me, /api/resources and POST /api/resources answer 401 without a valid session cookie.",
            f"{_SERVER} require_user",
        ),
        Rule(
            "server-create",
            "POST /api/resources with a valid session and a JSON body answers 201.",
            f"{_SERVER} create_resource",
        ),
        Rule(
            "server-logout",
            "POST /api/logout answers 200 with the deletion line for a valid session, 401 with the deletion line "
            "for a cookie that is not, and 401 without Set-Cookie when no cookie came.",
            f"{_SERVER} logout; server/config.py CookieConfig.delete_cookie",
        ),
        Rule(
            "server-cors-policy",
            "Every /api response, errors too, carries the policy's CORS headers: none; ACAO '*'; ACAO=Origin "
            "without ACAC; ACAO=Origin and ACAC for an allowlisted Origin; ACAO=Origin and ACAC for any Origin.",
            "server/config.py CorsPolicy.headers; server/app.py finish",
        ),
        Rule(
            "server-preflight",
            "A preflight is answered 204, with Allow-Methods 'GET, POST' and Allow-Headers 'Content-Type' only when "
            "the policy gives that Origin an Access-Control-Allow-Origin.",
            f"{_SERVER} preflight",
        ),
    )
}


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class StepExpectation:
    """What one step should do, seen from script, the server and the jar, with the rules behind it."""

    fetch: str  # "resolved" | "opaque" | "network_error" | "rejected" (refused before any request)
    status: int | None  # status script sees: HTTP status if resolved, 0 if opaque, None otherwise
    server_status: int | None  # status of the actual request (None if it never reached the server)
    preflight: bool  # a CORS preflight was sent (it never carries cookies)
    cookie_sent: bool  # the request carried the session cookie
    authenticated: bool  # the server recorded a user for the request
    cookie_stored: bool  # the session cookie is in the jar after the step
    reasons: tuple[str, ...]  # rule ids, the chain behind the outcome, in order

    def to_json(self) -> dict:
        return {
            "fetch": self.fetch,
            "status": self.status,
            "cookie_stored": self.cookie_stored,
            "cookie_sent": self.cookie_sent,
            "authenticated": self.authenticated,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class FlowExpectation:
    """The whole flow: each step, what script sees of the cookie, and the jar's view of it after login."""

    steps: dict[str, StepExpectation]  # "login", "me", "list", "create", "logout", in that order
    js_visible: bool  # document.cookie on the page shows the session cookie after login
    stored_cookie: dict | None  # domain, path, secure, httpOnly, partition_key as Playwright reports them
    deviations: tuple[str, ...] = ()  # profile deviations (profiles.Deviation ids) that changed this expectation
    js_reasons: tuple[str, ...] = ()  # the rule chain behind js_visible

    def to_json(self) -> dict:
        return {**{name: step.to_json() for name, step in self.steps.items()}, "js_visible": self.js_visible}

    def outcome(self) -> tuple:
        """Everything observable, without the reasons: two flows with equal outcomes look the same."""
        steps = tuple((n, replace(s, reasons=())) for n, s in self.steps.items())
        return steps, self.js_visible, tuple(sorted((self.stored_cookie or {}).items()))


# ---------------------------------------------------------------------------------------------- origins and sites


@dataclass(frozen=True)
class Origin:
    """A tuple origin: scheme, canonical host, port."""

    scheme: str
    host: str
    port: int

    def serialized(self) -> str:
        default = {"http": 80, "https": 443}[self.scheme]
        return f"{self.scheme}://{self.host}" + ("" if self.port == default else f":{self.port}")


_ORIGIN = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:?#\[\]]+)"
    r"(?::(?P<port>[0-9]+))?(?P<rest>.*)$"
)
_HOST_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$")


def parse_origin(value: str, what: str) -> Origin:
    """A serialized origin such as 'https://app.site-a.test:8443', or an OracleInputError saying what to write."""
    hint = f"write {what} as scheme://host[:port], e.g. 'https://app.site-a.test:8443' or 'http://localhost:8080'"
    m = _ORIGIN.match(value) if isinstance(value, str) else None
    if not m:
        raise OracleInputError(f"{what} {value!r} is not a serialized origin; {hint}")
    scheme, host, port, rest = m["scheme"].lower(), m["host"].lower(), m["port"], m["rest"]
    if scheme not in ("http", "https"):
        raise OracleInputError(f"{what} {value!r} has scheme {scheme!r}; the suite serves only http and https: {hint}")
    if rest:
        raise OracleInputError(f"{what} {value!r} has {rest!r} after the host and port; an origin has no path: {hint}")
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise OracleInputError(f"{what} {value!r} has an invalid IPv6 address; {hint}") from None
    elif not _is_ip(host) and not all(label and _HOST_LABEL.match(label) for label in host.split(".")):
        raise OracleInputError(
            f"{what} {value!r} has an invalid host {host!r} (ASCII letters, digits, '-' and '.'); {hint}"
        )
    number = int(port) if port else {"http": 80, "https": 443}[scheme]
    if not 0 < number < 65536:
        raise OracleInputError(f"{what} {value!r} has port {number}, outside 1-65535; {hint}")
    return Origin(scheme, host, number)


@cache  # a run has a handful of hosts; the rules ask about them thousands of times
def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _psl():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()  # the list the package ships, ICANN and private sections, like the browsers


def is_public_suffix(domain: str) -> bool:
    """Whether `domain` is a public suffix (6265bis §5.7 step 9); never true of an IP address."""
    return not _is_ip(domain) and bool(_psl().is_public(domain))


@cache
def registrable_domain(host: str) -> str:
    """HTML 'obtain a site' host part: the registrable domain from the PSL, or the host itself (IPs, public suffixes)."""
    if _is_ip(host):
        return host
    return _psl().privatesuffix(host) or host


def same_site(a: Origin, b: Origin, schemeful: bool) -> bool:
    """HTML 'same site' (schemeful) or 'schemelessly same site' of two origins."""
    return registrable_domain(a.host) == registrable_domain(b.host) and (not schemeful or a.scheme == b.scheme)


def site_of(origin: Origin) -> str:
    """A site serialized as the partition keys are: 'https://site-a.test'."""
    return f"{origin.scheme}://{registrable_domain(origin.host)}"


def is_loopback(host: str) -> bool:
    """localhost, *.localhost, 127.0.0.0/8 or ::1 (Secure Contexts, 'potentially trustworthy origin')."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    return _is_ip(host) and ipaddress.ip_address(host.strip("[]")).is_loopback


def is_secure_url(origin: Origin, profile: BrowserProfile) -> bool:
    """Whether a URL on `origin` 'denotes a secure connection' for cookies (6265bis §5.7 step 13, §5.8.3)."""
    return origin.scheme == "https" or (profile.localhost_is_secure.value and is_loopback(origin.host))


def domain_match(string: str, domain: str) -> bool:
    """6265bis §5.1.3 Domain Matching."""
    return string == domain or (string.endswith("." + domain) and not _is_ip(string))


def path_match(request_path: str, cookie_path: str) -> bool:
    """6265bis §5.1.4 path-match."""
    if request_path == cookie_path:
        return True
    return request_path.startswith(cookie_path) and (cookie_path.endswith("/") or request_path[len(cookie_path)] == "/")


def default_path(request_path: str) -> str:
    """6265bis §5.1.4 default-path: the request path up to its right-most '/'."""
    if not request_path.startswith("/") or request_path.count("/") <= 1:
        return "/"
    return request_path[: request_path.rindex("/")]


# ---------------------------------------------------------------------------------------------- Set-Cookie parsing

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_CTL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_MAX_ATTRIBUTE = 1024
_MAX_NAME_VALUE = 4096
LIFETIME_CAP = 400 * 24 * 3600  # 6265bis §5.5
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE_DELIMITER = re.compile(r"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")


def parse_cookie_date(text: str) -> float | None:
    """6265bis §5.1.1: a cookie-date as seconds since the epoch, or None when it fails to parse."""
    time_, day, month, year = None, None, None, None
    for token in filter(None, _DATE_DELIMITER.split(text)):
        if time_ is None and (m := re.match(r"^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D.*)?$", token)):
            time_ = tuple(int(g) for g in m.groups())
        elif day is None and (m := re.match(r"^(\d{1,2})(?:\D.*)?$", token)):
            day = int(m[1])
        elif month is None and token[:3].lower() in _MONTHS:
            month = _MONTHS.index(token[:3].lower()) + 1
        elif year is None and (m := re.match(r"^(\d{2,4})(?:\D.*)?$", token)):
            year = int(m[1])
    if None in (time_, day, month, year):
        return None
    year += 1900 if 70 <= year <= 99 else 2000 if year <= 69 else 0
    hour, minute, second = time_
    if not 1 <= day <= 31 or year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    if day > calendar.monthrange(year, month)[1]:
        return None
    return float(calendar.timegm((year, month, day, hour, minute, second)))


@dataclass(frozen=True)
class SetCookie:
    """A set-cookie-string parsed by 6265bis §5.6: name, value and the recognised attributes in order."""

    line: str
    name: str
    value: str
    attributes: tuple[tuple[str, str], ...]  # (lower-case attribute name, processed value), in line order
    raw: tuple[tuple[str, str], ...]  # (attribute name as written, value as written), recognised ones only

    def last(self, attribute: str) -> str | None:
        """The value of the last attribute with this name (6265bis §5.7: 'the last attribute ... with that name')."""
        values = [v for a, v in self.attributes if a == attribute]
        return values[-1] if values else None

    def has(self, attribute: str) -> bool:
        return any(a == attribute for a, _ in self.attributes)

    def with_value(self, value: str) -> SetCookie:
        return replace(self, value=value)


_KNOWN_ATTRIBUTES = ("expires", "max-age", "domain", "path", "secure", "httponly", "samesite", "partitioned")


def _process_attribute(name: str, value: str) -> str | None:
    """6265bis §5.6.1-§5.6.7 (and CHIPS): the attribute's processed value, or None when the cookie-av is ignored."""
    if name == "expires":
        return value if parse_cookie_date(value) is not None else None
    if name == "max-age":
        return value if re.fullmatch(r"-?[0-9]+", value) else None
    if name == "domain":
        return value[1:].lower() if value.startswith(".") else value.lower()
    if name == "path":
        return value if value.startswith("/") else ""  # "": use the default-path
    if name == "samesite":
        return {"none": "None", "strict": "Strict", "lax": "Lax"}.get(value.lower(), "Default")
    return ""


def parse_set_cookie(line: str, what: str = "set_cookie") -> SetCookie:
    """Parse a Set-Cookie value the server could send, or raise OracleInputError saying what to change."""
    example = "e.g. 'sid=X; Path=/; Secure; HttpOnly; SameSite=None'"
    if not isinstance(line, str) or not line.strip():
        raise OracleInputError(f"{what} is empty; give the Set-Cookie line the server sends, {example}")
    if line.lower().startswith("set-cookie:"):
        raise OracleInputError(f"{what} {line!r} starts with the header name; give only its value, {example}")
    if _CTL.search(line):
        raise OracleInputError(
            f"{what} {line!r} holds a control character or line break, which no header can carry; remove it"
        )
    pair, _, rest = line.partition(";")
    if "=" not in pair:
        raise OracleInputError(
            f"{what} {line!r} does not start with NAME=VALUE; the server always sends a name, {example}"
        )
    name, _, value = pair.partition("=")
    name, value = name.strip(" \t"), value.strip(" \t")
    if not _TOKEN.match(name):
        raise OracleInputError(
            f"{what} {line!r}: cookie name {name!r} is not an HTTP token, so the server "
            f"(server.config.CookieConfig) cannot send it; use letters, digits and !#$%&'*+-.^_`|~"
        )
    attributes, raw = [], []
    for av in rest.split(";") if rest else []:
        attr, _, attr_value = av.partition("=")
        attr, attr_value = attr.strip(" \t"), attr_value.strip(" \t")
        if len(attr_value.encode()) > _MAX_ATTRIBUTE or attr.lower() not in _KNOWN_ATTRIBUTES:
            continue  # §5.6 step 6, and unrecognised attribute names are ignored
        processed = _process_attribute(attr.lower(), attr_value)
        if processed is not None:
            attributes.append((attr.lower(), processed))
            raw.append((attr, attr_value))
    return SetCookie(line, name, value, tuple(attributes), tuple(raw))


def deletion_line(login: SetCookie) -> str:
    """What server.config.CookieConfig.delete_cookie sends for the cookie `login` set."""
    wanted = ("path", "domain", "secure", "httponly", "samesite", "partitioned")
    written = {a.lower(): (a, v) for a, v in login.raw}  # the last of each, as the server has one of each
    parts = [f"{login.name}=", "Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"]
    for key in wanted:
        if key in written:
            a, v = written[key]
            parts.append(f"{a}={v}" if key in ("path", "domain", "samesite") else a)
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------- the cookie jar


@dataclass(frozen=True)
class Cookie:
    """A stored cookie (6265bis §5.7 fields, plus its CHIPS partition key)."""

    name: str
    value: str
    domain: str
    host_only: bool
    path: str
    secure: bool
    http_only: bool
    same_site: str  # "None" | "Lax" | "Strict" | "Default"
    partition_key: str | None
    creation: int

    def identity(self) -> tuple:
        return self.name, self.domain, self.host_only, self.path, self.partition_key


@dataclass(frozen=True)
class Context:
    """Everything the browser knows about the fetches of one flow."""

    page: Origin
    api: Origin
    profile: BrowserProfile

    @property
    def same_origin(self) -> bool:
        return self.page == self.api

    @property
    def same_site(self) -> bool:
        return same_site(self.page, self.api, self.profile.schemeful_same_site.value)

    @property
    def top_level_site(self) -> str:
        return site_of(self.page)

    def samesite_effective(self, flag: str) -> str:
        """'Default' counts as Lax under Lax-by-default, as None otherwise (6265bis §5.6.7; BCD Lax_default)."""
        if flag != "Default":
            return flag
        return "Lax" if self.profile.lax_by_default.value else "None"

    def partitioned(self, sc: SetCookie) -> bool:
        return sc.has("partitioned") and bool(self.profile.partitioned_cookies.value)

    def third_party_blocked(self, partition_key: str | None) -> bool:
        """A cookie in a cross-site context where the profile blocks third-party cookies (and, per profile, partitioned ones)."""
        if self.same_site or self.profile.third_party_cookies.value != "blocked":
            return False
        return partition_key is None or not self.profile.blocking_spares_partitioned.value


def _prefix_checks(
    name: str, *, secure: bool, host_only: bool, path_attr: bool, path: str, http_only: bool, profile: BrowserProfile
) -> list[str]:
    """Rule ids of the name-prefix requirements the cookie breaks (6265bis §5.7 steps 20-21; layered-cookies)."""
    lowered, broken = name.lower(), []
    host_ok = secure and host_only and path_attr and path == "/"
    if lowered.startswith("__secure-") and not secure:
        broken.append("cookie-prefix-secure")
    if lowered.startswith("__host-") and not host_ok:
        broken.append("cookie-prefix-host")
    if profile.http_prefixes.value and (lowered.startswith("__http-") or lowered.startswith("__host-http-")):
        if not (secure and http_only):
            broken.append("cookie-prefix-http")
    return broken


def store(
    jar: tuple[Cookie, ...], sc: SetCookie, path: str, ctx: Context, now: float, creation: int
) -> tuple[tuple[Cookie, ...], list[str]]:
    """6265bis §5.7 (with CHIPS and the profile's policy): the new jar, and every rule that decided, in spec order."""
    host, reasons, broken = ctx.api.host, [], []
    if len((sc.name + sc.value).encode()) > _MAX_NAME_VALUE:
        return jar, ["cookie-size-limit"]
    # step 6: expiry
    max_age, expires = sc.last("max-age"), sc.last("expires")
    if max_age is not None:
        seconds = int(max_age)
        expiry = -float("inf") if seconds <= 0 else now + min(seconds, LIFETIME_CAP)
        if expires is not None:
            reasons.append("cookie-max-age-precedence")
        if seconds > LIFETIME_CAP:
            reasons.append("cookie-lifetime-cap")
    elif expires is not None:
        expiry = parse_cookie_date(expires)
        if expiry > now + LIFETIME_CAP:
            reasons.append("cookie-lifetime-cap")
    else:
        expiry = None
    # steps 7-10: domain
    domain_attr = sc.last("domain") or ""
    if domain_attr and not domain_attr.isascii():
        broken.append("cookie-domain-mismatch")
    elif domain_attr and is_public_suffix(domain_attr):
        if domain_attr == host:
            domain_attr = ""
        else:
            broken.append("cookie-domain-public-suffix")
    if domain_attr and not broken:
        if domain_match(host, domain_attr) and not _is_ip(host):
            reasons.append("cookie-domain-attribute")
        elif domain_attr != host:
            broken.append("cookie-domain-mismatch")
        else:
            domain_attr = ""  # an IP address naming itself: host-only, as Chromium stores it
    host_only = not domain_attr
    # step 11: path
    path_attr = sc.last("path")
    cookie_path = path_attr or default_path(path)
    if not path_attr:
        reasons.append("cookie-path-default")
    # steps 12-13, 16: Secure
    secure, secure_url = sc.has("secure"), is_secure_url(ctx.api, ctx.profile)
    if secure and not secure_url:
        broken.append("cookie-secure-origin")
    elif secure and ctx.api.scheme != "https":
        reasons.append("cookie-localhost-secure")
    if (
        not secure
        and not secure_url
        and any(
            c.name == sc.name
            and c.secure
            and (domain_match(c.domain, domain_attr or host) or domain_match(domain_attr or host, c.domain))
            and path_match(cookie_path, c.path)
            for c in jar
        )
    ):
        broken.append("cookie-secure-no-overwrite")
    http_only = sc.has("httponly")
    # steps 17-19: SameSite
    flag = sc.last("samesite") or "Default"
    if not ctx.same_site:
        if flag == "Default":
            reasons.append("samesite-lax-by-default")
        (broken if ctx.samesite_effective(flag) != "None" else reasons).append("samesite-cross-site-store")
    if flag == "None" and not secure and ctx.profile.none_requires_secure.value:
        broken.append("samesite-none-requires-secure")
    # steps 20-22: prefixes
    broken += _prefix_checks(
        sc.name,
        secure=secure,
        host_only=host_only,
        path_attr=bool(path_attr),
        path=cookie_path,
        http_only=http_only,
        profile=ctx.profile,
    )
    # CHIPS and the third-party cookie policy
    partition_key = None
    if ctx.partitioned(sc):
        if not secure:
            broken.append("chips-partitioned-secure")
        partition_key = ctx.top_level_site
        reasons.append("chips-partition-key")
    if not ctx.same_site:
        (broken if ctx.third_party_blocked(partition_key) else reasons).append("third-party-cookies")
    if broken:
        return jar, _dedupe(reasons + broken)
    # steps 23-24
    cookie = Cookie(
        sc.name, sc.value, domain_attr or host, host_only, cookie_path, secure, http_only, flag, partition_key, creation
    )
    kept = tuple(c for c in jar if c.identity() != cookie.identity())
    if expiry is not None and expiry <= now:
        same_name_left = any(c.name == sc.name for c in kept)
        return kept, reasons + ["cookie-expired"] + (["cookie-deletion-mismatch"] if same_name_left else [])
    return kept + (cookie,), reasons + ["cookie-stored"]


def retrieve(
    jar: tuple[Cookie, ...], name: str, request: Origin, path: str, ctx: Context, *, http: bool = True
) -> tuple[tuple[Cookie, ...], list[str]]:
    """6265bis §5.8.3 for cookies called `name`: those that go, sorted, and why (http=False: document.cookie)."""
    candidates = [c for c in jar if c.name == name]
    if not candidates:
        return (), ["cookie-jar-empty"]
    cross_site = http and not ctx.same_site
    sent, reasons = [], []
    for c in candidates:
        failed = []
        if not (request.host == c.domain if c.host_only else domain_match(request.host, c.domain)):
            failed.append("cookie-host-only" if c.host_only else "cookie-domain-attribute")
        if not path_match(path, c.path):
            failed.append("cookie-path-match")
        if c.secure and not is_secure_url(request, ctx.profile):
            failed.append("cookie-secure-send")
        if not http and c.http_only:
            failed.append("cookie-httponly")
        if cross_site:
            if ctx.samesite_effective(c.same_site) != "None":
                failed.append("samesite-cross-site-send")
            if ctx.third_party_blocked(c.partition_key):
                failed.append("third-party-cookies")
        if c.partition_key is not None and c.partition_key != ctx.top_level_site:
            failed.append("chips-partition-key")
        if failed:
            reasons += failed
            continue
        sent.append(c)
        if cross_site:
            reasons += ["samesite-cross-site-send"] + (
                ["chips-partition-key"] if c.partition_key else ["third-party-cookies"]
            )
        reasons.append("cookie-sent")
    sent.sort(key=lambda c: (-len(c.path), c.creation))
    return tuple(sent), _dedupe(reasons)


def _dedupe(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


# ---------------------------------------------------------------------------------------------- CORS


def cors_check(headers: dict[str, str], origin: str, credentials: str) -> tuple[bool, str]:
    """Fetch #concept-cors-check: whether the response passes, and the rule that decided."""
    acao = headers.get("Access-Control-Allow-Origin")
    if acao is None:
        return False, "cors-no-allow-origin"
    if acao == "*" and credentials != "include":
        return True, "cors-allowed"
    if acao != origin:
        return False, "cors-wildcard-credentials" if acao == "*" else "cors-origin-mismatch"
    if credentials != "include":
        return True, "cors-allowed"
    if headers.get("Access-Control-Allow-Credentials") != "true":
        return False, "cors-credentials-not-allowed"
    return True, "cors-allowed"


def preflight_headers(policy: CorsPolicy, origin: str) -> dict[str, str]:
    """What server/app.py preflight() answers to OPTIONS with Access-Control-Request-Method."""
    headers = dict(policy.headers(origin))
    if "Access-Control-Allow-Origin" in headers:
        headers.update(
            {
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "0",
            }
        )
    return headers


def preflight_check(headers: dict[str, str], origin: str, credentials: str) -> tuple[bool, str]:
    """Fetch #cors-preflight-fetch for a POST with Content-Type: 204 is ok; the CORS check and the header list decide."""
    ok, rule = cors_check(headers, origin, credentials)
    if not ok:
        return ok, rule
    allowed = [h.strip().lower() for h in headers.get("Access-Control-Allow-Headers", "").split(",")]
    if "content-type" in allowed or ("*" in allowed and credentials != "include"):
        return True, rule
    return False, "fetch-preflight-check"


# ---------------------------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class ServerAnswer:
    status: int
    set_cookie: SetCookie | None
    user: bool
    sessions: frozenset[str]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Server:
    """server/app.py for one case: the login and logout lines and how it judges the request's scheme."""

    login_cookie: SetCookie
    logout_cookie: SetCookie
    believes_secure: bool
    needs_tls: bool
    trusts_proxy: bool

    def answer(
        self, step: str, content_type: str | None, sent: tuple[Cookie, ...], sessions: frozenset[str], new_sid: str
    ) -> ServerAnswer:
        """The status, Set-Cookie and authenticated user of one step (server/app.py, route by route)."""
        ids = [c.value for c in sent]
        sid = ids[0] if ids and ids[0] in sessions else None
        valid = ("server-session-valid",) if sid else ()
        if step == "login":
            if content_type != JSON:
                return ServerAnswer(415, None, False, sessions, ("server-json-required",))
            sessions = (sessions - {sid}) | {new_sid}
            if self.login_cookie.has("secure") and self.needs_tls and not self.believes_secure:
                return ServerAnswer(200, None, True, sessions, ("server-login", "server-secure-needs-tls"))
            proxy = ("server-trust-proxy",) if self.needs_tls and self.trusts_proxy and self.believes_secure else ()
            return ServerAnswer(200, self.login_cookie.with_value(new_sid), True, sessions, ("server-login",) + proxy)
        if step in ("me", "list"):
            if not sid:
                return ServerAnswer(401, None, False, sessions, ("server-session-required",))
            return ServerAnswer(200, None, True, sessions, valid)
        if step == "create":
            if not sid:
                return ServerAnswer(401, None, False, sessions, ("server-session-required",))
            if content_type != JSON:
                return ServerAnswer(415, None, True, sessions, valid + ("server-json-required",))
            return ServerAnswer(201, None, True, sessions, valid + ("server-create",))
        # logout
        deletion = self.logout_cookie if ids else None
        return ServerAnswer(200 if sid else 401, deletion, bool(sid), sessions - {sid}, valid + ("server-logout",))


# ---------------------------------------------------------------------------------------------- the flow

# Each step's request as client/api.js makes it: method, path, and whether it has a JSON body.
REQUESTS = {
    "login": ("POST", "/api/login", True),
    "me": ("GET", "/api/me", False),
    "list": ("GET", "/api/resources", False),
    "create": ("POST", "/api/resources", True),
    "logout": ("POST", "/api/logout", False),
}


@dataclass(frozen=True)
class Case:
    """The validated inputs of one flow."""

    ctx: Context
    credentials: str
    mode: str
    policy: CorsPolicy
    server: Server
    now: float

    @property
    def origin_header(self) -> str:
        return self.ctx.page.serialized()


@dataclass
class _State:
    """The jar and the server's sessions between steps."""

    jar: tuple[Cookie, ...] = ()
    sessions: frozenset[str] = frozenset()
    counter: int = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter


def _credentials_rule(case: Case) -> tuple[bool, str]:
    """Fetch includeCredentials (#concept-http-network-or-cache-fetch) and the rule behind it."""
    if case.credentials == "omit":
        return False, "fetch-credentials-omit"
    if case.credentials == "same-origin":
        return case.ctx.same_origin, "fetch-credentials-same-origin"
    return True, "fetch-credentials-include"


def _step(case: Case, name: str, state: _State) -> StepExpectation:
    """One fetch from the page and what follows from it; updates `state`."""
    ctx, (_, path, has_body) = case.ctx, REQUESTS[name]
    cookie_name = case.server.login_cookie.name
    reasons: list[str] = []

    def stored() -> bool:
        return any(c.name == cookie_name for c in state.jar)

    if not ctx.same_origin:
        reasons.append("site-same" if ctx.same_site else "site-cross")
        if ctx.page.scheme != ctx.api.scheme and registrable_domain(ctx.page.host) == registrable_domain(ctx.api.host):
            reasons.append("site-schemeful")
    else:
        reasons.append("fetch-same-origin")
    if case.mode == "same-origin" and not ctx.same_origin:
        return StepExpectation(
            "rejected", None, None, False, False, False, stored(), tuple(reasons + ["fetch-mode-same-origin"])
        )
    content_type = None
    if has_body:
        content_type = NO_CORS_TEXT if case.mode == "no-cors" else JSON
        if case.mode == "no-cors":
            reasons.append("fetch-no-cors-headers")
    include, rule = _credentials_rule(case)
    reasons.append(rule)
    cors_mode = case.mode == "cors" and not ctx.same_origin
    preflight = cors_mode and content_type == JSON
    if preflight:
        reasons += ["fetch-preflight", "fetch-preflight-no-credentials", "server-preflight"]
        ok, why = preflight_check(
            preflight_headers(case.policy, case.origin_header), case.origin_header, case.credentials
        )
        reasons.append(why)
        if not ok:
            return StepExpectation(
                "network_error", None, None, True, False, False, stored(), tuple(reasons + ["fetch-preflight-check"])
            )
    elif cors_mode:
        reasons.append("fetch-simple-request")
    sent: tuple[Cookie, ...] = ()
    if include:
        sent, why = retrieve(state.jar, cookie_name, ctx.api, path, ctx)
        reasons += why
    answer = case.server.answer(name, content_type, sent, state.sessions, f"session-{state.next()}")
    state.sessions = answer.sessions
    reasons += answer.reasons
    # the response: what script sees
    if ctx.same_origin:
        fetch, status = "resolved", answer.status
    elif case.mode == "no-cors":
        fetch, status = "opaque", 0
        reasons.append("fetch-no-cors-opaque")
    else:
        reasons.append("server-cors-policy")
        ok, why = cors_check(case.policy.headers(case.origin_header), case.origin_header, case.credentials)
        reasons.append(why)
        fetch, status = ("resolved", answer.status) if ok else ("network_error", None)
    # Set-Cookie: processed by the network layer whenever credentials are included
    if answer.set_cookie is not None and include:
        if fetch == "network_error":
            reasons.append("fetch-set-cookie-despite-cors-failure")
        state.jar, why = store(state.jar, answer.set_cookie, path, ctx, case.now, state.next())
        reasons += why
        if fetch == "resolved":
            reasons.append("fetch-set-cookie-hidden")
    return StepExpectation(
        fetch, status, answer.status, preflight, bool(sent), answer.user, stored(), tuple(_dedupe(reasons))
    )


def _document_cookie(case: Case, jar: tuple[Cookie, ...]) -> tuple[bool, tuple[str, ...]]:
    """Whether document.cookie on the page (its '/') shows the session cookie, and why."""
    shown, why = retrieve(jar, case.server.login_cookie.name, case.ctx.page, "/", case.ctx, http=False)
    return bool(shown), tuple(_dedupe(["document-cookie"] + [r for r in why if r != "cookie-sent"]))


def _jar_view(case: Case, jar: tuple[Cookie, ...]) -> dict | None:
    """The session cookie as Playwright's context.cookies() reports it (see the module docstring)."""
    cookies = [c for c in jar if c.name == case.server.login_cookie.name]
    if not cookies:
        return None
    c = cookies[-1]
    reports_key = case.ctx.profile.jar_reports_partition_key.value
    return {
        "domain": c.domain if c.host_only else "." + c.domain,
        "path": c.path,
        "secure": c.secure,
        "httpOnly": c.http_only,
        "partition_key": c.partition_key if reports_key else None,
    }


def _run(case: Case) -> FlowExpectation:
    state, steps, visible, js_reasons, jar_view = _State(), {}, False, (), None
    for name in STEPS:
        steps[name] = _step(case, name, state)
        if name == "login":
            visible, js_reasons = _document_cookie(case, state.jar)
            jar_view = _jar_view(case, state.jar)
    return FlowExpectation(steps, visible, jar_view, (), js_reasons)


def _with_spec_value(profile: BrowserProfile, fact: str, value) -> BrowserProfile:
    return replace(profile, **{fact: Fact(value, "the specification's value"), "deviations": ()})


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise OracleInputError(f"{what} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
    return value


def expect(
    *,
    page: str,
    api: str,
    credentials: str,
    mode: str,
    set_cookie: str,
    cors: str,
    profile: BrowserProfile,
    allowlist: tuple[str, ...] | None = None,
    logout_set_cookie: str | None = None,
    secure_cookie_needs_tls: bool = False,
    trust_proxy: bool = False,
    forwarded_https: bool = False,
    now: float | None = None,
) -> FlowExpectation:
    """The expected login → me → list → create → logout from `page` against `api` (`now` judges Expires dates).

    `forwarded_https` means the API is reached through a TLS-terminating proxy (the server sees http and
    X-Forwarded-Proto: https), as the suite's nginx origin is; the server believes https only with `trust_proxy`.
    """
    page_origin, api_origin = parse_origin(page, "page"), parse_origin(api, "api")
    _choice(credentials, CREDENTIALS_MODES, "credentials")
    _choice(mode, REQUEST_MODES, "mode")
    _choice(cors, CORS_POLICIES, "cors")
    try:
        policy = CorsPolicy(
            cors,
            tuple(allowlist if allowlist is not None else (page_origin.serialized(),)) if cors == "allowlist" else (),
        )
    except ConfigError as e:
        raise OracleInputError(str(e)) from None
    login = parse_set_cookie(set_cookie)
    logout = parse_set_cookie(
        logout_set_cookie if logout_set_cookie is not None else deletion_line(login), "logout_set_cookie"
    )
    # forwarded_https: TLS ended at a proxy that sent X-Forwarded-Proto: https, so the server itself saw plain http
    believes_secure = (trust_proxy and forwarded_https) or (api_origin.scheme == "https" and not forwarded_https)
    server = Server(login, logout, believes_secure, secure_cookie_needs_tls, trust_proxy)
    clock = time.time() if now is None else now

    def run(p: BrowserProfile) -> FlowExpectation:
        return _run(Case(Context(page_origin, api_origin, p), credentials, mode, policy, server, clock))

    flow = run(profile)
    changed = tuple(
        d.id
        for d in profile.deviations
        if profile.deviates(d) and run(_with_spec_value(profile, d.fact, d.spec_value)).outcome() != flow.outcome()
    )
    return replace(flow, deviations=changed)


__all__ = [
    "RULES",
    "Rule",
    "StepExpectation",
    "FlowExpectation",
    "OracleInputError",
    "expect",
    "STEPS",
    "parse_set_cookie",
    "parse_origin",
    "registrable_domain",
    "same_site",
]
