"""V001-V004: whitespace, null look-alikes, null keys and empty values on update."""
from __future__ import annotations

from sfprep.io.csv import flags as facts
from sfprep.linter.checks import CellCheck
from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.values.common import has, key_columns, replaced_by

NULL_LOOK_ALIKES = ("n/a", "#n/a", "null", "none", "nil", "#na", "nan")  # io/csv/fields.py knows them


@rule("V001", "untrimmed-value", "W", fix="U", scope=Scope.VALUES, formats=("csv",))
def untrimmed_value(ctx):
    """Value with leading or trailing whitespace.

    ## What it checks
    That no value starts or ends with a space, tab or line break.

    ## Why it matters
    The Bulk API guide: "Field values aren't trimmed." `"Acme "` is stored with its
    space, so it no longer matches `Acme` in reports, duplicate rules or lookups.

    ## Example
    `Acme ,Retail`

    ## Use instead
    `Acme,Retail`

    ## Fix
    Unsafe (`--unsafe-fixes`): the whitespace is removed. It changes the stored value,
    which is almost always what you want, but sfprep cannot know it is.
    """
    yield CellCheck("V001", ctx.columns, facts=lambda f: has(f, facts.LEADING_SPACE, facts.TRAILING_SPACE),
                    message="value {value} in {field} has whitespace around it",
                    fix=lambda value: value.str.strip_chars(), fix_description="Trim the value")


@rule("V002", "null-look-alike", "W", fix="U", scope=Scope.VALUES)
def null_look_alike(ctx):
    """Text that looks like a null marker.

    ## What it checks
    That no value is exactly `N/A`, `#n/a`, `NULL`, `null`, `None`, `nil`, `#NA` or `NaN`
    (in any case). Only `#N/A` means null to the Bulk API.

    ## Why it matters
    `NULL` is saved as the four letters "NULL": the field is not cleared, and reports show
    the text. Exports from databases and pandas write these markers.

    ## Example
    `Acme,NULL`

    ## Use instead
    `Acme,#N/A` to set the field to null, or `Acme,` to leave it untouched.

    ## Fix
    Unsafe (`--unsafe-fixes`): the value becomes `#N/A`, which clears the field.
    """
    yield CellCheck("V002", ctx.columns, facts=lambda f: has(f, facts.NULL_LOOK_ALIKE),
                    message="{value} in {field} loads as text; `#N/A` is the null marker",
                    fix=replaced_by("#N/A"), fix_description="Replace with the null marker #N/A")


@rule("V003", "null-key", "E", scope=Scope.VALUES)
def null_key(ctx):
    """`#N/A` in a key column.

    ## What it checks
    That `Id`, the upsert's external id and relationship key columns
    (`Account.External_Id__c`) never hold `#N/A`.

    ## Why it matters
    `#N/A` sets a field to null; a key cannot be null. The row fails, and for a
    relationship column the intent (clear the lookup?) is lost.

    ## Example
    `Id,Name` / `#N/A,Acme`

    ## Use instead
    `Id,Name` / `001000000000001AAA,Acme`

    ## Fix
    None.
    """
    keys = key_columns(ctx)
    yield CellCheck("V003", keys, facts=lambda f: has(f, facts.NULL_MARKER),
                    message="#N/A in key column {field}: a key cannot be null")


@rule("V004", "empty-value-ignored", "I", scope=Scope.VALUES)
def empty_value_ignored(ctx):
    """Empty value in an update or upsert is ignored, not cleared.

    ## What it checks
    In an update or upsert, empty values (off unless selected: `--extend-select V004`).

    ## Why it matters
    The Bulk API guide: "Empty field values are ignored when you update records." If
    the intent was to clear the field, write `#N/A`.

    ## Example
    `Id,Phone` / `001000000000001AAA,`

    ## Use instead
    `Id,Phone` / `001000000000001AAA,#N/A` (to clear the phone)

    ## Fix
    None: whether you meant "leave" or "clear" is yours to say.
    """
    if ctx.job.operation not in ("update", "upsert"):
        return
    keys = {"id", (ctx.job.external_id or "").lower()}
    columns = [c for c in ctx.columns if c.name.lower() not in keys]
    yield CellCheck("V004", columns, facts=lambda f: has(f, facts.EMPTY),
                    message=f"empty {{field}} is ignored on {ctx.job.operation}; `#N/A` clears it")
