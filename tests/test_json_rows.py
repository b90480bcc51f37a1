"""report/rows.py's JSON findings (one JSON text per row of a findings frame) hold the same
objects as report/json.py's finding_dict of the same findings, for the strings that break an
encoder: quotes, backslashes, control characters, multi-byte text, nulls, dictionary-encoded
columns."""
import json

import polars as pl

from sfprep.core.batch import frame_of
from sfprep.core.model import Applicability, Edit, Finding, Fix, Severity, StampedFinding
from sfprep.report.json import finding_dict
from sfprep.report.rows import json_findings

PATH = 'data/Ac"count\\ é.csv'
TRICKY = ['value \'　 　1-000000　 　\' in ORACLE_ID__C', 'say "hi" \\ back', "tab\tnew\nline\x01",
          "plain", "日本語のテキスト"]


def _findings() -> list[StampedFinding]:
    found = []
    for n, text in enumerate(TRICKY):
        fix = Fix((Edit(10 * n, 10 * n + 3, text.encode()),), Applicability.UNSAFE, f"Trim {text}") if n % 2 else None
        rewrite = Fix((), Applicability.SAFE, "Rewrite", rewrite=("redelimit", ";", ",")) if n == 4 else None
        finding = Finding("V001", text, line=n + 2, record=n + 1, column=None if n == 3 else n,
                          field=None if n == 2 else text, fix=fix or rewrite, hint=None if n else text)
        found.append(StampedFinding(PATH, Severity.WARNING if n % 2 else Severity.ERROR, "untrimmed", finding))
    return found


def _as_objects(texts) -> list[dict]:
    return [json.loads(text) for text in texts]


def test_json_rows_equal_finding_dicts_for_plain_strings():
    found = _findings()
    assert _as_objects(json_findings(frame_of(found), PATH)) == [finding_dict(s) for s in found]


def test_json_rows_equal_finding_dicts_for_dictionary_encoded_messages():
    found = _findings() * 3
    frame = frame_of(found)
    frame = frame.with_columns(pl.col("message").cast(pl.Categorical), pl.col("field").cast(pl.Categorical))
    assert _as_objects(json_findings(frame, PATH)) == [finding_dict(s) for s in found]


def test_json_rows_of_findings_without_any_fix():
    found = [s for s in _findings() if s.finding.fix is None]
    assert _as_objects(json_findings(frame_of(found), PATH)) == [finding_dict(s) for s in found]
