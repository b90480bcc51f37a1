"""V005/V006 fixes are all or nothing per column, and findings without a fix say how to get one.

A --date-format that reads some values of a column but not all is the wrong format (a
day/month swap reads 03/04 but not 07/15): then no value of that column is rewritten, and
the findings name the value that shows it. Expectations derived by hand from the files.
"""
from __future__ import annotations

import functools
from dataclasses import replace

from sfprep.core.config import Settings
from sfprep.core.job import Job
from sfprep.core.profiles import load_profile
from sfprep.io.csv import scan as csv_scan
from sfprep.linter import value_stage
from sfprep.linter.engine import lint_file
from sfprep.linter.registry import select_rules
from sfprep.salesforce.describe import DescribeSource
from tests.helpers import FIXTURES, lint_json, run_cli, write

DESCRIBE = str(FIXTURES / "describe")
CONTACT = ("--describe", DESCRIBE, "--object", "Contact")
WIDGET = ("--describe", DESCRIBE, "--object", "Widget__c")

US_BIRTHDATES = (b"LastName,Birthdate\n"
                 b"Smith,03/04/1990\n"     # line 2: reads under %d/%m/%Y (as 3 April) and %m/%d/%Y
                 b"Jones,07/15/2009\n"     # line 3: month 15 under %d/%m/%Y: the format is wrong
                 b"Brown,1985-01-31\n"     # line 4: ISO already
                 b"Green,12/01/2001\n")    # line 5: reads under both


def _fix(path, *args):
    code, _, err = run_cli("fix", "--unsafe-fixes", "--select", "V005,V006", "--exit-zero", "--no-progress",
                           *args, path)
    assert code == 0, err
    return path.read_bytes()


def _findings(report, code):
    return {f["line"]: f for f in report["findings"] if f["code"] == code}


def test_a_format_that_misreads_the_column_rewrites_none_of_it(tmp_path):
    path = write(tmp_path / "Contact.csv", US_BIRTHDATES)
    assert _fix(path, *CONTACT, "--date-format", "%d/%m/%Y") == US_BIRTHDATES

    _, report = lint_json("--select", "V005", *CONTACT, "--date-format", "%d/%m/%Y", path)
    found = _findings(report, "V005")
    assert sorted((f["line"], f["column"]) for f in found.values()) == [(2, 2), (3, 2), (5, 2)]
    assert all(f["fix"] is None for f in found.values())
    assert "--date-format %d/%m/%Y does not read it" in found[3]["message"]
    for line in (2, 5):
        assert "not rewritten: --date-format %d/%m/%Y does not read '07/15/2009' (line 3)" in found[line]["message"]
    assert all("where FMT reads every non-ISO value of Birthdate" in f["hint"] for f in found.values())


def test_the_right_format_rewrites_the_whole_column(tmp_path):
    path = write(tmp_path / "Contact.csv", US_BIRTHDATES)
    assert _fix(path, *CONTACT, "--date-format", "%m/%d/%Y") == (
        b"LastName,Birthdate\nSmith,1990-03-04\nJones,2009-07-15\nBrown,1985-01-31\nGreen,2001-12-01\n")


def test_columns_are_judged_apart(tmp_path):
    # Launch__c (date) reads with %m/%d/%Y; Sync__c (dateTime) holds a value no flag reads:
    # Launch__c is rewritten, Sync__c keeps its fixable zone-less value too.
    data = (b"Name,Launch__c,Sync__c\n"
            b"W1,06/07/2023,2023-06-07T10:00:00\n"
            b"W2,12/31/2023,tomorrow\n")
    path = write(tmp_path / "Widget__c.csv", data)
    assert _fix(path, *WIDGET, "--date-format", "%m/%d/%Y", "--timezone", "Europe/Paris") == (
        b"Name,Launch__c,Sync__c\nW1,2023-06-07,2023-06-07T10:00:00\nW2,2023-12-31,tomorrow\n")


def test_a_timezone_alone_does_not_rewrite_a_column_that_also_needs_a_format(tmp_path):
    data = b"Name,Sync__c\nW1,2023-06-07T10:00:00\nW2,06/07/2023 10:00\n"
    path = write(tmp_path / "Widget__c.csv", data)
    assert _fix(path, *WIDGET, "--timezone", "Europe/Paris") == data

    _, report = lint_json("--select", "V006", *WIDGET, "--timezone", "Europe/Paris", path)
    found = _findings(report, "V006")
    assert sorted(found) == [2, 3]
    assert found[2]["fix"] is None
    assert "not rewritten: '06/07/2023 10:00' needs --date-format (line 3)" in found[2]["message"]
    assert found[2]["hint"].startswith("fix with `sfprep fix --unsafe-fixes --date-format FMT --timezone TZ`")


def test_a_contradiction_in_a_later_chunk_withdraws_the_fixes_of_earlier_chunks(tmp_path, monkeypatch):
    """Forty readable dates in the first chunks, one unreadable in the last: the earlier
    chunks' findings are held until the file ends, then lose their fixes."""
    rows = b"".join(b"Smith%d,03/04/1990\n" % n for n in range(40))
    path = write(tmp_path / "Contact.csv", b"LastName,Birthdate\n" + rows + b"Jones,07/15/2009\n")
    monkeypatch.setattr(csv_scan, "scan", functools.partial(csv_scan.scan, chunk_size=64))
    monkeypatch.setattr(value_stage, "INFERENCE_SAMPLE", 1)  # checks start with the first chunk

    def lint(date_format):
        settings = replace(Settings(), date_format=date_format, describe=DESCRIBE)
        result = lint_file(str(path), Job(object="Contact", operation="insert"), load_profile("bulk1"),
                           select_rules(["V005"]), None, DescribeSource(DESCRIBE), settings)
        return [f.finding for f in result.findings if f.code == "V005"]

    wrong = lint("%d/%m/%Y")
    assert [f.line for f in wrong] == list(range(2, 43))
    assert all(f.fix is None for f in wrong)
    assert "does not read '07/15/2009' (line 42)" in wrong[0].message
    right = lint("%m/%d/%Y")
    assert [f.line for f in right] == list(range(2, 43))
    assert all(f.fix is not None for f in right)


def test_a_date_without_a_format_says_which_flag_fixes_it(tmp_path):
    _, report = lint_json("--select", "V005", FIXTURES / "rules" / "V005" / "bad.csv")
    found = _findings(report, "V005")
    assert found[3]["message"] == "'06/07/1990' in Birthdate (inferred from its values) is not yyyy-MM-dd; give --date-format to fix"
    assert found[3]["hint"] == "fix with `sfprep fix --unsafe-fixes --date-format FMT` (FMT as in strptime, e.g. %m/%d/%Y)"

    code, out, _ = run_cli("lint", "--select", "V005", "--format", "full", "--no-progress",
                           FIXTURES / "rules" / "V005" / "bad.csv")
    assert code == 1
    assert "no automatic fix" not in out
    assert out.count("date-not-iso; fix with `sfprep fix --unsafe-fixes --date-format FMT`") == 4


def test_a_zoneless_datetime_asks_for_a_timezone_not_a_format(tmp_path):
    path = write(tmp_path / "Event.csv", b"Subject,SyncedAt\nr1,2023-06-07 10:00:00\nr2,2023-06-07T10:00:00Z\n")
    _, report = lint_json("--select", "V006", path)
    (finding,) = report["findings"]
    assert (finding["line"], finding["column"]) == (2, 2)
    assert "has no time zone" in finding["message"] and "--date-format" not in finding["message"]
    assert finding["hint"] == "fix with `sfprep fix --unsafe-fixes --timezone TZ` (TZ e.g. Europe/Paris)"
    code, out, _ = run_cli("lint", "--select", "V006", "--format", "full", "--no-progress", path)
    assert "datetime-not-iso; fix with `sfprep fix --unsafe-fixes --timezone TZ`" in out

    # 10:00 in Paris in June (CEST, UTC+2) is 08:00 UTC
    assert _fix(path, "--timezone", "Europe/Paris") == (
        b"Subject,SyncedAt\nr1,2023-06-07T08:00:00Z\nr2,2023-06-07T10:00:00Z\n")


def test_a_datetime_that_states_its_zone_needs_no_flag(tmp_path):
    path = write(tmp_path / "Event.csv", b"Subject,SyncedAt\nr1,2023-06-07 10:00:00+02:00\nr2,2023-06-07T10:00:00Z\n")
    assert _fix(path) == b"Subject,SyncedAt\nr1,2023-06-07T08:00:00Z\nr2,2023-06-07T10:00:00Z\n"


def test_z_and_an_offset_is_not_guessed(tmp_path):
    path = write(tmp_path / "Event.csv", b"Subject,SyncedAt\nr1,2010-10-14T12:00:00.000Z-0300\n")
    _, report = lint_json("--select", "V006", "--timezone", "Europe/Paris", path)
    (finding,) = report["findings"]
    assert finding["fix"] is None and finding["hint"] is None
    assert "has both Z and an offset" in finding["message"]
    code, out, _ = run_cli("lint", "--select", "V006", "--format", "full", "--no-progress", path)
    assert "no automatic fix" in out


def test_a_ragged_file_is_not_held_whole_for_the_inference_sample(tmp_path, monkeypatch):
    """Records of the wrong width never fill the sample: past SAMPLE_HOLD_FIELDS the checks
    start with what the held chunks have (a date column typed from its one usable value)."""
    monkeypatch.setattr(csv_scan, "scan", functools.partial(csv_scan.scan, chunk_size=64))
    monkeypatch.setattr(value_stage, "SAMPLE_HOLD_FIELDS", 100)
    most_held = []
    feed = value_stage.ValueStage.feed

    def recording_feed(stage, chunk):
        answer = feed(stage, chunk)
        most_held.append(len(stage.waiting))
        return answer

    monkeypatch.setattr(value_stage.ValueStage, "feed", recording_feed)
    ragged = b"".join(b"r%d\n" % i for i in range(400))      # one field of two: never usable
    path = tmp_path / "Account.csv"
    path.write_bytes(b"Name,Founded_Date__c\nAcme,06/07/2023\n" + ragged + b"Globex,07/08/2023\n")
    _, report = lint_json("--select", "V005", path)
    assert [(f["code"], f["line"]) for f in report["findings"]] == [("V005", 2), ("V005", 403)]
    assert max(most_held) <= 7   # a 64-byte chunk holds over a dozen of these one-field records
