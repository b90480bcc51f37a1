"""Where findings sit in their file's text: for byte offsets, the character column in the
physical line and the text around it. One front-to-back read per file, whatever the number
of findings, in a window of bounded size (a line may be longer than memory allows).

Lines break where the linter breaks them (`docs/findings.md`): at every LF, or at every CR in
a CR-only file, as `io/sniff` decides from the head. A CR before an LF ends the line's text;
any other CR is part of the line. Columns count the characters of the UTF-8 text as Python
decodes it with replacement (each ill-formed sequence is one U+FFFD); a leading byte-order
mark is not part of line 1.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import BinaryIO, Iterable

from sfprep.core.model import FileResult
from sfprep.io.sniff import HEAD_SIZE, UTF8_BOM, sniff

CONTEXT_CHARS = 100                       # characters kept on each side of an offset
_CONTEXT_BYTES = 4 * CONTEXT_CHARS + 4    # enough bytes for CONTEXT_CHARS whole characters
BLOCK = 1 << 20                           # bytes read at a time
_LF, _CR = 0x0A, 0x0D


@dataclass(frozen=True, slots=True)
class Spot:
    """One byte offset in its physical line."""

    column: int   # 0-based character position of the offset in its line
    before: str   # the line's last CONTEXT_CHARS (or fewer) characters before the offset
    after: str    # up to CONTEXT_CHARS characters from the offset to the end of the line


def spots_of(result: FileResult) -> dict[int, Spot]:
    """The spot of every finding offset of one file's result."""
    return locate(result.path, (stamped.finding.offset for stamped in result.findings))


def locate(path: str, offsets: Iterable[int | None]) -> dict[int, Spot]:
    """offset -> Spot for each offset inside the file (others, and an unreadable file: none)."""
    wanted = sorted({offset for offset in offsets if offset is not None and offset >= 0})
    if not wanted:
        return {}
    try:
        with open(path, "rb") as stream:
            return _Walk(_Window(stream)).spots(wanted)
    except OSError:
        return {}


class _Window:
    """Bytes [start, start + len(data)) of the file; grows forward, forgets what is behind."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.data = bytearray()
        self.start = 0
        self.eof = False

    @property
    def end(self) -> int:
        return self.start + len(self.data)

    def reach(self, position: int) -> None:
        """Read on until the window holds the byte before `position`, or the file ends."""
        while not self.eof and self.end < position:
            block = self.stream.read(max(BLOCK, position - self.end))
            if block:
                self.data += block
            else:
                self.eof = True

    def bytes(self, start: int, end: int) -> bytearray:
        return self.data[start - self.start:end - self.start]

    def forget_before(self, position: int) -> None:
        if position - self.start > BLOCK:  # in large steps, so that forgetting stays linear
            del self.data[:position - self.start]
            self.start = position


class _Walk:
    """The line holding the cursor: where it starts and its characters up to the cursor."""

    def __init__(self, window: _Window) -> None:
        self.window = window
        window.reach(HEAD_SIZE)
        head = bytes(window.bytes(0, HEAD_SIZE))
        self.newline = sniff(head).line_break
        self.cursor = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
        self._new_line()

    def _new_line(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.count = 0
        self.tail = ""

    def spots(self, offsets: list[int]) -> dict[int, Spot]:
        found: dict[int, Spot] = {}
        for offset in offsets:
            if not self._advance_to(offset):
                break  # past the end of the file, as are the offsets after it
            found[offset] = self._spot(max(offset, self.cursor))
        return found

    def _advance_to(self, offset: int) -> bool:
        while self.cursor < offset:
            self.window.reach(min(offset, self.cursor + BLOCK))
            stop = min(offset, self.window.end)
            if stop <= self.cursor:
                return False
            segment = self.window.bytes(self.cursor, stop)
            last_break = segment.rfind(self.newline)
            if last_break >= 0:
                self._new_line()
                segment = segment[last_break + 1:]
            text = self.decoder.decode(segment)
            self.count += len(text)
            self.tail = (self.tail + text[-CONTEXT_CHARS:])[-CONTEXT_CHARS:]
            self.cursor = stop
            self.window.forget_before(stop)
        return True

    def _spot(self, offset: int) -> Spot:
        # bytes held back by the decoder are an unfinished character: one U+FFFD so far
        unfinished = "\ufffd" if self.decoder.getstate()[0] else ""
        before = (self.tail + unfinished)[-CONTEXT_CHARS:]
        return Spot(self.count + len(unfinished), before, self._after(offset))

    def _after(self, offset: int) -> str:
        self.window.reach(offset + _CONTEXT_BYTES)
        ahead = self.window.bytes(offset, offset + _CONTEXT_BYTES)
        line_end = ahead.find(self.newline)
        whole = line_end >= 0 or self.window.eof and offset + len(ahead) >= self.window.end
        if line_end >= 0:
            ahead = ahead[:line_end]
            if self.newline == _LF and ahead.endswith(b"\r"):
                ahead = ahead[:-1]
        text = codecs.getincrementaldecoder("utf-8")("replace").decode(ahead, final=whole)
        return text[:CONTEXT_CHARS]
