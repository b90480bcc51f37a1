"""The optional C scanner (sfprep/_scan.c) decides exactly what the numpy scanner decides."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfprep.readers import csv_scan
from sfprep.readers.dialect import CR, LF, Dialect

pytestmark = pytest.mark.skipif(csv_scan._c_scanner is None,
                                reason="the C scanner was not built here; the numpy scanner is the only one")

CSV_BYTES = st.lists(st.sampled_from([b'"', b",", b"\n", b"\r", b"\r\n", b" ", b"\t", b"a", b"bc", b'""', b";"]),
                     max_size=60).map(b"".join)


def both(data: bytes, dialect: Dialect):
    arr = np.frombuffer(data, dtype=np.uint8)
    results = []
    for structure in (csv_scan._structure_in_numpy, csv_scan._structure_in_c):
        structural, breaks, anomalies, open_quote = structure(data, arr, dialect)
        results.append((structural.tolist(), breaks.tolist(), anomalies, open_quote))
    return results


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(CSV_BYTES, st.sampled_from([(",", LF), (",", CR), (";", LF)]))
def test_c_and_numpy_agree_on_csv_like_bytes(data, dialect):
    delimiter, line_break = dialect
    numpy_answer, c_answer = both(data, Dialect(ord(delimiter), line_break))
    assert c_answer == numpy_answer


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.binary(max_size=200))
def test_c_and_numpy_agree_on_any_bytes(data):
    numpy_answer, c_answer = both(data, Dialect())
    assert c_answer == numpy_answer


def test_c_scanner_on_the_fixtures_gives_the_numpy_findings(monkeypatch):
    from tests.helpers import FIXTURES

    for path in sorted((FIXTURES / "rules").glob("*/*.csv")):
        data = path.read_bytes()
        assert both(data, Dialect())[0] == both(data, Dialect())[1], path
