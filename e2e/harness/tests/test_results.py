"""The results record: one dataclass, written as JSON lines and read back the same, refusing what it does not know."""

from __future__ import annotations

import json

import pytest

from e2e.cases import core
from e2e.harness.results import CaseRecord, ResultsWriter, load_results
from e2e.oracle.flow import expect
from e2e.oracle.profiles import CHROMIUM


class Hosts:
    @staticmethod
    def origin(name: str) -> str:
        return {"app_https": "https://app.site-a.test:8443"}.get(name, "https://api.site-b.test:8443")


def record() -> CaseRecord:
    case = next(core())
    spec = case.spec(Hosts())
    expected = expect(spec, CHROMIUM).to_json()
    return CaseRecord(case.id, case.slice, case.markers, case.setup, spec.to_json(), "chromium", "156.0", expected,
                      {"login": {}}, ({"step": "me", "field": "status"},))  # fmt: skip


def test_a_record_reads_back_as_written(tmp_path):
    writer = ResultsWriter(tmp_path / "results" / "gw0.jsonl")
    writer.current_nodeid = "e2e/tests/test_matrix.py::test_case[chromium-x]"
    writer.add(record())
    writer.close()
    (back,) = load_results(tmp_path / "results")
    assert back.nodeid == "e2e/tests/test_matrix.py::test_case[chromium-x]"
    assert back == CaseRecord(**{**vars(record()), "nodeid": back.nodeid})
    assert (back.credentials, back.mode, back.cors, back.deviations) == ("omit", "cors", "allowlist", [])


def test_a_record_with_fields_the_suite_does_not_write_is_refused(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "gw0.jsonl").write_text(json.dumps(record().to_json() | {"surprise": 1}) + "\n")
    with pytest.raises(ValueError, match="surprise"):
        load_results(folder)
