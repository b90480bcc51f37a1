"""What the header rules share: a finding placed on a header field, the columns worth
checking, and a safe fix that renames one column keeping its quoting."""
from __future__ import annotations

import unicodedata

from sfprep.core.model import Edit, Finding, Fix


def header_finding(code: str, message: str, header, index: int, fix: Fix | None = None) -> Finding:
    return Finding(code, message, line=header.lines[index], record=0, column=index + 1,
                   field=header.names[index], offset=header.starts[index], fix=fix)


def named_columns(header):
    """(index, name) of every header column worth checking: not blank, not padded."""
    for index, name in enumerate(header.names):
        if name.strip() and name == name.strip():
            yield index, name


def rewrite_name(header, index: int, new_name: str, description: str) -> Fix:
    """A safe fix replacing one header field with `new_name`, keeping its quoting."""
    raw = header.raw[index]
    quoted = raw.startswith(b'"')
    body = new_name.replace('"', '""') if quoted else new_name
    replacement = (f'"{body}"' if quoted else body).encode()
    start = header.starts[index]
    return Fix.safe(description, Edit(start, start + len(raw), replacement))


def unpadded(name: str) -> str:
    """The name without the whitespace and the invisible format characters (zero-width
    space, BOM, word joiner...) around it: Python's strip() keeps the latter."""
    start, end = 0, len(name)
    while start < end and _is_padding(name[start]):
        start += 1
    while end > start and _is_padding(name[end - 1]):
        end -= 1
    return name[start:end]


def _is_padding(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"
