"""`sfprep reconcile`: Bulk API result files matched back to the source records of a split's
manifest, every record given exactly one outcome.

    manifest.json -> source.py (the batch files, or the source, checked against its sha256s,
    read back by sfprep's scanner) -> results.py / xml_results.py (each result file
    recognised by its header) -> match.py (bulk1 by position in its batch; bulk2 and Data
    Loader by content) -> outputs.py (success, errors parsed by errors.py, unprocessed,
    retry, summary.json) in a folder renamed into place (io/outfolder.py).
"""
from sfprep.reconciler.run import ReconcileOutcome, default_out, reconcile_results

__all__ = ["ReconcileOutcome", "default_out", "reconcile_results"]
