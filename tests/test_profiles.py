"""Limit profiles are data: they validate against their schema and say what PROFILES.md says."""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from sfprep.core.profiles import load_profile
from tests.helpers import REPO

SCHEMA = json.loads((REPO / "schemas" / "profile.schema.json").read_text())


@pytest.mark.parametrize("name", ["bulk1", "bulk2"])
def test_profile_validates_against_its_schema(name):
    Draft202012Validator(SCHEMA).validate(load_profile(name))


def test_bulk1_limits_are_the_ones_profiles_md_ships():
    bulk1 = load_profile("bulk1")
    assert (bulk1["bytes_per_batch"], bulk1["records_per_batch"], bulk1["characters_per_batch"]) == \
        (10_000_000, 10_000, 10_000_000)
    assert (bulk1["characters_per_field"], bulk1["fields_per_record"], bulk1["characters_per_record"]) == \
        (32_000, 5_000, 400_000)
    assert bulk1["batches_per_day"] == 15_000
    assert bulk1["delimiters_allowed"] == [","]


def test_bulk2_limits_are_the_ones_profiles_md_ships():
    bulk2 = load_profile("bulk2")
    assert bulk2["bytes_per_batch"] == 100_000_000
    assert bulk2["records_per_day"] == 150_000_000
    assert "records_per_batch" not in bulk2
    assert bulk2["line_ending"] == "LF" and bulk2["line_ending_declared"] is True
    assert bulk2["date_offset_allowed"] is False


def test_config_overrides_replace_a_limit():
    assert load_profile("bulk1", {"records_per_batch": 5})["records_per_batch"] == 5
    assert "records_per_batch" not in load_profile("bulk2", {"records_per_batch": 5})
