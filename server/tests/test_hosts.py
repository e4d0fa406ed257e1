"""The test hosts' HTTP connections: kept alive like a real server's, closed whenever a body's end is unsure."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from collections.abc import Iterator

import pytest

from server.hosts import TestHosts

LOGIN = json.dumps({"username": "alice", "password": "wonderland"}).encode()


@pytest.fixture(scope="module")
def hosts() -> Iterator[TestHosts]:
    with TestHosts.running(proxy=False) as running:
        yield running


@pytest.fixture(params=["http", "https"])
def connect(request, hosts: TestHosts):
    """Open a raw connection to the listener of one scheme."""

    def open_connection() -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", hosts.ports[request.param]), timeout=5)
        if request.param == "https":
            context = ssl.create_default_context(cadata=hosts.ca.cert_pem.bytes().decode())
            sock = context.wrap_socket(sock, server_hostname="api.site-a.test")
        return sock

    return open_connection


def exchange(sock: socket.socket, head: str, body: bytes = b"") -> http.client.HTTPResponse:
    """Send one request on the connection and read its whole response."""
    sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.body = response.read()
    return response


def closed(sock: socket.socket) -> bool:
    """Whether the server has closed the connection (EOF within the timeout)."""
    try:
        return sock.recv(1) == b""
    except (ConnectionError, ssl.SSLError):
        return True


def post(path: str, body: bytes, *extra: str) -> str:
    headers = "".join(f"{line}\n" for line in extra)
    return (
        f"POST {path} HTTP/1.1\nHost: api.site-a.test\n{headers}Content-Type: application/json\n"
        f"Content-Length: {len(body)}\n"
    )


def test_requests_share_one_connection(connect):
    """A GET, a JSON POST and a preflight on one connection are each answered, none closes it."""
    with connect() as sock:
        me = exchange(sock, "GET /api/me HTTP/1.1\nHost: api.site-a.test\n")
        login = exchange(sock, post("/api/login", LOGIN), LOGIN)
        preflight = exchange(
            sock,
            "OPTIONS /api/login HTTP/1.1\nHost: api.site-a.test\nOrigin: https://app.site-a.test\n"
            "Access-Control-Request-Method: POST\n",
        )
        again = exchange(sock, "GET /api/me HTTP/1.1\nHost: api.site-a.test\n")
    assert [me.status, login.status, again.status] == [401, 200, 401]
    assert preflight.status in (200, 204)
    assert all(r.getheader("Connection") is None for r in (me, login, preflight, again))
    assert json.loads(login.body)["user"] == "alice"


@pytest.mark.parametrize(
    "head, body",
    [
        pytest.param(post("/api/login", b'{"a": 1}', "Content-Length: 99"), b'{"a": 1}', id="conflicting-lengths"),
        pytest.param(
            "POST /api/login HTTP/1.1\nHost: api.site-a.test\nContent-Type: application/json\n"
            "Transfer-Encoding: chunked\n",
            b"2\r\n{}\r\n0\r\n\r\n",
            id="chunked",
        ),
        pytest.param(post("/api/resources", b"x" * 70_000), b"x" * 70_000, id="large-unread-body"),
        pytest.param(post("/api/resources", b"x" * 20), b"x" * 5, id="body-never-arrives"),
        pytest.param("GET /api/me HTTP/1.1\nHost: api.site-a.test\nConnection: close\n", b"", id="client-asks"),
    ],
)
def test_connection_closes_when_the_next_request_could_be_misread(connect, head, body):
    """A body of unsure length, or one the app left unread, ends the connection after the answer."""
    with connect() as sock:
        response = exchange(sock, head, body)
        assert response.status < 500
        assert response.getheader("Connection") == "close"
        assert closed(sock)


def test_a_small_unread_body_is_read_and_the_connection_kept(connect):
    """A 401 answered before its body was read still leaves the connection usable for the next request."""
    body = json.dumps({"title": "x"}).encode()
    with connect() as sock:
        refused = exchange(sock, post("/api/resources", body), body)
        after = exchange(sock, "GET /api/me HTTP/1.1\nHost: api.site-a.test\n")
    assert (refused.status, refused.getheader("Connection"), after.status) == (401, None, 401)


def test_a_body_is_never_read_as_the_next_request(connect):
    """Bytes after a declared body start the next request, as HTTP/1.1 framing says (RFC 9112 section 6)."""
    smuggled = b'{"username": "alice", "password": "wonderland"}GET /api/resources HTTP/1.1\r\nHost: x\r\n\r\n'
    with connect() as sock:
        sock.sendall(post("/api/login", LOGIN).replace("\n", "\r\n").encode() + b"\r\n" + smuggled)
        first = http.client.HTTPResponse(sock)
        first.begin()
        first.read()
        second = http.client.HTTPResponse(sock)
        second.begin()
        second.read()
    assert first.status == 200
    assert second.status == 401  # the trailing GET, answered on its own without the session cookie


HOST_ERRORS = [
    pytest.param("GARBAGE\n", b"", 400, id="malformed_request_line"),
    pytest.param(
        "GET /" + "a" * 70_000 + " HTTP/1.1\nHost: api.site-a.test\n", b"", 414, id="request_line_over_64_kib"
    ),
    pytest.param(
        "GET /api/me HTTP/1.1\nHost: api.site-a.test\nX-Long: " + "a" * 70_000 + "\n",
        b"",
        431,
        id="header_line_over_64_kib",
    ),  # fmt: skip
    pytest.param(post("/api/login", LOGIN, "Content-Length: 7"), LOGIN, 400, id="two_different_content_lengths"),
    pytest.param(post("/api/login", LOGIN, "Transfer-Encoding: chunked"), LOGIN, 400, id="length_and_chunked"),
    pytest.param(
        "POST /api/login HTTP/1.1\nHost: api.site-a.test\nContent-Type: application/json\nTransfer-Encoding: gzip\n",
        LOGIN,
        400,
        id="coding_not_ending_in_chunked",
    ),  # fmt: skip
    pytest.param(
        "POST /api/login HTTP/1.1\nHost: api.site-a.test\nContent-Type: application/json\nContent-Length: 1e3\n",
        LOGIN,
        400,
        id="length_not_a_number",
    ),  # fmt: skip
]


@pytest.mark.parametrize("head, body, status", HOST_ERRORS)
def test_the_hosts_own_errors_are_json_and_close_the_connection(connect, head, body, status):
    """What the HTTP layer refuses before the app runs (a bad request line, an oversized line, framing that RFC 9112
    §6.3 calls invalid) is a JSON 4xx like the app's own errors, at once, and the connection is closed after it."""
    with connect() as sock:
        response = exchange(sock, head, body)
        assert (response.status, response.getheader("Content-Type")) == (status, "application/json"), response.body
        answer = json.loads(response.body)
        assert set(answer) == {"error", "message"} and answer["error"] and answer["message"], answer
        assert response.getheader("Connection") == "close"
        assert closed(sock)


@pytest.mark.parametrize("path", ["/api//me", "/api//resources", "/api/me/"])
def test_a_path_the_api_lacks_is_a_json_404_not_a_redirect(connect, path):
    """werkzeug would merge slashes with an HTML 308; the API answers what it has, and a JSON 404 for the rest."""
    with connect() as sock:
        response = exchange(sock, f"GET {path} HTTP/1.1\nHost: api.site-a.test\n")
    assert (response.status, response.getheader("Content-Type")) == (404, "application/json")
    assert response.getheader("Location") is None
    assert json.loads(response.body)["error"] == "not_found"


def test_exact_lines_go_out_byte_for_byte_and_the_record_reads_them_back(hosts: TestHosts):
    """A line with UTF-8 or a control character in it reaches the wire as its own bytes (WSGI carries them as
    latin-1, PEP 3333), and the server's record shows the text that was sent and the Cookie that came back."""
    from server.config import CookieLines, Settings

    lines = ("тест=2; Path=/", "a=1\x01b")
    hosts.configure(Settings(cookie=CookieLines("тест", lines, None, "тест=; Max-Age=0", secure=False)))
    try:
        sock = socket.create_connection(("127.0.0.1", hosts.ports["http"]), timeout=5)
        sock.sendall(post("/api/login", LOGIN).replace("\n", "\r\n").encode() + b"\r\n" + LOGIN)
        raw = b""
        while b"\r\n\r\n" not in raw:
            raw += sock.recv(65536)
        head = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
        assert [h for h in head if h.lower().startswith(b"set-cookie:")] == [
            b"Set-Cookie: " + line.encode("utf-8") for line in lines
        ]
        sock.close()
        with socket.create_connection(("127.0.0.1", hosts.ports["http"]), timeout=5) as again:
            cookie = "тест=2".encode()
            again.sendall(b"GET /api/me HTTP/1.1\r\nHost: api.site-a.test\r\nCookie: " + cookie + b"\r\n\r\n")
            answer = again.recv(65536)
            assert answer.startswith(b"HTTP/1.1 401")
        login, me = hosts.state.requests()[-2:]
        assert login.set_cookie == lines and me.cookie_header == "тест=2" and me.session_ids == ("2",)
    finally:
        hosts.reset()


def test_every_tls_listener_and_the_proxy_present_the_key_a_browser_is_told_to_trust():
    """The SPKI hash the browsers are launched trusting (TestHosts.certificate_spki) is the key of the certificate
    each TLS listener, the proxy's nginx too, presents: one leaf for the run."""
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from server.hosts import find_nginx
    from server.origins import PROXY_LISTENER

    with TestHosts.running(proxy=bool(find_nginx())) as running:
        listeners = ["https", "https_alt"] + ([PROXY_LISTENER] if PROXY_LISTENER in running.ports else [])
        for listener in listeners:
            context = ssl.create_default_context(cadata=running.ca.cert_pem.bytes().decode())
            raw = socket.create_connection(("127.0.0.1", running.ports[listener]), timeout=5)
            with context.wrap_socket(raw, server_hostname="app.site-a.test") as sock:
                der = sock.getpeercert(binary_form=True)
            key = x509.load_der_x509_certificate(der).public_key()
            spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            assert base64.b64encode(hashlib.sha256(spki).digest()).decode() == running.certificate_spki, listener
