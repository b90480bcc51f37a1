"""L: size limits. Every number comes from the profile (sfprep/profiles/*.json plus config
`[limits]`), never from a constant here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sfprep.linter.checks import CellCheck, Verdict
from sfprep.core.model import Finding
from sfprep.linter.registry import Scope, rule

if TYPE_CHECKING:
    from sfprep.plan.batches import BatchPlanner


def _limit(ctx, name: str) -> int | None:
    return ctx.profile.get(name)


@rule("L001", "field-too-long", "E", scope=Scope.VALUES)
def field_too_long(ctx):
    """Field longer than the per-field character limit.

    ## What it checks
    No value is longer, in characters, than the profile's `characters_per_field`
    (32,000 for both Bulk API versions).

    ## Why it matters
    The Bulk API rejects the row; even a long text area field cannot hold more.

    ## Example
    A 40,000-character `Description`.

    ## Use instead
    At most 32,000 characters, or the text as a File attached to the record.

    ## Fix
    None.
    """
    limit = _limit(ctx, "characters_per_field")
    yield CellCheck("L001", ctx.columns, facts=lambda f: f.characters > limit,
                    judge=lambda v, c: Verdict(f"{len(v):,} characters in {c.name}; the limit is {limit:,}"))


@field_too_long.also(Scope.CHUNK)
def long_record_fields(chunk, ctx):
    """The fields of a record too long for the scanner to hold, measured while it streamed it
    (the value stage sees only held records). As there, the header's are not values, nor
    those of a record the file ends inside of (Q003)."""
    long_record = chunk.long_record
    if long_record is None or chunk.first_record == 0 or long_record.unterminated is not None:
        return
    limit = _limit(ctx, "characters_per_field")
    for field in long_record.long_fields:
        if field.characters > limit:
            name = ctx.columns[field.column - 1].name if field.column <= len(ctx.columns) else f"field {field.column}"
            yield Finding("L001", f"{field.characters:,} characters in {name}; the limit is {limit:,}",
                          line=field.line, record=chunk.first_record, column=field.column, field=name,
                          offset=field.offset)


@rule("L002", "too-many-fields", "E")
def too_many_fields(chunk, ctx):
    """Record has more fields than the per-record limit.

    ## What it checks
    No record (the header included) has more fields than the profile's
    `fields_per_record` (5,000).

    ## Why it matters
    The Bulk API rejects the batch; no object has that many fields anyway, so the file is
    probably not what it seems.

    ## Example
    A header of 6,000 columns.

    ## Use instead
    Only the fields the load sets.

    ## Fix
    None.
    """
    import numpy as np

    limit = _limit(ctx, "fields_per_record")
    counts = chunk.fields_per_record()
    for index in np.flatnonzero(counts > limit).tolist():
        line, offset = chunk.record_place(index)
        yield Finding("L002", f"{int(counts[index]):,} fields; the limit is {limit:,}",
                      line=line, record=chunk.first_record + index, offset=offset)


@rule("L003", "record-too-long", "E")
def record_too_long(chunk, ctx):
    """Record longer than the per-record character limit.

    ## What it checks
    No record has more characters, all its values together (delimiters and quoting not
    counted), than the profile's `characters_per_record` (400,000). A record of more than
    8 MiB is not held in memory: it is measured while it is read (this rule, L001, L002 and
    Q006 get its exact sizes), and the other rules see only its first MiB.

    ## Why it matters
    The Bulk API rejects the row.

    ## Example
    A record with ten 40,000-character text fields.

    ## Use instead
    Split the data over several records or files.

    ## Fix
    None.
    """
    import numpy as np

    limit = _limit(ctx, "characters_per_record")
    if chunk.long_record is not None:  # counted while streamed, as below
        if chunk.long_record.characters > limit:
            yield Finding("L003", f"record has {chunk.long_record.characters:,} characters; the limit is {limit:,}",
                          line=chunk.first_line, record=chunk.first_record, offset=chunk.base)
        return
    lengths = chunk.record_ends - chunk.record_starts
    for index in np.flatnonzero(lengths > limit).tolist():  # raw bytes >= characters: only these can fail
        characters = chunk.record_characters(index)
        if characters > limit:
            line, offset = chunk.record_place(index)
            yield Finding("L003", f"record has {characters:,} characters; the limit is {limit:,}",
                          line=line, record=chunk.first_record + index, offset=offset)


@rule("L004", "too-many-records", "E", fix="C", scope=Scope.END)
def too_many_records(ctx):
    """File has more records than one batch may hold.

    ## What it checks
    The number of records is at most the profile's `records_per_batch` (10,000 for Bulk
    API 1.0; Bulk API 2.0 has no per-upload record limit).

    ## Why it matters
    The batch is refused (InvalidBatch: Records in a batch cannot exceed 10,000).

    ## Example
    One file of 25,000 Account rows.

    ## Use instead
    `sfprep split` cuts it into batches of at most 10,000 records, with a manifest.

    ## Fix
    Chunking: `sfprep split`.
    """
    limit = _limit(ctx, "records_per_batch")
    if limit and ctx.data_records > limit:
        yield Finding("L004", f"{ctx.data_records:,} records; one batch may hold {limit:,} (use `sfprep split`)")


@rule("L005", "file-too-large", "E", fix="C", scope=Scope.END)
def file_too_large(ctx):
    """File is larger than one batch or upload may be.

    ## What it checks
    The file's size in bytes is at most the profile's `bytes_per_batch` (10,000,000 for a
    Bulk API 1.0 batch; 100,000,000 raw for a Bulk API 2.0 upload).

    ## Why it matters
    The upload is refused before any record is processed.

    ## Example
    A 12 MB batch file for Bulk API 1.0.

    ## Use instead
    `sfprep split` cuts it into batches under the limit.

    ## Fix
    Chunking: `sfprep split`.
    """
    limit = _limit(ctx, "bytes_per_batch")
    if limit and ctx.size > limit:
        yield Finding("L005", f"{ctx.size:,} bytes; one batch may be {limit:,} (use `sfprep split`)")


@dataclass
class CharacterCount:
    characters: int | None = None   # counted only when the byte size could exceed the limit


@rule("L006", "too-many-characters", "E", fix="C", scope=Scope.END, state=CharacterCount)
def too_many_characters(ctx):
    """File has more characters than one batch may hold.

    ## What it checks
    The file's characters (all data, the header included) are at most the profile's
    `characters_per_batch` (10,000,000 for Bulk API 1.0).

    ## Why it matters
    The batch is refused. A file under 10 MB can still exceed it only in theory, but a
    file just over it in bytes may be under it in characters, and the reverse never.

    ## Example
    An 11-million-character batch.

    ## Use instead
    `sfprep split` cuts it into batches under the limit.

    ## Fix
    Chunking: `sfprep split`.
    """
    limit = _limit(ctx, "characters_per_batch")
    characters = ctx.state(CharacterCount).characters
    if limit and characters is not None and characters > limit:
        yield Finding("L006", f"{characters:,} characters; one batch may hold {limit:,} (use `sfprep split`)")


@too_many_characters.also(Scope.CHUNK)
def count_characters(chunk, ctx):
    """Characters are counted only when the byte size could exceed the limit (bytes >= characters)."""
    limit = _limit(ctx, "characters_per_batch")
    if not limit or ctx.size <= limit:
        return ()
    count = ctx.state(CharacterCount)
    count.characters = (count.characters or 0) + chunk.character_count()
    return ()


@dataclass
class BatchPlan:
    planner: BatchPlanner | None = None   # created with the header, whose size every batch repeats


@rule("L007", "daily-allocation", "W", scope=Scope.END, state=BatchPlan)
def daily_allocation(ctx):
    """The load needs more batches (or records) than the daily allocation.

    ## What it checks
    Bulk API 1.0: the batches this file needs fit in the profile's `batches_per_day`
    (15,000 per rolling 24 hours, shared by the org). Records are packed in order, as
    `sfprep split` cuts them: each batch holds at most `records_per_batch` records and
    `bytes_per_batch` bytes, the header repeated in each. Bulk API
    2.0: the records fit in `records_per_day` (150,000,000).

    ## Why it matters
    Past the allocation every further batch is refused until the window rolls: a load
    that stops half-way.

    ## Example
    200 million records in one Bulk API 2.0 load.

    ## Use instead
    Plan the load over several days (`sfprep split` can).

    ## Fix
    None.
    """
    per_day = _limit(ctx, "records_per_day")
    if per_day and ctx.data_records > per_day:
        yield Finding("L007", f"{ctx.data_records:,} records exceed the daily allocation of {per_day:,}")
        return
    batches_per_day = _limit(ctx, "batches_per_day")
    planner = ctx.state(BatchPlan).planner
    if batches_per_day and planner is not None and planner.total > batches_per_day:
        yield Finding("L007", f"needs {planner.total:,} batches; the daily allocation is {batches_per_day:,}")


@daily_allocation.also(Scope.CHUNK)
def _plan_batches(chunk, ctx):
    """Count the batches this file needs, packing its records in order (bulk1 only)."""
    import numpy as np

    from sfprep.plan.batches import BatchPlanner

    if not _limit(ctx, "batches_per_day"):
        return ()
    plan = ctx.state(BatchPlan)
    sizes = np.diff(np.append(chunk.record_starts, chunk.end - chunk.base))  # the whole of a long record
    if chunk.first_record == 0:
        header_bytes, sizes = int(sizes[0]), sizes[1:]
        plan.planner = BatchPlanner(_limit(ctx, "records_per_batch"), _limit(ctx, "bytes_per_batch"), header_bytes)
    plan.planner.add(sizes)
    return ()
