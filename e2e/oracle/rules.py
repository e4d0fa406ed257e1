"""The rules the oracle applies, as data: a short id, one sentence and its source each; and the one formatter of
rule chains (failures, `explain` and the report print chains through `chain_lines`). No logic of a rule lives here:
each is applied in the module named for its algorithm.

Sources, cited per rule:
- Fetch: the WHATWG Fetch Living Standard, by its stable anchors (https://fetch.spec.whatwg.org/#…).
- 6265bis: draft-ietf-httpbis-rfc6265bis, editor's copy of July 2026, by section (and step of §5.7).
- layered-cookies: draft-ietf-httpbis-layered-cookies (the __Http- and __Host-Http- prefixes).
- CHIPS: draft-cutler-httpbis-partitioned-cookies (the Partitioned attribute).
- Cookie Store: the WHATWG Cookie Store API Living Standard, by its anchors.
- Storage Access API: the Privacy CG's draft report (privacycg.github.io/storage-access), by its anchors.
- HTML: the WHATWG HTML Standard ("same site", "obtain a site", form submission, navigation).
- BCD: MDN browser-compat-data http/headers/Set-Cookie.json.
- server/app.py and server/config.py: the server this suite runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SAA = "Storage Access API (privacycg.github.io/storage-access)"
COOKIE_STORE = "Cookie Store (WHATWG, cookiestore.spec.whatwg.org)"


@dataclass(frozen=True)
class Rule:
    """One statement the oracle applies: a short id, one sentence, and the section it comes from."""

    id: str
    text: str
    source: str

    def line(self) -> str:
        """'rule ID: sentence [source]'."""
        return f"rule {self.id}: {self.text} [{self.source}]"


_TABLE = (
    # Fetch: credentials, modes, preflight, the CORS check, what script sees
    Rule(
        "fetch-credentials-omit",
        'credentials "omit" never includes credentials: no cookie is sent and Set-Cookie on the response is '
        "ignored, even for a same-origin URL.",
        "Fetch #concept-request-credentials-mode; #concept-http-network-or-cache-fetch (includeCredentials)",
    ),
    Rule(
        "fetch-credentials-same-origin",
        'credentials "same-origin" includes credentials only for a same-origin URL (response tainting "basic"); a '
        "cross-origin URL, even a same-site one on another port or subdomain, gets no cookie and its Set-Cookie is"
        " ignored.",
        "Fetch #concept-request-credentials-mode; #concept-http-network-or-cache-fetch (includeCredentials)",
    ),
    Rule(
        "fetch-credentials-include",
        'credentials "include" includes credentials for any URL: cookies go and Set-Cookie is processed as the '
        "cookie rules allow, and a cross-origin response must pass the credentialed CORS check.",
        "Fetch #concept-request-credentials-mode; #concept-http-network-or-cache-fetch; #concept-cors-check",
    ),
    Rule(
        "fetch-same-origin",
        "A same-origin request gets a basic response: no preflight and no CORS check.",
        "Fetch #concept-main-fetch (response tainting 'basic')",
    ),
    Rule(
        "fetch-mode-same-origin",
        'mode "same-origin" with a cross-origin URL returns a network error before any request is sent.',
        "Fetch #concept-main-fetch",
    ),
    Rule(
        "fetch-no-cors-opaque",
        'mode "no-cors" with a cross-origin URL gives an opaque response (type "opaque", status 0) script cannot '
        "read; cookies are still sent and stored as the credentials mode says.",
        "Fetch #concept-main-fetch (response tainting 'opaque'); #concept-filtered-response-opaque",
    ),
    Rule(
        "fetch-no-cors-headers",
        'In mode "no-cors" the Headers guard "request-no-cors" silently drops Content-Type: application/json, so a'
        " string body goes as text/plain;charset=UTF-8.",
        "Fetch #concept-headers-guard; #no-cors-safelisted-request-header; #dom-request (extract a body)",
    ),
    Rule(
        "fetch-no-cors-simple-post",
        "A no-cors POST with Content-Type text/plain (CORS-safelisted) is sent at once without a preflight; "
        "cookies go as the credentials mode, SameSite and the third-party policy say, and script gets an opaque "
        "response.",
        "Fetch #cors-safelisted-request-header; #concept-main-fetch; #concept-filtered-response-opaque",
    ),
    Rule(
        "fetch-preflight",
        'A cross-origin "cors" request with a non-safelisted header (Content-Type: application/json, '
        "Authorization) is preceded by a CORS preflight (OPTIONS), unless the preflight cache covers it.",
        "Fetch #cors-preflight-fetch; #cors-unsafe-request-header-names; #concept-main-fetch",
    ),
    Rule(
        "fetch-redirect-manual",
        'redirect "manual": fetch does not follow; script gets an opaque-redirect response (type "opaqueredirect", '
        "status 0, no headers); the redirect response's Set-Cookie was still processed.",
        "Fetch #concept-request-redirect-mode; #http-fetch step 4.6 (opaque-redirect filtered response)",
    ),
    Rule(
        "fetch-redirect-error",
        'redirect "error": a redirect is a network error (fetch rejects with a TypeError), after the redirect '
        "response's Set-Cookie was processed.",
        "Fetch #concept-request-redirect-mode; #http-fetch step 4.6",
    ),
    Rule(
        "server-redirect-sets-cookie",
        "The hop's redirect response opens a session and sets the session cookie (an auth endpoint that logs in "
        "and sends on): the cookie is stored for the hop's origin, and goes with the next hop only if it matches "
        "that URL.",
        "server/app.py redirect_hop; server/config.py Settings.redirect_sets_cookie",
    ),
    Rule(
        "idp-start",
        "The page navigates top-level to the app's own /api/auth/start: a same-origin navigation whose answer "
        "stores the state cookie and redirects to the identity provider, on another site.",
        "HTML #navigate; 6265bis §5.2.2 (top-level navigations)",
    ),
    Rule(
        "idp-state-cookie-aged",
        "The user stays on the provider's page: the return arrives when the state cookie is that many seconds old "
        "(the case ages the real cookie in the browser's own store; nothing waits), which decides "
        "Lax-allowing-unsafe.",
        "6265bis §5.8.3 (a cookie's creation-time); e2e/harness/case.py BrowserCase.age_cookies",
    ),
    Rule(
        "idp-return-query",
        "The provider's page navigates back to the callback by GET (OIDC response_mode=query): a cross-site "
        "top-level GET, which carries Lax and None cookies but not Strict ones.",
        "OpenID Connect Core 1.0 §3.1.2.5; 6265bis §5.2.2, §5.8.3 step 2",
    ),
    Rule(
        "idp-return-form-post",
        "The provider's page returns by an auto-submitted form POST (OIDC response_mode=form_post): a cross-site "
        "top-level POST, which carries None cookies only (and, in Chromium, cookies without SameSite younger "
        "than Lax-allowing-unsafe's two minutes).",
        "OAuth 2.0 Form Post Response Mode §2; 6265bis §5.8.3 step 2 (unsafe method)",
    ),
    Rule(
        "fetch-authorization-header",
        "The page's fetch carries an Authorization header (a bearer token): never a CORS-safelisted header, so a "
        "cross-origin fetch that carries it is preflighted even as a GET.",
        "Fetch #cors-safelisted-request-header; #cors-unsafe-request-header-names",
    ),
    Rule(
        "fetch-preflight-cached",
        "The CORS-preflight cache holds an entry for this origin, URL and credentials that covers the request's "
        "method and every unsafe header name (an earlier preflight's Access-Control-Allow-Methods and -Headers, "
        "within its Access-Control-Max-Age): the request goes without a preflight.",
        "Fetch #http-fetch (makeCORSPreflight); #cors-preflight-cache; #concept-cache-match-header",
    ),
    Rule(
        "fetch-preflight-cache-store",
        "A passing preflight answer with a positive Access-Control-Max-Age (capped by the engine) adds a cache "
        "entry for each method and header name it lists, keyed by origin, URL and credentials: later requests "
        "it covers skip the preflight.",
        "Fetch #cors-preflight-fetch steps 7.8-15; #cors-preflight-cache",
    ),
    Rule(
        "fetch-preflight-cache-bypassed",
        'The fetch\'s cache mode is "no-store": this engine neither consults nor fills the CORS-preflight cache for '
        "it, so every such request is preflighted whatever Access-Control-Max-Age says (a profile deviation).",
        "Fetch #concept-request-cache-mode; the engine's profile (no_store_skips_preflight_cache)",
    ),
    Rule(
        "fetch-preflight-authorization-not-wildcard",
        'Authorization is a CORS non-wildcard request-header name: a "*" in Access-Control-Allow-Headers never '
        "covers it, with or without credentials; the preflight fails unless Authorization is named.",
        "Fetch #cors-non-wildcard-request-header-name; #cors-preflight-fetch step 7.6",
    ),
    Rule(
        "fetch-preflight-wildcard-credentials",
        'For a request whose credentials mode is "include", a "*" in Access-Control-Allow-Headers is a header '
        "called '*', not a wildcard: Content-Type must be named, or the preflight fails.",
        "Fetch #cors-preflight-fetch step 7.7; #cors-protocol-and-credentials",
    ),
    Rule(
        "fetch-preflight-no-credentials",
        "A CORS preflight is sent without credentials: it never carries a cookie.",
        "Fetch #cors-preflight-fetch",
    ),
    Rule(
        "fetch-preflight-check",
        "The preflight response must pass the CORS check for the actual request's credentials mode, have an ok "
        "status and allow the request's method and every unsafe header name (Access-Control-Allow-Methods, "
        "-Headers); otherwise the fetch fails and no actual request is sent.",
        "Fetch #cors-preflight-fetch",
    ),
    Rule(
        "fetch-simple-request",
        "A GET, or a POST without a body or with a urlencoded, multipart or text/plain one, carries only safelisted "
        "headers and is not preflighted: it reaches the server whatever the CORS answer will be.",
        "Fetch #cors-safelisted-method; #cors-safelisted-request-header; #concept-main-fetch",
    ),
    # The HTTP cache (httpcache.py)
    Rule(
        "http-cache-store",
        "A GET's 200 answer with Cache-Control max-age (and no no-store) is stored in the HTTP cache's partition of "
        "the page's top-level site, under its URL, with the request's values of the headers its Vary names; it "
        "replaces the URL's earlier answer there.",
        "RFC 9111 §3, §4.1; Fetch #determine-the-http-cache-partition; #concept-http-network-or-cache-fetch",
    ),
    Rule(
        "http-cache-hit",
        "A GET for a URL the cache holds a fresh answer for, in the partition of the page's top-level site (every "
        "page of the site shares it), whose Vary'd request headers match, is answered from the cache: no request "
        "reaches the server and no cookie goes; the stored answer's CORS headers meet this request's CORS check, "
        "so without Vary: Origin another origin's Access-Control-Allow-Origin fails it.",
        "RFC 9111 §4, §4.1, §4.2; Fetch #concept-http-network-or-cache-fetch; #concept-cors-check",
    ),
    Rule(
        "http-cache-vary-mismatch",
        "The cache holds an answer for the URL, but a header its Vary names (Origin) had another value: the "
        "stored answer is not used and the request goes to the server.",
        "RFC 9111 §4.1",
    ),
    Rule(
        "http-cache-stale",
        "The cache's answer for the URL is older than its max-age: it is not used without validation, and the "
        "request goes to the server.",
        "RFC 9111 §4.2",
    ),
    Rule(
        "fetch-cache-mode-no-store",
        'The fetch\'s cache mode is "no-store": the answer, storable as it is, is neither taken from the HTTP cache '
        "nor stored in it.",
        "Fetch #concept-request-cache-mode; #concept-http-network-or-cache-fetch",
    ),
    Rule(
        "fetch-origin-header",
        "The browser adds an Origin header with the initiator's origin to every POST and to every cross-origin "
        "CORS request, form submissions included; script cannot set or change it.",
        "Fetch #append-a-request-origin-header; #forbidden-request-header",
    ),
    Rule(
        "cors-allowed",
        'The CORS check passes: Access-Control-Allow-Origin is "*" for a request without credentials or equals the'
        ' Origin, and with credentials "include" Access-Control-Allow-Credentials is exactly "true".',
        "Fetch #concept-cors-check",
    ),
    Rule(
        "cors-no-allow-origin",
        "A response without Access-Control-Allow-Origin fails the CORS check: fetch rejects with a TypeError.",
        "Fetch #concept-cors-check",
    ),
    Rule(
        "cors-wildcard-credentials",
        'Access-Control-Allow-Origin "*" fails the CORS check when credentials are "include": it must equal the '
        "Origin.",
        "Fetch #concept-cors-check; #cors-protocol-and-credentials",
    ),
    Rule(
        "cors-origin-mismatch",
        "An Access-Control-Allow-Origin that differs from the request's Origin fails the CORS check.",
        "Fetch #concept-cors-check",
    ),
    Rule(
        "cors-credentials-not-allowed",
        'With credentials "include" the CORS check also needs Access-Control-Allow-Credentials: true; without it '
        "fetch rejects with a TypeError.",
        "Fetch #concept-cors-check; #cors-protocol-and-credentials",
    ),
    Rule(
        "cors-header-exposed",
        "Script reads a CORS response's header when it is CORS-safelisted or Access-Control-Expose-Headers names "
        "it (or says '*' for a request without credentials).",
        "Fetch #concept-filtered-response-cors; #cors-safelisted-response-header-name; "
        "#http-access-control-expose-headers",
    ),
    Rule(
        "cors-header-not-exposed",
        "A CORS response shows script only safelisted headers and those Access-Control-Expose-Headers names: the "
        "API's own X-Request-Id reads as null although DevTools shows it.",
        "Fetch #concept-filtered-response-cors; #cors-safelisted-response-header-name",
    ),
    Rule(
        "cors-expose-wildcard-credentials",
        "For a credentialed request, '*' in Access-Control-Expose-Headers is a header called '*', not a wildcard: "
        "the header must be named.",
        "Fetch #http-access-control-expose-headers; #cors-protocol-and-credentials",
    ),
    Rule(
        "cors-reflect-any-credentials",
        "A policy that echoes any Origin with Access-Control-Allow-Credentials: true passes every credentialed "
        "CORS check, so any site can read the user's responses whenever the browser sends the cookie.",
        "Fetch #concept-cors-check, #cors-protocol-and-credentials; shared/reference/cookie-rules.md (flask-cors "
        "supports_credentials with origins='*')",
    ),
    Rule(
        "fetch-set-cookie-despite-cors-failure",
        "Set-Cookie on a credentialed response is processed before the CORS check, so the cookie is stored "
        "although script sees only a network error.",
        "Fetch #http-network-fetch (cookies stored when includeCredentials), #cors-protocol-and-credentials; "
        "whatwg/fetch issue 855",
    ),
    Rule(
        "fetch-set-cookie-hidden",
        "Script never reads Set-Cookie: it is a forbidden response-header name, filtered out of every response "
        "script sees.",
        "Fetch #forbidden-response-header-name; #concept-filtered-response-basic",
    ),
    # Sites (6265bis, HTML)
    Rule(
        "site-same",
        "The page and the API are same-site: same scheme and registrable domain (Public Suffix List; the host "
        "itself for an IP address or a public suffix such as localhost); ports never count.",
        "6265bis §5.2 'Same-site and cross-site Requests'; HTML #same-site, #obtain-a-site",
    ),
    Rule(
        "site-cross",
        "The page and the API are cross-site: their registrable domains (or hosts) differ, so every fetch from the"
        " page is a cross-site request in a third-party context.",
        "6265bis §5.2 'Same-site and cross-site Requests'; HTML #same-site, #obtain-a-site",
    ),
    Rule(
        "site-schemeful",
        "Same-site compares schemes where the profile has schemeful same-site (http and https of one registrable "
        "domain are cross-site), and ignores them where it does not.",
        "HTML #same-site vs #schemelessly-same-site; BCD Set-Cookie.json SameSite.schemeful",
    ),
    # Navigations and form posts (HTML, Fetch, 6265bis)
    Rule(
        "nav-form-post",
        "Submitting a form with method POST navigates its browsing context (here the top-level one) with a POST "
        "request whose body is the form data in the form's enctype; it is not a CORS request, needs no preflight, "
        "and the attacker's script is gone once the response is shown.",
        "HTML #form-submission-algorithm ('Submit as entity body'); Fetch #concept-main-fetch (mode 'navigate')",
    ),
    Rule(
        "nav-top-level-site",
        "A top-level navigation's request belongs to the document it creates: its top-level site is the target's "
        "site, so third-party cookie policies do not apply to it and a Partitioned cookie goes only if it was "
        "keyed by the target's site.",
        "HTML #create-navigation-params-by-fetching (reserved environment, top-level creation URL); Fetch "
        "#determine-the-network-partition-key; CHIPS §2.2; 6265bis §5.2.1 (a top-level document's site for cookies"
        " is its own site)",
    ),
    Rule(
        "nav-cross-site",
        "A navigation started by a document of another site is a cross-site request: the site of the request's "
        "client (the initiator) differs from the target's.",
        "6265bis §5.2 'Same-site and cross-site Requests'",
    ),
    # The storage model and the retrieval algorithm (6265bis)
    Rule(
        "cookie-line-ctl",
        "A set-cookie-string holding a control character other than HTAB (%x00-08, %x0A-1F, %x7F) is ignored "
        "entirely: no cookie is received from it.",
        "6265bis §5.6 step 1; §5.7 step 3",
    ),
    Rule(
        "cookie-name-value-empty",
        "A cookie whose name and value are both empty (an empty line, '=', only whitespace) is ignored.",
        "6265bis §5.7 step 2",
    ),
    Rule(
        "cookie-nameless",
        "A name-value pair without '=' (or with nothing before it) is a cookie with an empty name; the Cookie header "
        "and document.cookie show it as its value alone, and it is replaced only by another nameless cookie.",
        "6265bis §5.6 step 3; §5.7 steps 5 and 23; §5.8.3 step 4",
    ),
    Rule(
        "cookie-prefix-nameless",
        "A cookie with an empty name whose value begins with __Secure- or __Host- (in any case) is ignored, so that "
        "it cannot pass for a prefixed cookie in the Cookie header.",
        "6265bis §5.7 step 22",
    ),
    Rule(
        "cookie-valueless",
        "Firefox reads a name-value pair without '=' as a name with an empty value ('token' is token=), not as a "
        "nameless cookie, and rejects a cookie whose name is empty ('=value'): network.cookie.valueless_cookie, on "
        "by default, to match Safari.",
        "netwerk/cookie/CookieParser.cpp ParseAttributes; netwerk/cookie/CookieValidation.cpp CheckName; "
        "modules/libpref/init/StaticPrefList.yaml network.cookie.valueless_cookie",
    ),
    Rule(
        "cookie-replaced-new-creation",
        "Chromium gives a cookie that replaces one of the same name, domain and path with a different value a new "
        "creation time, so it moves behind the cookies set since (6265bis keeps the old creation time); an "
        "unchanged value keeps it.",
        "net/cookies/cookie_monster.cc MaybeDeleteEquivalentCookieAndUpdateStatus (creation_date_to_inherit)",
    ),
    Rule(
        "cookie-replaced-keeps-creation",
        "A cookie that replaces one of the same name, domain, host-only flag and path keeps the old cookie's creation "
        "time, and with it its place in the Cookie header and document.cookie.",
        "6265bis §5.7 step 23; §5.8.3 step 2",
    ),
    Rule(
        "cookie-jar-empty",
        "The jar holds no session cookie, so none can be sent or read.",
        "6265bis §5.8.3 Retrieval Algorithm",
    ),
    Rule(
        "cookie-host-only",
        "A cookie without a Domain attribute is host-only: it goes only to the host that set it (on any port).",
        "6265bis §5.7 step 10; §5.8.3 Retrieval Algorithm",
    ),
    Rule(
        "cookie-domain-attribute",
        "Domain=D, from a host that domain-matches D, makes the cookie go to D and every subdomain of D.",
        "6265bis §5.7 step 10; §5.1.3 Domain Matching; §5.8.3",
    ),
    Rule(
        "cookie-domain-mismatch",
        "A Domain attribute that the request host does not domain-match rejects the cookie.",
        "6265bis §5.7 step 10; §5.1.3 Domain Matching",
    ),
    Rule(
        "cookie-domain-public-suffix",
        "A Domain attribute that is a public suffix rejects the cookie, unless it equals the host, which makes the"
        " cookie host-only.",
        "6265bis §5.7 step 9; Public Suffix List",
    ),
    Rule(
        "cookie-domain-dot",
        "Domain=. leaves an empty domain-attribute, which 6265bis makes a host-only cookie; Chromium and Firefox "
        "reject the cookie instead (a '.' alone is no domain to them).",
        "6265bis §5.6.3 and §5.7 step 10; net/cookies/cookie_util.cc GetCookieDomainWithString; "
        "netwerk/cookie/CookieService.cpp CheckDomain",
    ),
    Rule(
        "cookie-path-default",
        "Without a Path attribute (or with one not starting with '/') the path is the request path's directory: "
        "'/api' for /api/login.",
        "6265bis §5.1.4 Paths and Path-Match (default-path); §5.6.4 The Path Attribute",
    ),
    Rule(
        "cookie-path-match",
        "A cookie goes only to request paths that path-match its path, and document.cookie of the page at '/' "
        "shows only cookies with Path=/.",
        "6265bis §5.1.4 Paths and Path-Match; §5.8.3",
    ),
    Rule(
        "cookie-secure-origin",
        "A Secure cookie is stored only from a secure URL (https, or a loopback host such as http://localhost "
        "where the profile counts it as secure).",
        "6265bis §5.7 step 13",
    ),
    Rule(
        "cookie-secure-send",
        "A Secure cookie is sent only to, and shown by document.cookie only on, a secure URL.",
        "6265bis §5.8.3 Retrieval Algorithm",
    ),
    Rule(
        "cookie-secure-no-overwrite",
        "A non-Secure cookie from an insecure URL may not overlay an existing Secure cookie of the same name.",
        "6265bis §5.7 step 16",
    ),
    Rule(
        "cookie-localhost-secure",
        "This profile counts http://localhost (and other loopback hosts) as secure for cookies.",
        "Secure Contexts #potentially-trustworthy-origin; profile localhost_is_secure",
    ),
    Rule(
        "cookie-httponly",
        "An HttpOnly cookie is absent from document.cookie but still sent with requests.",
        "6265bis §5.8.3 (retrieval type 'non-HTTP'); §5.7 step 15",
    ),
    Rule(
        "document-cookie",
        "document.cookie on the page shows the cookies that domain- and path-match the page URL ('/' on the page's"
        " host), Secure ones only on a secure page, HttpOnly ones never.",
        "6265bis §5.8.2 Non-HTTP APIs; §5.8.3 Retrieval Algorithm",
    ),
    Rule(
        "cookie-sent",
        "The stored cookie matches the request's host, path, scheme, same-site status and partition, so it goes in"
        " the Cookie header.",
        "6265bis §5.8.1 The Cookie Header Field; §5.8.3 Retrieval Algorithm",
    ),
    Rule(
        "cookie-retrieval-order",
        "The Cookie header lists cookies with longer paths first, then earlier creation first: a cookie tossed "
        "with Path=/api, or planted before the site's own, comes first.",
        "6265bis §5.8.3 Retrieval Algorithm step 2",
    ),
    Rule(
        "cookie-script-write",
        "document.cookie stores a cookie through the same storage model, as a non-HTTP API: from the page's URL, "
        "never HttpOnly.",
        "6265bis §5.8.2 Non-HTTP APIs; §5.7 Storage Model",
    ),
    Rule(
        "cookie-httponly-script-write",
        "A script cannot set an HttpOnly cookie, nor replace or delete an HttpOnly cookie of the same name, "
        "domain, host-only flag and path: the write is ignored.",
        "6265bis §5.7 Storage Model (cookies from a non-HTTP API)",
    ),
    Rule(
        "cookie-weak-integrity",
        "A sibling subdomain can write cookies with Domain=<registrable domain>; the app cannot tell them from its"
        " own, because the Cookie header carries only names and values.",
        "6265bis §8.6 Weak Integrity; §5.7 step 10",
    ),
    # SameSite (6265bis; Chromium's Lax-allowing-unsafe)
    Rule(
        "samesite-cross-site-send",
        "A cross-site request from a page carries only cookies whose SameSite is None: Lax and Strict are "
        "withheld, and so is an unspecified SameSite where Lax-by-default applies.",
        "6265bis §5.8.3 Retrieval Algorithm",
    ),
    Rule(
        "samesite-cross-site-store",
        "A cross-site response can store only cookies whose SameSite is None: Lax, Strict and, where "
        "Lax-by-default applies, unspecified are rejected.",
        "6265bis §5.7 step 18",
    ),
    Rule(
        "samesite-lax-by-default",
        "A cookie without a valid SameSite attribute ('Default') counts as Lax where the profile has "
        "Lax-by-default, and as None where it does not.",
        "6265bis §5.6.7 The SameSite Attribute; BCD Set-Cookie.json SameSite.Lax_default",
    ),
    Rule(
        "samesite-none-requires-secure",
        "SameSite=None without Secure is rejected (where the profile enforces it).",
        "6265bis §5.7 step 19; BCD Set-Cookie.json SameSite.none_requires_secure",
    ),
    Rule(
        "samesite-strict-navigation",
        "A Strict cookie is withheld from every cross-site request, top-level navigations included.",
        "6265bis §5.8.3 Retrieval Algorithm (SameSite enforcement)",
    ),
    Rule(
        "samesite-lax-top-level-safe",
        "A Lax cookie (or one without SameSite where Lax-by-default applies) goes with a cross-site request only "
        "if it is a top-level navigation with a safe method (GET, HEAD): a cross-site form POST leaves it behind.",
        "6265bis §5.8.3 Retrieval Algorithm (SameSite enforcement); §8.8.2 'Lax' enforcement",
    ),
    Rule(
        "samesite-none-navigation",
        "A SameSite=None cookie (or one without SameSite where Lax-by-default does not apply) goes with a "
        "cross-site navigation of any method.",
        "6265bis §5.8.3 Retrieval Algorithm",
    ),
    Rule(
        "samesite-lax-allowing-unsafe",
        "Where the profile keeps 'Lax-allowing-unsafe', a cookie without SameSite that is Lax only by default and "
        "was created at most the profile's threshold ago (Chromium: 2 minutes, 'Lax + POST') also goes with a "
        "cross-site top-level navigation of an unsafe method such as a form POST.",
        "6265bis 'Lax-Allowing-Unsafe' enforcement (httpwg/http-extensions PR 1435); "
        "chromestatus.com/feature/5088147346030592; Chromium net/cookies/canonical_cookie.cc "
        "GetLaxAllowUnsafeThresholdAge",
    ),
    # Name prefixes, lifetime, size (6265bis, layered-cookies)
    Rule(
        "cookie-prefix-secure",
        "A name starting with __Secure- (in any case) needs Secure, so a secure URL.",
        "6265bis §5.4 Cookie Name Prefixes; §5.7 step 20",
    ),
    Rule(
        "cookie-prefix-host",
        "A name starting with __Host- (in any case) needs Secure, no Domain attribute (host-only) and an explicit "
        "Path=/.",
        "6265bis §5.4 Cookie Name Prefixes; §5.7 step 21",
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
        "6265bis §5.7 step 6",
    ),
    Rule(
        "cookie-expired",
        "A cookie with Max-Age<=0 or a past Expires is not stored, and it removes a stored cookie with the same "
        "name, domain, host-only flag, path (and partition).",
        "6265bis §5.7 steps 23-24 and eviction of expired cookies; §5.6.2 The Max-Age Attribute; CHIPS",
    ),
    Rule(
        "cookie-deletion-mismatch",
        "A deletion whose name, domain, host-only flag, path or partition differs from the stored cookie's leaves "
        "that cookie in the jar.",
        "6265bis §5.7 step 23; CHIPS (partition key in the cookie's identity)",
    ),
    Rule(
        "cookie-size-limit",
        "A cookie whose name plus value exceed 4096 bytes is rejected.",
        "6265bis §5.6 parsing step 5; §5.7 step 4",
    ),
    Rule(
        "cookie-lifetime-cap",
        "A Max-Age or Expires further than 400 days away is cut to 400 days.",
        "6265bis §5.5 Cookie Lifetime Limits",
    ),
    Rule(
        "cookie-stored",
        "The cookie passed every storage check and is in the jar.",
        "6265bis §5.7 step 24",
    ),
    # CHIPS and the third-party cookie policies
    Rule(
        "chips-partitioned-secure",
        "A Partitioned cookie without Secure is rejected.",
        "CHIPS §2.1 'The Partitioned attribute'; BCD Set-Cookie.json Partitioned",
    ),
    Rule(
        "chips-partition-key",
        "A Partitioned cookie is keyed by the top-level site (the page's own site, or the site of the page that "
        "frames it) and is sent or read only under that top-level site.",
        "CHIPS §2.2 'Cookie partition key'; BCD Set-Cookie.json Partitioned",
    ),
    Rule(
        "third-party-cookies",
        "The profile's third-party cookie policy decides unpartitioned cookies in a cross-site context: 'blocked' "
        "neither stores nor sends them, 'allowed' leaves them to the other rules; Partitioned cookies are exempt "
        "where the profile's blocking spares them.",
        "6265bis §7.1 Third-Party Cookies, §7.2 Cookie Policy; profile third_party_cookies",
    ),
    Rule(
        "third-party-partitioned",
        "Where the profile partitions third-party cookies (Firefox's Total Cookie Protection), a cookie set in a "
        "cross-site context lives in a jar keyed by the top-level site, and a cookie set first-party is not sent "
        "with a cross-site request from under another top-level site.",
        "6265bis §7.1 Third-Party Cookies (the policy is the user agent's); profile third_party_partitioned "
        "(Firefox network.cookie.cookieBehavior 5, BEHAVIOR_REJECT_TRACKER_AND_PARTITION_FOREIGN)",
    ),
    # Frames and the Storage Access API
    Rule(
        "frame-top-level-site",
        "A framed page's requests and document.cookie are judged under the top-level page's site, not the page's "
        "own: partition keys (Partitioned cookies, Total Cookie Protection) and third-party policies read it.",
        "6265bis §5.2 'Same-site and Cross-site Requests'; CHIPS §2.2 'Cookie partition key'; HTML 'top-level "
        "traversable'",
    ),
    Rule(
        "frame-site-for-cookies",
        "A page framed by a page of another site has an opaque site for cookies: every request it makes, even to "
        "its own origin, and its document.cookie are cross-site, so only SameSite=None cookies are stored or sent, "
        "and third-party cookie policies apply to all of them.",
        "6265bis §5.2.1 'Document-based requests' (the site for cookies of a nested document); §5.8.3",
    ),
    Rule(
        "storage-access-secure-context",
        "The Storage Access API is for secure contexts: on a page that is not one (or is framed by one that is not), "
        "requestStorageAccess() rejects and hasStorageAccess() is false.",
        f"{SAA} #dom-document-requeststorageaccess, #dom-document-hasstorageaccess (secure context)",
    ),
    Rule(
        "storage-access-explicit-allow",
        "The browser's own settings already allow the frame its unpartitioned cookies (third-party cookies allowed, "
        "as a regular profile may): requestStorageAccess() resolves without asking and hasStorageAccess() is true.",
        f"{SAA} #determine-whether-the-user-agent-explicitly-allows-unpartitioned-cookie-access; profile "
        "storage_access_explicit",
    ),
    Rule(
        "storage-access-explicit-disallow",
        "The browser's own settings refuse the frame its unpartitioned cookies outright: requestStorageAccess() "
        "rejects with NotAllowedError without asking and hasStorageAccess() is false.",
        f"{SAA} #determine-whether-the-user-agent-explicitly-allows-unpartitioned-cookie-access; profile "
        "storage_access_explicit",
    ),
    Rule(
        "storage-access-same-site",
        "A frame same-site with its top-level page already has its site's cookies: requestStorageAccess() resolves "
        "without a prompt or a permission, and hasStorageAccess() is true.",
        f"{SAA} #dom-document-requeststorageaccess ('If embeddedSite is same site with topLevelSite'), "
        "#dom-document-hasstorageaccess ('same authority'); WPT storage-access-api/"
        "requestStorageAccess-same-site-iframe.sub.https.window.js",
    ),
    Rule(
        "storage-access-activation",
        "In a cross-site frame, requestStorageAccess() is asked after a click in that frame (transient activation), "
        "and the browser's 'storage-access' permission, keyed by the top-level site and the frame's site, decides it.",
        f"{SAA} #dom-document-requeststorageaccess (transient activation; the permission key of 'storage-access')",
    ),
    Rule(
        "storage-access-prior-interaction",
        "This browser answers a cross-site frame by the user's earlier interaction with the frame's own site, "
        "top-level: it grants access by itself after such an interaction, and otherwise prompts or, for a host listed "
        "as needing that interaction, refuses (how the suite obtains each answer: the profile's storage_access_note).",
        "profile storage_access_by_interaction (Firefox dom/base/Document.cpp AutomaticStorageAccessPermission"
        "CanBeGranted; StorageAccessAPIHelper.cpp CompleteAllowAccessForOnChildProcess)",
    ),
    Rule(
        "storage-access-granted",
        "The permission is granted: the promise resolves and the framed document has storage access from then on (a "
        "new document of the frame asks again).",
        f"{SAA} #dom-document-requeststorageaccess ('Set global's has storage access to true'); WPT "
        "storage-access-api/requestStorageAccess.sub.https.window.js",
    ),
    Rule(
        "storage-access-denied",
        "The permission is denied: the promise rejects with NotAllowedError and nothing changes for cookies.",
        f"{SAA} #dom-document-requeststorageaccess; WPT storage-access-api/requestStorageAccess.sub.https.window.js "
        "('should be rejected with a NotAllowedError with denied permission')",
    ),
    Rule(
        "storage-access-has",
        "hasStorageAccess() in a cross-site frame is the document's own storage access: false until its "
        "requestStorageAccess() resolved, even where the permission is already granted.",
        f"{SAA} #dom-document-hasstorageaccess ('If permissionState is granted, resolve p with global's has storage "
        "access')",
    ),
    Rule(
        "storage-access-requests",
        "A cross-site frame with storage access gets its unpartitioned cookies on its requests to its own origin, as "
        "a first-party page would: third-party cookie blocking and partitioning no longer apply to them (SameSite "
        "still does: the frame stays cross-site), and to nothing else it asks.",
        f"{SAA} #determine-the-initial-storage-access-eligibility (the request's origin same origin with its URL's), "
        "#cookies",
    ),
    Rule(
        "storage-access-same-site-requests",
        "This engine lifts a framed document's storage access to its requests to every origin of its own site, not "
        "only to its own origin: the unpartitioned cookies of an API on another host of the frame's site go too (a "
        "profile deviation).",
        f"{SAA} #determine-the-initial-storage-access-eligibility; the engine's profile "
        "(storage_access_same_site_requests)",
    ),
    # The Cookie Store API (cookieStore.set)
    Rule(
        "cookie-store-secure-context",
        "window.cookieStore exists only in a secure context: an https page (and its frames), or localhost where the "
        "browser counts it secure; on an http page script has document.cookie alone.",
        f"{COOKIE_STORE} #Window ([SecureContext]), #CookieStore",
    ),
    Rule(
        "cookie-store-unsupported",
        "This browser version does not ship the Cookie Store API: window.cookieStore is missing.",
        f"{COOKIE_STORE}; profile cookie_store_api (the version it shipped in)",
    ),
    Rule(
        "cookie-store-set",
        "cookieStore.set() writes as a non-HTTP API, with Secure always, never HttpOnly, Path '/' and SameSite=Strict "
        "unless given: the storage model then decides as for document.cookie, and the promise resolves even when it "
        "stores nothing.",
        f"{COOKIE_STORE} #set-cookie-algorithm ('these steps will be considered successful'), #dictdef-cookieinit",
    ),
    Rule(
        "cookie-store-refused-rejects",
        "Where the browser rejects cookieStore.set() for a cookie its store refused (a TypeError), where the "
        "specification resolves.",
        f"{COOKIE_STORE} #set-cookie-algorithm; profile cookie_store_rejects_refused",
    ),
    Rule(
        "cookie-store-partitioned-ignored",
        "Where the browser ignores cookieStore.set()'s `partitioned`: the cookie gets the partition of the document's "
        "own cookie jar, none in a first-party page.",
        f"{COOKIE_STORE} #set-cookie-algorithm; profile cookie_store_partitioned",
    ),
    Rule(
        "cookie-store-name-value",
        "cookieStore.set() rejects with a TypeError a name or value holding ';' or a control character, a name "
        "holding '=', an empty name with an empty value, a value holding '=' or a prefix, or a pair over 4096 bytes.",
        f"{COOKIE_STORE} #set-cookie-algorithm steps 3-7",
    ),
    Rule(
        "cookie-store-prefix",
        "cookieStore.set() rejects with a TypeError an __Http- or __Host-Http- name (script may not write them), and "
        "an __Host- name given a domain or a path other than '/'.",
        f"{COOKIE_STORE} #set-cookie-algorithm",
    ),
    Rule(
        "cookie-store-domain",
        "cookieStore.set() rejects with a TypeError a domain that starts with '.', or that is neither the page's host "
        "nor a registrable domain it is under (a public suffix is none).",
        f"{COOKIE_STORE} #set-cookie-algorithm ('is a registrable domain suffix of or is equal to')",
    ),
    Rule(
        "cookie-store-path",
        "cookieStore.set() rejects with a TypeError a path that does not start with '/'.",
        f"{COOKIE_STORE} #set-cookie-algorithm",
    ),
    Rule(
        "cookie-store-expiry",
        "cookieStore.set() rejects with a TypeError a cookie given both expires and maxAge.",
        f"{COOKIE_STORE} #set-cookie-algorithm",
    ),
    Rule(
        "cookie-store-same-site-enum",
        "cookieStore.set() rejects with a TypeError a sameSite that is not 'strict', 'lax' or 'none' (WebIDL's "
        "enumeration check).",
        f"{COOKIE_STORE} #enumdef-cookiesamesite; WebIDL #es-enumeration",
    ),
    # The server (server/app.py, server/config.py)
    Rule(
        "server-login",
        "POST /api/login with a JSON body and the right password answers 200 with the Set-Cookie line.",
        "server/app.py login, issue_cookie",
    ),
    Rule(
        "server-login-regenerates",
        "Login destroys the session the request arrived with and issues a fresh random id (passport's "
        "session.regenerate), so an id planted before login never becomes the user's session.",
        "server/app.py login",
    ),
    Rule(
        "server-json-required",
        "A body whose Content-Type is not application/json is answered 415 (login, and create after the session "
        "check).",
        "server/app.py _json_body",
    ),
    Rule(
        "server-lenient-body",
        "With lenient_body the server reads a JSON body under any Content-Type and the fields of a urlencoded or "
        "text/plain form, so a form or a no-cors fetch can create a resource.",
        "server/app.py _json_body, _form_fields; server/config.py Settings.lenient_body",
    ),
    Rule(
        "server-secure-needs-tls",
        "With secure_cookie_needs_tls, a Secure cookie is not sent at all on a request the server believes "
        "insecure (express-session).",
        "server/app.py issue_cookie, is_secure",
    ),
    Rule(
        "server-trust-proxy",
        "With trust_proxy the server believes X-Forwarded-Proto: https, so the request counts as secure.",
        "server/app.py is_secure",
    ),
    Rule(
        "server-session-valid",
        "A request whose first session cookie holds a live session id is authenticated.",
        "server/app.py current_sid (the first value of a repeated name wins)",
    ),
    Rule(
        "server-no-session",
        "A request without a live session id gets no user: the session routes answer 401 and create nothing.",
        "server/app.py current_sid, require_user",
    ),
    Rule(
        "server-session-required",
        "/api/me, /api/resources and POST /api/resources answer 401 without a valid session cookie.",
        "server/app.py require_user",
    ),
    Rule(
        "server-create",
        "POST /api/resources with a valid session and a JSON body answers 201.",
        "server/app.py create_resource",
    ),
    Rule(
        "server-logout",
        "POST /api/logout answers 200 with the deletion line for a valid session, 401 with the deletion line for a"
        " cookie that is not, and 401 without Set-Cookie when no cookie came.",
        "server/app.py logout; server/config.py CookieConfig.delete_cookie",
    ),
    Rule(
        "server-session-destroyed",
        "Logout destroys the session on the server: the old id, replayed later in any way, is unknown and answered"
        " 401.",
        "server/app.py logout, require_user",
    ),
    Rule(
        "server-cache-control",
        "The API answers this GET 200 with Cache-Control: private, max-age=N (the server's cache_max_age): the "
        "browser may keep the user's data N seconds; every other answer says no-store.",
        "server/app.py finish; RFC 9111 §5.2.2.1, §5.2.2.7",
    ),
    Rule(
        "server-cors-policy",
        "Every /api response, errors too, carries the policy's CORS headers: none; ACAO '*'; ACAO=Origin without "
        "ACAC; ACAO=Origin and ACAC for an allowlisted Origin; ACAO=Origin and ACAC for any Origin; one configured "
        "origin and ACAC whatever the Origin (fixed).",
        "server/config.py CorsPolicy.headers; server/app.py finish",
    ),
    Rule(
        "server-preflight",
        "A preflight is answered 204, with Allow-Methods 'GET, POST', the configured Allow-Headers ('Content-Type' "
        "unless set otherwise) and Access-Control-Max-Age (0 unless set otherwise) only when the policy gives that "
        "Origin an Access-Control-Allow-Origin.",
        "server/app.py preflight",
    ),
    Rule(
        "server-idp-start",
        "GET /api/auth/start (passport's authenticate() of an OAuth strategy) answers 302 to the identity "
        "provider's authorize URL with a fresh state, and sets the state cookie holding it.",
        "server/app.py auth_start",
    ),
    Rule(
        "server-idp-callback",
        "The provider's return to /api/auth/callback redeems the code and compares its state with the state "
        "cookie; it answers 303 back to the app either way (successRedirect, failureRedirect).",
        "server/app.py idp_callback; RFC 6749 §10.12 (state against CSRF)",
    ),
    Rule(
        "server-idp-state-matches",
        "The state cookie came with the return and holds the state: the user is logged in, with a new session "
        "cookie set on the 303.",
        "server/app.py idp_callback",
    ),
    Rule(
        "server-idp-state-missing",
        "The return arrived without the state cookie (or with another state): the login is refused as a possible "
        "CSRF, and the browser goes back to the app without a session.",
        "server/app.py idp_callback; RFC 6749 §10.12",
    ),
    Rule(
        "server-preflight-policy",
        "The preflight is answered by a CORS policy of its own, not the one the actual responses get (a framework "
        "that answers OPTIONS in one place and the routes in another).",
        "server/app.py preflight; server/config.py Settings.preflight_cors",
    ),
    Rule(
        "server-redirect",
        "A hop of a redirected login answers the chain's redirect status with a Location of the next hop (the last "
        "hop, the API's login), carrying the policy's CORS headers like every /api answer.",
        "server/app.py redirect_hop; server/config.py Settings.redirects",
    ),
    Rule(
        "server-login-redirect",
        "With a success redirect (passport's successRedirect), login answers 303 See Other back to the app with the "
        "Set-Cookie line: the browser stores the cookie from the redirect response, then loads the app.",
        "server/app.py login; server/config.py Settings.login_redirect",
    ),
    Rule(
        "server-method-not-allowed",
        "A route asked with a method it does not take answers 405 with an Allow header (a login reached by GET).",
        "server/app.py http_error; RFC 9110 §15.5.6",
    ),
    Rule(
        "fetch-redirect-follow",
        "fetch() follows a redirect (redirect mode 'follow'): the next hop is a new request to the Location, its "
        "cookies chosen and its Set-Cookie processed for that URL; a CORS request's redirect response must pass "
        "the CORS check itself, and a hop that needs a preflight gets one.",
        "Fetch #http-redirect-fetch; #http-fetch (the CORS check of every response); #main-fetch",
    ),
    Rule(
        "fetch-redirect-tainted-origin",
        "A redirect from a URL whose origin is not the request's own to yet another origin taints the request's "
        "origin: every later hop carries Origin: null, which an allowlist of the page's origin does not admit.",
        "Fetch #http-redirect-fetch (the tainted origin flag); #serializing-a-request-origin",
    ),
    Rule(
        "fetch-redirect-method-get",
        "A 301 or 302 answering a POST, or a 303 answering anything but GET or HEAD, turns the next hop into a GET "
        "without a body (307 and 308 keep the method and body).",
        "Fetch #http-redirect-fetch step 12; RFC 9110 §15.4",
    ),
    Rule(
        "server-exact-lines",
        "The server sends the login's Set-Cookie lines exactly as written, its session id in none of them, so the "
        "session login creates never reaches the browser and the later steps are answered 401.",
        "server/config.py CookieLines (exact); e2e/oracle/spec.py ServerSpec.exact",
    ),
    Rule(
        "server-csrf-origin",
        "With csrf='origin' the server answers 403 to an /api POST whose Origin is neither its own origin nor "
        "admitted by its CORS policy, before any route runs: nothing is read or changed.",
        "server/app.py start; OWASP CSRF Prevention Cheat Sheet, 'Verifying Origin With Standard Headers'",
    ),
)
RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}
if len(RULES) != len(_TABLE):  # a repeated id would silently replace a rule
    raise ValueError(f"repeated rule ids: {sorted({r.id for r in _TABLE if _TABLE.count(r) > 1})}")


def chain_lines(ids: Iterable[str], indent: str = "  ") -> list[str]:
    """A rule chain, one rule a line ('rule ID: sentence [source]'); an id the table lacks is named alone."""
    return [indent + (RULES[i].line() if i in RULES else f"rule {i}") for i in ids]


def chain_text(ids: Iterable[str], indent: str = "  ") -> str:
    """`chain_lines` joined into one block."""
    return "\n".join(chain_lines(ids, indent))
