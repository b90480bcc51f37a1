"""--jobs: files linted in parallel processes give the same report, in the same order."""
from __future__ import annotations

import json
import os

from tests.helpers import FIXTURES, run_cli


def test_parallel_report_equals_the_serial_one():
    folder = FIXTURES / "rules"
    serial = run_cli("lint", "--format", "json", "--exit-zero", "--jobs", "1", "--select", "ALL", folder)
    parallel = run_cli("lint", "--format", "json", "--exit-zero", "--jobs", "2", "--select", "ALL", folder)
    assert serial[0] == parallel[0] == 0
    serial_report, parallel_report = json.loads(serial[1]), json.loads(parallel[1])
    assert len(serial_report["files"]) > 100
    assert parallel_report == serial_report


def test_a_usage_error_in_a_worker_is_still_one_line_and_exit_2(tmp_path):
    good = tmp_path / "a.csv"
    good.write_text("Name\nAcme\n")
    fifo = tmp_path / "b.csv"
    os.mkfifo(fifo)
    code, out, err = run_cli("lint", "--jobs", "2", good, fifo)
    assert code == 2 and err.startswith("sfprep: error: ") and err.count("\n") == 1
    assert "not a regular file" in err
