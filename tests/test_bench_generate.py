"""The benchmark files of issue 11 (benchmarks/variants.py) and the dirty suite's counting.

The findings each variant must produce are derived here from how it is written (one O004
per Id, one V005 per MM/DD/YYYY date, one Q006 per short record, one Q004 per padded field,
the Bulk API 1.0 batch limits for L004-L006), the file's records and characters counted
with Python's csv module and a UTF-8 decode, then compared with sfprep's report.
"""
from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from datetime import datetime

import pytest

import sfprep
from sfprep.salesforce.ids import is_record_id
from tests.helpers import REPO, run_cli

sys.path.insert(0, str(REPO / "benchmarks"))
from dirty import count_json_findings, count_text_findings, ratio  # noqa: E402
from generate import write_account_load  # noqa: E402
from measure import Limits, Stopped, command  # noqa: E402
from variants import VARIANTS, write_variant  # noqa: E402

RECORDS = 300
# variant -> (fields in the header, fields in every record, findings per record by code)
SHAPES = {
    "clean": (20, 20, {}),
    "id": (21, 21, {"O004": 1}),          # a non-empty Id in an insert
    "date": (21, 21, {"V005": 1}),        # MM/DD/YYYY, not yyyy-MM-dd
    "ragged": (20, 19, {"Q006": 1}),      # one field short
    "short": (20, 2, {"Q006": 1}),        # 18 fields short
    "padded": (20, 20, {"Q004": 19}),     # a space before the opening quote of fields 2..20
}


def read_records(path, padded: bool = False) -> tuple[list[str], list[list[str]]]:
    """Header and records as Python's csv module reads them (a space before an opening
    quote skipped for the padded variant, so that its values read as the clean ones)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, skipinitialspace=padded))
    return rows[0], rows[1:]


def lint_counts(path, *select: str) -> Counter:
    settings = {"select": list(select)} if select else {}
    return Counter(finding["code"] for finding in sfprep.lint(str(path), **settings))


def test_the_variants_are_the_documented_ones():
    assert set(VARIANTS) == set(SHAPES)


@pytest.mark.parametrize("variant", sorted(SHAPES))
def test_small_variant_has_its_findings(tmp_path, variant):
    header_fields, record_fields, per_record = SHAPES[variant]
    path = tmp_path / "Account.csv"
    written = write_variant(path, variant, records=RECORDS)
    header, records = read_records(path, padded=variant == "padded")
    assert len(header) == header_fields
    assert len(records) == written.records == RECORDS
    assert {len(record) for record in records} == {record_fields}
    data = path.read_bytes()
    assert (written.size, written.characters) == (len(data), len(data.decode("utf-8")))
    expected = Counter({code: n * RECORDS for code, n in per_record.items()})
    assert written.expected == expected
    assert lint_counts(path) == expected
    structure = Counter({code: n for code, n in expected.items() if code[0] in "FQH"})
    assert written.expected_for(("F", "Q", "H")) == structure
    assert lint_counts(path, "F", "Q", "H") == structure


def test_id_variant_holds_unique_well_formed_ids(tmp_path):
    header, records = read_records(_written(tmp_path, "id"))
    assert header[0] == "Id"
    ids = [record[0] for record in records]
    assert len(set(ids)) == RECORDS
    assert all(re.fullmatch(r"001\d{12}AAA", value) and is_record_id(value) for value in ids)


def test_date_variant_holds_a_us_date_in_every_record(tmp_path):
    header, records = read_records(_written(tmp_path, "date"))
    assert header[-2:] == ["Founded_Date__c", "External_Id__c"]
    for record in records:
        datetime.strptime(record[-2], "%m/%d/%Y")  # a real date, month first
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", record[-2])


def test_ragged_variant_drops_fax_and_padded_keeps_the_clean_values(tmp_path):
    (tmp_path / "clean").mkdir()
    _, clean = read_records(_written(tmp_path / "clean", "clean"))
    _, ragged = read_records(_written(tmp_path, "ragged"))
    assert ragged == [record[:3] + record[4:] for record in clean]
    (tmp_path / "padded").mkdir()
    _, padded = read_records(_written(tmp_path / "padded", "padded"), padded=True)
    assert padded == clean


def test_padded_variant_puts_one_space_before_every_opening_quote_but_the_first(tmp_path):
    data = _written(tmp_path, "padded").read_text(encoding="utf-8")
    body = data.split("\n", 1)[1]
    assert _spaces_before_opening_quotes(body) == 19 * RECORDS
    assert body.startswith('"')


def _spaces_before_opening_quotes(text: str) -> int:
    """`, "` where the quote opens a field (outside any quoted value): a small CSV walk."""
    count, quoted, at = 0, False, 0
    while at < len(text):
        char = text[at]
        if quoted:
            if char == '"':
                quoted = text[at + 1:at + 2] == '"'
                at += quoted  # a doubled quote stays inside
        elif char == '"':
            quoted = True
        elif char == "," and text[at + 1:at + 3] == ' "':
            count += 1
        at += 1
    return count


def test_short_records_are_about_fourteen_bytes(tmp_path):
    path = tmp_path / "Account.csv"
    written = write_variant(path, "short", size_mb=1)
    header = path.read_bytes().index(b"\n") + 1
    assert 13.5 < (written.size - header) / written.records < 14.8  # the issue: 7.1 M per 100 MB


def test_ten_thousand_records_fit_a_batch_and_one_more_does_not(tmp_path):
    fits, over = tmp_path / "fits", tmp_path / "over"
    fits.mkdir(), over.mkdir()
    assert write_variant(fits / "Account.csv", "short", records=10_000).expected == {"Q006": 10_000}
    assert lint_counts(fits / "Account.csv") == {"Q006": 10_000}
    assert write_variant(over / "Account.csv", "short", records=10_001).expected == {"Q006": 10_001, "L004": 1}
    assert lint_counts(over / "Account.csv") == {"Q006": 10_001, "L004": 1}


@pytest.mark.parametrize("size_mb, over_characters", [(10.2, False), (10.6, True)])
def test_bytes_and_characters_limits_are_told_apart(tmp_path, size_mb, over_characters):
    path = tmp_path / "Account.csv"
    written = write_variant(path, "clean", size_mb=size_mb)
    characters = len(path.read_bytes().decode("utf-8"))
    assert path.stat().st_size > 10_000_000 and (characters > 10_000_000) == over_characters
    expected = Counter({"L004": 1, "L005": 1, "L006": int(over_characters)})
    assert written.expected == +expected
    assert lint_counts(path) == +expected


def test_variants_are_deterministic_and_clean_is_the_account_load(tmp_path):
    write_account_load(tmp_path / "load.csv", 0.5)
    for variant in VARIANTS:
        first, second = tmp_path / f"{variant}-1.csv", tmp_path / f"{variant}-2.csv"
        write_variant(first, variant, size_mb=0.5)
        write_variant(second, variant, size_mb=0.5)
        assert first.read_bytes() == second.read_bytes()
    assert (tmp_path / "clean-1.csv").read_bytes() == (tmp_path / "load.csv").read_bytes()
    write_variant(tmp_path / "seed-1.csv", "date", size_mb=0.5, seed=1)
    assert (tmp_path / "seed-1.csv").read_bytes() != (tmp_path / "date-1.csv").read_bytes()


@pytest.mark.parametrize("chunk_bytes", [7, 100, 1 << 24])
def test_json_report_counted_in_chunks_as_json_reads_it(tmp_path, chunk_bytes):
    import json

    path = tmp_path / "Account.csv"
    write_variant(path, "padded", records=40)
    _, out, _ = run_cli("lint", "--format", "json", "--no-progress", "--exit-zero", str(path))
    report = tmp_path / "report.json"
    report.write_text(out, encoding="utf-8")
    parsed = json.loads(out)
    assert parsed["files"][0]["skipped_rules"]  # their "code" keys must not be counted
    assert count_json_findings(report, chunk_bytes) == Counter(f["code"] for f in parsed["findings"]) \
        == {"Q004": 19 * 40}


def test_text_reports_counted_by_code(tmp_path):
    path = tmp_path / "Account.csv"
    write_variant(path, "id", records=30)
    with open(path, "a", encoding="utf-8") as f:
        f.write(",\n")  # one Q006 (2 fields), reported with a line and no column
    for fmt, options in (("--format full", ["--format", "full"]), ("--format concise", ["--format", "concise"]),
                         ("--statistics", ["--statistics"])):
        _, out, _ = run_cli("lint", "--no-progress", "--exit-zero", *options, str(path))
        report = tmp_path / "report.txt"
        report.write_text(out, encoding="utf-8")
        assert count_text_findings(report, fmt, path) == {"O004": 30, "Q006": 1}, fmt


def test_concise_lines_without_a_line_or_column_are_counted(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("/d/Account.csv: L004 20,000 records; one batch may hold 10,000\n"
                      "/d/Account.csv:3: Q006 record has 2 fields, the header has 20\n"
                      "/d/Account.csv:4:2: Q004 [*] ' ' outside the quotes of field 2\n"
                      "/d/Other.csv:4:2: Q004 [*] another file's\n"
                      "skipped H008, V016: no describe JSON given\n"
                      "3 errors, 0 warnings in 1 file (1 file checked)\n", encoding="utf-8")
    assert count_text_findings(report, "--format concise", "/d/Account.csv") == {"L004": 1, "Q006": 1, "Q004": 1}


def test_statistics_counts_with_thousands_separators(tmp_path):
    report = tmp_path / "statistics.txt"
    report.write_text("1,000,000  V005       date-not-iso\n       1  L004       too-many-records\n"
                      "Found 1,000,001 finding(s).\n", encoding="utf-8")
    assert count_text_findings(report, "--statistics", "x") == {"V005": 1_000_000, "L004": 1}


def test_a_child_past_a_limit_is_killed_and_said_so():
    with pytest.raises(Stopped) as slow:
        command([sys.executable, "-c", "import time; time.sleep(30)"], limits=Limits(seconds=0.5))
    assert slow.value.reason == "time" and 0.5 <= slow.value.seconds < 10
    assert "killed after" in str(slow.value)
    grow = "import time; x = bytearray(400 << 20); time.sleep(30)"
    with pytest.raises(Stopped) as big:
        command([sys.executable, "-c", grow], limits=Limits(seconds=60, rss_mib=150))
    assert big.value.reason == "memory" and big.value.rss_mib > 150 and big.value.seconds < 30


def test_a_child_within_its_limits_is_timed_as_without():
    result = command([sys.executable, "-c", "print('hi')"], limits=Limits(seconds=60, rss_mib=4096))
    assert result.seconds < 60 and result.rss_mib > 0


def test_ratios_of_killed_rows_are_bounds():
    done = {"seconds": 2.0}
    killed = {"seconds": None, "killed": "time", "killed_after_s": 600.0}
    out_of_memory = {"seconds": None, "killed": "memory", "killed_after_s": 30.0}
    assert ratio(done, {"seconds": 1.0}) == {"value": 2.0, "bound": ""}
    assert ratio(killed, done) == {"value": 300.0, "bound": ">"}
    assert ratio(done, dict(killed, killed_after_s=4.0)) == {"value": 0.5, "bound": "<"}
    assert ratio(killed, killed) is None and ratio(out_of_memory, done) is None


def _written(folder, variant: str):
    path = folder / "Account.csv"
    write_variant(path, variant, records=RECORDS)
    return path


def test_dirty_table_shows_checks_kills_and_refusals():
    from tables import dirty_markdown

    files = {"padded": {"records": 10, "bytes": 300_000_000, "characters": 290_000_000, "expected": {"Q004": 190}}}
    common = {"file": "padded", "polars_of": "the clean file", "expected": 190}
    rows = [dict(common, tool="sfprep lint", seconds=2.0, mb_per_s=150.0, peak_rss_mib=100.0, x_polars=20.0,
                 findings=190, check="OK"),
            dict(common, tool="sfprep lint --select F,Q,H", seconds=1.0, mb_per_s=300.0, peak_rss_mib=90.0,
                 x_polars=10.0, findings=189, check="DIFFERENT", difference={"Q004": [189, 190]}),
            dict(common, tool="baseline: sfprep lint", seconds=None, error="killed after 600 s (the time limit)",
                 killed="time", killed_after_s=600.0, peak_rss_mib=700.0, x_polars=6000.0),
            dict(common, tool="baseline: sfprep lint --select F,Q,H", seconds=None, killed="memory",
                 error="killed at 9,000 MiB peak RSS (the memory limit)", killed_after_s=42.0,
                 peak_rss_mib=9000.0, x_polars=None),
            {"tool": "polars read_csv(infer_schema=False)", "file": "padded", "polars_of": "the clean file",
             "seconds": None, "error": "exit status 1: ComputeError: found more fields", "x_polars": None}]
    section = {"title": "Dirty files, 300 MB each", "repeat": 1, "limits": {"seconds": 600, "rss_mib": 9000},
               "files": files, "rows": rows, "load": [1.04, 2.5]}
    lines = dirty_markdown(section)
    assert lines[-1].startswith("- Load average (1 min) between files: 1.0 to 2.5, on ")
    table = [line for line in lines if line.startswith("| ")][1:]
    assert table == [
        '| padded: `"a", "b"`: 19 per record (Q004); 300.0 MB, 10 records | sfprep lint | 2.000 | 150.0 | 100 '
        "| 20.00† | 190 | OK |",
        "|  | sfprep lint --select F,Q,H | 1.000 | 300.0 | 90 | 10.00† | 189 | DIFFERENT: Q004 189 (expected 190) |",
        "|  | baseline: sfprep lint | > 600 (killed) | < 0.5 | 700 | > 6,000.00† | - (expected 190) | |",
        "|  | baseline: sfprep lint --select F,Q,H | killed at 9,000 MiB after 42 s | - | 9,000 | - "
        "| - (expected 190) | |",
        "|  | polars read_csv(infer_schema=False) | refused: exit status 1: ComputeError: found more fields "
        "| | | - | | |"]


def test_dirty_suite_refuses_a_file_and_bad_sizes(tmp_path):
    import subprocess

    bench = [sys.executable, str(REPO / "benchmarks" / "bench.py"), "--suite", "dirty"]
    for extra, message in ((["--file", "x.csv"], "does not go with --file"),
                           (["--sizes", "300,big"], "not a comma-separated list of sizes in MB"),
                           (["--findings", "0"], "record counts must be positive")):
        done = subprocess.run(bench + extra, capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr, done.stderr
