"""`sfprep convert PATH --to csv|xml --out FILE`: one batch file as the other format (sfprep/converter)."""
from __future__ import annotations

import sys

import click

from sfprep.cli.app import main


@main.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("--to", "to", type=click.Choice(["csv", "xml"], case_sensitive=False), required=True,
              help="The format to write.")
@click.option("--out", "out", type=click.Path(path_type=str), required=True, help="The file to write.")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists (else refused).")
@click.option("--line-ending", type=click.Choice(["LF", "CRLF"], case_sensitive=False), default="LF",
              show_default=True, help="CSV output: the record terminator.")
def convert(path: str, to: str, out: str, overwrite: bool, line_ending: str) -> None:
    """Write a CSV batch as Bulk XML, or an XML batch as canonical Bulk CSV, losslessly.

    `#N/A` <-> xsi:nil="true", `Rel__r.Field` <-> a nested sObject, `Type:Rel__r.Field`
    <-> a nested sObject with <type>. A source whose records cannot be read exactly (broken
    quoting, ragged rows, broken markup) is refused with its findings: exit 1, nothing written.
    """
    from sfprep import api
    from sfprep.converter import BLOCKING, ConvertRefused
    from sfprep.converter import convert as run_convert
    from sfprep.core.model import UsageError
    from sfprep.io.files import regular_file_size

    regular_file_size(path)
    if _same_file(path, out):
        raise UsageError(f"--out {out} is the source file: write the conversion elsewhere")
    report = api.lint(path, select=list(BLOCKING))
    errors = [f for f in report.findings if f["severity"] == "error"]
    if errors:
        for f in errors[:20]:
            where = f":{f['line']}" if f["line"] else ""
            click.echo(f"{f['path']}{where}: {f['code']} {f['message']}", err=True)
        more = f" (and {len(errors) - 20:,} more)" if len(errors) > 20 else ""
        click.echo(f"sfprep: not converted: {len(errors):,} error(s) convert cannot carry over{more}; "
                   "nothing was written", err=True)
        sys.exit(1)
    try:
        written = run_convert(path, to.lower(), out, overwrite=overwrite, line_ending=line_ending.upper())
    except ConvertRefused as refused:
        click.echo(f"sfprep: not converted: {refused}", err=True)
        sys.exit(1)
    click.echo(f"{path} -> {out}: {written:,} records as {to.upper()}", err=True)


def _same_file(path: str, out: str) -> bool:
    import os

    try:
        return os.path.samefile(path, out)
    except OSError:
        return False
