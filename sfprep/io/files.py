"""Which paths sfprep reads: regular files only (a FIFO or /dev/zero would hang the read)."""
from __future__ import annotations

import os
import stat

from sfprep.core.model import UsageError


def regular_file_size(path: str) -> int:
    """Size of a regular file; anything else (FIFO, device, folder) is a usage error."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path}: not a regular file")
    return info.st_size
