"""`explain --verify`: run one case in the real browsers on the local hosts and show expected next to observed."""

from __future__ import annotations

import json

from e2e.browsers import BrowserCase, launch, load_playwright_config
from e2e.flow import STEPS, run_flow
from e2e.oracle import parse_origin, registrable_domain
from e2e.profiles import profile_for
from e2e.verdict import OBSERVED_FIELDS, compare, observed_json
from server import Settings, TestHosts
from server.config import CorsPolicy


def _is_loopback_name(host: str) -> bool:
    return host == "localhost" or host.replace(".", "").isdigit()


def local_origins(page: str, api: str) -> tuple[str, str]:
    """Named local origins with the same same-origin, same-site and scheme relations as `page` → `api`."""
    p, a = parse_origin(page, "page"), parse_origin(api, "api")
    if _is_loopback_name(p.host):
        if p.scheme != "http":
            raise ValueError("--verify maps localhost and IP pages only over http")
        page_name = "localhost_http" if p.host == "localhost" else "loopback_ip_http"
        if (a.scheme, a.host, a.port) == (p.scheme, p.host, p.port):
            return page_name, page_name
        if a.host == p.host == "localhost" and a.scheme == "http":
            return page_name, "localhost_http_alt_port"
        if a.host != p.host and a.host in ("127.0.0.1", "localhost") and a.scheme == "http":
            return page_name, "loopback_ip_http" if a.host == "127.0.0.1" else "localhost_http"
        raise ValueError("--verify maps a localhost page only onto http://localhost or http://127.0.0.1 APIs")
    page_name = f"app_{p.scheme}"
    if (a.scheme, a.host, a.port) == (p.scheme, p.host, p.port):
        return page_name, page_name
    if a.host == p.host:
        if a.scheme == p.scheme:
            if a.scheme != "https":
                raise ValueError("--verify has a second port for the same host only over https")
            return page_name, "app_https_alt_port"
        return page_name, f"app_{a.scheme}"
    if registrable_domain(a.host) == registrable_domain(p.host):
        return page_name, f"api_site_a_{a.scheme}"
    return page_name, f"api_site_b_{a.scheme}"


def verify(args) -> int:
    """Run the explained case in each browser asked for; print expected next to observed; 1 on a mismatch."""
    from playwright.sync_api import sync_playwright

    from e2e import oracle
    from server.config import CookieConfig

    page_name, api_name = local_origins(args.page, args.api)
    cookie = CookieConfig.from_set_cookie(args.set_cookie)
    config = load_playwright_config()
    failures = 0
    with TestHosts.running() as hosts, sync_playwright() as playwright:
        page, api = hosts.origin(page_name), hosts.origin(api_name)
        print(f"local mapping: page {args.page} -> {page}, api {args.api} -> {api}")
        for browser_name in args.browsers:
            profile = profile_for(browser_name)
            settings = Settings(cookie=cookie, cors=CorsPolicy(args.cors, (page,) if args.cors == "allowlist" else ()))
            expected = oracle.expect(
                page=page,
                api=api,
                credentials=args.credentials,
                mode=args.mode,
                cors=args.cors,
                set_cookie=cookie.set_cookie("opaque-session-id"),
                profile=profile,
            )
            browser = launch(playwright, browser_name, config)
            try:
                context = browser.new_context(**config.CONTEXT)
                hosts.configure(settings)
                case = BrowserCase(context, hosts, {}, browser, results=None, third_party=None)
                observed = run_flow(
                    case, page_name, api_name, credentials=args.credentials, mode=args.mode, cookie_name=cookie.name
                )
                mismatches = compare(expected, observed, cookie.name, profile.jar_reports_partition_key.value)
                failures += bool(mismatches)
                _print(
                    browser_name, browser.version, expected, observed_json(observed, cookie.name), mismatches, args.json
                )
            finally:
                browser.close()
    return 1 if failures else 0


def _print(browser: str, version: str, expected, observed: dict, mismatches, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "browser": browser,
                    "version": version,
                    "expected": expected.to_json(),
                    "observed": observed,
                    "mismatches": [vars(m) for m in mismatches],
                },
                default=str,
            )
        )
        return
    print(f"\n{browser} {version}: {'matches the oracle' if not mismatches else 'DISAGREES with the oracle'}")
    print(f"  {'step':8} {'field':14} {'expected':>16} {'observed':>16}")
    for step in STEPS:
        for field in OBSERVED_FIELDS:
            want, got = getattr(expected.steps[step], field), observed[step][field]
            flag = "" if want == got else "   <-- differs"
            print(f"  {step:8} {field:14} {str(want):>16} {str(got):>16}{flag}")
    print(f"  {'page':8} {'js_visible':14} {str(expected.js_visible):>16} {str(observed['js_visible']):>16}")
