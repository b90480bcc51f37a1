"""What each file is linted as: its job and its rules, resolved once per file, in the
parent process, before any worker starts (so a bad setting is one error, not one per worker)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from sfprep.core.config import Settings
from sfprep.core.job import Job, job_from_file_name
from sfprep.core.model import UsageError
from sfprep.linter.registry import Rule, all_rules, select_rules


@dataclass(frozen=True)
class LintTarget:
    path: Path               # the file read
    job: Job
    codes: tuple[str, ...]   # the rules that run on it (by code: cheap to send to a worker)
    shown_as: str | None = None  # the name in reports and for the job, when not `path` (stdin)

    @property
    def display(self) -> str:
        return self.shown_as or str(self.path)

    @property
    def rules(self) -> list[Rule]:
        registered = all_rules()
        return [registered[code] for code in self.codes]


def targets_for(files: list[Path], settings: Settings, profile: dict,
                shown_as: dict[Path, str] | None = None) -> list[LintTarget]:
    """Each file's target; `shown_as` names the files that stand for another name (stdin)."""
    targets = []
    for path in files:
        name = (shown_as or {}).get(path)
        as_named = Path(name) if name else path
        targets.append(LintTarget(path, job_for(as_named, settings), rule_codes_for(as_named, settings), name))
    bulk2_only = [t for t in targets if t.job.delimiter not in (None, ",") or t.job.line_ending]
    if bulk2_only and not profile.get("line_ending_declared"):
        raise UsageError(_bulk2_only(settings))
    return targets


def job_for(path: Path, settings: Settings) -> Job:
    """Command line and config first (settings.job holds both), then the file name."""
    job = settings.job_for(path).merged_over(job_from_file_name(str(path)))
    if job.operation is None:
        job = Job(**{**job.__dict__, "operation": "insert"})
    return job


def rule_codes_for(path: Path, settings: Settings) -> tuple[str, ...]:
    ignored = tuple(settings.ignore) + tuple(settings.ignored_for(path))
    return _selected(settings.select, ignored, tuple(settings.extend_select))


@functools.lru_cache(maxsize=64)
def _selected(select, ignored, extend_select) -> tuple[str, ...]:
    return tuple(rule_.code for rule_ in select_rules(select, ignored, extend_select))


def _bulk2_only(settings: Settings) -> str:
    cli = settings.cli_job
    if cli.delimiter not in (None, ",") or cli.line_ending:
        return "--delimiter and --line-ending are Bulk API 2.0 job settings: add --profile bulk2"
    key = "delimiter" if settings.job.delimiter not in (None, ",") or any(
        j.delimiter not in (None, ",") for _, j in settings.jobs) else "line-ending"
    return f'{settings.source}: `{key}` is a Bulk API 2.0 job setting: set profile = "bulk2"'
