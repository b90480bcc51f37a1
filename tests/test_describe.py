"""Describe JSON: real describes from the corpus, both accepted shapes, and every broken input."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from sfprep.salesforce.describe import load_describe, parse_describe
from tests.helpers import CORPUS, findings_of, lint_json, run_cli

CUMULUSCI = CORPUS / "cumulusci"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this clone")


@pytest.fixture()
def describe_dir(tmp_path: Path) -> Path:
    """The cumulusci describes renamed to <Object>.json, as `--describe DIR` expects."""
    folder = tmp_path / "describe"
    folder.mkdir()
    for source in (CUMULUSCI / "describe").glob("*.describe.json"):
        shutil.copy(source, folder / source.name.replace(".describe.json", ".json"))
    return folder


@needs_corpus
def test_case_owner_is_polymorphic_group_or_user():
    case = load_describe(CUMULUSCI / "describe" / "Case.describe.json")
    owner = case.field("OwnerId")
    assert owner.polymorphic and set(owner.reference_to) == {"Group", "User"}
    assert case.relationship("Owner") is owner
    assert not case.field("AccountId").polymorphic


@needs_corpus
def test_camel_describe_of_a_custom_object():
    merchandise = load_describe(CORPUS / "apache-camel-salesforce" / "test-resources" / "objectDescription.json")
    assert merchandise.name == "Merchandise__c"
    assert merchandise.field("Price__c").type == "currency"
    assert merchandise.field("owNerId").polymorphic


def test_sf_cli_wrapper_and_raw_describe_give_the_same_object():
    raw = {"name": "Thing__c", "fields": [{"name": "Name", "type": "string", "length": 80}]}
    assert parse_describe({"status": 0, "result": raw}, "x") == parse_describe(raw, "x")


@pytest.mark.parametrize("content, problem", [
    ("not json", "not JSON"),
    ("[]", "expected a JSON object"),
    ('{"fields": []}', "no object `name`"),
    ('{"name": "X"}', "no `fields` list"),
    ('{"name": "X", "fields": [3]}', "fields[0] is not an object"),
    ('{"name": "X", "fields": [{"name": "A"}]}', "has no `name` or `type`"),
    ('{"status": 1, "result": {}}', "status 1"),
    ('{"name": "X", "fields": [{"name": "A", "type": "string", "length": "80"}]}', "`length` is not an integer"),
])
def test_broken_describe_is_one_line_and_exit_2(tmp_path, content, problem):
    describe = tmp_path / "Account.json"
    describe.write_text(content)
    data = tmp_path / "Account.csv"
    data.write_text("Name\nAcme\n")
    code, out, err = run_cli("lint", "--describe", describe, data)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("sfprep: error: ") and problem in err
    assert str(describe) in err and "Traceback" not in err


def test_describe_folder_naming_the_wrong_object_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "Account.json").write_text(json.dumps({"name": "Contact", "fields": []}))
    data = tmp_path / "Account.csv"
    data.write_text("Name\nAcme\n")
    code, _, err = run_cli("lint", "--describe", tmp_path / "d", data)
    assert code == 2 and "describes Contact, not Account" in err


def test_missing_describe_path_is_a_usage_error(tmp_path):
    data = tmp_path / "Account.csv"
    data.write_text("Name\nAcme\n")
    code, _, err = run_cli("lint", "--describe", tmp_path / "nowhere", data)
    assert code == 2 and "not found" in err


def test_without_describe_the_describe_rules_are_listed_as_skipped(tmp_path):
    data = tmp_path / "Account.csv"
    data.write_text("Name\nAcme\n")
    _, report = lint_json(data)
    skipped = {s["code"]: s["reason"] for s in report["files"][0]["skipped_rules"]}
    assert {"H008", "V008", "V013", "V016"} <= set(skipped)
    assert "--describe" in skipped["H008"]
    _, text_out, _ = run_cli("lint", "--format", "concise", data)
    assert re.search(r"skipped .*H008.*no describe JSON given", text_out)


def test_unknown_object_in_a_describe_folder_is_skipped_with_the_reason(tmp_path):
    (tmp_path / "d").mkdir()
    data = tmp_path / "Lead.csv"
    data.write_text("LastName\nSmith\n")
    _, report = lint_json("--describe", tmp_path / "d", data)
    reasons = {s["reason"] for s in report["files"][0]["skipped_rules"]}
    assert reasons == {f"no describe for Lead in {tmp_path / 'd'}"}


@needs_corpus
def test_misspelled_contact_field_gets_h008_with_the_right_suggestion(tmp_path, describe_dir):
    data = tmp_path / "Contact.upsert.csv"
    data.write_text("Id,LastNmae,Emial\n003000000000001AAA,Smith,a@b.example\n")
    _, report = lint_json("--describe", describe_dir, "--external-id", "Id", "--select", "H008", data)
    messages = [f["message"] for f in report["findings"]]
    assert findings_of(report) == [("H008", 1, 2), ("H008", 1, 3)]
    assert "did you mean 'LastName'?" in messages[0] and "did you mean 'Email'?" in messages[1]


@needs_corpus
def test_required_field_missing_on_insert_gets_v013(tmp_path, describe_dir):
    data = tmp_path / "Contact.csv"
    data.write_text("FirstName,Email\nAnn,ann@example.com\n")
    _, report = lint_json("--describe", describe_dir, "--select", "V013", data)
    assert findings_of(report) == [("V013", 1, None)]
    assert "LastName" in report["findings"][0]["message"]


@needs_corpus
def test_case_owner_without_type_prefix_gets_h010(tmp_path, describe_dir):
    data = tmp_path / "Case.csv"
    data.write_text("Subject,Owner.Username,User:Owner.Username\nHelp,a@b.example,a@b.example\n")
    _, report = lint_json("--describe", describe_dir, "--select", "H010,H011,H012", data)
    assert findings_of(report) == [("H010", 1, 2)]


BATCHES = [  # batch requests Salesforce accepted; their job comes from the jobInfo XML beside them
    "test_upsert_complex_fields__bulk__02_batch_request.csv",
    "test_upsert_external_id_field__02_batch_request.csv",
    "test_upsert_external_id_field__08_batch_request.csv",
    "test_upsert_external_id_field__24_batch_request.csv",
]


def _job_of(batch: str):
    """The object, operation and external id from the jobInfo request written just before the batch."""
    number = int(re.search(r"__(\d+)_batch_request", batch).group(1))
    prefix = batch[: batch.index(f"__{number:02d}_batch_request")]
    requests = sorted((CUMULUSCI / "bulk1").glob(f"{prefix}__*_jobInfo_request.xml"))
    job = [r for r in requests if int(re.search(r"__(\d+)_jobInfo", r.name).group(1)) < number][-1].read_text()

    def tag(name):
        found = re.search(rf"<{name}>([^<]+)</{name}>", job)
        return found.group(1) if found else None
    return tag("object"), tag("operation"), tag("externalIdFieldName")


@needs_corpus
@pytest.mark.parametrize("batch", BATCHES)
def test_batches_salesforce_accepted_lint_with_no_error(batch, describe_dir):
    object_name, operation, external_id = _job_of(batch)
    args = ["--describe", describe_dir, "--object", object_name, "--operation", operation]
    if external_id:
        args += ["--external-id", external_id]
    _, report = lint_json(*args, CUMULUSCI / "bulk1" / batch)
    errors = [(f["code"], f["line"], f["message"]) for f in report["findings"] if f["severity"] == "error"]
    assert errors == []
    assert report["files"][0]["object"] == object_name
    skipped = {s["code"] for s in report["files"][0]["skipped_rules"]}
    assert not skipped & {"H008", "V008", "V011", "V014"}, "the describe rules did not run: a clean result means nothing"


@pytest.mark.parametrize("fmt", ["full", "concise", "github"])
def test_skipped_rules_are_in_every_text_format(tmp_path, fmt):
    data = tmp_path / "Account.csv"
    data.write_text("Name\nAcme\n")
    _, out, _ = run_cli("lint", "--format", fmt, data)
    assert "H008" in out and "no describe JSON given" in out


def test_skipped_rules_are_in_the_statistics(tmp_path):
    data = tmp_path / "Account.csv"
    data.write_text("Name\nAcme\n")
    _, out, _ = run_cli("lint", "--statistics", data)
    assert "skipped" in out and "V016" in out
