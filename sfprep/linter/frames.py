"""A file's records as polars frames of strings, read by sfprep's own scanner (never by
polars, which refuses a whole file over one stray quote and names no line).

The lint engine runs the rules that say whether the records can be read exactly; each
chunk of records it reads is handed on as a frame with the header's names, and a file
with such errors is refused in one line naming the first. reconcile reads its batch and
result files this way, delta its snapshots (chunk by chunk, in bounded memory).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable

import polars as pl

from sfprep.core.config import Settings
from sfprep.core.job import Job
from sfprep.core.model import Severity, UsageError
from sfprep.io.files import regular_file_size

READ_CHECKS = ("F001", "F005", "Q002", "Q003", "Q004", "Q005", "Q006", "H001", "H002",
               "X001", "X003", "X004", "X005", "X006", "X007", "X009")
RESULT_CHECKS = tuple(code for code in READ_CHECKS if code != "H002")   # Data Loader writes `ID` beside `Id`


class Unreadable(UsageError):
    """The file's records cannot be read exactly: the first error and how many there are."""


def read_frames(path: str, on_frame: Callable[[pl.DataFrame, int], None], *, display: str | None = None,
                delimiter: str | None = None, line_ending: str | None = None, profile: str = "bulk1",
                codes: tuple[str, ...] = READ_CHECKS, what: str = "file") -> list[str]:
    """Call on_frame(frame, first_record) for each chunk of `path`'s records, in order
    (first_record: the 1-based number of the frame's first record); the header's names.
    Unreadable when the checks find an error."""
    from sfprep.core.profiles import load_profile
    from sfprep.linter.engine import FileLint
    from sfprep.linter.targets import targets_for

    shown = display or path
    regular_file_size(path)
    job = Job(delimiter=delimiter, line_ending=line_ending)
    settings = Settings(select=codes, profile=profile, cli_job=job)
    loaded = load_profile(profile, {})
    target = targets_for([Path(path)], settings, loaded, {Path(path): shown})[0]
    names: list[str] = []
    sink = _FrameSink(on_frame, names, shown)
    lint = FileLint(path, target.job, loaded, target.rules, shown, None, settings)
    lint.chunk_sink = sink
    lint.read()
    result = lint.finish()
    _refuse_errors(result, shown, what)
    if sink.names is None:
        names.extend(_header_names(lint.ctx))
    return names


def read_table(path: str, **options) -> pl.DataFrame:
    """All of `path`'s records as one frame of strings (the header's names as columns)."""
    frames: list[pl.DataFrame] = []
    names = read_frames(path, lambda frame, first: frames.append(frame), **options)
    if not frames:
        return pl.DataFrame({name: pl.Series([], dtype=pl.String) for name in names})
    return pl.concat(frames, how="vertical", rechunk=False)


class _FrameSink:
    def __init__(self, on_frame, names: list[str], shown: str):
        self.on_frame = on_frame
        self.shown = shown
        self.names: list[str] | None = None
        self.shared = names
        self.records = 0

    def __call__(self, chunk, ctx) -> None:
        from sfprep.io.csv.frame import usable_records, value_frame

        if self.names is None:
            self.names = _header_names(ctx)
            self.shared.extend(self.names)
            repeated = sorted(name for name, count in Counter(self.names).items() if count > 1)
            if repeated:
                raise Unreadable(f"{self.shown}: column {repeated[0]!r} appears twice in the header")
        if not self.names or chunk.long_record is not None:
            return
        records = usable_records(chunk, len(self.names))
        if not len(records):
            return
        frame = value_frame(chunk, records, list(range(len(self.names))), ctx.delimiter).frame
        self.on_frame(frame.rename(dict(zip(frame.columns, self.names))), self.records + 1)
        self.records += len(records)


def _header_names(ctx) -> list[str]:
    return list(ctx.header.names) if ctx.header is not None and not ctx.header.is_blank else []


def _refuse_errors(result, shown: str, what: str) -> None:
    errors = sum(count for (_, severity, _, _), count in result.findings.counts.items() if severity == Severity.ERROR)
    if not errors:
        return
    first = next(stamped.finding for stamped in result.findings if stamped.severity == Severity.ERROR)
    where = f"line {first.line}: " if first.line else ""
    more = f" (and {errors - 1:,} more error(s): `sfprep lint {shown}` lists them)" if errors > 1 else ""
    raise Unreadable(f"{shown}: not a readable {what}: {where}{first.code} {first.message}{more}")
