"""The matrix's flow: login → me → list → create → logout from a page against the API, as the rules say it goes.

`expect(spec, profile)` runs a FlowSpec on the one browser model and the one server model and says, for every step,
what script sees, what the server did, whether the session cookie went along and stayed, and why; then what
document.cookie shows after login and how the jar reports the cookie. Choices where the sources leave room:

- `stored_cookie["domain"]` is the host for a host-only cookie and "." + domain for a Domain cookie, as Chromium's
  CDP and Firefox's WebDriver BiDi both report it through Playwright (Firefox: remote/webdriver-bidi/modules/root/
  storage.sys.mjs maps `domain` to nsICookie.host, which keeps the leading dot).
- `stored_cookie["partition_key"]` is what Playwright reports: the top-level site for a partitioned cookie where the
  profile's jar reports keys (jar_reports_partition_key), else None; the reasons still name the partition.
- `server_status` is the status of the actual request; a preflight's 204 is not counted there.
- `authenticated` is whether the server recorded a user for the request (server/app.py `g.user`): a successful
  login counts (the password authenticated it), and so does a create refused with 415 after the session check.
- The size check of 6265bis §5.7 step 4 uses the value as the spec's line writes it; the real server puts a
  43-character session id there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from e2e.oracle.browser import BrowserModel, Exchange
from e2e.oracle.profiles import BrowserProfile, changed_by_deviations
from e2e.oracle.server import ServerModel
from e2e.oracle.sites import parse_origin
from e2e.oracle.spec import FlowSpec
from e2e.oracle.vocabulary import REQUESTS

# The fields of a step that a browser's run is compared on (harness/verdict.py reads each off an observed step).
STEP_FIELDS = ("fetch", "status", "server_status", "preflight", "cookie_sent", "authenticated", "cookie_stored",
               "origin", "header_read")  # fmt: skip


@dataclass(frozen=True)
class FlowExpectation:
    """The whole flow: each step, what script sees of the cookie, and the jar's view of it after login (before the
    script's writes, if the spec has any)."""

    steps: dict[str, Exchange]  # FlowSpec.steps in order: "login", "me", "list", "create", "logout" (, "reread")
    js_visible: bool  # document.cookie on the page shows the session cookie after login
    stored_cookie: dict | None  # domain, path, secure, httpOnly, partition_key as Playwright reports them
    deviations: tuple[str, ...] = ()  # profile deviations (profiles.Deviation ids) that changed this expectation
    js_reasons: tuple[str, ...] = ()  # the rule chain behind js_visible
    document_cookie: str = ""  # document.cookie on the page (its "/") after login and the script's writes
    document_reasons: tuple[str, ...] = ()  # the rule chain behind the script's writes
    script_results: tuple[str, ...] = ()  # what each of the script's writes gave it (vocabulary.SCRIPT_OUTCOMES)
    # what document.requestStorageAccess() gave the framed page before its first step there (FlowSpec.storage_access):
    # "granted", "denied", or None (not asked); what document.hasStorageAccess() gave just before and after it
    storage_access: str | None = None
    has_access: tuple[bool, bool] | None = None
    storage_reasons: tuple[str, ...] = ()  # the rule chain behind storage_access and has_access

    def to_json(self) -> dict:
        """Every field the comparison reads, per step with its rule chain and Cookie header, then the page's and the
        jar's."""
        steps = {
            name: {f: getattr(step, f) for f in STEP_FIELDS}
            | {"cookie_header": step.cookie_header, "reasons": list(step.reasons)}
            for name, step in self.steps.items()
        }
        return steps | {"steps": list(self.steps), "js_visible": self.js_visible, "js_reasons": list(self.js_reasons),
                        "document_cookie": self.document_cookie,
                        "document_reasons": list(self.document_reasons),
                        "script_results": list(self.script_results), "stored_cookie": self.stored_cookie,
                        "storage_access": self.storage_access,
                        "has_access": list(self.has_access) if self.has_access else None,
                        "storage_reasons": list(self.storage_reasons),
                        "deviations": list(self.deviations)}  # fmt: skip

    def outcome(self) -> tuple:
        """Everything observable, without the reasons: two flows with equal outcomes look the same."""
        steps = tuple((n, s.outcome()) for n, s in self.steps.items())
        return (steps, self.js_visible, self.document_cookie, self.script_results,
                tuple(sorted((self.stored_cookie or {}).items())), self.storage_access, self.has_access)  # fmt: skip


def _jar_view(spec: FlowSpec, browser: BrowserModel) -> dict | None:
    """The session cookie as Playwright's context.cookies() reports it (see the module docstring)."""
    cookies = browser.cookies(spec.cookie_name)
    if not cookies:
        return None
    c = cookies[-1]
    reports_key = browser.profile.jar_reports_partition_key.value
    return {"domain": c.domain if c.host_only else "." + c.domain, "path": c.path, "secure": c.secure,
            "httpOnly": c.http_only, "partition_key": c.partition_key if reports_key else None}  # fmt: skip


def _run(spec: FlowSpec, profile: BrowserProfile, now: float) -> FlowExpectation:
    browser, server = BrowserModel(profile, now), ServerModel(spec.server, spec.api_origin)
    steps, visible, js_reasons, jar_view, shown, written, results = {}, False, (), None, "", [], []
    access, has_access, access_reasons = None, None, ()
    for name in spec.steps:
        request = REQUESTS[name]
        page, top = spec.document_of(name)
        if name == spec.asks_storage_access_before:  # in the frame, after a click there
            before, why_before = browser.has_storage_access(page, top)
            access, why = browser.request_storage_access(page, top, spec.storage_access)
            after, why_after = browser.has_storage_access(page, top)
            has_access, access_reasons = (before, after), tuple(dict.fromkeys(why_before + why + why_after))
        if name == "login" and spec.login == "idp":  # navigations: to the provider and back to the callback
            steps[name] = browser.idp_login(page, server, parse_origin(spec.idp, "idp"), spec.idp_return,
                                            spec.state_cookie_age)  # fmt: skip
        elif name == "login" and spec.login == "form":  # a top-level form POST; the 303 brings the page back
            steps[name] = browser.navigate(page, server, request.method, request.path, spec.content_type,
                                           ("nav-form-post", "fetch-origin-header"))  # fmt: skip
        else:
            steps[name] = browser.fetch(page, server, request.method, request.path, credentials=spec.credentials,
                                        mode=spec.mode, content_type=spec.content_type if request.json_body else None,
                                        authorization=spec.authorization, cache=spec.cache,
                                        redirect=spec.redirect_mode, top=top)  # fmt: skip
        if name == "login":  # what script reads in the document that logged in, then its writes
            values, js_reasons = browser.read_cookie(page, spec.cookie_name, top=top)
            visible, jar_view = bool(values), _jar_view(spec, browser)
            for line in spec.script_writes:
                outcome, why = browser.script_write(spec.script_api, page, "/", line, top)
                results.append(outcome)
                written += why
            shown = browser.document_cookie(page, top=top)
    return FlowExpectation(steps, visible, jar_view, (), js_reasons, shown, tuple(dict.fromkeys(written)),
                           tuple(results), access, has_access, access_reasons)  # fmt: skip


def expect(spec: FlowSpec, profile: BrowserProfile, now: float | None = None) -> FlowExpectation:
    """The expected flow of `spec` in a browser of `profile` (`now`, epoch seconds, judges Expires dates)."""
    profile = profile.under_third_party_setting(spec.third_party)
    clock = time.time() if now is None else now
    flows: list[FlowExpectation] = []  # the first is the profile's own (changed_by_deviations runs it first)

    def outcome(p: BrowserProfile) -> tuple:
        flows.append(_run(spec, p, clock))
        return flows[-1].outcome()

    deviations = changed_by_deviations(outcome, profile)
    return replace(flows[0], deviations=deviations)
