"""Shards for parallel CI machines and the shuffled order: pure checks, no browser."""

import json
from types import SimpleNamespace

import pytest

from e2e.harness.ordering import own_browser_first, parse_shard, shard, shuffle_within_browsers

IDS = [f"e2e/tests/test_matrix.py::test_case[{b}-case{i}]" for b in ("chromium", "firefox") for i in range(50)]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_partition_the_run(tmp_path, count):
    """Every test lands in exactly one shard, whatever the number of shards."""
    shards = [shard(IDS, k, count, tmp_path / "none.json") for k in range(1, count + 1)]
    assert sorted(i for s in shards for i in s) == sorted(IDS)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1  # no durations: equal counts


def test_shards_balance_recorded_durations(tmp_path):
    """Longest first onto the least loaded shard: one slow test gets a shard to itself."""
    durations = {i: 0.1 for i in IDS} | {IDS[0]: 5.0}
    path = tmp_path / "durations.json"
    path.write_text(json.dumps(durations))
    first, second = shard(IDS, 1, 2, path), shard(IDS, 2, 2, path)
    slow = first if IDS[0] in first else second
    assert sum(durations[i] for i in slow) == pytest.approx(5.0 + 0.1 * (len(slow) - 1))
    assert abs(sum(durations[i] for i in first) - sum(durations[i] for i in second)) <= 5.0


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("0/3", "between 1 and N", id="zero"),
        pytest.param("4/3", "between 1 and N", id="past_the_end"),
        pytest.param("two/3", "K/N, e.g. 2/4", id="not_a_number"),
    ],
)
def test_bad_shard_options_say_what_to_write(text, message):
    """--cm-shard rejects impossible values with a message that says what to change."""
    with pytest.raises(ValueError, match=message):
        parse_shard(text)


def test_shuffle_keeps_each_browser_together_and_is_repeatable():
    """A seed gives one order; each browser's tests stay contiguous so each browser launches once."""
    items = [
        SimpleNamespace(nodeid=i, callspec=SimpleNamespace(params={"browser_name": i.split("[")[1].split("-")[0]}))
        for i in IDS
    ]
    once, again, other = (shuffle_within_browsers(items, seed) for seed in (1, 1, 2))
    assert [i.nodeid for i in once] == [i.nodeid for i in again] != [i.nodeid for i in other]
    browsers = [i.callspec.params["browser_name"] for i in once]
    assert browsers == sorted(browsers, key=lambda b: b != "chromium")
    assert sorted(i.nodeid for i in once) == sorted(IDS)


def test_cases_with_a_browser_of_their_own_lead_their_browser():
    """Cases that launch a browser of their own settings run first in their browser's tests, the rest keep their
    order."""

    def item(nodeid, browser, third_party=None):
        params = {"case": SimpleNamespace(third_party=third_party)} if browser else {}
        return SimpleNamespace(
            nodeid=nodeid, callspec=SimpleNamespace(params=params | ({"browser_name": browser} if browser else {}))
        )

    items = [
        item("unit", None),
        item("c1", "chromium"),
        item("c-tp", "chromium", "blocked"),
        item("c2", "chromium"),
        item("f1", "firefox"),
        item("f2", "firefox"),
        item("f-tp1", "firefox", "allowed"),
        item("f-tp2", "firefox", "blocked"),
    ]
    assert [i.nodeid for i in own_browser_first(items)] == ["unit", "c-tp", "c1", "c2", "f-tp1", "f-tp2", "f1", "f2"]


def test_a_scenario_with_a_third_party_setting_also_leads_its_browser():
    """A security scenario parametrized by third_party launches the same browser of its own: it goes first too."""

    def item(nodeid, browser, **params):
        return SimpleNamespace(nodeid=nodeid, callspec=SimpleNamespace(params={"browser_name": browser, **params}))

    items = [item("f1", "firefox"), item("read-default", "firefox", third_party=None),
             item("read-allowed", "firefox", third_party="allowed"), item("f2", "firefox")]  # fmt: skip
    assert [i.nodeid for i in own_browser_first(items)] == ["read-allowed", "f1", "read-default", "f2"]
