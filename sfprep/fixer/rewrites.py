"""Whole-file rewrites (Fix.rewrite): re-encoding (F001), line endings (F004) and
re-delimiting (Q001), each streaming from the original into the new file."""
from __future__ import annotations

import codecs
import csv
import io
from typing import BinaryIO

from sfprep.core.model import UsageError
from sfprep.io.atomic import COPY_BLOCK


def rewrite_file(rewrite: tuple[str, ...], source: BinaryIO, target: BinaryIO) -> None:
    kind, *arguments = rewrite
    if kind == "reencode":
        _reencode(source, target, *arguments)
    elif kind == "redelimit":
        _redelimit(source, target, *arguments)
    elif kind == "line-endings":
        _rewrite_line_endings(source, target, *arguments)
    else:  # pragma: no cover - a rule declared a rewrite this module does not know
        raise ValueError(kind)


def _reencode(source: BinaryIO, target: BinaryIO, encoding: str) -> None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except LookupError:
        raise UsageError(f"--encoding {encoding}: unknown encoding") from None
    while True:
        block = source.read(COPY_BLOCK)
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as error:
            raise UsageError(f"the file is not valid {encoding} either ({error.reason}); nothing was changed") from None
        target.write(text.lstrip("\ufeff").encode("utf-8") if target.tell() == 0 else text.encode("utf-8"))
        if not block:
            return


def _rewrite_line_endings(source: BinaryIO, target: BinaryIO, wrong: str, right: str, delimiter: str) -> None:
    """Rewrite the record terminators of one kind, chunk by chunk, with numpy (values untouched)."""
    import numpy as np

    from sfprep.io.csv import scan as csv_scan
    from sfprep.io.csv.dialect import CR, LF, Dialect

    kinds = {"LF": csv_scan.TERM_LF, "CRLF": csv_scan.TERM_CRLF, "CR": csv_scan.TERM_CR}
    dialect = Dialect(delimiter=ord(delimiter), line_break=CR if wrong == "CR" else LF)
    for chunk in csv_scan.scan(source, dialect):
        arr = chunk.array
        ends = chunk.record_ends[chunk.terminators == kinds[wrong]]
        if wrong == "CRLF":      # drop the CR (or, to CR, the LF)
            arr = np.delete(arr, ends + (1 if right == "CR" else 0))
        elif right == "CRLF":    # LF or CR -> CRLF: a CR before the LF, or an LF after the CR
            arr = np.insert(arr, ends + (1 if wrong == "CR" else 0), LF if wrong == "CR" else CR)
        else:                    # LF <-> CR: one byte for another
            arr = arr.copy()
            arr[ends] = LF if right == "LF" else CR
        target.write(arr.tobytes())


def _redelimit(source: BinaryIO, target: BinaryIO, delimiter: str, new_delimiter: str) -> None:
    """Rewrite with the new delimiter, quoting what needs quoting; line breaks in values are kept.

    Offered only for files whose quoting is clean, so the csv module reads every value exactly.
    """
    from sfprep.io.csv.writer import quote_field

    text = io.TextIOWrapper(source, encoding="utf-8", errors="surrogateescape", newline="")
    first_line = text.readline()
    text.seek(0)
    line_ending = "\r\n" if first_line.endswith("\r\n") else "\n"
    for row in csv.reader(text, delimiter=delimiter, quotechar='"', strict=True):
        line = new_delimiter.join(quote_field(value, new_delimiter) for value in row) + line_ending
        target.write(line.encode("utf-8", "surrogateescape"))
    text.detach()
