"""FirstSeen: the line of each key's first occurrence, across batches, without a Python dict."""
from __future__ import annotations

import numpy as np

from sfprep.plan.keys import FirstSeen


def reference(keys, lines):
    first, out = {}, []
    for key, line in zip(keys, lines):
        first.setdefault(key, line)
        out.append(first[key])
    return out


def test_matches_a_dict_over_many_batches():
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 5_000, 40_000).astype(np.uint64)
    lines = np.arange(2, 40_002, dtype=np.int64)
    index, got = FirstSeen(), []
    for part in np.array_split(np.arange(len(keys)), 37):
        got.extend(index.first_lines(keys[part], lines[part]).tolist())
    assert got == reference(keys.tolist(), lines.tolist())
    assert sum(len(h) for h, _ in index.runs) == len(set(keys.tolist()))
    assert len(index.runs) <= 16


def test_repeat_inside_one_batch_points_at_the_first():
    index = FirstSeen()
    keys = np.array([7, 8, 7, 7], dtype=np.uint64)
    assert index.first_lines(keys, np.array([2, 3, 4, 9])).tolist() == [2, 3, 2, 2]
    assert index.first_lines(np.array([8, 9], dtype=np.uint64), np.array([10, 11])).tolist() == [3, 11]
