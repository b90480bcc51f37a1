"""`sfprep lint PATH...`: check batch files and report the findings."""
from __future__ import annotations

import sys

import click

from sfprep.cli.app import main
from sfprep.cli.options import fix_options, given, report_options, run_options, split_options


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@run_options
@report_options
@fix_options
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply fixes (same as `sfprep fix`).")
def lint(paths: tuple[str, ...], apply_fixes: bool, unsafe_fixes: bool, diff: bool, **flags) -> None:
    """Check CSV batch files and report findings."""
    from sfprep import api
    from sfprep.cli.fix import run_fix
    from sfprep.cli.output import check_report_options, exit_code, write_report
    from sfprep.core.model import UsageError

    options, report_options_ = split_options(flags)
    check_report_options(report_options_)
    if apply_fixes or diff:
        run_fix(paths, options, report_options_, unsafe_fixes=unsafe_fixes, diff=diff)
        return
    if unsafe_fixes:
        raise UsageError("--unsafe-fixes needs --fix (or use `sfprep fix --unsafe-fixes`)")
    progress = not report_options_.no_progress and sys.stderr.isatty()
    report = api.lint(paths or ".", progress=progress, **given(options))
    write_report(report, report_options_)
    sys.exit(exit_code(report, report_options_))

