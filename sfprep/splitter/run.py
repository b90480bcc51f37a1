"""One split, from the lint pass to the committed folder (see the package's docstring)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Callable

from sfprep.core.model import FileResult, Severity, UsageError
from sfprep.splitter.folder import BatchFile, BatchFolder
from sfprep.splitter.limits import Limits
from sfprep.splitter.sinks import GroupedWriter, GroupTally, InThread, Output, Splitter
from sfprep.splitter.source import Source

LIMIT_CODES = ("L004", "L005", "L006")   # what splitting resolves


class SplitRefused(Exception):
    """The source has findings splitting cannot fix (exit 1, nothing written)."""

    def __init__(self, message: str, result: FileResult | None = None):
        super().__init__(message)
        self.result = result


@dataclass
class SplitOutcome:
    out: str
    summary: dict        # the manifest, each batch's source_records as numpy (first, last) rows
    batches: list[BatchFile]
    result: FileResult                 # the lint's findings (warnings, the limits split resolves)
    warnings: list[str] = field(default_factory=list)
    _manifest: dict | None = None

    @property
    def manifest_path(self) -> str:
        return os.path.join(self.out, "manifest.json")

    @property
    def manifest(self) -> dict:
        """DIR/manifest.json as written (read on first use: a grouped split's can be large)."""
        if self._manifest is None:
            with open(self.manifest_path, encoding="utf-8") as stream:
                self._manifest = json.load(stream)
        return self._manifest


def split_file(run, target, out: str, limits: Limits, group_by: str | None = None, overwrite: bool = False,
               progress: Callable[[int, int], None] | None = None) -> SplitOutcome:
    """Split one lint target into DIR `out`; SplitRefused when its findings forbid it."""
    from sfprep.splitter.manifest import manifest_dict, manifest_text

    source = Source(str(target.path))
    folder = BatchFolder(out, overwrite, str(target.path))
    running: list[InThread] = []
    try:
        passes = 2 if group_by else 1
        report = None if progress is None else (lambda done: progress(done, passes * source.size))
        lint, sink = _lint_pass(run, target, folder, limits, group_by, report, running, source)
        _refuse_if_needed(lint, sink, run.settings.strict)
        warnings: list[str] = []
        if group_by:
            second = (None if progress is None else (lambda done: progress(source.size + done, 2 * source.size)))
            sink = _grouped_pass(run, target, folder, limits, sink, second, warnings, running)
        source.check_unchanged()
        written = sum(batch.records for batch in folder.batches.values())
        if written != lint.ctx.data_records:
            raise UsageError(f"internal error: {written:,} records written of {lint.ctx.data_records:,}; "
                             "nothing was written")
        facts = dict(source=source, target=target, limits=limits, group_by=group_by, run=run,
                     output=sink.output, oversized=getattr(sink, "oversized_report", lambda batches: []))
        made: list[dict] = []

        def text(ordered: list[BatchFile]) -> str:
            made.append(manifest_dict(ordered, **facts))
            return manifest_text(made[0])
        batches = folder.finish(text)
        return SplitOutcome(out, made[0], batches, lint.result, warnings)
    except BaseException:
        for thread in running:
            thread.stop()
        folder.abort()
        raise


def _refuse_if_needed(lint, sink, strict: bool) -> None:
    result = lint.result
    blocking = Severity.WARNING if strict else Severity.ERROR
    counted = sum(count for (code, severity, _, _), count in result.findings.counts.items()
                  if severity >= blocking and code not in LIMIT_CODES)
    if counted or lint.stopped_early:
        what = "error(s) or warning(s) (--strict)" if strict else "error(s)"
        raise SplitRefused(f"{counted:,} {what} splitting cannot fix; nothing was written", result)
    if sink.unwritable:
        raise SplitRefused(f"{sink.unwritable}; nothing was written", result)
    if sink.too_large:
        raise UsageError(f"record {sink.too_large[0] + 1:,} alone, with the header, is over the batch limit "
                         "(--max-bytes): no batch can hold it; nothing was written")


def _lint_pass(run, target, folder, limits, group_by, progress, running, source):
    """The lint with every rule selected, and those whose errors mean the records cannot be
    read exactly; each chunk goes to the batches (or, with --group-by, to the tally)."""
    from sfprep.linter.engine import FileLint
    from sfprep.linter.structural import STRUCTURAL
    from sfprep.linter.registry import all_rules

    registered = all_rules()
    rules = list(target.rules) + [registered[code] for code in STRUCTURAL if code not in target.codes]
    names = None
    while True:
        lint = FileLint(str(target.path), target.job, run.profile, rules, target.display, run.describes, run.settings)
        sink = (GroupTally if group_by else Splitter)(folder, limits, _output_for(target, lint.ctx), source, group_by)
        beside = InThread(sink)
        running.append(beside)
        lint.chunk_sink, lint.xml_names = beside, names
        lint.read(progress)
        beside.join()
        lint.finish()
        xml = lint.ctx.xml
        if xml is None or not xml.late_columns or names is not None:
            return lint, sink
        # An XML field first seen late: read again with every name, into a fresh folder state.
        names = list(lint.ctx.header.names) + list(xml.late_columns)
        folder.reset()


def _grouped_pass(run, target, folder, limits, tally, progress, warnings, running):
    from sfprep.linter.engine import FileLint
    from sfprep.splitter.groups import plan_groups

    plan = plan_groups(tally.sizes.total(), tally.room())
    lint = FileLint(str(target.path), target.job, run.profile, [], target.display, run.describes, run.settings)
    writer = GroupedWriter(folder, limits, tally, plan)
    beside = InThread(writer)
    running.append(beside)
    lint.chunk_sink, lint.xml_names = beside, tally.names_read
    lint.read(progress)
    beside.join()
    for group, records in zip(plan.oversized.tolist(), plan.oversized_records.tolist()):
        warnings.append(f"group {writer.keys.get(group, '?')!r} has {records:,} records, more than one batch "
                        f"holds: it spans {len(writer.assigner.group_batches.get(group, []))} batches")
    return writer


def _output_for(target, ctx) -> Output:
    job = target.job
    line_ending = job.line_ending or ctx.profile.get("line_ending") or "LF"
    delimiter = ctx.expected_delimiter
    stem = os.path.basename(target.display).rsplit(".", 1)[0]   # the name stdin stands for, too
    prefix = f"{job.object}.{job.operation}" if job.object else stem
    return Output(None, prefix, delimiter, line_ending)
