"""The vectorised UTF-8 check agrees with Python's decoder on every input."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sfprep.io.utf8 import first_invalid


def decoder_says(data: bytes):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return None


def check(data: bytes) -> None:
    assert first_invalid(data, np.frombuffer(data, dtype=np.uint8)) == decoder_says(data)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes(data):
    check(data)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(max_size=40), st.integers(0, 40), st.binary(min_size=0, max_size=3))
def test_valid_text_with_a_few_bytes_spliced_in(text, at, junk):
    encoded = text.encode("utf-8")
    at = min(at, len(encoded))
    check(encoded[:at] + junk + encoded[at:])


def test_known_traps():
    for data in (b"\xc0\x80", b"\xed\xa0\x80", b"\xe0\x80\x80", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80",
                 b"ok\xc3", b"\xc3\xa9\xa9", "ok é ü € 東京 😀".encode(), b"Caf\xe9", "a\u2028b".encode()):
        check(data)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.binary(max_size=64))
def test_numpy_path_agrees_too(data):
    """With the C scanner absent, the numpy check gives the decoder's answer as well."""
    from unittest import mock

    from sfprep.io.csv import scan as csv_scan
    with mock.patch.object(csv_scan, "_c_scanner", None):
        check(data)
