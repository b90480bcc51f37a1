"""A progress bar on stderr, by bytes read, for a terminal user waiting on big files."""
from __future__ import annotations

from sfprep.core.model import FileResult
from sfprep.linter.runner import LintRun
from sfprep.linter.targets import LintTarget

PROGRESS_FROM_BYTES = 50 << 20  # a bar only when the wait is noticeable


def total_bytes(targets: list[LintTarget]) -> int:
    return sum(t.path.stat().st_size for t in targets if t.path.is_file())


def lint_with_progress_bar(run: LintRun, targets: list[LintTarget]) -> list[FileResult]:
    """Lint the files one after the other in this process, a bar advancing as they are read."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    sizes = [t.path.stat().st_size if t.path.is_file() else 0 for t in targets]
    columns = (TextColumn("{task.description}"), BarColumn(complete_style="cyan", finished_style="green"),
               DownloadColumn(), TimeRemainingColumn())
    results = []
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("linting", total=sum(sizes))
        done = 0
        for target, size in zip(targets, sizes):
            bar.update(task, description=target.path.name[:40])
            results.append(run.lint(target, lambda read, done=done: bar.update(task, completed=done + read)))
            done += size
            bar.update(task, completed=done)
    return results
