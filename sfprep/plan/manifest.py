"""Reading DIR/manifest.json (schemas/manifest.schema.json), written by splitter/manifest.py
and read back by reconcile."""
from __future__ import annotations

import json
import os

from sfprep.core.model import UsageError

MANIFEST_VERSION = 1


def read_manifest(path: str) -> dict:
    """A manifest.json (or the folder holding it), or a one-line UsageError naming what is
    wrong with it."""
    if os.path.isdir(path):
        path = os.path.join(path, "manifest.json")
    try:
        with open(path, encoding="utf-8") as stream:
            manifest = json.load(stream)
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"{path}: not a manifest: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("manifest_version") != MANIFEST_VERSION:
        raise UsageError(f"{path}: not a version {MANIFEST_VERSION} sfprep manifest")
    return manifest
