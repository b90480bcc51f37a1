"""What the header and key findings say: the suggestion must be one that loads.

The (code, line, column) of these files are in the rule fixtures; here are the words."""
from __future__ import annotations

import json
import shlex

from tests.helpers import FIXTURES, assert_usage_error, invoke, lint_json, write

DESCRIBE = FIXTURES / "describe"
RULES = FIXTURES / "rules"


def _messages(report, code):
    return [(f["line"], f["column"], f["message"]) for f in report["findings"] if f["code"] == code]


def test_polymorphic_column_suggests_the_type_that_has_the_field():
    # Case.OwnerId points at Group or User; User.json (beside Case.json) has Username.
    _, report = lint_json("--select", "H010", "--object", "Case", "--describe", DESCRIBE, RULES / "H010" / "bad.csv")
    assert _messages(report, "H010") == [
        (1, 2, "OwnerId is polymorphic (Group/User): write User:Owner.Username "
               "(User has Username; no describe for Group)")]


def test_polymorphic_column_without_parent_describes_lists_every_target():
    _, report = lint_json("--select", "H010", "--object", "Case", "--describe", DESCRIBE / "Case.json",
                          RULES / "H010" / "bad.csv")
    assert _messages(report, "H010") == [
        (1, 2, "OwnerId is polymorphic (Group/User): write one of Group:Owner.Username, User:Owner.Username")]


def test_standard_relationship_written_with_r_suggests_it_without():
    _, report = lint_json("--select", "H009", "--object", "Contact", "--describe", DESCRIBE, RULES / "H009" / "bad-3.csv")
    assert _messages(report, "H009") == [
        (1, 2, "'Account__r' in 'Account__r.External_Id__c': Account is a standard relationship, "
               "named without __r: write Account.External_Id__c")]


def test_field_types_take_the_right_article():
    _, report = lint_json("--select", "H009", "--object", "Contact", "--describe", DESCRIBE, RULES / "H009" / "bad.csv")
    assert (1, 3, "'Email' in 'Email.Domain': Email is an email field, not a lookup") in _messages(report, "H009")


def test_operations_take_the_right_article(tmp_path):
    # Widget__c.Formula__c is neither createable nor updateable.
    data = write(tmp_path / "w.csv", b"Id,Name,Formula__c\na005g00000XyZabAAF,W1,x\n")
    expected = {"insert": "Formula__c is not createable; an insert cannot set it",
                "update": "Formula__c is not updateable; an update cannot set it",
                "upsert": "Formula__c is not createable or updateable; an upsert cannot set it"}
    for operation, message in expected.items():
        _, report = lint_json("--select", "V014", "--object", "Widget__c", "--operation", operation,
                              "--external-id", "Name", "--describe", DESCRIBE, data)
        assert _messages(report, "V014") == [(1, 3, message)]
    _, report = lint_json("--select", "O002", "--operation", "update", write(tmp_path / "a.csv", b"Name\nAcme\n"))
    assert _messages(report, "O002") == [(1, None, "an update needs an Id column")]


def test_required_field_on_upsert_is_a_warning_when_empty_and_an_error_when_cleared():
    _, report = lint_json("--select", "V013", *_args(RULES / "V013" / "bad-upsert.args"), RULES / "V013" / "bad-upsert.csv")
    assert [(f["line"], f["column"], f["severity"], f["message"]) for f in report["findings"]] == [
        (3, 2, "warning", "required field LastName is empty: on upsert, the row fails if it creates a record"),
        (4, 2, "error", "#N/A clears the required field LastName: the row fails, whether it creates or updates")]
    _, report = lint_json("--select", "V013", *_args(RULES / "V013" / "bad-upsert-2.args"),
                          RULES / "V013" / "bad-upsert-2.csv")
    assert [(f["line"], f["severity"], f["message"]) for f in report["findings"]] == [
        (1, "warning", "required field LastName has no column: on upsert, the rows that create records fail")]


def test_external_ids_repeat_whatever_their_case():
    _, report = lint_json("--select", "V015", *_args(RULES / "V015" / "bad-4.args"), RULES / "V015" / "bad-4.csv")
    assert _messages(report, "V015") == [(3, 2, "External_Id__c 'c-2' repeats line 2")]


def test_sf_error_wrapper_shows_sfs_own_message(tmp_path):
    error = {"status": 1, "name": "NoDefaultEnvError",
             "message": "No default environment found.\nUse -o or --target-org to specify an environment.",
             "exitCode": 1, "commandName": "SobjectDescribe", "warnings": []}
    describe = write(tmp_path / "Account.json", json.dumps(error))
    data = write(tmp_path / "Account.csv", b"Name\nAcme\n")
    code, out, err = invoke("lint", "--describe", describe, data)
    assert_usage_error(code, out, err, str(describe), "the sf command failed (status 1): NoDefaultEnvError: "
                       "No default environment found. Use -o or --target-org to specify an environment.")


def test_invisible_padding_gets_h003_with_h004():
    _, report = lint_json("--select", "H003,H004", RULES / "H003" / "bad-invisible.csv")
    assert [(f["code"], f["column"], f["message"]) for f in report["findings"]] == [
        ("H003", 2, "column name '\\u200bEmail' has an invisible character around it"),
        ("H004", 2, "'\\u200bEmail' is not a valid API name ('\\u200bEmail')"),
        ("H003", 3, "column name 'Phone\\ufeff' has an invisible character around it"),
        ("H004", 3, "'Phone\\ufeff' is not a valid API name ('Phone\\ufeff')")]


def _args(path):
    return shlex.split(path.read_text().format(fixtures=FIXTURES, here=path.parent))
