"""V005-V007: dates and dateTimes in the form the Bulk API reads, and real calendar values."""
from __future__ import annotations

from sfprep.linter.checks import CellCheck, present
from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.values.common import col, show, typed

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_DATE_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{4})$"
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})$"
ISO_DATETIME_NO_ZONE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?$"


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
    columns = typed(ctx, "date")
    yield CellCheck("V005", columns, present(columns) & ~col(columns).str.contains(pattern),
                    lambda v, c: _date_message(v, c, "date", "yyyy-MM-dd"), fix=_date_fix(ctx))


def _date_message(value: str, column, kind: str, wanted: str) -> str:
    how = "inferred from its values" if column.inferred else f"a {kind} field"
    advice = "" if "--date-format" in wanted else "; give --date-format to fix"
    return f"{show(value)} in {column.name} ({how}) is not {wanted}{advice}"


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
    columns = typed(ctx, "datetime")
    yield CellCheck("V006", columns, present(columns) & ~col(columns).str.contains(ISO_DATETIME),
                    _datetime_message, fix=_datetime_fix(ctx))


def _datetime_message(value: str, column) -> str:
    import re
    if re.match(ISO_DATETIME_NO_ZONE, value):
        return f"{show(value)} in {column.name} has no time zone; Salesforce would guess one (add Z or +HH:mm)"
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

    dates, datetimes = typed(ctx, "date"), typed(ctx, "datetime")
    for columns, bad in ((dates, impossible_day(col(dates))),
                         (datetimes, impossible_day(col(datetimes)) | impossible_time(col(datetimes)))):
        yield CellCheck("V007", columns, bad.fill_null(False),
                        lambda v, c: f"{show(v)} in {c.name} is not a real date or time")
