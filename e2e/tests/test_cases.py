"""The case matrix as data, without a browser: a case is built from a cookie or from exact lines, and the parsing
slice sends WPT's own lines."""

from __future__ import annotations

import pytest

from e2e.cases import PARSING_WPT, SCRIPT_WPT, Case, parsing_slice
from e2e.harness.verdict import compares_cookie_text
from e2e.oracle.wpt.conformance import load
from server.config import CookieConfig


class Hosts:
    @staticmethod
    def origin(name: str) -> str:
        return {"app_https": "https://app.site-a.test:8443", "app_http": "http://app.site-a.test:8080"}[name]


def test_a_case_has_a_cookie_or_exact_lines():
    """Both or neither is a mistake that says what a case takes."""
    with pytest.raises(ValueError, match="either a cookie"):
        Case("slice_parsing", "same-origin", "same_origin-https", CookieConfig(), lines=("a=1",))
    with pytest.raises(ValueError, match="either a cookie"):
        Case("slice_parsing", "same-origin", "same_origin-https", None)


def test_the_parsing_slice_sends_wpt_lines_exactly_and_compares_them_as_text():
    """Each behaviour's lines are the named WPT cases' lines, verbatim, sent exactly; the script writes too."""
    wpt = {c.id: c for c in load()}
    cases = {c.extra_ids[0]: c for c in parsing_slice()}
    for behaviour, ids in PARSING_WPT.items():
        assert cases[behaviour].lines == tuple(line for i in ids for line in wpt[i].lines)
    for behaviour, wpt_id in SCRIPT_WPT.items():
        assert cases[behaviour].script_writes == wpt[wpt_id].lines
    for case in cases.values():
        spec = case.spec(Hosts())
        assert spec.server.exact and compares_cookie_text(spec) and case.source
        assert case.id.startswith("parsing-") and "samesite" not in case.id
