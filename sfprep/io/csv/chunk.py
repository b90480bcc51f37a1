"""A scanned chunk of a CSV file: whole records as columnar byte spans, and the quoting
anomalies the scan found in it. Offsets are relative to the chunk's `data`; `base` is the
file offset of data[0]."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sfprep.io.csv.dialect import QUOTE, Dialect

# Record terminators, as stored in CsvChunk.terminators.
END_OF_FILE, TERM_LF, TERM_CRLF, TERM_CR = 0, 1, 2, 3
TERMINATOR_NAMES = {TERM_LF: "LF", TERM_CRLF: "CRLF", TERM_CR: "CR"}

# Quote anomaly kinds (the Q rules read them from CsvChunk.anomalies).
STRAY_QUOTE = "stray-quote"                      # Q002
OUTSIDE_BEFORE_OPEN = "outside-before-open"      # Q004
OUTSIDE_AFTER_CLOSE = "outside-after-close"      # Q004
UNESCAPED_QUOTE = "unescaped-quote"              # Q005
ANOMALY_KINDS = (STRAY_QUOTE, OUTSIDE_BEFORE_OPEN, OUTSIDE_AFTER_CLOSE, UNESCAPED_QUOTE)


# Scanner modes between two blocks (the same numbers as sfprep/native/_scan.c).
BLANK = 0     # outside quotes; the field so far is blanks or nothing
TEXT = 1      # outside quotes; the field so far holds text: a quote now is a stray one
STRAY = 2     # outside quotes, after a stray quote: quotes are text up to the next separator
QUOTED = 3    # inside a quoted value
PENDING = 4   # inside a quoted value, after a quote followed by text and nothing else yet


class ScanState(NamedTuple):
    """Where the scan of a buffer stopped, to resume it with the next block (offsets in the buffer)."""

    mode: int = BLANK
    field_start: int = 0
    open_quote: int = -1   # the quote that opened the value (QUOTED, PENDING; else meaningless)
    pending: int = -1      # the quote of PENDING (else meaningless)

    def shifted(self, by: int) -> "ScanState":
        """The same state, for the buffer with its first `by` bytes removed (offsets may go
        below zero: the record began before the bytes still held)."""
        return ScanState(self.mode, self.field_start - by, self.open_quote - by, self.pending - by)


@dataclass(frozen=True, slots=True)
class LongField:
    column: int       # 1-based
    line: int         # physical line of its first byte
    offset: int       # file offset of its first byte
    characters: int   # characters of its value (quoting not counted)


@dataclass(frozen=True, slots=True)
class LongRecord:
    """A record longer than the scanner holds (scan.MAX_RECORD_BYTES): its chunk keeps only its
    first bytes (as one truncated record); these are its measures, counted while streaming it."""

    size: int                    # bytes, its terminator excluded
    characters: int              # characters of its values, delimiters and quoting not counted
    raw_characters: int          # every character, its terminator included
    fields: int
    end_line: int                # physical line of its terminator (or of its last byte)
    terminator_bytes: int        # 0 (end of file), 1 or 2 (CRLF)
    longest: LongField
    long_fields: tuple[LongField, ...] = ()   # the fields over the limit the scan was given
    unterminated: tuple[int, int] | None = None  # (line, column) of a quote the file ends inside


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
    # One row (kind index into ANOMALY_KINDS, position, quote) per anomaly, in file order:
    # a padded file has one in every field, too many for an object each.
    anomaly_table: np.ndarray = field(default_factory=lambda: np.empty((0, 3), dtype=np.int64))
    unterminated_quote: int | None = None  # offset of the opening quote never closed
    is_last: bool = False
    long_record: LongRecord | None = None  # the chunk holds only the first bytes of this one record
    _text: tuple | None = field(default=None, repr=False)  # utf8.check's answer, once asked
    _anomalous: np.ndarray | None = field(default=None, repr=False)  # anomalous_fields(), once asked

    @property
    def end(self) -> int:
        """File offset just after the chunk's bytes (after a long record, not only its first bytes)."""
        if self.long_record is None:
            return self.base + len(self.data)
        return self.base + self.long_record.size + self.long_record.terminator_bytes

    @property
    def array(self) -> np.ndarray:
        return np.frombuffer(self.data, dtype=np.uint8)

    def first_invalid_utf8(self) -> int | None:
        """Offset of the first byte that is not valid UTF-8, or None."""
        return self.check_text().first_invalid

    def character_count(self) -> int:
        """Characters in the chunk (an invalid UTF-8 byte counts as one); of the whole long
        record, for a chunk holding one."""
        if self.long_record is not None:
            return self.long_record.raw_characters
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

    def record_place(self, index: int) -> tuple[int, int]:
        """(line, file offset) where record `index` (of this chunk) starts."""
        start = int(self.record_starts[index])
        return int(self.line_of(start)), self.base + start

    def file_offsets(self, offsets):
        """File offset(s) of chunk offset(s) (an XmlChunk's: of the elements they were read from)."""
        return offsets + self.base

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

    def anomaly_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(kind index into ANOMALY_KINDS, position, quote) of every anomaly, as arrays."""
        table = self.anomaly_table
        return table[:, 0], table[:, 1], table[:, 2]

    def anomalous_fields(self) -> np.ndarray:
        """Per field of the chunk: it holds a quoting anomaly (bool)."""
        if self._anomalous is None:
            self._anomalous = np.zeros(len(self.field_starts), dtype=bool)
            self._anomalous[self.field_index_of(self.anomaly_table[:, 1])] = True
        return self._anomalous

    @property
    def anomaly_count(self) -> int:
        return len(self.anomaly_table)

    @property
    def anomalies(self) -> list[Anomaly]:
        """The anomalies as objects: for tests and a few at a time, never on the hot path."""
        return [Anomaly(ANOMALY_KINDS[kind], position, quote) for kind, position, quote in self.anomaly_table.tolist()]

    def fields_per_record(self) -> np.ndarray:
        """Fields of each record: a long record's as counted while it was streamed (its
        chunk's spans cover only its first bytes)."""
        return self.field_counts if self.long_record is None else np.array([self.long_record.fields])

    def record_characters(self, record_index: int) -> int:
        """Characters of one record's values, delimiters and quoting not counted (L003; see
        quoting_characters). An invalid UTF-8 byte counts as one, as everywhere."""
        start, end = int(self.record_starts[record_index]), int(self.record_ends[record_index])
        arr = self.array[start:end]
        first = int(self.record_first_field[record_index])
        fields = slice(first, first + int(self.field_counts[record_index]))
        quotes = np.flatnonzero(arr == QUOTE) + start
        in_field = np.searchsorted(quotes, self.field_ends[fields]) - np.searchsorted(quotes, self.field_starts[fields])
        raw = len(arr) - int(np.count_nonzero((arr & 0xC0) == 0x80)) - (int(self.field_counts[record_index]) - 1)
        return raw - int(quoting_characters(in_field, self.field_quoted[fields]).sum())

    def locate(self, offset: int) -> tuple[int, int, int]:
        """(line, record number, 1-based column) of a chunk offset."""
        lines, records, columns, _ = self.locate_many(np.array([offset], dtype=np.int64))
        return lines[0], records[0], columns[0]

    def locate_arrays(self, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(physical lines, record numbers, 1-based columns, field indexes) of chunk offsets."""
        records = self.record_index_of(offsets)
        fields = self.field_index_of(offsets)
        return (self.line_of(offsets), records + self.first_record, fields - self.record_first_field[records] + 1,
                fields)

    def locate_many(self, offsets: np.ndarray) -> tuple[list, list, list, list]:
        """locate() for many offsets at once: (lines, record numbers, 1-based columns, field
        indexes), as lists (a file can have a finding on every line)."""
        records = self.record_index_of(offsets)
        fields = self.field_index_of(offsets)
        columns = fields - self.record_first_field[records] + 1
        return (self.line_of(offsets).tolist(), (records + self.first_record).tolist(),
                columns.tolist(), fields.tolist())


def quoting_characters(quotes: np.ndarray, quoted: np.ndarray) -> np.ndarray:
    """How many of each field's characters are quoting, given the quotes in it and whether it
    is quoted: a quoted value's two quotes and one quote of each doubled pair (an
    unterminated one's opening quote); none in an unquoted field, whose quotes are text."""
    return np.where(quoted, 1 + quotes // 2, 0)


def unquote(raw: bytes) -> bytes:
    """The value of one raw field: quotes removed and `""` unescaped (lenient on broken quoting)."""
    stripped = raw.strip(b" \t") if raw[:1] != b'"' else raw
    if stripped[:1] == b'"':
        closing = stripped.rfind(b'"')
        inner = stripped[1:closing] if closing > 0 else stripped[1:]
        return inner.replace(b'""', b'"')
    return raw
