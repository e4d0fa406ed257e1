"""The cookie jar: 6265bis §5.7 (the storage model) and §5.8.3 (the retrieval algorithm), with CHIPS partition keys
and the browser's third-party cookie policy (blocking, or Firefox's Total Cookie Protection) inside them.

`store` and `retrieve` take a `CookieRequest`: what those algorithms need to know of the request or the script call
that sets or reads a cookie. Who builds that request (a fetch, a navigation, document.cookie) is browser.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from e2e.oracle.profiles import BrowserProfile
from e2e.oracle.setcookie import MAX_NAME_VALUE, SetCookie, parse_cookie_date
from e2e.oracle.sites import Origin, is_ip, is_public_suffix, is_secure_url
from e2e.oracle.vocabulary import SAFE_METHODS

LIFETIME_CAP = 400 * 24 * 3600  # 6265bis §5.5


@dataclass(frozen=True)
class Cookie:
    """A stored cookie (6265bis §5.7 fields), with its partition key (CHIPS, or Total Cookie Protection)."""

    name: str
    value: str
    domain: str
    host_only: bool
    path: str
    secure: bool
    http_only: bool
    same_site: str  # "None" | "Lax" | "Strict" | "Default"
    partition_key: str | None  # the top-level site it is keyed by, or None for the unpartitioned jar
    created: float  # creation time, seconds (the Lax-allowing-unsafe window reads it)
    order: int  # creation order, which breaks ties between equal creation times
    partitioned: bool = False  # the Partitioned attribute (CHIPS); a key without it comes from the browser's policy

    def identity(self) -> tuple:
        """What a new cookie must share to replace this one (6265bis §5.7 step 23; CHIPS adds the partition)."""
        return self.name, self.domain, self.host_only, self.path, self.partition_key


@dataclass(frozen=True)
class CookieRequest:
    """What the storage and retrieval algorithms know of a request, or of a document.cookie call.

    `same_site` is 6265bis §5.2 (the request's initiator and its target; for a top-level navigation, the navigation's
    initiator), `third_party` whether the URL is cross-site to the top-level site (where third-party cookie policies
    apply), `top_level_site` the partition key a cookie would get.
    """

    url: Origin
    path: str
    same_site: bool
    third_party: bool
    top_level_site: str
    http: bool = True  # False: a non-HTTP API (document.cookie)
    navigation: bool = False  # a top-level navigation
    method: str = "GET"
    storage_access: bool = False  # a framed document's request that its granted storage access lifts out of third_party


def domain_match(string: str, domain: str) -> bool:
    """6265bis §5.1.3 Domain Matching."""
    return string == domain or (string.endswith("." + domain) and not is_ip(string))


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


def samesite_effective(flag: str, profile: BrowserProfile) -> str:
    """'Default' counts as Lax under Lax-by-default, as None otherwise (6265bis §5.6.7; BCD Lax_default)."""
    if flag != "Default":
        return flag
    return "Lax" if profile.lax_by_default.value else "None"


def third_party_blocked(profile: BrowserProfile, partition_key: str | None, partitioned: bool) -> bool:
    """Whether the profile's third-party policy blocks a cookie in a third-party context."""
    if profile.third_party_cookies.value != "blocked":
        return False
    return not (partitioned and partition_key is not None and profile.blocking_spares_partitioned.value)


def _prefix_checks(sc: SetCookie, *, secure: bool, host_only: bool, path: str, profile: BrowserProfile) -> list[str]:
    """Rule ids of the name-prefix requirements the cookie breaks (6265bis §5.7 steps 20-21; layered-cookies)."""
    lowered, broken = sc.name.lower(), []
    host_ok = secure and host_only and bool(sc.last("path")) and path == "/"
    if lowered.startswith("__secure-") and not secure:
        broken.append("cookie-prefix-secure")
    if lowered.startswith("__host-") and not host_ok:
        broken.append("cookie-prefix-host")
    http_prefix = lowered.startswith("__http-") or lowered.startswith("__host-http-")
    if profile.http_prefixes.value and http_prefix and not (secure and sc.has("httponly")):
        broken.append("cookie-prefix-http")
    return broken


def _expiry(sc: SetCookie, now: float, reasons: list[str]) -> float | None:
    """6265bis §5.7 step 6 and §5.5: the expiry time, -inf for one in the past, None for a session cookie."""
    max_age, expires = sc.last("max-age"), sc.last("expires")
    if max_age is not None:
        seconds = int(max_age)
        if expires is not None:
            reasons.append("cookie-max-age-precedence")
        if seconds > LIFETIME_CAP:
            reasons.append("cookie-lifetime-cap")
        return -float("inf") if seconds <= 0 else now + min(seconds, LIFETIME_CAP)
    if expires is not None:
        expiry = parse_cookie_date(expires)
        if expiry > now + LIFETIME_CAP:
            reasons.append("cookie-lifetime-cap")
        return expiry
    return None


def _refuse(jar, reasons: list[str], broken: list[str]) -> tuple[tuple[Cookie, ...], list[str], list[str]]:
    """A refusal: the jar unchanged, every rule that decided, and those that refused the cookie."""
    return jar, _dedupe(reasons + broken), _dedupe(broken)


def storage(
    jar: tuple[Cookie, ...], sc: SetCookie, request: CookieRequest, profile: BrowserProfile, now: float, order: int
) -> tuple[tuple[Cookie, ...], list[str], list[str]]:
    """6265bis §5.7 (with CHIPS and the profile's policies): the new jar, every rule that decided, in spec order, and
    the rules that refused the cookie (none: it was stored, or it deleted one)."""
    host, reasons, broken = request.url.host, [], []
    if sc.ignored:  # §5.6: the browser never received a cookie from this line
        return _refuse(jar, [], [sc.ignored])
    if not sc.name and not sc.value:  # step 2
        return _refuse(jar, [], ["cookie-name-value-empty"])
    if not sc.name and profile.valueless_cookies.value:  # Firefox: 'token' is token=, and '=value' is rejected
        if sc.has_equals:
            return _refuse(jar, [], ["cookie-valueless"])
        sc = replace(sc, name=sc.value, value="")
        reasons.append("cookie-valueless")
    if len((sc.name + sc.value).encode()) > MAX_NAME_VALUE:  # step 4
        return _refuse(jar, [], ["cookie-size-limit"])
    if not sc.name:
        reasons.append("cookie-nameless")
    expiry = _expiry(sc, now, reasons)
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
        if domain_match(host, domain_attr) and not is_ip(host):
            reasons.append("cookie-domain-attribute")
        elif domain_attr != host:
            broken.append("cookie-domain-mismatch")
        else:
            domain_attr = ""  # an IP address naming itself: host-only, as Chromium stores it
    if sc.has("domain") and not sc.last("domain") and [v for a, v in sc.raw if a.lower() == "domain"][-1] == ".":
        (broken if profile.domain_dot_rejected.value else reasons).append("cookie-domain-dot")
    host_only = not domain_attr
    # step 11: path
    cookie_path = sc.last("path") or default_path(request.path)
    if not sc.last("path"):
        reasons.append("cookie-path-default")
    # steps 12-13, 16: Secure
    secure, secure_url = sc.has("secure"), is_secure_url(request.url, profile.localhost_is_secure.value)
    if secure and not secure_url:
        broken.append("cookie-secure-origin")
    elif secure and request.url.scheme != "https":
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
    # step 15: HttpOnly, which a non-HTTP API may not set
    http_only = sc.has("httponly")
    if http_only and not request.http:
        broken.append("cookie-httponly-script-write")
    # steps 17-19: SameSite; the response to a top-level navigation may set any (step 18)
    flag = sc.last("samesite") or "Default"
    if not request.same_site and not request.navigation:
        if flag == "Default":
            reasons.append("samesite-lax-by-default")
        (broken if samesite_effective(flag, profile) != "None" else reasons).append("samesite-cross-site-store")
    if flag == "None" and not secure and profile.none_requires_secure.value:
        broken.append("samesite-none-requires-secure")
    # steps 20-22: prefixes, also in the value of a nameless cookie
    broken += _prefix_checks(sc, secure=secure, host_only=host_only, path=cookie_path, profile=profile)
    if not sc.name and sc.value.lower().startswith(("__secure-", "__host-")):
        broken.append("cookie-prefix-nameless")
    # CHIPS, then the third-party policy: blocked, or a jar keyed by the top-level site (Total Cookie Protection)
    partitioned = sc.has("partitioned") and bool(profile.partitioned_cookies.value)
    partition_key = None
    if partitioned:
        if not secure:
            broken.append("chips-partitioned-secure")
        partition_key = request.top_level_site
        reasons.append("chips-partition-key")
    if request.third_party:
        (broken if third_party_blocked(profile, partition_key, partitioned) else reasons).append("third-party-cookies")
        if partition_key is None and profile.third_party_partitioned.value:
            partition_key = request.top_level_site
            reasons.append("third-party-partitioned")
    if broken:
        return _refuse(jar, reasons, broken)
    # steps 23-24
    cookie = Cookie(
        sc.name, sc.value, domain_attr or host, host_only, cookie_path, secure, http_only, flag, partition_key,
        now, order, partitioned,
    )  # fmt: skip
    old = [c for c in jar if c.identity() == cookie.identity()]
    if not request.http and any(c.http_only for c in old):
        return _refuse(jar, reasons, ["cookie-httponly-script-write"])
    kept = tuple(c for c in jar if c.identity() != cookie.identity())
    if expiry is not None and expiry <= now:
        same_name_left = any(c.name == sc.name for c in kept)
        return kept, reasons + ["cookie-expired"] + (["cookie-deletion-mismatch"] if same_name_left else []), []
    if old:  # step 23: the replacement keeps the old cookie's creation time, and so its place in the order
        if profile.replacement_keeps_creation.value == "always" or old[0].value == cookie.value:
            cookie = replace(cookie, created=old[0].created, order=old[0].order)
            reasons.append("cookie-replaced-keeps-creation")
        else:
            reasons.append("cookie-replaced-new-creation")
    return kept + (cookie,), reasons + ["cookie-stored"], []


def _samesite_withholds(c: Cookie, request: CookieRequest, profile: BrowserProfile, now: float, why: list[str]) -> bool:
    """6265bis §5.8.3 SameSite enforcement for a cross-site request; appends the rules that decided to `why`."""
    if not request.navigation:  # a subresource request such as fetch(): SameSite=None only
        why.append("samesite-cross-site-send")
        return samesite_effective(c.same_site, profile) != "None"
    flag = samesite_effective(c.same_site, profile)
    if c.same_site == "Default":
        why.append("samesite-lax-by-default")
    if flag == "None":
        why.append("samesite-none-navigation")
        return False
    if flag == "Strict":
        why.append("samesite-strict-navigation")
        return True
    if request.method in SAFE_METHODS:
        why.append("samesite-lax-top-level-safe")
        return False
    window = float(profile.lax_allowing_unsafe_seconds.value or 0)  # 0: the profile has no Lax-allowing-unsafe
    if c.same_site == "Default" and window > 0 and now - c.created <= window:
        why.append("samesite-lax-allowing-unsafe")
        return False
    why.append("samesite-lax-top-level-safe")
    if c.same_site == "Default" and window > 0:
        why.append("samesite-lax-allowing-unsafe")  # it applied, but the cookie is too old
    return True


def _judge(c: Cookie, request: CookieRequest, profile: BrowserProfile, now: float) -> tuple[list[str], list[str]]:
    """6265bis §5.8.3 step 1 for one cookie (with SameSite, CHIPS and the third-party policies): every rule that
    keeps it from the request (none: it goes), and the rules that let it through."""
    failed, passed = [], []
    host_ok = request.url.host == c.domain if c.host_only else domain_match(request.url.host, c.domain)
    if not host_ok:
        failed.append("cookie-host-only" if c.host_only else "cookie-domain-attribute")
    if not path_match(request.path, c.path):
        failed.append("cookie-path-match")
    if c.secure and not is_secure_url(request.url, profile.localhost_is_secure.value):
        failed.append("cookie-secure-send")
    if not request.http and c.http_only:
        failed.append("cookie-httponly")
    if not request.same_site:  # a fetch, or document.cookie of a document whose site for cookies is opaque
        why: list[str] = []
        (failed if _samesite_withholds(c, request, profile, now, why) else passed).extend(why)
    if request.storage_access and c.partition_key is None:
        passed.append("storage-access-requests")
    if request.third_party:
        if third_party_blocked(profile, c.partition_key, c.partitioned):
            failed.append("third-party-cookies")
        elif c.partition_key is None and profile.third_party_partitioned.value:
            failed.append("third-party-partitioned")
        else:
            passed.append("chips-partition-key" if c.partitioned else
                          "third-party-partitioned" if c.partition_key else "third-party-cookies")  # fmt: skip
    if c.partition_key is not None and c.partition_key != request.top_level_site:
        failed.append("chips-partition-key" if c.partitioned else "third-party-partitioned")
    return failed, passed


def retrieve(
    jar: tuple[Cookie, ...], name: str | None, request: CookieRequest, profile: BrowserProfile, now: float
) -> tuple[tuple[Cookie, ...], list[str]]:
    """6265bis §5.8.3 for cookies called `name` (every cookie for None): those that go (or document.cookie shows), in
    order, and why."""
    candidates = [c for c in jar if name is None or c.name == name]
    if not candidates:
        return (), ["cookie-jar-empty"]
    sent, reasons = [], []
    for c in candidates:
        failed, passed = _judge(c, request, profile, now)
        if failed:
            reasons += failed
            continue
        sent.append(c)
        reasons += passed + ["cookie-sent"]
    sent.sort(key=lambda c: (-len(c.path), c.created, c.order))
    if len(sent) > 1:
        reasons.append("cookie-retrieval-order")
    return tuple(sent), _dedupe(reasons)


def withheld(
    jar: tuple[Cookie, ...], request: CookieRequest, profile: BrowserProfile, now: float
) -> tuple[tuple[Cookie, tuple[str, ...]], ...]:
    """Each cookie of the jar the request does not carry, with every rule that keeps it back (what an engine that
    says why names one or more of)."""
    judged = ((c, _judge(c, request, profile, now)[0]) for c in jar)
    return tuple((c, tuple(failed)) for c, failed in judged if failed)


def cookie_string(cookies: tuple[Cookie, ...]) -> str:
    """6265bis §5.8.3 step 4: the cookies serialized as the Cookie header and document.cookie show them; a cookie
    with an empty name shows as its value alone."""
    return "; ".join((f"{c.name}=" if c.name else "") + c.value for c in cookies)


def _dedupe(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))
