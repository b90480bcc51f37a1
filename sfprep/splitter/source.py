"""The file being split: its sha256 and a check that it did not change while it was split."""
from __future__ import annotations

import hashlib
import os
import threading

from sfprep.core.model import UsageError


class Source:
    """The file being split: its sha256, from the chunks' bytes as the lint reads them (a CSV
    file's chunks are its bytes, in order) or, for an XML file, by a thread reading it beside
    the lint; and a check that it did not change while it was split."""

    def __init__(self, path: str):
        self.path = path
        self.stat = os.stat(path)
        self.size = self.stat.st_size
        self.sha256 = ""
        self._hash = hashlib.sha256()
        self._offset: int | None = 0     # how far the chunks fed have hashed it; None: they cannot
        self._thread: threading.Thread | None = None

    def feed(self, chunk) -> None:
        """The next chunk's bytes (a BOM before the first is read from the file)."""
        if self._offset is None:
            return
        if self._offset == 0 and chunk.base:
            with open(self.path, "rb") as stream:
                self._hash.update(stream.read(chunk.base))
            self._offset = chunk.base
        if chunk.base != self._offset or chunk.long_record is not None:
            self._offset = None
            return
        self._hash.update(chunk.data)
        self._offset = chunk.end

    def hash_beside(self) -> None:
        """Hash the file in a thread of its own (its chunks are not its bytes: XML)."""
        self._offset = None
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._hash_file, name="sfprep-source-sha256", daemon=True)
        self._thread.start()

    def _hash_file(self) -> None:
        with open(self.path, "rb") as stream:
            self.sha256 = hashlib.file_digest(stream, "sha256").hexdigest()

    def check_unchanged(self) -> None:
        if self._thread is not None:
            self._thread.join()
        elif self._offset == self.size:
            self.sha256 = self._hash.hexdigest()
        else:
            self._hash_file()
        now = os.stat(self.path)
        if (now.st_size, now.st_mtime_ns, now.st_ino) != (self.stat.st_size, self.stat.st_mtime_ns, self.stat.st_ino):
            raise UsageError(f"{self.path} changed while it was split; nothing was written")
