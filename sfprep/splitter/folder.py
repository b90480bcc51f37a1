"""The batch files of a split, in the output folder of io/outfolder.py (a hidden temporary
folder renamed into place once manifest.json, written last, is on disk).

Batches are hashed as they are written; each is fsynced by a thread of its own as soon as
it is complete, and all of them before the manifest is written. A split killed midway
leaves only the hidden folder, with no manifest; the next split to the same DIR removes it.
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
from dataclasses import dataclass, field

import numpy as np

from sfprep.core.model import UsageError
from sfprep.io.atomic import start_writeback, sync_and_close, write_all
from sfprep.io.beside import Beside
from sfprep.io.outfolder import OutputFolder
from sfprep.io.utf8 import count_characters

MANIFEST = "manifest.json"
OPEN_FILES = 4096     # batch files kept open at once, at most (a grouped split writes many in turn)
WAITING_BYTES = 16 << 20   # batch bytes queued for the writing thread
WAITING_FSYNCS = 32        # complete batch files queued for the fsync thread
WRITEBACK_EVERY = 1 << 20  # a batch still open has its writeback started each time this much is written


@dataclass
class BatchFile:
    """One batch as written: what the manifest says of it."""

    number: int                  # in the order batches were opened
    day: int = 1
    records: int = 0
    bytes: int = 0
    characters: int = 0
    sha256: str = ""
    name: str = ""
    runs: list = field(default_factory=list)   # arrays of (first, last) source record numbers
    closing: bool = False                      # complete: its close is queued

    def ranges(self) -> np.ndarray:
        """The source record numbers as (first, last) rows, adjacent runs joined."""
        if not self.runs:
            return np.empty((0, 2), dtype=np.int64)
        table = np.concatenate(self.runs)
        joins = np.flatnonzero(table[1:, 0] != table[:-1, 1] + 1) + 1
        firsts = table[np.r_[0, joins], 0]
        lasts = table[np.r_[joins - 1, len(table) - 1], 1]
        return np.stack([firsts, lasts], axis=1)

    @property
    def first_record(self) -> int:
        return int(self.runs[0][0, 0]) if self.runs else 0


def record_runs(numbers: np.ndarray) -> np.ndarray:
    """Ascending record numbers as (first, last) rows of consecutive runs."""
    breaks = np.flatnonzero(np.diff(numbers) != 1) + 1
    starts = np.r_[0, breaks]
    ends = np.r_[breaks - 1, len(numbers) - 1]
    return np.stack([numbers[starts], numbers[ends]], axis=1).astype(np.int64)


class BatchFolder:
    """The temporary folder and its batch files. Its methods run in one thread (the split's
    writer, beside the lint): each batch is hashed as it is written."""

    def __init__(self, out: str, overwrite: bool, source: str):
        self.folder = OutputFolder(out, overwrite, MANIFEST, "split", keep=(source,))
        self.out, self.display, self.temp = self.folder.out, self.folder.display, self.folder.temp
        self.batches: dict[int, BatchFile] = {}
        self.header = self.footer = b""
        self.header_characters = self.footer_characters = 0
        self.prefix, self.extension = "batch", "csv"
        self._open: dict[int, int] = {}        # batch number -> its file, while it is written
        self._hashes: dict[int, "hashlib._Hash"] = {}
        self._unflushed: dict[int, int] = {}   # bytes written since the batch's writeback last started
        self._writer = Beside("sfprep-split-write", WAITING_BYTES)   # hashes and writes the batches
        self._syncer = Beside("sfprep-split-fsync", WAITING_FSYNCS)   # fsyncs each complete one

    def start(self, header: bytes, footer: bytes, prefix: str, extension: str) -> None:
        """What every batch begins and ends with; batches are named PREFIX.0001.EXTENSION ..."""
        self.header, self.footer = header, footer
        self.prefix, self.extension = prefix, extension
        # an invalid UTF-8 byte counts as one character, as everywhere (F001 refuses the split)
        self.header_characters = count_characters(np.frombuffer(header, dtype=np.uint8))
        self.footer_characters = count_characters(np.frombuffer(footer, dtype=np.uint8))

    def append(self, number: int, data, numbers: np.ndarray, characters: int, runs: np.ndarray | None = None) -> None:
        """Records for batch `number` (opened on first use): their bytes, their source record
        numbers (ascending; or their runs, where the caller has them) and characters."""
        batch = self.batches.get(number)
        if batch is None:
            batch = self.batches[number] = BatchFile(number, bytes=len(self.header) + len(self.footer),
                                                     characters=self.header_characters + self.footer_characters)
        batch.records += len(numbers)
        batch.bytes += len(data)
        batch.characters += characters
        batch.runs.append(record_runs(numbers) if runs is None else runs)
        self._queue_write(number, data)

    def _queue_write(self, number: int, data) -> None:
        self._guarded(lambda: self._writer.put(lambda: self._write(number, data), len(data)))

    def close(self, number: int) -> None:
        """Batch `number` is complete: its footer written, then fsynced and closed beside."""
        if number in self.batches and not self.batches[number].closing:
            self.batches[number].closing = True
            self._guarded(lambda: self._writer.put(lambda: self._close(number)))

    def finish(self, manifest_text) -> list[BatchFile]:
        """Every batch complete and on disk, named in source order; then the manifest (its
        text from the named batches); then the folder renamed into place."""
        for number in list(self.batches):
            self.close(number)
        ordered = sorted(self.batches.values(), key=lambda batch: batch.first_record)
        self._guarded(self._writer.join)
        self._guarded(self._syncer.join)
        for batch, name in zip(ordered, self._names(len(ordered))):
            batch.name = name
            os.rename(self._part(batch.number), os.path.join(self.temp, name))
        self.folder.write_marker(manifest_text(ordered))
        self.folder.commit()
        return ordered

    def reset(self) -> None:
        """Forget every batch (the file is read again): the folder emptied."""
        self.abort()
        os.mkdir(self.temp, 0o700)
        self.batches = {}

    def abort(self) -> None:
        for worker in (self._writer, self._syncer):
            try:
                worker.join()
            except BaseException:   # noqa: BLE001 - abandoning: the first failure was raised already
                pass
        for fd in self._open.values():
            os.close(fd)
        self._open, self._hashes = {}, {}
        shutil.rmtree(self.temp, ignore_errors=True)

    def _names(self, count: int) -> list[str]:
        width = max(4, len(str(count)))
        return [f"{self.prefix}.{k:0{width}d}.{self.extension}" for k in range(1, count + 1)]

    def _part(self, number: int) -> str:
        return os.path.join(self.temp, f"{number}.part")

    def _write(self, number: int, data) -> None:
        fd = self._fd(number)
        self._hashes[number].update(data)
        write_all(fd, data)
        self._unflushed[number] = unflushed = self._unflushed.get(number, 0) + len(data)
        if unflushed >= WRITEBACK_EVERY:   # a grouped split's batches stay open to the end: keep the disk busy
            start_writeback(fd)
            self._unflushed[number] = 0

    def _close(self, number: int) -> None:
        fd = self._fd(number)
        if self.footer:
            self._hashes[number].update(self.footer)
            write_all(fd, self.footer)
        fd = self._open.pop(number)
        self._syncer.put(lambda: sync_and_close(fd, self._syncer.failed))
        self.batches[number].sha256 = self._hashes.pop(number).hexdigest()

    def _fd(self, number: int) -> int:
        """The batch's file: created with the header on first use; at most OPEN_FILES open at
        once (a grouped split writes many in turn), reopened to append."""
        fd = self._open.get(number)
        if fd is not None:
            return fd
        if len(self._open) >= _open_files():
            oldest = next(iter(self._open))
            os.close(self._open.pop(oldest))
        if number not in self._hashes:
            fd = os.open(self._part(number), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            self._hashes[number] = hashlib.sha256(self.header)
            write_all(fd, self.header)
        else:
            fd = os.open(self._part(number), os.O_WRONLY | os.O_APPEND)
        self._open[number] = fd
        return fd

    def _guarded(self, step) -> None:
        try:
            step()
        except OSError as error:
            raise UsageError(f"{self.display}: cannot write a batch: {error.strerror or error}; "
                             "nothing was written") from None


@functools.lru_cache(maxsize=1)
def _open_files() -> int:
    """How many batch files may be open at once: OPEN_FILES, within the process's limit
    (raised to its hard limit first), leaving room for everything else."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = OPEN_FILES + 256 if hard == resource.RLIM_INFINITY else min(hard, OPEN_FILES + 256)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
            soft = max(soft, wanted)
        except (ValueError, OSError):
            pass
    return max(16, min(OPEN_FILES, soft - 256))
