"""The test hosts: the named origins (origins.py) served on loopback by real HTTP and HTTPS listeners on OS-chosen
ports, with a TLS certificate from a CA made for the run, and nginx for the proxy origin."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wsgi import LimitedStream

from .app import ApiState, create_app
from .config import Settings
from .origins import HOST_NAMES, LISTENERS, ORIGINS, PROXY_LISTENER, REFUSING_LISTENER

NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {dir}/server.pem;
        ssl_certificate_key {dir}/server.pem;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


# A body the app answered without reading is read and dropped, so the connection can stay open, if it is
# at most this long and arrives within this many seconds; otherwise the connection is closed.
UNREAD_BODY_LIMIT = 64 * 1024
UNREAD_BODY_WAIT = 0.5


class _RequestBody(LimitedStream):
    """A request's body up to its Content-Length, so that the next request on the connection stays unread."""

    def on_disconnect(self, error: Exception | None = None) -> None:
        """A short body reads as ended here; the app's own stream still raises werkzeug's ClientDisconnected."""


class _QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive, as browsers meet at any real server; no access log.

    werkzeug's server answers every request with `Connection: close` because http.server cannot tell where a
    body ends; then a browser opens a new TCP and TLS connection for every request. Here a request whose
    length is one plain Content-Length (or none) gets its body as a stream limited to that length, and its
    connection stays open once the whole body is read; anything else (chunked, a large body the app did not read,
    one that does not arrive) gets `Connection: close` as before. A request whose framing is invalid (RFC 9112
    §6.3: conflicting or malformed Content-Length, Content-Length beside Transfer-Encoding, a transfer coding that
    does not end in chunked) is answered 400 before the app runs, and the connection closed. The server's own
    errors (a malformed request line, a header line over 64 KiB) are JSON like the app's, never HTML.
    """

    protocol_version = "HTTP/1.1"
    # werkzeug writes headers and body in separate sends; with Nagle's algorithm and the peer's delayed ACK
    # each response would stall for tens of milliseconds on loopback.
    disable_nagle_algorithm = True
    _body: _RequestBody | None = None

    def run_wsgi(self) -> None:
        problem = self._framing_problem()
        if problem:
            self.send_error(400, problem)
            return
        raw = self.rfile
        self._body = self._request_body()
        if self._body is not None:
            # werkzeug hands self.rfile to the app and, after the response, drains self.rfile until the
            # client goes quiet: with the limited stream it drains only what is left of this body.
            self.rfile = self._body
        try:
            super().run_wsgi()
        finally:
            self.rfile, self._body = raw, None

    def _framing_problem(self) -> str | None:
        """Why the request's message framing is invalid (RFC 9112 §6.1, §6.3), or None."""
        codings = [c.strip().lower() for v in self.headers.get_all("Transfer-Encoding") or () for c in v.split(",")]
        lengths = [v.strip() for v in self.headers.get_all("Content-Length") or () for v in v.split(",")]
        if codings and lengths:
            return "Content-Length and Transfer-Encoding together: the length of the body is ambiguous"
        if codings and codings[-1] != "chunked":
            return f"Transfer-Encoding {', '.join(codings)} does not end in chunked: the body has no known length"
        if any(not (v.isascii() and v.isdigit()) for v in lengths):
            return f"Content-Length {', '.join(lengths)!s} is not a number of bytes"
        if len(set(map(int, lengths))) > 1:
            return f"Content-Length has conflicting values {', '.join(lengths)}"
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's error reply (a bad request line, an oversized header, invalid framing) as JSON, then close.

        Like the app's own errors: {"error": ..., "message": ...}; http.server would send an HTML page.
        """
        short, long = self.responses.get(code, ("Error", ""))
        body = json.dumps({"error": short.lower().replace(" ", "_"), "message": message or explain or long}).encode()
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # the request line was unreadable: answer in HTTP/1.1, as nginx does
            self.request_version = self.protocol_version
        self.send_response(code, short)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.end_headers()

    def _request_body(self) -> _RequestBody | None:
        """The body limited to its length, or None when the length is not one plain number."""
        if self.headers.get_all("Transfer-Encoding"):
            return None
        lengths = self.headers.get_all("Content-Length") or ["0"]
        if len(lengths) != 1 or not (lengths[0].isascii() and lengths[0].isdigit()):
            return None
        return _RequestBody(self.rfile, int(lengths[0]))

    def send_header(self, keyword: str, value: str) -> None:
        closing = keyword.lower() == "connection" and value.lower() == "close"
        if closing and not self.close_connection and self._body_read():
            return
        super().send_header(keyword, value)

    def _body_read(self) -> bool:
        """Whether the whole body is read; a small rest the app answered without reading (a 401) is read here."""
        body = self._body
        if body is None or body.limit - body.tell() > UNREAD_BODY_LIMIT:
            return False
        if not body.is_exhausted:
            # The client sends its body with the request, so it has arrived or is arriving; a client that
            # declared more than it sends gets `Connection: close` after the wait.
            self.connection.settimeout(UNREAD_BODY_WAIT)
            try:
                while not body.is_exhausted and body.read(UNREAD_BODY_LIMIT):
                    pass
            finally:
                self.connection.settimeout(self.timeout)
        return body.is_exhausted

    def log_request(self, *args, **kwargs) -> None:
        pass


def make_tls_context(leaf: trustme.LeafCert) -> ssl.SSLContext:
    """A server TLS context with the run's leaf certificate (every host name, from a CA made for this run)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context


def spki_sha256(leaf: trustme.LeafCert) -> str:
    """The base64 SHA-256 of the leaf certificate's SubjectPublicKeyInfo, as Chromium's
    --ignore-certificate-errors-spki-list takes it (services/network/ignore_errors_cert_verifier.cc)."""
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@contextlib.contextmanager
def in_background(server) -> Iterator[None]:
    """Serve `server` (a socketserver server: serve_forever, shutdown, server_close) in a thread of its own for the
    block, then stop it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def find_nginx() -> str | None:
    """nginx on PATH or where Debian puts it, else None."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


@contextlib.contextmanager
def nginx_proxy(leaf: trustme.LeafCert, upstream_port: int, attempts: int = 5) -> Iterator[int]:
    """A real nginx terminating TLS on a loopback port and proxying to `upstream_port`; yields its port.

    nginx cannot bind port 0 and report the port, so the OS picks a free port for it; if another process
    takes that port first, nginx fails to bind and a new port is tried.
    """
    nginx = find_nginx()
    if nginx is None:
        raise RuntimeError(
            "nginx is not installed: on Debian `apt-get install nginx-light`, elsewhere put nginx on PATH"
        )
    with tempfile.TemporaryDirectory(prefix="cm-nginx-") as folder:
        leaf.private_key_and_cert_chain_pem.write_to_path(os.path.join(folder, "server.pem"))
        for _ in range(attempts):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            conf = os.path.join(folder, "nginx.conf")
            with open(conf, "w") as f:
                f.write(NGINX_CONF.format(dir=folder, port=port, upstream=upstream_port))
            process = subprocess.Popen(
                [nginx, "-c", conf, "-p", folder, "-e", os.path.join(folder, "error.log")],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            if _wait_listening(port, process):
                try:
                    yield port
                finally:
                    process.terminate()
                    process.wait(timeout=10)
                return
            process.wait(timeout=10)
        raise RuntimeError(f"nginx did not start: {process.stderr.read().decode(errors='replace')[-500:]}")


def _wait_listening(port: int, process: subprocess.Popen, timeout: float = 10.0) -> bool:
    """Wait until `port` accepts connections (True) or the process exits first (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            try:
                process.wait(timeout=0.02)  # not listening yet: wait on the process, which may have failed
                return False
            except subprocess.TimeoutExpired:
                continue
    return False


class TestHosts:
    """The API and page behind every named origin; start with `TestHosts.running()`."""

    __test__ = False  # not a pytest test class

    def __init__(self, state: ApiState, servers: dict[str, BaseWSGIServer], ca: trustme.CA, leaf: trustme.LeafCert):
        self.state, self.ca = state, ca
        # The one leaf certificate every TLS listener and the proxy present: what a browser is told to trust
        self.certificate_spki = spki_sha256(leaf)
        self.ports = {name: server.server_port for name, server in servers.items()}

    @classmethod
    @contextlib.contextmanager
    def running(cls, settings: Settings | None = None, proxy: bool = True) -> Iterator[TestHosts]:
        """Bind every listener on port 0 of 127.0.0.1 (and nginx, if `proxy`), serve, then stop them all."""
        state = ApiState(settings)
        app = create_app(state)
        ca = trustme.CA()
        leaf = ca.issue_cert(*HOST_NAMES)
        tls = make_tls_context(leaf)
        with contextlib.ExitStack() as stack:
            servers: dict[str, BaseWSGIServer] = {}
            for name in LISTENERS:
                servers[name] = make_server(
                    "127.0.0.1",
                    0,
                    app,
                    threaded=True,
                    request_handler=_QuietHandler,
                    ssl_context=tls if name.startswith("https") else None,
                )
                stack.callback(servers[name].server_close)
            # The sockets listen once make_server returns: connections queue until served.
            for server in servers.values():
                thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
                thread.start()
                stack.callback(thread.join, 5)
                stack.callback(server.shutdown)
            hosts = cls(state, servers, ca, leaf)
            refusing = stack.enter_context(socket.socket())
            refusing.bind(("127.0.0.1", 0))  # holds the port; without listen() every connection is refused
            hosts.ports[REFUSING_LISTENER] = refusing.getsockname()[1]
            if proxy and find_nginx():
                hosts.ports[PROXY_LISTENER] = stack.enter_context(nginx_proxy(leaf, hosts.ports["http"]))
            yield hosts

    def origin(self, name: str) -> str:
        """The serialized origin, e.g. 'https://app.site-a.test:40123'."""
        try:
            o = ORIGINS[name]
        except KeyError:
            raise KeyError(f"unknown origin {name!r}; the named origins are {sorted(ORIGINS)}") from None
        if o.listener not in self.ports:
            raise RuntimeError(
                f"origin {name!r} needs the {o.listener!r} listener, which is not running: "
                "install nginx (Debian: apt-get install nginx-light) for the proxy origin"
            )
        return f"{o.scheme}://{o.host}:{self.ports[o.listener]}"

    def name_of(self, origin: str) -> str:
        """The name of the origin serialized as `origin` on this run's ports (the inverse of `origin`)."""
        for name in ORIGINS:
            if ORIGINS[name].listener in self.ports and self.origin(name) == origin:
                return name
        raise KeyError(f"{origin!r} is none of this run's named origins: {sorted(map(self.origin, self._running()))}")

    def _running(self) -> list[str]:
        return [name for name, o in ORIGINS.items() if o.listener in self.ports]

    def url(self, name: str, path: str = "/") -> str:
        """A URL on a named origin."""
        return self.origin(name) + path

    def accepting(self, name: str) -> bool:
        """Whether the listener behind a named origin accepts TCP connections right now."""
        try:
            socket.create_connection(("127.0.0.1", self.ports[ORIGINS[name].listener]), timeout=2).close()
            return True
        except OSError:
            return False

    def configure(self, settings: Settings) -> None:
        """Set how the API issues its cookie and answers CORS for the next case."""
        self.state.configure(settings)

    def reset(self) -> None:
        """Forget sessions, resources and recorded requests; back to default settings."""
        self.state.reset()
