"""Limit profiles, shipped as data (one JSON file each, validated by
schemas/profile.schema.json), never as constants inside rules."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROFILES = ("bulk1", "bulk2")


def load_profile(name: str, overrides: dict[str, int] | None = None) -> dict[str, Any]:
    """A limit profile (sfprep/core/profiles/<name>.json) with config overrides.

    Limits a profile does not have (bulk2 has no records per batch) can't be overridden
    into existence: an override only replaces a limit the profile already sets.
    """
    text = (Path(__file__).parent / f"{name}.json").read_text("utf-8")
    profile = json.loads(text)
    profile.update({key: value for key, value in (overrides or {}).items() if key in profile})
    return profile
