"""What the value rules share: the column expressions and how a value is shown in a message."""
from __future__ import annotations

from sfprep.linter.checks import column_expr


def col(columns):
    """pl.col over these columns' values."""
    return column_expr(columns)


def typed(ctx, *types):
    return [c for c in ctx.columns if c.value_type in types]


def key_columns(ctx):
    external_id = (ctx.job.external_id or "").lower()
    return [c for c in ctx.columns
            if c.name.lower() == "id" or (external_id and c.name.lower() == external_id) or c.is_relationship]


def show(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")
