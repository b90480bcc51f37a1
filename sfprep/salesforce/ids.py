"""Salesforce record Ids: 15 case-sensitive characters, or 18 with a case-safe checksum.

An 18-character Id is its 15-character form plus three characters that encode, five
characters at a time, which of the first 15 are upper-case letters; so both forms name
the same record. V010 checks the shape and checksum, V015 compares keys in their
15-character form; reconcile and delta match Ids the same way.
"""
from __future__ import annotations

import re

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ID_SHAPE = r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$"
_ID_SHAPE = re.compile(ID_SHAPE)


def checksum(id15: str) -> str:
    """The three characters an 18-character Id adds to these 15."""
    suffix = ""
    for block in range(3):
        bits = sum(1 << i for i, char in enumerate(id15[block * 5:block * 5 + 5]) if "A" <= char <= "Z")
        suffix += ID_ALPHABET[bits]
    return suffix


def is_record_id(value: str) -> bool:
    """15 alphanumerics, or 18 whose last three are the checksum of the first 15."""
    if not _ID_SHAPE.match(value):
        return False
    return len(value) == 15 or value[15:] == checksum(value[:15])


def id15(value: str) -> str:
    """The 15-character form of an Id (an 18-character Id without its checksum)."""
    return value[:15] if len(value) == 18 else value


def id15_expr(value):
    """Polars expression: the 15-character form of each Id (id15 over a column)."""
    import polars as pl

    return pl.when(value.str.len_bytes() == 18).then(value.str.slice(0, 15)).otherwise(value)
