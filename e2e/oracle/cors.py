"""The CORS protocol as the browser applies it: Fetch's CORS check of a response, the checks of a CORS-preflight
response, and the CORS-preflight cache. What the server answers is server.py's; when the browser preflights is
browser.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from e2e.oracle.vocabulary import CORS_SAFELISTED_METHODS

# Fetch #cors-non-wildcard-request-header-name: a "*" in Access-Control-Allow-Headers never covers these.
NON_WILDCARD_HEADERS = ("authorization",)
# Fetch #cors-preflight-fetch: the max-age of a preflight answer without Access-Control-Max-Age.
DEFAULT_MAX_AGE = 5


def cors_check(headers: dict[str, str], origin: str | None, credentials: str) -> tuple[bool, str]:
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


# Fetch #cors-safelisted-response-header-name: script reads these from any CORS response.
SAFELISTED_RESPONSE_HEADERS = ("cache-control", "content-language", "content-length", "content-type", "expires",
                               "last-modified", "pragma")  # fmt: skip


def header_exposed(headers: dict[str, str], name: str, credentials: str) -> tuple[bool, str]:
    """Fetch #concept-filtered-response-cors: whether script reads the response header `name` of a CORS response
    (a safelisted name, one Access-Control-Expose-Headers lists, or any for its "*" without credentials), and why."""
    listed = [h.lower() for h in _values(headers, "Access-Control-Expose-Headers")]
    if name.lower() in SAFELISTED_RESPONSE_HEADERS or name.lower() in listed:
        return True, "cors-header-exposed"
    if "*" in listed and credentials != "include":
        return True, "cors-header-exposed"
    return False, "cors-expose-wildcard-credentials" if "*" in listed else "cors-header-not-exposed"


def _values(headers: dict[str, str], name: str) -> list[str]:
    """A comma-separated header's values, trimmed (case kept: methods are case-sensitive, header names are not)."""
    return [v.strip() for v in headers.get(name, "").split(",") if v.strip()]


def preflight_check(
    headers: dict[str, str],
    origin: str | None,
    credentials: str,
    method: str,
    unsafe_names: tuple[str, ...],
    non_wildcard: tuple[str, ...] = NON_WILDCARD_HEADERS,
) -> tuple[bool, str]:
    """Fetch #cors-preflight-fetch step 7 (a 204 is an ok status): the CORS check, then the methods and the header
    names the answer allows for the actual request's method and CORS-unsafe request-header names (lower case);
    `non_wildcard`: the names a "*" does not cover in this engine."""
    ok, rule = cors_check(headers, origin, credentials)
    if not ok:
        return ok, rule
    methods = _values(headers, "Access-Control-Allow-Methods")
    if method not in methods and method not in CORS_SAFELISTED_METHODS and (credentials == "include" or
                                                                           "*" not in methods):  # fmt: skip
        return False, "fetch-preflight-check"
    allowed = [h.lower() for h in _values(headers, "Access-Control-Allow-Headers")]
    for name in unsafe_names:
        if name in non_wildcard and name not in allowed:
            return False, "fetch-preflight-authorization-not-wildcard"
        if name not in allowed and (credentials == "include" or "*" not in allowed):
            return False, "fetch-preflight-wildcard-credentials" if "*" in allowed else "fetch-preflight-check"
    return True, rule


@dataclass(frozen=True)
class CacheEntry:
    """Fetch #cors-preflight-cache: one method or one header name a preflight allowed, for an origin and URL."""

    origin: str
    url: str
    credentials: bool  # the preflighted request's credentials mode was "include"
    expires: float  # epoch seconds
    method: str | None = None
    header: str | None = None


class PreflightCache:
    """The user agent's CORS-preflight cache, in one network partition (a browser context, where the suite keeps
    every case's own): entries made by a passing preflight, matched by the next requests (Fetch #cors-preflight-cache,
    #concept-cache-match)."""

    def __init__(self, non_wildcard: tuple[str, ...] = NON_WILDCARD_HEADERS) -> None:
        self.entries: list[CacheEntry] = []
        self.non_wildcard = non_wildcard  # the header names a cached "*" does not cover in this engine

    def _matches(self, e: CacheEntry, origin: str, url: str, credentials: str, now: float) -> bool:
        return (e.origin == origin and e.url == url and now < e.expires
                and (e.credentials or credentials != "include"))  # fmt: skip

    def method_match(self, origin: str, url: str, credentials: str, method: str, now: float) -> bool:
        """#concept-cache-match-method."""
        return any(self._matches(e, origin, url, credentials, now) and e.method in (method, "*") for e in self.entries)

    def header_match(self, origin: str, url: str, credentials: str, name: str, now: float) -> bool:
        """#concept-cache-match-header."""
        return any(
            self._matches(e, origin, url, credentials, now)
            and e.header is not None
            and (e.header.lower() == name or (e.header == "*" and name not in self.non_wildcard))
            for e in self.entries
        )

    def needs_preflight(self, origin: str, url: str, credentials: str, method: str, unsafe_names: tuple[str, ...],
                        now: float) -> bool:  # fmt: skip
        """Fetch #http-fetch step 4.1: a preflight goes unless the cache covers the method and every unsafe name."""
        if method not in CORS_SAFELISTED_METHODS and not self.method_match(origin, url, credentials, method, now):
            return True
        return any(not self.header_match(origin, url, credentials, n, now) for n in unsafe_names)

    def store(self, origin: str, url: str, credentials: str, headers: dict[str, str], max_age: float,
              now: float) -> None:  # fmt: skip
        """#cors-preflight-fetch steps 7.12-15: an entry per allowed method and header name (replacing one that
        matched), living `max_age` seconds (already capped by the engine's limit)."""
        if max_age <= 0:
            return
        include = credentials == "include"
        made = [CacheEntry(origin, url, include, now + max_age, method=m) for m in
                _values(headers, "Access-Control-Allow-Methods")]  # fmt: skip
        made += [CacheEntry(origin, url, include, now + max_age, header=h) for h in
                 _values(headers, "Access-Control-Allow-Headers")]  # fmt: skip
        keys = {(e.origin, e.url, e.credentials, e.method, e.header and e.header.lower()) for e in made}
        self.entries = [e for e in self.entries if (e.origin, e.url, e.credentials, e.method,
                                                    e.header and e.header.lower()) not in keys] + made  # fmt: skip


def max_age(headers: dict[str, str], cap: int) -> int:
    """#cors-preflight-fetch steps 7.8-10: the answer's Access-Control-Max-Age (5 if absent or unparsable: the
    standard returns a network error for a malformed value, which server.py never sends), up to the engine's cap."""
    text = headers.get("Access-Control-Max-Age")
    age = int(text) if text is not None and text.strip().isdigit() else DEFAULT_MAX_AGE
    return min(age, cap)
