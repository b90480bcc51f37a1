"""Records to canonical Bulk CSV: UTF-8 without BOM, comma, minimal quoting, LF (or CRLF)."""
from __future__ import annotations

from typing import BinaryIO


def write_csv(records, out: BinaryIO, path: str, line_ending: str = "LF") -> int:
    import polars as pl

    terminator = "\r\n" if line_ending == "CRLF" else "\n"
    header = pl.DataFrame({f"c{i}": [name] for i, name in enumerate(records.names)})
    out.write(header.write_csv(include_header=False, quote_style="necessary", line_terminator=terminator).encode())
    written = 0
    for frame in records.frames:
        # an empty value is written empty, not as "" (polars quotes empty strings, and writes nulls as nothing)
        blanked = frame.with_columns(pl.when(pl.all() != "").then(pl.all()))
        out.write(blanked.write_csv(include_header=False, quote_style="necessary", null_value="",
                                    line_terminator=terminator).encode())
        written += frame.height
    return written
