"""The run's HTML report: a self-contained page with a matrix per browser and a table per slice."""

from __future__ import annotations

import html
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

from e2e.cases import CREDENTIALS, SETUPS, cookie_ids, core


def load_results(folder: Path) -> list[dict]:
    """Every case result the workers wrote under `folder`, one per test."""
    records = []
    for path in sorted(folder.glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return records


def summary(flow: dict) -> dict:
    """What happened at a glance: stored, sent, authenticated, readable by script, logged out."""
    return {
        "stored": flow["login"]["cookie_stored"],
        "sent": flow["me"]["cookie_sent"],
        "authenticated": flow["me"]["authenticated"],
        "readable": flow["js_visible"],
        "logged_out": not flow["logout"]["cookie_stored"],
    }


def row_key(markers: Iterable[str]) -> str:
    """The core grid's row: the cookie flags."""
    return "-".join(m for m in markers if m.startswith("samesite_") or m in ("secure", "httponly", "partitioned"))


def core_rows() -> list[str]:
    """The core grid's rows, in the matrix's order."""
    return list(dict.fromkeys("-".join(cookie_ids(c.cookie)) for c in core()))


def build(
    records: list[dict],
    outcomes: dict[str, str],
    traces: dict[str, str],
    meta: dict,
    reruns: dict[str, str] | None = None,
) -> dict:
    """The data the page renders: cases with their outcome, summary and trace, plus the grid layout.

    `reruns`: for a failed case's trace, how the traced re-run that recorded it ended.
    """
    cases = []
    for r in records:
        outcome = outcomes.get(r["nodeid"], "failed" if r["mismatches"] else "passed")
        if outcome == "passed" and r["deviations"]:
            outcome = "deviation"
        cases.append(
            {
                "nodeid": r["nodeid"],
                "case": r["case"],
                "slice": r["slice"],
                "browser": r["browser"],
                "version": r["version"],
                "outcome": outcome,
                "row": row_key(r["markers"]),
                "column": f"{r['credentials']}|{r['setup']}",
                "expected": r["expected"],
                "observed": r["observed"],
                "mismatches": r["mismatches"],
                "deviations": r["deviations"],
                "expected_summary": summary(r["expected"]),
                "observed_summary": summary(r["observed"]),
                "trace": traces.get(r["nodeid"]),
                "trace_rerun": (reruns or {}).get(r["nodeid"]),
            }
        )
    counts = {k: sum(c["outcome"] == k for c in cases) for k in ("passed", "failed", "deviation", "error")}
    recorded = {c["nodeid"] for c in cases}
    # Matrix tests that ended before recording a result (an infrastructure error) and the suite's other tests.
    unrecorded = sorted(
        n for n, o in outcomes.items() if "test_matrix.py" in n and n not in recorded and o != "skipped"
    )
    counts["error"] += len(unrecorded)
    others = [o for n, o in outcomes.items() if "test_matrix.py" not in n]
    other_failures = sorted(n for n, o in outcomes.items() if "test_matrix.py" not in n and o in ("failed", "error"))
    rules = meta.get("rules", {})
    return {
        "meta": {k: v for k, v in meta.items() if k != "rules"}
        | {
            "counts": counts,
            "total": len(cases) + len(unrecorded),
            "unrecorded": unrecorded,
            "others": {k: others.count(k) for k in ("passed", "failed", "error", "skipped")},
            "other_failures": other_failures,
        },
        "columns": [f"{c}|{s}" for c in CREDENTIALS for s in SETUPS],
        "rows": core_rows(),
        "cases": cases,
        "rules": rules,
    }


def write(report_dir: Path, data: dict) -> Path:
    """Write report_dir/index.html with the data and the viewer inlined: no network, opens from disk."""
    report_dir.mkdir(parents=True, exist_ok=True)
    page = (Path(__file__).parent / "report_template.html").read_text(encoding="utf-8")
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    out = report_dir / "index.html"
    out.write_text(
        page.replace("/*CM_DATA*/null", payload).replace("CM_TITLE", html.escape(data["meta"]["title"])),
        encoding="utf-8",
    )
    return out


def meta_for(
    command: list[str],
    versions: dict[str, str],
    playwright_version: str,
    rules: dict,
    started: float,
    title: str = "cookie-matrix report",
) -> dict:
    return {
        "title": title,
        "command": " ".join(command),
        "browsers": versions,
        "playwright": playwright_version,
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "rules": rules,
    }


class ReportPlugin:
    """Collects test outcomes and trace paths on the controlling process and writes the report at the end."""

    def __init__(self, config, report_dir: Path):
        self.config, self.report_dir = config, report_dir
        self.outcomes: dict[str, str] = {}
        self.traces: dict[str, str] = {}
        self.reruns: dict[str, str] = {}  # how the traced re-run of a failed case ended
        self.started = time.time()

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" or report.outcome != "passed":
            infrastructure = any(name == "infrastructure_error" for name, _ in report.user_properties)
            if report.failed and (report.when != "call" or infrastructure):
                self.outcomes[report.nodeid] = "error"
            elif report.nodeid not in self.outcomes or report.when == "call":
                self.outcomes[report.nodeid] = report.outcome
        for name, value in report.user_properties:
            if name == "playwright_trace":
                absolute = Path(self.config.invocation_params.dir, value)
                self.traces[report.nodeid] = os.path.relpath(absolute, self.report_dir)
            elif name == "trace_rerun":
                self.reruns[report.nodeid] = value

    def pytest_sessionfinish(self, session) -> None:
        from importlib.metadata import version

        from e2e import oracle

        records = load_results(Path(self.config.getoption("--output")).absolute() / "results")
        versions = {r["browser"]: r["version"] for r in records}
        rules = {k: {"text": r.text, "source": r.source} for k, r in oracle.RULES.items()}
        meta = meta_for(
            ["pytest"] + list(self.config.invocation_params.args), versions, version("playwright"), rules, self.started
        )
        out = write(self.report_dir, build(records, self.outcomes, self.traces, meta, self.reruns))
        self.config.pluginmanager.get_plugin("terminalreporter").write_line(f"cookie-matrix report: {out}")
