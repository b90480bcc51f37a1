"""field_facts (sfprep/io/csv/fields.py): the C pass (sfprep/native/_fields.c) and the numpy
path give the same arrays, and both give what plain Python says of `unquote(raw)`: its
bytes, `""` escapes, characters, and the flag bits (whitespace as polars' strip_chars()
strips it, checked against polars itself)."""
from __future__ import annotations

import functools
import os
import subprocess
import sys
import textwrap

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfprep.io.csv import fields as facts_module
from sfprep.io.csv.dialect import CR, LF, Dialect
from sfprep.io.csv.fields import (
    CONTROL,
    EMPTY,
    ID_CHECKSUM,
    ID_SHAPE,
    LEADING_SPACE,
    NULL_LOOK_ALIKE,
    NULL_MARKER,
    TRAILING_SPACE,
    FieldFacts,
    facts_in_c,
    facts_in_numpy,
    field_facts,
)
from sfprep.io.csv.scan import scan_buffer, unquote
from sfprep.salesforce.ids import checksum, is_record_id
from tests.helpers import CORPUS, FIXTURES

HAVE_C = facts_module._native is not None
needs_c = pytest.mark.skipif(not HAVE_C, reason="sfprep/native/_fields.c was not built here: only the numpy path runs")
IMPLEMENTATIONS = [facts_in_numpy, pytest.param(facts_in_c, marks=needs_c)]

# ---------------------------------------------------------------- the reference, in plain Python

# Python's str.isspace() counts U+001C..U+001F (information separators) as space; Rust's
# char::is_whitespace, which polars' strip_chars() uses, does not (test_whitespace_... below).
POLARS_WHITESPACE = frozenset(chr(c) for c in range(0x3001) if chr(c).isspace()) - set("\x1c\x1d\x1e\x1f")
NULL_WORDS = ("n/a", "#n/a", "null", "none", "nil", "#na", "nan")


def reference(raw: bytes) -> tuple[bytes, int, int]:
    """(value, characters, flags) of one raw field, from unquote() and str methods."""
    value = unquote(raw)
    text = value.decode("utf-8", "replace")
    try:
        characters = len(value.decode("utf-8"))
    except UnicodeDecodeError:
        characters = sum(1 for byte in value if byte & 0xC0 != 0x80)
    flags = EMPTY if value == b"" else 0
    if value == b"#N/A":
        flags |= NULL_MARKER
    elif text.lower() in NULL_WORDS:
        flags |= NULL_LOOK_ALIKE
    if text[:1] in POLARS_WHITESPACE:
        flags |= LEADING_SPACE
    if text[-1:] in POLARS_WHITESPACE:
        flags |= TRAILING_SPACE
    if len(text) in (15, 18) and text.isascii() and text.isalnum():
        flags |= ID_SHAPE | (ID_CHECKSUM if is_record_id(text) else 0)
    if any(ch < " " and ch not in "\t\n\r" for ch in text):
        flags |= CONTROL
    return value, characters, flags


def all_fields(chunk) -> np.ndarray:
    return np.arange(len(chunk.field_starts), dtype=np.int64)


def facts_both_ways(chunk, fields) -> FieldFacts:
    """The numpy path's facts, after checking the C pass gives the same (where it is built)."""
    args = (chunk.data, chunk.field_starts, chunk.field_ends, np.asarray(fields, dtype=np.int64))
    in_numpy = facts_in_numpy(*args)
    if HAVE_C:
        in_c = facts_in_c(*args)
        for name in FieldFacts._fields:
            got, want = getattr(in_c, name), getattr(in_numpy, name)
            assert got.dtype == want.dtype and got.tolist() == want.tolist(), name
    return in_numpy


def assert_matches_reference(chunk, fields, facts: FieldFacts) -> None:
    for k, field in enumerate(fields):
        start, end = int(chunk.field_starts[field]), int(chunk.field_ends[field])
        raw = chunk.data[start:end]
        value, characters, flags = reference(raw)
        value_start, value_end = int(facts.value_starts[k]), int(facts.value_ends[k])
        assert start <= value_start <= value_end <= end, raw
        escaped = chunk.data[value_start:value_end]
        # a value read inside quotes has its `""` unescaped; unquote() returns any other as it is
        assert (escaped.replace(b'""', b'"') if facts.escaped_quotes[k] else escaped) == value, raw
        assert facts.escaped_quotes[k] == len(escaped) - len(value), raw
        assert (facts.characters[k], facts.flags[k]) == (characters, flags), (raw, value)


def scanned(data: bytes, dialect: Dialect = Dialect()):
    return scan_buffer(data, dialect, 0, 1, 0, True)


# ---------------------------------------------------------------- random CSV-ish bytes

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
ID15 = st.text(alphabet=ALNUM, min_size=15, max_size=15)


def _wrong_checksum(id15: str) -> str:
    right = checksum(id15)
    return id15 + ("B" if right[0] == "A" else "A") + right[1:]


IDS = st.one_of(ID15, ID15.map(lambda i: i + checksum(i)), ID15.map(_wrong_checksum),
                ID15.map(lambda i: (i + checksum(i)).lower()), st.text(alphabet=ALNUM, min_size=14, max_size=19))
PIECES = [b'"', b'""', b",", b";", b"\n", b"\r\n", b"\r", b" ", b"  ", b"\t", b"a", b"Z", b"0", b"#N/A", b"n/A",
          b"NULL", b"nil", b"NaN", b"#na", b"None", b"nulls", b"\x00", b"\x01", b"\x0b", b"\x0c", b"\x1c", b"\x1f",
          b"\x7f", b"\xff", b"\xc3", b"\x80", b"\x85", b"\xa0", b"\xe2\x80", b"\xf0\x9f"] + [
    c.encode() for c in ("é", "日本", "😀", "\u00a0", "\u0085", "\u1680", "\u2000", "\u200a", "\u200b", "\u2028",
                         "\u2029", "\u202f", "\u205f", "\u3000", "\u180e", "り", "\ufeff")]
PIECE = st.one_of(st.sampled_from(PIECES), IDS.map(str.encode))
QUOTED = st.lists(st.one_of(PIECE.filter(lambda p: b'"' not in p), st.just(b'""')), max_size=6).map(
    lambda parts: b'"' + b"".join(parts) + b'"')
SOUP = st.lists(st.one_of(PIECE, QUOTED, st.binary(max_size=4)), max_size=40).map(b"".join)
# Whole fields too, so that values are often exactly a null word or an Id, plain, quoted or
# with blanks or junk around the quotes.
WORDS = st.sampled_from([b"#N/A", b"#n/a", b"N/A", b"NULL", b"None", b"nil", b"#NA", b"NaN", b"NA", b"nul"])
VALUE = st.one_of(WORDS, IDS.map(str.encode), st.lists(PIECE, max_size=4).map(b"".join))
BLANKS = st.sampled_from([b"", b"", b" ", b"\t", b"  "])
FIELD = st.one_of(VALUE, QUOTED, st.tuples(BLANKS, VALUE.map(lambda v: b'"' + v.replace(b'"', b'""') + b'"'), BLANKS,
                                            st.sampled_from([b"", b"", b"x"])).map(b"".join))
RECORDS = st.lists(st.lists(FIELD, min_size=1, max_size=6).map(b",".join), max_size=5).map(b"\n".join)
CSV_ISH = st.one_of(SOUP, RECORDS)
DIALECTS = st.sampled_from([Dialect(), Dialect(ord(";"), LF), Dialect(ord(","), CR)])


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CSV_ISH, DIALECTS)
def test_every_field_of_scanned_csv_ish_bytes(data, dialect):
    chunk = scanned(data, dialect)
    fields = all_fields(chunk)
    assert_matches_reference(chunk, fields, facts_both_ways(chunk, fields))


@settings(max_examples=100, derandomize=True, deadline=None)
@given(CSV_ISH, st.data())
def test_any_choice_of_fields_in_any_order(data, draw):
    chunk = scanned(data)
    count = len(chunk.field_starts)
    fields = draw.draw(st.lists(st.integers(0, count - 1), max_size=30)) if count else []
    chosen = facts_both_ways(chunk, fields)
    everything = facts_both_ways(chunk, all_fields(chunk))
    for name in FieldFacts._fields:
        assert getattr(chosen, name).tolist() == getattr(everything, name)[np.array(fields, dtype=np.int64)].tolist()


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from([b"x", b"\xe3\x80\x80", b" ", b"\xc2\xa0", b"\xe2\x80\xa8", b"\xff", b"\x85",
                                 b'""', b"\t"]), max_size=8).map(b"".join))
def test_padding_flags_agree_with_polars_strip_chars(value):
    """LEADING_SPACE / TRAILING_SPACE against polars itself, on the text polars would read
    (invalid UTF-8 read lossily, as the value frames read it)."""
    chunk = scanned(b'"' + value + b'"')
    flags = int(facts_both_ways(chunk, [0]).flags[0])
    text = pl.Series([unquote(chunk.data).decode("utf-8", "replace")])
    assert bool(flags & LEADING_SPACE) == (text.str.strip_chars_start() != text).item()
    assert bool(flags & TRAILING_SPACE) == (text.str.strip_chars_end() != text).item()


@functools.lru_cache(maxsize=1)
def every_character() -> list[str]:
    """Every Unicode scalar value (surrogates are not)."""
    return [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]


def test_whitespace_is_what_polars_strips():
    """Every Unicode scalar value through polars' strip_chars(): exactly White_Space goes."""
    chars = pl.Series(every_character())
    stripped = set(chars.filter(chars.str.strip_chars() == "").to_list())
    assert stripped == POLARS_WHITESPACE == {w.decode() for w in facts_module.WHITESPACE}


def test_no_other_character_folds_to_a_letter_of_the_null_words():
    """NULL_LOOK_ALIKE lowers ASCII only: no other character is, case-insensitively, one of
    the words' characters, neither for Python's lower() nor for V002's polars (?i) regex."""
    chars = every_character()
    ascii_forms = set("#/aeilnouAEILNOU")
    assert {c for c in chars if c.lower() in set("#/aeilnou")} == ascii_forms
    series = pl.Series(chars)
    assert set(series.filter(series.str.contains("(?i)^[#/aeilnou]$")).to_list()) == ascii_forms


# ---------------------------------------------------------------- by hand

BOTH = LEADING_SPACE | TRAILING_SPACE
# raw field -> (value bytes as sliced from the chunk, escaped quotes, characters, flags),
# each derived from the docstring of sfprep/io/csv/fields.py and unquote().
HAND = {
    b'"a""b"': (b'a""b', 1, 3, 0),
    b'""""': (b'""', 1, 1, 0),
    b'"""a"""': (b'""a""', 2, 3, 0),
    b'""': (b"", 0, 0, EMPTY),
    b"": (b"", 0, 0, EMPTY),
    b"#N/A": (b"#N/A", 0, 4, NULL_MARKER),
    b'"#N/A"': (b"#N/A", 0, 4, NULL_MARKER),
    b"#n/a": (b"#n/a", 0, 4, NULL_LOOK_ALIKE),
    b"N/A": (b"N/A", 0, 3, NULL_LOOK_ALIKE),
    b"NULL": (b"NULL", 0, 4, NULL_LOOK_ALIKE),
    b"None": (b"None", 0, 4, NULL_LOOK_ALIKE),
    b"nIL": (b"nIL", 0, 3, NULL_LOOK_ALIKE),
    b"#NA": (b"#NA", 0, 3, NULL_LOOK_ALIKE),
    b"NaN": (b"NaN", 0, 3, NULL_LOOK_ALIKE),
    b"NA": (b"NA", 0, 2, 0),
    b"nulls": (b"nulls", 0, 5, 0),
    b"null ": (b"null ", 0, 5, TRAILING_SPACE),
    b" x": (b" x", 0, 2, LEADING_SPACE),
    "x\u3000".encode(): ("x\u3000".encode(), 0, 2, TRAILING_SPACE),
    "\u00a0".encode(): (b"\xc2\xa0", 0, 1, BOTH),
    "\u205fa\u2029".encode(): ("\u205fa\u2029".encode(), 0, 3, BOTH),
    "\u200b".encode(): (b"\xe2\x80\x8b", 0, 1, 0),         # zero-width space: not White_Space
    b"\x85": (b"\x85", 0, 0, 0),                           # a lone continuation byte, not U+0085
    b"a\x1c": (b"a\x1c", 0, 2, CONTROL),                   # a control byte Rust does not strip
    b"\x0b": (b"\x0b", 0, 1, BOTH | CONTROL),              # VT: both whitespace and control
    b"a\tb\r\nc": (b"a\tb\r\nc", 0, 6, 0),
    b"a\x00b": (b"a\x00b", 0, 3, CONTROL),
    "日本".encode(): ("日本".encode(), 0, 2, 0),
    "😀".encode(): ("😀".encode(), 0, 1, 0),
    b"\xff\xfe": (b"\xff\xfe", 0, 2, 0),                   # invalid: one per non-continuation byte
    b"\xe2\x80": (b"\xe2\x80", 0, 1, 0),
    b"001000000000001": (b"001000000000001", 0, 15, ID_SHAPE | ID_CHECKSUM),
    # 001D000000IRFma: capitals at 3 (D), none, 0 1 2 (I R F) -> bits 8, 0, 7 -> I A H
    b"001D000000IRFmaIAH": (b"001D000000IRFmaIAH", 0, 18, ID_SHAPE | ID_CHECKSUM),
    b"001D000000IRFmaIAQ": (b"001D000000IRFmaIAQ", 0, 18, ID_SHAPE),
    b"001D000000IRFmaiah": (b"001D000000IRFmaiah", 0, 18, ID_SHAPE),
    b"001D000000IRFm": (b"001D000000IRFm", 0, 14, 0),
    b"001D000000IRF-a": (b"001D000000IRF-a", 0, 15, 0),
    "001D000000IRFmé".encode(): ("001D000000IRFmé".encode(), 0, 15, 0),
    b'"001D000000IRFma"': (b"001D000000IRFma", 0, 15, ID_SHAPE | ID_CHECKSUM),
    # quoting anomalies: what unquote() reads
    b'"a" ': (b"a", 0, 1, 0),
    b' "b"': (b"b", 0, 1, 0),
    b'\t "c" \t': (b"c", 0, 1, 0),
    b'ab"c': (b'ab"c', 0, 4, 0),
    b'ab""c': (b'ab""c', 0, 5, 0),                        # unquoted: no escapes, both quotes count
    b'x "a"': (b'x "a"', 0, 5, 0),
    b'"a"b"c': (b'a"b', 0, 3, 0),
    b'"a"" "': (b'a"" ', 1, 3, TRAILING_SPACE),
    b'  "q  ': (b"q", 0, 1, 0),                             # one quote, blanks first: stripped
    b'"q  ': (b"q  ", 0, 3, TRAILING_SPACE),               # one quote, first: kept as is
    b'"': (b"", 0, 0, EMPTY),
    b' "': (b"", 0, 0, EMPTY),
    b"  ": (b"  ", 0, 2, BOTH),                            # blanks and no quote: raw
}


@pytest.mark.parametrize("raw", list(HAND), ids=[repr(raw) for raw in HAND])
def test_hand_written_fields(raw):
    """Each raw field as the only field of a chunk, spans set by hand (no scanner)."""
    data = b"<" + raw + b">"
    chunk = type("Spans", (), {"data": data, "field_starts": np.array([1], dtype=np.int64),
                             "field_ends": np.array([1 + len(raw)], dtype=np.int64)})
    facts = facts_both_ways(chunk, [0])
    value, escapes, characters, flags = HAND[raw]
    got = (data[facts.value_starts[0]:facts.value_ends[0]], int(facts.escaped_quotes[0]),
           int(facts.characters[0]), int(facts.flags[0]))
    assert got == (value, escapes, characters, flags)
    assert_matches_reference(chunk, [0], facts)


def test_a_scanned_record_with_its_anomalies():
    data = b'"a" ,x "b",ab"c,"d""e",  "f"  ,#N/A,\n'
    chunk = scanned(data)
    assert chunk.anomalies  # Q004, Q002, Q002, Q004 x2: the fields below are broken on purpose
    facts = field_facts(chunk, all_fields(chunk))
    values = [data[s:e] for s, e in zip(facts.value_starts, facts.value_ends)]
    assert values == [b"a", b'x "b"', b'ab"c', b'd""e', b"f", b"#N/A", b""]
    assert facts.escaped_quotes.tolist() == [0, 0, 0, 1, 0, 0, 0]
    assert facts.characters.tolist() == [1, 5, 4, 3, 1, 4, 0]
    assert facts.flags.tolist() == [0, 0, 0, 0, 0, NULL_MARKER, EMPTY]


def test_dtypes_and_order():
    chunk = scanned(b"a,bb,ccc\n")
    facts = field_facts(chunk, [2, 0, 2])
    assert [a.dtype for a in facts] == [np.int64, np.int64, np.int32, np.int64, np.uint8]
    assert facts.characters.tolist() == [3, 1, 3]
    assert field_facts(chunk, []).characters.tolist() == []


def test_without_the_c_extension_field_facts_uses_numpy(monkeypatch):
    data = b'"x""y",  "z" ,\xff,001D000000IRFmaIAH\n'
    chunk = scanned(data)
    with_c = field_facts(chunk, all_fields(chunk))
    monkeypatch.setattr(facts_module, "_native", None)
    without = field_facts(chunk, all_fields(chunk))
    assert [a.tolist() for a in without] == [a.tolist() for a in with_c]


def test_sfprep_no_c_turns_the_extension_off():
    code = "from sfprep.io.csv import fields; print(fields._native is None)"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "SFPREP_NO_C": "1"},
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_rule_fixtures():
    paths = sorted((FIXTURES / "rules").glob("*/*.csv"))
    assert paths
    for path in paths:
        chunk = scanned(path.read_bytes())
        assert_matches_reference(chunk, all_fields(chunk), facts_both_ways(chunk, all_fields(chunk)))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this clone")
def test_corpus_files():
    paths = sorted(CORPUS.rglob("*.csv"))
    assert paths
    for path in paths:
        chunk = scanned(path.read_bytes()[:1 << 20])
        assert_matches_reference(chunk, all_fields(chunk), facts_both_ways(chunk, all_fields(chunk)))


# ---------------------------------------------------------------- bad arguments

GOOD_DATA = b"ab,cd\n"
GOOD_STARTS, GOOD_ENDS = np.array([0, 3], dtype=np.int64), np.array([2, 5], dtype=np.int64)
GOOD_FIELDS = np.array([0, 1], dtype=np.int64)
BAD_ARGUMENTS = {
    "data is a str": ("ab,cd\n", GOOD_STARTS, GOOD_ENDS, GOOD_FIELDS),
    "data is None": (None, GOOD_STARTS, GOOD_ENDS, GOOD_FIELDS),
    "data not contiguous": (memoryview(GOOD_DATA * 2)[::2], GOOD_STARTS, GOOD_ENDS, GOOD_FIELDS),
    "starts int32": (GOOD_DATA, GOOD_STARTS.astype(np.int32), GOOD_ENDS, GOOD_FIELDS),
    "ends float": (GOOD_DATA, GOOD_STARTS, GOOD_ENDS.astype(np.float64), GOOD_FIELDS),
    "fields uint8": (GOOD_DATA, GOOD_STARTS, GOOD_ENDS, GOOD_FIELDS.astype(np.uint8)),
    "starts a list": (GOOD_DATA, [0, 3], GOOD_ENDS, GOOD_FIELDS),
    "starts 2-D": (GOOD_DATA, GOOD_STARTS.reshape(1, 2), GOOD_ENDS, GOOD_FIELDS),
    "ends not contiguous": (GOOD_DATA, GOOD_STARTS, np.array([2, 0, 5, 0], dtype=np.int64)[::2], GOOD_FIELDS),
    "ends shorter": (GOOD_DATA, GOOD_STARTS, GOOD_ENDS[:1], GOOD_FIELDS),
    "field -1": (GOOD_DATA, GOOD_STARTS, GOOD_ENDS, np.array([0, -1], dtype=np.int64)),
    "field past the spans": (GOOD_DATA, GOOD_STARTS, GOOD_ENDS, np.array([2], dtype=np.int64)),
    "start after end": (GOOD_DATA, np.array([0, 4], dtype=np.int64), np.array([2, 3], dtype=np.int64), GOOD_FIELDS),
    "end past the data": (GOOD_DATA, GOOD_STARTS, np.array([2, 7], dtype=np.int64), GOOD_FIELDS),
    "start before the data": (GOOD_DATA, np.array([-1, 3], dtype=np.int64), GOOD_ENDS, GOOD_FIELDS),
    "huge end": (GOOD_DATA, GOOD_STARTS, np.array([2, 1 << 62], dtype=np.int64), GOOD_FIELDS),
}


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_raise_value_error(implementation, case):
    with pytest.raises(ValueError):
        implementation(*BAD_ARGUMENTS[case])


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_good_arguments_of_other_buffer_types(implementation):
    for data in (GOOD_DATA, bytearray(GOOD_DATA), memoryview(GOOD_DATA), np.frombuffer(GOOD_DATA, np.uint8)):
        facts = implementation(data, GOOD_STARTS, GOOD_ENDS, GOOD_FIELDS)
        assert facts.characters.tolist() == [2, 2]


def test_field_facts_refuses_indices_that_are_not_integers():
    chunk = scanned(b"a,b\n")
    for fields in ([0.0, 1.0], [True, False], [[0, 1]]):
        with pytest.raises(ValueError):
            field_facts(chunk, fields)


GUARDED = textwrap.dedent("""
    import ctypes, mmap, random
    import numpy as np
    from sfprep.io.csv import fields
    from sfprep.io.csv.scan import Dialect, scan_buffer

    PAGE = mmap.PAGESIZE
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    area = mmap.mmap(-1, 3 * PAGE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(area))
    for page in (0, 2):  # PROT_NONE either side of the middle page: a read there is a crash
        assert libc.mprotect(base + page * PAGE, PAGE, 0) == 0
    rng = random.Random(0)
    pieces = [b'"', b'""', b",", b"\\n", b" ", b"a", b"\\xe3\\x80\\x80", b"\\xc2\\xa0", b"\\x01", b"#N/A",
              b"001D000000IRFmaIAH"]
    checked = 0
    for size in list(range(0, 80)) + [PAGE - 1, PAGE]:
        data = b"".join(rng.choice(pieces) for _ in range(size))[:size]
        chunk = scan_buffer(data, Dialect(), 0, 1, 0, True)
        every = np.arange(len(chunk.field_starts), dtype=np.int64)
        for offset in (PAGE, 2 * PAGE - len(data)):  # the data at the start, then the end, of the page
            area[offset:offset + len(data)] = data
            view = memoryview(area)[offset:offset + len(data)]
            got = fields.facts_in_c(view, chunk.field_starts, chunk.field_ends, every)
            want = fields.facts_in_numpy(data, chunk.field_starts, chunk.field_ends, every)
            assert all(a.tolist() == b.tolist() for a, b in zip(got, want)), (data, offset)
            view.release()
            checked += 1
    print(checked)
""")


@needs_c
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="guard pages through mprotect: Linux only here")
def test_the_c_pass_never_reads_outside_the_buffer():
    """Buffers that end (or start) at an unreadable page: reading one byte outside them would
    kill the child with SIGSEGV."""
    result = subprocess.run([sys.executable, "-c", GUARDED], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == 2 * 82
