"""A chunk's well-formed records as an all-String polars frame, for the value rules.

The usable records (right field count, not blank) become columns straight from the
scanner's field spans: sfprep/native/_columns.c turns each field into an Arrow string view and
polars imports them without a second parse. Where that extension is missing, or the chunk
is not valid UTF-8, polars' CSV reader gets the bytes of the records the scanner vouched
for (no quoting anomaly), cut at record boundaries: polars is never the structural parser.
The few records with a quoting anomaly (or, for polars' reader, a bare CR or a leading
byte-order mark, which it would change) are decoded in Python from the scanner's spans, so
one bad row hides no other row's values.
Empty values stay "" and `#N/A` stays "#N/A": the two mean different things to Salesforce.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sfprep.io.csv.scan import CsvChunk, unquote
from sfprep.native import load_extension

_columns = load_extension("_columns")  # sfprep/native/_columns.c, or None


@dataclass
class ValueFrame:
    frame: pl.DataFrame        # columns c0..cN-1, all String, one row per usable record
    records: np.ndarray        # chunk-local record index of each row
    chunk: CsvChunk
    delimiter: str = ","

    def field_bytes(self, row: int, column: int) -> bytes:
        record = int(self.records[row])
        return self.chunk.field_bytes(int(self.chunk.record_first_field[record]) + column)

    def locate_many(self, rows, column: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each of these rows, where the given column's field is: (physical lines, record
        numbers, file offsets)."""
        records = self.records[rows]
        starts = self.chunk.field_starts[self.chunk.record_first_field[records] + column]
        return self.chunk.line_of(starts), records + self.chunk.first_record, starts + self.chunk.base


def column_names(count: int) -> list[str]:
    return [f"c{i}" for i in range(count)]


def build_value_frame(chunk: CsvChunk, header_width: int, delimiter: str) -> ValueFrame | None:
    usable = _usable_records(chunk, header_width)
    from_spans = _columns is not None and len(chunk.data) < 1 << 31 and chunk.first_invalid_utf8() is None
    by_python = _records_with_anomalies(chunk) & usable
    if not from_spans:
        by_python |= _records_polars_would_misread(chunk) & usable
    clean = usable & ~by_python
    names = column_names(header_width)
    parts, records = [], []
    if clean.any():
        parts.append(_columns_from_spans(chunk, clean, header_width) if from_spans
                     else _parse_with_polars(chunk, clean, names, delimiter))
        records.append(np.flatnonzero(clean))
    if by_python.any():
        indices = np.flatnonzero(by_python)
        parts.append(_decode_in_python(chunk, indices, names))
        records.append(indices)
    if not parts:
        return None
    frame = pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]
    order = np.concatenate(records)
    if len(parts) > 1:  # keep file order, so findings come out sorted
        permutation = np.argsort(order, kind="stable")
        frame, order = frame[permutation], order[permutation]
    return ValueFrame(frame, order, chunk, delimiter)


def _usable_records(chunk: CsvChunk, header_width: int) -> np.ndarray:
    usable = (chunk.field_counts == header_width) & (chunk.record_ends > chunk.record_starts)
    if chunk.first_record == 0 and len(usable):
        usable[0] = False  # the header
    if chunk.unterminated_quote is not None:
        usable[chunk.record_index_of(chunk.unterminated_quote):] = False
    return usable


def _records_polars_would_misread(chunk: CsvChunk) -> np.ndarray:
    """Records whose values polars' CSV reader changes: a bare CR (dropped before a delimiter)
    or a UTF-8 BOM at the start (taken for the file's). Decoded in Python instead."""
    flagged = np.zeros(chunk.record_count, dtype=bool)
    bare_crs = chunk.check_text().bare_crs
    if len(bare_crs):
        flagged[chunk.record_index_of(bare_crs)] = True
    starts = chunk.record_starts[chunk.record_starts + 3 <= len(chunk.data)]
    if len(starts):
        arr = chunk.array
        bom = (arr[starts] == 0xEF) & (arr[starts + 1] == 0xBB) & (arr[starts + 2] == 0xBF)
        flagged[chunk.record_index_of(starts[bom])] = True
    return flagged


def _records_with_anomalies(chunk: CsvChunk) -> np.ndarray:
    flagged = np.zeros(chunk.record_count, dtype=bool)
    if chunk.anomalies:
        positions = np.array([a.position for a in chunk.anomalies], dtype=np.int64)
        flagged[chunk.record_index_of(positions)] = True
    return flagged


class _ArrowColumns:
    """The (schema, array) capsules of sfprep/native/_columns.c, offered to polars' Arrow import."""

    def __init__(self, capsules):
        self.capsules = capsules

    def __arrow_c_array__(self, requested_schema=None):
        return self.capsules


def _columns_from_spans(chunk: CsvChunk, clean: np.ndarray, width: int) -> pl.DataFrame:
    """The clean records' values straight from the scanner's spans: no second parse."""
    first_fields = np.ascontiguousarray(chunk.record_first_field[clean], dtype=np.int64)
    capsules = _columns.columns(chunk.data, _int64(chunk.field_starts), _int64(chunk.field_ends),
                                first_fields, width)
    return pl.DataFrame(_ArrowColumns(capsules))


def _int64(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.int64)


def _parse_with_polars(chunk: CsvChunk, clean: np.ndarray, names: list[str], delimiter: str) -> pl.DataFrame:
    """Hand polars the bytes of runs of consecutive clean records, terminators included.

    Used where the C extension is missing, and for chunks that are not valid UTF-8 (read
    lossily, as F001 reports them anyway)."""
    starts = chunk.record_starts
    next_starts = np.append(starts[1:], len(chunk.data))
    edges = np.diff(np.concatenate([[False], clean, [False]]).astype(np.int8))
    run_starts, run_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    data = chunk.data
    pieces = [data[starts[a]:next_starts[b]] for a, b in zip(run_starts.tolist(), run_ends.tolist())]
    payload = pieces[0] if len(pieces) == 1 else b"".join(pieces)
    line_break = chr(chunk.dialect.line_break)
    return pl.read_csv(payload, has_header=False, infer_schema=False,
                       empty_string_is_null=False, separator=delimiter, quote_char='"',
                       encoding="utf8-lossy", eol_char=line_break, raise_if_empty=False,
                       truncate_ragged_lines=False, schema={n: pl.String for n in names})


def _decode_in_python(chunk: CsvChunk, indices: np.ndarray, names: list[str]) -> pl.DataFrame:
    rows = []
    for record in indices.tolist():
        values = [unquote(raw).decode("utf-8", "replace") for raw in chunk.record_fields(record)]
        rows.append(values)
    return pl.DataFrame(rows, schema={n: pl.String for n in names}, orient="row")

