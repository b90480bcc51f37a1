"""`--format full`: findings grouped by file, each with its source line and a marker under it."""
from __future__ import annotations

from sfprep.core.model import Applicability, FileResult, Severity, StampedFinding
from sfprep.report import skipped_lines, summarise, summary_line

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}
_EXCERPT_WIDTH = 100


def render(results: list[FileResult], out, color: bool = False) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=out, force_terminal=color, no_color=not color, highlight=False,
                      soft_wrap=True, emoji=False)
    for result in results:
        if not result.findings:
            continue
        console.rule(f"[bold]{escape(result.path)}[/]", align="left", style="dim")
        for stamped in result.findings:
            _finding(console, stamped, escape)
    summary = summarise(results)
    for line in skipped_lines(results):
        console.print(f"[dim]{escape(line)}[/]")
    style = "bold red" if summary.errors else ("bold yellow" if summary.warnings else "bold green")
    console.print(f"[{style}]{escape(summary_line(summary))}[/]")


def render_finding(stamped: StampedFinding, out, color: bool = False) -> None:
    """One finding as `render` shows it: code, message, location, source line and marker."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=out, force_terminal=color, no_color=not color, highlight=False,
                      soft_wrap=True, emoji=False)
    _finding(console, stamped, escape)


def _finding(console, stamped: StampedFinding, escape) -> None:
    f = stamped.finding
    marker = ""
    if f.fix is not None:
        marker = " [*]" if f.fix.applicability == Applicability.SAFE else " [-]"
    console.print(f"[{_STYLE[stamped.severity]}]{f.code}[/]{escape(marker)} {escape(f.message)}")
    where = ":".join([stamped.path] + [str(v) for v in (f.line, f.column) if v is not None])
    console.print(f"  [blue]-->[/] {escape(where)}")
    excerpt = source_excerpt(stamped.path, f.offset)
    if excerpt is not None and f.line is not None:
        text, caret = excerpt
        gutter = str(f.line)
        console.print(f"[blue]{gutter} |[/] {escape(text)}")
        console.print(f"[blue]{' ' * len(gutter)} |[/] {' ' * caret}[{_STYLE[stamped.severity]}]^[/]")
    console.print(f"  [dim]= {stamped.severity.word}: {stamped.rule_name}; {escape(_fix_note(f.fix, f.code))}[/]")
    console.print()


def _fix_note(fix, code: str) -> str:
    if fix is None:
        return f"no automatic fix (`sfprep rule {code}` explains)"
    if fix.applicability == Applicability.SAFE:
        return f"`sfprep fix` would: {fix.description}"
    return f"`sfprep fix --unsafe-fixes` would: {fix.description}"


def source_excerpt(path: str, offset: int | None) -> tuple[str, int] | None:
    """(the physical line holding `offset`, the character column of `offset` in it)."""
    if offset is None:
        return None
    try:
        with open(path, "rb") as stream:
            start = max(0, offset - 4000)
            stream.seek(start)
            window = stream.read(8000)
    except OSError:
        return None
    at = offset - start
    newline = b"\n" if b"\n" in window or b"\r" not in window else b"\r"  # CR-only files break on CR
    line_start = window.rfind(newline, 0, at) + 1
    line_end = window.find(newline, at)
    line_end = len(window) if line_end < 0 else line_end
    if newline == b"\n" and line_end > line_start and window[line_end - 1:line_end] == b"\r":
        line_end -= 1
    before = window[line_start:at].decode("utf-8", "replace")
    after = window[at:line_end].decode("utf-8", "replace")
    text = _printable(before + after)
    caret = len(_printable(before))
    if caret > _EXCERPT_WIDTH - 20:  # keep the marked spot in view on long lines
        cut = caret - (_EXCERPT_WIDTH - 20)
        text, caret = "…" + text[cut + 1:], caret - cut
    return text[:_EXCERPT_WIDTH], caret


_VISIBLE = {code: "\ufffd" for code in range(32)} | {0: "\u2400", 9: " ", 13: "\u240d"}


def _printable(text: str) -> str:
    """Control characters shown as one visible symbol each, so the marker lines up."""
    return text.translate(_VISIBLE)
