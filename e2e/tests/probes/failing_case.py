"""Probes run by e2e/tests/test_tracing.py in a pytest of their own (the name keeps them out of the normal run)."""

import pytest

from e2e.harness.driver import run_flow
from e2e.harness.verdict import judge
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.tests.probes.wrong_profile import CASE, flipped_lax_by_default
from server.config import CookieConfig


def test_wrong_profile(browser_case, browser_profile):
    """Fails: the case is held to a profile with its Lax-by-default fact flipped."""
    if judge(browser_case, CASE.spec(browser_case.hosts), flipped_lax_by_default(browser_profile)).mismatches:
        pytest.fail("the browser disagrees with the deliberately wrong profile")


def _same_origin(hosts, name: str) -> FlowSpec:
    return FlowSpec(hosts.origin(name), hosts.origin(name), ServerSpec(CookieConfig().set_cookie("x")))


def test_passing(browser_case):
    """Passes: one login against the same-origin API."""
    observed = run_flow(browser_case, _same_origin(browser_case.hosts, "app_https"))
    assert observed["me"].authenticated


def test_own_third_party_setting(browser_case):
    """Passes: one login in a browser of its own third-party setting, on plain http (no other probe is)."""
    spec = _same_origin(browser_case.hosts, "app_http")
    observed = run_flow(browser_case, FlowSpec(spec.page, spec.api, spec.server, third_party="blocked"))
    assert observed["me"].authenticated
