"""The comparison and its words, without a browser: every predicted field is compared, and a failure names the
browser, the field and the rule chain through the one formatter."""

from __future__ import annotations

from dataclasses import replace

from e2e.cases import csrf_server
from e2e.harness.driver import FlowResult, StepResult
from e2e.harness.verdict import (
    OBSERVED_FIELDS,
    Mismatch,
    ScenarioVerdict,
    compare,
    compares_cookie_text,
    describe,
    mismatch_message,
)
from e2e.oracle import scenarios as so
from e2e.oracle.flow import STEP_FIELDS, expect
from e2e.oracle.profiles import CHROMIUM
from e2e.oracle.rules import RULES, chain_lines
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.tests.examples import APP, EVIL, NOW
from e2e.oracle.vocabulary import REQUESTS
from server.app import RequestRecord


def test_every_field_the_oracle_predicts_is_read_off_the_browser():
    assert tuple(OBSERVED_FIELDS) == STEP_FIELDS


def test_mismatch_message_names_browser_rule_and_source():
    attack = so.csrf(CHROMIUM, app=APP, evil=EVIL, server=csrf_server(None), vector="form_text_plain")["attack"]
    message = mismatch_message(
        "attack.created", True, False, attack.reasons, browser="chromium", version="156.0.1", deviations=("x",)
    )
    assert message.startswith("chromium 156.0.1 disagrees with the rules at attack.created: expected True")
    rule = RULES["samesite-lax-allowing-unsafe"]
    assert f"rule samesite-lax-allowing-unsafe: {rule.text} [{rule.source}]" in message
    assert "profile deviations x" in message


def test_flow_and_scenario_failures_print_rule_chains_alike():
    """One formatter of rule chains: a matrix failure and a scenario failure print the same lines for a chain."""
    chain = ("site-cross", "samesite-cross-site-store", "no-such-rule")
    flow = describe([Mismatch("login", "cookie_stored", True, False, chain)], "firefox", "153.0", "case-id")
    scenario = mismatch_message("login.stored", True, False, chain, browser="firefox", version="153.0")
    for line in chain_lines(chain):
        assert line.strip() in flow and line.strip() in scenario
    assert "rule no-such-rule" in flow  # an id the table lacks is named, not dropped


def test_scenario_verdict_collects_every_disagreement():
    verdict = ScenarioVerdict("chromium", "156.0")
    verdict.check("a", 1, 1, ("cookie-sent",))
    verdict.check("b", 1, 2, ("cookie-sent",))
    verdict.check("c", "x", "y", ("cookie-sent",))
    assert len(verdict.problems) == 2 and "at b: expected 1, observed 2" in verdict.problems[0]


def _observed_as_expected(expected, document_cookie: str) -> FlowResult:
    """A browser's flow that did everything the oracle expects, as the driver records it."""
    flow = FlowResult(document_cookie=document_cookie)
    for name, want in expected.steps.items():
        method, path = REQUESTS[name].method, REQUESTS[name].path
        user = "alice" if want.authenticated else None
        record = RequestRecord(0, method, "https", "app.site-a.test", path, want.origin, want.cookie_header, want.sent,
                               False, want.server_status, (), user, None, None, None)  # fmt: skip
        jar = [{"name": "a", "domain": "app.site-a.test", "path": "/api", "secure": False, "httpOnly": False}]
        flow.steps[name] = StepResult(name, want.fetch, want.status, None, None, None, "", [record], [],
                                      jar if want.cookie_stored else [], header_read=want.header_read)  # fmt: skip
    return flow


def test_exact_lines_are_judged_on_the_cookie_header_and_document_cookie_too():
    """With exact lines nothing in the Cookie header is random, so it and document.cookie are compared as text;
    with the session id in the line they are not."""
    spec = FlowSpec(APP, APP, ServerSpec(set_cookie=("a=1", "b=1; Path=/"), exact=True))
    expected = expect(spec, CHROMIUM, now=NOW)
    assert expected.steps["me"].cookie_header == "a=1; b=1" and expected.document_cookie == "b=1"
    same = _observed_as_expected(expected, "b=1")
    assert compare(expected, same, spec, CHROMIUM) == []
    reordered = _observed_as_expected(expected, "")
    reordered.steps["me"].requests[0] = replace(reordered.steps["me"].requests[0], cookie_header="b=1; a=1")
    found = {(m.step, m.field): (m.expected, m.observed) for m in compare(expected, reordered, spec, CHROMIUM)}
    assert found == {("me", "cookie_header"): ("a=1; b=1", "b=1; a=1"), ("login", "document_cookie"): ("b=1", "")}
    session = FlowSpec(APP, APP, ServerSpec(set_cookie="a=1; Path=/"))
    assert not compares_cookie_text(session) and compares_cookie_text(spec)
