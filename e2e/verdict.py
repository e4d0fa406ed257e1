"""Compare what a browser did with what the oracle expects, and say it in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from e2e.flow import STEPS, FlowResult

# The per-step fields the oracle predicts and how each is read off an observed step.
OBSERVED_FIELDS = {
    "fetch": lambda s: s.fetch,
    "status": lambda s: s.status if s.outcome == "resolved" else (0 if s.outcome == "opaque" else None),
    "preflight": lambda s: bool(s.preflights),
    "cookie_sent": lambda s: s.cookie_sent,
    "authenticated": lambda s: s.authenticated,
    "cookie_stored": lambda s: bool(s.jar),
}
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


def js_visible(flow: FlowResult, cookie_name: str) -> bool:
    """Whether document.cookie on the page showed the session cookie right after login."""
    pairs = [p.strip() for p in flow["login"].document_cookie.split(";") if p.strip()]
    return any(p.split("=", 1)[0] == cookie_name for p in pairs)


def compare(expected, observed: FlowResult, cookie_name: str, jar_reports_partition_key: bool) -> list[Mismatch]:
    """Every difference between the oracle's expectation and the observed flow."""
    mismatches = []
    for step in STEPS:
        want, got = expected.steps[step], observed[step]
        for name, read in OBSERVED_FIELDS.items():
            if getattr(want, name) != read(got):
                mismatches.append(Mismatch(step, name, getattr(want, name), read(got), want.reasons))
        leaked = [p.cookie_header for p in got.preflights if p.cookie_header]
        if leaked:
            mismatches.append(Mismatch(step, "preflight_cookie", None, leaked[0], ("fetch-preflight-no-credentials",)))
    if expected.js_visible != js_visible(observed, cookie_name):
        mismatches.append(
            Mismatch(
                "login",
                "js_visible",
                expected.js_visible,
                js_visible(observed, cookie_name),
                expected.steps["login"].reasons,
            )
        )
    stored = expected.stored_cookie
    jar = observed["login"].jar
    if stored and len(jar) == 1:
        for field, key in JAR_FIELDS.items():
            if field == "partition_key" and not jar_reports_partition_key:
                continue
            if field in stored and stored[field] != jar[0].get(key):
                mismatches.append(
                    Mismatch("login", f"jar.{field}", stored[field], jar[0].get(key), expected.steps["login"].reasons)
                )
    elif len(jar) > 1:
        mismatches.append(Mismatch("login", "jar.count", 1, len(jar), expected.steps["login"].reasons))
    return mismatches


def describe(
    mismatches: list[Mismatch],
    rules: dict,
    browser: str,
    version: str,
    case_id: str,
    version_note: str | None = None,
) -> str:
    """A failure message: step, field, expected and observed, the rule chain, the browser and its version."""
    lines = [f"{browser} {version} disagrees with the oracle in case {case_id}:"]
    if version_note:
        lines.append(f"  note: {version_note}")
    for m in mismatches:
        lines.append(f"  - step {m.step}, {m.field}: expected {m.expected!r}, observed {m.observed!r}")
        for rule_id in m.reasons:
            rule = rules.get(rule_id)
            lines.append(f"      rule {rule_id}: {rule.text} [{rule.source}]" if rule else f"      rule {rule_id}")
    return "\n".join(lines)


def observed_json(flow: FlowResult, cookie_name: str) -> dict:
    """The observed flow in the same shape as the oracle's to_json()."""
    out = {
        step: {name: read(flow[step]) for name, read in OBSERVED_FIELDS.items()} | {"error": flow[step].error}
        for step in STEPS
    }
    out["js_visible"] = js_visible(flow, cookie_name)
    out["jar"] = [
        {k: c.get(k) for k in ("name", "domain", "path", "secure", "httpOnly", "sameSite", "partitionKey")}
        for c in flow["login"].jar
    ]
    return out
