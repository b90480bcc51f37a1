"""The value frame of a chunk's clean records: the C path (sfprep/native/_columns.c, Arrow string
views over the scanner's field spans) gives the frame the polars path (read_csv on the
records' bytes) gives, and both hold the values that were written into the file."""
from __future__ import annotations

import gc
import io
import string
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfprep.io.csv import frame, scan as csv_scan
from sfprep.io.csv.dialect import CR, LF, Dialect

needs_c = pytest.mark.skipif(frame._columns is None,
                             reason="sfprep.native._columns (the C value-frame builder) was not built here "
                                    "(or SFPREP_NO_C is set); only the polars path exists")


def _must_not_run(name):
    def fail(*args, **kwargs):
        raise AssertionError(f"{name} ran, but this frame should have been built the other way")
    return fail


def build_with_c(chunk, width, delimiter):
    """build_value_frame with the C extension, failing if it falls back to polars."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(frame, "_parse_with_polars", _must_not_run("_parse_with_polars"))
        return frame.build_value_frame(chunk, width, delimiter)


def build_with_polars(chunk, width, delimiter):
    """build_value_frame as it runs where the C extension is missing."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(frame, "_columns", None)
        patch.setattr(frame, "_columns_from_spans", _must_not_run("_columns_from_spans"))
        return frame.build_value_frame(chunk, width, delimiter)


def assert_same_frames(by_c, by_polars):
    if by_c is None or by_polars is None:
        assert by_c is None and by_polars is None, (by_c, by_polars)
        return
    assert by_c.frame.schema == by_polars.frame.schema
    assert by_c.frame.equals(by_polars.frame), (by_c.frame.rows(), by_polars.frame.rows())
    assert by_c.records.tolist() == by_polars.records.tolist()
    assert by_c.frame.height == len(by_c.records)


def dialect_of(delimiter: str, line_break: str) -> Dialect:
    return Dialect(delimiter=ord(delimiter), line_break=CR if line_break == "\r" else LF)


def value_rows(data: bytes, width: int, dialect: Dialect, chunk_size: int = csv_scan.CHUNK_SIZE,
               build=None):
    """(record number, values) of every row of every chunk's value frame.

    With `build` None, both paths are built and held equal and the C path's rows are returned
    (where the C extension is missing, the polars path's)."""
    delimiter = chr(dialect.delimiter)
    rows = []
    for chunk in csv_scan.scan(io.BytesIO(data), dialect, chunk_size=chunk_size):
        if build is None:
            made = build_with_polars(chunk, width, delimiter)
            if frame._columns is not None:
                by_c = build_with_c(chunk, width, delimiter)
                assert_same_frames(by_c, made)
                made = by_c
        else:
            made = build(chunk, width, delimiter)
        if made is None:
            continue
        assert made.frame.columns == [f"c{i}" for i in range(width)]
        assert all(dtype == pl.String for dtype in made.frame.dtypes)
        for record, values in zip(made.records.tolist(), made.frame.rows()):
            rows.append((chunk.first_record + record, values))
    return rows


# --- Generated well-formed files --------------------------------------------------------

_WORD = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=20)
_TOKENS = [",", ";", '"', '""', "\n", "\r\n", " ", "Zürich", "東京", "😀", "é", "São Paulo", "-", "x"]
# Values at the 12-byte inline limit of an Arrow view, and either side of it.
_EDGE_VALUES = ["abcdefghijk", "abcdefghijkl", "abcdefghijklm", "東京東京", "東京東京!", "東京東", "😀😀😀",
                "😀😀😀!", 'abcdefghij"', 'abcdefghijk"', 'abcdefghijkl"', "abcdefghij\r\n", "Zürich Zürich"]
VALUE = st.one_of(
    st.just(""),
    _WORD,
    st.sampled_from(_EDGE_VALUES),
    st.lists(st.one_of(st.sampled_from(_TOKENS), _WORD), min_size=1, max_size=6).map("".join),
)
CELL = st.tuples(VALUE, st.booleans())  # (value, quote it even when it needs no quotes)


def encode(value: str, quote: bool, delimiter: str, width: int) -> str:
    # A one-column record holding an empty value would be a blank line: it is written `""`.
    needs_quotes = any(c in value for c in (delimiter, '"', "\n", "\r")) or (width == 1 and value == "")
    if needs_quotes or quote:
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def csv_files(draw):
    width = draw(st.integers(min_value=1, max_value=6))
    delimiter = draw(st.sampled_from([",", ";"]))
    line_break = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    cells = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=20))
    final_break = draw(st.booleans())
    lines = [delimiter.join(f"Col{i}" for i in range(1, width + 1))]
    lines += [delimiter.join(encode(value, quote, delimiter, width) for value, quote in row) for row in cells]
    text = line_break.join(lines) + (line_break if final_break else "")
    rows = [tuple(value for value, _ in row) for row in cells]
    return text.encode("utf-8"), width, delimiter, line_break, rows


@needs_c
@settings(max_examples=250, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(csv_files())
def test_c_and_polars_frames_agree_and_hold_the_written_values(generated):
    data, width, delimiter, line_break, rows = generated
    dialect = dialect_of(delimiter, line_break)
    expected = [(number, values) for number, values in enumerate(rows, start=1)]
    for chunk_size in (7, 64, 4096):
        got, records_seen = [], 0
        for chunk in csv_scan.scan(io.BytesIO(data), dialect, chunk_size=chunk_size):
            assert chunk.anomalies == [] and chunk.unterminated_quote is None, chunk.anomalies
            assert chunk.first_invalid_utf8() is None
            assert chunk.first_record == records_seen
            records_seen += chunk.record_count
            by_c = build_with_c(chunk, width, delimiter)
            by_polars = build_with_polars(chunk, width, delimiter)
            assert_same_frames(by_c, by_polars)
            # Every record but the header is a row, in file order.
            wanted = [r for r in range(chunk.record_count) if chunk.first_record + r > 0]
            if not wanted:
                assert by_c is None
                continue
            assert by_c.records.tolist() == wanted
            assert by_c.frame.columns == [f"c{i}" for i in range(width)]
            got += [(chunk.first_record + r, values) for r, values in zip(wanted, by_c.frame.rows())]
        assert records_seen == len(rows) + 1, f"chunk_size={chunk_size}"
        assert got == expected, f"chunk_size={chunk_size}"


# --- Fixed examples ---------------------------------------------------------------------

def test_quoted_values_with_doubled_quotes_and_line_breaks():
    data = b'Name,Note,Text\r\na,"b""c","x\ny"\r\n"",plain,"p\r\nq"\r\n'
    rows = value_rows(data, 3, Dialect())
    assert rows == [(1, ("a", 'b"c', "x\ny")), (2, ("", "plain", "p\r\nq"))]


def test_empty_quoted_and_empty_unquoted_values():
    data = b'A,B,C\n"",,""\n,"",\n'
    assert value_rows(data, 3, Dialect()) == [(1, ("", "", "")), (2, ("", "", ""))]


@pytest.mark.parametrize("raw, value", [
    (b"abcdefghijk", "abcdefghijk"),                  # 11 bytes
    (b"abcdefghijkl", "abcdefghijkl"),                # 12 bytes: the last inline length
    (b"abcdefghijklm", "abcdefghijklm"),              # 13 bytes: the first out-of-line length
    (b'"abcdefghijkl"', "abcdefghijkl"),              # quoted, 12 bytes inside
    (b'"abcdefghijklm"', "abcdefghijklm"),            # quoted, 13 bytes inside
    (b'"abcdefghijk"""', 'abcdefghijk"'),             # unescaped to 12 bytes
    (b'"abcdefghijkl"""', 'abcdefghijkl"'),           # unescaped to 13 bytes
    (b'"""abcdefghijkl"', '"abcdefghijkl'),           # unescaped to 13 bytes, quote first
    ("東京東京".encode(), "東京東京"),                  # 12 bytes of UTF-8
    ("東京東京!".encode(), "東京東京!"),                # 13 bytes of UTF-8
    ("😀😀😀".encode(), "😀😀😀"),                      # 12 bytes of UTF-8
])
def test_values_either_side_of_the_inline_limit(raw, value):
    assert len(value.encode()) in (11, 12, 13)
    data = b"Id,Value,Last\n1," + raw + b",z\n2,short," + raw + b"\n"
    assert value_rows(data, 3, Dialect()) == [(1, ("1", value, "z")), (2, ("2", "short", value))]


def test_a_one_column_file():
    # The blank line is no record of values; `""` is one, holding "".
    data = 'Name\nalpha\n""\n\n"x,y"\nZürich\nomega'.encode()
    for chunk_size in (3, 4096, csv_scan.CHUNK_SIZE):
        rows = value_rows(data, 1, Dialect(), chunk_size)
        assert rows == [(1, ("alpha",)), (2, ("",)), (4, ("x,y",)), (5, ("Zürich",)), (6, ("omega",))]


def test_a_cr_only_file_with_a_semicolon():
    data = 'A;B\r"x;y";"l1\r\nl2"\rZürich;""\r'.encode()
    rows = value_rows(data, 2, Dialect(delimiter=ord(";"), line_break=CR))
    assert rows == [(1, ("x;y", "l1\r\nl2")), (2, ("Zürich", ""))]


def test_records_of_the_wrong_width_and_the_header_are_not_rows():
    data = b"A,B\nx,y\nonly one\np,q,r\n,\n"
    assert value_rows(data, 2, Dialect()) == [(1, ("x", "y")), (4, ("", ""))]


def test_a_record_with_a_quoting_anomaly_keeps_its_place_among_the_clean_ones():
    # Record 2 has a stray quote: decoded in Python and merged back in file order.
    data = b'A,B\nfirst value here,1\nab"c,2\nthird value here,"3"""\n'
    expected = [(1, ("first value here", "1")), (2, ('ab"c', "2")), (3, ("third value here", '3"'))]
    assert value_rows(data, 2, Dialect()) == expected


def test_many_escaped_values_grow_the_unescape_buffer():
    # More than 4 KiB of values holding `""`, so the side buffer of unescaped values is
    # reallocated while views into it are being made.
    values = [f'row {i} said ""hello"" to {"x" * (i % 17)}' for i in range(400)]
    data = ("A,B\n" + "".join(f'{i},"{v}"\n' for i, v in enumerate(values))).encode()
    rows = value_rows(data, 2, Dialect())
    assert rows == [(i + 1, (str(i), v.replace('""', '"'))) for i, v in enumerate(values)]
    assert sum(len(v) for v in values) > 4096


# --- Chunks that are not valid UTF-8 ----------------------------------------------------

def test_a_chunk_that_is_not_utf8_is_read_lossily_by_polars():
    data = b'Name,City\nab\xe9c,Z\xc3\xbcrich\nplain,"q""x"\n'
    chunk = next(csv_scan.scan(io.BytesIO(data), Dialect()))
    assert chunk.first_invalid_utf8() == data.index(b"\xe9")
    # Even with the C extension present, the chunk goes to polars (the spy would fail).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(frame, "_columns_from_spans", _must_not_run("_columns_from_spans"))
        made = frame.build_value_frame(chunk, 2, ",")
    assert made.records.tolist() == [1, 2]
    assert made.frame.rows() == [("ab\ufffdc", "Zürich"), ("plain", 'q"x')]


@needs_c
def test_only_the_chunk_that_is_not_utf8_leaves_the_c_path():
    data = b"A,B\nfirst,1\nsecond \xff,2\nthird,3\n"
    chunks = list(csv_scan.scan(io.BytesIO(data), Dialect(), chunk_size=6))
    invalid = [chunk for chunk in chunks if chunk.first_invalid_utf8() is not None]
    assert len(invalid) == 1
    assert invalid[0].base + invalid[0].first_invalid_utf8() == data.index(b"\xff")
    rows = []
    for chunk in chunks:
        if chunk.first_invalid_utf8() is None:
            made = build_with_c(chunk, 2, ",")
        else:  # the real dispatch, not forced: it must not take the C path
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(frame, "_columns_from_spans", _must_not_run("_columns_from_spans"))
                made = frame.build_value_frame(chunk, 2, ",")
        if made is not None:
            rows += [(chunk.first_record + r, v) for r, v in zip(made.records.tolist(), made.frame.rows())]
    assert rows == [(1, ("first", "1")), (2, ("second \ufffd", "2")), (3, ("third", "3"))]


# --- Lifetime and threads ---------------------------------------------------------------

_LIFETIME_ROWS = [(f"{i:04d}", f'a value long enough to sit out of line, number {i}',
                   "Zürich" if i % 2 else 'with "quotes" doubled, past twelve bytes') for i in range(300)]


def _lifetime_file() -> bytes:
    def field(value):
        return '"' + value.replace('"', '""') + '"' if ('"' in value or "," in value) else value
    lines = ["A,B,C"] + [",".join(field(v) for v in row) for row in _LIFETIME_ROWS]
    return "\r\n".join(lines).encode() + b"\r\n"


def _frame_without_its_chunk():
    """A value frame whose chunk, chunk bytes and stream are all gone by the time it is read."""
    data = bytes(bytearray(_lifetime_file()))  # a private copy, freed with the chunk
    chunk = next(csv_scan.scan(io.BytesIO(data), Dialect()))
    made = build_with_c(chunk, 3, ",")
    records, values = made.records.copy(), made.frame
    size = len(data)
    del made, chunk, data
    gc.collect()
    # Reuse the freed memory for other bytes, so a view still pointing there would read them.
    litter = [bytes([0xFF]) * size for _ in range(8)]
    return records, values, litter


@needs_c
def test_the_frame_outlives_the_chunk_and_its_bytes():
    records, values, litter = _frame_without_its_chunk()
    assert records.tolist() == list(range(1, len(_LIFETIME_ROWS) + 1))
    assert values.rows() == _LIFETIME_ROWS
    # Operations that keep the views (filter, slice, concat) read the same values.
    long_b = values.filter(pl.col("c1").str.len_bytes() > 12)
    assert long_b.height == len(_LIFETIME_ROWS)
    assert pl.concat([values[10:20], values[:3]]).rows() == _LIFETIME_ROWS[10:20] + _LIFETIME_ROWS[:3]
    assert litter[0][:1] == b"\xff"


@needs_c
def test_the_frame_is_read_and_dropped_from_other_threads():
    records, values, _ = _frame_without_its_chunk()
    with ThreadPoolExecutor(max_workers=4) as pool:
        reads = [pool.submit(values.rows) for _ in range(4)]
        columns = [pool.submit(lambda j=j: values[f"c{j}"].to_list()) for j in range(3)]
        assert all(read.result() == _LIFETIME_ROWS for read in reads)
        assert [column.result() for column in columns] == [list(col) for col in zip(*_LIFETIME_ROWS)]

        # The last reference dropped in a worker: the C release callbacks run there.
        holder = [values]
        del values

        def drop():
            holder.pop()
            gc.collect()
            return len(holder)

        assert pool.submit(drop).result() == 0

        # Frames built in several threads at once are the frames built one at a time.
        data = _lifetime_file()
        chunks = list(csv_scan.scan(io.BytesIO(data), Dialect(), chunk_size=512))
        one_by_one = [build_with_c(chunk, 3, ",") for chunk in chunks]
        at_once = list(pool.map(lambda chunk: frame.build_value_frame(chunk, 3, ","), chunks))
    assert len(chunks) > 4
    for alone, together in zip(one_by_one, at_once):
        assert_same_frames(alone, together)
    built = [(c.first_record + r, v) for c, m in zip(chunks, at_once) if m is not None
             for r, v in zip(m.records.tolist(), m.frame.rows())]
    assert built == [(i + 1, row) for i, row in enumerate(_LIFETIME_ROWS)]


# --- Where polars' CSV reader alone would not give the scanner's values -------------------
# Each case: (file bytes, dialect, header width, the rows the scanner's spans hold). Both paths
# must give these rows: the polars path (no C extension, or a chunk that is not valid UTF-8)
# takes its line break from the chunk's dialect and leaves such records to the Python decoder.

_POLARS_DIVERGENCES = {
    # A CR-only file whose last record has no final CR and holds an unquoted LF. That record is
    # the last chunk on its own, its terminator is END_OF_FILE: the line break must come from
    # the dialect, or polars splits the record in two (with 2+ columns, a SchemaError).
    "cr-file-last-record-with-lf": (b"A\rx\ny", Dialect(line_break=CR), 1, [(1, ("x\ny",))]),
    "cr-file-last-record-with-lf-2-columns": (b"A,B\rx\ny,z", Dialect(line_break=CR), 2,
                                              [(1, ("x\ny", "z"))]),
    # A bare CR ending an unquoted field before a delimiter: polars drops it.
    "bare-cr-before-delimiter": (b"A,B\na\r,c\n", Dialect(), 2, [(1, ("a\r", "c"))]),
    # A UTF-8 BOM starting the first clean record of a chunk (the header is not in the payload):
    # polars takes it for a BOM of its input and drops it.
    "bom-at-the-start-of-the-payload": (b"A,B\n\xef\xbb\xbfx,y\n", Dialect(), 2, [(1, ("\ufeffx", "y"))]),
}


@needs_c
@pytest.mark.parametrize("case", sorted(_POLARS_DIVERGENCES))
def test_the_c_path_gives_the_scanners_values_where_polars_does_not(case):
    data, dialect, width, expected = _POLARS_DIVERGENCES[case]
    assert value_rows(data, width, dialect, build=build_with_c) == expected
    # The values are the scanner's raw spans (unquoted fields), as _decode_in_python reads them.
    raw = [(chunk.first_record + r, tuple(v.decode() for v in chunk.record_fields(r)))
           for chunk in csv_scan.scan(io.BytesIO(data), dialect) for r in range(chunk.record_count)]
    assert raw[1:] == expected


@pytest.mark.parametrize("case", sorted(_POLARS_DIVERGENCES))
def test_the_polars_path_gives_the_scanners_values(case):
    data, dialect, width, expected = _POLARS_DIVERGENCES[case]
    assert value_rows(data, width, dialect, build=build_with_polars) == expected


@needs_c
def test_spans_outside_the_chunk_are_refused_not_read():
    """_columns.c checks every span against the chunk: a bad caller gets a ValueError, never a
    read past the buffer."""
    from sfprep.native import _columns

    starts, ends = np.array([0, 5], dtype=np.int64), np.array([1, 9], dtype=np.int64)
    with pytest.raises(ValueError):
        _columns.columns(b"abc", starts, ends, np.array([0], dtype=np.int64), 2)
    with pytest.raises(ValueError):
        _columns.columns(b"abc", starts, ends, np.array([1], dtype=np.int64), 2)  # record past the spans
