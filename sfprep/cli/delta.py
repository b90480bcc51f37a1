"""`sfprep delta --previous OLD --current NEW --key FIELD --out DIR`: an incremental load (sfprep/delta)."""
from __future__ import annotations

import click

from sfprep.cli.app import main
from sfprep.cli.options import given, run_options, split_options


@main.command()
@click.option("--previous", type=click.Path(path_type=str), required=True, help="The snapshot loaded last time.")
@click.option("--current", type=click.Path(path_type=str), required=True, help="The snapshot to load now.")
@click.option("--key", required=True, help="The field both snapshots are compared on (the upsert's external id).")
@click.option("--out", "out", type=click.Path(path_type=str), required=True, help="The folder to write.")
@click.option("--max-changes", type=int, help="Warn above this many changed or deleted records (default 100,000).")
@click.option("--overwrite", is_flag=True, help="Replace DIR if it holds an earlier delta (else refused).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: DIR/manifest.json on stdout.")
@run_options
def delta(previous: str, current: str, key: str, out: str, max_changes, overwrite: bool, output_format: str,
          **flags) -> None:
    """Compare two snapshots on KEY: an upsert of the added and changed records, a delete of the gone ones.

    Both files are read by sfprep's scanner (refused on structural errors, duplicate or
    empty keys); the upsert file (NEW's columns) is split for an upsert on KEY, the delete
    file (OLD's Ids) for a delete, each as `sfprep split` does (linted, refused on errors),
    in DIR/upsert/ and DIR/delete/, with DIR/manifest.json describing the delta. Memory
    holds a key and a fingerprint per record, not the records.
    """
    import sys

    from sfprep import api
    from sfprep.cli.split import show_refusal
    from sfprep.splitter import SplitRefused

    options, _ = split_options(flags)
    try:
        outcome = api.delta(previous, current, key, out, max_changes=max_changes, overwrite=overwrite,
                            **given(options))
    except SplitRefused as refused:
        show_refusal(refused, output_format, "no delta written: the file made for the job")
        sys.exit(1)
    for warning in outcome.warnings:
        click.echo(f"sfprep: warning: {warning}", err=True)
    if output_format == "json":
        import json

        click.echo(json.dumps(outcome.summary, indent=2, ensure_ascii=False))
        return
    counts = outcome.summary["counts"]
    click.echo(f"{previous} -> {current} on {key}: {counts['added']:,} added, {counts['changed']:,} changed, "
               f"{counts['deleted']:,} deleted, {counts['unchanged']:,} unchanged")
    for name, job in outcome.summary["jobs"].items():
        click.echo(f"  {name}: {job['records']:,} records in {job['batches']:,} batch(es): "
                   f"{out.rstrip('/')}/{job['manifest']}")
    click.echo(f"manifest: {out.rstrip('/')}/manifest.json")
