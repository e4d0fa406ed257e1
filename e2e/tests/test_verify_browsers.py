"""explain --verify as a user runs it, in the real browsers: a line without a cookie name, sent byte for byte; the
engines' own reasons for a refused cookie."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from e2e.oracle.engines import ENGINE_NAMES, TABLE

ROOT = Path(__file__).resolve().parents[2]


def _results(out: str) -> list[str]:
    """The JSON lines --verify --json prints, one per browser and per spec run (the setup, the first fix)."""
    return [line for line in out.splitlines() if line.startswith('{"browser"')]


def test_a_nameless_line_is_explained_and_verified_in_both_browsers():
    """`explain --set-cookie token --verify`: the oracle's reading (Firefox's valueless deviation included) is what
    each browser did, the Cookie headers and document.cookie compared as text."""
    run = subprocess.run([sys.executable, "-m", "e2e.explain", "--set-cookie", "token", "--verify", "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    results = [r for r in map(json.loads, _results(run.stdout)) if r["of"] == "setup"]
    assert {r["browser"] for r in results} == {"chromium", "firefox"}, run.stderr[-2000:]
    for result in results:
        assert result["mismatches"] == [], (result["browser"], result["mismatches"])
        assert result["observed"]["me"]["cookie_header"] == result["expected"]["me"]["cookie_header"]
    deviations = {r["browser"]: r["expected"]["deviations"] for r in results}
    assert "valueless-cookie" in deviations["firefox"] and "valueless-cookie" not in deviations["chromium"]
    assert run.returncode == 0, run.stderr[-2000:]


def test_the_engines_say_why_a_cross_site_lax_cookie_is_refused():
    """`explain ... --set-cookie 'sid=x; SameSite=Lax; Secure' --verify`: each engine names its own reason for refusing
    the cookie at login, a reason the table of engine reasons knows and maps into the oracle's chain; the text output
    shows it under "<Engine> says"."""
    args = ["--page", "https://shop.example.com", "--api", "https://api.example.net", "--credentials", "include",
            "--set-cookie", "sid=x; SameSite=Lax; Secure", "--cors", "allowlist", "--verify"]  # fmt: skip
    run = subprocess.run([sys.executable, "-m", "e2e.explain", *args, "--json"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=False)  # fmt: skip
    results = [r for r in map(json.loads, _results(run.stdout)) if r["of"] == "setup"]
    assert {r["browser"] for r in results} == {"chromium", "firefox"}, run.stderr[-2000:]
    for result in results:
        engine, browser = result["engine"], result["browser"]
        assert result["mismatches"] == [], (browser, result["mismatches"])
        assert all(engine[step]["captured"] for step in engine), (browser, engine)
        refused = [s for s in engine["login"]["said"] if s["kind"] == "store" and s["cookie"] == "sid"]
        assert refused, (browser, engine["login"])
        chain = set(result["expected"]["login"]["reasons"])
        for said in refused:
            mapping = TABLE[(browser, "store", said["code"])]
            assert mapping.rules & chain, (browser, said, sorted(chain))
    text = subprocess.run([sys.executable, "-m", "e2e.explain", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False).stdout  # fmt: skip
    for result in results:
        title = f"{ENGINE_NAMES[result['browser']]} says:"
        said = next(s for s in result["engine"]["login"]["said"] if s["kind"] == "store")
        assert title in text and f"login: store {said['code']} 'sid'" in text, text[-3000:]


def test_a_cached_answer_without_vary_origin_is_verified_on_a_second_page():
    """`explain ... --cache default --cache-max-age 600 --no-vary-origin --reread-from ORIGIN --verify`: the admin app
    on another host of the site gets the shop's cached answer, with no request sent, and fails the CORS check, in each
    browser as the oracle says (both pages and the API mapped onto three local origins of one site)."""
    args = ["--page", "https://shop.example.com", "--api", "https://api.example.com", "--credentials", "include",
            "--set-cookie", "sid=x; Path=/; Secure; SameSite=Lax", "--cors", "reflect_any_credentials", "--cache",
            "default", "--cache-max-age", "600", "--no-vary-origin", "--reread-from", "https://admin.example.com",
            "--verify", "--json"]  # fmt: skip
    run = subprocess.run([sys.executable, "-m", "e2e.explain", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=False)  # fmt: skip
    results = [r for r in map(json.loads, _results(run.stdout)) if r["of"] == "setup"]
    assert {r["browser"] for r in results} == {"chromium", "firefox"}, run.stderr[-2000:]
    for result in results:
        assert result["mismatches"] == [], (result["browser"], result["mismatches"])
        again = result["observed"]["reread"]
        assert (again["fetch"], again["server_status"]) == ("rejected", None), (result["browser"], again)
        assert "http-cache-hit" in result["expected"]["reread"]["reasons"]
    assert run.returncode == 0, run.stderr[-2000:]


def test_the_first_fix_of_a_cross_site_cookie_is_verified_in_both_browsers():
    """A cross-site API whose cookie has no SameSite: the doctor's first fix (SameSite=None; Secure; Partitioned) runs
    in both browsers too, matches the oracle, and there the session works (stored at login, sent and logged in)."""
    args = ["--page", "https://app.example.com", "--api", "https://api.example.net", "--credentials", "include",
            "--set-cookie", "sid=x; Path=/; HttpOnly", "--cors", "allowlist", "--verify", "--json"]  # fmt: skip
    run = subprocess.run([sys.executable, "-m", "e2e.explain", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, check=False)  # fmt: skip
    results = [json.loads(line) for line in _results(run.stdout)]
    fixed = [r for r in results if r["of"] == "fix"]
    assert {r["browser"] for r in fixed} == {"chromium", "firefox"}, run.stderr[-2000:]
    for result in fixed:
        assert result["mismatches"] == [], (result["browser"], result["mismatches"])
        observed = result["observed"]
        assert observed["login"]["cookie_stored"] and observed["me"]["authenticated"], result["browser"]
    setup = [r for r in results if r["of"] == "setup"]
    assert all(r["mismatches"] == [] for r in setup), [(r["browser"], r["mismatches"]) for r in setup]
    assert any(not r["expected"]["me"]["authenticated"] for r in setup), (
        "the setup as given must break in some browser (Lax by default) for the fix to prove anything"
    )
    assert run.returncode == 0, run.stderr[-2000:]
