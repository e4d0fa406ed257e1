"""The matrix: every case runs the real flow in the browser and is held to the oracle's expectation."""

from dataclasses import replace

import pytest

from e2e import oracle
from e2e.cases import all_cases
from e2e.flow import run_flow
from e2e.profiles import Fact
from e2e.verdict import compare, describe

CASES = [
    pytest.param(case, id=case.id, marks=[pytest.mark.browser_e2e] + [getattr(pytest.mark, m) for m in case.markers])
    for case in all_cases()
]


def third_party_profile(profile, policy):
    """The profile with the third-party setting the suite gave the browser (playwright.config.py THIRD_PARTY)."""
    return replace(profile, third_party_cookies=Fact(policy, "set by the suite: playwright.config.py THIRD_PARTY"))


def expectation(case, hosts, profile):
    """The oracle's expectation for a case on this run's hosts."""
    page, api = hosts.origin(case.page), hosts.origin(case.api)
    settings = case.settings(page)
    return settings, oracle.expect(
        page=page,
        api=api,
        credentials=case.credentials,
        mode=case.mode,
        cors=case.cors,
        profile=profile,
        set_cookie=settings.cookie.set_cookie("opaque-session-id"),
        allowlist=settings.cors.allowlist or None,
        logout_set_cookie=settings.logout_cookie.delete_cookie() if settings.logout_cookie else None,
        secure_cookie_needs_tls=case.secure_cookie_needs_tls,
        trust_proxy=case.trust_proxy,
        forwarded_https=case.behind_proxy,
    )


@pytest.mark.parametrize("case", CASES)
def test_case(case, browser_case, browser_profile, browser_name):
    """The browser's behaviour for this case matches the rules."""
    hosts = browser_case.hosts
    if case.third_party:
        browser_case.use_third_party_setting(case.third_party)
        browser_profile = third_party_profile(browser_profile, case.third_party)
    settings, expected = expectation(case, hosts, browser_profile)
    hosts.configure(settings)
    observed = run_flow(
        browser_case, case.page, case.api, credentials=case.credentials, mode=case.mode, cookie_name=case.cookie.name
    )
    mismatches = compare(expected, observed, case.cookie.name, browser_profile.jar_reports_partition_key.value)
    logout_ids = [sid for r in observed["logout"].requests for sid in r.session_ids]
    if expected.steps["logout"].authenticated and any(sid in hosts.state.sessions for sid in logout_ids):
        pytest.fail(f"{browser_name}: logout left the session alive on the server (rule: session destroyed at logout)")
    browser_case.record(case, expected, observed, mismatches)
    if mismatches:
        pytest.fail(
            describe(
                mismatches,
                oracle.RULES,
                browser_name,
                browser_case.browser.version,
                case.id,
                browser_profile.version_note(browser_case.browser.version),
            ),
            pytrace=False,
        )
