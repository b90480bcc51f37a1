"""Cell checks: a value rule's test over its columns, and how its failures are worded and
fixed, for all failing cells at once.

A VALUES rule declares its checks once per file (after the header). A check's test is
either `facts`, over what the C field pass knows of every field (io/csv/fields.py: empty,
`#N/A`, whitespace at the ends, length, Id shape...; no polars frame at all), or `bad`, a
polars expression over the value frame (dates, numbers, picklists). The failing cells of
a chunk become one FindingBatch: messages from a template (`{value}`, `{field}`) rendered
by polars, or, for the few rules that need Python per value (dates), from a function
called once per distinct failing value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from sfprep.core.model import Severity

SHOWN = 40  # a value longer than this is shown cut, with "..."


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
class Verdict:
    """What a per-value check says of one failing value (CellCheck.judge)."""

    message: str
    new_value: str | None = None      # the fix's new value, or None: no fix for this value
    description: str | None = None    # the fix's description
    hint: str | None = None           # how it could be fixed, where it is not


@dataclass(frozen=True, eq=False)
class CellCheck:
    """One test over one or more columns, written once over all of them."""

    code: str
    columns: tuple                  # sfprep.salesforce.columns.Column
    bad: Any = None                 # polars expression: True where the value is wrong; or
    facts: Callable | None = None   # (FieldFacts as columns x records) -> bool array, from the C pass
    message: str = ""               # template: {value} (shown quoted and cut), {field}, {type}
    fix: Callable | None = None     # value expression -> the new value's expression (unsafe)
    fix_description: str | None = None
    judge: Callable[[str, Any], Verdict] | None = None  # instead: Python, once per distinct failing value
    hint: str | None = None         # for every finding of the check
    severity: Severity | None = None   # where graver or milder than the rule's
    # The fixes of one column are kept only if every failing cell of it (whole file) has one.
    all_or_nothing: bool = False
    no_fix: Callable[[str, str], str] | None = None  # (value, how to name it) -> why it has no fix

    def __post_init__(self):
        object.__setattr__(self, "columns", tuple(self.columns))

    @property
    def on_facts(self) -> bool:
        return self.facts is not None

    def verdicts(self, values, column):
        """For a Series of failing values of `column`: a frame of message, new value (null:
        no fix), description and hint, one row per value, computed all at once."""
        import polars as pl

        frame = pl.DataFrame({"value": values})
        if self.judge is not None:
            return _judged(frame, lambda value: self.judge(value, column))
        value = pl.col("value")
        new = self.fix(value) if self.fix is not None else pl.lit(None, pl.String)
        return frame.with_columns(  # with_columns: a literal fills every row
            message=render(self.message, value, column),
            new_value=new.cast(pl.String),
            description=pl.lit(self.fix_description if self.fix is not None else None, pl.String),
            hint=pl.lit(self.hint, pl.String)).drop("value")


def _judged(frame, judge: Callable[[str], Verdict]):
    """Verdicts computed in Python once per distinct value, joined back to every row."""
    import polars as pl

    distinct = frame.get_column("value").unique(maintain_order=True)
    verdicts = [judge(value) for value in distinct.to_list()]
    table = pl.DataFrame({"value": distinct,
                          "message": [v.message for v in verdicts],
                          "new_value": [v.new_value for v in verdicts],
                          "description": [v.description for v in verdicts],
                          "hint": [v.hint for v in verdicts]},
                         schema={"value": pl.String, "message": pl.String, "new_value": pl.String,
                                 "description": pl.String, "hint": pl.String})
    return frame.join(table, on="value", how="left", maintain_order="left").drop("value")


def render(template: str, value, column):
    """A polars expression of `template` with `{field}`, `{type}` and `{value}` (shown) filled in."""
    import polars as pl

    text = template.replace("{field}", column.name).replace("{type}", column.value_type or "")
    parts = text.split("{value}")
    pieces: list = [pl.lit(parts[0])]
    for rest in parts[1:]:
        pieces += [show_expr(value), pl.lit(rest)]
    return pl.concat_str(pieces) if len(pieces) > 1 else pieces[0]


_ESCAPES = (("\\", "\\\\"), ("'", "\\'"), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def show(value: str) -> str:
    """A value as messages show it: single-quoted, escaped, cut past SHOWN characters."""
    if len(value) > SHOWN:
        value = value[:SHOWN - 3] + "..."
    for raw, escaped in _ESCAPES:
        value = value.replace(raw, escaped)
    return "'" + _OTHER_CONTROLS.sub("\ufffd", value) + "'"


def show_expr(value):
    """show() as a polars expression (the same text for the same value)."""
    import polars as pl

    cut = pl.when(value.str.len_chars() > SHOWN).then(value.str.slice(0, SHOWN - 3) + "...").otherwise(value)
    for raw, escaped in _ESCAPES:
        cut = cut.str.replace_all(raw, escaped, literal=True)
    cut = cut.str.replace_all(_OTHER_CONTROLS.pattern, "\ufffd")
    return pl.lit("'") + cut + pl.lit("'")


def show_series(values):
    """show() of each value of a polars String Series, each distinct value worked out once
    (a dirty file repeats a few values over millions of rows)."""
    import polars as pl

    distinct = values.unique()
    return values.replace_strict(distinct, pl.select(show_expr(pl.lit(distinct))).to_series())


def quoted_expr(value, delimiter: str):
    """io.csv.writer.quote_field as a polars expression: quoted only when it must be."""
    import polars as pl

    needs = value.str.contains(f"[{re.escape(delimiter)}\"\r\n]")
    return pl.when(needs).then(pl.lit('"') + value.str.replace_all('"', '""', literal=True) + pl.lit('"')) \
        .otherwise(value)


@dataclass
class HeldColumn:
    """An all-or-nothing check's record on one column, over the whole file: how many of its
    findings came with a fix, and the first failing value that had none."""

    rule: Any
    check: CellCheck
    column: Any
    fixable: int = 0
    contradiction: tuple[str, int] | None = None   # (value, line)

    def withdrawal(self):
        """(note to add to each message, hint) when the column's fixes must be withdrawn, else None."""
        if self.contradiction is None or not self.fixable:
            return None
        value, line = self.contradiction
        why = self.check.no_fix(value, show(value)) if self.check.no_fix is not None else f"{show(value)} has no fix"
        note = (f"; not rewritten: {why} (line {line}), and the values of {self.column.name} "
                "are rewritten all or none")
        hint = None
        if self.check.judge is not None:  # what would fix the value that blocks the column fixes the column
            hint = self.check.judge(value, self.column).hint
        return note, hint


@dataclass(frozen=True, eq=False)
class FrameCheck:
    """A rule that reads whole columns of each value frame, in order, with state (V015):
    `run(values, ctx)` returns a FindingBatch or None."""

    code: str
    columns: tuple
    run: Callable
    on_facts: bool = field(default=False, init=False)
