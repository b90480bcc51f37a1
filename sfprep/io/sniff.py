"""What can be told from the first bytes of a file: whether it is text at all (compressed,
archived, binary; UTF-16/UTF-32), encoding marks, delimiter, line breaks."""
from __future__ import annotations

from dataclasses import dataclass

from sfprep.io.csv.dialect import CR, LF, QUOTE, Dialect
from sfprep.io.magic import BinaryFormat, binary_format, control_heavy

HEAD_SIZE = 64 << 10
UTF8_BOM = b"\xef\xbb\xbf"
WIDE_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "UTF-32 BE"),
    (b"\xff\xfe", "UTF-16 LE"),
    (b"\xfe\xff", "UTF-16 BE"),
)
# The delimiters Bulk API 2.0 knows, by the name its `columnDelimiter` uses.
DELIMITERS = {"COMMA": ",", "TAB": "\t", "SEMICOLON": ";", "PIPE": "|", "CARET": "^", "BACKQUOTE": "`"}


@dataclass(frozen=True, slots=True)
class Sniffed:
    bom: bool
    wide_encoding: str | None  # "UTF-16 LE" etc. when the file is not byte-oriented text
    line_break: int
    header_delimiter_counts: dict[str, int]
    binary: BinaryFormat | None = None  # gzip, zip, XLSX, PDF, ... when the file is not text at all

    @property
    def not_text(self) -> str | None:
        """What the file is when it cannot be read as CSV text ("gzip data", "UTF-16 LE text"), else None."""
        if self.binary is not None:
            return self.binary.name
        return f"{self.wide_encoding} text" if self.wide_encoding else None

    def evident_delimiter(self, expected: str) -> str:
        """The delimiter the header line is evidently written with (the expected one if unsure)."""
        if self.header_delimiter_counts.get(expected, 0) > 0:
            return expected
        best = max(self.header_delimiter_counts.items(), key=lambda item: item[1])
        return best[0] if best[1] > 0 else expected

    def dialect(self, delimiter: str) -> Dialect:
        return Dialect(delimiter=ord(delimiter), line_break=self.line_break)


def sniff(head: bytes) -> Sniffed:
    bom = head.startswith(UTF8_BOM)
    body = head[len(UTF8_BOM):] if bom else head
    binary = None if bom else binary_format(head)
    wide = None if bom or binary else _wide_encoding(head)
    if not (bom or binary or wide):
        binary = control_heavy(head)
    return Sniffed(
        bom=bom,
        wide_encoding=wide,
        line_break=CR if (CR in body and LF not in body) else LF,
        header_delimiter_counts=_header_delimiter_counts(body),
        binary=binary,
    )


def _wide_encoding(head: bytes) -> str | None:
    for mark, name in WIDE_BOMS:
        if head.startswith(mark):
            return name
    sample = head[:4096]
    if len(sample) >= 8 and sample.count(0) * 2 >= len(sample):
        wide = _utf32_without_bom(sample[:len(sample) // 4 * 4])
        if wide:
            return wide
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):
        # ASCII text in UTF-16 is every second byte NUL; without a BOM that is the sign.
        evens, odds = sample[0::2].count(0), sample[1::2].count(0)
        if evens > 3 * max(odds, 1):
            return "UTF-16 BE"
        if odds > 3 * max(evens, 1):
            return "UTF-16 LE"
    return None


def _utf32_without_bom(sample: bytes) -> str | None:
    """UTF-32 without a BOM: the top byte of every 4-byte unit is NUL (code points stop at
    U+10FFFF), the next one nearly always (outside the BMP only), and the lowest one rarely."""
    units = len(sample) // 4
    nuls = [sample[i::4].count(0) for i in range(4)]
    if nuls[3] == units and nuls[2] * 10 >= units * 9 and nuls[0] * 2 < units:
        return "UTF-32 LE"
    if nuls[0] == units and nuls[1] * 10 >= units * 9 and nuls[3] * 2 < units:
        return "UTF-32 BE"
    return None


def _header_delimiter_counts(body: bytes) -> dict[str, int]:
    """How often each candidate delimiter occurs outside quotes in the first line."""
    line = _first_record(body)
    outside = b"".join(line.split(b'"')[0::2])
    return {d: outside.count(d.encode()) for d in DELIMITERS.values()}


def _first_record(body: bytes) -> bytes:
    """The header record: up to the first line break preceded by an even number of quotes
    (one pass: the quotes before each line break are counted all at once, not from the
    start for every break, which was quadratic on a head full of quoted line breaks)."""
    import numpy as np

    arr = np.frombuffer(body, dtype=np.uint8)
    breaks = np.flatnonzero((arr == CR) | (arr == LF))
    quotes = np.flatnonzero(arr == QUOTE)
    outside = breaks[(np.searchsorted(quotes, breaks) & 1) == 0]
    return body[:int(outside[0])] if len(outside) else body
