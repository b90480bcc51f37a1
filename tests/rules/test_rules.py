"""Every rule against its fixtures: exact (code, line, column) on bad and fix-* files, silence
on good ones, the fixed file byte for byte; and no fixture file that no test reads.

The kinds of fixture and how they are read: tests/rules/fixtures.py.
"""
from __future__ import annotations

import pytest

import functools
import re

from sfprep.io.csv import scan as csv_scan
from tests.helpers import findings_of, lint_json, run_cli
from tests.rules.fixtures import RULE_FIXTURES, Case, all_cases, cases, record_lines, rule_folders, unread_files


def _params(found: list[Case]) -> list:
    return [pytest.param(case, id=case.id) for case in found]


@pytest.mark.parametrize("case", _params(cases("bad", "fix")))
def test_fixture_gives_exactly_the_expected_findings(case):
    _, report = lint_json("--select", case.code, *case.args(), case.data)
    assert findings_of(report, case.code) == case.expected()
    _assert_records_hold_their_lines(case, report)


def _assert_records_hold_their_lines(case: Case, report: dict) -> None:
    """`record` (1-based data record, header 0) is not in the .expected files: each finding's
    record must be the one the scanner finds at the finding's line."""
    spans = record_lines(case.data)
    if spans is None:
        return
    for f in report["findings"]:
        if f["record"] is None:
            continue
        assert f["record"] in spans, f"{f['code']} at line {f['line']}: there is no record {f['record']}"
        first, last = spans[f["record"]]
        if f["line"] is not None:
            assert first <= f["line"] <= last, \
                f"{f['code']} at line {f['line']} names record {f['record']}, which is on lines {first}-{last}"


SMALL_CHUNK = 16


@pytest.mark.parametrize("case", _params(all_cases()))
def test_fixture_findings_do_not_depend_on_the_chunk_size(case, monkeypatch):
    """The same findings when the file is scanned in chunks of 16 bytes: the state a rule
    keeps from one chunk to the next (counts, first lines, batches) is carried right."""
    monkeypatch.setattr(csv_scan, "scan", functools.partial(csv_scan.scan, chunk_size=SMALL_CHUNK))
    _, report = lint_json("--select", case.code, *case.args(), case.data)
    assert findings_of(report, case.code) == ([] if case.kind == "good" else case.expected())


@pytest.mark.parametrize("case", _params(cases("good")))
def test_good_fixture_is_silent(case):
    _, report = lint_json("--select", case.code, *case.args(), case.data)
    assert findings_of(report, case.code) == []
    assert case.code not in {s["code"] for s in report["files"][0]["skipped_rules"]}, "the rule did not run"


@pytest.mark.parametrize("case", _params([c for c in all_cases() if not c.args()]))
def test_the_engine_alone_gives_the_fixture_findings(case):
    """sfprep.linter.engine.lint_file with no settings (a caller of the engine need not have
    any) finds what the CLI finds, for every fixture that needs no arguments."""
    from sfprep.core.job import Job
    from sfprep.core.profiles import load_profile
    from sfprep.linter import engine
    from sfprep.linter.registry import select_rules

    result = engine.lint_file(str(case.data), Job(operation="insert"), load_profile("bulk1"), select_rules([case.code]))
    rows = [(f.finding.code, f.finding.line, f.finding.column) for f in result.findings if f.finding.code == case.code]
    assert sorted(rows, key=lambda r: (r[1] or 0, r[0], r[2] or 0)) == ([] if case.kind == "good" else case.expected())


@pytest.mark.parametrize("case", _params([c for c in all_cases() if c.fixed_file is not None]))
def test_fix_gives_the_expected_file_byte_for_byte(case, tmp_path):
    """`sfprep fix --select CODE` (with --unsafe-fixes for U rules) turns the data into the
    .fixed file, and the fixed file no longer has the finding; a second fix changes nothing."""
    from sfprep.core.model import FixKind
    from sfprep.linter.registry import get_rule

    target = tmp_path / case.data.name
    target.write_bytes(case.data.read_bytes())
    fixed = case.fixed_file.read_bytes()
    unsafe = ["--unsafe-fixes"] if get_rule(case.code).fix == FixKind.UNSAFE else []
    args = ["fix", "--select", case.code, *unsafe, *case.args(), "--exit-zero", "--format", "json", target]
    exit_code, _, err = run_cli(*args)
    assert exit_code == 0, err
    assert target.read_bytes() == fixed
    # Each finding fixed once: a fix that repairs half of it leaves a new finding for the
    # next pass, and the file converges to the same bytes all the same.
    fixed_count = re.search(r"fixed (\d+) finding", err)
    assert fixed_count and int(fixed_count.group(1)) == len(case.expected()), err
    _, report = lint_json("--select", case.code, *case.args(), target)
    assert findings_of(report, case.code) == []
    run_cli(*args)
    assert target.read_bytes() == fixed, "fixing twice changed the file again"


def test_every_fixture_file_is_read_by_a_test():
    """A file of an unknown kind, an .expected or .fixed file without its data file, an args
    file every data file overrides, a config no args file names: each would be ignored."""
    unread = [str(p.relative_to(RULE_FIXTURES)) for p in unread_files()]
    assert unread == [], f"fixture files no test reads: {unread}"


def test_every_case_is_complete():
    problems = [problem for case in all_cases() for problem in case.problems()]
    assert problems == []


def test_every_fixture_folder_is_a_rule_with_cases():
    from sfprep.linter.registry import all_rules

    codes = set(all_rules())
    folders = {folder.name for folder in rule_folders()}
    assert sorted(folders - codes) == [], "fixture folders named for no rule"
    with_cases = {case.code for case in all_cases()}
    assert sorted(folders - with_cases) == [], "fixture folders without a bad, good or fix file"
