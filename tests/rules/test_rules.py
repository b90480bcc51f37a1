"""Every rule against its fixtures: exact (code, line, column) on bad files, silence on good ones.

Layout: tests/fixtures/rules/<CODE>/{bad*.csv + bad*.expected, good*.csv, args}.
A bad file may have its own `<stem>.args`, used instead of the folder's `args`.
"""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, findings_of, lint_json

RULE_FIXTURES = FIXTURES / "rules"


def _cases(prefix: str) -> list:
    cases = []
    for folder in sorted(p for p in RULE_FIXTURES.iterdir() if p.is_dir()):
        for data in sorted(folder.glob(f"{prefix}*")):
            if data.suffix in (".csv", ".xml"):
                cases.append(pytest.param(folder.name, data, id=f"{folder.name}/{data.name}"))
    return cases


def _args(folder: Path) -> list[str]:
    """Extra CLI arguments from the folder's `args` file; {here} and {fixtures} are its paths."""
    args_file = folder / "args"
    if not args_file.exists():
        return []
    text = args_file.read_text().format(here=folder, fixtures=FIXTURES)
    return shlex.split(text)


def _expected(data: Path) -> list[tuple[str, int | None, int | None]]:
    rows = []
    for line in data.with_suffix(".expected").read_text().splitlines():
        if not line.strip():
            continue
        code, where, column = line.split()
        rows.append((code, None if where == "-" else int(where), None if column == "-" else int(column)))
    return sorted(rows, key=lambda r: (r[1] or 0, r[0], r[2] or 0))


@pytest.mark.parametrize("code, data", _cases("bad"))
def test_bad_fixture_gives_exactly_the_expected_findings(code, data):
    _, report = lint_json("--select", code, *_case_args(data), data)
    assert findings_of(report, code) == _expected(data)


@pytest.mark.parametrize("code, data", _cases("good"))
def test_good_fixture_is_silent(code, data):
    _, report = lint_json("--select", code, *_case_args(data), data)
    assert findings_of(report, code) == []
    assert code not in {s["code"] for s in report["files"][0]["skipped_rules"]}, "the rule did not run"


def _case_args(data: Path) -> list[str]:
    own = data.with_suffix(".args")
    if own.exists():
        return shlex.split(own.read_text().format(here=data.parent, fixtures=FIXTURES))
    return _args(data.parent)
