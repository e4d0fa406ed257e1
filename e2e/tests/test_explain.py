"""The explain command without a browser: its JSON and text, its input errors, and what it hands --verify."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from e2e import explain
from e2e.oracle.profiles import PROFILES
from e2e.oracle.rules import RULES
from e2e.oracle.tests.examples import API_B, APP, APP_HTTP, LOCALHOST, LOCALHOST_ALT, NONE_SECURE, PARTITIONED
from e2e.oracle.vocabulary import STEPS

ROOT = Path(__file__).resolve().parents[2]


def test_explain_json_for_one_browser(capsys):
    code = explain.main(
        [
            "--browser",
            "chromium",
            "--page",
            APP,
            "--api",
            API_B,
            "--credentials",
            "include",
            "--cors",
            "allowlist",
            "--set-cookie",
            PARTITIONED,
            "--json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(data) == {*STEPS, "steps", "js_visible", "js_reasons", "document_cookie", "document_reasons",
                         "script_results", "stored_cookie", "storage_access", "has_access", "storage_reasons",
                         "deviations", "diagnosis", "fixes", "lint"}  # fmt: skip
    assert data["me"]["authenticated"] is True and data["login"]["reasons"][0] == "site-cross"


def test_explain_json_for_both_browsers(capsys):
    assert (
        explain.main(
            [
                "--page",
                APP,
                "--api",
                API_B,
                "--credentials",
                "include",
                "--cors",
                "allowlist",
                "--set-cookie",
                NONE_SECURE,
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"chromium", "firefox"}
    assert (data["chromium"]["login"]["cookie_stored"], data["firefox"]["login"]["cookie_stored"]) == (False, True)


def test_explain_text_names_each_step_and_its_rules(capsys):
    assert (
        explain.main(
            [
                "--browser",
                "firefox",
                "--page",
                APP_HTTP,
                "--api",
                APP,
                "--credentials",
                "include",
                "--cors",
                "reflect_any_credentials",
                "--set-cookie",
                "sid=X; Path=/; Secure; SameSite=Lax",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for step in STEPS:
        assert f"\n  {step} " in out
    assert "why: site-same → site-schemeful" in out
    assert "deviation samesite-schemeless" in out
    assert f"site-schemeful: {RULES['site-schemeful'].text} [{RULES['site-schemeful'].source}]" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["--page", "https://app.site-a.test/x"], "no path", id="origin_with_path"),
        pytest.param(["--page", APP, "--cors", "star"], "invalid choice", id="bad_policy"),
        pytest.param(["--api", "ftp://api.test"], "only http and https", id="bad_api_scheme"),
        pytest.param(["--cors", "fixed"], "fixed CORS policy answers one configured origin", id="fixed_without_origin"),
        pytest.param(["--body", "xml"], "invalid choice", id="bad_body"),
        pytest.param(["--login", "form"], "a form cannot send JSON", id="form_login_with_json"),
        pytest.param(["--redirect-to", "https://a.test/x"], "no path", id="redirect_origin_with_path"),
        pytest.param(["--redirect-to", APP, "--redirect-status", "304"], "invalid choice", id="bad_redirect_status"),
        pytest.param(["--redirect-status", "307"], "add --redirect-to", id="redirect_status_without_redirect"),
        pytest.param(["--redirect-mode", "manual"], "add --redirect-to", id="redirect_mode_without_redirect"),
        pytest.param(["--redirect-sets-cookie"], "add --redirect-to", id="hop_cookie_without_redirect"),
        pytest.param(["--login", "idp"], "needs the provider's origin", id="idp_login_without_idp"),
        pytest.param(["--idp", APP], "needs the provider's origin", id="idp_without_idp_login"),
        pytest.param(["--max-age", "-1"], "0 or more", id="negative_max_age"),
        pytest.param(["--authorization", "--mode", "no-cors"], "no-cors", id="authorization_no_cors"),
        pytest.param(
            ["--login", "idp", "--idp", APP, "--state-cookie", "=x"], "names no cookie", id="nameless_state_cookie"
        ),  # fmt: skip
    ],
)
def test_explain_input_errors_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        explain.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_explain_verify_unavailable(monkeypatch, capsys):
    monkeypatch.setattr(explain, "_load_verify", lambda: None)
    assert explain.main(["--page", APP, "--verify"]) == 2
    assert "--verify is not available" in capsys.readouterr().err


def test_explain_verify_gets_the_arguments(monkeypatch, capsys):
    seen = []

    class Verify:
        @staticmethod
        def verify(specs, browsers, as_json):
            seen.extend((of, spec.page, spec.api, browsers) for of, spec in specs.items())
            return dict.fromkeys(specs, 1)

    monkeypatch.setattr(explain, "_load_verify", lambda: Verify)
    assert explain.main(["--page", APP, "--browser", "firefox", "--verify"]) == 1
    assert seen == [("setup", APP, APP, ["firefox"])]  # the session works: no fix to verify


def test_explain_as_a_module_without_traceback():
    run = [sys.executable, "-m", "e2e.explain"]
    ok = subprocess.run(
        run
        + [
            "--browser",
            "chromium",
            "--page",
            LOCALHOST,
            "--api",
            LOCALHOST_ALT,
            "--credentials",
            "include",
            "--cors",
            "reflect_any_credentials",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["js_visible"] is False  # the default cookie is HttpOnly
    bad = subprocess.run(run + ["--page", "localhost:8080"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "scheme://host[:port]" in bad.stderr


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_explain_says_which_browser_settings_decide_third_party_cookies(capsys, browser):
    """Playwright's Chromium contexts block third-party cookies as Incognito does, and Firefox runs Total Cookie
    Protection: explain says so, with the source, and names the slice that runs the other settings."""
    assert explain.main(["--browser", browser, "--page", APP, "--api", API_B, "--credentials", "include"]) == 0
    out = capsys.readouterr().out
    note = PROFILES[browser].third_party_note
    assert f"browser settings: {note.value} [{note.source}]" in out
    assert "slice_third_party" in out
    assert ("off the record" in out) if browser == "chromium" else ("Total Cookie Protection" in out)


@pytest.mark.parametrize(
    "line, reading",
    [
        pytest.param("token", "a nameless cookie, value 'token' (rule cookie-nameless)", id="nameless"),
        pytest.param("=value", "a nameless cookie, value 'value' (rule cookie-nameless)", id="empty_name"),
        pytest.param("user id=7", "cookie 'user id' = '7'", id="non_token_name"),
        pytest.param("a=1\x01b", "ignored entirely (rule cookie-line-ctl)", id="control_character"),
        pytest.param("", "ignored", id="empty_line"),
        pytest.param("t=" + "1" * 4096, "ignored entirely (rule cookie-size-limit)", id="oversize"),
    ],
)
def test_explain_explains_any_line_a_server_could_send(capsys, line, reading):
    """A line the grammar does not allow is read as a browser reads it, never refused."""
    assert explain.main(["--set-cookie", line, "--browser", "chromium"]) == 0
    captured = capsys.readouterr()
    assert f"line 1 {line!r}: {reading}" in captured.out


def test_explain_sends_a_line_without_a_cookie_name_exactly_and_says_so(capsys):
    """The server's session id has no cookie to go in, so the line goes byte for byte, with a note."""
    assert explain.main(["--set-cookie", "token", "--json", "--browser", "firefox"]) == 0
    captured = capsys.readouterr()
    assert "sent byte for byte (the first line names no cookie" in captured.err
    data = json.loads(captured.out)
    assert data["me"]["cookie_header"] == "token=" and "cookie-valueless" in data["login"]["reasons"]


def test_explain_drops_a_pasted_header_name_and_takes_several_lines(capsys):
    """'Set-Cookie: ' before a value is the header's name; each --set-cookie is one more line, in order."""
    argv = ["--set-cookie", "Set-Cookie: a=1; Path=/", "--set-cookie", "b=2; Path=/", "--exact", "--json",
            "--browser", "chromium"]  # fmt: skip
    assert explain.main(argv) == 0
    captured = capsys.readouterr()
    assert "'Set-Cookie:' is the header's name" in captured.err
    data = json.loads(captured.out)
    assert data["me"]["cookie_header"] == "a=1; b=2" and data["document_cookie"] == "a=1; b=2"


def test_explain_a_simple_request_failing_cors_still_stores_the_cookie(capsys):
    """A same-site form login against an API without CORS headers: no preflight, a network error for script, and the
    cookie stored all the same (and sent with me, which the server authenticates)."""
    argv = ["--page", APP, "--api", "https://api.site-a.test:8443", "--credentials", "include", "--body", "form",
            "--cors", "none", "--set-cookie", "sid=X; Path=/; Secure; HttpOnly; SameSite=Lax", "--browser", "chromium",
            "--json"]  # fmt: skip
    assert explain.main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    login, me = data["login"], data["me"]
    assert (login["fetch"], login["preflight"], login["server_status"], login["cookie_stored"]) == (
        "network_error", False, 200, True)  # fmt: skip
    assert "fetch-set-cookie-despite-cors-failure" in login["reasons"]
    assert (me["fetch"], me["cookie_sent"], me["authenticated"]) == ("network_error", True, True)


def test_explain_a_redirected_login_shows_origin_null_after_another_origins_hop(capsys):
    """Login through a same-site API's hop to a cross-site API, the reflect-any mistake answering: the last request
    says Origin: null, which that policy admits (and an allowlist would not)."""
    argv = ["--page", APP, "--api", "https://api.site-b.test:8443", "--credentials", "include", "--cors",
            "reflect_any_credentials", "--redirect-to", "https://api.site-a.test:8443", "--redirect-status", "307",
            "--set-cookie", "sid=X; Path=/; Secure; HttpOnly; SameSite=None", "--browser", "chromium"]  # fmt: skip
    assert explain.main(argv) == 0
    out = capsys.readouterr().out
    assert "login goes through https://api.site-a.test:8443/api/hop/0 → https://api.site-b.test:8443/api/login" in out
    assert "fetch-redirect-tainted-origin" in out
    assert explain.main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["login"]["origin"] == "null"


def test_explain_a_cross_site_form_login_stores_the_cookie_the_apps_fetches_then_lack(capsys):
    """A form on the app posts to a cross-site API, answered 303 back: the cookie is stored first-party at the API,
    and the app's later fetches there go without it (third-party cookies blocked off the record)."""
    argv = ["--page", APP, "--api", "https://api.site-b.test:8443", "--credentials", "include", "--login", "form",
            "--body", "form", "--cors", "allowlist", "--set-cookie", "sid=X; Path=/; Secure; HttpOnly; SameSite=Lax",
            "--browser", "chromium", "--json"]  # fmt: skip
    assert explain.main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["login"]["fetch"], data["login"]["status"], data["login"]["cookie_stored"]) == ("navigated", 303, True)
    assert "server-login-redirect" in data["login"]["reasons"]
    assert (data["me"]["cookie_sent"], data["me"]["authenticated"]) == (False, False)


@pytest.mark.parametrize("vary, outcome", [(False, "rejected; no request reached the server"),
                                           (True, "resolved 401; server answered 401")])  # fmt: skip
def test_explain_shows_what_the_cache_gives_a_second_page(capsys, vary, outcome):
    """--cache-max-age with --reread-from: the second page's read is a step of its own, from the cache without Vary:
    Origin (a failure with no request sent, the rule named), from the server with it."""
    argv = ["--browser", "firefox", "--page", "https://shop.example.com", "--api", "https://api.example.com",
            "--credentials", "include", "--set-cookie", "sid=x; Path=/; Secure", "--cors", "reflect_any_credentials",
            "--cache", "default", "--cache-max-age", "600", "--reread-from", "https://admin.example.com"]  # fmt: skip
    assert explain.main(argv + ([] if vary else ["--no-vary-origin"])) == 0
    reread = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  reread")]
    assert len(reread) == 1 and reread[0].split(None, 1)[1].startswith(outcome), reread


def test_explain_refuses_a_second_page_of_another_site(capsys):
    """--reread-from another site is refused with the reason (the cache is partitioned by top-level site)."""
    argv = ["--page", "https://shop.example.com", "--reread-from", "https://admin.example.net"]
    with pytest.raises(SystemExit) as exit_info:
        explain.main(argv)
    assert exit_info.value.code == 2 and "partitioned by top-level site" in capsys.readouterr().err


VITE_EXPRESS = ["--page", "http://localhost:5173", "--api", "http://localhost:3000", "--credentials", "same-origin",
                "--set-cookie", "connect.sid=s%3Aabc; Path=/; HttpOnly; Secure", "--cors", "allowlist"]  # fmt: skip
# An API on a subdomain of the page's site, with credentials and an allowlist: a session that works everywhere.
SAME_SITE_WORKING = ("--page", "https://app.example.com", "--api", "https://api.example.com", "--credentials",
                     "include", "--set-cookie", "sid=x; Path=/; Secure; HttpOnly; SameSite=Lax", "--cors",
                     "allowlist")  # fmt: skip


def test_explain_answers_first_with_the_cause_and_the_fix(capsys):
    """The issue's example: the first three lines name the cause (credentials 'same-origin' to another port) and the
    fix (credentials: 'include', which the allowlist's Access-Control-Allow-Credentials already admits)."""
    assert explain.main(VITE_EXPRESS) == 0
    first = capsys.readouterr().out.splitlines()[:3]
    assert first[0].startswith("diagnosis: in every browser") and "credentials: 'same-origin'" in first[0]
    assert "http://localhost:3000" in first[0] and "fetch-credentials-same-origin" in first[0]
    assert first[1].startswith("fix: credentials: 'include'") and "every browser" in first[1]
    assert "credentials: 'include'" in first[2] and "Access-Control-Allow-Credentials" in first[2]


def test_expect_works_fails_a_broken_setup_and_passes_a_working_one(capsys):
    """--expect works exits 1 with the settings where the session breaks, 0 where it works everywhere."""
    assert explain.main([*VITE_EXPRESS, "--expect", "works"]) == 1
    assert "does not work in every browser" in capsys.readouterr().err
    assert explain.main([*SAME_SITE_WORKING, "--expect", "works"]) == 0


def test_explain_json_gains_the_diagnosis_and_the_fixes(capsys):
    """--json: each browser's object holds its settings' diagnosis and the ranked fixes, in the user's terms."""
    explain.main([*VITE_EXPRESS, "--json", "--browser", "firefox"])
    data = json.loads(capsys.readouterr().out)
    assert {b["rule"] for b in data["diagnosis"].values()} == {"fetch-credentials-same-origin"}
    assert data["fixes"][0]["changes"][0]["label"] == "credentials: 'include'" and data["fixes"][0]["everywhere"]


def test_session_works_fixture_pins_a_setup(session_works):
    """The fixture a team pins its own setup with: a working setup passes, a broken one fails with the diagnosis."""
    session_works(*SAME_SITE_WORKING)
    with pytest.raises(AssertionError, match="credentials: 'include'"):
        session_works(*VITE_EXPRESS)
