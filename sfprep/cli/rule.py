"""`sfprep rule [CODE]`: one rule's documentation, or the catalogue."""
from __future__ import annotations

import sys

import click

from sfprep.cli.app import main


@main.command()
@click.argument("code", required=False)
def rule(code: str | None) -> None:
    """Print one rule's documentation, or the catalogue."""
    from sfprep.core.model import UsageError
    from sfprep.linter.registry import get_rule

    if code is None:
        _print_catalogue()
        return
    found = get_rule(code)
    if found is None:
        raise UsageError(f"unknown rule code {code!r} (`sfprep rule` lists them)")
    _print_rule(found)


def _print_rule(rule_) -> None:
    from sfprep.linter.docs import rule_markdown

    if not sys.stdout.isatty():
        sys.stdout.write(rule_markdown(rule_))
        return
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(rule_markdown(rule_)))


def _print_catalogue() -> None:
    from sfprep.linter.docs import CATALOGUE_COLUMNS, catalogue_rows

    rows = catalogue_rows()
    if not sys.stdout.isatty():  # piped: one plain line per rule, nothing cut, easy to grep
        for code, name, severity, fix, summary in rows:
            sys.stdout.write(f"{code}  {name:<32} {severity:<8} {fix}  {summary}\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sfprep rules", show_lines=False)
    for column in CATALOGUE_COLUMNS:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console(soft_wrap=False).print(table)
