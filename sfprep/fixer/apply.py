"""Applying fixes: keep those at or above the threshold, skip overlaps, write atomically,
re-lint and repeat until nothing changes.

Most fixes are byte-range edits, applied while streaming the original into a new file.
Two are whole-file rewrites (Fix.rewrite): re-delimiting (Q001) and re-encoding (F001).
The new file is written beside the original without a name (O_TMPFILE where the system
has it), fsynced, then given the original's name in one rename: a crash at any point
leaves the original or the finished file.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from sfprep.core.model import Applicability, Edit, Fix, StampedFinding, UsageError

MAX_PASSES = 10
COPY_BLOCK = 8 << 20


@dataclass
class FixOutcome:
    path: str
    fixed: Counter = field(default_factory=Counter)   # code -> findings fixed
    passes: int = 0
    new_bytes: bytes | None = None                     # with --diff: the fixed content
    final: object = None                               # the last lint's result: the file as it is now


def choose_fixes(findings: list[StampedFinding], threshold: Applicability) -> list[tuple[str, Fix]]:
    """Fixes that meet the threshold, in file order, none overlapping one chosen before it."""
    candidates = sorted(((f.code, f.finding.fix) for f in findings
                         if f.finding.fix is not None and f.finding.fix.applicability >= threshold),
                        key=lambda item: (item[1].rewrite is None, item[1].edits[:1]))
    rewrites = [c for c in candidates if c[1].rewrite is not None]
    if rewrites:
        return rewrites[:1]  # a whole-file rewrite goes alone; the next pass re-lints
    chosen, last_end = [], -1
    for code, fix in candidates:
        if fix.edits and fix.edits[0].start < last_end:
            continue
        chosen.append((code, fix))
        last_end = max([last_end] + [e.end for e in fix.edits])
    return chosen


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
            _kernel_copy(source_fd, target_fd, position, edit.start)
            _write_all(target_fd, edit.replacement)
            position = max(position, edit.end)
        _kernel_copy(source_fd, target_fd, position, size)
    except OSError:  # e.g. a file system or kernel that refuses it: start again in Python
        os.lseek(target_fd, start, os.SEEK_SET)
        os.ftruncate(target_fd, start)
        return False
    return True


def _kernel_copy(source_fd: int, target_fd: int, start: int, end: int) -> None:
    while start < end:
        copied = os.copy_file_range(source_fd, target_fd, end - start, start)
        if copied == 0:
            raise OSError(f"copy_file_range stopped at {start}, before {end}")
        start += copied


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


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


def rewrite_file(rewrite: tuple[str, ...], source: BinaryIO, target: BinaryIO) -> None:
    kind, *arguments = rewrite
    if kind == "reencode":
        _reencode(source, target, *arguments)
    elif kind == "redelimit":
        _redelimit(source, target, *arguments)
    elif kind == "line-endings":
        _rewrite_line_endings(source, target, *arguments)
    else:  # pragma: no cover - a rule declared a rewrite this module does not know
        raise ValueError(kind)


def _reencode(source: BinaryIO, target: BinaryIO, encoding: str) -> None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except LookupError:
        raise UsageError(f"--encoding {encoding}: unknown encoding") from None
    while True:
        block = source.read(COPY_BLOCK)
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as error:
            raise UsageError(f"the file is not valid {encoding} either ({error.reason}); nothing was changed") from None
        target.write(text.lstrip("\ufeff").encode("utf-8") if target.tell() == 0 else text.encode("utf-8"))
        if not block:
            return


def _rewrite_line_endings(source: BinaryIO, target: BinaryIO, wrong: str, right: str, delimiter: str) -> None:
    """Rewrite the record terminators of one kind, chunk by chunk, with numpy (values untouched)."""
    import numpy as np

    from sfprep.io.csv import scan as csv_scan
    from sfprep.io.csv.dialect import CR, LF, Dialect

    kinds = {"LF": csv_scan.TERM_LF, "CRLF": csv_scan.TERM_CRLF, "CR": csv_scan.TERM_CR}
    dialect = Dialect(delimiter=ord(delimiter), line_break=CR if wrong == "CR" else LF)
    for chunk in csv_scan.scan(source, dialect):
        arr = chunk.array
        ends = chunk.record_ends[chunk.terminators == kinds[wrong]]
        if wrong == "CRLF":      # drop the CR (or, to CR, the LF)
            arr = np.delete(arr, ends + (1 if right == "CR" else 0))
        elif right == "CRLF":    # LF or CR -> CRLF: a CR before the LF, or an LF after the CR
            arr = np.insert(arr, ends + (1 if wrong == "CR" else 0), LF if wrong == "CR" else CR)
        else:                    # LF <-> CR: one byte for another
            arr = arr.copy()
            arr[ends] = LF if right == "LF" else CR
        target.write(arr.tobytes())


def _redelimit(source: BinaryIO, target: BinaryIO, delimiter: str, new_delimiter: str) -> None:
    """Rewrite with the new delimiter, quoting what needs quoting; line breaks in values are kept.

    Offered only for files whose quoting is clean, so the csv module reads every value exactly.
    """
    from sfprep.linter.checks import quote_field

    text = io.TextIOWrapper(source, encoding="utf-8", errors="surrogateescape", newline="")
    first_line = text.readline()
    text.seek(0)
    line_ending = "\r\n" if first_line.endswith("\r\n") else "\n"
    for row in csv.reader(text, delimiter=delimiter, quotechar='"', strict=True):
        line = new_delimiter.join(quote_field(value, new_delimiter) for value in row) + line_ending
        target.write(line.encode("utf-8", "surrogateescape"))
    text.detach()


def fix_file(path: str, lint: Callable[..., object], threshold: Applicability,
             diff_only: bool = False) -> FixOutcome:
    """Fix `path` until a full lint offers nothing more (at most MAX_PASSES writes).

    `lint(path, fixers_only)` returns a FileResult. The first lint runs only the rules that
    can offer a fix at the threshold (for safe fixes: no value checks); every lint after a
    write is a full one, and the last, which found nothing left to fix, is kept as the report
    of the fixed file. So a file with fixes costs a fixers-only lint, the writes, and
    usually one full lint.
    """
    outcome = FixOutcome(path)
    working = path
    scratch_dir = tempfile.mkdtemp(prefix="sfprep-fix-") if diff_only else None
    try:
        result, complete = lint(working, True), False
        while True:
            chosen = choose_fixes(result.findings, threshold)
            if not chosen and complete:
                outcome.final = result
                if diff_only and working != path:
                    with open(working, "rb") as stream:
                        outcome.new_bytes = stream.read()
                return outcome
            if chosen:
                if outcome.passes == MAX_PASSES:
                    raise UsageError(f"{path}: fixes did not converge after {MAX_PASSES} passes; "
                                     "the file may be partly fixed (each pass was written whole)")
                target = os.path.join(scratch_dir, f"pass{outcome.passes}") if diff_only else None
                _write_pass(working, chosen, target)
                if diff_only:
                    working = target
                outcome.passes += 1
                outcome.fixed.update(code for code, _ in chosen)
            chosen = result = None  # free this lint's findings before the next lint runs
            result, complete = lint(working, False), True
    finally:
        if scratch_dir:
            shutil.rmtree(scratch_dir, ignore_errors=True)


def _write_pass(path: str, chosen: list[tuple[str, Fix]], target: str | None) -> None:
    def produce(source: BinaryIO, out: BinaryIO) -> None:
        rewrite = chosen[0][1].rewrite
        if rewrite is not None:
            rewrite_file(rewrite, source, out)
        else:
            apply_edits(source, out, [edit for _, fix in chosen for edit in fix.edits])

    with open(path, "rb") as source:
        if target is not None:
            with open(target, "wb") as out:
                produce(source, out)
        else:
            atomic_replace(path, lambda out: produce(source, out))


def atomic_replace(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Write a new version of `path` and put it in place in one rename, keeping permissions."""
    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    temp_name = os.path.join(folder, f".{os.path.basename(path)}.sfprep-{os.getpid()}.tmp")
    fd = _unnamed_file(folder)
    named = fd is None
    if named:
        try:
            fd = os.open(temp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise UsageError(f"{path}: cannot write beside it: {error.strerror}; nothing was changed") from None
    try:
        with os.fdopen(fd, "wb", closefd=False) as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.fchmod(fd, mode)
        if not named:
            _give_name(fd, temp_name, mode)
        os.replace(temp_name, path)
        _fsync_folder(folder)
    except BaseException as error:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise UsageError(f"{path}: cannot replace it: {error.strerror}; nothing was changed") from None
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


def _fsync_folder(folder: str) -> None:
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
