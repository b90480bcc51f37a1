"""Linting many files: small ones in batches that share their value-check queries, in
parallel processes when there are several; results in input order.

Everything that can be wrong with the run's inputs (config, describe JSON, job settings)
is checked by LintRun.prepare in this process, before any worker starts: a worker that
fails still reaches the user as one line (its UsageError is raised here by the pool).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sfprep.core.config import Settings
from sfprep.core.model import FileResult
from sfprep.core.profiles import load_profile
from sfprep.linter.engine import lint_file, lint_files_together
from sfprep.linter.targets import LintTarget
from sfprep.salesforce.describe import DescribeSource

BATCH_FILES = 64         # small files linted together share their value-check queries
BATCH_BYTES = 8 << 20    # a file this big (one scan chunk) is linted on its own


@dataclass
class LintRun:
    """What every file of one run shares: the settings, the limit profile, the describes."""

    settings: Settings
    profile: dict[str, Any]
    describes: DescribeSource

    @classmethod
    def prepare(cls, settings: Settings, profile: dict[str, Any] | None = None,
                targets: list[LintTarget] = ()) -> "LintRun":
        """Load and check everything the files will need (a describe that is missing or not
        valid JSON is a UsageError here, not in a worker)."""
        describes = DescribeSource(settings.describe)
        for target in targets:
            describes.get(target.job.object)
        return cls(settings, profile or load_profile(settings.profile, settings.limits), describes)

    def lint(self, target: LintTarget, progress: Callable[[int], None] | None = None) -> FileResult:
        return lint_file(str(target.path), target.job, self.profile, target.rules, display_path=target.display,
                         describes=self.describes, settings=self.settings, progress=progress)

    def lint_together(self, targets: list[LintTarget]) -> list[FileResult]:
        """These files read first, their value checks evaluated together; results in order."""
        return lint_files_together([(str(t.path), t.job, self.profile, t.rules, t.display, self.describes,
                                     self.settings) for t in targets])


def lint_targets(run: LintRun, targets: list[LintTarget], jobs: int | None = None) -> list[FileResult]:
    """Lint every file, in parallel processes when there are several; results in input order."""
    workers = min(jobs or os.cpu_count() or 1, len(targets))
    if workers <= 1:
        return [result for batch in batches(targets, 1) for result in run.lint_together(batch)]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=_process_context(),
                             initializer=_start_worker, initargs=(run,)) as pool:
        return [result for batch in pool.map(_lint_batch, batches(targets, workers)) for result in batch]


def batches(targets: list[LintTarget], workers: int) -> list[list[LintTarget]]:
    """Consecutive files in batches: small ones together (at most BATCH_FILES and
    BATCH_BYTES a batch, and at least four batches a worker while there are files enough),
    each big one alone. Results keep the input order."""
    per_batch = max(1, min(BATCH_FILES, len(targets) // (workers * 4)))
    grouped: list[list[LintTarget]] = []
    current: list[LintTarget] = []
    current_bytes = 0
    for target in targets:
        size = _size_or_zero(target.path)
        if current and (len(current) >= per_batch or current_bytes + size > BATCH_BYTES):
            grouped.append(current)
            current, current_bytes = [], 0
        current.append(target)
        current_bytes += size
    if current:
        grouped.append(current)
    return grouped


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # lint_file reports what is wrong with it


_WORKER: dict[str, LintRun] = {}  # per worker process: the run it serves


def _start_worker(run: LintRun) -> None:
    _WORKER["run"] = run


def _lint_batch(targets: list[LintTarget]) -> list[FileResult]:
    return _WORKER["run"].lint_together(targets)


def _process_context():
    """fork is fast, but not once polars has started its thread pool in this process."""
    import multiprocessing
    import sys

    method = "fork" if "polars" not in sys.modules and sys.platform == "linux" else "forkserver"
    return multiprocessing.get_context(method)

