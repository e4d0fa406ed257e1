"""Explain a flow without a browser: what each step should do and the rules behind it.

    python -m e2e.explain --page https://app.site-a.test:8443 --api https://api.site-b.test:8443 \\
        --credentials include --cors allowlist \\
        --set-cookie 'sid=X; Path=/; Secure; HttpOnly; SameSite=None; Partitioned'

--json prints the expectation as data (one object per browser when several); --verify hands the arguments to
e2e.verify.verify(args), which runs the flow in the browsers, where that module exists.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from collections.abc import Sequence

from e2e.oracle import CREDENTIALS_MODES, REQUEST_MODES, RULES, FlowExpectation, OracleInputError, expect
from e2e.profiles import PROFILES
from server.config import CORS_POLICIES, CookieConfig

DEFAULT_SET_COOKIE = CookieConfig().set_cookie("X")  # express-session's and Flask's default cookie


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m e2e.explain",
        description="Expected outcome of login → me → list → create → logout, step by step, with the rules behind it.",
    )
    parser.add_argument(
        "--browser",
        choices=sorted(PROFILES),
        action="append",
        help="a browser profile (repeatable; default: every profile)",
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
    parser.add_argument("--verify", action="store_true", help="also run the flow in the browsers (needs e2e.verify)")
    return parser


def expectations(args: argparse.Namespace) -> dict[str, FlowExpectation]:
    """The oracle's expectation for each selected browser."""
    return {
        name: expect(
            page=args.page,
            api=args.api,
            credentials=args.credentials,
            mode=args.mode,
            set_cookie=args.set_cookie,
            cors=args.cors,
            profile=PROFILES[name],
            allowlist=tuple(args.allowlist) if args.allowlist else None,
            logout_set_cookie=args.logout_set_cookie,
            secure_cookie_needs_tls=args.secure_cookie_needs_tls,
            trust_proxy=args.trust_proxy,
            forwarded_https=args.forwarded_https,
        )
        for name in args.browsers
    }


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _chain(ids: Sequence[str]) -> str:
    return "      why: " + " → ".join(ids)


def render(name: str, flow: FlowExpectation) -> str:
    """A readable account of one browser's expected flow: each step, its rule chain, then the rules cited."""
    lines = [f"== {name}"]
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
    profile = PROFILES.get(name)
    for deviation in (d for d in (profile.deviations if profile else ()) if d.id in flow.deviations):
        lines.append(
            f"  deviation {deviation.id} (rule {deviation.rule}): {name}'s {deviation.fact} is "
            f"not {deviation.spec_value!r} as the specification has it, and that changed this outcome "
            f"[{deviation.source}]"
        )
    cited = dict.fromkeys(i for s in flow.steps.values() for i in s.reasons + flow.js_reasons)
    lines.append("  rules cited:")
    lines += [f"    {RULES[i].id}: {RULES[i].text} [{RULES[i].source}]" for i in cited]
    return "\n".join(lines)


def _load_verify():
    """The e2e.verify module, written separately to run the flow in real browsers, or None where it is absent."""
    if importlib.util.find_spec("e2e.verify") is None:
        return None
    return importlib.import_module("e2e.verify")


def _verify(args: argparse.Namespace) -> int:
    module = _load_verify()
    if module is None:
        print(
            "python -m e2e.explain: error: --verify is not available: e2e/verify.py does not exist in this "
            "checkout; run without --verify for the oracle's expectation",
            file=sys.stderr,
        )
        return 2
    try:
        result = module.verify(args)
    except ValueError as e:  # e.g. an origin it cannot map onto the local test hosts
        print(f"python -m e2e.explain: error: --verify: {e}", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.api = args.api or args.page
    args.browsers = list(dict.fromkeys(args.browser or sorted(PROFILES)))  # e2e.verify reads this list
    try:
        flows = expectations(args)
    except OracleInputError as e:
        parser.error(str(e))  # exits 2 with the usage line
    if args.json:
        data = {name: flow.to_json() for name, flow in flows.items()}
        print(json.dumps(next(iter(data.values())) if len(data) == 1 else data, indent=2))
    else:
        print(
            f"page {args.page} → api {args.api}; credentials {args.credentials}, mode {args.mode}, CORS {args.cors}\n"
            f"login sets: {args.set_cookie}"
        )
        print("\n".join(render(name, flow) for name, flow in flows.items()))
    return _verify(args) if args.verify else 0


if __name__ == "__main__":
    sys.exit(main())
