"""What each header column is: a field of the object, a relationship reference, or unknown.

With a describe the column gets the field's type; without one, `Id` and `*Id` columns are
record Ids, and date and dateTime columns are recognised from their values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sfprep.describe import FieldInfo, ObjectInfo

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
    """Date and dateTime columns recognised from the first chunk's values (no describe)."""
    import polars as pl

    candidates = [c for c in columns if c.value_type is None and c.field is None]
    if not candidates or frame.height == 0:
        return columns
    value = pl.col([f"c{c.index}" for c in candidates]).str.strip_chars()
    present = (value != "") & (value != "#N/A")
    counts = frame.select(
        present.sum().name.prefix("n_"),
        (present & value.str.contains(DATE_LIKE)).sum().name.prefix("d_"),
        (present & value.str.contains(DATETIME_LIKE)).sum().name.prefix("t_"),
    ).row(0)
    width = len(candidates)
    counts = {f"{key}{column.index}": counts[block * width + position]
              for block, key in enumerate("ndt") for position, column in enumerate(candidates)}
    inferred = {}
    for column in candidates:
        present = counts[f"n{column.index}"]
        if present == 0:
            continue
        for kind, key in (("date", "d"), ("datetime", "t")):
            if counts[f"{key}{column.index}"] >= INFERENCE_SHARE * present:
                inferred[column.index] = replace(column, value_type=kind, inferred=True)
    return [inferred.get(c.index, c) for c in columns]
