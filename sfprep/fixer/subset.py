"""Fixing a file with a chosen subset of its fixes (`sfprep fix --interactive`): one lint,
the offered fixes handed to a chooser, the chosen ones written in one atomic replace, one
re-lint. No converge loop: what the re-lint still offers is left for the next run."""
from __future__ import annotations

import bisect
import os
import tempfile
from contextlib import ExitStack
from typing import BinaryIO, Callable

from sfprep.core.model import Applicability, Fix, StampedFinding, UsageError
from sfprep.fixer.apply import apply_edits, check_unchanged, file_identity
from sfprep.fixer.converge import FixOutcome
from sfprep.fixer.guard import fixable_findings, without_fixes
from sfprep.fixer.rewrites import rewrite_file
from sfprep.io.atomic import atomic_replace

# choose(path, offered) -> the offered findings whose fixes to apply. It is called once per
# file, in order; the file is written (when something was chosen) before the next call.
Chooser = Callable[[str, list[StampedFinding]], list[StampedFinding]]

# Whole-file rewrites that can follow the byte edits in one write, in the order they run:
# line endings first (it scans with the file's own delimiter), re-delimiting last. A
# re-encoding goes alone: the edits' offsets and replacements are in the other encoding.
STACKABLE_REWRITES = ("line-endings", "redelimit")
REENCODE = "reencode"


def offered_fixes(findings: list[StampedFinding], threshold: Applicability) -> list[StampedFinding]:
    """The findings whose fix meets the threshold, in file order (the report's order)."""
    return [f for f in findings if f.finding.fix is not None and f.finding.fix.applicability >= threshold]


class AcceptedFixes:
    """The fixes accepted so far in one file, none conflicting with another, and which of
    them a further fix would conflict with (found by bisection: a file may have 100,000)."""

    def __init__(self) -> None:
        self.chosen: list[StampedFinding] = []
        self._spans: list[tuple[int, int]] = []       # (start, end) of every edit, sorted
        self._owners: list[StampedFinding] = []       # the finding of each span
        self._rewrites: dict[str, StampedFinding] = {}

    def conflict(self, stamped: StampedFinding) -> StampedFinding | None:
        """The accepted finding whose fix cannot be written together with this one's, if any."""
        fix = stamped.finding.fix
        if fix.rewrite is not None:
            return self._rewrite_conflict(fix.rewrite[0])
        if REENCODE in self._rewrites:
            return self._rewrites[REENCODE]
        for edit in fix.edits:
            # The accepted spans do not overlap, so sorted by start their ends rise too: only
            # the last span starting before this edit ends can reach into it.
            before = bisect.bisect_left(self._spans, (edit.end, -1)) - 1
            if before >= 0 and self._spans[before][1] > edit.start:
                return self._owners[before]
        return None

    def _rewrite_conflict(self, kind: str) -> StampedFinding | None:
        if kind in self._rewrites:
            return self._rewrites[kind]
        if kind not in STACKABLE_REWRITES:
            return self.chosen[0] if self.chosen else None
        return self._rewrites.get(REENCODE)

    def add(self, stamped: StampedFinding) -> None:
        fix = stamped.finding.fix
        self.chosen.append(stamped)
        if fix.rewrite is not None:
            self._rewrites[fix.rewrite[0]] = stamped
        for edit in fix.edits:
            at = bisect.bisect_right(self._spans, (edit.start, edit.end))
            self._spans.insert(at, (edit.start, edit.end))
            self._owners.insert(at, stamped)


def compatible(chosen: list[StampedFinding]) -> list[StampedFinding]:
    """`chosen` without any fix that conflicts with one kept before it."""
    accepted = AcceptedFixes()
    for stamped in chosen:
        if accepted.conflict(stamped) is None:
            accepted.add(stamped)
    return accepted.chosen


def fix_file_chosen(path: str, lint: Callable[..., object], threshold: Applicability,
                    choose: Chooser, lint_checks_utf8: bool = True) -> FixOutcome:
    """Lint `path` fully, let `choose` pick among the offered fixes, write those in one
    atomic replace and lint the result once. `lint(path, fixers_only)` as for fix_file; a
    file that is not UTF-8 is offered nothing but F001's re-encode (fixer/guard.py)."""
    outcome = FixOutcome(path)
    identity = file_identity(path)
    result = lint(path, False)
    fixable, not_utf8 = fixable_findings(result, path, lint_checks_utf8, threshold)
    offered = offered_fixes(fixable, threshold)
    if offered:
        offered_ids = {id(stamped) for stamped in offered}
        chosen = compatible([s for s in choose(path, offered) if id(s) in offered_ids])
        if chosen:
            write_fixes(path, [stamped.finding.fix for stamped in chosen], identity)
            outcome.fixed.update(stamped.code for stamped in chosen)
            outcome.passes = 1
            result = lint(path, False)
    outcome.final = without_fixes(result) if not_utf8 else result
    return outcome


def write_fixes(path: str, fixes: list[Fix], identity: tuple | None = None) -> None:
    """Apply non-conflicting fixes in one atomic replace of `path`: the byte edits first (their
    offsets are the original's), then the rewrites, each stage streaming into an unnamed
    scratch file beside the original, the last one into the replacement itself."""
    stages = _stages(fixes)
    if not stages:
        return
    folder = os.path.dirname(os.path.abspath(path))
    with ExitStack() as cleanup:
        source: BinaryIO = cleanup.enter_context(open(path, "rb"))
        if identity is not None:   # the user chose at a terminal: another program may have written it
            check_unchanged(source, identity, path)
        for stage in stages[:-1]:
            scratch = cleanup.enter_context(_scratch_file(folder, path))
            stage(source, scratch)
            scratch.flush()
            scratch.seek(0)
            source = scratch
        last = stages[-1]
        atomic_replace(path, lambda out: last(source, out))


def _stages(fixes: list[Fix]) -> list[Callable[[BinaryIO, BinaryIO], None]]:
    edits = sorted(edit for fix in fixes if fix.rewrite is None for edit in fix.edits)
    rewrites = sorted((fix.rewrite for fix in fixes if fix.rewrite is not None),
                      key=lambda rewrite: STACKABLE_REWRITES.index(rewrite[0])
                      if rewrite[0] in STACKABLE_REWRITES else -1)
    stages = [lambda source, target: apply_edits(source, target, edits)] if edits else []
    stages += [lambda source, target, rewrite=rewrite: rewrite_file(rewrite, source, target)
               for rewrite in rewrites]
    return stages


def _scratch_file(folder: str, path: str):
    try:
        return tempfile.TemporaryFile(dir=folder)
    except OSError as error:
        raise UsageError(f"{path}: cannot write beside it: {error.strerror}; nothing was changed") from None
