"""Measure cookie-matrix's speed in one run on this machine (never a timed test).

    .venv/bin/python scripts/benchmark.py [--runs 3] [--workers 2] [--floor-reps 30] [--skip-matrix]

Prints: browsers and hosts start-up per worker; the floor (the fetches of one case in an already-open page,
without pytest); the whole matrix's wall time for both browsers; cases per second per worker; the per-case
time in the suite (from the JUnit XML) and its ratio to the floor. Medians over --runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from e2e.browsers import BrowserCase, load_playwright_config  # noqa: E402
from e2e.cases import Case  # noqa: E402
from e2e.nodelay import without_nagle  # noqa: E402
from server import CookieConfig, TestHosts  # noqa: E402

BROWSERS = ("chromium", "firefox")
# A representative case: cross-site, credentialed, preflighted JSON posts, a partitioned cookie.
CASE = Case("core", "include", "cross_site-https", CookieConfig(samesite="None", secure=True, partitioned=True))
FLOOR_JS = """async (options) => {
  const c = window.cookieMatrix.createClient(options);
  await c.login("alice", "wonderland"); await c.me(); await c.listResources();
  await c.createResource("first resource"); await c.logout();
}"""


def startup(config) -> dict[str, float]:
    """Seconds to bring up the hosts, and each browser with a context and a ready page."""
    out = {}
    t = time.perf_counter()
    with TestHosts.running() as hosts:
        out["hosts"] = time.perf_counter() - t
        with sync_playwright() as playwright:
            for name in BROWSERS:
                t = time.perf_counter()
                browser = without_nagle(lambda: getattr(playwright, name).launch(**config.LAUNCH[name]))
                BrowserCase(browser.new_context(**config.CONTEXT), hosts, {}, browser, None, None).page(CASE.page)
                out[name] = time.perf_counter() - t
                browser.close()
    return out


def floor(config, reps: int) -> dict[str, float]:
    """Median seconds of the case's five fetches in an already-open page, no pytest, no checks."""
    out = {}
    with TestHosts.running() as hosts, sync_playwright() as playwright:
        hosts.configure(CASE.settings(hosts.origin(CASE.page)))
        options = {"base": hosts.origin(CASE.api), "credentials": CASE.credentials, "mode": CASE.mode}
        for name in BROWSERS:
            browser = without_nagle(lambda: getattr(playwright, name).launch(**config.LAUNCH[name]))
            page = BrowserCase(browser.new_context(**config.CONTEXT), hosts, {}, browser, None, None).page(CASE.page)
            page.evaluate(FLOOR_JS, options)  # warm connections, as the suite's reused page has them
            times = []
            for _ in range(reps):
                t = time.perf_counter()
                page.evaluate(FLOOR_JS, options)
                times.append(time.perf_counter() - t)
            out[name] = statistics.median(times)
            browser.close()
    return out


def matrix(workers: int) -> tuple[float, dict[str, list[float]], int]:
    """Run the whole matrix in both browsers; wall seconds, per-browser case durations, exit code."""
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        t = time.perf_counter()
        code = subprocess.call(
            [sys.executable, "-m", "pytest", "e2e/test_matrix.py", "-q", "-n", str(workers), "--dist", "loadgroup", "-p", "no:randomly",
             "--output", str(Path(folder) / "out"), "--junitxml", str(junit)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t
        durations: dict[str, list[float]] = defaultdict(list)
        for case in ET.parse(junit).iter("testcase"):
            name = case.get("name", "")
            browser = name.split("[", 1)[-1].split("-", 1)[0]
            durations[browser].append(float(case.get("time", 0)))
    return wall, durations, code


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repeat each measurement; medians are printed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--floor-reps", type=int, default=30)
    parser.add_argument("--skip-matrix", action="store_true", help="only start-up and floor")
    args = parser.parse_args(argv)
    config = load_playwright_config()

    starts = [startup(config) for _ in range(args.runs)]
    floors = [floor(config, args.floor_reps) for _ in range(args.runs)]
    median = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
    print("start-up (s, median of %d):" % args.runs)
    for key in ("hosts",) + BROWSERS:
        print(f"  {key:9} {median(starts, key):6.2f}")
    per_worker = median(starts, "hosts") + sum(median(starts, b) for b in BROWSERS)
    print(f"  per worker (hosts + both browsers): {per_worker:.2f} s (target <= 5 s)")
    print("floor (s per case, the five fetches in an open page):")
    for b in BROWSERS:
        print(f"  {b:9} {median(floors, b):6.3f}")
    if args.skip_matrix:
        return 0
    walls, per_case = [], defaultdict(list)
    for _ in range(args.runs):
        wall, durations, code = matrix(args.workers)
        walls.append(wall)
        for b, values in durations.items():
            per_case[b].append(statistics.median(values))
        cases = sum(len(v) for v in durations.values())
        print(f"matrix run: {cases} cases, {wall:.1f} s wall, exit {code}")
    wall = statistics.median(walls)
    print(f"whole matrix, both browsers, {args.workers} workers: {wall:.1f} s wall (median; target <= 120 s)")
    print(f"cases per second per worker: {cases / wall / args.workers:.2f}")
    for b in BROWSERS:
        case_time = statistics.median(per_case[b])
        ratio = case_time / median(floors, b)
        print(f"  {b:9} per case {case_time:.3f} s = {ratio:.2f} x floor (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
