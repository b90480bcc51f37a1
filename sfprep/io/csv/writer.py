"""Writing Bulk API CSV: minimal quoting (a value is quoted only when it must be)."""
from __future__ import annotations


def quote_field(value: str, delimiter: str = ",") -> str:
    """A CSV field for `value`, quoted only when it has to be."""
    if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value
