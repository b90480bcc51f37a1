"""Markdown (and the machine line) of the benchmark results of bench.py."""
from __future__ import annotations

import os
import platform
from importlib import metadata


def machine() -> dict:
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                   platform.processor())
    versions = {name: safe_version(name) for name in ("sfprep", "polars", "duckdb", "numpy")}
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(os.sysconf("SC_PAGE_SIZE")
            * os.sysconf("SC_PHYS_PAGES") / 2**30, 1), "python": platform.python_version(),
            "system": platform.platform(), **versions}


def safe_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def escape(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def cell(value, digits: int) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def throughput_markdown(section: dict) -> list[str]:
    lines = [f"### {section['title']}", "",
             f"{section['size_bytes'] / 1e6:,.1f} MB, median of {section['repeat']}.", "",
             "| command | median s | MB/s | peak RSS MiB | × polars | × duckdb | × readinto |",
             "|---|--:|--:|--:|--:|--:|--:|"]
    for r in section["rows"]:
        if r["seconds"] is None:
            lines.append(f"| {r['tool']} | failed: {escape(r['error'])} | | | | | |")
            continue
        lines.append(f"| {r['tool']} | {r['seconds']:.3f} | {cell(r['mb_per_s'], 1)} | "
                     f"{cell(r['peak_rss_mib'], 0)} | {cell(r['x_polars'], 2)} | "
                     f"{cell(r['x_duckdb'], 2)} | {cell(r['x_readinto'], 1)} |")
    return lines + [""] + [f"- {note}" for note in section["notes"]]


def commands_markdown(section: dict) -> list[str]:
    baseline = section["baseline"]
    head = "| command | median s | peak RSS MiB |" + (f" × {baseline} |" if baseline else "")
    lines = [f"### {section['title']}", "", f"Median of {section['repeat']}.", "", head,
             "|---|--:|--:|" + ("--:|" if baseline else "")]
    for r in section["rows"]:
        if r["seconds"] is None:
            lines.append(f"| {r['tool']} | failed: {escape(r['error'])} | |" + (" |" if baseline else ""))
            continue
        ratio = f" {cell(r.get('x_' + baseline.replace(' ', '_')), 2)} |" if baseline else ""
        extra = f" ({r['mb_per_s']:,.1f} MB/s, CPU {r['cpu_s']:,.1f} s)" if "mb_per_s" in r else ""
        extra += f" ({r['ms_per_extra_file']} ms per extra file)" if "ms_per_extra_file" in r else ""
        lines.append(f"| {r['tool']} | {r['seconds']:.3f}{extra} | {r['peak_rss_mib']:,.0f} |{ratio}")
    return lines + [""] * bool(section.get("notes")) + [f"- {note}" for note in section.get("notes", [])]


def defects_markdown(section: dict) -> list[str]:
    lines = [f"### {section['title']}", "", "| defect | injected at line | reported at | |",
             "|---|--:|---|---|"]
    for c in section["checks"]:
        lines.append(f"| {c['code']} | {c['line']:,} | {', '.join(map(str, c['reported_at'])) or '-'} "
                     f"| {c['status']} |")
    others = ", ".join(f"{code} x{n}" for code, n in sorted(section["other_findings"].items()))
    return lines + ["", f"- Other findings: {others or 'none'}."]


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [(f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB; Python {m['python']}, "
              f"sfprep {m['sfprep']}, polars {m['polars']}, duckdb {m['duckdb']}."), ""]
    render = {"throughput": throughput_markdown, "commands": commands_markdown,
              "defects": defects_markdown, "dirty": dirty_markdown, "reports": reports_markdown}
    for section in result["sections"]:
        lines += render[section["kind"]](section) + [""]
    return "\n".join(lines)


def killed_cell(row: dict) -> str:
    if row.get("killed") == "time":
        return f"> {row['killed_after_s']:,.0f} (killed)"
    return f"killed at {row['peak_rss_mib']:,.0f} MiB after {row['killed_after_s']:,.0f} s"


def time_cells(row: dict, size_bytes: int | None) -> str:
    """`| s | MB/s | peak RSS MiB |` of a row that ran, was killed or failed."""
    if row["seconds"] is not None:
        speed = f" {cell(row.get('mb_per_s'), 1)} |" if size_bytes else ""
        return f" {row['seconds']:,.3f} |{speed} {cell(row['peak_rss_mib'], 0)} |"
    if row.get("killed"):
        speed = (f" < {size_bytes / 1e6 / row['killed_after_s']:,.1f} |" if row["killed"] == "time" else " - |") \
            if size_bytes else ""
        return f" {killed_cell(row)} |{speed} {cell(row['peak_rss_mib'], 0)} |"
    failed = "refused" if row["tool"].startswith("polars") else "failed"
    return f" {failed}: {escape(row['error'])} |" + " |" * (1 + bool(size_bytes))


def findings_cells(row: dict) -> str:
    """`| findings | check |`: counted against expected."""
    if "check" not in row:
        return f" - (expected {row['expected']:,}) | |" if "expected" in row else " | |"
    if row["check"] == "OK":
        return f" {row['findings']:,} | OK |"
    by_code = ", ".join(f"{code} {found:,} (expected {want:,})" for code, (found, want) in row["difference"].items())
    return f" {row['findings']:,} | DIFFERENT: {by_code} |"


def dirty_markdown(section: dict) -> list[str]:
    from variants import SUMMARIES

    limits = section["limits"]
    lines = [f"### {section['title']}", "",
             f"Median of {section['repeat']}; a child is killed past {limits['seconds']:,.0f} s or "
             f"{limits['rss_mib']:,.0f} MiB peak RSS.", "",
             "| file | command | s | MB/s | peak RSS MiB | × polars | findings | check |",
             "|---|---|--:|--:|--:|--:|--:|---|"]
    shown, against_clean = set(), False
    for row in section["rows"]:
        facts = section["files"][row["file"]]
        name = "" if row["file"] in shown else (f"{row['file']}: {SUMMARIES[row['file']]}; "
                                                f"{facts['bytes'] / 1e6:,.1f} MB, {facts['records']:,} records")
        shown.add(row["file"])
        bound = "> " if row.get("killed") == "time" and row["x_polars"] is not None else ""
        dagger = "†" if row["polars_of"] != "this file" and row["x_polars"] is not None else ""
        against_clean |= bool(dagger)
        lines.append(f"| {name} | {row['tool']} |{time_cells(row, facts['bytes'])} "
                     f"{bound}{cell(row['x_polars'], 2)}{dagger} |{findings_cells(row)}")
    notes = ["sfprep: the whole command, start-up included, report written to a file; polars: its read "
             "only, timed inside its child. Findings: every code's count in the report against the "
             "generator's expectation (`--select F,Q,H`: the F, Q and H codes of it)."]
    if against_clean:
        notes.append("† against polars on the clean file of this size: polars refused this file.")
    return lines + [""] + [f"- {note}" for note in notes + load_note(section)]


def load_note(section: dict) -> list[str]:
    """The machine's 1-minute load average, between the section's files (others' work included)."""
    if "load" not in section:
        return []
    low, high = section["load"]
    return [f"Load average (1 min) between files: {low:.1f} to {high:.1f}, on {os.cpu_count()} cores."]


def reports_markdown(section: dict) -> list[str]:
    lines = [f"### {section['title']}", "", f"Median of {section['repeat']}; report written to a file.", "",
             "| file | command | s | peak RSS MiB | report MB | findings | check |",
             "|---|---|--:|--:|--:|--:|---|"]
    shown = set()
    for row in section["rows"]:
        name = "" if row["file"] in shown else row["file"]
        shown.add(row["file"])
        size = cell(row["report_bytes"] / 1e6, 1) if "report_bytes" in row else "-"
        lines.append(f"| {name} | {row['tool']} |{time_cells(row, None)} {size} |{findings_cells(row)}")
    lines += ["", "| file | build | full / concise | concise / statistics | json / statistics |",
              "|---|---|--:|--:|--:|"]
    for r in section["ratios"]:
        cells = " | ".join("-" if r[name] is None else f"{r[name]['bound']} {r[name]['value']:,.2f}".strip()
                           for name in ("full/concise", "concise/statistics", "json/statistics"))
        lines.append(f"| {r['file']} | {r['build']} | {cells} |")
    notes = load_note(section)
    return lines + ([""] + [f"- {note}" for note in notes] if notes else [])
