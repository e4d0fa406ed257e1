"""The order of a run: shards for parallel CI machines balanced by recorded durations, a seeded shuffle within each
browser, and the cases that launch a browser of their own settings first. Applied by plugin.py."""

from __future__ import annotations

import heapq
import json
import random
import statistics
from pathlib import Path


def parse_shard(text: str) -> tuple[int, int]:
    """'2/4' -> (2, 4), or an error that says what to write."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--cm-shard takes K/N, e.g. 2/4, not {text!r}") from None
    if not 1 <= index <= count:
        raise ValueError(f"--cm-shard {text}: K must be between 1 and N")
    return index, count


def load_durations(path: Path) -> dict[str, float]:
    """Recorded seconds per node id; empty if there is no record yet."""
    return json.loads(path.read_text()) if path.exists() else {}


def shard(nodeids: list[str], index: int, count: int, durations_file: Path) -> set[str]:
    """The node ids of shard `index` of `count`: longest first onto the least loaded shard (LPT).

    Every machine computes the same split from the same collection and file; a test without a recorded
    duration counts as the median one.
    """
    durations = load_durations(durations_file)
    default = statistics.median(durations.values()) if durations else 1.0
    loads = [(0.0, k) for k in range(count)]
    assigned: dict[int, set[str]] = {k: set() for k in range(count)}
    for nodeid in sorted(nodeids, key=lambda n: (-durations.get(n, default), n)):
        load, k = heapq.heappop(loads)
        assigned[k].add(nodeid)
        heapq.heappush(loads, (load + durations.get(nodeid, default), k))
    return assigned[index - 1]


def shuffle_within_browsers(items: list, seed: int) -> list:
    """The items in a random order from `seed`, each browser's tests kept together (one launch each)."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(_browser(item), []).append(item)
    rng = random.Random(seed)
    out = []
    for name in groups:
        rng.shuffle(groups[name])
        out += groups[name]
    return out


def _param(item, name: str):
    return getattr(item, "callspec", None) and item.callspec.params.get(name)


def _browser(item) -> str:
    return _param(item, "browser_name") or ""


def own_browser_first(items: list) -> list:
    """Each browser's cases that need a browser of their own settings moved to the front of that browser's tests.

    Such a case launches a browser (2-5 s); under --dist worksteal an idle worker takes tests from the end of
    another's queue, so cases at the end could make both workers launch the same browser of their own.
    """

    def own(item) -> bool:  # a matrix case with a third-party setting, or a scenario parametrized by one
        return bool(getattr(_param(item, "case"), "third_party", None) or _param(item, "third_party"))

    movers = [item for item in items if own(item)]
    out, placed = [], set()
    for item in items:
        if own(item):
            continue
        if _browser(item) and _browser(item) not in placed:
            placed.add(_browser(item))
            out += [m for m in movers if _browser(m) == _browser(item)]
        out.append(item)
    return out + [m for m in movers if _browser(m) not in placed]


def durations_from_junit(junit_xml: Path) -> dict[str, float]:
    """node id -> seconds from a JUnit XML report (pytest's classname + name)."""
    import xml.etree.ElementTree as ET

    out = {}
    for case in ET.parse(junit_xml).iter("testcase"):
        module = case.get("classname", "").replace(".", "/")
        out[f"{module}.py::{case.get('name')}"] = round(float(case.get("time", 0)), 4)
    return out


if __name__ == "__main__":  # python -m e2e.harness.ordering report/junit.xml > e2e/durations.json
    import sys

    print(json.dumps(durations_from_junit(Path(sys.argv[1])), indent=0, sort_keys=True))
