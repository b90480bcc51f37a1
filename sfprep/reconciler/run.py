"""`reconcile_results`: the manifest checked, the records read back, every result file
read and matched, the outputs written into a temporary folder and renamed into place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import polars as pl

from sfprep.core.model import UsageError
from sfprep.io.files import regular_file_size
from sfprep.io.outfolder import OutputFolder
from sfprep.plan.manifest import read_manifest
from sfprep.reconciler.match import OUTCOME_COLUMNS, assign_batches, match_all
from sfprep.reconciler.outputs import SUMMARY, summary_dict, summary_text, write_outputs
from sfprep.reconciler.results import OUTCOME, read_result
from sfprep.reconciler.source import RECORD, load_records

SHOWN = 5   # record numbers named in a message, before "and N more"
READERS = 2  # files read at once


@dataclass
class ReconcileOutcome:
    out: str
    summary: dict                          # what summary.json holds
    problems: list[str] = field(default_factory=list)   # why the exit is 1: unaccounted, unmatched

    @property
    def complete(self) -> bool:
        return not self.problems


def default_out(manifest_path: str) -> str:
    """Beside the split's folder: DIR.results (as the user named DIR)."""
    folder = manifest_path if os.path.isdir(manifest_path) else os.path.dirname(manifest_path)
    folder = folder.rstrip("/")
    if folder in ("", "."):
        folder = os.path.abspath(folder or ".")
    return folder + ".results"


def reconcile_results(manifest_path: str, result_paths: list[str], out: str | None = None,
                      overwrite: bool = False) -> ReconcileOutcome:
    if not result_paths:
        raise UsageError("reconcile: give the result files to match (bulk1 batch results, bulk2 "
                         "successfulResults / failedResults / unprocessedrecords)")
    if os.path.isdir(manifest_path):
        manifest_path = os.path.join(manifest_path, "manifest.json")
    regular_file_size(manifest_path)   # a FIFO would hang the read
    manifest = read_manifest(manifest_path)
    records, results = _read_all(manifest, manifest_path, result_paths)
    batches = assign_batches(results, records.batch_names)
    matching = match_all(records, results, batches)
    outcomes = records.frame.join(matching.matched.select(OUTCOME_COLUMNS), on=RECORD, how="left").sort(RECORD)
    out = out or default_out(manifest_path)
    folder = OutputFolder(out, overwrite, SUMMARY, "reconcile", keep=(manifest_path, *result_paths))
    with folder:
        written, errors = write_outputs(folder, outcomes, records.names, manifest.get("job") or {},
                                        matching.unmatched, result_paths)
        summary = summary_dict(manifest_path=manifest_path, manifest=manifest, outcomes=outcomes, errors=errors,
                               results=results, batches=batches, unmatched=matching.unmatched,
                               ambiguous=matching.ambiguous, written=written, read_from=records.read_from)
        folder.write_marker(summary_text(summary))
        folder.commit()
    return ReconcileOutcome(out, summary, _problems(outcomes, matching, result_paths))


def _read_all(manifest: dict, manifest_path: str, result_paths: list[str]):
    """The split's records and every result file, read side by side (the scanner and polars
    work without the GIL); the manifest's checks are raised first."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="sfprep-reconcile-read") as pool:
        records = pool.submit(load_records, manifest, manifest_path)
        results = [pool.submit(read_result, path, manifest) for path in result_paths]
        return records.result(), [result.result() for result in results]


def _problems(outcomes: pl.DataFrame, matching, result_paths: list[str]) -> list[str]:
    problems = []
    unaccounted = outcomes.filter(pl.col(OUTCOME).is_null()).get_column(RECORD)
    if len(unaccounted):
        problems.append(f"{len(unaccounted):,} source record(s) have no result: "
                        f"record {_listed(unaccounted.to_list())}" + _ambiguous(matching.ambiguous))
    unmatched = matching.unmatched
    if len(unmatched):
        first = unmatched.row(0, named=True)
        problems.append(f"{len(unmatched):,} result row(s) match no source record: "
                        f"{result_paths[first['__file']]} row {first['__row']:,} ({first['reason']})"
                        + (f" and {len(unmatched) - 1:,} more" if len(unmatched) > 1 else ""))
    return problems


def _listed(numbers: list[int]) -> str:
    shown = ", ".join(f"{n:,}" for n in numbers[:SHOWN])
    return shown + (f" and {len(numbers) - SHOWN:,} more" if len(numbers) > SHOWN else "")


def _ambiguous(count: int) -> str:
    return (f" ({count:,} of them matched results that cannot be told apart: they differ only in columns the "
            "results do not carry)") if count else ""
