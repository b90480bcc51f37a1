"""What the scan of the held bytes has found so far, block by block (Events), and where a
record ends among structural separators (record_break): the scanner cuts chunks with them."""
from __future__ import annotations

import numpy as np


class Events:
    """The structural separators, line breaks and anomalies (int64 kind, position, quote) of
    the held bytes, as the blocks added them; offsets in the held bytes."""

    def __init__(self):
        self.structural: list[np.ndarray] = []
        self.breaks: list[np.ndarray] = []
        self.anomalies: list[np.ndarray] = []
        self._looked = 0                       # structural arrays looked through for a line break
        self._first_break: int | None = None

    def add(self, structural: np.ndarray, breaks: np.ndarray, anomalies: np.ndarray) -> None:
        self.structural.append(structural)
        self.breaks.append(breaks)
        self.anomalies.append(anomalies)

    def first_record_break(self, held, line_break: int) -> int | None:
        """The first structural line break (each block's separators are looked at once)."""
        while self._first_break is None and self._looked < len(self.structural):
            self._first_break = record_break(held, self.structural[self._looked], line_break, 0)
            self._looked += 1
        return self._first_break

    def last_record_break(self, held, line_break: int) -> int | None:
        if self.first_record_break(held, line_break) is None:
            return None
        found = (record_break(held, structural, line_break, -1) for structural in reversed(self.structural))
        return next(position for position in found if position is not None)

    def take(self, cut: int):
        """The events before offset cut; the rest are kept, moved to the bytes after it."""
        structural, breaks, anomalies = (joined(parts) for parts in (self.structural, self.breaks, self.anomalies))
        keep = [np.searchsorted(structural, cut), np.searchsorted(breaks, cut)]
        later = anomalies[:, 1] >= cut
        self.structural = [structural[keep[0]:] - cut]
        self.breaks = [breaks[keep[1]:] - cut]
        self.anomalies = [anomalies[later] - np.array([0, cut, cut])]
        self._looked, self._first_break = 0, None
        return structural[:keep[0]], breaks[:keep[1]], anomalies[~later]


def joined(parts: list[np.ndarray]) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def record_break(held, structural: np.ndarray, line_break: int, which: int) -> int | None:
    """The first (which=0) or last (-1) of these separators that is a line break, or None.

    Looked for from that end, a window at a time: it is almost always among the first few."""
    window, done, total = 64, 0, len(structural)
    while done < total:
        part = structural[done:done + window] if which == 0 else structural[max(0, total - done - window):total - done]
        hits = np.flatnonzero(np.frombuffer(held, dtype=np.uint8)[part] == line_break)
        if len(hits):
            return int(part[hits[which]])
        done, window = done + len(part), window * 8
    return None
