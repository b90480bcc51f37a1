"""From the paths a user names to the files to lint: every *.csv / *.xml below a folder,
hidden folders and config excludes left out."""
from __future__ import annotations

from pathlib import Path

from sfprep.core.config import Settings
from sfprep.core.model import UsageError

SUFFIXES = (".csv", ".xml")


def discover(paths: tuple[str, ...], settings: Settings) -> list[Path]:
    """Files named on the command line, and every *.csv / *.xml below the folders named.
    Naming nothing to lint is an error: a CI gate must never pass on no files."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        try:
            if path.is_dir():
                found.extend(_walk(path, settings))
            elif path.exists() or path.is_symlink():
                found.append(path)
            else:
                raise UsageError(f"{given}: no such file or folder")
        except PermissionError as error:   # a folder on the way that this user may not search
            raise UsageError(f"{given}: cannot read: {error.strerror}") from None
    if not found and paths:
        raise UsageError(f"no CSV or XML file in {', '.join(paths)}")
    return list(dict.fromkeys(found))


def _walk(folder: Path, settings: Settings) -> list[Path]:
    files = []
    for path in sorted(folder.rglob("*")):
        relative_parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative_parts):
            continue
        if path.suffix.lower() in SUFFIXES and path.is_file() and not settings.is_excluded(path):
            files.append(path)
    return files
