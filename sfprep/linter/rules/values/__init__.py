"""V: value rules. Each declares polars expressions over its columns (CellChecks); the
engine runs them over every chunk's value frame in one pass and words only the failing
cells. One module per kind of value."""
from sfprep.linter.rules.values import dates, keys, required, text, types  # noqa: F401  (registers V001-V016)
