"""The batch planner packs records in order under the record and byte limits, header repeated."""
from __future__ import annotations

import numpy as np

from sfprep.plan.batches import BatchPlanner


def plan(sizes, records=None, size=None, header=0, pieces=1):
    planner = BatchPlanner(records, size, header)
    for part in np.array_split(np.array(sizes, dtype=np.int64), pieces):
        planner.add(part)
    return planner.total


def test_records_limit_alone():
    assert plan([5] * 10, records=3) == 4
    assert plan([5] * 9, records=3) == 3


def test_bytes_limit_counts_the_header_in_every_batch():
    # capacity 60 - 11 = 49 bytes: 24 | 27 | 27 | 20 -> 24 alone? 24+27 = 51 > 49: three batches
    assert plan([24, 27, 27, 20], size=60, header=11) == 3
    assert plan([10] * 10, size=50) == 2
    assert plan([10] * 10, size=49) == 3


def test_a_record_larger_than_a_batch_goes_alone():
    assert plan([5, 100, 5], size=50) == 3


def test_chunking_the_input_does_not_change_the_count():
    sizes = list(np.random.default_rng(0).integers(1, 40, 500))
    expected = plan(sizes, records=7, size=120, header=9)
    for pieces in (2, 3, 17, 100):
        assert plan(sizes, records=7, size=120, header=9, pieces=pieces) == expected


def test_empty_input_needs_no_batch():
    assert plan([], records=3, size=10) == 0
