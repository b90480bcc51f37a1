"""`--format json`: exactly the shape of CLI.md, described by schemas/report.schema.json."""
from __future__ import annotations

import json

from sfprep import __version__
from sfprep.core.model import FileResult, StampedFinding
from sfprep.report import summarise


def finding_dict(stamped: StampedFinding) -> dict:
    f = stamped.finding
    return {
        "path": stamped.path, "code": f.code, "severity": stamped.severity.word, "message": f.message,
        "line": f.line, "record": f.record, "column": f.column, "field": f.field,
        "fix": None if f.fix is None else {"applicability": f.fix.applicability.word,
                                           "description": f.fix.description},
        "hint": f.hint,
    }


def report_dict(results: list[FileResult]) -> dict:
    summary = summarise(results)
    return {
        "version": __version__,
        "files": [{"path": r.path, "object": r.object, "operation": r.operation, "records": r.records,
                   "skipped_rules": [{"code": c, "reason": why} for c, why in r.skipped_rules]}
                  for r in results],
        "findings": [finding_dict(f) for r in results for f in r.findings],
        "summary": {"errors": summary.errors, "warnings": summary.warnings, "infos": summary.infos,
                    "fixable": summary.fixable},
    }


def render(results: list[FileResult], out) -> None:
    json.dump(report_dict(results), out, indent=2, ensure_ascii=False)
    out.write("\n")
