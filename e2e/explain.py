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
import sys
from collections.abc import Sequence

from e2e.oracle.flow import FlowExpectation, expect
from e2e.oracle.profiles import PROFILES, BrowserProfile
from e2e.oracle.rules import chain_lines
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.vocabulary import CORS_POLICIES, CREDENTIALS_MODES, REQUEST_MODES, OracleInputError
from server.config import CookieConfig

DEFAULT_SET_COOKIE = CookieConfig().set_cookie("X")  # express-session's and Flask's default cookie


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m e2e.explain",
        description="Expected outcome of login → me → list → create → logout, step by step, with the rules behind it.",
    )
    parser.add_argument(
        "--browser", choices=sorted(PROFILES), action="append", help="a browser profile (repeatable; default: all)"
    )
    parser.add_argument(
        "--page", required=True, metavar="ORIGIN", help="origin of the page, e.g. https://app.site-a.test:8443"
    )
    parser.add_argument("--api", metavar="ORIGIN", help="origin of the API (default: the page's origin)")
    parser.add_argument(
        "--credentials",
        choices=CREDENTIALS_MODES,
        default="same-origin",
        help="fetch credentials mode (default: same-origin, fetch's default)",
    )
    parser.add_argument("--mode", choices=REQUEST_MODES, default="cors", help="fetch request mode (default: cors)")
    parser.add_argument(
        "--set-cookie",
        default=DEFAULT_SET_COOKIE,
        metavar="LINE",
        help=f"the Set-Cookie line login sends (default: {DEFAULT_SET_COOKIE!r})",
    )
    parser.add_argument(
        "--logout-set-cookie",
        metavar="LINE",
        help="the line logout sends (default: the server's deletion of the login cookie)",
    )
    parser.add_argument("--cors", choices=CORS_POLICIES, default="none", help="the API's CORS policy (default: none)")
    parser.add_argument(
        "--allowlist",
        action="append",
        metavar="ORIGIN",
        help="an origin the allowlist policy admits (repeatable; default: the page's origin)",
    )
    parser.add_argument(
        "--secure-cookie-needs-tls",
        action="store_true",
        help="the server omits a Secure cookie on a request it believes insecure (express-session)",
    )
    parser.add_argument("--trust-proxy", action="store_true", help="the server believes X-Forwarded-Proto")
    parser.add_argument("--forwarded-https", action="store_true", help="a proxy sends X-Forwarded-Proto: https")
    parser.add_argument("--json", action="store_true", help="print the expectation as JSON")
    parser.add_argument("--verify", action="store_true", help="also run the flow in the real browsers")
    return parser


def spec_from_args(args: argparse.Namespace) -> FlowSpec:
    """The one spec of the user's setup; every option of the parser lands in it (or says why it cannot)."""
    server = ServerSpec(
        set_cookie=args.set_cookie,
        logout_set_cookie=args.logout_set_cookie,
        cors=args.cors,
        allowlist=tuple(args.allowlist) if args.allowlist else None,
        secure_cookie_needs_tls=args.secure_cookie_needs_tls,
        trust_proxy=args.trust_proxy,
        forwarded_https=args.forwarded_https,
    )
    return FlowSpec(args.page, args.api or args.page, server, args.credentials, args.mode)


def expectations(spec: FlowSpec, browsers: Sequence[str]) -> dict[str, FlowExpectation]:
    """The oracle's expectation for each selected browser."""
    return {name: expect(spec, PROFILES[name]) for name in browsers}


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _chain(ids: Sequence[str]) -> str:
    return "      why: " + " → ".join(ids)


def render(profile: BrowserProfile, flow: FlowExpectation) -> str:
    """A readable account of one browser's expected flow: each step, its rule chain, then the rules cited."""
    lines = [f"== {profile.name}"]
    for step, s in flow.steps.items():
        status = "" if s.status is None else f" {s.status}"
        server = "no request reached the server" if s.server_status is None else f"server answered {s.server_status}"
        lines.append(
            f"  {step:<7} {s.fetch}{status}; {server}; preflight {_yes(s.preflight)}; cookie sent "
            f"{_yes(s.cookie_sent)}; authenticated {_yes(s.authenticated)}; cookie in jar after {_yes(s.cookie_stored)}"
        )
        lines.append(_chain(s.reasons))
    lines.append(f"  document.cookie shows the session cookie after login: {_yes(flow.js_visible)}")
    lines.append(_chain(flow.js_reasons))
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
    cited = dict.fromkeys(i for s in flow.steps.values() for i in s.reasons + flow.js_reasons)
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


def _verify(spec: FlowSpec, browsers: list[str], as_json: bool) -> int:
    module = _load_verify()
    if module is None:
        print(
            "python -m e2e.explain: error: --verify is not available: e2e.verify (Playwright, the test hosts) cannot "
            "be imported here; run ./cm setup, or run without --verify for the oracle's expectation",
            file=sys.stderr,
        )
        return 2
    try:
        result = module.verify(spec, browsers, as_json=as_json)
    except (ValueError, OracleInputError) as e:  # e.g. an origin it cannot map onto the local test hosts
        print(f"python -m e2e.explain: error: --verify: {e}", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    browsers = list(dict.fromkeys(args.browser or sorted(PROFILES)))
    try:
        spec = spec_from_args(args)
        flows = expectations(spec, browsers)
    except OracleInputError as e:
        parser.error(str(e))  # exits 2 with the usage line
    if args.json:
        data = {name: flow.to_json() for name, flow in flows.items()}
        print(json.dumps(next(iter(data.values())) if len(data) == 1 else data, indent=2))
    else:
        print(
            f"page {spec.page} → api {spec.api}; credentials {spec.credentials}, mode {spec.mode}, "
            f"CORS {spec.server.cors}\nlogin sets: {spec.server.set_cookie}"
        )
        print("\n".join(render(PROFILES[name], flow) for name, flow in flows.items()))
    return _verify(spec, browsers, args.json) if args.verify else 0


if __name__ == "__main__":
    sys.exit(main())
