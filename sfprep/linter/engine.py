"""The lint engine: one file in, one FileResult out.

    sniff (what the file is, encoding marks, delimiter, line breaks) -> sniff rules
        (a file that is not CSV text, such as gzip, XLSX or UTF-16, stops here)
    scan chunk by chunk -> header rules (first chunk) -> chunk rules -> end rules

Rules yield Findings (or Skipped, when they cannot run); the engine stamps path, severity
and rule name, keeps the per-file facts several rules share (record count, line-ending
tallies) and creates each rule's declared per-file state.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterable

from sfprep.core.job import Job
from sfprep.core.batch import FindingBatch, stamp
from sfprep.core.model import FileResult, Finding, Skipped, StampedFinding, UsageError
from sfprep.io.files import regular_file_size
from sfprep.linter.context import FileContext, Header
from sfprep.linter.registry import Rule, Scope
from sfprep.linter.value_stage import ValueStage
from sfprep.native.allocator import reuse_freed_memory
from sfprep.salesforce.columns import resolve_columns


def lint_file(path: str, job: Job, profile: dict[str, Any], rules: list[Rule],
              display_path: str | None = None, describes=None, settings=None,
              progress: Callable[[int], None] | None = None,
              chunk_sink: Callable[[Any, FileContext], None] | None = None) -> FileResult:
    """One file's lint. `chunk_sink(chunk, ctx)`, when given, gets every chunk of records
    after its rules ran (convert writes the records it reads this way, in the same pass)."""
    lint = FileLint(path, job, profile, rules, display_path, describes, settings)
    lint.chunk_sink = chunk_sink
    lint.read(progress)
    return lint.finish()


def lint_files_together(files: list[tuple]) -> list[FileResult]:
    """Several files, each given as lint_file's arguments. Small files (read whole before
    their value checks could start) have those checks evaluated together, in a few polars
    queries for all of them instead of a few each; the findings are lint_file's."""
    from sfprep.linter.value_stage import finish_together

    lints = []
    for arguments in files:
        lint = FileLint(*arguments)
        lint.read()
        lints.append(lint)
    finish_together([lint.value_stage for lint in lints if lint.value_stage is not None])
    return [lint.finish() for lint in lints]


class FileLint:
    """One file's lint in two steps, read() then finish(), so that several small files can
    share their value checks in between (lint_files_together)."""

    def __init__(self, path: str, job: Job, profile: dict[str, Any], rules: list[Rule],
                 display_path: str | None = None, describes=None, settings=None):
        self.path = path
        display = display_path or path
        self.size = regular_file_size(path)
        declared = profile.get("line_ending_declared")
        self.ctx = FileContext(
            path=display, job=job, profile=profile, settings=settings, describes=describes,
            expected_delimiter=(job.delimiter if declared else None) or profile.get("delimiter", ","),
            required_line_ending=(job.line_ending or profile.get("line_ending")) if declared else None,
            size=self.size)
        self.result = FileResult(path=display, object=job.object, operation=job.operation)
        self.rules = rules
        runnable = _runnable(rules, self.ctx, self.result)
        self.unrunnable = list(self.result.skipped_rules)
        self.ctx.rule_states = {rule_.state: rule_.state() for rule_ in runnable if rule_.state is not None}
        self.runnable = runnable
        self.emit = Emitter(self.result, display)
        self._rules_for_format()
        self.value_stage: ValueStage | None = None
        self.stopped_early = False
        self.chunk_sink: Callable[[Any, FileContext], None] | None = None
        self.xml_names: list[str] | None = None   # an XML file's columns, when known beforehand (convert)

    def read(self, progress: Callable[[int], None] | None = None) -> None:
        """Sniff, scan, and run every rule that needs no more than the chunk in hand."""
        from sfprep.io.sniff import HEAD_SIZE, sniff
        from sfprep.io.xml.prolog import looks_like_xml, read_prolog

        ctx = self.ctx
        try:
            with open(self.path, "rb") as stream:
                head = stream.read(HEAD_SIZE)
                ctx.sniffed = sniff(head)
                ctx.delimiter = ctx.sniffed.evident_delimiter(ctx.expected_delimiter)
                if not ctx.sniffed.not_text and looks_like_xml(head):
                    ctx.format = "xml"
                    ctx.xml_prolog = read_prolog(stream)
                    self._rules_for_format()
                _run(self.by_scope[Scope.SNIFF], self.emit, ctx)
                if ctx.sniffed.not_text:
                    self._skip_unread(f"the file is {ctx.sniffed.not_text}, not UTF-8 CSV text")
                elif ctx.format == "xml":
                    self._read_xml(stream, progress)
                else:
                    self._read_csv(stream, progress)
        except OSError as error:
            raise UsageError(f"{self.path}: cannot read: {error.strerror or error}") from None

    def _rules_for_format(self) -> None:
        """Only the rules that apply to the file's format run on it (no skip listed: a CSV
        rule has nothing to say of an XML file); XML findings carry no fix yet (the shared
        rules' fixes are edits of CSV bytes)."""
        fmt = self.ctx.format
        self.applicable = [rule_ for rule_ in self.runnable if fmt in rule_.formats]
        self.by_scope = _rules_by_scope(self.applicable)
        self.emit.fixes = fmt == "csv"
        other_format = {rule_.code for rule_ in self.rules if fmt not in rule_.formats}
        self.result.skipped_rules = [(code, why) for code, why in self.unrunnable if code not in other_format]

    def _read_csv(self, stream, progress) -> None:
        from sfprep.io.csv import scan as csv_scan
        from sfprep.io.sniff import UTF8_BOM

        ctx = self.ctx
        start = len(UTF8_BOM) if ctx.sniffed.bom else 0
        stream.seek(start)
        dialect = ctx.sniffed.dialect(ctx.delimiter)
        # A file of one chunk is scanned in this thread: a reader thread would only add its start-up.
        scan = csv_scan.scan
        if self.size > csv_scan.CHUNK_SIZE:
            reuse_freed_memory()
            scan = csv_scan.scan_ahead
        chunks = scan(stream, dialect, start_offset=start, field_limit=ctx.profile.get("characters_per_field"))
        self._take(chunks, progress)

    def _read_xml(self, stream, progress) -> None:
        """An XML batch (io/xml): refused unread with a DOCTYPE (X009 says so), else read
        record by record into the chunks every record rule reads."""
        from sfprep.io.xml.facts import XmlFacts
        from sfprep.io.xml.reader import XmlReader

        prolog = self.ctx.xml_prolog
        if prolog.doctype_offset is not None:
            self._skip_unread("the file has a DOCTYPE, which sfprep never parses")
            return
        if not prolog.complete:
            self.ctx.xml = XmlFacts(syntax_error=("the prolog (comments and processing instructions before the "
                                                  "root element) is longer than 16 MB", 1))
            return
        stream.seek(0)
        reader = XmlReader(self.path, stream, names=self.xml_names)
        self.ctx.xml = reader.facts
        try:
            self._take(reader.chunks(), progress)
        finally:
            reader.close()
        if reader.facts.late_columns:
            self._skip_late_columns(reader.facts.late_columns, reader.facts.columns_from)

    def _skip_late_columns(self, late: dict[str, int], header_records: int) -> None:
        """Fields first seen after the records the columns were read from: their values are
        not checked, and the report says so."""
        shown = ", ".join(f"{name} (record {record:,})" for name, record in list(late.items())[:3])
        more = f" and {len(late) - 3} more" if len(late) > 3 else ""
        reason = (f"not run on {shown}{more}: first seen after the first {header_records:,} records, "
                  "which the columns are read from")
        self.result.skipped_rules.extend((rule_.code, reason) for rule_, _ in self.by_scope[Scope.VALUES])

    def _take(self, chunks, progress) -> None:
        """Each chunk through the tallies, the header (first chunk), the chunk rules and the value stage."""
        ctx, by_scope, emit = self.ctx, self.by_scope, self.emit
        value_stage = ValueStage(ctx, by_scope[Scope.VALUES], emit, emit.close)
        for chunk in chunks:
            if progress is not None:
                progress(chunk.end)
            emit.bucket = chunk.first_record
            _observe(chunk, ctx)
            if chunk.first_record == 0:
                self._read_header(chunk)
                if value_stage.active and self._too_wide_for_values():
                    value_stage.declarations = []
            _run(by_scope[Scope.CHUNK], emit, chunk, ctx)
            if self.chunk_sink is not None:
                self.chunk_sink(chunk, ctx)
            # a long record's chunk holds only its first bytes: no values to check
            if not (value_stage.active and chunk.long_record is None and value_stage.feed(chunk)):
                emit.close(chunk.first_record)
        if value_stage.active:
            self.value_stage = value_stage

    def _too_wide_for_values(self) -> bool:
        """A header wider than a record may be (L002: the batch is refused whatever its values)
        is not worth a value check per column: 200,000 columns took minutes and gigabytes.
        The value rules are listed as skipped, with the reason."""
        header, limit = self.ctx.header, self.ctx.profile.get("fields_per_record")
        if header is None or not limit or len(header.names) <= limit:
            return False
        reason = (f"not run: the header has {len(header.names):,} columns, more than the {limit:,} "
                  "a record may have (L002)")
        self.result.skipped_rules.extend((rule_.code, reason) for rule_, _ in self.by_scope[Scope.VALUES])
        return True

    def _read_header(self, chunk) -> None:
        ctx = self.ctx
        ctx.header = header_of(chunk)
        if ctx.header is None:
            # A header too long to hold: the rules that need its names cannot run.
            reason = f"the header is {chunk.long_record.size:,} bytes long, too long to read"
            needs_names = self.by_scope[Scope.HEADER] + self.by_scope[Scope.VALUES]
            self.result.skipped_rules.extend((rule_.code, reason) for rule_, _ in needs_names
                                             if Scope.CHUNK not in rule_.checks)
            return
        ctx.columns = resolve_columns(ctx.header.names, ctx.described)
        _run(self.by_scope[Scope.HEADER], self.emit, ctx.header, ctx)

    def _skip_unread(self, reason: str) -> None:
        """The file is not CSV text (gzip, XLSX, UTF-16...): the sniff rules have said what it
        is; every other rule is listed as skipped, and nothing more is read."""
        reported = self.result.findings.codes()
        self.result.skipped_rules.extend((rule_.code, reason) for rule_ in self.applicable
                                         if rule_.code not in reported)
        self.stopped_early = True

    def finish(self) -> FileResult:
        """The value checks still to evaluate, the end-of-file rules, the sorted result."""
        if self.stopped_early:
            self.result.skipped_rules = list(dict.fromkeys(self.result.skipped_rules))
            self.result.findings.finish()
            return self.result
        if self.value_stage is not None:
            self.value_stage.finish()
        ctx, result = self.ctx, self.result
        self.emit.bucket = None  # what the end-of-file rules find is merged in by line
        _run(self.by_scope[Scope.END], self.emit, ctx)
        result.skipped_rules = list(dict.fromkeys(result.skipped_rules))
        result.records = ctx.data_records
        result.findings.finish()
        return result


def _runnable(rules: list[Rule], ctx: FileContext, result: FileResult) -> list[Rule]:
    """The rules that can run on this file; the others are listed as skipped, with the reason."""
    # Looked up whenever one is given: type-aware rules use it even when they can run without.
    ctx.described, reason = _find_describe(ctx)
    runnable = []
    for rule_ in rules:
        why = None
        if "describe" in rule_.needs and ctx.described is None:
            why = reason
        elif "external-id" in rule_.needs and ctx.job.operation == "upsert" and not ctx.job.external_id:
            why = "no external id named for the upsert (--external-id or config `external-id`)"
        if why:
            result.skipped_rules.append((rule_.code, why))
        else:
            runnable.append(rule_)
    return runnable


def _find_describe(ctx: FileContext):
    source = ctx.describes
    if source is None or not source.given:
        return None, "no describe JSON given (--describe FILE|DIR)"
    if ctx.job.object is None:
        return None, "the object is unknown (name the file <Object>.csv or pass --object)"
    described = source.get(ctx.job.object)
    if described is None:
        return None, f"no describe for {ctx.job.object} in {source.path}"
    return described, None


def _rules_by_scope(rules: Iterable[Rule]) -> dict[str, list[tuple[Rule, Callable]]]:
    grouped: dict[str, list] = {scope: [] for scope in Scope.ALL}
    for rule_ in rules:
        for scope, check in rule_.checks.items():
            grouped[scope].append((rule_, check))
    return grouped


class Emitter:
    """Stamps what rules yield (Finding, FindingBatch, Skipped) with the rule's code, name and
    severity, and files it in the result's store under the current bucket: the chunk being
    scanned (its first record number), or None for the end of the file."""

    def __init__(self, result: FileResult, path: str):
        self.result, self.path = result, path
        self.store = result.findings
        self.bucket: int | None = 0
        self.fixes = True   # False: findings are filed without their fixes (XML)

    def __call__(self, rule_: Rule, item, bucket: int | None | object = ...) -> None:
        where = self.bucket if bucket is ... else bucket
        if isinstance(item, Finding):
            if item.fix is not None and not self.fixes:
                item = replace(item, fix=None)
            self.store.add(StampedFinding(self.path, item.severity or rule_.severity, rule_.name, item), where)
        elif isinstance(item, Skipped):
            self.result.skipped_rules.append((rule_.code, item.reason))
        elif isinstance(item, FindingBatch):
            self._add_frame(rule_, item.frame, where)
        else:  # a batch frame from the value stage
            self._add_frame(rule_, item, where)

    def _add_frame(self, rule_: Rule, frame, where) -> None:
        if not self.fixes:
            frame = frame.drop([name for name in _FIX_COLUMNS if name in frame.columns])
        if frame.height:
            self.store.rule_names[rule_.code] = rule_.name
            self.store.add(stamp(FindingBatch(frame), rule_.code, rule_.severity), where)

    def close(self, bucket: int) -> None:
        self.store.close(bucket)

    def withdraw(self, rule_: Rule, field_name: str, note: str, hint: str | None) -> None:
        """The fixes of this rule on this column are withdrawn (an all-or-nothing column)."""
        self.store.withdraw(rule_.code, field_name, note, hint)


_FIX_COLUMNS = ("applicability", "description", "rewrite", "edits")


def _run(checks: list[tuple[Rule, Callable]], emit, *args) -> None:
    for rule_, check in checks:
        for finding in check(*args) or ():
            emit(rule_, finding)


def _observe(chunk, ctx: FileContext) -> None:
    """Keep the file-wide tallies that several rules read at the end."""
    import numpy as np

    from sfprep.io.csv.scan import TERMINATOR_NAMES

    blank = chunk.record_ends == chunk.record_starts
    data = np.ones(chunk.record_count, dtype=bool)
    if chunk.first_record == 0 and chunk.record_count:
        data[0] = False
    ctx.data_records += int(np.count_nonzero(data & ~blank))
    long_record = chunk.long_record
    tally = ctx.line_endings
    for kind, name in TERMINATOR_NAMES.items():
        records = np.flatnonzero(chunk.terminators == kind)
        if len(records) == 0:
            continue
        tally.counts[name] = tally.counts.get(name, 0) + len(records)
        if name not in tally.first_line:
            first = int(records[0])
            # (a long record's chunk holds its first bytes only: its end is counted apart)
            end_line = long_record.end_line if long_record else chunk.line_of(chunk.record_ends[first])
            tally.first_line[name] = int(end_line)
            tally.first_record[name] = chunk.first_record + first
    if ctx.unterminated_quote is None:
        if long_record is not None and long_record.unterminated is not None:
            line, column = long_record.unterminated
            ctx.unterminated_quote = (line, chunk.first_record, column)
        elif chunk.unterminated_quote is not None:
            ctx.unterminated_quote = chunk.locate(chunk.unterminated_quote)


def header_of(chunk) -> Header | None:
    """The header from the chunk holding record 0; None when it is too long to hold."""
    from sfprep.io.csv.scan import unquote

    if chunk.long_record is not None:
        return None
    first = int(chunk.record_first_field[0])
    count = int(chunk.field_counts[0])
    starts = chunk.field_starts[first:first + count]
    data = chunk.data
    raw = [data[start:end] for start, end in zip(starts.tolist(), chunk.field_ends[first:first + count].tolist())]
    return Header(
        names=[unquote(r).decode("utf-8", "replace") for r in raw],
        raw=raw,
        starts=chunk.file_offsets(starts).tolist(),
        lines=chunk.line_of(starts).tolist(),
        line=int(chunk.line_of(chunk.record_starts[0])),
        is_blank=bool(chunk.record_ends[0] == chunk.record_starts[0]),
    )
