"""The command line: one module per command, over the Python API (sfprep/api.py)."""
from sfprep.cli.app import main, run
from sfprep.cli import convert, delta, fix, init, lint, reconcile, rule, split  # noqa: F401  (each registers its command)

__all__ = ["main", "run"]
