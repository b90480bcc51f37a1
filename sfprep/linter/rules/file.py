"""F: file and encoding rules."""
from __future__ import annotations

from dataclasses import dataclass, field

import functools

from sfprep.core.batch import batch
from sfprep.core.model import Applicability, Edit, Finding, Fix, Severity
from sfprep.linter.registry import Scope, rule


@dataclass
class Utf8Seen:
    reported: bool = False       # the first invalid byte was reported: one F001 per file
    non_ascii_valid: bool = False  # valid UTF-8 beyond ASCII seen before it: re-encoding would garble it


@rule("F001", "invalid-utf8", "E", fix="S", state=Utf8Seen)
def invalid_utf8(chunk, ctx):
    """File is not valid UTF-8.

    ## What it checks
    That every byte sequence in the file is valid UTF-8. The first invalid byte is
    reported at its line. A UTF-16 or UTF-32 file (with or without a byte-order mark) is
    reported once, at line 1, and not checked further: its bytes are not UTF-8 text. So is
    a file that is not text at all, named by its first bytes: gzip, bzip2, xz or zstd data,
    a zip, 7-Zip or RAR archive, an XLSX, ODS or DOCX document, a legacy XLS (OLE2), a PDF,
    or bytes too full of control characters to be text. Every other rule is then listed
    as skipped, with that reason.

    ## Why it matters
    The Bulk API guide: "Files must be in UTF-8 format." A file saved as Windows-1252
    or UTF-16 by a spreadsheet loads with mangled accents, or fails outright.

    ## Example
    A file saved by Excel as "CSV (Windows)": `Caf\\xe9 Paris` (byte 0xE9 for é).

    ## Use instead
    `Café Paris` saved as UTF-8 (bytes C3 A9 for é).

    ## Fix
    Safe, and only when you name the source encoding (`sfprep fix --encoding cp1252`):
    the file is re-encoded from that encoding to UTF-8. sfprep never guesses an encoding,
    and offers no fix for a file that is partly valid UTF-8 already (re-encoding would
    garble that part). A UTF-16 or UTF-32 file is re-encoded only from an encoding of its
    own family (`--encoding utf-16`, `utf-32-le`, ...). A compressed, archived or binary
    file gets no fix: decompress or export it first. `sfprep fix` edits nothing else in a
    file that is not UTF-8.
    """
    seen = ctx.state(Utf8Seen)
    if seen.reported:
        return
    bad_at = chunk.first_invalid_utf8()
    if bad_at is None:
        if not chunk.data.isascii():
            seen.non_ascii_valid = True
        return
    seen.reported = True
    mixed = seen.non_ascii_valid or not chunk.data[:bad_at].isascii()
    line, record, column = chunk.locate(bad_at)
    bad = chunk.data[bad_at:bad_at + 1].hex().upper()
    yield Finding("F001", f"invalid UTF-8 byte 0x{bad}; the file must be UTF-8",
                  line=line, record=record, column=column, offset=chunk.base + bad_at,
                  fix=None if mixed else _reencode_fix(ctx))


def _reencode_fix(ctx, family: str | None = None) -> Fix | None:
    """The re-encode from --encoding; for a UTF-16 or UTF-32 file, only from an encoding of
    that family (cp1252 would "decode" UTF-32's NULs into text)."""
    encoding = ctx.settings.encoding if ctx.settings else None
    if not encoding or (family and not _in_family(encoding, family)):
        return None
    return Fix((), Applicability.SAFE, f"Re-encode the file from {encoding} to UTF-8",
               rewrite=("reencode", encoding))


def _in_family(encoding: str, family: str) -> bool:
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return True  # offered; the rewrite reports the unknown encoding as a usage error
    return name.startswith(family.lower())


@invalid_utf8.also(Scope.SNIFF)
def not_utf8_text(ctx):
    """One finding, at line 1, for a file that is not byte-oriented text (the engine stops after it)."""
    sniffed = ctx.sniffed
    if sniffed.binary is not None:
        yield Finding("F001", str(sniffed.binary), line=1)
    elif sniffed.wide_encoding:
        yield Finding("F001", f"file is encoded as {sniffed.wide_encoding}, not UTF-8", line=1,
                      fix=_reencode_fix(ctx, family=sniffed.wide_encoding[:6]))


@rule("F002", "utf8-bom", "E", fix="S", scope=Scope.SNIFF, formats=("csv",))
def utf8_bom(ctx):
    """UTF-8 byte-order mark at the start of the file.

    ## What it checks
    That the file does not start with the bytes EF BB BF (a UTF-8 byte-order mark), as
    Excel's "CSV UTF-8" and many Windows tools write.

    ## Why it matters
    The Bulk API does not strip the mark: it becomes part of the first column name, so
    `Name` is read as `\\ufeffName` and the load fails with "Field name not found", or
    the first column is silently dropped from the mapping.

    ## Example
    `EF BB BF` `Name,Phone` ...

    ## Use instead
    `Name,Phone` ... with no mark before it.

    ## Fix
    Safe: the three bytes of the mark are removed; nothing else changes.
    """
    if ctx.sniffed.bom:
        yield Finding("F002", "UTF-8 byte-order mark at the start of the file; it becomes part of the first column name",
                      line=1, offset=0, fix=Fix.safe("Remove the byte-order mark", Edit(0, 3)))


@rule("F003", "no-records", "E", scope=Scope.END)
def no_records(ctx):
    """File has no data records.

    ## What it checks
    That the file holds at least one record after the header row. An empty file, a file
    that is only a line break, and a header with no rows are reported.

    ## Why it matters
    The Bulk API guide: "A batch must contain some content." An empty batch fails; an
    empty file in a load usually means an export went wrong upstream.

    ## Example
    A file holding only `Name,Phone`.

    ## Use instead
    `Name,Phone` followed by at least one record, or no file at all.

    ## Fix
    None: sfprep cannot invent records.
    """
    if ctx.data_records == 0:
        if ctx.format == "xml" and ctx.xml is not None and (
                ctx.xml.syntax_error or any(p.code == "X003" for p in ctx.xml.problems)):
            return  # X001 or X003 says it: not read whole, or not a batch at all
        if ctx.format == "xml":
            what = "the batch holds no <sObject> record"
        elif ctx.header is None:
            what = "the file is empty"
        elif ctx.header.is_blank:
            what = "the first line is blank and no records follow"
        else:
            what = "the header has no records after it"
        yield Finding("F003", f"no records: {what}")


@rule("F004", "line-endings", "W", fix="S", scope=Scope.END, formats=("csv",))
def line_endings(ctx):
    """Mixed, CR-only, or (under bulk2) undeclared line endings.

    ## What it checks
    How records end. A file whose records end partly in CRLF and partly in LF is
    reported (warning) at the first line that differs from the file's dominant ending.
    A file that ends lines with a bare CR (classic Mac OS) is an error. Under the bulk2
    profile the job declares its `lineEnding` (LF by default, or CRLF with
    `--line-ending CRLF`) and any other ending is an error. Line breaks inside quoted
    values are data and are not counted.

    ## Why it matters
    Bulk API 2.0 rejects a file whose line endings do not match the job's `lineEnding`.
    Bulk API 1.0 reads mixed endings, but a stray CR stays in the last value of the row
    when the tool that wrote the file and the one that reads it disagree.

    ## Example
    `Name,Phone\\r\\n` `Acme,555\\n` `Globex,556\\r\\n`

    ## Use instead
    Every record ending the same way: `\\n` (or `\\r\\n` everywhere).

    ## Fix
    Safe: every record terminator is rewritten to the dominant ending (under bulk2, to the
    declared one; a CR-only file gets LF). Line breaks inside quoted values are left alone.
    """
    tally = ctx.line_endings
    if "CR" in tally.counts:
        yield Finding("F004", "lines end with a bare CR (old Mac line endings); use LF or CRLF", line=1,
                      severity=Severity.ERROR, fix=_line_ending_fix(ctx, "CR", "LF"))
        return
    required = ctx.required_line_ending
    if required:
        other = "LF" if required == "CRLF" else "CRLF"
        if other in tally.counts:
            yield Finding("F004", f"{tally.counts[other]} record(s) end with {other}, but the job's lineEnding is {required}",
                          line=tally.first_line[other], record=tally.first_record[other], severity=Severity.ERROR,
                          fix=_line_ending_fix(ctx, other, required))
        return
    if len(tally.counts) > 1:
        dominant = max(("LF", "CRLF"), key=lambda name: (tally.counts[name], -tally.first_record[name]))
        minority = "CRLF" if dominant == "LF" else "LF"
        yield Finding("F004", f"mixed line endings: {tally.counts[dominant]} {dominant} and "
                              f"{tally.counts[minority]} {minority}; first {minority} here",
                      line=tally.first_line[minority], record=tally.first_record[minority],
                      fix=_line_ending_fix(ctx, minority, dominant))


def _line_ending_fix(ctx, wrong: str, right: str) -> Fix:
    """A streaming rewrite (no offsets kept while linting: memory stays flat on huge files)."""
    return Fix((), Applicability.SAFE, f"End every record with {right}",
               rewrite=("line-endings", wrong, right, ctx.delimiter))


@functools.lru_cache(maxsize=1)
def _hex_table():
    """Two hex digits for each byte value, as a numpy array to index with bytes."""
    import numpy as np

    return np.array([f"{b:02X}" for b in range(256)])


@rule("F005", "control-character", "E", formats=("csv",))
def control_character(chunk, ctx):
    """NUL or other control character in the file.

    ## What it checks
    That the file holds no byte below 0x20 other than TAB, LF and CR: no NUL, no form
    feed, no escape, no vertical tab. One finding per line, at the first such byte.

    ## Why it matters
    Control characters are not valid in XML 1.0, which Salesforce uses internally, and a
    NUL truncates the value in many tools on the way. They come from binary exports,
    copy-paste from terminals, or a UTF-16 file read as bytes.

    ## Example
    `Acme\\x00Corp,555-0100`

    ## Use instead
    `Acme Corp,555-0100`

    ## Fix
    None: what the byte was meant to be is unknown.
    """
    import numpy as np

    import polars as pl

    bad = chunk.check_text().controls
    if len(bad) == 0:
        return
    lines = chunk.line_of(bad)
    first_per_line = bad[np.r_[True, lines[1:] != lines[:-1]]]
    lines, records, columns, _ = chunk.locate_arrays(first_per_line)
    hex_bytes = _hex_table()[chunk.array[first_per_line]]
    messages = pl.select(pl.format("control character 0x{} in field {}", pl.lit(pl.Series(hex_bytes)),
                                   pl.lit(pl.Series(columns)))).to_series()
    yield batch(lines=lines, records=records, columns=columns, offsets=first_per_line + chunk.base, messages=messages)


@rule("F006", "blank-line", "E", fix="S", formats=("csv",))
def blank_line(chunk, ctx):
    """Blank line between or after records.

    ## What it checks
    That no line of the file is empty, apart from the single line break that ends the last
    record. Blank lines inside quoted values are data and are not reported.

    ## Why it matters
    A blank line is a record with one empty field: the Bulk API reports it as a failed
    row, or (in an insert with no required fields) creates an empty record.

    ## Example
    `Name,Phone` / `Acme,555-0100` / (empty line) / `Globex,555-0199`

    ## Use instead
    The same records with the empty line removed.

    ## Fix
    Safe: the blank line (its line break) is deleted.
    """
    import numpy as np

    from sfprep.core.batch import BatchFix
    from sfprep.io.csv.chunk import TERM_CRLF

    blank = np.flatnonzero(chunk.record_ends == chunk.record_starts)
    if not len(blank):
        return
    starts = chunk.record_starts[blank]
    after = chunk.record_ends[blank] + np.where(chunk.terminators[blank] == TERM_CRLF, 2, 1)
    yield batch(lines=chunk.line_of(starts), messages="blank line", offsets=starts + chunk.base,
                fix=BatchFix(Applicability.SAFE, "Delete the blank line",
                             [(starts + chunk.base, after + chunk.base, b"")]))


@dataclass
class BareCrsFound:
    """F007's findings, held until the end: only then is the file's line ending known."""

    pending: list[Finding] = field(default_factory=list)


@rule("F007", "bare-cr-in-value", "W", state=BareCrsFound, formats=("csv",))
def bare_cr_in_value(chunk, ctx):
    """Bare CR inside a quoted value of a file whose line ending is LF.

    ## What it checks
    In a file whose records end with LF, that no quoted value holds a carriage return that
    is not followed by LF. Under the bulk2 profile (job `lineEnding` LF) it is an error.

    ## Why it matters
    Bulk API 2.0 treats a bare CR in an LF job as a line ending and rejects the upload;
    Bulk API 1.0 stores it in the value, where it shows as a broken line in the UI.

    ## Example
    `"first line\\rsecond line",Acme`

    ## Use instead
    `"first line\\nsecond line",Acme`

    ## Fix
    None: whether the CR was meant as a line break is for you to decide.
    """
    from sfprep.io.csv.scan import LF

    if ctx.sniffed.line_break != LF:
        return
    bare = chunk.check_text().bare_crs
    if len(bare) == 0:
        return
    fields = chunk.field_index_of(bare)
    inside = bare[chunk.field_quoted[fields] & (bare < chunk.field_ends[fields])]
    pending = ctx.state(BareCrsFound).pending
    seen: set[int] = set()
    for offset, line, record, column, field_index in zip(inside.tolist(), *chunk.locate_many(inside)):
        if field_index not in seen:
            seen.add(field_index)
            pending.append(Finding("F007", f"bare CR inside the quoted value of field {column}",
                                   line=line, record=record, column=column, offset=chunk.base + offset,
                                   severity=Severity.ERROR if ctx.required_line_ending == "LF" else None))


@bare_cr_in_value.also(Scope.END)
def _bare_cr_in_lf_file(ctx):
    """Reported at the end: only then is it known whether the file's line ending is LF."""
    counts = ctx.line_endings.counts
    file_is_lf = ctx.required_line_ending == "LF" or counts.get("LF", 0) > counts.get("CRLF", 0) or not counts
    return ctx.state(BareCrsFound).pending if file_is_lf else []


_SUFFIX_FORMATS = {".csv": "csv", ".xml": "xml"}


@rule("F008", "content-not-extension", "E", scope=Scope.SNIFF)
def content_not_extension(ctx):
    """The file's content is not what its name says (XML named .csv, CSV named .xml).

    ## What it checks
    sfprep tells XML from CSV by the content (an XML declaration, comment or start tag at
    the start) and lints the file as what it is; this rule says so when the name's
    extension says the other.

    ## Why it matters
    Loaders choose the job's content type by the extension: an XML batch sent as CSV fails
    every record, and the CSV rules' fixes would edit the markup (a "padded column name"
    fix would turn `<sObjects xmlns=` into `<sObjectsxmlns=`).

    ## Example
    `Account.csv` holding `<?xml version="1.0"?><sObjects ...>`

    ## Use instead
    `Account.xml` (or write the file as CSV: `sfprep convert Account.csv --to csv --out ...`)

    ## Fix
    None: rename the file, or convert it.
    """
    import os

    named = _SUFFIX_FORMATS.get(os.path.splitext(ctx.path)[1].lower())
    if named is not None and named != ctx.format and not ctx.sniffed.not_text:
        yield Finding("F008", f"the file is named .{named} but holds {ctx.format.upper()}: "
                              f"sfprep reads it as {ctx.format.upper()}; rename it to .{ctx.format}", line=1, offset=0)
