"""The rule registry: every rule is declared once, with the @rule decorator, in its family module.

A rule's docstring is its documentation (what `sfprep rule CODE` prints). Its first line is
the summary; the sections below are required (a test checks every rule has them).
"""
from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from sfprep.core.model import FixKind, Severity

DOC_SECTIONS = ("What it checks", "Why it matters", "Example", "Use instead", "Fix")
FAMILIES = ("file", "quoting", "header", "values", "operation", "limits", "xml")  # modules under sfprep/linter/rules, one per rule family
ALL = "ALL"
FORMATS = ("csv", "xml")  # what a file is, by its content (io/sniff.py, io/xml/prolog.py)


class Scope:
    """When the engine calls a rule, and with what."""

    SNIFF = "sniff"    # once, before the scan: check(ctx)
    CHUNK = "chunk"    # for every chunk of whole records: check(chunk, ctx)
    HEADER = "header"  # once, with the header: check(header, ctx)
    VALUES = "values"  # once, after the header: declare(ctx) -> CellChecks / FrameChecks, run on every chunk
    END = "end"        # once, after the last record: check(ctx)
    ALL = (SNIFF, CHUNK, HEADER, VALUES, END)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    fix: FixKind
    checks: dict[str, Callable]  # scope -> check function; most rules have one
    doc: str
    needs: tuple[str, ...] = ()
    state: type | None = None   # per-file state the engine creates for it (ctx.state(type))
    formats: tuple[str, ...] = FORMATS  # the files it runs on (Q rules: CSV only; X rules: XML only)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip()

    def section(self, title: str) -> str:
        match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", self.doc, re.S | re.M)
        return match.group(1).strip() if match else ""


_RULES: dict[str, Rule] = {}
_families_loaded = False


def rule(code: str, name: str, severity: str, fix: str = "-", scope: str = Scope.CHUNK,
         needs: tuple[str, ...] = (), state: type | None = None, formats: tuple[str, ...] = FORMATS):
    """Declare a rule: `@rule("Q004", "space-outside-quotes", "E", fix="S", formats=("csv",))`.

    `state`: a class the engine instantiates once per file for this rule; its checks read it
    with `ctx.state(cls)`. `formats`: the kinds of file it applies to (a CSV-only rule is not
    run on XML, nor listed as skipped there: it has nothing to say about it)."""

    def register(check: Callable) -> Callable:
        if code in _RULES:
            raise ValueError(f"rule {code} declared twice")
        declared = Rule(code, name, Severity.from_letter(severity), FixKind(fix), {scope: check},
                        inspect.cleandoc(check.__doc__ or ""), needs, state, tuple(formats))
        _RULES[code] = declared

        def also(extra_scope: str):
            """Give the same rule a second check at another point of the scan."""
            def add(extra: Callable) -> Callable:
                declared.checks[extra_scope] = extra
                return extra
            return add

        check.also = also
        return check

    return register


def all_rules() -> dict[str, Rule]:
    """Every rule of every family, whichever family module was imported first."""
    global _families_loaded
    if not _families_loaded:
        for family in FAMILIES:
            importlib.import_module(f"sfprep.linter.rules.{family}")
        _families_loaded = True
    return dict(sorted(_RULES.items()))


def get_rule(code: str) -> Rule | None:
    return all_rules().get(code.upper())


def is_selector(text: str) -> bool:
    """A code or a code prefix that names at least one rule (`Q`, `V0`, `L004`, `ALL`)."""
    text = text.upper()
    return bool(text) and (text == ALL or any(code.startswith(text) for code in all_rules()))


def select_rules(select: Iterable[str] | None, ignore: Iterable[str] = (),
                 extend_select: Iterable[str] = ()) -> list[Rule]:
    """Rules chosen by code or prefix. Default: every rule that is not info-level."""
    rules = all_rules().values()

    def matches(rule_: Rule, selectors: Iterable[str]) -> bool:
        return any(s.upper() == ALL or rule_.code.startswith(s.upper()) for s in selectors)

    if select is None:
        chosen = [r for r in rules if r.severity > Severity.INFO]
    else:
        chosen = [r for r in rules if matches(r, select)]
    extra = [r for r in rules if matches(r, extend_select) and r not in chosen]
    ignore = list(ignore)
    return sorted((r for r in chosen + extra if not matches(r, ignore)), key=lambda r: r.code)
