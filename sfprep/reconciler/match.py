"""Result rows matched to source records, never guessed.

bulk1 results are in request order: row k of a batch's result is record k of that batch.
A result file belongs to the batch whose file stem its name holds, else to the batch at
its position among the bulk1 files given; anything else is ambiguous (UsageError).

bulk2 and Data Loader results come in no particular order and carry only the source
columns that matched a field: they are matched on those columns, normalised as
Salesforce echoes them (names case-insensitively; values with CRLF as LF, surrounding
whitespace trimmed, `#N/A` as empty). Records equal on those columns are matched in
order (source order to the results' file and row order); where such records differ in
the columns that did not come back and their results differ, which is which cannot be
known: those records and rows are reported as ambiguous, not matched.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from sfprep.core.model import UsageError
from sfprep.reconciler.results import CREATED, ERROR, ID, OUTCOME, ROW, ResultFile
from sfprep.reconciler.source import BATCH, POSITION, RECORD, SplitRecords

FILE = "__file"
RANK = "__rank"
KEY, KEY2 = "__key", "__key2"
REPEATED = "__repeated"
OUTCOME_COLUMNS = [RECORD, OUTCOME, ID, CREATED, ERROR, FILE, ROW]


@dataclass
class Matching:
    matched: pl.DataFrame      # OUTCOME_COLUMNS, one row per source record matched
    unmatched: pl.DataFrame    # FILE, ROW, OUTCOME, ID, ERROR, "reason": result rows matched to no record
    ambiguous: int             # records left unmatched because the results could not tell them apart


def assign_batches(results: list[ResultFile], batch_files: list[str]) -> dict[int, int]:
    """result index -> batch index, for every result file that names a batch (by stem) and
    every bulk1 file (by position when none names one); UsageError when ambiguous."""
    stems = [os.path.splitext(name)[0] for name in batch_files]
    patterns = [re.compile(rf"(?<![0-9A-Za-z]){re.escape(stem)}(?![0-9])") for stem in stems]
    named: dict[int, int] = {}
    for index, result in enumerate(results):
        base = os.path.basename(result.path)
        hits = [at for at, pattern in enumerate(patterns) if pattern.search(base)]
        if len(hits) > 1:
            raise UsageError(f"{result.path} names several batches ({', '.join(batch_files[h] for h in hits[:3])}): "
                             "which one it belongs to is ambiguous")
        if hits:
            named[index] = hits[0]
    positional = [index for index, result in enumerate(results) if result.positional]
    unnamed = [index for index in positional if index not in named]
    if unnamed and len(unnamed) != len(positional):
        raise UsageError(f"{results[unnamed[0]].path} names no batch file while other bulk1 results do: "
                         "rename it after its batch (e.g. " + stems[0] + ".result.csv)")
    if unnamed:
        if len(unnamed) > len(batch_files):
            raise UsageError(f"{len(unnamed)} bulk1 result files for {len(batch_files)} batches: "
                             f"{results[unnamed[len(batch_files)]].path} has no batch")
        named.update({index: at for at, index in enumerate(unnamed)})
    owners: dict[int, int] = {}
    for index in positional:
        batch = named[index]
        if batch in owners:
            raise UsageError(f"{results[owners[batch]].path} and {results[index].path} are both results of "
                             f"{batch_files[batch]}: ambiguous")
        owners[batch] = index
    return named


def match_all(records: SplitRecords, results: list[ResultFile], batches: dict[int, int]) -> Matching:
    matched, unmatched, ambiguous = [], [], 0
    for index, result in enumerate(results):
        if result.positional:
            matched.append(_by_position(records, result, index, batches[index]))
    taken = pl.concat(matched).get_column(RECORD) if matched else pl.Series(RECORD, [], dtype=pl.Int64)
    for group in _content_groups(records, results, batches):
        pool = records.frame
        if group.batch is not None:
            pool = pool.filter(pl.col(BATCH) == group.batch)
        pool = pool.filter(~pl.col(RECORD).is_in(taken.implode()))
        found, left, unsure = _by_content(pool, records.names, group)
        matched.append(found)
        unmatched.append(left)
        ambiguous += unsure
        taken = pl.concat([taken, found.get_column(RECORD)])
    empty = pl.DataFrame(schema={FILE: pl.Int32, ROW: pl.Int64, OUTCOME: pl.String, ID: pl.String,
                                 ERROR: pl.String, "reason": pl.String})
    return Matching(pl.concat(matched) if matched else _no_outcomes(),
                    pl.concat(unmatched) if unmatched else empty, ambiguous)


def _no_outcomes() -> pl.DataFrame:
    return pl.DataFrame(schema={RECORD: pl.Int64, OUTCOME: pl.String, ID: pl.String, CREATED: pl.Boolean,
                                ERROR: pl.String, FILE: pl.Int32, ROW: pl.Int64})


def _by_position(records: SplitRecords, result: ResultFile, index: int, batch: int) -> pl.DataFrame:
    held = records.frame.filter(pl.col(BATCH) == batch).sort(POSITION)
    name = records.batch_names[batch]
    if len(held) != len(result.frame):
        raise UsageError(f"{result.path} has {len(result.frame):,} result rows but {name} holds "
                         f"{len(held):,} records: it is not that batch's result")
    return pl.concat([held.select(RECORD), result.frame.select(OUTCOME, ID, CREATED, ERROR, ROW)],
                     how="horizontal").with_columns(pl.lit(index, dtype=pl.Int32).alias(FILE)).select(OUTCOME_COLUMNS)


@dataclass
class _Group:
    batch: int | None
    keys: list[str]            # the source columns matched on
    frame: pl.DataFrame        # the results' rows: OUTCOME, ID, CREATED, ERROR, ROW, FILE and the keys


def _content_groups(records: SplitRecords, results: list[ResultFile], batches: dict[int, int]) -> list[_Group]:
    """The content results by (batch they name, source columns they carry), their columns
    renamed to the source's names."""
    by_lower = {name.lower(): name for name in records.names}
    groups: dict[tuple, list[pl.DataFrame]] = {}
    for index, result in enumerate(results):
        if result.positional:
            continue
        renames = {}
        for column in result.columns:
            source = by_lower.get(column.strip().lower())
            if source is None:
                raise UsageError(f"{result.path}: column {column!r} is not a column of the split's source: "
                                 "results of another load?")
            renames[column] = source
        frame = result.frame.rename(renames).with_columns(pl.lit(index, dtype=pl.Int32).alias(FILE))
        keys = tuple(sorted(renames.values(), key=records.names.index))
        groups.setdefault((batches.get(index), keys), []).append(frame)
    return [_Group(batch, list(keys), pl.concat(frames, how="diagonal_relaxed"))
            for (batch, keys), frames in groups.items()]


def _normalised(column: str) -> pl.Expr:
    text = pl.col(column).fill_null("").str.replace_all("\r\n", "\n", literal=True).str.strip_chars()
    return pl.when(text == "#N/A").then(pl.lit("")).otherwise(text)


def _keyed(frame: pl.DataFrame, keys: list[str], value) -> pl.DataFrame:
    """KEY and KEY2 (two 64-bit hashes of the keys' values, as given or as `value` gives them: 128 bits,
    no collision to fear), REPEATED (another row has the same keys) and RANK, the row's
    place among the rows with the same keys in the frame's order (source order; the
    results' file and row order), counted only where keys repeat: most keys are unique."""
    if value is None:   # as given: hashed where they are
        frame = frame.with_columns(pl.struct(keys).hash(seed=7).alias(KEY), pl.struct(keys).hash(seed=8).alias(KEY2))
    else:
        normal = [f"__n{at}" for at in range(len(keys))]
        frame = frame.with_columns([value(key).alias(name) for key, name in zip(keys, normal)])
        frame = frame.with_columns(pl.struct(normal).hash(seed=7).alias(KEY),
                                   pl.struct(normal).hash(seed=8).alias(KEY2)).drop(normal)
    repeated = frame.select(pl.struct(KEY, KEY2).is_duplicated()).to_series().to_numpy()
    ranks = np.zeros(len(frame), dtype=np.int64)
    if repeated.any():
        at = np.flatnonzero(repeated)
        subset = frame.select(KEY, KEY2)[at]
        ranks[at] = subset.select(pl.int_range(pl.len(), dtype=pl.Int64).over(KEY, KEY2)).to_series().to_numpy()
    return frame.with_columns(pl.Series(RANK, ranks), pl.Series(REPEATED, repeated))


def _by_content(pool: pl.DataFrame, names: list[str], group: _Group) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Two rounds: the values exactly as given (the usual case, and cheap), then what is left
    with the values normalised as Salesforce echoes them."""
    rows = group.frame.select(OUTCOME, ID, CREATED, ERROR, FILE, ROW, *group.keys)
    if not group.keys:
        return _no_outcomes(), _unmatched(rows, "it carries no source column to match on"), 0
    pool = pool.select(*names, RECORD)
    exact, rows, _ = _match_round(pool, names, rows, group.keys, None)
    if not len(rows):
        return exact, _unmatched(rows, ""), 0
    pool = pool.join(exact.select(RECORD), on=RECORD, how="anti")
    normalised, rows, unsure = _match_round(pool, names, rows, group.keys, _normalised)
    keyed = _keyed(rows, group.keys, _normalised) if len(unsure) else rows   # KEY: only to find the doubtful
    doubtful = pl.col(KEY).is_in(unsure.get_column(KEY).implode()) if len(unsure) else pl.lit(False)
    unmatched = pl.concat([
        _unmatched(keyed.filter(~doubtful), "no source record has these values"),
        _unmatched(keyed.filter(doubtful), "several source records have these values and differ in columns the "
                   "result does not carry"),
    ])
    return pl.concat([exact, normalised]), unmatched, int(unsure.get_column("__records").sum()) if len(unsure) else 0


def _match_round(pool: pl.DataFrame, names: list[str], rows: pl.DataFrame, keys: list[str], value):
    """(the matches, the result rows left, the ambiguous keys with the records they hold)."""
    sources = _keyed(pool, keys, value)
    results = _keyed(rows, keys, value).with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("__at"))
    joined = sources.select(RECORD, KEY, KEY2, RANK, REPEATED).join(
        results.select(OUTCOME, ID, CREATED, ERROR, FILE, ROW, KEY, KEY2, RANK, "__at"), on=[KEY, KEY2, RANK],
        how="inner")
    unsure = _ambiguous_keys(sources, names, joined)
    found = joined.filter(~pl.col(KEY).is_in(unsure.get_column(KEY).implode())) if len(unsure) else joined
    taken = np.zeros(len(rows), dtype=bool)
    taken[found.get_column("__at").to_numpy()] = True
    left = rows.filter(pl.Series(~taken))
    return found.select(OUTCOME_COLUMNS), left, unsure


def _ambiguous_keys(sources: pl.DataFrame, names: list[str], joined: pl.DataFrame) -> pl.DataFrame:
    """The keys (KEY, and "__records" matched under each) whose source records differ in full
    while their results differ too; only keys that repeat can be such."""
    repeated = sources.filter(pl.col(REPEATED))
    empty = pl.DataFrame(schema={KEY: pl.UInt64, "__records": pl.UInt32})
    if not len(repeated):
        return empty
    whole = repeated.select(KEY, pl.struct(names).hash(seed=11).alias("__whole"))
    varied = whole.group_by(KEY).agg(pl.col("__whole").n_unique().alias("__n")).filter(pl.col("__n") > 1)
    if not len(varied):
        return empty
    return (joined.filter(pl.col(KEY).is_in(varied.get_column(KEY).implode()))
            .group_by(KEY).agg(pl.struct(OUTCOME, ID, ERROR).hash(seed=13).n_unique().alias("__n"),
                               pl.len().cast(pl.UInt32).alias("__records"))
            .filter(pl.col("__n") > 1).select(KEY, "__records"))


def _unmatched(rows: pl.DataFrame, reason: str) -> pl.DataFrame:
    return rows.select(pl.col(FILE).cast(pl.Int32), ROW, OUTCOME, ID, ERROR, pl.lit(reason).alias("reason"))
