"""Fixing many files: each one through the converge loop, with the rules of its target."""
from __future__ import annotations

from sfprep.core.model import Applicability, FileResult, FixKind
from sfprep.fixer.converge import FixOutcome, fix_file
from sfprep.fixer.guard import NOT_UTF8
from sfprep.fixer.subset import Chooser, fix_file_chosen
from sfprep.linter.engine import lint_file
from sfprep.linter.runner import LintRun
from sfprep.linter.targets import LintTarget


def fix_targets(run: LintRun, targets: list[LintTarget], unsafe: bool, diff_only: bool,
                choose: Chooser | None = None) -> tuple[list[FixOutcome], list[FileResult]]:
    """Fix every file; returns (one FixOutcome per file fixed, the FileResults of all files as they are now).
    With `choose`, each file gets the fixes it picks, in one write (fixer.subset)."""
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    outcomes, results = [], []
    for target in targets:
        checks_utf8 = any(rule_.code == NOT_UTF8 for rule_ in target.rules)
        lint = _linter(run, target, unsafe)
        if choose is None:
            outcome = fix_file(str(target.path), lint, threshold, diff_only=diff_only,
                               lint_checks_utf8=checks_utf8)
        else:
            outcome = fix_file_chosen(str(target.path), lint, threshold, choose, lint_checks_utf8=checks_utf8)
        outcomes.append(outcome)
        results.append(outcome.final)
    return outcomes, results


def _linter(run: LintRun, target: LintTarget, unsafe: bool):
    """lint(working_copy, fixers_only) for fix_file: the first lint runs only the rules whose
    fixes can meet the threshold (a rule's kind is the most a finding may offer)."""
    offered = (FixKind.SAFE, FixKind.UNSAFE) if unsafe else (FixKind.SAFE,)
    rules = target.rules
    # F001 always, with or without --encoding: what it finds keeps the fixer from editing a
    # file that is not UTF-8 (its text pass runs beside the reader thread: a fixers-only
    # lint of 200 MB took the same time with it, within the noise).
    fixers = [rule_ for rule_ in rules if rule_.fix in offered]

    def lint_once(working: str, fixers_only: bool) -> FileResult:
        return lint_file(working, target.job, run.profile, fixers if fixers_only else rules,
                         display_path=target.display, describes=run.describes, settings=run.settings)
    return lint_once
