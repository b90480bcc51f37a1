"""V013 and V014: required fields present and filled, fields writable by the operation."""
from __future__ import annotations

from sfprep.core.model import Finding, Severity
from sfprep.linter.checks import CellCheck
from sfprep.linter.registry import Scope, rule
from sfprep.io.csv import flags as facts
from sfprep.linter.rules.values.common import has
from sfprep.linter.rules.wording import a


@rule("V013", "required-field-missing", "E", scope=Scope.HEADER, needs=("describe",))
def required_field_missing(header, ctx):
    """Required field missing from the header, or empty in a row, on insert or upsert.

    ## What it checks
    Every field the describe marks as required (`nillable` false, `createable` true,
    `defaultedOnCreate` false) has a column, and no row leaves it empty or `#N/A`. On
    insert all of these are errors. On upsert, a row creates a record only when its key is
    new, which the file cannot tell: a missing column or an empty value is a warning (the
    rows that create records fail, the rows that update do not), but `#N/A` is an error,
    since clearing a required field fails the update as well.

    ## Why it matters
    Every such row fails with REQUIRED_FIELD_MISSING: found only after the upload.

    ## Example
    A Contact insert or upsert without a `LastName` column, or with `LastName` empty.

    ## Use instead
    Add `LastName`, with a value in every row.

    ## Fix
    None.
    """
    operation = ctx.job.operation
    if operation not in ("insert", "upsert"):
        return
    present = {c.target.lower() for c in ctx.columns if not c.is_relationship}
    present |= {c.field.name.lower() for c in ctx.columns if c.is_relationship and c.field}
    severity, consequence = _upsert_leniency(operation, "the rows that create records fail")
    for field in ctx.described.fields.values():
        if field.is_required_on_insert and field.type not in ("id", "boolean") and field.name.lower() not in present:
            yield Finding("V013", f"required field {field.name} has no column{consequence}", line=header.line,
                          record=0, severity=severity)


def _upsert_leniency(operation: str, consequence: str):
    """(severity, what follows) of a required value left out: on upsert only creations fail."""
    if operation == "upsert":
        return Severity.WARNING, f": on upsert, {consequence}"
    return None, ""


@required_field_missing.also(Scope.VALUES)
def required_field_empty(ctx):
    operation = ctx.job.operation
    if operation not in ("insert", "upsert"):
        return
    columns = [c for c in ctx.columns
               if c.field is not None and not c.is_relationship and c.field.is_required_on_insert]
    if operation == "insert":
        yield CellCheck("V013", columns, facts=lambda f: has(f, facts.EMPTY, facts.NULL_MARKER),
                        message="required field {field} is empty")
        return
    severity, consequence = _upsert_leniency(operation, "the row fails if it creates a record")
    yield CellCheck("V013", columns, facts=lambda f: has(f, facts.EMPTY),
                    message="required field {field} is empty" + consequence, severity=severity)
    yield CellCheck("V013", columns, facts=lambda f: has(f, facts.NULL_MARKER),
                    message="#N/A clears the required field {field}: the row fails, whether it creates or updates")


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
            yield Finding("V014", f"{field.name} is not {' or '.join(missing)}; {a(operation)} cannot set it",
                          line=header.lines[column.index], record=0, column=column.index + 1,
                          field=column.name, offset=header.starts[column.index])
