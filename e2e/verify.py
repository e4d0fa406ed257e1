"""`explain --verify`: the explained FlowSpec mapped onto the local test hosts (same same-origin, same-site and scheme
relations), run in the real browsers, and shown expected next to observed. The mapping is `local_spec`; the rest is
the harness's driver and verdict, as in the matrix.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import trustme

from e2e.oracle.engines import engine_lines, said_by_step
from e2e.oracle.flow import STEP_FIELDS, FlowExpectation, expect
from e2e.oracle.profiles import profile_for
from e2e.oracle.sites import parse_origin, registrable_domain
from e2e.oracle.spec import FlowSpec
from server.hosts import TestHosts, in_background, make_tls_context


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


def local_embedder(page: str, embed: str, first: str | None = None) -> str:
    """The named local https page that frames a page on `page` as `embed` does: one of the page's own site, or one of
    another site (a second one, for `embed` of another site than the `first` embedder's)."""
    p, e = parse_origin(page, "page"), parse_origin(embed, "embed_in")
    if e.scheme != "https":
        raise ValueError("--verify frames a page only in https embedders")
    if registrable_domain(e.host) == registrable_domain(p.host):
        return "embedder_same_site_https"
    if first is not None and registrable_domain(e.host) != registrable_domain(parse_origin(first, "embed_in").host):
        return "embedder_second_https"
    return "embedder_cross_site_https"


def local_spec(spec: FlowSpec, hosts) -> FlowSpec:
    """`spec` on this run's hosts (anything with `origin(name)`): the page and the API mapped by `local_origins`, and
    each origin a redirected login goes through and the identity provider likewise (each one's relation to the page
    kept), and a second page's origin (another origin of the page's site, and another than the API's when it was), and
    the pages that frame either (local_embedder); an allowlisted origin that is one of these mapped with it, every
    other input kept as it is."""
    page_name, api_name = local_origins(spec.page, spec.api)
    page, api = hosts.origin(page_name), hosts.origin(api_name)
    mapped = {spec.page_origin.serialized(): page, spec.api_origin.serialized(): api}
    for hop in (*spec.redirect_via, *([spec.idp] if spec.idp else [])):
        mapped.setdefault(hop, hosts.origin(local_origins(spec.page, hop)[1]))
    if spec.reread_from:  # same-site with the page, another origin; another than the API's too, if it was
        second = hosts.origin(local_origins(spec.page, spec.reread_from)[1])
        if second == api and spec.reread_from != spec.api:
            if spec.page_origin.scheme != "https":
                raise ValueError("--verify has a second page on another host of the page's site only over https")
            second = hosts.origin("evil_sibling_https")  # evil.site-a.test: the site's other host
        mapped.setdefault(spec.reread_from, second)
    for embed in (spec.embed_in, spec.reread_embed_in):  # an origin already mapped (the API's, say) keeps its twin
        if embed is not None:
            mapped.setdefault(embed, hosts.origin(local_embedder(spec.page, embed, spec.embed_in)))
    allowlist = spec.server.allowlist
    # the redirect chain and a form login's way back name origins: FlowSpec makes them again from the local ones
    way_back = None if spec.login in ("form", "idp") else spec.server.login_redirect
    server = replace(spec.server, allowlist=tuple(mapped.get(o, o) for o in allowlist) if allowlist else None,
                     redirects=(), login_redirect=way_back, idp_authorize=None)  # fmt: skip
    return replace(spec, page=page, api=api, server=server, redirect_via=tuple(mapped[o] for o in spec.redirect_via),
                   idp=mapped[spec.idp] if spec.idp else None,
                   reread_from=mapped[spec.reread_from] if spec.reread_from else None,
                   embed_in=mapped[spec.embed_in] if spec.embed_in else None,
                   reread_embed_in=mapped[spec.reread_embed_in] if spec.reread_embed_in else None)  # fmt: skip


def verify(specs: dict[str, FlowSpec], browsers: list[str], as_json: bool = False) -> dict[str, int]:
    """Run each explained spec (by what it is: "setup", the user's, or "fix", the doctor's first fix of it) in each
    browser asked for, one launch of the hosts and of each browser for all of them, each spec in a context of its own;
    print expected next to observed; for each spec, 1 on a mismatch, else 0."""
    from playwright.sync_api import sync_playwright

    from e2e.harness.case import BrowserCase
    from e2e.harness.driver import run_flow
    from e2e.harness.launch import launch, launch_options, load_playwright_config
    from e2e.harness.session import ThirdPartyBrowsers
    from e2e.harness.verdict import compare, observed_json

    config = load_playwright_config()
    failures = dict.fromkeys(specs, 0)
    with TestHosts.running() as hosts, sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        local = {of: local_spec(spec, hosts) for of, spec in specs.items()}
        if not as_json:
            for of, spec in specs.items():
                print(f"local mapping of the {of}: page {spec.page} -> {local[of].page}, api {spec.api} -> "
                      f"{local[of].api}")  # fmt: skip
        for browser_name in browsers:
            profile = profile_for(browser_name)
            browser = launch(playwright, browser_name, hosts, config)
            own = ThirdPartyBrowsers(browser_name, getattr(playwright, browser_name),
                                     launch_options(browser_name, hosts, config),
                                     config.CONTEXT, lambda name: Path(tempfile.mkdtemp(prefix=name, dir=tmp)),
                                     remote=False)  # fmt: skip
            new_context = functools.partial(browser.new_context, **config.CONTEXT)
            try:
                for of, spec in local.items():
                    expected = expect(spec, profile)
                    context = new_context()
                    case = BrowserCase(context, hosts, {}, browser, results=None, third_party=own,
                                       new_context=new_context)  # fmt: skip
                    try:
                        observed = run_flow(case, spec)
                    finally:
                        case.close_own()
                        context.close()
                    mismatches = compare(expected, observed, spec, profile)
                    failures[of] += bool(mismatches)
                    _print(browser_name, browser.version, spec, expected, observed_json(observed, spec), mismatches,
                           as_json, of)  # fmt: skip
            finally:
                own.close()
                browser.close()
    return {of: 1 if n else 0 for of, n in failures.items()}


# `explain --probe --verify`: the probed login made by the real browsers from a page on the user's page origin: their
# own page where a server answers there, else this one, served there for the run by a listener of its own.
PROBE_PAGE = b"<!doctype html><title>cookie-matrix: the page of your app</title>"
PROBE_LOGIN_JS = """async ([url, method, credentials, mode, contentType, body]) => {
  const headers = body == null ? {} : {"Content-Type": contentType};
  try {
    const answer = await fetch(url, {method, credentials, mode, headers, body, cache: "no-store"});
    return {outcome: answer.type === "opaque" ? "opaque" : "resolved", status: answer.status};
  } catch (error) {
    return {outcome: "network_error", error: String(error)};
  }
}"""


def verify_server(found, spec: FlowSpec, browsers: list[str], body: str | None, as_json: bool = False) -> int:
    """Drive the real browsers against the user's own server (what --probe read, `found`): the probed login, with
    `body`, made by fetch() with the spec's options from a page on the spec's page origin (page_on), its answer the
    user's server's own; what script got and whether the jar kept the session cookie, next to the oracle's
    expectation of the spec. 1 on a mismatch."""
    from playwright.sync_api import sync_playwright

    from e2e.harness.launch import launch, load_playwright_config

    config, failures = load_playwright_config(), 0
    with page_on(spec.page, trustme.CA()) as whose, sync_playwright() as pw:  # none of the test hosts: the user's
        if not as_json:
            print(f"\nthe page: {whose}; the login: {found.login_method} {found.login_url}, your server's own answer")
        for name in browsers:
            wanted = expect(spec, profile_for(name)).steps["login"]
            browser = launch(pw, name, None, config)  # the project's launch settings
            try:
                context = browser.new_context(**config.CONTEXT)
                page = context.new_page()
                page.goto(spec.page + "/")
                got = page.evaluate(PROBE_LOGIN_JS, [found.login_url, found.login_method, spec.credentials, spec.mode,
                                                     found.login_content_type, body])  # fmt: skip
                stored = any(c["name"] == spec.cookie_name for c in context.cookies(spec.api))
            finally:
                browser.close()
            rows = [("fetch", wanted.fetch, got["outcome"]), ("cookie_stored", wanted.cookie_stored, stored)]
            differs = [field for field, want, seen in rows if want != seen]
            failures += bool(differs)
            if as_json:
                print(json.dumps({"browser": name, "version": browser.version, "of": "your server",
                                  "expected": {f: w for f, w, _ in rows}, "observed": {f: o for f, _, o in rows}
                                  | {"status": got.get("status"), "error": got.get("error")},
                                  "mismatches": differs}))  # fmt: skip
                continue
            print(
                f"{name} {browser.version} against your server: "
                + ("matches the oracle" if not differs else "DISAGREES with the oracle")
            )
            for field, want, seen in rows:
                flag = "   <-- differs" if want != seen else ""
                print(f"  login    {field:14} {str(want):>16} {str(seen):>16}{flag}")
            print(
                f"  your server answered {got.get('status', 'nothing script could read')}"
                + (f" ({got['error']})" if got.get("error") else "")
            )
    return 1 if failures else 0


@contextlib.contextmanager
def page_on(origin: str, ca) -> Iterator[str]:
    """A page on `origin`, which must be on this machine: the user's own where a server answers there (their dev
    server), else PROBE_PAGE, served there for the block by a listener of its own (TLS from `ca` for https). What it
    is, for the output."""
    o = parse_origin(origin, "page")
    if o.host not in ("localhost", "127.0.0.1"):
        raise ValueError(f"--probe --verify loads the page on this machine, but {origin} is not: give --page on "
                         "http://localhost or http://127.0.0.1 (the page's port, e.g. your dev server's)")  # fmt: skip
    try:
        socket.create_connection(("127.0.0.1", o.port), timeout=1).close()
        yield f"your own at {origin}"
        return
    except OSError:
        pass

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(PROBE_PAGE)))
            self.end_headers()
            self.wfile.write(PROBE_PAGE)

        def log_message(self, *args) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", o.port), Page)
    if o.scheme == "https":
        server.socket = make_tls_context(ca.issue_cert(o.host)).wrap_socket(server.socket, server_side=True)
    with in_background(server):
        yield f"a blank page served at {origin} for the run (nothing answered there)"


def _print(browser: str, version: str, spec: FlowSpec, expected: FlowExpectation, observed: dict, mismatches,
           as_json: bool, of: str = "setup") -> None:  # fmt: skip
    if as_json:
        print(
            json.dumps(
                {
                    "browser": browser,
                    "of": of,
                    "version": version,
                    "expected": expected.to_json(),
                    "observed": observed,
                    "mismatches": [m.to_json() for m in mismatches],
                    "engine": {step: observed[step]["engine"] for step in expected.steps},
                },
                default=str,
            )
        )
        return
    of_what = "" if of == "setup" else f", the {of}"
    print(f"\n{browser} {version}{of_what}: {'matches the oracle' if not mismatches else 'DISAGREES with the oracle'}")
    print(f"  {'step':8} {'field':14} {'expected':>16} {'observed':>16}")
    for step in expected.steps:
        for field in STEP_FIELDS:
            want, got = getattr(expected.steps[step], field), observed[step][field]
            flag = "" if want == got else "   <-- differs"
            print(f"  {step:8} {field:14} {str(want):>16} {str(got):>16}{flag}")
    print(f"  {'page':8} {'js_visible':14} {str(expected.js_visible):>16} {str(observed['js_visible']):>16}")
    wanted = {"storage_access": expected.storage_access, "has_access": list(expected.has_access or []) or None,
              "script_results": list(expected.script_results)}  # fmt: skip
    for field, want in wanted.items():
        if want or observed[field]:
            flag = "" if want == observed[field] else "   <-- differs"
            print(f"  {'page':8} {field:14} {str(want):>16} {str(observed[field]):>16}{flag}")
    from e2e.harness.verdict import compares_cookie_text

    if compares_cookie_text(spec):
        _print_text(spec, expected, observed)
    reports = [observed[step]["engine"] for step in expected.steps]
    if not all(r["captured"] for r in reports):
        print(f"\n  {browser}'s own reasons are not captured here")
        return
    for title, lines in engine_lines(browser, said_by_step(observed, tuple(expected.steps))).items():
        print(f"\n  {title}:" + ("" if lines else " nothing"))
        for line in lines:
            print(f"    {line}")
    for m in mismatches:
        if m.field.startswith("engine."):
            print(f"  <-- step {m.step}, {m.field}: {m.note}")


def _print_text(spec: FlowSpec, expected: FlowExpectation, observed: dict) -> None:
    rows = [
        (step, "Cookie", expected.steps[step].cookie_header, observed[step]["cookie_header"]) for step in expected.steps
    ]
    rows.append(("page", "document.cookie", expected.document_cookie, observed["document_cookie"]))
    for where, what, want, got in rows:
        flag = "" if want == got else "   <-- differs"
        print(f"  {where:8} {what:15} expected {want!r}, observed {got!r}{flag}")
