"""`sfprep rule`: one rule's documentation, or the catalogue as a table."""
from __future__ import annotations

from sfprep.core.model import FixKind
from sfprep.linter.registry import DOC_SECTIONS, Rule, all_rules

FIX_WORDS = {FixKind.NONE: "no fix", FixKind.SAFE: "safe fix", FixKind.UNSAFE: "unsafe fix (--unsafe-fixes)",
             FixKind.CHUNK: "fixed by `sfprep split`"}


def rule_markdown(rule: Rule) -> str:
    head = [f"# {rule.code} {rule.name}", "", f"{rule.summary}", "",
            f"Severity: {rule.severity.word}. Fix: {FIX_WORDS[rule.fix]}."]
    if rule.needs:
        head.append(f"Needs: {', '.join(rule.needs)}.")
    body = [f"## {title}\n\n{rule.section(title)}" for title in DOC_SECTIONS]
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n"


def print_rule(rule: Rule) -> None:
    import sys

    if not sys.stdout.isatty():
        sys.stdout.write(rule_markdown(rule))
        return
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(rule_markdown(rule)))


def print_catalogue() -> None:
    import sys

    if not sys.stdout.isatty():  # piped: one plain line per rule, nothing cut, easy to grep
        for rule in all_rules().values():
            sys.stdout.write(f"{rule.code}  {rule.name:<32} {rule.severity.word:<8} {rule.fix.value}  {rule.summary}\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sfprep rules", show_lines=False)
    for column in ("code", "name", "severity", "fix", "summary"):
        table.add_column(column)
    for rule in all_rules().values():
        table.add_row(rule.code, rule.name, rule.severity.word, rule.fix.value, rule.summary)
    Console(soft_wrap=False).print(table)
