"""Run the matrix repeatedly and report every case whose outcome changed between runs (the goal is zero).

    .venv/bin/python -m scripts.repeat [--runs 10] [--isolation reuse] [--also-fresh] [-k EXPR]

Each run uses a new random order (--cm-shuffle) in both browsers; the first run uses one worker, the others
two. --also-fresh adds a run with a fresh browser context per case: the fast path must give the same outcome
for every case. A changed case is printed with the fields that changed and the runs that disagree.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from e2e.harness.launch import ROOT
from e2e.harness.results import load_results


def run_once(label: str, folder: Path, workers: int, seed: int, isolation: str, select: list[str]) -> dict:
    """One matrix run; (browser, case) -> observed outcome and whether it matched the oracle."""
    out = folder / label
    command = [
        sys.executable,
        "-m",
        "pytest",
        "e2e/tests/test_matrix.py",
        "-q",
        "-p",
        "no:cacheprovider",
        "-n",
        str(workers),
        "--dist",
        "worksteal",
        "--cm-shuffle",
        str(seed),
        "--isolation",
        isolation,
        "--output",
        str(out),
        *select,
    ]
    started = time.perf_counter()
    code = subprocess.call(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {
        (r.browser, r.case): {"observed": comparable(r.observed), "matched": not r.mismatches}
        for r in load_results(out / "results")
    }
    print(
        f"{label}: {len(results)} cases, {workers} worker(s), seed {seed}, {isolation}, exit {code}, "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return results


def comparable(observed: dict) -> dict:
    """The observed flow as runs can agree on it: the engine's reasons by kind, reason and cookie, without its words
    (they quote the Set-Cookie line, and so the session id, which is new in every run), nor its warnings, which are
    never judged (and some come once per document, so which case hears one depends on the order); each Cookie
    header and document.cookie as its cookies' names in order (a case whose lines are exact is held to its values
    by the oracle); an Origin header without its port."""
    out = dict(observed)
    for step, value in observed.items():
        if isinstance(value, dict) and "engine" in value:
            said = [[s["kind"], s["code"], s["cookie"]] for s in value["engine"]["said"] if s["kind"] != "warning"]
            out[step] = value | {"engine": value["engine"] | {"said": said}}
        if isinstance(value, dict) and value.get("cookie_header"):  # names in order; the values hold session ids
            out[step] = out[step] | {"cookie_header": _names(value["cookie_header"])}
        if isinstance(value, dict) and value.get("origin"):  # the hosts' ports are the OS's, new every run
            out[step] = out[step] | {"origin": re.sub(r":\d+$", "", value["origin"])}
    if observed.get("document_cookie"):
        out["document_cookie"] = _names(observed["document_cookie"])
    return out


def _names(cookies: str) -> list[str]:
    """A Cookie header or document.cookie as its cookies' names, in order."""
    return [pair.split("=", 1)[0] for pair in cookies.split("; ")]


def changed(runs: dict[str, dict]) -> list[str]:
    """A line per case whose outcome differs between runs, or that some run did not record."""
    lines = []
    keys = set().union(*(r.keys() for r in runs.values()))
    for key in sorted(keys):
        seen = {label: r.get(key) for label, r in runs.items()}
        missing = [label for label, v in seen.items() if v is None]
        values = {json.dumps(v, sort_keys=True) for v in seen.values() if v is not None}
        if missing or len(values) > 1:
            first = next(v for v in seen.values() if v is not None)
            fields = sorted(
                {
                    f"{step}.{name}"
                    for v in seen.values()
                    if v
                    for step, d in v["observed"].items()
                    if isinstance(d, dict)
                    for name in d
                    if d.get(name) != first["observed"].get(step, {}).get(name)
                }
            )
            lines.append(f"{key[0]} {key[1]}: differs in {fields or ['matched']}; missing in {missing or 'none'}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--isolation", choices=("reuse", "fresh"), default="reuse")
    parser.add_argument("--also-fresh", action="store_true", help="add one run with a fresh context per case")
    parser.add_argument("-k", dest="keyword", default=None, help="only cases matching this pytest -k expression")
    parser.add_argument("--seed", type=int, default=None, help="seed for the run orders (default: random)")
    args = parser.parse_args(argv)
    if args.runs < 2 and not args.also_fresh:
        parser.error("--runs must be at least 2 (or add --also-fresh) to have something to compare")
    rng = random.Random(args.seed)
    select = ["-k", args.keyword] if args.keyword else []
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="cm-repeat-") as tmp:
        for i in range(args.runs):
            runs[f"run{i + 1}"] = run_once(
                f"run{i + 1}", Path(tmp), 1 if i == 0 else 2, rng.randrange(2**31), args.isolation, select
            )
        if args.also_fresh:
            runs["fresh"] = run_once("fresh", Path(tmp), 2, rng.randrange(2**31), "fresh", select)
    lines = changed(runs)
    cases = len(set().union(*(r.keys() for r in runs.values())))
    print(f"{len(runs)} runs, {cases} cases: {len(lines)} changed outcome(s)")
    for line in lines:
        print("  " + line)
    unmatched = {k for r in runs.values() for k, v in r.items() if not v["matched"]}
    print(f"cases that disagreed with the oracle in some run: {len(unmatched)}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
