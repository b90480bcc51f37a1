"""`sfprep reconcile --manifest DIR/manifest.json RESULT...`: every source record's outcome
(sfprep/reconciler)."""
from __future__ import annotations

import sys

import click

from sfprep.cli.app import main

MESSAGE_WIDTH = 90


@main.command()
@click.option("--manifest", "manifest", type=click.Path(path_type=str), required=True,
              help="The split's manifest.json (or its folder).")
@click.argument("results", nargs=-1, type=click.Path(path_type=str))
@click.option("--out", "out", type=click.Path(path_type=str),
              help="The folder to write (default: the split's folder with .results added).")
@click.option("--overwrite", is_flag=True, help="Replace --out if it holds an earlier reconcile (else refused).")
@click.option("--fail-on-errors", is_flag=True, help="Exit 1 when any record failed or was not processed.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: summary.json on stdout.")
def reconcile(manifest: str, results: tuple[str, ...], out: str | None, overwrite: bool, fail_on_errors: bool,
              output_format: str) -> None:
    """Match Bulk API result files back to the split's source records.

    bulk1 batch results (CSV or XML) are matched by position: a result belongs to the
    batch whose file stem its name holds, else to the batch at its position among the
    bulk1 results given. bulk2 successfulResults, failedResults and unprocessedrecords,
    and Data Loader success and error files, are matched on the source columns they
    carry. Writes success.csv, errors.csv, unprocessed.csv, retry.csv (ready to split and
    load again) and summary.json. Exit 1 when a record has no result or a result row
    matches no record (or, with --fail-on-errors, when any record failed); 0 otherwise.
    """
    from sfprep import api

    outcome = api.reconcile(manifest, list(results), out=out, overwrite=overwrite)
    if output_format == "json":
        import json

        click.echo(json.dumps(outcome.summary, indent=2, ensure_ascii=False))
    else:
        click.echo(summary_table(outcome))
    for problem in outcome.problems:
        click.echo(f"sfprep: not reconciled: {problem}", err=True)
    outcomes = outcome.summary["outcomes"]
    if not outcome.complete or (fail_on_errors and outcomes["failed"] + outcomes["unprocessed"]):
        sys.exit(1)


def summary_table(outcome) -> str:
    summary = outcome.summary
    counts = summary["outcomes"]
    total = summary["records"] or 1
    rows = [("success", counts["success"]), ("  created", counts["created"]), ("  updated", counts["updated"]),
            ("failed", counts["failed"]), ("unprocessed", counts["unprocessed"]),
            ("unaccounted", counts["unaccounted"])]
    lines = [f"{summary['source']}: {summary['records']:,} records, {len(summary['results'])} result file(s) "
             f"-> {outcome.out}",
             f"  {'outcome':<12}  {'records':>10}  {'share':>6}"]
    for name, count in rows:
        lines.append(f"  {name:<12}  {count:>10,}  {100 * count / total:>5.1f}%")
    if summary["unmatched_result_rows"]:
        lines.append(f"  {'unmatched result rows':<12}  {summary['unmatched_result_rows']:>10,}")
    if summary["top_errors"]:
        lines.append("top errors (a record may have several):")
        for error in summary["top_errors"]:
            message = error["message"].replace("\n", " ")
            if len(message) > MESSAGE_WIDTH:
                message = message[:MESSAGE_WIDTH - 3] + "..."
            code = error["status_code"] or "(no code)"
            lines.append(f"  {error['errors']:>10,}  {code}: {message}")
    retry = summary["files"].get("retry.csv", 0)
    if retry:
        lines.append(f"retry: {outcome.out.rstrip('/')}/retry.csv holds the {retry:,} failed and unprocessed "
                     "records: `sfprep split` it to load them again")
    return "\n".join(lines)
