"""What a caller sets for one run: the command line's shared options and the Python API's
keyword arguments are the same dataclass, laid over the config file the same way."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, Sequence

from sfprep.core.config import Settings, check_codes, find_config, load_settings, parse_delimiter, with_cli
from sfprep.core.formats import check_formats
from sfprep.core.job import OPERATIONS, Job, normalise_operation
from sfprep.core.model import UsageError
from sfprep.core.profiles import PROFILES


@dataclass(frozen=True)
class Options:
    """Every setting a run can be given; None means "from the config, else the default"."""

    config: str | None = None
    object: str | None = None
    operation: str | None = None
    external_id: str | None = None
    describe: str | None = None
    profile: str | None = None
    delimiter: str | None = None
    line_ending: str | None = None
    encoding: str | None = None
    date_format: str | None = None
    timezone: str | None = None
    select: Sequence[str] | None = None
    ignore: Sequence[str] | None = None
    extend_select: Sequence[str] | None = None
    strict: bool | None = None
    jobs: int | None = None
    stdin_filename: str | None = None   # the name standard input (path `-`) stands for

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def codes(text: str | Sequence[str] | None, is_selector: Callable[[str], bool],
          option: str) -> tuple[str, ...] | None:
    """Rule codes or prefixes, from a comma-separated string or a sequence; each must name a rule."""
    if text is None:
        return None
    parts = text.split(",") if isinstance(text, str) else list(text)
    chosen = tuple(str(part).strip().upper() for part in parts if str(part).strip())
    for code in chosen:
        if not is_selector(code):
            raise UsageError(f"{option}: no rule matches {code!r} (see `sfprep rule`)")
    return chosen


def load_config(config_file: str | None) -> Settings:
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise UsageError(f"{config_file}: config file not found")
        return load_settings(path)
    return load_settings(find_config(Path.cwd()))


def settings_for(options: Options, is_selector: Callable[[str], bool]) -> Settings:
    """The config file's settings with the options laid over them, all checked."""
    settings = load_config(options.config)
    check_codes(settings, is_selector)
    if options.profile is not None and options.profile not in PROFILES:
        raise UsageError(f"--profile: must be one of {', '.join(PROFILES)}, not {options.profile!r}")
    operation = None
    if options.operation is not None:
        operation = normalise_operation(options.operation)
        if operation is None:
            raise UsageError(f"--operation: must be one of {', '.join(OPERATIONS)}, not {options.operation!r}")
    line_ending = options.line_ending.upper() if options.line_ending else None
    if line_ending not in (None, "LF", "CRLF"):
        raise UsageError(f"--line-ending: must be LF or CRLF, not {options.line_ending!r}")
    job = Job(object=options.object, operation=operation, external_id=options.external_id,
              delimiter=parse_delimiter(options.delimiter, _fail_with("--delimiter")),
              line_ending=line_ending)
    check_formats(options.encoding, options.date_format, options.timezone,
                  lambda key, value, problem: _fail_with(f"--{key}")(f"{value!r}: {problem}"))
    ignore = codes(options.ignore, is_selector, "--ignore")
    extend_select = codes(options.extend_select, is_selector, "--extend-select")
    return with_cli(settings, job=job, profile=options.profile, describe=options.describe,
                    encoding=options.encoding, date_format=options.date_format, timezone=options.timezone,
                    select=codes(options.select, is_selector, "--select"),
                    ignore=settings.ignore + ignore if ignore else None,
                    extend_select=settings.extend_select + extend_select if extend_select else None,
                    strict=options.strict)


def _fail_with(option: str):
    def fail(problem: str):
        raise UsageError(f"{option} {problem}")
    return fail
