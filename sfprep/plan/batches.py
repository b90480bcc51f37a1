"""How records pack into batches: in order, greedily, under every limit at once (records,
bytes and characters per batch; a bulk2 upload also ends where a day's record allocation
is reached). L007 counts the batches a file needs with it, and `sfprep split` cuts its
batches where it says: the two always agree.

Every batch repeats the header (and an XML batch its closing tag), so their bytes count
against each batch. The loop runs once per *batch* (numpy's cumsum and searchsorted find
where each batch ends), never per record.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class BatchPlanner:
    records_per_batch: int | None
    bytes_per_batch: int | None
    header_bytes: int = 0              # what every batch holds besides its records
    characters_per_batch: int | None = None
    header_characters: int = 0
    records_per_day: int | None = None   # bulk2: a day's allocation closes the upload that reaches it
    batches: int = 0          # closed batches
    fill_records: int = 0     # of the batch being filled
    fill_bytes: int = 0
    fill_characters: int = 0
    day_records: int = 0      # records of the closed batches of the day being filled
    too_large: list[int] = field(default_factory=list)  # records (overall 0-based) larger than a batch alone
    added: int = 0            # records added so far

    def add(self, record_sizes: np.ndarray, record_characters: np.ndarray | None = None) -> np.ndarray:
        """Pack the next records (their sizes in bytes, line break included; their characters,
        where a character limit applies). Returns the indices, into these records, of the
        ones that open a batch."""
        cumulative = np.cumsum(record_sizes, dtype=np.int64)
        characters = None
        if self.characters_per_batch and record_characters is not None:
            characters = np.cumsum(record_characters, dtype=np.int64)
        opens: list[int] = []
        start, count = 0, len(record_sizes)
        while start < count:
            if not self.fill_records:
                opens.append(start)
            end = self._end(cumulative, characters, start, count)
            if end <= start:
                if self.fill_records:
                    self._close()
                    continue
                end = start + 1  # one record larger than a batch: it goes alone (L003/L005 say why)
                self.too_large.append(self.added + start)
            self.fill_records += end - start
            self.fill_bytes += _sum(cumulative, start, end)
            if characters is not None:
                self.fill_characters += _sum(characters, start, end)
            if end < count:
                self._close()
            start = end
        self.added += count
        return np.array(opens, dtype=np.int64)

    def _end(self, cumulative: np.ndarray, characters: np.ndarray | None, start: int, count: int) -> int:
        """Where the batch being filled must end, if it takes records from `start` on."""
        end = count
        if self.bytes_per_batch:
            room = self.bytes_per_batch - self.header_bytes - self.fill_bytes
            end = _fitting(cumulative, start, room)
        if characters is not None:
            room = self.characters_per_batch - self.header_characters - self.fill_characters
            end = min(end, _fitting(characters, start, room))
        if self.records_per_batch:
            end = min(end, start + self.records_per_batch - self.fill_records)
        if self.records_per_day:
            end = min(end, start + self.records_per_day - self.day_records - self.fill_records)
        return end

    def _close(self) -> None:
        self.batches += 1
        self.day_records += self.fill_records
        if self.records_per_day and self.day_records >= self.records_per_day:
            self.day_records = 0
        self.fill_records = self.fill_bytes = self.fill_characters = 0

    @property
    def total(self) -> int:
        return self.batches + (1 if self.fill_records else 0)


def _sum(cumulative: np.ndarray, start: int, end: int) -> int:
    return int(cumulative[end - 1] - (cumulative[start - 1] if start else 0))


def _fitting(cumulative: np.ndarray, start: int, room: int) -> int:
    """The end of the longest run of records from `start` whose total is at most `room`."""
    before = int(cumulative[start - 1]) if start else 0
    return int(np.searchsorted(cumulative, before + room, side="right"))
