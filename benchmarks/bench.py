"""The sfprep benchmark suite: throughput, fix, defect check, start-up, many files.

    python benchmarks/bench.py [--suite quick|full|dirty|xml|split|reconcile|delta] [--size-mb 100] [--repeat 3]
                               [--memory-scaling] [--file PATH] [--keep] [--json [FILE]]
                               [--baseline PATH/TO/OTHER/sfprep]
                               [--sizes 300,1000] [--timeout 600] [--max-rss-gib GIB]

quick  On a generated --size-mb Account load: `sfprep lint` (default rules), `sfprep lint
       --select F,Q,H` (structure only) and `sfprep fix` (on a fresh, untimed copy of a load
       where every 50th record has `"Name" ,`, Q004), each against polars, duckdb and a
       readinto loop timed in the same run; the defect check (every injected defect
       reported at its exact line); start-up against `python -c "import polars"`; 1,000
       small files in one call against one.
full   The same, plus the throughput table at 1 GB (1000 MB).
dirty  Files wrong in every record (benchmarks/variants.py: clean, an Id in an insert,
       MM/DD/YYYY dates, ragged, short ragged, padded outside quotes) at --size-mb (or each
       of --sizes): `sfprep lint`, `--select F,Q,H` and polars on each, every report's
       findings checked against the generator's; then --format full, concise, json and
       --statistics on 50,000 and 1,000,000 findings (see benchmarks/dirty.py). Default
       --repeat 1; a child is killed past --timeout or --max-rss-gib.
xml    A Bulk XML batch set at --size-mb (or each of --sizes; generate.py's records as XML):
       `sfprep lint` against a bare lxml iterparse pass over it, and `sfprep convert` both
       ways against the lint of their sources (benchmarks/xmlbench.py). Default --repeat 1.
split  generate.py's load at --size-mb (or each of --sizes): `sfprep split` into bulk1 batches
       and `split --group-by AccountNumber` against `sfprep lint` and polars read_csv +
       write_csv of the same file (benchmarks/splitbench.py). Default --repeat 1.
--memory-scaling (implied by --size-mb 4096)  sfprep lint at 1 GB and 4 GB (4096 MB):
       time and peak RSS, which should not grow with the file.
--baseline  another build's `sfprep` executable (e.g. a worktree of an older commit): its
       lint and structure-only lint are timed in the same run, interleaved, as "baseline: ...".

sfprep is timed as the whole command, start-up included; the references time only their
read inside their child (import and interpreter start-up excluded). Every measurement is
its own child process (peak RSS via os.wait4). MB = 10**6 bytes. Files are written in a
temporary folder (deleted unless --keep) after checking the free disk space. Markdown
goes to stdout, progress to stderr; --json prints JSON instead, --json FILE writes it too.
The exit status is 1 when an injected defect is not reported or a finding count differs.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dirty import REPORT_RECORDS, default_limits, run_dirty
from generate import Generated, write_account_load
from measure import REFERENCE_NAMES, Run, add_ratios, command, interleave, reference, summarize, warm
from tables import machine, markdown
from loadbench import run_delta, run_reconcile
from splitbench import run_split
from xmlbench import run_xml

ROOT = Path(__file__).resolve().parent.parent
SMALL_FILE = ROOT / "samples" / "Account.csv"  # ~1.5 KB, lints clean
MANY_FILES = 1000
FIX_EVERY = 50
GB = 10**9


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- files

def ensure_disk(folder: Path, need_bytes: float) -> None:
    """Stop before writing if the folder's file system cannot hold need_bytes + 1 GB."""
    free = shutil.disk_usage(folder).free
    if free < need_bytes + GB:
        raise SystemExit(f"not enough disk in {folder}: need {need_bytes / GB:.1f} GB + 1 GB "
                         f"spare, {free / GB:.1f} GB free")


def generate(path: Path, size_mb: float, **options) -> Generated:
    start = time.perf_counter()
    generated = write_account_load(path, size_mb, **options)
    seconds = time.perf_counter() - start
    log(f"generated {path.parent.name}/{path.name}: {path.stat().st_size / 1e6:.1f} MB in {seconds:.2f} s "
        f"({path.stat().st_size / 1e6 / seconds:.0f} MB/s)")
    return generated


def read_report(path: Path) -> dict | None:
    """sfprep's JSON report, unless it is missing, broken or too big to be worth parsing."""
    if not path.exists() or path.stat().st_size > 500e6:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


# ---------------------------------------------------------------------------- sfprep

def sfprep_exe() -> str:
    exe = shutil.which("sfprep")
    if exe is None:
        raise SystemExit("no `sfprep` on PATH: pip install -e .")
    return exe


def lint_argv(exe: str, path: Path, *options: str) -> list[str]:
    return [exe, "lint", "--no-progress", "--format", "json", "--exit-zero", *options, str(path)]


def fix_once(exe: str, source: Path, work: Path) -> Run:
    """Time `sfprep fix` on a fresh copy of source; the copy and its writeback are untimed."""
    shutil.copyfile(source, work)
    os.sync()
    return command([exe, "fix", "--no-progress", "--exit-zero", str(work)])


def fix_note(exe: str, source: Path, work: Path, expected: int | None) -> str:
    """After the last fix: bytes removed (one space per Q004) and Q findings left."""
    removed = source.stat().st_size - work.stat().st_size
    report_path = work.with_suffix(".after-fix.json")
    command(lint_argv(exe, work, "--select", "Q"), report_path)
    report = read_report(report_path) or {"findings": []}
    left = len(report["findings"])
    verdict = "" if expected is None else (
        " OK" if removed == expected and left == 0 else f" UNEXPECTED (expected {expected})")
    return f"`sfprep fix` removed {removed:,} bytes, {left} Q finding(s) left.{verdict}"


# ---------------------------------------------------------------------------- sections

def throughput(exe: str, clean: Path, fixable: Path, repeat: int, workdir: Path,
               title: str, expected: Generated | None, fixes: int | None) -> dict:
    """lint / structure / fix against polars, duckdb and readinto, interleaved."""
    warm(clean)
    warm(fixable)
    reports = {"sfprep lint": workdir / "lint.json", "sfprep lint --select F,Q,H": workdir / "fqh.json"}
    work = workdir / "fix" / fixable.name  # same name: sfprep infers the job from it
    work.parent.mkdir(exist_ok=True)
    tools = throughput_tools(exe, clean, fixable, work, reports)
    log(f"{title}: {len(tools)} tools x {repeat}")
    runs = interleave(tools, repeat)
    size = clean.stat().st_size
    rows = [summarize(name, runs[name], fixable.stat().st_size if name == "sfprep fix" else size)
            for name in tools]
    add_ratios(rows, REFERENCE_NAMES)
    for row in rows:
        report = read_report(reports[row["tool"]]) if row["tool"] in reports else None
        if report and report.get("files"):
            row["records"] = report["files"][0]["records"]
    notes = [records_note(rows, expected.records if expected else None)]
    if isinstance(runs["sfprep fix"], list):
        notes.append(fix_note(exe, fixable, work, fixes))
    seconds = {row["tool"]: row["seconds"] for row in rows}
    if seconds.get("sfprep fix") and seconds.get("sfprep lint"):
        notes.append(f"`sfprep fix` took {seconds['sfprep fix'] / seconds['sfprep lint']:.2f}x "
                     "the `sfprep lint` of this run.")
    work.unlink(missing_ok=True)
    return {"kind": "throughput", "title": title, "file": str(clean), "size_bytes": size,
            "repeat": repeat, "rows": rows, "notes": notes + timing_notes(expected is not None)}


def timing_notes(generated: bool) -> list[str]:
    source = (f"a load where every {FIX_EVERY}th record has `\"Name\" ,` (Q004)" if generated
              else "the file")
    return [("sfprep: the whole command, start-up included; references: their read only, timed "
             "inside their child process (interpreter and import excluded). Page cache warm for all."),
            (f"`sfprep fix` runs on a fresh copy of {source}; the copy is not timed; the fix "
             "writes, fsyncs and re-lints."),
            ("duckdb: `SELECT count(*) FROM read_csv(?, all_varchar=true, strict_mode=true)` checks "
             "every row's structure but builds no column; polars builds every column as strings.")]


BASELINE: str | None = None  # --baseline: another build's sfprep, timed beside this one


def throughput_tools(exe: str, clean: Path, fixable: Path, work: Path, reports: dict) -> dict:
    """name -> a callable timing it once."""
    structure = "sfprep lint --select F,Q,H"
    tools = {"sfprep lint": lambda: command(lint_argv(exe, clean), reports["sfprep lint"]),
             structure: lambda: command(lint_argv(exe, clean, "--select", "F,Q,H"), reports[structure]),
             "sfprep fix": lambda: fix_once(exe, fixable, work)}
    if BASELINE:
        tools["baseline: sfprep lint"] = lambda: command(lint_argv(BASELINE, clean))
        tools[f"baseline: {structure}"] = lambda: command(lint_argv(BASELINE, clean, "--select", "F,Q,H"))
    for label, name in REFERENCE_NAMES.items():
        tools[name] = lambda label=label: reference(label, clean)
    return tools


def records_note(rows: list[dict], expected: int | None) -> str:
    """Every tool that counts records must count the same number (and the generated one)."""
    counts = {row["tool"]: row["records"] for row in rows if row.get("records") is not None}
    agreed = set(counts.values()) | ({expected} if expected is not None else set())
    listed = ", ".join(f"{tool} {n:,}" for tool, n in counts.items())
    return f"Records read: {listed}." + (" OK" if len(agreed) == 1 else " DISAGREE")


def defect_check(exe: str, path: Path, generated: Generated, workdir: Path) -> dict:
    """Every injected defect must be reported with its code at its exact physical line."""
    report_path = workdir / "defects.json"
    command(lint_argv(exe, path), report_path)
    findings = (read_report(report_path) or {"findings": []})["findings"]
    found = {(f["code"], f["line"]) for f in findings}
    checks = [{"code": code, "line": line, "status": "OK" if (code, line) in found else "MISSING",
               "reported_at": sorted(f["line"] for f in findings if f["code"] == code)}
              for code, line in generated.defects]
    injected = set(generated.defects)
    others = Counter(f["code"] for f in findings if (f["code"], f["line"]) not in injected)
    return {"kind": "defects", "title": f"Defect check ({path.stat().st_size / 1e6:,.0f} MB)",
            "file": str(path), "checks": checks, "other_findings": dict(others)}


def startup(exe: str, small: Path, repeat: int) -> dict:
    """Whole-command wall time of short commands, median of at least 5."""
    python = sys.executable
    tools = {"sfprep --version": [exe, "--version"], "sfprep rule Q004": [exe, "rule", "Q004"],
             f"sfprep lint {small.name}": [exe, "lint", str(small)],
             'python -c "import polars"': [python, "-c", "import polars"],
             'python -c "pass"': [python, "-c", "pass"]}
    count = max(5, repeat)
    log(f"start-up: {len(tools)} commands x {count}")
    runs = interleave({name: lambda argv=argv: command(argv) for name, argv in tools.items()}, count)
    rows = [summarize(name, runs[name]) for name in tools]
    add_ratios(rows, {"import polars": 'python -c "import polars"'})
    return {"kind": "commands", "title": "Start-up (whole command)", "repeat": count,
            "baseline": "import polars", "rows": rows}


def many_files(exe: str, small: Path, workdir: Path, repeat: int) -> dict:
    """One `sfprep lint` call over 1,000 copies of a small file, against one copy."""
    folder = workdir / "many"
    folder.mkdir()
    for i in range(MANY_FILES):
        shutil.copyfile(small, folder / f"account_{i:04d}.csv")
    one = folder / "account_0000.csv"
    base = [exe, "lint", "--no-progress", "--exit-zero", "--object", "Account"]
    tools = {"1 file": base + [str(one)],
             f"{MANY_FILES:,} files (default: one process per core)": base + [str(folder)],
             f"{MANY_FILES:,} files, --jobs 1": base + ["--jobs", "1", str(folder)]}
    log(f"many files: {len(tools)} commands x {repeat}")
    runs = interleave({name: lambda argv=argv: command(argv) for name, argv in tools.items()}, repeat)
    rows = [summarize(name, runs[name]) for name in tools]
    add_ratios(rows, {"one file": "1 file"})
    for row in rows[1:]:
        if row["seconds"] and rows[0]["seconds"]:
            row["ms_per_extra_file"] = round((row["seconds"] - rows[0]["seconds"]) * 1000 / (MANY_FILES - 1), 2)
    shutil.rmtree(folder)
    return {"kind": "commands", "title": f"Many small files ({small.stat().st_size:,} B each, "
            "`--object Account`, one call)", "repeat": repeat, "baseline": "one file", "rows": rows,
            "notes": ["Peak RSS is the largest single process (os.wait4 does not add up workers)."]}


def generated_group(exe: str, size_mb: float, repeat: int, workdir: Path) -> list[dict]:
    """Throughput and defect check on generated loads of size_mb; the files are deleted."""
    ensure_disk(workdir, 4 * size_mb * 1e6)  # clean + fixable + its copy + fix's new file
    clean, fixable = workdir / "Account.csv", workdir / "fixable" / "Account.csv"
    fixable.parent.mkdir(exist_ok=True)
    generated = generate(clean, size_mb)
    with_fixes = generate(fixable, size_mb, fixable=FIX_EVERY)
    title = f"{clean.stat().st_size / 1e6:,.0f} MB Account load"
    sections = [throughput(exe, clean, fixable, repeat, workdir, title, generated, with_fixes.fixable)]
    clean.unlink()
    fixable.unlink()
    defects = workdir / "defects" / "Account.csv"
    defects.parent.mkdir(exist_ok=True)
    sections.append(defect_check(exe, defects, generate(defects, size_mb, defects=True), workdir))
    defects.unlink()
    return sections


def user_file_group(exe: str, path: Path, repeat: int, workdir: Path) -> list[dict]:
    """Throughput on --file (fix on copies of it); no defect check: its defects are unknown."""
    ensure_disk(workdir, 2 * path.stat().st_size)
    return [throughput(exe, path, path, repeat, workdir, f"{path.name}", None, None)]


def memory_scaling(exe: str, repeat: int, workdir: Path) -> dict:
    """sfprep lint at 1 GB and 4 GB: peak RSS should stay flat."""
    rows = []
    for size_mb in (1000, 4096):
        ensure_disk(workdir, size_mb * 1e6)
        path = workdir / "Account.csv"
        generate(path, size_mb)
        warm(path)
        log(f"memory scaling: sfprep lint on {size_mb} MB x {repeat}")
        runs = interleave({"sfprep lint": lambda path=path: command(lint_argv(exe, path))}, repeat)
        rows.append(summarize(f"sfprep lint, {path.stat().st_size / 1e6:,.0f} MB", runs["sfprep lint"],
                              path.stat().st_size))
        path.unlink()
    return {"kind": "commands", "title": "Memory scaling (sfprep lint, default rules)",
            "repeat": repeat, "baseline": None, "rows": rows}


# ---------------------------------------------------------------------------- main

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=("quick", "full", "dirty", "xml", "split", "reconcile", "delta"),
                        default="quick")
    parser.add_argument("--records", type=int, default=1_000_000, help="reconcile: the source records")
    parser.add_argument("--size-mb", type=float, default=100, help="size of the generated load")
    parser.add_argument("--sizes", type=sizes_list, metavar="MB,MB",
                        help="dirty: the sizes of the variants (default: --size-mb)")
    parser.add_argument("--repeat", type=int,
                        help="runs per tool (quick, full: default and min 3; dirty: default 1); the median is shown")
    parser.add_argument("--findings", type=records_list, default=REPORT_RECORDS, metavar="N,N",
                        help="dirty: records (one finding each) of the report files (default 50000,1000000)")
    parser.add_argument("--timeout", type=float, metavar="S", help="dirty: kill a child after S s (default 600)")
    parser.add_argument("--max-rss-gib", type=float, metavar="GIB",
                        help="dirty: kill a child past this peak RSS (default: half the available memory)")
    parser.add_argument("--memory-scaling", action="store_true", help="sfprep lint at 1 GB vs 4 GB")
    parser.add_argument("--file", type=Path, help="measure this file instead of a generated one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                        help="print JSON instead of Markdown, or also write it to FILE")
    parser.add_argument("--baseline", metavar="EXE", help="another build's sfprep, timed in the same run")
    args = parser.parse_args()
    if args.suite == "dirty" and args.file:
        parser.error("--suite dirty generates its files: it does not go with --file")
    if args.suite in ("dirty", "xml", "split", "reconcile", "delta"):
        args.repeat = max(args.repeat or 1, 1)
    else:
        args.repeat = max(args.repeat or 3, 3)
    return args


def sizes_list(text: str, kind=float, what: str = "sizes in MB") -> list:
    try:
        values = [kind(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of {what}: {text!r}") from None
    if min(values) <= 0:
        raise argparse.ArgumentTypeError(f"{what} must be positive: {text!r}")
    return values


def records_list(text: str) -> tuple[int, ...]:
    return tuple(sizes_list(text, int, "record counts"))


def run_suite(args: argparse.Namespace, exe: str, workdir: Path) -> list[dict]:
    if args.suite == "xml":
        return run_xml(exe, args.sizes or [args.size_mb], args.repeat, workdir)
    if args.suite == "reconcile":
        return run_reconcile(exe, args.records, args.repeat, workdir)
    if args.suite == "delta":
        return run_delta(exe, args.sizes or [args.size_mb], args.repeat, workdir)
    if args.suite == "split":
        return run_split(exe, args.sizes or [args.size_mb], args.repeat, workdir)
    if args.suite == "dirty":
        return run_dirty(exe, BASELINE, args.sizes or [args.size_mb], args.repeat, workdir,
                         default_limits(args.timeout, args.max_rss_gib), args.findings)
    if args.file:
        sections = user_file_group(exe, args.file.resolve(), args.repeat, workdir)
    else:
        sections = generated_group(exe, args.size_mb, args.repeat, workdir)
    if args.suite == "full" and (args.file or args.size_mb != 1000):
        sections += generated_group(exe, 1000, args.repeat, workdir)
    small = workdir / SMALL_FILE.name
    shutil.copyfile(SMALL_FILE, small)
    sections += [startup(exe, small, args.repeat), many_files(exe, small, workdir, args.repeat)]
    if args.memory_scaling or args.size_mb == 4096:
        sections.append(memory_scaling(exe, args.repeat, workdir))
    return sections


def byte_compile_sfprep() -> None:
    """Write sfprep's bytecode, as `pip install .` does: an editable install under
    PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every start-up."""
    import compileall

    import sfprep

    compileall.compile_dir(Path(sfprep.__file__).parent, quiet=1)


def main() -> None:
    global BASELINE
    args = parse_args()
    exe = sfprep_exe()
    BASELINE = args.baseline
    byte_compile_sfprep()
    workdir = Path(tempfile.mkdtemp(prefix="sfprep-bench-"))
    try:
        result = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()},
                  "sections": run_suite(args, exe, workdir)}
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json and args.json != "-":
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2) if args.json == "-" else markdown(result))
    missing = [c for s in result["sections"] if s["kind"] == "defects" for c in s["checks"]
               if c["status"] != "OK"]
    different = [r for s in result["sections"] if s["kind"] in ("dirty", "reports") for r in s["rows"]
                 if r.get("check") == "DIFFERENT"]
    raise SystemExit(1 if missing or different else 0)


if __name__ == "__main__":
    main()
