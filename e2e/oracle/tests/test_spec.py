"""The spec of a case: what it refuses, with a message that says what to change (e2e/oracle/spec.py)."""

from __future__ import annotations

import re

import pytest

from e2e.oracle.tests.examples import (
    flow,
)
from e2e.oracle.vocabulary import OracleInputError


@pytest.mark.parametrize(
    "change, message",
    [
        pytest.param({"set_cookie": ""}, "is empty", id="empty_line"),
        pytest.param({"set_cookie": "Set-Cookie: sid=X"}, "header name", id="header_name_included"),
        pytest.param({"set_cookie": "sidX; Path=/"}, "NAME=VALUE", id="no_equals"),
        pytest.param({"set_cookie": "s id=X"}, "not an HTTP token", id="bad_name"),
        pytest.param({"set_cookie": "sid=X\r\nEvil: 1"}, "control character", id="line_break"),
        pytest.param({"logout_set_cookie": "=nothing"}, "logout_set_cookie", id="bad_logout_line"),
        pytest.param({"credentials": "same_origin"}, "credentials must be one of", id="credentials"),
        pytest.param({"mode": "navigate"}, "mode must be one of", id="mode"),
        pytest.param({"cors": "star"}, "cors must be one of", id="cors"),
        pytest.param({"page": "app.site-a.test"}, "scheme://host[:port]", id="origin_without_scheme"),
        pytest.param({"api": "https://api.site-b.test/api"}, "no path", id="origin_with_path"),
        pytest.param({"api": "ftp://api.site-b.test"}, "only http and https", id="origin_scheme"),
        pytest.param({"api": "https://api.site-b.test:99999"}, "outside 1-65535", id="origin_port"),
        pytest.param({"cors": "allowlist", "allowlist": ()}, "at least one origin", id="empty_allowlist"),
    ],
)
def test_input_errors_say_what_to_change(change, message):
    with pytest.raises(OracleInputError, match=re.escape(message)):
        flow(**change)


def test_input_error_is_a_value_error():
    assert issubclass(OracleInputError, ValueError)
