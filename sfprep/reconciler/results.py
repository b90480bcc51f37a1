"""The result files, each recognised by its header and read into one frame of outcomes.

| kind | header | matched |
|---|---|---|
| bulk1 | `"Id","Success","Created","Error"` (CSV) or `<results><result>` (XML) | by position in its batch |
| bulk2 success | `sf__Id`, `sf__Created`, source columns | by content |
| bulk2 failed | `sf__Id`, `sf__Error`, source columns | by content |
| bulk2 unprocessed | source columns only | by content |
| Data Loader success / error | source columns with `ID` ... `STATUS` / ... `ERROR` | by content |

Every frame has OUTCOME ("success", "failed", "unprocessed"), ID, CREATED, ERROR and ROW
(1-based, as the file's records count), then the source columns it carries, by their
names in the result file.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sfprep.core.config import DELIMITER_NAMES
from sfprep.core.model import UsageError
from sfprep.io.files import regular_file_size
from sfprep.linter.frames import RESULT_CHECKS, read_table

OUTCOME, ID, CREATED, ERROR, ROW = "__outcome", "__id", "__created", "__error", "__row"
SUCCESS, FAILED, UNPROCESSED = "success", "failed", "unprocessed"
BULK1_NAMES = ("id", "success", "created", "error")
DATALOADER_STATUS = {"status": SUCCESS, "error": FAILED}


@dataclass
class ResultFile:
    path: str
    kind: str                 # "bulk1", "bulk2-success", "bulk2-failed", "bulk2-unprocessed", "dataloader-..."
    frame: pl.DataFrame
    columns: list[str]        # the source columns it carries (content kinds)

    @property
    def positional(self) -> bool:
        return self.kind == "bulk1"


def read_result(path: str, manifest: dict) -> ResultFile:
    """One result file, recognised by its header; a one-line UsageError when it is none."""
    regular_file_size(path)
    if _starts_with_markup(path):
        from sfprep.reconciler.xml_results import read_xml_results

        return ResultFile(path, "bulk1", read_xml_results(path), [])
    job = manifest.get("job") or {}
    delimiter = DELIMITER_NAMES.get(job.get("delimiter") or "COMMA", ",")
    options = {"delimiter": None, "profile": "bulk1"} if delimiter == "," else {"delimiter": delimiter,
                                                                                "profile": "bulk2"}
    frame = read_table(path, what="result file", codes=RESULT_CHECKS, **options)
    names = frame.columns
    lower = [name.strip().lower() for name in names]
    frame = frame.with_columns(pl.int_range(1, len(frame) + 1, dtype=pl.Int64).alias(ROW))
    if tuple(lower) == BULK1_NAMES:
        return ResultFile(path, "bulk1", _bulk1(frame, names), [])
    if lower[:2] in (["sf__id", "sf__created"], ["sf__id", "sf__error"]):
        return _bulk2(path, frame, names, lower)
    if _written_by_dataloader(frame, names):
        return _dataloader(path, frame, names, lower)
    if any(name.startswith("sf__") for name in lower):
        raise UsageError(f"{path}: not a result file Salesforce writes: its header starts "
                         f"{', '.join(names[:3])}")
    return ResultFile(path, "bulk2-unprocessed", _outcome_columns(frame, UNPROCESSED), list(names))


def _starts_with_markup(path: str) -> bool:
    try:
        with open(path, "rb") as stream:
            head = stream.read(512)
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror}") from None
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _truthy(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.to_lowercase() == "true"


def _bulk1(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    id_, success, created, error = names
    return frame.select(pl.when(_truthy(success)).then(pl.lit(SUCCESS)).otherwise(pl.lit(FAILED)).alias(OUTCOME),
                        pl.col(id_).str.strip_chars().alias(ID), _truthy(created).alias(CREATED),
                        pl.col(error).alias(ERROR), pl.col(ROW))


def _bulk2(path: str, frame: pl.DataFrame, names: list[str], lower: list[str]) -> ResultFile:
    succeeded = lower[1] == "sf__created"
    source = names[2:]
    outcome = pl.lit(SUCCESS if succeeded else FAILED).alias(OUTCOME)
    frame = frame.select(outcome, pl.col(names[0]).alias(ID),
                         (_truthy(names[1]) if succeeded else pl.lit(False)).alias(CREATED),
                         (pl.lit("") if succeeded else pl.col(names[1])).alias(ERROR), pl.col(ROW),
                         *[pl.col(name) for name in source])
    return ResultFile(path, "bulk2-success" if succeeded else "bulk2-failed", frame, source)


def _written_by_dataloader(frame: pl.DataFrame, names: list[str]) -> bool:
    """Data Loader's own columns, as it spells them: a last `ERROR`, or `ID` and a last
    `STATUS` whose values are its "Item Created" / "Item Updated" ... (a source column named
    Status, as Case has, is not mistaken for it)."""
    if not names or names[-1] not in ("STATUS", "ERROR"):
        return False
    if names[-1] == "ERROR":
        return True
    return "ID" in names and frame.select(pl.col("STATUS").str.starts_with("Item ").all()).item()


def _dataloader(path: str, frame: pl.DataFrame, names: list[str], lower: list[str]) -> ResultFile:
    """Data Loader's success file (the source columns, its `ID`, then `STATUS`) or error file
    (the source columns, then `ERROR`)."""
    status = names[-1]
    succeeded = DATALOADER_STATUS[lower[-1]] == SUCCESS
    id_at = lower.index("id") if succeeded and "id" in lower[:-1] else None   # its error file keeps the source's Id
    source = [name for at, name in enumerate(names[:-1]) if at != id_at]
    frame = frame.select(pl.lit(SUCCESS if succeeded else FAILED).alias(OUTCOME),
                         (pl.col(names[id_at]) if id_at is not None else pl.lit("")).alias(ID),
                         (pl.col(status).str.to_lowercase().str.contains("created") if succeeded
                          else pl.lit(False)).alias(CREATED),
                         (pl.lit("") if succeeded else pl.col(status)).alias(ERROR), pl.col(ROW),
                         *[pl.col(name) for name in source])
    return ResultFile(path, f"dataloader-{'success' if succeeded else 'error'}", frame, source)


def _outcome_columns(frame: pl.DataFrame, outcome: str) -> pl.DataFrame:
    sources = [name for name in frame.columns if name != ROW]
    return frame.select(pl.lit(outcome).alias(OUTCOME), pl.lit("").alias(ID), pl.lit(False).alias(CREATED),
                        pl.lit("").alias(ERROR), pl.col(ROW), *[pl.col(name) for name in sources])
