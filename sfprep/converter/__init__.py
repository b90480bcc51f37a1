"""`sfprep convert` (issue 12): CSV to Bulk XML and back, losslessly, streaming.

    source (CSV or XML, by content) -> lint for what cannot be carried over (refused: exit 1,
    nothing written) -> the records, chunk by chunk, as all-String polars frames (the same
    chunks the linter reads: io/csv/scan.py or io/xml/reader.py) -> to_csv.py or to_xml.py
    -> one atomic write (io/atomic.py: nothing at --out unless the whole file was written).

The mapping both ways: `#N/A` <-> `xsi:nil="true"`, `Rel__r.Field` <-> a nested `sObject`,
`Type:Rel__r.Field` <-> a nested `sObject` with `<type>`, an empty CSV value <-> no element.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

# Errors that mean the records cannot be read exactly (broken quoting, ragged rows, names
# that are no field, broken markup): the converted file would not say what the source says.
BLOCKING = ("F001", "F005", "F006", "Q002", "Q003", "Q004", "Q005", "Q006", "H001", "H002", "H003",
            "H004", "H005", "H007", "X001", "X003", "X004", "X005", "X006", "X007", "X009")


class ConvertRefused(Exception):
    """The source has problems convert cannot carry over (exit 1, nothing written)."""

    def __init__(self, message: str, findings: list | None = None):
        super().__init__(message)
        self.findings = findings or []


@dataclass
class Records:
    names: list[str]          # the column names, CSV's header grammar
    frames: Iterator          # polars DataFrames, columns c0..c<n-1>, all String, one row per record
    source_format: str        # "csv" or "xml"


def read_records(path: str) -> Records:
    """The records of a CSV or XML batch (which one by content), streamed."""
    from sfprep.io.sniff import HEAD_SIZE
    from sfprep.io.xml.prolog import looks_like_xml

    with open(path, "rb") as stream:
        head = stream.read(HEAD_SIZE)
    if looks_like_xml(head):
        return _xml_records(path)
    return _csv_records(path, head)


def _csv_records(path: str, head: bytes) -> Records:
    from sfprep.io.csv.scan import scan
    from sfprep.io.sniff import UTF8_BOM, sniff

    sniffed = sniff(head)
    delimiter = sniffed.evident_delimiter(",")
    start = len(UTF8_BOM) if sniffed.bom else 0
    stream = open(path, "rb")
    stream.seek(start)
    chunks = scan(stream, sniffed.dialect(delimiter), start_offset=start)
    first = next(chunks, None)
    names = _header_names(first) if first is not None else []

    def frames():
        try:
            if first is not None:
                yield from _chunk_frames(first, len(names), delimiter)
            for chunk in chunks:
                yield from _chunk_frames(chunk, len(names), delimiter)
        finally:
            stream.close()
    return Records(names, frames(), "csv")


def _xml_records(path: str) -> Records:
    from sfprep.io.xml.reader import XmlReader

    stream = open(path, "rb")
    reader = XmlReader(path, stream)
    chunks = reader.chunks()
    first = next(chunks, None)
    names = list(reader.names)

    def frames():
        try:
            if first is not None:
                yield from _chunk_frames(first, len(names), ",")
            for chunk in chunks:
                _refuse_late_columns(path, reader.facts)
                yield from _chunk_frames(chunk, len(names), ",")
            _refuse_late_columns(path, reader.facts)
        finally:
            reader.close()
            stream.close()
    return Records(names, frames(), "xml")


def _refuse_late_columns(path: str, facts) -> None:
    if facts.late_columns:
        name, record = next(iter(facts.late_columns.items()))
        raise ConvertRefused(f"{path}: field {name} first appears at record {record:,}, after the first "
                             f"{facts.columns_from:,} records the columns are read from; nothing was written")


def _header_names(chunk) -> list[str]:
    from sfprep.linter.engine import header_of

    header = header_of(chunk)
    return header.names if header is not None else []


def _chunk_frames(chunk, width: int, delimiter: str):
    from sfprep.io.csv.frame import build_value_frame

    values = build_value_frame(chunk, width, delimiter) if width else None
    if values is not None and values.frame.height:
        yield values.frame


def convert(path: str, to: str, out: str, overwrite: bool = False, line_ending: str = "LF") -> int:
    """Convert one file; returns the records written. ConvertRefused when the source cannot
    be carried over exactly; UsageError for a bad output path."""
    from sfprep.io.atomic import atomic_create

    records = read_records(path)
    if to == "xml":
        from sfprep.converter.to_xml import write_xml as write
    else:
        from sfprep.converter.to_csv import write_csv as write
    written = []
    atomic_create(out, lambda stream: written.append(write(records, stream, path=path, line_ending=line_ending)),
                  overwrite=overwrite)
    return written[0]
