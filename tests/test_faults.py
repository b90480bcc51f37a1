"""Faults (issue 15): fix and convert killed at random points, a disk that fills midway, a
read-only output folder, two fixes of one file at once. The original is never lost and no
half-written output looks complete. (split, reconcile and delta: in their own test files.)"""
from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import assert_usage_error, run_with_file_size_limit, write

KILLS = 20


def padded_load(path: Path, records: int) -> bytes:
    """A load whose every record has Q004 (a space after a closing quote): fix rewrites it all."""
    data = ("Name,Phone\n" + "".join(f'"Acme {i}" ,"555{i:07d}"\n' for i in range(records))).encode()
    path.write_bytes(data)
    return data


def sfprep(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sfprep", *map(str, args)], capture_output=True, text=True, timeout=300)


def kill_after(args: list, delay: float) -> int:
    child = subprocess.Popen([sys.executable, "-m", "sfprep", *map(str, args)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    return child.wait()


def timed(args: list) -> float:
    started = time.monotonic()
    assert sfprep(*args).returncode in (0, 1)
    return time.monotonic() - started


def test_fix_killed_at_random_points_leaves_the_original_or_the_fixed_file(tmp_path):
    source = tmp_path / "Account.csv"
    original = padded_load(source, 60_000)
    duration = timed(["fix", source])
    fixed = source.read_bytes()
    assert fixed != original
    rng = random.Random(3)
    killed = 0
    for _ in range(KILLS):
        source.write_bytes(original)
        killed += kill_after(["fix", source], rng.uniform(0.05, duration * 0.9)) == -signal.SIGKILL
        assert source.read_bytes() in (original, fixed), "the file is one or the other, never a mix"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["Account.csv"], "no temporary file left"
    assert killed >= KILLS // 2
    source.write_bytes(original)
    assert sfprep("fix", source).returncode in (0, 1) and source.read_bytes() == fixed, "the next run succeeds"


def test_convert_killed_at_random_points_leaves_no_complete_looking_output(tmp_path):
    source = write(tmp_path / "Account.csv", "Name,Phone\n" + "".join(f"Acme {i},555{i}\n" for i in range(150_000)))
    out = tmp_path / "Account.xml"
    duration = timed(["convert", source, "--to", "xml", "--out", out])
    complete = out.read_bytes()
    out.unlink()
    rng = random.Random(5)
    killed = 0
    for _ in range(KILLS):
        killed += kill_after(["convert", source, "--to", "xml", "--out", out],
                             rng.uniform(0.05, duration * 0.9)) == -signal.SIGKILL
        assert not out.exists() or out.read_bytes() == complete
        leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("Account.csv", "Account.xml")]
        assert leftovers == [], f"temporary files left: {leftovers}"
        if out.exists():
            out.unlink()
    assert killed >= KILLS // 2


def test_fix_on_a_full_disk_keeps_the_original(tmp_path):
    source = tmp_path / "Account.csv"
    original = padded_load(source, 20_000)
    done = run_with_file_size_limit(["fix", str(source)], 100_000)
    assert_usage_error(done.returncode, done.stdout, done.stderr, "Account.csv")
    assert source.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Account.csv"]


def test_split_to_a_read_only_folder_is_one_line():
    """Run as an unprivileged user where the tests run as root (root writes anywhere)."""
    import os
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="sfprep-readonly-", dir="/tmp"))
    try:
        folder.chmod(0o755)
        source = write(folder / "Account.csv", "Name\nAcme\n")
        source.chmod(0o644)
        locked = folder / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        command = [sys.executable, "-m", "sfprep", "split", str(source), "--out", str(locked / "out")]
        if os.geteuid() == 0:
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if "Permission denied" in done.stderr and "sfprep" not in done.stderr:
            raise AssertionError(f"the unprivileged user cannot run this Python: {done.stderr.strip()}")
        assert_usage_error(done.returncode, done.stdout, done.stderr, "cannot write")
        assert not (locked / "out").exists()
    finally:
        (folder / "locked").chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def test_two_fixes_at_once_leave_the_file_as_one_of_them_wrote_it(tmp_path):
    source = tmp_path / "Account.csv"
    original = padded_load(source, 40_000)
    copy = tmp_path / "copy" / "Account.csv"
    copy.parent.mkdir()
    copy.write_bytes(original)
    assert sfprep("fix", copy).returncode in (0, 1)
    fixed = copy.read_bytes()
    runs = [subprocess.Popen([sys.executable, "-m", "sfprep", "fix", str(source)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert "Traceback" not in err and run.returncode in (0, 1, 2), err
    assert source.read_bytes() == fixed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Account.csv", "copy"]


def test_split_killed_at_random_points_leaves_no_complete_looking_folder(tmp_path):
    from tests.helpers import kill_at_random_points

    source = write(tmp_path / "Account.csv", "Name,Phone\n" + "".join(f"Acme {i},555{i}\n" for i in range(300_000)))
    before = source.read_bytes()
    command = ["split", str(source), "--out", str(tmp_path / "out"), "--max-records", "5000", "--no-progress"]
    assert kill_at_random_points(command, tmp_path / "out", "manifest.json", runs=KILLS) >= KILLS // 2
    assert source.read_bytes() == before
