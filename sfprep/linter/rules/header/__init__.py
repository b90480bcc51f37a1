"""H: header row rules. names.py needs nothing but the header; describe.py compares it
with the object's describe JSON."""
from sfprep.linter.rules.header import describe, names  # noqa: F401  (registers H001-H014)
