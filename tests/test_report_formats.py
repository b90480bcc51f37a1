"""SARIF and JUnit reports: well-formed, and holding exactly the findings of the JSON report."""
from __future__ import annotations

import json
import xml.dom.minidom

from tests.helpers import FIXTURES, invoke, lint_json, write

MULTI = FIXTURES / "report" / "multi.csv"


def test_sarif_has_one_result_per_finding_with_rule_and_region():
    _, report = lint_json(MULTI)
    code, out, _ = invoke("lint", "--format", "sarif", MULTI)
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    got = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r["level"])
           for r in run["results"]]
    expected = [(f["code"], f["line"] or 1, {"error": "error", "warning": "warning", "info": "note"}[f["severity"]])
                for f in report["findings"]]
    assert got == expected
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_junit_is_well_formed_even_with_control_characters_and_quotes(tmp_path):
    data = write(tmp_path / "Account.csv", b'Name,Note\n"Acme ""x""",a\x01b\n<b>&,NULL\n')
    code, out, _ = invoke("lint", "--format", "junit", data)
    assert code == 1
    document = xml.dom.minidom.parseString(out)
    failures = document.getElementsByTagName("failure")
    _, report = lint_json(data)
    assert sorted(f.getAttribute("type") for f in failures) == sorted(f["code"] for f in report["findings"])
    suite = document.getElementsByTagName("testsuite")[0]
    assert suite.getAttribute("failures") == str(len(report["findings"]))


def test_junit_clean_file_is_one_passing_case(tmp_path):
    data = write(tmp_path / "Account.csv", "Name\nAcme\n")
    code, out, _ = invoke("lint", "--format", "junit", data)
    assert code == 0
    document = xml.dom.minidom.parseString(out)
    cases = document.getElementsByTagName("testcase")
    passing = [case for case in cases if not case.getElementsByTagName("skipped")]
    assert [case.getAttribute("name") for case in passing] == ["sfprep"]
    assert not document.getElementsByTagName("failure")
    _, report = lint_json(data)
    assert len(cases) == 1 + len(report["files"][0]["skipped_rules"])  # the rest: skipped rules


def test_html_escapes_values_and_shows_every_finding_of_a_small_file(tmp_path):
    data = write(tmp_path / "Account.csv", 'Name,Note\n<script>x</script> ,b\n')
    code, out, _ = invoke("lint", "--format", "html", data)
    assert code == 0  # a warning only
    assert "<script>x</script>" not in out and "&lt;script&gt;" in out
    _, report = lint_json(data)
    assert out.count("<div class='finding'>") == len(report["findings"]) == 1
    assert "V001" in out and "Skipped rules" in out
