"""PLACEHOLDER until the facts branch lands: the interface of field_facts, in plain Python."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sfprep.io.csv.chunk import unquote

from sfprep.io.csv.flags import (CONTROL, EMPTY, ID_CHECKSUM, ID_SHAPE, LEADING_SPACE, NULL_LOOK_ALIKE,
                                 NULL_MARKER, TRAILING_SPACE)
_LOOK_ALIKES = {"n/a", "#n/a", "null", "none", "nil", "#na", "nan"}
_WHITE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
             "\u2028\u2029\u202f\u205f\u3000")


class FieldFacts(NamedTuple):
    value_starts: np.ndarray
    value_ends: np.ndarray
    escaped_quotes: np.ndarray
    characters: np.ndarray
    flags: np.ndarray


def field_facts(chunk, fields) -> FieldFacts:
    from sfprep.salesforce.ids import is_record_id

    fields = np.asarray(fields, dtype=np.int64)
    n = len(fields)
    vs, ve = np.zeros(n, np.int64), np.zeros(n, np.int64)
    esc, chars, flags = np.zeros(n, np.int32), np.zeros(n, np.int64), np.zeros(n, np.uint8)
    data = chunk.data
    for i, f in enumerate(fields.tolist()):
        start, end = int(chunk.field_starts[f]), int(chunk.field_ends[f])
        raw = data[start:end]
        value = unquote(raw)
        inner = raw
        offset = 0
        stripped = raw.strip(b" \t") if raw[:1] != b'"' else raw
        if stripped[:1] == b'"':
            lead = len(raw) - len(raw.lstrip(b" \t")) if raw[:1] != b'"' else 0
            closing = stripped.rfind(b'"')
            inner = stripped[1:closing] if closing > 0 else stripped[1:]
            offset = lead + 1
        vs[i], ve[i] = start + offset, start + offset + len(inner)
        esc[i] = inner.count(b'""')
        text = value.decode("utf-8", "replace")
        chars[i] = len(value) - sum(1 for b in value if 0x80 <= b < 0xC0)
        bits = 0
        if value == b"":
            bits |= EMPTY
        if value == b"#N/A":
            bits |= NULL_MARKER
        elif text.lower() in _LOOK_ALIKES:
            bits |= NULL_LOOK_ALIKE
        if text and text[0] in _WHITE:
            bits |= LEADING_SPACE
        if text and text[-1] in _WHITE:
            bits |= TRAILING_SPACE
        if len(value) in (15, 18) and value.isalnum() and value.isascii():
            bits |= ID_SHAPE
            if is_record_id(text):
                bits |= ID_CHECKSUM
        if any(b < 0x20 and b not in (9, 10, 13) for b in value):
            bits |= CONTROL
        flags[i] = bits
    return FieldFacts(vs, ve, esc, chars, flags)
