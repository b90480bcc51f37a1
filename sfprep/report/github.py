"""`--format github`: GitHub Actions workflow commands, shown as annotations on the pull request."""
from __future__ import annotations

from sfprep.core.model import FileResult, Severity
from sfprep.report import skipped_lines

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def render(results: list[FileResult], out) -> None:
    for result in results:
        for stamped in result.findings:
            f = stamped.finding
            where = [f"file={_escape(stamped.path)}"]
            if f.line is not None:
                where.append(f"line={f.line}")
            if f.column is not None:
                where.append(f"col={f.column}")
            where.append(f"title={f.code} {stamped.rule_name}")
            out.write(f"::{_LEVEL[stamped.severity]} {','.join(where)}::{_escape(f.code + ' ' + f.message)}\n")
    for line in skipped_lines(results):
        out.write(f"::notice title=sfprep skipped rules::{_escape(line)}\n")
