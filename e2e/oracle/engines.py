"""The engines' own reasons beside the oracle's: what an engine says about a step (`EngineSaid`), the table that maps
each engine reason to the oracle rules it stands for (with the source of each mapping), and the check of one step's
engine reasons against the oracle's expectation of that step.

The check, for each thing the engine said:
- a Set-Cookie line it refused ("store") must be one the oracle refuses too, and the rules the reason maps to must
  meet the rules that refused it;
- a cookie it kept from a request ("send") must be one the oracle withholds, its rules meeting the oracle's;
- a CORS error ("cors") must map to a rule of the step's chain;
- a reason the table does not know fails, with the engine's words, so that the table grows with the engines;
- a warning ("warning") is kept and shown apart, never judged.
Engines do not name every reason (an off-the-record Chromium context names UserPreferences alone for a Lax cookie
from a cross-site fetch): the oracle collects every rule that excludes a cookie, and one shared rule suffices.
"""

from __future__ import annotations

from dataclasses import dataclass

from e2e.oracle.browser import Exchange
from e2e.oracle.setcookie import parse_set_cookie

KINDS = ("store", "send", "cors", "warning")
CDP = "Chrome DevTools Protocol, domain Network (devtools-protocol browser_protocol.pdl)"
CDP_SET = f"{CDP}: SetCookieBlockedReason"
CDP_SEND = f"{CDP}: CookieBlockedReason"
CDP_CORS = f"{CDP}: CorsError (Network.loadingFailed corsErrorStatus)"
FX_CONSOLE = "Firefox netwerk/locales/en-US/necko.properties, the console messages of netwerk/cookie/CookieLogging.cpp"
FX_ACCESS = ("Firefox netwerk/cookie/CookieService.cpp CheckPrefs: a request's cookies read under a third-party "
             "rejection log CookieRejectedThirdParty with an empty cookie")  # fmt: skip
FX_CORS = ("Firefox dom/locales/en-US/chrome/security/security.properties, the console messages of "
           "netwerk/protocol/http/nsCORSListenerProxy.cpp (the message's category is its key)")  # fmt: skip


@dataclass(frozen=True)
class EngineSaid:
    """One thing an engine said about a step: what kind, about which cookie, its reason's id, and its own words."""

    kind: str  # KINDS
    code: str  # the engine's reason id: a CDP enum value, or a Firefox console message's key
    cookie: str | None = None  # the cookie's name, for store and send
    text: str = ""  # the engine's words, as a user sees them in DevTools

    def to_json(self) -> dict:
        return {"kind": self.kind, "code": self.code, "cookie": self.cookie, "text": self.text}

    @classmethod
    def from_json(cls, data: dict) -> EngineSaid:
        return cls(data["kind"], data["code"], data.get("cookie"), data.get("text", ""))

    def label(self) -> str:
        """The reason's id, with the cookie it is about: 'UserPreferences (sid)'."""
        return f"{self.code} ({self.cookie})" if self.cookie is not None else self.code

    def line(self, step: str) -> str:
        """What the engine said, as one line: the step, the kind, the reason's id, the cookie and its own words."""
        about = f" {self.cookie!r}" if self.cookie is not None else ""
        words = f": {self.text}" if self.text and self.text != self.code else ""
        return f"{step}: {self.kind} {self.code or '(no reason given)'}{about}{words}"


ENGINE_NAMES = {"chromium": "Chromium", "firefox": "Firefox", "webkit": "WebKit"}


def said_by_step(observed: dict, steps) -> dict[str, list[EngineSaid]]:
    """What the engine said per step, from an observed flow's JSON (each step's "engine" report)."""
    return {step: [EngineSaid.from_json(d) for d in observed[step].get("engine", {}).get("said", [])] for step in steps}


def engine_lines(engine: str, said_by_step: dict[str, list[EngineSaid]]) -> dict[str, list[str]]:
    """What an engine said across a flow, as the report and explain --verify show it: its reasons under
    "<Engine> says", its warnings apart under "<Engine> warns"."""
    name = ENGINE_NAMES.get(engine, engine)
    out: dict[str, list[str]] = {f"{name} says": [], f"{name} warns": []}
    for step, said in said_by_step.items():
        for s in said:
            out[f"{name} warns" if s.kind == "warning" else f"{name} says"].append(s.line(step))
    return out


@dataclass(frozen=True)
class Mapping:
    """An engine reason and the oracle rules it stands for, with where that meaning is written."""

    engine: str
    kind: str
    code: str
    rules: frozenset[str]
    source: str


def _m(engine: str, kind: str, codes: str, rules: str, source: str) -> list[Mapping]:
    return [Mapping(engine, kind, code, frozenset(rules.split()), source) for code in codes.split()]


_SAMESITE_STORE = "samesite-cross-site-store samesite-lax-by-default"
_SAMESITE_SEND = (
    "samesite-cross-site-send samesite-strict-navigation samesite-lax-top-level-safe samesite-lax-by-default"
)
_TABLE = [
    *_m("chromium", "store", "SecureOnly", "cookie-secure-origin", CDP_SET),
    *_m("chromium", "store", "SameSiteStrict SameSiteLax SameSiteUnspecifiedTreatedAsLax", _SAMESITE_STORE, CDP_SET),
    *_m(
        "chromium",
        "store",
        "SchemefulSameSiteStrict SchemefulSameSiteLax SchemefulSameSiteUnspecifiedTreatedAsLax",
        _SAMESITE_STORE + " site-schemeful",
        CDP_SET,
    ),  # fmt: skip
    *_m("chromium", "store", "SameSiteNoneInsecure", "samesite-none-requires-secure", CDP_SET),
    *_m(
        "chromium",
        "store",
        "UserPreferences ThirdPartyPhaseout ThirdPartyBlockedInFirstPartySet",
        "third-party-cookies",
        CDP_SET,
    ),  # fmt: skip
    *_m(
        "chromium",
        "store",
        "InvalidDomain",
        "cookie-domain-mismatch cookie-domain-public-suffix cookie-domain-dot",
        CDP_SET,
    ),  # fmt: skip
    *_m(
        "chromium",
        "store",
        "InvalidPrefix",
        "cookie-prefix-secure cookie-prefix-host cookie-prefix-http cookie-prefix-nameless",
        CDP_SET,
    ),  # fmt: skip
    *_m("chromium", "store", "OverwriteSecure", "cookie-secure-no-overwrite", CDP_SET),
    *_m("chromium", "store", "DisallowedCharacter", "cookie-line-ctl", CDP_SET),
    *_m("chromium", "store", "NoCookieContent", "cookie-name-value-empty", CDP_SET),
    *_m("chromium", "store", "NameValuePairExceedsMaxSize", "cookie-size-limit", CDP_SET),
    *_m("chromium", "send", "SecureOnly", "cookie-secure-send", CDP_SEND),
    *_m("chromium", "send", "NotOnPath", "cookie-path-match", CDP_SEND),
    *_m("chromium", "send", "DomainMismatch", "cookie-host-only cookie-domain-attribute", CDP_SEND),
    *_m("chromium", "send", "SameSiteStrict SameSiteLax SameSiteUnspecifiedTreatedAsLax", _SAMESITE_SEND, CDP_SEND),
    *_m(
        "chromium",
        "send",
        "SchemefulSameSiteStrict SchemefulSameSiteLax SchemefulSameSiteUnspecifiedTreatedAsLax",
        _SAMESITE_SEND + " site-schemeful",
        CDP_SEND,
    ),  # fmt: skip
    *_m(
        "chromium",
        "send",
        "UserPreferences ThirdPartyPhaseout ThirdPartyBlockedInFirstPartySet",
        "third-party-cookies",
        CDP_SEND,
    ),  # fmt: skip
    *_m(
        "chromium",
        "cors",
        "WildcardOriginNotAllowed PreflightWildcardOriginNotAllowed",
        "cors-wildcard-credentials",
        CDP_CORS,
    ),  # fmt: skip
    *_m(
        "chromium",
        "cors",
        "MissingAllowOriginHeader PreflightMissingAllowOriginHeader",
        "cors-no-allow-origin",
        CDP_CORS,
    ),  # fmt: skip
    *_m("chromium", "cors", "AllowOriginMismatch PreflightAllowOriginMismatch", "cors-origin-mismatch", CDP_CORS),
    *_m(
        "chromium",
        "cors",
        "InvalidAllowCredentials PreflightInvalidAllowCredentials",
        "cors-credentials-not-allowed",
        CDP_CORS,
    ),  # fmt: skip
    *_m("chromium", "cors", "HeaderDisallowedByPreflightResponse", "fetch-preflight-check", CDP_CORS),
    *_m("chromium", "cors", "DisallowedByMode", "fetch-mode-same-origin", CDP_CORS),
]
_FX_PREFIX = "cookie-prefix-secure cookie-prefix-host cookie-prefix-http cookie-prefix-nameless"
_TABLE += [
    *_m("firefox", "store", "CookieRejectedInvalidPrefix", _FX_PREFIX, FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedForNonSameSiteness", _SAMESITE_STORE, FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedNonRequiresSecure2", "samesite-none-requires-secure", FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedSecureButNonHttps", "cookie-secure-origin", FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedInvalidDomain",
        "cookie-domain-mismatch cookie-domain-public-suffix cookie-domain-dot", FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedInvalidCharValue CookieRejectedInvalidCharAttributes", "cookie-line-ctl",
        FX_CONSOLE),
    # netwerk/cookie/CookieValidation.cpp CheckName: a control character, or an empty name (valueless cookies)
    *_m("firefox", "store", "CookieRejectedInvalidCharName", "cookie-line-ctl cookie-valueless", FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedEmptyNameAndValue", "cookie-name-value-empty", FX_CONSOLE),
    *_m("firefox", "store", "CookieOversize", "cookie-size-limit", FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedThirdParty CookieForeignNoPartitionedError", "third-party-cookies",
        FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedNonsecureOverSecure", "cookie-secure-no-overwrite", FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedPartitionedRequiresSecure", "chips-partitioned-secure", FX_CONSOLE),
    *_m("firefox", "store", "CookieRejectedHttpOnlyButFromScript", "cookie-httponly-script-write", FX_CONSOLE),
    *_m("firefox", "send", "CookieBlockedCrossSiteRedirect", _SAMESITE_SEND, FX_CONSOLE),
    *_m("firefox", "send", "CookieRejectedThirdParty", "third-party-cookies", FX_ACCESS),
    *_m("firefox", "cors", "CORSMissingAllowOrigin2", "cors-no-allow-origin", FX_CORS),
    *_m("firefox", "cors", "CORSNotSupportingCredentials", "cors-wildcard-credentials", FX_CORS),
    *_m("firefox", "cors", "CORSMissingAllowCredentials", "cors-credentials-not-allowed", FX_CORS),
    *_m("firefox", "cors", "CORSAllowOriginNotMatchingOrigin", "cors-origin-mismatch", FX_CORS),
    *_m("firefox", "cors", "CORSMethodNotFound CORSMissingAllowHeaderFromPreflight2 CORSPreflightDidNotSucceed3",
        "fetch-preflight-check", FX_CORS),
    # logged after the failed check of the request's preflight: the request itself then fails
    *_m("firefox", "cors", "CORSDidNotSucceed2", "fetch-preflight-check cors-no-allow-origin "
        "cors-wildcard-credentials cors-credentials-not-allowed cors-origin-mismatch", FX_CORS),
]  # fmt: skip
TABLE: dict[tuple[str, str, str], Mapping] = {(m.engine, m.kind, m.code): m for m in _TABLE}
# Firefox's console messages about cookies that are not refusals (a default applied, an attribute ignored, a
# refusal to come): shown apart as warnings. Every other cookie message refuses a Set-Cookie line, but
# CookieBlockedCrossSiteRedirect, which withholds a cookie from a request. Keys of necko.properties.
FIREFOX_WARNINGS = frozenset({
    "CookieLaxForced2", "CookieLaxForcedForBeta2", "CookieRejectedNonRequiresSecureForBeta3",
    "CookieSameSiteValueInvalid2", "CookieInvalidMaxAgeAttribute", "CookieAttributeIgnored",
    "CookieAttributeOverwritten", "CookieForeignNoPartitionedWarning", "CookiePartitionedForeign2",
    "CookieAllowedForOriginByStorageAccessAPI", "CookieAllowedForOriginByHeuristic", "CookieAllowedForDFPIByHeuristic",
})  # fmt: skip


def firefox_reading(key: str, cookie: str | None) -> tuple[str, str | None]:
    """What a Firefox console message is, by its key and the cookie it names (its first parameter): the kind, and
    the cookie's name. Firefox names a refused cookie by its name, or by its whole Set-Cookie line for a third-party
    refusal; a third-party refusal of a request's cookies (an empty cookie) is about the request's access to cookies,
    no cookie in particular (None). The storage-access notices (CookieBlocked*, but a cookie withheld at a cross-site
    redirect) come from the anti-tracking content blocking log, once per document and origin
    (toolkit/components/antitracking/ContentBlockingLog.cpp), so they are shown as warnings, not judged per step."""
    if key.startswith("CORS"):
        return "cors", None
    if key in FIREFOX_WARNINGS:
        return "warning", _name(cookie)
    if key == "CookieBlockedCrossSiteRedirect":
        return "send", _name(cookie)
    if key.startswith("CookieBlocked"):  # anti-tracking's notice, once per document and origin: not per request
        return "warning", None
    if key == "CookieRejectedThirdParty" and not cookie:
        return "send", None
    return "store", _name(cookie)


def _name(cookie: str | None) -> str | None:
    """A cookie's name from Firefox's words: the name itself, or the name of a whole line."""
    if cookie is None or ("=" not in cookie and ";" not in cookie):
        return cookie
    return parse_set_cookie(cookie, "a line", header=False).name


@dataclass(frozen=True)
class Disagreement:
    """An engine reason the oracle's expectation does not account for: what the engine said, what the oracle has."""

    said: EngineSaid
    oracle: tuple[str, ...]  # the oracle's rules for that cookie or step (empty: the oracle expected no refusal)
    problem: str  # one sentence


def _rules_for(cookie: str | None, entries) -> tuple[str, ...] | None:
    """The oracle's rules for the named cookie among (name, ..., rules) entries; None when it has none."""
    found = [rule for entry in entries if entry[0] == cookie for rule in entry[-1]]
    return tuple(dict.fromkeys(found)) if found else None


def check(engine: str, step: Exchange, said: tuple[EngineSaid, ...]) -> list[Disagreement]:
    """Every engine reason of one step that the oracle's expectation of the step does not account for."""
    out = []
    for s in said:
        if s.kind == "warning":
            continue
        mapping = TABLE.get((engine, s.kind, s.code))
        if s.kind == "cors":
            oracle = step.reasons
        else:
            oracle = _rules_for(s.cookie, step.blocked if s.kind == "store" else step.withheld)
        if mapping is None:
            out.append(Disagreement(s, tuple(oracle or ()), f"{engine} gave {s.kind} reason {s.code!r}, which the "
                                    "table of engine reasons (e2e/oracle/engines.py) does not know"))  # fmt: skip
        elif oracle is None:
            verb = "refused to store" if s.kind == "store" else "did not send"
            out.append(Disagreement(s, (), f"{engine} {verb} cookie {s.cookie!r} ({s.code}), which the oracle expected "
                                    f"it to {'store' if s.kind == 'store' else 'send'}"))  # fmt: skip
        elif not mapping.rules & set(oracle):
            stands = ", ".join(sorted(mapping.rules))
            out.append(Disagreement(s, tuple(oracle), f"{engine}'s reason {s.code} stands for {stands} "
                                    f"[{mapping.source}], none of which is in the oracle's chain"))  # fmt: skip
    return out


def worth_hearing(steps: dict[str, Exchange]) -> frozenset[str]:
    """The steps whose request the oracle expects an engine to explain: a Set-Cookie line refused, a cookie of the jar
    withheld, or a fetch that fails (a CORS error). Elsewhere an engine's reason for a refusal could only come with
    a refusal the oracle did not expect, which the comparison of what the browser did already fails; what such a
    step loses is the engine's warnings, which are never judged (they are heard with --cm-engine-reasons all)."""
    failed = ("network_error", "rejected")
    return frozenset(name for name, step in steps.items() if step.blocked or step.withheld or step.fetch in failed)
