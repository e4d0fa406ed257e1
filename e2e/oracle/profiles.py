"""Browser profiles: what differs between engines, each fact with its source and the versions it holds for; the
third-party setting the suite can give a browser; which deviations from the specifications changed an outcome.
The rules that read these facts live in jar.py, sites.py and browser.py, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

SET_BY_SUITE = "set by the suite: playwright.config.py THIRD_PARTY (the browser's own setting, not a simulation)"

PLAYWRIGHT_BIDI = "Playwright 1.64 packages/playwright-core/src/server/bidi/third_party/firefoxPrefs.ts"
COOKIE_STORE_SET = "Cookie Store (WHATWG, cookiestore.spec.whatwg.org) #set-cookie-algorithm"
SAA_EXPLICIT = (
    "Storage Access API (privacycg.github.io/storage-access) #determine-whether-the-user-agent-explicitly-"
    "allows-unpartitioned-cookie-access: 'per-site allow-lists, the user changing global browser settings'"
)
SAA_ELIGIBILITY = (
    "Storage Access API (privacycg.github.io/storage-access) #determine-the-initial-storage-access-eligibility (the "
    "request's origin same origin with its URL's)"
)


@dataclass(frozen=True)
class Fact:
    """One engine behaviour: its value, where it is documented, and the major versions it holds for."""

    value: Any
    source: str
    since: int | None = None  # first major version with this value, where a source gives one


@dataclass(frozen=True)
class Deviation:
    """A profile fact departing from the specification (when `fact` != `spec_value`), and where that is documented."""

    id: str
    rule: str  # the oracle rule (e2e.oracle.RULES) it bends
    fact: str  # the BrowserProfile field that departs
    spec_value: Any  # the value the specification implies
    source: str


@dataclass(frozen=True)
class BrowserProfile:
    """What the oracle needs to know about one engine in the contexts this suite creates."""

    name: str
    known_versions: tuple[int, int]  # the major versions these facts were checked against, inclusive
    lax_by_default: Fact
    none_requires_secure: Fact
    schemeful_same_site: Fact
    localhost_is_secure: Fact
    third_party_cookies: Fact  # "blocked" or "allowed": unpartitioned cookies in a cross-site context
    partitioned_cookies: Fact  # CHIPS supported
    jar_reports_partition_key: Fact  # whether context.cookies() shows a cookie's partition key
    # whether context.cookies() gives a cookie's name as its bytes, one latin-1 character each (UTF-8 names garbled)
    jar_names_as_bytes: Fact = Fact(False, "not checked for this profile")
    # whether blocking third-party cookies leaves Partitioned (CHIPS) cookies alone
    blocking_spares_partitioned: Fact = Fact(True, "CHIPS explainer, 'Third-party cookie blocking'")
    # __Http- and __Host-Http- name prefixes enforced (need Secure and HttpOnly)
    http_prefixes: Fact = Fact(False, "not checked for this profile")
    # Seconds after its creation during which a cookie without SameSite, Lax only by default, still goes with a
    # cross-site top-level navigation of an unsafe method (POST): "Lax-allowing-unsafe"; 0 = never
    lax_allowing_unsafe_seconds: Fact = Fact(0, "not checked for this profile")
    # whether unpartitioned cookies in a cross-site context live in a jar keyed by the top-level site (Firefox's
    # Total Cookie Protection): set there, sent only there, and a first-party cookie is not sent cross-site
    third_party_partitioned: Fact = Fact(False, "not checked for this profile")
    # whether Domain=. (a dot alone) rejects the cookie, where 6265bis makes it host-only
    domain_dot_rejected: Fact = Fact(False, "not checked for this profile")
    # whether a pair without '=' is a name with an empty value (and an empty name is rejected), where 6265bis makes
    # it a nameless cookie
    valueless_cookies: Fact = Fact(False, "not checked for this profile")
    # when a cookie that replaces another keeps the old creation time: "always" (6265bis) or "same value"
    replacement_keeps_creation: Fact = Fact("always", "not checked for this profile")
    # The Origin of a preflight after a redirect that tainted the request's origin: "tainted" (null, as the actual
    # request's: Fetch #cors-preflight-fetch appends the request's Origin) or "page" (the page's own)
    preflight_origin_after_redirect: Fact = Fact(
        "tainted", "Fetch #cors-preflight-fetch; #serializing-a-request-origin"
    )
    # whether the GET a 301/302/303 made of a POST keeps the POST's non-safelisted Content-Type as the reason for a
    # preflight when it goes cross-origin (Fetch #http-redirect-fetch step 12 removes the request-body headers)
    redirect_get_keeps_unsafe_headers: Fact = Fact(False, "Fetch #http-redirect-fetch step 12; whatwg/fetch#977")
    # whether "*" in Access-Control-Allow-Headers covers Authorization for a request without credentials, where Fetch
    # makes it a CORS non-wildcard request-header name that must be named
    wildcard_covers_authorization: Fact = Fact(False, "Fetch #cors-non-wildcard-request-header-name")
    # whether a fetch whose cache mode is "no-store" neither consults nor fills the CORS-preflight cache, where Fetch
    # keeps that cache apart from the request's cache mode
    no_store_skips_preflight_cache: Fact = Fact(False, "Fetch #http-fetch (makeCORSPreflight); #cors-preflight-cache")
    # The most seconds a CORS-preflight cache entry lives, whatever Access-Control-Max-Age asks (Fetch
    # #cors-preflight-fetch leaves "an imposed limit on max-age" to the user agent)
    preflight_max_age_cap: Fact = Fact(86400, "not checked for this profile")
    # The Storage Access API's 'determine whether the user agent explicitly allows unpartitioned cookie access' for a
    # cross-site frame in the contexts the suite makes: "none" (the storage-access permission decides), "allow" (the
    # browser's settings already give frames their unpartitioned cookies: requestStorageAccess() resolves unasked and
    # hasStorageAccess() is true), or "disallow" (rejected unasked, false); and what it is under each of the suite's
    # own third-party settings (under_third_party_setting)
    storage_access_explicit: Fact = Fact("none", SAA_EXPLICIT)
    # The Cookie Store API: window.cookieStore shipped (in a secure context); cookieStore.set() passes `partitioned`
    # on (Cookie Store #set-cookie-algorithm appends Partitioned); and its promise rejects when the storage model
    # refuses the cookie, where the algorithm resolves ('these steps will be considered successful')
    cookie_store_api: Fact = Fact(False, "not checked for this profile")
    cookie_store_partitioned: Fact = Fact(True, COOKIE_STORE_SET)
    cookie_store_rejects_refused: Fact = Fact(False, COOKIE_STORE_SET)
    storage_access_by_setting: Fact = Fact((("allowed", "allow"), ("blocked", "none")), "not checked for this profile")
    # In plain words: how this browser answers a frame's requestStorageAccess() where the permission decides, and how
    # the suite obtains that answer for real (explain prints it beside a storage-access flow)
    storage_access_note: Fact = Fact("not checked for this profile", "")
    # whether the browser decides a cross-site frame's request by the user's earlier top-level interaction with the
    # frame's site (a grant it makes by itself), rather than by a 'storage-access' permission the user answered
    storage_access_by_interaction: Fact = Fact(False, "Storage Access API #dom-document-requeststorageaccess")
    # whether a framed document's storage access also lifts its requests to other origins of its own site, where the
    # Storage Access API makes only requests to the document's own origin eligible
    storage_access_same_site_requests: Fact = Fact(False, SAA_ELIGIBILITY)
    # In plain words, for a reader of the report and of `explain`: what decides third-party cookies in the contexts
    # the suite makes, with its source.
    third_party_note: Fact = Fact("not checked for this profile", "")
    deviations: tuple[Deviation, ...] = ()  # facts above that depart from the specification, with sources

    def under_third_party_setting(self, policy: str | None) -> BrowserProfile:
        """This profile in a browser the suite gave the third-party cookie setting `policy` ("allowed" or "blocked";
        None: the browser's default). The setting allows or blocks third-party cookies outright, so it also ends any
        partitioning of them by the browser's own policy (Firefox's Total Cookie Protection)."""
        if policy is None:
            return self
        note = Fact(f"third-party cookies {policy}: the browser was launched with that setting", SET_BY_SUITE)
        explicit = Fact(dict(self.storage_access_by_setting.value)[policy], self.storage_access_by_setting.source)
        return replace(self, third_party_cookies=Fact(policy, SET_BY_SUITE),
                       third_party_partitioned=Fact(False, SET_BY_SUITE), third_party_note=note,
                       storage_access_explicit=explicit)  # fmt: skip

    def with_spec_value(self, deviation: Deviation) -> BrowserProfile:
        """This profile with one deviation's fact set to what the specification implies."""
        return replace(self, **{deviation.fact: Fact(deviation.spec_value, "the specification's value")},
                       deviations=())  # fmt: skip

    def deviates(self, deviation: Deviation) -> bool:
        """Whether this profile's fact departs from the specification as `deviation` records."""
        return getattr(self, deviation.fact).value != deviation.spec_value

    def facts(self) -> dict[str, Fact]:
        return {k: v for k, v in vars(self).items() if isinstance(v, Fact)}

    def version_note(self, version: str) -> str | None:
        """None when `version` is inside the checked range, else a sentence saying it is not."""
        try:
            major = int(version.split(".")[0])
        except ValueError:
            return f"{self.name} version {version!r} is unreadable; the profile's facts are unverified for it"
        low, high = self.known_versions
        if low <= major <= high:
            return None
        return (
            f"{self.name} {version} is outside the profile's checked range {low}-{high}: "
            "its facts are reported, not guessed, for this version; re-check them against their sources"
        )


DOT_WPT = "WPT cookies/attributes/resources/domain-child.sub.html ('test=46; domain=.' expects no cookie)"
DOMAIN_DOT = Deviation(
    "domain-dot-rejected",
    rule="cookie-domain-dot",
    fact="domain_dot_rejected",
    spec_value=False,
    source="6265bis §5.6.3 appends Domain with the value left after the leading '.', empty for 'Domain=.', and "
    "§5.7 step 10 makes a cookie with an empty domain-attribute host-only; " + DOT_WPT,
)

BCD_ALLOW_HEADERS = "BCD http/headers/Access-Control-Allow-Headers.json authorization_not_covered_by_wildcard"
NO_STORE_PREFLIGHT = Deviation(
    "no-store-skips-preflight-cache",
    rule="fetch-preflight-cached",
    fact="no_store_skips_preflight_cache",
    spec_value=False,
    source="Fetch #http-fetch decides on a preflight by the CORS-preflight cache alone, whatever the request's cache "
    "mode (#concept-request-cache-mode governs the HTTP cache)",
)
AUTHORIZATION_WILDCARD = Deviation(
    "authorization-covered-by-wildcard",
    rule="fetch-preflight-authorization-not-wildcard",
    fact="wildcard_covers_authorization",
    spec_value=False,
    source="Fetch #cors-non-wildcard-request-header-name and #cors-preflight-fetch step 7.6: Authorization must be "
    f"named; {BCD_ALLOW_HEADERS}: Chrome not yet, Firefox 115 only with a preference set",
)

CHROMIUM = BrowserProfile(
    name="chromium",
    known_versions=(130, 156),
    lax_by_default=Fact(True, "BCD http/headers/Set-Cookie.json SameSite.Lax_default (Chrome 80)", 80),
    none_requires_secure=Fact(True, "BCD Set-Cookie.json SameSite.secure_context_required (Chrome 80)", 80),
    schemeful_same_site=Fact(True, "BCD Set-Cookie.json SameSite.schemeful (Chrome 91)", 91),
    localhost_is_secure=Fact(
        True,
        "Secure Contexts, 'potentially trustworthy origin'; 6265bis storage model ('secure protocol'); "
        "BCD Set-Cookie.json Secure notes (Chrome 89 localhost)",
        89,
    ),
    third_party_cookies=Fact(
        "blocked",
        "Playwright's browser.new_context() is an off-the-record Chromium profile, and Chromium's default "
        "cookie-controls mode blocks third-party cookies off the record (components/content_settings "
        "CookieControlsMode::kIncognitoOnly; shared/reference/environment.md)",
    ),
    partitioned_cookies=Fact(True, "CHIPS; BCD Set-Cookie.json Partitioned (Chrome 114)", 114),
    jar_reports_partition_key=Fact(True, "Playwright Cookie.partitionKey from CDP (Playwright 1.54 and later)"),
    blocking_spares_partitioned=Fact(
        True,
        "CHIPS explainer: partitioned cookies stay available when third-party cookies are blocked; "
        "components/content_settings/core/common/cookie_settings_base.cc (partitioned access is allowed "
        "under third-party cookie blocking)",
    ),
    http_prefixes=Fact(
        True,
        "BCD Set-Cookie.json http_host-http_prefixes (Chrome 140); draft-ietf-httpbis-layered-cookies, "
        "'Store a Cookie' (__http- and __host-http- need Secure and HttpOnly)",
        140,
    ),
    lax_allowing_unsafe_seconds=Fact(
        120,
        "chromestatus.com/feature/5088147346030592 (SameSite=Lax by default, Chrome 80: cookies set without "
        "SameSite less than 2 minutes ago also go with top-level cross-site POST, the 'Lax + POST' intervention); "
        "net/cookies/cookie_constants.cc kLaxAllowUnsafeMaxAge = base::Minutes(2); net/cookies/canonical_cookie.cc "
        "GetLaxAllowUnsafeThresholdAge, switched off only by feature SameSiteDefaultChecksMethodRigorously, which "
        "net/base/features.cc still declares FEATURE_DISABLED_BY_DEFAULT (chromium/chromium at 007dfbc7, the "
        "newest copy read); Debian's Chromium 156 binary still carries that feature name",
        80,
    ),
    third_party_partitioned=Fact(
        False,
        "Chromium blocks or allows unpartitioned third-party cookies (cookie controls, third_party_cookies); "
        "only cookies that opt in with Partitioned are partitioned (CHIPS; net/cookies/cookie_partition_key.cc)",
    ),
    domain_dot_rejected=Fact(
        True,
        "net/cookies/cookie_util.cc GetCookieDomainWithString (chromium/chromium at 00ab134a): '.' canonicalizes "
        "to '.', whose domain and registry are empty and so differ from the host's: the cookie is rejected; " + DOT_WPT,
    ),
    replacement_keeps_creation=Fact(
        "same value",
        "net/cookies/cookie_monster.cc (chromium/chromium at 00004bca) MaybeDeleteEquivalentCookieAndUpdateStatus: "
        "`if (deletion_candidate->Value() == cookie_being_set.Value()) creation_date_to_inherit = "
        "deletion_candidate->CreationDate();`, else SetCanonicalCookie keeps the new cookie's Time::Now()",
    ),
    wildcard_covers_authorization=Fact(True, f"{BCD_ALLOW_HEADERS}: chrome version_added false"),
    no_store_skips_preflight_cache=Fact(
        True,
        "services/network/cors/preflight_controller.cc: `if (!(original_request_.load_flags & net::LOAD_DISABLE_CACHE) "
        "&& ...) controller_->AppendToCache(...)`; the fetch cache mode no-store is net::LOAD_DISABLE_CACHE",
    ),
    cookie_store_api=Fact(
        True,
        "BCD api/CookieStore.json (Chrome 87); third_party/blink/renderer/modules/cookie_store/window_cookie_store.idl "
        "([SecureContext] partial interface Window)",
        87,
    ),
    storage_access_note=Fact(
        "Chromium asks the user (a prompt, after the embedded site had a top-level visit in the last 30 days) and "
        "keeps the answer as the 'storage-access' permission of the two sites; the suite sets that permission granted "
        "or denied through CDP Browser.setPermission, as WebDriver's set_permission does for WPT.",
        "chrome/browser/storage_access_api/storage_access_grant_permission_context.cc "
        "(kStorageAccessAPITopLevelUserInteractionBound = 30 days); content/browser/devtools/protocol/"
        "browser_handler.cc SetPermission",
    ),
    cookie_store_rejects_refused=Fact(
        True,
        "third_party/blink/renderer/modules/cookie_store/cookie_store.cc CookieStore::OnSetCanonicalCookieResult: `if "
        '(!backend_success) { resolver->RejectWithTypeError("Cookie was malformed and could not be stored, due to '
        'problem(s) while parsing.")`: any cookie the network service did not store rejects the promise',
    ),
    storage_access_by_setting=Fact(
        (("allowed", "allow"), ("blocked", "none")),
        "chrome/browser/storage_access_api/storage_access_grant_permission_context.h RequestOutcome "
        "kAllowedByCookieSettings ('3p cookies are already allowed by user agent, so there is no need to ask'; its "
        "unit test AllowedByCookieSettings: CookieControlsMode::kOff, no user gesture needed); blocking third-party "
        "cookies as a whole (CookieControlsMode::kBlockThirdParty) leaves the request to the storage-access permission "
        "(kDeniedByCookieSettings is a per-site block of the embedded site's cookies, which the suite never sets)",
    ),
    preflight_max_age_cap=Fact(
        7200,
        "services/network/cors/preflight_result.cc ParseAccessControlMaxAge: kMaxTimeout = base::Hours(2) "
        "(kDefaultTimeout = base::Seconds(5) without the header)",
    ),
    deviations=(
        DOMAIN_DOT,
        AUTHORIZATION_WILDCARD,
        NO_STORE_PREFLIGHT,
        Deviation(
            "replacement-new-creation",
            rule="cookie-replaced-new-creation",
            fact="replacement_keeps_creation",
            spec_value="always",
            source="6265bis §5.7 step 23: 'Set the creation-time of the newly-created cookie to the creation-time "
            "of the old-cookie'; net/cookies/cookie_monster.cc keeps it only for an unchanged value",
        ),
        Deviation(
            "cookie-store-rejects-refused",
            rule="cookie-store-refused-rejects",
            fact="cookie_store_rejects_refused",
            spec_value=False,
            source=f"{COOKIE_STORE_SET}: 'Storing the cookie can still fail due to requirements in [RFC6265BIS], but "
            "these steps will be considered successful'; Blink's CookieStore::OnSetCanonicalCookieResult rejects",
        ),
    ),
    third_party_note=Fact(
        "Third-party cookies are blocked here: Playwright's Chromium contexts are off the record, and Chromium blocks "
        "third-party cookies off the record, as Incognito does; a regular Chrome profile allows them. Partitioned "
        "(CHIPS) cookies are still stored and sent, keyed by the top-level site. slice_third_party runs Chromium "
        "with third-party cookies allowed and blocked by its own setting.",
        "components/content_settings CookieControlsMode::kIncognitoOnly (the default: block in off-the-record "
        "profiles only); profile.cookie_controls_mode in a persistent profile; shared/reference/environment.md",
    ),
)

FIREFOX = BrowserProfile(
    name="firefox",
    known_versions=(140, 153),
    lax_by_default=Fact(
        False,
        f"BCD Set-Cookie.json SameSite.Lax_default (Firefox: behind a preference); {PLAYWRIGHT_BIDI} "
        "sets network.cookie.sameSite.laxByDefault=false",
    ),
    none_requires_secure=Fact(
        True,
        "BCD Set-Cookie.json SameSite.secure_context_required (Firefox 131), "
        "preference network.cookie.sameSite.noneRequiresSecure",
        131,
    ),
    schemeful_same_site=Fact(
        False, "BCD Set-Cookie.json SameSite.schemeful (Firefox: behind network.cookie.sameSite.schemeful)"
    ),
    localhost_is_secure=Fact(
        True, "Secure Contexts, 'potentially trustworthy origin'; BCD Set-Cookie.json Secure notes (Firefox 75)", 75
    ),
    third_party_cookies=Fact(
        "allowed",
        "not blocked: Firefox ESR 153's default network.cookie.cookieBehavior 5 (Total Cookie Protection) stores "
        "and sends third-party cookies, each in a jar keyed by the top-level site (third_party_partitioned, which "
        "the jar model applies). "
        f"The cookieBehavior0 that {PLAYWRIGHT_BIDI} writes into browser.contentblocking.features.standard "
        "is no longer read by ESR 153",
    ),
    partitioned_cookies=Fact(True, "CHIPS; BCD Set-Cookie.json Partitioned (Firefox 141)", 141),
    jar_reports_partition_key=Fact(
        True,
        "Playwright 1.64 packages/playwright-core/src/server/bidi/bidiBrowser.ts doGetCookies copies "
        "storage.getCookies results without their partition key, so the harness reads it from Firefox's cookie log "
        "(MOZ_LOG=cookie:4,sync; netwerk/cookie/CookieLogging.cpp LogCookie prints each accepted cookie's origin "
        "attributes, whose partitionKey is its partition: e2e/harness/engine.py CookieLog)",
    ),
    jar_names_as_bytes=Fact(
        True,
        "netwerk/cookie/nsICookie.idl: `readonly attribute ACString name` (bytes, which XPConnect gives script one "
        "latin-1 character per byte) next to `AUTF8String value`; Firefox's WebDriver BiDi storage.getCookies "
        "reports that name, so a UTF-8 name such as 'тест' reaches Playwright as 'Ñ\x82ÐµÑ\x81Ñ\x82'",
    ),
    blocking_spares_partitioned=Fact(
        False,
        "netwerk/cookie/nsICookieService.idl: BEHAVIOR_REJECT_FOREIGN (cookieBehavior 1, what the suite "
        "sets to block) rejects all third-party cookies, and a Partitioned cookie set by a cross-site fetch is "
        "a third-party cookie; Firefox honours Partitioned under its other behaviours",
    ),
    http_prefixes=Fact(
        True,
        "BCD Set-Cookie.json http_host-http_prefixes (Firefox 143; 142 knew __Host-Http- only as "
        "__HostHttp-, bug 1982555); draft-ietf-httpbis-layered-cookies, 'Store a Cookie'",
        143,
    ),
    lax_allowing_unsafe_seconds=Fact(
        120,
        "netwerk/cookie/CookieService.cpp ProcessSameSiteCookieForForeignRequest: "
        "network.cookie.sameSite.laxPlusPOST.timeout (120 s) lets a default-SameSite cookie (created or last "
        "updated that recently) go with an unsafe cross-site navigation only where laxByDefault holds, which "
        "lax_by_default says it does not here",
    ),
    third_party_partitioned=Fact(
        True,
        "what Firefox ESR 153 ships: browser/omni.ja defaults/preferences/firefox.js sets "
        "network.cookie.cookieBehavior 5 (BEHAVIOR_PARTITION_FOREIGN, Total Cookie Protection), and omni.ja "
        "moz-src/browser/components/protections/ContentBlockingPrefs.sys.mjs no longer reads "
        f"browser.contentblocking.features.standard, so the 'cookieBehavior0' {PLAYWRIGHT_BIDI} writes there "
        "changes nothing; netwerk/cookie/CookieService.cpp gives a foreign request only the top-level site's "
        "partition (the unpartitioned jar needs a first-party context or storage access)",
    ),
    domain_dot_rejected=Fact(
        True,
        "netwerk/cookie/CookieService.cpp CheckDomain (mozilla/gecko-dev): a leading '.' is cut 'but not if it's "
        "otherwise an empty host', and '.' is then no subdomain of the base domain: the cookie is rejected; " + DOT_WPT,
    ),
    third_party_note=Fact(
        "Total Cookie Protection is on here, as in a default Firefox profile: a third-party cookie is stored and sent, "
        "but in a jar keyed by the top-level site, so a cookie set first-party is not sent cross-site and one set "
        "under one top-level site is not seen under another. slice_third_party runs Firefox with third-party "
        "cookies allowed (network.cookie.cookieBehavior 0) and blocked (1).",
        "Firefox ESR 153 defaults/preferences/firefox.js network.cookie.cookieBehavior 5 "
        "(BEHAVIOR_PARTITION_FOREIGN); netwerk/cookie/nsICookieService.idl",
    ),
    valueless_cookies=Fact(
        True,
        "modules/libpref/init/StaticPrefList.yaml network.cookie.valueless_cookie (default true: 'cookies without "
        '= are parsed as valueless (name="foo", value="") instead of nameless\'); netwerk/cookie/'
        "CookieParser.cpp ParseAttributes; netwerk/cookie/CookieValidation.cpp CheckName rejects an empty name "
        "under the same preference (SAP/project-foxhound at 8770be41, a Firefox fork tracking mozilla-central)",
    ),
    replacement_keeps_creation=Fact(
        "always",
        "netwerk/cookie/CookieStorage.cpp AddCookie: 'Preserve creation time of cookie for ordering purposes' "
        "(aCookie->SetCreationTimeInUSec(oldCookie->CreationTimeInUSec()))",
    ),
    deviations=(
        DOMAIN_DOT,
        Deviation(
            "valueless-cookie",
            rule="cookie-valueless",
            fact="valueless_cookies",
            spec_value=False,
            source="6265bis §5.6 step 3: a name-value-pair without '=' has an empty name and the whole pair as its "
            "value; §5.7 stores a cookie with an empty name; Firefox's network.cookie.valueless_cookie (default "
            "true) departs from both",
        ),
        Deviation(
            "samesite-default-not-lax",
            rule="samesite-lax-by-default",
            fact="lax_by_default",
            spec_value=True,
            source="6265bis §5.7 Storage Model step 18 and §5.8.3 Retrieval Algorithm treat same-site-flag "
            "'Default' like 'Lax'; BCD Set-Cookie.json SameSite.Lax_default: Firefox only behind "
            f"network.cookie.sameSite.laxByDefault, which {PLAYWRIGHT_BIDI} sets to false",
        ),
        Deviation(
            "samesite-schemeless",
            rule="site-schemeful",
            fact="schemeful_same_site",
            spec_value=True,
            source="HTML 'same site' compares schemes and 6265bis §5.2 uses it; BCD Set-Cookie.json "
            "SameSite.schemeful: Firefox only behind network.cookie.sameSite.schemeful",
        ),
    ),
)

FIREFOX_CORS = "netwerk/protocol/http/nsCORSListenerProxy.cpp"
FIREFOX_SAA_REQUESTS = "toolkit/components/antitracking/AntiTrackingUtils.cpp GetStoragePermissionStateInParent"
FIREFOX = replace(
    FIREFOX,
    preflight_origin_after_redirect=Fact(
        "page",
        f"{FIREFOX_CORS} StartCORSPreflight builds the preflight for the load info's loading principal (the page), "
        "while the actual request's Origin comes from mOriginHeaderPrincipal, which 'can get changed during "
        "redirects' (nsCORSListenerProxy.h): after a tainting redirect the preflight says the page's origin, the "
        "request null",
    ),
    redirect_get_keeps_unsafe_headers=Fact(
        True,
        f"{FIREFOX_CORS} StartCORSPreflight lists the load info's CORS-unsafe headers, which dom/fetch/FetchDriver.cpp "
        "sets once (SetCorsPreflightInfo) from the original request, so the GET a 302 makes of a JSON POST is still "
        "preflighted for content-type when it goes cross-origin; web-platform-tests/wpt#23176 (a Mozilla engineer "
        "reports that preflight on xhr/send-redirect-to-cors.htm)",
    ),
    wildcard_covers_authorization=Fact(
        True,
        f"{BCD_ALLOW_HEADERS}: firefox 115 behind network.cors_preflight.authorization_covered_by_wildcard set to "
        "false; its default (true) keeps Authorization covered by '*'",
    ),
    no_store_skips_preflight_cache=Fact(
        True,
        f"{FIREFOX_CORS} StartCORSPreflight: `bool disableCache = (loadFlags & nsIRequest::LOAD_BYPASS_CACHE); if "
        "(sPreflightCache && !disableCache) entry = sPreflightCache->GetEntry(...)`; HttpBaseChannel::"
        "SetFetchCacheMode gives FETCH_CACHE_MODE_NO_STORE LOAD_BYPASS_CACHE",
    ),
    preflight_max_age_cap=Fact(
        86400,
        f"{FIREFOX_CORS} nsCORSPreflightListener::AddResultToCache: 'Cap at 24 hours' (age = std::min(age, 86400U)); "
        "PREFLIGHT_DEFAULT_EXPIRY_SECONDS 5 without the header",
    ),
    cookie_store_api=Fact(
        True,
        'dom/webidl/Window.webidl `[SameObject, Pref="dom.cookieStore.enabled"] readonly attribute CookieStore '
        "cookieStore` (and [SecureContext] on the interface); dom.cookieStore.enabled on by default since Firefox 140 "
        "(MDN's Firefox 140 release notes, bug 1958875)",
        140,
    ),
    storage_access_by_setting=Fact(
        (("allowed", "allow"), ("blocked", "disallow")),
        "toolkit/components/antitracking/StorageAccessAPIHelper.cpp CheckBrowserSettingsDecidesStorageAccessAPI: "
        "`case BEHAVIOR_ACCEPT: return Some(true);` and `case BEHAVIOR_REJECT_FOREIGN: ... return Some(false);` "
        "(network.cookie.cookieBehavior 0 and 1, the suite's settings), while BEHAVIOR_REJECT_TRACKER_AND_PARTITION_"
        "FOREIGN (5, the default) returns Nothing(): the permission decides; dom/base/Document.cpp "
        "HasStorageAccessSync runs the same checks",
    ),
    storage_access_by_interaction=Fact(
        True,
        "dom/base/Document.cpp CreatePermissionGrantPromise: an automatic grant where "
        "AutomaticStorageAccessPermissionCanBeGranted (ContentBlockingUserInteraction::Exists for the frame's site), "
        "else a prompt; toolkit/components/antitracking/StorageAccessAPIHelper.cpp "
        "CompleteAllowAccessForOnChildProcess refuses a host listed in "
        "privacy.restrict3rdpartystorage.userInteractionRequiredForHosts without that interaction",
    ),
    storage_access_note=Fact(
        "Firefox grants access by itself to a site the user clicked on top-level (an auto-grant), and otherwise shows "
        "a prompt; the suite's Firefox lists the client's host as needing that click "
        "(privacy.restrict3rdpartystorage.userInteractionRequiredForHosts), so 'granted' is a real click on the app's "
        "own page first and 'denied' is none, the refusal a prompt's Block would give.",
        "dom/base/Document.cpp AutomaticStorageAccessPermissionCanBeGranted (ContentBlockingUserInteraction::Exists); "
        "toolkit/components/antitracking/StorageAccessAPIHelper.cpp CompleteAllowAccessForOnChildProcess",
    ),
    storage_access_same_site_requests=Fact(
        True,
        f"{FIREFOX_SAA_REQUESTS}: 'For subframe resources, check if the document has storage access and that the "
        "resource being loaded is same-site to the page' (framePrincipal->IsThirdPartyURI(trackingURI) and the window "
        "context's UsingStorageAccess), after the permission of the request's own origin; StorageAccess.cpp "
        "ShouldAllowAccessFor(nsIChannel*) takes a subresource's answer from its load info",
    ),
    cookie_store_partitioned=Fact(
        False,
        "dom/cookiestore/CookieStore.cpp CookieStore::Set asks CookieCommons::CheckGlobalAndRetrieveCookiePrincipals "
        "for the document's cookie principal only (no partitioned principal), and CookieStoreParent::"
        "SetRequestOnMainThread stores with that principal's origin attributes: `partitioned: true` gives no partition "
        "of its own (a Total Cookie Protection frame's cookie is partitioned by its principal anyway)",
    ),
    deviations=FIREFOX.deviations
    + (
        Deviation(
            "cookie-store-ignores-partitioned",
            rule="cookie-store-partitioned-ignored",
            fact="cookie_store_partitioned",
            spec_value=True,
            source=f"{COOKIE_STORE_SET} appends Partitioned to the attribute list when `partitioned` is true; "
            "dom/cookiestore/CookieStore.cpp CookieStore::Set",
        ),
        Deviation(
            "storage-access-same-site-requests",
            rule="storage-access-same-site-requests",
            fact="storage_access_same_site_requests",
            spec_value=False,
            source=f"{SAA_ELIGIBILITY}; {FIREFOX_SAA_REQUESTS}",
        ),
        AUTHORIZATION_WILDCARD,
        NO_STORE_PREFLIGHT,
        Deviation(
            "preflight-origin-after-redirect",
            rule="fetch-redirect-tainted-origin",
            fact="preflight_origin_after_redirect",
            spec_value="tainted",
            source="Fetch #cors-preflight-fetch (the preflight gets the request's Origin header, null once tainted); "
            f"{FIREFOX_CORS} StartCORSPreflight",
        ),
        Deviation(
            "redirect-get-preflighted",
            rule="fetch-redirect-method-get",
            fact="redirect_get_keeps_unsafe_headers",
            spec_value=False,
            source="Fetch #http-redirect-fetch step 12 deletes the request-body headers with the body "
            f"(whatwg/fetch#977); {FIREFOX_CORS}; web-platform-tests/wpt#23176",
        ),
    ),
)

PROFILES = {p.name: p for p in (CHROMIUM, FIREFOX)}


def profile_for(browser_name: str) -> BrowserProfile:
    """The profile of a browser, or an error naming the browsers that have one."""
    try:
        return PROFILES[browser_name]
    except KeyError:
        raise ValueError(f"no browser profile for {browser_name!r}; known browsers: {sorted(PROFILES)}") from None


def changed_by_deviations(outcome: Callable[[BrowserProfile], Any], profile: BrowserProfile) -> tuple[str, ...]:
    """The ids of the profile's deviations without which `outcome(profile)` would differ: the known browser
    deviations an expectation relies on (the report shows such a case apart from a plain pass). `outcome` is called
    first with the profile itself (as a _Reading of it), and again only for a deviation whose fact that first call
    read: the model is a function of the facts it reads, so a fact it never read cannot change what it gives."""
    reading = _Reading(profile)
    actual = outcome(reading)  # type: ignore[arg-type]
    return tuple(
        d.id
        for d in profile.deviations
        if profile.deviates(d) and reading.read(d.fact) and outcome(profile.with_spec_value(d)) != actual
    )


class _Reading:
    """A profile that notes which of its fields were read; a method read through it (whose own reads it cannot see)
    counts as reading every field."""

    def __init__(self, profile: BrowserProfile):
        self._profile, self._names, self._all = profile, set(), False

    def __getattr__(self, name: str):
        value = getattr(self._profile, name)
        self._names.add(name)
        self._all = self._all or callable(value)
        return value

    def read(self, name: str) -> bool:
        return self._all or name in self._names
