"""Report formats: JSON (schema + exact content), concise, full, github.

Expected findings are written by hand from the fixture bytes (tests/fixtures/report/README.md).
"""
from __future__ import annotations

import json
import re
import sys

import pytest
from jsonschema import Draft202012Validator

from tests.helpers import FIXTURES, REPO, invoke

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPORT = FIXTURES / "report"
MULTI = REPORT / "multi.csv"
HEADER_ONLY = REPORT / "header_only.csv"
SCHEMA = json.loads((REPO / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

# multi.csv, by hand: (code, line, record, column, severity, fix applicability)
MULTI_FINDINGS = [
    ("H003", 1, 0, 2, "error", "safe"),      # `Phone ` padded header name
    ("Q004", 2, 1, 2, "error", "safe"),      # `"Acme", "555-0100"`: space before the opening quote
    ("Q006", 3, 2, None, "error", None),     # `Globex,555-0199`: 2 fields, header has 3
    ("Q002", 4, 3, 2, "error", None),        # `12" pipe`: stray quote in an unquoted field
    ("F007", 5, 4, 3, "warning", None),      # `"Media<CR>News"`: bare CR in an LF file
]
# RULES.md rules marked "describe": without --describe they are skipped, and the report says so.
DESCRIBE_RULES = {"H008", "H009", "H010", "H011", "H012", "H013", "H014",
                  "V008", "V009", "V011", "V012", "V013", "V014", "V016"}
# 0-based character position of the offending spot in each finding's physical line
MULTI_LINES = {
    "H003": ("Name,Phone ,Industry", 5),
    "Q004": ('"Acme", "555-0100",Retail', 7),
    "Q006": ("Globex,555-0199", 0),
    "Q002": ('Initech,12" pipe,Tech', 10),
}




def report_of(*args) -> dict:
    code, out, err = invoke("lint", "--format", "json", "--no-progress", *args)
    assert code in (0, 1), f"exit {code}: {err}"
    return json.loads(out)


def rows(report: dict) -> list[tuple]:
    return [(f["code"], f["line"], f["record"], f["column"], f["severity"],
             f["fix"]["applicability"] if f["fix"] else None) for f in report["findings"]]


@pytest.fixture(autouse=True)
def _empty_working_folder(tmp_path, monkeypatch):
    from sfprep.core.config import find_config

    monkeypatch.chdir(tmp_path)
    assert find_config(tmp_path) is None


# --- JSON --------------------------------------------------------------------------------

def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


def _assert_valid(report: dict) -> None:
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(report), key=lambda e: list(e.path))
    assert not errors, "report does not match schemas/report.schema.json:\n" + "\n".join(
        f"  at {list(e.path)}: {e.message}" for e in errors)


def _assert_describe_rules_skipped(entry: dict) -> None:
    """No --describe: exactly the selected describe rules are listed as skipped, each with a reason."""
    from sfprep.linter.registry import select_rules

    expected = sorted(DESCRIBE_RULES & {r.code for r in select_rules(None)})
    skipped = entry["skipped_rules"]
    assert sorted(s["code"] for s in skipped) == expected, f"{entry['path']}: skipped_rules {skipped}"
    for item in skipped:
        assert "describe" in item["reason"].lower(), f"reason should say a describe JSON is missing: {item}"


def test_json_report_matches_schema_and_expected_findings():
    report = report_of(MULTI)
    _assert_valid(report)
    assert report["version"] == VERSION
    [entry] = report["files"]
    assert {k: v for k, v in entry.items() if k != "skipped_rules"} == {
        "path": str(MULTI), "object": None, "operation": "insert", "records": 5}
    _assert_describe_rules_skipped(entry)
    assert rows(report) == MULTI_FINDINGS
    assert report["summary"] == {"errors": 4, "warnings": 1, "infos": 0, "fixable": 2}
    for finding in report["findings"]:
        assert finding["path"] == str(MULTI)
        assert finding["message"].strip()
        if finding["fix"] is not None:
            assert finding["fix"]["description"].strip()
    # a header finding names its column
    assert report["findings"][0]["field"] == "Phone "


def test_json_report_of_two_files_with_a_file_level_finding():
    report = report_of(MULTI, HEADER_ONLY)
    _assert_valid(report)
    assert [f["path"] for f in report["files"]] == [str(MULTI), str(HEADER_ONLY)]
    assert {k: v for k, v in report["files"][1].items() if k != "skipped_rules"} == {
        "path": str(HEADER_ONLY), "object": None, "operation": "insert", "records": 0}
    for entry in report["files"]:
        _assert_describe_rules_skipped(entry)
    f003 = [f for f in report["findings"] if f["path"] == str(HEADER_ONLY)]
    assert [(f["code"], f["line"], f["record"], f["column"], f["severity"], f["fix"]) for f in f003] == [
        ("F003", None, None, None, "error", None)], "F003 is file-level: line, record, column all null"
    assert report["summary"] == {"errors": 5, "warnings": 1, "infos": 0, "fixable": 2}


def test_json_report_of_a_clean_file():
    report = report_of(REPORT / "clean.csv")
    _assert_valid(report)
    assert report["findings"] == []
    assert report["files"][0]["records"] == 2
    assert report["summary"] == {"errors": 0, "warnings": 0, "infos": 0, "fixable": 0}


# Rules whose RULES.md fix column is S, each on a file where the fix obviously applies:
# (code, line, record, column) of the one finding, by hand (see the fixtures README).
FIXABLE = [
    ("F002", 1, None, None),
    ("F004", 3, 2, None),
    ("F006", 3, None, None),
    ("H003", 1, 0, 1),
    ("H006", 1, 0, 2),
    ("H007", 1, 0, 2),
    ("Q001", 1, 0, None),
    ("Q004", 2, 1, 1),
]


@pytest.mark.parametrize("code, line, record, column", FIXABLE, ids=[c[0] for c in FIXABLE])
def test_safe_fix_rules_offer_a_safe_fix(code, line, record, column):
    report = report_of("--select", code, REPORT / "fixable" / f"{code}.csv")
    _assert_valid(report)
    found = [(f["code"], f["line"], f["record"], f["column"]) for f in report["findings"]]
    assert found == [(code, line, record, column)]
    fix = report["findings"][0]["fix"]
    assert fix is not None and fix["applicability"] == "safe", (
        f"RULES.md gives {code} a safe fix (S) and this finding is plainly fixable, "
        f"but the report has fix={fix!r}")
    assert report["summary"]["fixable"] == 1


# --- concise -----------------------------------------------------------------------------

def test_concise_lines():
    code, out, _ = invoke("lint", "--no-progress", "--format", "concise", MULTI, HEADER_ONLY)
    assert code == 1
    lines = out.splitlines()
    p, h = str(MULTI), str(HEADER_ONLY)
    expected_prefixes = [
        f"{p}:1:2: H003 [*] ",
        f"{p}:2:2: Q004 [*] ",
        f"{p}:3: Q006 ",
        f"{p}:4:2: Q002 ",
        f"{p}:5:3: F007 ",
        f"{h}: F003 ",
    ]
    finding_lines = lines[:len(expected_prefixes)]
    for line, prefix in zip(finding_lines, expected_prefixes):
        assert line.startswith(prefix), f"{line!r} does not start with {prefix!r}"
        assert len(line) > len(prefix), f"no message after the code: {line!r}"
    for line in finding_lines[2:]:
        assert "[*]" not in line, f"not safe-fixable, but marked [*]: {line!r}"
    rest = lines[len(expected_prefixes):]
    assert not any(re.match(rf"{re.escape(p)}:|{re.escape(h)}:", line) for line in rest), "extra finding lines"
    assert any(line.startswith("5 errors, 1 warning in 2 files") for line in rest), rest


def test_concise_is_the_default_when_piped():
    _, out, _ = invoke("lint", "--no-progress", MULTI)
    assert f"{MULTI}:2:2: Q004 [*] " in out.splitlines()[1]


# --- full --------------------------------------------------------------------------------

def _full(*paths) -> str:
    code, out, err = invoke("lint", "--no-progress", "--format", "full", *paths)
    assert code == 1, err
    return out


def _caret_under(out: str, line_number: int, source: str) -> int:
    """Where the caret sits, relative to the start of the quoted source line."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        at = line.find(source)
        if at > 0 and re.match(rf"\s*{line_number}\s*\|", line[:at]):
            caret_line = lines[i + 1]
            assert caret_line.count("^") == 1, f"caret line {caret_line!r}"
            return caret_line.index("^") - at
    pytest.fail(f"source line {line_number} {source!r} is not shown with its line number in:\n{out}")


def test_full_format_shows_source_lines_carets_and_summary():
    out = _full(MULTI)
    assert str(MULTI) in out
    for code, *_ in MULTI_FINDINGS:
        assert code in out, f"{code} missing from the full report"
    for code, line, _record, column, _sev, _fix in MULTI_FINDINGS:
        where = f"{MULTI}:{line}" + (f":{column}" if column else "")
        assert f"--> {where}" in [line.strip() for line in out.splitlines()], f"no `--> {where}` line"
    for code, (source, caret) in MULTI_LINES.items():
        line = next(f[1] for f in MULTI_FINDINGS if f[0] == code)
        assert _caret_under(out, line, source) == caret, f"{code}: caret not under character {caret} of {source!r}"
    assert "4 errors, 1 warning in 1 file" in out


def test_full_format_shows_the_whole_physical_line_around_a_bare_cr():
    """F007's line 5 is one physical line in an LF file (docs/findings.md): `Hooli,555-0111,"Media<CR>News"`.
    The excerpt must show the whole line, with the caret under the CR (character 21)."""
    out = _full(MULTI)
    shown = [line for line in out.splitlines() if re.match(r"\s*5\s*\|", line)]
    assert len(shown) == 1, shown
    text = shown[0].split("|", 1)[1][1:]
    assert text.startswith('Hooli,555-0111,"Media') and text.endswith('News"') and len(text) == 27, (
        f"F007's source line is cut at the bare CR: shown as {text!r}")
    assert _caret_under(out, 5, 'Hooli,555-0111,"Media') == 21


def test_full_format_summary_counts_files():
    out = _full(MULTI, HEADER_ONLY, REPORT / "clean.csv")
    assert "5 errors, 1 warning in 2 files" in out
    assert "3 files checked" in out


# --- github ------------------------------------------------------------------------------

def test_github_format():
    code, out, _ = invoke("lint", "--no-progress", "--format", "github", MULTI)
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith(("::error", "::warning"))]
    assert len(lines) == 5, out
    notices = [line for line in out.splitlines() if line.startswith("::notice")]
    assert len(notices) == 1 and "skipped" in notices[0] and "H008" in notices[0], out
    # col: the 1-based character of the offending spot (MULTI_LINES, 0-based, plus one);
    # the field position goes in the message
    expected = [
        ("error", 1, 6, "H003", 2),
        ("error", 2, 8, "Q004", 2),
        ("error", 3, 1, "Q006", None),
        ("error", 4, 11, "Q002", 2),
        ("warning", 5, 22, "F007", 3),
    ]
    for line, (level, number, column, code_, field) in zip(lines, expected):
        prefix = f"::{level} file={MULTI},line={number},col={column},"
        assert line.startswith(prefix), f"{line!r} does not start with {prefix!r}"
        assert f"::{code_} " in line, f"message part should start with the code: {line!r}"
        assert line.endswith(f" (field {field})") == (field is not None), line
    assert sum(1 for line in lines if line.startswith("::error file=")) == 4
