"""Findings in bulk: a rule that fails on many records yields one FindingBatch (numpy or
polars columns: lines, records, fields, offsets, messages, fixes) instead of one Python
object per finding. The frames of a file's findings all have one schema; a row becomes a
StampedFinding only where a report asks for one (`stamped_rows`)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

from sfprep.core.model import Applicability, Edit, Finding, Fix, Severity, StampedFinding

NO_FIX = 0  # the `applicability` of a row without a fix (1 unsafe, 2 safe)
COLUMNS = ("code", "severity", "line", "record", "column", "field", "offset", "message", "hint",
           "applicability", "description", "rewrite", "edits")


def schema() -> dict:
    import polars as pl

    return {"code": pl.String, "severity": pl.UInt8, "line": pl.Int64,
            "record": pl.Int64, "column": pl.Int64, "field": pl.String, "offset": pl.Int64,
            "message": pl.String, "hint": pl.String, "applicability": pl.UInt8, "description": pl.String,
            "rewrite": pl.String,
            "edits": pl.List(pl.Struct({"start": pl.Int64, "end": pl.Int64, "content": pl.Binary}))}


@dataclass
class FindingBatch:
    """Many findings of one rule, as columns (what `batch()` builds); the engine stamps the
    rule's code, name and severity on it."""

    frame: Any   # polars DataFrame with some of the schema's columns, one row per finding


def batch(*, lines, messages, records=None, columns=None, offsets=None, field=None, severity=None,
          hints=None, fix: "BatchFix | None" = None) -> FindingBatch:
    """A FindingBatch from equal-length arrays (numpy arrays, polars Series or lists); a
    str, int or None for one of them applies it to every finding."""
    import polars as pl

    size = len(lines)
    data = {"line": _column(lines, size, pl.Int64), "record": _column(records, size, pl.Int64),
            "column": _column(columns, size, pl.Int64), "field": _column(field, size, pl.String),
            "offset": _column(offsets, size, pl.Int64), "message": _column(messages, size, pl.String),
            "hint": _column(hints, size, pl.String),
            "severity": _column(None if severity is None else int(severity), size, pl.UInt8)}
    frame = pl.DataFrame(data)
    if fix is not None:
        frame = frame.with_columns(fix.columns(size))
    return FindingBatch(frame)


@dataclass
class BatchFix:
    """The fixes of a batch: each finding's edits [(starts, ends, contents), ...] (one triple
    per edit a finding may have; a null start means that finding has no such edit), and
    one applicability and description for all (or a description per finding)."""

    applicability: Applicability
    description: Any
    edits: Sequence[tuple[Any, Any, Any]]

    def columns(self, size: int) -> list:
        import polars as pl

        return [pl.lit(int(self.applicability), pl.UInt8).alias("applicability"),
                _column(self.description, size, pl.String).alias("description"),
                pl.lit(self._edit_lists(size)).alias("edits")]

    def _edit_lists(self, size: int):
        """Each finding's list of edits, its null slots left out. Built as one series of
        size x slots structs reshaped into rows: polars' concat_list of struct columns is
        some twenty times slower."""
        import numpy as np
        import polars as pl

        slots = []   # per edit slot: a struct per finding, null where the finding has no such edit
        for starts, ends, contents in self.edits:
            start = _column(starts, size, pl.Int64)
            edit = pl.struct(start=start, end=_column(ends, size, pl.Int64), content=_column(contents, size, pl.Binary))
            slots.append(pl.select(pl.when(start.is_not_null()).then(edit)).to_series())
        width = len(slots)
        row_major = (np.arange(size)[:, None] + np.arange(width)[None, :] * size).ravel()
        rows = pl.concat(slots).gather(row_major).reshape((size, width)).arr.to_list()
        return pl.select(rows.list.filter(pl.element().is_not_null())).to_series().alias("edits")


def messages_by_key(keys, render: Callable[[Any], str]):
    """One message per finding when the message depends only on a key with few distinct
    values (a ragged record's field count): each distinct key is rendered once, in Python,
    and the messages are a dictionary-encoded column of codes into them, never a million
    strings formatted and then found to repeat."""
    import numpy as np
    import polars as pl

    distinct, codes = np.unique(np.asarray(keys), return_inverse=True)
    words = pl.Series([render(key.item()) for key in distinct], dtype=pl.String).cast(pl.Categorical)
    return words.gather(pl.Series(codes.astype(np.uint32, copy=False)))


def messages_by_text_and_number(texts, numbers, render: Callable[[str, int], str], most: int = 4096):
    """messages_by_key for a message made of a short text and a number (`" " outside the
    quotes of field 3`): rendered once per distinct pair. None when there are more than
    `most` of them: the caller renders those per row, in polars."""
    import numpy as np
    import polars as pl

    text_codes = texts.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    numbers = np.asarray(numbers, dtype=np.int64)
    base = int(numbers.max()) + 1 if len(numbers) else 1
    distinct, firsts, codes = np.unique(text_codes * base + numbers, return_index=True, return_inverse=True)
    if len(distinct) > most:
        return None
    distinct_texts = texts.gather(firsts).cast(pl.String)
    words = pl.Series([render(text, int(number)) for text, number in zip(distinct_texts, numbers[firsts])],
                      dtype=pl.String).cast(pl.Categorical)
    return words.gather(pl.Series(codes.astype(np.uint32, copy=False)))


def _column(values, size: int, dtype):
    import polars as pl

    if values is None or isinstance(values, (str, int, bytes)):
        return pl.repeat(values, size, dtype=dtype, eager=True) if size else pl.Series([], dtype=dtype)
    if isinstance(values, pl.Series):
        return values.cast(dtype)
    return pl.Series(values, dtype=dtype)


def stamp(found: FindingBatch, code: str, severity: Severity):
    """The batch's frame with every column of the schema, the rule's code and severity."""
    import polars as pl

    frame = found.frame
    present = set(frame.columns)
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in schema().items()
               if name not in present and name not in ("code", "severity")]
    stamped_severity = (pl.col("severity").fill_null(int(severity)) if "severity" in present
                        else pl.lit(int(severity), pl.UInt8)).cast(pl.UInt8)
    return frame.with_columns(*missing, pl.lit(code).alias("code"),
                              stamped_severity.alias("severity")).select(COLUMNS)


def frame_of(findings: Iterable[StampedFinding]):
    """StampedFindings as one frame of the schema."""
    import polars as pl

    rows = [_row(stamped) for stamped in findings]
    return pl.DataFrame(rows, schema=schema(), orient="row")


def _row(stamped: StampedFinding) -> tuple:
    f, fix = stamped.finding, stamped.finding.fix
    return (f.code, int(stamped.severity), f.line, f.record, f.column, f.field, f.offset,
            f.message, f.hint, None if fix is None else int(fix.applicability),
            None if fix is None else fix.description,
            None if fix is None or fix.rewrite is None else json.dumps(fix.rewrite),
            None if fix is None or fix.rewrite is not None else
            [{"start": e.start, "end": e.end, "content": e.replacement} for e in fix.edits])


def stamped_rows(frame, path: str, rule_names: dict[str, str]) -> Iterator[StampedFinding]:
    """The frame's rows as StampedFindings, made one at a time."""
    for (code, severity, line, record, column, field, offset, message, hint, applicability,
         description, rewrite, edits) in frame.iter_rows():
        rule_name = rule_names.get(code, code)
        fix = None
        if applicability is not None:
            fix = Fix(tuple(Edit(e["start"], e["end"], e["content"]) for e in edits or ()),
                      Applicability(applicability), description,
                      tuple(json.loads(rewrite)) if rewrite is not None else None)
        finding = Finding(code, message, line, record, column, field, offset, fix, None, hint)
        yield StampedFinding(path, Severity(severity), rule_name, finding)
