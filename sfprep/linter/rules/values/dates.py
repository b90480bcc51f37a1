"""V005-V007: dates and dateTimes in the form the Bulk API reads, and real calendar values."""
from __future__ import annotations

import functools
import re
from typing import NamedTuple

from sfprep.linter.checks import CellCheck, Verdict, present
from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.values.common import col, show, typed

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_DATE_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{4})$"
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})$"
# A zone after a time; Z and an offset both; what the V006 fix reads without --date-format
# (ISO with T or a space, a zone or none): compiled, for the failing cells only.
_ZONE_AT_END = re.compile(r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm]\s*)?(?:Z|[+-]\d{2}(?::?\d{2})?)$")
_Z_AND_OFFSET = re.compile(r"Z[+-]\d{2}:?\d{2}$")
_ISO_LAYOUT = re.compile(r"^\d{4}-\d{2}-\d{2}(?P<sep>[T ])\d{2}:\d{2}:\d{2}(?P<fraction>\.\d{1,6})?"
                         r"(?P<zone>Z|[+-]\d{2}:?\d{2})?$")


def _date_fix(fmt: str | None):
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
    Values of date fields (describe type `date`; without a describe, columns whose values
    are mostly dates in any layout, or whose name is a date field's, like `Birthdate`,
    `CloseDate` or `Start_Date__c`, and whose values have digits) are `yyyy-MM-dd`. The
    bulk1 profile also accepts the guide's `yyyy-MM-ddZ` and `yyyy-MM-dd+HHmm`; Bulk API
    2.0 does not.

    ## Why it matters
    `2023-06-07` loads; `06/07/2023` fails the row, and whether it meant June or July is
    lost. Spreadsheets rewrite dates in the user's locale on every save.

    ## Example
    `Birthdate` / `06/07/1990`

    ## Use instead
    `Birthdate` / `1990-06-07`

    ## Fix
    Unsafe, and only with `--date-format` (e.g. `%m/%d/%Y`): the value is read with that
    format and written as `yyyy-MM-dd`. sfprep never guesses day-versus-month, and a
    column is rewritten only if the format reads every one of its non-ISO values in the
    whole file: one value it cannot read (`07/15/2009` under `%d/%m/%Y`) shows the format
    is wrong, and then no value of the column is rewritten; the findings name that value.
    """
    pattern = f"{ISO_DATE}|{ISO_DATE_WITH_OFFSET}" if ctx.profile.get("date_offset_allowed") else ISO_DATE
    fmt = ctx.settings.date_format if ctx.settings else None
    columns = typed(ctx, "date")
    fix = _date_fix(fmt)

    def judge(value: str, column) -> Verdict:
        message = _not_iso(value, column, "date", "yyyy-MM-dd")
        fixed = fix(value) if fix else None
        if fixed is not None:
            return Verdict(message, *fixed)
        message += f"; --date-format {fmt} does not read it" if fmt else "; give --date-format to fix"
        return Verdict(message, hint=_fix_with(["--date-format FMT"], column, failed=bool(fmt)))

    yield CellCheck("V005", columns, present(columns) & ~col(columns).str.contains(pattern), judge=judge,
                    all_or_nothing=fix is not None, no_fix=lambda v, name: f"--date-format {fmt} does not read {name}")


def _not_iso(value: str, column, kind: str, wanted: str) -> str:
    how = f"inferred from {column.inferred}" if column.inferred else f"a {kind} field"
    return f"{show(value)} in {column.name} ({how}) is not {wanted}"


def _fix_with(flags: list[str], column, failed: bool) -> str:
    """The hint of a date finding without a fix: the command that would fix it."""
    return _command_hint(tuple(flags), column.name, failed)


@functools.lru_cache(maxsize=256)  # a handful per column, asked once per failing cell
def _command_hint(flags: tuple[str, ...], column_name: str, failed: bool) -> str:
    command = f"fix with `sfprep fix --unsafe-fixes {' '.join(flags)}`"
    if failed:
        return f"{command}, where FMT reads every non-ISO value of {column_name}"
    examples = {"--date-format FMT": "FMT as in strptime, e.g. %m/%d/%Y", "--timezone TZ": "TZ e.g. Europe/Paris"}
    return f"{command} ({'; '.join(examples[flag] for flag in flags)})"


@rule("V006", "datetime-not-iso", "E", fix="U", scope=Scope.VALUES)
def datetime_not_iso(ctx):
    """dateTime value not `yyyy-MM-ddTHH:mm:ss[.SSS]` with a zone.

    ## What it checks
    Values of dateTime fields (describe type `datetime`, or, without a describe, columns
    whose values are mostly date-times in any layout, or whose name is a dateTime field's,
    like `CreatedDate` or `Shipped_At__c`) are `yyyy-MM-ddTHH:mm:ss`, optionally with
    `.SSS`, followed by `Z`, `+HHmm` or `+HH:mm`. A dateTime with no zone is an error, and
    so is one with two (`...000Z-0300`).

    ## Why it matters
    Without a zone Salesforce reads the time in a zone you did not state: the classic
    "dates shift by a day" failure, found weeks later in reports.

    ## Example
    `2023-06-07 10:00:00` or `2023-06-07T10:00:00`

    ## Use instead
    `2023-06-07T10:00:00Z` or `2023-06-07T10:00:00+02:00`

    ## Fix
    Unsafe. A value is read with `--date-format` (or, without it, as an ISO date-time with
    `T` or a space), in the `--timezone` when it has no zone of its own, and written in UTC
    with `Z`: a zone-less ISO value needs only `--timezone`, a value in another layout
    `--date-format` as well. As for V005, a column is rewritten only if every one of its
    values can be.
    """
    settings = ctx.settings
    fmt = settings.date_format if settings else None
    zone_name = settings.timezone if settings else None
    columns = typed(ctx, "datetime")
    fix = _datetime_fix(fmt, zone_name)

    def judge(value: str, column) -> Verdict:
        message = _datetime_message(value, column)
        fixed = fix(value)
        if fixed is not None:
            return Verdict(message, *fixed)
        return Verdict(f"{message}; {_datetime_no_fix(value, 'it', fmt, zone_name, own=True)}",
                       hint=_datetime_hint(value, column, fmt))

    yield CellCheck("V006", columns, present(columns) & ~col(columns).str.contains(ISO_DATETIME), judge=judge,
                    all_or_nothing=True, no_fix=lambda v, name: _datetime_no_fix(v, name, fmt, zone_name))


def _datetime_message(value: str, column) -> str:
    shape = _shape(value)
    if shape.two_zones:
        return f"{show(value)} in {column.name} has both Z and an offset; a dateTime has one zone"
    if shape.iso_format and not shape.zone:
        return f"{show(value)} in {column.name} has no time zone; Salesforce would guess one (add Z or +HH:mm)"
    return _not_iso(value, column, "dateTime", "yyyy-MM-ddTHH:mm:ss plus a zone")


def _datetime_hint(value: str, column, fmt: str | None) -> str | None:
    shape = _shape(value)
    if shape.two_zones:
        return None  # which of its two zones is meant, no flag can say
    needs = ([] if shape.iso_format else ["--date-format FMT"]) + ([] if shape.zone else ["--timezone TZ"])
    return _fix_with(needs or ["--date-format FMT"], column, failed=bool(fmt) and not shape.iso_format)


class Shape(NamedTuple):
    iso_format: str | None   # the strptime format of its ISO layout (T or space), or None
    zone: bool               # it ends with a zone after a time
    two_zones: bool          # `...Z-0300`


@functools.lru_cache(maxsize=4096)  # a column's failing values repeat: each is looked at once
def _shape(value: str) -> Shape:
    value = value.strip()
    iso = _ISO_LAYOUT.match(value)
    iso_format = None
    if iso:
        iso_format = f"%Y-%m-%d{iso['sep']}%H:%M:%S" + (".%f" if iso["fraction"] else "") + ("%z" if iso["zone"] else "")
    return Shape(iso_format, bool(_ZONE_AT_END.search(value)), bool(_Z_AND_OFFSET.search(value)))


def _datetime_no_fix(value: str, name: str, fmt: str | None, zone_name: str | None, own: bool = False) -> str:
    """Why _datetime_fix gave this value (called `name` in the sentence) nothing; `own` when the
    sentence follows the value's own message, which has already said it has no zone."""
    shape = _shape(value)
    if shape.two_zones:
        return f"which zone {name} means is yours to say"
    if not shape.iso_format and (not fmt or _read(value.strip(), fmt) is None):
        return f"--date-format {fmt} does not read {name}" if fmt else f"{name} needs --date-format"
    if shape.iso_format and _read(value.strip(), shape.iso_format) is None:
        return f"{name} is not a real date and time"
    if zone_name:
        return f"--timezone {zone_name!r} is not a time zone"
    return "give --timezone to fix" if own else f"{name} has no zone and no --timezone is given"


def _read(value: str, fmt: str):
    from datetime import datetime
    try:
        return datetime.strptime(value, fmt)
    except ValueError:
        return None


def _datetime_fix(fmt: str | None, zone_name: str | None):
    """value -> (the value in UTC with Z, description), or None when it cannot be read, or
    has no zone and no (valid) --timezone is given. A value that states its zone needs none."""
    from datetime import timezone
    from zoneinfo import ZoneInfo

    zone = None
    if zone_name:
        try:
            zone = ZoneInfo(zone_name)
        except (ValueError, KeyError, OSError):
            zone = None

    def convert(value: str):
        value = value.strip()
        used = fmt
        moment = _read(value, fmt) if fmt else None
        if moment is None:
            shape = _shape(value)
            if shape.iso_format is None or (zone is None and not shape.zone):
                return None  # unread, or zone-less with no zone to read it in: no strptime needed
            used = shape.iso_format
            moment = _read(value, used)
        if moment is None:
            return None
        read_as = f"read as {used}"
        if moment.tzinfo is None:
            if zone is None:
                return None
            moment, read_as = moment.replace(tzinfo=zone), f"{read_as} in {zone_name}"
        utc = moment.astimezone(timezone.utc)
        text = f"{utc.year:04d}-" + utc.strftime("%m-%dT%H:%M:%S")
        if utc.microsecond:
            text += f".{utc.microsecond // 1000:03d}"
        return text + "Z", f"Rewrite in UTC ({read_as})"
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
        yield CellCheck("V007", columns, bad.fill_null(False), message="{value} in {field} is not a real date or time")
