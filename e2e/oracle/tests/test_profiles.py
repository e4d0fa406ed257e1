"""Browser profiles: every deviation names a rule and a fact, the suite's own third-party setting, and which
deviations change an outcome."""

from __future__ import annotations

import pytest

from e2e.oracle.profiles import CHROMIUM, FIREFOX, PROFILES, Fact, changed_by_deviations
from e2e.oracle.rules import RULES
from e2e.oracle.tests.examples import API_A, API_B, APP, APP_HTTP, NONE_SECURE, flow


def test_profile_deviations_name_rules_and_facts():
    for profile in PROFILES.values():
        for d in profile.deviations:
            assert d.rule in RULES and isinstance(getattr(profile, d.fact), Fact) and d.source


@pytest.mark.parametrize("policy", ["allowed", "blocked"])
@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_the_suites_third_party_setting_replaces_the_browsers_own_policy(profile, policy):
    """playwright.config.py THIRD_PARTY gives the browser cookieBehavior 0/1 or cookie_controls_mode 0/1: third-party
    cookies allowed or blocked outright, which also ends Firefox's partitioning of them (one helper for every use)."""
    set_by_suite = profile.under_third_party_setting(policy)
    assert set_by_suite.third_party_cookies.value == policy
    assert set_by_suite.third_party_partitioned.value is False
    assert "playwright.config.py THIRD_PARTY" in set_by_suite.third_party_cookies.source
    assert profile.under_third_party_setting(None) is profile


def test_total_cookie_protection_is_modelled_in_the_jar_and_ends_with_the_suites_setting():
    """Firefox's default partitions a cookie stored by a cross-site fetch; under the suite's "allowed" it does not."""
    default = flow(api=API_B, set_cookie=NONE_SECURE, cors="allowlist", profile=FIREFOX)
    allowed = flow(api=API_B, set_cookie=NONE_SECURE, cors="allowlist", profile=FIREFOX, third_party="allowed")
    assert "third-party-partitioned" in default.steps["login"].reasons
    assert "third-party-partitioned" not in allowed.steps["login"].reasons
    assert default.steps["me"].authenticated and allowed.steps["me"].authenticated  # one top-level site: both work


@pytest.mark.parametrize("profile", [CHROMIUM, FIREFOX], ids=["chromium", "firefox"])
def test_each_profile_says_what_decides_third_party_cookies_with_a_source(profile):
    note = profile.third_party_note
    assert note.value.endswith(".") and note.source and "slice_third_party" in note.value


def test_a_deviation_counts_only_where_it_changes_the_outcome():
    """changed_by_deviations re-runs with the specification's value: Firefox's schemeless same-site matters for an
    http page and an https API of one site, not for two https origins."""
    line = "sid=X; Path=/; Secure; SameSite=Lax"
    assert flow(page=APP_HTTP, api=APP, set_cookie=line, profile=FIREFOX).deviations == ("samesite-schemeless",)
    assert flow(page=APP, api=API_A, set_cookie=line, profile=FIREFOX).deviations == ()
    assert changed_by_deviations(lambda p: p.schemeful_same_site.value, FIREFOX) == ("samesite-schemeless",)


def test_a_deviation_is_re_run_only_where_its_fact_was_read():
    """The outcome is run again for a deviation only if the first run read the deviation's fact, or read a method
    of the profile (whose own reads are not seen): every such deviation that changes the outcome is still found."""
    runs = []

    def reads(*names):
        def outcome(p):
            runs.append(p)
            return tuple(getattr(p, n).value if not callable(getattr(p, n)) else getattr(p, n)("1.0") for n in names)

        return outcome

    assert changed_by_deviations(reads(), FIREFOX) == () and len(runs) == 1
    runs.clear()
    assert changed_by_deviations(reads("schemeful_same_site"), FIREFOX) == ("samesite-schemeless",)
    assert len(runs) == 2
    runs.clear()
    deviating = [d for d in FIREFOX.deviations if FIREFOX.deviates(d)]
    assert changed_by_deviations(reads("version_note"), FIREFOX) == () and len(runs) == 1 + len(deviating)
