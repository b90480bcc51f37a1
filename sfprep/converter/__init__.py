"""`sfprep convert` (issue 12): CSV to Bulk XML and back, losslessly, in one streaming pass.

    source (CSV or XML, by content) -> the lint engine with the rules whose errors mean the
    records cannot be read exactly (linter/structural.py) -> every chunk of records it reads (its spans,
    or an all-String polars frame) -> to_csv.py or to_xml.py -> one atomic write (io/atomic.py).

A blocking error anywhere refuses the whole file: the write is abandoned and nothing is
left at --out. The mapping both ways: `#N/A` <-> `xsi:nil="true"`, `Rel__r.Field` <-> a
nested `sObject`, `Type:Rel__r.Field` <-> a nested `sObject` with `<type>`, an empty CSV
value <-> no element.
"""
from __future__ import annotations

from typing import BinaryIO


class ConvertRefused(Exception):
    """The source has problems convert cannot carry over (exit 1, nothing written)."""

    def __init__(self, message: str, result=None):
        super().__init__(message)
        self.result = result   # the FileResult of the blocking rules, when they found errors


class _ReadAgain(Exception):
    """This pass's output is abandoned: the file is read again with all its names."""


class Conversion:
    """Receives the lint engine's chunks of records (its chunk_sink) and writes them to `out`
    in the other format; `records` counts what was written."""

    def __init__(self, path: str, to: str, out: BinaryIO, line_ending: str = "LF"):
        from sfprep.converter.to_csv import CsvOutput
        from sfprep.converter.to_xml import XmlOutput

        self.path = path
        self.output = (XmlOutput if to == "xml" else CsvOutput)(out, line_ending)
        self.names: list[str] | None = None
        self.records = 0

    def __call__(self, chunk, ctx) -> None:
        from sfprep.io.csv.frame import usable_records, value_frame

        if self.names is None:
            self._start(ctx)
        if not self.names or chunk.long_record is not None:
            return
        records = usable_records(chunk, len(self.names))
        if not len(records):
            return
        self.records += len(records)
        if getattr(self.output, "write_spans", None) and self.output.write_spans(chunk, records):
            return
        self.output.write(value_frame(chunk, records, list(range(len(self.names))), ctx.delimiter).frame)

    def _start(self, ctx) -> None:
        self.names = list(ctx.header.names) if ctx.header is not None and not ctx.header.is_blank else []
        self.output.start(self.names, self.path, ctx.format)

    def finish(self, ctx) -> None:
        """The end of the output; refused when an XML field appeared after the columns were fixed."""
        late = ctx.xml.late_columns if ctx.xml is not None else {}
        if late:
            name, record = next(iter(late.items()))
            raise ConvertRefused(f"{self.path}: field {name} first appears at record {record:,}, after the "
                                 f"first {ctx.xml.columns_from:,} records the columns are read from; "
                                 "nothing was written")
        if self.names is None:
            self._start(ctx)
        self.output.end()


def convert_file(run, target, to: str, out: str, overwrite: bool = False, line_ending: str = "LF") -> int:
    """Convert one lint target (its rules: the structural ones) to `out`; returns the records written.
    ConvertRefused when the source cannot be carried over exactly (nothing is written).

    An XML file's columns are the names of its first records; when a name first appears
    later, the file is read again with all the names the first pass met, in their order."""
    from sfprep.io.atomic import atomic_create

    written: list[int] = []
    names: list[str] | None = None
    while not written:
        late = []
        try:
            atomic_create(out, lambda stream: _convert_pass(run, target, to, stream, line_ending, names, written,
                                                            late), overwrite=overwrite)
        except _ReadAgain:
            names = late[0]
    return written[0]


def _convert_pass(run, target, to, stream, line_ending, names, written, late) -> None:
    from sfprep.core.model import Severity
    from sfprep.linter.engine import FileLint

    conversion = Conversion(str(target.path), to, stream, line_ending)
    lint = FileLint(str(target.path), target.job, run.profile, target.rules, target.display,
                    run.describes, run.settings)
    lint.chunk_sink, lint.xml_names = conversion, names
    lint.read()
    result = lint.finish()
    errors = sum(count for (_, severity, _, _), count in result.findings.counts.items()
                 if severity == Severity.ERROR)
    if errors or lint.stopped_early:
        raise ConvertRefused(f"{errors:,} error(s) convert cannot carry over; nothing was written", result)
    xml = lint.ctx.xml
    if xml is not None and xml.late_columns and names is None:
        late.append(conversion.names + list(xml.late_columns))
        raise _ReadAgain()
    conversion.finish(lint.ctx)
    written.append(conversion.records)
