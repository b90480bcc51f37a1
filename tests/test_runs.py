"""How a run is set up, as a new user meets it: several files with a bad describe (one line,
never a worker's traceback), no path (the current folder), standard input."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, assert_usage_error, invoke, write

SAMPLES = REPO / "samples"


def sfprep(*args, cwd: Path, stdin: bytes | None = None) -> tuple[int, str, str]:
    """The installed command in its own process (worker pools behave as for a user)."""
    done = subprocess.run([sys.executable, "-m", "sfprep", *map(str, args)], cwd=cwd, input=stdin,
                          capture_output=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    return done.returncode, done.stdout.decode(), done.stderr.decode()


@pytest.fixture
def two_files(tmp_path) -> Path:
    for name in ("Account.csv", "Contact.upsert.csv", "Lead.csv"):
        (tmp_path / name).write_bytes((SAMPLES / name).read_bytes())
    return tmp_path


@pytest.mark.parametrize("setup, needle", [
    (lambda folder: ["--describe", folder / "nope"], "nope"),
    (lambda folder: ["--describe", write(folder / "describe" / "Account.json", "{not json")], "Account.json"),
    (lambda folder: ["--describe", write(folder / "d" / "Account.json", "{not json").parent], "Account.json"),
    (lambda folder: ["--config", write(folder / "sfprep.toml", 'describe = "nodescribe/"\n')], "nodescribe"),
], ids=["missing-folder", "broken-file", "broken-file-in-folder", "missing-folder-in-config"])
def test_a_bad_describe_with_several_files_is_one_line_whatever_the_workers(two_files, setup, needle):
    for jobs in ("1", "2"):
        code, out, err = sfprep("lint", ".", "--no-progress", "--jobs", jobs, *setup(two_files), cwd=two_files)
        assert_usage_error(code, out, err, needle)


def test_an_error_inside_a_worker_is_one_line(two_files):
    """A parent describe is read by the worker that needs it (H013): broken, it still reaches
    the user as one line."""
    describe = two_files / "describe"
    write(describe / "Contact.json", (SAMPLES / "describe" / "Contact.json").read_bytes())
    write(describe / "Account.json", "{not json")
    write(two_files / "Other.csv", "Name\nx\n")
    code, out, err = sfprep("lint", ".", "--no-progress", "--jobs", "2", "--describe", describe,
                            "--external-id", "External_Id__c", cwd=two_files)
    assert_usage_error(code, out, err, "Account.json")


def test_no_path_lints_the_current_folder(two_files, monkeypatch):
    monkeypatch.chdir(two_files)
    code, out, _ = invoke("lint", "--no-progress", "--format", "concise")
    assert code == 1
    assert {line.split(":")[0] for line in out.splitlines() if ": " in line and line[0] != "s"} \
        == {"Contact.upsert.csv", "Lead.csv"}


def test_standard_input_is_linted_under_the_name_given(tmp_path):
    data = (SAMPLES / "Contact.upsert.csv").read_bytes()
    code, out, err = sfprep("lint", "-", "--stdin-filename", "Contact.upsert.csv", "--format", "concise",
                            "--select", "Q004,O001", "--external-id", "External_Id__c", cwd=tmp_path, stdin=data)
    assert code == 1, err
    assert out.splitlines()[0] == "Contact.upsert.csv:5:3: Q004 [*] ' ' outside the quotes of field 3"
    code, out, _ = sfprep("lint", "-", "--stdin-filename", "Account.csv", "--format", "concise", cwd=tmp_path,
                          stdin=(SAMPLES / "Account.csv").read_bytes())
    assert code == 0 and out.splitlines()[-1].startswith("0 errors")


def test_standard_input_without_a_name_is_shown_as_a_dash(tmp_path):
    code, out, _ = sfprep("lint", "-", "--format", "concise", "--select", "Q004", cwd=tmp_path,
                          stdin=b'Name,Phone\n"Acme" ,1\n')
    assert code == 1
    assert out.splitlines()[0].startswith("-:2:1: Q004")


def test_the_progress_bar_is_not_red_while_all_is_well(tmp_path, monkeypatch):
    """rich's default bar is drawn in its error-like pink-red; a lint in progress is no error."""
    import rich.progress

    from sfprep.linter import progress

    made = []
    original = rich.progress.BarColumn

    def recording_bar(*args, **kwargs):
        made.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(rich.progress, "BarColumn", recording_bar)
    from sfprep.api import _options, prepared

    data = write(tmp_path / "Account.csv", (SAMPLES / "Account.csv").read_bytes())
    with prepared([data], _options({})) as (run, targets):
        progress.lint_with_progress_bar(run, targets)
    assert made, "the bar was drawn"
    styles = {made[0].get("complete_style"), made[0].get("finished_style")}
    assert None not in styles and not any("red" in str(style) or "pink" in str(style) for style in styles)
