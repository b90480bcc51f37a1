"""`make_delta`: two snapshots compared by key, the upsert and delete files written and split,
all in a temporary folder renamed into place.

    DIR/manifest.json          the delta: both snapshots (path, size, sha256, records), the key,
                               the counts, the warnings, and the two jobs below
    DIR/Object.upsert.csv      the added and changed records of NEW (its columns), in its order
    DIR/upsert/                that file split for an upsert on the key (manifest.json + batches)
    DIR/Object.delete.csv      the Ids of the records gone from NEW (when OLD has an Id column)
    DIR/delete/                that file split for a delete
    DIR/deleted_keys.csv       the keys gone (and their Ids), always
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import polars as pl

from sfprep.delta.snapshot import FIRST, ID, KEY, NUMBER, SECOND, Snapshot, fingerprint
from sfprep.io.outfolder import OutputFolder
from sfprep.linter.frames import read_frames

MANIFEST = "manifest.json"
MAX_CHANGES = 100_000


@dataclass
class DeltaOutcome:
    out: str
    summary: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class DeltaJob:
    object: str
    key: str
    delimiter: str = ","
    line_ending: str = "LF"
    profile: str = "bulk1"
    max_changes: int = MAX_CHANGES


def make_delta(previous: str, current: str, out: str, job: DeltaJob, split: Callable[..., object],
               overwrite: bool = False) -> DeltaOutcome:
    """`split(path, out, operation=..., external_id=...)` cuts a file into a split folder (the
    caller's split, with its settings) and returns its outcome."""
    read_options = _read_options(job)
    new = fingerprint(current, job.key, None, read_options, with_id=False)
    old = fingerprint(previous, job.key, new.names, read_options, with_id=True)
    added, changed, deleted = compare(old, new)
    warnings = _threshold_warnings(len(changed), len(deleted), job.max_changes, previous, current)
    folder = OutputFolder(out, overwrite, MANIFEST, "delta", keep=(previous, current))
    with folder:
        jobs = {}
        wanted = np.sort(np.concatenate([added, changed]))
        if len(wanted):
            upsert = folder.path(f"{job.object}.upsert.csv")
            _write_records(current, upsert, new.names, wanted, read_options, job)
            outcome = split(upsert, folder.path("upsert"), operation="upsert", external_id=job.key)
            jobs["upsert"] = _job_entry(upsert, "upsert", outcome)
        jobs.update(_write_deletes(folder, deleted, old, job, split, warnings))
        summary = _summary(old, new, job, added, changed, deleted, jobs, warnings)
        folder.write_marker(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        folder.commit()
    return DeltaOutcome(out, summary, warnings)


def compare(old: Snapshot, new: Snapshot) -> tuple[np.ndarray, np.ndarray, pl.DataFrame]:
    """(record numbers in NEW added, and changed; OLD's rows of the keys gone)."""
    joined = new.prints.join(old.prints.select(KEY, FIRST, SECOND), on=KEY, how="left", suffix="_old")
    added = joined.filter(pl.col(f"{FIRST}_old").is_null()).get_column(NUMBER).to_numpy()
    changed = joined.filter(pl.col(f"{FIRST}_old").is_not_null() & ((pl.col(FIRST) != pl.col(f"{FIRST}_old"))
                                                                    | (pl.col(SECOND) != pl.col(f"{SECOND}_old"))))
    deleted = old.prints.join(new.prints.select(KEY), on=KEY, how="anti").sort(NUMBER)
    return added, changed.get_column(NUMBER).to_numpy(), deleted


def _read_options(job: DeltaJob) -> dict:
    if job.delimiter != "," or job.line_ending != "LF" or job.profile == "bulk2":
        return {"delimiter": job.delimiter if job.delimiter != "," else None, "line_ending": None, "profile": "bulk2"}
    return {"profile": "bulk1"}


def _write_records(current: str, path: str, names: list[str], wanted: np.ndarray, read_options: dict,
                   job: DeltaJob) -> None:
    """NEW's records whose numbers are `wanted` (ascending), chunk by chunk, to `path`."""
    terminator = "\r\n" if job.line_ending == "CRLF" else "\n"
    failed: list[OSError] = []
    with open(path, "wb") as stream:
        def on_frame(frame: pl.DataFrame, first: int) -> None:
            lo, hi = np.searchsorted(wanted, [first, first + len(frame)])
            if hi > lo:
                picked = frame.select(pl.all().gather(wanted[lo:hi] - first)) if hi - lo < len(frame) else frame
                try:
                    picked.write_csv(stream, include_header=False, separator=job.delimiter,
                                     line_terminator=terminator, quote_style="necessary")
                except OSError as error:   # the reader would call it a read error of the snapshot
                    failed.append(error)
                    raise _WriteFailed() from None

        pl.DataFrame({name: [] for name in names}, schema={n: pl.String for n in names}).write_csv(
            stream, separator=job.delimiter, line_terminator=terminator, quote_style="necessary")
        try:
            read_frames(current, on_frame, what="snapshot", **read_options)
        except _WriteFailed:
            raise failed[0] from None
        stream.flush()
        os.fsync(stream.fileno())


class _WriteFailed(Exception):
    """The upsert file could not be written (its OSError is raised once the read is left)."""


def _write_deletes(folder, deleted: pl.DataFrame, old: Snapshot, job: DeltaJob, split, warnings) -> dict:
    has_ids = ID in old.prints.columns
    keys = deleted.select(pl.col(KEY).alias(job.key), *([pl.col(ID).alias("Id")] if has_ids else []))
    keys.write_csv(folder.path("deleted_keys.csv"), quote_style="necessary")
    if not len(deleted):
        return {}
    if not has_ids:
        warnings.append(f"{len(deleted):,} record(s) are gone from the current snapshot, but {old.path} has no Id "
                        "column and a delete needs Ids: deleted_keys.csv lists their keys; no delete file written")
        return {}
    path = folder.path(f"{job.object}.delete.csv")
    terminator = "\r\n" if job.line_ending == "CRLF" else "\n"
    keys.select("Id").write_csv(path, separator=job.delimiter, line_terminator=terminator, quote_style="necessary")
    outcome = split(path, folder.path("delete"), operation="delete", external_id=None)
    return {"delete": _job_entry(path, "delete", outcome)}


def _job_entry(path: str, operation: str, outcome) -> dict:
    manifest = outcome.summary
    return {"file": os.path.basename(path), "operation": operation, "records": manifest["totals"]["records"],
            "manifest": f"{operation}/manifest.json", "batches": manifest["totals"]["batches"]}


def _threshold_warnings(changed: int, deleted: int, limit: int, previous: str, current: str) -> list[str]:
    warnings = []
    for count, what in ((changed, "changed"), (deleted, "deleted")):
        if count > limit:
            warnings.append(f"{count:,} records {what} between {previous} and {current} (more than --max-changes "
                            f"{limit:,}): the sign of a broken export; a full load may be the safer choice")
    return warnings


def _summary(old: Snapshot, new: Snapshot, job: DeltaJob, added, changed, deleted, jobs, warnings) -> dict:
    from sfprep import __version__

    return {
        "kind": "delta", "delta_version": 1, "sfprep_version": __version__,
        "previous": _file_facts(old), "current": _file_facts(new), "key": job.key, "object": job.object,
        "counts": {"added": len(added), "changed": len(changed), "deleted": len(deleted),
                   "unchanged": new.records - len(added) - len(changed)},
        "max_changes": job.max_changes, "warnings": warnings, "jobs": jobs,
        "columns_only_in_previous": [name for name in old.names if name not in new.names],
    }


def _file_facts(snapshot: Snapshot) -> dict:
    with open(snapshot.path, "rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    return {"path": snapshot.path, "size": os.path.getsize(snapshot.path), "sha256": digest,
            "records": snapshot.records}
