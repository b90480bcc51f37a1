"""Values of a chunk's well-formed records as all-String polars columns, for the checks that
need polars (dates, numbers, picklists, duplicate keys) and for the messages of the others.

Only the columns asked for are built, straight from the scanner's field spans:
sfprep/native/_columns.c turns each field into an Arrow string view and polars imports them
without a second parse. A field with a quoting anomaly (`"Smith" ,`) gets the value
`chunk.unquote` gives it, from the value spans of the C field pass (io/csv/fields.py), not
from a decode in Python. Where that extension is missing, or the chunk is not valid UTF-8,
polars' CSV reader gets the bytes of the records the scanner vouched for (no quoting
anomaly), cut at record boundaries, and the others are decoded in Python: polars is never
the structural parser. Empty values stay "" and `#N/A` stays "#N/A".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sfprep.io.csv.chunk import CsvChunk, unquote
from sfprep.native import load_extension

_columns = load_extension("_columns")  # sfprep/native/_columns.c, or None


@dataclass
class ValueFrame:
    frame: pl.DataFrame        # columns c<i> for the columns asked for, all String, one row per record
    records: np.ndarray        # chunk-local record index of each row
    chunk: CsvChunk
    delimiter: str = ","

    def fields(self, rows, column: int) -> np.ndarray:
        """The chunk's field indices of these rows' values in `column`."""
        return self.chunk.record_first_field[self.records[rows]] + column

    def locate_many(self, rows, column: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each of these rows, where the given column's field is: (physical lines, record
        numbers, file offsets)."""
        starts = self.chunk.field_starts[self.fields(rows, column)]
        return self.chunk.line_of(starts), self.records[rows] + self.chunk.first_record, self.chunk.file_offsets(starts)


def usable_records(chunk: CsvChunk, header_width: int) -> np.ndarray:
    """Indices of the records whose values are checked: right field count, not blank, not
    the header, not after an unterminated quote."""
    usable = (chunk.field_counts == header_width) & (chunk.record_ends > chunk.record_starts)
    if chunk.first_record == 0 and len(usable):
        usable[0] = False  # the header
    if chunk.unterminated_quote is not None:
        usable[chunk.record_index_of(chunk.unterminated_quote):] = False
    return np.flatnonzero(usable)


def value_frame(chunk: CsvChunk, records: np.ndarray, columns: list[int], delimiter: str) -> ValueFrame:
    """The values of `columns` (indices) in these records, as columns c<index>."""
    if _from_spans(chunk) and len(columns) > 1 and len(records):
        frame = _records_from_spans(chunk, records).select([f"c{column}" for column in columns])
    elif _from_spans(chunk):
        parts = [values_of(chunk, chunk.record_first_field[records] + column).alias(f"c{column}")
                 for column in columns]
        frame = pl.DataFrame(parts)
    else:
        frame = _parsed(chunk, records, delimiter).select([f"c{column}" for column in columns])
    return ValueFrame(frame, records, chunk, delimiter)


def build_value_frame(chunk: CsvChunk, header_width: int, delimiter: str) -> ValueFrame | None:
    """Every column of the chunk's usable records, or None when it has none."""
    records = usable_records(chunk, header_width)
    if not len(records):
        return None
    return value_frame(chunk, records, list(range(header_width)), delimiter)


def values_of(chunk: CsvChunk, fields: np.ndarray, utf8_known: bool = False) -> pl.Series:
    """The values of these fields (chunk field indices), as one String Series. utf8_known:
    the caller knows the bytes are UTF-8 (a second read of a file the lint passed), and the
    UTF-8 pass is not run again."""
    fields = np.ascontiguousarray(fields, dtype=np.int64)
    spans_usable = _columns is not None and len(chunk.data) < 1 << 31 if utf8_known else _from_spans(chunk)
    if not spans_usable:
        data = chunk.data
        return pl.Series([unquote(data[s:e]).decode("utf-8", "replace")
                          for s, e in zip(chunk.field_starts[fields].tolist(), chunk.field_ends[fields].tolist())],
                         dtype=pl.String)
    return _columns_from_spans(chunk, fields)


def _columns_from_spans(chunk: CsvChunk, fields: np.ndarray) -> pl.Series:
    """The values straight from the scanner's spans, as Arrow string views: no second parse."""
    starts, ends = _view_spans(chunk, fields)
    capsules = _columns.columns(chunk.data, starts, ends, np.arange(len(fields), dtype=np.int64), 1)
    return pl.DataFrame(_ArrowColumns(capsules)).to_series(0)


def _records_from_spans(chunk: CsvChunk, records: np.ndarray) -> pl.DataFrame:
    """Every column of these (well-formed, equally wide) records in one frame: one copy of
    the chunk's bytes for all of them, where values_of makes one per column."""
    width = int(chunk.field_counts[records[0]])
    first_fields = np.ascontiguousarray(chunk.record_first_field[records], dtype=np.int64)
    fields = (first_fields[:, None] + np.arange(width)[None, :]).ravel()
    starts, ends = _view_spans(chunk, fields)
    capsules = _columns.columns(chunk.data, starts, ends, np.arange(0, len(fields), width, dtype=np.int64), width)
    return pl.DataFrame(_ArrowColumns(capsules))


def texts_of(chunk: CsvChunk, starts: np.ndarray, ends: np.ndarray) -> pl.Series:
    """The chunk's bytes [start, end) of each span, as text (no unquoting), one String Series."""
    data = chunk.data
    if not _from_spans(chunk) or len(starts) < 256 or (chunk.array[starts[ends > starts]] == 0x22).any():
        # few, or some start with a quote (which _columns.c would take for quoting)
        return pl.Series([data[s:e].decode("utf-8", "replace") for s, e in zip(starts.tolist(), ends.tolist())],
                         dtype=pl.String)
    capsules = _columns.columns(data, np.ascontiguousarray(starts, dtype=np.int64),
                                np.ascontiguousarray(ends, dtype=np.int64), np.arange(len(starts), dtype=np.int64), 1)
    return pl.DataFrame(_ArrowColumns(capsules)).to_series(0)


def _from_spans(chunk: CsvChunk) -> bool:
    return _columns is not None and len(chunk.data) < 1 << 31 and chunk.first_invalid_utf8() is None


def _view_spans(chunk: CsvChunk, fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spans _columns.c reads as each field's value: the raw span, quotes included, except
    in a field with a quoting anomaly, whose value is cut out as `unquote` cuts it."""
    starts = np.ascontiguousarray(chunk.field_starts[fields], dtype=np.int64)
    ends = np.ascontiguousarray(chunk.field_ends[fields], dtype=np.int64)
    if chunk.anomaly_count:
        from sfprep.io.csv.fields import field_facts

        odd = np.flatnonzero(chunk.anomalous_fields()[fields])
        if len(odd):
            facts = field_facts(chunk, fields[odd])
            quoted = facts.value_starts > starts[odd]   # the value was inside quotes: keep one each side
            starts[odd] = facts.value_starts - quoted
            ends[odd] = facts.value_ends + quoted
    return starts, ends


class _ArrowColumns:
    """The (schema, array) capsules of sfprep/native/_columns.c, offered to polars' Arrow import."""

    def __init__(self, capsules):
        self.capsules = capsules

    def __arrow_c_array__(self, requested_schema=None):
        return self.capsules


def _parsed(chunk: CsvChunk, records: np.ndarray, delimiter: str) -> pl.DataFrame:
    """All columns of these records without the C extension (or for a chunk that is not valid
    UTF-8, read lossily): polars' reader for the records it reads exactly, Python for the rest."""
    width = int(chunk.field_counts[records[0]]) if len(records) else 0
    names = [f"c{i}" for i in range(width)]
    selected = np.zeros(chunk.record_count, dtype=bool)
    selected[records] = True
    by_python = (_records_with_anomalies(chunk) | _records_polars_would_misread(chunk)) & selected
    clean = selected & ~by_python
    parts, order = [], []
    if clean.any():
        parts.append(_parse_with_polars(chunk, clean, names, delimiter))
        order.append(np.flatnonzero(clean))
    if by_python.any():
        indices = np.flatnonzero(by_python)
        parts.append(_decode_in_python(chunk, indices, names))
        order.append(indices)
    if not parts:
        return pl.DataFrame(schema={n: pl.String for n in names})
    frame = pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]
    if len(parts) > 1:  # back to file order
        frame = frame[np.argsort(np.concatenate(order), kind="stable")]
    return frame


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
    if chunk.anomaly_count:
        flagged[chunk.record_index_of(chunk.anomaly_arrays()[1])] = True
    return flagged


def _parse_with_polars(chunk: CsvChunk, clean: np.ndarray, names: list[str], delimiter: str) -> pl.DataFrame:
    """Hand polars the bytes of runs of consecutive clean records, terminators included."""
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
    rows = [[unquote(raw).decode("utf-8", "replace") for raw in chunk.record_fields(record)]
            for record in indices.tolist()]
    return pl.DataFrame(rows, schema={n: pl.String for n in names}, orient="row")
