"""What each header column is: a field of the object, a relationship reference, or unknown.

With a describe the column gets the field's type; without one, `Id` and `*Id` columns are
record Ids, and date and dateTime columns are recognised from their values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sfprep.salesforce.describe import FieldInfo, ObjectInfo

DATE_LIKE = (r"^(?:\d{4}-\d{1,2}-\d{1,2}(?:Z|[+-]\d{2}:?\d{2})?|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}/\d{1,2}/\d{1,2})$")
DATETIME_LIKE = (r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}/\d{1,2}/\d{1,2})"
                 r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
INFERENCE_SHARE = 0.8  # a column is date-like when this share of its non-empty values are
RECORD_ID_NAME = re.compile(r"^(?:[A-Za-z0-9]+_)*[A-Za-z0-9]*Id$")


@dataclass(frozen=True)
class Column:
    index: int
    name: str                      # as in the header, whitespace stripped
    object_type: str | None        # the `ObjectType:` prefix of a polymorphic reference
    relationship: str | None       # the part before the dot, for `Relationship.Field`
    target: str                    # the field name (the parent's field, for a relationship)
    field: FieldInfo | None        # the field set: the column's own, or the lookup behind a relationship
    value_type: str | None         # describe type, or inferred: "date", "datetime", "id"
    inferred: bool = False         # value_type guessed from the name or the values

    @property
    def is_relationship(self) -> bool:
        return self.relationship is not None


def parse_column(index: int, header_name: str) -> Column:
    name = header_name.strip()
    object_type, _, rest = name.rpartition(":") if ":" in name else (None, "", name)
    relationship, _, target = rest.rpartition(".") if "." in rest else (None, "", rest)
    return Column(index, name, object_type.strip() if object_type else None,
                  relationship.strip() if relationship else None, target.strip(), None, None)


def column_named(columns: list[Column], name: str | None) -> Column | None:
    """The column whose name is `name`, in any case (API names are case-insensitive)."""
    wanted = (name or "").lower()
    return next((c for c in columns if wanted and c.name.lower() == wanted), None)


def resolve_columns(header_names: list[str], described: ObjectInfo | None) -> list[Column]:
    columns = []
    for index, header_name in enumerate(header_names):
        column = parse_column(index, header_name)
        if described is None:
            columns.append(_guess_from_name(column))
            continue
        if column.is_relationship:
            field = described.relationship(column.relationship.split(".")[0])
            columns.append(replace(column, field=field, value_type=None))
        else:
            field = described.field(column.target)
            columns.append(replace(column, field=field, value_type=field.type if field else None))
    return columns


def _guess_from_name(column: Column) -> Column:
    if not column.is_relationship and RECORD_ID_NAME.match(column.name):
        return replace(column, value_type="id", inferred=True)
    return column


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
               (present & value.str.contains(DATETIME_LIKE)).sum().name.prefix("t_")]
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
    """A candidate is a date (dateTime) column when INFERENCE_SHARE of its present values are."""
    width = len(candidates)
    inferred = {}
    for position, column in enumerate(candidates):
        present, dates, datetimes = (tallies[block * width + position] for block in range(3))
        if present == 0:
            continue
        for kind, count in (("date", dates), ("datetime", datetimes)):
            if count >= INFERENCE_SHARE * present:
                inferred[column.index] = replace(column, value_type=kind, inferred=True)
    return [inferred.get(c.index, c) for c in columns]
