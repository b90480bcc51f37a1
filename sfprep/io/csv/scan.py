"""The streaming CSV scanner: one pass over the bytes, in fixed-size chunks, vectorised.

How a chunk is read (no Python loop over characters or fields). With the C extension
(sfprep/native/_scan.c) a state machine visits only the quotes, delimiters and line breaks, found
64 bytes at a time; without it, numpy does the same work as follows, and the tests hold
the two to the same answers:

1. numpy finds every quote, delimiter and line-break byte of the chunk.
2. Each quote is checked, all at once, for whether it could *open* a quoted field (it
   follows a delimiter, a line break, the chunk start, or is the second of a `""` pair)
   and whether it could *close* one (it is followed by a delimiter, a line break, a `"`
   or the end of the file).
3. If quotes alternate open/close and every one passes its check, the file is well
   quoted and the parity of the quote count before a delimiter or line break says
   whether it is structural. Only where a quote fails its check does a short walk over
   *quotes* (not characters) decide what it is -- a stray quote, a lone quote inside a
   quoted field, characters outside quotes -- and then the vectorised parity resumes.
4. Structural line breaks end records, structural delimiters end fields; field and record
   spans are numpy arrays. The chunk is cut after its last complete record and the rest
   is carried into the next chunk, so every chunk holds whole records.

Regular files are read with pread; files of more than one chunk are scanned by a reader
thread ahead of the rules (scan_ahead). Line numbers are physical: every line break
counts, inside quotes or not.
"""
from __future__ import annotations

import io
import os
from typing import BinaryIO, Iterator

import numpy as np

from sfprep.io.csv.chunk import (  # noqa: F401  (re-exported: the rules and tests use them from here)
    END_OF_FILE,
    OUTSIDE_AFTER_CLOSE,
    OUTSIDE_BEFORE_OPEN,
    STRAY_QUOTE,
    TERM_CR,
    TERM_CRLF,
    TERM_LF,
    TERMINATOR_NAMES,
    UNESCAPED_QUOTE,
    Anomaly,
    CsvChunk,
    unquote,
)
from sfprep.io.csv.dialect import CR, LF, Dialect  # noqa: F401
from sfprep.io.csv.numpy_pass import fields_in_numpy, structure_in_numpy
from sfprep.native import load_extension

CHUNK_SIZE = 8 << 20
# A quoted value still open after this many bytes is reported as unterminated (Q003) and
# ends the scan, so that one missing quote never makes the scanner hold the file in memory.
MAX_RECORD_BYTES = 64 << 20


class NeedMoreData(Exception):
    """The buffer holds no complete record yet."""

    def __init__(self, inside_quotes: bool):
        super().__init__()
        self.inside_quotes = inside_quotes


def scan(stream: BinaryIO, dialect: Dialect, start_offset: int = 0,
         chunk_size: int = CHUNK_SIZE) -> Iterator[CsvChunk]:
    """Yield the file's records chunk by chunk, in bounded memory."""
    read = _reader(stream, chunk_size)
    carry = b""
    base, line, record = start_offset, 1, 0
    while True:
        buffer, is_last = read(base, carry)
        if not buffer:
            return
        try:
            chunk = scan_buffer(buffer, dialect, base, line, record, is_last)
        except NeedMoreData as need:
            if not need.inside_quotes or len(buffer) <= MAX_RECORD_BYTES:
                carry = buffer
                continue
            # A quote open for longer than any Bulk API record can be: Q003 at its line,
            # rather than reading the rest of the file into memory as one value.
            yield scan_buffer(buffer, dialect, base, line, record, True)
            return
        yield chunk
        if chunk.is_last:
            return
        consumed = len(chunk.data)
        base += consumed
        line += int(np.count_nonzero(chunk.breaks < consumed))
        record += chunk.record_count
        carry = buffer[consumed:]


def _reader(stream: BinaryIO, chunk_size: int):
    """read(base, carry) -> (the unconsumed bytes from file offset `base` plus about
    chunk_size more, whether the file ends there).

    A regular file is read with pread at `base`, which re-reads the few carried bytes from
    the page cache instead of copying the whole block once more to join them."""
    try:
        fd = stream.fileno()
        seekable = os.lseek(fd, 0, os.SEEK_CUR) >= 0 and hasattr(os, "pread")
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        seekable = False

    def read_stream(base: int, carry: bytes) -> tuple[bytes, bool]:
        block = stream.read(chunk_size)
        return (carry + block if carry else block), not block

    def read_at(base: int, carry: bytes) -> tuple[bytes, bool]:
        want = len(carry) + chunk_size
        buffer = os.pread(fd, want, base)
        while 0 < len(buffer) < want:  # a short read is not the end until pread returns nothing
            more = os.pread(fd, want - len(buffer), base + len(buffer))
            if not more:
                return buffer, True
            buffer += more
        return buffer, not buffer

    return read_at if seekable else read_stream


def scan_ahead(stream: BinaryIO, dialect: Dialect, start_offset: int = 0,
               chunk_size: int = CHUNK_SIZE, depth: int = 2) -> Iterator[CsvChunk]:
    """scan(), run by a reader thread up to `depth` chunks ahead of the caller.

    The reading and the C scan release the GIL, so they overlap with the rules the caller
    runs on the previous chunk (the text pass, UTF-8 and control bytes, runs in the caller's
    thread, with those rules: that balances the two threads). Chunks come out in order; an error in the
    thread is raised here; leaving the loop early stops the thread."""
    import queue
    import threading

    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read_ahead() -> None:
        try:
            for chunk in scan(stream, dialect, start_offset, chunk_size):
                if not put(chunk):
                    return
            put(done)
        except BaseException as error:  # handed to the caller, who raises it
            put(error)

    reader = threading.Thread(target=read_ahead, name="sfprep-scan", daemon=True)
    reader.start()
    try:
        while True:
            item = handoff.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def scan_buffer(buffer: bytes, dialect: Dialect, base: int, first_line: int,
                first_record: int, is_last: bool) -> CsvChunk:
    arr = np.frombuffer(buffer, dtype=np.uint8)
    use_c = _c_scanner is not None
    structural, breaks, anomalies, unterminated = (_structure_in_c if use_c else structure_in_numpy)(
        buffer, arr, dialect)
    if is_last:
        cut = len(buffer)
    else:
        records_end = _last_record_break(arr, structural, dialect)
        if records_end is None:
            raise NeedMoreData(inside_quotes=unterminated is not None)
        structural = structural[:records_end + 1]
        cut = int(structural[-1]) + 1
        breaks = breaks[:np.searchsorted(breaks, cut)]
        anomalies = [a for a in anomalies if a.position < cut]
        unterminated = None

    fields = (_fields_in_c if use_c else fields_in_numpy)(buffer, arr, cut, structural, dialect)
    return CsvChunk(data=buffer[:cut], base=base, first_line=first_line, first_record=first_record,
                    dialect=dialect, breaks=breaks, anomalies=anomalies, unterminated_quote=unterminated,
                    is_last=is_last, **fields)


def _last_record_break(arr: np.ndarray, structural: np.ndarray, dialect: Dialect) -> int | None:
    """Index in `structural` of the last separator that is a line break, or None.

    Looked for from the end, a window at a time: it is almost always among the last few."""
    window = 64
    end = len(structural)
    while end > 0:
        start = max(0, end - window)
        hits = np.flatnonzero(arr[structural[start:end]] == dialect.line_break)
        if len(hits):
            return start + int(hits[-1])
        end, window = start, window * 8
    return None


_FIELD_ARRAYS = (("field_starts", np.int64), ("field_ends", np.int64), ("field_quoted", np.bool_),
                 ("record_starts", np.int64), ("record_ends", np.int64), ("terminators", np.uint8),
                 ("record_first_field", np.int64), ("field_counts", np.int64))


def _fields_in_c(buffer: bytes, arr: np.ndarray, cut: int, structural: np.ndarray, dialect: Dialect) -> dict:
    """The same arrays as numpy_pass.fields_in_numpy, from sfprep/native/_scan.c (the tests hold the two equal)."""
    raw = _c_scanner.fields(buffer, cut, np.ascontiguousarray(structural, dtype=np.int64),
                            dialect.delimiter, dialect.line_break)
    return {name: np.frombuffer(data, dtype=dtype) for (name, dtype), data in zip(_FIELD_ARRAYS, raw)}


_ANOMALY_KINDS = (STRAY_QUOTE, OUTSIDE_BEFORE_OPEN, OUTSIDE_AFTER_CLOSE, UNESCAPED_QUOTE)


def _structure_in_c(buffer: bytes, arr: np.ndarray, dialect: Dialect):
    """The same, from sfprep/native/_scan.c's single pass (the tests hold the two to the same answers)."""
    structural, breaks, raw, open_quote = _c_scanner.scan(buffer, dialect.delimiter, dialect.line_break)
    anomalies = [Anomaly(_ANOMALY_KINDS[kind], position, quote) for kind, position, quote in raw]
    return (np.frombuffer(structural, dtype=np.int64), np.frombuffer(breaks, dtype=np.int64),
            anomalies, None if open_quote < 0 else open_quote)


_c_scanner = load_extension("_scan")  # sfprep/native/_scan.c, or None
