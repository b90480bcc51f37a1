"""`--group-by FIELD`: every record with the same parent key in one batch (parallel batches
that touch one parent fail with UNABLE_TO_LOCK_ROW), in two streaming passes.

Pass 1 (with the lint) learns each key's records, bytes and characters as 64-bit hashes in
sorted numpy runs (GroupSizes: memory by distinct keys, never by records). The plan packs
the groups: the large ones first-fit by size, the others in file order into the room left
and then into new batches. A group larger than a batch alone is cut into batches of its own,
in file order (the manifest lists it). Pass 2 reads the file again and sends each record to
its group's batch. A record with no key (empty, `#N/A`) locks no parent: those fill batches
of their own, in file order.

Keys are compared as Salesforce compares Ids: an 18-character Id is its 15-character form.
Two keys whose hashes collide share a batch, which is harmless.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sfprep.core.model import UsageError
from sfprep.plan.batches import BatchPlanner

LARGE = 8   # a group over 1/LARGE of a batch is placed first, by first fit


def key_column(names: list[str], wanted: str) -> int:
    """The header column --group-by names (exactly, else ignoring case, as Salesforce does)."""
    if wanted in names:
        return names.index(wanted)
    folded = [index for index, name in enumerate(names) if name.lower() == wanted.lower()]
    if len(folded) == 1:
        return folded[0]
    shown = ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
    raise UsageError(f"--group-by {wanted}: no such column in the header ({shown})")


def key_hashes(chunk, records: np.ndarray, column: int, utf8_known: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(64-bit hash of each record's key, whether it has one)."""
    import polars as pl

    from sfprep.io.csv.frame import values_of

    values = values_of(chunk, chunk.record_first_field[records] + column, utf8_known)
    frame = pl.DataFrame({"v": values}).select(
        pl.when((pl.col("v").str.len_bytes() == 18) & pl.col("v").str.contains(r"^[0-9A-Za-z]{18}$"))
        .then(pl.col("v").str.slice(0, 15)).otherwise(pl.col("v")).hash(seed=0x5F5).alias("h"),
        ((pl.col("v") != "") & (pl.col("v") != "#N/A")).alias("keyed"))
    return frame["h"].to_numpy(), frame["keyed"].to_numpy()


@dataclass
class Run:
    """Groups sorted by hash, with their totals and first record."""

    hashes: np.ndarray
    records: np.ndarray
    bytes: np.ndarray
    characters: np.ndarray
    first: np.ndarray

    @staticmethod
    def of(hashes, records, sizes, characters, first) -> "Run":
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]]) if len(hashes) else np.empty(0, np.int64)
        return Run(hashes[starts], np.add.reduceat(records[order], starts) if len(starts) else records[:0],
                   np.add.reduceat(sizes[order], starts) if len(starts) else sizes[:0],
                   np.add.reduceat(characters[order], starts) if len(starts) else characters[:0],
                   np.minimum.reduceat(first[order], starts) if len(starts) else first[:0])

    def merged(self, other: "Run") -> "Run":
        return Run.of(*(np.concatenate([a, b]) for a, b in zip(self.columns(), other.columns())))

    def columns(self):
        return self.hashes, self.records, self.bytes, self.characters, self.first


@dataclass
class GroupSizes:
    """Pass 1's tally of the groups, merged like an LSM tree: a new run is folded into the one
    before it once it is at least half its size."""

    runs: list[Run] = field(default_factory=list)
    free_records: int = 0

    def add(self, hashes, keyed, sizes, characters, numbers) -> None:
        self.free_records += int(np.count_nonzero(~keyed))
        if not keyed.any():
            return
        ones = np.ones(int(keyed.sum()), dtype=np.int64)
        self.runs.append(Run.of(hashes[keyed], ones, sizes[keyed], characters[keyed], numbers[keyed]))
        while len(self.runs) > 1 and len(self.runs[-1].hashes) * 2 >= len(self.runs[-2].hashes):
            last = self.runs.pop()
            self.runs[-1] = self.runs[-1].merged(last)

    def total(self) -> Run:
        empty = np.empty(0, dtype=np.int64)
        whole = Run(np.empty(0, dtype=np.uint64), empty, empty, empty, empty)
        for run in self.runs:
            whole = whole.merged(run)
        return whole


@dataclass
class Room:
    """What one batch may hold besides the header: records, bytes, characters (None: no limit)."""

    records: int | None
    bytes: int | None
    characters: int | None

    def exceeded(self, records, sizes, characters) -> np.ndarray:
        over = np.zeros(len(records), dtype=bool)
        for limit, values in ((self.records, records), (self.bytes, sizes), (self.characters, characters)):
            if limit:
                over |= values > limit
        return over

    def share(self, records, sizes, characters) -> np.ndarray:
        """Each group's largest share of a batch, over the limits."""
        share = np.zeros(len(records), dtype=np.float64)
        for limit, values in ((self.records, records), (self.bytes, sizes), (self.characters, characters)):
            if limit:
                share = np.maximum(share, values / limit)
        return share


@dataclass
class GroupPlan:
    hashes: np.ndarray        # the groups, sorted by hash
    batch: np.ndarray         # each group's planned batch, -1 for a group larger than a batch
    planned_records: np.ndarray   # records of each planned batch
    oversized: np.ndarray     # indices of the groups larger than a batch
    oversized_records: np.ndarray

    @property
    def planned(self) -> int:
        return len(self.planned_records)


def plan_groups(groups: Run, room: Room) -> GroupPlan:
    records, sizes, characters = groups.records, groups.bytes, groups.characters
    oversized = room.exceeded(records, sizes, characters)
    share = room.share(records, sizes, characters)
    batch = np.full(len(records), -1, dtype=np.int64)
    bins = _Bins(room)
    large = np.flatnonzero(~oversized & (share > 1 / LARGE))
    for group in large[np.argsort(-share[large], kind="stable")].tolist():
        batch[group] = bins.first_fit(int(records[group]), int(sizes[group]), int(characters[group]))
    small = np.flatnonzero(~oversized & (share <= 1 / LARGE))
    small = small[np.argsort(groups.first[small], kind="stable")]
    batch[small] = bins.fill_in_order(records[small], sizes[small], characters[small])
    over = np.flatnonzero(oversized)
    return GroupPlan(groups.hashes, batch, bins.used_records(), over, records[over])


class _Bins:
    """The planned batches' room left, grown as groups need new ones."""

    def __init__(self, room: Room):
        self.room = room
        self.records: list[int] = []
        self.bytes: list[int] = []
        self.characters: list[int] = []

    def first_fit(self, records: int, size: int, characters: int) -> int:
        fits = np.ones(len(self.records), dtype=bool)
        for limit, used, need in self._dimensions(records, size, characters):
            if limit:
                fits &= np.asarray(used, dtype=np.int64) + need <= limit
        hits = np.flatnonzero(fits)
        index = int(hits[0]) if len(hits) else self._new()
        self._take(index, records, size, characters)
        return index

    def fill_in_order(self, records: np.ndarray, sizes: np.ndarray, characters: np.ndarray) -> np.ndarray:
        """Groups in order into the existing batches' room, then into new batches: each batch
        takes the longest run of the next groups that fits (a cumsum and a search per batch)."""
        assigned = np.empty(len(records), dtype=np.int64)
        totals = [np.cumsum(values, dtype=np.int64) for values in (records, sizes, characters)]
        start, index = 0, 0
        while start < len(records):
            if index == len(self.records):
                self._new()
            end = len(records)
            for limit, used, cumulative in zip((self.room.records, self.room.bytes, self.room.characters),
                                               (self.records, self.bytes, self.characters), totals):
                if limit:
                    before = int(cumulative[start - 1]) if start else 0
                    end = min(end, int(np.searchsorted(cumulative, before + limit - used[index], side="right")))
            if end > start:
                assigned[start:end] = index
                self._take(index, *(int(c[end - 1] - (c[start - 1] if start else 0)) for c in totals))
                start = end
            index += 1
        return assigned

    def used_records(self) -> np.ndarray:
        return np.array(self.records, dtype=np.int64)

    def _dimensions(self, records, size, characters):
        return ((self.room.records, self.records, records), (self.room.bytes, self.bytes, size),
                (self.room.characters, self.characters, characters))

    def _new(self) -> int:
        for used in (self.records, self.bytes, self.characters):
            used.append(0)
        return len(self.records) - 1

    def _take(self, index: int, records: int, size: int, characters: int) -> None:
        self.records[index] += records
        self.bytes[index] += size
        self.characters[index] += characters


class Assigner:
    """Pass 2: each record's batch. Planned batches are numbered 0..planned-1; the batches of
    a group larger than a batch, and of the records with no key, are numbered on from there
    as they open (their records packed in order, as a plain split packs them)."""

    def __init__(self, plan: GroupPlan, new_planner):
        self.plan = plan
        self.new_planner = new_planner
        self.next_number = plan.planned
        self.sequences: dict[int, list] = {}   # oversized group (or -1: no key) -> [planner, its open batch]
        self.left = plan.planned_records.copy()    # records each planned batch still awaits
        self.group_batches: dict[int, list[int]] = {}   # oversized group -> its batches, in order

    def batches_of(self, hashes, keyed, sizes, characters) -> tuple[np.ndarray, list[int]]:
        """Each record's batch, and the batches these records completed."""
        groups = np.searchsorted(self.plan.hashes, hashes)
        groups = np.minimum(groups, max(len(self.plan.hashes) - 1, 0))
        if keyed.any() and (not len(self.plan.hashes) or (self.plan.hashes[groups[keyed]] != hashes[keyed]).any()):
            raise UsageError("the source changed between the two passes of --group-by; nothing was written")
        numbers = np.where(keyed, self.plan.batch[groups] if len(self.plan.hashes) else -1, -1)
        completed: list[int] = []
        sequenced = np.flatnonzero(numbers < 0)
        if len(sequenced):
            owners = np.where(keyed[sequenced], groups[sequenced], -1)
            for owner in np.unique(owners).tolist():
                mine = sequenced[owners == owner]
                numbers[mine] = self._sequence(owner, sizes[mine], characters[mine], completed)
        planned = numbers[numbers < self.plan.planned]
        if len(planned):
            touched, counts = np.unique(planned, return_counts=True)
            self.left[touched] -= counts
            completed.extend(touched[self.left[touched] == 0].tolist())
        return numbers, completed

    def _sequence(self, owner: int, sizes, characters, completed: list[int]) -> np.ndarray:
        if owner not in self.sequences:
            self.sequences[owner] = [self.new_planner(), None]
        state = self.sequences[owner]
        planner: BatchPlanner = state[0]
        opens = planner.add(sizes, characters)
        numbers = np.empty(len(sizes), dtype=np.int64)
        bounds = np.r_[opens, len(sizes)]
        if not len(opens) or opens[0] != 0:
            numbers[:bounds[0]] = state[1]
        for k, start in enumerate(opens.tolist()):
            if state[1] is not None:
                completed.append(state[1])
            state[1] = self.next_number
            self.next_number += 1
            if owner >= 0:
                self.group_batches.setdefault(owner, []).append(state[1])
            numbers[start:int(bounds[k + 1])] = state[1]
        return numbers
