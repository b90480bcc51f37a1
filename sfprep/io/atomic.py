"""Writing without losing anything: every command that writes goes through here.

A new version of a file is written beside it without a name (O_TMPFILE where the system
has it), fsynced, given a temporary name and renamed over the original in one step: a
crash at any point leaves the original or the finished file, never a half-written one.
A symbolic link is followed: the file it points to is replaced and the link stays.
Unchanged byte ranges are copied between files by the kernel (copy_file_range). A folder
(split's batches) is put in place by renameat2: NOREPLACE, or EXCHANGE over an old one.
"""
from __future__ import annotations

import functools
import os
import shutil
from typing import BinaryIO, Callable

from sfprep.core.model import UsageError
from sfprep.io.files import real_path

COPY_BLOCK = 8 << 20


def atomic_replace(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Write a new version of `path` and put it in place in one rename, keeping permissions.

    Through a symbolic link, the file it points to is replaced, in its own folder (a rename
    cannot cross file systems), and the link is kept."""
    target = real_path(path)
    mode = os.stat(target).st_mode & 0o7777
    _write_then(target, write, mode, lambda temp_name: os.replace(temp_name, target),
                cannot_open=f"{path}: cannot write beside it", cannot_write=f"{path}: cannot replace it",
                unchanged="nothing was changed")


def atomic_create(path: str, write: Callable[[BinaryIO], None], overwrite: bool = False) -> None:
    """Write a new file at `path` (replacing one only with overwrite), so that `path` holds
    nothing or the finished file, whatever happens midway."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"{path}: its folder does not exist")
    if os.path.lexists(path) and not overwrite:
        raise UsageError(f"{path} exists: give --overwrite to replace it")

    def put_in_place(temp_name: str) -> None:
        if overwrite:
            os.replace(temp_name, path)
            return
        try:
            os.link(temp_name, path)   # fails if something appeared at `path` meanwhile
        except FileExistsError:
            raise UsageError(f"{path} exists: give --overwrite to replace it") from None
        finally:
            os.unlink(temp_name)
    _write_then(os.path.abspath(path), write, 0o666 & ~umask(), put_in_place,
                cannot_open=f"{path}: cannot write in {folder}", cannot_write=f"{path}: cannot write it",
                unchanged="nothing was written")


def _write_then(target: str, write: Callable[[BinaryIO], None], mode: int, put_in_place: Callable[[str], None],
                cannot_open: str, cannot_write: str, unchanged: str) -> None:
    """Write a file beside `target` without a name (O_TMPFILE where the system has it, else
    under a temporary one), fsync it, give it its mode and a temporary name, and hand that
    name to put_in_place; on any failure nothing is left behind."""
    folder = os.path.dirname(target)
    temp_name = os.path.join(folder, f".{os.path.basename(target)}.sfprep-{os.getpid()}.tmp")
    fd = _unnamed_file(folder)
    named = fd is None
    if named:
        try:
            fd = os.open(temp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise UsageError(f"{cannot_open}: {error.strerror}; {unchanged}") from None
    try:
        with os.fdopen(fd, "wb", closefd=False) as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.fchmod(fd, mode)
        if not named:
            _give_name(fd, temp_name, mode)
        put_in_place(temp_name)
        fsync_folder(folder)
    except BaseException as error:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise UsageError(f"{cannot_write}: {error.strerror}; {unchanged}") from None
        raise
    finally:
        os.close(fd)


def _give_name(fd: int, name: str, mode: int) -> None:
    """Link the unnamed file into the folder (linkat with AT_EMPTY_PATH, else through /proc);
    where both are refused, copy it to `name` instead."""
    if _linkat_empty_path(fd, name):
        return
    try:
        os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
        return
    except OSError:
        pass
    copy_fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(os.dup(fd), "rb") as source, os.fdopen(copy_fd, "wb", closefd=False) as target:
            source.seek(0)
            shutil.copyfileobj(source, target, COPY_BLOCK)
            target.flush()
            os.fsync(copy_fd)
        os.fchmod(copy_fd, mode)
    finally:
        os.close(copy_fd)


def _linkat_empty_path(fd: int, name: str) -> bool:
    import ctypes

    try:
        # The process's own symbols: ctypes.util.find_library would spawn ldconfig (0.3 s).
        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, at_empty_path = -100, 0x1000
        return libc.linkat(fd, b"", at_fdcwd, os.fsencode(name), at_empty_path) == 0
    except (OSError, AttributeError):
        return False


def _unnamed_file(folder: str) -> int | None:
    """A file in `folder` with no name yet (Linux O_TMPFILE): nothing is left if we are killed."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        fd = os.open(folder, flag | os.O_RDWR, 0o600)
    except OSError:
        return None
    if not os.path.exists(f"/proc/self/fd/{fd}"):
        os.close(fd)
        return None
    return fd


def fsync_folder(folder: str) -> None:
    """Make a folder's entries (a rename, a new file) durable; where it cannot be opened, nothing."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def kernel_copy(source_fd: int, target_fd: int, start: int, end: int) -> None:
    while start < end:
        copied = os.copy_file_range(source_fd, target_fd, end - start, start)
        if copied == 0:
            raise OSError(f"copy_file_range stopped at {start}, before {end}")
        start += copied


def write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def start_writeback(fd: int) -> None:
    """Start writing what the file holds to disk, without waiting (sync_file_range where the
    system has it): the fsync when the batch is complete then finds little left to do."""
    call = _sync_file_range()
    if call is not None:
        call(fd, 0, 0, 2)   # SYNC_FILE_RANGE_WRITE


@functools.lru_cache(maxsize=1)
def _sync_file_range():
    import ctypes

    try:
        call = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    return call


def sync_and_close(fd: int, skip_sync: bool) -> None:
    """fsync a finished file (unless an earlier one failed: the output is abandoned) and close it."""
    try:
        if not skip_sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _renameat2(source: str, target: str, flags: int) -> bool | None:
    """renameat2(2): True when done, False when the target exists (NOREPLACE), None where
    the system call is missing."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.renameat2
    except (OSError, AttributeError):
        return None
    at_fdcwd = -100
    if call(at_fdcwd, os.fsencode(source), at_fdcwd, os.fsencode(target), flags) == 0:
        return True
    error = ctypes.get_errno()
    if error == 17:   # EEXIST
        return False
    if error in (22, 38, 95):   # EINVAL, ENOSYS, EOPNOTSUPP: not on this file system
        return None
    raise OSError(error, os.strerror(error), target)


def rename_no_replace(source: str, target: str) -> bool:
    """Rename `source` to `target` unless something is there (False then), in one step where
    the file system can."""
    done = _renameat2(source, target, 1)   # RENAME_NOREPLACE
    if done is not None:
        return done
    if os.path.lexists(target):
        return False
    os.rename(source, target)
    return True


def exchange(source: str, target: str) -> bool:
    """Swap two names in one step (a new folder for an old one); False where the system cannot."""
    return bool(_renameat2(source, target, 2))   # RENAME_EXCHANGE
