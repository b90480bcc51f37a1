"""Shared test helpers: run the real CLI in-process and read its JSON report."""
from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from sfprep.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
# ../shared/corpus beside a clone; a worktree (/work/wt/NAME) has it two folders up.
CORPUS = next((c for c in (REPO.parent / "shared" / "corpus", REPO.parent.parent / "shared" / "corpus")
               if c.is_dir()), REPO.parent / "shared" / "corpus")


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


def invoke(*args) -> tuple[int, str, str]:
    """Run `sfprep ARGS...` in-process; a Python exception escaping the CLI fails the test."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(f"`sfprep {' '.join(map(str, args))}` crashed instead of exiting cleanly:\n{trace}")
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, content: str | bytes) -> Path:
    """Write `content` (text as UTF-8, or exact bytes), creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def assert_usage_error(code: int, out: str, err: str, *needles: str) -> str:
    """Exit 2, exactly one stderr line `sfprep: error: ...` mentioning every needle, no traceback."""
    assert "Traceback" not in err and "Traceback" not in out, f"traceback printed:\n{err}"
    assert code == 2, f"expected exit 2 (usage error), got {code}; stderr={err!r}"
    lines = err.splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}: {lines!r}"
    assert lines[0].startswith("sfprep: error: "), f"stderr line does not start with 'sfprep: error:': {lines[0]!r}"
    message = lines[0][len("sfprep: error: "):]
    for needle in needles:
        assert needle in message, f"usage error {message!r} does not mention {needle!r}"
    assert out == "", f"a usage error must not print a report on stdout, got {out!r}"
    return message


def kill_at_random_points(command: list[str], out: Path, marker: str, runs: int, seed: int = 7) -> int:
    """Run `command` (an sfprep command line writing the folder `out`) `runs` times, each killed
    with SIGKILL after a random delay: every time, `out` is absent or complete (its marker
    written last is there); returns how many runs were killed before they finished."""
    import random
    import shutil
    import signal
    import subprocess
    import sys
    import time

    rng = random.Random(seed)
    started = time.monotonic()
    whole = subprocess.run([sys.executable, "-m", "sfprep", *command], capture_output=True)
    assert whole.returncode == 0, whole.stderr
    duration = time.monotonic() - started
    killed = 0
    for _ in range(runs):
        shutil.rmtree(out)
        child = subprocess.Popen([sys.executable, "-m", "sfprep", *command], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, duration * 0.9))
        child.send_signal(signal.SIGKILL)
        killed += child.wait() == -signal.SIGKILL
        assert not out.exists() or (out / marker).is_file(), "a folder at DIR is a complete one"
        if not out.exists():
            assert not list(out.parent.glob(f".{out.name}.sfprep-*/{marker}")), "no marker in the temporary folder"
            out.mkdir()   # for the next rmtree
    shutil.rmtree(out)
    again = subprocess.run([sys.executable, "-m", "sfprep", *command], capture_output=True)
    assert again.returncode == 0 and (out / marker).is_file(), again.stderr
    assert not list(out.parent.glob(f".{out.name}.sfprep-*")), "the stale temporary folders are removed"
    return killed


def run_with_file_size_limit(command: list[str], limit: int):
    """`sfprep COMMAND` in a child that may write no file larger than `limit` bytes (a disk
    that fills midway: writes fail with EFBIG, SIGXFSZ ignored as a full disk sends none)."""
    import resource
    import signal
    import subprocess
    import sys

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "sfprep", *command], capture_output=True, text=True, timeout=120,
                          preexec_fn=limited)
