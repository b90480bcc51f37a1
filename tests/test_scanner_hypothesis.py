"""Property test: on any table Python's `csv` module writes, sfprep's scanner agrees with
Python's `csv` reader (records, fields, values, physical lines) whatever the chunk size,
and `sfprep lint --select F,Q` finds nothing wrong with it.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfprep.io.csv import scan as csv_scan
from tests.helpers import findings_of, lint_json

# Characters a value may hold: any Unicode scalar except surrogates (not encodable in
# UTF-8) and C0 controls; TAB, LF and CRLF come in as tokens below. A bare CR is never
# generated (Python's writer would not even quote it under QUOTE_MINIMAL).
_C0 = "".join(chr(i) for i in range(0x20))
_CHAR = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters=_C0)
_TOKENS = [",", '"', '""', "\n", "\r\n", " ", "  ", "\t", '" ', ' "', "é", "ß", "Ω", "日本",
           "\u2028", "\x85", "😀", "a", "Z", "0"]
VALUE = st.lists(st.one_of(st.sampled_from(_TOKENS), _CHAR), max_size=8).map("".join)


@st.composite
def tables(draw):
    columns = draw(st.integers(min_value=1, max_value=6))
    rows = draw(st.lists(st.lists(VALUE, min_size=columns, max_size=columns), max_size=30))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    header = [f"Field{i}__c" for i in range(1, columns + 1)]
    return header, rows, quoting, terminator


def write_table(header, rows, quoting, terminator) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=quoting, lineterminator=terminator)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def python_records(data: bytes) -> list[tuple[int, list[str]]]:
    """(starting physical line, values) of every record, as Python's csv module reads them."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    records, previous_end = [], 0
    for values in reader:
        records.append((previous_end + 1, values))
        previous_end = reader.line_num
    return records


def scanned_records(data: bytes, chunk_size: int | None) -> list[tuple[int, list[str]]]:
    kwargs = {} if chunk_size is None else {"chunk_size": chunk_size}
    records = []
    for chunk in csv_scan.scan(io.BytesIO(data), csv_scan.Dialect(), **kwargs):
        assert chunk.anomalies == [], f"chunk_size={chunk_size}: anomalies {chunk.anomalies}"
        assert chunk.unterminated_quote is None, f"chunk_size={chunk_size}: unterminated quote"
        lines = chunk.line_of(chunk.record_starts)
        for index in range(chunk.record_count):
            values = [csv_scan.unquote(raw).decode("utf-8") for raw in chunk.record_fields(index)]
            records.append((int(lines[index]), values))
    return records


@settings(deadline=None, max_examples=200, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables())
def test_python_csv_tables_scan_like_python_and_lint_clean(table):
    header, rows, quoting, terminator = table
    data = write_table(header, rows, quoting, terminator)

    # (b) record boundaries, field counts, values and starting lines equal Python's.
    expected = python_records(data)
    assert len(expected) == len(rows) + 1
    # Cross-check the expected lines against a plain count of LF bytes (every LF is a line).
    assert expected[-1][0] <= data.count(b"\n")
    for chunk_size in (7, 64, 1000, None):
        got = scanned_records(data, chunk_size)
        assert [len(v) for _, v in got] == [len(v) for _, v in expected], f"chunk_size={chunk_size}: field counts"
        assert got == expected, f"chunk_size={chunk_size}"

    # (a) the F and Q rules find nothing: one line ending, valid UTF-8, well-formed quoting.
    # (A one-column row with an empty value is written `""`, never as a blank line.)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "data.csv")
        with open(path, "wb") as stream:
            stream.write(data)
        _, report = lint_json("--select", "F,Q", path)
    found = findings_of(report)
    if rows:
        assert found == [], f"F/Q findings on a well-formed file: {found}"
        assert report["files"][0]["records"] == len(rows)
    else:
        assert found == [("F003", None, None)]


# Malformed input too: any mix of these bytes scans the same whatever the chunk size, and
# the chunks tile the input exactly.
_PIECES = [b"a", b"b", b",", b'"', b'""', b"\n", b"\r\n", b"\r", b" ", b"\t", b"\xc3\xa9", b"\x00"]


def _scan_summary(data: bytes, dialect, chunk_size):
    kwargs = {} if chunk_size is None else {"chunk_size": chunk_size}
    records, anomalies, unterminated, covered = [], [], None, b""
    for chunk in csv_scan.scan(io.BytesIO(data), dialect, **kwargs):
        assert chunk.base == len(covered), "chunks must follow each other without gap or overlap"
        covered += chunk.data
        assert int(chunk.field_counts.sum()) == len(chunk.field_starts) == len(chunk.field_ends)
        assert (chunk.field_starts <= chunk.field_ends).all()
        lines = chunk.line_of(chunk.record_starts)
        for i in range(chunk.record_count):
            first, count = int(chunk.record_first_field[i]), int(chunk.field_counts[i])
            quoted = chunk.field_quoted[first:first + count].tolist()
            records.append((int(lines[i]), chunk.record_fields(i), int(chunk.terminators[i]), quoted))
        anomalies += [(a.kind, chunk.base + a.position, chunk.base + a.quote) for a in chunk.anomalies]
        if chunk.unterminated_quote is not None:
            unterminated = chunk.base + chunk.unterminated_quote
    return records, anomalies, unterminated, covered


@settings(deadline=None, max_examples=300, derandomize=True)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map(b"".join), st.booleans())
def test_any_bytes_scan_the_same_whatever_the_chunk_size(data, cr_only):
    dialect = csv_scan.Dialect(line_break=csv_scan.CR if cr_only else csv_scan.LF)
    expected = _scan_summary(data, dialect, None)
    records, anomalies, unterminated, covered = expected
    assert covered == data
    if unterminated is not None:
        assert data[unterminated:unterminated + 1] == b'"'
    for anomaly in anomalies:
        assert data[anomaly[2]:anomaly[2] + 1] == b'"', anomaly
    for chunk_size in (1, 2, 3, 7):
        assert _scan_summary(data, dialect, chunk_size) == expected, f"chunk_size={chunk_size}"


@settings(deadline=None, max_examples=150, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables())
def test_record_characters_are_those_of_the_values(table):
    """L003 counts a record's characters without decoding its values (and so does the scan
    of a record too long to hold): the count is that of the values Python's reader reads."""
    data = write_table(*table)
    expected = [sum(len(value) for value in values) for _, values in python_records(data)]
    counted = [chunk.record_characters(index) for chunk in csv_scan.scan(io.BytesIO(data), csv_scan.Dialect())
               for index in range(chunk.record_count)]
    assert counted == expected


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(VALUE, min_size=2, max_size=2), min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=3)), min_size=1, max_size=4))
def test_mutated_files_get_findings_at_real_lines_or_one_error(rows, mutations):
    """Random byte mutations of a well-formed load (issue 15): never a crash, and every
    finding on a line the file has."""
    import sfprep
    from sfprep.core.model import UsageError

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([["Name", "Description"], *rows])
    data = bytearray(buffer.getvalue().encode("utf-8"))
    for position, replacement in mutations:
        at = position % (len(data) + 1)
        data[at:at + 1] = replacement
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "Account.csv")
        with open(path, "wb") as stream:
            stream.write(data)
        lines = bytes(data).count(b"\n") + 1
        try:
            report = sfprep.lint(path)
        except UsageError:
            return
        for finding in report:
            assert finding["line"] is None or 1 <= finding["line"] <= lines, finding
