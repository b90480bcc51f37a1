"""`bench.py --suite dirty` (issue 11): sfprep on files that are wrong in every record,
against polars reading the same file in the same run, and the cost of the findings reports.

For each size and each variant of variants.py (clean, id, date, ragged, short, padded):
`sfprep lint` (default rules, JSON report to a file), `sfprep lint --select F,Q,H`, the
--baseline build's two, and polars `read_csv(infer_schema=False)` of the same file; time,
MB/s, peak RSS, the ratio to polars (to polars on the clean file of the same size when
polars refuses the variant), and every report's findings, by code, against the generator's
expectation (OK / DIFFERENT). Then the reports: a `date` load with 50,000 and one with
1,000,000 records (one V005 each, and L004-L006) timed with `--format full`, `concise`,
`json` and `--statistics`, with the ratios full/concise, concise/statistics and
json/statistics.

Every child is killed past the time limit (--timeout, default 600 s) or the memory limit
(--max-rss-gib, default half the memory available at start): it is shown as such, with
its time and peak RSS at the kill, and its report is not counted.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

from measure import REFERENCE_NAMES, Limits, Run, command, interleave, reference, summarize, warm
from variants import VARIANTS, Written, layout, planned_records, write_variant

POLARS = REFERENCE_NAMES["polars"]
LINT, STRUCTURE = "sfprep lint", "sfprep lint --select F,Q,H"
STRUCTURE_CODES = ("F", "Q", "H")
REPORT_RECORDS = (50_000, 1_000_000)
REPORT_FORMATS = {"--format full": ["--format", "full"], "--format concise": ["--format", "concise"],
                  "--format json": ["--format", "json"], "--statistics": ["--statistics"]}
REPORT_RATIOS = (("full/concise", "--format full", "--format concise"),
                 ("concise/statistics", "--format concise", "--statistics"),
                 ("json/statistics", "--format json", "--statistics"))
BYTES_PER_FINDING = 600  # a JSON report's finding, with a fix, rounded up: for the disk check
GB = 10**9
DEFAULT_TIMEOUT = 600.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def default_limits(timeout: float | None, max_rss_gib: float | None) -> Limits:
    """The time limit, and the memory limit: half of MemAvailable unless given."""
    if max_rss_gib is None:
        with open("/proc/meminfo") as meminfo:
            available_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemAvailable:"))
        max_rss_gib = available_kib / 2**20 / 2
    return Limits(timeout or DEFAULT_TIMEOUT, max_rss_gib * 1024)


def run_dirty(exe: str, baseline: str | None, sizes: list[float], repeat: int, workdir: Path,
              limits: Limits, report_records: tuple[int, ...] = REPORT_RECORDS) -> list[dict]:
    sections = [variants_section(exe, baseline, size, repeat, workdir, limits) for size in sizes]
    return sections + [reports_section(exe, baseline, repeat, workdir, limits, report_records)]


# ---------------------------------------------------------------------------- counting

JSON_FINDING = re.compile(rb'"code":\s?"([A-Z]+[0-9]+)",\s{0,64}"severity"')  # not a skipped rule's "code"
FULL_FINDING = re.compile(r"([A-Z]+[0-9]+) ")  # a finding's headline starts a line; source lines start "N |"
FULL_MORE = re.compile(r"\.\.\. and ([0-9][0-9,]*) more ([A-Z]+[0-9]+) ")  # the rest of a group, counted
STATISTICS_LINE = re.compile(r"\s*([0-9][0-9,]*)\s+([A-Z]+[0-9]+)\s")


def count_json_findings(path: Path, chunk_bytes: int = 1 << 24) -> Counter:
    """Findings by code in a JSON report of any size, read in chunks."""
    counts: Counter = Counter()
    overlap = 160  # longer than any match: a match starting before the cut ends inside the buffer
    carry = b""
    with open(path, "rb") as report:
        while chunk := report.read(chunk_bytes):
            buffer = carry + chunk
            cut = max(len(buffer) - overlap, 0)
            for match in JSON_FINDING.finditer(buffer):
                if match.start() >= cut:
                    break  # counted with the next buffer, which starts at the cut
                counts[match.group(1).decode()] += 1
            carry = buffer[cut:]
    counts.update(match.group(1).decode() for match in JSON_FINDING.finditer(carry))
    return counts


def count_text_findings(path: Path, fmt: str, data: Path) -> Counter:
    """Findings by code in a full, concise or --statistics report."""
    concise = re.compile(re.escape(str(data)) + r"(?::\d+(?::\d+)?)?: ([A-Z]+[0-9]+) ")
    counts: Counter = Counter()
    with open(path, encoding="utf-8", errors="replace") as report:
        for line in report:
            if fmt == "--statistics":
                if match := STATISTICS_LINE.match(line):
                    counts[match.group(2)] += int(match.group(1).replace(",", ""))
            elif fmt == "--format full" and (more := FULL_MORE.match(line)):
                counts[more.group(2)] += int(more.group(1).replace(",", ""))
            elif match := (FULL_FINDING if fmt == "--format full" else concise).match(line):
                counts[match.group(1)] += 1
    return counts


def check(row: dict, report: tuple[Counter, int] | None, expected: Counter) -> None:
    """row's findings, expected, check (OK / DIFFERENT) and, when different, by code; and
    the size of the report (its findings by code, and bytes)."""
    row["expected"] = sum(expected.values())
    if report is None:
        return
    counted, row["report_bytes"] = report
    row["findings"] = sum(counted.values())
    row["check"] = "OK" if counted == expected else "DIFFERENT"
    if counted != expected:
        row["difference"] = {code: [counted.get(code, 0), expected.get(code, 0)]
                             for code in sorted(set(counted) | set(expected))
                             if counted.get(code, 0) != expected.get(code, 0)}


# ---------------------------------------------------------------------------- variants

def ensure_disk(folder: Path, need_bytes: float, what: str) -> None:
    free = shutil.disk_usage(folder).free
    if free < need_bytes + GB:
        raise SystemExit(f"not enough disk in {folder} for {what}: need {need_bytes / GB:.1f} GB + 1 GB "
                         f"spare, {free / GB:.1f} GB free")


def generate(path: Path, variant: str, size_mb: float | None = None, records: int | None = None) -> Written:
    path.parent.mkdir(exist_ok=True)
    start = time.perf_counter()
    written = write_variant(path, variant, size_mb, records)
    seconds = time.perf_counter() - start
    log(f"generated {path.parent.name}/{path.name}: {written.size / 1e6:.1f} MB, {written.records:,} records "
        f"in {seconds:.2f} s ({written.size / 1e6 / seconds:.0f} MB/s)")
    return written


def lint_once(argv: list[str], report: Path, counts: dict, name: str, limits: Limits,
              counter: Callable[[Path], Counter]) -> Run:
    """Time one sfprep command; count its report's findings and bytes (untimed), then delete it."""
    try:
        result = command(argv, report, limits)
        counts[name] = (counter(report), report.stat().st_size)
        return result
    finally:
        report.unlink(missing_ok=True)


def builds(exe: str, baseline: str | None) -> list[tuple[str, str]]:
    """(row name prefix, sfprep executable) of this build and the baseline's."""
    return [("", exe)] + ([("baseline: ", baseline)] if baseline else [])


def variant_tools(exe: str, baseline: str | None, path: Path, limits: Limits, counts: dict) -> dict:
    base = ["lint", "--no-progress", "--format", "json", "--exit-zero"]
    tools: dict[str, Callable[[], Run]] = {}
    for prefix, build in builds(exe, baseline):
        for name, options in ((LINT, []), (STRUCTURE, ["--select", "F,Q,H"])):
            argv = [build, *base, *options, str(path)]
            report = path.with_name(f"report-{len(tools)}.json")
            tools[prefix + name] = partial(lint_once, argv, report, counts, prefix + name, limits,
                                           count_json_findings)
    tools[POLARS] = partial(reference, "polars", path, limits)
    return tools


def variants_section(exe: str, baseline: str | None, size_mb: float, repeat: int, workdir: Path,
                     limits: Limits) -> dict:
    """Every variant at size_mb: sfprep (and baseline) against polars, findings checked."""
    worst = max(planned_records(v, size_mb) * sum(layout(v).per_record.values()) for v in VARIANTS)
    ensure_disk(workdir, size_mb * 1e6 + worst * BYTES_PER_FINDING, f"the {size_mb:g} MB variants and a report")
    rows, files, clean_polars, load = [], {}, None, [os.getloadavg()[0]]
    for variant in VARIANTS:
        path = workdir / variant / "Account.csv"  # the name makes it an Account insert
        written = generate(path, variant, size_mb)
        files[variant] = {"records": written.records, "bytes": written.size, "characters": written.characters,
                          "expected": dict(written.expected)}
        warm(path)
        counts: dict = {}
        tools = variant_tools(exe, baseline, path, limits, counts)
        log(f"dirty {size_mb:g} MB, {variant}: {len(tools)} tools x {repeat}")
        runs = interleave(tools, repeat)
        polars = summarize(POLARS, runs[POLARS], written.size)
        if variant == "clean":
            clean_polars = polars["seconds"]
        against = polars["seconds"] or clean_polars
        for name in tools:
            row = polars if name == POLARS else summarize(name, runs[name], written.size)
            row.update(file=variant, polars_of="this file" if polars["seconds"] else "the clean file")
            add_polars_ratio(row, against)
            if name != POLARS:
                check(row, counts.get(name), written.expected_for(STRUCTURE_CODES) if name.endswith(STRUCTURE)
                      else written.expected)
            rows.append(row)
        shutil.rmtree(path.parent)
        load.append(os.getloadavg()[0])
    return {"kind": "dirty", "load": [min(load), max(load)], "title": f"Dirty files, {size_mb:g} MB each", "size_mb": size_mb,
            "repeat": repeat, "limits": {"seconds": limits.seconds, "rss_mib": limits.rss_mib},
            "files": files, "rows": rows}


def add_polars_ratio(row: dict, polars_seconds: float | None) -> None:
    """row["x_polars"]; for a child killed at the time limit, the lower bound its time gives."""
    seconds = row["seconds"] or (row.get("killed_after_s") if row.get("killed") == "time" else None)
    row["x_polars"] = round(seconds / polars_seconds, 2) if seconds and polars_seconds else None


# ---------------------------------------------------------------------------- reports

def report_tools(exe: str, baseline: str | None, path: Path, limits: Limits, counts: dict) -> dict:
    tools: dict[str, Callable[[], Run]] = {}
    for prefix, build in builds(exe, baseline):
        for name, options in REPORT_FORMATS.items():
            argv = [build, "lint", "--no-progress", "--exit-zero", *options, str(path)]
            report = path.with_name(f"report-{len(tools)}.out")
            counter = (count_json_findings if name == "--format json"
                       else partial(count_text_findings, fmt=name, data=path))
            tools[prefix + name] = partial(lint_once, argv, report, counts, prefix + name, limits, counter)
    return tools


def reports_section(exe: str, baseline: str | None, repeat: int, workdir: Path, limits: Limits,
                    report_records: tuple[int, ...]) -> dict:
    """Each report format on date loads of report_records records (one V005 each)."""
    rows, ratios, load = [], [], [os.getloadavg()[0]]
    for records in report_records:
        ensure_disk(workdir, records * (300 + BYTES_PER_FINDING), f"{records:,} findings")
        path = workdir / "reports" / "Account.csv"
        written = generate(path, "date", records=records)
        warm(path)
        counts: dict = {}
        tools = report_tools(exe, baseline, path, limits, counts)
        log(f"reports, {records:,} records: {len(tools)} tools x {repeat}")
        runs = interleave(tools, repeat)
        label = f"{sum(written.expected.values()):,} findings ({records:,} V005)"
        for name in tools:
            row = summarize(name, runs[name])
            row["file"] = label
            check(row, counts.get(name), written.expected)
            rows.append(row)
        by_tool = {row["tool"]: row for row in rows if row["file"] == label}
        for prefix, _ in builds(exe, baseline):
            ratios.append({"file": label, "build": prefix.rstrip(": ") or "this build",
                           **{name: ratio(by_tool[prefix + top], by_tool[prefix + bottom])
                              for name, top, bottom in REPORT_RATIOS}})
        shutil.rmtree(path.parent)
        load.append(os.getloadavg()[0])
    return {"kind": "reports", "load": [min(load), max(load)], "title": "Findings reports (`date` loads: one V005 per record, and L004-L006)",
            "repeat": repeat, "rows": rows, "ratios": ratios}


def ratio(top: dict, bottom: dict) -> dict | None:
    """top's seconds over bottom's: {"value", "bound"}, the bound being ">" (or "<") when the
    top (bottom) row was killed at the time limit, its time so far a lower bound."""
    def timed(row: dict) -> tuple[float | None, bool]:
        killed = row.get("killed") == "time"
        return (row.get("killed_after_s") if killed else row["seconds"]), killed

    (over, over_killed), (under, under_killed) = timed(top), timed(bottom)
    if not over or not under or (over_killed and under_killed):
        return None
    return {"value": round(over / under, 2), "bound": ">" if over_killed else "<" if under_killed else ""}
