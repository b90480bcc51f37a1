"""Where each element of an XML file starts, from the bytes, in document order.

lxml gives an element's line but no byte offset, and asking each element for its line
costs as much again as parsing it. The k-th start tag in the bytes is the k-th element lxml
yields in document order, so one vectorised pass over the bytes gives every element's
offset (for the report's source lines and markers) and line. A `<` starts a tag unless it
is inside a comment, a CDATA section or a processing instruction (the only places a raw `<`
may appear); those regions are found with bytes.find, one step per region, never per byte.
"""
from __future__ import annotations

import os

import numpy as np

BLOCK = 8 << 20
_REGIONS = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))
LT, SLASH, BANG, QUESTION, LF = 0x3C, 0x2F, 0x21, 0x3F, 0x0A


class TagPositions:
    """Start-tag offsets and lines of a file's elements, read ahead block by block as the
    parser asks for higher ordinals (memory: the positions of the elements not yet asked for)."""

    def __init__(self, path: str, block: int = BLOCK):
        self.fd = os.open(path, os.O_RDONLY)
        self.block = block
        self.read_to = 0            # file offset scanned so far
        self.lines_before = 0       # line breaks before read_to
        self.first_ordinal = 0      # ordinal of positions[0]
        self.positions = np.zeros(0, dtype=np.int64)
        self.lines = np.zeros(0, dtype=np.int64)
        self.closing: bytes | None = None   # inside a comment, CDATA or PI that ends with this
        self.carry = b""            # bytes of an unfinished `<` at the end of a block
        self.done = False

    def close(self) -> None:
        os.close(self.fd)

    def locate(self, ordinals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(file offsets, 1-based lines) of these element ordinals (each >= any earlier call's
        smallest); (-1, 0) for one past the file's elements."""
        ordinals = np.asarray(ordinals, dtype=np.int64)
        if len(ordinals):
            self._read_through(int(ordinals.max()))
        at = ordinals - self.first_ordinal
        inside = (at >= 0) & (at < len(self.positions))
        offsets = np.full(len(ordinals), -1, dtype=np.int64)
        lines = np.zeros(len(ordinals), dtype=np.int64)
        offsets[inside] = self.positions[at[inside]]
        lines[inside] = self.lines[at[inside]]
        return offsets, lines

    def forget_before(self, ordinal: int) -> None:
        """Positions of elements before `ordinal` will not be asked for again."""
        drop = max(0, min(ordinal - self.first_ordinal, len(self.positions)))
        self.positions, self.lines = self.positions[drop:], self.lines[drop:]
        self.first_ordinal += drop

    def _read_through(self, ordinal: int) -> None:
        while not self.done and ordinal >= self.first_ordinal + len(self.positions):
            data = os.pread(self.fd, self.block, self.read_to)
            if not data:
                self.done = True
                data = b""
            self._scan(self.carry + data, self.read_to - len(self.carry), final=not data)

    def _scan(self, data: bytes, base: int, final: bool) -> None:
        """Scan data (file offset `base`), up to a `<` near its end unless it is the last."""
        cut = len(data)
        if not final:  # a `<` near the end needs the bytes after it (`<![CDATA[` is 9 long)
            last_lt = data.rfind(b"<", max(0, len(data) - 9))
            if last_lt >= 0:
                cut = last_lt
        self.read_to = base + len(data)
        if cut == 0:
            self.carry = data
            return
        arr = np.frombuffer(data, dtype=np.uint8)
        starts, cut = self._tag_starts(data, arr, cut)
        self.carry = data[cut:]
        breaks = np.flatnonzero(arr[:cut] == LF)
        self.positions = np.concatenate([self.positions, starts + base])
        lines = self.lines_before + np.searchsorted(breaks, starts, side="left") + 1
        self.lines = np.concatenate([self.lines, lines])
        self.lines_before += len(breaks)

    def _tag_starts(self, data: bytes, arr: np.ndarray, cut: int) -> tuple[np.ndarray, int]:
        """(offsets in data[:cut] of `<` that start an element (outside comments, CDATA, PIs),
        where the scan stopped: `cut`, or less inside a region still open, so that its
        closing marker is found whole in the next block)."""
        lts = np.flatnonzero(arr[:cut] == LT)
        nexts = arr[np.minimum(lts + 1, len(arr) - 1)]
        position = 0
        if self.closing is not None:  # a region left open by the previous block
            end = data.find(self.closing, 0, cut)
            if end < 0:
                return np.zeros(0, dtype=np.int64), max(0, cut - len(self.closing) + 1)
            position = end + len(self.closing)
            self.closing = None
        kept = np.zeros(len(lts), dtype=bool)
        kept[:] = (nexts != SLASH) & (nexts != BANG) & (nexts != QUESTION)
        openers = np.flatnonzero((nexts == BANG) | (nexts == QUESTION))
        masked_until = position
        for k in openers.tolist():  # one step per comment, CDATA or PI, never per byte
            at = int(lts[k])
            if at < masked_until:
                continue
            closing = next((close for opener, close in _REGIONS if data.startswith(opener, at)), None)
            if closing is None:
                continue  # `<!DOCTYPE` and the like: refused before parsing; no `<` inside counts
            end = data.find(closing, at + 2, cut)
            masked_until = cut if end < 0 else end + len(closing)
            first, last = np.searchsorted(lts, at, side="right"), np.searchsorted(lts, masked_until, side="left")
            kept[first:last] = False
            if end < 0:  # open at the end of the block: the next block starts inside it
                self.closing = closing
                kept[:np.searchsorted(lts, position, side="left")] = False
                return lts[kept].astype(np.int64), max(at + 2, cut - len(closing) + 1)
        kept[:np.searchsorted(lts, position, side="left")] = False
        return lts[kept].astype(np.int64), cut
