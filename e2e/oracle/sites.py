"""Origins and sites: parsing a serialized origin, registrable domains from the Public Suffix List, same-site,
secure URLs. Nothing about cookies or requests lives here.

Sources: HTML "origin", "same site", "schemelessly same site", "obtain a site"; the Public Suffix List through the
`publicsuffixlist` package (ICANN and private sections, as the browsers use it); Secure Contexts "potentially
trustworthy origin".
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from e2e.oracle.vocabulary import OracleInputError

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    """A tuple origin (HTML): scheme, canonical host, port."""

    scheme: str
    host: str
    port: int

    def serialized(self) -> str:
        """HTML 'serialization of an origin': the default port is left out."""
        return f"{self.scheme}://{self.host}" + ("" if self.port == DEFAULT_PORTS[self.scheme] else f":{self.port}")


_ORIGIN = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:?#\[\]]+)"
    r"(?::(?P<port>[0-9]+))?(?P<rest>.*)$"
)
_HOST_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$")


def parse_origin(value: str, what: str) -> Origin:
    """A serialized origin such as 'https://app.site-a.test:8443', or an OracleInputError saying what to write."""
    hint = f"write {what} as scheme://host[:port], e.g. 'https://app.site-a.test:8443' or 'http://localhost:8080'"
    m = _ORIGIN.match(value) if isinstance(value, str) else None
    if not m:
        raise OracleInputError(f"{what} {value!r} is not a serialized origin; {hint}")
    scheme, host, port, rest = m["scheme"].lower(), m["host"].lower(), m["port"], m["rest"]
    if scheme not in DEFAULT_PORTS:
        raise OracleInputError(f"{what} {value!r} has scheme {scheme!r}; the suite serves only http and https: {hint}")
    if rest:
        raise OracleInputError(f"{what} {value!r} has {rest!r} after the host and port; an origin has no path: {hint}")
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise OracleInputError(f"{what} {value!r} has an invalid IPv6 address; {hint}") from None
    elif not is_ip(host) and not all(label and _HOST_LABEL.match(label) for label in host.split(".")):
        raise OracleInputError(
            f"{what} {value!r} has an invalid host {host!r} (ASCII letters, digits, '-' and '.'); {hint}"
        )
    number = int(port) if port else DEFAULT_PORTS[scheme]
    if not 0 < number < 65536:
        raise OracleInputError(f"{what} {value!r} has port {number}, outside 1-65535; {hint}")
    return Origin(scheme, host, number)


@cache  # a run has a handful of hosts; the rules ask about them thousands of times
def is_ip(host: str) -> bool:
    """Whether `host` is an IPv4 or IPv6 address (bracketed or not)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _psl():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()  # the list the package ships, ICANN and private sections, like the browsers


def is_public_suffix(domain: str) -> bool:
    """Whether `domain` is a public suffix (6265bis §5.7 step 9); never true of an IP address."""
    return not is_ip(domain) and bool(_psl().is_public(domain))


@cache
def registrable_domain(host: str) -> str:
    """HTML 'obtain a site', host part: the registrable domain from the PSL, or the host itself (IPs, suffixes)."""
    if is_ip(host):
        return host
    return _psl().privatesuffix(host) or host


def same_site(a: Origin, b: Origin, schemeful: bool) -> bool:
    """HTML 'same site' (schemeful) or 'schemelessly same site' of two origins."""
    return registrable_domain(a.host) == registrable_domain(b.host) and (not schemeful or a.scheme == b.scheme)


def site_of(origin: Origin) -> str:
    """A site serialized as partition keys are: 'https://site-a.test'."""
    return f"{origin.scheme}://{registrable_domain(origin.host)}"


def is_loopback(host: str) -> bool:
    """localhost, *.localhost, 127.0.0.0/8 or ::1 (Secure Contexts, 'potentially trustworthy origin')."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    return is_ip(host) and ipaddress.ip_address(host.strip("[]")).is_loopback


def is_secure_url(origin: Origin, localhost_is_secure: bool) -> bool:
    """Whether a URL on `origin` 'denotes a secure connection' for cookies (6265bis §5.7 step 13, §5.8.3): https, or
    a loopback host where the browser counts it as secure."""
    return origin.scheme == "https" or (localhost_is_secure and is_loopback(origin.host))
