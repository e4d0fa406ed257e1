"""Fetch's CORS check and CORS-preflight checks, step by step (e2e/oracle/cors.py)."""

from __future__ import annotations

import pytest

from e2e.oracle.cors import cors_check, preflight_check
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
    assert preflight_check(headers, APP, credentials)[0] is ok
