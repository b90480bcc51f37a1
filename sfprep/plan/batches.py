"""How many batches a file needs: records packed in order, greedily, under both limits.

Every batch repeats the header, so its bytes count against each batch. The loop runs once
per *batch* (numpy's cumsum and searchsorted find where each batch ends), never per record.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BatchPlanner:
    records_per_batch: int | None
    bytes_per_batch: int | None
    header_bytes: int = 0
    batches: int = 0          # closed batches
    fill_records: int = 0     # of the batch being filled
    fill_bytes: int = 0

    def add(self, record_sizes: np.ndarray) -> None:
        """Pack the next records (their sizes in bytes, line break included)."""
        room_limit = (self.bytes_per_batch - self.header_bytes) if self.bytes_per_batch else None
        cumulative = np.cumsum(record_sizes, dtype=np.int64)
        start, count = 0, len(record_sizes)
        while start < count:
            end = count
            if room_limit is not None:
                before = int(cumulative[start - 1]) if start else 0
                end = int(np.searchsorted(cumulative, before + room_limit - self.fill_bytes, side="right"))
            if self.records_per_batch:
                end = min(end, start + self.records_per_batch - self.fill_records)
            if end <= start:
                if self.fill_records:
                    self._close()
                    continue
                end = start + 1  # one record larger than a batch: it goes alone (L003/L005 say why)
            self.fill_records += end - start
            self.fill_bytes += int(cumulative[end - 1] - (cumulative[start - 1] if start else 0))
            if end < count:
                self._close()
            start = end

    def _close(self) -> None:
        self.batches += 1
        self.fill_records = self.fill_bytes = 0

    @property
    def total(self) -> int:
        return self.batches + (1 if self.fill_records else 0)
