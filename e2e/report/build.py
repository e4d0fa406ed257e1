"""The run's HTML report as data and as a page: from the case records (harness/results.py) and the tests' outcomes,
the data the template renders (a grid per browser for the core matrix, a table per slice, each case's detail), and
the self-contained page written with it. Collecting outcomes during a run is plugin.py's; serving is serve.py's.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterable
from pathlib import Path

from e2e.cases import QUESTIONS, SETUPS, cookie_ids, core, embedded_grid
from e2e.harness.results import CaseRecord
from e2e.oracle.engines import engine_lines, said_by_step
from e2e.oracle.flow import STEP_FIELDS
from e2e.oracle.profiles import PROFILES
from e2e.oracle.rules import chain_lines
from e2e.oracle.vocabulary import CREDENTIALS_MODES, REREAD

TEMPLATE = Path(__file__).with_name("template.html")


def summary(flow: dict, steps: tuple[str, ...]) -> dict:
    """What happened at a glance: stored, sent, authenticated, readable by script, logged out; whether a second page's
    read reached the server (None: the flow has none), or the HTTP cache answered it."""
    return {
        "stored": flow["login"]["cookie_stored"],
        "sent": flow["me"]["cookie_sent"],
        "authenticated": flow["me"]["authenticated"],
        "readable": flow["js_visible"],
        "logged_out": not flow["logout"]["cookie_stored"],
        "login_reached": flow["login"]["server_status"] is not None,
        "login_read": flow["login"]["fetch"] == "resolved",
        "reread_reached": flow[REREAD]["server_status"] is not None if REREAD in steps else None,
    }


def row_key(markers: Iterable[str]) -> str:
    """The core grid's row: the cookie flags."""
    return "-".join(m for m in markers if m.startswith("samesite_") or m in ("secure", "httponly", "partitioned"))


def core_rows() -> list[str]:
    """The core grid's rows, in the matrix's order."""
    return list(dict.fromkeys("-".join(cookie_ids(c.cookie)) for c in core()))


def embedded_layout() -> dict:
    """slice_embedded's grid: its rows (cookie kind | the API's relation to the frame) and columns (the embedder's
    relation | the third-party setting), in the matrix's order, and each grid case's place (cases.embedded_grid)."""
    places = {case.id: place for case, place in embedded_grid()}
    return {"rows": list(dict.fromkeys(r for r, _ in places.values())),
            "columns": list(dict.fromkeys(c for _, c in places.values())), "cells": places}  # fmt: skip


def rows(record: CaseRecord) -> list[dict]:
    """The detail's rows: every field the comparison compared, expected next to observed, and whether it differed."""
    differing = {(m["step"], m["field"]): m for m in record.mismatches}
    fields = [(step, name, record.expected[step][name], record.observed[step][name]) for step in record.steps
              for name in STEP_FIELDS]  # fmt: skip
    fields.append(("login", "js_visible", record.expected["js_visible"], record.observed["js_visible"]))
    stored, seen = record.expected.get("stored_cookie") or {}, record.observed.get("stored_cookie") or {}
    fields += [("login", f"jar.{name}", stored.get(name), seen.get(name)) for name in sorted(set(stored) | set(seen))]
    if record.spec["server"].get("exact"):  # the Cookie headers and document.cookie are compared as text
        want, got = record.expected, record.observed
        fields += [(step, "cookie_header", want[step]["cookie_header"], got[step]["cookie_header"])
                   for step in record.steps]  # fmt: skip
        fields.append(("login", "document_cookie", want["document_cookie"], got["document_cookie"]))
    listed = {(step, name) for step, name, _, _ in fields}
    # a mismatch of a field the table has no row for (a preflight that carried a cookie, a second cookie in the jar)
    fields += [(m["step"], m["field"], m["expected"], m["observed"]) for k, m in differing.items() if k not in listed]
    keys = ("step", "field", "expected", "observed")
    return [dict(zip(keys, f)) | {"differs": (f[0], f[1]) in differing} for f in fields]


def chain(record: CaseRecord) -> list[str]:
    """The case's rule chain, each rule once, in step order, formatted by the one formatter of rule chains."""
    ids = dict.fromkeys(r for step in record.steps for r in record.expected[step]["reasons"])
    ids.update(dict.fromkeys(record.expected.get("js_reasons", ())))
    return [line.strip() for line in chain_lines(ids)]


def engine(record: CaseRecord) -> dict:
    """What the engine said across the case (oracle.engines.engine_lines), which of its reports never came, and
    whether its reasons and the oracle's differ."""
    said = said_by_step(record.observed, record.steps)
    reports = [record.observed[step].get("engine", {}) for step in record.steps]
    return {
        "lines": engine_lines(record.browser, said),
        "captured": all(r.get("captured", False) or not r.get("asked", True) for r in reports),
        "unheard": [step for step, r in zip(record.steps, reports) if not r.get("asked", True)],
        "missing": [f"{step}: {m}" for step, r in zip(record.steps, reports) for m in r.get("missing", [])],
        "differs": any(m["field"].startswith("engine.") for m in record.mismatches),
    }


def build(records: list[CaseRecord], outcomes: dict[str, str], traces: dict[str, str], meta: dict,
          reruns: dict[str, str] | None = None) -> dict:  # fmt: skip
    """The data the page renders: cases with their outcome, summary, detail and trace, plus the grid layout.

    `reruns`: for a failed case's trace, how the traced re-run that recorded it ended.
    """
    cases = []
    for r in records:
        outcome = outcomes.get(r.nodeid, "failed" if r.mismatches else "passed")
        if outcome == "passed" and r.deviations:
            outcome = "deviation"
        cases.append({
            "nodeid": r.nodeid, "case": r.case, "slice": r.slice, "browser": r.browser, "version": r.version,
            "outcome": outcome, "row": row_key(r.markers), "column": f"{r.credentials}|{r.setup}",
            "spec": r.spec, "rows": rows(r), "errors": {s: r.observed[s].get("error") for s in r.steps},
            "jar": r.observed.get("jar", []), "chain": chain(r), "mismatches": list(r.mismatches),
            "deviations": r.deviations, "expected_summary": summary(r.expected, r.steps),
            "observed_summary": summary(r.observed, r.steps), "trace": traces.get(r.nodeid),
            "trace_rerun": (reruns or {}).get(r.nodeid), "engine": engine(r),
        })  # fmt: skip
    counts = {k: sum(c["outcome"] == k for c in cases) for k in ("passed", "failed", "deviation", "error")}
    recorded = {c["nodeid"] for c in cases}
    # Matrix tests that ended before recording a result (an infrastructure error) and the suite's other tests.
    unrecorded = sorted(
        n for n, o in outcomes.items() if "test_matrix.py" in n and n not in recorded and o != "skipped"
    )
    counts["error"] += len(unrecorded)
    others = [o for n, o in outcomes.items() if "test_matrix.py" not in n]
    other_failures = sorted(n for n, o in outcomes.items() if "test_matrix.py" not in n and o in ("failed", "error"))
    settings = {name: {"text": p.third_party_note.value, "source": p.third_party_note.source}
                for name, p in PROFILES.items()}  # fmt: skip
    return {
        "meta": meta
        | {
            "counts": counts,
            "total": len(cases) + len(unrecorded),
            "unrecorded": unrecorded,
            "others": {k: others.count(k) for k in ("passed", "failed", "error", "skipped")},
            "other_failures": other_failures,
        },  # fmt: skip
        "columns": [f"{c}|{s}" for c in CREDENTIALS_MODES for s in SETUPS],
        "rows": core_rows(),
        "cases": cases,
        "embedded": embedded_layout(),
        "third_party_settings": settings,
        "questions": QUESTIONS,
    }


def write(report_dir: Path, data: dict) -> Path:
    """Write report_dir/index.html with the data and the viewer inlined: no network, opens from disk."""
    report_dir.mkdir(parents=True, exist_ok=True)
    page = TEMPLATE.read_text(encoding="utf-8")
    payload = json.dumps(data, separators=(",", ":"), default=str).replace("</", "<\\/")
    out = report_dir / "index.html"
    title = html.escape(data["meta"]["title"])
    out.write_text(page.replace("/*CM_DATA*/null", payload).replace("CM_TITLE", title), encoding="utf-8")
    return out


def meta_for(command: list[str], versions: dict[str, str], playwright_version: str, started: float,
             title: str = "cookie-matrix report") -> dict:  # fmt: skip
    return {
        "title": title,
        "command": " ".join(command),
        "browsers": versions,
        "playwright": playwright_version,
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
    }
