"""V: value rules. Each declares polars expressions per column (CellChecks); the engine runs
them over every chunk's value frame in one pass and words only the failing cells."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sfprep.linter.checks import CellCheck, column_expr, present
from sfprep.core.model import Finding
from sfprep.linter.registry import Scope, rule

if TYPE_CHECKING:
    from sfprep.plan.keys import FirstSeen

NULL_LOOK_ALIKES = ("n/a", "#n/a", "null", "none", "nil", "#na", "nan")
NULL_LOOK_ALIKE = "(?i)^(?:" + "|".join(NULL_LOOK_ALIKES) + ")$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_DATE_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{4})$"
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})$"
ISO_DATETIME_NO_ZONE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?$"
DECIMAL = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
INTEGER = r"^[+-]?\d+$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"
NUMBER_TYPES = {"double": DECIMAL, "currency": DECIMAL, "percent": DECIMAL, "int": INTEGER, "long": INTEGER}
TEXT_TYPES = ("string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "combobox",
              "encryptedstring")
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _col(columns):
    return column_expr(columns)


def _typed(ctx, *types):
    return [c for c in ctx.columns if c.value_type in types]


def _key_columns(ctx):
    external_id = (ctx.job.external_id or "").lower()
    return [c for c in ctx.columns
            if c.name.lower() == "id" or (external_id and c.name.lower() == external_id) or c.is_relationship]


@rule("V001", "untrimmed-value", "W", fix="U", scope=Scope.VALUES)
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
    value = _col(ctx.columns)
    yield CellCheck("V001", ctx.columns, value != value.str.strip_chars(),
                    lambda v, c: f"value {_show(v)} in {c.name} has whitespace around it",
                    fix=lambda v: (v.strip(), "Trim the value"))


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
    value = _col(ctx.columns)
    yield CellCheck("V002", ctx.columns, value.str.contains(NULL_LOOK_ALIKE) & (value != "#N/A"),
                    lambda v, c: f"{_show(v)} in {c.name} loads as text; `#N/A` is the null marker",
                    fix=lambda v: ("#N/A", "Replace with the null marker #N/A"))


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
    keys = _key_columns(ctx)
    yield CellCheck("V003", keys, _col(keys) == "#N/A",
                    lambda v, c: f"#N/A in key column {c.name}: a key cannot be null")


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
    yield CellCheck("V004", columns, _col(columns) == "",
                    lambda v, c: f"empty {c.name} is ignored on {ctx.job.operation}; `#N/A` clears it")


def _date_fix(ctx):
    fmt = ctx.settings.date_format if ctx.settings else None
    if not fmt:
        return None

    def convert(value: str):
        from datetime import datetime
        try:
            parsed = datetime.strptime(value.strip(), fmt)
        except ValueError:
            return None
        return f"{parsed.year:04d}-{parsed.month:02d}-{parsed.day:02d}", f"Rewrite as yyyy-MM-dd (read with {fmt})"
    return convert


@rule("V005", "date-not-iso", "E", fix="U", scope=Scope.VALUES)
def date_not_iso(ctx):
    """Date value not in `yyyy-MM-dd`.

    ## What it checks
    Values of date fields (describe type `date`, or, without a describe, columns whose
    values are mostly date-like) are `yyyy-MM-dd`. The bulk1 profile also accepts the
    guide's `yyyy-MM-ddZ` and `yyyy-MM-dd+HHmm`; Bulk API 2.0 does not.

    ## Why it matters
    `2023-06-07` loads; `06/07/2023` fails the row, and whether it meant June or July is
    lost. Spreadsheets rewrite dates in the user's locale on every save.

    ## Example
    `Birthdate` / `06/07/1990`

    ## Use instead
    `Birthdate` / `1990-06-07`

    ## Fix
    Unsafe, and only with `--date-format` (e.g. `%m/%d/%Y`): the value is read with that
    format and written as `yyyy-MM-dd`. sfprep never guesses day-versus-month.
    """
    pattern = f"{ISO_DATE}|{ISO_DATE_WITH_OFFSET}" if ctx.profile.get("date_offset_allowed") else ISO_DATE
    columns = _typed(ctx, "date")
    yield CellCheck("V005", columns, present(columns) & ~_col(columns).str.contains(pattern),
                    lambda v, c: _date_message(v, c, "date", "yyyy-MM-dd"), fix=_date_fix(ctx))


def _date_message(value: str, column, kind: str, wanted: str) -> str:
    how = "inferred from its values" if column.inferred else f"a {kind} field"
    advice = "" if "--date-format" in wanted else "; give --date-format to fix"
    return f"{_show(value)} in {column.name} ({how}) is not {wanted}{advice}"


@rule("V006", "datetime-not-iso", "E", fix="U", scope=Scope.VALUES)
def datetime_not_iso(ctx):
    """dateTime value not `yyyy-MM-ddTHH:mm:ss[.SSS]` with a zone.

    ## What it checks
    Values of dateTime fields (describe type `datetime`, or columns whose values are
    mostly date-times) are `yyyy-MM-ddTHH:mm:ss`, optionally with `.SSS`, followed by `Z`,
    `+HHmm` or `+HH:mm`. A dateTime with no zone is an error.

    ## Why it matters
    Without a zone Salesforce reads the time in a zone you did not state: the classic
    "dates shift by a day" failure, found weeks later in reports.

    ## Example
    `2023-06-07 10:00:00` or `2023-06-07T10:00:00`

    ## Use instead
    `2023-06-07T10:00:00Z` or `2023-06-07T10:00:00+02:00`

    ## Fix
    Unsafe, and only with `--date-format` and `--timezone`: the value is read with the
    format in that zone and written in UTC with `Z`.
    """
    columns = _typed(ctx, "datetime")
    yield CellCheck("V006", columns, present(columns) & ~_col(columns).str.contains(ISO_DATETIME),
                    _datetime_message, fix=_datetime_fix(ctx))


def _datetime_message(value: str, column) -> str:
    import re
    if re.match(ISO_DATETIME_NO_ZONE, value):
        return f"{_show(value)} in {column.name} has no time zone; Salesforce would guess one (add Z or +HH:mm)"
    return _date_message(value, column, "dateTime", "yyyy-MM-ddTHH:mm:ss plus a zone")


ISO_LOCAL_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


def _datetime_fix(ctx):
    settings = ctx.settings
    if not settings or not settings.timezone:
        return None
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo(settings.timezone)
    except (ValueError, KeyError, OSError):
        return None
    formats = ((settings.date_format,) if settings.date_format else ()) + ISO_LOCAL_FORMATS

    def convert(value: str):
        for fmt in formats:
            try:
                parsed = datetime.strptime(value.strip(), fmt)
            except ValueError:
                continue
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=zone)
            utc = parsed.astimezone(timezone.utc)
            text = f"{utc.year:04d}-" + utc.strftime("%m-%dT%H:%M:%S")
            if utc.microsecond:
                text += f".{utc.microsecond // 1000:03d}"
            return text + "Z", f"Rewrite in UTC (read as {fmt} in {settings.timezone})"
        return None
    return convert


@rule("V007", "impossible-date", "E", scope=Scope.VALUES)
def impossible_date(ctx):
    """Impossible calendar value in a well-formed date or dateTime.

    ## What it checks
    That a value in the right shape is a real moment: no February 30th, month 13, hour
    24, minute 60, or zone offset beyond ±14 hours.

    ## Why it matters
    The row fails with an opaque "invalid date" error; more often such values come from
    a day/month swap upstream that also corrupted the valid-looking rows.

    ## Example
    `2023-02-30`, `2023-13-01`, `2023-06-07T24:00:00Z`

    ## Use instead
    `2023-02-28`, `2023-12-01`, `2023-06-08T00:00:00Z`

    ## Fix
    None: the intended value cannot be known.
    """
    import polars as pl

    def impossible_day(value):
        shaped = value.str.contains(r"^\d{4}-\d{2}-\d{2}(?:$|[TZ+-])")
        return shaped & value.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).is_null()

    def impossible_time(value):
        def number(pattern):
            return value.str.extract(pattern, 1).cast(pl.Int32, strict=False)
        time = value.str.extract(r"T(\d{2}):(\d{2}):(\d{2})", 0)
        hour, minute, second = number(r"T(\d{2})"), number(r"T\d{2}:(\d{2})"), number(r"T\d{2}:\d{2}:(\d{2})")
        offset, offset_minutes = number(r"[+-](\d{2}):?\d{2}$"), number(r"[+-]\d{2}:?(\d{2})$")
        return (time.is_not_null() & ((hour > 23) | (minute > 59) | (second > 59))) \
            | (value.str.contains(ISO_DATETIME) & ((offset > 14) | (offset_minutes > 59)).fill_null(False))

    dates, datetimes = _typed(ctx, "date"), _typed(ctx, "datetime")
    for columns, bad in ((dates, impossible_day(_col(dates))),
                         (datetimes, impossible_day(_col(datetimes)) | impossible_time(_col(datetimes)))):
        yield CellCheck("V007", columns, bad.fill_null(False),
                        lambda v, c: f"{_show(v)} in {c.name} is not a real date or time")


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
        columns = _typed(ctx, *(kind for kind, kind_pattern in NUMBER_TYPES.items() if kind_pattern == pattern))
        yield CellCheck("V008", columns, present(columns) & ~_col(columns).str.contains(pattern),
                        lambda v, c: f"{_show(v)} in {c.name} is not a plain {c.value_type} number")


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
    columns = _typed(ctx, "boolean")
    value = _col(columns).str.to_lowercase()
    yield CellCheck("V009", columns, present(columns) & ~value.is_in(["true", "false", "1", "0"]),
                    lambda v, c: f"{_show(v)} in {c.name} is not true, false, 1 or 0")


def _id_checksum_ok(value):
    """Polars expression: an 18-character Id's last 3 characters match its case-safe checksum."""
    import polars as pl

    suffix = []
    for block in range(3):
        bits = [value.str.slice(block * 5 + i, 1).str.contains("^[A-Z]$").cast(pl.Int32) * (1 << i)
                for i in range(5)]
        index = pl.sum_horizontal(bits)
        suffix.append(pl.lit(ID_ALPHABET).str.slice(index, 1))
    return value.str.slice(15, 3) == pl.concat_str(suffix)


@rule("V010", "malformed-record-id", "E", scope=Scope.VALUES)
def malformed_record_id(ctx):
    """Malformed Salesforce record Id.

    ## What it checks
    Values of `Id` and of Id-valued lookup columns (describe type `id` or `reference`;
    without describe, `Id` and columns named `*Id`) are 15 or 18 letters and digits, and an
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
    # One check per column: the checksum sums five characters horizontally (pl.sum_horizontal),
    # which over several columns at once would add them across the columns.
    for column in _typed(ctx, "id", "reference"):
        value = _col(column)
        shape_ok = value.str.contains(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
        checksum_ok = (value.str.len_bytes() == 15) | _id_checksum_ok(value)
        yield CellCheck("V010", [column], present(column) & ~(shape_ok & checksum_ok), _id_message)


def _id_message(value: str, column) -> str:
    import re
    if re.fullmatch(r"[A-Za-z0-9]{18}", value):
        return f"{_show(value)} in {column.name}: the last 3 characters do not match the Id's checksum"
    return f"{_show(value)} in {column.name} is not a 15- or 18-character record Id"


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
    for column in _typed(ctx, *TEXT_TYPES):
        length = column.field.length if column.field else 0
        if length > 0:
            yield CellCheck("V011", [column], _col(column).str.len_chars() > length,
                            lambda v, c, n=length: f"{len(v)} characters in {c.name}, longer than its length {n}")


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

    for column in _typed(ctx, "picklist", "multipicklist"):
        field = column.field
        if field is None or not field.restricted_picklist:
            continue
        allowed = list(field.picklist_values)
        value = _col(column)
        if column.value_type == "multipicklist":
            bad = value.str.split(";").list.eval(~pl.element().is_in(allowed)).list.any()
        else:
            bad = ~value.is_in(allowed)
        yield CellCheck("V012", [column], present(column) & bad,
                        lambda v, c: f"{_show(v)} is not an active value of the restricted picklist {c.name}")


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
    value = _col(columns)
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


@dataclass
class SeenKeys:
    first_seen: FirstSeen | None = None   # made with the first frame (numpy is imported then)


@rule("V015", "duplicate-key", "E", scope=Scope.FRAME, state=SeenKeys)
def duplicate_key(values, ctx):
    """Duplicate key within the file.

    ## What it checks
    That no `Id` repeats in an update or delete, and no external id repeats in an
    upsert. Every repeat is reported with the line of the first. Empty keys are not
    compared. Keys are remembered as 64-bit hashes in sorted numpy runs (16 bytes a distinct
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
    import numpy as np
    import polars as pl

    key = _duplicate_key_column(ctx)
    if key is None:
        return
    from sfprep.plan.keys import FirstSeen

    seen = ctx.state(SeenKeys)
    if seen.first_seen is None:
        seen.first_seen = FirstSeen()
    first_seen = seen.first_seen
    raw_key = pl.col(f"c{key.index}")
    # An 18-character Id is its 15-character Id plus a checksum: both forms name one record.
    compared = pl.when(raw_key.str.len_bytes() == 18).then(raw_key.str.slice(0, 15)).otherwise(raw_key) \
        if key.name.lower() == "id" else raw_key
    frame = values.frame.select(raw_key.alias("key"), compared.alias("compared")).with_row_index("row")
    frame = frame.filter((pl.col("key") != "") & (pl.col("key") != "#N/A"))
    if frame.height == 0:
        return
    rows = frame.get_column("row").to_numpy()
    lines = values.locate_many(rows, key.index)[0]
    firsts = first_seen.first_lines(frame.get_column("compared").hash(seed=0).to_numpy(), lines)
    repeats = np.flatnonzero(firsts != lines)
    places = zip(repeats.tolist(), *(where.tolist() for where in values.locate_many(rows[repeats], key.index)))
    for position, line, record, offset in places:
        yield Finding("V015", f"{key.name} {_show(frame.get_column('key')[position])} repeats line {firsts[position]}",
                      line=line, record=record, column=key.index + 1, field=key.name, offset=offset)


def _duplicate_key_column(ctx):
    from sfprep.salesforce.columns import column_named

    operation = ctx.job.operation
    if operation == "upsert":
        key = ctx.job.external_id
    else:
        key = "Id" if operation in ("update", "delete", "hardDelete") else None
    return column_named(ctx.columns, key)


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
    columns = _typed(ctx, "email")
    yield CellCheck("V016", columns, present(columns) & ~_col(columns).str.contains(EMAIL),
                    lambda v, c: f"{_show(v)} in {c.name} is not a plausible email address")


def _show(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")

