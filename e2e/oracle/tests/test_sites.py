"""Sites: registrable domains from the Public Suffix List and same-site (e2e/oracle/sites.py)."""

from __future__ import annotations

import pytest

from e2e.oracle.sites import parse_origin, registrable_domain, same_site


@pytest.mark.parametrize(
    "a, b, expected",
    [
        pytest.param("https://shop.example.co.uk", "https://api.example.co.uk", True, id="psl_same_registrable"),
        pytest.param("https://shop.example.co.uk", "https://api.other.co.uk", False, id="psl_other_registrable"),
        pytest.param("https://app.site-a.test:1", "https://api.site-a.test:2", True, id="ports_never_count"),
        pytest.param("https://a.github.io", "https://b.github.io", False, id="psl_private_section"),
        pytest.param("http://localhost:1", "http://127.0.0.1:1", False, id="localhost_vs_ip"),
        pytest.param("http://app.localhost", "http://api.localhost", False, id="localhost_is_a_suffix"),
        pytest.param("http://x.site.localhost", "http://y.site.localhost", True, id="under_site_localhost"),
    ],
)
def test_same_site_uses_the_public_suffix_list(a, b, expected):
    """HTML #same-site examples; environment.md (localhost names)."""
    assert same_site(parse_origin(a, "a"), parse_origin(b, "b"), schemeful=True) is expected


def test_registrable_domains():
    assert [registrable_domain(h) for h in ("shop.example.co.uk", "api.site-a.test", "localhost", "127.0.0.1")] == [
        "example.co.uk",
        "site-a.test",
        "localhost",
        "127.0.0.1",
    ]
