"""The comparison and its words, without a browser: every predicted field is compared, and a failure names the
browser, the field and the rule chain through the one formatter."""

from __future__ import annotations

from e2e.cases import csrf_server
from e2e.harness.verdict import OBSERVED_FIELDS, Mismatch, ScenarioVerdict, describe, mismatch_message
from e2e.oracle import scenarios as so
from e2e.oracle.flow import STEP_FIELDS
from e2e.oracle.profiles import CHROMIUM
from e2e.oracle.rules import RULES, chain_lines
from e2e.oracle.tests.examples import APP, EVIL


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
