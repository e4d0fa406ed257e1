"""WPT's cookie tests as the oracle's conformance suite: every extracted case under each profile agrees outright, or
agrees through a sourced deviation of the profile, or is a listed WPT bug; the list of bugs holds only live entries;
at least 99 % agree outright."""

from __future__ import annotations

from dataclasses import replace

import pytest

from e2e.oracle import PROFILES, chain_lines
from e2e.oracle.profiles import changed_by_deviations
from e2e.oracle.wpt import extract
from e2e.oracle.wpt.conformance import WPT_BUGS, WptCase, load, observe, run, skipped

CASES = load()
BY_ID = {c.id: c for c in CASES}


def verdict(case: WptCase, profile) -> str:
    """'agrees', 'deviation' (agrees only through the profile's deviations), 'deviation-disagrees' (the spec's
    values would agree), 'bug' (a listed WPT bug the spec's values disagree with too) or 'disagrees'."""
    outcome = lambda p: observe(case, p)  # noqa: E731
    seen, deviations = outcome(profile), changed_by_deviations(outcome, profile)
    if seen == case.expect:
        return "deviation" if deviations else "agrees"
    if deviations:
        return "deviation-disagrees"
    return "bug" if case.id in WPT_BUGS else "disagrees"


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_wpt_case_agrees_or_is_explained(name):
    """Each case agrees, or a sourced deviation or a listed WPT bug explains it; any other disagreement fails."""
    profile, failures = PROFILES[name], []
    for case in CASES:
        if verdict(case, profile) == "disagrees":
            seen, why = run(case, profile)
            failures.append("\n".join([
                f"{case.cite()}",
                f"  lines {list(case.lines)!r} via {case.via} on {case.page}",
                f"  WPT expects {case.expect!r}",
                f"  the oracle ({name}) gives {seen!r}, by:",
                *chain_lines(why, "    "),
            ]))  # fmt: skip
    assert not failures, f"{len(failures)} WPT cases disagree with the oracle:\n" + "\n".join(failures[:20])


def spec_values(profile):
    """The profile with every deviation set to the specification's value: the rules alone, as WPT tests them."""
    for deviation in profile.deviations:
        profile = replace(profile.with_spec_value(deviation), deviations=profile.deviations)
    return replace(profile, deviations=())


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_at_least_99_percent_of_wpt_cases_agree_with_the_rules_outright(name):
    """With every deviation at the specification's value, at least 99 % of the expressible cases agree as they are
    (the rest: the listed WPT bugs, and what browsers do against the text, which the profiles' deviations say)."""
    verdicts = [verdict(c, spec_values(PROFILES[name])) for c in CASES]
    outright = verdicts.count("agrees")
    assert outright >= 0.99 * len(CASES), f"{outright} of {len(CASES)} agree outright"


@pytest.mark.parametrize("case_id", sorted(WPT_BUGS))
def test_each_listed_wpt_bug_still_disagrees_in_every_profile(case_id):
    """A WPT bug entry names an extracted case that the model, with the specification's values, still contradicts."""
    assert case_id in BY_ID, f"{case_id} is in WPT_BUGS but not in cases.json: remove it"
    for name, profile in PROFILES.items():
        assert verdict(BY_ID[case_id], profile) == "bug", f"{case_id} agrees in {name}: remove it from WPT_BUGS"


def test_a_deviation_that_explains_a_wpt_case_is_one_the_profile_sources():
    """The cases that agree only through a deviation name the deviation's rule in their chain."""
    for profile in PROFILES.values():
        for case in CASES:
            deviations = changed_by_deviations(lambda p, c=case: observe(c, p), profile)
            rules = {d.rule for d in profile.deviations if d.id in deviations}
            assert not deviations or rules & set(run(case, profile)[1]), (case.id, deviations)


def test_the_cases_cover_every_modelled_folder_and_carry_provenance():
    """Each folder the issue names has extracted or skipped cases; each case names repository, commit, file, line."""
    folders = {c.id.split("/")[0] for c in CASES} | {s["file"].split("/")[1] for s in skipped()}
    assert folders == set(extract.FOLDERS)
    for case in CASES:
        source = case.source
        assert source["repo"] and len(source["commit"]) == 40 and source["path"].endswith(case.id.split(":")[0])
        assert isinstance(source["line"], int) and source["line"] > 0, case.id
    assert len(BY_ID) == len(CASES), "case ids are unique"


def test_every_skipped_wpt_test_says_why():
    """A test the extractor could not take carries its reason and where it is."""
    for entry in skipped():
        assert entry["reason"] and entry["source"]["line"], entry
