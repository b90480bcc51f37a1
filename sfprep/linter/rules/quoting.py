"""Q: CSV structure and quoting rules.

The scanner (sfprep/io/csv/scan.py) resolves quoting once for all of them and lists
each quoting anomaly; these rules turn the anomalies of their kind into findings.
"""
from __future__ import annotations

from dataclasses import dataclass

from sfprep.core.model import Applicability, Edit, Finding, Fix, Skipped
from sfprep.io.sniff import DELIMITERS
from sfprep.linter.registry import Scope, rule

_DELIMITER_NAMES = {char: name.lower() for name, char in DELIMITERS.items()}


@dataclass
class QuotingTally:
    anomalies: int = 0   # quoting problems anywhere in the file (Q002, Q004, Q005)


@rule("Q001", "wrong-delimiter", "E", fix="S", scope=Scope.END, state=QuotingTally)
def wrong_delimiter(ctx):
    """Delimiter is not a comma (or not the bulk2 job's declared delimiter).

    ## What it checks
    Which character separates the header's columns. A header with no comma but with
    tabs, semicolons, pipes, carets or backquotes is evidently delimited by that
    character. Under the bulk2 profile the job's `columnDelimiter` (`--delimiter`) is the
    one required. The rest of the file is read with the delimiter found, so that the other
    rules still see its real columns.

    ## Why it matters
    The Bulk API 1.0 guide: "The Bulk API doesn't support any delimiter except for a
    comma." A semicolon file (Excel's CSV in much of Europe) loads as one column whose
    name is the whole header line.

    ## Example
    `Name;Phone;Industry`

    ## Use instead
    `Name,Phone,Industry`

    ## Fix
    Safe when the delimiter is unambiguous and the file has no quoting problem (Q002-Q005):
    the file is rewritten with commas, quoting every value that holds a comma, a quote or
    a line break. Values are unchanged.
    """
    if ctx.delimiter != ctx.expected_delimiter:
        found = _DELIMITER_NAMES.get(ctx.delimiter, repr(ctx.delimiter))
        wanted = _DELIMITER_NAMES.get(ctx.expected_delimiter, repr(ctx.expected_delimiter))
        fix = None
        if _is_unambiguous(ctx):
            fix = Fix((), Applicability.SAFE, f"Rewrite the file with {wanted}s", rewrite=("redelimit", ctx.delimiter, ctx.expected_delimiter))
        yield Finding("Q001", f"the file is {found}-delimited; the job needs {wanted}s",
                      line=1, record=0, fix=fix)


def _is_unambiguous(ctx) -> bool:
    """One candidate delimiter in the header, and quoting clean enough to re-read exactly."""
    counts = ctx.sniffed.header_delimiter_counts
    one_delimiter = sum(1 for count in counts.values() if count > 0) == 1
    return one_delimiter and ctx.state(QuotingTally).anomalies == 0 and ctx.unterminated_quote is None


@wrong_delimiter.also(Scope.CHUNK)
def _count_quoting_anomalies(chunk, ctx):
    """A file re-delimited by re-reading its values needs quoting the reader takes exactly."""
    ctx.state(QuotingTally).anomalies += len(chunk.anomalies)
    return ()


def _anomalies(chunk, *kinds):
    """(anomaly, line, record number, column, field index) of the chunk's anomalies of these
    kinds, located all at once (a file can have one on every line)."""
    import numpy as np

    chosen = [anomaly for anomaly in chunk.anomalies if anomaly.kind in kinds]
    if not chosen:
        return
    positions = np.fromiter((anomaly.position for anomaly in chosen), dtype=np.int64, count=len(chosen))
    yield from zip(chosen, *chunk.locate_many(positions))


@rule("Q002", "stray-quote", "E")
def stray_quote(chunk, ctx):
    """Double quote inside an unquoted field.

    ## What it checks
    That a field which does not start with a double quote contains none: a quote is only
    allowed in a value that is enclosed in quotes, doubled (`""`).

    ## Why it matters
    The Bulk API reads quotes by RFC 4180. A bare quote in the middle of a value (inch
    marks, nicknames) makes the row fail, or swallows the following delimiters and lines
    into one value.

    ## Example
    `Widget 12" pipe,4.50`

    ## Use instead
    `"Widget 12"" pipe",4.50`

    ## Fix
    None: whether the quote is text or a broken quoted value needs a person to decide.
    """
    from sfprep.io.csv.scan import STRAY_QUOTE

    for anomaly, line, record, column, _ in _anomalies(chunk, STRAY_QUOTE):
        yield Finding("Q002", f"stray quote in unquoted field {column}; quote the whole value and double the quote",
                      line=line, record=record, column=column, offset=chunk.base + anomaly.position)


@rule("Q003", "unterminated-quote", "E", scope=Scope.END)
def unterminated_quote(ctx):
    """Quoted field never closed: the end of the file is reached inside quotes.

    ## What it checks
    That every quoted field has its closing quote. The finding is placed at the line where
    the unclosed quote opened, which is where the mistake is.

    ## Why it matters
    Everything after the opening quote, every following line, becomes one value: the
    batch fails or the record count is silently wrong.

    ## Example
    `"Acme,555-0100` / `Globex,555-0199`

    ## Use instead
    `"Acme",555-0100` / `Globex,555-0199`

    ## Fix
    None: where the quote should close cannot be known.
    """
    if ctx.unterminated_quote is not None:
        line, record, column = ctx.unterminated_quote
        yield Finding("Q003", f"quoted field {column} opened here is never closed",
                      line=line, record=record, column=column)


@rule("Q004", "text-outside-quotes", "E", fix="S")
def text_outside_quotes(chunk, ctx):
    """Characters between a closing quote and the delimiter, or before an opening quote.

    ## What it checks
    That a quoted field is exactly the quoted value: nothing between the closing quote and
    the next delimiter or line end, and nothing between the delimiter and the opening
    quote. `"John", "Smith"` and `"John" ,x` are both reported.

    ## Why it matters
    The Bulk API guide: "A space before or after a double quote generates an error for
    the row." Hand-edited and generated files often pad after the comma.

    ## Example
    `"Smith" ,"John"` and `"Smith", "John"`

    ## Use instead
    `"Smith","John"`

    ## Fix
    Safe when the characters outside the quotes are spaces or tabs: they are removed. The
    quoted value itself is unchanged. Other characters there need a person.
    """
    from sfprep.io.csv.scan import OUTSIDE_AFTER_CLOSE, OUTSIDE_BEFORE_OPEN

    by_field: dict[tuple[int, int], list] = {}
    for anomaly, line, record, column, field_index in _anomalies(chunk, OUTSIDE_AFTER_CLOSE, OUTSIDE_BEFORE_OPEN):
        if anomaly.kind == OUTSIDE_AFTER_CLOSE:
            start, end = anomaly.position, int(chunk.field_ends[field_index])
        else:
            start, end = anomaly.position, anomaly.quote
        by_field.setdefault((record, column), []).append((line, start, end))
    for (record, column), spans in by_field.items():
        line, first_start, _ = spans[0]
        junks = [chunk.data[start:end] for _, start, end in spans]
        fix = None
        if all(junk and not junk.strip(b" \t") for junk in junks):
            edits = [Edit(chunk.base + start, chunk.base + end) for _, start, end in spans]
            fix = Fix.safe("Remove the spaces outside the quotes", *edits)
        shown = " and ".join(repr(junk.decode("utf-8", "replace")[:20]) for junk in junks)
        yield Finding("Q004", f"{shown} outside the quotes of field {column}",
                      line=line, record=record, column=column, offset=chunk.base + first_start, fix=fix)


@rule("Q005", "unescaped-quote", "E")
def unescaped_quote(chunk, ctx):
    """Unescaped double quote inside a quoted field.

    ## What it checks
    That a double quote inside a quoted value is doubled. A lone quote followed by
    something other than a delimiter, a line end, or a second quote is reported.

    ## Why it matters
    The Bulk API guide: a double quote inside a quoted value "must be escaped by
    preceding it with another double quote character". Otherwise the value ends early
    and the rest of the row is misread.

    ## Example
    `"He said "hi" today",Acme`

    ## Use instead
    `"He said ""hi"" today",Acme`

    ## Fix
    None: which quotes are text and which close the value needs a person.
    """
    from sfprep.io.csv.scan import UNESCAPED_QUOTE

    seen: set[tuple[int, int]] = set()
    for anomaly, line, record, column, _ in _anomalies(chunk, UNESCAPED_QUOTE):
        if (record, column) in seen:
            continue
        seen.add((record, column))
        yield Finding("Q005", f"unescaped quote inside quoted field {column}; double it (\"\")",
                      line=line, record=record, column=column, offset=chunk.base + anomaly.position)


@rule("Q006", "ragged-record", "E")
def ragged_record(chunk, ctx):
    """Record has a different number of fields than the header.

    ## What it checks
    That every record has as many fields as the header row. Blank lines are left to F006.

    ## Why it matters
    The Bulk API fails a row whose field count differs from the header's; a row with one
    field too many usually means an unquoted comma, so every later value is in the wrong
    column.

    ## Example
    `Name,Phone,Industry` / `Acme, Inc.,555-0100,Retail`

    ## Use instead
    `Name,Phone,Industry` / `"Acme, Inc.",555-0100,Retail`

    ## Fix
    None: which comma is wrong cannot be known.
    """
    import numpy as np

    if ctx.header is None:
        if chunk.first_record > 0:  # the header was too long to read
            yield Skipped("the header is too long to read")
        return
    expected = len(ctx.header.names)
    counts = chunk.fields_per_record()
    ragged = (counts != expected) & (chunk.record_ends != chunk.record_starts)
    if chunk.first_record == 0 and len(ragged):
        ragged[0] = False
    for index in np.flatnonzero(ragged).tolist():
        start = int(chunk.record_starts[index])
        found = int(counts[index])
        yield Finding("Q006", f"record has {found} field{'s' * (found != 1)}, the header has {expected}",
                      line=int(chunk.line_of(start)), record=chunk.first_record + index,
                      offset=chunk.base + start)
