"""The Python API as a user imports it: `import sfprep; sfprep.lint(...)` in a fresh
interpreter, the same findings as the CLI, UsageError (a ValueError) instead of SystemExit,
and the type information a type checker reads (py.typed)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sfprep
from tests.helpers import REPO, lint_json

SAMPLES = REPO / "samples"


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_a_script_gets_the_findings_the_cli_reports(tmp_path):
    done = _python(f"""
        import json, sfprep
        report = sfprep.lint({str(SAMPLES)!r}, describe={str(SAMPLES / "describe")!r},
                             external_id="External_Id__c", jobs=1)
        print(json.dumps({{"findings": list(report), "summary": report.summary,
                          "exit": report.exit_code, "skipped": report.skipped_rules[:1]}}))
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    from_api = json.loads(done.stdout)
    _, from_cli = lint_json("--describe", SAMPLES / "describe", "--external-id", "External_Id__c", SAMPLES)
    assert from_api["findings"] == from_cli["findings"]
    assert from_api["summary"] == from_cli["summary"] == {"errors": 13, "warnings": 6, "infos": 0, "fixable": 5}
    assert from_api["exit"] == 1
    assert set(from_api["skipped"][0]) == {"path", "code", "reason"}


def test_settings_errors_are_usage_errors_not_system_exit(tmp_path):
    with pytest.raises(sfprep.UsageError, match="Z999"):
        sfprep.lint(SAMPLES, select=["Z999"])
    with pytest.raises(ValueError, match="Mars/Olympus"):
        sfprep.lint(SAMPLES, timezone="Mars/Olympus")
    with pytest.raises(sfprep.UsageError, match="no CSV or XML file"):
        sfprep.lint(tmp_path)
    with pytest.raises(TypeError, match="selct"):
        sfprep.lint(SAMPLES, selct=["Q"])


def test_selection_takes_a_list_or_a_comma_separated_string():
    as_list = sfprep.lint(SAMPLES / "Contact.upsert.csv", select=["Q004", "V002"])
    as_text = sfprep.lint(SAMPLES / "Contact.upsert.csv", select="Q004,V002")
    assert [(f["code"], f["line"]) for f in as_list] == [(f["code"], f["line"]) for f in as_text] \
        == [("Q004", 5), ("V002", 7)]


def test_fix_applies_the_safe_fixes_and_reports_what_it_fixed(tmp_path):
    target = tmp_path / "Contact.upsert.csv"
    shutil.copy(SAMPLES / "Contact.upsert.csv", target)
    report = sfprep.fix(target)
    assert report.fixed == {str(target): {"Q004": 1}}
    assert b'"Smith",' in target.read_bytes()
    assert "Q004" not in {f["code"] for f in report}
    preview = sfprep.fix(target, unsafe_fixes=True, diff=True)
    assert preview.fixed == {str(target): {"V001": 1, "V002": 1}}
    assert b"Jordan ," in target.read_bytes(), "diff=True must write nothing"


def test_the_package_is_typed_and_a_type_checker_reads_the_signatures(tmp_path):
    mypy = pytest.importorskip("mypy.api", reason="mypy is a test dependency (pip install -e '.[test]')")
    assert (Path(sfprep.__file__).parent / "py.typed").is_file()
    good = tmp_path / "good.py"
    good.write_text("import sfprep\n"
                    "report: sfprep.Report = sfprep.lint('data/', select=['Q'], jobs=2)\n"
                    "codes: list[str] = [f['code'] for f in report.findings]\n"
                    "fixed: dict[str, dict[str, int]] = sfprep.fix('data/', unsafe_fixes=True).fixed\n")
    bad = tmp_path / "bad.py"
    bad.write_text("import sfprep\nsfprep.lint('data/', jobs='two')\nline: str = sfprep.lint('x').findings[0]['line']\n")
    out, _, status = mypy.run(["--no-incremental", "--follow-imports=silent", "--ignore-missing-imports",
                               str(good)])
    assert status == 0, out
    out, _, status = mypy.run(["--no-incremental", "--follow-imports=silent", "--ignore-missing-imports",
                               str(bad)])
    assert status == 1 and out.count("error:") == 2, out


def test_a_chooser_is_offered_nothing_on_a_file_that_is_not_utf8(tmp_path):
    """The guard of `fix` (no edits on a file that is not UTF-8 text) holds for the chosen
    subsets of `fix --interactive` too."""
    target = tmp_path / "Account.csv"
    target.write_bytes(b" Name ,Phone\nCaf\xe9,1\n")
    offered_to_chooser = []
    report = sfprep.fix(target, choose=lambda path, offered: offered_to_chooser.extend(offered) or offered)
    assert offered_to_chooser == [] and report.fixed == {}
    assert target.read_bytes() == b" Name ,Phone\nCaf\xe9,1\n"
