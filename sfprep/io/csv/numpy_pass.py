"""The scanner's numpy path, for where the C extension is not built: the structural
separators of a buffer and its field and record spans, with quoting resolved as the
scanner's docstring (sfprep/io/csv/scan.py) describes. The tests hold it equal to C."""
from __future__ import annotations

import numpy as np

from sfprep.io.csv.chunk import (
    BLANK,
    END_OF_FILE,
    OUTSIDE_AFTER_CLOSE,
    OUTSIDE_BEFORE_OPEN,
    PENDING,
    QUOTED,
    STRAY,
    STRAY_QUOTE,
    TERM_CR,
    TERM_CRLF,
    TERM_LF,
    TEXT,
    UNESCAPED_QUOTE,
    Anomaly,
    ScanState,
)
from sfprep.io.csv.dialect import CR, LF, QUOTE, SPACE, TAB, Dialect


def fields_in_numpy(buffer: bytes, arr: np.ndarray, cut: int, structural: np.ndarray,
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


def structure_in_numpy(buffer: bytes, arr: np.ndarray, dialect: Dialect):
    """(structural separators, all line breaks, anomalies, open quote or None) of a whole
    file's bytes, with numpy."""
    quotes = np.flatnonzero(arr == QUOTE)
    separators = np.flatnonzero((arr == dialect.delimiter) | (arr == dialect.line_break))
    breaks = separators[arr[separators] == dialect.line_break]
    literal, anomalies = _resolve_quotes(arr, quotes, separators, dialect)
    effective = quotes if not literal else np.delete(quotes, literal)
    return _outside_quotes(separators, effective), breaks, anomalies, _unclosed_opening_quote(effective)


# A state is resumed by scanning a few bytes that lead to it, then the new ones: a quote
# after ' ' opens the field after blanks, one after 'x' is a stray one, and so on.
_LEAD_IN = {BLANK: b" ", TEXT: b"x", STRAY: b'x"', QUOTED: b'"', PENDING: b'""x'}


def resume_in_numpy(buffer, start: int, dialect: Dialect, state: ScanState, is_last: bool):
    """The scan of buffer[start:] from `state`, as sfprep/native/_scan.c's scan() does it:
    (structural separators, all line breaks, anomalies, resume, state), offsets in buffer.

    Every decision is final but the last quote's, when it would close a quoted value and
    no separator follows it: that one waits for the next block (resume at it) or, followed
    by text, becomes PENDING."""
    lead = b"" if state.mode == BLANK and state.field_start >= start else _LEAD_IN[state.mode]
    arr = np.frombuffer(lead + bytes(buffer[start:]), dtype=np.uint8)
    quotes = np.flatnonzero(arr == QUOTE)
    separators = np.flatnonzero((arr == dialect.delimiter) | (arr == dialect.line_break))
    literal, anomalies = _resolve_quotes(arr, quotes, separators, dialect)
    is_literal = np.zeros(len(quotes), dtype=bool)
    is_literal[literal] = True
    effective = quotes[~is_literal]
    resume, pending = len(arr), -1
    if not is_last and len(quotes) and not is_literal[-1] and len(effective) % 2 == 0 \
            and (len(separators) == 0 or separators[-1] < quotes[-1]):
        last = int(quotes[-1])  # closes the value, or not, depending on the bytes to come
        effective = effective[:-1]
        anomalies = [a for a in anomalies if a.quote != last]
        waits = last + 1 == len(arr) or (dialect.line_break == LF and last + 2 == len(arr) and arr[last + 1] == CR)
        resume, pending = (last, -1) if waits else (len(arr), last)
    structural = _outside_quotes(separators, effective)
    place = _Placer(lead, start, state)
    end_state = _end_state(arr, structural, effective, anomalies, resume, pending, place, state)
    anomalies = [Anomaly(a.kind, place(a.position), place(a.quote)) for a in anomalies
                 if not (lead == _LEAD_IN[STRAY] and a.quote == 1)]
    breaks = separators[arr[separators] == dialect.line_break]
    return (place.all(structural), place.all(breaks), anomalies, place(resume), end_state)


class _Placer:
    """Offsets in the lead-in + buffer[start:] scanned, back to offsets in the buffer."""

    def __init__(self, lead: bytes, start: int, state: ScanState):
        self.shift = start - len(lead)
        self.lead = {BLANK: (state.field_start,), QUOTED: (state.open_quote,),
                     PENDING: (state.open_quote, state.pending, state.pending + 1)}.get(state.mode, ()) if lead else ()

    def __call__(self, position: int) -> int:
        return self.lead[position] if position < len(self.lead) else position + self.shift

    def all(self, positions: np.ndarray) -> np.ndarray:
        return positions + self.shift  # separators and line breaks are never in the lead-in


def _end_state(arr, structural, effective, anomalies, resume, pending, place, state) -> ScanState:
    field_start = int(structural[-1]) + 1 if len(structural) else 0
    start_of_field = place(field_start) if len(structural) else state.field_start
    if len(effective) % 2:
        opened = place(_unclosed_opening_quote(effective))
        return ScanState(PENDING if pending >= 0 else QUOTED, start_of_field, opened, place(pending) if pending >= 0 else -1)
    if any(a.kind == STRAY_QUOTE and a.position >= field_start for a in reversed(anomalies)):
        return ScanState(STRAY, start_of_field)
    blank = np.all((arr[field_start:resume] == SPACE) | (arr[field_start:resume] == TAB))
    return ScanState(BLANK if blank else TEXT, start_of_field)


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
