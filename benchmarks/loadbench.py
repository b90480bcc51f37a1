"""The reconcile and delta suites of bench.py (issue 14), each timed against polars in the
same run, interleaved:

- reconcile: --records source records (1,000,000 by default; 8 columns, multi-line text,
  runs of identical rows) split for bulk2, and bulk2 results for them, shuffled (90 %
  successfulResults, 8 % failedResults, 2 % unprocessedrecords, every column echoed).
  Reference: polars reads the source and the three result files and joins the results to
  the source on every column (the same match, without its guarantees).
- delta: two snapshots of --size-mb each (1 GB by default) with an Id, a key and 10 columns:
  1 % of the records gone, 5 % changed, 1 % added, shuffled. Reference: polars reads both,
  anti-joins them on the key (the deletes) and joins them on the key (the adds and changes).

sfprep's peak RSS is measured for each; the outputs are removed between runs (untimed).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import polars as pl

from measure import Run, command, interleave, run, summarize, warm

RESULT_FILES = ("successfulResults.csv", "failedResults.csv", "unprocessedrecords.csv")
POLARS_JOIN_CHILD = """
import sys, time, polars as pl
t = time.perf_counter()
read = lambda p: pl.read_csv(p, infer_schema=False)
source = read(sys.argv[1])
results = pl.concat([read(p).select(source.columns) for p in sys.argv[2:]])
joined = source.join(results, on=source.columns, how="inner")
print(time.perf_counter() - t, joined.height)
"""
POLARS_DELTA_CHILD = """
import sys, time, polars as pl
t = time.perf_counter()
old = pl.read_csv(sys.argv[1], infer_schema=False)
new = pl.read_csv(sys.argv[2], infer_schema=False)
deleted = old.join(new, on="Ext__c", how="anti")
joined = new.join(old, on="Ext__c", how="left", suffix="_old")
print(time.perf_counter() - t, deleted.height + joined.height)
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def reference_run(child: str, *paths: Path) -> Run:
    result = run([sys.executable, "-c", child, *map(str, paths)])
    seconds, records = result.stdout.split()[:2]
    result.seconds, result.records = float(seconds), int(records)
    return result


def contacts(records: int) -> pl.DataFrame:
    n = pl.int_range(0, records, eager=True)
    frame = pl.DataFrame({"n": n}).with_columns(
        (pl.col("n") // 3).alias("g"))   # runs of three with the same group: some identical rows
    return frame.select(
        pl.format("First{}", pl.col("g") % 50_000).alias("FirstName"),
        pl.format("Last{}", pl.col("n")).alias("LastName"),
        pl.format("user{}@example.com", pl.col("n")).alias("Email"),
        pl.format("555{}", pl.col("n") % 10_000).alias("Phone"),
        pl.when(pl.col("n") % 5 == 0).then(pl.lit("two\nlines, Ü")).otherwise(pl.lit("plain")).alias("Description"),
        pl.format("City {}", pl.col("n") % 997).alias("MailingCity"),
        pl.lit("FR").alias("MailingCountry"),
        pl.format("T{}", pl.col("n") % 7).alias("Title"))


def write_reconcile_inputs(folder: Path, records: int, exe: str) -> None:
    """The source, its bulk2 split (folder/out) and the shuffled results (run in a child:
    see in_child)."""
    source = folder / "Contact.csv"
    frame = contacts(records)
    frame.write_csv(source)
    run([exe, "split", "--no-progress", str(source), "--out", str(folder / "out"), "--profile", "bulk2"])
    shuffled = frame.with_columns(pl.int_range(0, records).alias("k")).sample(fraction=1.0, shuffle=True, seed=3)
    fate = pl.col("k") % 50
    success = shuffled.filter(fate < 45).select(pl.format("003{}", pl.col("k")).alias("sf__Id"),
                                                 pl.lit("true").alias("sf__Created"), *frame.columns)
    failed = shuffled.filter((fate >= 45) & (fate < 49)).select(
        pl.lit("").alias("sf__Id"),
        pl.lit("REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --").alias("sf__Error"),
        *frame.columns)
    unprocessed = shuffled.filter(fate == 49).select(frame.columns)
    for part, path in zip((success, failed, unprocessed), RESULT_FILES):
        part.write_csv(folder / path, quote_style="always")


def in_child(function: str, *args) -> None:
    """Call this module's `function(*args)` in a child process. Generating a file holds it in
    polars memory; a child the benchmark then starts would inherit that peak in its own
    ru_maxrss (Linux carries the parent's high-water mark through vfork and exec)."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); from pathlib import Path; "
            f"import loadbench; loadbench.{function}(*{args!r})").replace("PosixPath(", "Path(")
    run([sys.executable, "-c", code])


def reconcile_section(exe: str, records: int, repeat: int, workdir: Path) -> dict:
    folder = workdir / "reconcile"
    folder.mkdir()
    source = folder / "Contact.csv"
    log(f"reconcile: {records:,} records: generating and splitting (untimed)")
    in_child("write_reconcile_inputs", folder, records, exe)
    results = [folder / name for name in RESULT_FILES]
    for path in (source, *results):
        warm(path)
    out = folder / "reconciled"

    def reconcile_once() -> Run:
        shutil.rmtree(out, ignore_errors=True)
        result = command([exe, "reconcile", "--manifest", str(folder / "out"), *map(str, results), "--out", str(out)])
        shutil.rmtree(out)
        return result

    tools = {"polars read + join": lambda: reference_run(POLARS_JOIN_CHILD, source, *results),
             "sfprep reconcile": reconcile_once}
    runs = interleave(tools, repeat)
    rows = [summarize(name, runs[name]) for name in tools]
    by = {row["tool"]: row for row in rows}
    ratio = _ratio(by, "sfprep reconcile", "polars read + join")
    success, failed, unprocessed = (records * 45 // 50, records * 4 // 50, records // 50)
    notes = [f"{records:,} source records ({source.stat().st_size / 1e6:,.0f} MB), bulk2 results shuffled: "
             f"about {success:,} successful, {failed:,} failed, {unprocessed:,} unprocessed.",
             f"reconcile / polars read + join: {ratio} (target <= 2); reconcile peak RSS "
             f"{by['sfprep reconcile'].get('peak_rss_mib')} MiB."]
    shutil.rmtree(folder)
    return {"kind": "commands", "title": f"reconcile, {records:,} records", "repeat": repeat,
            "baseline": "polars", "rows": rows, "notes": notes}


def snapshot(path: Path, records: int, start: int = 0, changed: float = 0.0, seed: int = 0) -> None:
    n = pl.int_range(start, start + records, eager=True)
    frame = pl.DataFrame({"n": n})
    stamp = pl.when(((pl.col("n") * 2654435761 + seed) % 1000) < changed * 1000).then(pl.lit(" (changed)")) \
        .otherwise(pl.lit(""))
    columns = [pl.format("001{}", pl.col("n").cast(pl.String).str.zfill(12)).alias("Id"),
               pl.format("K{}", pl.col("n")).alias("Ext__c"),
               pl.format("Account {}", pl.col("n")).alias("Name") + stamp]
    for index in range(9):
        columns.append(pl.format(f"value {index} of {{}}, with some text to fill the record", pl.col("n"))
                       .alias(f"Field{index}__c"))
    columns.append(pl.when(pl.col("n") % 4 == 0).then(pl.lit("line one\nline two")).otherwise(pl.lit(""))
                   .alias("Description"))
    frame.select(columns).sample(fraction=1.0, shuffle=True, seed=seed).write_csv(path)


def delta_section(exe: str, size_mb: float, repeat: int, workdir: Path) -> dict:
    folder = workdir / "delta"
    folder.mkdir()
    per_record = 530   # bytes a record takes, about
    records = int(size_mb * 1e6 / per_record)
    old, new = folder / "old.csv", folder / "Account.csv"
    log(f"delta: generating two snapshots of ~{size_mb:g} MB ({records:,} records)")
    gone = records // 100
    in_child("snapshot", old, records)
    in_child("snapshot", new, records - gone + records // 100, gone, 0.05, 1)
    for path in (old, new):
        warm(path)
    out = folder / "d"

    def delta_once() -> Run:
        shutil.rmtree(out, ignore_errors=True)
        result = command([exe, "delta", "--previous", str(old), "--current", str(new), "--key", "Ext__c",
                          "--out", str(out), "--max-changes", "100000000"])
        shutil.rmtree(out)
        return result

    tools = {"polars read + anti-join + join": lambda: reference_run(POLARS_DELTA_CHILD, old, new),
             "sfprep delta": delta_once}
    runs = interleave(tools, repeat)
    rows = [summarize(name, runs[name], old.stat().st_size + new.stat().st_size) for name in tools]
    by = {row["tool"]: row for row in rows}
    ratio = _ratio(by, "sfprep delta", "polars read + anti-join + join")
    notes = [f"previous {old.stat().st_size / 1e6:,.0f} MB, current {new.stat().st_size / 1e6:,.0f} MB "
             f"({records:,} records each, about): 1 % gone, 1 % added, 5 % changed.",
             f"delta / polars: {ratio} (target <= 2); delta peak RSS {by['sfprep delta'].get('peak_rss_mib')} MiB "
             "(target <= 1024)."]
    shutil.rmtree(folder)
    return {"kind": "commands", "title": f"delta, 2 x {size_mb:g} MB", "repeat": repeat,
            "baseline": "polars", "rows": rows, "notes": notes}


def _ratio(by: dict, top: str, bottom: str) -> float | None:
    a, b = by.get(top, {}).get("seconds"), by.get(bottom, {}).get("seconds")
    return round(a / b, 2) if a and b else None


def run_reconcile(exe: str, records: int, repeat: int, workdir: Path) -> list[dict]:
    return [reconcile_section(exe, records, repeat, workdir)]


def run_delta(exe: str, sizes: list[float], repeat: int, workdir: Path) -> list[dict]:
    return [delta_section(exe, size_mb, repeat, workdir) for size_mb in sizes]
