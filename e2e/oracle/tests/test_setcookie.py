"""Set-Cookie lines: cookie dates, parsing, the server's deletion line (e2e/oracle/setcookie.py)."""

from __future__ import annotations

import pytest

from e2e.oracle.setcookie import parse_cookie_date


@pytest.mark.parametrize(
    "date, expected",
    [
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("Wed, 21 Oct 15 07:28:00 GMT", 1445412480.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777.0),
        ("06-Nov-94 08:49:37", 784111777.0),
        ("Feb 30 2020 00:00:00", None),
        ("Jan 01 1600 00:00:00", None),
        ("tomorrow", None),
    ],
)
def test_cookie_date(date, expected):
    """6265bis §5.1.1 (two-digit years, the 1601 floor, impossible dates)."""
    assert parse_cookie_date(date) == expected
