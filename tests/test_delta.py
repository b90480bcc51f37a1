"""`sfprep delta` (issue 14): two generated snapshots, the adds, changes and deletes checked
against a polars join computed here, the threshold, the refusals, and the split jobs."""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import polars as pl
import pytest
from jsonschema import Draft202012Validator

from tests.helpers import REPO, assert_usage_error, invoke, write

SCHEMA = json.loads((REPO / "schemas" / "delta.schema.json").read_text())
SPLIT_SCHEMA = json.loads((REPO / "schemas" / "manifest.schema.json").read_text())

COLUMNS = ["Id", "Ext__c", "Name", "Description", "Phone"]


def record_id(n: int) -> str:
    return f"001{n:012d}AAA"


def snapshots(folder: Path, count: int = 2_000, seed: int = 3) -> tuple[Path, Path]:
    """OLD with Ids; NEW without the Id column: some records gone, some changed (a value, a
    newline inside a value, an empty value), some added, the order shuffled."""
    rng = random.Random(seed)
    old = [[record_id(n), f"K{n}", f"Name {n} Ü", rng.choice(["", "one", "two\nlines", 'say "hi"']), f"555{n:04d}"]
           for n in range(count)]
    new = []
    for row in old:
        fate = rng.random()
        if fate < 0.1:
            continue                                   # deleted
        values = row[1:]
        if fate < 0.25:
            values = [values[0], values[1] + " (renamed)", values[2], values[3]]
        elif fate < 0.3:
            values = [values[0], values[1], values[2] + "\nmore", ""]
        new.append(values)
    new += [[f"K{count + n}", f"New {n}", "fresh, with a comma", ""] for n in range(count // 10)]
    rng.shuffle(new)
    for path, header, rows in ((folder / "old.csv", COLUMNS, old), (folder / "Account.csv", COLUMNS[1:], new)):
        with open(path, "w", newline="", encoding="utf-8") as stream:
            csv.writer(stream, lineterminator="\n").writerows([header, *rows])
    return folder / "old.csv", folder / "Account.csv"


def frame(path: Path) -> pl.DataFrame:
    with open(path, newline="", encoding="utf-8") as stream:
        header, *rows = list(csv.reader(stream))
    return pl.DataFrame(rows, schema=header, orient="row")


def expected_changes(old: Path, new: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(NEW's added and changed rows in NEW's order, OLD's rows whose key is gone), by polars joins."""
    before, after = frame(old), frame(new)
    compared = after.columns
    joined = after.with_row_index("order").join(before.select(compared), on="Ext__c", how="left", suffix="_old")
    differs = pl.any_horizontal([pl.col(c) != pl.col(f"{c}_old") for c in compared if c != "Ext__c"])
    upsert = joined.filter(pl.col("Name_old").is_null() | differs).sort("order").select(compared)
    deleted = before.join(after, on="Ext__c", how="anti")
    return upsert, deleted


def batch_rows(folder: Path) -> list[list[str]]:
    manifest = json.loads((folder / "manifest.json").read_text())
    rows = []
    for batch in manifest["batches"]:
        with open(folder / batch["file"], newline="", encoding="utf-8") as stream:
            rows.extend(list(csv.reader(stream))[1:])
    return rows


def test_adds_changes_and_deletes_match_a_polars_join(tmp_path):
    old, new = snapshots(tmp_path)
    code, out, err = invoke("delta", "--previous", old, "--current", new, "--key", "Ext__c", "--out", tmp_path / "d",
                            "--max-changes", "5000")
    assert code == 0, err
    upsert, deleted = expected_changes(old, new)
    assert frame(tmp_path / "d" / "Account.upsert.csv").rows() == upsert.rows()
    assert batch_rows(tmp_path / "d" / "upsert") == [list(row) for row in upsert.rows()]
    assert [row[0] for row in batch_rows(tmp_path / "d" / "delete")] == deleted.get_column("Id").to_list()
    assert frame(tmp_path / "d" / "deleted_keys.csv").rows() == deleted.select("Ext__c", "Id").rows()
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    Draft202012Validator(SCHEMA).validate(manifest)
    for job in ("upsert", "delete"):
        Draft202012Validator(SPLIT_SCHEMA).validate(json.loads((tmp_path / "d" / job / "manifest.json").read_text()))
    after = frame(new)
    added = after.join(frame(old), on="Ext__c", how="anti").height
    assert manifest["counts"] == {"added": added, "changed": upsert.height - added, "deleted": deleted.height,
                                  "unchanged": after.height - upsert.height}
    upsert_manifest = json.loads((tmp_path / "d" / "upsert" / "manifest.json").read_text())
    assert upsert_manifest["job"]["operation"] == "upsert" and upsert_manifest["job"]["external_id"] == "Ext__c"
    assert json.loads((tmp_path / "d" / "delete" / "manifest.json").read_text())["job"]["operation"] == "delete"
    assert manifest["warnings"] == [] and "upsert" in out and "delete" in out


def test_the_threshold_warns_and_still_writes(tmp_path):
    old, new = snapshots(tmp_path, count=600)
    code, _, err = invoke("delta", "--previous", old, "--current", new, "--key", "Ext__c", "--out", tmp_path / "d",
                          "--max-changes", "10")
    assert code == 0
    assert "records changed between" in err and "records deleted between" in err and "full load" in err
    write(tmp_path / "sfprep.toml", "max-changes = 1000000\n")
    code, _, err = invoke("delta", "--previous", old, "--current", new, "--key", "Ext__c", "--out", tmp_path / "e",
                          "--config", tmp_path / "sfprep.toml")
    assert code == 0 and "warning" not in err
    code, _, err = invoke("delta", "--previous", old, "--current", new, "--key", "Ext__c", "--out", tmp_path / "f")
    assert code == 0 and "warning" not in err, "600 records stay under the default of 100,000"
    write(tmp_path / "bad.toml", "max-changes = -3\n")
    assert_usage_error(*invoke("delta", "--previous", old, "--current", new, "--key", "Ext__c", "--out",
                               tmp_path / "g", "--config", tmp_path / "bad.toml"), "max-changes")


def test_unchanged_snapshots_give_no_jobs(tmp_path):
    old, _ = snapshots(tmp_path, count=50)
    code, out, _ = invoke("delta", "--previous", old, "--current", old, "--key", "Ext__c", "--out", tmp_path / "d",
                          "--object", "Account")
    assert code == 0 and "0 added, 0 changed, 0 deleted, 50 unchanged" in out
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["deleted_keys.csv", "manifest.json"]


@pytest.mark.parametrize("which", ["previous", "current"])
def test_duplicate_keys_are_an_error_naming_them(tmp_path, which):
    good = write(tmp_path / "good.csv", "Ext__c,Name\nA,1\nB,2\n")
    bad = write(tmp_path / "Account.csv", "Ext__c,Name\nA,1\nB,2\nA,3\nB,4\nC,5\n")
    paths = {"previous": good, "current": good, which: bad}
    assert_usage_error(*invoke("delta", "--previous", paths["previous"], "--current", paths["current"], "--key",
                               "Ext__c", "--out", tmp_path / "d", "--object", "Account"),
                       "2 duplicate Ext__c value(s)", "'A' at records 1, 3", "'B' at records 2, 4")
    assert not (tmp_path / "d").exists()


def test_refusals(tmp_path):
    good = write(tmp_path / "Account.csv", "Ext__c,Name\nA,1\n")
    args = ["--current", good, "--key", "Ext__c", "--out", tmp_path / "d"]
    broken = write(tmp_path / "old.csv", 'Ext__c,Name\nA,"1\n')
    assert_usage_error(*invoke("delta", "--previous", broken, *args), "old.csv", "Q003")
    empty_key = write(tmp_path / "old2.csv", "Ext__c,Name\n,1\n")
    assert_usage_error(*invoke("delta", "--previous", empty_key, *args), "1 record(s) have no Ext__c")
    assert_usage_error(*invoke("delta", "--previous", good, "--current", good, "--key", "Nope", "--out",
                               tmp_path / "d"), "no column Nope")
    assert_usage_error(*invoke("delta", "--previous", tmp_path / "missing.csv", *args), "missing.csv", "no such file")
    unnamed = write(tmp_path / "snapshot.csv", "Ext__c,Name\nA,1\n")
    assert_usage_error(*invoke("delta", "--previous", good, "--current", unnamed, "--key", "Ext__c", "--out",
                               tmp_path / "d"), "--object")
    assert not (tmp_path / "d").exists()


def test_no_id_column_means_keys_only_and_a_warning(tmp_path):
    old = write(tmp_path / "old.csv", "Ext__c,Name\nA,1\nB,2\n")
    new = write(tmp_path / "Account.csv", "Ext__c,Name\nA,1\n")
    code, _, err = invoke("delta", "--previous", old, "--current", new, "--key", "Ext__c", "--out", tmp_path / "d")
    assert code == 0 and "has no Id column and a delete needs Ids" in err
    Draft202012Validator(SCHEMA).validate(json.loads((tmp_path / "d" / "manifest.json").read_text()))
    assert frame(tmp_path / "d" / "deleted_keys.csv").rows() == [("B",)]
    assert not (tmp_path / "d" / "delete").exists()


def test_a_job_file_with_errors_refuses_the_whole_delta(tmp_path):
    old = write(tmp_path / "old.csv", "Id,Ext__c,Name\nnot-an-id,A,1\n")
    new = write(tmp_path / "Account.csv", "Ext__c,Name\nB,2\n")
    code, out, err = invoke("delta", "--previous", old, "--current", new, "--key", "Ext__c", "--out", tmp_path / "d")
    assert code == 1 and "V010" in out and "no delta written" in err
    assert not (tmp_path / "d").exists() and not list(tmp_path.glob(".d.sfprep-*"))


def test_reconcile_a_delta_job(tmp_path):
    old, new = snapshots(tmp_path, count=300)
    assert invoke("delta", "--previous", old, "--current", new, "--key", "Ext__c", "--out", tmp_path / "d")[0] == 0
    manifest = json.loads((tmp_path / "d" / "upsert" / "manifest.json").read_text())
    batch = manifest["batches"][0]
    with open(tmp_path / "d" / "upsert" / batch["file"], newline="") as stream:
        rows = list(csv.reader(stream))[1:]
    result = tmp_path / (batch["file"].rsplit(".", 1)[0] + ".result.csv")
    with open(result, "w", newline="") as stream:
        csv.writer(stream, quoting=csv.QUOTE_ALL).writerows(
            [["Id", "Success", "Created", "Error"]] + [[record_id(n), "true", "false", ""] for n in range(len(rows))])
    for path in (tmp_path / "d" / "upsert").glob("Account.upsert.*.csv"):
        path.unlink()   # read back from d/Account.upsert.csv, beside the split folder
    code, _, err = invoke("reconcile", "--manifest", tmp_path / "d" / "upsert", result)
    assert code == 0, err
    assert len(frame(tmp_path / "d" / "upsert.results" / "success.csv")) == len(rows)


def test_killed_midway_leaves_no_complete_looking_output(tmp_path):
    from tests.helpers import kill_at_random_points

    old, new = snapshots(tmp_path, count=150_000)
    before = old.read_bytes(), new.read_bytes()
    command = ["delta", "--previous", str(old), "--current", str(new), "--key", "Ext__c", "--out", str(tmp_path / "d"),
               "--max-changes", "1000000"]
    assert kill_at_random_points(command, tmp_path / "d", "manifest.json", runs=20) >= 10
    assert (old.read_bytes(), new.read_bytes()) == before


def test_a_fifo_or_a_folder_as_a_snapshot_never_hangs(tmp_path):
    import os
    import subprocess
    import sys

    good = write(tmp_path / "Account.csv", "Ext__c,Name\nA,1\n")
    fifo = tmp_path / "old.csv"
    os.mkfifo(fifo)
    for odd, needle in ((fifo, "not a regular file"), (tmp_path, "not a regular file")):
        done = subprocess.run([sys.executable, "-m", "sfprep", "delta", "--previous", str(odd), "--current", str(good),
                               "--key", "Ext__c", "--out", str(tmp_path / "d")], capture_output=True, text=True,
                              timeout=60)
        assert_usage_error(done.returncode, done.stdout, done.stderr, needle)


def test_a_disk_filling_midway_leaves_nothing(tmp_path):
    from tests.helpers import run_with_file_size_limit

    old, new = snapshots(tmp_path, count=3_000)
    done = run_with_file_size_limit(["delta", "--previous", str(old), "--current", str(new), "--key", "Ext__c",
                                     "--out", str(tmp_path / "d")], 20_000)
    assert_usage_error(done.returncode, done.stdout, done.stderr, "cannot write")
    assert not (tmp_path / "d").exists() and not list(tmp_path.glob(".d.sfprep-*"))


def test_a_tab_delimited_crlf_bulk2_job(tmp_path):
    old = write(tmp_path / "old.csv", "Id\tExt__c\tName\r\n001000000000001AAA\tA\tone\r\n"
                                      "001000000000002AAA\tB\ttwo\r\n")
    new = write(tmp_path / "Account.csv", "Ext__c\tName\r\nA\tone, changed\r\nC\tthree\r\n")
    code, _, err = invoke("delta", "--previous", old, "--current", new, "--key", "Ext__c", "--out", tmp_path / "d",
                          "--profile", "bulk2", "--delimiter", "TAB", "--line-ending", "CRLF")
    assert code == 0, err
    assert (tmp_path / "d" / "Account.upsert.csv").read_bytes() == b"Ext__c\tName\r\nA\tone, changed\r\nC\tthree\r\n"
    assert (tmp_path / "d" / "Account.delete.csv").read_bytes() == b"Id\r\n001000000000002AAA\r\n"
    upsert = json.loads((tmp_path / "d" / "upsert" / "manifest.json").read_text())
    assert upsert["job"]["delimiter"] == "TAB" and upsert["job"]["line_ending"] == "CRLF"
