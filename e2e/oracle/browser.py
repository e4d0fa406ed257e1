"""The one model of the browser: a fetch from a page (with its CORS preflight), a top-level navigation (a followed
link, a submitted form), document.cookie reads and writes, all on one jar and one clock, moved only by the rules.

The matrix flow (flow.py) and the attack scenarios (scenarios.py) both run on it. Every request's outcome is an
`Exchange`: what script (or the new document) saw, what the server did, what the jar holds after, and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from e2e.oracle.cookiestore import cookie_init, set_a_cookie
from e2e.oracle.cors import NON_WILDCARD_HEADERS, PreflightCache, cors_check, header_exposed, max_age, preflight_check
from e2e.oracle.httpcache import HttpCache, freshness_lifetime
from e2e.oracle.jar import Cookie, CookieRequest, cookie_string, retrieve, storage, withheld
from e2e.oracle.profiles import BrowserProfile
from e2e.oracle.server import ServerAnswer, ServerModel, ServerRequest
from e2e.oracle.setcookie import SetCookie, parse_set_cookie
from e2e.oracle.sites import Origin, is_secure_url, registrable_domain, same_site, site_of
from e2e.oracle.spec import NULL_ORIGIN
from e2e.oracle.vocabulary import (
    AUTH_START_PATH,
    CALLBACK_PATH,
    CORS_SAFELISTED_METHODS,
    EXPOSED_HEADER,
    NO_CORS_TEXT,
    REDIRECT_STATUSES,
    SAFE_METHODS,
    SAFELISTED_CONTENT_TYPES,
    URLENCODED,
    media_type,
)


@dataclass(frozen=True)
class Exchange:
    """One request as the rules say it goes: what was sent, what the server did, what script got, the jar after."""

    fetch: str  # vocabulary.FETCH_OUTCOMES
    status: int | None  # what script (or the navigated document) sees: the status, 0 if opaque, None on an error
    server_status: int | None  # the status of the actual request; None if it never reached the server
    preflight: bool  # a CORS preflight went out (it never carries cookies)
    sent: tuple[str, ...]  # the session cookie's values in the Cookie header as the server reads them, in order
    user: str | None  # whom the server authenticated the request as
    created: bool  # the request created a resource
    cookie_stored: bool  # the session cookie is in the jar after the request
    reasons: tuple[str, ...]  # rule ids, the chain behind the outcome, in order
    cookie_header: str | None = None  # the Cookie header the browser sent, every cookie; None: none or no request
    # what an engine that says why reports: each Set-Cookie line of the response it refused (the cookie's name and
    # every rule that refused it), and each cookie of the jar the request did not carry (name, domain, path, rules;
    # ACCESS_BLOCKED when the third-party policy refused the request any cookie)
    blocked: tuple[tuple[str, tuple[str, ...]], ...] = ()
    withheld: tuple[tuple[str | None, str, str, tuple[str, ...]], ...] = ()
    # each Set-Cookie line refused, with the rules that refused it alone (blocked: with the whole chain that decided)
    refused: tuple[tuple[str, tuple[str, ...]], ...] = ()
    origin: str | None = None  # the Origin header of the request (the last of a redirect chain); None: none sent
    header_read: bool = False  # script could read the API's own response header (vocabulary.EXPOSED_HEADER)

    @property
    def cookie_sent(self) -> bool:
        return bool(self.sent)

    @property
    def authenticated(self) -> bool:
        return self.user is not None

    @property
    def data_readable(self) -> bool:
        """Script holds the user's own data: the response resolved and the server answered as the user."""
        return self.fetch == "resolved" and self.user is not None and self.server_status == 200

    def outcome(self) -> Exchange:
        """Everything observable, without the reasons."""
        return replace(self, reasons=(), blocked=tuple(n for n, _ in self.blocked), refused=(),
                       withheld=tuple(w[:3] for w in self.withheld))  # fmt: skip


def unsafe_content_type(content_type: str | None) -> bool:
    """Fetch #cors-safelisted-request-header: whether a body of this type (None: no body) makes its Content-Type a
    CORS-unsafe request header."""
    return content_type is not None and media_type(content_type) not in SAFELISTED_CONTENT_TYPES


def unsafe_header_names(content_type: bool, authorization: bool) -> tuple[str, ...]:
    """Fetch #cors-unsafe-request-header-names of a request whose Content-Type is unsafe (`content_type`) and that
    carries Authorization (`authorization`): lower case and sorted."""
    return tuple(name for name, on in (("authorization", authorization), ("content-type", content_type)) if on)


def needs_preflight(method: str, unsafe_names: tuple[str, ...]) -> bool:
    """Fetch #main-fetch: a cross-origin CORS request needs a CORS preflight when its method is not CORS-safelisted
    or it carries a CORS-unsafe request header (the preflight cache aside)."""
    return method not in CORS_SAFELISTED_METHODS or bool(unsafe_names)


def redirect_method(status: int, method: str) -> str:
    """Fetch #http-redirect-fetch step 12: the method of the request that follows a redirect: GET (without its body)
    for a 301 or 302 answering a POST and a 303 answering anything but GET or HEAD, else the same."""
    if (status in (301, 302) and method == "POST") or (status == 303 and method not in SAFE_METHODS):
        return "GET"
    return method


def taints_origin(page: Origin, current: Origin, following: Origin) -> bool:
    """Fetch #http-redirect-fetch: whether a redirect from a URL on `current` to one on `following` sets the request's
    tainted origin flag (its Origin then null): it crosses origins after the request left the page's origin."""
    return following != current and page != current


def storage_access_given(profile: BrowserProfile, page: Origin, top: Origin) -> tuple[str | None, list[str]]:
    """What the Storage Access API settles for a document on `page` framed by `top` before any permission is read:
    "allow" or "disallow" (the user agent's explicit setting, then a top-level or same-site document), or None (the
    browser's permission decides: what the harness sets or obtains for real); and why."""
    explicit = profile.storage_access_explicit.value
    if explicit != "none":
        return explicit, [f"storage-access-explicit-{explicit}"]
    if same_site(page, top, profile.schemeful_same_site.value):
        return "allow", ["storage-access-same-site"]
    return None, []


# A withheld entry for no cookie in particular: the third-party policy refused the request's access to cookies.
ACCESS_BLOCKED = (None, "", "", ("third-party-cookies",))


def _dedupe(ids: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


class BrowserModel:
    """The browser through one flow or scenario: a profile, one jar, one clock (epoch seconds)."""

    def __init__(self, profile: BrowserProfile, now: float):
        self.profile, self.now = profile, now
        self.jar: tuple[Cookie, ...] = ()
        self._order = 0
        self._blocked: list = []
        self._refused: list = []
        self._withheld: list = []
        # the context's CORS-preflight cache: every case starts with none kept (on URLs of its own where it keeps some)
        self.preflights = PreflightCache(self._non_wildcard())
        self.http_cache = HttpCache()  # the context's HTTP cache, likewise the case's alone
        # The framed documents that have storage access (the Storage Access API's 'has storage access' of their
        # environment), each as (the origin of its top-level page, its own origin): one document of each in a flow.
        self.access: set[tuple[Origin, Origin]] = set()

    def _non_wildcard(self) -> tuple[str, ...]:
        """The header names a "*" in Access-Control-Allow-Headers does not cover in this engine."""
        return () if self.profile.wildcard_covers_authorization.value else NON_WILDCARD_HEADERS

    def advance(self, seconds: float) -> None:
        """Let time pass (a cookie's age decides Lax-allowing-unsafe; Expires is judged against the clock)."""
        self.now += seconds

    def cookies(self, name: str) -> tuple[Cookie, ...]:
        """The cookies called `name` in the jar."""
        return tuple(c for c in self.jar if c.name == name)

    def _same_site(self, a: Origin, b: Origin) -> bool:
        return same_site(a, b, self.profile.schemeful_same_site.value)

    def _store(self, sc: SetCookie, request: CookieRequest) -> list[str]:
        self._order += 1
        self.jar, why, refused = storage(self.jar, sc, request, self.profile, self.now, self._order)
        if refused:
            self._blocked.append((sc.name, tuple(why)))
            self._refused.append((sc.name, tuple(refused)))
        return why

    def _cookie_header(self, request: CookieRequest) -> tuple[str | None, list[str]]:
        """The Cookie header for a request (every cookie that goes, 6265bis §5.8.1), or None, and why."""
        cookies, why = retrieve(self.jar, None, request, self.profile, self.now)
        self._withheld += [(c.name, c.domain, c.path, rules) for c, rules in withheld(self.jar, request, self.profile,
                                                                                      self.now)]  # fmt: skip
        if request.third_party and self.profile.third_party_cookies.value == "blocked":
            self._withheld.append(ACCESS_BLOCKED)  # the request's access to cookies, whatever the jar holds
        return (cookie_string(cookies) if cookies else None), why

    def _reported(self) -> dict:
        """The refused lines and withheld cookies since the last exchange, for the next Exchange."""
        out = {"blocked": tuple(self._blocked), "refused": tuple(self._refused), "withheld": tuple(self._withheld)}
        self._blocked, self._refused, self._withheld = [], [], []
        return out

    def _site_reasons(self, page: Origin, target: Origin) -> list[str]:
        """How the page and the URL relate: same origin, or same-site or cross-site (and whether schemes decided)."""
        if page == target:
            return ["fetch-same-origin"]
        reasons = ["site-same" if self._same_site(page, target) else "site-cross"]
        if page.scheme != target.scheme and registrable_domain(page.host) == registrable_domain(target.host):
            reasons.append("site-schemeful")
        return reasons

    @staticmethod
    def _origin_header(page: Origin, target: Origin, method: str, cors: bool) -> str | None:
        """Fetch #append-a-request-origin-header with the default referrer policy (strict-origin-when-cross-origin):
        the page's origin on every CORS request and every request that is not GET or HEAD; "null" for such a
        non-CORS request from https to http."""
        if cors:
            return page.serialized()
        if method in SAFE_METHODS:
            return None
        return NULL_ORIGIN if page.scheme == "https" and target.scheme != "https" else page.serialized()

    def fetch(
        self,
        page: Origin,
        server: ServerModel,
        method: str,
        path: str,
        *,
        credentials: str,
        mode: str = "cors",
        content_type: str | None = None,
        authorization: bool = False,
        cache: str = "no-store",
        redirect: str = "follow",
        top: Origin | None = None,
    ) -> Exchange:
        """fetch() from a page on `page` (framed by a top-level page on `top`, or top-level: None) to `path` on the
        server's origin (`content_type`: the body's; with
        `authorization`, an Authorization header too; `cache`: its cache mode), through the redirects of the server's
        chain (ServerModel.chain) hop by hop as its redirect mode `redirect` says (Fetch #http-redirect-fetch). A GET
        the HTTP cache answers (httpcache.py) sends no request: the stored answer meets the CORS check instead."""
        self._reported()  # what script writes or reads refused before belongs to no request
        name = server.cookie_name
        chain = server.chain(path)
        reasons: list[str] = self._frame_reasons(page, top)
        partition = site_of(top or page)  # the HTTP cache's partition: the top-level site
        in_jar = lambda: bool(self.cookies(name))  # noqa: E731
        tainted_origin = crossed = preflighted = unsafe_header = False
        answered: tuple[int | None, str | None] = (None, None)  # the status and Origin of the last request answered
        for hop, (current, hop_path) in enumerate(chain):
            target = current.origin
            same_origin = page == target
            reasons += self._site_reasons(page, target)
            if mode == "same-origin" and not same_origin:
                fetch = "rejected" if hop == 0 else "network_error"
                return Exchange(fetch, None, answered[0], preflighted, (), None, False, in_jar(),
                                _dedupe(reasons + ["fetch-mode-same-origin"]), origin=answered[1])  # fmt: skip
            if hop == 0 and mode == "no-cors" and content_type is not None:
                if media_type(content_type) not in SAFELISTED_CONTENT_TYPES:
                    content_type = NO_CORS_TEXT  # the guard drops the header; a string body is text/plain
                    reasons.append("fetch-no-cors-headers")
                if not same_origin:
                    reasons.append("fetch-no-cors-simple-post")
            # Fetch #main-fetch: the response tainting, once "cors" (or "opaque": no-cors), stays so for every later hop
            crossed = crossed or not same_origin
            cors_tainting = mode == "cors" and crossed
            include = credentials == "include" or (credentials == "same-origin" and not crossed)
            reasons.append(f"fetch-credentials-{credentials}")
            origin_header = NULL_ORIGIN if tainted_origin else self._origin_header(page, target, method, cors_tainting)
            if origin_header and not same_origin:
                reasons.append("fetch-origin-header")
            if hop == 0:
                unsafe_header = unsafe_content_type(content_type)
            unsafe_names = unsafe_header_names(unsafe_header, authorization)
            if authorization and hop == 0:
                reasons.append("fetch-authorization-header")
            make_preflight = cors_tainting and needs_preflight(method, unsafe_names)
            url, cap = target.serialized() + hop_path, self.profile.preflight_max_age_cap.value
            uses_cache = not (cache == "no-store" and self.profile.no_store_skips_preflight_cache.value)
            preflight = make_preflight and (not uses_cache or self.preflights.needs_preflight(
                origin_header, url, credentials, method, unsafe_names, self.now))  # fmt: skip
            if make_preflight and not preflight:
                reasons.append("fetch-preflight-cached")
            if preflight:
                preflighted = True
                reasons += ["fetch-preflight", "fetch-preflight-no-credentials", "server-preflight"]
                if current.spec.preflight_cors:
                    reasons.append("server-preflight-policy")
                asked = origin_header
                if tainted_origin and self.profile.preflight_origin_after_redirect.value == "page":
                    asked = page.serialized()  # the preflight says the page's origin, the request null
                answered_preflight = current.preflight(asked)
                ok, why = preflight_check(answered_preflight, asked, credentials, method, unsafe_names,
                                          self._non_wildcard())  # fmt: skip
                reasons.append(why)
                if ok and not uses_cache:
                    reasons.append("fetch-preflight-cache-bypassed")
                elif ok:
                    age = max_age(answered_preflight, cap)
                    self.preflights.store(asked, url, credentials, answered_preflight, age, self.now)
                    if age > 0:
                        reasons.append("fetch-preflight-cache-store")
                if not ok:
                    return Exchange("network_error", None, answered[0], True, (), None, False, in_jar(),
                                    _dedupe(reasons + ["fetch-preflight-check"]), origin=answered[1])  # fmt: skip
            elif cors_tainting and not make_preflight:
                reasons.append("fetch-simple-request")
            request = self._subresource(page, target, hop_path, method, top)
            if request.storage_access:
                reasons.append("storage-access-requests")
                reasons += ["storage-access-same-site-requests"] if target != page else []
            header, varied, stored = None, {"origin": origin_header}, None  # the server's Vary names Origin alone
            if cache != "no-store" and method == "GET":
                stored, why = self.http_cache.select(partition, url, varied, self.now)
                reasons += [why] if why else []
            if stored:  # Fetch #http-network-or-cache-fetch: the stored answer, no request, no cookie
                answer = ServerAnswer(stored.status, None, (), False, stored.headers, ())
            else:
                if include:
                    header, why = self._cookie_header(request)
                    reasons += why
                answer = current.answer(ServerRequest(method, hop_path, origin_header, content_type, header))
                answered = (answer.status, origin_header)
                reasons += answer.reasons
                if cache != "no-store":
                    why = self.http_cache.store(partition, url, method, answer.status, answer.headers, varied, self.now)
                    reasons += [why] if why else []
                elif method == "GET" and freshness_lifetime(answer.headers):
                    reasons.append("fetch-cache-mode-no-store")
            if not crossed:
                fetch, status = "resolved", answer.status
            elif mode == "no-cors":
                fetch, status = "opaque", 0
                reasons.append("fetch-no-cors-opaque")
            else:
                reasons += current.cors_reasons()
                ok, why = cors_check(answer.headers, origin_header, credentials)
                reasons.append(why)
                fetch, status = ("resolved", answer.status) if ok else ("network_error", None)
            if answer.set_cookies and include:  # processed by the network layer, before the CORS check
                if fetch == "network_error":
                    reasons.append("fetch-set-cookie-despite-cors-failure")
                for line in answer.set_cookies:
                    reasons += self._store(line, request)
                if fetch == "resolved":
                    reasons.append("fetch-set-cookie-hidden")
            location = answer.headers.get("Location") if answer.status in REDIRECT_STATUSES else None
            if location is None or fetch == "network_error" or hop == len(chain) - 1:
                break
            if redirect != "follow":  # Fetch #http-fetch step 4.6: after the cookies and the CORS check
                fetch, status = ("network_error", None) if redirect == "error" else ("opaque", 0)
                reasons.append(f"fetch-redirect-{redirect}")
                break
            reasons.append("fetch-redirect-follow")  # Fetch #http-redirect-fetch, redirect mode "follow"
            if taints_origin(page, target, chain[hop + 1][0].origin):
                tainted_origin = True  # #http-redirect-fetch step 12: the request's tainted origin flag
                reasons.append("fetch-redirect-tainted-origin")
            if redirect_method(answer.status, method) != method:
                method, content_type = "GET", None  # #http-redirect-fetch step 12: the body is dropped
                unsafe_header = unsafe_header and self.profile.redirect_get_keeps_unsafe_headers.value
                reasons.append("fetch-redirect-method-get")
        if stored and fetch == "network_error":
            fetch = "rejected"  # the fetch failed with no request sent
        read = fetch == "resolved" and status is not None
        if read and crossed:  # a CORS response shows script only the headers it exposes; a basic one, all but two
            read, why = header_exposed(answer.headers, EXPOSED_HEADER, credentials)
            reasons.append(why)
        return Exchange(fetch, status, None if stored else answer.status, preflighted, current.session_ids(header),
                        answer.user, answer.created, in_jar(), _dedupe(reasons), header,
                        origin=None if stored else origin_header, header_read=read, **self._reported())  # fmt: skip

    def navigate(
        self, page: Origin, server: ServerModel, method: str, path: str, content_type: str | None = None,
        reasons: tuple[str, ...] = (),
    ) -> Exchange:  # fmt: skip
        """A top-level navigation from a document on `page` to `path` on the server's origin (a followed link, or a
        submitted form when `method` is POST): the new document's top-level site is the target's."""
        self._reported()
        target, name = server.origin, server.cookie_name
        chain = list(reasons) + ["nav-top-level-site"]
        same = self._same_site(page, target)
        chain += ["site-same"] if same else ["site-cross", "nav-cross-site"]
        request = CookieRequest(target, path, same, third_party=False, top_level_site=site_of(target),
                                navigation=True, method=method)  # fmt: skip
        header, why = self._cookie_header(request)
        chain += why
        origin_header = self._origin_header(page, target, method, cors=False)
        answer = server.answer(ServerRequest(method, path, origin_header, content_type, header))
        chain += answer.reasons
        for line in answer.set_cookies:
            chain += self._store(line, request)
        return Exchange("navigated", answer.status, answer.status, False, server.session_ids(header), answer.user,
                        answer.created, bool(self.cookies(name)), _dedupe(chain), header, origin=origin_header,
                        **self._reported())  # fmt: skip

    def idp_login(self, page: Origin, server: ServerModel, idp: Origin, how: str, age: float = 0) -> Exchange:
        """An identity provider's login from a top-level page on `page` (vocabulary.LOGINS "idp"): the page navigates
        to the server's AUTH_START_PATH, whose answer stores the state cookie and redirects to the provider on `idp`
        (another site, holding none of the app's cookies); the provider's page navigates back to the server's
        CALLBACK_PATH, by a GET (`how` "query") or a form POST ("form_post"), `age` seconds later: the callback's
        Exchange, the start's rules first."""
        start = self.navigate(page, server, "GET", AUTH_START_PATH, reasons=("idp-start",))
        if age:
            self.advance(age)
            start = replace(start, reasons=start.reasons + ("idp-state-cookie-aged",))
        if how == "query":
            back = self.navigate(idp, server, "GET", CALLBACK_PATH, reasons=("idp-return-query",))
        else:
            back = self.navigate(idp, server, "POST", CALLBACK_PATH, URLENCODED, ("idp-return-form-post",
                                                                                  "nav-form-post"))  # fmt: skip
        return replace(back, reasons=_dedupe([*start.reasons, *back.reasons]))

    def _site_for_cookies(self, page: Origin, top: Origin | None) -> Origin | None:
        """6265bis §5.2.1: the site for cookies of a document on `page` framed by a top-level page on `top` (None:
        the page is top-level): the top-level origin when the document is same-site with it, else none (opaque)."""
        if top is None:
            return page
        return top if self._same_site(page, top) else None

    def _frame_reasons(self, page: Origin, top: Origin | None) -> list[str]:
        """How a framed page relates to its top-level page, for the chain; nothing for a top-level page."""
        if top is None:
            return []
        return ["frame-top-level-site"] + ([] if self._site_for_cookies(page, top) else ["frame-site-for-cookies"])

    def _context(self, page: Origin, target: Origin, top: Origin | None) -> tuple[bool, bool, bool]:
        """A request of a document on `page` (framed by `top`, or top-level) to `target`: whether it is same-site for
        cookies (6265bis §5.2.1, the site for cookies), whether third-party cookie policies apply (the URL is
        cross-site to the site for cookies), and whether the document's storage access lifts them (Storage Access API
        'determine the initial storage-access eligibility': a framed document with storage access whose ancestry is
        cross-site, asking its own origin, or any origin of its site where the profile says so)."""
        site = self._site_for_cookies(page, top)
        same = site is not None and self._same_site(site, target)
        eligible = target == page or (self.profile.storage_access_same_site_requests.value
                                      and self._same_site(page, target))  # fmt: skip
        access = site is None and (top, page) in self.access and eligible
        return same, not same and not access, access

    def _subresource(
        self, page: Origin, target: Origin, path: str, method: str = "GET", top: Origin | None = None
    ) -> CookieRequest:
        """A request from a page on `page` (framed by `top`, or top-level; fetch(), an image) to `path` on
        `target`."""
        same, third_party, access = self._context(page, target, top)
        return CookieRequest(target, path, same, third_party=third_party, top_level_site=site_of(top or page),
                             method=method, storage_access=access)  # fmt: skip

    def _secure_context(self, page: Origin, top: Origin) -> bool:
        """Whether a document on `page` framed by a top-level page on `top` is a secure context (Secure Contexts: it and
        its ancestors potentially trustworthy; a loopback host is, where the browser counts it so)."""
        return all(is_secure_url(o, self.profile.localhost_is_secure.value) for o in (page, top))

    def request_storage_access(self, page: Origin, top: Origin, permission: str) -> tuple[str, tuple[str, ...]]:
        """document.requestStorageAccess() in a document on `page` framed by a top-level page on `top`, after a click
        in it (transient activation), where the browser's storage-access permission for the two sites is `permission`
        ("granted" or "denied", as the user answered it): "granted" (the promise resolved, and the document has
        storage access) or "denied" (NotAllowedError), and why."""
        reasons = ["frame-top-level-site"]
        if not self._secure_context(page, top):
            return "denied", tuple(reasons + ["storage-access-secure-context"])
        given, why = storage_access_given(self.profile, page, top)
        reasons += why
        if given is None:
            given = "allow" if permission == "granted" else "disallow"
            reasons.append("storage-access-activation")
            if self.profile.storage_access_by_interaction.value:
                reasons.append("storage-access-prior-interaction")
            reasons.append(f"storage-access-{permission}")
        if given == "allow":
            self.access.add((top, page))
        return ("granted" if given == "allow" else "denied"), tuple(reasons)

    def has_storage_access(self, page: Origin, top: Origin) -> tuple[bool, tuple[str, ...]]:
        """document.hasStorageAccess() in a document on `page` framed by a top-level page on `top`, and why."""
        if not self._secure_context(page, top):
            return False, ("storage-access-secure-context",)
        given, why = storage_access_given(self.profile, page, top)
        if given is not None:
            return given == "allow", tuple(why)
        return (top, page) in self.access, ("storage-access-has",)

    def receive(self, page: Origin, target: Origin, path: str, lines: tuple[str, ...]) -> tuple[str, ...]:
        """A credentialed fetch() from a top-level page on `page` to `path` on `target` answered with these
        Set-Cookie lines, in order (whatever the server is): why the jar changed or did not."""
        request, reasons = self._subresource(page, target, path), []
        for line in lines:
            reasons += self._store(parse_set_cookie(line, "Set-Cookie"), request)
        return _dedupe(reasons)

    def cookie_header(self, page: Origin, target: Origin, path: str) -> tuple[str | None, tuple[str, ...]]:
        """The Cookie header of a credentialed fetch() from a top-level page on `page` to `path` on `target` (None:
        no cookie goes), and why."""
        header, why = self._cookie_header(self._subresource(page, target, path))
        return header, _dedupe(why)

    def _document(self, page: Origin, path: str, top: Origin | None = None) -> CookieRequest:
        """document.cookie of a document at `page` + `path` (framed by `top`, or top-level): a non-HTTP API, in the
        document's own context (cross-site when its site for cookies is opaque; third-party likewise, until the
        document is granted storage access)."""
        same, third_party, access = self._context(page, page, top)
        return CookieRequest(page, path, same, third_party=third_party, top_level_site=site_of(top or page),
                             http=False, storage_access=access)  # fmt: skip

    def write_cookie(
        self, page: Origin, path: str, line: str, top: Origin | None = None
    ) -> tuple[bool, tuple[str, ...]]:
        """document.cookie = line on a page at `page` + `path` (framed by `top`, or top-level): whether the jar
        changed, and why."""
        sc = parse_set_cookie(line, "document.cookie", header=False)
        before = self.jar
        reasons = ["cookie-script-write"] + self._store(sc, self._document(page, path, top))
        added = [c for c in self.jar if c.order == self._order]
        if sc.has("domain") and added and not added[0].host_only:
            reasons.append("cookie-weak-integrity")
        return self.jar != before, _dedupe(reasons)

    def script_write(
        self, api: str, page: Origin, path: str, line: str, top: Origin | None = None
    ) -> tuple[str, tuple[str, ...]]:
        """A write of the cookie `line` describes by the page's script on `page` + `path` (framed by `top`, or
        top-level) through `api` (vocabulary.SCRIPT_APIS): what script gets back (vocabulary.SCRIPT_OUTCOMES), and
        why."""
        if api == "cookieStore":
            return self.store_cookie(page, path, line, top)
        return "done", self.write_cookie(page, path, line, top)[1]

    def store_cookie(
        self, page: Origin, path: str, line: str, top: Origin | None = None
    ) -> tuple[str, tuple[str, ...]]:
        """cookieStore.set() of the cookie `line` describes (cookiestore.cookie_init) on a page at `page` + `path`
        (framed by `top`, or top-level): what the promise gives (vocabulary.SCRIPT_OUTCOMES), and why."""
        if not self.profile.cookie_store_api.value:
            return "unavailable", ("cookie-store-unsupported",)
        if not self._secure_context(page, top or page):
            return "unavailable", ("cookie-store-secure-context",)
        init = cookie_init(line)
        reasons = []
        if init.get("partitioned") and not self.profile.cookie_store_partitioned.value:
            init = {k: v for k, v in init.items() if k != "partitioned"}
            reasons.append("cookie-store-partitioned-ignored")
        sc, why = set_a_cookie(init, page.host)
        if sc is None:
            return "rejected", tuple(reasons + [why])
        stored = self._store(sc, self._document(page, path, top))
        reasons += [why, *stored]
        if self.profile.cookie_store_rejects_refused.value and not {"cookie-stored", "cookie-expired"} & set(stored):
            return "rejected", _dedupe(reasons + ["cookie-store-refused-rejects"])
        return "resolved", _dedupe(reasons)

    def read_cookie(
        self, page: Origin, name: str, path: str = "/", top: Origin | None = None
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The values of the cookies called `name` that document.cookie shows at `page` + `path` (framed by `top`, or
        top-level), and why."""
        shown, why = retrieve(self.jar, name, self._document(page, path, top), self.profile, self.now)
        return tuple(c.value for c in shown), _dedupe(["document-cookie"] + [r for r in why if r != "cookie-sent"])

    def document_cookie(self, page: Origin, path: str = "/", top: Origin | None = None) -> str:
        """document.cookie at `page` + `path` (framed by `top`, or top-level): every cookie script may read there,
        serialized (6265bis §5.8.2)."""
        shown, _ = retrieve(self.jar, None, self._document(page, path, top), self.profile, self.now)
        return cookie_string(shown)
