"""What field_facts costs next to the scan, chunk by chunk, on the generated Account load.

    python benchmarks/field_facts.py [--file PATH | --size-mb 100] [--repeat 5] [--numpy]

Each chunk of the file is scanned once to get its spans; then, --repeat times, the same
chunks are scanned again (scan_buffer: the structural pass and the field spans) and their
field facts computed over all fields, alternately, so both see the same machine. The best
run of each is reported, in CPU time of this thread (time.thread_time: on a shared machine
wall time mostly measures the neighbours), as ns per field and as a share of the scan.
--numpy times the numpy path too. The file is generated in a temporary folder unless
--file names one.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write_account_load  # noqa: E402

from sfprep.io.csv import fields as field_facts_module  # noqa: E402
from sfprep.io.csv.scan import Dialect, scan, scan_buffer  # noqa: E402
from sfprep.native.allocator import reuse_freed_memory  # noqa: E402


def best_of(repeat: int, runs: dict) -> dict:
    """{name: best thread time over `repeat` rounds}, the runs alternating within a round."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.thread_time()
            run()
            best[name] = min(best[name], time.thread_time() - start)
    return best


def measure(path: Path, repeat: int, with_numpy: bool) -> None:
    reuse_freed_memory()  # as the engine does: chunk-sized buffers stay in the heap
    with open(path, "rb") as stream:
        chunks = list(scan(stream, Dialect()))
    everything = [np.arange(len(chunk.field_starts), dtype=np.int64) for chunk in chunks]
    fields = sum(len(e) for e in everything)
    runs = {"scan": lambda: [scan_buffer(c.data, c.dialect, c.base, c.first_line, c.first_record, True)
                             for c in chunks]}
    if field_facts_module._native is not None:
        runs["facts (C)"] = lambda: [field_facts_module.facts_in_c(c.data, c.field_starts, c.field_ends, e)
                                     for c, e in zip(chunks, everything)]
    if with_numpy or field_facts_module._native is None:
        runs["facts (numpy)"] = lambda: [field_facts_module.facts_in_numpy(c.data, c.field_starts, c.field_ends, e)
                                         for c, e in zip(chunks, everything)]
    best = best_of(repeat, runs)
    size = sum(len(c.data) for c in chunks)
    print(f"{path.name}: {size / 1e6:.0f} MB, {len(chunks)} chunks, {fields:,} fields; best of {repeat}, CPU time")
    for name, seconds in best.items():
        print(f"  {name:14} {seconds:7.3f} s  {seconds * 1e9 / fields:6.1f} ns/field  "
              f"{seconds / best['scan']:6.0%} of the scan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--size-mb", type=float, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--numpy", action="store_true", help="time the numpy path too")
    args = parser.parse_args()
    if args.file:
        measure(args.file, args.repeat, args.numpy)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "Account.csv"
        write_account_load(path, args.size_mb)
        measure(path, args.repeat, args.numpy)


if __name__ == "__main__":
    main()
