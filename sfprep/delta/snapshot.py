"""One snapshot reduced to what a comparison needs, chunk by chunk in bounded memory: per
record its key, a 128-bit fingerprint of its values (two 64-bit hashes), its record number
and, for the previous snapshot, its Id. A 1 GB export becomes a few tens of MB."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sfprep.core.model import UsageError
from sfprep.linter.frames import read_frames

KEY, FIRST, SECOND, NUMBER, ID = "__key", "__h1", "__h2", "__number", "__id"
SHOWN = 5


@dataclass
class Snapshot:
    path: str
    names: list[str]
    prints: pl.DataFrame      # KEY, FIRST, SECOND, NUMBER (and ID when the file has an Id column)

    @property
    def records(self) -> int:
        return len(self.prints)


def fingerprint(path: str, key: str, compared: list[str] | None, read_options: dict, with_id: bool) -> Snapshot:
    """`compared`: the columns whose values make the fingerprint, in order (a column the file
    lacks counts as empty); None: the file's own columns."""
    parts: list[pl.DataFrame] = []
    state: dict = {}

    def on_frame(frame: pl.DataFrame, first: int) -> None:
        if "columns" not in state:
            state["columns"] = _columns(path, frame.columns, key, compared)
        columns = state["columns"]
        values = pl.struct([pl.col(c) if c in frame.columns else pl.lit("").alias(c) for c in columns])
        # the frame's strings are views of the chunk's bytes: copied, or every chunk would stay in memory
        selected = [_copied(key).alias(KEY), values.hash(seed=1).alias(FIRST), values.hash(seed=2).alias(SECOND),
                    pl.int_range(first, first + pl.len(), dtype=pl.Int64).alias(NUMBER)]
        id_column = _id_column(frame.columns) if with_id else None
        if id_column is not None:
            selected.append(_copied(id_column).alias(ID))
        parts.append(frame.select(selected))

    names = read_frames(path, on_frame, what="snapshot", **read_options)
    _columns(path, names, key, compared)   # a file without records names its columns here
    prints = pl.concat(parts, rechunk=False) if parts else pl.DataFrame(schema={KEY: pl.String, FIRST: pl.UInt64,
                                                                 SECOND: pl.UInt64, NUMBER: pl.Int64})
    _check_keys(path, key, prints)
    return Snapshot(path, names, prints)


def _copied(column: str) -> pl.Expr:
    return pl.concat_str([pl.col(column), pl.lit("")])


def _columns(path: str, names: list[str], key: str, compared: list[str] | None) -> list[str]:
    if key not in names:
        raise UsageError(f"{path}: has no column {key} (--key): its columns are {', '.join(names[:8])}")
    return list(names) if compared is None else compared


def _id_column(names: list[str]) -> str | None:
    return next((name for name in names if name.lower() == "id"), None)


def _check_keys(path: str, key: str, prints: pl.DataFrame) -> None:
    empty = prints.filter(pl.col(KEY).str.strip_chars() == "").get_column(NUMBER)
    if len(empty):
        raise UsageError(f"{path}: {len(empty):,} record(s) have no {key}: record {_listed(empty.to_list())}; "
                         "a record without its key cannot be compared")
    repeated = prints.filter(pl.col(KEY).is_duplicated())
    if len(repeated):
        keys = repeated.group_by(KEY, maintain_order=True).agg(pl.col(NUMBER)).head(SHOWN)
        named = "; ".join(f"{k!r} at records {', '.join(f'{n:,}' for n in numbers[:3])}"
                          for k, numbers in keys.iter_rows())
        count = repeated.get_column(KEY).n_unique()
        raise UsageError(f"{path}: {count:,} duplicate {key} value(s): {named}" +
                         (f" and {count - SHOWN:,} more" if count > SHOWN else ""))


def _listed(numbers: list[int]) -> str:
    return ", ".join(f"{n:,}" for n in numbers[:SHOWN]) + (f" and {len(numbers) - SHOWN:,} more"
                                                           if len(numbers) > SHOWN else "")
