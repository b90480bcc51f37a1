"""`sfprep fix PATH...` (and `lint --fix`): apply the fixes atomically, show them (--diff),
or ask about each one at the terminal (--interactive, the dialogue in cli/interactive.py)."""
from __future__ import annotations

import os
import sys

import click

from sfprep.cli.app import main
from sfprep.cli.options import ReportOptions, fix_options, given, report_options, run_options, split_options
from sfprep.core.options import Options


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@run_options
@report_options
@fix_options
@click.option("--interactive", is_flag=True,
              help="Ask about each fix at the terminal (y/n/a/q, as `git add -p`); write the accepted ones.")
def fix(paths: tuple[str, ...], unsafe_fixes: bool, diff: bool, interactive: bool, **flags) -> None:
    """Apply fixes in place, atomically (safe ones; --unsafe-fixes for all)."""
    options, report_options_ = split_options(flags)
    if interactive:
        run_interactive(paths, options, report_options_, unsafe_fixes=unsafe_fixes, diff=diff)
        return
    run_fix(paths, options, report_options_, unsafe_fixes=unsafe_fixes, diff=diff)


def run_interactive(paths: tuple[str, ...], options: Options, report_options_: ReportOptions,
                    unsafe_fixes: bool, diff: bool) -> None:
    """The dialogue of cli/interactive.py over sfprep.fix(choose=...), then what was applied
    and skipped, and the findings left (their summary; the report when a format is asked for)."""
    from sfprep import api
    from sfprep.cli.interactive import Dialogue
    from sfprep.cli.output import exit_code, write_report
    from sfprep.core.model import UsageError

    if diff:
        raise UsageError("--interactive and --diff cannot be combined (--diff shows every fix and writes nothing)")
    if not sys.stdin.isatty():
        raise UsageError("--interactive needs a terminal")
    dialogue = Dialogue(sys.stdout, color=sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    try:
        report = api.fix(paths or ".", unsafe_fixes=unsafe_fixes, choose=dialogue.choose, **given(options))
    except KeyboardInterrupt:
        if dialogue.interrupted is None:
            raise
        for line in dialogue.summary_lines() if dialogue.files else []:
            click.echo(line, err=True)
        before = "the files before it keep the fixes written" if any(d.accepted for d in dialogue.files) \
            else "no file was changed"
        raise UsageError(f"interrupted: nothing applied to {dialogue.interrupted}; {before}") from None
    for line in dialogue.summary_lines({outcome.path: outcome.fixed for outcome in report.outcomes}):
        click.echo(line, err=True)
    if report_options_.format or report_options_.output or report_options_.statistics:
        write_report(report, report_options_)
    else:
        _print_remaining(report.files)
    sys.exit(exit_code(report, report_options_))


def _print_remaining(results) -> None:
    from sfprep.report import skipped_lines, summarise, summary_line

    for line in skipped_lines(results):
        click.echo(line)
    click.echo(f"left: {summary_line(summarise(results))}")


def run_fix(paths: tuple[str, ...], options: Options, report_options_: ReportOptions,
            unsafe_fixes: bool, diff: bool) -> None:
    from sfprep import api
    from sfprep.cli.output import check_report_options, exit_code, write_report

    check_report_options(report_options_)
    report = api.fix(paths or ".", unsafe_fixes=unsafe_fixes, diff=diff, **given(options))
    if diff:
        _print_diffs(report.outcomes)
        sys.exit(1 if report.fixed and not report_options_.exit_zero else 0)
    _print_fix_summary(report.outcomes)
    write_report(report, report_options_)
    sys.exit(exit_code(report, report_options_))


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
