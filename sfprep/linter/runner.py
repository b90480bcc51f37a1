"""From command-line paths to FileResults: discovery, per-file job and rule selection."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from sfprep.core.config import Settings, find_config, load_profile, load_settings
from sfprep.linter.engine import lint_file, lint_files_together
from sfprep.core.job import Job, job_from_file_name
from sfprep.core.model import FileResult, UsageError
from sfprep.linter.registry import Rule, select_rules

SUFFIXES = (".csv", ".xml")


def load_config(config_file: str | None) -> Settings:
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise UsageError(f"{config_file}: config file not found")
        return load_settings(path)
    return load_settings(find_config(Path.cwd()))


def discover(paths: tuple[str, ...], settings: Settings) -> list[Path]:
    """Files named on the command line, and every *.csv / *.xml below the folders named."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(_walk(path, settings))
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise UsageError(f"{given}: no such file or folder")
    return list(dict.fromkeys(found))


def _walk(folder: Path, settings: Settings) -> list[Path]:
    files = []
    for path in sorted(folder.rglob("*")):
        relative_parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative_parts):
            continue
        if path.suffix.lower() in SUFFIXES and path.is_file() and not settings.is_excluded(path):
            files.append(path)
    return files


def job_for(path: Path, settings: Settings) -> Job:
    """Command line and config first (settings.job holds both), then the file name."""
    job = settings.job_for(path).merged_over(job_from_file_name(str(path)))
    if job.operation is None:
        job = Job(**{**job.__dict__, "operation": "insert"})
    return job


def rules_for(path: Path, settings: Settings) -> list[Rule]:
    ignored = tuple(settings.ignore) + tuple(settings.ignored_for(path))
    return list(_selected(settings.select, ignored, tuple(settings.extend_select)))


@functools.lru_cache(maxsize=64)
def _selected(select, ignored, extend_select) -> tuple[Rule, ...]:
    return tuple(select_rules(select, ignored, extend_select))


def lint_paths(files: list[Path], settings: Settings, jobs: int | None = None,
               show_progress: bool = False) -> list[FileResult]:
    """Lint every file, in parallel processes when there are several; results in input order."""
    profile = load_profile(settings.profile, settings.limits)
    for path in files:
        job = job_for(path, settings)
        if not profile.get("line_ending_declared") and (job.delimiter not in (None, ",") or job.line_ending):
            raise UsageError(_bulk2_only(settings))
    workers = min(jobs or os.cpu_count() or 1, len(files))
    if workers <= 1:
        _start_worker(settings)
        if show_progress:
            return _with_progress_bar(files)
        return [result for batch in _batches(files, 1) for result in _lint_batch(batch)]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=_process_context(),
                             initializer=_start_worker, initargs=(settings,)) as pool:
        return [result for batch in pool.map(_lint_batch, _batches(files, workers)) for result in batch]


BATCH_FILES = 64         # small files linted together share their value-check queries
BATCH_BYTES = 8 << 20    # a file this big (one scan chunk) is linted on its own


def _batches(files: list[Path], workers: int) -> list[list[Path]]:
    """Consecutive files in batches: small ones together (at most BATCH_FILES and
    BATCH_BYTES a batch, and at least four batches a worker while there are files enough),
    each big one alone. Results keep the input order."""
    per_batch = max(1, min(BATCH_FILES, len(files) // (workers * 4)))
    batches: list[list[Path]] = []
    current: list[Path] = []
    current_bytes = 0
    for path in files:
        size = _size_or_zero(path)
        if current and (len(current) >= per_batch or current_bytes + size > BATCH_BYTES):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(path)
        current_bytes += size
    if current:
        batches.append(current)
    return batches


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # lint_file reports what is wrong with it


_WORKER: dict = {}  # per process: settings, profile and describe cache


def _start_worker(settings: Settings) -> None:
    from sfprep.salesforce.describe import DescribeSource

    _WORKER.update(settings=settings, profile=load_profile(settings.profile, settings.limits),
                   describes=DescribeSource(settings.describe))


def _lint_batch(paths: list[Path]) -> list[FileResult]:
    """Lint these files together (lint_files_together); results in the same order."""
    settings = _WORKER["settings"]
    results: list = [None] * len(paths)
    csv_files = []
    for position, path in enumerate(paths):
        job, rules = job_for(path, settings), rules_for(path, settings)
        if path.suffix.lower() == ".xml":
            results[position] = _xml_not_checked(path, job, rules)
        else:
            csv_files.append((position, (str(path), job, _WORKER["profile"], rules, None,
                                         _WORKER["describes"], settings)))
    linted = lint_files_together([arguments for _, arguments in csv_files])
    for (position, _), result in zip(csv_files, linted):
        results[position] = result
    return results


def _lint_one(path: Path, progress=None) -> FileResult:
    settings = _WORKER["settings"]
    job, rules = job_for(path, settings), rules_for(path, settings)
    if path.suffix.lower() == ".xml":
        return _xml_not_checked(path, job, rules)
    return lint_file(str(path), job, _WORKER["profile"], rules, describes=_WORKER["describes"],
                     settings=settings, progress=progress)


def _with_progress_bar(files: list[Path]) -> list[FileResult]:
    """A progress bar on stderr, by bytes read, for a terminal user waiting on big files."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    sizes = [path.stat().st_size if path.is_file() else 0 for path in files]
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    results = []
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("linting", total=sum(sizes))
        done = 0
        for path, size in zip(files, sizes):
            bar.update(task, description=path.name[:40])
            results.append(_lint_one(path, lambda read, done=done: bar.update(task, completed=done + read)))
            done += size
            bar.update(task, completed=done)
    return results


def _process_context():
    """fork is fast, but not once polars has started its thread pool in this process."""
    import multiprocessing
    import sys

    method = "fork" if "polars" not in sys.modules and sys.platform == "linux" else "forkserver"
    return multiprocessing.get_context(method)


def _bulk2_only(settings: Settings) -> str:
    cli = settings.cli_job
    if cli.delimiter not in (None, ",") or cli.line_ending:
        return "--delimiter and --line-ending are Bulk API 2.0 job settings: add --profile bulk2"
    key = "delimiter" if settings.job.delimiter not in (None, ",") or any(
        j.delimiter not in (None, ",") for _, j in settings.jobs) else "line-ending"
    return f'{settings.source}: `{key}` is a Bulk API 2.0 job setting: set profile = "bulk2"'


def _xml_not_checked(path: Path, job: Job, rules: list[Rule]) -> FileResult:
    reason = "XML batch files are not checked yet"
    return FileResult(path=str(path), object=job.object, operation=job.operation,
                      skipped_rules=[(r.code, reason) for r in rules])


def fix_paths(files: list[Path], settings: Settings, unsafe: bool, diff_only: bool):
    """Fix every file; returns (one FixOutcome per file, the FileResults of the fixed files)."""
    from sfprep.salesforce.describe import DescribeSource
    from sfprep.fixer.apply import fix_file
    from sfprep.core.model import Applicability, FixKind

    profile = load_profile(settings.profile, settings.limits)
    describes = DescribeSource(settings.describe)
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    # The rules whose fixes can meet the threshold (a rule's kind is the most a finding may offer).
    offered = (FixKind.SAFE, FixKind.UNSAFE) if unsafe else (FixKind.SAFE,)
    outcomes, results = [], []
    for path in files:
        job, rules = job_for(path, settings), rules_for(path, settings)
        if path.suffix.lower() == ".xml":
            results.append(_xml_not_checked(path, job, rules))
            continue

        # F001's one fix re-encodes from --encoding: without it, the fixers-only lint skips F001
        # and, with it, the text pass (the final lint still runs it).
        fixers = [rule_ for rule_ in rules if rule_.fix in offered
                  and (rule_.code != "F001" or settings.encoding)]

        def lint_once(working: str, fixers_only: bool, job=job, rules=rules, fixers=fixers, path=path):
            return lint_file(working, job, profile, fixers if fixers_only else rules,
                             display_path=str(path), describes=describes, settings=settings)

        outcome = fix_file(str(path), lint_once, threshold, diff_only=diff_only)
        outcomes.append(outcome)
        results.append(outcome.final)
    return outcomes, results
