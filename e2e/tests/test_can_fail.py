"""The matrix can fail: a real browser held to a deliberately wrong profile must disagree, naming the rule."""

import pytest

from e2e.harness.verdict import describe, judge
from e2e.tests.probes.wrong_profile import CASE, flipped_lax_by_default

pytestmark = pytest.mark.browser_e2e


def test_wrong_profile_is_caught(browser_case, browser_profile, browser_name):
    """Flip the profile's Lax-by-default fact: the same real run must now be reported as a mismatch."""
    result = judge(browser_case, CASE.spec(browser_case.hosts), flipped_lax_by_default(browser_profile))
    assert ("login", "cookie_stored") in {(m.step, m.field) for m in result.mismatches}, result.mismatches
    message = describe(result.mismatches, browser_name, "test", CASE.id)
    assert "samesite-lax-by-default" in message and browser_name in message
