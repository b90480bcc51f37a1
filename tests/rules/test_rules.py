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
            if data.suffix in (".csv", ".xml") and ".fixed." not in data.name:
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


def _fixed_cases() -> list:
    cases = []
    for folder in sorted(p for p in RULE_FIXTURES.iterdir() if p.is_dir()):
        for fixed in sorted(folder.glob("*.fixed.*")):
            bad = fixed.with_name(fixed.name.replace(".fixed", ""))
            cases.append(pytest.param(folder.name, bad, fixed, id=f"{folder.name}/{bad.name}"))
    return cases


@pytest.mark.parametrize("code, bad, fixed", _fixed_cases())
def test_fix_gives_the_expected_file_byte_for_byte(code, bad, fixed, tmp_path):
    """`sfprep fix --select CODE` (with --unsafe-fixes for U rules) turns bad into fixed, and
    the fixed file no longer has the finding; a second fix changes nothing."""
    from sfprep.core.model import FixKind
    from sfprep.linter.registry import get_rule
    from tests.helpers import run_cli

    target = tmp_path / bad.name
    target.write_bytes(bad.read_bytes())
    unsafe = ["--unsafe-fixes"] if get_rule(code).fix == FixKind.UNSAFE else []
    args = ["fix", "--select", code, *unsafe, *_case_args(bad), "--exit-zero", "--format", "json", target]
    exit_code, _, err = run_cli(*args)
    assert exit_code == 0, err
    assert target.read_bytes() == fixed.read_bytes()
    _, report = lint_json("--select", code, *_case_args(bad), target)
    assert findings_of(report, code) == []
    run_cli(*args)
    assert target.read_bytes() == fixed.read_bytes(), "fixing twice changed the file again"
