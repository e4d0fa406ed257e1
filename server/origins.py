"""The test hosts' named origins, as pure data: every origin the suite uses, named once, with the listener that
serves it. No sockets, no TLS: the hosts that bind these listeners are in hosts.py.

Names under the reserved .test TLD (RFC 6761) give real site boundaries with no DNS: app.site-a.test and
api.site-a.test share the registrable domain site-a.test; site-b.test and evil.test are other sites. The browsers
map them to loopback through their own settings (playwright.config.py).
"""

from __future__ import annotations

from dataclasses import dataclass

TEST_DOMAINS = (
    "app.site-a.test",
    "api.site-a.test",
    "evil.site-a.test",
    "api.site-b.test",
    "evil.test",
    "idp.site-c.test",
    # The pages that frame the client (slice_embedded): a page of the client's own site, a partner's portal on another
    # site, and a second partner on a third.
    "www.site-a.test",
    "portal.site-d.test",
    "shop.site-e.test",
)
HOST_NAMES = TEST_DOMAINS + ("localhost", "127.0.0.1")

# Four listeners, each serving every host name: two per scheme, so that a same-host origin on another port exists
# for both; the proxy (nginx ending TLS in front of the http listener) and a port that refuses connections.
LISTENERS = ("https", "https_alt", "http", "http_alt")
PROXY_LISTENER = "proxy"
REFUSING_LISTENER = "refusing"


@dataclass(frozen=True)
class NamedOrigin:
    """A scheme, host and listener; the port is known once the listener is bound."""

    scheme: str
    host: str
    listener: str


ORIGINS = {
    "app_https": NamedOrigin("https", "app.site-a.test", "https"),
    "app_https_alt_port": NamedOrigin("https", "app.site-a.test", "https_alt"),
    "api_site_a_https": NamedOrigin("https", "api.site-a.test", "https"),
    "api_site_b_https": NamedOrigin("https", "api.site-b.test", "https"),
    "evil_https": NamedOrigin("https", "evil.test", "https"),
    "evil_sibling_https": NamedOrigin("https", "evil.site-a.test", "https"),
    # An identity provider on a third site (slice_idp_return): the same app, whose /idp/authorize is the provider's.
    "idp_https": NamedOrigin("https", "idp.site-c.test", "https"),
    # The top-level pages that frame the client (slice_embedded, client/embed.html): same-site with it, and two
    # cross-site partners (the second sees none of the first one's partitioned cookies).
    "embedder_same_site_https": NamedOrigin("https", "www.site-a.test", "https"),
    "embedder_cross_site_https": NamedOrigin("https", "portal.site-d.test", "https"),
    "embedder_second_https": NamedOrigin("https", "shop.site-e.test", "https"),
    "app_http": NamedOrigin("http", "app.site-a.test", "http"),
    "api_site_a_http": NamedOrigin("http", "api.site-a.test", "http"),
    "api_site_b_http": NamedOrigin("http", "api.site-b.test", "http"),
    "localhost_http": NamedOrigin("http", "localhost", "http"),
    "localhost_http_alt_port": NamedOrigin("http", "localhost", "http_alt"),
    "loopback_ip_http": NamedOrigin("http", "127.0.0.1", "http"),
    # The production setup: nginx terminates TLS and proxies to the plain-http app.
    "app_https_proxy": NamedOrigin("https", "app.site-a.test", PROXY_LISTENER),
    # A host that refuses connections: its port is bound but never listens (fault-injection tests).
    "refusing_https": NamedOrigin("https", "api.site-b.test", REFUSING_LISTENER),
}
