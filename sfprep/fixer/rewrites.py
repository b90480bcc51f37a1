"""Whole-file rewrites (Fix.rewrite): re-encoding (F001), line endings (F004) and
re-delimiting (Q001), each streaming from the original into the new file."""
from __future__ import annotations

import codecs
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
        _refuse_long_record(chunk)
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
    """Rewrite with the new delimiter, chunk by chunk from the scanner's spans (no second
    parser: a value of any length is copied as the scanner delimited it). Offered only for
    files whose quoting is clean; a BOM is kept, as are the line endings."""
    from sfprep.io.csv import scan as csv_scan
    from sfprep.io.csv.writer import redelimit_chunk
    from sfprep.io.sniff import HEAD_SIZE, UTF8_BOM, sniff

    sniffed = sniff(source.read(HEAD_SIZE))
    start = len(UTF8_BOM) if sniffed.bom else 0
    target.write(UTF8_BOM[:start])
    source.seek(start)
    for chunk in csv_scan.scan(source, sniffed.dialect(delimiter), start_offset=start):
        _refuse_long_record(chunk)
        if chunk.anomaly_count or chunk.unterminated_quote is not None:
            raise UsageError("the file's quoting is not clean enough to re-delimit exactly "
                             "(a Q002-Q005 problem); nothing was changed")
        target.write(redelimit_chunk(chunk, ord(new_delimiter)).data)


def _refuse_long_record(chunk) -> None:
    """The scanner holds only the first bytes of a record over its limit: rewriting from them
    would drop the rest."""
    if chunk.long_record is not None:
        raise UsageError(f"record {chunk.first_record} (line {chunk.first_line}) is {chunk.long_record.size:,} bytes "
                         "long, too long to rewrite (see L003); nothing was changed")
