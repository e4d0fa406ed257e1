"""The explain command: one user's setup as a FlowSpec, what each step should do in each browser and why, and with
--verify the same spec run in the real browsers (verify.py).

    python -m e2e.explain --page https://app.site-a.test:8443 --api https://api.site-b.test:8443 \\
        --credentials include --cors allowlist \\
        --set-cookie 'sid=X; Path=/; Secure; HttpOnly; SameSite=None; Partitioned'

--json prints the expectation as data (one object per browser when several). The arguments become a spec in one
place (`spec_from_args`); the oracle, --verify and the output all read that spec.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Sequence

from e2e.oracle import doctor
from e2e.oracle.flow import FlowExpectation, expect
from e2e.oracle.profiles import PROFILES, BrowserProfile
from e2e.oracle.rules import chain_lines
from e2e.oracle.setcookie import SetCookie, parse_set_cookie
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.vocabulary import (
    ALLOW_HEADERS,
    BODIES,
    CACHE_MODES,
    CORS_POLICIES,
    CREDENTIALS_MODES,
    EXPOSE_HEADERS,
    EXPOSED_HEADER,
    IDP_RETURNS,
    LOGINS,
    ORIGIN_VARYING_POLICIES,
    REDIRECT_MODES,
    REDIRECT_STATUSES,
    REQUEST_MODES,
    REQUESTS,
    SCRIPT_APIS,
    STATE_COOKIE,
    STORAGE_ACCESS,
    THIRD_PARTY_POLICIES,
    OracleInputError,
    media_type,
)
from server.config import CookieConfig

DEFAULT_SET_COOKIE = CookieConfig().set_cookie("X")  # express-session's and Flask's default cookie
DEFAULT_PAGE = "https://app.example.com"
_HEADER_NAME = re.compile(r"^\s*set-cookie\s*:\s*", re.IGNORECASE)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m e2e.explain",
        allow_abbrev=False,  # the evidence's options yield to the user's, named in full (read_options)
        description="Expected outcome of login → me → list → create → logout, step by step, with the rules behind it.",
    )
    parser.add_argument(
        "--browser", choices=sorted(PROFILES), action="append", help="a browser profile (repeatable; default: all)"
    )
    parser.add_argument(
        "--page", default=DEFAULT_PAGE, metavar="ORIGIN",
        help=f"origin of the page, e.g. https://app.site-a.test:8443 (default: {DEFAULT_PAGE})",
    )  # fmt: skip
    parser.add_argument("--api", metavar="ORIGIN", help="origin of the API (default: the page's origin)")
    parser.add_argument(
        "--credentials",
        choices=CREDENTIALS_MODES,
        default="same-origin",
        help="fetch credentials mode (default: same-origin, fetch's default)",
    )
    parser.add_argument("--mode", choices=REQUEST_MODES, default="cors", help="fetch request mode (default: cors)")
    parser.add_argument(
        "--body",
        choices=tuple(BODIES),
        default="json",
        help="how login and create send their bodies: json (a cross-origin fetch is preflighted), or form "
        "(x-www-form-urlencoded) or text (text/plain), which keep every request simple, never preflighted; the "
        "server then reads form fields too (default: json)",
    )
    parser.add_argument(
        "--set-cookie",
        action="append",
        metavar="LINE",
        help="a Set-Cookie line login sends, any a server could send (repeatable, in order: the first is the "
        f"session's; a leading 'Set-Cookie:' is dropped; default: {DEFAULT_SET_COOKIE!r})",
    )
    parser.add_argument(
        "--exact",
        action="store_true",
        help="send the lines byte for byte, with no session id in the first (then --verify also compares the Cookie "
        "headers and document.cookie as text); implied when the first line names no cookie the id could go in",
    )
    parser.add_argument(
        "--logout-set-cookie",
        metavar="LINE",
        help="the line logout sends (default: the server's deletion of the login cookie)",
    )
    parser.add_argument(
        "--login",
        choices=LOGINS,
        default="fetch",
        help="how the page logs in: fetch (from script), form (a top-level form POST that the server answers 303 "
        "See Other back to the page, passport's successRedirect; needs --body form or text), or idp (OAuth/OIDC: the "
        "app sets a state cookie and sends the page to --idp, whose page returns to the app's callback, which checks "
        "the state cookie; needs --idp) (default: fetch)",
    )
    parser.add_argument(
        "--third-party",
        choices=THIRD_PARTY_POLICIES,
        help="the browser's own third-party cookie setting (a regular profile's allowed, or blocked); default: each "
        "browser's default in the contexts the suite makes (Chromium off the record blocks them, Firefox partitions "
        "them)",
    )
    parser.add_argument("--idp", metavar="ORIGIN", help="the identity provider's origin, for --login idp")
    parser.add_argument(
        "--idp-return",
        choices=IDP_RETURNS,
        default="query",
        help="how the provider's page returns: query (a GET navigation, response_mode=query) or form_post (an "
        "auto-submitted cross-site form POST) (default: query)",
    )
    parser.add_argument(
        "--state-cookie-age",
        type=int,
        default=0,
        metavar="SECONDS",
        help="for --login idp: how old the state cookie is when the provider returns (the user stayed on the "
        "provider's page); --verify ages the real cookie in Chromium's profile on disk, so it needs --third-party "
        "(default: 0)",
    )
    parser.add_argument(
        "--state-cookie",
        metavar="LINE",
        default=STATE_COOKIE,
        help=f"the Set-Cookie line of the state cookie --login idp sets before leaving (default: {STATE_COOKIE!r})",
    )
    parser.add_argument(
        "--redirect-to",
        action="append",
        metavar="ORIGIN",
        help="login goes first to this origin, which redirects onwards (repeatable, in order; the last redirects to "
        "the API's login)",
    )
    parser.add_argument(
        "--redirect-status",
        type=int,
        choices=REDIRECT_STATUSES,
        help="the status each redirect of --redirect-to answers (default: 302)",
    )
    parser.add_argument(
        "--redirect-mode",
        choices=REDIRECT_MODES,
        default="follow",
        help="the login fetch's redirect mode for --redirect-to: follow, manual (script gets an opaque redirect) or "
        "error (a network error) (default: follow)",
    )
    parser.add_argument(
        "--redirect-sets-cookie",
        action="store_true",
        help="each --redirect-to hop's redirect response also opens a session and sets the session cookie",
    )
    parser.add_argument("--cors", choices=CORS_POLICIES, default="none", help="the API's CORS policy (default: none)")
    parser.add_argument(
        "--allowlist",
        action="append",
        metavar="ORIGIN",
        help="an origin the allowlist policy admits (repeatable; default: the page's origin); with --cors fixed, the "
        "one origin the server answers every request with",
    )
    parser.add_argument(
        "--preflight-cors",
        choices=CORS_POLICIES,
        help="the CORS policy the preflight (OPTIONS) is answered with, where it differs from --cors (a framework "
        "that answers OPTIONS in one place and the routes in another)",
    )
    parser.add_argument(
        "--allow-headers",
        choices=tuple(ALLOW_HEADERS),
        default="content-type",
        help="the preflight's Access-Control-Allow-Headers: " + "; ".join(f"{k}: {v!r}" for k, v in
                                                                           ALLOW_HEADERS.items())
        + " (default: content-type)",
    )  # fmt: skip
    parser.add_argument(
        "--expose-headers",
        choices=tuple(EXPOSE_HEADERS),
        default="none",
        help=f"Access-Control-Expose-Headers beside an ACAO, for the API's own {EXPOSED_HEADER}: none, named, or "
        "wildcard ('*') (default: none)",
    )
    parser.add_argument(
        "--max-age",
        type=int,
        default=0,
        metavar="SECONDS",
        help="the preflight's Access-Control-Max-Age (default: 0, nothing cached)",
    )
    parser.add_argument(
        "--authorization",
        action="store_true",
        help="every fetch also sends an Authorization header (a bearer token), which a cross-origin fetch preflights",
    )
    parser.add_argument(
        "--cache",
        choices=CACHE_MODES,
        default="no-store",
        help="the fetches' cache mode; no-store also bypasses the CORS-preflight cache in Chromium and Firefox "
        "(default: no-store)",
    )
    parser.add_argument(
        "--cache-max-age",
        type=int,
        default=0,
        metavar="SECONDS",
        help="the API answers its GETs 200 with Cache-Control: private, max-age=SECONDS, letting the browser keep the "
        "user's data (default: 0, no-store on every answer)",
    )
    parser.add_argument(
        "--no-vary-origin",
        action="store_true",
        help="the reflect and allowlist policies leave Vary: Origin out of their answers (a hand-written reflection)",
    )
    parser.add_argument(
        "--reread-from",
        metavar="ORIGIN",
        help="after the flow, a page on this origin of the page's site reads me again with the same options: what "
        "the browser's HTTP cache gives another origin (with --cache default and --cache-max-age)",
    )
    parser.add_argument(
        "--embed-in",
        metavar="ORIGIN",
        help="the top-level page that frames the page in an iframe (a partner's portal framing a widget, a payment "
        "form): every step then runs in the frame, under that page's site",
    )
    parser.add_argument(
        "--storage-access",
        choices=STORAGE_ACCESS,
        default="none",
        help="with --embed-in: the frame asks document.requestStorageAccess() after a click in it, before its first "
        "step there, and the browser's storage-access permission answers granted or denied (default: none, never "
        "asked)",
    )
    parser.add_argument(
        "--login-top-level",
        action="store_true",
        help="with --embed-in: log in from a top-level page of the page's own origin first (the user's visit to the "
        "app itself), then make the rest of the flow in the frame",
    )
    parser.add_argument(
        "--reread-embed-in",
        metavar="ORIGIN",
        help="with --reread-from: the top-level page that frames that second page (another embedder of the same app)",
    )
    parser.add_argument(
        "--logout-from-second",
        action="store_true",
        help="with --reread-from: log out from the second page, then read me again from the page (a logout in another "
        "partition, or top-level)",
    )
    parser.add_argument(
        "--script-write",
        action="append",
        metavar="LINE",
        help="a cookie the page's script writes right after login, written as the line a server would send for it "
        "(repeatable, in order)",
    )
    parser.add_argument(
        "--script-api",
        choices=SCRIPT_APIS,
        default="document.cookie",
        help="how script writes --script-write: document.cookie takes the line itself, cookieStore.set() the options "
        "it names (name, value, domain, path, sameSite, partitioned, expires or maxAge; every cookie it writes is "
        "Secure and readable by script) (default: document.cookie)",
    )
    parser.add_argument(
        "--secure-cookie-needs-tls",
        action="store_true",
        help="the server omits a Secure cookie on a request it believes insecure (express-session)",
    )
    parser.add_argument("--trust-proxy", action="store_true", help="the server believes X-Forwarded-Proto")
    parser.add_argument("--forwarded-https", action="store_true", help="a proxy sends X-Forwarded-Proto: https")
    parser.add_argument(
        "--har",
        metavar="FILE",
        help="read the setup from a HAR the browser's DevTools exported (or Playwright's record_har_path wrote): the "
        "page's origin, the login's Set-Cookie lines and CORS answers, its redirects, the credentials mode where the "
        "requests show it; the options you give win over what the file says",
    )
    parser.add_argument("--curl", metavar="FILE", help="read the setup from the output of curl -i or curl -v of the "
                        "login (add --page where curl -i shows no Origin)")  # fmt: skip
    parser.add_argument(
        "--probe",
        metavar="URL",
        help="read the setup from a server running on this machine (loopback only): send it the login (--probe-method, "
        "--probe-body) and its preflight with --page as Origin, and read its real Set-Cookie and CORS answers",
    )
    parser.add_argument("--probe-method", default="POST", metavar="METHOD", help="the probed login's method")
    parser.add_argument(
        "--probe-body",
        metavar="DATA",
        help="the probed login's body, as the page sends it (of "
        '--body\'s type, JSON by default), e.g. \'{"username": "me", "password": "..."}\'',
    )
    parser.add_argument(
        "--expect",
        choices=("works",),
        help="exit 1 unless the session works in every browser profile and third-party setting explained (for CI: "
        "pin your own setup as a test)",
    )
    parser.add_argument("--json", action="store_true", help="print the expectation as JSON")
    parser.add_argument("--verify", action="store_true", help="also run the flow in the real browsers")
    return parser


def set_cookie_lines(written: Sequence[str] | None) -> tuple[tuple[str, ...], list[str]]:
    """The Set-Cookie values the user gave (a pasted 'Set-Cookie:' header name dropped), and notes saying so."""
    lines, notes = [], []
    for line in written or [DEFAULT_SET_COOKIE]:
        if head := _HEADER_NAME.match(line):
            notes.append(f"note: {line[: head.end()].strip()!r} is the header's name, not part of its value: "
                         f"explaining {line[head.end():]!r}")  # fmt: skip
            line = line[head.end() :]
        lines.append(line)
    return tuple(lines), notes


def sent_exactly(first: SetCookie, asked: bool) -> str | None:
    """Why the lines go byte for byte (None: the session id takes the first line's value)."""
    if asked:
        return "--exact"
    if first.ignored or not first.name:
        return "the first line names no cookie for the server's session id to go in"
    return None


def _redirect_status(args: argparse.Namespace) -> int:
    """--redirect-status, which only a redirected login (--redirect-to) reads, like --redirect-mode and
    --redirect-sets-cookie."""
    given = [flag for flag, on in (("--redirect-status", args.redirect_status is not None),
                                   ("--redirect-mode", args.redirect_mode != "follow"),
                                   ("--redirect-sets-cookie", args.redirect_sets_cookie)) if on]  # fmt: skip
    if given and not args.redirect_to:
        raise OracleInputError(f"{given[0]} is about --redirect-to's redirects: add --redirect-to ORIGIN, or drop "
                               f"{given[0]}")  # fmt: skip
    return args.redirect_status or 302


def spec_from_args(args: argparse.Namespace) -> FlowSpec:
    """The one spec of the user's setup; every option of the parser lands in it (or says why it cannot)."""
    lines, _ = set_cookie_lines(args.set_cookie)
    first = parse_set_cookie(lines[0], "--set-cookie")
    server = ServerSpec(
        set_cookie=lines,
        exact=sent_exactly(first, args.exact) is not None,
        logout_set_cookie=args.logout_set_cookie,
        cors=args.cors,
        allowlist=tuple(args.allowlist) if args.allowlist else None,
        secure_cookie_needs_tls=args.secure_cookie_needs_tls,
        trust_proxy=args.trust_proxy,
        forwarded_https=args.forwarded_https,
        lenient_body=args.body != "json",
        redirect_status=_redirect_status(args),
        redirect_sets_cookie=args.redirect_sets_cookie,
        preflight_cors=args.preflight_cors if args.preflight_cors != args.cors else None,
        allow_headers=args.allow_headers,
        preflight_max_age=args.max_age,
        expose_headers=args.expose_headers,
        state_cookie=args.state_cookie,
        cache_max_age=args.cache_max_age,
        vary_origin=not args.no_vary_origin,
    )
    return FlowSpec(args.page, args.api or args.page, server, args.credentials, args.mode, body=args.body,
                    redirect_via=tuple(args.redirect_to or ()), login=args.login, authorization=args.authorization,
                    cache=args.cache, idp=args.idp, idp_return=args.idp_return,
                    redirect_mode=args.redirect_mode, third_party=args.third_party,
                    state_cookie_age=args.state_cookie_age, reread_from=args.reread_from, embed_in=args.embed_in,
                    storage_access=args.storage_access, login_top_level=args.login_top_level,
                    reread_embed_in=args.reread_embed_in, logout_from_second=args.logout_from_second,
                    script_writes=tuple(args.script_write or ()), script_api=args.script_api)  # fmt: skip


def expectations(spec: FlowSpec, browsers: Sequence[str]) -> dict[str, FlowExpectation]:
    """The oracle's expectation for each selected browser."""
    return {name: expect(spec, PROFILES[name]) for name in browsers}


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _chain(ids: Sequence[str]) -> str:
    return "      why: " + " → ".join(ids)


def describe_line(number: int, sc: SetCookie) -> str:
    """How a browser reads one Set-Cookie line (6265bis §5.6): ignored and why, or its name, value and the
    attributes it recognises."""
    head = f"  line {number} {sc.line!r}: "
    if sc.ignored:
        return head + f"ignored entirely (rule {sc.ignored})"
    if not sc.name and not sc.value:
        return head + "ignored: no name and no value (rule cookie-name-value-empty)"
    what = f"a nameless cookie, value {sc.value!r} (rule cookie-nameless)" if not sc.name else f"cookie {sc.name!r}"
    if sc.name:
        what += f" = {sc.value!r}"
    attributes = "; ".join(f"{a}={v}" if v else a for a, v in sc.raw)
    return head + what + (f"; attributes {attributes}" if attributes else "; no attributes it recognises")


def describe_lines(spec: FlowSpec) -> list[str]:
    """Each line login sends, as a browser parses it, and whether the server's session id goes in the first."""
    out = ["login sends:"]
    out += [describe_line(i, sc) for i, sc in enumerate(spec.server.lines, 1)]
    if spec.server.exact:
        out.append("  sent byte for byte: no session id in any line, so the session login creates never reaches the "
                   "browser and the later steps are answered 401")  # fmt: skip
    else:
        out.append("  the server puts its session id in place of the first line's value")
    return out


def render(profile: BrowserProfile, flow: FlowExpectation) -> str:
    """A readable account of one browser's expected flow: each step, its rule chain, then the rules cited."""
    lines = [f"== {profile.name}"]
    for step, s in flow.steps.items():
        status = "" if s.status is None else f" {s.status}"
        server = "no request reached the server" if s.server_status is None else f"server answered {s.server_status}"
        lines.append(
            f"  {step:<7} {s.fetch}{status}; {server}; preflight {_yes(s.preflight)}; cookie sent "
            f"{_yes(s.cookie_sent)}; authenticated {_yes(s.authenticated)}; cookie in jar after "
            f"{_yes(s.cookie_stored)}"
            + (f"; script reads {EXPOSED_HEADER} {_yes(s.header_read)}" if s.fetch == "resolved" else "")
        )
        if s.cookie_header is not None:
            lines.append(f"      Cookie: {s.cookie_header}")
        lines.append(_chain(s.reasons))
    lines.append(f"  document.cookie shows the session cookie after login: {_yes(flow.js_visible)}")
    lines.append(_chain(flow.js_reasons))
    if flow.script_results:
        lines.append(f"  the script's writes give it: {', '.join(flow.script_results)}")
    lines.append(f"  document.cookie on the page after login: {flow.document_cookie!r}")
    if flow.document_reasons:
        lines.append(_chain(flow.document_reasons))
    if flow.storage_access:
        before, after = flow.has_access
        lines.append(f"  storage access asked in the frame: {flow.storage_access}; hasStorageAccess() {_yes(before)} "
                     f"before, {_yes(after)} after")  # fmt: skip
        lines.append(_chain(flow.storage_reasons))
        lines.append(f"  how {profile.name} answers: {profile.storage_access_note.value} "
                     f"[{profile.storage_access_note.source}]")  # fmt: skip
    jar = flow.stored_cookie
    lines.append(
        "  jar after login: " + (", ".join(f"{k}={v}" for k, v in jar.items()) if jar else "no session cookie")
    )
    lines.append(f"  browser settings: {profile.third_party_note.value} [{profile.third_party_note.source}]")
    for deviation in (d for d in profile.deviations if d.id in flow.deviations):
        lines.append(
            f"  deviation {deviation.id} (rule {deviation.rule}): {profile.name}'s {deviation.fact} is "
            f"not {deviation.spec_value!r} as the specification has it, and that changed this outcome "
            f"[{deviation.source}]"
        )
    cited = dict.fromkeys(i for s in flow.steps.values() for i in s.reasons + flow.js_reasons + flow.document_reasons
                          + flow.storage_reasons)  # fmt: skip
    lines.append("  rules cited:")
    lines += chain_lines(cited, "    ")
    return "\n".join(lines)


def _load_verify():
    """The verify command module, imported only for --verify (it starts the hosts and drives Playwright); None where
    it cannot be imported."""
    try:
        return importlib.import_module("e2e.verify")
    except ImportError:
        return None


def _verify(
    spec: FlowSpec,
    browsers: list[str],
    as_json: bool,
    fix: doctor.Fix | None = None,
    probed=None,
    probe_body: str | None = None,
) -> int:
    """--verify: the setup (and the first fix) in the real browsers against the test hosts, or, for a probed server
    (`probed`, the Evidence of --probe), against the user's own server; 2 where it cannot run, with the reason."""
    module = _load_verify()
    if module is None:
        print(
            "python -m e2e.explain: error: --verify is not available: e2e.verify (Playwright, the test hosts) cannot "
            "be imported here; run ./cm setup, or run without --verify for the oracle's expectation",
            file=sys.stderr,
        )
        return 2
    try:
        if probed is not None:
            return module.verify_server(probed, spec, browsers, probe_body, as_json=as_json)
        if fix is not None and not as_json:
            print(f"verified in the real browsers: the setup, and the first fix ({fix.label})")
        result = module.verify({"setup": spec} | ({"fix": fix.spec} if fix else {}), browsers, as_json=as_json)
        if fix is not None and not result["fix"] and not as_json:
            works = [b for b in browsers if doctor.Setting(b, spec.third_party) in fix.works]
            print(f"with the fix the browsers do as the oracle says: the session works in {', '.join(works)}"
                  if works else "with the fix the browsers do as the oracle says")  # fmt: skip
    except (ValueError, OracleInputError) as e:  # e.g. an origin it cannot map onto the local test hosts
        print(f"python -m e2e.explain: error: --verify: {e}", file=sys.stderr)
        return 2
    return max(result.values())


def advice(spec: FlowSpec, browsers: Sequence[str]) -> tuple[dict, list, list[str]]:
    """The doctor's word on `spec` in the browsers asked for: the diagnosis under each setting, the fixes, the lint."""
    found = doctor.diagnoses(spec, doctor.settings_of(spec, browsers))
    return found, doctor.fixes(spec, browsers, base=found), doctor.lint(spec, [PROFILES[b] for b in browsers])


def advice_lines(found: dict, fixes: list, lint: list[str]) -> list[str]:
    """The diagnosis in its first lines, then the smallest fix in the user's terms, the other fixes, the lint."""
    lines = ["diagnosis: " + line for line in doctor.summary(found)]
    if fixes:
        best = fixes[0]
        where = "in every browser and third-party setting" if best.everywhere else (
            "everywhere but in " + doctor.where(best.fails, found))  # fmt: skip
        lines.append(f"fix: {best.label}, which works {where}:")
        lines += [f"  {code}" for c in best.changes for code in c.code]
        if best.cost:
            lines.append(f"  what it costs: {best.cost}")
        for other in fixes[1:]:
            fails = "" if other.everywhere else f" (not in {doctor.where(other.fails, found)})"
            cost = f"; it costs: {other.cost}" if other.cost else ""
            lines.append(f"  or: {other.label}{fails}{cost}")
    elif any(found.values()):
        lines.append("fix: no change near this setup makes the session work where it does not")
    lines += [f"lint: {line}" for line in lint]
    return lines


def assert_works(*argv: str, browsers: Sequence[str] = ()) -> None:
    """The check a team pins its own setup with, from Python (the `session_works` fixture): explain's options in; an
    AssertionError with the diagnosis and the smallest fix unless the session works in every browser profile and
    third-party setting explained."""
    args, _, _, _ = read_options(list(argv))
    spec = spec_from_args(args)
    found, fixes, lint = advice(spec, list(browsers or args.browser or sorted(PROFILES)))
    if any(found.values()):
        raise AssertionError("\n".join(advice_lines(found, fixes, lint)))


def read_evidence(args: argparse.Namespace, given: set[str]):
    """The Evidence of --har, --curl or --probe (at most one), or None; `given`: the options the user named."""
    from e2e import evidence

    chosen = [flag for flag, value in (("--har", args.har), ("--curl", args.curl), ("--probe", args.probe)) if value]
    if len(chosen) > 1:
        raise evidence.EvidenceError(f"give one of --har, --curl and --probe, not {' and '.join(chosen)}")
    if args.har:
        return evidence.from_har(args.har)
    if args.curl:
        return evidence.from_curl(args.curl)
    if args.probe:
        if "--page" not in given:
            raise evidence.EvidenceError("--probe sends the login with the page's Origin: add --page ORIGIN (your "
                                         "app's origin, e.g. http://localhost:5173)")  # fmt: skip
        return evidence.probe(args.probe, page=args.page, method=args.probe_method, body=args.probe_body,
                              content_type=BODIES[args.body])  # fmt: skip
    return None


def _cors_policy(headers: dict, page: str | None) -> tuple[str, str | None, list[str]]:
    """The CORS policy of the vocabulary whose answer these headers are, the one origin a fixed policy names, and
    what the model approximates."""
    acao = headers.get("access-control-allow-origin")
    credentials = headers.get("access-control-allow-credentials", "").strip().lower() == "true"
    if not acao:
        return "none", None, []
    if acao.strip() == "*":
        return "wildcard", None, []
    if page and acao.strip() == page:
        return ("allowlist" if credentials else "reflect"), None, []
    notes = [] if credentials else [f"the answer names {acao} without Access-Control-Allow-Credentials: read as the "
                                    "fixed policy, which says it"]  # fmt: skip
    return "fixed", acao.strip(), notes


def evidence_options(found, page: str | None = None) -> tuple[list[str], list[str]]:
    """explain's options for what an Evidence shows (the page's origin, where the login went and through which
    redirects, its Set-Cookie lines, the CORS answers of response and preflight, the body, the credentials mode where
    the requests show it), and the notes on what the model approximates."""
    notes, argv = [], []
    page = page or found.page
    final = found.redirects[-1].location if found.redirects else found.login_url
    from e2e.evidence import origin_of

    api = origin_of(final) if final else found.api
    if found.page:
        argv += ["--page", found.page]
    if api:
        argv += ["--api", api]
    for hop in found.redirects:
        if hop.url:
            argv += ["--redirect-to", origin_of(hop.url)]
    if found.redirects:
        argv += ["--redirect-status", str(found.redirects[0].status)]
        if any(hop.set_cookie for hop in found.redirects):
            argv.append("--redirect-sets-cookie")
    lines = [line for line, url in zip(found.set_cookie, found.set_cookie_from) if url in (None, final)]
    for line in lines or found.set_cookie:
        argv += ["--set-cookie", line]
    if found.credentials:
        argv += ["--credentials", found.credentials]
    kind = media_type(found.login_content_type)
    body = {media: name for name, media in BODIES.items()}.get(kind)
    if kind and body is None:
        notes.append(f"the login's body is {kind}: explained as JSON, the nearest the model sends")
    if body and body != "json":
        argv += ["--body", body]
    policy, fixed, approximated = _cors_policy(found.cors, page)
    notes += approximated
    argv += ["--cors", policy] + (["--allowlist", fixed] if fixed else [])
    varies = "origin" in [v.strip().lower() for v in found.cors.get("vary", "").split(",")]
    if policy in ORIGIN_VARYING_POLICIES and not varies:
        argv.append("--no-vary-origin")
    if found.preflight:
        before, before_fixed, approximated = _cors_policy(found.preflight, page)
        notes += approximated
        if (before, before_fixed) != (policy, fixed):
            argv += ["--preflight-cors", before]
        allowed = found.preflight.get("access-control-allow-headers", "").lower()
        argv += ["--allow-headers", "wildcard" if allowed.strip() == "*" else "authorization" if "authorization" in
                 allowed else "content-type"]  # fmt: skip
        if "content-type" not in allowed and allowed.strip() != "*" and body in (None, "json"):
            notes.append("the preflight's answer allows no Content-Type header, which the model always allows")
        age = found.preflight.get("access-control-max-age", "").strip()
        if age.isdigit():
            argv += ["--max-age", age]
    if found.login_path and found.login_path != REQUESTS["login"].path and not any(
            parse_set_cookie(line, "a line", header=False).last("path") for line in lines[:1]):  # fmt: skip
        notes.append(f"the login went to {found.login_path}, the model's to {REQUESTS['login'].path}: a cookie without "
                     "Path gets its directory as the default path, so give Path explicitly")  # fmt: skip
    return argv, notes


def _options(argv: list[str]) -> list[tuple[str, list[str]]]:
    """A command line as (option, its values) pairs, in order."""
    out: list[tuple[str, list[str]]] = []
    for arg in argv:
        if arg.startswith("--"):
            out.append((arg, []))
        else:
            out[-1][1].append(arg)
    return out


def _given(argv: Sequence[str]) -> set[str]:
    """The options a command line names."""
    return {arg.split("=", 1)[0] for arg in argv if arg.startswith("--")}


def read_options(argv: list[str]):
    """explain's options from `argv` and, with --har, --curl or --probe, the evidence's options the user did not give:
    the options, the flags the user named, the Evidence (or None) and what was read from it (for stderr). A
    ValueError says why evidence cannot be read."""
    parser = build_parser()
    args = parser.parse_args(argv)
    given = _given(argv)
    evidence, read = read_evidence(args, given), []
    if evidence is not None:  # the evidence's options, each one the user did not give
        extra, approximated = evidence_options(evidence, args.page if "--page" in given else None)
        kept = []
        for flag, values in _options(extra):
            if flag not in given:
                kept += [flag, *values]
        if evidence.page is None and "--page" not in given:
            raise ValueError(f"{evidence.source} does not show the page's origin: add --page ORIGIN")
        read = [f"read from {evidence.source}: " + " ".join(kept)]
        read += [f"note: {note}" for note in (*evidence.notes, *approximated)]
        args = parser.parse_args(kept + argv)
    return args, given, evidence, read


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args, given, evidence, read = read_options(argv)
    except ValueError as e:
        parser.error(str(e))
    for line in read:
        print(line, file=sys.stderr)
    browsers = list(dict.fromkeys(args.browser or sorted(PROFILES)))
    try:
        spec = spec_from_args(args)
        flows = expectations(spec, browsers)
    except OracleInputError as e:
        parser.error(str(e))  # exits 2 with the usage line
    notes = set_cookie_lines(args.set_cookie)[1]
    why_exact = sent_exactly(spec.server.login, args.exact)
    if why_exact and not args.exact:
        notes.append(f"note: the lines are sent byte for byte ({why_exact})")
    for note in notes:
        print(note, file=sys.stderr)
    found, fixes, lint = advice(spec, browsers)
    assumed = evidence is not None and evidence.credentials is None and "--credentials" not in given
    if assumed and not args.json:  # what the diagnosis rests on that the evidence does not show
        print(f"assumed: {evidence.source} does not show the fetch's credentials mode, so this is fetch's default, "
              f"credentials: '{spec.credentials}'; add --credentials include if your fetch sends that")  # fmt: skip
    if args.json:
        data = {name: flow.to_json() | {
            "diagnosis": {s.name: (b.to_json() if b else None) for s, b in found.items() if s.browser == name},
            "fixes": [f.to_json() for f in fixes], "lint": lint} for name, flow in flows.items()}  # fmt: skip
        print(json.dumps(next(iter(data.values())) if len(data) == 1 else data, indent=2))
    else:
        print("\n".join(advice_lines(found, fixes, lint)))
        print(f"page {spec.page} → api {spec.api}; credentials {spec.credentials}, mode {spec.mode}, "
              f"body {spec.body}, CORS {spec.server.cors}")  # fmt: skip
        if spec.embed_in:
            print(f"the page is framed by {spec.embed_in}" + (" (login top-level first)" if spec.login_top_level
                                                               else ""))  # fmt: skip
        if spec.redirect_via:
            print(f"login goes through {' → '.join(spec.server.redirects)}, each hop answering "
                  f"{spec.server.redirect_status}")  # fmt: skip
        print("\n".join(describe_lines(spec)))
        print("\n".join(render(PROFILES[name], flow) for name, flow in flows.items()))
    code = 0
    if args.verify:  # with --probe, the real browsers against the user's own server, not ours
        code = _verify(spec, browsers, args.json, fixes[0] if fixes else None, evidence if args.probe else None,
                       args.probe_body)  # fmt: skip
    broken = [s.name for s, b in found.items() if b is not None]
    if args.expect == "works" and broken:
        print(f"expect works: the session does not work in {doctor.where([s for s, b in found.items() if b], found)}",
              file=sys.stderr)  # fmt: skip
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
