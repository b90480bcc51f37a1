"""What one fix would change, as the lines before and after (`sfprep fix --interactive`).

Byte edits: the lines they touch and a few lines around them, read from the file at the
edits' offsets. A whole-file rewrite: the rewrite streamed into an unnamed scratch file and
compared with the original line by line, keeping the first lines it changes and a count.
"""
from __future__ import annotations

import os
import tempfile
from collections import deque
from dataclasses import dataclass
from itertools import zip_longest
from typing import BinaryIO, Iterator

from sfprep.core.model import Fix, UsageError
from sfprep.fixer.rewrites import rewrite_file

CONTEXT = 3          # unchanged lines shown around a change
SHOWN_CHANGES = 5    # changed lines of a whole-file rewrite shown before the count
_LOOK_BACK = 1 << 20
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Preview:
    """Lines (bytes, each with its line break) of the file and of the fixed file, from line
    `first_line` of both; for a rewrite, how many of the file's lines it changes in all."""

    first_line: int
    old: list[bytes]
    new: list[bytes]
    changed_lines: int | None = None   # rewrites only: lines changed in the whole file
    total_lines: int | None = None     # rewrites only: lines of the file
    shown_changes: int | None = None   # rewrites only: changed lines among those shown


class LineCounter:
    """Physical line numbers of offsets in one file, counted forward from the last offset
    asked for (the findings come in file order, so the file is read about once)."""

    def __init__(self, path: str, newline: bytes):
        self.path, self.newline = path, newline
        self._offset, self._line = 0, 1

    def line_at(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, 1
        with open(self.path, "rb") as stream:
            stream.seek(self._offset)
            while self._offset < offset:
                block = stream.read(min(_BLOCK, offset - self._offset))
                if not block:
                    break
                self._line += block.count(self.newline)
                self._offset += len(block)
        return self._line


def newline_of(path: str) -> bytes:
    """LF, or CR for a file whose first block has CRs and no LF (old Mac line endings)."""
    with open(path, "rb") as stream:
        head = stream.read(64 << 10)
    return b"\r" if b"\r" in head and b"\n" not in head else b"\n"


def preview(path: str, fix: Fix, lines: LineCounter) -> Preview:
    """What `fix` would change in `path`; UsageError when it cannot be worked out (nor applied)."""
    try:
        if fix.rewrite is not None:
            return preview_rewrite(path, fix.rewrite)
        return preview_edits(path, fix, lines)
    except OSError as error:
        raise UsageError(f"{path}: cannot read it: {error.strerror or error}") from None


def preview_edits(path: str, fix: Fix, lines: LineCounter) -> Preview:
    """The lines the edits touch, with CONTEXT lines either side, before and after."""
    if not fix.edits:
        return Preview(1, [], [])
    newline = lines.newline
    low, high = min(edit.start for edit in fix.edits), max(edit.end for edit in fix.edits)
    size = os.path.getsize(path)
    with open(path, "rb") as stream:
        head_start = max(0, low - _LOOK_BACK)
        stream.seek(head_start)
        before = stream.read(low - head_start)
        start = head_start + _back_lines(before, newline, CONTEXT)
        stream.seek(high)
        after = stream.read(min(_LOOK_BACK, size - high))
        at_line_start = high == 0 or _byte_before(stream, high) == newline
        end = high + _forward_lines(after, newline, CONTEXT + (0 if at_line_start else 1))
        stream.seek(start)
        window = stream.read(end - start)
    fixed, position = bytearray(), start
    for edit in sorted(fix.edits):
        fixed += window[position - start:edit.start - start] + edit.replacement
        position = max(position, edit.end)
    fixed += window[position - start:]
    return Preview(lines.line_at(start), split_lines(window, newline), split_lines(bytes(fixed), newline))


def _byte_before(stream: BinaryIO, offset: int) -> bytes:
    stream.seek(offset - 1)
    return stream.read(1)


def _back_lines(before: bytes, newline: bytes, count: int) -> int:
    """Offset in `before` (the bytes before an edit) of the start of the line `count` lines
    above the edit's line; 0 when the look-back holds fewer lines."""
    position = len(before)
    for _ in range(count + 1):
        found = before.rfind(newline, 0, position)
        if found < 0:
            return 0
        position = found
    return position + 1


def _forward_lines(after: bytes, newline: bytes, count: int) -> int:
    """Length of the first `count` lines of `after` (fewer at the end of the file)."""
    position = 0
    for _ in range(count):
        found = after.find(newline, position)
        if found < 0:
            return len(after)
        position = found + 1
    return position


def split_lines(data: bytes, newline: bytes) -> list[bytes]:
    """Lines with their line break (CRLF counts as one break where the newline is LF)."""
    parts = data.split(newline)
    lines = [part + newline for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def preview_rewrite(path: str, rewrite: tuple[str, ...]) -> Preview:
    """The first lines a whole-file rewrite changes (with context), and how many it changes."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        scratch = tempfile.TemporaryFile(dir=folder)
    except OSError as error:
        raise UsageError(f"{path}: cannot write beside it: {error.strerror}") from None
    with open(path, "rb") as source, scratch as rewritten:
        rewrite_file(rewrite, source, rewritten)
        rewritten.flush()
        rewritten.seek(0)
        source.seek(0)
        return _compare(_stream_lines(source), _stream_lines(rewritten))


def _compare(old_lines: Iterator[bytes], new_lines: Iterator[bytes]) -> Preview:
    """Pair the lines of the two versions in order (a rewrite keeps the lines where they are)."""
    recent: deque = deque(maxlen=CONTEXT)
    window: list[tuple[bytes | None, bytes | None]] = []
    first_line, changed, total, shown, since_shown = None, 0, 0, 0, 0
    collecting = True
    for number, pair in enumerate(zip_longest(old_lines, new_lines), start=1):
        total += pair[0] is not None
        differs = pair[0] != pair[1]
        changed += differs
        if first_line is None:
            if not differs:
                recent.append(pair)
                continue
            first_line = number - len(recent)
            window.extend(recent)
        if not collecting:
            continue
        if differs and shown == SHOWN_CHANGES:
            collecting = False
            continue
        window.append(pair)
        shown, since_shown = (shown + 1, 0) if differs else (shown, since_shown + 1)
        if since_shown == CONTEXT:
            collecting = False
    return Preview(first_line or 1, [a for a, _ in window if a is not None],
                   [b for _, b in window if b is not None], changed_lines=changed, total_lines=total,
                   shown_changes=shown)


def _stream_lines(stream: BinaryIO) -> Iterator[bytes]:
    """The stream's lines, each with its break (LF, CRLF or CR), read a block at a time."""
    pending = b""
    while True:
        block = stream.read(_BLOCK)
        if not block:
            if pending:
                yield pending
            return
        lines = (pending + block).splitlines(keepends=True)
        pending = lines.pop()  # held back: it may go on, or be a CR whose LF is in the next block
        yield from lines
