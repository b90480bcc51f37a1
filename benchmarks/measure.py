"""Running and measuring child processes for the benchmark suite.

Every measurement is one child process reaped with os.wait4, so its peak RSS (ru_maxrss,
KiB on Linux) and CPU time are its own. A command is timed whole (wall clock, start-up
included); a reference child (polars, duckdb, readinto) times only its read and prints
"<seconds> <records>". Tools are interleaved within each repeat so that drift (page cache,
CPU frequency, noisy neighbours) hits them all alike; the median is reported.
"""
from __future__ import annotations

import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

POLARS_CHILD = """
import sys, time, polars as pl
t = time.perf_counter()
df = pl.read_csv(sys.argv[1], infer_schema=False)
print(time.perf_counter() - t, df.height)
"""
DUCKDB_CHILD = """
import sys, time, duckdb
con = duckdb.connect()
t = time.perf_counter()
(n,), = con.execute("SELECT count(*) FROM read_csv(?, all_varchar=true, strict_mode=true)",
                    [sys.argv[1]]).fetchall()
print(time.perf_counter() - t, n)
"""
READINTO_CHILD = """
import sys, time
buf = bytearray(16 << 20)
t = time.perf_counter()
with open(sys.argv[1], "rb", buffering=0) as f:
    while f.readinto(buf):
        pass
print(time.perf_counter() - t, -1)
"""
REFERENCES = {"polars": POLARS_CHILD, "duckdb": DUCKDB_CHILD, "readinto": READINTO_CHILD}
REFERENCE_NAMES = {"polars": "polars read_csv(infer_schema=False)",
                   "duckdb": "duckdb read_csv(all_varchar, strict_mode)",
                   "readinto": "readinto loop, 16 MiB buffer (I/O floor)"}


@dataclass
class Run:
    seconds: float  # the timed part: the whole command, or what a reference child timed
    rss_mib: float  # the child's peak RSS
    cpu_s: float  # the child's user + system CPU time, whole process
    stdout: str = ""
    records: int | None = None  # the records a reference child read


@dataclass(frozen=True)
class Limits:
    """When a child is killed: after `seconds` of wall time, or once its peak RSS passes `rss_mib`."""
    seconds: float | None = None
    rss_mib: float | None = None


class Stopped(RuntimeError):
    """A child killed for passing a Limits bound."""

    def __init__(self, reason: str, seconds: float, rss_mib: float):
        self.reason, self.seconds, self.rss_mib = reason, seconds, rss_mib  # reason: "time" or "memory"
        bound = f"after {seconds:,.0f} s" if reason == "time" else f"at {rss_mib:,.0f} MiB peak RSS"
        super().__init__(f"killed {bound} (the {reason} limit)")


def run(argv: list[str], stdout=None, ok: tuple[int, ...] = (0,), limits: Limits | None = None) -> Run:
    """Run argv to completion; stdout goes to the open file `stdout` or is captured.

    stderr is captured and its last line becomes the error if the exit status is not in ok.
    With limits, the child is killed (SIGKILL) when it passes one and Stopped is raised.
    """
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=stdout or out, stderr=err)
        reason = watch(proc.pid, start, limits) if limits else None
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
        if reason:
            raise Stopped(reason, wall, usage.ru_maxrss / 1024)
        if proc.returncode not in ok:
            err.seek(0)
            raise RuntimeError(f"exit status {proc.returncode}: {error_line(err.read())}")
        out.seek(0)
        return Run(wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
                   out.read().decode(errors="replace"))


def watch(pid: int, start: float, limits: Limits) -> str | None:
    """Wait, without reaping (so the pid cannot be reused under us), until the child exits or
    passes a limit; kill it then and return which limit ("time", "memory"), else None."""
    fd = os.pidfd_open(pid)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not poller.poll(100):  # readable once the child has exited
            reason = ("time" if limits.seconds and time.perf_counter() - start > limits.seconds else
                      "memory" if limits.rss_mib and peak_rss_mib(pid) > limits.rss_mib else None)
            if reason:
                os.kill(pid, signal.SIGKILL)
                return reason
        return None
    finally:
        os.close(fd)


def peak_rss_mib(pid: int) -> float:
    """The process's peak RSS so far (VmHWM), 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            line = next((line for line in status if line.startswith(b"VmHWM:")), b"VmHWM: 0 kB")
    except OSError:
        return 0.0
    return int(line.split()[1]) / 1024


def error_line(stderr: bytes) -> str:
    """The exception line of a Python traceback, else the last line of stderr."""
    lines = stderr.decode(errors="replace").strip().splitlines() or ["(no stderr)"]
    errors = [line for line in lines if re.match(r"[\w.]*(Error|Exception)\b", line)]
    return (errors or lines)[-1][:160]


def reference(name: str, path: Path, limits: Limits | None = None) -> Run:
    """A self-timing reference child: it prints "<seconds> <records>" (records -1: not counted)."""
    result = run([sys.executable, "-c", REFERENCES[name], str(path)], limits=limits)
    seconds, records = result.stdout.split()[:2]
    result.seconds, result.records = float(seconds), (int(records) if int(records) >= 0 else None)
    return result


def command(argv: list[str], report: Path | None = None, limits: Limits | None = None) -> Run:
    """A whole command, timed from spawn to exit; its stdout goes to `report` or nowhere."""
    with open(report or os.devnull, "wb") as out:
        return run(argv, out, limits=limits)


def interleave(tools: dict[str, Callable[[], Run]], repeat: int) -> dict[str, list[Run] | str | Stopped]:
    """Run every tool once per round, `repeat` rounds; a tool that fails keeps its error (a
    message, or the Stopped of a child killed at a limit) and is not run again."""
    results: dict[str, list[Run] | str | Stopped] = {name: [] for name in tools}
    for _ in range(repeat):
        for name, measure in tools.items():
            runs = results[name]
            if isinstance(runs, list):
                try:
                    runs.append(measure())
                except Stopped as exc:
                    results[name] = exc
                except RuntimeError as exc:  # e.g. polars refuses a defective --file
                    results[name] = str(exc)
    return results


def summarize(name: str, runs: list[Run] | str | Stopped, size_bytes: int | None = None) -> dict:
    """One table row: median seconds, MB/s over size_bytes, max peak RSS, median CPU."""
    if isinstance(runs, Stopped):
        return {"tool": name, "error": str(runs), "seconds": None, "killed": runs.reason,
                "killed_after_s": round(runs.seconds, 1), "peak_rss_mib": round(runs.rss_mib, 1)}
    if isinstance(runs, str):
        return {"tool": name, "error": runs, "seconds": None}
    seconds = statistics.median(r.seconds for r in runs)
    row = {"tool": name, "seconds": round(seconds, 4), "runs": [round(r.seconds, 4) for r in runs],
           "peak_rss_mib": round(max(r.rss_mib for r in runs), 1),
           "cpu_s": round(statistics.median(r.cpu_s for r in runs), 3)}
    if size_bytes:
        row["mb_per_s"] = round(size_bytes / 1e6 / seconds, 1)
    if runs[-1].records is not None:
        row["records"] = runs[-1].records
    return row


def add_ratios(rows: list[dict], references: dict[str, str]) -> None:
    """row["x_<label>"] = row seconds / the seconds of the row named references[label]."""
    base = {label: next((r["seconds"] for r in rows if r["tool"] == tool), None)
            for label, tool in references.items()}
    for row in rows:
        for label, seconds in base.items():
            row["x_" + label.replace(" ", "_")] = round(row["seconds"] / seconds, 2) if seconds and row["seconds"] else None


def warm(path: Path) -> None:
    """Flush dirty pages (so writeback does not run during a timing), then read the file once."""
    os.sync()
    reference("readinto", path)
