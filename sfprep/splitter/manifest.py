"""DIR/manifest.json (CLI.md "manifest.json", schemas/manifest.schema.json): what went where.

The source (path, size, sha256), the profile and job settings, the limits the batches were
cut by, and per batch its file, records, bytes, characters, sha256, day and the source
record numbers it holds as [first, last] ranges (record 1 is the first after the header,
as in the lint's findings). Every source record is in exactly one range of one batch.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sfprep.core.config import DELIMITER_NAMES
from sfprep.plan.manifest import MANIFEST_VERSION

_DELIMITER_WORDS = {character: word for word, character in DELIMITER_NAMES.items()}


def assign_days(batches, batches_per_day: int | None, records_per_day: int | None) -> int:
    """Each batch's day of the daily plan (in batch order); the number of days. Bulk API 1.0
    counts batches per rolling 24 hours, 2.0 records: a batch that would pass the day's
    allocation waits for the next day."""
    day, used = 1, 0
    for batch in batches:
        need = 1 if batches_per_day else batch.records
        allocation = batches_per_day or records_per_day
        if allocation and used and used + need > allocation:
            day, used = day + 1, 0
        used += need
        batch.day = day
    return day if batches else 0


def manifest_dict(batches, *, source, target, limits, group_by, run, output, oversized) -> dict:
    from sfprep import __version__

    days = assign_days(batches, limits.batches_per_day, limits.records_per_day)
    job = target.job
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "sfprep_version": __version__,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": {"path": target.display, "size": source.size, "sha256": source.sha256,
                   "format": output.encoder.extension if output.encoder is not None else "csv",
                   "records": sum(batch.records for batch in batches)},
        "profile": run.profile["name"],
        "job": {"object": job.object, "operation": job.operation, "external_id": job.external_id,
                "content_type": "XML" if output.encoder is not None and output.encoder.extension == "xml" else "CSV",
                "delimiter": _DELIMITER_WORDS.get(output.delimiter, output.delimiter),
                "line_ending": output.line_ending},
        "limits": {"records_per_batch": limits.records, "bytes_per_batch": limits.bytes,
                   "characters_per_batch": limits.characters, "batches_per_day": limits.batches_per_day,
                   "records_per_day": limits.records_per_day},
        "group_by": None if group_by is None else {"field": group_by, "oversized_groups": oversized(batches)},
        "totals": {"batches": len(batches), "records": sum(b.records for b in batches),
                   "bytes": sum(b.bytes for b in batches), "characters": sum(b.characters for b in batches),
                   "days": days},
        "batches": [{"file": batch.name, "records": batch.records, "bytes": batch.bytes,
                     "characters": batch.characters, "sha256": batch.sha256, "day": batch.day,
                     "source_records": batch.ranges()} for batch in batches],   # as (first, last) rows
    }
    return manifest


def manifest_text(manifest: dict) -> str:
    """Indented, a batch a line (a big split has thousands, each with its ranges, written from
    their numpy rows: a grouped split's batch may hold 10,000 ranges)."""
    batches = manifest["batches"]
    text = json.dumps({**manifest, "batches": "\0"}, indent=2, ensure_ascii=False)
    rows = ",\n    ".join(_batch_json(batch) for batch in batches)
    return text.replace('"\\u0000"', f"[\n    {rows}\n  ]" if batches else "[]") + "\n"


def _batch_json(batch: dict) -> str:
    fields = json.dumps({**batch, "source_records": "\0"}, ensure_ascii=False)
    return fields.replace('"\\u0000"', ranges_json(batch["source_records"]))


def ranges_json(table) -> str:
    """(first, last) rows as a JSON array of [first, last] pairs."""
    if len(table) < 256:
        return json.dumps(table.tolist())
    import polars as pl

    frame = pl.DataFrame({"a": table[:, 0], "b": table[:, 1]})
    return "[" + frame.select(pl.format("[{}, {}]", "a", "b").str.join(", ")).item() + "]"
