"""The Bulk API job a file is meant for: object, operation, external id and bulk2 settings.

Each value comes from the command line, else from the config, else from the file name
(`Account.csv` is an Account insert, `Contact.upsert.csv` a Contact upsert).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import PurePath

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
_OPERATION_BY_LOWER = {op.lower(): op for op in OPERATIONS}
# A standard object is CamelCase (Account, OpportunityLineItem); a custom one ends in __c etc.
_OBJECT_NAME = re.compile(
    r"^(?:[A-Z][A-Za-z0-9]*|(?:[A-Za-z][A-Za-z0-9]*__)?[A-Za-z][A-Za-z0-9_]*__(?:c|x|mdt|e|b|kav|share))$"
)


@dataclass(frozen=True)
class Job:
    object: str | None = None
    operation: str | None = None
    external_id: str | None = None
    delimiter: str | None = None      # bulk2 columnDelimiter, as the character
    line_ending: str | None = None    # bulk2 lineEnding: "LF" or "CRLF"

    def merged_over(self, fallback: "Job") -> "Job":
        """This job's values, with `fallback`'s where this one has none."""
        return replace(fallback, **{k: v for k, v in self.__dict__.items() if v is not None})


def normalise_operation(text: str) -> str | None:
    return _OPERATION_BY_LOWER.get(text.lower())


def job_from_file_name(path: str) -> Job:
    """`Account.csv` -> Account insert; `Contact.upsert.csv` -> Contact upsert; else nothing."""
    parts = PurePath(path).name.split(".")[:-1]
    if not parts or not _OBJECT_NAME.match(parts[0]):
        return Job()
    operation = normalise_operation(parts[1]) if len(parts) > 1 else None
    if len(parts) > 1 and operation is None:
        return Job()  # `Account.backup.csv` is not a load file name we understand
    return Job(object=parts[0], operation=operation or "insert")
