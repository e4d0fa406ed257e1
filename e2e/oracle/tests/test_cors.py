"""Fetch's CORS check and CORS-preflight checks, step by step (e2e/oracle/cors.py)."""

from __future__ import annotations

import pytest

from e2e.oracle.cors import PreflightCache, cors_check, max_age, preflight_check
from e2e.oracle.tests.examples import (
    APP,
)


@pytest.mark.parametrize(
    "headers, credentials, expected",
    [
        pytest.param({}, "omit", (False, "cors-no-allow-origin"), id="no_acao"),
        pytest.param(
            {"Access-Control-Allow-Origin": "*"}, "same-origin", (True, "cors-allowed"), id="star_without_credentials"
        ),
        pytest.param(
            {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true"},
            "include",
            (False, "cors-wildcard-credentials"),
            id="star_with_credentials",
        ),
        pytest.param(
            {"Access-Control-Allow-Origin": "https://other.test"},
            "omit",
            (False, "cors-origin-mismatch"),
            id="other_origin",
        ),
        pytest.param(
            {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "TRUE"},
            "include",
            (False, "cors-credentials-not-allowed"),
            id="acac_not_exactly_true",
        ),
        pytest.param(
            {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "true"},
            "include",
            (True, "cors-allowed"),
            id="exact_origin_and_acac",
        ),
    ],
)
def test_cors_check(headers, credentials, expected):
    """Fetch #concept-cors-check, step by step."""
    assert cors_check(headers, APP, credentials) == expected


@pytest.mark.parametrize(
    "allow_headers, credentials, ok",
    [
        pytest.param("Content-Type", "include", True, id="listed"),
        pytest.param("X-Other", "omit", False, id="not_listed"),
        pytest.param("*", "omit", True, id="star_without_credentials"),
        pytest.param("*", "include", False, id="star_with_credentials"),
    ],
)
def test_preflight_needs_content_type_allowed(allow_headers, credentials, ok):
    """Fetch #cors-preflight-fetch; WPT fetch/api/cors/cors-preflight-star.any.js."""
    headers = {
        "Access-Control-Allow-Origin": APP,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Headers": allow_headers,
    }
    assert preflight_check(headers, APP, credentials, "POST", ("content-type",))[0] is ok


@pytest.mark.parametrize(
    "allow_headers, credentials, non_wildcard, expected",
    [
        pytest.param(
            "*",
            "omit",
            ("authorization",),
            (False, "fetch-preflight-authorization-not-wildcard"),
            id="star_never_covers_authorization",
        ),  # fmt: skip
        pytest.param("*", "omit", (), (True, "cors-allowed"), id="engine_whose_star_covers_authorization"),
        pytest.param("*", "include", (), (False, "fetch-preflight-wildcard-credentials"), id="star_with_credentials"),
        pytest.param(
            "Content-Type, Authorization", "include", ("authorization",), (True, "cors-allowed"), id="named"
        ),  # fmt: skip
        pytest.param(
            "content-type",
            "include",
            ("authorization",),
            (False, "fetch-preflight-authorization-not-wildcard"),
            id="authorization_missing",
        ),  # fmt: skip
    ],
)
def test_preflight_authorization(allow_headers, credentials, non_wildcard, expected):
    """Fetch #cors-preflight-fetch steps 7.6-7.7: Authorization is a CORS non-wildcard request-header name; WPT
    fetch/api/cors/cors-preflight-star.any.js ("authorization" not covered by "*")."""
    headers = {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "true",
               "Access-Control-Allow-Headers": allow_headers}  # fmt: skip
    assert (
        preflight_check(headers, APP, credentials, "GET", ("authorization", "content-type"), non_wildcard) == expected
    )


def test_preflight_method_must_be_allowed():
    """Fetch #cors-preflight-fetch step 7.5: a method that is not CORS-safelisted must be listed."""
    headers = {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "true",
               "Access-Control-Allow-Methods": "GET, POST"}  # fmt: skip
    assert preflight_check(headers, APP, "include", "DELETE", ()) == (False, "fetch-preflight-check")
    assert preflight_check(headers, APP, "include", "POST", ())[0]


ANSWER = {"Access-Control-Allow-Methods": "GET, POST", "Access-Control-Allow-Headers": "Content-Type, Authorization"}
URL = "https://api.site-b.test/api/resources"


def test_cache_covers_the_headers_the_answer_listed():
    """#cors-preflight-fetch steps 7.12-15 cache every listed header name, not only the requested ones: a GET's
    preflight for Authorization covers a later JSON POST to the same URL, from the same origin, until it expires."""
    cache = PreflightCache()
    cache.store(APP, URL, "include", ANSWER, 600, now=1000)
    unsafe = ("authorization", "content-type")
    assert not cache.needs_preflight(APP, URL, "include", "POST", unsafe, now=1599)
    assert cache.needs_preflight(APP, URL, "include", "POST", unsafe, now=1600), "expired"
    assert cache.needs_preflight(APP, URL + "x", "include", "POST", unsafe, now=1001), "another URL"
    assert cache.needs_preflight("https://evil.test", URL, "include", "POST", unsafe, now=1001), "another origin"
    assert cache.needs_preflight(APP, URL, "include", "POST", ("x-other",), now=1001), "a header not listed"


def test_cache_credentials():
    """#concept-cache-match: an entry of a request without credentials does not cover one with them; the reverse
    holds."""
    cache = PreflightCache()
    cache.store(APP, URL, "omit", ANSWER, 600, now=0)
    assert cache.needs_preflight(APP, URL, "include", "POST", ("content-type",), now=1)
    cache.store(APP, URL, "include", ANSWER, 600, now=0)
    assert not cache.needs_preflight(APP, URL, "omit", "POST", ("content-type",), now=1)


def test_cache_max_age():
    """#cors-preflight-fetch steps 7.8-10: 5 s without the header, the engine's cap above it; 0 caches nothing."""
    assert max_age({}, cap=7200) == 5
    assert max_age({"Access-Control-Max-Age": "86400"}, cap=7200) == 7200
    cache = PreflightCache()
    cache.store(APP, URL, "include", ANSWER, 0, now=0)
    assert cache.entries == []
