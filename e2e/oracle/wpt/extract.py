"""Extracts the cookie tests of web-platform-tests (WPT) into cases.json: every call of WPT's cookie test helpers in
the folders the oracle models, as data (the page, the Set-Cookie lines or document.cookie writes, what the test
expects), each with its provenance (repository, commit, file, line), and every test it could not take with why.

The test files' scripts run in Node (run_scripts.mjs) with recording stand-ins for the helpers; nothing is parsed
by hand. A WPT checkout, or any tree holding WPT's cookies/ files with a MANIFEST.json naming where each came from:

    python -m e2e.oracle.wpt.extract WPT_ROOT [--repo web-platform-tests/wpt --commit SHA]

MANIFEST.json (when there is no --repo) is a list of {"wpt_path", "repo", "repo_path", "commit"}, one per file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases.json"
RUNNER = HERE / "run_scripts.mjs"
FOLDERS = ("name", "value", "attributes", "path", "domain", "prefix", "size", "encoding", "ordering")
COOKIE_PY = "/cookies/resources/cookie.py"  # answers with the Set-Cookie lines it is given (httpCookieTest)
SET_PY = "/cookies/resources/set.py"  # answers with its query as one Set-Cookie line (the prefix helpers)
LIST_PY = "/cookies/resources/list.py"  # answers with the cookies its request carried
ECHO = "/cookies/resources/echo-cookie.html"  # where httpCookieTest reads document.cookie at the default path
HELPERS = ("cookies/resources/cookie-test.js", "cookies/resources/cookie-helper.sub.js")  # run with the tests
_UNSENDABLE = re.compile(r"[\r\n\x00]")
NOT_RECORDED = {
    "script-error": "the test is written against the DOM (iframes, echo-cookie.html's functions), not through the "
    "helpers the extractor records",
    "async_test": "an async_test written inline (iframes and fetches of its own), not through the recorded helpers",
    "promise_test": "a promise_test written inline, not through the recorded helpers",
    "test": "a synchronous test asserting on the page's own DOM, not through the recorded helpers",
}
UNSENDABLE = (
    "the Set-Cookie line holds CR, LF or NUL, which a header field value cannot carry (RFC 9110 §5.5): what the "
    "browser receives depends on the test server's framing of the message, not on the cookie rules"
)


def node_binary() -> str:
    """Node from PATH, else the one Playwright ships (found without importing Playwright)."""
    if found := shutil.which("node"):
        return found
    spec = importlib.util.find_spec("playwright")
    bundled = Path(spec.origin).parent / "driver" / "node" if spec and spec.origin else None
    if bundled and bundled.exists():
        return str(bundled)
    raise SystemExit("extract needs Node 18 or newer: install nodejs (Debian: apt install nodejs), or Playwright")


def test_files(root: Path) -> list[str]:
    """The WPT test pages of the modelled folders (pages under resources/ run when a test page opens them)."""
    pages = []
    for folder in FOLDERS:
        pages += [
            p.relative_to(root).as_posix()
            for p in sorted((root / "cookies" / folder).rglob("*.html"))
            if "resources" not in p.relative_to(root).parts
        ]
    return pages


def record_calls(root: Path, files: list[str]) -> list[dict]:
    """Every recorded helper call in `files` (run_scripts.mjs's output)."""
    run = subprocess.run([node_binary(), str(RUNNER), str(root), *files], capture_output=True, text=True,
                         timeout=120, check=False)  # fmt: skip
    if run.returncode:
        raise SystemExit(f"run_scripts.mjs failed: {run.stderr.strip()}")
    return json.loads(run.stdout)


def provenance(root: Path, repo: str | None, commit: str | None) -> dict[str, dict]:
    """wpt_path -> {repo, path, commit}: from --repo/--commit for a checkout, else from the tree's MANIFEST.json."""
    if repo:
        if not commit:
            raise SystemExit("--repo needs --commit (the checkout's commit: git rev-parse HEAD)")
        return {p.relative_to(root).as_posix(): {"repo": repo, "path": p.relative_to(root).as_posix(),
                                                 "commit": commit} for p in (root / "cookies").rglob("*")}  # fmt: skip
    manifest = root / "MANIFEST.json"
    if not manifest.exists():
        raise SystemExit(f"{root} has no MANIFEST.json: give --repo and --commit for a WPT checkout")
    return {e["wpt_path"]: {"repo": e["repo"], "path": e["repo_path"], "commit": e["commit"]}
            for e in json.loads(manifest.read_text()) if "repo" in e}  # fmt: skip


def title_line(text: str, title: str, call_line: int) -> int:
    """The line of the file where the test's title is written (a case in a table of cases), else the call's."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if f'"{title}"' in line or f"'{title}'" in line]
    return hits[0] if len(hits) == 1 else call_line


def _lines(cookie) -> list[str]:
    return [cookie] if isinstance(cookie, str) else list(cookie)


def _given(args: list, index: int, default):
    """An optional argument as JavaScript passes it: JSON has turned `undefined` (the default applies) into null."""
    return default if len(args) <= index or args[index] is None else args[index]


def case_from_call(call: dict) -> dict:
    """One recorded helper call as a case: page, how the cookies are set, what the test expects (titles aside)."""
    fn, args, page = call["function"], call["args"], urljoin(call["origin"], "/" + call["file"])
    origin = call["origin"]
    if fn in ("httpCookieTest", "httpRedirectCookieTest"):
        cookie, expected, title = args[0], args[1], args[2]
        if fn == "httpRedirectCookieTest":
            at = urljoin(page, args[3])
        else:
            at = urljoin(origin, ECHO) if _given(args, 3, True) else page
        allow_failure = fn == "httpCookieTest" and bool(_given(args, 4, False))
        return {"title": title, "page": page, "via": "http", "set": urljoin(origin, COOKIE_PY),
                "lines": _lines(cookie), "expect": {"document_cookie": expected, "at": at},
                "allow_fetch_failure": allow_failure}  # fmt: skip
    if fn == "domCookieTest":
        return {"title": args[2], "page": page, "via": "dom", "set": page, "lines": _lines(args[0]),
                "expect": {"document_cookie": args[1], "at": page}}  # fmt: skip
    options = args[0]  # the prefix helpers
    name, value = options["prefix"] + "prefixtestcookie", options["value"]
    line = f"{name}={value};{options['params']}"
    expect = {"cookie": [name, value], "sent": bool(options["shouldExistViaHTTP"])}
    if fn == "set_prefixed_cookie_via_http_test":  # set.py and then list.py on the options' origin
        target = options.get("origin") or origin
        expect["to"] = urljoin(target, LIST_PY)
        return {"title": options["title"], "page": page, "via": "http", "set": urljoin(target, SET_PY),
                "lines": [line], "expect": expect}  # fmt: skip
    expect["to"] = urljoin(origin, LIST_PY)  # the DOM helper asks list.py on the page's own origin
    expect["in_dom"] = bool(options["shouldExistInDOM"])
    return {"title": options["title"], "page": page, "via": "dom", "set": page, "lines": [line], "expect": expect}


def extract(root: Path, repo: str | None = None, commit: str | None = None) -> dict:
    """cases.json's content for the WPT tree at `root`."""
    files = test_files(root)
    sources, texts = provenance(root, repo, commit), {}
    cases, skipped, seen = [], [], Counter()
    for call in record_calls(root, files):
        file = call["file"]
        text = texts.setdefault(file, (root / file).read_text(encoding="utf-8"))
        where = dict(sources.get(file, {"repo": None, "path": file, "commit": None}))
        if call["function"] in NOT_RECORDED:
            title = call["args"][0] if call["args"] else ""
            where["line"] = call["line"]
            skipped.append({"file": file, "title": title, "reason": NOT_RECORDED[call["function"]], "source": where})
            continue
        case = case_from_call(call)
        where["line"] = title_line(text, case["title"], call["line"])
        short = file.removeprefix("cookies/")
        seen[(short, where["line"])] += 1
        n = seen[(short, where["line"])]
        entry = {"id": f"{short}:{where['line']}" + (f"#{n}" if n > 1 else ""), **case, "source": where}
        if case["via"] == "http" and any(_UNSENDABLE.search(line) for line in case["lines"]):
            skipped.append({"file": file, "title": case["title"], "reason": UNSENDABLE, "source": where})
            continue
        cases.append(entry)
    for entry in cases:  # a call site that made several cases: number the first too
        short, _, line = entry["id"].partition(":")
        if "#" not in line and seen[(short, int(line))] > 1:
            entry["id"] += "#1"
    return {
        "about": "WPT cookie test cases for the oracle's conformance test (e2e/oracle/tests/test_wpt.py), written "
        "by e2e/oracle/wpt/extract.py; do not edit by hand",
        "host": "web-platform.test",
        "folders": list(FOLDERS),
        "files": sorted(
            {(s["repo"], s["path"], s["commit"]) for s in (c["source"] for c in cases + skipped)}
            | {(s["repo"], s["path"], s["commit"]) for h, s in sources.items() if h in HELPERS}
        ),
        "cases": cases,
        "skipped": skipped,
    }


def dumps(data: dict) -> str:
    """The JSON of cases.json with one case per line (diffs of a re-extraction read case by case)."""
    head = {k: v for k, v in data.items() if k not in ("cases", "skipped")}
    body = ",\n".join(json.dumps(k) + ": [\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in data[k]) + "\n]"
                      for k in ("cases", "skipped"))  # fmt: skip
    return json.dumps(head, indent=1, ensure_ascii=False)[:-2] + ",\n" + body + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="a WPT checkout, or a tree of WPT files with a MANIFEST.json")
    parser.add_argument("--repo", help="the checkout's repository (owner/name), when ROOT is a checkout")
    parser.add_argument("--commit", help="the checkout's commit")
    parser.add_argument("--out", type=Path, default=CASES)
    args = parser.parse_args(argv)
    data = extract(args.root, args.repo, args.commit)
    args.out.write_text(dumps(data), encoding="utf-8")
    print(f"{len(data['cases'])} cases, {len(data['skipped'])} skipped -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
