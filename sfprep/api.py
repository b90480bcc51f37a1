"""The Python API: `sfprep.lint(paths, **settings)` and `sfprep.fix(paths, **settings)`.

The settings are the command line's shared options as keyword arguments (`select=["Q", "V0"]`,
`describe="describe/"`, `operation="upsert"`, `external_id="External_Id__c"` ...), laid
over the config file exactly as the CLI does; a problem with them is `sfprep.UsageError`
(a ValueError), never SystemExit. The command line is a thin layer over these functions.
"""
from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, TypedDict, Union

from sfprep.core.model import FileResult, Severity, UsageError
from sfprep.core.options import Options

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from sfprep.core.config import Settings
    from sfprep.fixer.converge import FixOutcome
    from sfprep.fixer.subset import Chooser
    from sfprep.linter.runner import LintRun
    from sfprep.linter.targets import LintTarget

PathArg = Union[str, "os.PathLike[str]"]


class SettingsArgs(TypedDict, total=False):
    """The keyword arguments lint() and fix() take: CLI.md's shared options."""

    config: str
    object: str
    operation: str
    external_id: str
    describe: str
    profile: str
    delimiter: str
    line_ending: str
    encoding: str
    date_format: str
    timezone: str
    select: Iterable[str] | str
    ignore: Iterable[str] | str
    extend_select: Iterable[str] | str
    strict: bool
    jobs: int
    stdin_filename: str


class EditDict(TypedDict):
    start: int      # byte offsets in the file, [start, end)
    end: int
    content: str    # what replaces them


class FixDict(TypedDict):
    applicability: str
    description: str
    edits: list[EditDict] | None   # None for a whole-file rewrite (re-delimiting, re-encoding)


class FindingDict(TypedDict):
    """One finding, with the fields of the JSON report (CLI.md)."""

    path: str
    code: str
    severity: str
    message: str
    line: int | None
    record: int | None
    column: int | None
    field: str | None
    fix: FixDict | None
    hint: str | None   # how it could be fixed, where no fix is offered


@dataclass
class Report:
    """What one lint found: per file results; findings as in the JSON report."""

    files: list[FileResult]
    strict: bool = False

    def __iter__(self) -> Iterator[FindingDict]:
        return iter(self.findings)

    @property
    def findings(self) -> list[FindingDict]:
        from sfprep.report.json import finding_dict

        return [finding_dict(stamped) for result in self.files for stamped in result.findings]

    @property
    def summary(self) -> dict[str, int]:
        return self.as_json()["summary"]

    @property
    def skipped_rules(self) -> list[dict[str, str]]:
        return [{"path": result.path, "code": code, "reason": reason}
                for result in self.files for code, reason in result.skipped_rules]

    @property
    def exit_code(self) -> int:
        """What `sfprep lint` would exit with: 1 on error findings (warnings too if strict), else 0."""
        worst = max((severity for r in self.files for (_, severity, _, _) in r.findings.counts), default=None)
        failing = worst == Severity.ERROR or (self.strict and worst == Severity.WARNING)
        return 1 if failing else 0

    def as_json(self) -> dict:
        """The JSON report (`--format json`), as a dict."""
        from sfprep.report.json import report_dict

        return report_dict(self.files)


@dataclass
class FixReport(Report):
    """What fix() did (per file: code -> findings fixed), and the findings left."""

    outcomes: list[FixOutcome] = field(default_factory=list)

    @property
    def fixed(self) -> dict[str, dict[str, int]]:
        return {outcome.path: dict(outcome.fixed) for outcome in self.outcomes if outcome.fixed}


def lint(paths: PathArg | Iterable[PathArg] = ".", *, progress: bool = False,
         **settings: Unpack[SettingsArgs]) -> Report:
    """Lint CSV/XML batch files (folders: every *.csv / *.xml below them). With progress=True,
    a bar on stderr while one big file (over 50 MB), or several with jobs=1, are read."""
    from sfprep.linter.runner import lint_targets

    options = _options(settings)
    with prepared(paths, options) as (run, targets):
        if progress:
            from sfprep.linter.progress import PROGRESS_FROM_BYTES, lint_with_progress_bar, total_bytes

            if (len(targets) == 1 or options.jobs == 1) and total_bytes(targets) > PROGRESS_FROM_BYTES:
                return Report(lint_with_progress_bar(run, targets), strict=run.settings.strict)
        return Report(lint_targets(run, targets, options.jobs), strict=run.settings.strict)


def fix(paths: PathArg | Iterable[PathArg] = ".", *, unsafe_fixes: bool = False, diff: bool = False,
        choose: Chooser | None = None, **settings: Unpack[SettingsArgs]) -> FixReport:
    """Apply the fixes at or above the threshold (safe; with unsafe_fixes, unsafe too), atomically.
    With diff=True nothing is written: each outcome's `new_bytes` holds the fixed content.
    With choose(path, offered) -> chosen (offered: the file's StampedFindings with such a
    fix, in file order), each file gets only the chosen fixes, in one write, then one lint."""
    from sfprep.fixer.run import fix_targets

    if STDIN in _path_strings(paths):
        raise UsageError("fix rewrites files in place: it cannot fix standard input (`sfprep lint -` lints it)")
    if choose is not None and diff:
        raise UsageError("choosing fixes and diff=True cannot be combined")
    with prepared(paths, _options(settings)) as (run, targets):
        outcomes, results = fix_targets(run, targets, unsafe=unsafe_fixes, diff_only=diff, choose=choose)
        return FixReport(results, strict=run.settings.strict, outcomes=outcomes)


STDIN = "-"


def convert(path: PathArg, to: str, out: PathArg, *, overwrite: bool = False, line_ending: str = "LF",
            **settings: Unpack[SettingsArgs]) -> int:
    """Write one CSV or XML batch as the other format (`to`: "csv" or "xml") at `out`,
    losslessly, in one pass; returns the records written. A source whose records cannot be
    read exactly raises sfprep.converter.ConvertRefused (its `result` holds the findings),
    and nothing is written."""
    import os

    from sfprep.converter import convert_file
    from sfprep.linter.structural import STRUCTURAL

    if to not in ("csv", "xml"):
        raise UsageError(f"cannot convert to {to!r}: csv or xml")
    options = _options({**settings, "select": list(STRUCTURAL)})
    with prepared(path, options) as (run, targets):
        if len(targets) != 1:
            raise UsageError(f"{path}: convert takes one CSV or XML file")
        target = targets[0]
        if os.path.exists(out) and os.path.samefile(target.path, out):
            raise UsageError(f"--out {out} is the source file: write the conversion elsewhere")
        return convert_file(run, target, to, str(out), overwrite=overwrite, line_ending=line_ending)


def split(path: PathArg, out: PathArg, *, max_records: int | None = None, max_bytes: int | None = None,
          group_by: str | None = None, overwrite: bool = False, progress=None,
          **settings: Unpack[SettingsArgs]):
    """Cut one clean CSV or XML file into upload-ready batches in the folder `out`, with
    out/manifest.json; returns a sfprep.splitter.SplitOutcome (its `manifest` as a dict).
    The source is linted first: errors other than the limits splitting resolves (L004-L006)
    raise sfprep.splitter.SplitRefused (its `result` holds the findings), and nothing is
    written. progress(done, total), when given, is called as the bytes are read."""
    from sfprep.splitter import batch_limits, split_file

    with prepared(path, _options(settings)) as (run, targets):
        if len(targets) != 1:
            raise UsageError(f"{path}: split takes one CSV or XML file")
        limits = batch_limits(run.profile, max_records, max_bytes)
        return split_file(run, targets[0], os.fspath(out), limits, group_by=group_by, overwrite=overwrite,
                          progress=progress)


def reconcile(manifest: PathArg, results: Iterable[PathArg], *, out: PathArg | None = None,
              overwrite: bool = False):
    """Match Bulk API result files back to the records of a split (its manifest.json, or
    the folder holding it); writes success.csv, errors.csv, unprocessed.csv, retry.csv and
    summary.json into `out` (default: the split's folder with `.results` added) and returns
    a sfprep.reconciler.ReconcileOutcome (`summary` as a dict; `problems` non-empty when a
    record has no result or a result row matches no record)."""
    from sfprep.reconciler import reconcile_results

    return reconcile_results(os.fspath(manifest), [os.fspath(path) for path in results],
                             None if out is None else os.fspath(out), overwrite=overwrite)


def delta(previous: PathArg, current: PathArg, key: str, out: PathArg, *, max_changes: int | None = None,
          overwrite: bool = False, **settings: Unpack[SettingsArgs]):
    """Compare two snapshots of one object on `key`: the added and changed records of
    `current` as an upsert on `key`, the records gone as a delete (by Id), each split as
    split() does, in the folder `out` with out/manifest.json; returns a
    sfprep.delta.DeltaOutcome (`summary`, `warnings`: above max_changes changed or deleted
    records, default 100,000 or the config's `max-changes`)."""
    from sfprep.core.job import job_from_file_name
    from sfprep.core.options import settings_for
    from sfprep.delta import DeltaJob, make_delta
    from sfprep.linter.registry import is_selector

    resolved = settings_for(_options(settings), is_selector)
    job = resolved.cli_job.merged_over(resolved.job)
    object_name = job.object or job_from_file_name(os.fspath(current)).object
    if not object_name:
        raise UsageError(f"{current}: name the object (--object NAME, or a file name like Account.csv)")
    limit = max_changes if max_changes is not None else resolved.max_changes
    if limit is not None and limit < 0:
        raise UsageError("--max-changes: must be 0 or more")
    spec = DeltaJob(object_name, key, job.delimiter or ",", job.line_ending or "LF", resolved.profile,
                    100_000 if limit is None else limit)
    given = {name: value for name, value in settings.items() if name not in ("object", "operation", "external_id")}

    def split_one(path: str, folder: str, operation: str, external_id: str | None):
        return split(path, folder, object=object_name, operation=operation,
                     **({"external_id": external_id} if external_id else {}), **given)

    return make_delta(os.fspath(previous), os.fspath(current), os.fspath(out), spec, split_one, overwrite=overwrite)


@contextmanager
def prepared(paths: PathArg | Iterable[PathArg], options: Options) -> Iterator[tuple[LintRun, list[LintTarget]]]:
    """Settings checked, files found, each file's job and rules resolved, describes loaded;
    standard input (path `-`) copied to a temporary file for the time of the run."""
    from sfprep.core.options import settings_for
    from sfprep.core.profiles import load_profile
    from sfprep.linter.discovery import discover
    from sfprep.linter.registry import is_selector
    from sfprep.linter.runner import LintRun
    from sfprep.linter.targets import targets_for

    settings: Settings = settings_for(options, is_selector)
    given = _path_strings(paths)
    with ExitStack() as cleanup:
        files = discover(tuple(p for p in given if p != STDIN), settings)
        shown_as = {}
        if STDIN in given:
            copy = cleanup.enter_context(_stdin_copy(options.stdin_filename))
            files.append(copy)
            shown_as[copy] = options.stdin_filename or STDIN
        profile = load_profile(settings.profile, settings.limits)
        targets = targets_for(files, settings, profile, shown_as)
        yield LintRun.prepare(settings, profile, targets), targets


@contextmanager
def _stdin_copy(name: str | None) -> Iterator[Path]:
    """Standard input, copied block by block to a temporary file (the scanner reads regular
    files only); removed when the run is over."""
    import shutil
    import sys
    import tempfile

    suffix = Path(name).suffix if name else ".csv"
    with tempfile.TemporaryDirectory(prefix="sfprep-stdin-") as folder:
        copy = Path(folder) / f"stdin{suffix}"
        with open(copy, "wb") as target:
            shutil.copyfileobj(sys.stdin.buffer, target, 1 << 20)
        yield copy


def _path_strings(paths: PathArg | Iterable[PathArg]) -> tuple[str, ...]:
    if isinstance(paths, (str, os.PathLike)):
        return (os.fspath(paths),)
    return tuple(os.fspath(p) for p in paths)


def _options(settings: dict) -> Options:
    unknown = sorted(set(settings) - set(Options.names()))
    if unknown:
        raise TypeError(f"unknown setting(s): {', '.join(unknown)} (known: {', '.join(Options.names())})")
    return Options(**settings)


__all__ = ["lint", "fix", "convert", "split", "reconcile", "delta", "Report", "FixReport", "FindingDict", "UsageError"]
