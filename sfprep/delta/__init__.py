"""`sfprep delta`: the upsert and delete files that turn one snapshot into the next, split
like `split`.

    OLD, NEW -> snapshot.py (each read by sfprep's scanner, chunk by chunk, reduced to key,
    fingerprint and record number: bounded memory; duplicate or empty keys refused) ->
    run.compare (a polars join of the fingerprints: added, changed, deleted) -> NEW read
    again for the added and changed records -> the upsert and delete files, each split by
    the caller's split (api.py) -> DIR/manifest.json, the folder renamed into place.
"""
from sfprep.delta.run import MAX_CHANGES, DeltaJob, DeltaOutcome, make_delta

__all__ = ["MAX_CHANGES", "DeltaJob", "DeltaOutcome", "make_delta"]
