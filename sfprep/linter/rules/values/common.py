"""What the value rules share: the column expressions and how a value is shown in a message."""
from __future__ import annotations

from sfprep.io.csv import flags as facts
from sfprep.linter.checks import column_expr, show  # noqa: F401  (show: re-exported for the V rules)


def col(columns):
    """pl.col over these columns' values."""
    return column_expr(columns)


def typed(ctx, *types):
    return [c for c in ctx.columns if c.value_type in types]


def key_columns(ctx):
    external_id = (ctx.job.external_id or "").lower()
    return [c for c in ctx.columns
            if c.name.lower() == "id" or (external_id and c.name.lower() == external_id) or c.is_relationship]


def present(view):
    """Facts: neither empty nor the `#N/A` null marker (the values a type check applies to)."""
    return (view.flags & (facts.EMPTY | facts.NULL_MARKER)) == 0


def replaced_by(text: str):
    """A fix that writes `text` instead of the value."""
    def fix(value):
        import polars as pl

        return pl.lit(text)
    return fix


def has(view, *bits: int):
    """Facts: any of these flags set."""
    mask = 0
    for bit in bits:
        mask |= bit
    return (view.flags & mask) != 0
