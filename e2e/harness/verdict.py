"""The comparison: what a browser did next to what the oracle expects, field by field, and the failure message that
names the browser, the fields and the rule chain (through the one formatter, oracle.rules.chain_lines). The flow's
fields (compare) and the attack scenarios' checks (ScenarioVerdict) are judged and worded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from e2e.harness.driver import FlowResult, StepResult
from e2e.harness.engine import EngineReport
from e2e.oracle import engines
from e2e.oracle.flow import STEP_FIELDS, FlowExpectation
from e2e.oracle.profiles import BrowserProfile
from e2e.oracle.rules import chain_lines
from e2e.oracle.spec import FlowSpec


def _status(s: StepResult):
    return s.status if s.outcome in ("resolved", "navigated") else (0 if s.outcome == "opaque" else None)


# Each field the oracle predicts per step (oracle.flow.STEP_FIELDS), read off an observed step.
OBSERVED_FIELDS = {
    "fetch": lambda s: s.fetch,
    "status": _status,
    "server_status": lambda s: s.last_request.status if s.last_request else None,
    "preflight": lambda s: bool(s.preflights),
    "cookie_sent": lambda s: s.cookie_sent,
    "authenticated": lambda s: s.authenticated,
    "cookie_stored": lambda s: bool(s.jar),
    "origin": lambda s: s.last_request.origin if s.last_request else None,
    "header_read": lambda s: s.header_read,
}
assert tuple(OBSERVED_FIELDS) == STEP_FIELDS, "every predicted field is compared, and only those"
# Jar attributes compared with the oracle's stored_cookie, by Playwright's cookie keys.
JAR_FIELDS = {
    "domain": "domain",
    "path": "path",
    "secure": "secure",
    "httpOnly": "httpOnly",
    "partition_key": "partitionKey",
}


@dataclass(frozen=True)
class Mismatch:
    """One field of one step where the browser did not do what the rules say."""

    step: str
    field: str
    expected: Any
    observed: Any
    reasons: tuple[str, ...]
    note: str = ""  # what the disagreement is, when the field alone does not say it (an engine's reason)

    def to_json(self) -> dict:
        return {"step": self.step, "field": self.field, "expected": self.expected, "observed": self.observed,
                "reasons": list(self.reasons), "note": self.note}  # fmt: skip


def cookie_header(step: StepResult) -> str | None:
    """The Cookie header of the step's request as the server received it (None: none, or no request)."""
    return step.requests[0].cookie_header if step.requests else None


def compares_cookie_text(spec: FlowSpec) -> bool:
    """Whether the Cookie headers and document.cookie are compared as text: when the server sends its lines
    exactly, nothing in them is the session id the server makes up for the run."""
    return spec.server.exact


def js_visible(flow: FlowResult, cookie_name: str) -> bool:
    """Whether document.cookie on the page showed the session cookie right after login."""
    pairs = [p.strip() for p in flow["login"].document_cookie.split(";") if p.strip()]
    return any(p.split("=", 1)[0] == cookie_name for p in pairs)


def compare(expected: FlowExpectation, observed: FlowResult, spec: FlowSpec, profile: BrowserProfile) -> list[Mismatch]:
    """Every difference between the oracle's expectation of `spec` and the observed flow."""
    mismatches = []
    for step in expected.steps:
        want, got = expected.steps[step], observed[step]
        for name, read in OBSERVED_FIELDS.items():
            if getattr(want, name) != read(got):
                mismatches.append(Mismatch(step, name, getattr(want, name), read(got), want.reasons))
        leaked = [p.cookie_header for p in got.preflights if p.cookie_header]
        if leaked:
            mismatches.append(Mismatch(step, "preflight_cookie", None, leaked[0], ("fetch-preflight-no-credentials",)))
    if compares_cookie_text(spec):
        for step in expected.steps:
            want, got = expected.steps[step], cookie_header(observed[step])
            if want.cookie_header != got:
                mismatches.append(Mismatch(step, "cookie_header", want.cookie_header, got, want.reasons))
        if expected.document_cookie != observed.document_cookie:
            why = expected.steps["login"].reasons + expected.document_reasons + ("document-cookie",)
            mismatches.append(Mismatch("login", "document_cookie", expected.document_cookie,
                                       observed.document_cookie, why))  # fmt: skip
    for step in expected.steps:
        want, report = expected.steps[step], observed[step].engine
        for d in engines.check(profile.name, want, report.said):
            mismatches.append(Mismatch(step, f"engine.{d.said.kind}", list(d.oracle), d.said.label(), want.reasons,
                                       d.problem))  # fmt: skip
    if expected.script_results != observed.script_results:
        why = expected.steps["login"].reasons + expected.document_reasons
        mismatches.append(Mismatch("login", "script_results", list(expected.script_results),
                                   list(observed.script_results), why))  # fmt: skip
    asked = spec.asks_storage_access_before or "login"  # in the frame, before its first step there
    for name in ("storage_access", "has_access"):
        if getattr(expected, name) != getattr(observed, name):
            mismatches.append(Mismatch(asked, name, getattr(expected, name), getattr(observed, name),
                                       expected.storage_reasons))  # fmt: skip
    login_reasons = expected.steps["login"].reasons
    seen = js_visible(observed, spec.cookie_name)
    if expected.js_visible != seen:
        mismatches.append(Mismatch("login", "js_visible", expected.js_visible, seen, expected.js_reasons))
    stored, jar = expected.stored_cookie, observed["login"].jar
    if stored and len(jar) == 1:
        for name, key in JAR_FIELDS.items():
            if name == "partition_key" and not profile.jar_reports_partition_key.value:  # Firefox: see its profile
                continue
            if name in stored and stored[name] != jar[0].get(key):
                mismatches.append(Mismatch("login", f"jar.{name}", stored[name], jar[0].get(key), login_reasons))
    elif len(jar) > 1:
        mismatches.append(Mismatch("login", "jar.count", 1, len(jar), login_reasons))
    return mismatches


def describe(
    mismatches: list[Mismatch], browser: str, version: str, case_id: str, version_note: str | None = None
) -> str:
    """A failure message: step, field, expected and observed, the rule chain, the browser and its version."""
    lines = [f"{browser} {version} disagrees with the oracle in case {case_id}:"]
    if version_note:
        lines.append(f"  note: {version_note}")
    for m in mismatches:
        lines.append(f"  - step {m.step}, {m.field}: expected {m.expected!r}, observed {m.observed!r}")
        if m.note:
            lines.append(f"      {m.note}")
        lines += chain_lines(m.reasons, "      ")
    return "\n".join(lines)


def observed_json(flow: FlowResult, spec: FlowSpec) -> dict:
    """The observed flow in the shape of FlowExpectation.to_json(), with each step's error and the jar after login."""
    out: dict[str, Any] = {
        step: {name: read(flow[step]) for name, read in OBSERVED_FIELDS.items()} | {"error": flow[step].error}
        for step in flow.steps
    }
    for step in flow.steps:
        out[step]["cookie_header"] = cookie_header(flow[step])
        out[step]["engine"] = flow[step].engine.to_json()
    out["js_visible"] = js_visible(flow, spec.cookie_name)
    out["document_cookie"] = flow.document_cookie
    out["script_results"] = list(flow.script_results)
    out["storage_access"] = flow.storage_access
    out["has_access"] = list(flow.has_access) if flow.has_access else None
    out["jar"] = [
        {k: c.get(k) for k in ("name", "domain", "path", "secure", "httpOnly", "sameSite", "partitionKey")}
        for c in flow["login"].jar
    ]
    out["stored_cookie"] = (
        {name: out["jar"][0].get(key) for name, key in JAR_FIELDS.items()} if len(out["jar"]) == 1 else None
    )
    return out


def mismatch_message(what: str, expected, observed, reasons, *, browser: str, version: str,
                     deviations: tuple[str, ...] = ()) -> str:  # fmt: skip
    """One check of a scenario that failed: the browser, the expected and observed values, the rule chain."""
    head = f"{browser} {version} disagrees with the rules at {what}: expected {expected!r}, observed {observed!r}"
    tail = (
        f"\n  (the expectation already relies on the profile deviations {', '.join(deviations)})" if deviations else ""
    )
    return "\n".join([head, *chain_lines(reasons)]) + tail


class ScenarioVerdict:
    """Every disagreement of one scenario, reported together: the browser, expected and observed, the rule chain."""

    def __init__(self, browser: str, version: str, deviations: tuple[str, ...] = ()):
        self.browser, self.version, self.deviations = browser, version, deviations
        self.problems: list[str] = []

    def check(self, what: str, expected: Any, observed: Any, reasons) -> None:
        if expected != observed:
            self.problems.append(mismatch_message(what, expected, observed, reasons, browser=self.browser,
                                                  version=self.version, deviations=self.deviations))  # fmt: skip

    def attempt(self, name: str, expected, observed: dict, heard: EngineReport | None = None) -> None:
        """Compare the fields of a request (oracle Exchange) that the test observed: sent, server_status, user, ...;
        and what the engine said of it (`heard`), with the oracle's reasons for it."""
        for field_name, value in observed.items():
            self.check(f"{name}.{field_name}", getattr(expected, field_name), value, expected.reasons)
        if heard is not None:
            self.heard(name, expected, heard)

    def heard(self, name: str, expected, report: EngineReport) -> None:
        """Hold what the engine said of a request to the oracle's reasons for it (oracle.engines.check)."""
        for d in engines.check(self.browser, expected, report.said):
            message = mismatch_message(
                f"{name}.engine.{d.said.kind}",
                list(d.oracle),
                d.said.label(),
                expected.reasons,
                browser=self.browser,
                version=self.version,
                deviations=self.deviations,
            )
            self.problems.append(f"{message}\n  {d.problem}")  # fmt: skip

    def done(self) -> None:
        if self.problems:
            pytest.fail("\n\n".join(self.problems), pytrace=False)


@dataclass(frozen=True)
class Judgement:
    """One spec run in a browser and held to the oracle: the expectation, the observation, where they differ."""

    expected: FlowExpectation
    observed: FlowResult
    mismatches: list[Mismatch]


def judge(case, spec: FlowSpec, profile: BrowserProfile) -> Judgement:
    """Run `spec` in the browser case and compare it with the oracle's expectation for `profile` (under the spec's
    own third-party setting, which the driver gives the browser and the oracle gives the profile)."""
    from e2e.harness.driver import run_flow
    from e2e.oracle.flow import expect

    expected = expect(spec, profile)
    observed = run_flow(case, spec, hear=case.steps_to_hear(expected.steps))
    return Judgement(expected, observed, compare(expected, observed, spec, profile))
