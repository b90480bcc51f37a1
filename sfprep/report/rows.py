"""Report lines for many findings at once: polars expressions over a FindingStore's frames
(core/findings.py), so a million findings are written without a Python object each."""
from __future__ import annotations

SLICE = 1 << 16  # rows rendered at a time: memory stays bounded however many findings


def write_joined(out, frame, render, separator: str, first: bool = True) -> None:
    """Write render(rows) for every row of the frame, each after `separator` (but the very
    first, when `first`), slice by slice, straight from polars to the stream's bytes."""
    import polars as pl

    binary = getattr(out, "buffer", None)
    if binary is not None:
        out.flush()
    for start in range(0, frame.height, SLICE):
        texts = render(frame.slice(start, SLICE))
        if first and start == 0:
            texts = pl.concat([texts.head(1), separator + texts.slice(1)]) if len(texts) > 1 else texts
        else:
            texts = separator + texts
        if binary is None:  # a text stream with no bytes beneath it (a test's StringIO)
            out.write(texts.str.join("").item())
        else:
            pl.DataFrame({"text": texts}).write_csv(binary, include_header=False, quote_style="never",
                                                     line_terminator="")
    if binary is not None:
        binary.flush()


def concise_lines(frame, path: str):
    """`path:line:col: CODE [*] message` for each row, one String Series."""
    import polars as pl

    where = pl.concat_str([pl.lit(path),
                           pl.when(pl.col("line").is_not_null()).then(pl.lit(":") + pl.col("line").cast(pl.String))
                           .otherwise(pl.lit("")),
                           pl.when(pl.col("column").is_not_null()).then(pl.lit(":") + pl.col("column").cast(pl.String))
                           .otherwise(pl.lit(""))])
    marker = pl.when(pl.col("applicability") == 2).then(pl.lit("[*] ")) \
        .when(pl.col("applicability") == 1).then(pl.lit("[-] ")).otherwise(pl.lit(""))
    return frame.select(pl.concat_str([where, pl.lit(": "), pl.col("code"), pl.lit(" "), marker,
                                       pl.col("message"), pl.lit("\n")])).to_series()


SEVERITY_WORDS = {1: "info", 2: "warning", 3: "error"}
APPLICABILITY_WORDS = {1: "unsafe", 2: "safe"}


def json_findings(frame, path: str):
    """Each row as the JSON report's finding object (CLI.md), one JSON text per row."""
    import polars as pl

    edits = pl.col("edits").list.eval(pl.struct(
        start=pl.element().struct.field("start"), end=pl.element().struct.field("end"),
        content=pl.element().struct.field("content").cast(pl.String)))
    fix = pl.when(pl.col("applicability").is_not_null()).then(pl.struct(
        applicability=pl.col("applicability").replace_strict(APPLICABILITY_WORDS, return_dtype=pl.String),
        description=pl.col("description"),
        edits=pl.when(pl.col("rewrite").is_null()).then(edits)))
    finding = pl.struct(
        path=pl.lit(path), code=pl.col("code"),
        severity=pl.col("severity").replace_strict(SEVERITY_WORDS, return_dtype=pl.String),
        message=pl.col("message"), line=pl.col("line"), record=pl.col("record"), column=pl.col("column"),
        field=pl.col("field"), fix=fix, hint=pl.col("hint"))
    return frame.select(finding.struct.json_encode()).to_series()
