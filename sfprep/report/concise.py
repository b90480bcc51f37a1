"""`--format concise`: `path:line:col: CODE [*] message`, one finding a line (grep- and editor-friendly)."""
from __future__ import annotations

from sfprep.core.model import Applicability, FileResult
from sfprep.report import skipped_lines, summarise, summary_line


def location(path: str, line: int | None, column: int | None) -> str:
    parts = [path] + [str(v) for v in (line, column) if v is not None]
    return ":".join(parts)


def fix_marker(fix) -> str:
    if fix is None:
        return ""
    return "[*] " if fix.applicability == Applicability.SAFE else "[-] "


def render(results: list[FileResult], out) -> None:
    from sfprep.report.rows import concise_lines, write_joined

    for result in results:
        for piece in result.findings.pieces():
            if isinstance(piece, list):
                for stamped in piece:
                    f = stamped.finding
                    out.write(f"{location(stamped.path, f.line, f.column)}: {f.code} {fix_marker(f.fix)}{f.message}\n")
            elif piece.height:
                write_joined(out, piece, lambda rows: concise_lines(rows, result.path), "")
    for line in skipped_lines(results):
        out.write(f"{line}\n")
    out.write(f"{summary_line(summarise(results))}\n")
