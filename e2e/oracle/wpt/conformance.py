"""WPT's cookie tests as the oracle's conformance suite: each case of cases.json run on the one browser model, what
the model says the test observes, what the test expects, and the short list of WPT expectations the specification
contradicts (each with its reason). Which disagreements a browser profile's sourced deviations explain is
profiles.changed_by_deviations's, as everywhere else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from e2e.oracle.browser import BrowserModel
from e2e.oracle.profiles import BrowserProfile
from e2e.oracle.server import cookie_pairs
from e2e.oracle.sites import Origin, parse_origin

CASES = Path(__file__).resolve().parent / "cases.json"
NOW = 1_800_000_000.0  # any fixed clock: WPT's dates are either long past or far ahead


@dataclass(frozen=True)
class WptCase:
    """One WPT test: on `page`, cookies set by the response from `set` (via "http") or by document.cookie writes
    (via "dom"), in order; `expect` is the test's own: a document.cookie string at a URL, or whether one cookie is
    in document.cookie and sent to a URL."""

    id: str
    title: str
    page: str
    via: str  # "http" | "dom"
    set: str
    lines: tuple[str, ...]
    expect: dict
    source: dict  # repo, path, commit, line
    allow_fetch_failure: bool = False

    def cite(self) -> str:
        s = self.source
        return f"WPT {self.id} ({s['repo']}@{s['commit'][:12]} {s['path']}:{s['line']}): {self.title}"


# WPT's expectations presume a browser that accepts third-party cookies (__secure.header.https.html sets and reads a
# cookie on another site's origin from its test page), as the browsers' own WPT runs do: each profile is run so.
THIRD_PARTY = "allowed"

# WPT expectations that 6265bis contradicts: case id -> why. Each must still disagree with the model (the test of
# this list fails on an entry the model agrees with, so a fixed WPT or model removes it).
WPT_BUGS: dict[str, str] = {
    "attributes/attributes-ctl.sub.html:91#10": "'test9secure2=t; Secure\\t;' is written by script on an http page: "
    "HTAB is whitespace that §5.6 trims from the attribute name, so the attribute is Secure, and §5.7 step 12 "
    "ignores a Secure cookie from a non-secure URL. The test expects every HTAB case to store its cookie, "
    "forgetting that its page is not secure (cookies/attributes/attributes-ctl.sub.html is served over http)",
    **dict.fromkeys(
        (f"prefix/__HostHttp.https.html:{line}" for line in (11, 14, 28, 44, 52, 55)),
        "__HostHttp- was a draft's name for the __Host-Http- prefix; draft-ietf-httpbis-layered-cookies names only "
        "__Http- and __Host-Http- (tested by WPT's __Http.https.html and __Host-Http.https.html), so a "
        "__HostHttp- cookie is an ordinary one and is stored without HttpOnly or with a Domain. BCD "
        "Set-Cookie.json http_host-http_prefixes: Firefox 142 shipped the old name, 143 the new one (bug 1982555)",
    ),
}


@cache
def load() -> tuple[WptCase, ...]:
    """Every case of cases.json."""
    data = json.loads(CASES.read_text(encoding="utf-8"))
    return tuple(WptCase(**{**c, "lines": tuple(c["lines"])}) for c in data["cases"])


@cache
def skipped() -> tuple[dict, ...]:
    """The WPT tests the extractor could not take, each with why."""
    return tuple(json.loads(CASES.read_text(encoding="utf-8"))["skipped"])


def _at(url: str) -> tuple[Origin, str]:
    parts = urlsplit(url)
    return parse_origin(f"{parts.scheme}://{parts.netloc}", "a WPT URL"), parts.path or "/"


def _has_cookie(name: str, value: str, cookie_string: str) -> bool:
    """cookie-helper.sub.js cookieStringHasCookie: `name=value` as one of the pairs of a document.cookie string."""
    return re.search(f"(?:^|; ){re.escape(name)}={re.escape(value)}(?:$|;)", cookie_string) is not None


def run(case: WptCase, profile: BrowserProfile) -> tuple[dict, tuple[str, ...]]:
    """What the test observes in a browser of this profile, by the model, in the shape of `case.expect`; and the
    rules that decided, in order."""
    browser, why = BrowserModel(profile.under_third_party_setting(THIRD_PARTY), NOW), []
    page, page_path = _at(case.page)
    if case.via == "http":
        target, path = _at(case.set)
        why += browser.receive(page, target, path, case.lines)
    else:
        for line in case.lines:
            why += browser.write_cookie(page, page_path, line)[1]
    expect = case.expect
    if "document_cookie" in expect:
        origin, path = _at(expect["at"])
        return {"document_cookie": browser.document_cookie(origin, path), "at": expect["at"]}, tuple(why)
    name, value = expect["cookie"]
    target, path = _at(expect["to"])
    header, sent_why = browser.cookie_header(page, target, path)
    seen = {"cookie": expect["cookie"], "sent": (name, value) in cookie_pairs(header), "to": expect["to"]}
    if "in_dom" in expect:
        seen["in_dom"] = _has_cookie(name, value, browser.document_cookie(page, page_path))
    return seen, tuple(dict.fromkeys(why + list(sent_why)))


def observe(case: WptCase, profile: BrowserProfile) -> dict:
    """What the test observes in a browser of this profile, by the model."""
    return run(case, profile)[0]


def agrees(case: WptCase, profile: BrowserProfile) -> bool:
    """Whether the model observes what the WPT test expects."""
    return observe(case, profile) == case.expect
