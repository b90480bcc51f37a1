"""`sfprep convert PATH --to csv|xml --out FILE`: one batch file as the other format (sfprep/converter)."""
from __future__ import annotations

import sys

import click

from sfprep.cli.app import main

SHOWN = 20  # blocking findings printed before "and N more"


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
    from sfprep.converter import ConvertRefused

    try:
        written = api.convert(path, to.lower(), out, overwrite=overwrite, line_ending=line_ending.upper())
    except ConvertRefused as refused:
        _print_blocking(refused)
        click.echo(f"sfprep: not converted: {refused}", err=True)
        sys.exit(1)
    click.echo(f"{path} -> {out}: {written:,} records as {to.upper()}", err=True)


def _print_blocking(refused) -> None:
    from sfprep.core.model import Severity

    if refused.result is None:
        return
    shown = 0
    for stamped in refused.result.findings:
        if stamped.severity != Severity.ERROR:
            continue
        if shown == SHOWN:
            click.echo("...", err=True)
            break
        f = stamped.finding
        where = f":{f.line}" if f.line else ""
        click.echo(f"{stamped.path}{where}: {f.code} {f.message}", err=True)
        shown += 1
