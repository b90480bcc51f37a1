"""One file's findings in file order (FindingStore), as frames of core/batch.py's schema,
held in memory up to a budget and spilled to a temporary folder past it, so memory does not
grow with the number of findings; the counts a summary needs are kept as findings arrive."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from typing import Iterable, Iterator

from sfprep.core.batch import NO_FIX, frame_of, schema, stamped_rows
from sfprep.core.model import Applicability, StampedFinding

SPILL_BYTES = 32 << 20   # in-memory frames of one file past this go to disk
FEW_MESSAGES = 1000  # a frame with no more distinct messages than this keeps them dictionary-encoded


SORT_BY = ("line", "column", "code")


def _sorted(frame):
    """The frame in file order (a batch usually is already: then it is not copied)."""
    import numpy as np
    import polars as pl

    lines = frame.get_column("line").fill_null(0).to_numpy()
    if frame.get_column("code").n_unique() == 1 and (np.diff(lines) > 0).all():
        return frame  # one rule, one finding a line, lines rising: in order already
    return frame.sort([pl.col("line").fill_null(0), pl.col("column").fill_null(0), "code"], maintain_order=True)


class FindingStore:
    """One file's findings in file order (line, column, code), as frames.

    Findings arrive in buckets, one per scanned chunk: a bucket is sorted when it closes,
    and the buckets' lines rise with the chunks. Findings that arrive later than their
    place (end-of-file rules, or a line before the last closed bucket's) wait in `late`
    and are merged in when read. A bucket holds Python findings as they come; it becomes
    a frame only when it has a batch, or many findings."""

    def __init__(self, path: str, budget: int = SPILL_BYTES):
        self.path = path
        self.budget = budget
        self.counts: Counter = Counter()      # (code, severity, applicability, field) -> findings
        self.rule_names: dict[str, str] = {}  # code -> rule name, for the StampedFindings made from frames
        self._open: dict[int, list] = {}       # bucket -> StampedFindings and frames
        self._closed: list = []                # sorted frames or lists, in bucket order
        self._late: list = []
        self._max_line = 0                     # the highest line of a closed bucket
        self._in_memory = 0
        self._spilled: list[str] = []          # files of closed frames, in order, before _closed
        self._spill_dir: str | None = None
        self._withdrawn: list[tuple[str, str, str, str | None]] = []  # (code, field, note, hint)

    # --- adding ---------------------------------------------------------------------------
    def add(self, item, bucket: int | None) -> None:
        """A StampedFinding or a stamped frame, for `bucket` (None: the end of the file)."""
        self._count(item)
        if isinstance(item, StampedFinding):
            self.rule_names[item.code] = item.rule_name
        else:
            item = _compact(item)
        if bucket is None:
            self._late.append(item)
        else:
            self._open.setdefault(bucket, []).append(item)

    def close(self, bucket: int) -> None:
        """The bucket is complete: sort it and keep it (or what of it arrived late)."""
        items = self._open.pop(bucket, None)
        if not items:
            return
        merged = _merge(items)
        lowest = _lowest_line(merged)
        if lowest is not None and lowest < self._max_line:
            self._late.append(merged)
            return
        self._max_line = max(self._max_line, _highest_line(merged))
        self._closed.append(merged)
        self._in_memory += _size(merged)
        if self._in_memory > self.budget or _size(merged) > self.budget // 4:
            self._spill()

    def finish(self) -> None:
        for bucket in sorted(self._open):
            self.close(bucket)
        self._late = [_merge(self._late)] if self._late else []

    def withdraw(self, code: str, field_name: str, note: str, hint: str | None) -> None:
        """Take the fixes off every finding of `code` in `field_name`, adding `note` to their
        messages and `hint` (an all-or-nothing column with a value its fix cannot read)."""
        self._withdrawn.append((code, field_name, note, hint))
        for key in [k for k in self.counts if k[0] == code and k[3] == field_name and k[2] != NO_FIX]:
            self.counts[(code, key[1], NO_FIX, field_name)] += self.counts.pop(key)

    def codes(self) -> set[str]:
        return {key[0] for key in self.counts}

    def _count(self, item) -> None:
        if isinstance(item, StampedFinding):
            fix = item.finding.fix
            applicability = NO_FIX if fix is None else int(fix.applicability)
            self.counts[(item.code, int(item.severity), applicability, item.finding.field)] += 1
            return
        grouped = item.group_by(["code", "severity", "applicability", "field"]).len()
        for code, severity, applicability, field_name, count in grouped.iter_rows():
            self.counts[(code, severity, NO_FIX if applicability is None else applicability, field_name)] += count

    # --- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return sum(self.counts.values())

    def __bool__(self) -> bool:
        return bool(self.counts)

    def __iter__(self) -> Iterator[StampedFinding]:
        for part in self._parts():
            if isinstance(part, list):
                yield from (self._as_withdrawn(stamped) for stamped in part) if self._withdrawn else part
            else:
                yield from stamped_rows(self._frame_withdrawn(part), self.path, self.rule_names)

    def frames(self):
        """The findings as frames of the schema, in file order."""
        for part in self._parts():
            yield self._frame_withdrawn(frame_of(part) if isinstance(part, list) else part)

    def pieces(self):
        """The findings in file order, piece by piece: a list of StampedFindings where there are
        few, a frame of the schema where there are many (what renderers of many findings want)."""
        for part in self._parts():
            if isinstance(part, list):
                yield [self._as_withdrawn(stamped) for stamped in part] if self._withdrawn else part
            else:
                yield self._frame_withdrawn(part)

    def with_fixes(self, threshold: Applicability, codes: set[str] | None = None) -> Iterator[StampedFinding]:
        """The findings (of these codes) whose fix meets the threshold, in file order; frames
        are filtered before any row becomes an object."""
        import polars as pl

        for piece in self.pieces():
            if isinstance(piece, list):
                yield from (s for s in piece if s.finding.fix is not None and s.finding.fix.applicability >= threshold
                            and (codes is None or s.code in codes))
                continue
            kept = pl.col("applicability").fill_null(NO_FIX) >= int(threshold)
            if codes is not None:
                kept &= pl.col("code").is_in(sorted(codes))
            yield from stamped_rows(piece.filter(kept), self.path, self.rule_names)

    def _as_withdrawn(self, stamped: StampedFinding) -> StampedFinding:
        import dataclasses

        f = stamped.finding
        for code, field_name, note, hint in self._withdrawn:
            if f.code == code and f.field == field_name and f.fix is not None:
                changed = dataclasses.replace(f, fix=None, message=f.message + note, hint=hint)
                return dataclasses.replace(stamped, finding=changed)
        return stamped

    def _frame_withdrawn(self, frame):
        import polars as pl

        for code, field_name, note, hint in self._withdrawn:
            hit = (pl.col("code") == code) & (pl.col("field") == field_name) & pl.col("applicability").is_not_null()
            frame = frame.with_columns(
                pl.when(hit).then(pl.col("message") + pl.lit(note)).otherwise(pl.col("message")).alias("message"),
                pl.when(hit).then(pl.lit(hint, pl.String)).otherwise(pl.col("hint")).alias("hint"),
                *(pl.when(hit).then(pl.lit(None, dtype)).otherwise(pl.col(name)).alias(name)
                  for name, dtype in (("applicability", pl.UInt8), ("description", pl.String),
                                      ("edits", schema()["edits"]))))
        return frame

    def _parts(self):
        """Sorted lists and frames in file order, the late findings merged in by line."""
        late = self._late[0] if self._late else None
        for part in self._stored():
            if late is not None and _count_of(late):
                upto = _highest_line(part)
                before, late = _split_at_line(late, upto)
                if before is not None and _count_of(before):
                    part = _merge([part, before])
            yield part
        if late is not None and _count_of(late):
            yield late

    def _stored(self):
        import polars as pl

        for path in self._spilled:
            yield pl.read_ipc(path)
        yield from self._closed

    def _spill(self) -> None:
        if self._spill_dir is None:
            self._spill_dir = tempfile.mkdtemp(prefix="sfprep-findings-")
        for part in self._closed:
            frame = frame_of(part) if isinstance(part, list) else part
            path = os.path.join(self._spill_dir, f"{len(self._spilled):06d}.arrow")
            frame.write_ipc(path, compression="zstd")
            self._spilled.append(path)
        self._closed, self._in_memory = [], 0

    def discard(self) -> None:
        """Remove the spilled files (the store is not read after)."""
        if self._spill_dir is not None:
            shutil.rmtree(self._spill_dir, ignore_errors=True)
            self._spill_dir, self._spilled = None, []

    def __del__(self):
        self.discard()

    def replace_all(self, findings: Iterable[StampedFinding]) -> None:
        """Replace the contents by these findings, already in file order."""
        self.discard()
        kept = list(findings)
        self.counts = Counter()
        for stamped in kept:
            self._count(stamped)
        self._open, self._late, self._closed, self._in_memory = {}, [], [kept] if kept else [], 0
        self._withdrawn = []


LIST_LIMIT = 2000  # a bucket of more Python findings than this is kept as a frame


def _merge(items: list):
    """One sorted part from findings and frames: a list while it is only a few findings."""
    frames = [item for item in items if not isinstance(item, (StampedFinding, list))]
    singles = [item for item in items if isinstance(item, StampedFinding)]
    for item in items:
        if isinstance(item, list):
            singles.extend(item)
    if not frames and len(singles) <= LIST_LIMIT:
        return sorted(singles, key=lambda s: (s.finding.line or 0, s.finding.column or 0, s.code))
    import polars as pl

    if singles:
        frames.append(frame_of(singles))
    return _sorted(pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0])


def _compact(frame):
    """The frame with its messages dictionary-encoded where they repeat (`record has 3
    fields, the header has 20` a million times is kept once)."""
    import polars as pl

    messages = frame.get_column("message")
    if messages.dtype == pl.String and frame.height > FEW_MESSAGES and messages.n_unique() <= FEW_MESSAGES:
        return frame.with_columns(messages.cast(pl.Categorical))
    return frame


def _count_of(part) -> int:
    return len(part) if isinstance(part, list) else part.height


def _lowest_line(part) -> int | None:
    if isinstance(part, list):
        return part[0].finding.line or 0 if part else None
    return int(part.get_column("line").fill_null(0).min()) if part.height else None


def _highest_line(part) -> int:
    if isinstance(part, list):
        return max((s.finding.line or 0 for s in part), default=0)
    return int(part.get_column("line").fill_null(0).max() or 0) if part.height else 0


def _split_at_line(part, upto: int):
    """(the findings of `part` at lines <= upto, the rest), `part` being sorted."""
    if isinstance(part, list):
        cut = next((i for i, s in enumerate(part) if (s.finding.line or 0) > upto), len(part))
        return part[:cut], part[cut:]
    lines = part.get_column("line").fill_null(0).to_numpy()
    import numpy as np

    cut = int(np.searchsorted(lines, upto, side="right"))
    return part[:cut], part[cut:]


def _size(part) -> int:
    return len(part) * 400 if isinstance(part, list) else int(part.estimated_size())
