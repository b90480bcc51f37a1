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

from sfprep.linter.checks import HeldColumn
from sfprep.salesforce.columns import infer_types_from_values

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
        self.held: dict = {}             # (check, column index) -> HeldColumn (all-or-nothing fixes)

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
        for held in self.held.values():
            for finding in held.released():
                self.emit(held.rule, finding)
        self.held = {}

    @property
    def deferred(self) -> bool:
        """Every record is still waiting: the file ended before the inference sample was full."""
        return self.active and not self.ready

    def sample(self):
        import polars as pl

        frames = [v.frame for v in self.waiting]
        return (pl.concat(frames) if len(frames) > 1 else frames[0]).head(INFERENCE_SAMPLE)

    def _declare_checks(self) -> None:
        ctx = self.ctx
        if ctx.described is None and self.waiting:
            ctx.columns = infer_types_from_values(ctx.columns, self.sample())
        self._declare()
        for values in self.waiting:
            self._emit((values, _evaluate(ctx.cell_checks, values)))
        self.waiting = []

    def _declare(self) -> None:
        self.ready = True
        self.ctx.cell_checks = _declared_checks(self.declarations, self.ctx)

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
            if check.confirm is not None:
                confirmed = [i for i, value in enumerate(cells) if check.confirm(value)]
                rows, cells = [rows[i] for i in confirmed], [cells[i] for i in confirmed]
            places = zip(rows, cells, *(where.tolist() for where in values.locate_many(rows, column.index)))
            held = self._held(rule_, check, column) if check.held_per_column else None
            for row, value, line, record, offset in places:
                finding = check.finding(values, row, value, column, line, record, offset)
                if held is None:
                    self.emit(rule_, finding)
                else:
                    held.add(finding, value)
        self.run_rules(self.frame_rules, values, self.ctx)

    def _held(self, rule_, check, column) -> HeldColumn:
        key = (id(check), column.index)
        if key not in self.held:
            self.held[key] = HeldColumn(rule_, check, column)
        return self.held[key]


def finish_together(stages: list[ValueStage]) -> None:
    """The value checks of several small files (each one deferred: read whole, sample not
    full), evaluated together: one inference query and one check query per group of files
    with the same columns and job, instead of two queries per file. Findings are the same
    as each file's own finish() would give."""
    from sfprep.salesforce.columns import infer_types_together

    pending = [stage for stage in stages if stage.deferred]
    to_infer = [stage for stage in pending if stage.ctx.described is None and stage.waiting]
    for group in _grouped(to_infer).values():
        inferred = infer_types_together(group[0].ctx.columns, [stage.sample() for stage in group])
        for stage, columns in zip(group, inferred):
            stage.ctx.columns = columns
    for stage in pending:
        stage._declare()
    for group in _grouped([stage for stage in pending if stage.waiting]).values():
        frames = [(stage, values) for stage in group for values in stage.waiting]
        failing = _evaluate_many(group[0].ctx.cell_checks, [values for _, values in frames])
        for (stage, values), found in zip(frames, failing):
            stage._emit((values, found))
        for stage in group:
            stage.waiting = []


def _grouped(stages: list[ValueStage]) -> dict:
    """Stages whose checks are the same: same columns (types included), job, settings, profile."""
    groups: dict = {}
    for stage in stages:
        groups.setdefault(_checks_key(stage.declarations, stage.ctx), []).append(stage)
    return groups


def _checks_key(declarations, ctx) -> tuple:
    """What a VALUES rule's declaration reads from the file's context. The run-wide objects
    are keyed by identity; _DECLARED holds them, so no id is reused while it is a key."""
    return (tuple(ctx.columns), ctx.job, tuple(rule_.code for rule_, _ in declarations),
            id(ctx.settings), id(ctx.profile), id(ctx.described))


_DECLARED: dict = {}  # _checks_key -> (the objects behind its ids, [(rule, CellCheck)])


def _declared_checks(declarations, ctx) -> list:
    key = _checks_key(declarations, ctx)
    cached = _DECLARED.get(key)
    if cached is None:
        if len(_DECLARED) > 256:
            _DECLARED.clear()
        checks = [(rule_, check) for rule_, declare in declarations
                  for check in declare(ctx) or () if check.columns]
        cached = _DECLARED[key] = ((ctx.settings, ctx.profile, ctx.described), checks)
    return cached[1]


def _frame(chunk, ctx):
    from sfprep.io.csv.frame import build_value_frame

    return build_value_frame(chunk, len(ctx.header.names), ctx.delimiter)


def _frame_and_evaluate(chunk, ctx):
    values = _frame(chunk, ctx)
    return values, (_evaluate(ctx.cell_checks, values) if values is not None else [])


def _evaluate(checks, values) -> list:
    """All cell checks in one polars pass: (rule, check, column, failing rows, their values)."""
    return _evaluate_many(checks, [values])[0]


def _evaluate_many(checks, frames: list) -> list[list]:
    """_evaluate over several ValueFrames with the same columns, in one polars pass over
    them stacked; each frame's failures come back with its own row numbers."""
    import numpy as np
    import polars as pl

    if not checks:
        return [[] for _ in frames]
    stacked = frames[0].frame if len(frames) == 1 else pl.concat([values.frame for values in frames])
    starts = np.cumsum([0] + [values.frame.height for values in frames])
    masks = stacked.select([check.bad.name.prefix(f"k{n}_") for n, (_, check) in enumerate(checks)])
    flagged = masks.to_numpy().any(axis=0)  # no second polars query for "any failure per column"
    failing: list[list] = [[] for _ in frames]
    position = 0
    for rule_, check in checks:
        for column in check.columns:
            if flagged[position]:
                rows = masks.to_series(position).arg_true()
                cells = stacked.get_column(f"c{column.index}").gather(rows).to_list()
                rows = rows.to_numpy()
                owners = np.searchsorted(starts, rows, side="right") - 1
                for owner in np.unique(owners).tolist():
                    mine = np.flatnonzero(owners == owner)
                    failing[owner].append((rule_, check, column, (rows[mine] - starts[owner]).tolist(),
                                           [cells[i] for i in mine.tolist()]))
            position += 1
    return failing
