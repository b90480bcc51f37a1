"""The measures of a record too long to hold, counted while the scanner streams it.

A record of more than scan.MAX_RECORD_BYTES is far over every Bulk API limit; the scanner
keeps its first bytes only and feeds the rest here, piece by piece, with the structural
delimiters it found in each piece. Its values' characters are counted as L003 counts a
held record's (CsvChunk.record_characters: a quoted value loses its quotes and one quote of
each doubled pair), and per field, in windows of WINDOW bytes (numpy over each, no loop over bytes or fields).
"""
from __future__ import annotations

import numpy as np

from sfprep.io.csv.chunk import (END_OF_FILE, PENDING, QUOTED, TERM_CR, TERM_CRLF, TERM_LF, CsvChunk, LongField,
                                 LongRecord, quoting_characters)
from sfprep.io.csv.dialect import CR, LF, QUOTE

WINDOW = 1 << 20


class LongRecordCount:
    def __init__(self, offset: int, line: int, field_limit: int | None):
        self.field_limit = field_limit
        self.size = self.characters = self.raw_characters = 0
        self.column, self.field_offset, self.field_line = 1, offset, line
        self.field_characters = self.field_quotes = 0
        self.field_quoted: bool | None = None   # not known before the field's first byte
        self.longest = LongField(1, line, offset, 0)
        self.long_fields: list[LongField] = []

    def feed(self, data, base: int, line: int, delimiters: np.ndarray, breaks: np.ndarray) -> None:
        """Count data (file offset `base`, physical line `line` at its start); delimiters and
        breaks: offsets in data of its structural delimiters and of all its line breaks."""
        self.size += len(data)
        if len(delimiters) == 0:  # all of it goes on with the field already open: counts only
            self._open_field_goes_on(np.frombuffer(data, dtype=np.uint8))
            return
        for low in range(0, len(data), WINDOW):
            high = min(low + WINDOW, len(data))
            inside = delimiters[np.searchsorted(delimiters, low):np.searchsorted(delimiters, high)]
            arr = np.frombuffer(data, dtype=np.uint8, count=high - low, offset=low)
            self._window(arr, low, inside, base, lambda offsets: line + np.searchsorted(breaks, offsets))

    def _open_field_goes_on(self, arr: np.ndarray) -> None:
        if len(arr) == 0:
            return
        ascii_only = int(arr.max()) < 0x80
        characters = len(arr) - (0 if ascii_only else int(np.count_nonzero((arr & 0xC0) == 0x80)))
        self.raw_characters += characters
        self.field_characters += characters
        self.field_quotes += int(np.count_nonzero(arr == QUOTE))
        if self.field_quoted is None:
            self.field_quoted = bool(arr[0] == QUOTE)

    def _window(self, arr: np.ndarray, low: int, delimiters: np.ndarray, base: int, line_of) -> None:
        if len(delimiters) == 0:
            self._open_field_goes_on(arr)
            return
        starts = np.concatenate(([0], delimiters + 1 - low))   # pieces of fields, offsets in arr
        ends = np.concatenate((delimiters - low, [len(arr)]))
        leading = np.concatenate(([0], np.cumsum((arr & 0xC0) != 0x80, dtype=np.int64)))
        self.raw_characters += int(leading[-1])
        quotes = np.flatnonzero(arr == QUOTE)
        characters = leading[ends] - leading[starts]
        quote_counts = np.searchsorted(quotes, ends) - np.searchsorted(quotes, starts)
        nonempty = ends > starts
        quoted = np.zeros(len(starts), dtype=bool)
        quoted[nonempty] = arr[starts[nonempty]] == QUOTE
        # The first piece goes on with the field already open; each delimiter closes one.
        self.field_characters += int(characters[0])
        self.field_quotes += int(quote_counts[0])
        if self.field_quoted is None and nonempty[0]:
            self.field_quoted = bool(quoted[0])
        if len(delimiters) == 0:
            return
        values = np.concatenate(([self._open_value()], _values(characters[1:-1], quote_counts[1:-1], quoted[1:-1])))
        closed_starts = starts[1:-1] + low   # offsets in the data fed, of the fields after the first
        self._close_fields(values, lambda index: self._field_at(index, closed_starts, values, base, line_of))
        self.column += len(values)
        self.field_offset = base + low + int(starts[-1])
        self.field_line = int(line_of(low + int(starts[-1])))
        self.field_characters, self.field_quotes = int(characters[-1]), int(quote_counts[-1])
        self.field_quoted = bool(quoted[-1]) if nonempty[-1] else None

    def _field_at(self, index: int, closed_starts: np.ndarray, values: np.ndarray, base: int, line_of) -> LongField:
        if index == 0:
            return LongField(self.column, self.field_line, self.field_offset, int(values[0]))
        start = int(closed_starts[index - 1])
        return LongField(self.column + index, int(line_of(start)), base + start, int(values[index]))

    def _close_fields(self, values: np.ndarray, field_at) -> None:
        """values: characters of fields closed, the open one first; field_at(i) -> LongField."""
        self.characters += int(values.sum())
        longest = int(np.argmax(values))
        if values[longest] > self.longest.characters:
            self.longest = field_at(longest)
        if self.field_limit is not None:
            self.long_fields.extend(field_at(index) for index in np.flatnonzero(values > self.field_limit).tolist())

    def _open_value(self) -> int:
        """Characters of the value of the field still open."""
        quoted = np.array([bool(self.field_quoted)])
        return int(_values(np.array([self.field_characters]), np.array([self.field_quotes]), quoted)[0])

    def finish(self, end_line: int, terminator_bytes: int, unterminated: bool) -> LongRecord:
        """The record's measures, once its last byte is counted."""
        last = np.array([self._open_value()])
        self._close_fields(last, lambda index: LongField(self.column, self.field_line, self.field_offset, int(last[0])))
        return LongRecord(size=self.size, characters=self.characters,
                          raw_characters=self.raw_characters + terminator_bytes, fields=self.column,
                          end_line=end_line, terminator_bytes=terminator_bytes, longest=self.longest,
                          long_fields=tuple(self.long_fields),
                          unterminated=(self.field_line, self.column) if unterminated else None)


class LongInProgress:
    """A record over MAX_RECORD_BYTES, streamed: its head is kept, the rest counted and dropped."""

    def __init__(self, scanner, head: int, build_chunk):
        """scanner: scan._Scanner, its held bytes starting with the record; head: how many of
        them to keep; build_chunk: scan.build_chunk."""
        self.scanner, self.build_chunk = scanner, build_chunk
        self.base, self.line, self.record = scanner.base, scanner.line, scanner.record
        structural, breaks, anomalies = (np.concatenate(parts) for parts in
                                         (scanner.events.structural, scanner.events.breaks, scanner.events.anomalies))
        inside = (anomalies[:, 1] < head) & (anomalies[:, 2] < head)
        self.head = (scanner.held[:head], structural[:np.searchsorted(structural, head)],
                     breaks[:np.searchsorted(breaks, head)], anomalies[inside])
        self.count = LongRecordCount(self.base, self.line, scanner.field_limit)

    def stream(self, at_end: bool) -> CsvChunk | None:
        """Count what was scanned of the record; its chunk once it ends, else None."""
        scanner = self.scanner
        end = scanner.events.first_record_break(scanner.held, scanner.dialect.line_break)
        if end is not None:
            content_end = scanner._content_end(end)
            terminator = TERM_CRLF if content_end < end else (TERM_CR if scanner.dialect.line_break == CR else TERM_LF)
        elif at_end:
            content_end, terminator = len(scanner.held), END_OF_FILE
        else:  # all that is decided, but a CR that may start the CRLF ending the record
            content_end, terminator = scanner.resume, None
            if content_end and scanner.dialect.line_break == LF and scanner.held[content_end - 1] == CR:
                content_end -= 1
        inside = terminator == END_OF_FILE and scanner.state.mode in (QUOTED, PENDING)
        open_quote = scanner.base + scanner.state.open_quote if inside else None
        piece, base, line = scanner.held[:content_end], scanner.base, scanner.line
        structural, breaks, _ = scanner.consume(content_end)
        self.count.feed(piece, base, line, structural, breaks)
        if terminator is None:
            return None
        end_line = scanner.line
        terminator_bytes = 0 if end is None else end + 1 - content_end
        scanner.consume(terminator_bytes)
        return self._chunk(end_line, terminator_bytes, terminator, at_end and not scanner.held, open_quote)

    def _chunk(self, end_line: int, terminator_bytes: int, terminator: int, is_last: bool,
               open_quote: int | None) -> CsvChunk:
        data, structural, breaks, anomalies = self.head
        measures = self.count.finish(end_line, terminator_bytes, open_quote is not None)
        chunk = self.build_chunk(data, structural, breaks, anomalies, self.scanner.dialect, self.base, self.line,
                                 self.record, is_last, None if open_quote is None else open_quote - self.base,
                                 long_record=measures)
        chunk.terminators = np.array([terminator], dtype=np.uint8)  # not the end of the head: the record's own
        self.scanner.record += 1
        return chunk


def _values(characters: np.ndarray, quotes: np.ndarray, quoted: np.ndarray) -> np.ndarray:
    """Characters of field values from their raw characters (CsvChunk.record_characters' count)."""
    return characters - quoting_characters(quotes, quoted)
