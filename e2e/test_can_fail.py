"""The matrix can fail: a real browser held to a deliberately wrong profile must disagree, naming the rule."""

from dataclasses import replace

import pytest

from e2e import oracle
from e2e.cases import Case
from e2e.flow import run_flow
from e2e.profiles import Fact
from e2e.test_matrix import expectation
from e2e.verdict import compare, describe
from server import CookieConfig

pytestmark = pytest.mark.browser_e2e

# Cross-site, credentials included, SameSite unset: whether it is stored hangs on Lax-by-default alone.
CASE = Case("core", "include", "cross_site-https", CookieConfig(samesite=None, secure=True, partitioned=True))


def test_wrong_profile_is_caught(browser_case, browser_profile, browser_name):
    """Flip the profile's Lax-by-default fact: the same real run must now be reported as a mismatch."""
    wrong = replace(
        browser_profile,
        lax_by_default=Fact(not browser_profile.lax_by_default.value, "deliberately wrong"),
        deviations=(),
    )
    settings, expected = expectation(CASE, browser_case.hosts, wrong)
    browser_case.hosts.configure(settings)
    observed = run_flow(browser_case, CASE.page, CASE.api, credentials=CASE.credentials, cookie_name="sid")
    mismatches = compare(expected, observed, "sid", browser_profile.jar_reports_partition_key.value)
    assert ("login", "cookie_stored") in {(m.step, m.field) for m in mismatches}, mismatches
    message = describe(mismatches, oracle.RULES, browser_name, "test", CASE.id)
    assert "samesite-lax-by-default" in message and browser_name in message
