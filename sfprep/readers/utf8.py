"""UTF-8 validation over a numpy byte array, looking only at the non-ASCII bytes.

`bytes.decode` holds the GIL for the whole chunk; this checks the (usually few) bytes >= 0x80
with whole-array operations. Where it finds a problem, Python's decoder names the exact
position, so the answer is always the decoder's.
"""
from __future__ import annotations

import numpy as np

# Second-byte ranges that differ from 80..BF (overlongs, surrogates, past U+10FFFF).
_SECOND_BYTE = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F), 0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}
_DENSE = 0.25  # above this share of non-ASCII bytes, Python's decoder is the faster check


def first_invalid(data: bytes, arr: np.ndarray) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None."""
    if data.isascii():
        return None
    from sfprep.readers.csv_scan import _c_scanner

    if _c_scanner is not None:
        return _decoder_position(data) if _c_scanner.first_invalid_utf8(data) >= 0 else None
    high = np.flatnonzero(arr >= 0x80)
    if len(high) > _DENSE * len(arr) or _looks_invalid(arr, high):
        return _decoder_position(data)
    return None


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
