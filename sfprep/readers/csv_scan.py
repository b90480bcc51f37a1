"""The streaming CSV scanner: one pass over the bytes, in fixed-size chunks, vectorised.

How a chunk is read (no Python loop over characters or fields):

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

Line numbers are physical: every line break counts, inside quotes or not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

import numpy as np

QUOTE = 0x22
LF = 0x0A
CR = 0x0D
SPACE = 0x20
TAB = 0x09

CHUNK_SIZE = 8 << 20
# A record larger than this while still inside quotes is treated as an unterminated quote,
# so that one missing quote never makes the scanner hold the whole file in memory.
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
class Dialect:
    delimiter: int = ord(",")
    line_break: int = LF  # CR for a CR-only (old Mac) file


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
    anomalies: list[Anomaly] = field(default_factory=list)
    unterminated_quote: int | None = None  # offset of the opening quote never closed
    is_last: bool = False

    @property
    def array(self) -> np.ndarray:
        return np.frombuffer(self.data, dtype=np.uint8)

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

    def column_of_field(self, field_index: int) -> int:
        """1-based field position of a field within its record."""
        record = int(np.searchsorted(self.record_first_field, field_index, side="right") - 1)
        return int(field_index - self.record_first_field[record]) + 1

    def field_bytes(self, field_index: int) -> bytes:
        return self.data[self.field_starts[field_index]:self.field_ends[field_index]]

    def record_fields(self, record_index: int) -> list[bytes]:
        first = self.record_first_field[record_index]
        count = self.field_counts[record_index]
        return [self.field_bytes(i) for i in range(first, first + count)]

    def locate(self, offset: int) -> tuple[int, int, int]:
        """(line, record number, 1-based column) of a chunk offset."""
        line = int(self.line_of(offset))
        record = int(self.record_index_of(offset))
        column = self.column_of_field(int(self.field_index_of(offset)))
        return line, self.first_record + record, column


class NeedMoreData(Exception):
    """The buffer holds no complete record yet."""


def scan(stream: BinaryIO, dialect: Dialect, start_offset: int = 0,
         chunk_size: int = CHUNK_SIZE) -> Iterator[CsvChunk]:
    """Yield the file's records chunk by chunk, in bounded memory."""
    carry = b""
    base, line, record = start_offset, 1, 0
    while True:
        block = stream.read(chunk_size)
        is_last = not block
        buffer = carry + block if carry else block
        if not buffer:
            return
        force_last = not is_last and len(buffer) > MAX_RECORD_BYTES
        try:
            chunk = scan_buffer(buffer, dialect, base, line, record, is_last or force_last)
        except NeedMoreData:
            carry = buffer
            continue
        yield chunk
        if chunk.is_last:
            return
        consumed = int(chunk.record_ends[-1]) + _terminator_length(chunk.terminators[-1])
        base += consumed
        line += int(np.count_nonzero(chunk.breaks < consumed))
        record += chunk.record_count
        carry = buffer[consumed:]
        if force_last:
            return


def _terminator_length(kind: int) -> int:
    return {END_OF_FILE: 0, TERM_LF: 1, TERM_CRLF: 2, TERM_CR: 1}[int(kind)]


def scan_buffer(buffer: bytes, dialect: Dialect, base: int, first_line: int,
                first_record: int, is_last: bool) -> CsvChunk:
    arr = np.frombuffer(buffer, dtype=np.uint8)
    quotes = np.flatnonzero(arr == QUOTE)
    delimiters = np.flatnonzero(arr == dialect.delimiter)
    breaks = np.flatnonzero(arr == dialect.line_break)

    literal, anomalies = _resolve_quotes(arr, quotes, delimiters, breaks, dialect, is_last)
    effective = quotes if not literal else np.delete(quotes, literal)
    unterminated = _unclosed_opening_quote(effective)

    structural_breaks = _outside_quotes(breaks, effective)
    structural_delims = _outside_quotes(delimiters, effective)

    if is_last:
        cut = len(buffer)
    elif len(structural_breaks):
        cut = int(structural_breaks[-1]) + 1
        structural_breaks = structural_breaks  # all end before the cut
        structural_delims = structural_delims[structural_delims < cut]
        anomalies = [a for a in anomalies if a.position < cut]
        unterminated = None
    else:
        raise NeedMoreData

    data = buffer[:cut]
    record_starts, record_ends, terminators = _records(arr[:cut], structural_breaks, dialect, is_last)
    if unterminated is not None and len(record_starts) == 0:
        record_starts = np.array([0], dtype=np.int64)
        record_ends = np.array([cut], dtype=np.int64)
        terminators = np.array([END_OF_FILE], dtype=np.uint8)
    field_starts, field_ends, counts, first_field = _fields(record_starts, record_ends, structural_delims)
    field_quoted = _quoted_fields(arr, field_starts, field_ends, effective)
    return CsvChunk(
        data=data, base=base, first_line=first_line, first_record=first_record,
        breaks=breaks[breaks < cut] if not is_last else breaks,
        record_starts=record_starts, record_ends=record_ends, terminators=terminators,
        record_first_field=first_field, field_counts=counts,
        field_starts=field_starts, field_ends=field_ends, field_quoted=field_quoted,
        anomalies=anomalies, unterminated_quote=unterminated, is_last=is_last,
    )


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


def _quote_checks(arr: np.ndarray, quotes: np.ndarray, dialect: Dialect,
                  is_last: bool) -> tuple[np.ndarray, np.ndarray]:
    """For every quote: could it open a quoted field, could it close one?"""
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
    if not is_last:
        can_close |= at_end  # the byte after is in the next block; this record is re-read then
    return can_open, can_close


def _resolve_quotes(arr, quotes, delimiters, breaks, dialect, is_last):
    """Decide which quotes are literal text, and record every quoting anomaly.

    Returns (indices into `quotes` of literal quotes, anomalies). On a well-quoted buffer
    this is a few vectorised passes; the Python loop runs once per *anomaly* only.
    """
    if len(quotes) == 0:
        return [], []
    can_open, can_close = _quote_checks(arr, quotes, dialect, is_last)
    even = (np.arange(len(quotes)) & 1) == 0
    # bad_when[p]: quotes that break the rule "quote i opens iff i % 2 == p".
    bad_when = (
        np.flatnonzero(np.where(even, ~can_open, ~can_close)),
        np.flatnonzero(np.where(even, ~can_close, ~can_open)),
    )
    if len(bad_when[0]) == 0:
        return [], []

    walker = _QuoteWalker(arr, quotes, delimiters, breaks, dialect)
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

    def __init__(self, arr, quotes, delimiters, breaks, dialect):
        self.arr, self.quotes = arr, quotes
        self.delimiters, self.breaks = delimiters, breaks
        self.dialect = dialect
        self.literal: list[int] = []
        self.anomalies: list[Anomaly] = []

    def _next_separator(self, position: int) -> int:
        """Offset of the first delimiter or line break after `position` (len(arr) if none)."""
        candidates = [len(self.arr)]
        for positions in (self.delimiters, self.breaks):
            k = np.searchsorted(positions, position, side="right")
            if k < len(positions):
                candidates.append(int(positions[k]))
        return min(candidates)

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


def _records(arr: np.ndarray, structural_breaks: np.ndarray, dialect: Dialect, is_last: bool):
    n = len(arr)
    starts = np.empty(len(structural_breaks) + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = structural_breaks + 1
    ends = np.empty_like(starts)
    ends[:-1] = structural_breaks
    ends[-1] = n
    terminators = np.full(len(starts), END_OF_FILE, dtype=np.uint8)
    if dialect.line_break == LF:
        terminators[:-1] = TERM_LF
        before = structural_breaks - 1
        has_cr = np.zeros(len(structural_breaks), dtype=bool)
        valid = before >= starts[:-1]
        has_cr[valid] = arr[before[valid]] == CR
        terminators[:-1][has_cr] = TERM_CRLF
        ends[:-1][has_cr] -= 1
    else:
        terminators[:-1] = TERM_CR
    if starts[-1] >= n:  # nothing after the last line break
        starts, ends, terminators = starts[:-1], ends[:-1], terminators[:-1]
    return starts, ends, terminators


def _fields(record_starts, record_ends, structural_delims):
    field_starts = np.sort(np.concatenate([record_starts, structural_delims + 1]))
    field_ends = np.sort(np.concatenate([structural_delims, record_ends]))
    delims_before_start = np.searchsorted(structural_delims, record_starts)
    delims_before_end = np.searchsorted(structural_delims, record_ends)
    counts = delims_before_end - delims_before_start + 1
    first_field = np.zeros(len(counts), dtype=np.int64)
    if len(counts):
        np.cumsum(counts[:-1], out=first_field[1:])
    return field_starts, field_ends, counts, first_field


def _quoted_fields(arr, field_starts, field_ends, effective_quotes):
    """A field is quoted when its first byte is an effective (opening) quote."""
    if len(effective_quotes) == 0 or len(field_starts) == 0:
        return np.zeros(len(field_starts), dtype=bool)
    nonempty = field_ends > field_starts
    k = np.searchsorted(effective_quotes, field_starts)
    k_clipped = np.minimum(k, len(effective_quotes) - 1)
    return nonempty & (effective_quotes[k_clipped] == field_starts) & ((k & 1) == 0)


def unquote(raw: bytes) -> bytes:
    """The value of one raw field: quotes removed and `""` unescaped (lenient on broken quoting)."""
    stripped = raw.strip(b" \t") if raw[:1] != b'"' else raw
    if stripped[:1] == b'"':
        closing = stripped.rfind(b'"')
        inner = stripped[1:closing] if closing > 0 else stripped[1:]
        return inner.replace(b'""', b'"')
    return raw
