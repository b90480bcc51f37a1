"""sfprep against real third-party files (../shared/corpus, beside this clone).

The expected findings live in tests/corpus_expectations.py; each was derived by hand
from the folder's PROVENANCE.md and the file's bytes, never from sfprep's output.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import CORPUS, lint_json, run_cli

if not CORPUS.is_dir():
    pytest.skip("../shared/corpus is not beside this clone; the third-party corpus tests need it",
                allow_module_level=True)

from tests.corpus_expectations import (  # noqa: E402
    CLEAN,
    EXPECTATIONS,
    SMOKE,
    TRACKED_CODES,
    Expectation,
    OneOf,
)

FINDING_KEYS = {"path", "code", "severity", "message", "line", "record", "column", "field", "fix"}


def _sort_key(item: tuple[str, int | None]) -> tuple[int, str]:
    code, line = item
    return (-1 if line is None else line, code)


def _tracked(report: dict) -> list[tuple[str, int | None]]:
    """Sorted (code, line) of the findings whose code is F001-F007, Q001-Q006 or H001-H007."""
    return sorted(((f["code"], f["line"]) for f in report["findings"] if f["code"] in TRACKED_CODES),
                  key=_sort_key)


def _show(report: dict) -> str:
    return "\n".join(
        f"  {f['code']} {f['severity']} line={f['line']} record={f['record']} "
        f"column={f['column']}: {f['message']}"
        for f in report["findings"]
    ) or "  (no findings)"


@pytest.mark.parametrize("exp", EXPECTATIONS, ids=lambda e: e.id)
def test_corpus_file(exp: Expectation) -> None:
    path = CORPUS / exp.path
    assert path.is_file(), f"corpus file missing: {path}"

    _code, report = lint_json(str(path))  # asserts exit 0/1 and parses the JSON

    # report shape (CLI.md): one files entry for the one path, well-formed findings
    assert isinstance(report.get("files"), list) and len(report["files"]) == 1, report.get("files")
    assert isinstance(report.get("findings"), list)
    for f in report["findings"]:
        assert FINDING_KEYS <= set(f), f"finding lacks keys {FINDING_KEYS - set(f)}: {f}"
        assert f["path"] == str(path), f"finding path {f['path']!r} is not the path given"
        assert f["severity"] in ("error", "warning", "info"), f
        assert f["line"] is None or (isinstance(f["line"], int) and f["line"] >= 1), f

    if exp.expect == SMOKE:
        return

    context = f"{exp.path}: {exp.reason}\nsfprep reported:\n{_show(report)}"

    if exp.expect == CLEAN:
        errors = [(f["code"], f["line"]) for f in report["findings"]
                  if f["code"] in TRACKED_CODES and f["code"] not in exp.unsure
                  and f["severity"] == "error"]
        assert errors == [], context
        return

    got = [item for item in _tracked(report) if item[0] not in exp.unsure]
    if isinstance(exp.expect, OneOf):
        wanted = [sorted(alt, key=_sort_key) for alt in exp.expect.alternatives]
        assert got in wanted, f"{context}\nexpected one of: {wanted}\ngot: {got}"
    else:
        wanted = sorted(exp.expect, key=_sort_key)
        assert got == wanted, f"{context}\nexpected: {wanted}\ngot: {got}"


def test_every_corpus_csv_has_an_expectation() -> None:
    listed = {e.path for e in EXPECTATIONS}
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.csv")}
    assert sorted(on_disk - listed) == [], "corpus CSVs without an expectation"
    assert sorted(listed - on_disk) == [], "expectations for files not in the corpus"


def _resolve(reported: str) -> Path:
    p = Path(reported)
    if not p.is_absolute():
        p = p if p.exists() else CORPUS / p
    return p.resolve()


def test_whole_corpus_lints_without_crashing() -> None:
    code, out, err = run_cli("lint", "--format", "json", "--no-progress", "--exit-zero", CORPUS)
    assert "Traceback" not in err, err
    assert code == 0, f"exit {code}: {err}"
    report = json.loads(out)

    reported = {_resolve(f["path"]) for f in report["files"]}
    csvs = {p.resolve() for p in CORPUS.rglob("*.csv")}
    missing = sorted(str(p.relative_to(CORPUS.resolve())) for p in csvs - reported)
    assert missing == [], f"no files entry for: {missing}"

    # a folder means every *.csv / *.xml below it (CLI.md): nothing else is linted
    others = sorted(str(p) for p in reported if p.suffix.lower() not in (".csv", ".xml"))
    assert others == [], f"non-CSV/XML files were linted: {others}"

    for f in report["findings"]:
        assert FINDING_KEYS <= set(f), f
        assert f["severity"] in ("error", "warning", "info"), f
