"""`--statistics`: how many findings of each rule, most frequent first (like ruff).

A text table for `full` and `concise`, a JSON document (schemas/statistics.schema.json) for
`json`; the other formats have no place for it.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from sfprep import __version__
from sfprep.core.model import Applicability, FileResult, UsageError
from sfprep.report import skipped_lines, summarise

FORMATS = ("full", "concise", "json")


@dataclass(frozen=True, slots=True)
class RuleCount:
    code: str
    name: str
    count: int
    fixable: int  # findings of this rule that `sfprep fix` would fix (safe fixes)


def check_format(fmt: str | None) -> None:
    """Refuse --statistics with a report format it cannot be written in (None: the default)."""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--statistics works with --format full, concise or json, not {fmt}")


def rule_counts(results: list[FileResult]) -> list[RuleCount]:
    counts: Counter[str] = Counter()
    fixable: Counter[str] = Counter()
    names: dict[str, str] = {}
    for result in results:  # from the counts kept as findings arrived: no finding is read
        store = result.findings
        for (code, _, applicability, _), count in store.counts.items():
            counts[code] += count
            names[code] = store.rule_names.get(code, code)
            if applicability == Applicability.SAFE:
                fixable[code] += count
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [RuleCount(code, names[code], count, fixable[code]) for code, count in ordered]


def render(results: list[FileResult], out, fmt: str = "concise") -> None:
    check_format(fmt)
    if fmt == "json":
        _render_json(results, out)
        return
    rows = rule_counts(results)
    for row in rows:
        marker = "[*]" if row.fixable else "   "
        out.write(f"{row.count:>8}  {row.code}  {marker}  {row.name}\n")
    out.write(f"Found {sum(row.count for row in rows)} finding(s).\n")
    for line in skipped_lines(results):
        out.write(f"{line}\n")


def statistics_dict(results: list[FileResult]) -> dict:
    from sfprep.report.json import summary_dict

    return {
        "version": __version__,
        "statistics": [{"code": row.code, "name": row.name, "count": row.count, "fixable": row.fixable}
                       for row in rule_counts(results)],
        "skipped_rules": [{"path": result.path, "code": code, "reason": reason}
                          for result in results for code, reason in result.skipped_rules],
        "summary": summary_dict(summarise(results)),
    }


def _render_json(results: list[FileResult], out) -> None:
    json.dump(statistics_dict(results), out, indent=2, ensure_ascii=False)
    out.write("\n")
