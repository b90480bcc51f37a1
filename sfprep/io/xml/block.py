"""A block of XML records as the reader gathers them (flat lists, one entry per field),
and the same block as a Bulk CSV buffer for the CSV scanner: numpy and polars over the
lists, no Python loop over values."""
from __future__ import annotations

import numpy as np


class Block:
    """The cells of the records read since the last block: flat, one entry per field."""

    def __init__(self, first_record: int):
        self.first_record = first_record
        self.records = 0
        self.record_ordinals: list[int] = []
        self.record_fields: list[int] = []   # per record: its cells
        self.cell_columns: list[int] = []
        self.cell_values: list[str | None] = []
        self.cell_ordinals: list[int] = []
        self.source_start = 0       # file offset the parser had read to when the block began



def kept_cells(block: Block, width: int) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], list]:
    """((record in the block, column, index into the block's lists) of each cell that
    counts, [(record, column, ordinal) of each repeat]): a field repeated within a record
    counts once, the first time."""
    records = np.repeat(np.arange(block.records, dtype=np.int64), block.record_fields)
    columns = np.asarray(block.cell_columns, dtype=np.int64)
    _, first = np.unique(records * max(1, width) + columns, return_index=True)
    repeats = []
    if len(first) < len(columns):
        for cell in np.setdiff1d(np.arange(len(columns)), first).tolist():
            repeats.append((int(records[cell]), int(columns[cell]), block.cell_ordinals[cell]))
        first.sort()
    return (records[first], columns[first], first), repeats


def field_ordinals(block: Block, width: int, header_ordinals: list[int], cells) -> np.ndarray:
    """The element ordinal of each field of the block's CSV buffer, in its order: the
    header's names (each name's first element, when the buffer has the header), then each
    record's columns (an absent field: its record's element)."""
    records, columns, kept = cells
    grid = np.repeat(np.asarray(block.record_ordinals, dtype=np.int64)[:, None], width, axis=1)
    grid[records, columns] = np.asarray(block.cell_ordinals, dtype=np.int64)[kept]
    return np.concatenate([np.asarray(header_ordinals, dtype=np.int64), grid.ravel()])


def csv_buffer(block: Block, width: int, header: list[str] | None, cells) -> bytes:
    """The block as Bulk CSV of `width` columns (the header first, when given): every value
    quoted, the null as #N/A, an absent field empty."""
    import polars as pl

    records, columns, kept = cells
    lines = []
    if header is not None:
        lines.append(",".join('"' + name.replace('"', '""') + '"' for name in header))
    values = pl.Series(block.cell_values, dtype=pl.String)
    quoted = pl.select(pl.when(pl.lit(values).is_null()).then(pl.lit("#N/A"))
                       .otherwise(pl.lit('"') + pl.lit(values).str.replace_all('"', '""', literal=True) + pl.lit('"'))
                       ).to_series().append(pl.Series([""], dtype=pl.String))
    grid = np.full((block.records, width), len(block.cell_values), dtype=np.int64)
    grid[records, columns] = kept
    rows = pl.select(pl.concat_str([quoted.gather(grid[:, j]) for j in range(width)], separator=",")).to_series()
    lines.append(rows.str.join("\n").item())
    return ("\n".join(lines) + "\n").encode()
