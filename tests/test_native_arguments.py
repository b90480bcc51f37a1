"""Every entry point of the C extensions (sfprep/native/*.c) given arguments it cannot use:
a ValueError or TypeError, never a crash and never a read outside the buffers (issue 15).
Each call runs in a child process of its own, so a segfault fails its case instead of the run."""
from __future__ import annotations

import subprocess
import sys

import pytest

from sfprep.native import load_extension as load

I64 = "np.array({}, dtype=np.int64)"
BIG = 1 << 62
CASES = {
    # _scan.fields(buffer, cut, separators, delimiter, line_break)
    "scan.fields separator past the buffer": "_scan.fields(b'abc', 3, np.array([1 << 40]), 44, 10)",
    "scan.fields separators decreasing": "_scan.fields(b'a,b,c', 5, np.array([3, 1]), 44, 10)",
    "scan.fields separator negative": "_scan.fields(b'abc', 3, np.array([-5]), 44, 10)",
    "scan.fields separators of bytes": "_scan.fields(b'abc', 3, np.zeros(3, dtype=np.int8), 44, 10)",
    "scan.fields separators unaligned": "_scan.fields(b'abc', 3, np.zeros(9, dtype=np.int8)[1:], 44, 10)",
    "scan.fields separators not a buffer": "_scan.fields(b'abc', 3, [1], 44, 10)",
    "scan.scan start past the end": "_scan.scan(b'a,\"b', 1 << 40, 44, 10, 1, 0, 0, -1, -1)",
    "scan.scan negative state": "_scan.scan(b'\"a\"\\n', -7, 44, 10, 1, 3, -(1 << 40), -(1 << 40), -(1 << 40))",
    "scan.scan unknown mode": "_scan.scan(b'a,b', 0, 44, 10, 1, 99, 1 << 40, 1 << 40, 1 << 40)",
    "scan.text not bytes": "_scan.text(12)",
    # _fields.facts(data, starts, ends, fields)
    "fields.facts span past the data": f"_fields.facts(b'abc', {I64.format([0])}, {I64.format([BIG])}, {I64.format([0])})",
    "fields.facts index past the spans": f"_fields.facts(b'abc', {I64.format([0])}, {I64.format([1])}, {I64.format([BIG])})",
    "fields.facts float spans": "_fields.facts(b'abc', np.zeros(1), np.zeros(1), np.zeros(1, dtype=np.int64))",
    "fields.facts spans of two lengths": f"_fields.facts(b'abc', {I64.format([0, 1])}, {I64.format([1])}, {I64.format([0])})",
    # _columns.columns(data, starts, ends, firsts, width)
    "columns first field overflowing": f"_columns.columns(b'abc', {I64.format([0])}, {I64.format([1])}, "
                                       f"{I64.format([(1 << 63) - 1])}, 1)",
    "columns span past the data": f"_columns.columns(b'abc', {I64.format([0])}, {I64.format([BIG])}, {I64.format([0])}, 1)",
    "columns negative width": f"_columns.columns(b'abc', {I64.format([0])}, {I64.format([1])}, {I64.format([0])}, -1)",
    "columns 2-D spans": "_columns.columns(b'abc', np.zeros((1, 1), dtype=np.int64), np.zeros((1, 1), dtype=np.int64), "
                         "np.zeros(1, dtype=np.int64), 1)",
    # _records.csv(data, starts, ends, firsts, width, delimiter, source_delimiter, terminator)
    "records.csv first field past the spans": f"_records.csv(b'a\\n', {I64.format([0])}, {I64.format([1])}, "
                                              f"{I64.format([BIG])}, 1, 44, 44, b'\\n')",
    "records.csv first field overflowing": f"_records.csv(b'a\\n', {I64.format([0])}, {I64.format([1])}, "
                                           f"{I64.format([(1 << 63) - 1])}, 1, 44, 44, b'\\n')",
    "records.csv span past the data": f"_records.csv(b'a\\n', {I64.format([0])}, {I64.format([BIG])}, "
                                      f"{I64.format([0])}, 1, 44, 44, b'\\n')",
    "records.csv delimiter not a byte": f"_records.csv(b'a', {I64.format([0])}, {I64.format([1])}, "
                                        f"{I64.format([0])}, 1, 300, 44, b'\\n')",
    "records.csv width 0": f"_records.csv(b'a', {I64.format([0])}, {I64.format([1])}, {I64.format([0])}, 0, 44, 44, b'\\n')",
    # _records.xml(data, starts, ends, firsts, width, openers, closers, nils)
    "records.xml first field past the spans": f"_records.xml(b'a', {I64.format([0])}, {I64.format([1])}, "
                                              f"{I64.format([BIG])}, 1, [b'<a>'], [b'</a>'], [b'<a/>'])",
    "records.xml fewer names than width": f"_records.xml(b'a', {I64.format([0])}, {I64.format([1])}, "
                                          f"{I64.format([0])}, 3, [b'<a>'], [b'</a>'], [b'<a/>'])",
    "records.xml negative width": f"_records.xml(b'a', {I64.format([0])}, {I64.format([1])}, {I64.format([0])}, -2, "
                                  "[], [], [])",
    # _records.gather(data, starts, sizes)
    "records.gather size overflowing": f"_records.gather(b'abc', {I64.format([1])}, {I64.format([(1 << 63) - 1])})",
    "records.gather start past the data": f"_records.gather(b'abc', {I64.format([BIG])}, {I64.format([1])})",
    "records.gather lengths differ": f"_records.gather(b'abc', {I64.format([0, 1])}, {I64.format([1])})",
}
CHILD = """
import numpy as np
from sfprep.native import load_extension as load
_scan, _fields, _columns, _records = (load(name) for name in ("_scan", "_fields", "_columns", "_records"))
try:
    {call}
except (ValueError, TypeError) as error:
    print(type(error).__name__, error)
else:
    print("ACCEPTED")
"""

pytestmark = pytest.mark.skipif(any(load(name) is None for name in ("_scan", "_fields", "_columns", "_records")),
                                reason="the C extensions were not built here; the numpy and polars paths stand in")


@pytest.mark.parametrize("call", list(CASES.values()), ids=list(CASES))
def test_bad_arguments_raise_instead_of_crashing(call):
    done = subprocess.run([sys.executable, "-c", CHILD.format(call=call)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"the extension crashed (exit {done.returncode}): {done.stderr[-400:]}"
    assert done.stdout.startswith(("ValueError", "TypeError")), f"accepted arguments it cannot use: {done.stdout}"
