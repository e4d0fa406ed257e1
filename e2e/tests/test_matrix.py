"""The matrix: every case's spec runs in the real browser and is held to the oracle's expectation of that spec."""

import pytest

from e2e.cases import all_cases
from e2e.harness.results import CaseRecord
from e2e.harness.verdict import describe, judge, observed_json

CASES = [
    pytest.param(
        case,
        id=case.id,
        marks=[pytest.mark.browser_e2e, pytest.mark.evidence] + [getattr(pytest.mark, m) for m in case.markers],
    )
    for case in all_cases()
]


@pytest.mark.parametrize("case", CASES)
def test_case(case, browser_case, browser_profile, browser_name):
    """The browser's behaviour for this case matches the rules."""
    if case.only_in and browser_name not in case.only_in:
        pytest.skip(f"only in {', '.join(case.only_in)}: {case.only_because}")
    spec = case.spec(browser_case.hosts)
    result = judge(browser_case, spec, browser_profile)
    logout_ids = [sid for r in result.observed["logout"].requests for sid in r.session_ids]
    if result.expected.steps["logout"].authenticated and any(
        sid in browser_case.hosts.state.sessions for sid in logout_ids
    ):
        pytest.fail(f"{browser_name}: logout left the session alive on the server (rule server-session-destroyed)")
    version = browser_case.browser.version
    browser_case.record(CaseRecord(
        case=case.id, slice=case.slice, markers=case.markers, setup=case.setup, spec=spec.to_json(),
        browser=browser_name, version=version, expected=result.expected.to_json(),
        observed=observed_json(result.observed, spec), mismatches=tuple(m.to_json() for m in result.mismatches),
    ))  # fmt: skip
    if result.mismatches:
        note = browser_profile.version_note(version)
        pytest.fail(describe(result.mismatches, browser_name, version, case.id, note), pytrace=False)
