"""The spec of a case: what it refuses, with a message that says what to change (e2e/oracle/spec.py)."""

from __future__ import annotations

import re

import pytest

from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.tests.examples import APP, flow
from e2e.oracle.vocabulary import OracleInputError


@pytest.mark.parametrize(
    "change, message",
    [
        pytest.param({"set_cookie": "sid=X\r\nEvil: 1"}, "CR, LF or NUL", id="line_break"),
        pytest.param({"set_cookie": "sid=X\x00"}, "CR, LF or NUL", id="nul"),
        pytest.param({"logout_set_cookie": "sid=; Max-Age=0\n"}, "logout_set_cookie", id="line_break_in_logout"),
        pytest.param({"set_cookie": ()}, "at least one line", id="no_line"),
        pytest.param({"set_cookie": 42}, "must be a string", id="not_a_string"),
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


def test_script_writes_are_lines_of_any_kind_but_not_one_string():
    """document.cookie takes any string (a control character makes it ignored, not an error); a bare string where a
    tuple belongs says so."""
    spec = FlowSpec(APP, APP, ServerSpec(set_cookie="a=1"), script_writes=["x=1", "y\x00=2", ""])
    assert spec.script_writes == ("x=1", "y\x00=2", "")
    with pytest.raises(OracleInputError, match="tuple of lines"):
        FlowSpec(APP, APP, ServerSpec(set_cookie="a=1"), script_writes="x=1")
