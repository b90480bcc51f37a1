"""UTF-8 validation over a numpy byte array, looking only at the non-ASCII bytes.

`bytes.decode` holds the GIL for the whole chunk; this checks the (usually few) bytes >= 0x80
with whole-array operations. Where it finds a problem, Python's decoder names the exact
position, so the answer is always the decoder's.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Second-byte ranges that differ from 80..BF (overlongs, surrogates, past U+10FFFF).
_SECOND_BYTE = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F), 0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}
_DENSE = 0.25  # above this share of non-ASCII bytes, Python's decoder is the faster check


def first_invalid(data: bytes, arr: np.ndarray) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None."""
    return check(data, arr)[0]


# Bytes below 0x20 that are text: TAB, LF, CR.
TEXT_CONTROLS = (0x09, 0x0A, 0x0D)


class TextCheck(NamedTuple):
    first_invalid: int | None   # offset of the first byte that is not valid UTF-8
    characters: int | None      # None where it was not counted (invalid UTF-8, numpy path)
    controls: np.ndarray        # offsets of bytes below 0x20 other than TAB, LF, CR (F005)
    bare_crs: np.ndarray        # offsets of CRs not followed by LF (F007)


def check(data: bytes, arr: np.ndarray) -> TextCheck:
    """UTF-8, characters, control bytes and bare CRs of a chunk. With the C extension this is
    one pass over the bytes; without it, numpy's."""
    from sfprep.io.csv.scan import _c_scanner

    if _c_scanner is not None:
        at, continuations, controls, bare_crs = _c_scanner.text(data)
        controls, bare_crs = np.frombuffer(controls, dtype=np.int64), np.frombuffer(bare_crs, dtype=np.int64)
        if at < 0:
            return TextCheck(None, len(data) - continuations, controls, bare_crs)
        return TextCheck(_decoder_position(data), None, controls, bare_crs)
    low = np.flatnonzero(arr < 0x20)
    controls = low[~np.isin(arr[low], TEXT_CONTROLS)]
    crs = low[arr[low] == 0x0D]
    bare_crs = crs[(crs + 1 >= len(arr)) | (arr[np.minimum(crs + 1, len(arr) - 1)] != 0x0A)]
    if data.isascii():
        return TextCheck(None, len(data), controls, bare_crs)
    high = np.flatnonzero(arr >= 0x80)
    if len(high) > _DENSE * len(arr) or _looks_invalid(arr, high):
        return TextCheck(_decoder_position(data), None, controls, bare_crs)
    return TextCheck(None, None, controls, bare_crs)


def count_characters(arr: np.ndarray) -> int:
    """Characters of UTF-8 bytes (invalid ones count as one each): bytes that do not continue one."""
    return len(arr) - int(np.count_nonzero((arr & 0xC0) == 0x80))


def _looks_invalid(arr: np.ndarray, high: np.ndarray) -> bool:
    values = arr[high]
    continuation = (values & 0xC0) == 0x80
    need = np.zeros(len(high), dtype=np.int64)
    need[(values >= 0xC2) & (values <= 0xDF)] = 1
    need[(values >= 0xE0) & (values <= 0xEF)] = 2
    need[(values >= 0xF0) & (values <= 0xF4)] = 3
    if np.any(~continuation & (need == 0)):       # C0, C1, F5..FF can never start a character
        return True
    claimed = np.zeros(len(high), dtype=bool)
    leads = np.flatnonzero(need > 0)
    for k in (1, 2, 3):
        mine = leads[need[leads] >= k]
        follower = mine + k
        if np.any(follower >= len(high)):
            return True
        if np.any((high[follower] != high[mine] + k) | ~continuation[follower]):
            return True
        claimed[follower] = True
    if np.any(continuation & ~claimed):           # a continuation byte no character started
        return True
    for lead, (low, top) in _SECOND_BYTE.items():
        at = leads[values[leads] == lead]
        second = values[at + 1]
        if np.any((second < low) | (second > top)):
            return True
    return False


def _decoder_position(data: bytes) -> int | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return None
