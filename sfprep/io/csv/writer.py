"""Writing Bulk API CSV: minimal quoting (a value is quoted only when it must be: when it
holds the delimiter, a quote or a line break), for one value (quote_field) or for every
field of a scanned chunk at once (redelimit_chunk)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sfprep.io.csv.dialect import CR, LF, QUOTE

if TYPE_CHECKING:
    import numpy as np

    from sfprep.io.csv.chunk import CsvChunk


def quote_field(value: str, delimiter: str = ",") -> str:
    """A CSV field for `value`, quoted only when it has to be."""
    if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def redelimit_chunk(chunk: CsvChunk, delimiter: int) -> np.ndarray:
    """The chunk's bytes with `delimiter` between fields, quoted as quote_field quotes.

    Made from the scanner's spans, with whole-array operations: the structural delimiters
    are overwritten, the quotes of a quoted field that no longer needs them are deleted,
    and quotes are inserted around an unquoted value that now holds the new delimiter (or
    a bare CR). Values, record terminators and line breaks inside values are kept byte for
    byte; a quoted value that still needs its quotes is copied as it was, its `""` too.
    The chunk must be cleanly quoted (no anomalies): a quoted field then ends with its
    closing quote.
    """
    import numpy as np

    arr = chunk.array
    starts, ends, quoted = chunk.field_starts, chunk.field_ends, chunk.field_quoted
    value_starts, value_ends = starts + quoted, ends - quoted
    needs_quotes = _holding(arr, starts, value_starts, value_ends, (delimiter, QUOTE, CR, LF))
    # A record of one empty quoted value keeps its quotes: without them it is a blank line.
    alone = chunk.record_first_field[chunk.field_counts == 1]
    needs_quotes[alone] |= quoted[alone] & (value_ends[alone] == value_starts[alone])

    out = arr.copy()
    between = np.ones(len(starts), dtype=bool)
    between[chunk.record_first_field + chunk.field_counts - 1] = False
    out[ends[between]] = delimiter
    unquote = quoted & ~needs_quotes
    removed = np.sort(np.concatenate([starts[unquote], ends[unquote] - 1]))
    out = np.delete(out, removed)
    enclose = ~quoted & needs_quotes
    insert_at = np.concatenate([starts[enclose], ends[enclose]])
    # Insertion points are original offsets: shift each by the bytes deleted before it.
    return np.insert(out, insert_at - np.searchsorted(removed, insert_at), QUOTE)


def _holding(arr: np.ndarray, starts: np.ndarray, value_starts: np.ndarray, value_ends: np.ndarray,
             needles: tuple[int, ...]) -> np.ndarray:
    """Per field: whether its value span holds any of the `needles` bytes."""
    import numpy as np

    found = arr == needles[0]
    for needle in needles[1:]:
        found |= arr == needle
    positions = np.flatnonzero(found)
    fields = np.searchsorted(starts, positions, side="right") - 1
    safe = np.maximum(fields, 0)
    inside = (fields >= 0) & (positions >= value_starts[safe]) & (positions < value_ends[safe])
    holding = np.zeros(len(starts), dtype=bool)
    holding[fields[inside]] = True
    return holding
