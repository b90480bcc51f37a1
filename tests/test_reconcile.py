"""`sfprep reconcile` (issue 14): round trips through a simulated Salesforce (bulk1 results in
order, bulk2 results shuffled), the corpus's recorded results, and every refusal."""
from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.helpers import CORPUS, REPO, assert_usage_error, invoke, write

SCHEMA = json.loads((REPO / "schemas" / "reconcile.schema.json").read_text())

REQUIRED = "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
TWO_ERRORS = ("INVALID_EMAIL_ADDRESS:Email: invalid email address: x:Email --"
              "FIELD_CUSTOM_VALIDATION_EXCEPTION:Phone must have 10 digits:Phone --")
HEADER = ["FirstName", "LastName", "Email", "Phone", "Description"]


def reconcile(*args) -> tuple[int, str, str]:
    return invoke("reconcile", *args)


def read_csv(path: Path, delimiter: str = ",") -> list[dict]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream, delimiter=delimiter))


def make_source(path: Path, count: int, seed: int = 1, delimiter: str = ",", terminator: str = "\n") -> list[list[str]]:
    """Contacts with Unicode, multi-line values, quotes, and runs of identical rows; a record
    fails with one error when LastName is empty, with two when its Email is `x`; the rest load."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        last = "" if n % 7 == 3 else rng.choice(["Bluth", "Fünke", "O'Hara", "Ng \"Bob\""])
        email = "x" if n % 11 == 5 else f"user{n}@example.com"
        description = rng.choice(["", "plain", "two\nlines", "Ünïcödé ✓", "a, b"])
        rows.append([f"First{n}", last, email, "5550100" if n % 13 else "", description])
        if n % 17 == 0:
            rows.append(list(rows[-1]))   # an identical row, next to it
    with open(path, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, delimiter=delimiter, lineterminator=terminator).writerows([HEADER, *rows])
    return rows


def outcome_of(row: list[str]) -> tuple[str, str]:
    if row[1] == "":
        return "failed", REQUIRED
    if row[2] == "x":
        return "failed", TWO_ERRORS
    return "success", ""


def batches_of(out: Path) -> list[tuple[dict, list[list[str]]]]:
    manifest = json.loads((out / "manifest.json").read_text())
    delimiter = {"COMMA": ",", "TAB": "\t", "PIPE": "|"}[manifest["job"]["delimiter"]]
    found = []
    for batch in manifest["batches"]:
        with open(out / batch["file"], newline="", encoding="utf-8") as stream:
            found.append((batch, list(csv.reader(stream, delimiter=delimiter))[1:]))
    return found


def fake_id(number: int) -> str:
    return f"003{number:012d}AAA"


def bulk1_results(out: Path, folder: Path) -> list[Path]:
    """One result CSV per batch, in request order, every value quoted as Salesforce writes."""
    paths = []
    for batch, rows in batches_of(out):
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(["Id", "Success", "Created", "Error"])
        numbers = [n for first, last in batch["source_records"] for n in range(first, last + 1)]
        for number, row in zip(numbers, rows):
            outcome, error = outcome_of(row)
            writer.writerow([fake_id(number), "true", "true", ""] if outcome == "success" else ["", "false", "false", error])
        paths.append(write(folder / (batch["file"].rsplit(".", 1)[0] + ".result.csv"), buffer.getvalue()))
    return paths


def bulk2_results(out: Path, folder: Path, unprocessed_every: int = 0, seed: int = 5) -> list[Path]:
    """successfulResults, failedResults and unprocessedrecords per job, shuffled; Phone is not
    echoed (as if it matched no field) and values come back with CRLF and padding trimmed."""
    rng = random.Random(seed)
    echoed = ["FirstName", "LastName", "Email", "Description"]
    paths = []
    for index, (batch, rows) in enumerate(batches_of(out)):
        numbers = [n for first, last in batch["source_records"] for n in range(first, last + 1)]
        success, failed, unprocessed = [], [], []
        for number, row in zip(numbers, rows):
            values = [row[HEADER.index(name)] for name in echoed]
            if unprocessed_every and number % unprocessed_every == 0:
                unprocessed.append(values)
                continue
            outcome, error = outcome_of(row)
            if outcome == "success":
                success.append([fake_id(number), "true", *values])
            else:
                failed.append(["", error, *values])
        stem = batch["file"].rsplit(".", 1)[0]
        for name, head, body in (("successfulResults", ["sf__Id", "sf__Created"], success),
                                 ("failedResults", ["sf__Id", "sf__Error"], failed),
                                 ("unprocessedrecords", [], unprocessed)):
            rng.shuffle(body)
            buffer = io.StringIO()
            writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerows([head + echoed, *body])
            paths.append(write(folder / f"{stem}.{name}.csv", buffer.getvalue()))
    return paths


def check_reconciled(results: Path, rows: list[list[str]], unprocessed_every: int = 0) -> dict:
    """Every source record exactly once, with the outcome the simulation gave it."""
    expected = {}
    for number, row in enumerate(rows, start=1):
        if unprocessed_every and number % unprocessed_every == 0:
            expected[number] = ("unprocessed", "")
        else:
            expected[number] = outcome_of(row)
    success = read_csv(results / "success.csv")
    errors = read_csv(results / "errors.csv")
    unprocessed = read_csv(results / "unprocessed.csv")
    seen = Counter(int(r["sfprep_record"]) for r in success) + Counter(int(r["sfprep_record"]) for r in unprocessed) \
        + Counter({int(r["sfprep_record"]): 1 for r in errors})
    assert sorted(seen) == list(range(1, len(rows) + 1)) and set(seen.values()) == {1}, "each record once"
    for r in success:
        number = int(r["sfprep_record"])
        assert expected[number][0] == "success"
        assert [r[name] for name in HEADER] == rows[number - 1]
    ids = Counter((tuple(rows[int(r["sfprep_record"]) - 1]), r["sf__Id"]) for r in success)
    wanted = Counter((tuple(rows[n - 1]), fake_id(n)) for n, (kind, _) in expected.items() if kind == "success")
    assert ids == wanted, "every Id given to its record (or to an identical one)"
    by_record: dict[int, list[dict]] = {}
    for r in errors:
        by_record.setdefault(int(r["sfprep_record"]), []).append(r)
    for number, found in by_record.items():
        assert expected[number][0] == "failed"
        codes = [r["sfprep_status_code"] for r in found]
        assert codes == (["REQUIRED_FIELD_MISSING"] if expected[number][1] == REQUIRED
                         else ["INVALID_EMAIL_ADDRESS", "FIELD_CUSTOM_VALIDATION_EXCEPTION"])
        assert all([error[name] for name in HEADER] == rows[number - 1] for error in found)
    assert {int(r["sfprep_record"]) for r in unprocessed} == {n for n, o in expected.items() if o[0] == "unprocessed"}
    with open(results / "retry.csv", newline="", encoding="utf-8") as stream:
        retry = list(csv.reader(stream))
    assert retry[0] == HEADER
    assert retry[1:] == [rows[n - 1] for n in sorted(expected) if expected[n][0] != "success"], "in source order"
    summary = json.loads((results / "summary.json").read_text())
    Draft202012Validator(SCHEMA).validate(summary)
    kinds = Counter(kind for kind, _ in expected.values())
    assert summary["outcomes"]["success"] == kinds["success"] and summary["outcomes"]["failed"] == kinds["failed"]
    assert summary["outcomes"]["unprocessed"] == kinds["unprocessed"] and summary["outcomes"]["unaccounted"] == 0
    assert summary["complete"] is True
    return summary


def test_bulk1_round_trip_in_order(tmp_path):
    rows = make_source(tmp_path / "Contact.csv", 2_500)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--max-records", "700")[0] == 0
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    code, out, err = reconcile("--manifest", tmp_path / "out" / "manifest.json", *reversed(results))
    assert code == 0, err
    summary = check_reconciled(tmp_path / "out.results", rows)
    assert summary["status_codes"]["REQUIRED_FIELD_MISSING"] == sum(1 for r in rows if r[1] == "")
    assert "REQUIRED_FIELD_MISSING" in out and "retry.csv" in out


def test_bulk2_round_trip_shuffled_with_unprocessed(tmp_path):
    rows = make_source(tmp_path / "Contact.csv", 3_000, seed=2)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--profile", "bulk2",
                  "--max-records", "1000")[0] == 0
    results = bulk2_results(tmp_path / "out", tmp_path / "results", unprocessed_every=9)
    code, out, err = reconcile("--manifest", tmp_path / "out", *results, "--out", tmp_path / "done")
    assert code == 0, err
    check_reconciled(tmp_path / "done", rows, unprocessed_every=9)
    assert reconcile("--manifest", tmp_path / "out", *results, "--out", tmp_path / "done",
                     "--fail-on-errors", "--overwrite")[0] == 1


def test_bulk2_results_naming_no_batch_match_across_the_split(tmp_path):
    rows = make_source(tmp_path / "Contact.csv", 900, seed=3)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--max-records", "400")[0] == 0
    named = bulk2_results(tmp_path / "out", tmp_path / "results")
    merged = {}
    for path in named:   # one file per kind, as a user concatenating the jobs' results would have
        kind = path.name.rsplit(".", 2)[-2]
        text = path.read_text().splitlines(keepends=True)
        merged.setdefault(kind, [text[0]]).extend(text[1:])
    paths = [write(tmp_path / "all" / f"{kind}.csv", "".join(lines)) for kind, lines in merged.items()]
    assert reconcile("--manifest", tmp_path / "out", *paths)[0] == 0
    check_reconciled(tmp_path / "out.results", rows)


def test_rows_differing_only_in_columns_not_echoed_are_ambiguous_not_guessed(tmp_path):
    write(tmp_path / "Contact.csv", "LastName,Phone\nSmith,1\nSmith,2\nJones,3\n")
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out")[0] == 0
    success = write(tmp_path / "s.csv", '"sf__Id","sf__Created","LastName"\n"003A","true","Smith"\n'
                                        '"003C","true","Jones"\n')
    failed = write(tmp_path / "f.csv", f'"sf__Id","sf__Error","LastName"\n"","{REQUIRED}","Smith"\n')
    code, out, err = reconcile("--manifest", tmp_path / "out", success, failed)
    assert code == 1
    assert "2 source record(s) have no result: record 1, 2" in err and "cannot be told apart" in err
    assert [r["sfprep_record"] for r in read_csv(tmp_path / "out.results" / "success.csv")] == ["3"]
    assert [r["sfprep_record"] for r in read_csv(tmp_path / "out.results" / "unaccounted.csv")] == ["1", "2"]
    summary = json.loads((tmp_path / "out.results" / "summary.json").read_text())
    Draft202012Validator(SCHEMA).validate(summary)
    assert summary["ambiguous_records"] == 2 and summary["unmatched_result_rows"] == 2 and not summary["complete"]


def test_identical_rows_match_in_order(tmp_path):
    write(tmp_path / "Contact.csv", "LastName\nSmith\nSmith\nSmith\n")
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out")[0] == 0
    success = write(tmp_path / "s.csv", "sf__Id,sf__Created,LastName\n003B,true,Smith\n003A,true,Smith\n")
    failed = write(tmp_path / "f.csv", f'sf__Id,sf__Error,LastName\n,"{REQUIRED}",Smith\n')
    assert reconcile("--manifest", tmp_path / "out", success, failed)[0] == 0
    assert [(r["sfprep_record"], r["sf__Id"]) for r in read_csv(tmp_path / "out.results" / "success.csv")] == \
        [("1", "003B"), ("2", "003A")]
    assert [r["sfprep_record"] for r in read_csv(tmp_path / "out.results" / "errors.csv")] == ["3"]


def test_unaccounted_batches_and_unmatched_rows_exit_1_naming_them(tmp_path):
    rows = make_source(tmp_path / "Contact.csv", 30)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--max-records", "10")[0] == 0
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    code, _, err = reconcile("--manifest", tmp_path / "out", *results[1:])
    assert code == 1 and "10 source record(s) have no result: record 1, 2, 3, 4, 5 and 5 more" in err
    stray = write(tmp_path / "stray.csv", "sf__Id,sf__Created,FirstName,LastName\n003Z,true,Nobody,Here\n")
    code, _, err = reconcile("--manifest", tmp_path / "out", *results, stray, "--overwrite")
    assert code == 1 and "1 result row(s) match no source record: " in err and "stray.csv row 1" in err
    assert len(rows) == 32


def test_a_batch_changed_since_the_split_is_refused(tmp_path):
    make_source(tmp_path / "Contact.csv", 20)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--max-records", "10")[0] == 0
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    batch = tmp_path / "out" / "Contact.insert.0002.csv"
    batch.write_bytes(batch.read_bytes().replace(b"First1", b"Frist1", 1))
    assert_usage_error(*reconcile("--manifest", tmp_path / "out", *results), "Contact.insert.0002.csv",
                       "changed since the split")
    assert not (tmp_path / "out.results").exists()


def test_batches_gone_the_source_is_read_and_must_be_unchanged(tmp_path):
    rows = make_source(tmp_path / "Contact.csv", 25)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--max-records", "10")[0] == 0
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    for batch in (tmp_path / "out").glob("Contact.insert.*.csv"):
        batch.unlink()
    assert reconcile("--manifest", tmp_path / "out", *results)[0] == 0
    check_reconciled(tmp_path / "out.results", rows)
    with open(tmp_path / "Contact.csv", "a") as stream:
        stream.write("Late,Row,late@example.com,,\n")
    assert_usage_error(*reconcile("--manifest", tmp_path / "out", *results, "--overwrite"),
                       "changed since the split")


def test_result_of_another_batch_or_shape_is_a_usage_error(tmp_path):
    make_source(tmp_path / "Contact.csv", 25)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--max-records", "10")[0] == 0
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    wrong = write(tmp_path / "Contact.insert.0003.result.csv", results[0].read_text())   # 10 rows; batch 3 has 5
    assert_usage_error(*reconcile("--manifest", tmp_path / "out", results[0], results[1], wrong),
                       "Contact.insert.0003.result.csv", "Contact.insert.0003.csv", "10 result rows")
    twice = write(tmp_path / "again" / results[0].name, results[0].read_text())
    assert_usage_error(*reconcile("--manifest", tmp_path / "out", results[0], twice), "both results of")
    unnamed = write(tmp_path / "result.csv", results[0].read_text())
    assert_usage_error(*reconcile("--manifest", tmp_path / "out", results[0], unnamed), "names no batch")
    foreign = write(tmp_path / "f.csv", "sf__Id,sf__Created,AccountNumber\n001A,true,7\n")
    assert_usage_error(*reconcile("--manifest", tmp_path / "out", foreign), "AccountNumber", "another load")
    broken = write(tmp_path / "b.csv", '"Id", "Success", "Created", "Error"\n')
    assert_usage_error(*reconcile("--manifest", tmp_path / "out", broken), "b.csv", "line 1", "Q004")
    assert_usage_error(*reconcile("--manifest", tmp_path / "nothing", results[0]), "nothing", "no such file")
    assert_usage_error(*reconcile("--manifest", tmp_path / "out"), "give the result files")
    write(tmp_path / "bad.json", "[1, 2")
    assert_usage_error(*reconcile("--manifest", tmp_path / "bad.json", results[0]), "not a manifest")
    assert not (tmp_path / "out.results").exists()


def test_bulk1_xml_results_of_xml_batches(tmp_path):
    write(tmp_path / "Contact.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
          '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">\n'
          '<sObject><LastName>Ng</LastName></sObject>\n<sObject><FirstName>Al</FirstName></sObject>\n</sObjects>\n')
    assert invoke("split", tmp_path / "Contact.xml", "--out", tmp_path / "out")[0] == 0
    result = write(tmp_path / "Contact.insert.0001.result.xml",
                   '<?xml version="1.0" encoding="UTF-8"?>\n<results xmlns="http://www.force.com/2009/06/asyncapi/'
                   'dataload" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
                   '<result><id>003A</id><success>true</success><created>true</created></result>\n'
                   '<result><errors><fields>LastName</fields><message>Required fields are missing: [LastName]'
                   '</message><statusCode>REQUIRED_FIELD_MISSING</statusCode></errors><id xsi:nil="true"/>'
                   '<success>false</success><created>false</created></result>\n</results>\n')
    assert reconcile("--manifest", tmp_path / "out", result)[0] == 0
    assert [(r["sfprep_record"], r["sf__Id"], r["LastName"]) for r in read_csv(tmp_path / "out.results" / "success.csv")] \
        == [("1", "003A", "Ng")]
    assert [(r["sfprep_record"], r["sfprep_status_code"], r["sfprep_message"], r["sfprep_fields"], r["FirstName"])
            for r in read_csv(tmp_path / "out.results" / "errors.csv")] == \
        [("2", "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", "LastName", "Al")]
    doctype = write(tmp_path / "d.result.xml", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><results/>')
    assert_usage_error(*reconcile("--manifest", tmp_path / "out", doctype, "--overwrite"), "DOCTYPE")


def test_tab_delimited_crlf_bulk2_job(tmp_path):
    rows = make_source(tmp_path / "Contact.csv", 200, delimiter="\t", terminator="\r\n")
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--profile", "bulk2",
                  "--delimiter", "TAB", "--line-ending", "CRLF")[0] == 0
    results = bulk2_results(tmp_path / "out", tmp_path / "results")
    tabbed = []
    for path in results:
        with open(path, newline="", encoding="utf-8") as stream:
            table = list(csv.reader(stream))
        buffer = io.StringIO()
        csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(table)
        tabbed.append(write(path, buffer.getvalue()))
    assert reconcile("--manifest", tmp_path / "out", *tabbed)[0] == 0
    assert (tmp_path / "out.results" / "retry.csv").read_bytes().split(b"\r\n")[0] == "\t".join(HEADER).encode()
    failed = [r for r in rows if outcome_of(r)[0] == "failed"]
    with open(tmp_path / "out.results" / "retry.csv", newline="", encoding="utf-8") as stream:
        assert list(csv.reader(stream, delimiter="\t"))[1:] == failed


def test_python_api(tmp_path):
    import sfprep

    make_source(tmp_path / "Contact.csv", 12)
    sfprep.split(tmp_path / "Contact.csv", tmp_path / "out")
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    done = sfprep.reconcile(tmp_path / "out", results, out=tmp_path / "r")
    assert done.complete and done.summary["records"] == 13 and done.out == str(tmp_path / "r")
    with pytest.raises(sfprep.UsageError):
        sfprep.reconcile(tmp_path / "out", results, out=tmp_path / "r")


# ------------------------------------------------------------------ the corpus

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here (a clone elsewhere)")


@needs_corpus
@pytest.mark.parametrize("request_name, result_name, key, created", [   # PROVENANCE.md: the jobs' keys
    ("test_upsert_external_id_field__24_batch_request.csv", "test_upsert_external_id_field__28_batch_result.csv",
     "Email", 1),
    ("test_upsert_external_id_field__08_batch_request.csv", "test_upsert_external_id_field__14_batch_result.csv",
     "Email", 16),
    ("test_upsert_complex_fields__bulk__02_batch_request.csv", "test_upsert_complex_fields__bulk__06_batch_result.csv",
     "Id", 16),
])
def test_cumulusci_recorded_bulk1_pairs(tmp_path, request_name, result_name, key, created):
    folder = CORPUS / "cumulusci" / "bulk1"
    source = write(tmp_path / "Contact.csv", (folder / request_name).read_bytes())
    assert invoke("split", source, "--out", tmp_path / "out", "--operation", "upsert", "--external-id", key)[0] == 0
    code, _, err = reconcile("--manifest", tmp_path / "out", folder / result_name)
    assert code == 0, err
    with open(folder / result_name, newline="") as stream:
        recorded = list(csv.DictReader(stream))
    success = read_csv(tmp_path / "out.results" / "success.csv")
    assert [r["sf__Id"] for r in success] == [r["Id"] for r in recorded]
    assert sum(r["sf__Created"] == "true" for r in success) == created


@needs_corpus
def test_heroku_bulk2_results_reconcile(tmp_path):
    folder = CORPUS / "heroku-applink-nodejs" / "bulk2"
    with open(folder / "7508Z00000lSXvxQAG_successfulResults.csv", newline="") as stream:
        table = list(csv.reader(stream))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([table[0][2:]] + [row[2:] for row in table[:0:-1]])   # in another order
    write(tmp_path / "Account.csv", buffer.getvalue())
    assert invoke("split", tmp_path / "Account.csv", "--out", tmp_path / "out", "--profile", "bulk2")[0] == 0
    results = [folder / name for name in ("7508Z00000lSXvxQAG_successfulResults.csv", "empty_failedResults.csv",
                                          "empty_unprocessedrecords.csv")]
    assert reconcile("--manifest", tmp_path / "out", *results)[0] == 0
    success = read_csv(tmp_path / "out.results" / "success.csv")
    assert [(r["sfprep_record"], r["sf__Id"], r["Name"]) for r in success] == [
        ("1", "0018Z00002rGc7aQAC", "TestAccount3"), ("2", "0018Z00002rGc7ZQAS", "TestAccount2"),
        ("3", "0018Z00002rGc7YQAS", "TestAccount1")]


@needs_corpus
def test_dataloader_success_file_reconciles(tmp_path):
    status = CORPUS / "forcedotcom-dataloader" / "samples" / "status" / "success0413060133.csv"
    with open(status, newline="") as stream:
        table = list(csv.reader(stream))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([row[1:-1] for row in table])   # without ID and STATUS
    write(tmp_path / "Opportunity.csv", buffer.getvalue())
    assert invoke("split", tmp_path / "Opportunity.csv", "--out", tmp_path / "out")[0] == 0
    assert reconcile("--manifest", tmp_path / "out", status)[0] == 0
    success = read_csv(tmp_path / "out.results" / "success.csv")
    assert [r["sf__Id"] for r in success] == [row[0] for row in table[1:]]
    assert all(r["sf__Created"] == "true" for r in success)


def test_killed_midway_leaves_no_complete_looking_output(tmp_path):
    from tests.helpers import kill_at_random_points

    make_source(tmp_path / "Contact.csv", 120_000)
    source_bytes = (tmp_path / "Contact.csv").read_bytes()
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out")[0] == 0
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    command = ["reconcile", "--manifest", str(tmp_path / "out"), *map(str, results), "--out", str(tmp_path / "r")]
    assert kill_at_random_points(command, tmp_path / "r", "summary.json", runs=20) >= 10
    assert (tmp_path / "Contact.csv").read_bytes() == source_bytes


def test_values_are_matched_as_salesforce_echoes_them(tmp_path):
    write(tmp_path / "Contact.csv", b'LastName,Title,Description\r\n'
                                    b'Smith,#N/A,"two\r\nlines"\r\n'
                                    b'Jones, padded ,plain\r\n'
                                    b'Brown,exact,plain\r\n')
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--profile", "bulk2",
                  "--line-ending", "CRLF")[0] == 0
    success = write(tmp_path / "s.csv", '"sf__Id","sf__Created","lastname","Title","Description"\r\n'
                                        '"003B","true","Jones","padded","plain"\r\n'
                                        '"003A","true","Smith","","two\nlines"\r\n'
                                        '"003C","true","Brown","exact","plain"\r\n')
    code, _, err = reconcile("--manifest", tmp_path / "out", success)
    assert code == 0, err
    assert [(r["sfprep_record"], r["sf__Id"], r["Title"]) for r in read_csv(tmp_path / "out.results" / "success.csv")] \
        == [("1", "003A", "#N/A"), ("2", "003B", " padded "), ("3", "003C", "exact")]


def hostile_manifest(folder: Path, how: str) -> Path:
    manifest = json.loads((folder / "manifest.json").read_text())
    if how == "truncated":
        (folder / "manifest.json").write_text(json.dumps(manifest)[:200])
    elif how == "no batches":
        del manifest["batches"]
        (folder / "manifest.json").write_text(json.dumps(manifest))
    elif how == "ranges edited":
        manifest["batches"][0]["source_records"] = [[1, 3]]
        (folder / "manifest.json").write_text(json.dumps(manifest))
    elif how == "reversed range":
        manifest["batches"][0]["source_records"] = [[9, 1]]
        (folder / "manifest.json").write_text(json.dumps(manifest))
    elif how == "another version":
        manifest["manifest_version"] = 99
        (folder / "manifest.json").write_text(json.dumps(manifest))
    elif how == "a list":
        (folder / "manifest.json").write_text("[]")
    return folder / "manifest.json"


@pytest.mark.parametrize("how, needle", [
    ("truncated", "not a manifest"), ("no batches", "no file and source_records"),
    ("ranges edited", "holds 10 records, its manifest ranges 3"), ("reversed range", "empty or reversed"),
    ("another version", "not a version 1"), ("a list", "not a version 1"),
])
def test_a_broken_or_edited_manifest_is_one_line_exit_2(tmp_path, how, needle):
    make_source(tmp_path / "Contact.csv", 15)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--max-records", "10")[0] == 0
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    manifest = hostile_manifest(tmp_path / "out", how)
    assert_usage_error(*reconcile("--manifest", manifest, *results), needle)
    assert not (tmp_path / "out.results").exists()


@pytest.mark.parametrize("what", ["manifest", "result"])
def test_a_fifo_or_a_folder_never_hangs(tmp_path, what):
    import os
    import subprocess
    import sys

    make_source(tmp_path / "Contact.csv", 5)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out")[0] == 0
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for odd in (fifo, tmp_path / "results"):
        args = ["--manifest", str(odd), *map(str, results)] if what == "manifest" else \
            ["--manifest", str(tmp_path / "out"), str(odd)]
        done = subprocess.run([sys.executable, "-m", "sfprep", "reconcile", *args], capture_output=True, text=True,
                              timeout=60)
        if what == "manifest" and odd.is_dir():
            assert "manifest.json" in done.stderr   # a folder is read as the folder of a manifest
        assert_usage_error(done.returncode, done.stdout, done.stderr, "not a regular file" if odd == fifo else "")


def test_a_truncated_result_file_is_named(tmp_path):
    make_source(tmp_path / "Contact.csv", 12)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out")[0] == 0
    result = bulk1_results(tmp_path / "out", tmp_path / "results")[0]
    text = result.read_text()
    write(result, text[: len(text) // 2].rsplit('"', 1)[0])   # cut inside a quoted value
    code, out, err = reconcile("--manifest", tmp_path / "out", result)
    assert_usage_error(code, out, err, result.name)
    truncated_xml = write(tmp_path / "Contact.insert.0001.result.xml", '<?xml version="1.0"?><results><result><id>')
    assert_usage_error(*reconcile("--manifest", tmp_path / "out", truncated_xml), "not a result list")


def test_a_status_column_of_the_source_is_not_data_loader(tmp_path):
    write(tmp_path / "Case.csv", "Id,Status\n500000000000001AAA,New\n500000000000002AAA,Closed\n")
    assert invoke("split", tmp_path / "Case.csv", "--out", tmp_path / "out", "--operation", "update",
                  "--profile", "bulk2")[0] == 0
    success = write(tmp_path / "s.csv", '"sf__Id","sf__Created","Id","Status"\n'
                                        '"500000000000002AAA","false","500000000000002AAA","Closed"\n')
    unprocessed = write(tmp_path / "u.csv", '"Id","Status"\n"500000000000001AAA","New"\n')
    assert reconcile("--manifest", tmp_path / "out", success, unprocessed)[0] == 0
    summary = json.loads((tmp_path / "out.results" / "summary.json").read_text())
    assert [r["kind"] for r in summary["results"]] == ["bulk2-success", "bulk2-unprocessed"]
    assert summary["outcomes"]["unprocessed"] == 1 and summary["outcomes"]["updated"] == 1


def test_data_loader_error_file_keeps_the_source_id(tmp_path):
    write(tmp_path / "Contact.csv", "Id,LastName\n003000000000001AAA,Ng\n003000000000002AAA,\n")
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out", "--operation", "update")[0] == 0
    success = write(tmp_path / "success.csv", '"ID","Id","LastName","STATUS"\n'
                                              '"003000000000001AAA","003000000000001AAA","Ng","Item Updated"\n')
    errors = write(tmp_path / "error.csv", f'"Id","LastName","ERROR"\n"003000000000002AAA","","{REQUIRED}"\n')
    assert reconcile("--manifest", tmp_path / "out", success, errors)[0] == 0
    failed = read_csv(tmp_path / "out.results" / "errors.csv")
    assert [(r["sfprep_record"], r["Id"], r["sfprep_status_code"]) for r in failed] == \
        [("2", "003000000000002AAA", "REQUIRED_FIELD_MISSING")]
    assert [(r["sfprep_record"], r["sf__Id"], r["sf__Created"]) for r in read_csv(tmp_path / "out.results" /
                                                                                 "success.csv")] == \
        [("1", "003000000000001AAA", "false")]


def test_error_text_is_parsed_into_code_message_and_fields():
    import polars as pl

    from sfprep.reconciler.errors import error_rows

    texts = ["REQUIRED_FIELD_MISSING:Required fields are missing: [LastName__c]:LastName__c --",
             "", "A_B:m1:f1,f2 --C_D:has: colons: --", "InvalidBatch : the whole batch failed",
             "DUPLICATE_VALUE:duplicate value found: Email__c duplicates value on record with id: 003x:-- "]
    rows = error_rows(pl.DataFrame({"n": range(len(texts)), "e": texts}), "e").rows()
    assert rows == [
        (0, "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName__c]", "LastName__c"),
        (1, "", "", ""),
        (2, "A_B", "m1", "f1,f2"), (2, "C_D", "has: colons", ""),
        (3, "", "InvalidBatch : the whole batch failed", ""),
        (4, "DUPLICATE_VALUE", "duplicate value found: Email__c duplicates value on record with id: 003x", ""),
    ]


def test_a_disk_filling_midway_leaves_nothing(tmp_path):
    from tests.helpers import run_with_file_size_limit

    make_source(tmp_path / "Contact.csv", 3_000)
    assert invoke("split", tmp_path / "Contact.csv", "--out", tmp_path / "out")[0] == 0
    results = bulk1_results(tmp_path / "out", tmp_path / "results")
    done = run_with_file_size_limit(["reconcile", "--manifest", str(tmp_path / "out"), *map(str, results)], 50_000)
    assert_usage_error(done.returncode, done.stdout, done.stderr, "out.results", "cannot write")
    assert not (tmp_path / "out.results").exists() and not list(tmp_path.glob(".out.results.sfprep-*"))
