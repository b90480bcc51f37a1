"""What each header column is: a field of the object, a relationship reference, or unknown.

With a describe the column gets the field's type; without one, `Id` and `*Id` columns are
record Ids, and date and dateTime columns are recognised from their values (dates in any
layout) and their names (`CloseDate`, `Start_Date__c`, `Shipped_At__c`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sfprep.salesforce.describe import FieldInfo, ObjectInfo

# Dates and date-times in any layout (the V rules then say which are not ISO): digits with
# date separators in any mix (2009-07/14, 2009\\7\\14, 07.15.2009) or a month name, then for
# a date-time a time and any zone marks (Z, +0800, both, UTC).
_MONTH = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?:(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_SEP = r"[-/.\\]"
_CALENDAR = (rf"{_DAY}(?:\d{{4}}{_SEP}\d{{1,2}}{_SEP}\d{{1,2}}|\d{{1,2}}{_SEP}\d{{1,2}}{_SEP}(?:\d{{4}}|\d{{2}})"
             rf"|\d{{1,2}}[ -]{_MONTH}[ -]\d{{2,4}}|{_MONTH}[ -]\d{{1,2}}(?i:st|nd|rd|th)?,?[ -]\d{{2,4}}"
             rf"|\d{{4}}[ -]{_MONTH}[ -]\d{{1,2}})")
_ZONES = r"(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?|(?i:utc|gmt)))*"
DATE_LIKE = rf"^{_CALENDAR}(?:Z|[+-]\d{{2}}:?\d{{2}})?$"
DATETIME_LIKE = rf"^{_CALENDAR}(?:\s*T\s*|\s+)\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:[.,]\d+)?)?\s*(?i:[ap]\.?m\.?)?{_ZONES}$"
INFERENCE_SHARE = 0.8  # a column is date-like when this share of its non-empty values are
NAMED_SHARE = 0.5      # a column named like a date field is one when this share of its values have digits
HAS_DIGITS = rf"\d|{_MONTH}"

# Record Ids by name: `Id` and `AccountId`-like names, in any case (API names are
# case-insensitive), but not snake_case `*_id` (no Salesforce lookup is named so) nor
# words that happen to end in "id".
RECORD_ID_NAME = re.compile(r"^(?:(?:[A-Za-z0-9]+_)*[A-Za-z0-9]*Id|(?:[A-Za-z][A-Za-z0-9]*)?[iI][dD])$")
NOT_RECORD_IDS = ("uuid", "guid", "paid", "valid", "void", "grid", "android", "fluid", "liquid", "solid",
                  "rapid", "hybrid", "humid", "acid", "squid", "vivid", "avoid", "kid", "lid", "bid", "aid", "said")

# Dates and date-times by name: Salesforce's standard ones, `*Date*`, `*_At__c`.
DATETIME_NAMES = frozenset(["createddate", "lastmodifieddate", "systemmodstamp", "lastvieweddate",
                            "lastreferenceddate", "closeddate", "lastlogindate", "emailbounceddate"])
DATE_NAMES = frozenset(["birthdate", "closedate", "activitydate", "lastactivitydate", "startdate", "enddate",
                        "duedate", "effectivedate", "expirationdate", "converteddate", "installdate",
                        "purchasedate", "servicedate", "personbirthdate"])
DATETIME_NAME = re.compile(r"(?i:datetime|modstamp|_at(?:__c)?$)")
DATE_NAME = re.compile(r"Date(?![a-z])|(?i:(?:^|_)dates?(?:_|$))")


@dataclass(frozen=True)
class Column:
    index: int
    name: str                      # as in the header, whitespace stripped
    object_type: str | None        # the `ObjectType:` prefix of a polymorphic reference
    relationship: str | None       # the part before the dot, for `Relationship.Field`
    target: str                    # the field name (the parent's field, for a relationship)
    field: FieldInfo | None        # the field set: the column's own, or the lookup behind a relationship
    value_type: str | None         # describe type, or inferred: "date", "datetime", "id"
    inferred: str = ""             # where value_type was guessed from: "its name", "its values"

    @property
    def is_relationship(self) -> bool:
        return self.relationship is not None


def parse_column(index: int, header_name: str, described: ObjectInfo | None = None) -> Column:
    """The column a header name makes: its parts, and what the describe (or, without one,
    its name) says it holds. Made once: a frozen Column is slow to copy, and a header can
    have 200,000 of them."""
    name = header_name.strip()
    object_type, _, rest = name.rpartition(":") if ":" in name else (None, "", name)
    relationship, _, target = rest.rpartition(".") if "." in rest else (None, "", rest)
    relationship = relationship.strip() if relationship else None
    target = target.strip()
    field, value_type, inferred = None, None, ""
    if described is not None:
        if relationship is not None:
            field = described.relationship(relationship.split(".")[0])
        else:
            field = described.field(target)
            value_type = field.type if field else None
    elif relationship is None and is_record_id_name(name):
        value_type, inferred = "id", "its name"
    return Column(index, name, object_type.strip() if object_type else None, relationship, target, field,
                  value_type, inferred)


def column_named(columns: list[Column], name: str | None) -> Column | None:
    """The column whose name is `name`, in any case (API names are case-insensitive)."""
    wanted = (name or "").lower()
    return next((c for c in columns if wanted and c.name.lower() == wanted), None)


def resolve_columns(header_names: list[str], described: ObjectInfo | None) -> list[Column]:
    return [parse_column(index, name, described) for index, name in enumerate(header_names)]


def is_record_id_name(name: str) -> bool:
    return bool(RECORD_ID_NAME.match(name)) and not name.lower().endswith(NOT_RECORD_IDS)


def date_kind_of_name(name: str) -> str | None:
    """"datetime" or "date" when the name is a date field's (standard or by its shape), else None."""
    lower = name.lower()
    if lower in DATETIME_NAMES or DATETIME_NAME.search(name):
        return "datetime"
    if lower in DATE_NAMES or DATE_NAME.search(name):
        return "date"
    return None


def infer_types_from_values(columns: list[Column], frame) -> list[Column]:
    """Date and dateTime columns recognised from a sample of the values (no describe)."""
    return infer_types_together(columns, [frame])[0]


def infer_types_together(columns: list[Column], frames: list) -> list[list[Column]]:
    """infer_types_from_values for several files with the same columns, in one polars query
    (small files: one query for all instead of one each)."""
    import polars as pl

    candidates = [c for c in columns if c.value_type is None and c.field is None]
    if not candidates:
        return [columns for _ in frames]
    value = pl.col([f"c{c.index}" for c in candidates]).str.strip_chars()
    present = (value != "") & (value != "#N/A")
    tallies = [present.sum().name.prefix("n_"),
               (present & value.str.contains(DATE_LIKE)).sum().name.prefix("d_"),
               (present & value.str.contains(DATETIME_LIKE)).sum().name.prefix("t_"),
               (present & value.str.contains(HAS_DIGITS)).sum().name.prefix("g_")]
    used = [(i, f) for i, f in enumerate(frames) if f.height]
    if not used:
        return [columns for _ in frames]
    if len(used) == 1:
        rows = {used[0][0]: used[0][1].select(tallies).row(0)}
    else:
        stacked = pl.concat([f.with_columns(pl.lit(i, pl.Int32).alias("__file"))
                             for i, f in used])
        counted = stacked.group_by("__file").agg(tallies)
        rows = {row[0]: row[1:] for row in counted.iter_rows()}
    return [_apply_tallies(columns, candidates, rows[i]) if i in rows else columns for i in range(len(frames))]


def _apply_tallies(columns: list[Column], candidates: list[Column], tallies: tuple) -> list[Column]:
    """A candidate is a date (dateTime) column when INFERENCE_SHARE of its present values are;
    or, named like a date field, when NAMED_SHARE of them have digits: then a column wrong in
    every record is still checked, and a column of plain text is not."""
    width = len(candidates)
    inferred = {}
    for position, column in enumerate(candidates):
        present, dates, datetimes, digits = (tallies[block * width + position] for block in range(4))
        if present == 0:
            continue
        kind = _kind_from_values(present, dates, datetimes)
        if kind is not None:
            inferred[column.index] = replace(column, value_type=kind, inferred="its values")
            continue
        named = None if column.is_relationship else date_kind_of_name(column.name)
        if named is not None and digits >= NAMED_SHARE * present:
            kind = "datetime" if datetimes > dates else "date" if dates > datetimes else named
            inferred[column.index] = replace(column, value_type=kind, inferred="its name")
    return [inferred.get(c.index, c) for c in columns]


def _kind_from_values(present: int, dates: int, datetimes: int) -> str | None:
    for kind, count in (("date", dates), ("datetime", datetimes)):
        if count >= INFERENCE_SHARE * present:
            return kind
    return None
