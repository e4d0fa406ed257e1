"""e2e/evidence.py: HARs the real browsers recorded, curl's real output, probes of real loopback servers, and every
malformed input giving an EvidenceError that says what to change. The fixtures are remade by
fixtures/evidence/record.py; they hold a run's ports, so the tests read only relations between origins."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from e2e import evidence
from e2e.evidence import EvidenceError, from_curl, from_har, probe
from e2e.harness.serving import settings_for
from e2e.oracle.spec import FlowSpec, ServerSpec
from server.app import USERS
from server.hosts import TestHosts

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "evidence"
BROWSERS = ("chromium", "firefox")
LOGIN = {"username": "alice", "password": USERS["alice"]}
SESSION_ATTRIBUTES = "; Path=/; Secure; HttpOnly; SameSite=None"
PREFS = "prefs=dark; Path=/; Secure; SameSite=None"


def host(origin: str | None) -> str | None:
    return urlsplit(origin).hostname if origin else None


def pair(line: str) -> str:
    """The name=value a Set-Cookie line gives a Cookie header."""
    return line.split(";")[0]


def har(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def write_har(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "edited.har"
    path.write_text(json.dumps(data))
    return path


def noted(ev, *words: str) -> bool:
    return any(all(w in note for w in words) for note in ev.notes)


# ---------------------------------------------------------------------------------------------- HAR


def test_chromium_cross_site_har():
    """Chromium's cross-site login: the origins, the lines as sent, the CORS answer, me sent without a cookie."""
    ev = from_har(FIXTURES / "chromium_cross_site.har")
    assert (host(ev.page), host(ev.api)) == ("app.site-a.test", "api.site-b.test")
    assert ev.page.startswith("https://") and ev.login_url == ev.api + "/api/login"
    assert (ev.login_method, ev.login_path, ev.login_content_type, ev.login_status) == (
        "POST", "/api/login", "application/json", 200)  # fmt: skip
    assert len(ev.set_cookie) == 2 and ev.set_cookie[0].startswith("sid=")
    assert ev.set_cookie[0].endswith(SESSION_ATTRIBUTES) and ev.set_cookie[1] == PREFS
    assert ev.set_cookie_from == (ev.login_url, ev.login_url) and ev.redirects == ()
    assert ev.cors == {"access-control-allow-origin": ev.page, "access-control-allow-credentials": "true",
                       "vary": "Origin"}  # fmt: skip
    assert [(x.method, x.path, x.cookie, x.status) for x in ev.later] == [("GET", "/api/me", None, 401)]
    assert ev.credentials is None and noted(ev, "cannot tell", "--credentials")
    assert ev.preflight is None and noted(ev, "no CORS preflight", "Playwright")
    assert noted(ev, "from the login request's Origin header")


def test_firefox_folds_set_cookie_and_evidence_splits_it():
    """Firefox's HAR folds both lines into one header with a newline; the evidence has them apart, in order."""
    raw = har("firefox_cross_site.har")
    login = next(e for e in raw["log"]["entries"] if e["request"]["method"] == "POST")
    folded = [h["value"] for h in login["response"]["headers"] if h["name"].lower() == "set-cookie"]
    assert len(folded) == 1 and folded[0].count("\n") == 1
    assert [c["name"] for c in login["response"]["cookies"]] == ["sid"]  # its cookie list misses the second line
    ev = from_har(FIXTURES / "firefox_cross_site.har")
    assert ev.set_cookie == tuple(folded[0].split("\n"))
    assert ev.set_cookie[0].endswith(SESSION_ATTRIBUTES) and ev.set_cookie[1] == PREFS


def test_firefox_cross_site_har_shows_include():
    """Firefox sent the cookie to the other site's API, which only credentials include does."""
    ev = from_har(FIXTURES / "firefox_cross_site.har")
    assert (host(ev.page), host(ev.api)) == ("app.site-a.test", "api.site-b.test")
    (me,) = ev.later
    assert (me.method, me.path, me.status) == ("GET", "/api/me", 200)
    assert me.cookie == f"{pair(ev.set_cookie[0])}; {pair(ev.set_cookie[1])}"
    assert ev.credentials == "include" and noted(ev, "credentials mode is include", "/api/me")


def test_preflight_from_chromium_cdp():
    """The preflight Chromium reported over CDP, put in its HAR, is read with its status and CORS answer."""
    ev = from_har(FIXTURES / "chromium_cross_site_preflight.har")
    assert ev.preflight == {
        "access-control-allow-origin": ev.page,
        "access-control-allow-credentials": "true",
        "vary": "Origin",
        "access-control-allow-methods": "GET, POST",
        "access-control-allow-headers": "Content-Type",
        "access-control-max-age": "0",
        "status": "204",
    }
    assert noted(ev, "the preflight: OPTIONS", "Access-Control-Request-Method POST")
    assert ev.set_cookie == from_har(FIXTURES / "chromium_cross_site.har").set_cookie


@pytest.mark.parametrize("browser", BROWSERS)
def test_same_origin_har(browser):
    """A same-origin login: page and API alike, no CORS headers, the cookie sent back; credentials left unknown."""
    ev = from_har(FIXTURES / f"{browser}_same_origin.har")
    assert ev.page == ev.api and host(ev.page) == "app.site-a.test"
    assert ev.cors == {} and ev.preflight is None and not noted(ev, "no CORS preflight")
    assert ev.set_cookie[0].endswith("; Path=/; Secure; HttpOnly; SameSite=Lax")
    assert [(x.path, x.cookie, x.status) for x in ev.later] == [("/api/me", pair(ev.set_cookie[0]), 200)]
    assert ev.credentials is None and noted(ev, "same-origin (fetch's default) and include both send cookies")


@pytest.mark.parametrize("browser", BROWSERS)
def test_same_site_har(browser):
    """Another origin of the page's site: the cookie sent back there shows credentials include."""
    ev = from_har(FIXTURES / f"{browser}_same_site.har")
    assert (host(ev.page), host(ev.api)) == ("app.site-a.test", "api.site-a.test")
    assert ev.later[0].cookie == pair(ev.set_cookie[0]) and ev.credentials == "include"


@pytest.mark.parametrize("browser", BROWSERS)
def test_redirected_login_har(browser):
    """A login the page's origin answers 307 to the API: the hop with its cookie, the final answer, me after it."""
    ev = from_har(FIXTURES / f"{browser}_redirect.har")
    assert ev.api == ev.page and ev.login_path == "/api/hop/0" and ev.login_status == 200
    (hop,) = ev.redirects
    assert (hop.url, hop.status) == (ev.login_url, 307)
    assert host(hop.location) == "api.site-a.test" and urlsplit(hop.location).path == "/api/login"
    assert hop.set_cookie == ev.set_cookie[:1] and len(ev.set_cookie) == 2
    assert ev.set_cookie_from == (ev.login_url, hop.location)
    assert pair(ev.set_cookie[0]) != pair(ev.set_cookie[1])  # each response opened a session of its own
    assert [(host(x.url), x.path, x.cookie) for x in ev.later] == [("api.site-a.test", "/api/me",
                                                                      pair(ev.set_cookie[1]))]  # fmt: skip
    assert ev.credentials == "include" and noted(ev, "redirected 1 time(s)")


def test_login_path_chooses_the_request():
    """login_path names the request to read, even one that sets no cookie, and says so."""
    ev = from_har(FIXTURES / "firefox_same_site.har", login_path="/api/me")
    assert (ev.login_method, ev.login_path, ev.login_status, ev.set_cookie) == ("GET", "/api/me", 200, ())
    assert noted(ev, "none sets a cookie") and noted(ev, "no response of the login set a cookie")


def test_login_path_not_in_the_har():
    """A login_path the HAR does not hold is refused with the paths it does hold."""
    with pytest.raises(EvidenceError, match=r"no request to '/auth/login'.*POST /api/login"):
        from_har(FIXTURES / "chromium_same_origin.har", login_path="/auth/login")


def test_page_from_the_document_when_origin_and_referer_are_gone(tmp_path):
    """Without Origin and Referer on the login, the page's origin comes from its document request, and says so."""
    data = har("firefox_same_site.har")
    for entry in data["log"]["entries"]:
        entry["request"]["headers"] = [h for h in entry["request"]["headers"]
                                       if h["name"].lower() not in ("origin", "referer")]  # fmt: skip
    ev = from_har(write_har(tmp_path, data))
    assert host(ev.page) == "app.site-a.test" and noted(ev, "from the page's document request GET")


def test_page_from_a_devtools_page_title(tmp_path):
    """DevTools writes the page's URL as its title; with no other sign of the page, that gives its origin."""
    data = har("chromium_same_site.har")
    document = data["log"]["entries"][0]["request"]["url"]
    data["log"]["entries"] = data["log"]["entries"][2:]  # no document request
    data["log"]["pages"][0]["title"] = document
    for entry in data["log"]["entries"]:
        entry["request"]["headers"] = [h for h in entry["request"]["headers"]
                                       if h["name"].lower() not in ("origin", "referer")]  # fmt: skip
    ev = from_har(write_har(tmp_path, data))
    assert host(ev.page) == "app.site-a.test" and noted(ev, "from the HAR's page title")
    data["log"]["pages"][0]["title"] = "cookie-matrix client"
    ev = from_har(write_har(tmp_path, data))
    assert ev.page is None and ev.credentials is None and noted(ev, "add --page")


def test_lines_rebuilt_from_response_cookies(tmp_path):
    """A HAR that lists the cookies but not the Set-Cookie headers gives lines rebuilt from the list, said so."""
    data = har("chromium_cross_site.har")
    for entry in data["log"]["entries"]:
        entry["response"]["headers"] = [h for h in entry["response"]["headers"] if h["name"].lower() != "set-cookie"]
    ev = from_har(write_har(tmp_path, data))
    assert ev.set_cookie[0].startswith("sid=") and ev.set_cookie[0].endswith(
        "; Path=/; SameSite=None; Secure; HttpOnly"
    )
    assert ev.set_cookie[1] == "prefs=dark; Path=/; SameSite=None; Secure" and noted(ev, "rebuilt", "not as received")


def test_a_redirect_s_cookies_rebuilt_from_its_list_are_its_own(tmp_path):
    """A HAR that lists a redirect's cookies but not its Set-Cookie headers: the hop still set them (the lines rebuilt
    from its list), as the recording with the headers shows."""
    whole = from_har(FIXTURES / "chromium_redirect.har")
    assert any(h.set_cookie for h in whole.redirects), "the recording's redirect must set a cookie to prove anything"
    data = har("chromium_redirect.har")
    for entry in data["log"]["entries"]:
        entry["response"]["headers"] = [h for h in entry["response"]["headers"] if h["name"].lower() != "set-cookie"]
    ev = from_har(write_har(tmp_path, data))

    def parts(hops):  # a rebuilt line names the same attributes, in the list's order
        return [[set(line.split("; ")) for line in h.set_cookie] for h in hops]

    assert parts(ev.redirects) == parts(whole.redirects)


def test_sanitized_devtools_export():
    """A HAR without any Cookie or Set-Cookie (DevTools' sanitized export) is refused with how to export it."""
    with pytest.raises(EvidenceError, match=r"Export HAR \(sanitized\).*Export HAR \(with sensitive data\)"):
        from_har(FIXTURES / "chromium_cross_site_sanitized.har")


def test_har_without_headers():
    """A HAR whose entries hold no headers at all is refused, saying the headers are the evidence."""
    with pytest.raises(EvidenceError, match="not one header: the Origin, Cookie and Set-Cookie headers"):
        from_har(FIXTURES / "no_headers.har")


def test_no_post_sets_a_cookie(tmp_path):
    """A HAR whose POSTs set no cookie (a failed login) lists them and asks for login_path."""
    data = har("firefox_cross_site.har")
    for entry in data["log"]["entries"]:
        entry["response"]["headers"] = [h for h in entry["response"]["headers"] if h["name"].lower() != "set-cookie"]
        entry["response"]["cookies"] = []
    with pytest.raises(EvidenceError, match=r"no POST sets a cookie \(POST https://api\.site-b\.test:\d+/api/login "
                                            r"→ 200\): give login_path"):  # fmt: skip
        from_har(write_har(tmp_path, data))


BAD_HARS = {
    "empty": (b"", "is empty"),
    "blank": (b" \n\t\n", "is empty"),
    "not json": (b"hello, this is not a HAR\n", "not JSON"),
    "json, not a har": (b'{"entries": []}', "no log.entries"),
    "no entries": (b'{"log": {"version": "1.2", "entries": []}}', "no requests"),
    "entry without request": (b'{"log": {"entries": [{"response": {}}]}}', r"entries\[0\] is not a HAR entry"),
    "headers not a list": (
        b'{"log": {"entries": [{"request": {"method": "GET", "url": "https://a.test/", "headers":'
        b' 5}, "response": {"status": 200}}]}}',
        "not a list of",
    ),  # fmt: skip
    "status not a number": (
        b'{"log": {"entries": [{"request": {"method": "GET", "url": "https://a.test/"}, '
        b'"response": {"status": "ok"}}]}}',
        "not a number",
    ),  # fmt: skip
    "curl output": ((FIXTURES / "curl_i_cross_site.txt").read_bytes(), r"from_curl \(--curl\)"),
    "gzip": (gzip.compress(b'{"log": {"entries": []}}'), "gunzip"),
    "latin-1": ('{"log": "café"}'.encode("latin-1"), "not UTF-8"),
}


def test_truncated_har(tmp_path):
    """A HAR cut short, wherever it is cut, says the file ends early and to export it again."""
    data = (FIXTURES / "firefox_cross_site.har").read_bytes()
    path = tmp_path / "cut.har"
    for cut in range(1, len(data) - 1, max(1, len(data) // 40)):
        path.write_bytes(data[:cut])
        with pytest.raises(EvidenceError, match="ends early.*export the HAR again"):
            from_har(path)


def test_missing_file_and_directory(tmp_path):
    """A path that is missing or a directory is an EvidenceError naming it, for HARs and curl's output alike."""
    for read in (from_har, from_curl):
        with pytest.raises(EvidenceError, match=r"no such file: .*nowhere\.txt"):
            read(tmp_path / "nowhere.txt")
        with pytest.raises(EvidenceError, match="is a directory.*give the file itself"):
            read(tmp_path)
        with pytest.raises(EvidenceError, match="file path"):
            read(None)


def test_evidence_is_json_data():
    """to_json gives data that json.dumps writes and that keeps every field."""
    ev = from_har(FIXTURES / "chromium_redirect.har")
    data = json.loads(json.dumps(ev.to_json()))
    assert data["set_cookie"] == list(ev.set_cookie) and data["redirects"][0]["status"] == 307


# ---------------------------------------------------------------------------------------------- curl


def test_curl_verbose():
    """curl -v shows the request too: the page from its Origin, the API from its Host, the lines as received."""
    ev = from_curl(FIXTURES / "curl_v_cross_site.txt")
    assert ev.source.startswith("curl -v")
    assert (host(ev.page), host(ev.api)) == ("app.site-a.test", "api.site-b.test")
    assert (ev.login_method, ev.login_path, ev.login_content_type, ev.login_status) == (
        "POST", "/api/login", "application/json", 200)  # fmt: skip
    assert ev.set_cookie[0].startswith("sid=") and ev.set_cookie[0].endswith(SESSION_ATTRIBUTES)
    assert ev.set_cookie[1] == PREFS and ev.cors["access-control-allow-origin"] == ev.page
    assert ev.credentials is None and ev.later == () and noted(ev, "scheme https from curl's TLS lines")


def test_curl_include():
    """curl -i shows only the responses: the lines and CORS answer, no page or API, said so."""
    ev = from_curl(FIXTURES / "curl_i_cross_site.txt")
    assert ev.source.startswith("curl -i") and (ev.page, ev.api, ev.login_method) == (None, None, None)
    assert ev.login_status == 200 and ev.set_cookie[1] == PREFS and ev.set_cookie[0].endswith(SESSION_ATTRIBUTES)
    assert host(ev.cors["access-control-allow-origin"]) == "app.site-a.test"
    assert noted(ev, "curl -i shows only the responses")


def test_curl_verbose_redirect():
    """curl -v -L through a 307: the hop's URL, status, cookie and target, then the final answer."""
    ev = from_curl(FIXTURES / "curl_v_redirect.txt")
    (hop,) = ev.redirects
    assert (hop.url, hop.status, ev.login_status) == (ev.login_url, 307, 200)
    assert urlsplit(ev.login_url).path == "/api/hop/0" and host(hop.location) == "api.site-a.test"
    assert ev.set_cookie_from == (hop.url, hop.location) and hop.set_cookie == ev.set_cookie[:1]


def test_curl_include_redirect():
    """curl -i -L: the first URL is not shown, the hop's target is, and the final answer is the last response."""
    ev = from_curl(FIXTURES / "curl_i_redirect.txt")
    (hop,) = ev.redirects
    assert (hop.url, hop.status, ev.login_status) == (None, 307, 200)
    assert ev.set_cookie_from == (None, hop.location) and noted(ev, "None in set_cookie_from")


@pytest.mark.parametrize("name", ["curl_v_cross_site.txt", "curl_i_redirect.txt"])
def test_curl_lf_line_ends(tmp_path, name):
    """The same output with LF line ends (a copy from a terminal) gives the same evidence."""
    path = tmp_path / name
    path.write_bytes((FIXTURES / name).read_bytes().replace(b"\r\n", b"\n"))
    lf, crlf = from_curl(path).to_json(), from_curl(FIXTURES / name).to_json()
    assert b"\r" not in path.read_bytes() and {**lf, "source": ""} == {**crlf, "source": ""}


# HTTP/2 and interim answers: no test host speaks HTTP/2 or sends 100 Continue, so these outputs are written as
# curl 7.88 prints them.
HTTP2_VERBOSE = "\n".join([
    "* Connected to api.example.test (127.0.0.1) port 8443 (#0)",
    "* ALPN: server accepted h2",
    "* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384",
    "* using HTTP/2",
    "> POST /session HTTP/2",
    "> Host: api.example.test:8443",
    "> origin: https://app.example.test",
    "> content-type: application/x-www-form-urlencoded",
    ">",
    "< HTTP/2 200 ",  # curl writes a space after an HTTP/2 status
    "< SET-COOKIE: sid=abc; Path=/; Secure; HttpOnly; SameSite=None",
    "< set-cookie: theme=dark",
    "< ACCESS-CONTROL-ALLOW-ORIGIN: https://app.example.test",
    "< ",
    '{"ok":true}',
])  # fmt: skip
CONTINUE_INCLUDE = (
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nset-cookie: sid=abc; Path=/\r\nVary: Origin\r\n"
    "Vary: Accept-Encoding\r\n\r\nHTTP/1.1 200 OK is in this body, not a response\r\n"
)


def test_curl_http2_lower_case_headers(tmp_path):
    """An HTTP/2 status line and header names in any case are read; the request's scheme from curl's TLS lines."""
    path = tmp_path / "h2.txt"
    path.write_text(HTTP2_VERBOSE)
    ev = from_curl(path)
    assert (ev.page, ev.api, ev.login_path) == ("https://app.example.test", "https://api.example.test:8443", "/session")
    assert ev.login_content_type == "application/x-www-form-urlencoded" and ev.login_status == 200
    assert ev.set_cookie == ("sid=abc; Path=/; Secure; HttpOnly; SameSite=None", "theme=dark")
    assert ev.cors == {"access-control-allow-origin": "https://app.example.test"}


def test_curl_interim_response_and_body(tmp_path):
    """A 100 Continue is skipped, the final answer read, and a body that mentions a status line is left a body."""
    path = tmp_path / "continue.txt"
    path.write_bytes(CONTINUE_INCLUDE.encode())
    ev = from_curl(path)
    assert (ev.login_status, ev.set_cookie, ev.redirects) == (201, ("sid=abc; Path=/",), ())
    assert ev.cors == {"vary": "Origin, Accept-Encoding"} and noted(ev, "interim", "100 Continue")


CONTINUE_VERBOSE = "\r\n".join(
    [
        "> POST /api/login HTTP/1.1",
        "> Host: localhost:8080",
        "> Origin: http://localhost:3000",
        "> Expect: 100-continue",
        "> ",
        "< HTTP/1.1 100 Continue",
        "< ",
        "< HTTP/1.1 200 OK",
        "< Set-Cookie: sid=abc; Path=/; HttpOnly",
        "< ",
        "",
    ]
)


def test_curl_verbose_interim_response(tmp_path):
    """curl -v's 100 Continue is an interim answer, skipped; the 200 after it is the login's, over plain http."""
    path = tmp_path / "continue.txt"
    path.write_text(CONTINUE_VERBOSE)
    ev = from_curl(path)
    assert (ev.page, ev.login_url, ev.login_status) == ("http://localhost:3000", "http://localhost:8080/api/login", 200)
    assert ev.set_cookie == ("sid=abc; Path=/; HttpOnly",) and noted(ev, "interim 100 response skipped")
    assert not noted(ev, "earlier exchange")


BAD_CURL = {
    "no status line": (b"Set-Cookie: sid=1\r\n\r\n", "no HTTP status line: give the output of curl -i or curl -v"),
    "prose": (b"the login did not work\n", "no HTTP status line"),
    "empty": (b"", "is empty"),
    "a HAR": ((FIXTURES / "chromium_same_origin.har").read_bytes(), r"from_har \(--har\)"),
    "curl failed": (
        b"*   Trying 127.0.0.1:1...\n* connect to 127.0.0.1 port 1 failed: Connection refused\n* Failed to "
        b"connect to localhost port 1 after 0 ms: Couldn't connect to server\n* Closing connection 0\n",
        "curl got no response.*Failed to connect.*start the server",
    ),  # fmt: skip
    "binary": (bytes(range(256)) * 4, "no HTTP status line"),
}


@pytest.mark.parametrize(
    "reader, data, message",
    [pytest.param(from_har, *BAD_HARS[case], id=f"har-{case}") for case in sorted(BAD_HARS)]
    + [pytest.param(from_curl, *BAD_CURL[case], id=f"curl-{case}") for case in sorted(BAD_CURL)],
)
def test_bad_evidence(tmp_path, reader, data, message):
    """Each malformed HAR and unreadable curl output gives an EvidenceError that says what is wrong and what to give
    instead."""
    path = tmp_path / "evidence"
    path.write_bytes(data)
    with pytest.raises(EvidenceError, match=message):
        reader(path)


@pytest.mark.parametrize("name", ["curl_v_redirect.txt", "curl_i_redirect.txt"])
def test_cut_curl_output_never_crashes(tmp_path, name):
    """curl's output cut anywhere gives evidence or an EvidenceError, never another exception."""
    data = (FIXTURES / name).read_bytes()
    path = tmp_path / name
    outcomes = set()
    for cut in range(1, len(data), max(1, len(data) // 60)):
        path.write_bytes(data[:cut])
        try:
            outcomes.add(from_curl(path).login_status)
        except EvidenceError:
            outcomes.add("error")
    assert "error" in outcomes and {307, 200} <= outcomes


# ---------------------------------------------------------------------------------------------- probe


@pytest.fixture(scope="module")
def hosts():
    with TestHosts.running(proxy=False) as running:
        yield running


def configure(hosts: TestHosts, api: str, **server) -> str:
    """Set the hosts' API to a cross-site allowlist for the page app_https; the page's origin."""
    page = hosts.origin("app_https")
    spec = FlowSpec(page, hosts.origin(api), ServerSpec(**server), "include")
    hosts.reset()
    hosts.configure(settings_for(spec.server))
    return page


def test_probe_cross_site_login(hosts):
    """A probe sends the preflight then the login, each with the page's Origin, and reads the real answers."""
    page = configure(hosts, "api_site_b_https", set_cookie="sid=X" + SESSION_ATTRIBUTES, cors="allowlist")
    url = f"https://localhost:{hosts.ports['https']}/api/login"
    ev = probe(url, page=page, body=LOGIN)
    assert (ev.page, ev.api, ev.login_url, ev.login_status) == (page, urlsplit(url)._replace(path="").geturl(), url,
                                                                200)  # fmt: skip
    assert len(ev.set_cookie) == 1 and ev.set_cookie[0].startswith("sid=") and ev.set_cookie[0].endswith(
        SESSION_ATTRIBUTES)  # fmt: skip
    assert ev.preflight["status"] == "204" and ev.preflight["access-control-allow-origin"] == page
    assert ev.preflight["access-control-allow-headers"].lower() == "content-type"
    assert ev.cors["access-control-allow-origin"] == page and ev.credentials is None
    assert noted(ev, "certificate verification off")
    seen = [(r.method, r.path, r.origin, r.preflight_method, r.content_type) for r in hosts.state.records]
    assert seen == [
        ("OPTIONS", "/api/login", page, "POST", None),
        ("POST", "/api/login", page, None, "application/json"),
    ]


def test_probe_refused_origin(hosts):
    """A page the allowlist does not admit gets the server's real answer: no CORS headers on preflight or login."""
    configure(hosts, "api_site_b_https", set_cookie="sid=X" + SESSION_ATTRIBUTES, cors="allowlist")
    ev = probe(f"https://127.0.0.1:{hosts.ports['https']}/api/login", page="https://evil.test", body=LOGIN)
    assert ev.preflight == {"vary": "Origin", "status": "204"} and ev.cors == {"vary": "Origin"}
    assert ev.login_status == 200


def test_probe_simple_and_same_origin_requests_have_no_preflight(hosts):
    """A form-encoded login is a simple request and a same-origin one needs none: neither is preflighted."""
    configure(hosts, "api_site_b_https", set_cookie="sid=X" + SESSION_ATTRIBUTES, cors="allowlist", lenient_body=True)
    api = f"https://localhost:{hosts.ports['https']}"
    form = probe(api + "/api/login", page=hosts.origin("app_https"), body=LOGIN,
                 content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert form.preflight is None and form.login_status == 200 and noted(form, "simple request")
    same = probe(api, page=api, body=LOGIN)
    assert same.preflight is None and same.login_path == "/api/login" and noted(same, "same origin")
    assert noted(same, "no login path") and [r.method for r in hosts.state.records] == ["POST", "POST"]


class Redirects(BaseHTTPRequestHandler):
    """A small server of redirects: /login 303 to /home, /keep 307 to /final, /loop/N 302 to /loop/N+1, /away 302
    off this machine; each answer sets a cookie named after its path."""

    seen: list = []

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, self.headers.get("Origin"), body))
        targets = {"/login": "/home", "/keep": "/final", "/away": "https://example.com/"}
        if self.path.startswith("/loop/"):
            targets[self.path] = f"/loop/{int(self.path.rsplit('/', 1)[1]) + 1}"
        status = {"/login": 303, "/keep": 307}.get(self.path, 302) if self.path in targets else 200
        self.send_response(status)
        if self.path in targets:
            self.send_header("Location", targets[self.path])
        self.send_header("Set-Cookie", f"at{self.path.replace('/', '_')}=1; Path=/")
        self.send_header("Access-Control-Allow-Origin", "http://app.localhost")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_OPTIONS = answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def redirects():
    Redirects.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirects)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_probe_follows_a_303_as_fetch_does(redirects):
    """A 303 after the POST is followed by hand as a GET without a body; the hop and its cookie are kept."""
    ev = probe(redirects + "/login", page="http://app.localhost", body="user=alice", content_type="text/plain")
    (hop,) = ev.redirects
    assert (hop.url, hop.status, hop.location, ev.login_status) == (redirects + "/login", 303, redirects + "/home", 200)
    assert ev.set_cookie == ("at_login=1; Path=/", "at_home=1; Path=/")
    assert ev.set_cookie_from == (redirects + "/login", redirects + "/home")
    page = "http://app.localhost"
    assert Redirects.seen == [("POST", "/login", page, b"user=alice"), ("GET", "/home", page, b"")]
    assert noted(ev, "turns POST into GET")


def test_probe_keeps_the_method_on_307(redirects):
    """A 307 keeps the POST and its body, as fetch does."""
    ev = probe(redirects + "/keep", page="http://app.localhost", body={"username": "alice"})
    assert [(m, p, b) for m, p, _, b in Redirects.seen if m != "OPTIONS"] == [
        ("POST", "/keep", b'{"username": "alice"}'), ("POST", "/final", b'{"username": "alice"}')]  # fmt: skip
    assert ev.preflight is not None and [h.status for h in ev.redirects] == [307]


def test_probe_stops_after_five_redirects(redirects):
    """A redirect loop is followed five times, then the last redirect is the answer, said so."""
    ev = probe(redirects + "/loop/0", page="http://app.localhost", method="GET")
    assert len(ev.redirects) == evidence.PROBE_MAX_HOPS and ev.login_status == 302
    assert [p for _, p, _, _ in Redirects.seen] == [f"/loop/{k}" for k in range(evidence.PROBE_MAX_HOPS + 1)]
    assert noted(ev, "more than 5 redirects")


def test_probe_does_not_follow_a_redirect_off_the_machine(redirects):
    """A redirect to another machine is recorded but not followed."""
    ev = probe(redirects + "/away", page="http://app.localhost", method="GET")
    assert ev.redirects == () and ev.login_status == 302 and noted(ev, "https://example.com/", "not followed")
    assert [p for _, p, _, _ in Redirects.seen] == ["/away"]


@pytest.mark.parametrize("url", ["https://example.com/api/login", "http://10.1.2.3:8080/login", "http://[2001:db8::1]/",
                                 "http://192.168.0.10/", "http://api.site-b.test:8443/api/login"])  # fmt: skip
def test_probe_refuses_other_machines_before_any_connection(monkeypatch, url):
    """A URL whose host is not loopback is refused before any name lookup or connection."""

    def no_network(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(EvidenceError, match=r"only talks to a server on this machine \(loopback\)"):
        probe(url, page="https://app.example.com", body=LOGIN)


def test_probe_names_from_the_hosts_file(monkeypatch, tmp_path, redirects):
    """A name /etc/hosts maps to loopback is probed; one it maps elsewhere is refused."""
    hosts_file = tmp_path / "hosts"
    hosts_file.write_text("127.0.0.1 localhost\n127.0.0.1 myapp.internal  # dev\n10.0.0.5 other.internal\n")
    monkeypatch.setattr(evidence, "_HOSTS_FILE", hosts_file)
    port = urlsplit(redirects).port
    ev = probe(f"http://myapp.internal:{port}/home", page="http://app.localhost", method="GET")
    assert ev.login_status == 200 and ev.api == f"http://myapp.internal:{port}"
    with pytest.raises(EvidenceError, match="loopback"):
        probe(f"http://other.internal:{port}/home", page="http://app.localhost", method="GET")


def test_probe_connection_errors(hosts):
    """A refused port, a port that never answers, and the wrong scheme each name the URL and what to check."""
    page = hosts.origin("app_https")
    refused = f"http://127.0.0.1:{hosts.ports['refusing']}/api/login"
    with pytest.raises(EvidenceError, match=rf"nothing answers at http://127\.0\.0\.1:{hosts.ports['refusing']} "
                                            r"\(connection refused\).*server running"):  # fmt: skip
        probe(refused, page=page, body=LOGIN)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts into its backlog, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/login"
        with pytest.raises(EvidenceError, match=rf"no answer from {url} within 0.3 s"):
            probe(url, page=page, body=LOGIN, timeout=0.3)
    with pytest.raises(EvidenceError, match=r"did not answer HTTP.*A TLS server needs https://"):
        probe(f"http://127.0.0.1:{hosts.ports['https']}/api/login", page=page, body=LOGIN)
    with pytest.raises(EvidenceError, match=r"TLS handshake.*For a plain http server write http://"):
        probe(f"https://127.0.0.1:{hosts.ports['http']}/api/login", page=page, body=LOGIN)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"url": "ftp://localhost/x"}, "not an http or https URL"),
    ({"page": "https://app.example.com/login"}, "not a URL with a path: give https://app.example.com"),
    ({"page": None}, "page is the page's origin"),
    ({"method": "PO ST"}, "an HTTP method"),
    ({"path": "api/login"}, "starting with '/'"),
    ({"body": 42}, "bytes, text or a dict"),
    ({"timeout": 0}, "timeout is seconds"),
])  # fmt: skip
def test_probe_bad_arguments(arguments, message):
    """Each argument the probe cannot use is refused, before any connection, saying what to give."""
    given = {"url": "http://localhost:9/api/login", "page": "https://app.example.com", **arguments}
    with pytest.raises(EvidenceError, match=message):
        probe(given.pop("url"), **given)
