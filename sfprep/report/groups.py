"""A file's findings grouped by rule and column, for the reports a person reads (`full`, `html`).

One pass over the findings, in file order. Each group (rule code, column) keeps its first
`keep` findings whole and, for the rest, only their count and their first and last line, so
memory is bounded by groups x keep: a file with a million findings of one rule in one column
keeps five. Groups come in the file order of their first finding. The same pass counts the
run's totals (`Tally`), so a report never reads the findings twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field as _field  # `field` is a Group's column name
from typing import Iterable, Iterator

from sfprep.core.model import Applicability, FileResult, Severity, StampedFinding
from sfprep.report import Summary

KEEP = 5  # findings shown whole per group


@dataclass(slots=True)
class Group:
    """The findings of one rule in one column (or of one rule on no column) of one file."""

    code: str
    rule_name: str
    column: int | None
    field: str | None
    severity: Severity                       # the gravest of its findings
    shown: list[StampedFinding] = _field(default_factory=list)
    total: int = 0
    rest_first_line: int | None = None       # lines of the findings past `shown`
    rest_last_line: int | None = None

    @property
    def rest(self) -> int:
        return self.total - len(self.shown)

    def add(self, stamped: StampedFinding, keep: int | None) -> None:
        self.total += 1
        self.severity = max(self.severity, stamped.severity)
        if keep is None or len(self.shown) < keep:
            self.shown.append(stamped)
            return
        line = stamped.finding.line
        if line is not None:
            if self.rest_first_line is None:
                self.rest_first_line = line
            self.rest_last_line = line

    def where(self) -> str:
        """`Id`, `field 3`, or "" for a finding on no column."""
        if self.field is not None:
            return self.field
        return "" if self.column is None else f"field {self.column}"

    def lines(self) -> str:
        """The rest's lines: `line 7`, `lines 7-50,001`, or "" when they have none."""
        first, last = self.rest_first_line, self.rest_last_line
        if first is None or last is None:
            return ""
        return f"line {first:,}" if first == last else f"lines {first:,}-{last:,}"

    def more_line(self) -> str:
        """`and 540,179 more O004 in Id (lines 7-600,001)`, the line standing for the rest."""
        where, lines = self.where(), self.lines()
        text = f"and {self.rest:,} more {self.code}"
        if where:
            text += f" in {where}"
        return text + (f" ({lines})" if lines else "")


@dataclass(slots=True)
class Tally:
    """The run's counts, added up while grouping (the `Summary` of the reports)."""

    by_severity: dict[Severity, int] = _field(default_factory=lambda: dict.fromkeys(Severity, 0))
    by_code: dict[str, int] = _field(default_factory=dict)
    fixable: int = 0
    unsafe_fixable: int = 0
    files: int = 0
    files_with_findings: int = 0

    def count(self, stamped: StampedFinding) -> None:
        self.by_severity[stamped.severity] += 1
        self.by_code[stamped.code] = self.by_code.get(stamped.code, 0) + 1
        fix = stamped.finding.fix
        if fix is not None:
            if fix.applicability == Applicability.SAFE:
                self.fixable += 1
            elif fix.applicability == Applicability.UNSAFE:
                self.unsafe_fixable += 1

    def count_frame(self, frame) -> None:
        """count() for every row of a frame of the findings schema."""
        import polars as pl

        counts = frame.group_by("severity", "code", "applicability").agg(pl.len().alias("n"))
        for severity, code, applicability, n in counts.iter_rows():
            self.by_severity[Severity(severity)] += n
            self.by_code[code] = self.by_code.get(code, 0) + n
            if applicability == Applicability.SAFE:
                self.fixable += n
            elif applicability == Applicability.UNSAFE:
                self.unsafe_fixable += n

    def file_done(self, had_findings: bool) -> None:
        self.files += 1
        self.files_with_findings += had_findings

    def summary(self) -> Summary:
        return Summary(errors=self.by_severity[Severity.ERROR], warnings=self.by_severity[Severity.WARNING],
                       infos=self.by_severity[Severity.INFO], fixable=self.fixable,
                       unsafe_fixable=self.unsafe_fixable, files=self.files,
                       files_with_findings=self.files_with_findings)


def group_findings(findings: Iterable[StampedFinding], keep: int | None = KEEP,
                   tally: Tally | None = None) -> list[Group]:
    """The groups of one file's findings (one pass); `keep=None` keeps every finding.
    With `tally`, the findings are also counted there (as one file). A FindingStore is read
    piece by piece: a frame's findings are grouped and counted by polars, and only the few a
    group shows become objects."""
    groups: dict[tuple, Group] = {}
    pieces = findings.pieces() if keep is not None and hasattr(findings, "pieces") else [findings]
    for piece in pieces:
        if hasattr(piece, "group_by"):   # a polars frame of the findings schema
            _add_frame(groups, piece, keep, tally, findings)
        else:
            _add_objects(groups, piece, keep, tally)
    if tally is not None:
        tally.file_done(bool(groups))
    return list(groups.values())


def _add_objects(groups: dict, findings: Iterable[StampedFinding], keep: int | None, tally: Tally | None) -> None:
    for stamped in findings:
        f = stamped.finding
        key = (f.code, f.column, f.field)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(f.code, stamped.rule_name, f.column, f.field, stamped.severity)
        group.add(stamped, keep)
        if tally is not None:
            tally.count(stamped)


def _add_frame(groups: dict, frame, keep: int, tally: Tally | None, store) -> None:
    """A frame of the findings schema, in file order, into the groups: per group its count,
    gravest severity, first `keep` rows (made objects only if the group still shows fewer),
    and the first and last lines past them."""
    import polars as pl

    from sfprep.core.batch import stamped_rows

    lines = pl.col("line")
    per_group = frame.with_row_index("at").group_by(["code", "column", "field"], maintain_order=True).agg(
        pl.len().alias("total"), pl.col("severity").max().alias("worst"), pl.col("at").head(keep).alias("heads"),
        lines.head(keep).alias("head_lines"), lines.slice(keep).drop_nulls().first().alias("next_line"),
        lines.drop_nulls().last().alias("last_line"))
    for code, column, field_name, total, worst, heads, head_lines, next_line, last_line in per_group.iter_rows():
        key = (code, column, field_name)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(code, store.rule_names.get(code, code), column, field_name, Severity(worst))
        need = max(0, keep - len(group.shown))
        if need:
            group.shown.extend(stamped_rows(frame[heads[:need]], store.path, store.rule_names))
        group.total += total
        group.severity = max(group.severity, Severity(worst))
        rest_lines = [line for line in head_lines[need:] if line is not None] or [next_line]
        if rest_lines[0] is not None:
            if group.rest_first_line is None:
                group.rest_first_line = rest_lines[0]
            group.rest_last_line = last_line
    if tally is not None:
        tally.count_frame(frame)


def grouped_files(results: Iterable[FileResult], tally: Tally,
                  keep: int | None = KEEP) -> Iterator[tuple[FileResult, list[Group]]]:
    """(result, its groups) for each file with findings, one file at a time; every file,
    with findings or not, is counted in `tally`."""
    for result in results:
        groups = group_findings(result.findings, keep, tally)
        if groups:
            yield result, groups


def ungrouped_files(results: Iterable[FileResult], tally: Tally) -> Iterator[tuple[FileResult, list[Group]]]:
    """As grouped_files, but each file's findings all in one group, in file order (`--show-all`:
    every finding is held, as every finding is shown)."""
    for result in results:
        whole = Group("", "", None, None, Severity.INFO)
        for stamped in result.findings:
            whole.add(stamped, None)
            tally.count(stamped)
        tally.file_done(bool(whole.total))
        if whole.total:
            yield result, [whole]


def shown_offsets(groups: Iterable[Group]) -> Iterator[int | None]:
    """The byte offsets of the findings shown whole (what a report reads the file for)."""
    for group in groups:
        for stamped in group.shown:
            yield stamped.finding.offset
