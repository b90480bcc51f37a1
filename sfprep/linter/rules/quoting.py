"""Q: CSV structure and quoting rules.

The scanner (sfprep/io/csv/scan.py) resolves quoting once for all of them and lists
each quoting anomaly; these rules turn the anomalies of their kind into findings.
"""
from __future__ import annotations

from dataclasses import dataclass

from sfprep.core.batch import batch, messages_by_key, messages_by_text_and_number
from sfprep.core.model import Applicability, Finding, Fix, Skipped
from sfprep.linter.checks import show_series
from sfprep.io.sniff import DELIMITERS
from sfprep.linter.registry import Scope, rule

_DELIMITER_NAMES = {char: name.lower() for name, char in DELIMITERS.items()}


@dataclass
class QuotingTally:
    anomalies: int = 0   # quoting problems anywhere in the file (Q002, Q004, Q005)


@rule("Q001", "wrong-delimiter", "E", fix="S", scope=Scope.END, state=QuotingTally, formats=("csv",))
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
    ctx.state(QuotingTally).anomalies += chunk.anomaly_count
    return ()


def _anomalies_of(chunk, *kinds):
    """(positions, quotes) of the chunk's anomalies of these kinds, in file order, as arrays
    (a file can have one on every field)."""
    import numpy as np

    from sfprep.io.csv.chunk import ANOMALY_KINDS

    all_kinds, positions, quotes = chunk.anomaly_arrays()
    chosen = np.isin(all_kinds, [ANOMALY_KINDS.index(kind) for kind in kinds])
    return positions[chosen], quotes[chosen]


def _numbered(template: str, numbers):
    """The template with each number (e.g. a field position) in its `{}`: one message each."""
    import polars as pl

    return pl.select(pl.format(template, pl.lit(pl.Series(numbers)))).to_series()


def _text_outside_quotes(chunk):
    """Q004's batch: one finding per field with text outside its quotes (before the opening
    quote, after the closing one, or both), a safe fix when that text is blank."""
    import numpy as np
    import polars as pl

    from sfprep.core.batch import BatchFix
    from sfprep.io.csv.chunk import ANOMALY_KINDS, OUTSIDE_AFTER_CLOSE, OUTSIDE_BEFORE_OPEN
    from sfprep.io.csv.frame import texts_of

    kinds, positions, quotes = chunk.anomaly_arrays()
    after, before = ANOMALY_KINDS.index(OUTSIDE_AFTER_CLOSE), ANOMALY_KINDS.index(OUTSIDE_BEFORE_OPEN)
    chosen = (kinds == after) | (kinds == before)
    if not chosen.any():
        return
    starts, kinds = positions[chosen], kinds[chosen]
    lines, records, columns, fields = chunk.locate_arrays(starts)
    ends = np.where(kinds == after, chunk.field_ends[fields], quotes[chosen])
    junk = texts_of(chunk, starts, ends)
    blank = _only_blanks(chunk.array, starts, ends)
    # A field has at most two spans (before and after its quotes), next to each other here:
    # its first, and a second where the next span is of the same field.
    first = np.flatnonzero(np.r_[True, fields[1:] != fields[:-1]])
    paired = np.r_[fields[first[:-1] + 1] == fields[first[:-1]], first[-1] + 1 < len(fields)]
    second = np.where(paired, first + 1, first)   # unpaired: itself, masked out below
    has_second = pl.Series(paired)
    shown = show_series(junk.str.slice(0, 20))
    shown_first = pl.lit(shown.gather(first))
    text = pl.select(pl.when(has_second).then(shown_first + " and " + pl.lit(shown.gather(second)))
                     .otherwise(shown_first)).to_series()
    messages = messages_by_text_and_number(text, columns[first], "{} outside the quotes of field {}".format)
    if messages is None:  # outside text that differs from field to field: rendered per row
        messages = pl.select(pl.format("{} outside the quotes of field {}", pl.lit(text),
                                       pl.lit(pl.Series(columns[first])))).to_series()
    blank_field = pl.Series(blank[first] & (blank[second] | ~paired))
    edit_starts, edit_ends = starts + chunk.base, ends + chunk.base
    edits = [(edit_starts[first], edit_ends[first], b"")]
    if paired.any():
        second_start = pl.select(pl.when(has_second).then(pl.lit(pl.Series(edit_starts[second])))).to_series()
        edits.append((second_start, edit_ends[second], b""))
    fix = BatchFix(Applicability.SAFE, "Remove the spaces outside the quotes", edits)
    found = batch(lines=lines[first], records=records[first], columns=columns[first],
                  offsets=edit_starts[first], messages=messages, fix=fix)
    no_fix = ~blank_field
    if no_fix.any():  # junk that is not blank: no fix for that field
        found.frame = found.frame.with_columns(
            pl.when(no_fix).then(None).otherwise(pl.col(name)).alias(name)
            for name in ("applicability", "description", "edits"))
    yield found


def _only_blanks(arr, starts, ends):
    """For each span [start, end) of the chunk: it is not empty and holds only spaces and tabs."""
    import numpy as np

    lengths = ends - starts
    if not len(lengths):
        return np.zeros(0, dtype=bool)
    offsets = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(lengths.sum())
    values = arr[offsets]
    blank = (values == 0x20) | (values == 0x09)
    firsts = np.r_[0, np.cumsum(lengths)[:-1]]
    nonempty = lengths > 0
    result = np.zeros(len(lengths), dtype=bool)
    result[nonempty] = np.logical_and.reduceat(blank, firsts[nonempty])
    return result


@rule("Q002", "stray-quote", "E", formats=("csv",))
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
    from sfprep.io.csv.chunk import STRAY_QUOTE

    positions, _ = _anomalies_of(chunk, STRAY_QUOTE)
    if len(positions):
        lines, records, columns, _ = chunk.locate_arrays(positions)
        yield batch(lines=lines, records=records, columns=columns, offsets=positions + chunk.base,
                    messages=_numbered("stray quote in unquoted field {}; quote the whole value and double the quote",
                                       columns))


@rule("Q003", "unterminated-quote", "E", scope=Scope.END, formats=("csv",))
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


@rule("Q004", "text-outside-quotes", "E", fix="S", formats=("csv",))
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
    yield from _text_outside_quotes(chunk)


@rule("Q005", "unescaped-quote", "E", formats=("csv",))
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
    import numpy as np

    from sfprep.io.csv.chunk import UNESCAPED_QUOTE

    positions, _ = _anomalies_of(chunk, UNESCAPED_QUOTE)
    if len(positions):
        lines, records, columns, fields = chunk.locate_arrays(positions)
        first = np.r_[True, fields[1:] != fields[:-1]]   # one finding per field, at its first lone quote
        yield batch(lines=lines[first], records=records[first], columns=columns[first],
                    offsets=positions[first] + chunk.base,
                    messages=_numbered('unescaped quote inside quoted field {}; double it ("")', columns[first]))


@rule("Q006", "ragged-record", "E", formats=("csv",))
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
    indices = np.flatnonzero(ragged)
    if not len(indices):
        return
    starts = chunk.record_starts[indices]
    messages = messages_by_key(counts[indices], lambda found: f"record has {found} field{'' if found == 1 else 's'}, "
                                                              f"the header has {expected}")
    yield batch(lines=chunk.line_of(starts), records=indices + chunk.first_record, offsets=starts + chunk.base,
                messages=messages)
