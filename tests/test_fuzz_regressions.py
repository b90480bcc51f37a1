"""Every input in fuzz/regressions/ replayed through its fuzz target (fuzz/harness.py's, run
here without atheris): a result or one UsageError, never another exception. A crash the
fuzzers find is saved there with its target's name, and stays fixed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import sfprep
from sfprep.core.config import load_settings
from sfprep.core.model import UsageError
from sfprep.salesforce.describe import parse_describe
from tests.helpers import REPO

REGRESSIONS = sorted((REPO / "fuzz" / "regressions").glob("*.bin"))


def replay(target: str, data: bytes, folder: Path) -> None:
    if target in ("scanner", "xml"):
        path = folder / ("Account.csv" if target == "scanner" else "Account.xml")
        path.write_bytes(data)
        list(sfprep.lint(str(path), select=["ALL"]))
    elif target == "describe":
        try:
            parsed = json.loads(data)
        except (ValueError, RecursionError):
            return
        parse_describe(parsed, "fuzz.json")
    elif target == "config":
        path = folder / "sfprep.toml"
        path.write_bytes(data)
        load_settings(path)
    else:
        raise AssertionError(f"no fuzz target {target!r}")


def test_there_are_regressions_for_every_target():
    assert {path.name.split("-", 1)[0] for path in REGRESSIONS} >= {"scanner", "xml", "describe", "config"}


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda path: path.name)
def test_a_saved_fuzz_input_gives_a_result_or_one_error(tmp_path, path):
    try:
        replay(path.name.split("-", 1)[0], path.read_bytes(), tmp_path)
    except UsageError:
        pass
