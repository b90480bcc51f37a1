"""report/source.py: each finding offset's character column and line excerpt, from one
streaming read of the file, equal to what a whole-file decode says whatever the block size."""
from __future__ import annotations

import builtins
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfprep.core.model import FileResult, Finding, Severity, StampedFinding
from sfprep.io.sniff import HEAD_SIZE, UTF8_BOM, sniff
from sfprep.report import full, source
from sfprep.report.source import CONTEXT_CHARS, Spot, locate
from tests.helpers import write


def _spots(tmp_path, data: bytes, offsets) -> dict[int, Spot]:
    return locate(str(write(tmp_path / "data.csv", data)), offsets)


# --- by hand ---------------------------------------------------------------------------

def test_columns_count_characters_not_bytes(tmp_path):
    data = "Name,City\nZoë,Köln\n😀x,y\n".encode()
    # line 2 starts at byte 10; `Zoë,` is 5 bytes, 4 characters; `K` is then character 4
    # line 3 starts at byte 21; `😀` is 4 bytes, 1 character; `x` is character 1
    spots = _spots(tmp_path, data, [15, 25, 10])
    assert spots[15] == Spot(4, "Zoë,", "Köln")
    assert spots[25] == Spot(1, "😀", "x,y")
    assert spots[10] == Spot(0, "", "Zoë,Köln")


def test_crlf_line_ends_are_not_part_of_the_line_but_a_bare_cr_is(tmp_path):
    data = b'a,b\r\n"x\ry",z\r\nlast'
    # line 2 is bytes 5..13 (its CRLF at 12, 13); the bare CR at byte 7 is character 2 of it;
    # line 3 is bytes 14..17
    spots = _spots(tmp_path, data, [7, 12, 14, 18])
    assert spots[7] == Spot(2, '"x', '\ry",z')
    assert spots[12] == Spot(7, '"x\ry",z', "")     # at the CR of the CRLF: nothing after
    assert spots[14] == Spot(0, "", "last")          # line 3
    assert spots[18] == Spot(4, "last", "")          # the end of the file


def test_a_cr_only_file_breaks_lines_at_every_cr(tmp_path):
    data = "a,b\rcé,d\re,f\r".encode()
    # line 2 is bytes 4..9 (`cé,d`, é two bytes); line 3 starts at byte 10
    spots = _spots(tmp_path, data, [8, 10, 11])
    assert spots[8] == Spot(3, "cé,", "d")
    assert spots[10] == Spot(0, "", "e,f")
    assert spots[11] == Spot(1, "e", ",f")


def test_the_byte_order_mark_is_not_a_character_of_line_1(tmp_path):
    data = UTF8_BOM + b"Name,Phone\n"
    spots = _spots(tmp_path, data, [0, 3, 8])
    assert spots[0] == Spot(0, "", "Name,Phone")     # F002's offset, inside the mark
    assert spots[3] == Spot(0, "", "Name,Phone")
    assert spots[8] == Spot(5, "Name,", "Phone")


def test_invalid_utf8_counts_one_replacement_character_per_ill_formed_sequence(tmp_path):
    # \xff: one; \xe2\x82 (a truncated 3-byte sequence): one; then `(`
    data = b"ab\xff\xe2\x82(c,d\n"
    spots = _spots(tmp_path, data, [2, 3, 5, 6])
    assert spots[2] == Spot(2, "ab", "\ufffd\ufffd(c,d")
    assert spots[3] == Spot(3, "ab\ufffd", "\ufffd(c,d")
    assert spots[5].column == 4 and spots[5].after == "(c,d"
    assert spots[6] == Spot(5, "ab\ufffd\ufffd(", "c,d")


def test_offsets_past_the_end_unknown_files_and_no_offsets_give_no_spot(tmp_path):
    assert set(_spots(tmp_path, b"a,b\n", [2, 4, 5, 99, None])) == {2, 4}
    assert locate(str(tmp_path / "missing.csv"), [0]) == {}
    assert locate(str(tmp_path / "missing.csv"), []) == {}


def test_a_long_line_keeps_its_exact_column_and_a_bounded_excerpt(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "BLOCK", 4096)
    prefix = "é" * 30_000 + "😀" * 10_000          # 100,000 bytes, 40,000 characters
    data = ("h\n" + prefix + "X" + "ü" * 500 + "\nnext\n").encode()
    offset = 2 + len(prefix.encode())
    [spot] = _spots(tmp_path, data, [offset]).values()
    assert spot.column == 40_000
    assert spot.before == "😀" * CONTEXT_CHARS
    assert spot.after == "X" + "ü" * (CONTEXT_CHARS - 1)


def test_the_file_is_read_once_front_to_back_in_blocks(tmp_path, monkeypatch):
    """Many offsets, one open and reads that never go back; memory bounded by the block size."""
    monkeypatch.setattr(source, "BLOCK", 1 << 12)
    line = "Zoë,Köln,ok\n"
    data = ("Name,City,Note\n" + line * 20_000).encode()
    path = write(tmp_path / "data.csv", data)
    offsets = [15 + i * len(line.encode()) + 5 for i in range(20_000)]  # the `K` of each line
    opened, largest_window = [], [0]
    real_open = builtins.open
    real_reach = source._Window.reach

    def counting_open(file, *args, **kwargs):
        opened.append(file)
        return real_open(file, *args, **kwargs)

    def watched_reach(window, position):
        real_reach(window, position)
        largest_window[0] = max(largest_window[0], len(window.data))

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(source._Window, "reach", watched_reach)
    spots = locate(str(path), offsets)
    assert opened == [str(path)]
    assert {spot.column for spot in spots.values()} == {4} and len(spots) == 20_000
    assert largest_window[0] <= HEAD_SIZE + 3 * source.BLOCK


def test_full_report_reads_each_file_once_whatever_the_number_of_findings(tmp_path, monkeypatch):
    line = '"Acme" ,x\n'
    path = write(tmp_path / "Account.csv", "Name,Note\n" + line * 2_000)
    findings = [StampedFinding(str(path), Severity.ERROR, "text-outside-quotes",
                               Finding("Q004", "' ' outside the quotes of field 1", line=2 + i, record=1 + i,
                                       column=1, offset=10 + i * len(line) + 6))
                for i in range(2_000)]
    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda file, *a, **k: opened.append(file) or real_open(file, *a, **k))
    out = io.StringIO()
    full.render([FileResult(str(path), findings=findings)], out, show_all=True)
    assert opened == [str(path)], f"the file was opened {len(opened)} times"
    lines = out.getvalue().splitlines()
    assert lines.count('2001 | "Acme" ,x') == 1
    assert lines[lines.index('2001 | "Acme" ,x') + 1] == "     |       ^"


# --- against a whole-file decode -------------------------------------------------------

_PIECES = [b"a", b"Z", b",", b'"', b" ", b"\n", b"\r\n", b"\r", b"\xc3\xa9", b"\xe6\x97\xa5",
           b"\xf0\x9f\x98\x80", b"\xff", b"\xe2\x82", b"\xc3", b"\x00", UTF8_BOM]


def _expected(data: bytes, offset: int) -> Spot:
    """What the spot must be, from the whole file at once (the definition in source.py)."""
    newline = sniff(data[:HEAD_SIZE]).line_break
    first = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    offset = max(offset, first)
    start = max(data.rfind(newline, 0, offset) + 1, first)
    end = data.find(newline, offset)
    if end < 0:
        end = len(data)
    elif newline == 0x0A and end > offset and data[end - 1] == 0x0D:
        end -= 1  # the CR of a CRLF; any other CR is part of the line
    before = data[start:offset].decode("utf-8", "replace")
    after = data[offset:end].decode("utf-8", "replace")
    return Spot(len(before), before[-CONTEXT_CHARS:], after[:CONTEXT_CHARS])


@st.composite
def files_and_offsets(draw):
    data = b"".join(draw(st.lists(st.sampled_from(_PIECES), max_size=300)))
    offsets = draw(st.lists(st.integers(min_value=0, max_value=len(data)), max_size=20))
    return data, offsets


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=files_and_offsets(), block=st.sampled_from([1, 2, 3, 7, 64, 1 << 20]))
def test_spots_equal_a_whole_file_decode_whatever_the_block_size(tmp_path, monkeypatch, case, block):
    data, offsets = case
    monkeypatch.setattr(source, "BLOCK", block)
    spots = _spots(tmp_path, data, offsets)
    assert set(spots) == set(offsets)
    for offset in offsets:
        assert spots[offset] == _expected(data, offset), (data, offset)


@pytest.mark.parametrize("width", [0, 1, 79, 80, 81, 150])
def test_full_excerpt_keeps_the_marked_spot_in_view(width):
    """As before the shared helper: the caret at most 80 characters in, 100 shown at most."""
    line = "x" * width + "^" + "y" * 200
    spot = Spot(width, line[:width][-CONTEXT_CHARS:], line[width:][:CONTEXT_CHARS])
    text, caret = full.excerpt(spot)
    assert text[caret] == "^" and len(text) <= 100
    if width <= 80:
        assert (text, caret) == (line[:100], width)
    else:
        assert (text, caret) == ("…" + line[width - 79:width + 20], 80)
