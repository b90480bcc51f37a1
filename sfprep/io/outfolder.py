"""An output folder written so that nothing half-done looks done (split, reconcile, delta).

Everything is written into a hidden temporary folder beside DIR (`.DIR.sfprep-PID.tmp`);
the marker file (a split's manifest.json, a reconcile's summary.json) is written last, then
the folder is renamed into place in one step (renameat2 RENAME_NOREPLACE, or
RENAME_EXCHANGE over an existing DIR with --overwrite): the rename is the commit. A run
killed midway leaves only the hidden folder, without its marker; the next run to the same
DIR removes it.
"""
from __future__ import annotations

import os
import shutil

from sfprep.core.model import UsageError
from sfprep.io.atomic import exchange, fsync_folder, rename_no_replace, umask


class OutputFolder:
    """DIR's temporary folder, then its commit or its removal. `marker` is the file only a
    complete DIR holds: --overwrite replaces only a folder that holds it (or an empty one);
    `kind` names the command in messages; `keep` are paths (the sources) that must not be inside DIR."""

    def __init__(self, out: str, overwrite: bool, marker: str, kind: str, keep: tuple[str, ...] = (),
                 option: str = "--out"):
        if not out.strip():
            raise UsageError(f"{option}: give the folder to write")
        self.out = os.path.abspath(out)
        self.display = out
        self.overwrite = overwrite
        self.marker = marker
        check_target(self.out, out, overwrite, marker, kind, keep)
        parent, name = os.path.split(self.out)
        remove_stale(parent, name)
        self.temp = os.path.join(parent, f".{name}.sfprep-{os.getpid()}.tmp")
        try:
            os.mkdir(self.temp, 0o700)
        except FileExistsError:
            shutil.rmtree(self.temp, ignore_errors=True)
            os.mkdir(self.temp, 0o700)
        except OSError as error:
            raise UsageError(f"{out}: cannot write in {parent}: {error.strerror}; nothing was written") from None

    def __enter__(self) -> "OutputFolder":
        return self

    def __exit__(self, kind, error, trace) -> bool:
        """Anything raised while writing removes the temporary folder; a failed write (a full
        disk, a read-only folder) becomes one line naming DIR."""
        if kind is None:
            return False
        self.abort()
        if isinstance(error, OSError):
            raise UsageError(f"{self.display}: cannot write: {error.strerror or error}; nothing was written") from None
        return False

    def path(self, name: str) -> str:
        return os.path.join(self.temp, name)

    def write_marker(self, text: str) -> None:
        """The marker file, fsynced with the folder (everything else must be on disk by now)."""
        with open(self.path(self.marker), "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        fsync_folder(self.temp)

    def commit(self) -> None:
        """The temporary folder renamed to DIR (over the old DIR with --overwrite)."""
        os.chmod(self.temp, 0o777 & ~umask())
        parent = os.path.dirname(self.out)
        if os.path.lexists(self.out):
            if not self.overwrite:
                raise UsageError(f"{self.display} appeared meanwhile: give --overwrite to replace it")
            if not exchange(self.temp, self.out):
                aside = f"{self.temp}.old"
                os.rename(self.out, aside)
                os.rename(self.temp, self.out)
                self.temp = aside
            shutil.rmtree(self.temp, ignore_errors=True)   # the old DIR, now at the temporary name
        elif not rename_no_replace(self.temp, self.out):
            raise UsageError(f"{self.display} appeared meanwhile: give --overwrite to replace it")
        fsync_folder(parent)

    def abort(self) -> None:
        shutil.rmtree(self.temp, ignore_errors=True)


def check_target(path: str, shown: str, overwrite: bool, marker: str, kind: str, keep: tuple[str, ...]) -> None:
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        try:
            os.makedirs(parent, exist_ok=True)   # `--out batches/Account` with no batches/ yet, as mkdir -p
        except OSError as error:
            raise UsageError(f"{shown}: cannot create its folder {parent}: {error.strerror}") from None
    if not os.path.lexists(path):
        return
    if not overwrite:
        raise UsageError(f"{shown} exists: give --overwrite to replace it")
    if not os.path.isdir(path) or os.path.islink(path):
        raise UsageError(f"{shown} is not a folder: not replaced")
    entries = os.listdir(path)
    if entries and marker not in entries:
        raise UsageError(f"{shown} holds files but no {marker}: it is not a {kind}'s folder, not replaced")
    real_out = os.path.realpath(path)
    for source in keep:
        if os.path.commonpath([os.path.realpath(source), real_out]) == real_out:
            raise UsageError(f"{source} is inside {shown}: --overwrite would delete it")


def remove_stale(parent: str, name: str) -> None:
    """Temporary folders of earlier runs to this DIR whose process is gone (killed midway)."""
    prefix = f".{name}.sfprep-"
    try:
        entries = os.listdir(parent)
    except OSError:
        return
    for entry in entries:
        if not entry.startswith(prefix):
            continue
        pid = entry[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(os.path.join(parent, entry), ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
