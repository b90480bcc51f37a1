"""Bulk XML batches (issue 12): the hardened streaming reader (lxml iterparse over a file
object, no DTD, no entities, no network) that yields the same record model as the CSV
scanner, and the writer `convert` uses."""
