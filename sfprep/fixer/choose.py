"""Which fixes a pass applies: those at or above the threshold, in file order, none
overlapping one chosen before it; a whole-file rewrite goes alone."""
from __future__ import annotations

from sfprep.core.model import Applicability, Fix, StampedFinding


def choose_fixes(findings: list[StampedFinding], threshold: Applicability) -> list[tuple[str, Fix]]:
    """Fixes that meet the threshold, in file order, none overlapping one chosen before it."""
    candidates = sorted(((f.code, f.finding.fix) for f in findings
                         if f.finding.fix is not None and f.finding.fix.applicability >= threshold),
                        key=lambda item: (item[1].rewrite is None, item[1].edits[:1]))
    rewrites = [c for c in candidates if c[1].rewrite is not None]
    if rewrites:
        return rewrites[:1]  # a whole-file rewrite goes alone; the next pass re-lints
    chosen, last_end = [], -1
    for code, fix in candidates:
        if fix.edits and fix.edits[0].start < last_end:
            continue
        chosen.append((code, fix))
        last_end = max([last_end] + [e.end for e in fix.edits])
    return chosen
