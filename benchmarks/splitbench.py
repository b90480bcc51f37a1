"""The split suite of bench.py: generate.py's Account load at --size-mb (the 1 GB benchmark
file by default), and, timed in the same run, interleaved:

- polars `read_csv` + `write_csv` of it (the reference: read and write the same bytes);
- `sfprep lint` of it (whole command, start-up included);
- `sfprep split --out DIR` (bulk1 batches; the split includes its lint), and its peak RSS;
- `sfprep split --group-by AccountNumber` (4,096 parent keys, some 900 records each: two reads).

Every split's output is fsynced before it is renamed into place, so the disk is in the figure;
the batches are removed between runs (untimed) and the page cache flushed (warm()).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from generate import write_account_load
from measure import Run, command, interleave, run, summarize, warm

POLARS_READ_WRITE_CHILD = """
import sys, time, polars as pl
t = time.perf_counter()
df = pl.read_csv(sys.argv[1], infer_schema=False)
df.write_csv(sys.argv[2])
print(time.perf_counter() - t, df.height)
"""
GROUP_BY = "AccountNumber"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def polars_read_write(source: Path, target: Path) -> Run:
    result = run([sys.executable, "-c", POLARS_READ_WRITE_CHILD, str(source), str(target)])
    seconds, records = result.stdout.split()[:2]
    result.seconds, result.records = float(seconds), int(records)
    target.unlink()
    return result


def split_once(exe: str, source: Path, out: Path, *options: str) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    warm(source)
    result = command([exe, "split", "--no-progress", str(source), "--out", str(out), *options])
    shutil.rmtree(out)
    return result


def split_section(exe: str, size_mb: float, repeat: int, workdir: Path) -> dict:
    folder = workdir / f"split-{size_mb:g}"
    folder.mkdir()
    source = folder / "Account.csv"
    log(f"split {size_mb:g} MB: generating")
    records = write_account_load(source, size_mb).records
    size = source.stat().st_size
    warm(source)
    tools = {
        "polars read_csv + write_csv": lambda: polars_read_write(source, folder / "polars.csv"),
        "sfprep lint": lambda: command([exe, "lint", "--no-progress", "--exit-zero", str(source)]),
        "sfprep split": lambda: split_once(exe, source, folder / "batches"),
        f"sfprep split --group-by {GROUP_BY}": lambda: split_once(exe, source, folder / "grouped",
                                                                  "--group-by", GROUP_BY),
    }
    log(f"split {size_mb:g} MB ({records:,} records): {len(tools)} tools x {repeat}")
    runs = interleave(tools, repeat)
    rows = [summarize(name, runs[name], size) for name in tools]
    by = {row["tool"]: row["seconds"] for row in rows}

    def over(top: str, bottom: str) -> float | None:
        return round(by[top] / by[bottom], 2) if by.get(top) and by.get(bottom) else None

    for row in rows:
        row["x_lint"] = over(row["tool"], "sfprep lint")
    split_rss = next(r.get("peak_rss_mib") for r in rows if r["tool"] == "sfprep split")
    notes = [f"{size / 1e6:,.1f} MB, {records:,} records, into bulk1 batches (10,000 records / 10 MB each).",
             f"split / lint: {over('sfprep split', 'sfprep lint')} (target <= 1.2); split / polars read+write: "
             f"{over('sfprep split', 'polars read_csv + write_csv')} (target <= 1.5); peak RSS {split_rss} MiB "
             "(target <= 400).",
             f"split --group-by / split: {over(f'sfprep split --group-by {GROUP_BY}', 'sfprep split')} (target <= 2)."]
    shutil.rmtree(folder)
    return {"kind": "commands", "title": f"split, {size_mb:g} MB", "repeat": repeat, "baseline": "lint",
            "rows": rows, "notes": notes}


def run_split(exe: str, sizes: list[float], repeat: int, workdir: Path) -> list[dict]:
    return [split_section(exe, size_mb, repeat, workdir) for size_mb in sizes]
