"""The value stage: each chunk's clean records as a polars frame, and every cell check of
every rule evaluated on it in one pass.

Polars releases the GIL, so a worker thread evaluates chunk N while the main thread scans
chunk N+1; results are taken back in order, and findings are worded and emitted only in the
main thread, so output never depends on timing. At most MAX_IN_FLIGHT chunks are held.

Column types inferred from values (no describe) are decided on the first
INFERENCE_SAMPLE records, whatever the chunk size: frames wait until the sample is complete
or the file ends, so findings never depend on where chunks were cut.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor

from sfprep.columns import infer_types_from_values

INFERENCE_SAMPLE = 1000
MAX_IN_FLIGHT = 2


class ValueStage:
    def __init__(self, ctx, declarations, frame_rules, emit, run_rules):
        self.ctx, self.emit, self.run_rules = ctx, emit, run_rules
        self.declarations, self.frame_rules = declarations, frame_rules
        self.waiting: list = []          # frames held until the inference sample is complete
        self.sampled = 0
        self.ready = False
        self.in_flight: deque = deque()
        self.pool: ThreadPoolExecutor | None = None

    @property
    def active(self) -> bool:
        return bool(self.declarations or self.frame_rules)

    def feed(self, chunk) -> None:
        ctx = self.ctx
        if ctx.header is None or ctx.header.is_blank:
            return
        if self.ready:
            self._submit(chunk)
            return
        values = _frame(chunk, ctx)
        if values is None:
            return
        self.waiting.append(values)
        self.sampled += values.frame.height
        if self.sampled >= INFERENCE_SAMPLE:
            self._declare_checks()

    def finish(self) -> None:
        if not self.ready:
            self._declare_checks()
        while self.in_flight:
            self._emit(self.in_flight.popleft().result())
        if self.pool is not None:
            self.pool.shutdown()

    def _declare_checks(self) -> None:
        import polars as pl

        ctx = self.ctx
        self.ready = True
        if ctx.described is None and self.waiting:
            sample = pl.concat([v.frame for v in self.waiting]).head(INFERENCE_SAMPLE)
            ctx.columns = infer_types_from_values(ctx.columns, sample)
        ctx.cell_checks = [(rule_, check) for rule_, declare in self.declarations
                           for check in declare(ctx) or () if check.columns]
        for values in self.waiting:
            self._emit((values, _evaluate(ctx.cell_checks, values)))
        self.waiting = []

    def _submit(self, chunk) -> None:
        if chunk.is_last and not self.in_flight:  # nothing to overlap with: no thread
            self._emit(_frame_and_evaluate(chunk, self.ctx))
            return
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sfprep-values")
        self.in_flight.append(self.pool.submit(_frame_and_evaluate, chunk, self.ctx))
        while len(self.in_flight) > MAX_IN_FLIGHT:
            self._emit(self.in_flight.popleft().result())

    def _emit(self, outcome) -> None:
        values, failing = outcome
        if values is None:
            return
        for rule_, check, column, rows, cells in failing:
            for row, value in zip(rows, cells):
                if check.confirm is None or check.confirm(value):
                    self.emit(rule_, check.finding(values, row, value, column))
        self.run_rules(self.frame_rules, values, self.ctx)


def _frame(chunk, ctx):
    from sfprep.readers.frame import build_value_frame

    return build_value_frame(chunk, len(ctx.header.names), ctx.delimiter)


def _frame_and_evaluate(chunk, ctx):
    values = _frame(chunk, ctx)
    return values, (_evaluate(ctx.cell_checks, values) if values is not None else [])


def _evaluate(checks, values) -> list:
    """All cell checks in one polars pass: (rule, check, column, failing rows, their values)."""
    if not checks:
        return []
    masks = values.frame.select([check.bad.name.prefix(f"k{n}_") for n, (_, check) in enumerate(checks)])
    flagged = masks.to_numpy().any(axis=0)  # no second polars query for "any failure per column"
    failing, position = [], 0
    for rule_, check in checks:
        for column in check.columns:
            if flagged[position]:
                rows = masks.to_series(position).arg_true()
                cells = values.frame.get_column(f"c{column.index}").gather(rows).to_list()
                failing.append((rule_, check, column, rows.to_list(), cells))
            position += 1
    return failing
