"""`sfprep split PATH --out DIR`: upload-ready batches and DIR/manifest.json (sfprep/splitter)."""
from __future__ import annotations

import sys

import click

from sfprep.cli.app import main
from sfprep.cli.options import given, run_options, split_options

SHOWN_BATCHES = 12   # rows of the summary table before the middle is elided


@main.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("--out", "out", type=click.Path(path_type=str), required=True, help="The folder to write.")
@click.option("--max-records", type=int, help="Records per batch, at most the profile's.")
@click.option("--max-bytes", type=int, help="Bytes per batch, at most the profile's.")
@click.option("--group-by", help="Keep records sharing this parent key column in one batch.")
@click.option("--overwrite", is_flag=True, help="Replace DIR if it holds an earlier split (else refused).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the manifest on stdout (or, when refused, the lint report).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@run_options
def split(path: str, out: str, max_records, max_bytes, group_by, overwrite: bool, output_format: str,
          no_progress: bool, **flags) -> None:
    """Cut one clean CSV or XML file into batches the Bulk API accepts, with a manifest.

    Batches follow the profile's limits (bulk1: 10,000 records and 10,000,000 bytes and
    characters; bulk2: 100,000,000 bytes per upload), repeat the header, never cut a record,
    and are canonical for the job (UTF-8 without BOM, its delimiter and line ending, minimal
    quoting). A file with errors other than the limits splitting resolves (L004-L006) is
    refused with its findings: exit 1, nothing written.
    """
    import shutil

    from sfprep import api
    from sfprep.splitter import SplitRefused

    options, _ = split_options(flags)
    try:
        with _ProgressBar(path, no_progress) as progress:
            outcome = api.split(path, out, max_records=max_records, max_bytes=max_bytes, group_by=group_by,
                                overwrite=overwrite, progress=progress, **given(options))
    except SplitRefused as refused:
        show_refusal(refused, output_format)
        sys.exit(1)
    for warning in outcome.warnings:
        click.echo(f"sfprep: warning: {warning}", err=True)
    if output_format == "json":
        with open(outcome.manifest_path, encoding="utf-8") as manifest:
            shutil.copyfileobj(manifest, sys.stdout)
    else:
        click.echo(summary(outcome))


def show_refusal(refused, output_format: str, what: str = "not split") -> None:
    from sfprep.report import render

    if refused.result is not None:
        fmt = "json" if output_format == "json" else ("full" if sys.stdout.isatty() else "concise")
        render(fmt, [refused.result], sys.stdout, color=sys.stdout.isatty())
    click.echo(f"sfprep: {what}: {refused}", err=True)


def summary(outcome) -> str:
    """The batches as a table (the middle elided past a dozen), the totals and the daily plan."""
    manifest = outcome.summary
    rows = [(b["file"], b["records"], b["bytes"], b["characters"], b["day"]) for b in manifest["batches"]]
    shown = rows if len(rows) <= SHOWN_BATCHES else rows[:SHOWN_BATCHES - 2] + [None] + rows[-1:]
    width = max([len("batch")] + [len(row[0]) for row in rows])
    lines = [f"{manifest['source']['path']} -> {outcome.out} ({manifest['profile']}, "
             f"{manifest['job']['content_type']}, {manifest['job']['line_ending']})",
             f"  {'batch':<{width}}  {'records':>9}  {'bytes':>13}  {'characters':>13}  day"]
    for row in shown:
        if row is None:
            lines.append(f"  ... {len(rows) - SHOWN_BATCHES + 1:,} more")
            continue
        name, records, size, characters, day = row
        lines.append(f"  {name:<{width}}  {records:>9,}  {size:>13,}  {characters:>13,}  {day:>3}")
    totals = manifest["totals"]
    days = totals["days"]
    lines.append(f"  {'total':<{width}}  {totals['records']:>9,}  {totals['bytes']:>13,}  "
                 f"{totals['characters']:>13,}  {days:>3}")
    batches = f"{totals['batches']:,} batch{'es' if totals['batches'] != 1 else ''}"
    lines.append(f"{batches}, {totals['records']:,} records, {days} day{'s' if days != 1 else ''}")
    if days > 1:
        lines.append(_daily_plan(manifest))
    lines.extend(_lint_lines(outcome.result))
    lines.append(f"manifest: {outcome.out.rstrip('/')}/manifest.json")
    return "\n".join(lines)


def _lint_lines(result) -> list[str]:
    """What the lint found besides the limits splitting resolves, and what it could not check."""
    from sfprep.report import skipped_lines
    from sfprep.splitter.run import LIMIT_CODES

    counts: dict[str, int] = {}
    for (code, _, _, _), count in result.findings.counts.items():
        if code not in LIMIT_CODES:
            counts[code] = counts.get(code, 0) + count
    lines = []
    if counts:
        listed = ", ".join(f"{code} x{count:,}" for code, count in sorted(counts.items()))
        lines.append(f"the lint found {sum(counts.values()):,} warning(s) the batches keep ({listed}): "
                     f"`sfprep lint {result.path}` shows them")
    return lines + skipped_lines([result])


def _daily_plan(manifest: dict) -> str:
    limits = manifest["limits"]
    allocation = (f"{limits['batches_per_day']:,} batches" if limits["batches_per_day"]
                  else f"{limits['records_per_day']:,} records")
    per_day: dict[int, list] = {}
    for batch in manifest["batches"]:
        per_day.setdefault(batch["day"], []).append(batch)
    parts = [f"day {day}: {len(batches):,} batches, {sum(b['records'] for b in batches):,} records"
             for day, batches in per_day.items()]
    return (f"the load needs more than the daily allocation ({allocation} per rolling 24 hours); "
            "the manifest plans it over several days:\n  " + "\n  ".join(parts))


class _ProgressBar:
    """A bar on stderr by bytes read, for a terminal user splitting a big file."""

    def __init__(self, path: str, no_progress: bool):
        import os

        from sfprep.linter.progress import PROGRESS_FROM_BYTES

        self.wanted = (not no_progress and sys.stderr.isatty() and os.path.isfile(path)
                       and os.path.getsize(path) > PROGRESS_FROM_BYTES)
        self.bar = None

    def __enter__(self):
        if not self.wanted:
            return None
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("splitting"), BarColumn(complete_style="cyan", finished_style="green"),
                            DownloadColumn(), TimeRemainingColumn(), transient=True)
        self.bar.__enter__()
        task = self.bar.add_task("split", total=None)
        return lambda done, total: self.bar.update(task, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False
