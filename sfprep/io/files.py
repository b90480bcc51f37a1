"""Which paths sfprep reads: regular files only (a FIFO or /dev/zero would hang the read),
through symbolic links (a fix writes the file a link points to and keeps the link)."""
from __future__ import annotations

import errno
import os
import stat

from sfprep.core.model import UsageError


def regular_file_size(path: str) -> int:
    """Size of a regular file; anything else (FIFO, device, folder) is a usage error."""
    info = _stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path}: not a regular file")
    return info.st_size


def real_path(path: str) -> str:
    """The file `path` names, every symbolic link on the way followed; a dangling link or a
    loop of links is a usage error."""
    _stat(path)
    return os.path.realpath(path)


def _stat(path: str) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise UsageError(f"{path}: a symbolic link to {os.readlink(path)}, which does not exist") from None
        raise UsageError(f"{path}: no such file or folder") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UsageError(f"{path}: a loop of symbolic links") from None
        raise UsageError(f"{path}: cannot read: {error.strerror}") from None
