"""`--format full`: per file, per rule and column (`report/groups.py`), the first findings
each with its source line and a marker under it, then a count of the rest; `--show-all`:
every finding, in file order."""
from __future__ import annotations

from sfprep.core.model import Applicability, FileResult, Severity, StampedFinding
from sfprep.report import skipped_lines, summary_line
from sfprep.report.groups import Tally, grouped_files, shown_offsets, ungrouped_files
from sfprep.report.source import Spot, locate

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}
_EXCERPT_WIDTH = 100


def render(results: list[FileResult], out, color: bool = False, show_all: bool = False) -> None:
    from rich.markup import escape

    console = _console(out, color)
    tally = Tally()
    files = ungrouped_files(results, tally) if show_all else grouped_files(results, tally)
    for result, groups in files:
        console.rule(f"[bold]{escape(result.path)}[/]", align="left", style="dim")
        spots = locate(result.path, shown_offsets(groups))
        for group in groups:
            for stamped in group.shown:
                _finding(console, stamped, spots.get(stamped.finding.offset), escape)
            if group.rest:
                console.print(f"[dim]... {escape(group.more_line())}[/]\n")
    summary = tally.summary()
    for line in skipped_lines(results):
        console.print(f"[dim]{escape(line)}[/]")
    style = "bold red" if summary.errors else ("bold yellow" if summary.warnings else "bold green")
    console.print(f"[{style}]{escape(summary_line(summary))}[/]")


def _console(out, color: bool):
    from rich.console import Console

    return Console(file=out, force_terminal=color, no_color=not color, highlight=False,
                   soft_wrap=True, emoji=False)


def render_finding(stamped: StampedFinding, out, color: bool = False) -> None:
    """One finding as `render` shows it: code, message, location, source line and marker."""
    from rich.markup import escape

    console = _console(out, color)
    offset = stamped.finding.offset
    _finding(console, stamped, locate(stamped.path, [offset]).get(offset), escape)


def _finding(console, stamped: StampedFinding, spot: Spot | None, escape) -> None:
    f = stamped.finding
    style = _STYLE[stamped.severity]
    marker = ""
    if f.fix is not None:
        marker = " [*]" if f.fix.applicability == Applicability.SAFE else " [-]"
    where = ":".join([stamped.path] + [str(v) for v in (f.line, f.column) if v is not None])
    lines = [f"[{style}]{f.code}[/]{escape(marker)} {escape(f.message)}", f"  [blue]-->[/] {escape(where)}"]
    if spot is not None and f.line is not None:
        text, caret = excerpt(spot)
        gutter = str(f.line)
        lines.append(f"[blue]{gutter} |[/] {escape(text)}")
        lines.append(f"[blue]{' ' * len(gutter)} |[/] {' ' * caret}[{style}]^[/]")
    lines.append(f"  [dim]= {stamped.severity.word}: {stamped.rule_name}; {escape(fix_note(f.fix, f.code, f.hint))}[/]\n")
    console.print("\n".join(lines))  # one print per finding: rich's cost is per call


def fix_note(fix, code: str, hint: str | None = None) -> str:
    """What `sfprep fix` would do about a finding, or how a person could fix it."""
    if fix is None and hint:
        return hint
    if fix is None:
        return f"no automatic fix (`sfprep rule {code}` explains)"
    if fix.applicability == Applicability.SAFE:
        return f"`sfprep fix` would: {fix.description}"
    return f"`sfprep fix --unsafe-fixes` would: {fix.description}"


def excerpt(spot: Spot) -> tuple[str, int]:
    """(the line around the spot, at most _EXCERPT_WIDTH characters, the caret's position in it);
    on a long line the text is cut so that the marked spot stays in view."""
    keep = _EXCERPT_WIDTH - 20
    if spot.column <= keep:
        return _printable(spot.before + spot.after)[:_EXCERPT_WIDTH], spot.column
    return "…" + _printable(spot.before[-(keep - 1):] + spot.after[:_EXCERPT_WIDTH - keep]), keep


_VISIBLE = {code: "\ufffd" for code in range(32)} | {0: "\u2400", 9: " ", 13: "\u240d"}


def _printable(text: str) -> str:
    """Control characters shown as one visible symbol each, so the marker lines up."""
    return text.translate(_VISIBLE)
