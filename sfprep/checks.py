"""Cell checks: a value rule's polars expression for one column, and how to word a failure.

A VALUES rule declares its checks once per file (after the header); the engine evaluates
every check of every rule in one polars pass per chunk and calls `finding` for failing
cells only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sfprep.model import Edit, Finding, Fix, Severity


@dataclass(frozen=True)
class CellCheck:
    code: str
    column: Any                          # sfprep.columns.Column
    bad: Any                             # polars expression: True where the value is wrong
    message: Callable[[str], str]
    fix: Callable[[str], tuple[str, str] | None] | None = None  # value -> (new value, description)
    unsafe: bool = True
    severity: Severity | None = None

    def finding(self, values, row: int, value: str) -> Finding:
        line, record, offset = values.locate(row, self.column.index)
        return Finding(self.code, self.message(value), line=line, record=record,
                       column=self.column.index + 1, field=self.column.name, offset=offset,
                       fix=self._fix(values, row, value, offset), severity=self.severity)

    def _fix(self, values, row: int, value: str, offset: int) -> Fix | None:
        if self.fix is None:
            return None
        proposal = self.fix(value)
        if proposal is None:
            return None
        new_value, description = proposal
        raw = values.field_bytes(row, self.column.index)
        edit = Edit(offset, offset + len(raw), quote_field(new_value, values.delimiter).encode("utf-8"))
        return (Fix.unsafe if self.unsafe else Fix.safe)(description, edit)


def quote_field(value: str, delimiter: str = ",") -> str:
    """A CSV field for `value`, quoted only when it has to be."""
    if any(ch in value for ch in (delimiter, '"', "\n", "\r")) or value != value.strip(" \t"):
        return '"' + value.replace('"', '""') + '"'
    return value
