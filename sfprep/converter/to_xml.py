"""Records to a Bulk XML batch: UTF-8, the dataload namespace, `xsi` bound only when a
null is written. Each chunk's elements are built by polars string expressions, one per
column, never a Python loop over values."""
from __future__ import annotations

from typing import BinaryIO

from sfprep.io.xml.writing import DATALOAD, RECORD_END, RECORD_START, XSI, column_expr, column_parts
from sfprep.native import load_extension

_records = load_extension("_records")  # sfprep/native/_records.c, or None
SLICE_ROWS = 8192


class XmlOutput:
    """Writes records as Bulk XML: from a chunk's spans in C (native/_records.c) where it can,
    else from the records' value frame with polars expressions (the same bytes)."""

    def __init__(self, out: BinaryIO, line_ending: str = "LF"):
        self.out = out
        self.columns: list = []
        self.parts: tuple[list[bytes], list[bytes], list[bytes]] = ([], [], [])

    def start(self, names: list[str], path: str, source_format: str) -> None:
        self.columns = [column_expr(index, name) for index, name in enumerate(names)]
        parts = [column_parts(name) for name in names]
        self.parts = tuple([part[k].encode() for part in parts] for k in range(3))
        nulls = _has_null(path, (b"#N/A",) if source_format == "csv" else (b"nil", b"#N/A"))
        xsi = f' xmlns:xsi="{XSI}"' if nulls else ""
        self.out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<sObjects xmlns="{DATALOAD}"{xsi}>\n'.encode())

    def write(self, frame) -> None:
        import polars as pl

        body = pl.concat_str(self.columns, separator="") if self.columns else pl.lit("")
        record = (pl.lit(RECORD_START) + body + pl.lit(RECORD_END)).alias("x")
        for part in frame.iter_slices(SLICE_ROWS):  # the XML of a slice is some 3x its CSV: bounded
            records = part.select(record).to_series()
            self.out.write(pl.select(pl.lit(records).str.join("").cast(pl.Binary)).item())

    def write_spans(self, chunk, records) -> bool:
        """Write these records of the chunk from its spans; False where the C writer cannot
        (not built, or the chunk is not plain UTF-8 CSV without quoting anomalies)."""
        import numpy as np

        if _records is None or chunk.anomaly_count or chunk.first_invalid_utf8() is not None:
            return False
        firsts = np.ascontiguousarray(chunk.record_first_field[records], dtype=np.int64)
        for cut in range(0, len(firsts), SLICE_ROWS):
            written, _, _ = _records.xml(chunk.data, chunk.field_starts, chunk.field_ends,
                                         firsts[cut:cut + SLICE_ROWS], len(self.columns), *self.parts)
            self.out.write(written)
        return True

    def end(self) -> None:
        self.out.write(b"</sObjects>\n")


def _has_null(path: str, needles: tuple[bytes, ...]) -> bool:
    """Whether the source may hold a null (#N/A, or xsi:nil): its bytes are searched, in
    blocks, before the root element is written."""
    with open(path, "rb") as stream:
        tail = b""
        while True:
            block = stream.read(8 << 20)
            if not block:
                return False
            window = tail + block
            if any(needle in window for needle in needles):
                return True
            tail = block[-8:]
