"""Measure cookie-matrix's speed on this machine (never a timed test); medians over --runs.

    .venv/bin/python -m scripts.benchmark [--runs 3] [--workers 2] [--dist worksteal] [--sample 8] [--skip-matrix]
        [--engine-reasons expected|all|off]

Prints, for one machine in one sitting:
- start-up: the test hosts, and each browser launched with a context and a ready page; per worker, the hosts
  and the browser a worker starts with (under ./cm's `--dist worksteal` a worker that runs out of its own
  browser's cases launches the other one later, when it takes over some of them);
- the floor: for a sample of the matrix's cases (every --sample-th case of each browser), the same browser work
  as the case (login, me, list, create, logout with the case's own fetch options, a navigation login's
  navigations, URLs of their own where the case needs them) in already-open pages, without pytest, jar
  reads, cookie clearing, listening or checks; measured with each browser alone, and with both at once in two
  processes, as the matrix's two workers run;
- the per-case time: the sampled cases in the suite (pytest, one worker, one browser at a time, as the floor
  alone runs), JUnit's setup + call + teardown per case, as a ratio to the floor alone (the target);
- the main command's evidence (every matrix case and security scenario) in both browsers with `./cm matrix`'s
  pytest options: wall time, cases per second per worker, and each browser's per-case time in it against the
  floor with both browsers at once (for information: the two workers load the machine more than the two floor
  processes do).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from playwright.sync_api import sync_playwright

from e2e.cases import all_cases
from e2e.harness.case import CLIENT_READY, ENGINE_REASONS, BrowserCase
from e2e.harness.driver import (
    STEPS_JS,
    WRITES_JS,
    FlowResult,
    ask_storage_access,
    by_document,
    client_options,
    documents,
    flow_options,
    login_navigation,
    own_urls,
    page_calls,
    script_arguments,
)
from e2e.harness.launch import ROOT, launch, load_playwright_config
from server.hosts import TestHosts

BROWSERS = ("chromium", "firefox")
TARGETS = {"matrix": 150.0, "ratio": 1.5, "startup": 5.0}  # DEVELOPERS.md


def matrix_order(name: str) -> list:
    """The matrix's cases that browser `name` runs, in run order, leaving out those that need browsers of their own
    settings."""
    return [c for c in all_cases() if not c.third_party and (not c.only_in or name in c.only_in)]


def sample(every: int) -> dict[str, list]:
    """Every `every`-th case of each browser's matrix."""
    return {name: matrix_order(name)[::every] for name in BROWSERS}


def startup(config) -> dict[str, float]:
    """Seconds to bring up the hosts, and each browser with a context and a ready page."""
    out = {}
    t = time.perf_counter()
    with TestHosts.running() as hosts:
        out["hosts"] = time.perf_counter() - t
        with sync_playwright() as playwright:
            for name in BROWSERS:
                t = time.perf_counter()
                browser = launch(playwright, name, hosts, config)
                BrowserCase(browser.new_context(**config.CONTEXT), hosts, {}, browser, None, None).page("app_https")
                out[name] = time.perf_counter() - t
                browser.close()
    return out


def floor_of(name: str, case_ids: list[str]) -> dict[str, float]:
    """Seconds per case for its browser work alone in an already-open page of one browser: the case's own fetches
    (its options: body, redirect chain, Authorization, cache and redirect modes, and URLs of their own where the
    flow may leave a cached preflight or answer, driver.own_urls, so that the warm-up fills no cache the timed run
    meets) in one call, or its login's navigations (form, identity provider) and then the other four fetches in one
    call, and a second page's reread from its open page."""
    config = load_playwright_config()
    cases = [c for c in all_cases() if c.id in set(case_ids)]
    out = {}
    with TestHosts.running() as hosts, sync_playwright() as playwright:
        browser = launch(playwright, name, hosts, config)
        view = BrowserCase(browser.new_context(**config.CONTEXT), hosts, {}, browser, None, None,
                           engine_reasons="off",  # the floor: the browser's work alone, nobody listening
                           new_context=lambda: browser.new_context(**config.CONTEXT))  # fmt: skip
        for case in cases:
            spec = case.spec(hosts)
            view.serve(spec.server)
            for step in spec.steps:  # every page the case uses, open (a frame's in its embedder's page)
                view.document(*documents(hosts, spec, step))
            _case_work(hosts, spec, case, view)  # warm: the suite's reused page has warm connections
            view.close_own()
            t = time.perf_counter()
            _case_work(hosts, spec, case, view)
            out[case.id] = time.perf_counter() - t
            view.close_own()  # a context of the case's own (Firefox's storage access) goes with it, as in the suite
        browser.close()
    return out


def _case_work(hosts, spec, case, view) -> None:
    """The case's page work in `view`'s open pages: its login's navigations if it has them, its fetches (driver.py's
    own options) in one call per document they run in (a frame's in the frame, a second page's in its page), the
    storage access a frame asks for and the script's writes."""
    options = client_options(hosts, case.api, 15000, **flow_options(spec), **own_urls(spec))
    steps = spec.steps
    if spec.login != "fetch":
        page = view.page(case.page)
        act, _url, _method = login_navigation(hosts, spec, case.api)
        with page.expect_navigation(url=hosts.url(case.page, "/"), wait_until="load"):
            act(page)
        page.wait_for_function(CLIENT_READY)
        steps = steps[1:]
    asked = spec.asks_storage_access_before
    with view.storage_access_permission(*reversed(documents(hosts, spec, asked)), spec.storage_access) if asked else (
        contextlib.nullcontext()
    ):  # fmt: skip
        for run in by_document(hosts, spec, steps):
            page, embed = documents(hosts, spec, run[0])
            if run[0] == asked:
                ask_storage_access(view, page, embed, FlowResult())
            document = view.document(page, embed)
            document.evaluate(STEPS_JS, [options, page_calls(run)])
            if run[0] == "login" and spec.script_writes:
                document.evaluate(WRITES_JS[spec.script_api], script_arguments(spec))


def floors_together(cases: dict[str, list]) -> dict[str, dict[str, float]]:
    """Both browsers' floors at once, each in a process, as the two workers run."""
    with ProcessPoolExecutor(len(BROWSERS), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {name: pool.submit(floor_of, name, [c.id for c in cases[name]]) for name in BROWSERS}
        return {name: future.result() for name, future in futures.items()}


def suite(args: list[str]) -> tuple[float, dict[str, dict[str, float]], int]:
    """The matrix's pytest with `args`; wall seconds, per-browser case times (JUnit) in run order, exit code."""
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        t = time.perf_counter()
        code = subprocess.call(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--output",
                str(Path(folder) / "out"),
                "--junitxml",
                str(junit),
                *SUITE_ARGS,
                *args,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - t
        times: dict[str, dict[str, float]] = {b: {} for b in BROWSERS}
        for testcase in ET.parse(junit).iter("testcase"):
            name = testcase.get("name", "")
            browser, _, case_id = name.split("[", 1)[1].rstrip("]").partition("-")
            times.setdefault(browser, {})[case_id or name] = float(testcase.get("time", 0))
    return wall, times, code


SUITE_ARGS: list[str] = []  # options every suite run gets (--engine-reasons off: --cm-engine-reasons off)


def matrix(workers: int, dist: str) -> tuple[float, dict[str, dict[str, float]], int]:
    """The main command's evidence in both browsers with ./cm matrix's options (without its report)."""
    return suite(["e2e", "-m", "evidence", "-n", str(workers), "--dist", dist])


def suite_alone(name: str, every: int) -> dict[str, float]:
    """The sampled cases in the suite, one worker, one browser, nothing else running: per-case JUnit seconds.

    Each sampled case runs after its neighbour in the matrix, as in the whole matrix, and the run ends with one
    more case: the neighbours take what the floor does before it measures (launching the browser, opening a
    page, a first connection to an origin) and what the last test's teardown adds (closing the browser).
    """
    order = matrix_order(name)
    run = []
    for index in range(0, len(order), every):
        run += [order[index - 1] if index else order[1], order[index]]
    run.append(order[-1] if run[-1] is not order[-1] else order[-2])
    _, times, code = suite(
        ["-p", "no:xdist", "--browser", name] + [f"e2e/tests/test_matrix.py::test_case[{name}-{c.id}]" for c in run]
    )
    if code != 0:
        print(
            f"warning: the sampled {name} cases exited {code}: a failed case is re-run traced, so its time is not "
            "a case's",
            file=sys.stderr,
            flush=True,
        )
    return {c.id: times[name][c.id] for c in order[::every]}


def verdict(value: float, target: float) -> str:
    return f"(target <= {target:g}: {'met' if value <= target else 'missed'})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repeat each measurement; medians are printed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dist", default="worksteal", help="pytest-xdist distribution, as ./cm runs it")
    parser.add_argument("--sample", type=int, default=8, help="the floor is measured on every N-th case")
    parser.add_argument("--skip-matrix", action="store_true", help="only start-up and floor")
    parser.add_argument(
        "--engine-reasons",
        choices=ENGINE_REASONS,
        default="expected",
        help="the suite's --cm-engine-reasons (off: without listening to the engines, the cost of capture)",
    )
    args = parser.parse_args(argv)
    SUITE_ARGS[:] = ["--cm-engine-reasons", args.engine_reasons]
    config = load_playwright_config()
    cases = sample(args.sample)
    load = os.getloadavg()[0]

    starts, alone_runs, together_runs, walls, case_runs, suite_alone_runs = [], [], [], [], [], []
    for run in range(args.runs):
        starts.append(startup(config))
        alone, in_suite = {}, {}
        for b in BROWSERS:  # each browser's floor and suite back to back: the machine's speed drifts over minutes
            alone[b] = floor_of(b, [c.id for c in cases[b]])
            in_suite[b] = suite_alone(b, args.sample)
        alone_runs.append(alone)
        suite_alone_runs.append(in_suite)
        together_runs.append(floors_together(cases))
        if not args.skip_matrix:
            wall, times, code = matrix(args.workers, args.dist)
            walls.append(wall)
            case_runs.append(times)
            print(
                f"run {run + 1}: matrix {sum(map(len, times.values()))} cases, {wall:.1f} s wall, exit {code}",
                flush=True,
            )

    med = statistics.median
    print(f"\nmedians of {args.runs} runs (load average at the start {load:.1f})")
    print("start-up (s):")
    for key in ("hosts",) + BROWSERS:
        print(f"  {key:9} {med(s[key] for s in starts):6.2f}")
    worst = max(med(s["hosts"] for s in starts) + med(s[b] for s in starts) for b in BROWSERS)
    print(
        f"  per worker (hosts + the browser it starts with): at most {worst:.2f} s {verdict(worst, TARGETS['startup'])}"
    )
    floor = {
        kind: {b: statistics.mean(med(f[b][c.id] for f in runs) for c in cases[b]) for b in BROWSERS}
        for kind, runs in (("alone", alone_runs), ("together", together_runs))
    }
    print(
        f"floor: {', '.join(f'{len(cases[b])} {b}' for b in BROWSERS)} sampled cases (every {args.sample}th of each "
        "browser's), each case's own fetches and "
        "navigations in an open page; mean s per case with each browser alone / both at once (as the two workers "
        "run):"
    )
    for b in BROWSERS:
        print(f"  {b:9} {floor['alone'][b]:.3f} / {floor['together'][b]:.3f}")
    print(
        "per case in the suite, one worker and one browser at a time (JUnit setup + call + teardown, each sampled "
        "case run after its neighbour in the matrix), against the floor alone measured just before it; the "
        "median of the runs' ratios:"
    )
    for b in BROWSERS:
        ratios = [
            statistics.mean(run[b].values()) / statistics.mean(f[b].values())
            for run, f in zip(suite_alone_runs, alone_runs)
        ]
        suite_case = med(statistics.mean(run[b].values()) for run in suite_alone_runs)
        print(
            f"  {b:9} {suite_case:.3f} s = {med(ratios):.2f} x floor {verdict(med(ratios), TARGETS['ratio'])}; "
            f"runs: {', '.join(f'{r:.2f}' for r in ratios)}"
        )
    if args.skip_matrix:
        return 0
    wall = med(walls)
    total = sum(map(len, case_runs[0].values()))
    print(
        f"whole matrix, both browsers, {args.workers} workers (--dist {args.dist}): {wall:.1f} s wall "
        f"{verdict(wall, TARGETS['matrix'])}; runs: {', '.join(f'{w:.1f}' for w in walls)}"
    )
    print(f"cases per second per worker: {total / wall / args.workers:.2f}")
    print(
        "per case in the two-worker matrix (JUnit) on the sampled cases, against the floor with both browsers at "
        "once; not like for like: the matrix's workers keep both cores busy, the floor's two processes do not:"
    )
    for b in BROWSERS:
        per_case = statistics.mean(med(run[b][c.id] for run in case_runs) for c in cases[b])
        every = med(statistics.mean(run[b].values()) for run in case_runs)
        print(
            f"  {b:9} {per_case:.3f} s = {per_case / floor['together'][b]:.2f} x floor with both at once; "
            f"all {len(case_runs[0][b])} cases: mean {every:.3f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
