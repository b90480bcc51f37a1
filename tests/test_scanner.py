"""The streaming scanner (sfprep/io/csv/scan.py) and the engine around it.

1. Chunk-boundary invariance: the engine's findings do not depend on the chunk size.
2. Hand-derived scanner cases: records, fields, values, lines, quote anomalies.
3. The MAX_RECORD_BYTES guard (tests/test_pathological.py has more).
4. Bad input through the CLI never hangs or tracebacks.
"""
from __future__ import annotations

import functools
import io
import os
import random
import time
from pathlib import Path

import pytest

from sfprep.linter import engine
from sfprep.core.profiles import load_profile
from sfprep.core.job import Job
from sfprep.io.csv import scan as csv_scan
from sfprep.io.csv.scan import (
    END_OF_FILE,
    OUTSIDE_AFTER_CLOSE,
    OUTSIDE_BEFORE_OPEN,
    STRAY_QUOTE,
    TERM_CR,
    TERM_CRLF,
    TERM_LF,
    UNESCAPED_QUOTE,
    Anomaly,
    Dialect,
    unquote,
)
from sfprep.io.sniff import sniff
from sfprep.linter.registry import select_rules
from tests.helpers import FIXTURES, findings_of, lint_json, run_cli

CHUNK_SIZES = (1, 2, 3, 5, 17, 64, 4096)
ORIGINAL_SCAN = csv_scan.scan


# --------------------------------------------------------------------------- helpers

def scan_all(data: bytes, dialect: Dialect = Dialect(), chunk_size: int | None = None):
    kwargs = {} if chunk_size is None else {"chunk_size": chunk_size}
    return list(csv_scan.scan(io.BytesIO(data), dialect, **kwargs))


def records_of(data: bytes, dialect: Dialect = Dialect(), chunk_size: int | None = None):
    """Per record: (start line, raw fields, terminator) over every chunk, plus all anomalies
    (as file offsets) and the unterminated quote (file offset)."""
    records, anomalies, unterminated = [], [], None
    for chunk in scan_all(data, dialect, chunk_size):
        lines = chunk.line_of(chunk.record_starts)
        for i in range(chunk.record_count):
            records.append((int(lines[i]), chunk.record_fields(i), int(chunk.terminators[i])))
        anomalies += [Anomaly(a.kind, chunk.base + a.position, chunk.base + a.quote) for a in chunk.anomalies]
        if chunk.unterminated_quote is not None:
            unterminated = chunk.base + chunk.unterminated_quote
    return records, anomalies, unterminated


def engine_findings(path: Path, chunk_size: int | None, monkeypatch) -> tuple[list, int]:
    """(code, line, record, column) of every finding of every rule, and the record count."""
    if chunk_size is None:
        monkeypatch.setattr(csv_scan, "scan", ORIGINAL_SCAN)
    else:
        # engine.lint_file calls `csv_scan.scan(...)` through the module attribute, so a
        # partial with the chunk size bound replaces it (the default argument of the real
        # function was bound at definition time; CHUNK_SIZE itself is not read at call time).
        monkeypatch.setattr(csv_scan, "scan", functools.partial(ORIGINAL_SCAN, chunk_size=chunk_size))
    try:
        result = engine.lint_file(str(path), Job(operation="insert"), load_profile("bulk1"),
                                  select_rules(["ALL"]))
    finally:
        monkeypatch.setattr(csv_scan, "scan", ORIGINAL_SCAN)
    rows = [(f.finding.code, f.finding.line, f.finding.record, f.finding.column) for f in result.findings]
    return sorted(rows, key=lambda r: (r[0], r[1] or 0, r[2] or 0, r[3] or 0)), result.records


# --------------------------------------------------------------------------- 1. chunk invariance

def _utf8_fixtures() -> list:
    cases = []
    for path in sorted((FIXTURES / "rules").glob("*/*.csv")):
        if sniff(path.read_bytes()[:4096]).wide_encoding:
            continue  # the UTF-16 fixture is not scanned at all
        cases.append(pytest.param(path, id=f"{path.parent.name}/{path.name}"))
    return cases


def test_fixture_list_is_not_empty():
    names = {p.id for p in _utf8_fixtures()}
    assert len(names) > 50
    assert "F001/bad-2.csv" not in names  # the UTF-16 one


@pytest.mark.parametrize("path", _utf8_fixtures())
def test_fixture_findings_do_not_depend_on_chunk_size(path, monkeypatch):
    assert_chunk_size_invariant(path, monkeypatch)


def assert_chunk_size_invariant(path, monkeypatch):
    baseline = engine_findings(path, None, monkeypatch)
    for chunk_size in CHUNK_SIZES:
        got = engine_findings(path, chunk_size, monkeypatch)
        assert got == baseline, (
            f"BUG: findings change with chunk_size={chunk_size}:\n"
            f"  default: {baseline}\n  chunked: {got}")


def _multiline_file() -> bytes:
    lines = [b"Name,Description,Industry,Notes"]
    for i in range(40):
        if i % 3 == 0:
            lines.append(b'Acme %d,"Line one\nLine ""two"", with comma\n\nLine four",Banking,"x\r\ny"' % i)
        elif i % 3 == 1:
            lines.append('Soci\u00e9t\u00e9 {},"caf\u00e9\n\u65e5\u672c",Energy,'.format(i).encode())
        else:
            lines.append(b'"Globex %d","",,"""quoted"""' % i)
    return b"\n".join(lines) + b"\n"


def _multiline_file_with_problems() -> bytes:
    return (b'Name,Description,Industry\n'
            b'Acme,"Line one\nLine two",Banking\n'
            b'O"Brien,"He said "hi"\ntoday",x\n'
            b'"Smith" ,"multi\nline", "late"\n'
            b'\n'
            b'Globex,"bare\rcr",Energy,extra\n'
            b'Init\x00ech,"a\nb"\n'
            b'Last,"never\nclosed,x\n')


def _mixed_endings_with_bare_cr() -> bytes:
    # Mostly LF records, one CRLF record, and a quoted value holding a bare CR. Regression:
    # F007 used to decide "LF file" per chunk, so small chunks reported what one chunk did not.
    return (b"Name,Description\r\n" + b"".join(b"Acme %d,plain\n" % i for i in range(6))
            + b'Globex,"bare\rcr"\n' + b"".join(b"Initech %d,plain\n" % i for i in range(6)))


@pytest.mark.parametrize("data", [
    pytest.param(_multiline_file(), id="quoted-multiline-lf"),
    pytest.param(_multiline_file().replace(b"\n", b"\r\n"), id="quoted-multiline-crlf"),
    pytest.param(_multiline_file().replace(b"\n", b"\r"), id="quoted-multiline-cr-only"),
    pytest.param(_multiline_file().rstrip(b"\n"), id="quoted-multiline-no-final-newline"),
    pytest.param(_multiline_file_with_problems(), id="multiline-with-problems"),
    pytest.param(_mixed_endings_with_bare_cr(), id="mixed-endings-bare-cr"),
])
def test_generated_file_findings_do_not_depend_on_chunk_size(data, tmp_path, monkeypatch):
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    assert_chunk_size_invariant(path, monkeypatch)


def test_multiline_file_is_read_as_intended(tmp_path, monkeypatch):
    """The generated file really has multi-line records (so the invariance test means something)."""
    data = _multiline_file()
    records, anomalies, unterminated = records_of(data)
    assert anomalies == [] and unterminated is None
    assert len(records) == 41
    assert records[1][0] == 2 and records[2][0] == 7  # record 1 spans lines 2-6
    assert [len(fields) for _, fields, _ in records] == [4] * 41
    assert unquote(records[1][1][1]) == b'Line one\nLine "two", with comma\n\nLine four'
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    assert engine_findings(path, None, monkeypatch) == ([], 40)


def test_problem_file_findings_are_the_expected_ones(tmp_path, monkeypatch):
    """Hand-derived F/Q findings for the problem file used in the invariance test."""
    path = tmp_path / "data.csv"
    path.write_bytes(_multiline_file_with_problems())
    findings, records = engine_findings(path, None, monkeypatch)
    assert sorted(f for f in findings if f[0][0] in "FQ") == sorted([
        # line 4: O"Brien is a stray quote; `"He said "hi"` + LF: the quote before `hi` is
        # unescaped and the one after it closes the field (it is followed by a line break),
        # so record 2 ends on line 4 with 2 fields.
        ("Q002", 4, 2, 1), ("Q005", 4, 2, 2), ("Q006", 4, 2, None),
        # line 5: `today",x` is record 3, with a stray quote.
        ("Q002", 5, 3, 1), ("Q006", 5, 3, None),
        # lines 6-7: `"Smith" ,"multi\nline", "late"`.
        ("Q004", 6, 4, 1), ("Q004", 7, 4, 3),
        ("F006", 8, None, None),
        ("F007", 9, 6, 2), ("Q006", 9, 6, None),
        ("F005", 10, 7, 1), ("Q006", 10, 7, None),
        # lines 12-13: `Last,"never\nclosed,x\n` never closes.
        ("Q003", 12, 8, 2), ("Q006", 12, 8, None),
    ])
    assert records == 7


# --------------------------------------------------------------------------- 2. targeted cases

def test_doubled_quote_inside_quoted_field():
    data = b'a,"b""c",d\n'
    chunks = scan_all(data)
    chunk = next(c for c in chunks if c.record_count)
    assert sum(c.record_count for c in chunks) == 1
    assert chunk.field_counts.tolist() == [3]
    assert chunk.record_fields(0) == [b"a", b'"b""c"', b"d"]
    assert [unquote(f) for f in chunk.record_fields(0)] == [b"a", b'b"c', b"d"]
    assert chunk.field_quoted.tolist() == [False, True, False]
    assert chunk.terminators.tolist() == [TERM_LF]
    assert chunk.record_ends.tolist() == [10]
    assert chunk.anomalies == [] and chunk.unterminated_quote is None
    assert int(chunk.line_of(chunk.record_starts[0])) == 1


def test_quoted_crlf_inside_crlf_file():
    data = b'A,B\r\n"x\r\ny",z\r\nlast,one\r\n'
    records, anomalies, unterminated = records_of(data)
    assert anomalies == [] and unterminated is None
    assert [(line, term) for line, _, term in records] == [(1, TERM_CRLF), (2, TERM_CRLF), (4, TERM_CRLF)]
    assert records[1][1] == [b'"x\r\ny"', b"z"]
    assert unquote(records[1][1][0]) == b"x\r\ny"
    # The same with every chunk size.
    for chunk_size in (1, 2, 3, 5, 7):
        assert records_of(data, chunk_size=chunk_size) == (records, [], None), f"chunk_size={chunk_size}"


def test_cr_only_file():
    dialect = Dialect(line_break=csv_scan.CR)
    data = b'A,B\rx,y\r"p\rq",z\rlast,1\r'
    records, anomalies, unterminated = records_of(data, dialect)
    assert anomalies == [] and unterminated is None
    assert [line for line, _, _ in records] == [1, 2, 3, 5]
    assert [term for _, _, term in records] == [TERM_CR] * 4
    assert records[2][1] == [b'"p\rq"', b"z"]
    assert [fields for _, fields, _ in records][1] == [b"x", b"y"]
    for chunk_size in (1, 2, 3, 5, 7):
        assert records_of(data, dialect, chunk_size) == (records, [], None), f"chunk_size={chunk_size}"
    assert sniff(data).line_break == csv_scan.CR


def test_unterminated_quote_at_eof():
    records, anomalies, unterminated = records_of(b'"abc')
    assert unterminated == 0
    assert len(records) == 1
    assert records[0][1] == [b'"abc']
    assert records[0][2] == END_OF_FILE
    for chunk_size in (1, 2, 3):
        assert records_of(b'"abc', chunk_size=chunk_size)[2] == 0


def test_unterminated_quote_ending_in_doubled_quote():
    # The field opened at offset 2; the `""` at the end is an escaped quote, not the opener.
    records, anomalies, unterminated = records_of(b'x,"a""')
    assert unterminated == 2, f"opener reported at {unterminated}"
    assert len(records) == 1 and len(records[0][1]) == 2


def test_unterminated_quote_after_a_closed_record():
    # `"abc\ndef,""` + LF: the `""` at the end is an escaped quote, the field stays open.
    data = b'A,B\n"x",""\n"",y\n"abc\ndef,""\n'
    records, anomalies, unterminated = records_of(data)
    assert unterminated == data.index(b'"abc')
    for chunk_size in (1, 2, 3, 5, 7):
        assert records_of(data, chunk_size=chunk_size)[2] == unterminated, f"chunk_size={chunk_size}"


def test_stray_quote_in_unquoted_field():
    records, anomalies, unterminated = records_of(b'ab"c,d\n')
    assert anomalies == [Anomaly(STRAY_QUOTE, 2, 2)]
    assert unterminated is None
    assert len(records) == 1 and records[0][1] == [b'ab"c', b"d"]


def test_unescaped_quotes_inside_quoted_field():
    data = b'"He said "hi" today",x\n'
    chunk = next(c for c in scan_all(data) if c.record_count)
    assert [(a.kind, a.position) for a in chunk.anomalies] == [(UNESCAPED_QUOTE, 9), (UNESCAPED_QUOTE, 12)]
    assert chunk.field_counts.tolist() == [2]
    assert chunk.field_quoted.tolist() == [True, False]
    assert [unquote(f) for f in chunk.record_fields(0)] == [b'He said "hi" today', b"x"]
    assert chunk.unterminated_quote is None


def test_characters_after_closing_quote():
    chunk = next(c for c in scan_all(b'"a" ,b\n') if c.record_count)
    assert chunk.anomalies == [Anomaly(OUTSIDE_AFTER_CLOSE, 3, 2)]
    assert chunk.field_counts.tolist() == [2]
    assert chunk.record_fields(0) == [b'"a" ', b"b"]
    assert chunk.field_quoted.tolist() == [True, False]
    assert unquote(b'"a" ') == b"a"


def test_characters_before_opening_quote():
    chunk = next(c for c in scan_all(b'a, "b"\n') if c.record_count)
    assert chunk.anomalies == [Anomaly(OUTSIDE_BEFORE_OPEN, 2, 3)]
    assert chunk.field_counts.tolist() == [2]
    assert chunk.record_fields(0) == [b"a", b' "b"']
    assert unquote(b' "b"') == b"b"


def test_outside_before_open_protects_delimiter_inside_quotes():
    # The quote after the blank still opens the field, so the comma inside is data.
    records, anomalies, _ = records_of(b'a, "b,c",d\n')
    assert [a.kind for a in anomalies] == [OUTSIDE_BEFORE_OPEN]
    assert records[0][1] == [b"a", b' "b,c"', b"d"]


def test_file_without_final_newline():
    records, anomalies, unterminated = records_of(b"A,B\nx,y")
    assert [(line, fields, term) for line, fields, term in records] == [
        (1, [b"A", b"B"], TERM_LF), (2, [b"x", b"y"], END_OF_FILE)]
    for chunk_size in (1, 2, 3):
        assert records_of(b"A,B\nx,y", chunk_size=chunk_size) == (records, [], None)


def test_final_newline_does_not_make_an_empty_record():
    records, _, _ = records_of(b"A,B\nx,y\n")
    assert len(records) == 2


def test_blank_lines_are_one_empty_field_records():
    records, _, _ = records_of(b"A\n\nx\n")
    assert records == [(1, [b"A"], TERM_LF), (2, [b""], TERM_LF), (3, [b"x"], TERM_LF)]


def test_empty_buffer_yields_nothing():
    assert scan_all(b"") == []
    for chunk_size in (1, 7):
        assert scan_all(b"", chunk_size=chunk_size) == []


def test_physical_lines_count_breaks_inside_quotes():
    data = b'A,B\n"x\ny",z\nw,"1\n\n2"\nlast,1\n'
    records, _, _ = records_of(data)
    assert [line for line, _, _ in records] == [1, 2, 4, 7]
    chunk = next(c for c in scan_all(data) if c.record_count)
    # The `z` of record 1 is on line 3; locate gives (line, record, column).
    assert chunk.locate(data.index(b"z")) == (3, 1, 2)
    assert chunk.locate(data.index(b"2")) == (6, 2, 2)


def test_start_offset_is_the_base_of_the_first_chunk():
    chunks = scan_all(b"A\nb\n")
    assert chunks[0].base == 0
    chunk = next(csv_scan.scan(io.BytesIO(b"A\nb\n"), Dialect(), start_offset=3))
    assert chunk.base == 3 and chunk.first_line == 1 and chunk.first_record == 0


def test_chunks_hold_whole_records_and_consecutive_numbering():
    data = b"".join(b'r%d,"v\n%d"\r\n' % (i, i) for i in range(30))
    chunks = scan_all(data, chunk_size=5)
    assert len(chunks) > 5
    record = offset = 0
    for chunk in chunks:
        assert chunk.first_record == record and chunk.base == offset
        assert chunk.first_line == 2 * record + 1
        record += chunk.record_count
        offset += len(chunk.data)
    assert record == 30 and offset == len(data)


def test_delimiter_other_than_comma():
    records, anomalies, _ = records_of(b'A;B\n"x;y";z\n', Dialect(delimiter=ord(";")))
    assert anomalies == []
    assert records[1][1] == [b'"x;y"', b"z"]


# --------------------------------------------------------------------------- 3. MAX_RECORD_BYTES

def test_max_record_bytes_guard_holds_an_unterminated_quote_no_longer(monkeypatch):
    monkeypatch.setattr(csv_scan, "MAX_RECORD_BYTES", 100)
    data = b'A,B\n"abc\n' + b"x,y\n" * 250
    started = time.monotonic()
    chunks = scan_all(data, chunk_size=16)
    assert time.monotonic() - started < 5
    assert chunks and chunks[-1].is_last
    last = chunks[-1]
    assert last.unterminated_quote is not None
    assert last.base + last.unterminated_quote == 4
    # The carried buffer never grew much past the limit; the rest was streamed to the end.
    assert max(len(c.data) for c in chunks) <= 100 + 16
    assert last.long_record is not None and last.end == len(data)


def test_max_record_bytes_guard_through_the_engine(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_scan, "MAX_RECORD_BYTES", 100)
    path = tmp_path / "data.csv"
    path.write_bytes(b'A,B\n"abc\n' + b"x,y\n" * 250)
    findings, _ = engine_findings(path, 16, monkeypatch)
    assert [(c, l, r, col) for c, l, r, col in findings if c == "Q003"] == [("Q003", 2, 1, 1)]


def test_long_unquoted_record_does_not_drop_the_rest_of_the_file(tmp_path, monkeypatch):
    """MAX_RECORD_BYTES is a guard for a record still *inside quotes*.

    Regression: a long record that is not inside quotes made the scanner stop and silently
    drop every record after it (without any finding saying so).
    """
    monkeypatch.setattr(csv_scan, "MAX_RECORD_BYTES", 100)
    data = b"A,B\n" + b"x" * 300 + b",y\n" + b"p,q\n" * 50 + b'ab"c,d\n'
    records, anomalies, unterminated = records_of(data, chunk_size=16)
    assert unterminated is None
    assert len(records) == 53 and [a.kind for a in anomalies] == [STRAY_QUOTE], (
        f"BUG: a {300}-byte unquoted record over MAX_RECORD_BYTES=100 makes scan() stop: "
        f"{len(records)} of 53 records scanned, anomalies {anomalies}; the rest of the file "
        f"is silently dropped")


# --------------------------------------------------------------------------- F007 and chunks

def test_f007_not_reported_in_crlf_file_without_final_newline(tmp_path):
    """A bare CR in a quoted value is F007 only in a file whose line ending is LF.

    Regression: in a CRLF file whose last record has no final newline, that record is
    scanned alone in the last chunk, which has no CRLF terminator; F007 used to decide
    "LF file" per chunk and reported it.
    """
    path = tmp_path / "data.csv"
    path.write_bytes(b'A,B\r\nx,y\r\nz,"p\rq"')
    _, report = lint_json("--select", "F007", path)
    assert findings_of(report, "F007") == [], (
        "BUG: F007 reported in a CRLF file (the bare-CR value is in the last record, "
        "no final newline)")


def test_date_inference_does_not_depend_on_the_final_newline(tmp_path):
    """A column is date-like when most of *its* non-empty values are (RULES.md V005).

    The last record of a file without a final newline is scanned alone in the last chunk;
    inference from the first chunk's values alone must not change with that newline.
    """
    with_newline = tmp_path / "with.csv"
    without_newline = tmp_path / "without.csv"
    with_newline.write_bytes(b"Name,Due__c\nAcme,2024-01-15\nGlobex,next week\n")
    without_newline.write_bytes(b"Name,Due__c\nAcme,2024-01-15\nGlobex,next week")
    _, with_report = lint_json("--select", "V005,V006,V007", with_newline)
    _, without_report = lint_json("--select", "V005,V006,V007", without_newline)
    assert findings_of(without_report) == findings_of(with_report), (
        "BUG: date inference (V005) changes with the final newline: "
        f"with: {findings_of(with_report)}, without: {findings_of(without_report)}")


# --------------------------------------------------------------------------- 4. bad input via CLI

def _one_error_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {err!r}"
    assert lines[0].startswith("sfprep: error:"), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_a_usage_error_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    code, out, err = run_cli("lint", "--format", "json", "--no-progress", fifo)
    assert code == 2
    _one_error_line(err, "not a regular file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_a_usage_error():
    code, out, err = run_cli("lint", "--format", "json", "--no-progress", "/dev/zero")
    assert code == 2
    _one_error_line(err, "not a regular file")


def test_missing_file_is_a_usage_error(tmp_path):
    code, out, err = run_cli("lint", "--format", "json", "--no-progress", tmp_path / "nope.csv")
    assert code == 2
    _one_error_line(err, "no such file")


def test_folder_without_csv_is_a_usage_error(tmp_path):
    """A CI gate must never pass on no files (CLI.md)."""
    from tests.helpers import assert_usage_error, invoke

    (tmp_path / "notes.txt").write_text("hello\n")
    assert_usage_error(*invoke("lint", "--format", "json", tmp_path), "no CSV or XML file")


def test_zero_byte_file_is_f003(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    code, report = lint_json(path)
    assert code == 1
    assert findings_of(report) == [("F003", None, None)]


def test_random_binary_gives_a_report(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(random.Random(0).randbytes(100_000))
    code, report = lint_json("--select", "ALL", path)
    assert code in (0, 1)
    assert report["files"][0]["path"] == str(path)
    # Told from its first bytes (11% control bytes): one F001, and nothing else is read.
    assert findings_of(report) == [("F001", 1, None)]
    assert report["findings"][0]["message"].startswith("binary data: ")
    assert "Q003" in {s["code"] for s in report["files"][0]["skipped_rules"]}


def test_random_binary_is_chunk_size_invariant(tmp_path, monkeypatch):
    """Random bytes with the control bytes left out, so that the sniffer lets them through
    to the scanner: quotes, delimiters and line breaks anywhere, invalid UTF-8."""
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(b for b in random.Random(1).randbytes(3600) if b >= 0x20 or b in b"\t\n\r"))
    baseline = engine_findings(path, None, monkeypatch)
    for chunk_size in (1, 7, 64, 1000):
        assert engine_findings(path, chunk_size, monkeypatch) == baseline, f"chunk_size={chunk_size}"


@pytest.mark.parametrize("count", [200_000, 199_999])
def test_file_of_only_quotes(tmp_path, count):
    path = tmp_path / "quotes.csv"
    path.write_bytes(b'"' * count)
    started = time.monotonic()
    code, report = lint_json("--select", "ALL", path)
    assert time.monotonic() - started < 30
    found = {c for c, _, _ in findings_of(report)}
    # An even count is one quoted field holding `"` * 99,999: a header with no records.
    # An odd count never closes its opening quote.
    assert "F003" in found
    assert ("Q003" in found) == (count % 2 == 1)


def test_file_of_only_delimiters(tmp_path):
    path = tmp_path / "commas.csv"
    path.write_bytes(b"," * 10_000 + b"\n" + b"," * 10_000 + b"\n")
    code, report = lint_json("--select", "ALL", path)
    assert code == 1
    found = findings_of(report)
    assert ("H001", 1, 1) in found and ("H001", 1, 10_001) in found
    assert not [f for f in found if f[0] in ("Q006", "F006", "F003")]


def test_ten_thousand_columns(tmp_path):
    header = ",".join(f"Field{i}__c" for i in range(1, 10_001))
    row = ",".join(f'"v{i}"' if i % 2 else f"v{i}" for i in range(1, 10_001))
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    started = time.monotonic()
    # (L002 rightly flags 10,000 fields per record; the scanner and F/Q/H rules must not.)
    code, report = lint_json("--select", "F,Q,H", path)
    assert time.monotonic() - started < 30
    assert code == 0, findings_of(report)
    assert report["files"][0]["records"] == 1


def test_many_stray_quotes_do_not_hang(tmp_path):
    path = tmp_path / "strays.csv"
    path.write_bytes(b"A,B\n" + b'ab"c,d"e\n' * 20_000)
    started = time.monotonic()
    code, report = lint_json("--select", "Q", path)
    assert time.monotonic() - started < 60
    assert code == 1
    q002 = [f for f in findings_of(report) if f[0] == "Q002"]
    assert len(q002) == 40_000
    assert q002[0] == ("Q002", 2, 1) and q002[-1] == ("Q002", 20_001, 2)


# --------------------------------------------------------------------------- read-ahead and pread

def _records_and_anomalies(chunks) -> tuple[list, list]:
    records, anomalies = [], []
    for chunk in chunks:
        lines = chunk.line_of(chunk.record_starts)
        records += [(int(lines[i]), chunk.record_fields(i), int(chunk.terminators[i])) for i in range(chunk.record_count)]
        anomalies += [(a.kind, chunk.base + a.position) for a in chunk.anomalies]
    return records, anomalies


READ_AHEAD_FIXTURES = [path for path in sorted((FIXTURES / "rules").glob("Q*/*.csv"))
                       + sorted((FIXTURES / "rules").glob("F00[4-7]/*.csv"))]


@pytest.mark.parametrize("chunk_size", (1, 7, 64, 4096))
def test_scan_ahead_gives_the_chunks_scan_gives(chunk_size):
    for path in READ_AHEAD_FIXTURES:
        data = path.read_bytes()
        plain = list(csv_scan.scan(io.BytesIO(data), Dialect(), chunk_size=chunk_size))
        ahead = list(csv_scan.scan_ahead(io.BytesIO(data), Dialect(), chunk_size=chunk_size))
        assert [(c.base, c.data, c.first_line, c.first_record) for c in ahead] == \
            [(c.base, c.data, c.first_line, c.first_record) for c in plain], path
        assert _records_and_anomalies(ahead) == _records_and_anomalies(plain), path


@pytest.mark.parametrize("chunk_size", (1, 7, 64))
def test_pread_of_a_file_gives_the_records_of_a_stream(chunk_size):
    """Regular files are read with pread at the unconsumed offset; streams by read(): the
    chunks may be cut differently, the records, lines and anomalies may not."""
    for path in READ_AHEAD_FIXTURES:
        with open(path, "rb") as stream:
            from_file = list(csv_scan.scan(stream, Dialect(), chunk_size=chunk_size))
        from_stream = list(csv_scan.scan(io.BytesIO(path.read_bytes()), Dialect(), chunk_size=chunk_size))
        assert _records_and_anomalies(from_file) == _records_and_anomalies(from_stream), path
        assert b"".join(c.data for c in from_file) == path.read_bytes()


class _FailingStream(io.BytesIO):
    def __init__(self, data: bytes, fail_after: int):
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size=-1):
        if self.tell() >= self.fail_after:
            raise OSError(5, "Input/output error")
        return super().read(size)


def test_scan_ahead_raises_the_reader_threads_error_in_the_caller():
    data = b"Name,Phone\n" + b"Acme,555\n" * 200
    chunks = csv_scan.scan_ahead(_FailingStream(data, fail_after=100), Dialect(), chunk_size=64)
    with pytest.raises(OSError, match="Input/output error"):
        list(chunks)


def test_leaving_scan_ahead_early_stops_its_thread():
    import threading

    data = b"Name,Phone\n" + b"Acme,555\n" * 5000
    chunks = csv_scan.scan_ahead(io.BytesIO(data), Dialect(), chunk_size=64)
    first = next(chunks)
    assert first.first_record == 0
    chunks.close()
    assert not [t for t in threading.enumerate() if t.name == "sfprep-scan"]


def test_the_engine_with_read_ahead_gives_the_findings_without_it(monkeypatch):
    """Files over one chunk are scanned by a reader thread: forced on every fixture, with
    small chunks, the findings are those of the plain scan."""
    rules, profile = select_rules(["ALL"]), load_profile("bulk1")

    def findings(path):
        result = engine.lint_file(str(path), Job(operation="insert"), profile, rules)
        return sorted((f.finding.code, f.finding.line, f.finding.column) for f in result.findings)

    plain = {path: findings(path) for path in READ_AHEAD_FIXTURES}
    original_ahead = csv_scan.scan_ahead
    monkeypatch.setattr(csv_scan, "CHUNK_SIZE", 0)  # every file is "bigger than a chunk"
    monkeypatch.setattr(csv_scan, "scan_ahead", functools.partial(original_ahead, chunk_size=16))
    assert {path: findings(path) for path in READ_AHEAD_FIXTURES} == plain
    assert any(plain.values())


@pytest.mark.parametrize("most_fields", [1, 2, 3, 7])
def test_a_chunk_of_many_fields_is_cut_at_records_into_smaller_chunks(monkeypatch, most_fields):
    data = (b'Name,Phone\n"Acme, Inc",1\nGlobex\n"a""b",2\n"x" ,3\n"multi\nline",4\n' * 5 + b'"open,5')
    whole = records_of(data)
    monkeypatch.setattr(csv_scan, "MAX_FIELDS_PER_CHUNK", most_fields)
    assert records_of(data) == whole
    chunks = scan_all(data)
    assert len(chunks) > 1
    # each chunk but the last ends where another record would pass the limit (one record at least)
    for chunk in chunks[:-1]:
        assert chunk.record_count == 1 or len(chunk.field_starts) <= most_fields + 2
    assert sum(chunk.record_count for chunk in chunks) == len(whole[0])
