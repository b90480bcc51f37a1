"""V013 and V014: required fields present and filled, fields writable by the operation."""
from __future__ import annotations

from sfprep.core.model import Finding
from sfprep.linter.checks import CellCheck
from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.values.common import col


@rule("V013", "required-field-missing", "E", scope=Scope.HEADER, needs=("describe",))
def required_field_missing(header, ctx):
    """Required field missing from the header, or empty in a row, on insert.

    ## What it checks
    On insert, every field the describe marks as required (`nillable` false, `createable`
    true, `defaultedOnCreate` false) has a column, and no row leaves it empty or `#N/A`.

    ## Why it matters
    Every such row fails with REQUIRED_FIELD_MISSING: found only after the upload.

    ## Example
    A Contact insert without a `LastName` column.

    ## Use instead
    Add `LastName`, with a value in every row.

    ## Fix
    None.
    """
    if ctx.job.operation != "insert":
        return
    present = {c.target.lower() for c in ctx.columns if not c.is_relationship}
    present |= {c.field.name.lower() for c in ctx.columns if c.is_relationship and c.field}
    for field in ctx.described.fields.values():
        if field.is_required_on_insert and field.type not in ("id", "boolean") and field.name.lower() not in present:
            yield Finding("V013", f"required field {field.name} has no column", line=header.line, record=0)


@required_field_missing.also(Scope.VALUES)
def required_field_empty(ctx):
    if ctx.job.operation != "insert":
        return
    columns = [c for c in ctx.columns
               if c.field is not None and not c.is_relationship and c.field.is_required_on_insert]
    value = col(columns)
    yield CellCheck("V013", columns, (value == "") | (value == "#N/A"), lambda v, c: f"required field {c.name} is empty")


@rule("V014", "field-not-writable", "E", scope=Scope.HEADER, needs=("describe",))
def field_not_writable(header, ctx):
    """Field not createable on insert, or not updateable on update.

    ## What it checks
    Every column's field can be written by the job: `createable` for insert,
    `updateable` for update, both for upsert. `Id` (update, delete) and the upsert's
    external id are keys, not written.

    ## Why it matters
    Formula, roll-up, audit and system fields cannot be loaded; the batch fails
    ("Unable to create/update fields"), or each row does.

    ## Example
    An Account insert with `CreatedDate` or `LastModifiedById`.

    ## Use instead
    Leave system fields out of the load file.

    ## Fix
    None.
    """
    operation = ctx.job.operation
    needs = {"insert": ("createable",), "update": ("updateable",), "upsert": ("createable", "updateable")}
    keys = {"id", (ctx.job.external_id or "").lower()}
    for column in ctx.columns:
        field = column.field
        if field is None or column.name.lower() in keys or operation not in needs:
            continue
        missing = [flag for flag in needs[operation] if not getattr(field, flag)]
        if missing:
            yield Finding("V014", f"{field.name} is not {' or '.join(missing)}; a {operation} cannot set it",
                          line=header.lines[column.index], record=0, column=column.index + 1,
                          field=column.name, offset=header.starts[column.index])
