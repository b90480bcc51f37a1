"""Q001's re-delimit (issue 9, item 3), rewritten from the scanner's spans: no second parser,
so no field size limit; values byte-identical; quoting minimal (quote_field's rule: only a
value holding the new delimiter, a quote or a line break is quoted); line endings, a BOM and
a missing final newline kept; the same bytes whatever the chunk size."""
from __future__ import annotations

import csv
import functools
import io
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfprep.fixer.rewrites import rewrite_file
from sfprep.io.csv import scan as csv_scan
from tests.helpers import run_cli

ORIGINAL_SCAN = csv_scan.scan
SMALL_CHUNKS = (1, 5, 16, 64)


def _fix(path, *extra) -> None:
    code, _, err = run_cli("fix", *extra, "--no-progress", "--exit-zero", path)
    assert code == 0, err


def test_a_value_longer_than_the_csv_modules_field_limit(tmp_path):
    """140,000 characters: Python's csv module stops at 131,072 ("field larger than field limit")."""
    long_plain = "x" * 140_000
    long_quoted = "y;" * 70_000          # 140,000 characters, quoted for its semicolons only
    path = tmp_path / "Account.csv"
    path.write_bytes(f'Name;Description\nAcme;{long_plain}\nGlobex;"{long_quoted}"\n'.encode())
    _fix(path)
    assert path.read_bytes() == f"Name,Description\nAcme,{long_plain}\nGlobex,{long_quoted}\n".encode()


MULTI_LINE = (b'Name;Note;City\n'
              b'"Acme; Inc";"line one\nline two, with a comma\nline three";Paris\n'
              b'Globex;"say ""hi""\r\nthen go";"Lyon"\n'
              b'"Initech";"";"a\n\n\nb"\n')
MULTI_LINE_FIXED = (b'Name,Note,City\n'
                    b'Acme; Inc,"line one\nline two, with a comma\nline three",Paris\n'
                    b'Globex,"say ""hi""\r\nthen go",Lyon\n'
                    b'Initech,,"a\n\n\nb"\n')


@pytest.mark.parametrize("chunk_size", SMALL_CHUNKS)
def test_multi_line_values_across_chunk_boundaries(chunk_size, tmp_path, monkeypatch):
    """With chunks of a few bytes every quoted value with line breaks straddles a boundary."""
    monkeypatch.setattr(csv_scan, "scan", functools.partial(ORIGINAL_SCAN, chunk_size=chunk_size))
    path = tmp_path / "data.csv"
    path.write_bytes(MULTI_LINE)
    _fix(path)
    assert path.read_bytes() == MULTI_LINE_FIXED


@pytest.mark.parametrize("content, expected", [
    # a BOM stays (F002 removes it in its own pass; here Q001 alone is selected)
    (b'\xef\xbb\xbf"Name";Phone\n"a,b";1\n', b'\xef\xbb\xbfName,Phone\n"a,b",1\n'),
    # CR-only records stay CR-only; no final line break is added
    (b'Name;Phone\rAcme;"x,y"\rGlobex;2', b'Name,Phone\rAcme,"x,y"\rGlobex,2'),
    # CRLF records, a record with one empty quoted value (unquoted it would be a blank line)
    (b'Name;Phone\r\n""\r\n"";""\r\n', b'Name,Phone\r\n""\r\n,\r\n'),
    # a bare CR in an unquoted value of an LF file is quoted, as quote_field quotes it
    (b'Name;Note\nx\ry;1\n', b'Name,Note\n"x\ry",1\n'),
], ids=["bom", "cr-only-no-final-newline", "crlf-lone-empty", "bare-cr-unquoted"])
def test_what_the_rewrite_keeps(content, expected, tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    _fix(path, "--select", "Q001")
    assert path.read_bytes() == expected


VALUES = st.text(alphabet=st.sampled_from(list('ab ;,"\n\ré')), max_size=12)
ROWS = st.lists(st.lists(VALUES, min_size=1, max_size=4), min_size=1, max_size=8)


def _written(rows: list[list[str]], delimiter: str) -> bytes:
    """What Python's csv writer makes of the rows with minimal quoting: quote_field's rule."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return out.getvalue().encode()


@settings(max_examples=200, deadline=None)
@given(rows=ROWS, chunk_size=st.sampled_from((1, 3, 8, 4096)))
def test_redelimit_equals_writing_the_values_again(rows, chunk_size):
    """Semicolon CSV in, the same rows written with commas out, byte for byte."""
    source = io.BytesIO(_written(rows, ";"))
    target = io.BytesIO()
    with mock.patch.object(csv_scan, "scan", functools.partial(ORIGINAL_SCAN, chunk_size=chunk_size)):
        rewrite_file(("redelimit", ";", ","), source, target)
    assert target.getvalue() == _written(rows, ",")


def test_unclean_quoting_is_refused_not_guessed():
    """The rule offers the rewrite only on clean quoting; should the file say otherwise, it
    is a usage error (nothing written) rather than a guess."""
    from sfprep.core.model import UsageError

    with pytest.raises(UsageError, match="not clean enough"):
        rewrite_file(("redelimit", ";", ","), io.BytesIO(b'A;B\n"say "hi" now";1\n'), io.BytesIO())
