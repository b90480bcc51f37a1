"""One split, from the lint pass to the committed folder (see the package's docstring)."""
from __future__ import annotations

import hashlib
import os
import queue
import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from sfprep.core.model import FileResult, Severity, UsageError
from sfprep.plan.batches import BatchPlanner
from sfprep.splitter.encode import CsvEncoder, XmlEncoder
from sfprep.splitter.folder import BatchFile, BatchFolder

LIMIT_CODES = ("L004", "L005", "L006")   # what splitting resolves


class SplitRefused(Exception):
    """The source has findings splitting cannot fix (exit 1, nothing written)."""

    def __init__(self, message: str, result: FileResult | None = None):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Limits:
    """A batch's limits (the profile's, or tighter), and the daily allocation."""

    records: int | None
    bytes: int | None
    characters: int | None
    batches_per_day: int | None
    records_per_day: int | None

    def planner(self, header_bytes: int, header_characters: int) -> BatchPlanner:
        return BatchPlanner(self.records, self.bytes, header_bytes, self.characters, header_characters,
                            records_per_day=self.records_per_day)


def batch_limits(profile: dict, max_records: int | None, max_bytes: int | None) -> Limits:
    """The profile's batch limits, tightened by --max-records / --max-bytes (never loosened)."""
    records, size = profile.get("records_per_batch"), profile.get("bytes_per_batch")
    for option, asked, limit in (("--max-records", max_records, records), ("--max-bytes", max_bytes, size)):
        if asked is None:
            continue
        if asked < 1:
            raise UsageError(f"{option} must be at least 1, not {asked}")
        if limit and asked > limit:
            raise UsageError(f"{option} {asked:,} is over the {profile['name']} limit of {limit:,}: "
                             "a batch may be smaller than the profile allows, never larger")
    return Limits(max_records or records, max_bytes or size, profile.get("characters_per_batch"),
                  profile.get("batches_per_day"), profile.get("records_per_day"))


@dataclass
class SplitOutcome:
    out: str
    manifest: dict
    batches: list[BatchFile]
    result: FileResult                 # the lint's findings (warnings, the limits split resolves)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Output:
    """How the batches are written: the encoder, the batch names, the job's CSV settings."""

    encoder: object
    prefix: str
    delimiter: str
    line_ending: str


def split_file(run, target, out: str, limits: Limits, group_by: str | None = None, overwrite: bool = False,
               progress: Callable[[int, int], None] | None = None) -> SplitOutcome:
    """Split one lint target into DIR `out`; SplitRefused when its findings forbid it."""
    from sfprep.splitter.manifest import manifest_dict, manifest_text

    source = Source(str(target.path))
    folder = BatchFolder(out, overwrite, str(target.path))
    running: list[InThread] = []
    try:
        passes = 2 if group_by else 1
        report = None if progress is None else (lambda done: progress(done, passes * source.size))
        lint, sink = _lint_pass(run, target, folder, limits, group_by, report, running, source)
        _refuse_if_needed(lint, sink, run.settings.strict)
        warnings: list[str] = []
        if group_by:
            second = (None if progress is None else (lambda done: progress(source.size + done, 2 * source.size)))
            sink = _grouped_pass(run, target, folder, limits, sink, second, warnings, running)
        source.check_unchanged()
        written = sum(batch.records for batch in folder.batches.values())
        if written != lint.ctx.data_records:
            raise UsageError(f"internal error: {written:,} records written of {lint.ctx.data_records:,}; "
                             "nothing was written")
        facts = dict(source=source, target=target, limits=limits, group_by=group_by, run=run,
                     output=sink.output, oversized=getattr(sink, "oversized_report", lambda batches: []))
        made: list[dict] = []

        def text(ordered: list[BatchFile]) -> str:
            made.append(manifest_dict(ordered, **facts))
            return manifest_text(made[0])
        batches = folder.finish(text)
        return SplitOutcome(out, made[0], batches, lint.result, warnings)
    except BaseException:
        for thread in running:
            thread.stop()
        folder.abort()
        raise


def _refuse_if_needed(lint, sink, strict: bool) -> None:
    result = lint.result
    blocking = Severity.WARNING if strict else Severity.ERROR
    counted = sum(count for (code, severity, _, _), count in result.findings.counts.items()
                  if severity >= blocking and code not in LIMIT_CODES)
    if counted or lint.stopped_early:
        what = "error(s) or warning(s) (--strict)" if strict else "error(s)"
        raise SplitRefused(f"{counted:,} {what} splitting cannot fix; nothing was written", result)
    if sink.unwritable:
        raise SplitRefused(f"{sink.unwritable}; nothing was written", result)
    if sink.too_large:
        raise UsageError(f"record {sink.too_large[0]:,} alone, with the header, is over the batch limit "
                         "(--max-bytes): no batch can hold it; nothing was written")


def _lint_pass(run, target, folder, limits, group_by, progress, running, source):
    """The lint with every rule selected, and those whose errors mean the records cannot be
    read exactly; each chunk goes to the batches (or, with --group-by, to the tally)."""
    from sfprep.converter import BLOCKING
    from sfprep.linter.engine import FileLint
    from sfprep.linter.registry import all_rules

    registered = all_rules()
    rules = list(target.rules) + [registered[code] for code in BLOCKING if code not in target.codes]
    names = None
    while True:
        lint = FileLint(str(target.path), target.job, run.profile, rules, target.display, run.describes, run.settings)
        sink = (GroupTally if group_by else Splitter)(folder, limits, _output_for(target, lint.ctx), source, group_by)
        beside = InThread(sink)
        running.append(beside)
        lint.chunk_sink, lint.xml_names = beside, names
        lint.read(progress)
        beside.join()
        lint.finish()
        xml = lint.ctx.xml
        if xml is None or not xml.late_columns or names is not None:
            return lint, sink
        # An XML field first seen late: read again with every name, into a fresh folder state.
        names = list(lint.ctx.header.names) + list(xml.late_columns)
        folder.reset()


def _grouped_pass(run, target, folder, limits, tally, progress, warnings, running):
    from sfprep.linter.engine import FileLint
    from sfprep.splitter.groups import plan_groups

    plan = plan_groups(tally.sizes.total(), tally.room())
    lint = FileLint(str(target.path), target.job, run.profile, [], target.display, run.describes, run.settings)
    writer = GroupedWriter(folder, limits, tally, plan)
    beside = InThread(writer)
    running.append(beside)
    lint.chunk_sink, lint.xml_names = beside, tally.names_read
    lint.read(progress)
    beside.join()
    for group, records in zip(plan.oversized.tolist(), plan.oversized_records.tolist()):
        warnings.append(f"group {writer.keys.get(group, '?')!r} has {records:,} records, more than one batch "
                        f"holds: it spans {len(writer.assigner.group_batches.get(group, []))} batches")
    return writer


def _output_for(target, ctx) -> Output:
    job = target.job
    line_ending = job.line_ending or ctx.profile.get("line_ending") or "LF"
    delimiter = ctx.expected_delimiter
    stem = target.path.name.rsplit(".", 1)[0]
    prefix = f"{job.object}.{job.operation}" if job.object else stem
    return Output(None, prefix, delimiter, line_ending)


class InThread:
    """Runs a chunk sink in a thread beside the lint, the chunks queued in order (at most
    QUEUED_CHUNKS wait: memory stays bounded when the disk is slower than the reading). The
    first chunk, which holds the header, is taken in the lint's thread."""

    QUEUED_CHUNKS = 2

    def __init__(self, sink):
        self.sink = sink
        self.started = False
        self.failure: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(self.QUEUED_CHUNKS)
        self.thread = threading.Thread(target=self._take_all, name="sfprep-split-writer", daemon=True)

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
        self.source.feed(chunk)
        if not self.width or self.unwritable:
            return
        records = self._records(chunk)
        if records is None or not len(records):
            return
        encoded = self.output.encoder.records(chunk, records, self.width)
        opens = self.planner.add(encoded.sizes, encoded.characters)
        self._write(encoded, records + chunk.first_record, opens)

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
        self.source.feed(chunk)
        if not self.width or self.unwritable:
            return
        records = self._records(chunk)
        if records is None or not len(records):
            return
        encoded = self.output.encoder.records(chunk, records, self.width)
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
        hashes, keyed = key_hashes(chunk, records, self.tally.column)
        numbers, completed = self.assigner.batches_of(hashes, keyed, encoded.sizes, encoded.characters)
        self._note_oversized_keys(chunk, records, hashes, keyed)
        order = np.argsort(numbers, kind="stable")
        if (order != np.arange(len(order))).any():
            encoded = encoder.records(chunk, records[order], width)
        self._write(encoded, (records + chunk.first_record)[order], numbers[order])
        for number in completed:
            self.folder.close(number)

    def _write(self, encoded, record_numbers: np.ndarray, batch_numbers: np.ndarray) -> None:
        characters = np.cumsum(encoded.characters)
        bounds = np.flatnonzero(np.r_[True, batch_numbers[1:] != batch_numbers[:-1], True])
        data = memoryview(encoded.data)
        for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            first_byte = int(encoded.ends[start - 1]) if start else 0
            piece_characters = int(characters[end - 1] - (characters[start - 1] if start else 0))
            self.folder.append(int(batch_numbers[start]), data[first_byte:int(encoded.ends[end - 1])],
                               record_numbers[start:end], piece_characters)

    def _note_oversized_keys(self, chunk, records, hashes, keyed) -> None:
        if not self.oversized:
            return
        from sfprep.io.csv.frame import values_of

        groups = np.searchsorted(self.plan.hashes, hashes)
        for index in np.flatnonzero(keyed & np.isin(groups, list(self.oversized))).tolist():
            group = int(groups[index])
            if group not in self.keys:
                field_index = chunk.record_first_field[records[index:index + 1]] + self.tally.column
                self.keys[group] = values_of(chunk, field_index)[0]

    def oversized_report(self, batches: list[BatchFile]) -> list[dict]:
        names = {batch.number: batch.name for batch in batches}
        return [{"key": self.keys.get(group, ""), "records": int(records),
                 "batches": [names[number] for number in self.assigner.group_batches.get(group, [])]}
                for group, records in zip(self.plan.oversized.tolist(), self.plan.oversized_records.tolist())]


class Source:
    """The file being split: its sha256, from the chunks' bytes as the lint reads them (a CSV
    file's chunks are its bytes, in order) or, for an XML file, by a thread reading it beside
    the lint; and a check that it did not change while it was split."""

    def __init__(self, path: str):
        self.path = path
        self.stat = os.stat(path)
        self.size = self.stat.st_size
        self.sha256 = ""
        self._hash = hashlib.sha256()
        self._offset: int | None = 0     # how far the chunks fed have hashed it; None: they cannot
        self._thread: threading.Thread | None = None

    def feed(self, chunk) -> None:
        """The next chunk's bytes (a BOM before the first is read from the file)."""
        if self._offset is None:
            return
        if self._offset == 0 and chunk.base:
            with open(self.path, "rb") as stream:
                self._hash.update(stream.read(chunk.base))
            self._offset = chunk.base
        if chunk.base != self._offset or chunk.long_record is not None:
            self._offset = None
            return
        self._hash.update(chunk.data)
        self._offset = chunk.end

    def hash_beside(self) -> None:
        """Hash the file in a thread of its own (its chunks are not its bytes: XML)."""
        self._offset = None
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._hash_file, name="sfprep-source-sha256", daemon=True)
        self._thread.start()

    def _hash_file(self) -> None:
        with open(self.path, "rb") as stream:
            self.sha256 = hashlib.file_digest(stream, "sha256").hexdigest()

    def check_unchanged(self) -> None:
        if self._thread is not None:
            self._thread.join()
        elif self._offset == self.size:
            self.sha256 = self._hash.hexdigest()
        else:
            self._hash_file()
        now = os.stat(self.path)
        if (now.st_size, now.st_mtime_ns, now.st_ino) != (self.stat.st_size, self.stat.st_mtime_ns, self.stat.st_ino):
            raise UsageError(f"{self.path} changed while it was split; nothing was written")
