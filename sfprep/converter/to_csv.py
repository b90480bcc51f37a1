"""Records to canonical Bulk CSV: UTF-8 without BOM, comma, minimal quoting, LF (or CRLF)."""
from __future__ import annotations

from typing import BinaryIO


class CsvOutput:
    def __init__(self, out: BinaryIO, line_ending: str = "LF"):
        self.out = out
        self.terminator = "\r\n" if line_ending == "CRLF" else "\n"

    def start(self, names: list[str], path: str, source_format: str) -> None:
        import polars as pl

        header = pl.DataFrame({f"c{i}": [name] for i, name in enumerate(names)})
        self.out.write(header.write_csv(include_header=False, quote_style="necessary",
                                        line_terminator=self.terminator).encode())

    def write(self, frame) -> None:
        import polars as pl

        # an empty value is written empty, not as "" (polars quotes empty strings, and writes nulls as nothing)
        blanked = frame.with_columns(pl.when(pl.all() != "").then(pl.all()))
        self.out.write(blanked.write_csv(include_header=False, quote_style="necessary", null_value="",
                                         line_terminator=self.terminator).encode())

    def end(self) -> None:
        pass
