"""The WPT extractor on a small tree of its own: each helper call becomes a case with its page, lines, expectation
and line; a page opened by another runs on the origin it was opened at; what it cannot take is skipped with why."""

from __future__ import annotations

import pytest

from e2e.oracle.wpt import extract

PAGE = """<!doctype html>
<script src="/cookies/resources/cookie-test.js"></script>
<script>
  httpCookieTest("a=1", "a=1", "one line");
  httpCookieTest(["a=1", "b=2"], "a=1; b=2", "two lines, read at the page", false);
  httpCookieTest("a=1\\nb", "a=1", "a line holding LF");
  domCookieTest("c=3; Secure", "", "a script write");
  async_test(t => t.done(), "written inline");
  window.open("http://{{domains[www]}}:{{ports[http][0]}}/cookies/name/resources/child.sub.html");
</script>
"""
CHILD = """<script>
  httpRedirectCookieTest("d=4; Domain={{host}}", "d=4", "read after a redirect", "/cookies/name/resources/r.html");
</script>
"""
PREFIX = """<script>
  set_prefixed_cookie_via_http_test({prefix: "__Host-", params: "Secure; Path=/", origin: self.origin,
                                     shouldExistViaHTTP: true, title: "set by HTTP"});
  set_prefixed_cookie_via_dom_test({prefix: "__Secure-", params: "Path=/", shouldExistInDOM: false,
                                    shouldExistViaHTTP: false, title: "set by script"});
</script>
"""


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    root = tmp_path_factory.mktemp("wpt")
    for path, text in {"cookies/name/page.sub.html": PAGE, "cookies/name/resources/child.sub.html": CHILD,
                       "cookies/prefix/p.https.html": PREFIX}.items():  # fmt: skip
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return extract.extract(root, "example/wpt", "0" * 40)


def by_title(data, title):
    return next(c for c in data["cases"] if c["title"] == title)


def test_an_http_case_sets_at_cookie_py_and_reads_at_the_default_path_or_the_page(extracted):
    """httpCookieTest: lines from cookie.py; document.cookie at echo-cookie.html, or at the page when asked."""
    one = by_title(extracted, "one line")
    assert one["via"] == "http" and one["lines"] == ["a=1"]
    assert one["set"] == "http://web-platform.test:8000/cookies/resources/cookie.py"
    assert one["expect"] == {"document_cookie": "a=1", "at": "http://web-platform.test:8000" + extract.ECHO}
    two = by_title(extracted, "two lines, read at the page")
    assert two["lines"] == ["a=1", "b=2"]
    assert two["expect"]["at"] == "http://web-platform.test:8000/cookies/name/page.sub.html"
    assert one["source"] == {"repo": "example/wpt", "path": "cookies/name/page.sub.html", "commit": "0" * 40,
                             "line": 4}  # fmt: skip
    assert one["id"] == "name/page.sub.html:4"


def test_a_script_write_is_a_dom_case_read_at_its_page(extracted):
    """domCookieTest: document.cookie writes and the read on the test page."""
    dom = by_title(extracted, "a script write")
    assert dom["via"] == "dom" and dom["set"] == dom["page"] == dom["expect"]["at"]


def test_a_page_opened_by_a_test_runs_on_the_origin_it_was_opened_at(extracted):
    """window.open from a test page: the child's cases are on its own origin, substitutions applied."""
    child = by_title(extracted, "read after a redirect")
    assert child["page"] == "http://www.web-platform.test:8000/cookies/name/resources/child.sub.html"
    assert child["lines"] == ["d=4; Domain=web-platform.test"]
    assert child["expect"]["at"] == "http://www.web-platform.test:8000/cookies/name/resources/r.html"


def test_the_prefix_helpers_give_their_cookie_line_and_what_is_checked(extracted):
    """The prefix helpers: name, value and params as one line; list.py on the options' origin, or the page's."""
    http = by_title(extracted, "set by HTTP")
    assert http["lines"] == ["__Host-prefixtestcookie=0.5;Secure; Path=/"]
    assert http["set"] == "https://web-platform.test:8443" + extract.SET_PY
    assert http["expect"] == {"cookie": ["__Host-prefixtestcookie", "0.5"], "sent": True,
                              "to": "https://web-platform.test:8443" + extract.LIST_PY}  # fmt: skip
    dom = by_title(extracted, "set by script")
    assert dom["via"] == "dom" and dom["expect"]["in_dom"] is False and dom["expect"]["sent"] is False


def test_what_cannot_be_taken_is_skipped_with_its_reason(extracted):
    """A line with LF sent by HTTP, and a test written inline, are skipped, each with why and where."""
    reasons = {s["title"]: s["reason"] for s in extracted["skipped"]}
    assert reasons["a line holding LF"] == extract.UNSENDABLE
    assert reasons["written inline"] == extract.NOT_RECORDED["async_test"]
    assert all(s["source"]["line"] for s in extracted["skipped"])


def test_a_tree_without_provenance_is_refused(tmp_path):
    """Without --repo and --commit, or a MANIFEST.json, the extractor says what to give."""
    (tmp_path / "cookies").mkdir()
    with pytest.raises(SystemExit, match="MANIFEST.json"):
        extract.provenance(tmp_path, None, None)
    with pytest.raises(SystemExit, match="--commit"):
        extract.provenance(tmp_path, "example/wpt", None)
