"""Applying byte-range edits while streaming the original into a new file."""
from __future__ import annotations

import io
import os
from typing import BinaryIO

from sfprep.core.model import Edit
from sfprep.io.atomic import COPY_BLOCK, kernel_copy, write_all


def apply_edits(source: BinaryIO, target: BinaryIO, edits: list[Edit]) -> None:
    """Stream `source` into `target`, replacing each edit's byte range (the edits do not
    overlap; choose_fixes sees to that). Between files, the unchanged ranges are copied by
    the kernel (copy_file_range: a third of the time of reading and writing them here)."""
    pending = sorted(edits)
    if _copy_in_kernel(source, target, pending):
        return
    _copy_through_python(source, target, pending)


def _copy_in_kernel(source: BinaryIO, target: BinaryIO, pending: list[Edit]) -> bool:
    """apply_edits with copy_file_range; False (nothing written) where it is not available."""
    try:
        source_fd, target_fd = source.fileno(), target.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return False
    if not hasattr(os, "copy_file_range"):
        return False
    size = os.fstat(source_fd).st_size
    target.flush()
    start = os.lseek(target_fd, 0, os.SEEK_CUR)
    try:
        position = 0
        for edit in pending:
            kernel_copy(source_fd, target_fd, position, edit.start)
            write_all(target_fd, edit.replacement)
            position = max(position, edit.end)
        kernel_copy(source_fd, target_fd, position, size)
    except OSError:  # e.g. a file system or kernel that refuses it: start again in Python
        os.lseek(target_fd, start, os.SEEK_SET)
        os.ftruncate(target_fd, start)
        return False
    return True


def _copy_through_python(source: BinaryIO, target: BinaryIO, pending: list[Edit]) -> None:
    """apply_edits block by block, through this process's memory."""
    next_edit = 0
    block_start = 0
    copy_from = 0  # file offset of the next byte to copy (past the last edit applied)
    while True:
        block = source.read(COPY_BLOCK)
        if not block:
            break
        view, block_end = memoryview(block), block_start + len(block)
        while next_edit < len(pending) and pending[next_edit].start < block_end:
            edit = pending[next_edit]
            if edit.start > copy_from:
                target.write(view[copy_from - block_start:edit.start - block_start])
            target.write(edit.replacement)
            copy_from = max(copy_from, edit.end)
            next_edit += 1
        if copy_from < block_end:
            target.write(view[max(copy_from, block_start) - block_start:])
            copy_from = block_end
        block_start = block_end
    for edit in pending[next_edit:]:  # an edit at the very end of the file (an insertion there)
        target.write(edit.replacement)


def file_identity(path: str) -> tuple:
    """What tells one version of a file from another: a rename puts another inode in place,
    a write in place changes the size or the modification time. Taken before the lint whose
    edits will be applied."""
    from sfprep.io.files import real_path

    status = os.stat(real_path(path))   # a dangling link or a loop: one line naming it
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def check_unchanged(source: BinaryIO, identity: tuple, path: str) -> None:
    """The open file is the version the lint read, or UsageError: edits are byte ranges of
    that version, and on another they cut the wrong bytes (two fixes of one file at once
    removed delimiters instead of spaces)."""
    from sfprep.core.model import UsageError

    now = os.fstat(source.fileno())
    if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) != identity:
        raise UsageError(f"{path} changed while it was being fixed (another program wrote it); "
                         "this fix wrote nothing: run it again")
