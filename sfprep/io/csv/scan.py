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
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

import numpy as np

from sfprep.io.csv.dialect import CR, LF, QUOTE, SPACE, TAB, Dialect
from sfprep.native import load_extension

CHUNK_SIZE = 8 << 20
# A quoted value still open after this many bytes is reported as unterminated (Q003) and
# ends the scan, so that one missing quote never makes the scanner hold the file in memory.
MAX_RECORD_BYTES = 64 << 20

# Record terminators, as stored in CsvChunk.terminators.
END_OF_FILE, TERM_LF, TERM_CRLF, TERM_CR = 0, 1, 2, 3
TERMINATOR_NAMES = {TERM_LF: "LF", TERM_CRLF: "CRLF", TERM_CR: "CR"}

# Quote anomaly kinds (the Q rules read them from CsvChunk.anomalies).
STRAY_QUOTE = "stray-quote"                      # Q002
OUTSIDE_BEFORE_OPEN = "outside-before-open"      # Q004
OUTSIDE_AFTER_CLOSE = "outside-after-close"      # Q004
UNESCAPED_QUOTE = "unescaped-quote"              # Q005


@dataclass(frozen=True, slots=True)
class Anomaly:
    kind: str
    position: int  # offset in the chunk of the offending byte
    quote: int     # offset in the chunk of the quote involved


@dataclass
class CsvChunk:
    """Whole records of one chunk of the file, as columnar spans (offsets relative to `data`)."""

    data: bytes
    base: int            # file offset of data[0]
    first_line: int      # physical line number of data[0]
    first_record: int    # record number of the first record here (header = 0)
    breaks: np.ndarray   # offsets of every line-break byte, structural or not
    record_starts: np.ndarray
    record_ends: np.ndarray    # end of the record's content (terminator excluded)
    terminators: np.ndarray    # END_OF_FILE / TERM_LF / TERM_CRLF / TERM_CR per record
    record_first_field: np.ndarray
    field_counts: np.ndarray
    field_starts: np.ndarray   # raw spans, quotes included
    field_ends: np.ndarray
    field_quoted: np.ndarray   # bool: the field is a properly opened quoted field
    dialect: Dialect = field(default_factory=Dialect)
    anomalies: list[Anomaly] = field(default_factory=list)
    unterminated_quote: int | None = None  # offset of the opening quote never closed
    is_last: bool = False
    _text: tuple | None = field(default=None, repr=False)  # utf8.check's answer, once asked

    @property
    def array(self) -> np.ndarray:
        return np.frombuffer(self.data, dtype=np.uint8)

    def first_invalid_utf8(self) -> int | None:
        """Offset of the first byte that is not valid UTF-8, or None."""
        return self.check_text().first_invalid

    def character_count(self) -> int:
        """Characters in the chunk (an invalid UTF-8 byte counts as one)."""
        checked = self.check_text()
        if checked.characters is None:
            from sfprep.io.utf8 import count_characters

            self._text = checked = checked._replace(characters=count_characters(self.array))
        return checked.characters

    def check_text(self):
        """utf8.TextCheck of the chunk: UTF-8, characters, control bytes, bare CRs (one pass, once)."""
        if self._text is None:
            from sfprep.io.utf8 import check

            self._text = check(self.data, self.array)
        return self._text

    @property
    def record_count(self) -> int:
        return len(self.record_starts)

    def line_of(self, offsets):
        """Physical line number(s) of chunk offset(s)."""
        return np.searchsorted(self.breaks, offsets, side="left") + self.first_line

    def record_index_of(self, offsets):
        return np.searchsorted(self.record_starts, offsets, side="right") - 1

    def field_index_of(self, offsets):
        return np.searchsorted(self.field_starts, offsets, side="right") - 1

    def field_bytes(self, field_index: int) -> bytes:
        return self.data[self.field_starts[field_index]:self.field_ends[field_index]]

    def record_fields(self, record_index: int) -> list[bytes]:
        first = self.record_first_field[record_index]
        count = self.field_counts[record_index]
        return [self.field_bytes(i) for i in range(first, first + count)]

    def locate(self, offset: int) -> tuple[int, int, int]:
        """(line, record number, 1-based column) of a chunk offset."""
        lines, records, columns, _ = self.locate_many(np.array([offset], dtype=np.int64))
        return lines[0], records[0], columns[0]

    def locate_many(self, offsets: np.ndarray) -> tuple[list, list, list, list]:
        """locate() for many offsets at once: (lines, record numbers, 1-based columns, field
        indexes), as lists (a file can have a finding on every line)."""
        records = self.record_index_of(offsets)
        fields = self.field_index_of(offsets)
        columns = fields - self.record_first_field[records] + 1
        return (self.line_of(offsets).tolist(), (records + self.first_record).tolist(),
                columns.tolist(), fields.tolist())


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
    structural, breaks, anomalies, unterminated = (_structure_in_c if use_c else _structure_in_numpy)(
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

    fields = (_fields_in_c if use_c else _fields_in_numpy)(buffer, arr, cut, structural, dialect)
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
    """The same arrays as _fields_in_numpy, from sfprep/native/_scan.c (the tests hold the two equal)."""
    raw = _c_scanner.fields(buffer, cut, np.ascontiguousarray(structural, dtype=np.int64),
                            dialect.delimiter, dialect.line_break)
    return {name: np.frombuffer(data, dtype=dtype) for (name, dtype), data in zip(_FIELD_ARRAYS, raw)}


def _fields_in_numpy(buffer: bytes, arr: np.ndarray, cut: int, structural: np.ndarray,
                     dialect: Dialect) -> dict:
    """Field and record spans from the structural separators of arr[:cut] (each ends a field)."""
    arr = arr[:cut]
    ends_record = arr[structural] == dialect.line_break
    n = len(arr)
    ends_at_break = len(structural) and ends_record[-1] and structural[-1] == n - 1
    final_field = n > 0 and not ends_at_break  # text after the last line break, or a trailing delimiter
    field_ends = np.append(structural, n) if final_field else structural.copy()
    field_starts = np.empty_like(field_ends)
    if len(field_ends):
        field_starts[0] = 0
        field_starts[1:] = structural[:len(field_ends) - 1] + 1
    closes_record = np.append(ends_record, True) if final_field else ends_record
    terminators = np.where(closes_record, TERM_CR if dialect.line_break == CR else TERM_LF, END_OF_FILE)
    if final_field:
        terminators[-1] = END_OF_FILE
    last_fields = np.flatnonzero(closes_record)
    if dialect.line_break == LF:
        before = field_ends[last_fields] - 1
        crlf = (before >= field_starts[last_fields]) & (arr[np.maximum(before, 0)] == CR) \
            & (terminators[last_fields] == TERM_LF)
        field_ends[last_fields[crlf]] -= 1
        terminators[last_fields[crlf]] = TERM_CRLF
    first_fields = np.zeros(len(last_fields), dtype=np.int64)
    first_fields[1:] = last_fields[:-1] + 1
    nonempty = field_ends > field_starts
    quoted = np.zeros(len(field_starts), dtype=bool)
    quoted[nonempty] = arr[field_starts[nonempty]] == QUOTE
    return dict(
        record_starts=field_starts[first_fields], record_ends=field_ends[last_fields],
        terminators=terminators[last_fields].astype(np.uint8),
        record_first_field=first_fields, field_counts=last_fields - first_fields + 1,
        field_starts=field_starts, field_ends=field_ends, field_quoted=quoted,
    )


def _structure_in_numpy(buffer: bytes, arr: np.ndarray, dialect: Dialect):
    """(structural separators, all line breaks, anomalies, open quote or None), with numpy."""
    quotes = np.flatnonzero(arr == QUOTE)
    separators = np.flatnonzero((arr == dialect.delimiter) | (arr == dialect.line_break))
    breaks = separators[arr[separators] == dialect.line_break]
    literal, anomalies = _resolve_quotes(arr, quotes, separators, dialect)
    effective = quotes if not literal else np.delete(quotes, literal)
    return _outside_quotes(separators, effective), breaks, anomalies, _unclosed_opening_quote(effective)


_ANOMALY_KINDS = (STRAY_QUOTE, OUTSIDE_BEFORE_OPEN, OUTSIDE_AFTER_CLOSE, UNESCAPED_QUOTE)


def _structure_in_c(buffer: bytes, arr: np.ndarray, dialect: Dialect):
    """The same, from sfprep/native/_scan.c's single pass (the tests hold the two to the same answers)."""
    structural, breaks, raw, open_quote = _c_scanner.scan(buffer, dialect.delimiter, dialect.line_break)
    anomalies = [Anomaly(_ANOMALY_KINDS[kind], position, quote) for kind, position, quote in raw]
    return (np.frombuffer(structural, dtype=np.int64), np.frombuffer(breaks, dtype=np.int64),
            anomalies, None if open_quote < 0 else open_quote)


_c_scanner = load_extension("_scan")  # sfprep/native/_scan.c, or None


def _unclosed_opening_quote(effective: np.ndarray) -> int | None:
    """The quote that opened the field still open at the end, skipping `""` pairs inside it."""
    if len(effective) % 2 == 0:
        return None
    k = len(effective) - 1
    while k >= 2 and effective[k - 1] == effective[k] - 1:
        k -= 2
    return int(effective[k])


def _outside_quotes(positions: np.ndarray, effective_quotes: np.ndarray) -> np.ndarray:
    """Keep the positions preceded by an even number of (effective) quotes."""
    if len(effective_quotes) == 0:
        return positions
    before = np.searchsorted(effective_quotes, positions)
    return positions[(before & 1) == 0]


def _quote_checks(arr: np.ndarray, quotes: np.ndarray, dialect: Dialect) -> tuple[np.ndarray, np.ndarray]:
    """For every quote: could it open a quoted field, could it close one?

    A quote at the end of the buffer may close: if more bytes follow in the file, its
    record is unfinished and is scanned again with the next block."""
    n = len(arr)
    prev = arr[np.maximum(quotes - 1, 0)]
    after_pair = np.zeros(len(quotes), dtype=bool)
    after_pair[1:] = quotes[1:] == quotes[:-1] + 1
    can_open = (quotes == 0) | (prev == dialect.delimiter) | (prev == dialect.line_break) | after_pair

    nxt_pos = quotes + 1
    at_end = nxt_pos >= n
    nxt = arr[np.minimum(nxt_pos, n - 1)]
    nxt2 = arr[np.minimum(nxt_pos + 1, n - 1)]
    crlf = (nxt == CR) & (nxt_pos + 1 < n) & (nxt2 == LF) if dialect.line_break == LF else np.zeros_like(at_end)
    can_close = (at_end | (nxt == dialect.delimiter) | (nxt == dialect.line_break) | (nxt == QUOTE) | crlf)
    return can_open, can_close


def _resolve_quotes(arr, quotes, separators, dialect):
    """Decide which quotes are literal text, and record every quoting anomaly.

    Returns (indices into `quotes` of literal quotes, anomalies). On a well-quoted buffer
    this is a few vectorised passes; the Python loop runs once per *anomaly* only.
    """
    if len(quotes) == 0:
        return [], []
    can_open, can_close = _quote_checks(arr, quotes, dialect)
    even = (np.arange(len(quotes)) & 1) == 0
    # bad_when[p]: quotes that break the rule "quote i opens iff i % 2 == p".
    bad_when = (
        np.flatnonzero(np.where(even, ~can_open, ~can_close)),
        np.flatnonzero(np.where(even, ~can_close, ~can_open)),
    )
    if len(bad_when[0]) == 0:
        return [], []

    walker = _QuoteWalker(arr, quotes, separators, dialect)
    parity, index = 0, 0
    while True:
        bad = bad_when[parity]
        k = int(np.searchsorted(bad, index))
        if k == len(bad):
            break
        i = int(bad[k])
        if (i & 1) == parity:
            parity, index = walker.unexpected_opening(i)
        else:
            parity, index = walker.unexpected_closing(i)
        if index >= len(quotes):
            break
    return walker.literal, walker.anomalies


class _QuoteWalker:
    """Decides, one anomalous quote at a time, what a quote that fails its check means.

    Each method returns (parity, next quote index): the parity under which the vectorised
    checks resume, so that quote `next` is an opening quote iff next % 2 == parity.
    """

    def __init__(self, arr, quotes, separators, dialect):
        self.arr, self.quotes, self.separators = arr, quotes, separators
        self.dialect = dialect
        self.literal: list[int] = []
        self.anomalies: list[Anomaly] = []

    def _next_separator(self, position: int) -> int:
        """Offset of the first delimiter or line break after `position` (len(arr) if none)."""
        k = np.searchsorted(self.separators, position, side="right")
        return int(self.separators[k]) if k < len(self.separators) else len(self.arr)

    def _at_field_start(self, position: int) -> bool:
        return position == 0 or self.arr[position - 1] in (self.dialect.delimiter, self.dialect.line_break)

    def unexpected_opening(self, i: int):
        """Quote i should open a field but does not follow a delimiter or line break."""
        q = int(self.quotes[i])
        start = q
        while start > 0 and self.arr[start - 1] in (SPACE, TAB):
            start -= 1
        if start < q and self._at_field_start(start):
            # `, "Smith"`: an opening quote after blanks. It still opens the field.
            self.anomalies.append(Anomaly(OUTSIDE_BEFORE_OPEN, start, q))
            return i & 1, i + 1
        # `ab"c`: a quote inside an unquoted field is text, and so is every quote up to
        # the end of that field.
        self.anomalies.append(Anomaly(STRAY_QUOTE, q, q))
        field_end = self._next_separator(q)
        j = i
        while j < len(self.quotes) and self.quotes[j] < field_end:
            self.literal.append(j)
            j += 1
        return j & 1, j

    def unexpected_closing(self, i: int):
        """Quote i should close a field but is followed by something other than a separator."""
        q = int(self.quotes[i])
        separator = self._next_separator(q)
        has_next = i + 1 < len(self.quotes)
        if has_next and self.quotes[i + 1] < separator:
            # `"He said "hi" today"`: a lone quote inside the quoted value; the field goes on.
            self.anomalies.append(Anomaly(UNESCAPED_QUOTE, q, q))
            self.literal.append(i)
            return i & 1, i + 1
        # `"Smith" ,`: the field closed here and characters follow before the separator.
        self.anomalies.append(Anomaly(OUTSIDE_AFTER_CLOSE, q + 1, q))
        return (i + 1) & 1, i + 1


def unquote(raw: bytes) -> bytes:
    """The value of one raw field: quotes removed and `""` unescaped (lenient on broken quoting)."""
    stripped = raw.strip(b" \t") if raw[:1] != b'"' else raw
    if stripped[:1] == b'"':
        closing = stripped.rfind(b'"')
        inner = stripped[1:closing] if closing > 0 else stripped[1:]
        return inner.replace(b'""', b'"')
    return raw
