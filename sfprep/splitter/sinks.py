"""The chunk sinks of a split's passes: what each chunk of records the lint reads becomes.

Splitter (a plain split: encoded, packed in order, written), GroupTally (--group-by's first
pass: each parent key's size), GroupedWriter (its second pass: each record to its group's
batch); InThread runs one beside the lint.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sfprep.plan.batches import BatchPlanner
from sfprep.splitter.encode import CsvEncoder, XmlEncoder
from sfprep.splitter.folder import BatchFile, BatchFolder
from sfprep.splitter.limits import Limits

if TYPE_CHECKING:
    from sfprep.splitter.source import Source


@dataclass
class Output:
    """How the batches are written: the encoder, the batch names, the job's CSV settings."""

    encoder: object
    prefix: str
    delimiter: str
    line_ending: str


class InThread:
    """Runs a chunk sink in a thread beside the lint, the chunks queued in order (at most
    QUEUED_CHUNKS wait: memory stays bounded when the disk is slower than the reading). The
    first chunk, which holds the header, is taken in the lint's thread."""

    QUEUED_CHUNKS = 1

    def __init__(self, sink):
        self.sink = sink
        self.started = False
        self.failure: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(self.QUEUED_CHUNKS)
        self.thread = threading.Thread(target=self._take_all, name="sfprep-split-batches", daemon=True)

    def __call__(self, chunk, ctx) -> None:
        if self.failure is not None:
            raise self.failure
        if not self.started:
            self.started = True
            self.sink(chunk, ctx)
            self.thread.start()
            return
        self.queue.put((chunk, ctx))

    def join(self) -> None:
        """Every queued chunk taken; the sink's failure, if it had one, raised here."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.failure is not None:
            raise self.failure

    def stop(self) -> None:
        self.failure = self.failure or _Stopped()
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()

    def _take_all(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.failure is None:
                try:
                    self.sink(*item)
                except BaseException as error:  # noqa: BLE001 - raised again in the lint's thread
                    self.failure = error


class _Stopped(Exception):
    """The split was abandoned: the queued chunks are dropped."""


class Splitter:
    """The lint pass's chunk sink for a plain split: records encoded, packed in order, written."""

    def __init__(self, folder: BatchFolder, limits: Limits, output: Output, source: Source, group_by=None):
        self.folder, self.limits, self.output, self.source = folder, limits, output, source
        self.width = None
        self.names: list[str] = []
        self.planner: BatchPlanner | None = None
        self.batch = -1
        self.unwritable: str | None = None

    @property
    def too_large(self) -> list[int]:
        return self.planner.too_large if self.planner is not None else []

    def __call__(self, chunk, ctx) -> None:
        if self.width is None:
            self._start(chunk, ctx)
        taken = self._take(chunk)
        if taken is not None:
            records, encoded = taken
            opens = self.planner.add(encoded.sizes, encoded.characters)
            self._write(encoded, records + chunk.first_record, opens)

    def _take(self, chunk):
        """The chunk's bytes to the source's hash; its records and their encoding, or None
        (no columns, nothing to write, or a chunk that cannot be written)."""
        self.source.feed(chunk)
        if not self.width or self.unwritable:
            return None
        records = self._records(chunk)
        if records is None or not len(records):
            return None
        return records, self.output.encoder.records(chunk, records, self.width)

    def _start(self, chunk, ctx) -> None:
        if ctx.format == "xml":
            self.source.hash_beside()
        header = ctx.header
        self.names = list(header.names) if header is not None and not header.is_blank else []
        self.width = len(self.names)
        if not self.width:
            return
        if ctx.format == "xml":
            self.output.encoder = XmlEncoder(self.names)
        else:
            self.output.encoder = CsvEncoder(self.output.delimiter, self.output.line_ending)
        encoder = self.output.encoder
        head = encoder.header(chunk, self.width)
        self.folder.start(head, encoder.footer, self.output.prefix, encoder.extension)
        self.planner = self.limits.planner(len(head) + len(encoder.footer),
                                           self.folder.header_characters + self.folder.footer_characters)

    def _records(self, chunk) -> np.ndarray | None:
        from sfprep.io.csv.frame import usable_records

        if chunk.long_record is not None:
            self.unwritable = f"record {chunk.first_record:,} is too long to hold in memory"
            return None
        if chunk.anomaly_count:
            self.unwritable = "the file has quoting anomalies"
            return None
        return usable_records(chunk, self.width)

    def _write(self, encoded, numbers: np.ndarray, opens: np.ndarray) -> None:
        """The records as pieces of batches: a new batch at each index in `opens`."""
        characters = np.cumsum(encoded.characters)
        bounds = np.unique(np.r_[0, opens, len(numbers)])
        data = memoryview(encoded.data)
        opening = set(opens.tolist())
        for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            if start in opening:
                if self.batch >= 0:
                    self.folder.close(self.batch)
                self.batch += 1
            first_byte = int(encoded.ends[start - 1]) if start else 0
            piece_characters = int(characters[end - 1] - (characters[start - 1] if start else 0))
            self.folder.append(self.batch, data[first_byte:int(encoded.ends[end - 1])], numbers[start:end],
                               piece_characters)


class GroupTally(Splitter):
    """The lint pass's sink with --group-by: each record's key, bytes and characters tallied
    (nothing written yet)."""

    def __init__(self, folder, limits, output, source, group_by):
        from sfprep.splitter.groups import GroupSizes

        super().__init__(folder, limits, output, source)
        self.group_by = group_by
        self.sizes = GroupSizes()
        self.column = None
        self.names_read: list[str] | None = None

    def __call__(self, chunk, ctx) -> None:
        from sfprep.splitter.groups import key_column, key_hashes

        if self.width is None:
            self._start(chunk, ctx)
            if self.width:
                self.column = key_column(self.names, self.group_by)
                self.names_read = self.names if ctx.format == "xml" else None
        taken = self._take(chunk)
        if taken is None:
            return
        records, encoded = taken
        hashes, keyed = key_hashes(chunk, records, self.column)
        self.planner.add(encoded.sizes, encoded.characters)   # only to find records no batch can hold
        self.sizes.add(hashes, keyed, encoded.sizes, encoded.characters, records + chunk.first_record)

    def room(self):
        from sfprep.splitter.groups import Room

        header_bytes = len(self.folder.header) + len(self.folder.footer)
        header_characters = self.folder.header_characters + self.folder.footer_characters
        return Room(self.limits.records, self.limits.bytes and self.limits.bytes - header_bytes,
                    self.limits.characters and self.limits.characters - header_characters)


class GroupedWriter:
    """Pass 2's chunk sink with --group-by: each record to its group's batch."""

    def __init__(self, folder: BatchFolder, limits: Limits, tally: GroupTally, plan):
        from sfprep.splitter.groups import Assigner

        self.folder, self.tally, self.plan = folder, tally, plan
        self.output = tally.output
        header_bytes = len(folder.header) + len(folder.footer)
        header_characters = folder.header_characters + folder.footer_characters
        self.assigner = Assigner(plan, lambda: limits.planner(header_bytes, header_characters))
        self.oversized = set(plan.oversized.tolist())
        self.keys: dict[int, str] = {}   # oversized group -> its key, as written

    def __call__(self, chunk, ctx) -> None:
        from sfprep.io.csv.frame import usable_records
        from sfprep.splitter.groups import key_hashes

        width = self.tally.width
        if not width:
            return
        records = usable_records(chunk, width)
        if not len(records):
            return
        encoder = self.output.encoder
        encoded = encoder.records(chunk, records, width)
        hashes, keyed = key_hashes(chunk, records, self.tally.column, utf8_known=True)  # the lint pass checked
        numbers, completed = self.assigner.batches_of(hashes, keyed, encoded.sizes, encoded.characters)
        self._note_oversized_keys(chunk, records, hashes, keyed)
        order = np.argsort(numbers, kind="stable")
        if (order != np.arange(len(order))).any():
            encoded = encoded.reordered(order)
        self._write(encoded, (records + chunk.first_record)[order], numbers[order])
        for number in completed:
            self.folder.close(number)

    def _write(self, encoded, record_numbers: np.ndarray, batch_numbers: np.ndarray) -> None:
        """The records, ordered by batch, as one piece per batch; the runs of consecutive
        record numbers found for the whole chunk at once (a chunk touches hundreds of batches)."""
        characters = np.cumsum(encoded.characters)
        new_batch = batch_numbers[1:] != batch_numbers[:-1]
        bounds = np.flatnonzero(np.r_[True, new_batch, True])
        run_starts = np.flatnonzero(np.r_[True, new_batch | (record_numbers[1:] != record_numbers[:-1] + 1)])
        run_lasts = np.r_[run_starts[1:], len(record_numbers)] - 1
        runs = np.stack([record_numbers[run_starts], record_numbers[run_lasts]], axis=1).astype(np.int64)
        piece_runs = np.searchsorted(run_starts, bounds).tolist()
        data = memoryview(encoded.data)
        for k, (start, end) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist())):
            first_byte = int(encoded.ends[start - 1]) if start else 0
            piece_characters = int(characters[end - 1] - (characters[start - 1] if start else 0))
            self.folder.append(int(batch_numbers[start]), data[first_byte:int(encoded.ends[end - 1])],
                               record_numbers[start:end], piece_characters, runs[piece_runs[k]:piece_runs[k + 1]])

    def _note_oversized_keys(self, chunk, records, hashes, keyed) -> None:
        """The key text of each oversized group, from its first record (for the warning)."""
        unnamed = [group for group in self.oversized if group not in self.keys]
        if not unnamed:
            return
        from sfprep.io.csv.frame import values_of

        groups = np.searchsorted(self.plan.hashes, hashes)
        found = np.flatnonzero(keyed & np.isin(groups, unnamed))
        named, firsts = np.unique(groups[found], return_index=True)
        values = values_of(chunk, chunk.record_first_field[records[found[firsts]]] + self.tally.column, utf8_known=True)
        self.keys.update(zip(named.tolist(), values.to_list()))

    def oversized_report(self, batches: list[BatchFile]) -> list[dict]:
        names = {batch.number: batch.name for batch in batches}
        return [{"key": self.keys.get(group, ""), "records": int(records),
                 "batches": [names[number] for number in self.assigner.group_batches.get(group, [])]}
                for group, records in zip(self.plan.oversized.tolist(), self.plan.oversized_records.tolist())]
