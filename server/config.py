"""How the session cookie is issued and which CORS policy answers: configuration, not code. The names of the choices
(CORS policies, SameSite values, CSRF defences) come from the project's one vocabulary, e2e/oracle/vocabulary.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from e2e.oracle.vocabulary import (
    ALLOW_HEADERS,
    CORS_POLICIES,
    CSRF_DEFENCES,
    EXPOSE_HEADERS,
    IDP_RETURNS,
    REDIRECT_STATUSES,
    SAMESITE_VALUES,
)

# RFC 6265bis "Syntax": cookie-name is an HTTP token.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# RFC 6265bis: attribute values are printable US-ASCII without ';' (no CTLs, which would also break the header).
_ATTRIBUTE_VALUE = re.compile(r"[\x20-\x3a\x3c-\x7e]*")
FAULTS = (None, "error_500", "hang")


class ConfigError(ValueError):
    """A configuration that cannot be issued; the message says what to change."""


@dataclass(frozen=True)
class CookieConfig:
    """The session cookie's name and attributes, as express-session's `cookie` options."""

    name: str = "sid"
    samesite: str | None = None  # None: attribute omitted (Flask's and express-session's default)
    secure: bool = False
    httponly: bool = True
    partitioned: bool = False
    domain: str | None = None
    path: str | None = "/"  # None: attribute omitted, so the browser uses the default-path
    max_age: int | None = None  # seconds; None: a session cookie
    expires: str | None = None  # an HTTP-date, written as given

    def __post_init__(self) -> None:
        if not _TOKEN.fullmatch(self.name):  # not .match: "$" also matches before a trailing newline
            raise ConfigError(
                f"cookie name {self.name!r} is not an HTTP token; use letters, digits and !#$%&'*+-.^_`|~"
            )
        if self.samesite not in SAMESITE_VALUES:
            raise ConfigError(f"samesite must be one of {SAMESITE_VALUES}, not {self.samesite!r}")
        if self.path is not None and (not self.path.startswith("/") or ";" in self.path):
            raise ConfigError(
                f"path must start with '/' and hold no ';' (or be None for the default-path), not {self.path!r}"
            )
        if self.domain is not None and (not self.domain or ";" in self.domain or " " in self.domain):
            raise ConfigError(f"domain {self.domain!r} is not a host name; leave it None for a host-only cookie")
        for attribute in ("path", "domain", "expires"):
            value = getattr(self, attribute)
            if value is not None and not _ATTRIBUTE_VALUE.fullmatch(value):
                raise ConfigError(
                    f"{attribute} may hold only printable ASCII without ';' (use the A-label for a non-ASCII "
                    f"domain), not {value!r}"
                )
        if self.max_age is not None and (isinstance(self.max_age, bool) or not isinstance(self.max_age, int)):
            raise ConfigError(f"max_age must be whole seconds or None, not {self.max_age!r}")

    def _attributes(self) -> list[str]:
        parts = []
        if self.path:
            parts.append(f"Path={self.path}")
        if self.domain:
            parts.append(f"Domain={self.domain}")
        if self.secure:
            parts.append("Secure")
        if self.httponly:
            parts.append("HttpOnly")
        if self.samesite:
            parts.append(f"SameSite={self.samesite}")
        if self.partitioned:
            parts.append("Partitioned")
        return parts

    def set_cookie(self, value: str) -> str:
        """The Set-Cookie line that issues the session id."""
        parts = [f"{self.name}={value}"]
        if self.max_age is not None:
            parts.append(f"Max-Age={self.max_age}")
        if self.expires is not None:
            parts.append(f"Expires={self.expires}")
        return "; ".join(parts + self._attributes())

    def set_cookies(self, value: str) -> list[str]:
        """Every line login sends: the one that issues the session id."""
        return [self.set_cookie(value)]

    def delete_cookie(self) -> str:
        """A Set-Cookie line that deletes the cookie: same name, Domain, Path, Partitioned (6265bis storage model)."""
        parts = [f"{self.name}=", "Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"]
        return "; ".join(parts + self._attributes())


_LINE_BREAKS = re.compile(r"[\r\n\x00]")


@dataclass(frozen=True)
class CookieLines:
    """The session cookie as exact Set-Cookie lines, sent byte for byte (how `explain --verify` and the parsing slice
    send whatever lines a user or WPT gives): login sends `lines` in order, the first with the session id put in
    place of the characters at `session_at` (None: every line exactly as written, no id in any); logout sends
    `deletion`."""

    name: str  # the name the server reads the session id under
    lines: tuple[str, ...]
    session_at: tuple[int, int] | None
    deletion: str
    secure: bool  # express-session's cookie.secure: secure_cookie_needs_tls withholds the lines over "insecure" http

    def __post_init__(self) -> None:
        if isinstance(self.lines, str) or not self.lines:
            raise ConfigError("lines must be a tuple of at least one Set-Cookie line")
        for line in (*self.lines, self.deletion):
            if _LINE_BREAKS.search(line):
                raise ConfigError(f"Set-Cookie line {line!r} holds CR, LF or NUL, which no header can carry")
        if self.session_at is not None and not 0 <= self.session_at[0] <= self.session_at[1] <= len(self.lines[0]):
            raise ConfigError(f"session_at {self.session_at} is not a span of {self.lines[0]!r}")

    def set_cookies(self, value: str) -> list[str]:
        """Every line login sends, the session id in the first unless the lines are exact."""
        if self.session_at is None:
            return list(self.lines)
        start, end = self.session_at
        first = self.lines[0]
        return [first[:start] + value + first[end:], *self.lines[1:]]

    def set_cookie(self, value: str) -> str:
        """The session's line."""
        return self.set_cookies(value)[0]

    def delete_cookie(self) -> str:
        """The Set-Cookie line logout sends."""
        return self.deletion


@dataclass(frozen=True)
class CorsPolicy:
    """Which cross-origin readers the API admits, as flask-cors or the `cors` middleware would."""

    kind: str = "none"
    allowlist: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.allowlist, str):  # `origin in "https://..."` would match any substring
            raise ConfigError(f"allowlist must be a tuple of origins, e.g. ({self.allowlist!r},), not a string")
        if self.kind not in CORS_POLICIES:
            raise ConfigError(f"CORS policy must be one of {CORS_POLICIES}, not {self.kind!r}")
        if self.kind == "allowlist" and not self.allowlist:
            raise ConfigError(
                "the allowlist CORS policy needs at least one origin, e.g. 'https://app.site-a.test:8443'"
            )
        if self.kind == "fixed" and len(self.allowlist) != 1:
            raise ConfigError("the fixed CORS policy answers one configured origin, e.g. ('https://app.test:5173',)")
        if self.kind not in ("allowlist", "fixed") and self.allowlist:
            raise ConfigError(
                f"origins are only read by the allowlist and fixed policies; drop them or use kind='allowlist', not "
                f"{self.kind!r}"
            )

    def headers(self, origin: str | None) -> dict[str, str]:
        """The CORS response headers for a request from `origin` (Fetch, "HTTP responses")."""
        if self.kind == "none" or origin is None and self.kind not in ("wildcard", "fixed"):
            return {}
        if self.kind == "wildcard":
            return {"Access-Control-Allow-Origin": "*"}
        if self.kind == "reflect":
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        if self.kind == "fixed":  # the `cors` middleware with a string origin: the same answer to every Origin
            return {"Access-Control-Allow-Origin": self.allowlist[0], "Access-Control-Allow-Credentials": "true"}
        if self.kind == "allowlist" and origin not in self.allowlist:
            return {"Vary": "Origin"}
        # allowlist hit, or the misconfiguration that reflects any Origin with credentials
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}

    def admits(self, origin: str) -> bool:
        """Whether a credentialed cross-origin request from `origin` is let through by this policy."""
        return self.kind == "reflect_any_credentials" or (
            self.kind in ("allowlist", "fixed") and origin in self.allowlist
        )


@dataclass(frozen=True)
class Settings:
    """Everything a test may set for its case; `Settings()` is the plain same-origin app."""

    cookie: CookieConfig | CookieLines = field(default_factory=CookieConfig)
    cors: CorsPolicy = field(default_factory=CorsPolicy)
    # The preflight's own answer: its CORS policy (None: the responses' policy), its Access-Control-Allow-Headers
    # (a key of ALLOW_HEADERS) and Access-Control-Max-Age, 0 unless a case sets it: every case's preflight goes out.
    preflight_cors: CorsPolicy | None = None
    allow_headers: str = "content-type"
    preflight_max_age: int = 0
    # Access-Control-Expose-Headers beside an ACAO, for the header every /api response carries (a key of
    # EXPOSE_HEADERS: none, the header's name, or "*")
    expose_headers: str = "none"
    # GET answers of 200 carry Cache-Control: private, max-age=N instead of no-store (0: no-store on every answer);
    # vary_origin False leaves Vary: Origin out of the policies' answers (a hand-written reflection of Origin)
    cache_max_age: int = 0
    vary_origin: bool = True
    # The cookie logout deletes, when it is not the issued one (a deletion with mismatched attributes).
    logout_cookie: CookieConfig | None = None
    # express-session: with cookie.secure and a request it believes insecure, no Set-Cookie is sent at all.
    secure_cookie_needs_tls: bool = False
    # express `trust proxy`: believe X-Forwarded-Proto from the reverse proxy in front.
    trust_proxy: bool = False
    # The server's own CSRF defence for unsafe methods (OWASP CSRF cheat sheet, "Verifying Origin").
    csrf: str = "off"
    # Read a JSON body whatever its Content-Type, and form fields sent urlencoded or text/plain (an API behind
    # express.json({type: "*/*"}) and express.urlencoded()): a cross-site form or no-cors fetch then meets no 415.
    lenient_body: bool = False
    # A redirected login: the URLs of its chain, hop 0 first (each at /api/hop/<k>) and the API's login last; hop k
    # answers redirect_status with a Location of URL k+1.
    redirects: tuple[str, ...] = ()
    redirect_status: int = 302
    # each hop's redirect response also opens a session and sets its cookie (an auth endpoint that logs in, then
    # sends the browser on)
    redirect_sets_cookie: bool = False
    # login answers 303 See Other to this URL with its Set-Cookie (passport's successRedirect); None: 200 and JSON
    login_redirect: str | None = None
    # An identity provider's login (vocabulary.LOGINS "idp"): the provider's authorize URL, how its page returns, and
    # the state cookie /api/auth/start sets (its value the state) before redirecting there; None: no provider
    idp_authorize: str | None = None
    idp_return: str = "query"
    state_cookie: CookieLines | None = None
    session_ttl: int = 3600
    max_sessions: int = 10_000
    # Fault injection, for the tests that prove faults are reported as faults: every /api request answers
    # 500 ("error_500"), or is held until the case ends ("hang").
    fault: str | None = None

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ConfigError(f"fault must be one of {FAULTS}, not {self.fault!r}")
        if self.csrf not in CSRF_DEFENCES:
            raise ConfigError(f"csrf must be one of {CSRF_DEFENCES}, not {self.csrf!r}")
        if self.redirect_status not in REDIRECT_STATUSES:
            raise ConfigError(f"redirect_status must be one of {REDIRECT_STATUSES}, not {self.redirect_status!r}")
        if isinstance(self.redirects, str) or len(self.redirects) == 1:
            raise ConfigError("redirects is a tuple of URLs, the hops and then the login they lead to, e.g. "
                              "('https://a.test/api/hop/0', 'https://api.test/api/login')")  # fmt: skip
        if self.idp_return not in IDP_RETURNS:
            raise ConfigError(f"idp_return must be one of {IDP_RETURNS}, not {self.idp_return!r}")
        if (self.idp_authorize is None) != (self.state_cookie is None) or (self.idp_authorize and not
                                                                          self.login_redirect):  # fmt: skip
            raise ConfigError("an identity provider's login needs idp_authorize, state_cookie and login_redirect "
                              "(where the callback sends the browser back), or none of them")  # fmt: skip
        if self.expose_headers not in EXPOSE_HEADERS:
            raise ConfigError(f"expose_headers must be one of {tuple(EXPOSE_HEADERS)}, not {self.expose_headers!r}")
        if self.allow_headers not in ALLOW_HEADERS:
            raise ConfigError(f"allow_headers must be one of {tuple(ALLOW_HEADERS)}, not {self.allow_headers!r}")
        for what in ("preflight_max_age", "cache_max_age"):
            value = getattr(self, what)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{what} must be whole seconds, 0 or more, not {value!r}")
        if self.session_ttl <= 0 or self.max_sessions <= 0:
            raise ConfigError("session_ttl and max_sessions must be positive")

    def cors_for(self, preflight: bool) -> CorsPolicy:
        """The CORS policy that answers a preflight (`preflight`) or any other request."""
        return (self.preflight_cors or self.cors) if preflight else self.cors

    def with_cookie(self, **changes) -> Settings:
        """These settings with some cookie attributes changed."""
        return replace(self, cookie=replace(self.cookie, **changes))
