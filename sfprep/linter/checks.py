"""Cell checks: a value rule's polars expression for one column, and how to word a failure.

A VALUES rule declares its checks once per file (after the header); the engine evaluates
every check of every rule in one polars pass per chunk and calls `finding` for failing
cells only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sfprep.core.model import Edit, Finding, Fix, Severity
from sfprep.io.csv.writer import quote_field


def column_expr(columns):
    """pl.col over the value-frame columns of one Column or several."""
    import polars as pl

    if not isinstance(columns, (list, tuple)):
        columns = [columns]
    return pl.col([f"c{c.index}" for c in columns])


def present(columns):
    """Non-empty and not the `#N/A` null marker: the values a type check applies to."""
    value = column_expr(columns)
    return (value != "") & (value != "#N/A")



@dataclass(frozen=True)
class CellCheck:
    """One test over one or more columns. `bad` is written once over all of them
    (`pl.col([...])`), so a rule costs one polars expression, not one per column."""

    code: str
    columns: tuple                       # sfprep.salesforce.columns.Column, in the order `bad` outputs them
    bad: Any                             # polars expression: True where the value is wrong
    message: Callable[[str, Any], str]   # (value, column) -> message
    fix: Callable[[str], tuple[str, str] | None] | None = None  # value -> (new value, description); unsafe
    severity: Severity | None = None     # where graver or milder than the rule's
    # When `bad` is a cheap superset (bytes for characters), the exact test on flagged values.
    confirm: Callable[[str], bool] | None = None

    def __post_init__(self):
        object.__setattr__(self, "columns", tuple(self.columns))

    def finding(self, values, row: int, value: str, column, line: int, record: int, offset: int) -> Finding:
        """The finding for one failing cell, placed by ValueFrame.locate_many."""
        return Finding(self.code, self.message(value, column), line=line, record=record,
                       column=column.index + 1, field=column.name, offset=offset,
                       fix=self._fix(values, row, value, offset, column), severity=self.severity)

    def _fix(self, values, row: int, value: str, offset: int, column) -> Fix | None:
        if self.fix is None:
            return None
        proposal = self.fix(value)
        if proposal is None:
            return None
        new_value, description = proposal
        raw = values.field_bytes(row, column.index)
        edit = Edit(offset, offset + len(raw), quote_field(new_value, values.delimiter).encode("utf-8"))
        return Fix.unsafe(description, edit)
