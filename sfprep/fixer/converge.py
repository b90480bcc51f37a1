"""The converge loop: lint, apply the chosen fixes, re-lint, until nothing is left to fix
(at most MAX_PASSES writes; failing to converge is an error, never a silent half-fix)."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from sfprep.core.model import Applicability, Fix, UsageError
from sfprep.fixer.apply import apply_edits, check_unchanged, file_identity
from sfprep.fixer.guard import allowed_fixes, without_fixes
from sfprep.fixer.rewrites import rewrite_file
from sfprep.io.atomic import atomic_replace

MAX_PASSES = 10


@dataclass
class FixOutcome:
    path: str
    fixed: Counter = field(default_factory=Counter)   # code -> findings fixed
    passes: int = 0
    new_bytes: bytes | None = None                     # with --diff: the fixed content
    final: object = None                               # the last lint's result: the file as it is now


def fix_file(path: str, lint: Callable[..., object], threshold: Applicability,
             diff_only: bool = False, lint_checks_utf8: bool = True) -> FixOutcome:
    """Fix `path` until a full lint offers nothing more (at most MAX_PASSES writes).

    A file that is not UTF-8 text takes no fix but F001's re-encode (fixer/guard.py);
    `lint_checks_utf8` says whether `lint` runs F001, which tells.

    `lint(path, fixers_only)` returns a FileResult. The first lint runs only the rules that
    can offer a fix at the threshold (for safe fixes: no value checks); every lint after a
    write is a full one, and the last, which found nothing left to fix, is kept as the report
    of the fixed file. So a file with fixes costs a fixers-only lint, the writes, and
    usually one full lint.
    """
    outcome = FixOutcome(path)
    working = path
    scratch_dir = tempfile.mkdtemp(prefix="sfprep-fix-") if diff_only else None
    try:
        identity = file_identity(working)
        result, complete = lint(working, True), False
        while True:
            chosen, not_utf8 = allowed_fixes(result, threshold, working, lint_checks_utf8)
            if not chosen and complete:
                outcome.final = without_fixes(result) if not_utf8 else result
                if diff_only and working != path:
                    with open(working, "rb") as stream:
                        outcome.new_bytes = stream.read()
                return outcome
            if chosen:
                if outcome.passes == MAX_PASSES:
                    raise UsageError(f"{path}: fixes did not converge after {MAX_PASSES} passes; "
                                     "the file may be partly fixed (each pass was written whole)")
                target = os.path.join(scratch_dir, f"pass{outcome.passes}") if diff_only else None
                _write_pass(working, chosen, target, identity)
                if diff_only:
                    working = target
                outcome.passes += 1
                outcome.fixed.update(code for code, _ in chosen)
            chosen = result = None  # free this lint's findings before the next lint runs
            identity = file_identity(working)
            result, complete = lint(working, False), True
    finally:
        if scratch_dir:
            shutil.rmtree(scratch_dir, ignore_errors=True)


def _write_pass(path: str, chosen: list[tuple[str, Fix]], target: str | None, identity: tuple) -> None:
    def produce(source: BinaryIO, out: BinaryIO) -> None:
        rewrite = chosen[0][1].rewrite
        if rewrite is not None:
            rewrite_file(rewrite, source, out)
        else:
            apply_edits(source, out, [edit for _, fix in chosen for edit in fix.edits])

    with open(path, "rb") as source:
        check_unchanged(source, identity, path)
        if target is not None:
            with open(target, "wb") as out:
                produce(source, out)
        else:
            atomic_replace(path, lambda out: produce(source, out))
