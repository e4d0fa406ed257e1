"""explain --verify maps any origins onto local names with the same relations (pure, no browser)."""

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
