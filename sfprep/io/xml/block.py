"""A block of XML records as the reader gathers them (flat lists, one entry per field),
and the same block as a Bulk CSV buffer for the CSV scanner: numpy and polars over the
lists, no Python loop over values."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

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


def first_ordinals(block: Block, width: int, cells) -> np.ndarray:
    """Per column, the ordinal of its first element in the block (the header's places: a
    name is where it first appears); the first record's for a name the block lacks."""
    records, columns, kept = cells
    found = np.full(width, block.record_ordinals[0], dtype=np.int64)
    seen, first = np.unique(columns, return_index=True)
    found[seen] = np.asarray(block.cell_ordinals, dtype=np.int64)[kept[first]]
    return found


def field_ordinals(block: Block, width: int, header_ordinals, cells) -> np.ndarray:
    """The element ordinal of each field of the block's CSV buffer, in its order: the
    header's names (each name's first element, when the buffer has the header), then each
    record's columns (an absent field: its record's element)."""
    records, columns, kept = cells
    grid = np.repeat(np.asarray(block.record_ordinals, dtype=np.int64)[:, None], width, axis=1)
    grid[records, columns] = np.asarray(block.cell_ordinals, dtype=np.int64)[kept]
    return np.concatenate([np.asarray(header_ordinals, dtype=np.int64), grid.ravel()])


def csv_buffer(block: Block, width: int, header: list[str] | None, cells) -> bytes:
    """The block as Bulk CSV of `width` columns (the header first, when given): every value
    quoted, the null as #N/A, an absent field empty. One gather puts every record's fields
    in order (records x width), and one join per row writes them."""
    import polars as pl

    records, columns, kept = cells
    values = pl.lit(pl.Series(block.cell_values, dtype=pl.String))
    quoted = pl.select(pl.concat_str([pl.lit('"'), values.str.replace_all('"', '""', literal=True), pl.lit('"')])
                       .fill_null("#N/A")).to_series().append(pl.Series([""], dtype=pl.String))
    grid = np.full((block.records, width), len(block.cell_values), dtype=np.int64)
    grid[records, columns] = kept
    rows = quoted.gather(pl.Series(grid.ravel())).reshape((block.records, width)).arr.join(",")
    head = ",".join('"' + name.replace('"', '""') + '"' for name in header) + "\n" if header is not None else ""
    body = pl.select(pl.lit(rows).str.join("\n").cast(pl.Binary)).item()
    return head.encode() + body + b"\n"


class ChunkBuilder:
    """One worker thread that builds the XmlChunks, block after block, while the reader
    parses on: numpy and polars release the GIL. It alone asks tags.py for positions, in
    the order the blocks come, as TagPositions needs."""

    def __init__(self, positions):
        self.positions = positions
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sfprep-xml")

    def submit(self, build, pending: list, done_before: int) -> Future:
        """build(positions) -> the chunk (or None for no build); then the lines of the
        problems found while reading the block; the elements before `done_before` let go."""
        return self.pool.submit(self._run, build, pending, done_before)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.positions.close()

    def _run(self, build, pending: list, done_before: int):
        chunk = build(self.positions) if build is not None else None
        self._place(pending)
        self.positions.forget_before(done_before)
        return chunk

    @staticmethod
    def chunk(block, width, header, cells, ordinals, record_ordinals, characters, is_last, source_end, positions):
        from sfprep.io.xml.chunk import build_xml_chunk

        offsets, lines = positions.locate(np.concatenate([ordinals, record_ordinals]))
        cut = len(ordinals)
        return build_xml_chunk(csv_buffer(block, width, header, cells), 0 if header else block.first_record,
                               (offsets[:cut], lines[:cut]), (offsets[cut:], lines[cut:]),
                               characters, is_last, source_end)

    def _place(self, pending: list) -> None:
        """Give these problems their lines and offsets (ordinals only grow)."""
        if not pending:
            return
        ordinals = np.asarray([p.ordinal for p in pending], dtype=np.int64)
        order = np.argsort(ordinals, kind="stable")
        offsets, lines = self.positions.locate(ordinals[order])
        for k, index in enumerate(order.tolist()):
            problem = pending[index]
            problem.line = int(lines[k]) or 1
            problem.offset = int(offsets[k]) if offsets[k] >= 0 else None

