"""Settings: `[tool.sfprep]` in the nearest pyproject.toml, else sfprep.toml; strictly validated.

Every problem in a config file is one UsageError naming the file and the key.
"""
from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sfprep.core.formats import check_formats
from sfprep.core.job import Job, normalise_operation
from sfprep.core.profiles import PROFILES, load_profile
from sfprep.core.model import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LINE_ENDINGS = ("LF", "CRLF")
DELIMITER_NAMES = {"COMMA": ",", "TAB": "\t", "SEMICOLON": ";", "PIPE": "|", "CARET": "^", "BACKQUOTE": "`"}


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    profile: str = "bulk1"
    job: Job = Job()                         # the config's general job settings
    jobs: tuple[tuple[str, Job], ...] = ()  # (glob, job settings for the files it matches)
    cli_job: Job = Job()                     # the command line's, which beat everything
    describe: str | None = None
    encoding: str | None = None
    date_format: str | None = None
    timezone: str | None = None
    strict: bool = False
    limits: dict[str, int] = field(default_factory=dict)
    max_changes: int | None = None           # delta: warn above this many changed or deleted records
    root: Path = Path(".")   # folder of the config file; globs and paths are relative to it
    source: Path | None = None

    def job_for(self, path: Path) -> Job:
        """Job settings for one file: command line, then the first matching glob, then the general ones."""
        job = self.job
        for pattern, specific in self.jobs:
            if self._matches(path, pattern):
                job = specific.merged_over(job)
                break
        return self.cli_job.merged_over(job)

    def ignored_for(self, path: Path) -> tuple[str, ...]:
        codes: list[str] = []
        for pattern, ignored in self.per_file_ignores:
            if self._matches(path, pattern):
                codes.extend(ignored)
        return tuple(codes)

    def code_lists(self):
        """(config key, codes) of every rule selection the config holds, for check_codes."""
        yield "select", self.select or ()
        yield "ignore", self.ignore
        yield "extend-select", self.extend_select
        for pattern, codes in self.per_file_ignores:
            yield f'per-file-ignores."{pattern}"', codes

    def is_excluded(self, path: Path) -> bool:
        return any(self._matches(path, pattern) for pattern in self.exclude)

    def _matches(self, path: Path, pattern: str) -> bool:
        try:
            relative = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        return fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(path.name, pattern)


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.sfprep] table, else the nearest sfprep.toml."""
    for folder in [start, *start.parents]:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "sfprep" in (_read_toml(pyproject).get("tool") or {}):
            return pyproject
        if (folder / "sfprep.toml").is_file():
            return folder / "sfprep.toml"
    return None


def load_settings(config_path: Path | None) -> Settings:
    if config_path is None:
        return Settings()
    data = _read_toml(config_path)
    if config_path.name == "pyproject.toml":
        data = data.get("tool", {}).get("sfprep", {})
        if not isinstance(data, dict):
            raise UsageError(f"{config_path}: `tool.sfprep` must be a table")
    return _parse(data, config_path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as stream:
            return tomllib.load(stream)
    except OSError as error:
        raise UsageError(f"{path}: cannot read config: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: invalid TOML: {error}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: invalid TOML: not UTF-8") from None


class _Reader:
    """Pops typed values out of a config table, naming file and key in every error."""

    def __init__(self, data: dict[str, Any], path: Path, prefix: str = ""):
        self.data, self.path, self.prefix = dict(data), path, prefix

    def fail(self, key: str, problem: str):
        raise UsageError(f"{self.path}: `{self.prefix}{key}` {problem}")

    def string(self, key: str, choices: tuple[str, ...] | None = None) -> str | None:
        value = self.data.pop(key, None)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(key, f"must be a string, not {type(value).__name__}")
        if choices and value not in choices:
            self.fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def codes(self, key: str) -> tuple[str, ...] | None:
        value = self.data.pop(key, None)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "must be a list of strings")
        return tuple(v.upper() for v in value)

    def boolean(self, key: str) -> bool | None:
        value = self.data.pop(key, None)
        if value is not None and not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return value

    def count(self, key: str) -> int | None:
        value = self.data.pop(key, None)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            self.fail(key, "must be a whole number, 0 or more")
        return value

    def table(self, key: str) -> dict[str, Any]:
        value = self.data.pop(key, {})
        if not isinstance(value, dict):
            self.fail(key, "must be a table")
        return value

    def finish(self) -> None:
        for key in self.data:
            self.fail(key, "is not a known setting")


def _parse(data: dict[str, Any], path: Path) -> Settings:
    reader = _Reader(data, path)
    select = reader.codes("select")
    ignore = reader.codes("ignore") or ()
    extend_select = reader.codes("extend-select") or ()
    exclude = reader.data.pop("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        reader.fail("exclude", "must be a list of glob patterns")
    per_file = reader.table("per-file-ignores")
    per_file_ignores = tuple((glob, _Reader({f'"{glob}"': codes}, path, "per-file-ignores.").codes(f'"{glob}"') or ())
                             for glob, codes in per_file.items())
    profile = reader.string("profile", PROFILES) or "bulk1"
    job = _job(reader)
    jobs = tuple((glob, _job_table(spec, path, f"jobs.{glob}.")) for glob, spec in reader.table("jobs").items())
    encoding, date_format, timezone = (reader.string(key) for key in ("encoding", "date-format", "timezone"))
    check_formats(encoding, date_format, timezone,
                  lambda key, value, problem: reader.fail(key, f"{value!r}: {problem}"))
    settings = Settings(
        select=select, ignore=ignore, extend_select=extend_select, exclude=tuple(exclude),
        per_file_ignores=per_file_ignores, profile=profile, job=job, jobs=jobs,
        describe=_relative(reader.string("describe"), path), encoding=encoding,
        date_format=date_format, timezone=timezone,
        strict=bool(reader.boolean("strict")), limits=_limits(reader.table("limits"), path),
        max_changes=reader.count("max-changes"), root=path.parent, source=path,
    )
    reader.finish()
    return settings


def _job_table(spec: Any, path: Path, prefix: str) -> Job:
    if not isinstance(spec, dict):
        raise UsageError(f"{path}: `{prefix.rstrip('.')}` must be a table")
    reader = _Reader(spec, path, prefix)
    job = _job(reader)
    reader.finish()
    return job


def _job(reader: _Reader) -> Job:
    operation = reader.string("operation")
    if operation is not None and normalise_operation(operation) is None:
        reader.fail("operation", f"must be insert, update, upsert, delete or hardDelete, not {operation!r}")
    return Job(
        object=reader.string("object"),
        operation=normalise_operation(operation) if operation else None,
        external_id=reader.string("external-id"),
        delimiter=parse_delimiter(reader.string("delimiter"), lambda p: reader.fail("delimiter", p)),
        line_ending=reader.string("line-ending", LINE_ENDINGS),
    )


def parse_delimiter(text: str | None, fail) -> str | None:
    """A delimiter given as a bulk2 name (COMMA, TAB...) or as the character itself."""
    if text is None:
        return None
    if text.upper() in DELIMITER_NAMES:
        return DELIMITER_NAMES[text.upper()]
    if text == "\\t":
        return "\t"
    if text in DELIMITER_NAMES.values():
        return text
    fail(f"must be one of {', '.join(DELIMITER_NAMES)}, not {text!r}")


def _limits(table: dict[str, Any], path: Path) -> dict[str, int]:
    known = set(load_profile("bulk1")) | set(load_profile("bulk2"))
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            raise UsageError(f"{path}: `limits.{key}` is not a known limit")
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise UsageError(f"{path}: `limits.{key}` must be a positive integer")
    return {key.replace("-", "_"): value for key, value in table.items()}


def _relative(value: str | None, config_path: Path) -> str | None:
    if value is None:
        return None
    candidate = Path(value)
    return str(candidate if candidate.is_absolute() else config_path.parent / candidate)


def check_codes(settings: Settings, is_selector) -> None:
    """Every code in the config names a rule (the registry's `is_selector` says which do)."""
    for key, codes in settings.code_lists():
        for code in codes:
            if not is_selector(code):
                raise UsageError(f"{settings.source}: `{key}` names no rule: {code!r}")


def with_cli(settings: Settings, **options: Any) -> Settings:
    """Settings with the command line's options laid over the config's."""
    changes = {k: v for k, v in options.items() if v is not None and k != "job"}
    if "job" in options:
        changes["cli_job"] = options["job"]
    return replace(settings, **changes)
