"""The reports, read by what reads them: SARIF by the official SARIF 2.1.0 JSON Schema, JUnit
by junitparser, GitHub annotations by the workflow-command syntax of the Actions runner, the
JSON fix edits by applying them, and --statistics by its own schema.

Expected values are derived by hand from the fixture bytes (tests/fixtures/report/README.md).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from junitparser import Failure, JUnitXml, Skipped

from tests.helpers import FIXTURES, REPO, assert_usage_error, invoke, lint_json, write

REPORT = FIXTURES / "report"
MULTI = REPORT / "multi.csv"
UTF8 = REPORT / "utf8_columns.csv"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
STATISTICS_SCHEMA = json.loads((REPO / "schemas" / "statistics.schema.json").read_text(encoding="utf-8"))
DESCRIBE_RULES = {"H008", "H009", "H010", "H011", "H012", "H013", "H014",
                  "V008", "V009", "V011", "V012", "V013", "V014", "V016"}
NO_DESCRIBE = "no describe JSON given (--describe FILE|DIR)"

# utf8_columns.csv by hand: (code, line, 1-based character column, field position)
UTF8_FINDINGS = [("Q004", 2, 16, 2), ("Q002", 3, 11, 2), ("F005", 4, 9, 2)]
# multi.csv (README: 0-based character of each spot, plus one)
MULTI_FINDINGS = [("H003", 1, 6, 2), ("Q004", 2, 8, 2), ("Q006", 3, 1, None), ("Q002", 4, 11, 2),
                  ("F007", 5, 22, 3)]


def _output(*args, expect=(0, 1)) -> str:
    code, out, err = invoke("lint", "--no-progress", *args)
    assert code in expect, f"exit {code}: {err}"
    return out


def _skipped_codes() -> set[str]:
    from sfprep.linter.registry import select_rules

    return DESCRIBE_RULES & {r.code for r in select_rules(None)}


# --- SARIF -------------------------------------------------------------------------------

def test_the_sarif_schema_fixture_is_a_draft_4_schema():
    Draft4Validator.check_schema(SARIF_SCHEMA)
    assert SARIF_SCHEMA["id"].endswith("/sarif-schema-2.1.0.json")


def _valid_sarif(out: str) -> dict:
    document = json.loads(out)
    validator = Draft4Validator(SARIF_SCHEMA, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "SARIF does not match the SARIF 2.1.0 schema:\n" + "\n".join(
        f"  at {list(e.absolute_path)}: {e.message}" for e in errors)
    return document


def test_sarif_is_valid_for_findings_file_level_findings_clean_files_and_odd_paths(tmp_path):
    odd = write(tmp_path / "data with space" / "Äccount #1.csv", MULTI.read_bytes())
    _valid_sarif(_output("--format", "sarif", MULTI, REPORT / "header_only.csv", REPORT / "clean.csv", UTF8, odd))


def test_sarif_relative_paths_stay_relative_uri_references(monkeypatch):
    monkeypatch.chdir(REPO)
    document = _valid_sarif(_output("--format", "sarif", "tests/fixtures/report/utf8_columns.csv"))
    [uri] = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
    assert uri == "tests/fixtures/report/utf8_columns.csv"


def _regions(document: dict) -> list[tuple]:
    return [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["locations"][0]["physicalLocation"]["region"].get("startColumn"),
             r.get("properties", {}).get("fieldPosition"))
            for r in document["runs"][0]["results"]]


def test_sarif_start_column_is_the_character_in_the_line_and_the_field_position_a_property():
    document = _valid_sarif(_output("--format", "sarif", UTF8))
    assert document["runs"][0]["columnKind"] == "unicodeCodePoints"
    assert _regions(document) == UTF8_FINDINGS
    document = _valid_sarif(_output("--format", "sarif", MULTI))
    assert _regions(document) == MULTI_FINDINGS


def test_sarif_start_column_points_at_the_offending_character():
    """Read back the way a viewer does: the startColumn-th code point of line startLine."""
    lines = UTF8.read_bytes().decode("utf-8").split("\n")
    document = _valid_sarif(_output("--format", "sarif", UTF8))
    shown = {}
    for result in document["runs"][0]["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        shown[result["ruleId"]] = lines[region["startLine"] - 1][region["startColumn"] - 1]
    assert shown == {"Q004": " ", "Q002": '"', "F005": "\x01"}


def test_sarif_file_level_finding_has_no_column():
    document = _valid_sarif(_output("--format", "sarif", REPORT / "header_only.csv"))
    assert _regions(document) == [("F003", 1, None, None)]


def test_sarif_lists_skipped_rules_as_tool_execution_notifications(tmp_path):
    second = write(tmp_path / "Account.csv", "Name\nAcme\n")
    document = _valid_sarif(_output("--format", "sarif", MULTI, second))
    [invocation] = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    notifications = invocation["toolExecutionNotifications"]
    assert sorted(n["associatedRule"]["id"] for n in notifications) == sorted(_skipped_codes())
    for notification in notifications:
        code = notification["associatedRule"]["id"]
        assert notification["message"]["text"] == f"{code} skipped: {NO_DESCRIBE}"
        assert notification["level"] == "note"
        uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in notification["locations"]]
        assert uris == [MULTI.as_uri(), second.as_uri()]


def test_sarif_without_skipped_rules_has_an_invocation_and_no_notifications(tmp_path):
    data = write(tmp_path / "Account.csv", "Name\nAcme\n")
    document = _valid_sarif(_output("--format", "sarif", "--select", "F,Q", data))
    assert document["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    assert document["runs"][0]["results"] == []


# --- JUnit -------------------------------------------------------------------------------

def _junit(tmp_path, *args) -> JUnitXml:
    target = tmp_path / "junit.xml"
    target.write_text(_output("--format", "junit", *args), encoding="utf-8")
    return JUnitXml.fromfile(str(target))


def _cases(suite) -> list[tuple]:
    rows = []
    for case in suite:
        [result] = case.result or [None]
        kind = type(result).__name__ if result is not None else "passed"
        rows.append((case.name, kind, result.message if result is not None else None,
                     result.type if isinstance(result, Failure) else None))
    return rows


def test_junit_suites_failures_and_skipped_cases(tmp_path):
    clean = REPORT / "clean.csv"
    xml = _junit(tmp_path, MULTI, clean)
    suites = list(xml)
    assert [s.name for s in suites] == [str(MULTI), str(clean)]
    skipped = sorted(_skipped_codes())
    _, report = lint_json(MULTI)
    failures = [(f"{f['code']} at {f['line']}" + (f":{f['column']}" if f["column"] else ""),
                 "Failure", f["message"], f["code"]) for f in report["findings"]]
    skips = [(f"{code} skipped", "Skipped", NO_DESCRIBE, None) for code in skipped]
    assert _cases(suites[0]) == failures + skips
    assert [(c[0], c[3]) for c in failures] == [("H003 at 1:2", "H003"), ("Q004 at 2:2", "Q004"),
                                                ("Q006 at 3", "Q006"), ("Q002 at 4:2", "Q002"),
                                                ("F007 at 5:3", "F007")]
    assert _cases(suites[1]) == [("sfprep", "passed", None, None)] + skips
    for suite, cases in zip(suites, (len(failures) + len(skips), 1 + len(skips))):
        assert (suite.tests, suite.skipped) == (cases, len(skips))
        assert suite.tests == len(list(suite))
    assert (suites[0].failures, suites[1].failures) == (5, 0)
    assert (xml.tests, xml.failures, xml.skipped) == (sum(s.tests for s in suites), 5, 2 * len(skips))
    for suite in suites:
        for case in suite:
            assert case.classname == suite.name
            assert case.is_skipped == isinstance((case.result or [None])[0], Skipped)


# --- GitHub workflow commands -----------------------------------------------------------

# The runner's syntax: `::name key=value,key=value::message`; property values escape
# %, CR, LF, `:` and `,`; the message escapes %, CR and LF (actions/toolkit escapeProperty /
# escapeData, the inverse of what the runner unescapes).
_COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<properties>[^:]*))?::(?P<message>.*)$")
_UNESCAPE_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_UNESCAPE_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def _unescape(text: str, table) -> str:
    for escaped, plain in table:
        text = text.replace(escaped, plain)
    return text


def _commands(out: str) -> list[tuple[str, dict, str]]:
    commands = []
    for line in out.splitlines():
        match = _COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        properties = {}
        for pair in (match["properties"] or "").split(",") if match["properties"] else []:
            key, _, value = pair.partition("=")
            assert key in {"file", "line", "endLine", "col", "endColumn", "title"}, f"unknown property {key!r}"
            properties[key] = _unescape(value, _UNESCAPE_PROPERTY)
        commands.append((match["name"], properties, _unescape(match["message"], _UNESCAPE_DATA)))
    return commands


def test_github_annotations_parse_and_col_is_the_character(tmp_path):
    odd = write(tmp_path / "a,b:c%d" / "Account.csv", UTF8.read_bytes())
    commands = _commands(_output("--format", "github", odd))
    annotations = [c for c in commands if c[0] != "notice"]
    assert [(name, p["file"], int(p["line"]), int(p["col"]), p["title"].split()[0]) for name, p, _ in annotations] == [
        ("error", str(odd), line, col, code) for code, line, col, _field in UTF8_FINDINGS]
    lines = UTF8.read_bytes().decode("utf-8").split("\n")
    assert [lines[int(p["line"]) - 1][int(p["col"]) - 1] for _, p, _ in annotations] == [" ", '"', "\x01"]
    for (_, _, message), (code, _, _, field) in zip(annotations, UTF8_FINDINGS):
        assert message.startswith(f"{code} ") and message.endswith(f"(field {field})"), message
    [notice] = [c for c in commands if c[0] == "notice"]
    assert notice[1] == {"title": "sfprep skipped rules"} and NO_DESCRIBE in notice[2]


def test_github_line_and_col_inside_a_value_that_spans_lines(tmp_path):
    data = write(tmp_path / "Account.csv", 'Name,Note\n"50%\nx" ,y\n')
    commands = _commands(_output("--format", "github", "--select", "Q004", data))
    [(name, properties, message)] = commands
    assert (name, properties["line"], properties["col"]) == ("error", "3", "3")  # the space after `x"`
    assert message.startswith("Q004 ")


# --- JSON fix edits ----------------------------------------------------------------------

def _apply(data: bytes, edits: list[dict]) -> bytes:
    for edit in sorted(edits, key=lambda e: e["start"], reverse=True):
        data = data[:edit["start"]] + edit["content"].encode("utf-8") + data[edit["end"]:]
    return data


def test_json_fix_edits_are_byte_ranges_that_fix_the_file():
    path = REPORT / "fixable" / "Q004.csv"   # `Name,Phone` LF `"Acme" ,555-0100` LF
    _, report = lint_json("--select", "Q004", path)
    [finding] = report["findings"]
    assert finding["fix"]["edits"] == [{"start": 17, "end": 18, "content": ""}]  # the space after `"Acme"`
    assert _apply(path.read_bytes(), finding["fix"]["edits"]) == b'Name,Phone\n"Acme",555-0100\n'


def test_json_fix_edits_insert_text(tmp_path):
    path = write(tmp_path / "Account.csv", "Name,Parent__c.External_Id__c\nAcme,X1\n")
    _, report = lint_json("--select", "H006", path)
    [finding] = report["findings"]
    edits = finding["fix"]["edits"]
    assert _apply(path.read_bytes(), edits) == b"Name,Parent__r.External_Id__c\nAcme,X1\n"


def test_json_fix_of_a_whole_file_rewrite_has_null_edits():
    _, report = lint_json("--select", "Q001", REPORT / "fixable" / "Q001.csv")
    [finding] = report["findings"]
    assert finding["fix"]["applicability"] == "safe" and finding["fix"]["edits"] is None


def test_json_findings_without_a_fix_have_a_null_fix():
    _, report = lint_json("--select", "Q002", MULTI)
    assert [f["fix"] for f in report["findings"]] == [None]


# --- --statistics ------------------------------------------------------------------------

def test_statistics_as_json_matches_its_schema_and_counts_by_hand():
    Draft202012Validator.check_schema(STATISTICS_SCHEMA)
    out = _output("--statistics", "--format", "json", REPORT / "q004_h003.csv", expect=(1,))
    document = json.loads(out)
    errors = list(Draft202012Validator(STATISTICS_SCHEMA).iter_errors(document))
    assert not errors, [e.message for e in errors]
    assert document["statistics"] == [
        {"code": "Q004", "name": "text-outside-quotes", "count": 2, "fixable": 2},
        {"code": "H003", "name": "padded-column-name", "count": 1, "fixable": 1},
    ]
    assert document["summary"] == {"errors": 3, "warnings": 0, "infos": 0, "fixable": 3}
    assert sorted(s["code"] for s in document["skipped_rules"]) == sorted(_skipped_codes())
    assert {(s["path"], s["reason"]) for s in document["skipped_rules"]} == {(str(REPORT / "q004_h003.csv"), NO_DESCRIBE)}


def test_statistics_as_json_of_a_clean_file():
    document = json.loads(_output("--statistics", "--format", "json", "--select", "F,Q", REPORT / "clean.csv"))
    assert document["statistics"] == [] and document["skipped_rules"] == []
    assert document["summary"] == {"errors": 0, "warnings": 0, "infos": 0, "fixable": 0}


@pytest.mark.parametrize("fmt", ["full", "concise"])
def test_statistics_with_text_formats_is_the_table(fmt):
    out = _output("--statistics", "--format", fmt, REPORT / "q004_h003.csv", expect=(1,))
    assert out.splitlines()[:3] == ["       2  Q004  [*]  text-outside-quotes",
                                    "       1  H003  [*]  padded-column-name",
                                    "Found 3 finding(s)."]


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "html"])
@pytest.mark.parametrize("command", ["lint", "fix"])
def test_statistics_with_other_formats_is_refused_before_linting(command, fmt, tmp_path):
    missing = tmp_path / "nothing-here.csv"  # linting first would complain about this instead
    code, out, err = invoke(command, "--no-progress", "--statistics", "--format", fmt, missing)
    message = assert_usage_error(code, out, err, "--statistics", fmt)
    assert "nothing-here" not in message


def test_statistics_to_a_file_as_json(tmp_path):
    target = tmp_path / "stats.json"
    _output("--statistics", "--format", "json", "--output", target, MULTI, expect=(1,))
    document = json.loads(Path(target).read_text(encoding="utf-8"))
    assert sorted(row["code"] for row in document["statistics"]) == ["F007", "H003", "Q002", "Q004", "Q006"]
