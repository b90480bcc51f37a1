"""The pieces of a Bulk XML batch, shared by `convert --to xml` and `split` of an XML source:
the namespaces, a record's tags, and what each column writes for a value, a null and an
empty value (as polars expressions; native/_records.c writes the same bytes)."""
from __future__ import annotations

from sfprep.core.model import UsageError
from sfprep.io.xml.names import parse_name

DATALOAD = "http://www.force.com/2009/06/asyncapi/dataload"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NULL = "#N/A"
# One record a line, no indentation: what a batch holds counts against its 10 MB, and a
# record a line still diffs like CSV.
RECORD_START, RECORD_END = "<sObject>", "</sObject>\n"


def column_parts(name: str) -> tuple[str, str, str]:
    """(what is written before a column's escaped value, after it, instead of it for a null)."""
    parts = parse_name(name)
    if parts is None:
        raise UsageError(f"column {name!r} cannot be written as an XML element")
    if parts.target is None:
        opening, closing, field = "", "", parts.element
    else:
        kind = f"<type>{parts.object_type}</type>" if parts.object_type else ""
        opening = f"<{parts.element}><sObject>{kind}"
        closing = f"</sObject></{parts.element}>"
        field = parts.target
    nil = f"{opening}<{field} xsi:nil=\"true\"/>{closing}"
    return f"{opening}<{field}>", f"</{field}>{closing}", nil


def column_expr(index: int, name: str):
    """The XML of one column's value in a record: nothing for an empty value, the element
    with xsi:nil for #N/A, else the element with the escaped text."""
    import polars as pl

    before, after, nil = column_parts(name)
    value = pl.col(f"c{index}")
    escaped = value.str.replace_many(["&", "<", ">", "\r"], ["&amp;", "&lt;", "&gt;", "&#13;"])
    return (pl.when(value == "").then(pl.lit(""))
            .when(value == NULL).then(pl.lit(nil))
            .otherwise(pl.lit(before) + escaped + pl.lit(after)))
