"""The matrix can fail: a real browser held to a deliberately wrong profile, or to a wrong table of engine reasons,
must disagree, naming the rule or the engine's reason."""

import pytest

from e2e.harness.verdict import describe, judge
from e2e.oracle import engines
from e2e.tests.probes.wrong_profile import CASE, REFUSED, flipped_lax_by_default, wrong_table

pytestmark = pytest.mark.browser_e2e


def test_wrong_profile_is_caught(browser_case, browser_profile, browser_name):
    """Flip the profile's Lax-by-default fact: the same real run must now be reported as a mismatch."""
    result = judge(browser_case, CASE.spec(browser_case.hosts), flipped_lax_by_default(browser_profile))
    assert ("login", "cookie_stored") in {(m.step, m.field) for m in result.mismatches}, result.mismatches
    message = describe(result.mismatches, browser_name, "test", CASE.id)
    assert "samesite-lax-by-default" in message and browser_name in message


@pytest.mark.parametrize("drop", [False, True], ids=["wrong_mapping", "missing_reason"])
def test_wrong_engine_table_is_caught(browser_case, browser_profile, browser_name, monkeypatch, drop):
    """Map the engine's store reasons to a rule outside the chain, or drop them: the real refusal must now fail the
    case, naming the engine's reason."""
    if not browser_case.captures_engine:
        pytest.skip(f"{browser_name}'s reasons are not captured")
    monkeypatch.setattr(engines, "TABLE", wrong_table(engines.TABLE, browser_name, "store", drop=drop))
    result = judge(browser_case, REFUSED.spec(browser_case.hosts), browser_profile)
    engine = [m for m in result.mismatches if m.field == "engine.store"]
    assert engine and all(m.step == "login" for m in engine), result.mismatches
    assert [m for m in result.mismatches if not m.field.startswith("engine.")] == [], result.mismatches
    problem = "does not know" if drop else "stands for cookie-path-match"
    message = describe(result.mismatches, browser_name, "test", REFUSED.id)
    assert problem in message and str(engine[0].observed).split(" ")[0] in message, message
