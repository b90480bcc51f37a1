"""Cell checks: a value rule's polars expression for one column, and how to word a failure.

A VALUES rule declares its checks once per file (after the header); the engine evaluates
every check of every rule in one polars pass per chunk and calls `finding` for failing
cells only.

A check whose fixes must agree across a column (`all_or_nothing`: a date format either
reads the whole column or is the wrong format) has its findings held per column until the
file ends (HeldColumn); if any failing cell of the column got no fix, none of them keeps one.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    # (value, column) -> how a finding without a fix could be fixed (Finding.hint)
    hint: Callable[[str, Any], str | None] | None = None
    # (value, how to name it) -> why `fix` gave it nothing: "--date-format %d/%m/%Y does not read it"
    no_fix: Callable[[str, str], str] | None = None
    # The fixes of one column are kept only if every failing cell of it (whole file) has one.
    all_or_nothing: bool = False

    def __post_init__(self):
        object.__setattr__(self, "columns", tuple(self.columns))

    def finding(self, values, row: int, value: str, column, line: int, record: int, offset: int) -> Finding:
        """The finding for one failing cell, placed by ValueFrame.locate_many."""
        fix = self._fix(values, row, value, offset, column)
        message = self.message(value, column)
        if fix is None and self.fix is not None and self.no_fix is not None:
            message += f"; {self.no_fix(value, 'it')}"
        hint = self.hint(value, column) if fix is None and self.hint is not None else None
        return Finding(self.code, message, line=line, record=record, column=column.index + 1,
                       field=column.name, offset=offset, fix=fix, severity=self.severity, hint=hint)

    @property
    def held_per_column(self) -> bool:
        """Whether the value stage holds this check's findings to the end of the file."""
        return self.all_or_nothing and self.fix is not None

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


@dataclass
class HeldColumn:
    """An all-or-nothing check's findings on one column, held until the file ends."""

    rule: Any
    check: CellCheck
    column: Any
    held: list = field(default_factory=list)         # findings, in file order
    contradiction: tuple[str, int | None] | None = None  # the first failing (value, line) with no fix

    def add(self, finding: Finding, value: str) -> None:
        self.held.append(finding)
        if finding.fix is None and self.contradiction is None:
            self.contradiction = (value, finding.line)

    def released(self) -> list[Finding]:
        """The findings as they stand: with their fixes if every one has a fix, else all without."""
        if self.contradiction is None:
            return self.held
        value, line = self.contradiction
        shown = repr(value if len(value) <= 40 else value[:37] + "...")
        why = self.check.no_fix(value, shown) if self.check.no_fix is not None else f"{shown} has no fix"
        note = (f"; not rewritten: {why} (line {line}), and the values of {self.column.name} "
                "are rewritten all or none")
        # What would fix the value that blocks the column is what would fix the column.
        hint = self.check.hint(value, self.column) if self.check.hint is not None else None
        return [finding if finding.fix is None else replace(finding, fix=None, message=finding.message + note, hint=hint)
                for finding in self.held]
