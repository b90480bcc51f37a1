"""Pathological shapes stay linear (issue 11, item 4).

1. The sniffer reads a head full of quoted line breaks in one pass.
2. The scan is resumable: a record spanning many blocks is scanned once (each byte at most
   twice), and chunks come out the same whatever the block size, with C or numpy.
3. A record longer than MAX_RECORD_BYTES is streamed, not held: L001/L003 with the sizes
   counted on the way, Q003 where its quote opened, the rest of the file linted.
   (In-process, with MAX_RECORD_BYTES made small; then, in a subprocess, 300 MB ones with
   peak memory measured.)
4. A 200,000-column header lints in seconds.
"""
from __future__ import annotations

import functools
import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sfprep
from sfprep.core.job import Job
from sfprep.core.model import UsageError
from sfprep.core.profiles import load_profile
from sfprep.io.csv import scan as csv_scan
from sfprep.io.csv.dialect import CR, Dialect
from sfprep.io.sniff import HEAD_SIZE, _first_record, sniff
from sfprep.linter import engine
from sfprep.linter.registry import select_rules
from tests.helpers import FIXTURES, findings_of, lint_json

ORIGINAL_SCAN = csv_scan.scan
SCANNERS = [pytest.param(True, id="C"), pytest.param(False, id="numpy")]


@pytest.fixture(params=SCANNERS)
def scanner(request, monkeypatch):
    """Each test runs with the C scanner and with the numpy one."""
    if request.param and csv_scan._c_scanner is None:
        pytest.skip("the C scanner was not built here")
    if not request.param:
        monkeypatch.setattr(csv_scan, "_c_scanner", None)
    return request.param


# --------------------------------------------------------------------------- 1. the sniffer

def test_sniffer_reads_a_head_of_30000_quoted_line_breaks_at_once():
    head = b'"' + b"a\n" * 30_000 + b'",b,c\nx,y,z\n'
    assert len(head) <= HEAD_SIZE
    started = time.perf_counter()
    sniffed = sniff(head)
    elapsed = time.perf_counter() - started
    # Counting the quotes from the start at each of the 30,000 breaks took 1.7 s here.
    assert elapsed < 0.25, f"sniffing took {elapsed:.2f} s"
    # The header record is the quoted value and `,b,c`: two commas outside the quotes.
    assert sniffed.header_delimiter_counts == {",": 2, "\t": 0, ";": 0, "|": 0, "^": 0, "`": 0}


def _first_record_by_counting(body: bytes) -> bytes:
    """The definition: up to the first line break preceded by an even number of quotes."""
    for match in re.finditer(rb"[\r\n]", body):
        if body.count(b'"', 0, match.start()) % 2 == 0:
            return body[:match.start()]
    return body


@pytest.mark.parametrize("body", [b"", b"a,b", b"a,b\nc", b'"a\nb",c\nd', b'"a\r\nb"\r\nc', b'""\n', b'"\n"\n"\n',
                                  b'a"b\nc', b'"never closed\nx,y\n', b"\r", b'x""\r\ny'])
def test_sniffer_first_record_is_the_definition(body):
    assert _first_record(body) == _first_record_by_counting(body)


# --------------------------------------------------------------------------- 2. the resumable scan

def _long_records(newline: bytes) -> bytes:
    """Records of many kinds of bytes, several of them spanning many small blocks."""
    quoted = b'"' + b'say ""hi"", then; go\nnext,line\r\n' * 40 + b'"'
    return newline.join([
        b"Name,Description,Notes",
        b"Acme," + quoted + b",x",
        b"Globex," + b"plain " * 300 + b',"a ""b"""',
        b'Stray," late"' + b"y" * 200 + b",z",                    # text after the closing quote
        b'Initech,"He said "hi" ' + b"w" * 300 + b'",q',           # two lone quotes inside the value
        b'"' + b"\t " * 100 + b'",' + b" " * 50 + b'"blank before",t',  # blanks before the opening quote
        b'Last,"' + b"open " * 200])                               # never closed


def _summary(chunks) -> tuple:
    records, anomalies, unterminated, covered = [], [], None, b""
    for chunk in chunks:
        assert chunk.base == len(covered)
        covered += chunk.data
        lines = chunk.line_of(chunk.record_starts)
        for i in range(chunk.record_count):
            first, count = int(chunk.record_first_field[i]), int(chunk.field_counts[i])
            records.append((int(lines[i]), chunk.record_fields(i), int(chunk.terminators[i]),
                            chunk.field_quoted[first:first + count].tolist()))
        anomalies += [(a.kind, chunk.base + a.position, chunk.base + a.quote) for a in chunk.anomalies]
        if chunk.unterminated_quote is not None:
            unterminated = chunk.base + chunk.unterminated_quote
    return records, anomalies, unterminated, covered


@pytest.mark.parametrize("line_break", [b"\n", b"\r"])
def test_records_spanning_many_blocks_scan_the_same_whatever_the_block_size(scanner, line_break):
    data = _long_records(line_break)
    dialect = Dialect(line_break=CR if line_break == b"\r" else Dialect().line_break)
    whole = _summary(csv_scan.scan(io.BytesIO(data), dialect))
    records, anomalies, unterminated, covered = whole
    assert covered == data and len(records) == 7
    assert unterminated == data.index(b'Last,"') + 5
    assert [kind for kind, _, _ in anomalies] == [csv_scan.OUTSIDE_AFTER_CLOSE, csv_scan.UNESCAPED_QUOTE,
                                                  csv_scan.UNESCAPED_QUOTE, csv_scan.OUTSIDE_BEFORE_OPEN]
    # Acme's value holds 80 line breaks (LF and CRLF 40 times; CR-only, the 40 CRs): Globex
    # starts on the line after its last.
    assert records[1][0] == 2 and records[2][0] == (2 + 80 + 1 if line_break == b"\n" else 2 + 40 + 1)
    for chunk_size in (1, 2, 3, 7, 64, 1000):
        chunked = _summary(csv_scan.scan(io.BytesIO(data), dialect, chunk_size=chunk_size))
        assert chunked == whole, f"chunk_size={chunk_size}"


def test_a_record_over_many_blocks_is_scanned_once(scanner, monkeypatch):
    """Before, the carried record was scanned again from its start with each new block."""
    record = b'"' + b'a ""b"", c\n' * 50_000 + b'",' + b"x" * 500_000
    data = b"A,B\n" + record + b"\nlast,1\n"
    name = "_resume_in_c" if scanner else "_resume_in_numpy"
    real = getattr(csv_scan, name)
    scanned = []

    def counting(buffer, start, *rest):
        scanned.append(len(buffer) - start)
        return real(buffer, start, *rest)

    monkeypatch.setattr(csv_scan, name, counting)
    chunks = list(csv_scan.scan(io.BytesIO(data), Dialect(), chunk_size=4096))
    assert [chunk.record_fields(i) for chunk in chunks for i in range(chunk.record_count)] == [
        [b"A", b"B"], [record[:550_002], b"x" * 500_000], [b"last", b"1"]]
    assert sum(scanned) <= 2 * len(data), f"{sum(scanned):,} bytes scanned for {len(data):,}"


# --------------------------------------------------------------------------- 3. long records, in-process

LIMITS = {"characters_per_field": 50, "characters_per_record": 120}


def _lint(path: Path, monkeypatch, max_record: int | None = 100, chunk_size: int | None = None,
          select=("F", "Q", "L001", "L002", "L003")):
    """(code, line, record, column, message) of each finding, the record count, the skipped rules."""
    if max_record is not None:
        monkeypatch.setattr(csv_scan, "MAX_RECORD_BYTES", max_record)
    scan = ORIGINAL_SCAN if chunk_size is None else functools.partial(ORIGINAL_SCAN, chunk_size=chunk_size)
    monkeypatch.setattr(csv_scan, "scan", scan)
    profile = {**load_profile("bulk1"), **LIMITS}
    try:
        result = engine.lint_file(str(path), Job(operation="insert"), profile, select_rules(list(select)))
    finally:
        monkeypatch.setattr(csv_scan, "scan", ORIGINAL_SCAN)
    found = sorted((f.finding.code, f.finding.line, f.finding.record, f.finding.column, f.finding.message)
                   for f in result.findings)
    return found, result.records, dict(result.skipped_rules)


UNQUOTED = (b"Name,Description\n"
            b"Acme," + b"x" * 300 + b"\n"
            b"Globex,ok\n"
            b'O"Brien,z\n')
UNQUOTED_FINDINGS = [
    ("L001", 2, 1, 2, "300 characters in Description; the limit is 50"),
    ("L003", 2, 1, None, "record has 304 characters; the limit is 120"),   # Acme + the 300 x
    ("Q002", 4, 3, 1, "stray quote in unquoted field 1; quote the whole value and double the quote"),
]

# ('a ""b"", c' + LF) 20 times: 11 bytes each, the value `a "b", c` + LF 9 characters.
QUOTED = (b"Name,Description\n"
          b'Acme,"' + b'a ""b"", c\n' * 20 + b'"\n'
          b"Globex,ok\n"
          b'O"Brien,z\n')
QUOTED_FINDINGS = [
    ("L001", 2, 1, 2, "180 characters in Description; the limit is 50"),
    ("L003", 2, 1, None, "record has 184 characters; the limit is 120"),
    ("Q002", 24, 3, 1, "stray quote in unquoted field 1; quote the whole value and double the quote"),  # 2 + 20 + 2
]

# The quote opened on line 3 never closes: `never closed` + LF and 30 `x,y` + LF are its value.
NEVER_CLOSED = (b"Name,Description\n"
                b"Acme,ok\n"
                b'Globex,"never closed\n' + b"x,y\n" * 30)
NEVER_CLOSED_FINDINGS = [
    ("L003", 3, 2, None, "record has 139 characters; the limit is 120"),   # Globex + 13 + 120
    ("Q003", 3, 2, 2, "quoted field 2 opened here is never closed"),
]


@pytest.mark.parametrize("data, expected, records", [
    pytest.param(UNQUOTED, UNQUOTED_FINDINGS, 3, id="unquoted"),
    pytest.param(QUOTED, QUOTED_FINDINGS, 3, id="quoted"),
    pytest.param(NEVER_CLOSED, NEVER_CLOSED_FINDINGS, 2, id="never-closed"),
])
def test_a_long_record_is_measured_while_streamed_and_the_rest_is_linted(data, expected, records, scanner,
                                                                          tmp_path, monkeypatch):
    path = tmp_path / "Account.csv"
    path.write_bytes(data)
    for chunk_size in (None, 1, 7, 64):
        found, count, _ = _lint(path, monkeypatch, chunk_size=chunk_size)
        assert (found, count) == (expected, records), f"chunk_size={chunk_size}"


def test_a_long_records_fields_are_counted_whole(scanner, tmp_path, monkeypatch):
    path = tmp_path / "Account.csv"
    path.write_bytes(b"A,B\n" + b"x" * 300 + b",y,z\nshort,row\n")
    monkeypatch.setitem(LIMITS, "fields_per_record", 2)
    for chunk_size in (None, 5):
        found, _, _ = _lint(path, monkeypatch, chunk_size=chunk_size, select=("Q006", "L002"))
        assert found == [("L002", 2, 1, None, "3 fields; the limit is 2"),
                         ("Q006", 2, 1, None, "record has 3 fields, the header has 2")]


@pytest.mark.parametrize("data", [UNQUOTED, QUOTED, NEVER_CLOSED], ids=["unquoted", "quoted", "never-closed"])
def test_a_long_record_is_measured_as_a_held_one(data, tmp_path, monkeypatch):
    """The sizes counted while streaming are those the rules count on a record held whole."""
    path = tmp_path / "Account.csv"
    path.write_bytes(data)
    streamed, _, _ = _lint(path, monkeypatch, max_record=100)
    held, _, _ = _lint(path, monkeypatch, max_record=1 << 20)
    assert streamed == held


def test_a_long_record_keeps_only_its_head(monkeypatch):
    monkeypatch.setattr(csv_scan, "MAX_RECORD_BYTES", 100)
    chunks = list(csv_scan.scan(io.BytesIO(UNQUOTED), Dialect(), chunk_size=16))
    long = [chunk for chunk in chunks if chunk.long_record is not None]
    assert len(long) == 1
    chunk = long[0]
    assert max(len(c.data) for c in chunks) <= 100 + 16
    assert chunk.data == b"Acme," + b"x" * 95 and chunk.record_count == 1
    assert (chunk.base, chunk.first_line, chunk.first_record, chunk.end) == (17, 2, 1, 17 + 305 + 1)
    measures = chunk.long_record
    assert (measures.size, measures.characters, measures.fields, measures.end_line) == (305, 304, 2, 2)
    assert (measures.longest.column, measures.longest.characters) == (2, 300)
    assert chunk.terminators.tolist() == [csv_scan.TERM_LF]


def test_a_long_record_cut_inside_a_character_keeps_whole_characters(monkeypatch):
    monkeypatch.setattr(csv_scan, "MAX_RECORD_BYTES", 100)
    data = b"A\nx" + "é".encode() * 200 + b"\n"  # the record's byte 100 is the second of the 50th é
    chunk = next(c for c in csv_scan.scan(io.BytesIO(data), Dialect(), chunk_size=8) if c.long_record)
    assert chunk.data == b"x" + "é".encode() * 49 and chunk.first_invalid_utf8() is None
    assert chunk.long_record.characters == 201 and chunk.character_count() == 202  # and its LF


def test_a_header_too_long_to_hold(scanner, tmp_path, monkeypatch):
    path = tmp_path / "Account.csv"
    path.write_bytes(b"Col" * 60 + b",B\n" + b"p,q\n" + b'r,s"t\n')
    found, records, skipped = _lint(path, monkeypatch, select=("F", "Q", "L001", "L002", "L003", "H"))
    assert found == [("L003", 1, 0, None, "record has 181 characters; the limit is 120"),
                     ("Q002", 3, 2, 2, "stray quote in unquoted field 2; quote the whole value and double the quote")]
    assert records == 2
    assert skipped["H001"] == skipped["H004"] == "the header is 182 bytes long, too long to read"
    assert skipped["Q006"] == "the header is too long to read"


def test_mixed_line_endings_count_a_long_records_own(tmp_path, monkeypatch):
    path = tmp_path / "Account.csv"
    path.write_bytes(b"A,B\r\n" + b'"' + b"v\n" * 60 + b'",y\n' + b"p,q\r\nr,s\r\n")
    found, _, _ = _lint(path, monkeypatch, select=("F004",))
    # The long record (lines 2 to 62) ends with LF on line 62, the other three with CRLF.
    assert found == [("F004", 62, 1, None, "mixed line endings: 3 CRLF and 1 LF; first LF here")]


def test_a_file_with_a_long_record_is_not_rewritten(tmp_path, monkeypatch):
    """The scanner holds only a long record's head: a rewrite from the chunks would drop the rest."""
    path = tmp_path / "Account.csv"
    data = b"A,B\r\n" + b'"' + b"v\n" * 60 + b'",y\n' + b"p,q\r\nr,s\r\n"
    path.write_bytes(data)
    monkeypatch.setattr(csv_scan, "MAX_RECORD_BYTES", 100)
    with pytest.raises(UsageError, match=r"record 1 \(line 2\) is 124 bytes long, too long to rewrite"):
        sfprep.fix(str(path), select=["F004"])
    assert path.read_bytes() == data


# --------------------------------------------------------------------------- 3. long records, 300 MB

# Lints one file in a fresh interpreter: its findings, record count, time and peak memory
# (VmHWM where there is a /proc: ru_maxrss would count the memory of the process it was
# forked from, as Linux keeps the peak across exec).
DRIVER = """
import json, re, sys, time
import sfprep


def peak_memory():
    try:
        with open("/proc/self/status") as status:
            return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read())[1]) * 1024
    except OSError:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


started = time.perf_counter()
report = sfprep.lint(sys.argv[1], jobs=1, select=sys.argv[2].split(","))
found = [(f["code"], f["line"], f["column"], f["message"]) for f in report]
print(json.dumps({"findings": sorted(found, key=lambda f: (f[0], f[1] or 0, f[2] or 0)),
                  "records": report.files[0].records, "seconds": time.perf_counter() - started,
                  "skipped": sorted({s["code"] for s in report.skipped_rules}), "peak_rss": peak_memory()}))
"""
MAX_RSS = 400 << 20


def _lint_in_a_subprocess(path: Path, select: str) -> dict:
    done = subprocess.run([sys.executable, "-c", DRIVER, str(path), select], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    print(f"{path.name}: {path.stat().st_size:,} bytes linted in {measured['seconds']:.1f} s, "
          f"peak RSS {measured['peak_rss'] / (1 << 20):.0f} MiB")
    return measured


def _write_repeated(stream, piece: bytes, count: int) -> None:
    per_block = max(1, (1 << 20) // len(piece))
    block = piece * per_block
    for _ in range(count // per_block):
        stream.write(block)
    stream.write(piece * (count % per_block))


def test_a_300_mb_unquoted_line(tmp_path):
    path = tmp_path / "Account.csv"
    with open(path, "wb") as stream:
        stream.write(b"Name,Description\nAcme,")
        _write_repeated(stream, b"x", 300_000_000)
        stream.write(b"\n" + b"Globex,ok\n" * 1000 + b'O"Brien,z\n')
    measured = _lint_in_a_subprocess(path, "F,Q,L001,L002,L003")
    path.unlink()
    assert measured["findings"] == [
        ["L001", 2, 2, "300,000,000 characters in Description; the limit is 32,000"],
        ["L003", 2, None, "record has 300,000,004 characters; the limit is 400,000"],
        ["Q002", 1003, 1, "stray quote in unquoted field 1; quote the whole value and double the quote"],
    ]
    assert measured["records"] == 1002
    assert measured["peak_rss"] < MAX_RSS


def test_a_300_mb_quoted_value(tmp_path):
    # `line ""one"", two` + LF: 18 bytes, the value `line "one", two` + LF, 16 characters.
    count = 16_666_667
    path = tmp_path / "Account.csv"
    with open(path, "wb") as stream:
        stream.write(b'Name,Description\nAcme,"')
        _write_repeated(stream, b'line ""one"", two\n', count)
        stream.write(b'"\n' + b"Globex,ok\n" * 1000 + b'O"Brien,z\n')
    measured = _lint_in_a_subprocess(path, "F,Q,L001,L002,L003")
    path.unlink()
    assert measured["findings"] == [
        ["L001", 2, 2, f"{16 * count:,} characters in Description; the limit is 32,000"],
        ["L003", 2, None, f"record has {16 * count + 4:,} characters; the limit is 400,000"],
        # The record spans lines 2 to 2 + count; Globex's 1,000 lines follow.
        ["Q002", count + 1003, 1, "stray quote in unquoted field 1; quote the whole value and double the quote"],
    ]
    assert measured["records"] == 1002
    assert measured["peak_rss"] < MAX_RSS


def test_a_40_mb_file_of_one_line(tmp_path):
    path = tmp_path / "Account.csv"
    with open(path, "wb") as stream:
        _write_repeated(stream, b"Field__c,", 4_000_000)   # 4,000,001 columns, no line break
    measured = _lint_in_a_subprocess(path, "F,Q,H,L001,L002,L003")
    path.unlink()
    assert [finding[:3] for finding in measured["findings"]] == [["F003", None, None], ["L002", 1, None],
                                                                 ["L003", 1, None]]
    assert measured["findings"][1][3] == "4,000,001 fields; the limit is 5,000"
    assert measured["findings"][2][3] == "record has 32,000,000 characters; the limit is 400,000"
    assert {"H001", "H002", "H004"} <= set(measured["skipped"])
    assert measured["peak_rss"] < MAX_RSS


# --------------------------------------------------------------------------- 4. 200,000 columns

def test_a_200000_column_header_lints_in_seconds(tmp_path):
    names = [f"Field{i}__c" for i in range(1, 200_001)]
    names[100_000 - 1] = "Account Name"      # H004: a label, not an API name
    names[150_000 - 1] = "field7__C"          # H002: column 7, in another case
    names[199_999 - 1] = " Padded__c"         # H003
    path = tmp_path / "Account.csv"
    path.write_text(",".join(names) + "\n" + ",".join(f"v{i}" for i in range(1, 200_001)) + "\n", encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "sfprep", "lint", str(path), "--select", "F,Q,H,L002,L003",
                           "--format", "json", "--no-progress"], capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - started
    print(f"200,000 columns: {elapsed:.1f} s")
    assert done.returncode == 1, done.stderr
    assert findings_of(json.loads(done.stdout)) == [("H002", 1, 150_000), ("H003", 1, 199_999), ("H004", 1, 100_000),
                                                    ("L002", 1, None), ("L003", 1, None),
                                                    ("L002", 2, None), ("L003", 2, None)]
    assert elapsed < 60


def test_closest_field_names_are_looked_for_a_thousand_times_at_most(tmp_path):
    """H008's difflib search costs about a millisecond a name and field; 200,000 unknown
    columns against a real describe took minutes."""
    names = ["Nmae"] + [f"Unknown{i}__c" for i in range(1, 2_000)] + ["Nmae"]
    path = tmp_path / "Account.csv"
    path.write_text(",".join(names) + "\n", encoding="utf-8")
    _, report = lint_json("--select", "H008", "--describe", FIXTURES / "describe", path)
    messages = [f["message"] for f in report["findings"]]
    assert len(messages) == 2_001
    assert messages[0] == "'Nmae' is not a field of Account; did you mean 'Name'?"
    assert messages[-1] == "'Nmae' is not a field of Account"
