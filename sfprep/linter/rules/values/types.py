"""V008, V009, V011, V012, V016: values checked against their describe field type."""
from __future__ import annotations

from sfprep.linter.checks import CellCheck, Verdict, present
from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.values.common import col, typed

DECIMAL = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
INTEGER = r"^[+-]?\d+$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"
NUMBER_TYPES = {"double": DECIMAL, "currency": DECIMAL, "percent": DECIMAL, "int": INTEGER, "long": INTEGER}
TEXT_TYPES = ("string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "combobox",
              "encryptedstring")


@rule("V008", "number-format", "E", scope=Scope.VALUES, needs=("describe",))
def number_format(ctx):
    """Number not in plain decimal form.

    ## What it checks
    Values of `double`, `currency`, `percent` and `int` fields are in the XML-Schema
    lexical form: optional sign, digits, optional `.` and decimals, optional exponent (and
    no decimals for `int`). No thousands separators, currency symbols or decimal commas.

    ## Why it matters
    `"1,234.50"` and `€12` fail the row; a decimal comma `12,5` either fails or is
    misread. Spreadsheets format numbers for people, not for the API.

    ## Example
    `Amount__c` / `"1,234.50"`

    ## Use instead
    `Amount__c` / `1234.50`

    ## Fix
    None: a decimal comma and a thousands separator look alike.
    """
    for pattern in dict.fromkeys(NUMBER_TYPES.values()):
        columns = typed(ctx, *(kind for kind, kind_pattern in NUMBER_TYPES.items() if kind_pattern == pattern))
        yield CellCheck("V008", columns, present(columns) & ~col(columns).str.contains(pattern),
                        message="{value} in {field} is not a plain {type} number")


@rule("V009", "boolean-format", "E", scope=Scope.VALUES, needs=("describe",))
def boolean_format(ctx):
    """Boolean not `true`, `false`, `1` or `0`.

    ## What it checks
    Values of boolean (checkbox) fields are `true`, `false`, `1` or `0`, in any case.

    ## Why it matters
    `yes`, `Y` or `x` fail the row. Checkbox columns exported from other systems often
    use them.

    ## Example
    `IsActive__c` / `yes`

    ## Use instead
    `IsActive__c` / `true`

    ## Fix
    None.
    """
    columns = typed(ctx, "boolean")
    value = col(columns).str.to_lowercase()
    yield CellCheck("V009", columns, present(columns) & ~value.is_in(["true", "false", "1", "0"]),
                    message="{value} in {field} is not true, false, 1 or 0")


@rule("V011", "value-too-long", "E", scope=Scope.VALUES, needs=("describe",))
def value_too_long(ctx):
    """Value longer than the field's length.

    ## What it checks
    Values of text-like fields (text, text area, picklist, email, phone, URL) are no
    longer, in characters, than the field's `length` in the describe.

    ## Why it matters
    The row fails with STRING_TOO_LONG; with "allow field truncation" on, the value is
    silently cut instead.

    ## Example
    A 300-character `Name` for a field of length 255.

    ## Use instead
    A value of at most 255 characters.

    ## Fix
    None: truncation loses data; decide where to cut.
    """
    for column in typed(ctx, *TEXT_TYPES):
        length = column.field.length if column.field else 0
        if length > 0:
            yield CellCheck("V011", [column], facts=lambda f, n=length: f.characters > n,
                            judge=lambda v, c, n=length: Verdict(f"{len(v)} characters in {c.name}, "
                                                                 f"longer than its length {n}"))


@rule("V012", "picklist-value", "W", scope=Scope.VALUES, needs=("describe",))
def picklist_value(ctx):
    """Value not in a restricted picklist's active values.

    ## What it checks
    Values of restricted picklists are one of the active values in the describe; for a
    multi-select picklist, each `;`-separated item is.

    ## Why it matters
    A restricted picklist rejects other values (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST);
    a near-miss like `retail` for `Retail` is the usual cause.

    ## Example
    `Industry` / `retail`

    ## Use instead
    `Industry` / `Retail`

    ## Fix
    None.
    """
    import polars as pl

    for column in typed(ctx, "picklist", "multipicklist"):
        field = column.field
        if field is None or not field.restricted_picklist:
            continue
        allowed = list(field.picklist_values)
        value = col(column)
        if column.value_type == "multipicklist":
            bad = value.str.split(";").list.eval(~pl.element().is_in(allowed)).list.any()
        else:
            bad = ~value.is_in(allowed)
        yield CellCheck("V012", [column], present(column) & bad,
                        message="{value} is not an active value of the restricted picklist {field}")


@rule("V016", "email-format", "W", scope=Scope.VALUES, needs=("describe",))
def email_format(ctx):
    """Email field value is not a plausible address.

    ## What it checks
    Values of `email` fields have one `@`, something before it and a domain with a dot
    after it, and no spaces.

    ## Why it matters
    Salesforce rejects malformed addresses (INVALID_EMAIL_ADDRESS) row by row.

    ## Example
    `Email` / `jane.doe.example.com`

    ## Use instead
    `Email` / `jane.doe@example.com`

    ## Fix
    None.
    """
    columns = typed(ctx, "email")
    yield CellCheck("V016", columns, present(columns) & ~col(columns).str.contains(EMAIL),
                    message="{value} in {field} is not a plausible email address")
