"""What the engine knows about the file being linted, as rules see it.

The engine fills the file-wide facts (sniffed dialect, header, columns, record and
line-ending tallies). A rule that keeps state of its own between chunks declares it
(`@rule(..., state=SomeDataclass)`); the engine makes one per file and the rule reads it
with `ctx.state(SomeDataclass)`. Nothing is passed through untyped keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sfprep.core.job import Job

if TYPE_CHECKING:
    from sfprep.core.config import Settings
    from sfprep.io.sniff import Sniffed
    from sfprep.linter.checks import CellCheck
    from sfprep.linter.registry import Rule
    from sfprep.salesforce.columns import Column
    from sfprep.salesforce.describe import DescribeSource, ObjectInfo

State = TypeVar("State")


@dataclass
class Header:
    names: list[str]          # decoded, unquoted column names, untouched (spaces kept)
    raw: list[bytes]          # raw field bytes, quotes included
    starts: list[int]         # file offset of each raw field
    lines: list[int]          # physical line of each field
    line: int                 # line of the header record
    is_blank: bool


@dataclass
class LineEndingTally:
    """How the records end: counts and the first line of each terminator kind."""

    counts: dict[str, int] = field(default_factory=dict)
    first_line: dict[str, int] = field(default_factory=dict)
    first_record: dict[str, int] = field(default_factory=dict)


@dataclass
class FileContext:
    path: str
    job: Job
    profile: dict[str, Any]
    settings: Settings
    describes: DescribeSource | None
    expected_delimiter: str
    required_line_ending: str | None   # bulk2's declared lineEnding, else None
    size: int = 0
    sniffed: Sniffed | None = None
    delimiter: str = ","
    header: Header | None = None
    described: ObjectInfo | None = None  # the job's object, when a describe was found
    columns: list[Column] = field(default_factory=list)   # one per header column
    cell_checks: list[tuple[Rule, CellCheck]] = field(default_factory=list)
    data_records: int = 0                # records after the header, blank lines excluded
    line_endings: LineEndingTally = field(default_factory=LineEndingTally)
    unterminated_quote: tuple[int, int, int] | None = None  # (line, record, column)
    rule_states: dict[type, Any] = field(default_factory=dict)
    format: str = "csv"                  # "csv" or "xml", by content
    xml_prolog: Any = None               # io.xml.prolog.Prolog of an XML file
    xml: Any = None                      # io.xml.reader.XmlFacts of an XML file, as read so far

    def state(self, kind: type[State]) -> State:
        """The per-file state a rule declared with `@rule(..., state=kind)`."""
        return self.rule_states[kind]
