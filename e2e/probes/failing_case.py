"""Probes run by e2e/test_tracing.py in a pytest of their own (the name keeps them out of the normal run)."""

from dataclasses import replace

import pytest

from e2e.flow import run_flow
from e2e.profiles import Fact
from e2e.test_can_fail import CASE
from e2e.test_matrix import expectation
from e2e.verdict import compare


def test_wrong_profile(browser_case, browser_profile):
    """Fails: the case is held to a profile with its Lax-by-default fact flipped."""
    wrong = replace(
        browser_profile,
        lax_by_default=Fact(not browser_profile.lax_by_default.value, "deliberately wrong"),
        deviations=(),
    )
    settings, expected = expectation(CASE, browser_case.hosts, wrong)
    browser_case.hosts.configure(settings)
    observed = run_flow(browser_case, CASE.page, CASE.api, credentials=CASE.credentials, cookie_name="sid")
    if compare(expected, observed, "sid", browser_profile.jar_reports_partition_key.value):
        pytest.fail("the browser disagrees with the deliberately wrong profile")


def test_passing(browser_case):
    """Passes: one login against the same-origin API."""
    observed = run_flow(browser_case, "app_https", "app_https", credentials="same-origin", cookie_name="sid")
    assert observed["me"].authenticated


def test_own_third_party_setting(browser_case):
    """Passes: one login in a context of the browser with its own third-party setting, on plain http (no other probe is)."""
    browser_case.use_third_party_setting("blocked")
    observed = run_flow(browser_case, "app_http", "app_http", credentials="same-origin", cookie_name="sid")
    assert observed["me"].authenticated
