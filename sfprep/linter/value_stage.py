"""The value stage: every cell check of every rule, over each chunk's usable records.

Checks on facts (empty, `#N/A`, whitespace at the ends, length, Id shape: what the C field
pass computes from the spans) are numpy over those facts; checks that need parsing (dates,
numbers, picklists) are polars expressions over a frame of only the columns they read. The
failing cells of a check and column become one FindingBatch, worded by polars.

A worker thread evaluates chunk N while the main thread scans chunk N+1 (numpy, polars and
the C pass release the GIL); results are taken back in order, and findings reach the store
only in the main thread, so output never depends on timing. At most MAX_IN_FLIGHT chunks
are held.

Column types inferred from values (no describe) are decided on the first
INFERENCE_SAMPLE records, whatever the chunk size: chunks wait until the sample is complete
or the file ends, so findings never depend on where chunks were cut.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sfprep.linter.checks import CellCheck, FrameCheck, HeldColumn
from sfprep.salesforce.columns import infer_types_from_values

INFERENCE_SAMPLE = 1000
# Chunks are held for the sample up to this many fields or bytes (what a chunk's arrays and
# data weigh): a file whose records are almost all of the wrong width (ragged) would otherwise
# be held whole, waiting for usable records.
SAMPLE_HOLD_FIELDS = 1 << 20
SAMPLE_HOLD_BYTES = 64 << 20
MAX_IN_FLIGHT = 2


@dataclass
class Plan:
    """The checks declared for one file, sorted by what they read."""

    on_facts: list = field(default_factory=list)     # (rule, CellCheck with facts)
    on_frame: list = field(default_factory=list)     # (rule, CellCheck with bad)
    frame_checks: list = field(default_factory=list)  # (rule, FrameCheck): run in order, in the main thread
    fact_columns: list = field(default_factory=list)  # column indices the facts are needed for
    frame_columns: list = field(default_factory=list)  # column indices the frame holds

    @classmethod
    def of(cls, checks: list) -> "Plan":
        plan = cls()
        for rule_, check in checks:
            if isinstance(check, FrameCheck):
                plan.frame_checks.append((rule_, check))
            elif check.on_facts:
                plan.on_facts.append((rule_, check))
            else:
                plan.on_frame.append((rule_, check))
        plan.fact_columns = sorted({c.index for _, check in plan.on_facts for c in check.columns})
        plan.frame_columns = sorted({c.index for _, check in plan.on_frame + plan.frame_checks for c in check.columns})
        return plan


@dataclass
class Evaluated:
    """One chunk's value findings: (rule, batch frame, held-column note) per failing check
    and column, and the value frame the frame checks still read."""

    bucket: int
    batches: list
    values: object = None


class ValueStage:
    def __init__(self, ctx, declarations, emit, bucket_done):
        self.ctx, self.emit, self.bucket_done = ctx, emit, bucket_done
        self.declarations = declarations
        self.waiting: list = []          # chunks held until the inference sample is complete
        self.sampled = 0
        self.held_bytes = self.held_fields = 0
        self.ready = False
        self.plan: Plan | None = None
        self.in_flight: deque = deque()
        self.pool: ThreadPoolExecutor | None = None
        self.held: dict = {}             # (check, column index) -> HeldColumn (all-or-nothing fixes)

    @property
    def active(self) -> bool:
        return bool(self.declarations)

    def feed(self, chunk) -> bool:
        """Take the chunk; False when its values are not looked at (its bucket can close)."""
        ctx = self.ctx
        if ctx.header is None or ctx.header.is_blank:
            return False
        if self.ready:
            self._submit(chunk)
            return True
        self.waiting.append(chunk)
        from sfprep.io.csv.frame import usable_records

        self.sampled += len(usable_records(chunk, len(ctx.header.names)))
        self.held_bytes += len(chunk.data)
        self.held_fields += len(chunk.field_starts)
        if (self.sampled >= INFERENCE_SAMPLE or self.held_fields >= SAMPLE_HOLD_FIELDS
                or self.held_bytes >= SAMPLE_HOLD_BYTES):
            self._declare_checks()
        return True

    def finish(self) -> None:
        if not self.ready:
            self._declare_checks()
        while self.in_flight:
            self._emit(self.in_flight.popleft().result())
        if self.pool is not None:
            self.pool.shutdown()
        self._withdraw_contradicted_fixes()

    @property
    def deferred(self) -> bool:
        """Every chunk is still waiting: the file ended before the inference sample was full."""
        return self.active and not self.ready

    def sample(self):
        """The first INFERENCE_SAMPLE usable records of the waiting chunks, every column."""
        import polars as pl

        from sfprep.io.csv.frame import usable_records, value_frame

        width = len(self.ctx.header.names)
        frames, left = [], INFERENCE_SAMPLE
        for chunk in self.waiting:
            records = usable_records(chunk, width)[:left]
            if len(records):
                frames.append(value_frame(chunk, records, list(range(width)), self.ctx.delimiter).frame)
                left -= len(records)
            if left <= 0:
                break
        if not frames:
            return None
        return pl.concat(frames) if len(frames) > 1 else frames[0]

    def _declare_checks(self) -> None:
        ctx = self.ctx
        if ctx.described is None and self.waiting:
            sample = self.sample()
            if sample is not None:
                ctx.columns = infer_types_from_values(ctx.columns, sample)
        self._declare()
        for chunk in self.waiting:
            self._emit(evaluate(chunk, self.ctx, self.plan))
        self.waiting = []

    def _declare(self) -> None:
        self.ready = True
        self.ctx.cell_checks = _declared_checks(self.declarations, self.ctx)
        self.plan = Plan.of(self.ctx.cell_checks)

    def _submit(self, chunk) -> None:
        if chunk.is_last and not self.in_flight:  # nothing to overlap with: no thread
            self._emit(evaluate(chunk, self.ctx, self.plan))
            return
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sfprep-values")
        self.in_flight.append(self.pool.submit(evaluate, chunk, self.ctx, self.plan))
        while len(self.in_flight) > MAX_IN_FLIGHT:
            self._emit(self.in_flight.popleft().result())

    def _emit(self, evaluated: Evaluated) -> None:
        for rule_, check, column, frame, blocked in evaluated.batches:
            if check.all_or_nothing:
                self._hold(rule_, check, column, frame, blocked)
            self.emit(rule_, frame, evaluated.bucket)
        if evaluated.values is not None:
            for rule_, check in self.plan.frame_checks:
                found = check.run(evaluated.values, self.ctx)
                if found is not None:
                    self.emit(rule_, found, evaluated.bucket)
        self.bucket_done(evaluated.bucket)

    def _hold(self, rule_, check, column, frame, blocked) -> None:
        key = (id(check), column.index)
        held = self.held.get(key)
        if held is None:
            held = self.held[key] = HeldColumn(rule_, check, column)
        held.fixable += frame.get_column("applicability").count()
        if held.contradiction is None and blocked is not None:
            held.contradiction = blocked

    def _withdraw_contradicted_fixes(self) -> None:
        """An all-or-nothing column with a value its fix cannot read keeps none of its fixes."""
        for held in self.held.values():
            withdrawal = held.withdrawal()
            if withdrawal is not None:
                note, hint = withdrawal
                self.emit.withdraw(held.rule, held.column.name, note, hint)
        self.held = {}


def evaluate(chunk, ctx, plan: Plan) -> Evaluated:
    """Every check of the plan over one chunk's usable records (no Python per cell)."""
    from sfprep.io.csv.frame import usable_records, value_frame

    records = usable_records(chunk, len(ctx.header.names))
    evaluated = Evaluated(chunk.first_record, [])
    if not len(records):
        return evaluated
    if plan.on_facts:
        evaluated.batches += _on_facts(chunk, records, plan, ctx)
    if plan.on_frame or plan.frame_checks:
        values = value_frame(chunk, records, plan.frame_columns, ctx.delimiter)
        evaluated.batches += _on_frame(values, plan, ctx)
        evaluated.values = values if plan.frame_checks else None
    return evaluated


class FactsView:
    """The field facts of some columns as (records x columns) arrays, for a check's `facts`."""

    def __init__(self, facts, positions):
        self.flags = facts.flags[:, positions]
        self.characters = facts.characters[:, positions]


def _on_facts(chunk, records, plan: Plan, ctx) -> list:
    import numpy as np

    from sfprep.io.csv.fields import FieldFacts, field_facts
    from sfprep.io.csv.frame import values_of

    columns = np.asarray(plan.fact_columns, dtype=np.int64)
    fields = chunk.record_first_field[records][:, None] + columns[None, :]
    flat = field_facts(chunk, fields.ravel())
    shape = fields.shape
    facts = FieldFacts(*(array.reshape(shape) for array in flat))
    position = {index: p for p, index in enumerate(plan.fact_columns)}
    found = []
    for rule_, check in plan.on_facts:
        positions = [position[c.index] for c in check.columns]
        failing = check.facts(FactsView(facts, positions))
        for p, column in enumerate(check.columns):
            rows = np.flatnonzero(failing[:, p])
            if len(rows):
                cells = fields[rows, positions[p]]
                found.append(_batch(rule_, check, column, chunk, records[rows], cells, values_of(chunk, cells), ctx))
    return found


def _on_frame(values, plan: Plan, ctx) -> list:
    import numpy as np

    if not plan.on_frame:
        return []
    frame = values.frame
    masks = frame.select([check.bad.name.prefix(f"k{n}_") for n, (_, check) in enumerate(plan.on_frame)])
    flagged = masks.to_numpy().any(axis=0) if masks.height else np.zeros(masks.width, dtype=bool)
    found, position = [], 0
    for rule_, check in plan.on_frame:
        for column in check.columns:
            if flagged[position]:
                rows = masks.to_series(position).arg_true().to_numpy()
                cells = values.fields(rows, column.index)
                failing = frame.get_column(f"c{column.index}").gather(rows)
                found.append(_batch(rule_, check, column, values.chunk, values.records[rows], cells, failing, ctx))
            position += 1
    return found


def _batch(rule_, check: CellCheck, column, chunk, records, cells, failing_values, ctx):
    """(rule, check, column, the batch frame, the first (value, line) whose fix is missing)."""
    import polars as pl

    from sfprep.core.batch import batch
    from sfprep.linter.checks import quoted_expr

    starts, ends = chunk.field_starts[cells], chunk.field_ends[cells]
    lines = chunk.line_of(starts)
    verdicts = check.verdicts(failing_values, column)
    found = batch(lines=lines, records=records + chunk.first_record, columns=column.index + 1,
                  field=column.name, offsets=chunk.file_offsets(starts), messages=verdicts.get_column("message"),
                  severity=check.severity)
    frame = found.frame
    new_value = verdicts.get_column("new_value")
    has_fix = new_value.is_not_null()
    edit = pl.struct(start=pl.Series(starts + chunk.base, dtype=pl.Int64),
                     end=pl.Series(ends + chunk.base, dtype=pl.Int64),
                     content=quoted_expr(pl.lit(new_value), ctx.delimiter).cast(pl.Binary))
    frame = frame.with_columns(
        pl.when(has_fix).then(pl.lit(1, pl.UInt8)).alias("applicability"),   # value fixes are unsafe
        pl.when(has_fix).then(pl.lit(verdicts.get_column("description"))).alias("description"),
        pl.when(has_fix).then(pl.concat_list([edit])).alias("edits"),
        pl.when(~has_fix).then(pl.lit(verdicts.get_column("hint"))).alias("hint"))
    blocked = None
    if check.all_or_nothing:
        missing = (~has_fix).arg_true()
        if len(missing):
            first = int(missing[0])
            blocked = (failing_values[first], int(lines[first]))
    return rule_, check, column, frame, blocked


def finish_together(stages: list[ValueStage]) -> None:
    """The value checks of several small files (each one deferred: read whole, sample not
    full), their columns' types inferred in one polars query per group of files with the
    same columns and job, instead of one each. Findings are the same as each file's own
    finish() would give."""
    from sfprep.salesforce.columns import infer_types_together

    pending = [stage for stage in stages if stage.deferred]
    to_infer = [(stage, stage.sample()) for stage in pending if stage.ctx.described is None and stage.waiting]
    to_infer = [(stage, sample) for stage, sample in to_infer if sample is not None]
    groups: dict = {}
    for stage, sample in to_infer:
        groups.setdefault(_checks_key(stage.declarations, stage.ctx), []).append((stage, sample))
    for group in groups.values():
        inferred = infer_types_together(group[0][0].ctx.columns, [sample for _, sample in group])
        for (stage, _), columns in zip(group, inferred):
            stage.ctx.columns = columns
    for stage in pending:
        stage._declare()
        for chunk in stage.waiting:
            stage._emit(evaluate(chunk, stage.ctx, stage.plan))
        stage.waiting = []


def _checks_key(declarations, ctx) -> tuple:
    """What a VALUES rule's declaration reads from the file's context. The run-wide objects
    are keyed by identity; _DECLARED holds them, so no id is reused while it is a key."""
    return (tuple(ctx.columns), ctx.job, tuple(rule_.code for rule_, _ in declarations),
            id(ctx.settings), id(ctx.profile), id(ctx.described))


_DECLARED: dict = {}  # _checks_key -> (the objects behind its ids, [(rule, check)])


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
