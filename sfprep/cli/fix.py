"""`sfprep fix PATH...` (and `lint --fix`): apply the fixes atomically, or show them (--diff)."""
from __future__ import annotations

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
def fix(paths: tuple[str, ...], unsafe_fixes: bool, diff: bool, **flags) -> None:
    """Apply fixes in place, atomically (safe ones; --unsafe-fixes for all)."""
    options, report_options_ = split_options(flags)
    run_fix(paths, options, report_options_, unsafe_fixes=unsafe_fixes, diff=diff)


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
