"""The value objects every part of sfprep shares: severities, fixes, findings."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class UsageError(ValueError):
    """A problem with what the user asked for or gave: one line on stderr, exit 2 (the CLI),
    or this exception (the Python API)."""


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def word(self) -> str:
        return self.name.lower()

    @classmethod
    def from_letter(cls, letter: str) -> "Severity":
        return {"E": cls.ERROR, "W": cls.WARNING, "I": cls.INFO}[letter]


class Applicability(enum.IntEnum):
    """How far a fix can be trusted; ordered so that a threshold is a comparison."""

    UNSAFE = 1
    SAFE = 2

    @property
    def word(self) -> str:
        return self.name.lower().replace("_", "-")


class FixKind(enum.Enum):
    """What a rule may offer at most (RULES.md column "fix"); each finding decides its own."""

    NONE = "-"
    SAFE = "S"
    UNSAFE = "U"
    CHUNK = "C"


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    """Replace bytes [start, end) of the original file with `replacement`.

    An empty replacement is a deletion; start == end is an insertion.
    """

    start: int
    end: int
    replacement: bytes = b""


@dataclass(frozen=True, slots=True)
class Fix:
    edits: tuple[Edit, ...]
    applicability: Applicability
    description: str
    # Instead of edits, a whole-file streaming rewrite: ("redelimit", from, to) or ("reencode", encoding).
    rewrite: tuple[str, ...] | None = None

    @classmethod
    def safe(cls, description: str, *edits: Edit) -> "Fix":
        return cls(tuple(sorted(edits)), Applicability.SAFE, description)

    @classmethod
    def unsafe(cls, description: str, *edits: Edit) -> "Fix":
        return cls(tuple(sorted(edits)), Applicability.UNSAFE, description)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place. Rules fill the location; the engine stamps path and severity."""

    code: str
    message: str
    line: int | None = None
    record: int | None = None
    column: int | None = None
    field: str | None = None
    offset: int | None = None  # byte offset of the problem, for the source excerpt in reports
    fix: Fix | None = None
    severity: Severity | None = None  # only where this finding is graver than the rule's default
    hint: str | None = None  # how it could be fixed, where sfprep offers no fix (e.g. which flag to give)


@dataclass(frozen=True, slots=True)
class Skipped:
    """What a rule yields, instead of findings, when it cannot run (here, or for one column)."""

    reason: str


@dataclass(slots=True)
class FileResult:
    """Everything sfprep learned about one file. `findings` is a core.findings.FindingStore:
    iterated, it gives StampedFindings in file order."""

    path: str
    object: str | None = None
    operation: str | None = None
    records: int | None = None
    findings: Any = None
    skipped_rules: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self):
        from sfprep.core.findings import FindingStore

        if self.findings is None:
            self.findings = FindingStore(self.path)
        elif isinstance(self.findings, list):
            store = FindingStore(self.path)
            store.replace_all(sorted(self.findings, key=StampedFinding.sort_key))
            self.findings = store


@dataclass(frozen=True, slots=True)
class StampedFinding:
    path: str
    severity: Severity
    rule_name: str
    finding: Finding

    @property
    def code(self) -> str:
        return self.finding.code

    def sort_key(self) -> tuple:
        f = self.finding
        return (self.path, f.line or 0, f.column or 0, f.code)
