"""Date and Id rules without a describe, on the third-party corpus: columns are typed from
their names and values, so a column wrong in every record is checked, and plain text is not.

Expectations derived by hand from the files' bytes (see each folder's PROVENANCE.md).
"""
from __future__ import annotations

import pytest

from tests.helpers import CORPUS, lint_json

if not CORPUS.is_dir():
    pytest.skip("../shared/corpus is not beside this clone; the corpus value tests need it",
                allow_module_level=True)

DATALOADER = "forcedotcom-dataloader/testfiles/data/"

# Every V005/V006 finding of the whole corpus: none elsewhere (no plain-text column is read
# as dates; the Data Loader samples' CREATEDDATE, CLOSEDATE... hold ISO values).
DATE_FINDINGS = sorted(
    # DATE and DATE_ONLY hold `2010-10-14T12:00:00.000`: a dateTime without a zone
    [(DATALOADER + "dateUsingDefaultTimeZone.csv", "V006", 2, 8),
     (DATALOADER + "dateUsingDefaultTimeZone.csv", "V006", 2, 9)]
    # rows A-C `07/15/2009 02:14:45+0800`, D-F `2009-07-14 22:14:45+0800`, AT-CT
    # `07/15/2009T02:14:45+0800` are not ISO; DT-FT (lines 11-13) `2009-07-14T22:14:45+0800` are
    + [(DATALOADER + "timeZoneFormatTesting.csv", "V006", line, 2) for line in range(2, 11)]
    # `2020-01-01T15:00:00` has no zone; the other three have Z, +03:00, -03:00
    + [("frictionless-py/data/timezone-with-id.csv", "V006", 2, 2)])


def _relative(path: str) -> str:
    return path.split(str(CORPUS) + "/", 1)[1]


@pytest.fixture(scope="module")
def corpus_report():
    _, report = lint_json("--exit-zero", "--select", "V005,V006,V010", CORPUS)
    return report


def test_date_findings_are_exactly_the_hand_derived_ones(corpus_report):
    found = sorted((_relative(f["path"]), f["code"], f["line"], f["column"]) for f in corpus_report["findings"]
                   if f["code"] in ("V005", "V006"))
    assert found == DATE_FINDINGS


@pytest.mark.parametrize("name, expected", [
    # `"ID"` (any case is the Id field) holding Data Loader's `id#N` placeholders
    ("hardDelete1AccountCsvTemplate.csv", [(2, 1)]),
    ("hardDeleteInvalidIDFailsOtherValidIDPassesTemplate.csv", [(2, 1), (3, 1), (4, 1)]),
    ("hardDeleteSameObjectIDSucceedsOtherObjectIDFailsTemplate.csv", [(2, 1), (3, 1)]),
    # ParentId `XXX` on three rows
    ("createAttachmentMultipleFilesTemplate.csv", [(2, 3), (3, 3), (4, 3)]),
    # ID holds well-formed 18-character Ids (`001x00000035m0iAAA`: no capital in the first 15)
    ("updateAccountCsvTemplate.csv", []),
])
def test_record_id_findings(corpus_report, name, expected):
    found = sorted((f["line"], f["column"]) for f in corpus_report["findings"]
                   if f["code"] == "V010" and _relative(f["path"]) == DATALOADER + name)
    assert found == expected


def test_real_ids_in_upper_case_columns_pass(corpus_report):
    # Data Loader exports: ID, OWNERID, CREATEDBYID, ACCOUNTID hold real 18-character Ids
    samples = ("forcedotcom-dataloader/samples/data/accountData.csv",
               "forcedotcom-dataloader/samples/data/opportunityData.csv")
    assert [f for f in corpus_report["findings"] if _relative(f["path"]) in samples] == []
