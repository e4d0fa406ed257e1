"""explain --verify as a user runs it, in the real browsers: a line without a cookie name, sent byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_nameless_line_is_explained_and_verified_in_both_browsers():
    """`explain --set-cookie token --verify`: the oracle's reading (Firefox's valueless deviation included) is what
    each browser did, the Cookie headers and document.cookie compared as text."""
    run = subprocess.run([sys.executable, "-m", "e2e.explain", "--set-cookie", "token", "--verify", "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith('{"browser"')]
    assert {r["browser"] for r in results} == {"chromium", "firefox"}, run.stderr[-2000:]
    for result in results:
        assert result["mismatches"] == [], (result["browser"], result["mismatches"])
        assert result["observed"]["me"]["cookie_header"] == result["expected"]["me"]["cookie_header"]
    deviations = {r["browser"]: r["expected"]["deviations"] for r in results}
    assert "valueless-cookie" in deviations["firefox"] and "valueless-cookie" not in deviations["chromium"]
    assert run.returncode == 0, run.stderr[-2000:]
