"""The optional C scanner (sfprep/native/_scan.c) decides exactly what the numpy scanner decides."""
from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfprep.io.csv import scan as csv_scan
from sfprep.io.csv.dialect import CR, LF, Dialect

pytestmark = pytest.mark.skipif(csv_scan._c_scanner is None,
                                reason="the C scanner was not built here; the numpy scanner is the only one")

CSV_BYTES = st.lists(st.sampled_from([b'"', b",", b"\n", b"\r", b"\r\n", b" ", b"\t", b"a", b"bc", b'""', b";"]),
                     max_size=60).map(b"".join)


def both(data: bytes, dialect: Dialect):
    arr = np.frombuffer(data, dtype=np.uint8)
    results = []
    for structure in (csv_scan.structure_in_numpy, csv_scan._structure_in_c):
        structural, breaks, anomalies, open_quote = structure(data, arr, dialect)
        results.append((structural.tolist(), breaks.tolist(), anomalies, open_quote))
    return results


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(CSV_BYTES, st.sampled_from([(",", LF), (",", CR), (";", LF)]))
def test_c_and_numpy_agree_on_csv_like_bytes(data, dialect):
    delimiter, line_break = dialect
    numpy_answer, c_answer = both(data, Dialect(ord(delimiter), line_break))
    assert c_answer == numpy_answer


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.binary(max_size=200))
def test_c_and_numpy_agree_on_any_bytes(data):
    numpy_answer, c_answer = both(data, Dialect())
    assert c_answer == numpy_answer


def test_c_scanner_on_the_fixtures_gives_the_numpy_findings(monkeypatch):
    from tests.helpers import FIXTURES

    for path in sorted((FIXTURES / "rules").glob("*/*.csv")):
        data = path.read_bytes()
        assert both(data, Dialect())[0] == both(data, Dialect())[1], path


# --- Field and record spans: _fields_in_c against fields_in_numpy --------------------------

_FIELD_KEYS = ("field_starts", "field_ends", "field_quoted", "record_starts", "record_ends",
               "terminators", "record_first_field", "field_counts")
_DIALECTS = [(",", LF), (",", CR), (";", LF)]


def _cuts(data: bytes, dialect: Dialect, structure):
    """(cut, structural) pairs as scan_buffer makes them: the whole buffer (the last chunk),
    and the cut one past the last structural line break (a chunk with more to come)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    structural = structure(data, arr, dialect)[0]
    pairs = [(len(data), structural)]
    last_break = csv_scan._last_record_break(arr, structural, dialect)
    if last_break is not None:
        kept = structural[:last_break + 1]
        pairs.append((int(kept[-1]) + 1, kept))
    return arr, pairs


def _assert_fields_agree(data: bytes, dialect: Dialect, structure=csv_scan.structure_in_numpy):
    arr, pairs = _cuts(data, dialect, structure)
    for cut, structural in pairs:
        by_numpy = csv_scan.fields_in_numpy(data, arr, cut, structural, dialect)
        by_c = csv_scan._fields_in_c(data, arr, cut, structural, dialect)
        assert set(by_c) == set(by_numpy) == set(_FIELD_KEYS)
        for key in _FIELD_KEYS:
            assert by_c[key].dtype.kind == by_numpy[key].dtype.kind, (key, cut)
            assert by_c[key].dtype.itemsize == by_numpy[key].dtype.itemsize, (key, cut)
            assert by_c[key].tolist() == by_numpy[key].tolist(), (key, cut, data)
        # Sanity of the shared answer, so that agreeing on nonsense does not pass.
        assert int(by_c["field_counts"].sum()) == len(by_c["field_starts"])
        assert all(0 <= s <= e <= cut for s, e in zip(by_c["field_starts"].tolist(), by_c["field_ends"].tolist()))
        if cut:
            assert by_c["record_starts"][:1].tolist() == [0]
        else:
            assert len(by_c["field_starts"]) == 0


@settings(max_examples=600, derandomize=True, deadline=None)
@given(CSV_BYTES, st.sampled_from(_DIALECTS))
def test_c_and_numpy_fields_agree_on_csv_like_bytes(data, dialect):
    delimiter, line_break = dialect
    _assert_fields_agree(data, Dialect(ord(delimiter), line_break))


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(_DIALECTS))
def test_c_and_numpy_fields_agree_on_any_bytes(data, dialect):
    delimiter, line_break = dialect
    _assert_fields_agree(data, Dialect(ord(delimiter), line_break))


@settings(max_examples=300, derandomize=True, deadline=None)
@given(CSV_BYTES, st.sampled_from(_DIALECTS))
def test_c_and_numpy_fields_agree_on_the_c_structure(data, dialect):
    # scan_buffer hands _fields_in_c the (read-only, frombuffer) separators of the C scan.
    delimiter, line_break = dialect
    _assert_fields_agree(data, Dialect(ord(delimiter), line_break), csv_scan._structure_in_c)


@pytest.mark.parametrize("data, line_break, expected", [
    # Hand-worked spans: (field_starts, field_ends, field_quoted, record_starts, record_ends,
    # terminators, record_first_field, field_counts).
    (b'a,"b"\r\nc', LF, ([0, 2, 7], [1, 5, 8], [False, True, False], [0, 7], [5, 8],
                         [csv_scan.TERM_CRLF, csv_scan.END_OF_FILE], [0, 2], [2, 1])),
    (b"x\ny,\n", LF, ([0, 2, 4], [1, 3, 4], [False, False, False], [0, 2], [1, 4],
                      [csv_scan.TERM_LF, csv_scan.TERM_LF], [0, 1], [1, 2])),
    (b"x\r\ny", CR, ([0, 2], [1, 4], [False, False], [0, 2], [1, 4],
                     [csv_scan.TERM_CR, csv_scan.END_OF_FILE], [0, 1], [1, 1])),
    (b"", LF, ([], [], [], [], [], [], [], [])),
    (b"\r\n", LF, ([0], [0], [False], [0], [0], [csv_scan.TERM_CRLF], [0], [1])),
    (b",", LF, ([0, 1], [0, 1], [False, False], [0], [1], [csv_scan.END_OF_FILE], [0], [2])),
])
def test_c_and_numpy_fields_give_the_hand_worked_spans(data, line_break, expected):
    dialect = Dialect(ord(","), line_break)
    arr = np.frombuffer(data, dtype=np.uint8)
    structural = csv_scan.structure_in_numpy(data, arr, dialect)[0]
    for fields in (csv_scan.fields_in_numpy, csv_scan._fields_in_c):
        got = fields(data, arr, len(data), structural, dialect)
        assert tuple(got[key].tolist() for key in _FIELD_KEYS) == expected, fields.__name__


_CHUNK_ARRAYS = ("breaks",) + _FIELD_KEYS


def _chunk_summary(chunk):
    return ({name: getattr(chunk, name).tolist() for name in _CHUNK_ARRAYS},
            {name: getattr(chunk, name).dtype.kind for name in _CHUNK_ARRAYS},
            chunk.data, chunk.base, chunk.first_line, chunk.first_record, chunk.anomalies,
            chunk.unterminated_quote, chunk.is_last, chunk.first_invalid_utf8())


def _scan_buffer_summary(data, dialect, is_last):
    try:
        return _chunk_summary(csv_scan.scan_buffer(data, dialect, 0, 1, 0, is_last))
    except csv_scan.NeedMoreData as need:
        return ("need more data", need.inside_quotes)


def _scan_summaries(data, dialect, chunk_size):
    return [_chunk_summary(chunk) for chunk in csv_scan.scan(io.BytesIO(data), dialect, chunk_size=chunk_size)]


def test_scan_buffer_without_the_c_scanner_gives_the_same_chunks_on_the_fixtures(monkeypatch):
    from tests.helpers import FIXTURES

    real = csv_scan._c_scanner
    paths = sorted((FIXTURES / "rules").glob("*/*.csv"))
    assert paths
    dialects = [Dialect(ord(d), b) for d, b in _DIALECTS]
    for path in paths:
        data = path.read_bytes()
        for dialect in dialects:
            for run in (lambda: [_scan_buffer_summary(data, dialect, True),
                                 _scan_buffer_summary(data, dialect, False)],
                        lambda: _scan_summaries(data, dialect, 64)):
                monkeypatch.setattr(csv_scan, "_c_scanner", real)
                with_c = run()
                monkeypatch.setattr(csv_scan, "_c_scanner", None)
                without_c = run()
                assert with_c == without_c, (path, dialect)


# --- The text pass: _scan.c text() against the numpy path of sfprep.io.utf8.check ----------

_TEXT_PIECES = (
    [b"a", b"bcdefghi", b" ", b",", b'"', b"\x7f"]                   # ASCII; 8 bytes: a whole word
    + [bytes([byte]) for byte in range(0x20)]                          # every byte below 0x20
    + [b"\r\n", b"\n\r", b"\r\r\n"]                                   # CR/LF mixes
    + [c.encode() for c in "\u0080\u07ff\u0800\ud7ff\ue000\uffff\U00010000\U0010ffff\u00e9\u20ac\U0001f600"]
    + [b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xf0\x80\x80\x80", b"\xf0\x8f\xbf\xbf"]  # overlong
    + [b"\xed\xa0\x80", b"\xed\xbf\xbf"]                              # surrogates
    + [b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xfe", b"\xff"]    # past U+10FFFF, never UTF-8
    + [b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xe2", b"\xf0"]       # truncated sequences
    + [b"\x80", b"\xbf"]                                               # continuation bytes alone
)
NEAR_UTF8 = st.lists(st.sampled_from(_TEXT_PIECES), max_size=40).map(b"".join)


def _decoder_position(data: bytes) -> int | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return None


def _assert_text_passes_agree(data: bytes) -> None:
    """The C pass's raw answer, and utf8.check through it, equal the numpy path and the decoder."""
    from unittest import mock

    from sfprep.io import utf8

    arr = np.frombuffer(data, dtype=np.uint8)
    at, continuations, controls, bare_crs = csv_scan._c_scanner.text(data)
    with mock.patch.object(csv_scan, "_c_scanner", None):
        by_numpy = utf8.check(data, arr)
    by_c = utf8.check(data, arr)
    first_invalid = _decoder_position(data)
    assert (None if at < 0 else at) == first_invalid == by_numpy.first_invalid == by_c.first_invalid
    valid_prefix = data[:first_invalid]
    assert continuations == len(valid_prefix) - len(valid_prefix.decode("utf-8"))
    assert np.frombuffer(controls, dtype=np.int64).tolist() == by_numpy.controls.tolist() == by_c.controls.tolist()
    assert np.frombuffer(bare_crs, dtype=np.int64).tolist() == by_numpy.bare_crs.tolist() == by_c.bare_crs.tolist()
    if first_invalid is None:
        assert by_c.characters == utf8.count_characters(arr) == len(data.decode("utf-8"))
    # Against the definitions, so that agreeing on nonsense does not pass.
    assert by_c.controls.tolist() == [i for i, b in enumerate(data) if b < 0x20 and b not in b"\t\n\r"]
    assert by_c.bare_crs.tolist() == [i for i, b in enumerate(data) if b == 0x0D and data[i + 1:i + 2] != b"\n"]


@settings(max_examples=800, derandomize=True, deadline=None)
@given(st.binary(max_size=200))
def test_c_and_numpy_text_passes_agree_on_any_bytes(data):
    _assert_text_passes_agree(data)


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(NEAR_UTF8)
def test_c_and_numpy_text_passes_agree_on_near_utf8(data):
    _assert_text_passes_agree(data)


@pytest.mark.parametrize("byte", range(256))
def test_c_and_numpy_text_passes_agree_on_every_byte_at_every_place_of_a_word(byte):
    # The C pass skips eight ASCII bytes at a time: each byte is tried at each place of a
    # word, and in the tail shorter than a word.
    for before in range(18):
        _assert_text_passes_agree(b"a" * before + bytes([byte]) + b"b" * (17 - before))
        _assert_text_passes_agree(b"a" * before + bytes([byte]))


# --- The resumable scan: C and numpy stop in the same state, block after block -----------

def _resumed_steps(resume, data: bytes, block: int, dialect: Dialect) -> list:
    """What each call of a resumable scan answers when data arrives `block` bytes at a time:
    events, where it resumes, and the state (its offsets where they mean something)."""
    held, start, state, steps = b"", 0, csv_scan.ScanState(), []
    bounds = list(range(block, len(data), block)) + [len(data)]
    previous = 0
    for number, bound in enumerate(bounds):
        held += data[previous:bound]
        previous = bound
        structural, breaks, anomalies, start, state = resume(held, start, dialect, state, number == len(bounds) - 1)
        inside = state.mode in (csv_scan.QUOTED, csv_scan.PENDING)
        steps.append((structural.tolist(), breaks.tolist(), anomalies.tolist(), start, state.mode, state.field_start,
                      state.open_quote if inside else None, state.pending if state.mode == csv_scan.PENDING else None))
    return steps


@settings(max_examples=800, derandomize=True, deadline=None)
@given(CSV_BYTES, st.sampled_from(_DIALECTS), st.integers(min_value=1, max_value=5))
def test_c_and_numpy_resume_alike_block_after_block(data, dialect, block):
    dialect = Dialect(ord(dialect[0]), dialect[1])
    by_c = _resumed_steps(csv_scan._resume_in_c, data, block, dialect)
    assert _resumed_steps(csv_scan._resume_in_numpy, data, block, dialect) == by_c
    # And the blocks' events together are those of the whole buffer scanned at once.
    whole = _resumed_steps(csv_scan._resume_in_c, data, max(1, len(data)), dialect)[-1]
    joined = [sum((step[k] for step in by_c), []) for k in range(3)]
    assert joined == list(whole[:3])
    assert by_c[-1][4:] == whole[4:]


@pytest.mark.parametrize("separators, problem", [
    (np.array([1 << 40]), "lie in [0, cut)"),                 # issue 15: this read past the buffer
    (np.array([2, 1]), "increase"),
    (np.array([1, 1]), "increase"),
    (np.array([-1]), "lie in [0, cut)"),
    (np.array([3]), "lie in [0, cut)"),                       # the cut itself is no separator
    (np.zeros(3, dtype=np.int8), "aligned int64"),
    (np.zeros(9, dtype=np.int8)[1:], "aligned int64"),        # 8 bytes, but not on an int64 boundary
])
def test_fields_refuses_separators_it_cannot_use(separators, problem):
    from sfprep.native import _scan

    with pytest.raises(ValueError, match=problem.replace("[", r"\[").replace(")", r"\)")):
        _scan.fields(b"abc", 3, separators, 44, 10)


def test_fields_takes_good_separators():
    from sfprep.native import _scan

    starts = np.frombuffer(_scan.fields(b"a,b\nc,d", 7, np.array([1, 3, 5]), 44, 10)[0], dtype=np.int64)
    assert starts.tolist() == [0, 2, 4, 6]
