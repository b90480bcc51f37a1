"""What a fixture's (code, line, column) cannot say: whether a fix is offered, what the
message names, and state a rule keeps from one chunk to the next (files of several chunks,
made small here, as tests/test_scanner.py does)."""
from __future__ import annotations

import functools

import pytest

from sfprep.io.csv import scan as csv_scan
from tests.helpers import lint_json, write


@pytest.fixture
def small_chunks(monkeypatch):
    """Scan every file in chunks of `size` bytes (the engine calls csv_scan.scan by attribute)."""
    def use(size: int):
        monkeypatch.setattr(csv_scan, "scan", functools.partial(csv_scan.scan, chunk_size=size))
    return use


def _only(report: dict, code: str) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == code]


# --- F001: the re-encoding fix is offered only where nothing before the bad byte is UTF-8 ----

ASCII_RECORDS = b"".join(b"Acme %02d\n" % i for i in range(12))     # 96 bytes of ASCII


def _f001(tmp_path, data: bytes) -> dict:
    path = write(tmp_path / "Account.csv", data)
    _, report = lint_json("--select", "F001", "--encoding", "cp1252", path)
    [finding] = _only(report, "F001")
    return finding


def test_f001_offers_the_fix_when_the_earlier_chunks_are_ascii(tmp_path, small_chunks):
    small_chunks(32)
    finding = _f001(tmp_path, b"Name\n" + ASCII_RECORDS + b"Caf\xe9\n")
    assert (finding["line"], finding["fix"]) == (14, {"applicability": "safe",
                                                     "description": "Re-encode the file from cp1252 to UTF-8",
                                                     "edits": None})


def test_f001_offers_no_fix_when_an_earlier_chunk_holds_utf8(tmp_path, small_chunks):
    small_chunks(32)
    finding = _f001(tmp_path, "Name\nCafé\n".encode() + ASCII_RECORDS + b"Caf\xe9\n")
    assert (finding["line"], finding["fix"]) == (15, None)


def test_f001_offers_no_fix_when_utf8_comes_before_the_bad_byte_in_its_chunk(tmp_path):
    finding = _f001(tmp_path, "Name\nCafé\nCaf".encode() + b"\xe9\n")
    assert (finding["line"], finding["fix"]) == (3, None)


def test_f001_names_the_invalid_byte(tmp_path):
    finding = _f001(tmp_path, b"Name\nNa\xefve\n")
    assert finding["message"] == "invalid UTF-8 byte 0xEF; the file must be UTF-8"


# --- F003: the message says which of the three empty files it is ----------------------------

@pytest.mark.parametrize("data, says", [
    (b"", "no records: the file is empty"),
    (b"\n", "no records: the first line is blank and no records follow"),
    (b"Name,Phone\n", "no records: the header has no records after it"),
])
def test_f003_says_what_kind_of_empty_file_it_is(tmp_path, data, says):
    path = write(tmp_path / "Account.csv", data)
    _, report = lint_json("--select", "F003", path)
    assert [f["message"] for f in _only(report, "F003")] == [says]


# --- Q001: the re-delimiting fix only when the delimiter is unambiguous ---------------------

@pytest.mark.parametrize("data, fix", [
    (b"Name;Phone;City\nAcme;555;Paris\n", {"applicability": "safe", "description": "Rewrite the file with commas",
                                            "edits": None}),
    (b"Name;Phone;City|Code\nAcme;555;Paris\n", None),     # semicolons and a pipe: which one is meant?
    (b'Name;Phone;City\nAcme;555;"Paris\n', None),         # a quote never closed: the values are unknown
])
def test_q001_offers_the_fix_only_when_the_file_can_be_re_read_exactly(tmp_path, data, fix):
    path = write(tmp_path / "Account.csv", data)
    _, report = lint_json("--select", "Q001", path)
    assert [(f["line"], f["fix"]) for f in _only(report, "Q001")] == [(1, fix)]


def test_q004_shows_at_most_20_characters_of_each_text_outside_the_quotes(tmp_path):
    path = write(tmp_path / "Account.csv", b'Name,Notes\n"Acme"abcdefghijklmnopqrstuvwxyz,x\n')
    _, report = lint_json("--select", "Q004", path)
    assert [f["message"] for f in _only(report, "Q004")] == ["'abcdefghijklmnopqrst' outside the quotes of field 1"]


Q004_MIXED = b'Name,Notes,City\n"Acme" ,x, "Paris"\n "Globex"z,"y"  ,Rome\n'
Q004_MESSAGES = ["' ' outside the quotes of field 1", "' ' outside the quotes of field 3",
                 "' ' and 'z' outside the quotes of field 1", "'  ' outside the quotes of field 2"]


@pytest.mark.parametrize("most", [4096, 1], ids=["rendered-per-distinct-pair", "rendered-per-row"])
def test_q004_messages_are_the_same_rendered_per_distinct_pair_or_per_row(tmp_path, monkeypatch, most):
    from sfprep.core import batch as batch_module
    from sfprep.linter.rules import quoting

    monkeypatch.setattr(quoting, "messages_by_text_and_number",
                        functools.partial(batch_module.messages_by_text_and_number, most=most))
    path = write(tmp_path / "Account.csv", Q004_MIXED)
    _, report = lint_json("--select", "Q004", path)
    assert [(f["line"], f["message"]) for f in _only(report, "Q004")] == list(zip([2, 2, 3, 3], Q004_MESSAGES))


# --- Header rules: what the message names, why a check was skipped --------------------------

def test_h004_names_a_bad_object_type_prefix_before_the_bad_parts(tmp_path):
    path = write(tmp_path / "Account.csv", b"Name,1Acc:Wh-at.Bad-Name\nAcme,x\n")
    _, report = lint_json("--select", "H004", path)
    assert [f["message"] for f in _only(report, "H004")] == ["'1Acc:Wh-at.Bad-Name' is not a valid API name ('1Acc')"]


def test_h013_skips_a_polymorphic_lookup_without_its_object_type(tmp_path):
    # Owner on Case is Group or User: without `User:` the parent object is unknown, even
    # though a describe of one of them (User.json) is there.
    from tests.helpers import FIXTURES

    path = write(tmp_path / "Case.csv", b"Subject,Owner.Username\nPrinter jam,jdoe@example.com\n")
    _, report = lint_json("--select", "H013", "--describe", FIXTURES / "describe", path)
    assert _only(report, "H013") == []
    assert report["files"][0]["skipped_rules"] == [
        {"code": "H013", "reason": "no describe for the parent object (polymorphic) of Owner.Username"}]


def test_h007_says_what_is_wrong_with_the_prefix_and_fixes_only_spaces(tmp_path):
    path = write(tmp_path / "Account.csv",
                 b"Name,Account :What.Name,User: Owner.Email,Acc ount:What.Name,A:B:What.Name,User : Owner\nAcme,x,y,z,w,v\n")
    _, report = lint_json("--select", "H007", path)
    assert [(f["message"], f["fix"] is not None) for f in _only(report, "H007")] == [
        ("malformed polymorphic column 'Account :What.Name': spaces around the colon", True),
        ("malformed polymorphic column 'User: Owner.Email': spaces around the colon", True),
        ("malformed polymorphic column 'Acc ount:What.Name': spaces in the name", True),
        ("malformed polymorphic column 'A:B:What.Name': more than one colon", False),
        ("malformed polymorphic column 'User : Owner': spaces around the colon", False),   # and no .Field
    ]


# --- Value messages: the value shown (cut past 40 characters), the kind of column -----------

def test_v010_shows_a_value_of_40_characters_whole_and_cuts_a_longer_one(tmp_path):
    forty, forty_one = "A" * 40, "B" * 41
    path = write(tmp_path / "Contact.csv", f"LastName,AccountId\nSmith,{forty}\nJones,{forty_one}\n".encode())
    _, report = lint_json("--select", "V010", path)
    assert [f["message"] for f in _only(report, "V010")] == [
        f"'{forty}' in AccountId is not a 15- or 18-character record Id",
        f"'{'B' * 37}...' in AccountId is not a 15- or 18-character record Id"]


def test_v010_tells_a_wrong_checksum_from_a_malformed_id(tmp_path):
    path = write(tmp_path / "Contact.csv", b"LastName,AccountId\nSmith,001D000000IRFmaIAA\nJones,001D000000IRFm-IAH\n")
    _, report = lint_json("--select", "V010", path)
    assert [f["message"] for f in _only(report, "V010")] == [
        "'001D000000IRFmaIAA' in AccountId: the last 3 characters do not match the Id's checksum",
        "'001D000000IRFm-IAH' in AccountId is not a 15- or 18-character record Id"]


def test_v005_messages_say_how_the_column_is_known_to_hold_dates(tmp_path):
    from tests.helpers import FIXTURES

    path = write(tmp_path / "Contact.csv", b"LastName,Birthdate\nA,1990-06-07\nB,06/07/1990\nC,1985-01-31\n")
    _, inferred = lint_json("--select", "V005", path)
    _, described = lint_json("--select", "V005", "--describe", FIXTURES / "describe", path)
    assert [f["message"] for f in _only(inferred, "V005")] == [
        "'06/07/1990' in Birthdate (inferred from its values) is not yyyy-MM-dd; give --date-format to fix"]
    assert [f["message"] for f in _only(described, "V005")] == [
        "'06/07/1990' in Birthdate (a date field) is not yyyy-MM-dd; give --date-format to fix"]


def test_v006_messages_tell_a_missing_zone_from_another_form(tmp_path):
    path = write(tmp_path / "Case.csv", b"Subject,SyncedAt\nr1,2023-06-07T10:00:00Z\nr2,2023-06-07T10:00:00\n"
                                        b"r3,2023-06-07T10:00:00+02:00\nr4,2023-06-07 10:00:00Z\n")
    _, report = lint_json("--select", "V006", path)
    assert [f["message"] for f in _only(report, "V006")] == [
        "'2023-06-07T10:00:00' in SyncedAt has no time zone; Salesforce would guess one (add Z or +HH:mm); "
        "give --timezone to fix",
        "'2023-06-07 10:00:00Z' in SyncedAt (inferred from its values) is not yyyy-MM-ddTHH:mm:ss plus a zone; "
        "not rewritten: '2023-06-07T10:00:00' has no zone and no --timezone is given (line 3), "
        "and the values of SyncedAt are rewritten all or none"]


def test_v015_names_the_line_of_the_first_occurrence(tmp_path):
    # The line of the key's cell, as the finding's own line is: W-1 of Globex is on line 3.
    path = write(tmp_path / "Account.csv", b'Name,External_Id__c\n"Globex\nEnergy",W-1\nAcme,W-2\nInitech,W-1\n')
    _, report = lint_json("--select", "V015", "--operation", "upsert", "--external-id", "External_Id__c", path)
    assert [(f["line"], f["message"]) for f in _only(report, "V015")] == [(5, "External_Id__c 'W-1' repeats line 3")]


def test_f002_marks_the_first_byte_of_the_file(tmp_path):
    from tests.helpers import run_cli

    path = write(tmp_path / "Account.csv", b"\xef\xbb\xbfName,Phone\nAcme,555\n")
    _, out, _ = run_cli("lint", "--format", "full", "--no-progress", "--select", "F002", path)
    assert "1 | Name,Phone\n  | ^\n" in out   # the mark itself is invisible: not shown
