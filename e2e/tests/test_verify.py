"""explain --verify maps any origins onto local names with the same relations (pure, no browser)."""

from dataclasses import replace

import pytest

from e2e.verify import local_origins


@pytest.mark.parametrize(
    "page_url, api_url, expected",
    [
        pytest.param(
            "https://app.example.com", "https://app.example.com", ("app_https", "app_https"), id="same_origin"
        ),
        pytest.param(
            "https://app.example.com",
            "https://app.example.com:8443",
            ("app_https", "app_https_alt_port"),
            id="same_site_other_port",
        ),
        pytest.param(
            "https://shop.example.co.uk",
            "https://api.example.co.uk",
            ("app_https", "api_site_a_https"),
            id="same_site_psl",
        ),
        pytest.param(
            "https://shop.example.co.uk",
            "https://api.other.co.uk",
            ("app_https", "api_site_b_https"),
            id="cross_site_psl",
        ),
        pytest.param("http://app.example.com", "https://app.example.com", ("app_http", "app_https"), id="cross_scheme"),
        pytest.param(
            "http://localhost:3000",
            "http://localhost:8080",
            ("localhost_http", "localhost_http_alt_port"),
            id="localhost_ports",
        ),
        pytest.param(
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            ("localhost_http", "loopback_ip_http"),
            id="localhost_to_ip",
        ),
    ],
)
def test_relations_are_kept(page_url, api_url, expected):
    """Same-origin, same-site (by the Public Suffix List) and scheme relations survive the mapping."""
    assert local_origins(page_url, api_url) == expected


@pytest.mark.parametrize(
    "page_url, api_url",
    [
        pytest.param("https://localhost", "https://localhost:8443", id="https_localhost"),
        pytest.param("http://127.0.0.1:3000", "http://127.0.0.1:8080", id="ip_other_port"),
        pytest.param("http://a.example.com", "http://a.example.com:8080", id="http_other_port"),
    ],
)
def test_relations_without_a_local_twin_are_refused(page_url, api_url):
    """A relation the local hosts cannot reproduce is an error that says so, not a wrong mapping."""
    with pytest.raises(ValueError, match="--verify"):
        local_origins(page_url, api_url)


class FakeHosts:
    """A run's hosts as local_spec sees them: each named origin on a port of its own."""

    @staticmethod
    def origin(name: str) -> str:
        from server.origins import ORIGINS

        o = ORIGINS[name]
        return f"{o.scheme}://{o.host}:{40000 + sorted(ORIGINS).index(name)}"


DEFAULT_ARGS = ["--page", "https://shop.example.com", "--api", "https://api.example.net"]
# A value other than the default for every option of explain that describes the setup (the rest choose what to
# print and where to run: --browser, --json, --verify).
CHANGED = {
    "--page": ["--page", "https://app.example.net"],  # now same-site with the API
    "--api": ["--api", "https://shop.example.com"],  # now the page's own origin
    "--credentials": ["--credentials", "include"],
    "--mode": ["--mode", "no-cors"],
    "--set-cookie": ["--set-cookie", "sid=x; Path=/; Secure; SameSite=None"],
    "--logout-set-cookie": ["--logout-set-cookie", "sid=; Max-Age=0; Path=/api"],
    "--cors": ["--cors", "wildcard"],
    "--allowlist": ["--cors", "allowlist", "--allowlist", "https://other.example.com"],
    "--secure-cookie-needs-tls": ["--secure-cookie-needs-tls"],
    "--trust-proxy": ["--trust-proxy"],
    "--forwarded-https": ["--forwarded-https"],
    "--exact": ["--exact"],
    "--body": ["--body", "form"],
    "--login": ["--login", "form", "--body", "form"],
    "--redirect-to": ["--redirect-to", "https://auth.example.com"],
    "--redirect-status": ["--redirect-to", "https://auth.example.com", "--redirect-status", "307"],
    "--preflight-cors": ["--preflight-cors", "wildcard"],
    "--allow-headers": ["--allow-headers", "authorization"],
    "--max-age": ["--max-age", "600"],
    "--authorization": ["--authorization"],
    "--cache": ["--cache", "default"],
    "--expose-headers": ["--expose-headers", "named"],
    "--cache-max-age": ["--cache-max-age", "600"],
    "--no-vary-origin": ["--cors", "allowlist", "--no-vary-origin"],
    "--reread-from": ["--reread-from", "https://admin.example.com"],
    "--embed-in": ["--embed-in", "https://portal.partner.org"],
    "--storage-access": ["--embed-in", "https://portal.partner.org", "--storage-access", "granted"],
    "--login-top-level": ["--embed-in", "https://portal.partner.org", "--login-top-level"],
    "--reread-embed-in": ["--reread-from", "https://shop.example.com", "--reread-embed-in", "https://b.partner.org"],
    "--logout-from-second": ["--reread-from", "https://admin.example.com", "--logout-from-second"],
    "--script-write": ["--script-write", "a=1; Secure"],
    "--script-api": ["--script-write", "a=1; Secure", "--script-api", "cookieStore"],
    "--third-party": ["--third-party", "allowed"],
    "--state-cookie-age": ["--login", "idp", "--idp", "https://accounts.example.org", "--state-cookie-age", "180"],
    "--redirect-mode": ["--redirect-to", "https://auth.example.com", "--redirect-mode", "manual"],
    "--redirect-sets-cookie": ["--redirect-to", "https://auth.example.com", "--redirect-sets-cookie"],
    "--idp": ["--login", "idp", "--idp", "https://accounts.example.org"],
    "--idp-return": ["--login", "idp", "--idp", "https://accounts.example.org", "--idp-return", "form_post"],
    "--state-cookie": [
        "--login",
        "idp",
        "--idp",
        "https://accounts.example.org",
        "--state-cookie",
        "state=X; Path=/; Secure; SameSite=None",
    ],  # fmt: skip
}
# explain reads these into the setup's other options (--har, --curl, --probe), or they say what to print and run
NOT_THE_SETUP = {
    "--browser",
    "--json",
    "--verify",
    "--help",
    "--expect",
    "--har",
    "--curl",
    "--probe",
    "--probe-method",
    "--probe-body",
}


def _local(argv: list[str]):
    from e2e import explain
    from e2e.verify import local_spec

    spec = explain.spec_from_args(explain.build_parser().parse_args(argv))
    return spec, local_spec(spec, FakeHosts())


def test_every_explain_option_reaches_the_verified_spec():
    """Each option explain reads about the user's setup changes the spec that --verify runs, and nothing but the
    origins changes on the way (the verified case is the explained one, on local hosts)."""
    from e2e import explain

    options = {s for action in explain.build_parser()._actions for s in action.option_strings if s.startswith("--")}
    assert options - NOT_THE_SETUP == set(CHANGED), "a new explain option needs a value here"
    _, default = _local(DEFAULT_ARGS)
    for option, argv in CHANGED.items():
        spec, local = _local(DEFAULT_ARGS + argv)
        assert local != default, f"{option} does not reach the verified spec"
        assert replace(local, page=spec.page, api=spec.api, server=spec.server, redirect_via=spec.redirect_via,
                       idp=spec.idp, reread_from=spec.reread_from, embed_in=spec.embed_in,
                       reread_embed_in=spec.reread_embed_in) == spec  # fmt: skip
        moved = ("allowlist", "redirects", "login_redirect", "idp_authorize")  # origins, mapped onto the local hosts
        kept = {k: v for k, v in vars(spec.server).items() if k not in moved}
        assert {k: v for k, v in vars(local.server).items() if k not in moved} == kept, option
        assert len(local.redirect_via) == len(spec.redirect_via), option


def test_verify_checks_the_case_explain_explained():
    """The example of the defect: an allowlist that does not admit the page explains a CORS failure, and --verify
    must expect the same failure on the local hosts, not a success."""
    from e2e.oracle.flow import expect
    from e2e.oracle.profiles import CHROMIUM

    argv = ["--page", "https://shop.example.com", "--api", "https://api.example.com", "--credentials", "include",
            "--cors", "allowlist", "--allowlist", "https://other.example.com"]  # fmt: skip
    spec, local = _local(argv)
    explained, verified = expect(spec, CHROMIUM), expect(local, CHROMIUM)
    assert explained.steps["login"].fetch == verified.steps["login"].fetch == "network_error"
    # the same outcome but for the Origin each request carried, which names the page: the user's, or the local one
    assert explained.outcome()[1:] == verified.outcome()[1:]
    for (name, want), (_, got) in zip(explained.outcome()[0], verified.outcome()[0]):
        assert replace(want, origin=None) == replace(got, origin=None), name
        assert (want.origin == spec.page) is (got.origin == local.page), name
    assert local.server.allowlist == ("https://other.example.com",)


def test_the_default_allowlist_follows_the_page_to_the_local_hosts():
    """--cors allowlist without --allowlist admits the page's origin, which --verify maps with the page."""
    spec, local = _local(DEFAULT_ARGS + ["--cors", "allowlist"])
    assert spec.server.allowlist == (spec.page,) and local.server.allowlist == (local.page,)


@pytest.mark.parametrize(
    "api_url, second, expected",
    [
        pytest.param("https://api.example.com", "https://admin.example.com", "evil_sibling_https", id="other_host"),
        pytest.param("https://api.other.com", "https://admin.example.com", "api_site_a_https", id="api_elsewhere"),
        pytest.param("https://api.example.com", "https://shop.example.com:8443", "app_https_alt_port", id="port"),
    ],
)
def test_a_second_page_keeps_its_relations(api_url, second, expected):
    """The second page (--reread-from) maps onto another origin of the page's local site, never the API's own unless
    it was the API's."""
    from e2e.oracle.spec import FlowSpec, ServerSpec
    from e2e.verify import local_spec

    class Hosts:
        def origin(self, name):
            return f"https://{name.replace('_', '-')}.site-a.test:1"

    spec = FlowSpec("https://shop.example.com", api_url, ServerSpec("sid=x", cors="reflect_any_credentials"),
                    "include", reread_from=second)  # fmt: skip
    local = local_spec(spec, Hosts())
    assert local.reread_from == Hosts().origin(expected)
    assert local.reread_from not in (local.page, local.api)
