"""Configuration: where it is found, what each setting does, and how bad configs fail.

CLI.md: `--config FILE`; default `[tool.sfprep]` in the nearest pyproject.toml, else
sfprep.toml. A bad config is a usage error: exit 2, one line on stderr naming the file and
the key, never a traceback. Bad config fixtures: tests/fixtures/config/bad/.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, assert_usage_error, findings_of, invoke, write
from tests.helpers import lint_json as lint

REPORT = FIXTURES / "report"
BAD = FIXTURES / "config" / "bad"
Q004_H003 = REPORT / "q004_h003.csv"  # H003 at 1:2, Q004 at 2:1 and 3:2
WARNINGS_ONLY = REPORT / "warnings_only.csv"
CLEAN = REPORT / "clean.csv"

H003 = [("H003", 1, 2)]
Q004 = [("Q004", 2, 1), ("Q004", 3, 2)]
BOTH = H003 + Q004

CSV_BODY = Q004_H003.read_bytes()
SEMICOLON = b"Name;Phone\nAcme;555-0100\n"
COMMA = b"Name,Phone\nAcme,555-0100\n"
CRLF = b"Name,Phone\r\nAcme,555-0100\r\nGlobex,555-0199\r\n"


# --- helpers (local to this file) -------------------------------------------------------







def by_file(report: dict, root: Path) -> dict[str, list]:
    """Relative path -> sorted (code, line, column) of its findings."""
    out = {Path(f["path"]).resolve().relative_to(root.resolve()).as_posix(): [] for f in report["files"]}
    for f in report["findings"]:
        out[Path(f["path"]).resolve().relative_to(root.resolve()).as_posix()].append((f["code"], f["line"], f["column"]))
    return {k: sorted(v, key=lambda r: (r[1] or 0, r[0], r[2] or 0)) for k, v in out.items()}


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    from sfprep.core.config import find_config

    monkeypatch.chdir(tmp_path)
    assert find_config(tmp_path) is None, "a stray sfprep.toml/pyproject.toml above the temp folder"


# --- where the config comes from -----------------------------------------------------------

def test_pyproject_tool_sfprep_found_from_a_subfolder(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[project]\nname = "demo"\n\n[tool.sfprep]\nselect = ["H"]\n')
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")
    _, report = lint(Q004_H003)
    assert findings_of(report) == H003, "[tool.sfprep] select = ['H'] from ../../pyproject.toml not applied"


def test_sfprep_toml_used_when_no_pyproject_has_tool_sfprep(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[project]\nname = "demo"\n\n[tool.black]\nline-length = 100\n')
    write(tmp_path / "sfprep.toml", 'select = ["Q"]\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    _, report = lint(Q004_H003)
    assert findings_of(report) == Q004


def test_pyproject_without_tool_sfprep_does_not_hide_a_parent_sfprep_toml(tmp_path, monkeypatch):
    write(tmp_path / "sfprep.toml", 'select = ["Q"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "sub"\n')
    monkeypatch.chdir(tmp_path / "sub")
    _, report = lint(Q004_H003)
    assert findings_of(report) == Q004


def test_pyproject_tool_sfprep_wins_over_sfprep_toml_in_the_same_folder(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.sfprep]\nselect = ["H"]\n')
    write(tmp_path / "sfprep.toml", 'select = ["Q"]\n')
    _, report = lint(Q004_H003)
    assert findings_of(report) == H003


def test_explicit_config_replaces_discovery(tmp_path):
    write(tmp_path / "sfprep.toml", 'select = ["Q"]\n')
    other = write(tmp_path / "elsewhere" / "ci.toml", 'select = ["H003"]\n')
    _, report = lint("--config", other, Q004_H003)
    assert findings_of(report) == H003


def test_explicit_pyproject_config(tmp_path):
    config = write(tmp_path / "cfg" / "pyproject.toml", '[tool.sfprep]\nignore = ["H"]\n')
    _, report = lint("--config", config, Q004_H003)
    assert findings_of(report) == Q004


# --- select / ignore / extend-select ---------------------------------------------------------

@pytest.mark.parametrize("toml, expected", [
    ('select = ["Q004"]\n', Q004),
    ('select = ["h00"]\n', H003),
    ('select = ["ALL"]\n', BOTH),
    ('ignore = ["Q"]\n', H003),
    ('ignore = ["H003", "Q004"]\n', []),
    ('select = ["Q004"]\nextend-select = ["H003"]\n', BOTH),
    ('select = ["F"]\nextend-select = ["Q00"]\n', Q004),
    ('extend-select = ["H"]\nignore = ["Q"]\n', H003),
    ("", BOTH),
])
def test_selection_from_config(tmp_path, toml, expected):
    write(tmp_path / "sfprep.toml", toml)
    code, report = lint(Q004_H003)
    assert findings_of(report) == expected
    assert code == (1 if expected else 0)


def test_command_line_select_replaces_config_select(tmp_path):
    write(tmp_path / "sfprep.toml", 'select = ["Q"]\n')
    _, report = lint("--select", "H003", Q004_H003)
    assert findings_of(report) == H003


def test_command_line_ignore_adds_to_config_ignore(tmp_path):
    write(tmp_path / "sfprep.toml", 'ignore = ["Q004"]\n')
    _, report = lint("--ignore", "H003", Q004_H003)
    assert findings_of(report) == []


def test_strict_from_config(tmp_path):
    write(tmp_path / "sfprep.toml", "strict = true\n")
    code, _, _ = invoke("lint", "--no-progress", WARNINGS_ONLY)
    assert code == 1, "strict = true: a warning must fail"
    write(tmp_path / "sfprep.toml", "strict = false\n")
    code, _, _ = invoke("lint", "--no-progress", WARNINGS_ONLY)
    assert code == 0


# --- exclude / per-file-ignores / jobs ---------------------------------------------------------

def test_exclude_globs_relative_to_the_config_file(tmp_path, monkeypatch):
    write(tmp_path / "sfprep.toml", 'exclude = ["archive/**", "*.tmp.csv"]\n')
    write(tmp_path / "data" / "a.csv", COMMA)
    write(tmp_path / "data" / "b.tmp.csv", COMMA)
    write(tmp_path / "archive" / "old.csv", COMMA)
    write(tmp_path / "archive" / "2020" / "older.csv", COMMA)
    write(tmp_path / "keep" / "archive.csv", COMMA)
    (tmp_path / "data" / "deeper").mkdir()
    monkeypatch.chdir(tmp_path / "data" / "deeper")  # config found two levels up
    _, report = lint(tmp_path)
    linted = sorted(Path(f["path"]).relative_to(tmp_path).as_posix() for f in report["files"])
    assert linted == ["data/a.csv", "keep/archive.csv"]


def test_per_file_ignores(tmp_path):
    write(tmp_path / "sfprep.toml", '[per-file-ignores]\n"legacy/*.csv" = ["Q004"]\n"*_h.csv" = ["H"]\n')
    write(tmp_path / "legacy" / "old.csv", CSV_BODY)
    write(tmp_path / "new.csv", CSV_BODY)
    write(tmp_path / "only_h.csv", CSV_BODY)
    _, report = lint(tmp_path)
    assert by_file(report, tmp_path) == {
        "legacy/old.csv": H003,
        "new.csv": BOTH,
        "only_h.csv": Q004,
    }


def test_job_tables_by_glob(tmp_path):
    write(tmp_path / "sfprep.toml", (
        'object = "Account"\n'
        '[jobs."contacts/*.csv"]\n'
        'object = "Contact"\n'
        'operation = "upsert"\n'
        'external-id = "External_Id__c"\n'
        '[jobs."leads/*.csv"]\n'
        'operation = "update"\n'
    ))
    write(tmp_path / "contacts" / "c1.csv", COMMA)
    write(tmp_path / "leads" / "l1.csv", COMMA)
    write(tmp_path / "other.csv", COMMA)
    _, report = lint(tmp_path)
    jobs = {Path(f["path"]).relative_to(tmp_path).as_posix(): (f["object"], f["operation"]) for f in report["files"]}
    assert jobs == {
        "contacts/c1.csv": ("Contact", "upsert"),
        "leads/l1.csv": ("Account", "update"),   # the glob's operation over the general object
        "other.csv": ("Account", "insert"),
    }


def test_config_job_beats_the_file_name_and_the_command_line_beats_both(tmp_path):
    # CLI.md: --object ... "else from config, else from a file name"
    write(tmp_path / "sfprep.toml", '[jobs."contacts/*.csv"]\nobject = "Contact"\noperation = "upsert"\n')
    path = write(tmp_path / "contacts" / "Lead.csv", COMMA)
    _, report = lint(path)
    assert (report["files"][0]["object"], report["files"][0]["operation"]) == ("Contact", "upsert")
    _, report = lint("--object", "Account", path)
    assert (report["files"][0]["object"], report["files"][0]["operation"]) == ("Account", "upsert")


# --- profile ---------------------------------------------------------------------------------

def _codes(report: dict) -> list[tuple[str, str]]:
    return [(f["code"], f["severity"]) for f in report["findings"]]


def test_profile_bulk2_with_declared_line_ending(tmp_path):
    data = write(tmp_path / "crlf.csv", CRLF)
    write(tmp_path / "sfprep.toml", 'profile = "bulk2"\nline-ending = "LF"\n')
    _, report = lint(data)
    assert [(f["code"], f["severity"], f["line"]) for f in report["findings"]] == [("F004", "error", 1)], (
        "bulk2 job with lineEnding LF: a CRLF file is an F004 error at its first line")
    _, report = lint("--line-ending", "CRLF", data)
    assert _codes(report) == [], "--line-ending CRLF on the command line overrides the config's LF"
    write(tmp_path / "sfprep.toml", 'profile = "bulk1"\n')
    _, report = lint(data)
    assert _codes(report) == [], "bulk1 reads consistent CRLF fine"
    _, report = lint("--profile", "bulk2", "--line-ending", "LF", data)
    assert _codes(report) == [("F004", "error")], "--profile bulk2 on the command line overrides the config's"


def test_profile_bulk2_with_declared_delimiter(tmp_path):
    write(tmp_path / "sfprep.toml", 'profile = "bulk2"\ndelimiter = "SEMICOLON"\n')
    semicolon = write(tmp_path / "semi.csv", SEMICOLON)
    comma = write(tmp_path / "comma.csv", COMMA)
    _, report = lint(semicolon)
    assert _codes(report) == [], "bulk2 job declared SEMICOLON: a semicolon file is right"
    _, report = lint(comma)
    assert _codes(report) == [("Q001", "error")], "bulk2 job declared SEMICOLON: a comma file is wrong"


def test_profile_bulk2_default_line_ending_is_lf(tmp_path):
    """RULES.md F004: under bulk2 any ending other than the declared lineEnding is E; the
    job's lineEnding defaults to LF (the bulk2 profile's `line_ending`, F004's own doc)."""
    write(tmp_path / "sfprep.toml", 'profile = "bulk2"\n')
    _, report = lint(write(tmp_path / "crlf.csv", CRLF))
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [("F004", "error")], (
        "profile = bulk2 with no line-ending: a CRLF file must be an F004 error (default lineEnding LF)")


def test_profile_bulk1_default(tmp_path):
    _, report = lint(write(tmp_path / "semi.csv", SEMICOLON))
    assert _codes(report) == [("Q001", "error")], "no config: bulk1, which needs commas"
    write(tmp_path / "sfprep.toml", 'profile = "bulk1"\n')
    _, report = lint(tmp_path / "semi.csv")
    assert _codes(report) == [("Q001", "error")]


@pytest.mark.parametrize("setting, key", [('delimiter = "SEMICOLON"', "delimiter"),
                                          ('line-ending = "CRLF"', "line-ending")])
def test_bulk2_job_setting_under_bulk1_is_a_config_error(tmp_path, setting, key):
    """`delimiter`/`line-ending` are Bulk API 2.0 job settings; bulk1 supports commas only
    (RULES.md Q001). Under profile bulk1 the setting is a config problem: name file and key."""
    write(tmp_path / "sfprep.toml", f'profile = "bulk1"\n{setting}\n')
    write(tmp_path / "semi.csv", SEMICOLON)
    code, out, err = invoke("lint", "--no-progress", tmp_path / "semi.csv")
    if code != 2:  # the other acceptable reading: the setting is ignored and bulk1's comma rule applies
        report = json.loads(invoke("lint", "--format", "json", "--no-progress", tmp_path / "semi.csv")[1])
        assert _codes(report) == [("Q001", "error")], "bulk1 must not accept a semicolon file"
        return
    _assert_config_error(code, out, err, "sfprep.toml", [key])


# --- limits, describe --------------------------------------------------------------------------

def test_valid_limits_are_accepted(tmp_path):
    write(tmp_path / "sfprep.toml", '[limits]\nrecords_per_batch = 5000\ncharacters-per-field = 1000\n')
    code, _, err = invoke("lint", "--no-progress", CLEAN)
    assert code == 0, err


def test_describe_path_is_relative_to_the_config_file(tmp_path):
    from sfprep.core.config import load_settings

    config = write(tmp_path / "conf" / "sfprep.toml", 'describe = "describe/"\n')
    settings = load_settings(config)
    assert Path(settings.describe).resolve() == (tmp_path / "conf" / "describe").resolve()


# --- bad configs: exit 2, one line naming the file and the key -------------------------------------

BAD_CASES = [
    # (fixture, words the message must hold besides the file)
    ("unknown_key.toml", ["colour"]),
    ("unknown_key_in_job.toml", ["objekt", "contacts/*.csv"]),
    ("wrong_type_select.toml", ["select"]),
    ("wrong_type_select_item.toml", ["select"]),
    ("wrong_type_profile.toml", ["profile"]),
    ("wrong_type_strict.toml", ["strict"]),
    ("wrong_type_exclude.toml", ["exclude"]),
    ("wrong_type_jobs.toml", ["jobs"]),
    ("wrong_type_job_entry.toml", ["jobs", "contacts/*.csv"]),
    ("wrong_type_per_file_ignores.toml", ["per-file-ignores"]),
    ("wrong_type_object.toml", ["object"]),
    ("unknown_code_ignore.toml", ["ignore", "Z999"]),
    ("unknown_code_select.toml", ["select", "'Z'"]),
    ("unknown_code_extend_select.toml", ["extend-select", "Z999"]),
    ("unknown_code_per_file.toml", ["per-file-ignores", "legacy/*.csv", "Z999"]),
    ("bad_profile.toml", ["profile", "bulk3"]),
    ("bad_operation.toml", ["operation", "merge"]),
    ("bad_job_operation.toml", ["operation", "contacts/*.csv", "merge"]),
    ("bad_delimiter.toml", ["delimiter"]),
    ("bad_line_ending.toml", ["line-ending"]),
    ("invalid_toml.toml", []),
    ("not_utf8.toml", []),
    ("limits_unknown_key.toml", ["records_per_bath"]),
    ("limits_negative.toml", ["records_per_batch"]),
    ("limits_zero.toml", ["records_per_batch"]),
    ("limits_string.toml", ["records_per_batch"]),
    ("limits_not_a_table.toml", ["limits"]),
    ("pyproject_unknown_key/pyproject.toml", ["colour"]),
    ("pyproject_not_a_table/pyproject.toml", ["tool.sfprep"]),
    ("pyproject_invalid_toml/pyproject.toml", []),
]


def _assert_config_error(code: int, out: str, err: str, config_path: str, needles: list[str]) -> None:
    assert "Traceback" not in err, f"traceback printed:\n{err}"
    assert code == 2, f"bad config: expected exit 2, got {code}; stderr={err!r}"
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {lines!r}"
    assert lines[0].startswith("sfprep: error: "), lines[0]
    assert config_path in lines[0], f"the error does not name the config file {config_path!r}: {lines[0]!r}"
    rest = re.sub(rf"\S*{re.escape(config_path)}", "", lines[0])  # the key, named outside the file name
    for needle in needles:
        assert needle in rest, f"the error does not name {needle!r}: {lines[0]!r}"
    assert out == "", f"no report may be printed for a bad config: {out!r}"


@pytest.mark.parametrize("fixture, needles", BAD_CASES, ids=[c[0].split("/")[0] for c in BAD_CASES])
def test_bad_config_given_with_config_option(fixture, needles):
    path = BAD / fixture
    assert path.is_file(), path
    code, out, err = invoke("lint", "--no-progress", "--config", path, CLEAN)
    _assert_config_error(code, out, err, str(path), needles)


@pytest.mark.parametrize("fixture, needles", BAD_CASES, ids=[c[0].split("/")[0] for c in BAD_CASES])
def test_bad_config_found_by_discovery(tmp_path, monkeypatch, fixture, needles):
    name = "pyproject.toml" if fixture.endswith("pyproject.toml") else "sfprep.toml"
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    shutil.copyfile(BAD / fixture, project / name)
    monkeypatch.chdir(project / "sub")
    code, out, err = invoke("lint", "--no-progress", CLEAN)
    _assert_config_error(code, out, err, f"project/{name}", needles)


@pytest.mark.parametrize("key, value", [
    ("timezone", "Mars/Olympus"), ("date-format", "hello"), ("date-format", "%Q"), ("encoding", "klingon"),
])
def test_bad_format_values_in_config_are_one_line_naming_file_key_and_value(tmp_path, key, value):
    config = write(tmp_path / "sfprep.toml", f'{key} = "{value}"\n')
    code, out, err = invoke("lint", "--config", config, FIXTURES / "report" / "clean.csv")
    assert_usage_error(code, out, err, "sfprep.toml", f"`{key}`", value)


def test_good_format_values_in_config_are_taken(tmp_path):
    config = write(tmp_path / "sfprep.toml",
                   'timezone = "Europe/Paris"\ndate-format = "%d.%m.%Y %H:%M"\nencoding = "cp1252"\n')
    code, _, err = invoke("lint", "--config", config, FIXTURES / "report" / "clean.csv")
    assert code == 0, err
