"""The options `lint` and `fix` share (CLI.md "Options shared by lint, fix, split"), and
how the parsed flags become the run's Options and the report's ReportOptions."""
from __future__ import annotations

from dataclasses import dataclass, fields

import click

from sfprep.core.job import OPERATIONS
from sfprep.core.options import Options
from sfprep.report import FORMATS


@dataclass(frozen=True)
class ReportOptions:
    """How the findings are shown and what the exit code means."""

    format: str | None = None
    output: str | None = None
    exit_zero: bool = False
    statistics: bool = False
    no_progress: bool = False
    show_all: bool = False


def run_options(command):
    """The options that change what is linted and how (they become core.options.Options)."""
    options = [
        click.option("--object", help="The sObject the file holds."),
        click.option("--operation", type=click.Choice(OPERATIONS, case_sensitive=False), help="The job's operation."),
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
        click.option("--config", type=click.Path(path_type=str), help="Config file."),
        click.option("--strict", is_flag=True, default=None, help="Warnings also fail (exit 1)."),
        click.option("--jobs", type=click.IntRange(min=1), help="Files linted in parallel."),
        click.option("--stdin-filename", help="With `-` as PATH: the name standard input stands for "
                                              "(its job and the report's path)."),
    ]
    return _apply(options, command)


def report_options(command):
    """The options that change how findings are reported (they become ReportOptions)."""
    options = [
        click.option("--format", type=click.Choice(FORMATS), help="Report format."),
        click.option("--output", type=click.Path(path_type=str), help="Write the report to a file."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are errors."),
        click.option("--statistics", is_flag=True, help="Counts per rule instead of findings."),
        click.option("--no-progress", is_flag=True, help="No progress bar."),
        click.option("--show-all", is_flag=True, help="full format: every finding, not the first few "
                                                      "per file, rule and column."),
    ]
    return _apply(options, command)


def fix_options(command):
    options = [
        click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (they change values)."),
        click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing."),
    ]
    return _apply(options, command)


def _apply(options, command):
    for option in reversed(options):
        command = option(command)
    return command


def split_options(flags: dict) -> tuple[Options, ReportOptions]:
    """The parsed flags of a command, as (run options, report options); other flags stay in `flags`."""
    run = {name: flags.pop(name) for name in Options.names() if name in flags}
    report = {f.name: flags.pop(f.name) for f in fields(ReportOptions) if f.name in flags}
    return Options(**run), ReportOptions(**report)


def given(options: Options) -> dict:
    """The options set on the command line, as the API's keyword arguments."""
    return {name: value for name, value in options.__dict__.items() if value is not None}
