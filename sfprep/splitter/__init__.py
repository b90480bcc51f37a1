"""`sfprep split PATH --out DIR` (issue 13): a clean file cut into upload-ready batches by the
profile's limits, written atomically with DIR/manifest.json.

    source (CSV or XML) -> the lint engine (every selected rule, and those whose errors mean
    the records cannot be read exactly) -> each chunk of records -> encode.py (canonical
    Bulk CSV or XML, each record's bytes and characters) -> plan/batches.py (where each
    batch ends, under every limit at once) -> folder.py (a writer thread: sha256, write,
    fsync; the folder renamed into place) -> manifest.py

With --group-by the lint pass only tallies each parent key (groups.py), the groups are
packed, and a second pass writes each record to its group's batch. A source with errors
other than the limits splitting resolves (L004-L006) is refused: exit 1, nothing written.
"""
from sfprep.splitter.limits import Limits, batch_limits
from sfprep.splitter.run import SplitOutcome, SplitRefused, split_file

__all__ = ["Limits", "SplitOutcome", "SplitRefused", "batch_limits", "split_file"]
