"""First occurrences of keys across a whole file, in bounded, compact memory.

Keys are kept as 64-bit hashes beside the line of their first occurrence, in sorted numpy
runs (16 bytes a distinct key, no Python object per key). New runs are merged into older
ones when they grow comparable in size, so a lookup searches O(log n) runs.
"""
from __future__ import annotations

import numpy as np


class FirstSeen:
    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted hashes, first lines)

    def first_lines(self, hashes: np.ndarray, lines: np.ndarray) -> np.ndarray:
        """For each key (in file order), the line where it first occurred, this batch included;
        then remember this batch's new keys."""
        order = np.argsort(hashes, kind="stable")
        sorted_hashes = hashes[order]
        starts = np.r_[True, sorted_hashes[1:] != sorted_hashes[:-1]]
        group_first = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
        first_here = np.empty_like(lines)
        first_here[order] = lines[group_first]
        earlier = self._lookup(hashes)
        unseen = earlier < 0
        new = order[starts]
        new = new[unseen[new]]
        self._add(hashes[new], lines[new])
        return np.where(unseen, first_here, earlier)

    def _lookup(self, hashes: np.ndarray) -> np.ndarray:
        found = np.full(len(hashes), -1, dtype=np.int64)
        for run_hashes, run_lines in self.runs:
            index = np.minimum(np.searchsorted(run_hashes, hashes), len(run_hashes) - 1)
            hit = run_hashes[index] == hashes
            found[hit] = run_lines[index[hit]]
        return found

    def _add(self, hashes: np.ndarray, lines: np.ndarray) -> None:
        if len(hashes) == 0:
            return
        order = np.argsort(hashes)
        self.runs.append((hashes[order], lines[order].astype(np.int64)))
        while len(self.runs) > 1 and len(self.runs[-1][0]) * 2 >= len(self.runs[-2][0]):
            (h2, l2), (h1, l1) = self.runs.pop(), self.runs.pop()
            merged_hashes = np.concatenate([h1, h2])
            order = np.argsort(merged_hashes, kind="stable")
            self.runs.append((merged_hashes[order], np.concatenate([l1, l2])[order]))
