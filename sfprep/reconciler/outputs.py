"""What reconcile writes in its folder, summary.json last (the folder's marker):

| file | rows |
|---|---|
| success.csv | `sfprep_record`, `sf__Id`, `sf__Created`, the source columns: one per record that loaded |
| errors.csv | `sfprep_record`, `sf__Id`, status code, message, fields, the source columns: one per error |
| unprocessed.csv | `sfprep_record`, the source columns: records Salesforce did not process |
| retry.csv | the source columns of the failed and unprocessed records, in source order, in the job's delimiter and line ending: ready to split and load again |
| unaccounted.csv | `sfprep_record`, the source columns: records no result names (only when there are any) |
| unmatched_results.csv | result rows that match no record (only when there are any) |
| summary.json | counts per outcome and per status code, the top errors, the files read |
"""
from __future__ import annotations

import json
import os

import polars as pl

from sfprep.core.config import DELIMITER_NAMES
from sfprep.reconciler.errors import FIELDS, MESSAGE, STATUS_CODE, error_rows
from sfprep.reconciler.match import FILE
from sfprep.reconciler.results import CREATED, ERROR, FAILED, ID, OUTCOME, ROW, SUCCESS, UNPROCESSED
from sfprep.reconciler.source import RECORD

SUMMARY = "summary.json"
RECORD_COLUMN = "sfprep_record"
TOP_ERRORS = 10
SUMMARY_VERSION = 1


def write_outputs(folder, outcomes: pl.DataFrame, names: list[str], job: dict, unmatched: pl.DataFrame,
                  result_paths: list[str]) -> tuple[dict[str, int], pl.DataFrame]:
    """Every CSV into the temporary folder (written side by side: polars writes without the
    GIL); the rows each holds, and the errors (a row each)."""
    from concurrent.futures import ThreadPoolExecutor

    record = pl.col(RECORD).alias(RECORD_COLUMN)
    outcome = pl.col(OUTCOME)
    failed = outcomes.filter(outcome == FAILED)
    errors = error_rows(failed.select(record, pl.col(ID).alias("sf__Id"), pl.col(ERROR), *names), ERROR)
    delimiter = DELIMITER_NAMES.get(job.get("delimiter") or "COMMA", ",")
    terminator = "\r\n" if job.get("line_ending") == "CRLF" and job.get("content_type") != "XML" else "\n"
    files = {
        "success.csv": lambda: outcomes.filter(outcome == SUCCESS).select(
            record, pl.col(ID).alias("sf__Id"), pl.col(CREATED).cast(pl.String).alias("sf__Created"), *names),
        "errors.csv": lambda: errors.select(RECORD_COLUMN, "sf__Id", STATUS_CODE, MESSAGE, FIELDS, *names),
        "unprocessed.csv": lambda: outcomes.filter(outcome == UNPROCESSED).select(record, *names),
        "retry.csv": lambda: outcomes.filter(outcome.is_in([FAILED, UNPROCESSED])).select(names),
    }
    if outcomes.select(outcome.is_null().any()).item():
        files["unaccounted.csv"] = lambda: outcomes.filter(outcome.is_null()).select(record, *names)
    if len(unmatched):
        paths = dict(enumerate(result_paths))
        files["unmatched_results.csv"] = lambda: unmatched.select(
            pl.col(FILE).replace_strict(paths, return_dtype=pl.String).alias("sfprep_result_file"),
            pl.col(ROW).alias("sfprep_result_row"), pl.col(OUTCOME).alias("sfprep_outcome"),
            pl.col(ID).alias("sf__Id"), pl.col(ERROR).alias("sf__Error"), pl.col("reason").alias("sfprep_reason"))

    def write(name: str) -> int:
        dialect = (delimiter, terminator) if name == "retry.csv" else (",", "\n")
        return _write(folder.path(name), files[name](), *dialect)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sfprep-reconcile-write") as pool:
        counts = list(pool.map(write, files))
    return dict(zip(files, counts)), errors.select(STATUS_CODE, MESSAGE)


def _write(path: str, frame: pl.DataFrame, delimiter: str = ",", terminator: str = "\n") -> int:
    with open(path, "wb") as stream:
        frame.write_csv(stream, separator=delimiter, line_terminator=terminator, quote_style="necessary")
        stream.flush()
        os.fsync(stream.fileno())
    return len(frame)


def summary_dict(*, manifest_path: str, manifest: dict, outcomes: pl.DataFrame, errors: pl.DataFrame, results,
                 batches: dict[int, int], unmatched: pl.DataFrame, ambiguous: int, written: dict[str, int],
                 read_from: str) -> dict:
    counts = dict(outcomes.group_by(OUTCOME).len().iter_rows())
    created = int(outcomes.filter((pl.col(OUTCOME) == SUCCESS) & pl.col(CREATED)).height)
    per_code = errors.group_by(STATUS_CODE).len().sort(["len", STATUS_CODE], descending=[True, False])
    top = (errors.group_by(STATUS_CODE, MESSAGE).len().sort(["len", STATUS_CODE, MESSAGE], descending=[True, False, False])
           .head(TOP_ERRORS))
    batch_files = [batch["file"] for batch in manifest["batches"]]
    unaccounted = counts.get(None, 0)
    return {
        "summary_version": SUMMARY_VERSION,
        "manifest": manifest_path,
        "source": (manifest.get("source") or {}).get("path"),
        "records_read_from": read_from,
        "records": len(outcomes),
        "outcomes": {"success": counts.get(SUCCESS, 0), "created": created,
                     "updated": counts.get(SUCCESS, 0) - created, "failed": counts.get(FAILED, 0),
                     "unprocessed": counts.get(UNPROCESSED, 0), "unaccounted": unaccounted},
        "status_codes": {code or "(none)": count for code, count in per_code.iter_rows()},
        "top_errors": [{"status_code": code, "message": message, "errors": count}
                       for code, message, count in top.iter_rows()],
        "unmatched_result_rows": len(unmatched),
        "ambiguous_records": ambiguous,
        "complete": unaccounted == 0 and len(unmatched) == 0,
        "results": [{"path": result.path, "kind": result.kind, "rows": len(result.frame),
                     "batch": batch_files[batches[at]] if at in batches else None}
                    for at, result in enumerate(results)],
        "files": written,
    }


def summary_text(summary: dict) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
