"""Time `sfprep lint` against polars.read_csv and a raw readinto loop on one synthetic file.

    python benchmarks/bench.py [--size-mb 100] [--repeat 3] [--keep] [--select F,Q,H]
                               [--file PATH] [--json]

Every tool runs in its own child process, reaped with os.wait4 so its peak RSS (ru_maxrss)
is its own. polars and readinto time themselves around the read (interpreter and import
start-up excluded); sfprep is timed as the whole command, start-up included. The file is
read once before timing so that every tool sees a warm page cache. MB = 10**6 bytes.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write_account_load  # noqa: E402

POLARS_CHILD = """
import sys, time, polars as pl
t = time.perf_counter()
df = pl.read_csv(sys.argv[1], infer_schema=False)
print(time.perf_counter() - t, df.height)
"""
READINTO_CHILD = """
import sys, time
buf = bytearray(16 << 20)
t = time.perf_counter()
with open(sys.argv[1], "rb", buffering=0) as f:
    while f.readinto(buf):
        pass
print(time.perf_counter() - t)
"""


def run_child(argv: list[str], stdout) -> tuple[float, float, int, str]:
    """Run argv (stderr inherited); return (wall s, peak RSS MiB, exit status, piped stdout).

    os.wait4 gives the rusage of this one child: ru_maxrss is in KiB on Linux.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: keep Popen from waiting again
    return wall, usage.ru_maxrss / 1024, proc.returncode, out


def time_python_child(code: str, path: Path) -> tuple[float, float]:
    """A Python child that prints its own timing as the first word of its output."""
    _, rss, status, out = run_child([sys.executable, "-c", code, str(path)], subprocess.PIPE)
    if status != 0:
        raise RuntimeError(f"child failed with status {status}")
    return float(out.split()[0]), rss


def sfprep_command(path: Path, select: str | None) -> list[str] | None:
    exe = shutil.which("sfprep")
    if exe is None:
        return None
    argv = [exe, "lint", "--no-progress", "--format", "json", "--exit-zero"]
    return argv + (["--select", select] if select else []) + [str(path)]


def time_sfprep(argv: list[str], report: Path) -> tuple[float, float]:
    with open(report, "wb") as out:
        wall, rss, status, _ = run_child(argv, out)
    if status != 0:
        raise RuntimeError(f"sfprep exited with status {status}")
    return wall, rss


def count_findings(report: Path) -> int | None:
    try:
        return len(json.loads(report.read_text(encoding="utf-8"))["findings"])
    except (ValueError, KeyError, TypeError):
        return None


def summarize(tool: str, runs: list[tuple[float, float]], size: int, error: str | None) -> dict:
    if error:
        return {"tool": tool, "error": error, "seconds": None, "runs": [], "mb_per_s": None,
                "peak_rss_mib": None}
    seconds = statistics.median(t for t, _ in runs)
    return {"tool": tool, "seconds": round(seconds, 4), "runs": [round(t, 4) for t, _ in runs],
            "mb_per_s": round(size / 1e6 / seconds, 1),
            "peak_rss_mib": round(max(r for _, r in runs), 1)}


def add_ratios(results: list[dict]) -> None:
    polars = next((r["seconds"] for r in results if r["tool"] == "polars.read_csv"), None)
    for r in results:
        r["ratio_to_polars"] = round(r["seconds"] / polars, 2) if polars and r["seconds"] else None


def print_table(results: list[dict]) -> None:
    print(f"{'tool':<18}{'median s':>10}{'MB/s':>10}{'peak RSS MiB':>14}{'x polars':>10}")
    for r in results:
        if r["seconds"] is None:
            print(f"{r['tool']:<18}  FAILED: {r['error']}")
            continue
        ratio = "-" if r["ratio_to_polars"] is None else f"{r['ratio_to_polars']:.2f}"
        print(f"{r['tool']:<18}{r['seconds']:>10.3f}{r['mb_per_s']:>10.1f}"
              f"{r['peak_rss_mib']:>14.1f}{ratio:>10}")


def benchmark(path: Path, repeat: int, select: str | None, workdir: Path) -> dict:
    size = path.stat().st_size
    time_python_child(READINTO_CHILD, path)  # warm the page cache
    lint = sfprep_command(path, select)
    report = workdir / "sfprep-report.json"
    tools = {"polars.read_csv": lambda: time_python_child(POLARS_CHILD, path),
             "readinto 16 MiB": lambda: time_python_child(READINTO_CHILD, path)}
    if lint:
        tools["sfprep lint"] = lambda: time_sfprep(lint, report)
    runs: dict[str, list] = {tool: [] for tool in tools}
    errors: dict[str, str] = {}
    for _ in range(repeat):  # interleave the tools so drift hits them all alike
        for tool, measure in tools.items():
            if tool not in errors:
                try:
                    runs[tool].append(measure())
                except RuntimeError as exc:  # e.g. polars refuses a defective file
                    errors[tool] = str(exc)
    results = [summarize(tool, runs[tool], size, errors.get(tool)) for tool in tools]
    add_ratios(results)
    return {"file": str(path), "size_bytes": size, "repeat": repeat, "select": select,
            "sfprep": " ".join(lint) if lint else None,
            "sfprep_findings": count_findings(report) if lint and report.exists() else None,
            "results": results}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100, help="size of the generated file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; the median is shown")
    parser.add_argument("--select", help="passed to sfprep lint --select, e.g. F,Q,H")
    parser.add_argument("--file", type=Path, help="benchmark this file instead of generating one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sfprep-bench-"))
    try:
        path = args.file
        if path is None:
            path = workdir / f"account_{args.size_mb:g}mb.csv"
            start = time.perf_counter()
            write_account_load(path, args.size_mb)
            print(f"generated {path} in {time.perf_counter() - start:.2f} s", file=sys.stderr)
        result = benchmark(path, args.repeat, args.select, workdir)
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"file: {result['file']} ({result['size_bytes'] / 1e6:.1f} MB), "
          f"median of {result['repeat']}")
    print_table(result["results"])
    if result["sfprep"] is None:
        print("sfprep: not installed (no `sfprep` on PATH), skipped")
    else:
        print(f"sfprep findings: {result['sfprep_findings']}")


if __name__ == "__main__":
    main()
