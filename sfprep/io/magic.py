"""What a file is when it is not text: compressed, archived or binary formats, told by their
first bytes (a few KiB of the head, never more). The sniffer asks this before reading a file
as CSV: decoding a gzip stream as CSV text gives a dozen meaningless findings, and "fixing"
them destroys the file."""
from __future__ import annotations

import codecs
import struct
import zlib
from typing import NamedTuple


class BinaryFormat(NamedTuple):
    name: str     # "gzip data", "an XLSX workbook (a zip archive)"
    advice: str   # what to do instead of loading it

    def __str__(self) -> str:
        return f"{self.name}: {self.advice}"


DECOMPRESS = "decompress before loading"
EXTRACT = "extract the CSV file from it before loading"
SAVE_AS_CSV = "save the sheet as CSV UTF-8 before loading"
EXPORT_AS_CSV = "export the data as CSV UTF-8 before loading"

# (first bytes, format); checked in order. bzip2 and zip need more than a prefix (below).
PREFIXES = (
    (b"\x1f\x8b", BinaryFormat("gzip data", DECOMPRESS)),
    (b"\xfd7zXZ\x00", BinaryFormat("xz data", DECOMPRESS)),
    (b"\x28\xb5\x2f\xfd", BinaryFormat("zstd data", DECOMPRESS)),
    (b"7z\xbc\xaf\x27\x1c", BinaryFormat("a 7-Zip archive", EXTRACT)),
    (b"Rar!\x1a\x07", BinaryFormat("a RAR archive", EXTRACT)),
    (b"%PDF-", BinaryFormat("a PDF document", EXPORT_AS_CSV)),
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# After "BZh" and the block size digit: the first block's magic (pi), or the end of an empty stream's (sqrt pi).
BZIP2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")
ZIP_MARKS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ZIP_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # 30 bytes, before the entry's name
ZSTD_SKIPPABLE = b"\x2a\x4d\x18"  # bytes 1-3 of a skippable frame (magic 0x184D2A5?)

SAMPLE = 4096
# Share of C0 control bytes (TAB, LF and CR aside) from which a head that is not UTF-8 is
# binary, not text with stray NULs (F005): random bytes give 11%; text, hardly ever 5%.
CONTROL_SHARE = 0.05
_TEXT_CONTROLS = frozenset(b"\t\n\r")
_CONTROLS = bytes(b for b in range(0x20) if b not in _TEXT_CONTROLS)


def binary_format(head: bytes) -> BinaryFormat | None:
    """The compressed, archive or document format the file's first bytes show, or None."""
    for prefix, found in PREFIXES:
        if head.startswith(prefix):
            return found
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[3:4] != b"0" and head[4:10] in BZIP2_BLOCKS:
        return BinaryFormat("bzip2 data", DECOMPRESS)
    if len(head) >= 4 and head[0] & 0xF0 == 0x50 and head[1:4] == ZSTD_SKIPPABLE:
        return BinaryFormat("zstd data", DECOMPRESS)
    if head.startswith(ZIP_MARKS):
        return _zip_format(head)
    if head.startswith(OLE2):
        return _ole2_format(head)
    return None


def control_heavy(head: bytes) -> BinaryFormat | None:
    """"binary data" when the head is too full of control bytes to be text and is not UTF-8
    either (asked after the UTF-16 and UTF-32 checks: ASCII in those is half or three
    quarters NUL). Valid UTF-8 with many NULs is left to F005, one finding per line."""
    sample = head[:SAMPLE]
    controls = len(sample) - len(sample.translate(None, _CONTROLS))
    if controls < max(2, CONTROL_SHARE * len(sample)) or _is_utf8_prefix(sample):
        return None
    share = round(100 * controls / len(sample))
    return BinaryFormat("binary data", f"{share}% of the first {len(sample):,} bytes are control characters; "
                                       "not a CSV text file")


def _is_utf8_prefix(sample: bytes) -> bool:
    """Valid UTF-8, but for a character the cut at SAMPLE bytes may have split."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


# --- zip: which document it is, from the entries in the head ------------------------------

OFFICE_FOLDERS = (("xl/", "an XLSX workbook (a zip archive)", SAVE_AS_CSV),
                  ("word/", "a DOCX document (a zip archive)", EXPORT_AS_CSV),
                  ("ppt/", "a PPTX presentation (a zip archive)", EXPORT_AS_CSV))
OFFICE_CONTENT_TYPES = ((b"spreadsheetml", 0), (b"wordprocessingml", 1), (b"presentationml", 2))
OPEN_DOCUMENT = "application/vnd.oasis.opendocument."
OPEN_DOCUMENT_KINDS = {"spreadsheet": ("an ODS spreadsheet (a zip archive)", SAVE_AS_CSV),
                       "text": ("an ODT document (a zip archive)", EXPORT_AS_CSV),
                       "presentation": ("an ODP presentation (a zip archive)", EXPORT_AS_CSV)}


def _zip_format(head: bytes) -> BinaryFormat:
    entries = list(_zip_entries(head))
    if entries and entries[0][0] == "mimetype":
        mimetype = entries[0][2].decode("ascii", "replace").strip()
        kind = mimetype[len(OPEN_DOCUMENT):] if mimetype.startswith(OPEN_DOCUMENT) else None
        if kind in OPEN_DOCUMENT_KINDS:
            return BinaryFormat(*OPEN_DOCUMENT_KINDS[kind])
        return BinaryFormat(f"a zip archive ({mimetype})", EXTRACT)
    for name, _, _ in entries:
        for folder, what, advice in OFFICE_FOLDERS:
            if name.startswith(folder):
                return BinaryFormat(what, advice)
    for name, method, data in entries:
        if name == "[Content_Types].xml":
            types = _inflate_prefix(data) if method == 8 else data
            for marker, index in OFFICE_CONTENT_TYPES:
                if marker in types:
                    return BinaryFormat(*OFFICE_FOLDERS[index][1:])
            return BinaryFormat("an Office Open XML document (a zip archive)", EXPORT_AS_CSV)
    return BinaryFormat("a zip archive", EXTRACT)


def _zip_entries(head: bytes):
    """(name, compression method, stored bytes in the head) of the entries whose local
    headers lie in the head, in order. Where the sizes come after the data (a data
    descriptor, as a zip written to a stream has), the entry gets the rest of the head and
    the walk stops there."""
    position = 0
    while position + ZIP_LOCAL_HEADER.size <= len(head):
        (mark, _, flags, method, _, _, _, packed, _, name_length, extra_length) = \
            ZIP_LOCAL_HEADER.unpack_from(head, position)
        if mark != b"PK\x03\x04":
            return
        name_start = position + ZIP_LOCAL_HEADER.size
        data_start = name_start + name_length + extra_length
        name = head[name_start:name_start + name_length].decode("utf-8", "replace")
        if flags & 0x08 or packed == 0xFFFFFFFF:  # sizes after the data, or zip64
            yield name, method, head[data_start:]
            return
        yield name, method, head[data_start:data_start + packed]
        position = data_start + packed


def _inflate_prefix(packed: bytes) -> bytes:
    try:
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(packed, 1 << 16)
    except zlib.error:
        return b""


# --- OLE2 compound files: legacy Office documents ----------------------------------------

OLE2_STREAMS = (("Workbook", "a legacy Excel workbook (XLS, an OLE2 compound file)", SAVE_AS_CSV),
                ("Book", "a legacy Excel workbook (XLS, an OLE2 compound file)", SAVE_AS_CSV),
                ("WordDocument", "a legacy Word document (DOC, an OLE2 compound file)", EXPORT_AS_CSV),
                ("PowerPoint Document", "a legacy PowerPoint file (PPT, an OLE2 compound file)", EXPORT_AS_CSV))


def _ole2_format(head: bytes) -> BinaryFormat:
    """Which document, from the stream names of the directory when it lies in the head
    (names are UTF-16 LE, NUL-terminated)."""
    for stream, what, advice in OLE2_STREAMS:
        if (stream.encode("utf-16-le") + b"\x00\x00") in head:
            return BinaryFormat(what, advice)
    return BinaryFormat("an OLE2 compound file (a legacy Office document such as XLS)", SAVE_AS_CSV)
