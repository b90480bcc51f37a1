"""A batch's limits: the profile's, tightened (never loosened) by --max-records / --max-bytes."""
from __future__ import annotations

from dataclasses import dataclass

from sfprep.core.model import UsageError
from sfprep.plan.batches import BatchPlanner


@dataclass(frozen=True)
class Limits:
    """A batch's limits (the profile's, or tighter), and the daily allocation."""

    records: int | None
    bytes: int | None
    characters: int | None
    batches_per_day: int | None
    records_per_day: int | None

    def planner(self, header_bytes: int, header_characters: int) -> BatchPlanner:
        return BatchPlanner(self.records, self.bytes, header_bytes, self.characters, header_characters,
                            records_per_day=self.records_per_day)


def batch_limits(profile: dict, max_records: int | None, max_bytes: int | None) -> Limits:
    """The profile's batch limits, tightened by --max-records / --max-bytes (never loosened)."""
    records, size = profile.get("records_per_batch"), profile.get("bytes_per_batch")
    for option, asked, limit in (("--max-records", max_records, records), ("--max-bytes", max_bytes, size)):
        if asked is None:
            continue
        if asked < 1:
            raise UsageError(f"{option} must be at least 1, not {asked}")
        if limit and asked > limit:
            raise UsageError(f"{option} {asked:,} is over the {profile['name']} limit of {limit:,}: "
                             "a batch may be smaller than the profile allows, never larger")
    return Limits(max_records or records, max_bytes or size, profile.get("characters_per_batch"),
                  profile.get("batches_per_day"), profile.get("records_per_day"))
