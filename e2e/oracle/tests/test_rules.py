"""The rule table and the formatter of rule chains: every rule has a sentence and a source, every reason the
oracle gives is a rule, and a chain reads the same wherever it is printed."""

from __future__ import annotations

from e2e.oracle.rules import RULES
from e2e.oracle.tests.examples import (
    API_A,
    API_B,
    PARTITIONED,
    flow,
)


def test_every_rule_has_a_sentence_and_a_source():
    assert len(RULES) >= 50
    for rule in RULES.values():
        assert rule.id and rule.text.endswith(".") and rule.source, rule


def test_every_reason_the_oracle_gives_is_a_rule():
    cases = [
        flow(),
        flow(api=API_B, set_cookie=PARTITIONED, cors="allowlist"),
        flow(mode="no-cors", api=API_B),
        flow(mode="same-origin", api=API_A),
        flow(credentials="omit"),
        flow(api=API_B, cors="wildcard"),
    ]
    for f in cases:
        for step in f.steps.values():
            assert set(step.reasons) <= set(RULES), step.reasons
        assert set(f.js_reasons) <= set(RULES)
