"""`--format html`: one self-contained page, findings grouped by file, for sharing a review."""
from __future__ import annotations

from html import escape

from sfprep.core.model import FileResult
from sfprep.report import skipped_lines, summarise, summary_line

_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #ddd}
.error{color:#b00020}.warning{color:#a15c00}.info{color:#1a5fb4}code{font-family:ui-monospace,monospace}"""


def render(results: list[FileResult], out) -> None:
    out.write(f"<!doctype html>\n<html><head><meta charset='utf-8'><title>sfprep report</title>"
              f"<style>{_STYLE}</style></head><body>\n<h1>sfprep report</h1>\n")
    out.write(f"<p>{escape(summary_line(summarise(results)))}</p>\n")
    for line in skipped_lines(results):
        out.write(f"<p><small>{escape(line)}</small></p>\n")
    for result in results:
        if not result.findings:
            continue
        out.write(f"<h2><code>{escape(result.path)}</code></h2>\n<table><tr><th>line</th><th>col</th>"
                  "<th>code</th><th>severity</th><th>message</th><th>fix</th></tr>\n")
        for stamped in result.findings:
            f = stamped.finding
            fix = "" if f.fix is None else f"{f.fix.applicability.word}: {f.fix.description}"
            out.write(f"<tr><td>{f.line or ''}</td><td>{f.column or ''}</td><td><code>{f.code}</code></td>"
                      f"<td class='{stamped.severity.word}'>{stamped.severity.word}</td>"
                      f"<td>{escape(f.message)}</td><td>{escape(fix)}</td></tr>\n")
        out.write("</table>\n")
    out.write("</body></html>\n")
