"""`--format github`: GitHub Actions workflow commands, shown as annotations on the pull request.

`col` is the character in the physical line where the problem is (1-based); the field
position goes in the message. Escaping is the Actions toolkit's: `%`, CR and LF in the
message, and also `:` and `,` in property values.
"""
from __future__ import annotations

from sfprep.core.model import FileResult, Severity, StampedFinding
from sfprep.report import skipped_lines
from sfprep.report.source import Spot, spots_of

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(results: list[FileResult], out) -> None:
    for result in results:
        spots = spots_of(result)
        for stamped in result.findings:
            out.write(_annotation(stamped, spots.get(stamped.finding.offset)))
    for line in skipped_lines(results):
        out.write(f"::notice title={escape_property('sfprep skipped rules')}::{escape_data(line)}\n")


def _annotation(stamped: StampedFinding, spot: Spot | None) -> str:
    f = stamped.finding
    properties = [("file", stamped.path)]
    if f.line is not None:
        properties.append(("line", str(f.line)))
        if spot is not None:
            properties.append(("col", str(spot.column + 1)))
    properties.append(("title", f"{f.code} {stamped.rule_name}"))
    where = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    field = f" (field {f.column})" if f.column is not None else ""
    return f"::{_LEVEL[stamped.severity]} {where}::{escape_data(f'{f.code} {f.message}{field}')}\n"
