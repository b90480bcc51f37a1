"""`sfprep split` (issue 13): every split made here is checked by `check_split`, which reads
the batches back with Python's csv module (or lxml) and the source the same way, and holds
the manifest to its schema, the files and the limits."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from jsonschema import Draft202012Validator

from tests.helpers import CORPUS, REPO, assert_usage_error, invoke, write

SCHEMA = json.loads((REPO / "schemas" / "manifest.schema.json").read_text())
BULK1 = {"records": 10_000, "bytes": 10_000_000, "characters": 10_000_000}


def split(*args) -> tuple[int, str, str]:
    return invoke("split", "--no-progress", *args)


def source_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as stream:
        return list(csv.reader(stream, delimiter=delimiter))


def check_split(out: Path, source: Path, delimiter: str = ",", line_ending: str = "\n",
                limits: dict | None = None) -> dict:
    """Everything a split promises, checked against the files it wrote; returns the manifest."""
    limits = {**BULK1, **(limits or {})}
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    Draft202012Validator(SCHEMA).validate(manifest)
    header, *records = source_rows(source, delimiter)
    assert manifest["source"]["size"] == source.stat().st_size
    assert manifest["source"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert manifest["source"]["records"] == len(records)
    assert sorted(p.name for p in out.iterdir()) == sorted([b["file"] for b in manifest["batches"]] + ["manifest.json"])
    seen = []
    for batch in manifest["batches"]:
        data = (out / batch["file"]).read_bytes()
        assert len(data) == batch["bytes"] and len(data.decode("utf-8")) == batch["characters"]
        assert hashlib.sha256(data).hexdigest() == batch["sha256"]
        assert not data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter))
        assert data == canonical(rows, delimiter, line_ending), "minimal quoting, the job's delimiter and line ending"
        assert rows[0] == header, "every batch repeats the header"
        numbers = [n for first, last in batch["source_records"] for n in range(first, last + 1)]
        assert rows[1:] == [records[n - 1] for n in numbers], "a batch holds exactly its source records, in order"
        assert batch["records"] == len(numbers) <= (limits["records"] or len(numbers))
        assert batch["bytes"] <= limits["bytes"] and batch["characters"] <= (limits["characters"] or batch["bytes"])
        seen.extend(numbers)
    assert sorted(seen) == list(range(1, len(records) + 1)), "every source record in exactly one batch"
    assert Counter(map(tuple, records)) == Counter(tuple(r) for b in manifest["batches"]
                                                   for r in source_rows(out / b["file"], delimiter)[1:])
    totals = manifest["totals"]
    assert totals["batches"] == len(manifest["batches"]) and totals["records"] == len(records)
    assert totals["bytes"] == sum(b["bytes"] for b in manifest["batches"])
    return manifest


def canonical(rows: list[list[str]], delimiter: str, line_ending: str) -> bytes:
    """The rows as Python's csv module writes them with minimal quoting (a lone empty value,
    which it writes as "", is written empty by the Bulk API's rules)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=delimiter, lineterminator=line_ending, quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow(row) if row != [""] else text.write(line_ending)
    return text.getvalue().encode("utf-8")


def no_output_left(out: Path) -> None:
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.sfprep-")]


# ---------------------------------------------------------------------------------- basics

def test_a_small_file_is_one_batch_with_the_job_in_its_name(tmp_path):
    source = write(tmp_path / "Account.csv", "Name,Phone\nAcme,1\nGlobex,2\n")
    code, out, err = split(source, "--out", tmp_path / "out")
    assert code == 0, err
    manifest = check_split(tmp_path / "out", source)
    assert [b["file"] for b in manifest["batches"]] == ["Account.insert.0001.csv"]
    assert manifest["job"] == {"object": "Account", "operation": "insert", "external_id": None,
                               "content_type": "CSV", "delimiter": "COMMA", "line_ending": "LF"}
    assert (tmp_path / "out" / "Account.insert.0001.csv").read_bytes() == source.read_bytes()
    assert "1 batch, 2 records, 1 day" in out


def test_records_are_cut_at_the_record_limit(tmp_path):
    source = write(tmp_path / "Account.csv", "Name\n" + "".join(f"n{i}\n" for i in range(25)))
    assert split(source, "--out", tmp_path / "out", "--max-records", "10")[0] == 0
    manifest = check_split(tmp_path / "out", source, limits={"records": 10})
    assert [b["records"] for b in manifest["batches"]] == [10, 10, 5]
    assert [b["source_records"] for b in manifest["batches"]] == [[[1, 10]], [[11, 20]], [[21, 25]]]


def multiline_unicode_source(path: Path, count: int = 60) -> Path:
    lines = ["Name,Description,City"]
    for i in range(count):
        description = f'"Zeile {i}\nmit ""Anführung"" und, Komma — 東京 {"é" * (i % 7)}"'
        lines.append(f"Ünïcødé {i},{description},{'Łódź' if i % 2 else 'São Paulo'}")
    return write(path, "\n".join(lines) + "\n")


@pytest.mark.parametrize("max_bytes", [180, 181, 250, 333, 1000])
def test_multiline_unicode_records_are_never_cut_and_fill_each_batch(max_bytes, tmp_path):
    source = multiline_unicode_source(tmp_path / "Account.csv")
    code, _, err = split(source, "--out", tmp_path / "out", "--max-bytes", max_bytes)
    assert code == 0, err
    manifest = check_split(tmp_path / "out", source, limits={"bytes": max_bytes})
    data = source.read_bytes()
    header_size = data.index(b"\n") + 1
    sizes = record_sizes(data)
    batches = manifest["batches"]
    for batch, following in zip(batches, batches[1:]):   # greedy: the next record did not fit
        next_record = following["source_records"][0][0]
        assert batch["bytes"] + sizes[next_record - 1] > max_bytes
    assert all(b["bytes"] > header_size for b in batches)


def record_sizes(data: bytes) -> list[int]:
    """Bytes of each data record of a canonical LF file (quoted line breaks kept inside)."""
    rows, start, quoted = [], 0, False
    for at, byte in enumerate(data):
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x0A and not quoted:
            rows.append(at + 1 - start)
            start = at + 1
    return rows[1:]


def test_a_record_larger_than_the_asked_batch_is_a_usage_error(tmp_path):
    source = multiline_unicode_source(tmp_path / "Account.csv")
    code, out, err = split(source, "--out", tmp_path / "out", "--max-bytes", "100")
    data = source.read_bytes()
    header_size = data.index(b"\n") + 1
    first_too_large = next(n for n, size in enumerate(record_sizes(data), 1) if header_size + size > 100)
    assert_usage_error(code, out, err, "--max-bytes", f"record {first_too_large} ")
    no_output_left(tmp_path / "out")


def test_a_non_canonical_source_gets_canonical_batches(tmp_path):
    """Data Loader style: every value quoted, CRLF; the batches quote only what needs it, LF."""
    source = write(tmp_path / "Contact.csv", '"LastName","Title","Note"\r\n"Smith","CEO","a, b"\r\n'
                                             '"Doe","","say ""hi"""\r\n"Roe","x","two\r\nlines"\r\n')
    code, _, err = split(source, "--out", tmp_path / "out")
    assert code == 0, err
    data = (tmp_path / "out" / "Contact.insert.0001.csv").read_bytes()
    assert data == b'LastName,Title,Note\nSmith,CEO,"a, b"\nDoe,,"say ""hi"""\nRoe,x,"two\r\nlines"\n'
    check_split(tmp_path / "out", source)


def test_bulk2_tab_and_crlf(tmp_path):
    rows = ["Name\tNote"] + [f"n{i}\t\"tab\tinside {i}\"" for i in range(40)]
    source = write(tmp_path / "Account.csv", "\r\n".join(rows) + "\r\n")
    code, out, err = split(source, "--out", tmp_path / "out", "--profile", "bulk2", "--delimiter", "TAB",
                           "--line-ending", "CRLF", "--max-bytes", "200")
    assert code == 0, err
    manifest = check_split(tmp_path / "out", source, delimiter="\t", line_ending="\r\n",
                           limits={"records": None, "bytes": 200, "characters": None})
    assert manifest["profile"] == "bulk2" and len(manifest["batches"]) > 3
    assert manifest["job"]["delimiter"] == "TAB" and manifest["job"]["line_ending"] == "CRLF"
    assert manifest["limits"]["records_per_batch"] is None
    first = (tmp_path / "out" / manifest["batches"][0]["file"]).read_bytes()
    assert first.startswith(b"Name\tNote\r\nn0\t\"tab\tinside 0\"\r\n")


def test_bulk2_has_no_record_cap_but_may_be_given_one(tmp_path):
    source = write(tmp_path / "Account.csv", "Name\n" + "".join(f"n{i}\n" for i in range(30_000)))
    assert split(source, "--out", tmp_path / "a", "--profile", "bulk2")[0] == 0
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["totals"]["batches"] == 1
    assert split(source, "--out", tmp_path / "b", "--profile", "bulk2", "--max-records", "20000")[0] == 0
    manifest = check_split(tmp_path / "b", source, limits={"records": 20_000})
    assert [b["records"] for b in manifest["batches"]] == [20_000, 10_000]


def test_an_xml_source_gets_xml_batches(tmp_path):
    from lxml import etree

    source = write(tmp_path / "Contact.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
                   '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload" '
                   'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
                   + "".join(f"<sObject><LastName>N{i} &amp; Ü</LastName><Title xsi:nil=\"true\"/>"
                             f"<Account><sObject><External__c>E{i}</External__c></sObject></Account></sObject>\n"
                             for i in range(7)) + "</sObjects>\n")
    code, _, err = split(source, "--out", tmp_path / "out", "--max-records", "3")
    assert code == 0, err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    Draft202012Validator(SCHEMA).validate(manifest)
    assert manifest["job"]["content_type"] == "XML" and [b["records"] for b in manifest["batches"]] == [3, 3, 1]
    names = []
    for batch in manifest["batches"]:
        data = (tmp_path / "out" / batch["file"]).read_bytes()
        assert len(data) == batch["bytes"] and hashlib.sha256(data).hexdigest() == batch["sha256"]
        root = etree.fromstring(data)
        assert etree.QName(root).localname == "sObjects"
        names += [record[0].text for record in root]
        assert all(record[1].get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true" for record in root)
        assert invoke("lint", "--no-progress", "--format", "json", tmp_path / "out" / batch["file"])[0] == 0
    assert names == [f"N{i} & Ü" for i in range(7)]


# ------------------------------------------------------------------------------- refusals

def test_a_file_with_errors_is_refused_with_nothing_written(tmp_path):
    source = write(tmp_path / "Account.csv", 'Name,Phone\n"Acme" ,1\nB,2,3\n')
    code, out, err = split(source, "--out", tmp_path / "out")
    assert code == 1
    assert "Q004" in out and "Q006" in out and "not split" in err
    no_output_left(tmp_path / "out")


@pytest.mark.parametrize("content", [b"Nam\xe9,Phone\nA,1\n", b"Name,Phone\nA\xe9,1\n", b"\xef\xbb\xbfName\nA\n"])
def test_a_file_that_is_not_utf8_without_bom_is_refused(content, tmp_path):
    source = write(tmp_path / "Account.csv", content)
    code, out, err = split(source, "--out", tmp_path / "out")
    assert code == 1 and ("F001" in out or "F002" in out), err
    assert "Traceback" not in err and "internal error" not in err
    no_output_left(tmp_path / "out")


def test_a_refusal_in_json_is_the_lint_report(tmp_path):
    source = write(tmp_path / "Account.csv", "Name,Phone\nA,1,2\n")
    code, out, _ = split(source, "--out", tmp_path / "out", "--format", "json")
    assert code == 1 and [f["code"] for f in json.loads(out)["findings"]] == ["Q006"]


def test_the_limits_splitting_resolves_do_not_refuse(tmp_path):
    source = write(tmp_path / "Account.csv", "Name\n" + "".join(f"n{i}\n" for i in range(10_001)))
    assert invoke("lint", "--no-progress", "--format", "json", source)[0] == 1   # L004
    assert split(source, "--out", tmp_path / "out")[0] == 0
    assert [b["records"] for b in check_split(tmp_path / "out", source)["batches"]] == [10_000, 1]


def test_an_ignored_structural_rule_still_refuses(tmp_path):
    source = write(tmp_path / "Account.csv", "Name,Phone\nA,1,2\n")
    assert split(source, "--out", tmp_path / "out", "--ignore", "Q006")[0] == 1
    no_output_left(tmp_path / "out")


def test_strict_refuses_warnings(tmp_path):
    source = write(tmp_path / "Account.csv", "Name\n Acme\n")   # V001 untrimmed (a warning)
    assert split(source, "--out", tmp_path / "a")[0] == 0
    assert split(source, "--out", tmp_path / "b", "--strict")[0] == 1
    no_output_left(tmp_path / "b")


@pytest.mark.parametrize("args, needle", [
    (("--max-records", "10001"), "--max-records"),
    (("--max-bytes", "10000001"), "--max-bytes"),
    (("--max-records", "0"), "--max-records"),
    (("--group-by", "Nope"), "--group-by Nope"),
    (("--out", ""), "--out"),
])
def test_bad_options_are_usage_errors(args, needle, tmp_path):
    source = write(tmp_path / "Account.csv", "Name\nA\n")
    code, out, err = split(source, "--out", tmp_path / "out", *args)
    assert_usage_error(code, out, err, needle)
    no_output_left(tmp_path / "out")


def test_an_existing_folder_needs_overwrite_and_must_be_a_split(tmp_path):
    source = write(tmp_path / "Account.csv", "Name\nA\n")
    assert split(source, "--out", tmp_path / "out")[0] == 0
    assert_usage_error(*split(source, "--out", tmp_path / "out"), "--overwrite")
    write(source, "Name\nB\nC\n")
    assert split(source, "--out", tmp_path / "out", "--overwrite")[0] == 0
    assert check_split(tmp_path / "out", source)["totals"]["records"] == 2
    other = tmp_path / "photos"
    write(other / "cat.jpg", b"\xff\xd8")
    assert_usage_error(*split(source, "--out", other, "--overwrite"), "not a split")
    assert (other / "cat.jpg").exists()
    inside = write(tmp_path / "out" / "Account.csv", "Name\nA\n")
    assert_usage_error(*split(inside, "--out", tmp_path / "out", "--overwrite"), "inside")
    assert inside.exists()


def test_a_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    import sfprep.splitter.folder as folder

    source = write(tmp_path / "Account.csv", "Name\n" + "".join(f"n{i}\n" for i in range(50)))

    def disk_full(fd, data):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(folder, "write_all", disk_full)
    code, out, err = split(source, "--out", tmp_path / "out", "--max-records", "10")
    assert_usage_error(code, out, err, "No space left on device")
    no_output_left(tmp_path / "out")


def test_killed_midway_leaves_no_complete_looking_output(tmp_path):
    sys.path.insert(0, str(REPO))
    from benchmarks.generate import write_account_load

    source = tmp_path / "Account.csv"
    write_account_load(source, 150)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "sfprep", "split", "--no-progress", str(source), "--out", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:   # kill it once it has written some batches
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(".out.sfprep-")]
        if temps and len(list(temps[0].glob("*.part"))) >= 3:
            break
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not out.exists(), "no folder at DIR: the rename is the commit"
    assert not list(tmp_path.glob(".out.sfprep-*/manifest.json"))
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    small = write(tmp_path / "Small.csv", "Name\nA\n")
    assert split(small, "--out", out)[0] == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.sfprep-")], "the stale folder is removed"


# -------------------------------------------------------------------------------- group-by

def grouped_source(path: Path) -> Path:
    lines = ["LastName,AccountId"]
    parents = ["001000000000001AAA", "001000000000002", "001000000000003", "001000000000004"]
    for i in range(40):
        parent = parents[0] if i % 2 == 0 else parents[1 + i % 3]
        if i == 7:
            parent = "001000000000001"     # the same Id, 15 characters
        if i % 10 == 9:
            parent = ""                    # no parent: locks nothing
        lines.append(f"N{i},{parent}")
    return write(path, "\n".join(lines) + "\n")


def test_group_by_keeps_each_parent_in_one_batch_and_says_when_a_group_is_too_big(tmp_path):
    source = grouped_source(tmp_path / "Contact.csv")
    code, out, err = split(source, "--out", tmp_path / "out", "--group-by", "accountid", "--max-records", "8")
    assert code == 0, err
    manifest = check_split(tmp_path / "out", source, limits={"records": 8})
    batches_of: dict[str, set] = {}
    for batch in manifest["batches"]:
        for _, parent in source_rows(tmp_path / "out" / batch["file"])[1:]:
            batches_of.setdefault(parent[:15], set()).add(batch["file"])
    oversized = manifest["group_by"]["oversized_groups"]
    assert [(g["key"][:15], g["records"]) for g in oversized] == [("001000000000001", 21)]
    assert set(oversized[0]["batches"]) == batches_of["001000000000001"] and len(oversized[0]["batches"]) == 3
    assert all(len(batches_of[key]) == 1 for key in ("001000000000002", "001000000000003", "001000000000004"))
    assert "more than one batch holds" in err
    parents_in = [{r[1][:15] for r in source_rows(tmp_path / "out" / b["file"])[1:]} for b in manifest["batches"]]
    assert all(not ({"001000000000001"} & parents) or parents <= {"001000000000001"} for parents in parents_in)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.sampled_from(["a", "b", "c", "d", "e", "", "f", "g"]), min_size=1, max_size=80),
       max_records=st.integers(1, 12))
def test_group_by_packs_any_file_exactly(keys, max_records, tmp_path_factory):
    folder = tmp_path_factory.mktemp("g")
    source = write(folder / "Contact.csv", "LastName,Parent__c\n" + "".join(f"n{i},{k}\n" for i, k in enumerate(keys)))
    code, _, err = split(source, "--out", folder / "out", "--group-by", "Parent__c", "--max-records", max_records)
    assert code == 0, err
    manifest = check_split(folder / "out", source, limits={"records": max_records})
    counts = Counter(k for k in keys if k)
    placed: dict[str, set] = {}
    for batch in manifest["batches"]:
        for _, key in source_rows(folder / "out" / batch["file"])[1:]:
            if key:
                placed.setdefault(key, set()).add(batch["file"])
    for key, count in counts.items():
        assert len(placed[key]) == (1 if count <= max_records else -(-count // max_records))
    lower_bound = -(-len(keys) // max_records)
    assert len(manifest["batches"]) <= lower_bound + len(counts) + 1


def test_group_by_packs_large_groups_by_bytes(tmp_path):
    source = multiline_unicode_source(tmp_path / "Account.csv", 200)   # two cities, some 8.4 KB each
    assert split(source, "--out", tmp_path / "g", "--group-by", "City", "--max-bytes", "10000")[0] == 0
    manifest = check_split(tmp_path / "g", source, limits={"bytes": 10_000})
    cities = [{row[2] for row in source_rows(tmp_path / "g" / b["file"])[1:]} for b in manifest["batches"]]
    assert sorted(map(sorted, cities)) == sorted([["Łódź"], ["São Paulo"]])


# ------------------------------------------------------------------------------ daily plan

def test_the_daily_plan_bulk1(tmp_path):
    config = write(tmp_path / "sfprep.toml", "[limits]\nbatches_per_day = 2\n")
    source = write(tmp_path / "Account.csv", "Name\n" + "".join(f"n{i}\n" for i in range(5)))
    code, out, err = split(source, "--out", tmp_path / "out", "--max-records", "1", "--config", config)
    assert code == 0, err
    manifest = check_split(tmp_path / "out", source, limits={"records": 1})
    assert [b["day"] for b in manifest["batches"]] == [1, 1, 2, 2, 3]
    assert manifest["totals"]["days"] == 3
    assert "3 days" in out and "daily allocation" in out


def test_the_daily_plan_bulk2_ends_an_upload_at_the_days_allocation(tmp_path):
    config = write(tmp_path / "sfprep.toml", 'profile = "bulk2"\n[limits]\nrecords_per_day = 4\n')
    source = write(tmp_path / "Account.csv", "Name\n" + "".join(f"n{i}\n" for i in range(10)))
    assert split(source, "--out", tmp_path / "out", "--config", config)[0] == 0
    manifest = check_split(tmp_path / "out", source, limits={"records": None, "characters": None,
                                                              "bytes": 100_000_000})
    assert [(b["records"], b["day"]) for b in manifest["batches"]] == [(4, 1), (4, 2), (2, 3)]


def test_l007_and_split_count_the_same_batches(tmp_path):
    source = multiline_unicode_source(tmp_path / "Account.csv", 300)
    config = write(tmp_path / "sfprep.toml", "[limits]\nbatches_per_day = 3\nbytes_per_batch = 3000\n")
    code, out, _ = invoke("lint", "--no-progress", "--format", "json", "--config", config, source)
    [l007] = [f for f in json.loads(out)["findings"] if f["code"] == "L007"]
    assert split(source, "--out", tmp_path / "out", "--config", config)[0] == 0
    manifest = check_split(tmp_path / "out", source, limits={"bytes": 3000})
    assert f"needs {len(manifest['batches']):,} batches" in l007["message"]


# ---------------------------------------------------------------------- writers and inputs

@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.lists(st.text(alphabet='ab ,"\n\r\tü東', max_size=6), min_size=3, max_size=3),
                       min_size=1, max_size=20))
def test_the_c_csv_writer_writes_what_the_polars_one_writes(values):
    import numpy as np

    from sfprep.io.csv import scan
    from sfprep.io.csv.dialect import Dialect
    from sfprep.splitter import encode

    if encode._records is None:
        pytest.skip("the C extension is not built here: only the polars writer exists")
    text = "a,b,c\n" + "".join(",".join('"' + v.replace('"', '""') + '"' for v in row) + "\n" for row in values)
    [chunk] = list(scan.scan(io.BytesIO(text.encode()), Dialect()))
    records = np.arange(1, chunk.record_count, dtype=np.int64)
    for line_ending in ("LF", "CRLF"):
        writer = encode.CsvEncoder(",", line_ending)
        in_c = writer.records(chunk, records, 3)
        from sfprep.splitter.encode import _frame
        in_polars = writer.from_frame(_frame(chunk, records, 3))
        assert bytes(in_c.data) == bytes(in_polars.data)
        assert in_c.ends.tolist() == in_polars.ends.tolist()
        assert in_c.characters.tolist() == in_polars.characters.tolist()
        parsed = list(csv.reader(io.StringIO(bytes(in_c.data).decode(), newline="")))
        assert parsed == values


def test_standard_input_is_named_as_stdin_filename(tmp_path):
    from click.testing import CliRunner

    from sfprep.cli import main

    result = CliRunner().invoke(main, ["split", "-", "--stdin-filename", "Lead.upsert.csv", "--external-id", "Name",
                                       "--out", str(tmp_path / "out")], input=b"Name\nA\nB\n")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [b["file"] for b in manifest["batches"]] == ["Lead.upsert.0001.csv"]
    assert manifest["source"]["path"] == "Lead.upsert.csv" and manifest["job"]["external_id"] == "Name"


def test_the_python_api(tmp_path):
    import sfprep
    from sfprep.splitter import SplitRefused

    source = write(tmp_path / "Account.csv", "Name\n" + "".join(f"n{i}\n" for i in range(12)))
    outcome = sfprep.split(source, tmp_path / "out", max_records=5)
    assert [b["records"] for b in outcome.manifest["batches"]] == [5, 5, 2]
    assert outcome.manifest == json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [b["source_records"].tolist() for b in outcome.summary["batches"]] == [[[1, 5]], [[6, 10]], [[11, 12]]]
    with pytest.raises(SplitRefused) as refused:
        sfprep.split(write(tmp_path / "Bad.csv", "Name\nA,B\n"), tmp_path / "bad")
    assert [f.finding.code for f in refused.value.result.findings] == ["Q006"]


def test_the_benchmark_generators_file(tmp_path):
    sys.path.insert(0, str(REPO))
    from benchmarks.generate import write_account_load

    source = tmp_path / "Account.csv"
    write_account_load(source, 12)
    code, out, err = split(source, "--out", tmp_path / "out")
    assert code == 0, err
    manifest = check_split(tmp_path / "out", source)
    assert len(manifest["batches"]) >= 2 and all(b["records"] == 10_000 for b in manifest["batches"][:-1])


CORPUS_CSVS = sorted(CORPUS.rglob("*.csv")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS_CSVS, reason=f"{CORPUS} is absent (a clone outside the workplace)")
def test_every_corpus_csv_that_lints_clean_splits_exactly(tmp_path):
    split_count = 0
    for number, source in enumerate(CORPUS_CSVS):
        out = tmp_path / f"out{number}"
        code, _, err = split(source, "--out", out, "--max-records", "3")
        if code == 1:
            no_output_left(out)
            continue
        assert code == 0, f"{source}: {err}"
        manifest = json.loads((out / "manifest.json").read_text())
        delimiter = {"COMMA": ",", "TAB": "\t"}.get(manifest["job"]["delimiter"], ",")
        check_split(out, source, delimiter, limits={"records": 3})
        split_count += 1
    assert split_count >= 5, "the corpus holds clean files: some must split"


def test_the_summary_names_the_warnings_kept_and_the_rules_not_run(tmp_path):
    source = write(tmp_path / "Account.csv", "Name\n Acme\nGlobex\n")
    code, out, _ = split(source, "--out", tmp_path / "out")
    assert code == 0
    assert "1 warning(s) the batches keep (V001 x1)" in out
    assert "skipped H008" in out and "no describe JSON" in out


def test_a_progress_bar_at_a_terminal(tmp_path):
    import pexpect

    sys.path.insert(0, str(REPO))
    from benchmarks.generate import write_account_load

    source = tmp_path / "Account.csv"
    write_account_load(source, 60)      # over the 50 MB from which a bar is shown
    child = pexpect.spawn(sys.executable, ["-m", "sfprep", "split", str(source), "--out", str(tmp_path / "out")],
                          cwd=str(tmp_path), timeout=120, dimensions=(24, 120), env={**os.environ, "COLUMNS": "120"})
    child.expect("splitting")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "manifest: " in child.before.decode()
    check_split(tmp_path / "out", source)


def test_many_ranges_are_written_as_json_pairs():
    import numpy as np

    from sfprep.splitter.manifest import ranges_json

    table = np.stack([np.arange(1, 3001, 3), np.arange(2, 3002, 3)], axis=1)
    assert json.loads(ranges_json(table)) == table.tolist()
    assert json.loads(ranges_json(table[:3])) == [[1, 2], [4, 5], [7, 8]]


def xml_source(path: Path, parents: list[str], late_field_at: int | None = None) -> Path:
    records = []
    for i, parent in enumerate(parents):
        late = f"<Title>T{i}</Title>" if late_field_at is not None and i >= late_field_at else ""
        records.append(f"<sObject><LastName>N{i}</LastName><AccountId>{parent}</AccountId>{late}</sObject>\n")
    return write(path, '<?xml version="1.0" encoding="UTF-8"?>\n'
                       '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">\n'
                 + "".join(records) + "</sObjects>\n")


def xml_batches(out: Path) -> list[list[dict]]:
    from lxml import etree

    manifest = json.loads((out / "manifest.json").read_text())
    Draft202012Validator(SCHEMA).validate(manifest)
    batches = []
    for batch in manifest["batches"]:
        data = (out / batch["file"]).read_bytes()
        assert len(data) == batch["bytes"] and hashlib.sha256(data).hexdigest() == batch["sha256"]
        root = etree.fromstring(data)
        rows = [{etree.QName(field).localname: field.text for field in record} for record in root]
        assert len(rows) == batch["records"]
        batches.append(rows)
    return batches


def test_an_xml_source_splits_by_group(tmp_path):
    parents = ["001000000000001", "001000000000002", "001000000000001", "001000000000003"] * 5
    source = xml_source(tmp_path / "Contact.xml", parents)
    code, _, err = split(source, "--out", tmp_path / "out", "--group-by", "AccountId", "--max-records", "6")
    assert code == 0, err
    batches = xml_batches(tmp_path / "out")
    assert sorted(r["LastName"] for rows in batches for r in rows) == sorted(f"N{i}" for i in range(20))
    for parent in set(parents):
        holding = [k for k, rows in enumerate(batches) if any(r["AccountId"] == parent for r in rows)]
        count = parents.count(parent)
        assert len(holding) == (1 if count <= 6 else -(-count // 6)), parent


def test_an_xml_field_first_seen_late_is_split_with_every_name(tmp_path, monkeypatch):
    from sfprep.io.xml import reader

    monkeypatch.setattr(reader, "HEADER_RECORDS", 4)   # the columns are read from the first 4 records
    source = xml_source(tmp_path / "Contact.xml", ["001000000000001"] * 9, late_field_at=6)
    code, _, err = split(source, "--out", tmp_path / "out", "--max-records", "5")
    assert code == 0, err
    rows = [r for batch in xml_batches(tmp_path / "out") for r in batch]
    assert [r.get("Title") for r in rows] == [None] * 6 + ["T6", "T7", "T8"]
