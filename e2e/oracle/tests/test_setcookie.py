"""Set-Cookie lines: cookie dates, parsing, the server's deletion line (e2e/oracle/setcookie.py)."""

from __future__ import annotations

import pytest

from e2e.oracle.setcookie import parse_cookie_date, parse_set_cookie
from e2e.oracle.vocabulary import OracleInputError


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


@pytest.mark.parametrize(
    "line, name, value, ignored",
    [
        pytest.param("token", "", "token", None, id="nameless"),
        pytest.param("=value", "", "value", None, id="empty_name"),
        pytest.param("user id = 7 ; Path=/", "user id", "7", None, id="non_token_name_trimmed"),
        pytest.param('"quoted"', "", '"quoted"', None, id="quoted_nameless"),
        pytest.param("тест=2", "тест", "2", None, id="utf8_name"),
        pytest.param("a=1\tb", "a", "1\tb", None, id="htab_allowed"),
        pytest.param("a=1\x01b", "a", "", "cookie-line-ctl", id="control_character"),
        pytest.param("a=1\x7f", "a", "", "cookie-line-ctl", id="delete_character"),
        pytest.param("t=" + "1" * 4095, "t", "1" * 4095, None, id="size_at_limit"),
        pytest.param("t=" + "1" * 4096, "t", "1" * 4096, "cookie-size-limit", id="size_over_limit"),
        pytest.param("", "", "", None, id="empty_line"),
    ],
)
def test_any_line_parses_as_a_browser_reads_it(line, name, value, ignored):
    """6265bis §5.6: every line is a cookie or an ignored line, never an input error."""
    sc = parse_set_cookie(line)
    assert (sc.name, sc.value, sc.ignored) == (name, value, ignored)


def test_an_attribute_value_over_1024_bytes_is_ignored_and_the_previous_one_stands():
    """6265bis §5.6 attribute step 6; WPT cookies/size/attributes.www.sub.html."""
    sc = parse_set_cookie(f"a=1; Path=/ok; Path=/{'x' * 1024}")
    assert sc.last("path") == "/ok"


def test_only_what_no_header_can_carry_is_an_input_error():
    """CR, LF and NUL cannot be in a Set-Cookie field value (RFC 9110 §5.5); from document.cookie they are CTLs."""
    for bad in ("a=1\r", "a=1\nb", "a=\x00"):
        with pytest.raises(OracleInputError, match="RFC 9110"):
            parse_set_cookie(bad)
        assert parse_set_cookie(bad, header=False).ignored == "cookie-line-ctl"
    with pytest.raises(OracleInputError, match="string"):
        parse_set_cookie(b"a=1")
