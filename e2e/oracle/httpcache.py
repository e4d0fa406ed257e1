"""The browser's HTTP cache (RFC 9111) as the flows meet it: a private cache, partitioned by top-level site, that
stores a GET's answer when the answer gives it a freshness lifetime, and answers a later request for the same URL in
the same partition from the stored answer while it is fresh and its Vary'd request headers match.

What the model keeps, with its sources:
- Storing (RFC 9111 §3): a GET answered 200 whose Cache-Control has max-age and no no-store. server/app.py sends
  no-store on every other answer, and the model reads an answer without Cache-Control as that no-store.
- The partition (Fetch #determine-the-http-cache-partition, #network-partition-keys): the top-level site, for a
  top-level page its own; Chromium's network isolation key and Firefox's partitioned cache (privacy.partition.
  network_state) both key the cache so. Pages on two origins of one site share the partition.
- One stored answer per partition and URL: a later answer for the URL replaces it, whatever its Vary'd headers
  (Chromium's disk cache keys an entry by URL and network isolation key and checks Vary when it reads the entry,
  net/http/http_cache_transaction.cc with http_vary_data.cc; Firefox's cache entry is keyed by URL and origin
  attributes, and a Vary mismatch makes nsHttpChannel fetch anew and replace it).
- Selecting (RFC 9111 §4, §4.1): the stored answer is used without a request while fresh (its age below max-age,
  §4.2) and when every request header its Vary names has the value the stored request had ("*" never matches).
- The cache mode (Fetch #concept-request-cache-mode): "no-store" neither uses nor fills the cache; "default" does.
- Not modelled: validation (no answer of server/app.py has a validator), heuristic freshness (none carries
  Last-Modified), and invalidation by unsafe methods (§4.4), which no flow meets: no step reads a URL after an unsafe
  request to it from a page of the same site.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredAnswer:
    """An answer in the cache: its status and headers, the Vary'd request headers it was stored for, its lifetime."""

    status: int
    headers: dict[str, str]
    varied: tuple[tuple[str, str | None], ...]  # (header name, lower case; the request's value, None: absent)
    stored_at: float  # epoch seconds
    lifetime: int  # max-age, seconds


def _directives(headers: dict[str, str]) -> dict[str, str | None]:
    """The Cache-Control directives of an answer (RFC 9111 §5.2), names lower-cased; none: server/app.py's no-store."""
    value = headers.get("Cache-Control", "no-store")
    out: dict[str, str | None] = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            out[name.lower()] = argument.strip('"') if argument else None
    return out


def _vary(headers: dict[str, str]) -> tuple[str, ...]:
    """The header names an answer's Vary lists, lower case (RFC 9110 §12.5.5)."""
    return tuple(n.strip().lower() for n in headers.get("Vary", "").split(",") if n.strip())


def freshness_lifetime(headers: dict[str, str]) -> int | None:
    """The answer's max-age in seconds if a private cache may store it (RFC 9111 §3, §4.2.1), else None."""
    directives = _directives(headers)
    age = directives.get("max-age")
    if "no-store" in directives or age is None or not age.isdigit():
        return None
    return int(age)


class HttpCache:
    """One browser context's HTTP cache: partition (top-level site) and URL -> the stored answer."""

    def __init__(self) -> None:
        self._stored: dict[tuple[str, str], StoredAnswer] = {}

    def select(
        self, partition: str, url: str, request: dict[str, str | None], now: float
    ) -> tuple[StoredAnswer | None, str | None]:
        """The stored answer a GET for `url` with these request headers (lower-case names) is answered with, or None
        and why not: None when nothing is stored, "http-cache-stale" or "http-cache-vary-mismatch"."""
        stored = self._stored.get((partition, url))
        if stored is None:
            return None, None
        if now - stored.stored_at >= stored.lifetime:
            return None, "http-cache-stale"
        if any(name == "*" or request.get(name) != value for name, value in stored.varied):
            return None, "http-cache-vary-mismatch"
        return stored, "http-cache-hit"

    def store(self, partition: str, url: str, method: str, status: int, headers: dict[str, str],
              request: dict[str, str | None], now: float) -> str | None:  # fmt: skip
        """Keep a GET's answer if it may be stored, replacing the URL's earlier one: "http-cache-store", else None."""
        lifetime = freshness_lifetime(headers)
        if method != "GET" or status != 200 or lifetime is None or lifetime == 0:
            return None
        varied = tuple((name, request.get(name)) for name in _vary(headers))
        self._stored[(partition, url)] = StoredAnswer(status, dict(headers), varied, now, lifetime)
        return "http-cache-store"
