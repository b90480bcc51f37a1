"""What the XML reader learns besides the records: the structural problems it meets (one
row each, placed at their element's line once tags.py has read that far), and the
document-wide facts the X rules read at the end."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Problem:
    """One structural finding of the reader, before its element's line is known."""

    code: str
    message: str
    ordinal: int              # the element's ordinal (line and offset from tags.py)
    record: int | None = None
    field: str | None = None
    line: int = 0                 # known once placed (by the chunk builder)
    offset: int | None = None


@dataclass
class XmlFacts:
    """What the reader learned of the whole document, for the X rules at the end."""

    root: str | None = None            # the root's tag, {namespace}local
    problems: list[Problem] = field(default_factory=list)
    syntax_error: tuple[str, int] | None = None  # (message, line) where the parser stopped
    late_columns: dict[str, int] = field(default_factory=dict)  # name -> first record, after the header was fixed
    columns_from: int = 0              # the records the columns (header) were read from
