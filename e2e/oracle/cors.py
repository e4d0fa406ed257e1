"""The CORS protocol as the browser applies it: Fetch's CORS check of a response and the checks of a CORS-preflight
response. What the server answers is server.py's; when the browser preflights is browser.py's.
"""

from __future__ import annotations


def cors_check(headers: dict[str, str], origin: str | None, credentials: str) -> tuple[bool, str]:
    """Fetch #concept-cors-check: whether the response passes, and the rule that decided."""
    acao = headers.get("Access-Control-Allow-Origin")
    if acao is None:
        return False, "cors-no-allow-origin"
    if acao == "*" and credentials != "include":
        return True, "cors-allowed"
    if acao != origin:
        return False, "cors-wildcard-credentials" if acao == "*" else "cors-origin-mismatch"
    if credentials != "include":
        return True, "cors-allowed"
    if headers.get("Access-Control-Allow-Credentials") != "true":
        return False, "cors-credentials-not-allowed"
    return True, "cors-allowed"


def preflight_check(headers: dict[str, str], origin: str | None, credentials: str) -> tuple[bool, str]:
    """Fetch #cors-preflight-fetch for a POST with Content-Type (a 204 is an ok status): the CORS check, then the
    header list (a '*' there does not cover a credentialed request)."""
    ok, rule = cors_check(headers, origin, credentials)
    if not ok:
        return ok, rule
    allowed = [h.strip().lower() for h in headers.get("Access-Control-Allow-Headers", "").split(",")]
    if "content-type" in allowed or ("*" in allowed and credentials != "include"):
        return True, rule
    return False, "fetch-preflight-check"
