"""Salesforce's error text, `STATUS_CODE:message:fields --` (one after another when a record
has several), parsed into one row per error, as polars expressions over the whole column.

The message may hold colons (`Required fields are missing: [Name]`); the fields, after the
last colon, never do. A text that does not follow the form (a batch-level failure, a Data
Loader message) is kept whole as the message, with no status code."""
from __future__ import annotations

import polars as pl

ONE_ERROR = r"[A-Z][A-Z0-9_]*:(?s:.*?):[^:]*? ?--"     # `... --`, or `...:--` with no fields
PARTS = r"^([A-Z][A-Z0-9_]*):((?s:.*)):([^:]*?) ?--$"
STATUS_CODE, MESSAGE, FIELDS = "sfprep_status_code", "sfprep_message", "sfprep_fields"


def error_rows(frame: pl.DataFrame, error: str) -> pl.DataFrame:
    """`frame` with one row per error of its `error` column (a row with none keeps one row),
    and STATUS_CODE, MESSAGE and FIELDS in place of `error`. Texts with one `--` (nearly
    all) are parsed as they are; only the others are cut into their errors first."""
    several = pl.col(error).fill_null("").str.count_matches("--", literal=True) > 1
    single, multiple = frame.filter(~several), frame.filter(several)
    if len(multiple):
        found = pl.col(error).str.extract_all(ONE_ERROR)
        at = "__error_row"
        numbered = frame.with_row_index(at)
        single = numbered.filter(~several)
        multiple = (numbered.filter(several).with_columns(pl.when(found.list.len() > 0).then(found)
                                                          .otherwise(pl.concat_list(pl.col(error))).alias(error))
                    .explode(error))
        single = pl.concat([single, multiple]).sort(at, maintain_order=True).drop(at)
    text = pl.col(error).fill_null("")
    parsed = text.str.strip_chars().str.extract_groups(PARTS)
    code = parsed.struct.field("1")
    return single.with_columns(
        code.fill_null("").alias(STATUS_CODE),
        pl.when(code.is_null()).then(text.str.strip_chars()).otherwise(parsed.struct.field("2")).alias(MESSAGE),
        parsed.struct.field("3").fill_null("").str.strip_chars().alias(FIELDS),
    ).drop(error)
