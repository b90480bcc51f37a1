"""The optional C passes (_scan.c: structure, field spans, text; _columns.c: Arrow string
views of the spans; _fields.c: per-field value facts from the spans) and the allocator
tuning that keeps their buffers warm.

Where the extensions could not be compiled, numpy and polars' CSV reader do the same work,
more slowly; the tests hold the two paths equal.
"""
from __future__ import annotations

import os


def load_extension(name: str):
    """One of sfprep's optional C extensions, or None where it was not built (or
    SFPREP_NO_C is set: the tests use it to run the numpy and polars paths)."""
    if os.environ.get("SFPREP_NO_C"):
        return None
    import importlib

    try:
        return importlib.import_module(f"sfprep.native.{name}")
    except ImportError:
        return None
