"""`--format json`: exactly the shape of CLI.md, described by schemas/report.schema.json."""
from __future__ import annotations

import json

from sfprep import __version__
from sfprep.core.model import FileResult, Fix, StampedFinding
from sfprep.report import Summary, summarise


def finding_dict(stamped: StampedFinding) -> dict:
    f = stamped.finding
    return {
        "path": stamped.path, "code": f.code, "severity": stamped.severity.word, "message": f.message,
        "line": f.line, "record": f.record, "column": f.column, "field": f.field,
        "fix": None if f.fix is None else fix_dict(f.fix),
        "hint": f.hint,
    }


def fix_dict(fix: Fix) -> dict:
    """A fix as CLI.md gives it: byte-range edits of the file, or null edits for a whole-file rewrite."""
    edits = None if fix.rewrite is not None else [
        {"start": edit.start, "end": edit.end, "content": edit.replacement.decode("utf-8", "replace")}
        for edit in fix.edits]
    return {"applicability": fix.applicability.word, "description": fix.description, "edits": edits}


def report_dict(results: list[FileResult]) -> dict:
    summary = summarise(results)
    return {
        "version": __version__,
        "files": [_file_dict(r) for r in results],
        "findings": [finding_dict(f) for r in results for f in r.findings],
        "summary": summary_dict(summary),
    }


def _file_dict(result: FileResult) -> dict:
    return {"path": result.path, "object": result.object, "operation": result.operation, "records": result.records,
            "skipped_rules": [{"code": c, "reason": why} for c, why in result.skipped_rules]}


def summary_dict(summary: Summary) -> dict:
    return {"errors": summary.errors, "warnings": summary.warnings, "infos": summary.infos,
            "fixable": summary.fixable}


def render(results: list[FileResult], out) -> None:
    """report_dict's document, written as it is made: the findings a frame at a time, one
    JSON object a line (a million findings are never a million dicts)."""
    from sfprep.report.rows import json_findings, write_joined

    head = {"version": __version__, "files": [_file_dict(r) for r in results]}
    out.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "findings": [')
    first = True
    separator = ",\n    "
    for result in results:
        for piece in result.findings.pieces():
            if isinstance(piece, list) and piece:
                out.write(("\n    " if first else separator)
                          + separator.join(json.dumps(finding_dict(s), ensure_ascii=False) for s in piece))
                first = False
            elif not isinstance(piece, list) and piece.height:
                out.write("\n    " if first else separator)
                write_joined(out, piece, lambda rows: json_findings(rows, result.path), separator)
                first = False
    out.write(("\n  " if not first else "") + '],\n  "summary": ')
    out.write(json.dumps(summary_dict(summarise(results))) + "\n}\n")
