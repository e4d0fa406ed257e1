"""explain from what a user already has: --har (the fixtures the real browsers recorded), --curl (captured output)
and --probe (a server this test starts), each read into the options of one setup and diagnosed; and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from e2e import explain
from e2e.harness.serving import settings_for
from e2e.oracle.spec import ServerSpec
from server.app import USERS
from server.hosts import TestHosts

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, dict, str]:
    """explain --json with `argv`: its exit code, its one browser's object, what it said on stderr."""
    code = explain.main([*argv, "--json", "--browser", "chromium"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_a_chromium_har_gives_the_setup_and_the_user_s_options_win(capsys):
    """The cross-site HAR: the page and API from the login, its two Set-Cookie lines, an allowlist from the answer's
    ACAO and ACAC; the HAR cannot show the credentials mode, so the user's --credentials include is taken."""
    code, data, err = run(capsys, "--har", str(FIXTURES / "chromium_cross_site_preflight.har"), "--credentials",
                          "include")  # fmt: skip
    assert code == 0 and "--cors allowlist" in err and "--credentials" not in err.split("note:")[0]
    assert data["login"]["cookie_stored"] is False  # SameSite=None, but Chrome's off-the-record context blocks it
    assert {b["rule"] for b in data["diagnosis"].values() if b} == {"third-party-cookies"}
    assert data["fixes"][0]["changes"][0]["label"].startswith("SameSite=None; Secure; Partitioned")


def test_a_firefox_har_shows_the_credentials_mode(capsys):
    """Firefox's same-site HAR: a Cookie header sent to another origin shows credentials 'include'; the setup works."""
    code, data, err = run(capsys, "--har", str(FIXTURES / "firefox_same_site.har"))
    assert "--credentials include" in err
    assert all(b is None for b in data["diagnosis"].values()) and data["me"]["authenticated"]


def test_a_redirected_login_in_a_har_keeps_its_hops(capsys):
    """The redirect HAR: the login's hop on the page's origin and its 307, the cookie it set, the API after it."""
    _, data, err = run(capsys, "--har", str(FIXTURES / "firefox_redirect.har"))
    assert "--redirect-to" in err and "--redirect-status 307" in err and "--redirect-sets-cookie" in err
    assert data["login"]["fetch"] in ("resolved", "network_error")


def test_curl_output_gives_the_answer_and_needs_the_page_from_i(capsys):
    """curl -v shows the request's Origin; curl -i shows none, so explain asks for --page."""
    code, data, err = run(capsys, "--curl", str(FIXTURES / "curl_v_cross_site.txt"), "--credentials", "include")
    assert code == 0 and "--cors allowlist" in err and data["login"]["server_status"] == 200
    with pytest.raises(SystemExit) as exited:
        explain.main(["--curl", str(FIXTURES / "curl_i_cross_site.txt")])
    assert exited.value.code == 2 and "add --page ORIGIN" in capsys.readouterr().err


def test_a_probe_reads_a_real_server_s_answers(capsys):
    """--probe sends the login to a server on this machine with the page's Origin and reads its real answers: here
    a cookie without SameSite from a cross-port API, which the doctor diagnoses and fixes."""
    with TestHosts.running(proxy=False) as hosts:
        page = hosts.origin("localhost_http")
        hosts.configure(settings_for(ServerSpec("sid=X; Path=/; HttpOnly", cors="allowlist", allowlist=(page,))))
        api = hosts.origin("localhost_http_alt_port")
        body = json.dumps({"username": "alice", "password": USERS["alice"]})
        code, data, err = run(capsys, "--probe", api + "/api/login", "--page", page, "--probe-body", body,
                              "--credentials", "include")  # fmt: skip
    assert code == 0 and f"--api {api}" in err and "--cors allowlist" in err
    assert [r.method for r in hosts.state.records][:2] == ["OPTIONS", "POST"]
    assert all(b is None for b in data["diagnosis"].values())  # localhost:A → localhost:B is same-site


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["--har", "/nonexistent/login.har"], "/nonexistent/login.har", id="missing_file"),
        pytest.param(["--har", str(FIXTURES / "curl_v_cross_site.txt")], "curl", id="curl_output_as_har"),
        pytest.param(["--har", str(FIXTURES / "no_headers.har")], "headers", id="headerless_har"),
        pytest.param(["--curl", str(FIXTURES / "firefox_same_site.har")], "looks like a HAR", id="har_as_curl"),
        pytest.param(["--har", str(FIXTURES / "firefox_same_site.har"), "--curl", "x"], "give one of", id="two"),
        pytest.param(["--probe", "https://example.com/api/login", "--page", "https://app.example.com"], "loopback",
                     id="not_loopback"),
        pytest.param(["--probe", "http://localhost:1/api/login"], "add --page ORIGIN", id="probe_without_page"),
    ],
)  # fmt: skip
def test_bad_evidence_is_refused_with_what_to_change(capsys, argv, message):
    """Input that cannot be read exits 2 with a message that says what to give instead; no traceback."""
    with pytest.raises(SystemExit) as exited:
        explain.main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.browser_e2e
def test_probe_verify_drives_the_browsers_against_the_user_s_own_server():
    """--probe --verify: the real browsers make the probed login from a page on the user's page origin against their
    own server (here the test's, with a page of its own there), and keep its cookie as the oracle says they would."""
    with TestHosts.running(proxy=False) as hosts:
        page = hosts.origin("localhost_http")
        hosts.configure(settings_for(ServerSpec("sid=X; Path=/; HttpOnly", cors="allowlist", allowlist=(page,))))
        api = hosts.origin("localhost_http_alt_port")
        body = json.dumps({"username": "alice", "password": USERS["alice"]})
        run = subprocess.run([sys.executable, "-m", "e2e.explain", "--probe", api + "/api/login", "--page", page,
                              "--probe-body", body, "--credentials", "include", "--verify", "--json"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        logins = [r for r in hosts.state.records if r.method == "POST"]
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith('{"browser"')]
    assert run.returncode == 0 and {r["browser"] for r in results} == {"chromium", "firefox"}, run.stderr[-2000:]
    for result in results:
        assert result["of"] == "your server" and result["mismatches"] == []
        assert result["observed"]["cookie_stored"] is True and result["observed"]["status"] == 200
    assert len(logins) == 3  # the probe's, and each browser's


def test_what_the_evidence_does_not_show_is_said_before_the_diagnosis(capsys):
    """A HAR without a request that shows the credentials mode: the first line says the diagnosis assumes fetch's
    default and which flag to add; with the flag given, no such line."""
    har = str(FIXTURES / "chromium_cross_site.har")
    explain.main(["--har", har])
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("assumed:") and "credentials: 'same-origin'" in first and "--credentials include" in first
    explain.main(["--har", har, "--credentials", "include"])
    assert capsys.readouterr().out.startswith("diagnosis:")


def test_the_pinned_check_reads_evidence_as_explain_does():
    """assert_works (the session_works fixture) diagnoses the setup a HAR shows, not explain's defaults, and a HAR that
    cannot be read is an error, not a pass."""
    har = str(FIXTURES / "chromium_cross_site_preflight.har")
    with pytest.raises(AssertionError, match="rule third-party-cookies"):
        explain.assert_works("--har", har, "--credentials", "include", browsers=("chromium",))
    with pytest.raises(ValueError, match="missing.har"):
        explain.assert_works("--har", str(FIXTURES / "missing.har"))
