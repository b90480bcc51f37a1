"""The command line's public contract (../shared/spec/CLI.md): exit codes, usage errors,
rule selection, report destinations, `rule`, `init`, folder discovery, job from file name.

Fixtures: tests/fixtures/report/ (see its README.md for the findings planted in each file).
Every test runs in an empty temporary folder, so no config file is found unless the test
writes one.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, REPO, assert_usage_error, findings_of, invoke, write
from tests.helpers import lint_json as lint

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPORT = FIXTURES / "report"
CLEAN = REPORT / "clean.csv"                  # no findings
WARNINGS_ONLY = REPORT / "warnings_only.csv"  # one F004 warning (mixed LF / CRLF), no errors
Q004_H003 = REPORT / "q004_h003.csv"          # H003 at 1:2, Q004 at 2:1 and 3:2; nothing else
SPEC_RULES = REPO.parent / "shared" / "spec" / "RULES.md"

H003 = [("H003", 1, 2)]
Q004 = [("Q004", 2, 1), ("Q004", 3, 2)]
BOTH = H003 + Q004


# --- helpers (local to this file) -------------------------------------------------------









@pytest.fixture(autouse=True)
def _empty_working_folder(tmp_path, monkeypatch):
    """Run every test in an empty folder, with no config file above it."""
    from sfprep.core.config import find_config

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLUMNS", raising=False)
    assert find_config(tmp_path) is None, "a stray sfprep.toml/pyproject.toml above the temp folder"


# --- exit codes ------------------------------------------------------------------------

def test_clean_file_exits_0():
    code, out, err = invoke("lint", "--no-progress", CLEAN)
    assert code == 0, f"clean file: exit {code}\n{out}{err}"
    assert err == ""


def test_error_finding_exits_1():
    code, out, err = invoke("lint", "--no-progress", Q004_H003)
    assert code == 1, f"file with error findings: exit {code}\n{out}{err}"


def test_warnings_alone_exit_0():
    code, report = lint(WARNINGS_ONLY)
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [("F004", "warning")]
    assert code == 0, "warnings alone must exit 0 (CLI.md)"


def test_warnings_under_strict_exit_1():
    code, out, err = invoke("lint", "--no-progress", "--strict", WARNINGS_ONLY)
    assert code == 1, f"--strict with a warning: exit {code}\n{out}{err}"


def test_clean_file_under_strict_exits_0():
    code, _, _ = invoke("lint", "--no-progress", "--strict", CLEAN)
    assert code == 0


@pytest.mark.parametrize("path, extra", [(Q004_H003, ()), (WARNINGS_ONLY, ("--strict",))],
                         ids=["errors", "strict-warnings"])
def test_exit_zero_overrides_findings(path, extra):
    code, out, _ = invoke("lint", "--no-progress", "--exit-zero", *extra, path)
    assert code == 0
    assert out.strip(), "--exit-zero still reports the findings"


# --- usage errors: exit 2, one line on stderr --------------------------------------------

def _bad_toml(tmp: Path) -> Path:
    return write(tmp / "broken.toml", 'select = ["Q004"\n')


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _folder_with(path: Path, name: str) -> Path:
    write(path / name, "not a data file\n")
    return path


USAGE_ERRORS = [
    # (id, args builder, words the message must contain)
    ("missing-path", lambda t: ["lint", t / "missing.csv"], ["missing.csv"]),
    ("missing-among-good", lambda t: ["lint", CLEAN, t / "gone.csv"], ["gone.csv"]),
    ("no-path-in-an-empty-folder", lambda t: ["lint"], ["no CSV or XML file in ."]),
    ("empty-folder", lambda t: ["lint", _folder(t / "empty")], ["no CSV or XML file", "empty"]),
    ("folder-without-data-files", lambda t: ["lint", _folder_with(t / "docs", "notes.txt")], ["no CSV or XML file"]),
    ("bad-timezone", lambda t: ["lint", "--timezone", "Mars/Olympus", CLEAN], ["--timezone", "Mars/Olympus"]),
    ("date-format-without-date", lambda t: ["lint", "--date-format", "hello", CLEAN], ["--date-format", "hello"]),
    ("date-format-bad-directive", lambda t: ["lint", "--date-format", "%Q", CLEAN], ["--date-format", "%Q"]),
    ("unknown-encoding", lambda t: ["lint", "--encoding", "klingon", CLEAN], ["--encoding", "klingon"]),
    ("not-a-text-encoding", lambda t: ["fix", "--encoding", "rot13", CLEAN], ["--encoding", "rot13"]),
    ("unsafe-fixes-without-fix", lambda t: ["lint", "--unsafe-fixes", CLEAN], ["--unsafe-fixes", "--fix"]),
    ("fix-standard-input", lambda t: ["fix", "-"], ["standard input"]),
    ("unknown-select", lambda t: ["lint", "--select", "Z999", CLEAN], ["Z999"]),
    ("unknown-select-in-list", lambda t: ["lint", "--select", "Q004,Z999", CLEAN], ["Z999"]),
    ("unknown-ignore", lambda t: ["lint", "--ignore", "Z999", CLEAN], ["Z999"]),
    ("unknown-extend-select", lambda t: ["lint", "--extend-select", "Z9", CLEAN], ["Z9"]),
    ("bad-operation", lambda t: ["lint", "--operation", "merge", CLEAN], ["merge"]),
    ("bad-delimiter", lambda t: ["lint", "--profile", "bulk2", "--delimiter", "X", CLEAN], ["--delimiter"]),
    ("missing-describe", lambda t: ["lint", "--describe", t / "nope.json", CLEAN], ["nope.json"]),
    ("invalid-describe", lambda t: ["lint", "--describe", write(t / "Account.json", "{not json"), CLEAN],
     ["Account.json"]),
    ("bad-profile", lambda t: ["lint", "--profile", "bulk3", CLEAN], ["bulk3"]),
    ("bad-format", lambda t: ["lint", "--format", "xml", CLEAN], ["xml"]),
    ("bad-jobs", lambda t: ["lint", "--jobs", "0", CLEAN], ["--jobs"]),
    ("unknown-option", lambda t: ["lint", "--bogus", CLEAN], ["--bogus"]),
    ("missing-config", lambda t: ["lint", "--config", t / "nope.toml", CLEAN], ["nope.toml"]),
    ("config-is-a-folder", lambda t: ["lint", "--config", _folder(t / "conf_dir"), CLEAN], ["conf_dir"]),
    ("invalid-config", lambda t: ["lint", "--config", _bad_toml(t), CLEAN], ["broken.toml"]),
    ("unwritable-output", lambda t: ["lint", "--output", t / "no" / "such" / "r.txt", CLEAN], ["r.txt"]),
    ("unknown-rule", lambda t: ["rule", "Z999"], ["Z999"]),
    ("unknown-command", lambda t: ["frobnicate"], ["frobnicate"]),
]


@pytest.mark.parametrize("build, needles", [pytest.param(b, n, id=i) for i, b, n in USAGE_ERRORS])
def test_usage_error_is_one_line_and_exit_2(tmp_path, build, needles):
    code, out, err = invoke(*build(tmp_path))
    assert_usage_error(code, out, err, *needles)


# --- rule selection ----------------------------------------------------------------------

SELECTIONS = [
    ((), BOTH),
    (("--select", "Q004"), Q004),
    (("--select", "q004"), Q004),
    (("--select", "Q"), Q004),
    (("--select", "Q00"), Q004),
    (("--select", "H00"), H003),
    (("--select", "H003"), H003),
    (("--select", "ALL"), BOTH),
    (("--select", "all"), BOTH),
    (("--select", "F"), []),
    (("--select", "Q004,H003"), BOTH),
    (("--select", "Q004, H003"), BOTH),
    (("--ignore", "Q004"), H003),
    (("--ignore", "Q"), H003),
    (("--ignore", "H00"), Q004),
    (("--ignore", "Q,H"), []),
    (("--select", "ALL", "--ignore", "H003"), Q004),
    (("--select", "Q", "--ignore", "Q004"), []),
    (("--select", "Q", "--extend-select", "H003"), BOTH),
    (("--select", "H003", "--extend-select", "Q"), BOTH),
    (("--select", "F", "--extend-select", "H00"), H003),
    (("--extend-select", "H003"), BOTH),
]


@pytest.mark.parametrize("args, expected", SELECTIONS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else None)
def test_rule_selection(args, expected):
    code, report = lint(*args, Q004_H003)
    assert findings_of(report) == expected
    assert code == (1 if expected else 0), "exit code follows the selected findings"


# --- report destinations -----------------------------------------------------------------

def test_output_writes_the_report_to_a_file_and_nothing_to_stdout(tmp_path):
    target = tmp_path / "report.json"
    code, out, err = invoke("lint", "--no-progress", "--format", "json", "--output", target, Q004_H003)
    assert code == 1
    assert out == "", f"--output: stdout must stay empty, got {out!r}"
    report = json.loads(target.read_text(encoding="utf-8"))
    assert findings_of(report) == BOTH


def test_output_without_format_writes_concise(tmp_path):
    target = tmp_path / "report.txt"
    code, out, _ = invoke("lint", "--no-progress", "--output", target, Q004_H003)
    assert code == 1 and out == ""
    text = target.read_text(encoding="utf-8")
    assert f"{Q004_H003}:2:1: Q004 " in text
    assert f"{Q004_H003}:1:2: H003 " in text


def test_statistics_prints_counts_per_code():
    code, out, _ = invoke("lint", "--no-progress", "--statistics", Q004_H003)
    assert code == 1
    assert re.search(r"^\s*2\s+Q004\b", out, re.M), f"no '2 Q004' count line in:\n{out}"
    assert re.search(r"^\s*1\s+H003\b", out, re.M), f"no '1 H003' count line in:\n{out}"
    assert not re.search(r":\d+:\d+: [A-Z]\d{3}", out), f"--statistics printed individual findings:\n{out}"
    codes = re.findall(r"^\s*\d+\s+([A-Z]\d{3})\b", out, re.M)
    assert sorted(codes) == ["H003", "Q004"], codes


def test_statistics_respects_selection():
    _, out, _ = invoke("lint", "--no-progress", "--statistics", "--select", "Q", Q004_H003)
    assert re.findall(r"^\s*(\d+)\s+([A-Z]\d{3})\b", out, re.M) == [("2", "Q004")]


# --- version, rule, init -------------------------------------------------------------------

def test_version():
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    code, out, _ = invoke("--version")
    assert code == 0
    assert out == f"sfprep {version}\n"


def _sections(text: str) -> dict[str, str]:
    """Heading -> body, for markdown `## Heading` sections."""
    parts = re.split(r"^#+ *(.+?) *$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("argument", ["Q004", "q004"])
def test_rule_prints_the_documentation(argument):
    code, out, err = invoke("rule", argument)
    assert code == 0, err
    assert "Q004" in out
    titles = ["What it checks", "Why it matters", "Example", "Use instead", "Fix"]
    headings = [h.strip() for h in re.findall(r"^#+ *(.+?) *$", out, re.M)]
    assert [h for h in headings if h in titles] == titles, f"sections missing or out of order: {headings}"
    sections = _sections(out)
    for title in titles:
        assert sections.get(title), f"section {title!r} is empty or not a heading:\n{out}"
    # RULES.md's own example of Q004: a space before or after the quotes.
    assert re.search(r'" ,|", "', sections["Example"]), sections["Example"]


def _catalogue_codes() -> list[str]:
    if SPEC_RULES.is_file():
        text = SPEC_RULES.read_text(encoding="utf-8")
        codes = re.findall(r"^\|\s*([A-Z]\d{3})\s*\|", text, re.M)
    else:
        lines = (FIXTURES / "spec_codes.txt").read_text(encoding="utf-8").splitlines()
        codes = [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]
    return [c for c in codes if c[0] in "FQ" or (c[0] == "H" and int(c[1:]) <= 7)]


def test_rule_without_code_prints_the_catalogue():
    from sfprep.linter.registry import all_rules

    code, out, err = invoke("rule")
    assert code == 0, err
    expected = set(_catalogue_codes()) | set(all_rules())
    assert len(expected) >= 20
    listed = set(re.findall(r"\b([A-Z]\d{3})\b", out))
    assert expected <= listed, f"catalogue lacks {sorted(expected - listed)}"


def test_rule_catalogue_shows_full_rule_names():
    """Piped (not a terminal), the catalogue must still be greppable: no name cut short."""
    from sfprep.linter.registry import all_rules

    _, out, _ = invoke("rule")
    cut = [f"{r.code} {r.name}" for r in all_rules().values() if r.name not in out]
    assert not cut, f"`sfprep rule | cat` truncates these rule names: {cut}"


def test_init_writes_a_config_that_loads(tmp_path):
    from sfprep.core.config import load_settings

    code, out, err = invoke("init")
    assert code == 0, err
    target = tmp_path / "sfprep.toml"
    assert target.is_file()
    settings = load_settings(target)  # raises UsageError if invalid
    assert settings.select is None and settings.ignore == () and settings.profile == "bulk1"
    # and the CLI finds and accepts it
    code, _, err = invoke("lint", "--no-progress", CLEAN)
    assert code == 0, err


def test_init_refuses_to_overwrite_without_force(tmp_path):
    target = write(tmp_path / "sfprep.toml", 'profile = "bulk2"\n')
    code, out, err = invoke("init")
    assert_usage_error(code, out, err, "sfprep.toml")
    assert target.read_text(encoding="utf-8") == 'profile = "bulk2"\n', "init overwrote the file"


def test_init_twice_refuses_the_second_time(tmp_path):
    assert invoke("init")[0] == 0
    first = (tmp_path / "sfprep.toml").read_bytes()
    code, out, err = invoke("init")
    assert_usage_error(code, out, err, "sfprep.toml")
    assert (tmp_path / "sfprep.toml").read_bytes() == first


def test_init_force_overwrites(tmp_path):
    from sfprep.core.config import load_settings

    target = write(tmp_path / "sfprep.toml", 'profile = "bulk2"\n')
    code, _, err = invoke("init", "--force")
    assert code == 0, err
    assert target.read_text(encoding="utf-8") != 'profile = "bulk2"\n'
    assert load_settings(target).profile == "bulk1"


def test_init_examples_are_valid_when_uncommented(tmp_path):
    """The starter file's commented examples are meant to be uncommented: each must be valid."""
    from sfprep.core.config import load_settings

    assert invoke("init")[0] == 0
    text = (tmp_path / "sfprep.toml").read_text(encoding="utf-8")
    uncommented = re.sub(r'^# ((?:[a-z][a-z-]*|"[^"]+") = |\[)', r"\1", text, flags=re.M)
    assert uncommented != text, "no commented examples found to uncomment"
    target = write(tmp_path / "uncommented.toml", uncommented)
    from sfprep.core.model import UsageError
    try:
        load_settings(target)
    except UsageError as error:
        pytest.fail(f"the starter sfprep.toml's own examples are rejected once uncommented: {error}")


# --- folder discovery ----------------------------------------------------------------------

def test_folder_discovery(tmp_path):
    body = "Name,Phone\nAcme,555-0100\n"
    folder = tmp_path / "data"
    write(folder / "a.csv", body)
    write(folder / "sub" / "b.CSV", body)
    write(folder / ".hidden" / "c.csv", body)
    write(folder / "notes.txt", body)
    code, report = lint(folder)
    assert code == 0
    paths = sorted(Path(f["path"]).relative_to(folder).as_posix() for f in report["files"])
    assert paths == ["a.csv", "sub/b.CSV"]


def test_folder_discovery_relative_path(tmp_path):
    body = "Name,Phone\nAcme,555-0100\n"
    write(tmp_path / "data" / "a.csv", body)
    write(tmp_path / "data" / "deep" / "er" / "b.csv", body)
    write(tmp_path / "data" / "deep" / ".git" / "x.csv", body)
    _, report = lint("data")
    assert sorted(Path(f["path"]).as_posix() for f in report["files"]) == ["data/a.csv", "data/deep/er/b.csv"]


# --- the job from the file name --------------------------------------------------------------

JOBS = [
    ("Account.csv", (), "Account", "insert"),
    ("Contact.upsert.csv", (), "Contact", "upsert"),
    ("random_name.csv", (), None, "insert"),
    ("Invoice__c.csv", (), "Invoice__c", "insert"),
    ("Account.csv", ("--object", "Lead"), "Lead", "insert"),
    ("Contact.upsert.csv", ("--operation", "update"), "Contact", "update"),
    ("Contact.upsert.csv", ("--object", "Lead", "--operation", "delete"), "Lead", "delete"),
    ("random_name.csv", ("--object", "Account", "--operation", "upsert"), "Account", "upsert"),
    ("Account.csv", ("--operation", "HARDDELETE"), "Account", "hardDelete"),
]


@pytest.mark.parametrize("name, args, obj, operation", JOBS,
                         ids=[f"{n}{'+' + ' '.join(a) if a else ''}" for n, a, _, _ in JOBS])
def test_job_from_file_name(tmp_path, name, args, obj, operation):
    path = write(tmp_path / name, "Name,Phone\nAcme,555-0100\n")
    _, report = lint(*args, path)
    [entry] = report["files"]
    assert entry["path"] == str(path)
    assert (entry["object"], entry["operation"]) == (obj, operation)


def test_the_console_script_keeps_exit_codes_and_flushes_everything(tmp_path):
    """`sfprep` (cli.run) leaves with os._exit after main(): the exit code, stdout and a report
    written with --output must all be complete."""
    import subprocess
    import sys

    bad = FIXTURES / "rules" / "Q004" / "bad.csv"

    def sfprep(*args):
        return subprocess.run([sys.executable, "-m", "sfprep", *map(str, args)], capture_output=True, text=True)

    linted = sfprep("lint", "--format", "json", "--no-progress", bad)
    assert linted.returncode == 1
    assert "Q004" in {f["code"] for f in json.loads(linted.stdout)["findings"]}
    report = tmp_path / "report.json"
    written = sfprep("lint", "--format", "json", "--no-progress", "--output", report, bad)
    assert written.returncode == 1 and written.stdout == ""
    assert json.loads(report.read_text(encoding="utf-8")) == json.loads(linted.stdout)
    clean = sfprep("lint", "--no-progress", FIXTURES / "rules" / "Q004" / "good.csv")
    assert clean.returncode == 0
    wrong = sfprep("lint", tmp_path / "missing.csv")
    assert wrong.returncode == 2 and wrong.stderr.startswith("sfprep: error: ") and wrong.stderr.count("\n") == 1
