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

The scan is resumable: it ends a block in a ScanState (inside quotes or not, where the field
began, a quote still to be decided by the next bytes), and the next block is scanned from
there, so that a record over many blocks is scanned once (a short carried one is scanned
again with the next block, in one piece: no byte more than twice). A record longer than
MAX_RECORD_BYTES is not held at all: its chunk keeps its first LONG_RECORD_HEAD bytes, the
rest is counted (longrecord.py) and dropped, and the scan goes on after it.

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
    ANOMALY_KINDS,
    END_OF_FILE,
    OUTSIDE_AFTER_CLOSE,
    OUTSIDE_BEFORE_OPEN,
    PENDING,
    QUOTED,
    STRAY_QUOTE,
    TERM_CR,
    TERM_CRLF,
    TERM_LF,
    TERMINATOR_NAMES,
    UNESCAPED_QUOTE,
    Anomaly,
    CsvChunk,
    LongRecord,
    ScanState,
    unquote,
)
from sfprep.io.csv.dialect import CR, LF, Dialect  # noqa: F401
from sfprep.io.csv.events import Events, joined, record_break
from sfprep.io.csv.longrecord import LongInProgress
from sfprep.io.csv.numpy_pass import fields_in_numpy, resume_in_numpy, structure_in_numpy  # noqa: F401
from sfprep.native import load_extension

CHUNK_SIZE = 8 << 20
# A record longer than this is not held: its chunk keeps its first LONG_RECORD_HEAD bytes
# and the scanner streams the rest, counting its measures (CsvChunk.long_record: L001,
# L002, L003 and Q006 read them), then goes on with the rest of the file. It is far over
# every Bulk API limit (400,000 characters a record). Blocks are read no bigger than this,
# so that only a record begun in an earlier block can be that long.
MAX_RECORD_BYTES = 8 << 20
LONG_RECORD_HEAD = 1 << 20
RESCAN_BYTES = 64 << 10
# A chunk of many short records is cut into chunks of about this many fields: what the
# rules and findings hold per chunk grows with its fields and records, not its bytes.
MAX_FIELDS_PER_CHUNK = 1 << 20


class NeedMoreData(Exception):
    """The buffer holds no complete record yet."""

    def __init__(self, inside_quotes: bool):
        super().__init__()
        self.inside_quotes = inside_quotes


def scan(stream: BinaryIO, dialect: Dialect, start_offset: int = 0, chunk_size: int = CHUNK_SIZE,
         field_limit: int | None = None) -> Iterator[CsvChunk]:
    """Yield the file's records chunk by chunk, in bounded memory. A long record's fields of
    more than field_limit characters are listed in its LongRecord."""
    block_size = max(1, min(chunk_size, MAX_RECORD_BYTES))
    scanner = _Scanner(dialect, start_offset, field_limit, rescan=min(RESCAN_BYTES, block_size))
    read = _reader(stream, block_size)
    at_end = False
    while not at_end:
        scanner.held, at_end = read(scanner.held, scanner.base + len(scanner.held))
        scanner.structure(at_end)
        yield from scanner.ready(at_end)


class _Scanner:
    """The bytes not yet yielded (held, from file offset base) and what the scan has decided
    about them so far (up to resume), so that each block is scanned once, whatever the
    length of the record it continues."""

    def __init__(self, dialect: Dialect, base: int, field_limit: int | None, rescan: int):
        self.dialect, self.field_limit, self.rescan = dialect, field_limit, rescan
        self.held = b""
        self.base, self.line, self.record = base, 1, 0    # file offset, line and record number of held[0]
        self.resume, self.state = 0, ScanState()
        self.events = Events()
        self.long: LongInProgress | None = None

    def structure(self, is_last: bool) -> None:
        if self.long is None and 0 < self.resume <= self.rescan:
            # A short unfinished record is scanned again with the new block, in one piece:
            # cheaper than joining its events to the block's. A longer one is resumed. (Not
            # longer than a block: no byte is scanned more than twice.)
            self.resume, self.state, self.events = 0, ScanState(), Events()
        found = (_resume_in_c if _c_scanner is not None else _resume_in_numpy)(
            self.held, self.resume, self.dialect, self.state, is_last)
        structural, breaks, anomalies, self.resume, self.state = found
        self.events.add(structural, breaks, anomalies)

    def ready(self, at_end: bool) -> Iterator[CsvChunk]:
        """The chunks the bytes scanned so far complete."""
        if self.long is None and self._first_record_is_long(at_end):
            head = _character_boundary(self.held, min(LONG_RECORD_HEAD, MAX_RECORD_BYTES))
            self.long = LongInProgress(self, head, build_chunk)
        if self.long is not None:
            chunk = self.long.stream(at_end)
            if chunk is None:
                return
            self.long = None
            yield chunk
        if at_end:
            if self.held:
                yield from self._chunks_up_to(len(self.held), is_last=True)
            return
        last = self.events.last_record_break(self.held, self.dialect.line_break)
        if last is not None:
            yield from self._chunks_up_to(last + 1, is_last=False)

    def _chunks_up_to(self, cut: int, is_last: bool) -> Iterator[CsvChunk]:
        """The chunks of held[:cut]: one, or several of about MAX_FIELDS_PER_CHUNK fields."""
        while True:
            structural = joined(self.events.structural)
            if len(structural) <= MAX_FIELDS_PER_CHUNK:
                break
            early = record_break(self.held, structural[:MAX_FIELDS_PER_CHUNK], self.dialect.line_break, -1)
            if early is None:  # the first record alone is over the limit: a chunk of its own
                early = record_break(self.held, structural, self.dialect.line_break, 0)
            if early is None or early + 1 >= cut:
                break
            yield self._chunk(early + 1, is_last=False)
            cut -= early + 1
        yield self._chunk(cut, is_last)

    def _first_record_is_long(self, at_end: bool) -> bool:
        end = self.events.first_record_break(self.held, self.dialect.line_break)
        if end is not None:
            return self._content_end(end) > MAX_RECORD_BYTES
        return len(self.held) > MAX_RECORD_BYTES + (0 if at_end else 1)  # + a CR that may start a CRLF

    def _content_end(self, record_break: int) -> int:
        crlf = self.dialect.line_break == LF and record_break > 0 and self.held[record_break - 1] == CR
        return record_break - crlf

    def _chunk(self, cut: int, is_last: bool) -> CsvChunk:
        base, line, inside = self.base, self.line, self.state.mode in (QUOTED, PENDING)
        unterminated = self.state.open_quote if is_last and inside else None
        data = self.held[:cut]
        structural, breaks, anomalies = self.consume(cut)
        chunk = build_chunk(data, structural, breaks, anomalies, self.dialect, base, line, self.record,
                            is_last, unterminated)
        self.record += chunk.record_count
        return chunk

    def consume(self, cut: int):
        """Drop held[:cut], moving base, line and the state past it; its events, as arrays."""
        structural, breaks, anomalies = self.events.take(cut)
        self.held = self.held[cut:]
        self.base += cut
        self.line += len(breaks)
        self.resume -= cut
        self.state = self.state.shifted(cut)
        return structural, breaks, anomalies


def _character_boundary(data, cut: int) -> int:
    """cut, moved back to the start of the UTF-8 character it falls in (if it falls in one)."""
    cut = min(cut, len(data))
    back = 0
    while back < 3 and 0 < cut - back < len(data) and data[cut - back] & 0xC0 == 0x80:
        back += 1
    return cut - back if cut - back > 0 else cut


def _reader(stream: BinaryIO, block_size: int):
    """read(held, offset) -> (held followed by about block_size bytes from file offset
    `offset`, whether the file ends there). A regular file is read with pread from the
    start of the bytes held, which reads them again from the page cache (few, but for the
    first block of a long record) instead of copying the new block to join them."""
    try:
        fd = stream.fileno()
        seekable = os.lseek(fd, 0, os.SEEK_CUR) >= 0 and hasattr(os, "pread")
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        seekable = False

    def read_stream(held: bytes, offset: int) -> tuple[bytes, bool]:
        block = stream.read(block_size)
        return (held + block if held else block), not block

    def read_at(held: bytes, offset: int) -> tuple[bytes, bool]:
        want = len(held) + block_size
        grown = os.pread(fd, want, offset - len(held))
        while len(held) <= len(grown) < want:  # a short read is not the end until pread returns nothing
            more = os.pread(fd, want - len(grown), offset - len(held) + len(grown))
            if not more:
                return grown, True
            grown += more
        return grown, len(grown) <= len(held)

    return read_at if seekable else read_stream


def scan_ahead(stream: BinaryIO, dialect: Dialect, start_offset: int = 0, chunk_size: int = CHUNK_SIZE,
               field_limit: int | None = None, depth: int = 2) -> Iterator[CsvChunk]:
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
            for chunk in scan(stream, dialect, start_offset, chunk_size, field_limit):
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


def build_chunk(data: bytes, structural: np.ndarray, breaks: np.ndarray, anomalies: np.ndarray,
                dialect: Dialect, base: int, first_line: int, first_record: int, is_last: bool,
                unterminated: int | None, long_record=None) -> CsvChunk:
    """The chunk of data, from its structural separators, line breaks and anomaly triples."""
    arr = np.frombuffer(data, dtype=np.uint8)
    fields = (_fields_in_c if _c_scanner is not None else fields_in_numpy)(data, arr, len(data), structural, dialect)
    return CsvChunk(data=data, base=base, first_line=first_line, first_record=first_record, dialect=dialect,
                    breaks=breaks, anomaly_table=anomalies,
                    unterminated_quote=unterminated, is_last=is_last, long_record=long_record, **fields)


def scan_buffer(buffer: bytes, dialect: Dialect, base: int, first_line: int,
                first_record: int, is_last: bool) -> CsvChunk:
    """The complete records of one buffer scanned alone (NeedMoreData if it holds none)."""
    structural, breaks, anomalies, _, state = (_resume_in_c if _c_scanner is not None else _resume_in_numpy)(
        buffer, 0, dialect, ScanState(), is_last)
    inside = state.mode in (QUOTED, PENDING)
    cut = len(buffer)
    if not is_last:
        arr = np.frombuffer(buffer, dtype=np.uint8)
        ends = np.flatnonzero(arr[structural] == dialect.line_break)
        if len(ends) == 0:
            raise NeedMoreData(inside_quotes=inside)
        cut = int(structural[ends[-1]]) + 1
    keep = anomalies[:, 1] < cut
    return build_chunk(bytes(buffer[:cut]), structural[:np.searchsorted(structural, cut)],
                       breaks[:np.searchsorted(breaks, cut)], anomalies[keep], dialect, base, first_line,
                       first_record, is_last, state.open_quote if is_last and inside else None)


def _last_record_break(arr: np.ndarray, structural: np.ndarray, dialect: Dialect) -> int | None:
    """Index in `structural` of the last separator that is a line break, or None."""
    hits = np.flatnonzero(arr[structural] == dialect.line_break)
    return int(hits[-1]) if len(hits) else None


_FIELD_ARRAYS = (("field_starts", np.int64), ("field_ends", np.int64), ("field_quoted", np.bool_),
                 ("record_starts", np.int64), ("record_ends", np.int64), ("terminators", np.uint8),
                 ("record_first_field", np.int64), ("field_counts", np.int64))


def _fields_in_c(buffer: bytes, arr: np.ndarray, cut: int, structural: np.ndarray, dialect: Dialect) -> dict:
    """The same arrays as numpy_pass.fields_in_numpy, from sfprep/native/_scan.c (the tests hold the two equal)."""
    raw = _c_scanner.fields(buffer, cut, np.ascontiguousarray(structural, dtype=np.int64),
                            dialect.delimiter, dialect.line_break)
    return {name: np.frombuffer(data, dtype=dtype) for (name, dtype), data in zip(_FIELD_ARRAYS, raw)}


_KIND_NUMBERS = {kind: number for number, kind in enumerate(ANOMALY_KINDS)}


def _resume_in_c(buffer, start: int, dialect: Dialect, state: ScanState, is_last: bool):
    """numpy_pass.resume_in_numpy's answer, anomalies as (kind, position, quote) rows, from
    sfprep/native/_scan.c's single pass (the tests hold the two to the same answers)."""
    structural, breaks, anomalies, resume, *end_state = _c_scanner.scan(
        buffer, start, dialect.delimiter, dialect.line_break, is_last, *state)
    return (np.frombuffer(structural, dtype=np.int64), np.frombuffer(breaks, dtype=np.int64),
            np.frombuffer(anomalies, dtype=np.int64).reshape(-1, 3), resume, ScanState(*end_state))


def _resume_in_numpy(buffer, start: int, dialect: Dialect, state: ScanState, is_last: bool):
    structural, breaks, anomalies, resume, end_state = resume_in_numpy(buffer, start, dialect, state, is_last)
    rows = np.array([(_KIND_NUMBERS[a.kind], a.position, a.quote) for a in anomalies], dtype=np.int64).reshape(-1, 3)
    return structural, breaks, rows, resume, end_state


def _structure_in_c(buffer: bytes, arr: np.ndarray, dialect: Dialect):
    """numpy_pass.structure_in_numpy's answer for a whole file's bytes, from sfprep/native/_scan.c."""
    structural, breaks, anomalies, _, state = _resume_in_c(buffer, 0, dialect, ScanState(), True)
    return (structural, breaks, [Anomaly(ANOMALY_KINDS[k], p, q) for k, p, q in anomalies.tolist()],
            state.open_quote if state.mode in (QUOTED, PENDING) else None)


_c_scanner = load_extension("_scan")  # sfprep/native/_scan.c, or None
