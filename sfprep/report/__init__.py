"""Report formats. Each module has render(results, out) -> None; `summarise` is shared."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from sfprep.core.model import Applicability, FileResult, Severity

FORMATS = ("full", "concise", "json", "github", "sarif", "junit", "html")


@dataclass(frozen=True)
class Summary:
    errors: int
    warnings: int
    infos: int
    fixable: int          # findings `sfprep fix` would fix (safe fixes)
    unsafe_fixable: int   # findings only `--unsafe-fixes` would fix
    files: int
    files_with_findings: int


def summarise(results: list[FileResult]) -> Summary:
    counts = [(severity, applicability, count) for r in results
              for (_, severity, applicability, _), count in r.findings.counts.items()]
    by_severity = {s: sum(n for severity, _, n in counts if severity == s) for s in Severity}
    return Summary(
        errors=by_severity[Severity.ERROR], warnings=by_severity[Severity.WARNING],
        infos=by_severity[Severity.INFO],
        fixable=sum(n for _, applicability, n in counts if applicability == Applicability.SAFE),
        unsafe_fixable=sum(n for _, applicability, n in counts if applicability == Applicability.UNSAFE),
        files=len(results), files_with_findings=sum(1 for r in results if r.findings),
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(summary: Summary) -> str:
    counts = [plural(summary.errors, "error"), plural(summary.warnings, "warning")]
    if summary.infos:
        counts.append(plural(summary.infos, "info"))
    text = f"{', '.join(counts)} in {plural(summary.files_with_findings, 'file')}"
    text += f" ({plural(summary.files, 'file')} checked)"
    fixes = []
    if summary.fixable:
        fixes.append(f"{summary.fixable} fixable with `sfprep fix`")
    if summary.unsafe_fixable:
        fixes.append(f"{summary.unsafe_fixable} more with `sfprep fix --unsafe-fixes`")
    return text + ("; " + ", ".join(fixes) if fixes else "")


def skipped_lines(results: list[FileResult]) -> list[str]:
    """One line per (skipped rules, reason), naming how many files it concerns."""
    groups: dict[str, tuple[list[str], set[str]]] = {}
    for result in results:
        for code, reason in result.skipped_rules:
            codes, paths = groups.setdefault(reason, ([], set()))
            if code not in codes:
                codes.append(code)
            paths.add(result.path)
    return [f"skipped {', '.join(sorted(codes))}: {reason} ({plural(len(paths), 'file')})"
            for reason, (codes, paths) in groups.items()]


def render(fmt: str, results: list[FileResult], out, *, statistics: bool = False, color: bool = False,
           show_all: bool = False) -> None:
    if statistics:
        import_module("sfprep.report.statistics").render(results, out, fmt)
        return
    module = import_module(f"sfprep.report.{fmt}")
    if fmt == "full":
        module.render(results, out, color=color, show_all=show_all)
    else:
        module.render(results, out)
