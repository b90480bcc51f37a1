"""A rule's documentation as `sfprep rule` shows it: its docstring's sections, in order."""
from __future__ import annotations

from sfprep.core.model import FixKind
from sfprep.linter.registry import DOC_SECTIONS, Rule, all_rules

FIX_WORDS = {FixKind.NONE: "no fix", FixKind.SAFE: "safe fix", FixKind.UNSAFE: "unsafe fix (--unsafe-fixes)",
             FixKind.CHUNK: "fixed by `sfprep split`"}
CATALOGUE_COLUMNS = ("code", "name", "severity", "fix", "summary")


def rule_markdown(rule: Rule) -> str:
    head = [f"# {rule.code} {rule.name}", "", f"{rule.summary}", "",
            f"Severity: {rule.severity.word}. Fix: {FIX_WORDS[rule.fix]}."]
    if rule.needs:
        head.append(f"Needs: {', '.join(rule.needs)}.")
    body = [f"## {title}\n\n{rule.section(title)}" for title in DOC_SECTIONS]
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n"


def catalogue_rows() -> list[tuple[str, str, str, str, str]]:
    return [(r.code, r.name, r.severity.word, r.fix.value, r.summary) for r in all_rules().values()]
