"""Files that are not CSV text (issue 9, items 1 and 2), as real files: compressed,
archived, office documents, PDF, legacy XLS, UTF-32 without a BOM, random bytes.

Each is told from its first bytes: one F001 at line 1 naming the format, every other rule
listed as skipped with that reason, and nothing else read. `fix` never edits such a file,
nor any file that is not UTF-8, except through the F001 re-encode asked for with
`--encoding`.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import zipfile
from pathlib import Path

import pytest

from sfprep.linter.registry import all_rules
from tests.helpers import FIXTURES, REPO, findings_of, lint_json, run_cli

ACCOUNT = (REPO / "samples" / "Account.csv").read_bytes()
# With the describe and the object given, every rule can run: the only skip reason left is the file's.
EVERY_RULE = ("--select", "ALL", "--describe", str(REPO / "samples" / "describe"), "--object", "Account")
DECOMPRESS = "decompress before loading"
SAVE_AS_CSV = "save the sheet as CSV UTF-8 before loading"
EXPORT_AS_CSV = "export the data as CSV UTF-8 before loading"
EXTRACT = "extract the CSV file from it before loading"


def _zip(*entries: tuple[str, bytes], stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/%s" ContentType="application/vnd.openxmlformats-officedocument.'
                 b'%s+xml"/></Types>')


def _xlsx_as_excel_writes_it() -> bytes:
    """[Content_Types].xml first, then the package's relations, then the workbook under xl/."""
    return _zip(("[Content_Types].xml", CONTENT_TYPES % (b"xl/workbook.xml", b"spreadsheetml.sheet.main")),
                ("_rels/.rels", b"<Relationships/>"), ("xl/workbook.xml", b"<workbook/>"))


def _xlsx_named_by_its_content_types() -> bytes:
    """No entry under xl/ in the head: the (deflated) [Content_Types].xml says what it is."""
    return _zip(("[Content_Types].xml", CONTENT_TYPES % (b"xl/workbook.xml", b"spreadsheetml.sheet.main")),
                ("docProps/app.xml", random.Random(3).randbytes(70_000)), ("xl/workbook.xml", b"<workbook/>"))


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes each entry's sizes after its data."""

    def __init__(self):
        self.written = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self.written.write(data)

    def tell(self) -> int:
        raise OSError("not seekable")


def _xlsx_streamed() -> bytes:
    """Sizes unknown in the local headers (data descriptors): the first entry's deflated
    data, read from the head, names the content."""
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES % (b"xl/workbook.xml", b"spreadsheetml.sheet.main"))
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    data = stream.written.getvalue()
    assert data[6] & 0x08, "zipfile wrote the sizes in the local header after all"
    return data


def _docx() -> bytes:
    return _zip(("[Content_Types].xml", CONTENT_TYPES % (b"word/document.xml", b"wordprocessingml.document.main")),
                ("word/document.xml", b"<document/>"))


def _ods() -> bytes:
    """OpenDocument: the first entry is `mimetype`, stored uncompressed."""
    return _zip(("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                ("content.xml", b"<office:document-content/>"), stored=True)


def _xls() -> bytes:
    """An OLE2 compound file: the 512-byte header, then a directory sector whose entries
    are named in UTF-16 LE ("Root Entry", then the workbook stream)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entries = b"".join(name.encode("utf-16-le").ljust(128, b"\x00") for name in ("Root Entry", "Workbook"))
    return header + entries + random.Random(4).randbytes(2000)


FORMATS = [
    ("gzip", lambda: gzip.compress(ACCOUNT), f"gzip data: {DECOMPRESS}"),
    ("bzip2", lambda: bz2.compress(ACCOUNT), f"bzip2 data: {DECOMPRESS}"),
    ("xz", lambda: lzma.compress(ACCOUNT), f"xz data: {DECOMPRESS}"),
    # python's zstandard may not be installed: the frame magic and some payload
    ("zstd", lambda: b"\x28\xb5\x2f\xfd\x24\x00" + random.Random(5).randbytes(600), f"zstd data: {DECOMPRESS}"),
    ("zip", lambda: _zip(("Account.csv", ACCOUNT)), f"a zip archive: {EXTRACT}"),
    ("xlsx", _xlsx_as_excel_writes_it, f"an XLSX workbook (a zip archive): {SAVE_AS_CSV}"),
    ("xlsx-content-types", _xlsx_named_by_its_content_types, f"an XLSX workbook (a zip archive): {SAVE_AS_CSV}"),
    ("xlsx-streamed", _xlsx_streamed, f"an XLSX workbook (a zip archive): {SAVE_AS_CSV}"),
    ("docx", _docx, f"a DOCX document (a zip archive): {EXPORT_AS_CSV}"),
    ("ods", _ods, f"an ODS spreadsheet (a zip archive): {SAVE_AS_CSV}"),
    ("xls", _xls, f"a legacy Excel workbook (XLS, an OLE2 compound file): {SAVE_AS_CSV}"),
    ("pptx", lambda: _zip(("[Content_Types].xml", b"<Types/>"), ("ppt/presentation.xml", b"<p/>")),
     f"a PPTX presentation (a zip archive): {EXPORT_AS_CSV}"),
    ("ooxml-unknown", lambda: _zip(("[Content_Types].xml", b"<Types/>"), ("custom/part.xml", b"<p/>")),
     f"an Office Open XML document (a zip archive): {EXPORT_AS_CSV}"),
    ("odt", lambda: _zip(("mimetype", b"application/vnd.oasis.opendocument.text"), stored=True),
     f"an ODT document (a zip archive): {EXPORT_AS_CSV}"),
    ("epub", lambda: _zip(("mimetype", b"application/epub+zip"), stored=True),
     f"a zip archive (application/epub+zip): {EXTRACT}"),
    ("7z", lambda: b"7z\xbc\xaf\x27\x1c\x00\x04" + random.Random(7).randbytes(300), f"a 7-Zip archive: {EXTRACT}"),
    ("rar", lambda: b"Rar!\x1a\x07\x01\x00" + random.Random(8).randbytes(300), f"a RAR archive: {EXTRACT}"),
    ("zstd-skippable", lambda: b"\x50\x2a\x4d\x18\x04\x00\x00\x00meta" + b"\x28\xb5\x2f\xfd" + bytes(40),
     f"zstd data: {DECOMPRESS}"),
    ("ole2-unknown", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000),
     f"an OLE2 compound file (a legacy Office document such as XLS): {SAVE_AS_CSV}"),
    ("pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
     f"a PDF document: {EXPORT_AS_CSV}"),
    ("utf-32-le", lambda: ACCOUNT.decode().encode("utf-32-le"), "file is encoded as UTF-32 LE, not UTF-8"),
    ("utf-32-be", lambda: ACCOUNT.decode().encode("utf-32-be"), "file is encoded as UTF-32 BE, not UTF-8"),
    # 4,096 random bytes hold about 11% control bytes (29 of 256 values); this seed gives 12%
    ("random", lambda: random.Random(1).randbytes(5000),
     "binary data: 12% of the first 4,096 bytes are control characters; not a CSV text file"),
]
WHAT = {"gzip": "gzip data", "xlsx": "an XLSX workbook (a zip archive)", "utf-32-le": "UTF-32 LE text",
        "random": "binary data"}


def _write(folder: Path, make) -> tuple[Path, bytes]:
    data = make()
    path = folder / "Account.csv"
    path.write_bytes(data)
    return path, data


@pytest.mark.parametrize("name, make, message", FORMATS, ids=[f[0] for f in FORMATS])
def test_one_finding_names_the_format(name, make, message, tmp_path):
    path, _ = _write(tmp_path, make)
    code, report = lint_json(*EVERY_RULE, path)
    assert code == 1
    assert findings_of(report) == [("F001", 1, None)]
    assert report["findings"][0]["message"] == message
    assert report["files"][0]["records"] is None


def test_only_the_head_is_read(tmp_path, monkeypatch):
    """A not-text file is never scanned: 20 MB of gzip data cost one 64 KiB read."""
    from sfprep.io.csv import scan as csv_scan

    def no_scan(*args, **kwargs):
        raise AssertionError("the scanner was asked to read a gzip file")

    monkeypatch.setattr(csv_scan, "scan", no_scan)
    monkeypatch.setattr(csv_scan, "scan_ahead", no_scan)
    path = tmp_path / "big.csv"
    path.write_bytes(gzip.compress(random.Random(6).randbytes(20 << 20), compresslevel=1))
    _, report = lint_json(*EVERY_RULE, path)
    assert findings_of(report) == [("F001", 1, None)]


@pytest.mark.parametrize("name", sorted(WHAT))
def test_every_other_rule_is_skipped_with_the_reason(name, tmp_path):
    make = next(f[1] for f in FORMATS if f[0] == name)
    path, _ = _write(tmp_path, make)
    _, report = lint_json(*EVERY_RULE, path)
    skipped = {s["code"]: s["reason"] for s in report["files"][0]["skipped_rules"]}
    # a file that is not text is not XML either: the CSV rules are the ones it is not read for
    assert sorted(skipped) == sorted({code for code, r in all_rules().items() if "csv" in r.formats} - {"F001"})
    assert set(skipped.values()) == {f"the file is {WHAT[name]}, not UTF-8 CSV text"}


def test_without_f001_selected_every_rule_is_skipped(tmp_path):
    """Ignoring F001 does not make the bytes CSV: nothing is reported as checked."""
    path, _ = _write(tmp_path, lambda: gzip.compress(ACCOUNT))
    code, report = lint_json("--select", "Q,H", path)
    assert code == 0
    assert report["findings"] == []
    skipped = {s["code"] for s in report["files"][0]["skipped_rules"]}
    assert skipped == {code for code in all_rules() if code[0] in "QH"}


@pytest.mark.parametrize("name, make, message", FORMATS, ids=[f[0] for f in FORMATS])
@pytest.mark.parametrize("extra", [(), ("--encoding", "cp1252")], ids=["plain", "encoding"])
def test_fix_leaves_the_bytes_alone(name, make, message, extra, tmp_path):
    """Not even --encoding cp1252 changes them: nothing may be decoded from a binary format,
    and a UTF-32 file is re-encoded only from a UTF-32 encoding (below)."""
    path, data = _write(tmp_path, make)
    code, _, err = run_cli("fix", *extra, "--no-progress", "--format", "json", path)
    assert path.read_bytes() == data, f"{name}: the file was changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Account.csv"]
    assert code == 1, err


def test_fixed_gzip_still_decompresses(tmp_path):
    """Before issue 9, H003's "safe" fix removed the leading 0x1F of the gzip magic as whitespace."""
    path, _ = _write(tmp_path, lambda: gzip.compress(ACCOUNT))
    run_cli("fix", "--object", "Account", "--no-progress", "--exit-zero", path)
    assert gzip.decompress(path.read_bytes()) == ACCOUNT


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be"])
def test_utf32_without_bom_is_re_encoded_when_named(encoding, tmp_path):
    path = tmp_path / "Account.csv"
    path.write_bytes("Name,City\nCafé,Paris\n".encode(encoding))
    code, _, err = run_cli("fix", "--encoding", encoding, "--no-progress", "--exit-zero", path)
    assert code == 0, err
    assert path.read_bytes() == b"Name,City\nCaf\xc3\xa9,Paris\n"


@pytest.mark.parametrize("content", [
    b"PKey,Name\nPK-1,Acme\n",                        # starts like a zip, is text
    b"BZh9 code,Name\nB1,Acme\n",                      # starts like bzip2, is text
    "Name,City\n東京 Trading,東京\n".encode(),          # CJK UTF-8: neither UTF-16 nor UTF-32
    b"Name,Note\n" + b"Acme,a\x00b\n" * 3,             # a few NULs: F005's, not binary
], ids=["PK-header", "BZh-header", "cjk", "few-nuls"])
def test_text_that_looks_odd_is_still_read_as_csv(content, tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    _, report = lint_json("--select", "ALL", path)
    assert "F001" not in {f["code"] for f in report["findings"]}
    assert report["files"][0]["records"] is not None


def test_the_f005_fixtures_stay_f005(tmp_path):
    for path in sorted((FIXTURES / "rules" / "F005").glob("bad*.csv")):
        _, report = lint_json("--select", "F001,F005", path)
        assert {f["code"] for f in report["findings"]} == {"F005"}, path.name


# --- item 2: no edit but the re-encode on a file that is not UTF-8 -------------------------

# H003 (header), F006 (blank line), F001 (0xE9), V001 (the space after it, an unsafe fix)
CP1252_WITH_FIXES = b" Name,City\n\nCaf\xe9 ,Paris\n"


@pytest.mark.parametrize("extra", [(), ("--ignore", "F001"), ("--select", "H,F006"), ("--unsafe-fixes",)],
                         ids=["default", "F001-ignored", "F001-not-selected", "unsafe"])
def test_no_byte_edit_on_a_file_that_is_not_utf8(extra, tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(CP1252_WITH_FIXES)
    code, out, err = run_cli("fix", *extra, "--no-progress", "--format", "json", path)
    assert path.read_bytes() == CP1252_WITH_FIXES
    assert code == 1, err
    assert "nothing to fix" in err


def test_the_report_of_a_file_left_alone_offers_no_fix(tmp_path):
    """After `fix` refused to edit it, the report does not call H003, F006 or V001 fixable."""
    import json

    path = tmp_path / "data.csv"
    path.write_bytes(CP1252_WITH_FIXES)
    _, out, _ = run_cli("fix", "--no-progress", "--format", "json", path)
    findings = json.loads(out)["findings"]
    assert sorted((f["code"], f["line"]) for f in findings) == [("F001", 3), ("F006", 2), ("H003", 1), ("V001", 3)]
    assert [f["fix"] for f in findings] == [None, None, None, None]


def test_a_partly_utf8_file_is_not_edited_even_with_encoding(tmp_path):
    """F001 offers no re-encode when valid UTF-8 comes before the bad byte: no fix at all then."""
    content = b" Name,City\nCaf\xc3\xa9,Paris\nM\xfcller,Berlin\n"
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    code, _, err = run_cli("fix", "--encoding", "cp1252", "--no-progress", "--format", "json", path)
    assert path.read_bytes() == content
    assert code == 1, err


def test_the_re_encode_goes_first_then_the_other_fixes(tmp_path):
    """With --encoding the file becomes UTF-8 first; Q001, F006 and H003 follow on UTF-8."""
    path = tmp_path / "data.csv"
    path.write_bytes(b" Name;City\n\nCaf\xe9;Paris, FR\n")
    code, _, err = run_cli("fix", "--encoding", "cp1252", "--no-progress", path)
    assert code == 0, err
    assert path.read_bytes() == b'Name,City\nCaf\xc3\xa9,"Paris, FR"\n'
    assert "F001 x1" in err and "Q001 x1" in err
