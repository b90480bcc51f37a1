"""Writing the report (to stdout or --output) and choosing the exit code."""
from __future__ import annotations

import os
import sys

from sfprep.cli.options import ReportOptions
from sfprep.core.model import UsageError


def check_report_options(options: ReportOptions) -> None:
    """Refuse, before any linting, a report that could not be written (--statistics --format sarif)."""
    if options.statistics:
        from sfprep.report.statistics import check_format

        check_format(options.format)


def write_report(report, options: ReportOptions) -> None:
    from sfprep.report import render

    check_report_options(options)
    fmt = options.format or ("full" if sys.stdout.isatty() and not options.output else "concise")
    if options.output is None:
        render(fmt, report.files, sys.stdout, statistics=options.statistics,
               color=sys.stdout.isatty() and "NO_COLOR" not in os.environ, show_all=options.show_all)
        return
    try:
        with open(options.output, "w", encoding="utf-8") as stream:
            render(fmt, report.files, stream, statistics=options.statistics, show_all=options.show_all)
    except OSError as error:
        raise UsageError(f"{options.output}: cannot write the report: {error.strerror}") from None


def exit_code(report, options: ReportOptions) -> int:
    return 0 if options.exit_zero else report.exit_code
