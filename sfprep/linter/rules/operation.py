"""O: rules about the job's operation (insert, update, upsert, delete, hardDelete)."""
from __future__ import annotations

from sfprep.linter.checks import CellCheck
from sfprep.salesforce.columns import column_named
from sfprep.core.model import Finding
from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.wording import a

DELETES = ("delete", "hardDelete")


@rule("O001", "upsert-without-external-id", "E", scope=Scope.HEADER, needs=("external-id",))
def upsert_without_external_id(header, ctx):
    """Upsert file lacks the external id column named for the job.

    ## What it checks
    In an upsert, the header has a column for the job's external id field
    (`--external-id`, config `external-id`).

    ## Why it matters
    The Bulk API matches upserted rows on that field; without the column the whole batch
    fails ("External ID was blank" / "Field name not found").

    ## Example
    Job: upsert on `External_Id__c`; header `Name,Phone`.

    ## Use instead
    Header `External_Id__c,Name,Phone`.

    ## Fix
    None.
    """
    if ctx.job.operation == "upsert" and column_named(ctx.columns, ctx.job.external_id) is None:
        yield Finding("O001", f"upsert on {ctx.job.external_id}, but the file has no {ctx.job.external_id} column",
                      line=header.line, record=0)


@rule("O002", "missing-id-column", "E", scope=Scope.HEADER)
def missing_id_column(header, ctx):
    """Update or delete file lacks an `Id` column.

    ## What it checks
    In an update, delete or hardDelete, the header has an `Id` column.

    ## Why it matters
    These operations find records by Id only; without it every row fails
    ("MISSING_ARGUMENT: Id not specified").

    ## Example
    Update job; header `Name,Phone`.

    ## Use instead
    Header `Id,Name,Phone` (or use an upsert on an external id).

    ## Fix
    None.
    """
    if ctx.job.operation in ("update", *DELETES) and column_named(ctx.columns, "Id") is None:
        yield Finding("O002", f"{a(ctx.job.operation)} needs an Id column", line=header.line, record=0)


@rule("O003", "delete-extra-columns", "W", scope=Scope.HEADER)
def delete_extra_columns(header, ctx):
    """Delete file has columns other than `Id`.

    ## What it checks
    In a delete or hardDelete, the header is `Id` alone.

    ## Why it matters
    The other columns are ignored: often a sign that the wrong file (an update file) is
    about to be used for a delete.

    ## Example
    Delete job; header `Id,Name,Phone`.

    ## Use instead
    Header `Id`.

    ## Fix
    None.
    """
    if ctx.job.operation not in DELETES:
        return
    for column in ctx.columns:
        if column.name.lower() != "id":
            yield Finding("O003", f"{column.name} is ignored by {a(ctx.job.operation)}; a delete file needs only Id",
                          line=header.lines[column.index], record=0, column=column.index + 1,
                          field=column.name, offset=header.starts[column.index])


@rule("O004", "id-on-insert", "E", scope=Scope.VALUES)
def id_on_insert(ctx):
    """Insert file has a non-empty `Id` value.

    ## What it checks
    In an insert, the `Id` column (if any) is empty in every row. `#N/A`, the Bulk API's
    null marker ("To set a field value to null, use a field value of #N/A"), is no Id: an
    insert with a null Id is a plain insert, so it is not reported here (V003 reports
    `#N/A` in a key column). Look-alikes such as `#n/a` are text, not null, and are.

    ## Why it matters
    An insert cannot set Ids: the row fails. An Id in an insert file usually means the
    file was meant for an update, and running it as an insert would duplicate records.

    ## Example
    Insert job; `Id,Name` / `001000000000001AAA,Acme`

    ## Use instead
    An update job, or the insert without the Id column.

    ## Fix
    None.
    """
    column = column_named(ctx.columns, "Id")
    if ctx.job.operation == "insert" and column is not None:
        from sfprep.linter.rules.values.common import present

        yield CellCheck("O004", [column], facts=present, message="Id {value} in an insert: inserts create new Ids")
