"""The test hosts: named origins on loopback, real HTTP and HTTPS listeners on OS-chosen ports."""

from __future__ import annotations

import contextlib
import ssl
import threading
from dataclasses import dataclass
from typing import Iterator, Optional

import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import ApiState, create_app
from .config import Settings

# Names under the reserved .test TLD (RFC 6761): real site boundaries with no DNS.
# app.site-a.test and api.site-a.test share the registrable domain site-a.test; site-b.test and evil.test
# are other sites. The browsers map them to loopback through their own settings (see playwright.config.py).
TEST_DOMAINS = ("app.site-a.test", "api.site-a.test", "evil.site-a.test", "api.site-b.test", "evil.test")
HOST_NAMES = TEST_DOMAINS + ("localhost", "127.0.0.1")

# Four listeners, each serving every host name: two per scheme so that a same-host origin on another
# port exists for both.
LISTENERS = ("https", "https_alt", "http", "http_alt")


@dataclass(frozen=True)
class Origin:
    """A scheme, host and listener; the port is known once the listener is bound."""

    scheme: str
    host: str
    listener: str


# Every origin the suite uses, named once. Tests and cases refer to these names only.
ORIGINS = {
    "app_https": Origin("https", "app.site-a.test", "https"),
    "app_https_alt_port": Origin("https", "app.site-a.test", "https_alt"),
    "api_site_a_https": Origin("https", "api.site-a.test", "https"),
    "api_site_b_https": Origin("https", "api.site-b.test", "https"),
    "evil_https": Origin("https", "evil.test", "https"),
    "evil_sibling_https": Origin("https", "evil.site-a.test", "https"),
    "app_http": Origin("http", "app.site-a.test", "http"),
    "api_site_a_http": Origin("http", "api.site-a.test", "http"),
    "api_site_b_http": Origin("http", "api.site-b.test", "http"),
    "localhost_http": Origin("http", "localhost", "http"),
    "localhost_http_alt_port": Origin("http", "localhost", "http_alt"),
    "loopback_ip_http": Origin("http", "127.0.0.1", "http"),
}


class _QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive (browsers reuse connections as with any real server), no access log."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        pass


def make_tls_context(ca: trustme.CA) -> ssl.SSLContext:
    """A server TLS context with a leaf certificate for every host name, from a CA made for this run."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*HOST_NAMES).configure_cert(context)
    return context


class TestHosts:
    """The API and page behind every named origin; start with `TestHosts.running()`."""

    __test__ = False  # not a pytest test class

    def __init__(self, state: ApiState, servers: dict[str, BaseWSGIServer], ca: trustme.CA):
        self.state, self._servers, self.ca = state, servers, ca
        self.ports = {name: server.server_port for name, server in servers.items()}

    @classmethod
    @contextlib.contextmanager
    def running(cls, settings: Optional[Settings] = None) -> Iterator["TestHosts"]:
        """Bind every listener on port 0 of 127.0.0.1, serve until the block ends, then stop them."""
        state = ApiState(settings)
        app = create_app(state)
        ca = trustme.CA()
        tls = make_tls_context(ca)
        servers: dict[str, BaseWSGIServer] = {}
        threads: dict[str, threading.Thread] = {}
        try:
            for name in LISTENERS:
                servers[name] = make_server(
                    "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler,
                    ssl_context=tls if name.startswith("https") else None,
                )
            # The sockets are listening once make_server returns: connections queue until served.
            for name, server in servers.items():
                threads[name] = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
                threads[name].start()
            yield cls(state, servers, ca)
        finally:
            for name, server in servers.items():
                if name in threads:
                    server.shutdown()
                    threads[name].join(timeout=5)
                server.server_close()

    def origin(self, name: str) -> str:
        """The serialized origin, e.g. 'https://app.site-a.test:40123'."""
        try:
            o = ORIGINS[name]
        except KeyError:
            raise KeyError(f"unknown origin {name!r}; the named origins are {sorted(ORIGINS)}") from None
        return f"{o.scheme}://{o.host}:{self.ports[o.listener]}"

    def url(self, name: str, path: str = "/") -> str:
        """A URL on a named origin."""
        return self.origin(name) + path

    def configure(self, settings: Settings) -> None:
        """Set how the API issues its cookie and answers CORS for the next case."""
        self.state.configure(settings)

    def reset(self) -> None:
        """Forget sessions, resources and recorded requests; back to default settings."""
        self.state.reset()
