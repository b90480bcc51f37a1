"""The XML reader against lxml's own tree (issue 15): on random well-formed Bulk XML, the
records sfprep reads are the ones lxml sees, and no finding says otherwise; on random
mutations of it, findings at real lines or one UsageError, never anything else."""
from __future__ import annotations

import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import sfprep
from sfprep.core.model import UsageError
from sfprep.linter.frames import read_table

DATALOAD = "http://www.force.com/2009/06/asyncapi/dataload"
NAMES = ["Name", "Phone", "Description", "Ext__c", "Title"]
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=12)
RECORD = st.dictionaries(st.sampled_from(NAMES), TEXT, min_size=1, max_size=len(NAMES))
RECORDS = st.lists(RECORD, min_size=1, max_size=12)


def document(records: list[dict]) -> bytes:
    body = "".join("<sObject>" + "".join(f"<{name}>{escape(value)}</{name}>" for name, value in record.items())
                   + "</sObject>\n" for record in records)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sObjects xmlns="{DATALOAD}">\n{body}</sObjects>\n'.encode()


def lxml_records(data: bytes) -> list[dict]:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    return [{etree.QName(field).localname: field.text or "" for field in record} for record in root]


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS)
def test_well_formed_documents_read_as_lxml_reads_them(records):
    data = document(records)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "Account.xml"
        path.write_bytes(data)
        frame = read_table(str(path))
        expected = lxml_records(data)
        names = frame.columns
        assert [{name: row[name] for name in names if row[name] != "" or name in record}
                for row, record in zip(frame.iter_rows(named=True), expected)] == \
            [{name: value for name, value in record.items()} for record in expected]
        report = sfprep.lint(str(path), select=["X001", "X002", "X003", "X004", "X005", "X006", "X007", "X008", "X009"])
        assert [f["code"] for f in report] == [], "no structural finding on a well-formed batch"


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS, st.lists(st.tuples(st.integers(min_value=0), st.binary(min_size=0, max_size=3)), min_size=1,
                         max_size=4))
def test_mutated_documents_get_findings_at_real_lines_or_one_error(records, mutations):
    data = bytearray(document(records))
    for position, replacement in mutations:
        at = position % (len(data) + 1)
        data[at:at + 1] = replacement
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "Account.xml"
        path.write_bytes(bytes(data))
        lines = bytes(data).count(b"\n") + 1
        try:
            report = sfprep.lint(str(path))
        except UsageError:
            return
        for finding in report:
            assert finding["line"] is None or 1 <= finding["line"] <= lines, finding
