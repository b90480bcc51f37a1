"""A scanned chunk of a CSV file: whole records as columnar byte spans, and the quoting
anomalies the scan found in it. Offsets are relative to the chunk's `data`; `base` is the
file offset of data[0]."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sfprep.io.csv.dialect import Dialect

# Record terminators, as stored in CsvChunk.terminators.
END_OF_FILE, TERM_LF, TERM_CRLF, TERM_CR = 0, 1, 2, 3
TERMINATOR_NAMES = {TERM_LF: "LF", TERM_CRLF: "CRLF", TERM_CR: "CR"}

# Quote anomaly kinds (the Q rules read them from CsvChunk.anomalies).
STRAY_QUOTE = "stray-quote"                      # Q002
OUTSIDE_BEFORE_OPEN = "outside-before-open"      # Q004
OUTSIDE_AFTER_CLOSE = "outside-after-close"      # Q004
UNESCAPED_QUOTE = "unescaped-quote"              # Q005
ANOMALY_KINDS = (STRAY_QUOTE, OUTSIDE_BEFORE_OPEN, OUTSIDE_AFTER_CLOSE, UNESCAPED_QUOTE)


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
    _anomaly_arrays: tuple | None = field(default=None, repr=False)

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

    def anomaly_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(kind index into ANOMALY_KINDS, position, quote) of every anomaly, as arrays."""
        if self._anomaly_arrays is None:
            count = len(self.anomalies)
            kinds = np.fromiter((ANOMALY_KINDS.index(a.kind) for a in self.anomalies), dtype=np.int8, count=count)
            positions = np.fromiter((a.position for a in self.anomalies), dtype=np.int64, count=count)
            quotes = np.fromiter((a.quote for a in self.anomalies), dtype=np.int64, count=count)
            self._anomaly_arrays = (kinds, positions, quotes)
        return self._anomaly_arrays

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


def unquote(raw: bytes) -> bytes:
    """The value of one raw field: quotes removed and `""` unescaped (lenient on broken quoting)."""
    stripped = raw.strip(b" \t") if raw[:1] != b'"' else raw
    if stripped[:1] == b'"':
        closing = stripped.rfind(b'"')
        inner = stripped[1:closing] if closing > 0 else stripped[1:]
        return inner.replace(b'""', b'"')
    return raw
