"""A chunk's records as a batch holds them, with each record's end and characters: canonical
Bulk CSV (UTF-8 without BOM, the job's delimiter and line ending, a value quoted only when
it holds the delimiter, a quote, CR or LF) or Bulk XML (one record a line).

Written from the scanner's field spans in C (native/_records.c), which counts each record's
characters as it copies; where the extension is missing, by polars expressions over the
records' value frame (the same bytes, a test holds them equal).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sfprep.native import load_extension

_records = load_extension("_records")  # sfprep/native/_records.c, or None

TERMINATORS = {"LF": "\n", "CRLF": "\r\n"}


@dataclass
class Encoded:
    data: bytes | memoryview
    ends: np.ndarray         # offset in data just after each record
    characters: np.ndarray   # each record's characters

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.ends, prepend=0)

    def reordered(self, order: np.ndarray) -> "Encoded":
        """The same records in another order (a grouped split's, batch by batch)."""
        sizes = self.sizes[order]
        starts = (self.ends - self.sizes)[order]
        if _records is not None:
            data = _records.gather(self.data, np.ascontiguousarray(starts, dtype=np.int64),
                                   np.ascontiguousarray(sizes, dtype=np.int64))
        else:
            view = memoryview(self.data)
            data = b"".join(view[start:start + size] for start, size in zip(starts.tolist(), sizes.tolist()))
        return Encoded(data, np.cumsum(sizes), self.characters[order])


def _in_c(chunk) -> bool:
    """The C writer takes well-quoted spans (a chunk of invalid UTF-8 is copied as bytes: F001
    refuses the split anyway, and no second UTF-8 pass is spent on the clean ones)."""
    return _records is not None and not chunk.anomaly_count


def _answer(data: bytes, ends: bytes, continuations: bytes) -> Encoded:
    ends_array = np.frombuffer(ends, dtype=np.int64)
    sizes = np.diff(ends_array, prepend=0)
    return Encoded(data, ends_array, sizes - np.frombuffer(continuations, dtype=np.int64))


def _from_strings(lines) -> Encoded:
    """Encoded from a polars String Series of whole records."""
    import polars as pl

    sizes = lines.str.len_bytes().cast(pl.Int64).to_numpy()
    characters = lines.str.len_chars().cast(pl.Int64).to_numpy()
    data = pl.select(pl.lit(lines).str.join("").cast(pl.Binary)).item() if len(lines) else b""
    return Encoded(data, np.cumsum(sizes), characters)


class CsvEncoder:
    extension = "csv"
    footer = b""

    def __init__(self, delimiter: str = ",", line_ending: str = "LF"):
        self.delimiter = delimiter
        self.terminator = TERMINATORS[line_ending]

    def header(self, chunk, width: int) -> bytes:
        return bytes(self.records(chunk, np.array([0], dtype=np.int64), width).data)

    def records(self, chunk, records: np.ndarray, width: int) -> Encoded:
        if _in_c(chunk):
            firsts = np.ascontiguousarray(chunk.record_first_field[records], dtype=np.int64)
            (data, ends, continuations), origin = _records.csv(
                chunk.data, chunk.field_starts, chunk.field_ends, firsts, width, ord(self.delimiter),
                chunk.dialect.delimiter, self.terminator.encode())
            if data is None:   # canonical as it stands: the chunk's own bytes
                data = memoryview(chunk.data)[origin:origin + int(np.frombuffer(ends, dtype=np.int64)[-1])]
            return _answer(data, ends, continuations)
        return self.from_frame(_frame(chunk, records, width))

    def from_frame(self, frame) -> Encoded:
        import polars as pl

        special = [self.delimiter, '"', "\r", "\n"]
        values = [pl.when(pl.col(name).str.contains_any(special))
                  .then(pl.lit('"') + pl.col(name).str.replace_all('"', '""', literal=True) + pl.lit('"'))
                  .otherwise(pl.col(name)) for name in frame.columns]
        line = pl.concat_str(values, separator=self.delimiter) + pl.lit(self.terminator)
        return _from_strings(frame.select(line.alias("line")).to_series())


class XmlEncoder:
    extension = "xml"
    footer = b"</sObjects>\n"

    def __init__(self, names: list[str]):
        from sfprep.io.xml.writing import column_parts

        parts = [column_parts(name) for name in names]
        self.names = names
        self.parts = tuple([part[k].encode() for part in parts] for k in range(3))

    def header(self, chunk, width: int) -> bytes:
        from sfprep.io.xml.writing import DATALOAD, XSI

        # xsi is bound in every batch: whether a batch holds a null is known only once it is written
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<sObjects xmlns="{DATALOAD}" xmlns:xsi="{XSI}">\n'.encode()

    def records(self, chunk, records: np.ndarray, width: int) -> Encoded:
        if _in_c(chunk):
            firsts = np.ascontiguousarray(chunk.record_first_field[records], dtype=np.int64)
            return _answer(*_records.xml(chunk.data, chunk.field_starts, chunk.field_ends, firsts, width, *self.parts))
        return self.from_frame(_frame(chunk, records, width))

    def from_frame(self, frame) -> Encoded:
        import polars as pl

        from sfprep.io.xml.writing import RECORD_END, RECORD_START, column_expr

        columns = [column_expr(index, name) for index, name in enumerate(self.names)]
        body = pl.concat_str(columns, separator="") if columns else pl.lit("")
        return _from_strings(frame.select((pl.lit(RECORD_START) + body + pl.lit(RECORD_END)).alias("x")).to_series())


def _frame(chunk, records: np.ndarray, width: int):
    from sfprep.io.csv.frame import value_frame

    return value_frame(chunk, records, list(range(width)), chr(chunk.dialect.delimiter)).frame
