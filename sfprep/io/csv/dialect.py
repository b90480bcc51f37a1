"""The bytes that shape a CSV file. Kept apart from the scanner so that importing them
(as the sniffer and the rule catalogue do) does not import numpy."""
from __future__ import annotations

from dataclasses import dataclass

QUOTE = 0x22
LF = 0x0A
CR = 0x0D
SPACE = 0x20
TAB = 0x09


@dataclass(frozen=True, slots=True)
class Dialect:
    delimiter: int = ord(",")
    line_break: int = LF  # CR for a CR-only (old Mac) file
