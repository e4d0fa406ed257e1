"""The results record: one matrix case's spec, expectation, observation and mismatches, as the workers write it (one
JSON line per case under --output/results) and the report, scripts/repeat.py and the tests read it. One dataclass
for all of them; what the report makes of it is e2e/report's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CaseRecord:
    """One case in one browser: the spec it ran, what the oracle expected, what the browser did, where they differ."""

    case: str  # the case id, e.g. include-cross_site-https-samesite_none-secure
    slice: str
    markers: tuple[str, ...]
    setup: str  # the named origin setup (e2e/cases.py SETUPS)
    spec: dict  # FlowSpec.to_json()
    browser: str
    version: str
    expected: dict  # FlowExpectation.to_json()
    observed: dict  # harness.verdict.observed_json()
    mismatches: tuple[dict, ...] = ()  # harness.verdict.Mismatch.to_json() each
    nodeid: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def deviations(self) -> list[str]:
        """The known browser deviations this case's expectation relies on."""
        return list(self.expected.get("deviations", ()))

    @property
    def steps(self) -> tuple[str, ...]:
        """The flow's steps, in order (FlowSpec.steps, as the expectation lists them)."""
        return tuple(self.expected["steps"])

    @property
    def credentials(self) -> str:
        return self.spec["credentials"]

    @property
    def mode(self) -> str:
        return self.spec["mode"]

    @property
    def cors(self) -> str:
        return self.spec["server"]["cors"]

    def to_json(self) -> dict:
        """The record as JSON values, shallow (asdict would deep-copy the nested dicts: a millisecond a case)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict) -> CaseRecord:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"a case record with fields this suite does not write: {sorted(unknown)}")
        return cls(**{**data, "markers": tuple(data["markers"]), "mismatches": tuple(data.get("mismatches", ()))})


class ResultsWriter:
    """One worker's case records as JSON lines in `path`, each stamped with the running test's node id."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self.current_nodeid = ""

    def add(self, record: CaseRecord) -> None:
        stamped = replace(record, nodeid=self.current_nodeid)
        self._file.write(json.dumps(stamped.to_json(), default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def load_results(folder: Path) -> list[CaseRecord]:
    """Every case record the workers wrote under `folder`."""
    records = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(CaseRecord.from_json(json.loads(line)))
    return records
