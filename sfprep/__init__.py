"""sfprep: lint, fix and batch Salesforce Bulk API data files before they are loaded.

    import sfprep
    report = sfprep.lint("data/", describe="describe/", select=["Q", "V"])
    for finding in report:
        print(finding["path"], finding["line"], finding["code"], finding["message"])
    sfprep.fix("data/")             # the safe fixes, atomically; unsafe_fixes=True for all
    sfprep.convert("Account.csv", "xml", "Account.xml")   # Bulk CSV <-> Bulk XML, atomically
    outcome = sfprep.split("Account.csv", "batches/")      # upload-ready batches + manifest.json
    done = sfprep.reconcile("batches/", ["Account.insert.0001.result.csv"])   # every record's outcome

See sfprep/api.py for the settings (the command line's options as keyword arguments).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sfprep.core.model import UsageError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sfprep.api import FixReport, Report, convert, delta, fix, lint, reconcile, split

__all__ = ["lint", "fix", "convert", "split", "reconcile", "delta", "Report", "FixReport", "UsageError", "__version__"]


def __getattr__(name: str):
    """The API is imported on first use: `sfprep --version` needs none of it."""
    if name in ("lint", "fix", "convert", "split", "reconcile", "delta", "Report", "FixReport"):
        from sfprep import api

        return getattr(api, name)
    raise AttributeError(f"module 'sfprep' has no attribute {name!r}")
