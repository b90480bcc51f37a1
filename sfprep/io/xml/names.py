"""A column name in CSV's header grammar, as the parts an XML element tree needs:
`Name`, `Rel__r.Field` (a nested sObject) or `Type:Rel.Field` (with a `<type>`)."""
from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"(?:(?P<type>[A-Za-z][A-Za-z0-9_]*):)?(?P<first>[A-Za-z][A-Za-z0-9_]*)"
                   r"(?:\.(?P<field>[A-Za-z][A-Za-z0-9_]*))?")


@dataclass(frozen=True)
class ColumnName:
    element: str                  # the record's child element
    target: str | None = None     # the field inside the nested sObject (a relationship)
    object_type: str | None = None


def parse_name(name: str) -> ColumnName | None:
    """The parts of a column name, or None when it cannot be an XML element (H004 and H005 say why)."""
    match = _NAME.fullmatch(name)
    if match is None or (match["type"] and not match["field"]):
        return None
    return ColumnName(match["first"], match["field"], match["type"])
