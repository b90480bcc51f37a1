"""V010 and V015: record Ids well formed, keys not repeated within the file."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sfprep.core.batch import batch
from sfprep.io.csv import flags as facts
from sfprep.linter.checks import CellCheck, FrameCheck, show_expr
from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.values.common import has, present, typed
from sfprep.salesforce.ids import id15_expr

if TYPE_CHECKING:
    from sfprep.plan.keys import FirstSeen


@rule("V010", "malformed-record-id", "E", scope=Scope.VALUES)
def malformed_record_id(ctx):
    """Malformed Salesforce record Id.

    ## What it checks
    Values of `Id` and of Id-valued lookup columns (describe type `id` or `reference`;
    without describe, `Id` and columns named `*Id`, in any case: `ID`, `ACCOUNTID`; not
    snake-case `*_id`, nor `UUID`, `Paid`, `Valid`) are 15 or 18 letters and digits, and an
    18-character Id's last three characters match its case-safe checksum.

    ## Why it matters
    A truncated or case-mangled Id (Excel upper-cases, trims or turns them into numbers)
    fails the row with "invalid cross reference id", or worse, points at another record:
    15-character Ids are case-sensitive.

    ## Example
    `AccountId` / `001D000000IRFma` `001D000000IRFmaIAA` (wrong checksum)

    ## Use instead
    `AccountId` / `001D000000IRFmaIAH` (the Id as Salesforce exported it)

    ## Fix
    None: a wrong Id cannot be recovered.
    """
    columns = typed(ctx, "id", "reference")
    yield CellCheck("V010", columns, facts=lambda f: present(f) & ~has(f, facts.ID_SHAPE),
                    message="{value} in {field} is not a 15- or 18-character record Id")
    yield CellCheck("V010", columns, facts=lambda f: has(f, facts.ID_SHAPE) & ~has(f, facts.ID_CHECKSUM),
                    message="{value} in {field}: the last 3 characters do not match the Id's checksum")


@dataclass
class SeenKeys:
    first_seen: FirstSeen | None = None   # made with the first frame (numpy is imported then)


@rule("V015", "duplicate-key", "E", scope=Scope.VALUES, state=SeenKeys)
def duplicate_key(ctx):
    """Duplicate key within the file.

    ## What it checks
    That no `Id` repeats in an update or delete, and no external id repeats in an
    upsert. Every repeat is reported with the line of the first. Empty keys are not
    compared. Ids are compared in their 15-character form, with case; external ids without
    case (`C-2` repeats `c-2`), as Salesforce matches them, unless the describe says the
    field is `caseSensitive`. Keys are remembered as 64-bit hashes in sorted numpy runs (16 bytes a distinct
    key), so memory stays small on huge files.

    ## Why it matters
    Two rows for one record in one job: in Bulk API 1.0 parallel batches they race and
    lock ("UNABLE_TO_LOCK_ROW"); in one batch the later silently wins ("Duplicate Id
    specified" for updates).

    ## Example
    `Id,Phone` / `001...AAA,555-0100` / `001...AAA,555-0199`

    ## Use instead
    One row per record, holding the final values.

    ## Fix
    None: which row is right is yours to decide.
    """
    key = _duplicate_key_column(ctx)
    if key is not None:
        yield FrameCheck("V015", (key,), lambda values, ctx: _repeats(values, ctx, key))


def _repeats(values, ctx, key):
    """The batch of this frame's keys seen before (in this frame or an earlier one)."""
    import numpy as np
    import polars as pl

    from sfprep.plan.keys import FirstSeen

    seen = ctx.state(SeenKeys)
    if seen.first_seen is None:
        seen.first_seen = FirstSeen()
    raw_key = pl.col(f"c{key.index}")
    frame = values.frame.select(raw_key.alias("key"), _compared_form(raw_key, key).alias("compared")) \
        .with_row_index("row").filter((pl.col("key") != "") & (pl.col("key") != "#N/A"))
    if frame.height == 0:
        return None
    rows = frame.get_column("row").to_numpy()
    lines = values.locate_many(rows, key.index)[0]
    firsts = seen.first_seen.first_lines(frame.get_column("compared").hash(seed=0).to_numpy(), lines)
    repeats = np.flatnonzero(firsts != lines)
    if not len(repeats):
        return None
    lines, records, offsets = values.locate_many(rows[repeats], key.index)
    shown = frame.select(pl.concat_str([pl.lit(f"{key.name} "), show_expr(pl.col("key")), pl.lit(" repeats line ")])
                         ).to_series(0).gather(repeats)
    messages = shown + pl.Series(firsts[repeats]).cast(pl.String)
    return batch(lines=lines, records=records, columns=key.index + 1, field=key.name, offsets=offsets,
                 messages=messages)


def _compared_form(raw_key, key):
    """The key as Salesforce matches it. An 18-character Id is its 15-character Id plus a
    checksum, so both forms name one record, and Ids are case-sensitive; external ids are
    not, unless the describe marks the field `caseSensitive`."""
    if key.name.lower() == "id":
        return id15_expr(raw_key)
    if key.field is not None and key.field.case_sensitive:
        return raw_key
    return raw_key.str.to_lowercase()


def _duplicate_key_column(ctx):
    from sfprep.salesforce.columns import column_named

    operation = ctx.job.operation
    if operation == "upsert":
        key = ctx.job.external_id
    else:
        key = "Id" if operation in ("update", "delete", "hardDelete") else None
    return column_named(ctx.columns, key)
