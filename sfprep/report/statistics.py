"""`--statistics`: how many findings of each rule, most frequent first (like ruff)."""
from __future__ import annotations

from collections import Counter

from sfprep.core.model import Applicability, FileResult
from sfprep.report import skipped_lines


def render(results: list[FileResult], out) -> None:
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    fixable: set[str] = set()
    for result in results:
        for stamped in result.findings:
            counts[stamped.code] += 1
            names[stamped.code] = stamped.rule_name
            fix = stamped.finding.fix
            if fix is not None and fix.applicability == Applicability.SAFE:
                fixable.add(stamped.code)
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        marker = "[*]" if code in fixable else "   "
        out.write(f"{count:>8}  {code}  {marker}  {names[code]}\n")
    out.write(f"Found {sum(counts.values())} finding(s).\n")
    for line in skipped_lines(results):
        out.write(f"{line}\n")
