"""Shared test helpers: run the real CLI in-process and read its JSON report."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sfprep.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus"


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run `sfprep ARGS...` in-process; return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def lint_json(*args: str) -> tuple[int, dict]:
    """Run `sfprep lint --format json --no-progress ARGS...`; return (exit code, report)."""
    code, out, err = run_cli("lint", "--format", "json", "--no-progress", *args)
    assert code in (0, 1), f"exit {code}: {err}"
    return code, json.loads(out)


def findings_of(report: dict, code_prefix: str = "") -> list[tuple[str, int | None, int | None]]:
    """(code, line, column) of every finding whose code starts with code_prefix, sorted."""
    rows = [(f["code"], f["line"], f["column"]) for f in report["findings"]
            if f["code"].startswith(code_prefix)]
    return sorted(rows, key=lambda r: (r[1] or 0, r[0], r[2] or 0))
