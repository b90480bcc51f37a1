"""The split's records, as they were uploaded: read from the batch files (or from the source
when the batches are gone), each checked against the manifest's sha256 first.

The frame holds every source column (as strings) and, per record, `__record` (its number
in the source, 1 = the first after the header), `__batch` (its batch's index in the
manifest) and `__position` (0-based, in its batch: the row of a bulk1 result).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np
import polars as pl

from sfprep.core.config import DELIMITER_NAMES
from sfprep.core.model import UsageError
from sfprep.io.files import regular_file_size
from sfprep.linter.frames import read_table

RECORD, BATCH, POSITION = "__record", "__batch", "__position"


@dataclass
class SplitRecords:
    manifest: dict
    folder: str                 # the manifest's folder (where the batches are)
    frame: pl.DataFrame         # source columns, then RECORD, BATCH, POSITION; in source order
    names: list[str]            # the source columns
    read_from: str              # "batches" or the source's path

    @property
    def batch_names(self) -> list[str]:
        return [batch["file"] for batch in self.manifest["batches"]]


def load_records(manifest: dict, manifest_path: str) -> SplitRecords:
    """The split's records, from its batch files when they are all there, else from its
    source; UsageError when a file changed since the split."""
    folder = os.path.dirname(os.path.abspath(manifest_path))
    batches = _batches(manifest, manifest_path)
    present = [os.path.exists(os.path.join(folder, batch["file"])) for batch in batches]
    for batch, there in zip(batches, present):
        if there:
            _check_sha256(os.path.join(folder, batch["file"]), batch["file"], batch.get("sha256"))
    if all(present):
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sfprep-reconcile-batches") as pool:
            frames = list(pool.map(lambda at: _batch_frame(manifest, os.path.join(folder, batches[at]["file"]),
                                                           batches[at], at), range(len(batches))))
        frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        frame = frame.sort(RECORD) if len(batches) > 1 else frame
        read_from = "batches"
    else:
        missing = batches[present.index(False)]["file"]
        source = _source_path(manifest, folder, missing)
        frame = _source_frame(manifest, source, batches)
        read_from = source
    names = [name for name in frame.columns if name not in (RECORD, BATCH, POSITION)]
    if not names and not len(frame):
        frame = pl.DataFrame({RECORD: [], BATCH: [], POSITION: []}, schema={RECORD: pl.Int64, BATCH: pl.Int32,
                                                                           POSITION: pl.Int64})
    return SplitRecords(manifest, folder, frame, names, read_from)


def _batches(manifest: dict, path: str) -> list[dict]:
    batches = manifest.get("batches")
    if not isinstance(batches, list) or not all(isinstance(b, dict) and isinstance(b.get("file"), str)
                                                and isinstance(b.get("source_records"), list) for b in batches):
        raise UsageError(f"{path}: not a split manifest: its batches have no file and source_records")
    return batches


def _check_sha256(path: str, shown: str, expected) -> None:
    regular_file_size(path)
    with open(path, "rb") as stream:
        actual = hashlib.file_digest(stream, "sha256").hexdigest()
    if actual != expected:
        raise UsageError(f"{shown} changed since the split (its sha256 is not the manifest's): results "
                         "must only be matched to the records that were uploaded")


def _read_options(manifest: dict) -> dict:
    job = manifest.get("job") or {}
    delimiter = job.get("delimiter") or "COMMA"
    character = DELIMITER_NAMES.get(delimiter, delimiter)
    line_ending = job.get("line_ending") if job.get("content_type") != "XML" else None
    profile = manifest.get("profile") if manifest.get("profile") in ("bulk1", "bulk2") else "bulk1"
    return {"delimiter": character if character != "," else None,
            "line_ending": line_ending if profile == "bulk2" else None, "profile": profile}


def record_numbers(ranges) -> np.ndarray:
    """[first, last] ranges as the record numbers they hold, in order."""
    table = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
    lengths = table[:, 1] - table[:, 0] + 1
    if (lengths < 1).any():
        raise UsageError("the manifest holds an empty or reversed record range")
    starts = np.repeat(table[:, 0] - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    return starts + np.arange(int(lengths.sum()), dtype=np.int64)


def _batch_frame(manifest: dict, path: str, batch: dict, index: int) -> pl.DataFrame:
    frame = read_table(path, display=batch["file"], what="batch file", **_read_options(manifest))
    numbers = record_numbers(batch["source_records"])
    if len(numbers) != len(frame):
        raise UsageError(f"{batch['file']} holds {len(frame):,} records, its manifest ranges {len(numbers):,}")
    return frame.with_columns(pl.Series(RECORD, numbers), pl.lit(index, dtype=pl.Int32).alias(BATCH),
                              pl.int_range(0, len(frame), dtype=pl.Int64).alias(POSITION))


def _source_path(manifest: dict, folder: str, missing: str) -> str:
    source = manifest.get("source") or {}
    given = source.get("path")
    beside = os.path.dirname(folder)   # a delta keeps each job's source beside its split folder
    candidates = ([given, os.path.join(beside, given), os.path.join(beside, os.path.basename(given))]
                  if isinstance(given, str) else [])
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            regular_file_size(candidate)
            with open(candidate, "rb") as stream:
                if hashlib.file_digest(stream, "sha256").hexdigest() == source.get("sha256"):
                    return candidate
            raise UsageError(f"{missing} is gone and the source {candidate} changed since the split: the "
                             "uploaded records cannot be read back")
    raise UsageError(f"{missing} is gone and the split's source {given} is not found: the uploaded "
                     "records cannot be read back")


def _source_frame(manifest: dict, source: str, batches: list[dict]) -> pl.DataFrame:
    frame = read_table(source, what="source file", **_read_options(manifest))
    numbers = [record_numbers(batch["source_records"]) for batch in batches]
    owner = np.full(len(frame) + 1, -1, dtype=np.int32)
    position = np.zeros(len(frame) + 1, dtype=np.int64)
    for index, held in enumerate(numbers):
        if len(held) and (held.max() > len(frame) or held.min() < 1):
            raise UsageError(f"the manifest's record ranges pass the end of {source}")
        owner[held] = index
        position[held] = np.arange(len(held))
    return frame.with_columns(pl.int_range(1, len(frame) + 1, dtype=pl.Int64).alias(RECORD),
                              pl.Series(BATCH, owner[1:]), pl.Series(POSITION, position[1:]))
