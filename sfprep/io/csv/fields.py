"""Facts about field values that need only the value's bytes, for every field of a chunk at once.

`field_facts(chunk, fields)` answers, for each requested field, the questions the value
rules ask of every cell, straight from the scanner's spans: where the value's bytes are,
how many `""` escapes it holds, its length in characters, and a bit set (`flags`) of
EMPTY, NULL_MARKER, NULL_LOOK_ALIKE, LEADING_SPACE, TRAILING_SPACE, ID_SHAPE, ID_CHECKSUM
and CONTROL. With sfprep/native/_fields.c that is one C pass over the fields (the GIL
released); without it (or with SFPREP_NO_C set) numpy computes the same arrays with
whole-array operations, and the tests hold the two equal.

A field's value is what `sfprep.io.csv.chunk.unquote` makes of its raw span, for every
field: for a clean field its plain meaning (inside the quotes of a quoted one), and for a
field with a quoting anomaly the same lenient reading the rest of sfprep uses (blanks
outside the quotes dropped, first to last quote, `""` read as `"`). No field is copied.

- value_starts, value_ends (int64): the value's bytes in chunk.data, `""` escapes still in.
- escaped_quotes (int32): the `""` pairs in those bytes, counted left to right as
  `bytes.replace(b'""', b'"')` does, for a value read inside quotes; the unescaped value is
  that many bytes shorter. A field unquote() returns as it is (unquoted: `ab""c`, `x "y"`)
  has none: its bytes are its value.
- characters (int64): the unescaped value's length in characters, as UTF-8: the bytes that
  are not continuation bytes (10xxxxxx), each `""` of a quoted value counting one. Where the bytes are not
  valid UTF-8 this is still that count (every byte that is not a continuation byte counts
  one), which is not what a lossy decoder would give.
- flags (uint8): the bits below.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sfprep.io.csv.flags import (  # noqa: F401  (the bits of `flags`, kept apart from numpy for the rules)
    CONTROL,
    EMPTY,
    ID_CHECKSUM,
    ID_SHAPE,
    LEADING_SPACE,
    NULL_LOOK_ALIKE,
    NULL_MARKER,
    TRAILING_SPACE,
)
from sfprep.native import load_extension
from sfprep.salesforce.ids import ID_ALPHABET

NULL_LOOK_ALIKES = ("n/a", "#n/a", "null", "none", "nil", "#na", "nan")
# Unicode White_Space (Rust's char::is_whitespace, what str.strip_chars() strips) as UTF-8.
WHITESPACE = tuple(chr(c).encode() for c in (*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680,
                                             *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F,
                                             0x205F, 0x3000))

_native = load_extension("_fields")  # sfprep/native/_fields.c, or None


class FieldFacts(NamedTuple):
    value_starts: np.ndarray    # int64
    value_ends: np.ndarray      # int64
    escaped_quotes: np.ndarray  # int32
    characters: np.ndarray      # int64
    flags: np.ndarray           # uint8


def field_facts(chunk, fields) -> FieldFacts:
    """The facts of these fields (indices into chunk.field_starts) of a CsvChunk, one entry
    per index, in the order given. All fields: np.arange(len(chunk.field_starts))."""
    fields = np.asarray(fields)
    if fields.size and not np.issubdtype(fields.dtype, np.integer):
        raise ValueError(f"fields must be integer indices, not {fields.dtype}")
    spans = (chunk.data, _int64(chunk.field_starts), _int64(chunk.field_ends), _int64(fields))
    return facts_in_c(*spans) if _native is not None else facts_in_numpy(*spans)


def _int64(array) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.int64)


def facts_in_c(data, field_starts, field_ends, fields) -> FieldFacts:
    """sfprep/native/_fields.c's pass (raises ValueError on spans it cannot trust)."""
    raw = _native.facts(data, field_starts, field_ends, fields)
    return FieldFacts(*(np.frombuffer(array, dtype=dtype)
                        for array, dtype in zip(raw, (np.int64, np.int64, np.int32, np.int64, np.uint8))))


def facts_in_numpy(data, field_starts, field_ends, fields) -> FieldFacts:
    """The same arrays as facts_in_c, with whole-array numpy operations (no loop per field)."""
    arr = _byte_array(data)
    starts, ends = _requested_spans(len(arr), _int64_buffer(field_starts, "field_starts"),
                                    _int64_buffer(field_ends, "field_ends"), _int64_buffer(fields, "fields"))
    quotes = np.flatnonzero(arr == ord('"'))
    value_starts, value_ends, quoted = _value_spans(arr, starts, ends, quotes)
    escapes = np.zeros(len(starts), dtype=np.int64)
    escapes[quoted] = _escaped_quotes(quotes, value_starts[quoted], value_ends[quoted])
    lengths = value_ends - value_starts
    continuations = 0 if arr.size == 0 or arr.max() < 0x80 else \
        _count_within(np.flatnonzero((arr & 0xC0) == 0x80), value_starts, value_ends)
    flags = _flags(arr, value_starts, value_ends)
    return FieldFacts(value_starts, value_ends, escapes.astype(np.int32),
                      lengths - continuations - escapes, flags)


# ---------------------------------------------------------------- arguments, as the C checks them

def _byte_array(data) -> np.ndarray:
    try:
        view = memoryview(data)
    except TypeError:
        raise ValueError("data must be a contiguous bytes-like object") from None
    if not view.c_contiguous:
        raise ValueError("data must be a contiguous bytes-like object")
    return np.frombuffer(view.cast("B") if view.ndim != 1 or view.format != "B" else view, dtype=np.uint8)


def _int64_buffer(array, what: str) -> np.ndarray:
    try:
        view = memoryview(array)
    except TypeError:
        raise ValueError(f"{what} must be a contiguous int64 array") from None
    if view.ndim != 1 or not view.c_contiguous or view.itemsize != 8 or view.format.lstrip("<=@") not in ("l", "q"):
        raise ValueError(f"{what} must be a 1-D contiguous int64 array")
    return np.frombuffer(view, dtype=np.int64)


def _requested_spans(size: int, field_starts, field_ends, fields) -> tuple[np.ndarray, np.ndarray]:
    if len(field_starts) != len(field_ends):
        raise ValueError("field_starts and field_ends differ in length")
    outside = (fields < 0) | (fields >= len(field_starts))
    if outside.any():
        at = int(np.argmax(outside))
        raise ValueError(f"fields[{at}] = {fields[at]} is not a field index (there are {len(field_starts)} fields)")
    starts, ends = field_starts[fields], field_ends[fields]
    bad = (starts < 0) | (ends < starts) | (ends > size)
    if bad.any():
        at = int(np.argmax(bad))
        raise ValueError(f"field {fields[at]} spans [{starts[at]}, {ends[at]}), not inside the {size}-byte buffer")
    return starts, ends


# ---------------------------------------------------------------- the value inside the raw span

def _value_spans(arr, starts, ends, quotes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """unquote() over every span: a field that starts with a quote, or with blanks (space,
    TAB) and then a quote, is read from after that quote to its last quote (or, with no
    other quote, to its end, trailing blanks dropped if it started with blanks). Returns the
    value spans and the indices of the quoted ones: any other is the raw field, `""` and all."""
    value_starts, value_ends = starts.copy(), ends.copy()
    first = _bytes_at(arr, starts, ends > starts)
    opening = np.where(first == ord('"'), starts, -1)
    stop = ends.copy()
    padded = np.flatnonzero((first == ord(" ")) | (first == ord("\t")))
    if len(padded):
        run_starts, run_ends = _blank_runs(arr)
        after = np.minimum(_run_containing(run_starts, run_ends, starts[padded])[1], ends[padded])
        quoted = (after < ends[padded]) & (_bytes_at(arr, after, after < ends[padded]) == ord('"'))
        padded, after = padded[quoted], after[quoted]
        opening[padded] = after
        last = ends[padded] - 1
        trailing = (arr[last] == ord(" ")) | (arr[last] == ord("\t"))
        stop[padded[trailing]] = _run_containing(run_starts, run_ends, last[trailing])[0]
    quoted = np.flatnonzero(opening >= 0)
    if len(quoted):
        open_at, stop_at = opening[quoted], stop[quoted]
        closing = quotes[np.searchsorted(quotes, stop_at) - 1]  # the opening quote at worst
        value_starts[quoted] = open_at + 1
        value_ends[quoted] = np.where(closing > open_at, closing, stop_at)
    return value_starts, value_ends, quoted


def _bytes_at(arr, positions, valid) -> np.ndarray:
    """arr[positions] where valid, else 0 (a byte no check looks for)."""
    if arr.size == 0:
        return np.zeros(len(positions), dtype=np.uint8)
    return np.where(valid, arr.take(positions, mode="clip"), 0).astype(np.uint8)


def _blank_runs(arr) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every run of spaces and TABs in the chunk."""
    blanks = np.flatnonzero((arr == ord(" ")) | (arr == ord("\t")))
    cuts = np.flatnonzero(np.diff(blanks) != 1)
    return blanks[np.r_[0, cuts + 1]], blanks[np.r_[cuts, len(blanks) - 1]] + 1


def _run_containing(run_starts, run_ends, blank_positions) -> tuple[np.ndarray, np.ndarray]:
    run = np.searchsorted(run_starts, blank_positions, side="right") - 1
    return run_starts[run], run_ends[run]


# ---------------------------------------------------------------- counts inside the values

def _count_within(positions, starts, ends) -> np.ndarray:
    """How many of these sorted positions fall in each [start, end)."""
    return np.searchsorted(positions, ends) - np.searchsorted(positions, starts)


def _escaped_quotes(quotes, starts, ends) -> np.ndarray:
    """`""` pairs in each [start, end), paired left to right: a run of k quotes inside a
    value holds k // 2. Each quote's parity in its run is computed once for the chunk; only
    a run that began before the value (the opening quote is its first) is re-paired."""
    if len(quotes) == 0:
        return np.zeros(len(starts), dtype=np.int64)
    run_begins = np.r_[True, np.diff(quotes) != 1]
    run_of = np.cumsum(run_begins) - 1
    run_first = np.flatnonzero(run_begins)
    run_stop = np.r_[run_first[1:], len(quotes)]
    second_of_pair = ((np.arange(len(quotes)) - run_first[run_of]) & 1).astype(np.int64)
    pairs_before = np.r_[0, np.cumsum(second_of_pair)]
    first, stop = np.searchsorted(quotes, starts), np.searchsorted(quotes, ends)
    pairs = pairs_before[stop] - pairs_before[first]
    straddles = np.flatnonzero((first < stop) & ~run_begins[np.minimum(first, len(quotes) - 1)])
    if len(straddles):
        a = first[straddles]
        inside = np.minimum(run_stop[run_of[a]], stop[straddles])
        pairs[straddles] += (inside - a) // 2 - (pairs_before[inside] - pairs_before[a])
    return pairs


# ---------------------------------------------------------------- the flags

_CONTROL_BYTES = np.array([c < 0x20 and c not in (0x09, 0x0A, 0x0D) for c in range(256)])
_ALNUM = np.array([chr(c).isascii() and chr(c).isalnum() for c in range(256)])
_ID_ALPHABET = np.frombuffer(ID_ALPHABET.encode(), dtype=np.uint8)
# The bytes a White_Space character can start / end with: only those values are looked at.
_MAY_START_SPACE = np.isin(np.arange(256), [w[0] for w in WHITESPACE])
_MAY_END_SPACE = np.isin(np.arange(256), [w[-1] for w in WHITESPACE])


def _flags(arr, starts, ends) -> np.ndarray:
    lengths = ends - starts
    flags = np.where(lengths == 0, EMPTY, 0).astype(np.uint8)
    low = np.flatnonzero(arr < 0x20)
    controls = low[_CONTROL_BYTES[arr[low]]]
    if len(controls):
        _set(flags, CONTROL, _count_within(controls, starts, ends) > 0)
    present = lengths > 0
    first = np.flatnonzero(present & _MAY_START_SPACE[_bytes_at(arr, starts, present)])
    _set(flags, LEADING_SPACE, _starts_with_space(arr, starts[first], lengths[first]), first)
    last = np.flatnonzero(present & _MAY_END_SPACE[_bytes_at(arr, ends - 1, present)])
    _set(flags, TRAILING_SPACE, _ends_with_space(arr, ends[last], lengths[last]), last)
    for length in (3, 4):
        _flag_nulls(flags, arr, starts, lengths, length)
    for length in (15, 18):
        _flag_ids(flags, arr, starts, lengths, length)
    return flags


def _set(flags, bit: int, where: np.ndarray, indices: np.ndarray | None = None) -> None:
    """flags |= bit where `where` holds (over all flags, or over flags[indices])."""
    if indices is None:
        np.bitwise_or(flags, bit, out=flags, where=where)
    else:
        flags[indices[where]] |= bit


def _space_character(a, b=None, c=None) -> np.ndarray:
    """The 1, 2 or 3 bytes a, b, c (arrays) spell a White_Space character."""
    if b is None:
        return (a == 0x20) | ((a >= 0x09) & (a <= 0x0D))
    if c is None:
        return (a == 0xC2) & ((b == 0x85) | (b == 0xA0))
    general = (a == 0xE2) & (((b == 0x80) & (((c >= 0x80) & (c <= 0x8A)) | np.isin(c, (0xA8, 0xA9, 0xAF))))
                             | ((b == 0x81) & (c == 0x9F)))
    return general | ((a == 0xE1) & (b == 0x9A) & (c == 0x80)) | ((a == 0xE3) & (b == 0x80) & (c == 0x80))


def _starts_with_space(arr, starts, lengths) -> np.ndarray:
    first, second, third = (_bytes_at(arr, starts + k, lengths > k) for k in range(3))
    return _space_character(first) | _space_character(first, second) | _space_character(first, second, third)


def _ends_with_space(arr, ends, lengths) -> np.ndarray:
    """A lead byte is never a continuation, so the last 2 or 3 bytes are one character
    whenever they spell one (and a missing byte, read as 0, spells none)."""
    last, second, third = (_bytes_at(arr, ends - 1 - k, lengths > k) for k in range(3))
    return _space_character(last) | _space_character(second, last) | _space_character(third, second, last)


def _values_of_length(arr, starts, lengths, length: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices of the values `length` bytes long, their bytes as rows of a matrix)."""
    chosen = np.flatnonzero(lengths == length)
    return chosen, arr[starts[chosen, None] + np.arange(length)]


def _packed_words(length: int) -> np.ndarray:
    words = [w.encode() for w in NULL_LOOK_ALIKES if len(w) == length]
    return np.frombuffer(b"".join(words), dtype=np.uint8).reshape(len(words), length)


def _flag_nulls(flags, arr, starts, lengths, length: int) -> None:
    chosen, values = _values_of_length(arr, starts, lengths, length)
    if not len(chosen):
        return
    lowered = np.where((values >= ord("A")) & (values <= ord("Z")), values | 0x20, values)
    words = _packed_words(length)
    look_alike = (lowered[:, None, :] == words[None, :, :]).all(axis=2).any(axis=1)
    if length == 4:
        marker = (values == np.frombuffer(b"#N/A", dtype=np.uint8)).all(axis=1)
        flags[chosen[marker]] |= NULL_MARKER
        look_alike &= ~marker
    flags[chosen[look_alike]] |= NULL_LOOK_ALIKE


def _flag_ids(flags, arr, starts, lengths, length: int) -> None:
    chosen, values = _values_of_length(arr, starts, lengths, length)
    shaped = _ALNUM[values].all(axis=1)
    chosen, values = chosen[shaped], values[shaped]
    flags[chosen] |= ID_SHAPE
    if length == 15:
        flags[chosen] |= ID_CHECKSUM
        return
    capitals = ((values[:, :15] >= ord("A")) & (values[:, :15] <= ord("Z"))).reshape(-1, 3, 5)
    expected = _ID_ALPHABET[(capitals * (1 << np.arange(5))).sum(axis=2)]
    flags[chosen[(values[:, 15:] == expected).all(axis=1)]] |= ID_CHECKSUM
