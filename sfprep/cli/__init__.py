"""The command line. The one place that turns every usage problem into one line and exit 2."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sfprep import __version__

from sfprep.report import FORMATS as FORMAT_CHOICES
PROGRESS_FROM_BYTES = 50 << 20  # a progress bar only when the wait is noticeable


class OneLineErrors(click.Group):
    """A click group whose usage errors are one line on stderr and exit 2, never a traceback."""

    def main(self, args=None, prog_name=None, **extra):
        from sfprep.core.model import UsageError

        extra["standalone_mode"] = False
        try:
            code = super().main(args=args, prog_name=prog_name or "sfprep", **extra)
        except UsageError as error:
            _fail(str(error))
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help())
            sys.exit(0)
        except click.ClickException as error:
            _fail(error.format_message().replace("\n", " "))
        except click.exceptions.Abort:
            _fail("aborted")
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as error:  # a bug: still one line, unless asked for the traceback
            if os.environ.get("SFPREP_DEBUG"):
                raise
            _fail(f"internal error: {type(error).__name__}: {error} (set SFPREP_DEBUG=1 for the traceback)")
        sys.exit(code or 0)


def run() -> None:
    """The console script: main(), then leave without the interpreter's teardown.

    Once polars has run a query, the normal exit waits on its thread pool and tears down
    every module: about 60 ms, a fifth of a one-file lint. Everything sfprep writes is
    closed and flushed by then (files are written through context managers and fsynced,
    process pools are shut down), so only the standard streams need flushing."""
    try:
        main()
    except SystemExit as leaving:
        code = leaving.code
    else:
        code = 0
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
    os._exit(code or 0)


def _fail(message: str) -> None:
    click.echo(f"sfprep: error: {message}", err=True)
    sys.exit(2)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="sfprep", message="%(prog)s %(version)s")
def main() -> None:
    """Lint, fix and batch Salesforce Bulk API data files before they are loaded."""


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    from sfprep.core.model import UsageError
    from sfprep.linter.registry import is_selector

    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for code in codes:
        if not is_selector(code):
            raise UsageError(f"no rule matches {code!r} (see `sfprep rule`)")
    return codes


def _lint_options(command):
    """The options `lint` and `fix` share (CLI.md: "Options shared by lint, fix, split")."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=str)),
        click.option("--object", "object_name", help="The sObject the file holds."),
        click.option("--operation", type=click.Choice(["insert", "update", "upsert", "delete", "hardDelete"],
                                                      case_sensitive=False), help="The job's operation."),
        click.option("--external-id", help="The upsert key field."),
        click.option("--describe", type=click.Path(path_type=str), help="Describe JSON file or folder."),
        click.option("--profile", type=click.Choice(["bulk1", "bulk2"]), help="Limit profile (default bulk1)."),
        click.option("--delimiter", help="bulk2 columnDelimiter: COMMA, TAB, SEMICOLON, PIPE, CARET, BACKQUOTE."),
        click.option("--line-ending", type=click.Choice(["LF", "CRLF"], case_sensitive=False),
                     help="bulk2 lineEnding."),
        click.option("--encoding", help="Source encoding when it is not UTF-8 (F001's fix)."),
        click.option("--date-format", help="How to read non-ISO dates, e.g. %m/%d/%Y (V005/V006 fixes)."),
        click.option("--timezone", help="Time zone of zone-less dateTimes, e.g. Europe/Paris (V006 fix)."),
        click.option("--select", help="Rules to run, by code or prefix (comma-separated; ALL for all)."),
        click.option("--ignore", help="Rules not to run, by code or prefix."),
        click.option("--extend-select", help="Rules to run in addition to the selection."),
        click.option("--config", "config_file", type=click.Path(path_type=str), help="Config file."),
        click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), help="Report format."),
        click.option("--output", type=click.Path(path_type=str), help="Write the report to a file."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are errors."),
        click.option("--strict", is_flag=True, default=None, help="Warnings also fail (exit 1)."),
        click.option("--statistics", is_flag=True, help="Counts per rule instead of findings."),
        click.option("--no-progress", is_flag=True, help="No progress bar."),
        click.option("--jobs", type=click.IntRange(min=1), help="Files linted in parallel."),
        click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (they change values)."),
        click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@_lint_options
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply fixes (same as `sfprep fix`).")
def lint(apply_fixes: bool, **options) -> None:
    """Check CSV batch files and report findings."""
    _run_lint(fix=apply_fixes or options["diff"], **options)


@main.command()
@_lint_options
def fix(**options) -> None:
    """Apply fixes in place, atomically (safe ones; --unsafe-fixes for all)."""
    _run_lint(fix=True, **options)


def _run_lint(paths, object_name, operation, external_id, describe, profile, delimiter, line_ending,
              encoding, date_format, timezone, select, ignore, extend_select, config_file, fmt, output,
              exit_zero, strict, statistics, no_progress, jobs, unsafe_fixes, diff, fix) -> None:
    from sfprep.core.config import parse_delimiter, with_cli
    from sfprep.core.job import Job, normalise_operation
    from sfprep.linter.runner import discover, fix_paths, lint_paths, load_config
    from sfprep.core.model import UsageError

    if not paths:
        raise UsageError("no file or folder given (try `sfprep lint .`)")
    settings = load_config(config_file)
    job = Job(object=object_name, operation=normalise_operation(operation) if operation else None,
              external_id=external_id,
              delimiter=parse_delimiter(delimiter, lambda problem: _raise(f"--delimiter {problem}")),
              line_ending=line_ending.upper() if line_ending else None)
    settings = with_cli(settings, job=job, profile=profile, describe=describe, encoding=encoding,
                        date_format=date_format, timezone=timezone, select=_codes(select),
                        ignore=(settings.ignore + _codes(ignore)) if ignore else None,
                        extend_select=(settings.extend_select + _codes(extend_select)) if extend_select else None,
                        strict=strict)
    files = discover(paths, settings)
    if fix:
        outcomes, results = fix_paths(files, settings, unsafe=unsafe_fixes, diff_only=diff)
        if diff:
            _print_diffs(outcomes)
            sys.exit(1 if any(o.fixed for o in outcomes) and not exit_zero else 0)
        _print_fix_summary(outcomes)
    else:
        big = sum(p.stat().st_size for p in files if p.is_file()) > PROGRESS_FROM_BYTES
        show_progress = big and not no_progress and sys.stderr.isatty() and (len(files) == 1 or jobs == 1)
        results = lint_paths(files, settings, jobs=1 if show_progress else jobs, show_progress=show_progress)
    fmt = fmt or ("full" if sys.stdout.isatty() and not output else "concise")
    _write_report(fmt, results, output, statistics)
    sys.exit(_exit_code(results, settings.strict, exit_zero))


def _print_diffs(outcomes) -> None:
    import difflib

    for outcome in outcomes:
        if outcome.new_bytes is None:
            continue
        with open(outcome.path, "rb") as stream:
            old = _lines(stream.read())
        new = _lines(outcome.new_bytes)
        for line in difflib.unified_diff(old, new, f"a/{outcome.path}", f"b/{outcome.path}"):
            sys.stdout.write(line.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
            if not line.endswith("\n"):
                sys.stdout.write("\n\\ No newline at end of file\n")


def _lines(data: bytes) -> list[str]:
    """Lines split on LF only (a CR, form feed or U+2028 is part of a line, as in the file)."""
    import re

    return re.findall(r"[^\n]*\n|[^\n]+$", data.decode("utf-8", "surrogateescape"))


def _print_fix_summary(outcomes) -> None:
    fixed = sum(sum(o.fixed.values()) for o in outcomes)
    if not fixed:
        click.echo("nothing to fix", err=True)
        return
    for outcome in outcomes:
        if outcome.fixed:
            counts = ", ".join(f"{code} x{count}" for code, count in sorted(outcome.fixed.items()))
            click.echo(f"fixed {outcome.path}: {counts}", err=True)
    click.echo(f"fixed {fixed} finding(s) in {sum(1 for o in outcomes if o.fixed)} file(s)", err=True)


def _raise(message: str):
    from sfprep.core.model import UsageError
    raise UsageError(message)


def _write_report(fmt, results, output, statistics) -> None:
    from sfprep.core.model import UsageError
    from sfprep.report import render

    if output is None:
        render(fmt, results, sys.stdout, statistics=statistics,
               color=sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        return
    try:
        with open(output, "w", encoding="utf-8") as stream:
            render(fmt, results, stream, statistics=statistics)
    except OSError as error:
        raise UsageError(f"{output}: cannot write the report: {error.strerror}") from None


def _exit_code(results, strict: bool, exit_zero: bool) -> int:
    from sfprep.core.model import Severity

    if exit_zero:
        return 0
    worst = max((f.severity for r in results for f in r.findings), default=None)
    if worst == Severity.ERROR or (strict and worst == Severity.WARNING):
        return 1
    return 0


@main.command()
@click.argument("code", required=False)
def rule(code: str | None) -> None:
    """Print one rule's documentation, or the catalogue."""
    from sfprep.core.model import UsageError
    from sfprep.linter.registry import get_rule
    from sfprep.linter.docs import print_catalogue, print_rule

    if code is None:
        print_catalogue()
        return
    found = get_rule(code)
    if found is None:
        raise UsageError(f"unknown rule code {code!r} (`sfprep rule` lists them)")
    print_rule(found)


STARTER_CONFIG = '''\
# sfprep configuration (https://github.com/ - see README.md). Every key is optional.

# Limit profile: bulk1 (Bulk API 1.0, the default) or bulk2 (Bulk API 2.0 ingest jobs).
# profile = "bulk1"

# Rules, by code or prefix: "Q", "V0", "L004", or "ALL".
# select = ["ALL"]
# ignore = ["V004"]
# extend-select = []

# Files and folders to leave out (globs, relative to this file).
# exclude = ["archive/**"]

# Describe JSON file, or a folder of <Object>.json files.
# describe = "describe/"

# The job every file is for; it beats the file name (Account.csv, Contact.upsert.csv),
# and the command line beats it.
# object = "Account"
# operation = "insert"
# external-id = "External_Id__c"

# Job settings for some files only.
# [jobs."contacts/*.csv"]
# object = "Contact"
# operation = "upsert"
# external-id = "External_Id__c"

# [per-file-ignores]
# "legacy/*.csv" = ["V001"]

# Limits that differ from the profile's.
# [limits]
# records_per_batch = 5000
'''


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing sfprep.toml.")
def init(force: bool) -> None:
    """Write a commented starter sfprep.toml."""
    from sfprep.core.model import UsageError

    target = Path("sfprep.toml")
    if target.exists() and not force:
        raise UsageError("sfprep.toml exists already (use --force to overwrite)")
    target.write_text(STARTER_CONFIG, encoding="utf-8")
    click.echo("wrote sfprep.toml")
