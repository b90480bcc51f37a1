"""`sfprep reconcile` (issue 14): Bulk API result files matched back to the source records
of a split's manifest, every record given exactly one outcome."""
