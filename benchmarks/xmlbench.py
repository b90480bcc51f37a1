"""The XML suite of bench.py: a generated Bulk XML batch set (generate.py's Account records
written as XML) at each size, and, timed in the same run, interleaved:

- a bare `lxml.etree.iterparse` pass that visits and clears every element (the reference);
- `sfprep lint` of the XML file (whole command, start-up included), and its peak RSS;
- `sfprep convert` XML -> CSV of it, and CSV -> XML of the same records as CSV, each against
  the lint of its own source.
"""
from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from generate import HEADER, POOL_SIZE, random_fields, write_account_load
from measure import Run, command, interleave, run, summarize, warm

ITERPARSE_CHILD = """
import sys, time
from lxml import etree
t = time.perf_counter()
n = 0
with open(sys.argv[1], "rb") as stream:
    for _, element in etree.iterparse(stream, events=("end",), resolve_entities=False, no_network=True,
                                      load_dtd=False, huge_tree=False):
        n += 1
        element.clear()
print(time.perf_counter() - t, n)
"""
NAMES = HEADER.split(",")
XML_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">\n')


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def xml_pool(seed: int) -> list[bytes]:
    """POOL_SIZE rendered records, all but their External_Id__c (written per record)."""
    rng = random.Random(seed)
    pool = []
    for _ in range(POOL_SIZE):
        fields = random_fields(rng)
        body = "".join(f"    <{name}>{escape(value)}</{name}>\n" for name, value in zip(NAMES, fields) if value)
        pool.append(("  <sObject>\n" + body + "    <External_Id__c>").encode())
    return pool


def write_account_xml(path: Path, size_mb: float, seed: int = 0) -> int:
    """A Bulk XML Account batch of about size_mb MB; returns its record count."""
    pool, target, records = xml_pool(seed), int(size_mb * 1e6), 0
    closing = b"</External_Id__c>\n  </sObject>\n"
    with open(path, "wb") as out:
        out.write(XML_HEAD)
        written = len(XML_HEAD)
        while written < target:
            block = b"".join(pool[(records + i) % POOL_SIZE] + b"EXT-%010d" % (records + i) + closing
                             for i in range(POOL_SIZE))
            out.write(block)
            written += len(block)
            records += POOL_SIZE
        out.write(b"</sObjects>\n")
    return records


def iterparse_reference(path: Path) -> Run:
    result = run([sys.executable, "-c", ITERPARSE_CHILD, str(path)])
    seconds, elements = result.stdout.split()[:2]
    result.seconds, result.records = float(seconds), int(elements)
    return result


def xml_section(exe: str, size_mb: float, repeat: int, workdir: Path) -> dict:
    folder = workdir / f"xml-{size_mb:g}"
    folder.mkdir()
    xml, csv = folder / "Account.xml", folder / "Account.csv"
    log(f"xml {size_mb:g} MB: generating")
    records = write_account_xml(xml, size_mb)
    write_account_load(csv, size_mb)
    size = xml.stat().st_size
    warm(xml)
    tools = {
        "lxml iterparse, every element visited and cleared": lambda: iterparse_reference(xml),
        "sfprep lint (XML)": lambda: command([exe, "lint", "--no-progress", "--exit-zero", str(xml)]),
        "sfprep convert XML -> CSV": lambda: command([exe, "convert", str(xml), "--to", "csv", "--out",
                                                      str(folder / "out.csv"), "--overwrite"]),
        "sfprep lint (the CSV)": lambda: command([exe, "lint", "--no-progress", "--exit-zero", str(csv)]),
        "sfprep convert CSV -> XML": lambda: command([exe, "convert", str(csv), "--to", "xml", "--out",
                                                      str(folder / "out.xml"), "--overwrite"]),
    }
    log(f"xml {size_mb:g} MB ({records:,} records): {len(tools)} tools x {repeat}")
    runs = interleave(tools, repeat)
    rows = [summarize(name, runs[name], size if "CSV ->" not in name and "(the CSV)" not in name
                      else csv.stat().st_size) for name in tools]
    by = {row["tool"]: row for row in rows}
    reference = by["lxml iterparse, every element visited and cleared"]["seconds"]

    def over(name: str, base: str | None) -> float | None:
        top, bottom = by[name]["seconds"], by[base]["seconds"] if base else reference
        return round(top / bottom, 2) if top and bottom else None

    for row in rows:
        row["x_iterparse"] = round(row["seconds"] / reference, 2) if row["seconds"] and reference else None
    notes = [f"{size / 1e6:,.1f} MB of XML, {records:,} records; the CSV of the same records "
             f"{csv.stat().st_size / 1e6:,.1f} MB.",
             f"sfprep lint (XML) / iterparse: {over('sfprep lint (XML)', None)} (target <= 1.3); "
             f"peak RSS {by['sfprep lint (XML)'].get('peak_rss_mib')} MiB (target <= 300).",
             f"convert XML -> CSV / lint of the XML: {over('sfprep convert XML -> CSV', 'sfprep lint (XML)')}; "
             f"convert CSV -> XML / lint of the CSV: {over('sfprep convert CSV -> XML', 'sfprep lint (the CSV)')} "
             "(targets <= 2)."]
    shutil.rmtree(folder)
    return {"kind": "commands", "title": f"Bulk XML, {size_mb:g} MB", "repeat": repeat,
            "baseline": "iterparse", "rows": rows, "notes": notes}


def run_xml(exe: str, sizes: list[float], repeat: int, workdir: Path) -> list[dict]:
    return [xml_section(exe, size_mb, repeat, workdir) for size_mb in sizes]
